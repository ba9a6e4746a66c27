//! The operations endpoint: liveness, readiness and Prometheus metrics.
//!
//! [`router`] is public so that the CLI can serve it together with routes of
//! its own; [`crate::run`] serves it by itself when `http.enabled` is set.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use crate::error::RuntimeError;
use crate::status::RuntimeStatus;

/// The state the endpoint reads.
#[derive(Clone)]
pub struct OperationsState {
    pub status: RuntimeStatus,
    pub metrics: PrometheusHandle,
}

/// Builds the routes `/healthz`, `/readyz` and `/metrics`.
pub fn router(state: OperationsState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Binds the listener. Separate from [`serve`] so that a bind failure stops
/// the startup and port 0 resolves to the actual port.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, RuntimeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| RuntimeError::Http { addr, source })
}

/// Serves the routes until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Returns 200 while the process runs. A stalled pipeline still responds, so
/// liveness restarts only a dead process; readiness reports the rest.
async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 once every stage has its partition assignment, 503 before that and
/// while rebalancing or shutting down. The body lists each stage's phase.
async fn readyz(State(state): State<OperationsState>) -> impl IntoResponse {
    let mut body = String::new();
    for (stage, phase) in state.status.phases() {
        body.push_str(stage);
        body.push_str(": ");
        body.push_str(phase.as_str());
        body.push('\n');
    }
    let code = if state.status.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, body)
}

async fn metrics(State(state): State<OperationsState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use metrics_exporter_prometheus::PrometheusBuilder;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::lifecycle::Transition;
    use crate::status::StageStatus;

    async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        let status = response[9..12].parse().expect("status code");
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    #[tokio::test]
    async fn readiness_follows_the_stage_phase() {
        let stage = StageStatus::new("stateful");
        let state = OperationsState {
            status: RuntimeStatus::new(vec![Arc::clone(&stage)]),
            metrics: PrometheusBuilder::new().build_recorder().handle(),
        };
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, router(state), async {
            let _ = stopped.await;
        }));

        assert_eq!(get(addr, "/healthz").await.0, 200);
        let (status, body) = get(addr, "/readyz").await;
        assert_eq!(status, 503);
        assert_eq!(body, "stateful: joining\n");

        stage.apply(Transition::Assigned);
        assert_eq!(
            get(addr, "/readyz").await,
            (200, "stateful: running\n".to_owned())
        );

        stage.apply(Transition::ShutdownRequested);
        assert_eq!(get(addr, "/readyz").await.0, 503);
        assert_eq!(get(addr, "/metrics").await.0, 200);
        assert_eq!(get(addr, "/nothing").await.0, 404);

        let _ = stop.send(());
        server
            .await
            .expect("server task")
            .expect("server stops cleanly");
    }
}
