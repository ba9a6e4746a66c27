//! The operations endpoint: liveness, readiness, Prometheus metrics, and
//! identity queries (inventory, risk and rotation impact) answered by the
//! stateful stage.
//!
//! [`router`] is public so that the CLI can serve it together with routes of
//! its own; [`crate::run`] serves it by itself when `http.enabled` is set.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{Query as QueryString, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;

use ispm_model::IdentityId;

use crate::error::RuntimeError;
use crate::query::{QueryAnswer, QueryClient, QueryError};
use crate::status::RuntimeStatus;

/// Days of history a rotation impact covers when the request gives no `days`.
const DEFAULT_IMPACT_DAYS: u32 = 30;
/// Maximum `days` of a rotation impact request: ten years.
const MAX_IMPACT_DAYS: u32 = 3650;

/// The state the endpoint reads.
#[derive(Clone)]
pub struct OperationsState {
    pub status: RuntimeStatus,
    pub metrics: PrometheusHandle,
    pub queries: QueryClient,
}

/// Builds the routes `/healthz`, `/readyz`, `/metrics`, `/identity` and
/// `/rotation-impact`.
pub fn router(state: OperationsState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/identity", get(identity))
        .route("/rotation-impact", get(rotation_impact))
        .with_state(state)
}

/// Parameters of the identity routes. Identity ids contain `/` and `:`, so
/// they travel in the query string, percent-encoded. Read as a plain map so
/// that a missing or invalid parameter gets a JSON error like the others.
type IdentityParams = std::collections::HashMap<String, String>;

/// `GET /identity?id=ID`: the inventory record and risk of one identity
/// held by this instance.
async fn identity(
    State(state): State<OperationsState>,
    QueryString(params): QueryString<IdentityParams>,
) -> impl IntoResponse {
    let Some(id) = params.get("id").filter(|id| !id.is_empty()) else {
        return json_error(StatusCode::BAD_REQUEST, MISSING_ID);
    };
    ask(&state, id.clone(), None, DEFAULT_IMPACT_DAYS).await
}

const MISSING_ID: &str = "missing query parameter `id`: the canonical identity id, percent-encoded, e.g. id=aws%3A123456789012%3Auser%2Falice";

/// `GET /rotation-impact?id=ID&credential=KEY&days=N`: every consumer of
/// one credential seen in the last N days (default 30): what breaks if it
/// is rotated.
async fn rotation_impact(
    State(state): State<OperationsState>,
    QueryString(params): QueryString<IdentityParams>,
) -> impl IntoResponse {
    let Some(id) = params.get("id").filter(|id| !id.is_empty()) else {
        return json_error(StatusCode::BAD_REQUEST, MISSING_ID);
    };
    let Some(credential) = params
        .get("credential")
        .filter(|credential| !credential.is_empty())
    else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "missing query parameter `credential`: the access key id, console-password or a report slot such as access_key_1",
        );
    };
    let days = match params.get("days").map(|days| days.parse::<u32>()) {
        None => DEFAULT_IMPACT_DAYS,
        Some(Ok(days)) if (1..=MAX_IMPACT_DAYS).contains(&days) => days,
        Some(_) => {
            let requested = params.get("days").map(String::as_str).unwrap_or_default();
            return json_error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "invalid `days` {requested:?}: expected a whole number from 1 to {MAX_IMPACT_DAYS}"
                ),
            );
        }
    };
    ask(&state, id.clone(), Some(credential.clone()), days).await
}

async fn ask(
    state: &OperationsState,
    id: String,
    credential: Option<String>,
    days: u32,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], String) {
    let requested_credential = credential.clone();
    match state
        .queries
        .ask(IdentityId::new(id.as_str()), credential, days)
        .await
    {
        Ok(QueryAnswer::Found(view)) => {
            if let Some(credential) = requested_credential
                && view.rotation_impact.is_none()
            {
                return json_error(
                    StatusCode::NOT_FOUND,
                    &format!("identity {id} has no credential {credential}"),
                );
            }
            match serde_json::to_string(&view) {
                Ok(body) => (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    body,
                ),
                Err(error) => json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("failed to serialize the answer: {error}"),
                ),
            }
        }
        Ok(QueryAnswer::NotHere) => json_error(
            StatusCode::NOT_FOUND,
            &format!(
                "identity {id} is not in this instance's state: no event or snapshot has named it yet, or another instance holds its events partition"
            ),
        ),
        Err(QueryError::Busy) => json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many identity queries are waiting; retry shortly",
        ),
        Err(QueryError::Stopped) => json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the stateful stage is not running",
        ),
    }
}

fn json_error(
    code: StatusCode,
    message: &str,
) -> (StatusCode, [(header::HeaderName, &'static str); 1], String) {
    let body = serde_json::json!({ "error": message }).to_string();
    (code, [(header::CONTENT_TYPE, "application/json")], body)
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
            queries: QueryClient::channel().0,
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
