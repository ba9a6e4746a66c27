//! `ispm run`: the Kafka pipeline, until SIGINT or SIGTERM.

use std::process::ExitCode;

use ispm_kafka::RuntimeError;

use crate::settings::Settings;

const EXIT_FAILED: u8 = 1;
const EXIT_INVALID_SETTINGS: u8 = 2;

/// Runs the Kafka runtime on a multi-threaded Tokio runtime and maps its end
/// to an exit code: 0 after a clean shutdown, 2 for invalid settings, 1 for
/// any other failure.
pub fn run(settings: &Settings) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "failed to start the Tokio runtime");
            return ExitCode::from(EXIT_FAILED);
        }
    };

    let result = runtime.block_on(ispm_kafka::run(settings.run_settings(), shutdown_signal()));
    match result {
        Ok(report) => {
            tracing::info!(
                events_processed = report.counts.events_processed,
                snapshots_applied = report.counts.snapshots_applied,
                findings = report.counts.findings,
                dead_letters = report.counts.dead_letters,
                unacknowledged_records = report.unacknowledged_records,
                drain_seconds = report.drain_duration.as_secs_f64(),
                "ispm run stopped"
            );
            ExitCode::SUCCESS
        }
        Err(error @ RuntimeError::Config(_)) => {
            tracing::error!(%error, "ispm run failed");
            ExitCode::from(EXIT_INVALID_SETTINGS)
        }
        Err(error) => {
            tracing::error!(%error, retriable = error.is_retriable(), "ispm run failed");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Completes on the first SIGINT (Ctrl-C) or SIGTERM, which container
/// runtimes send to stop a process. If a handler cannot be installed, that
/// signal is not waited for and the error is logged.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "failed to listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "failed to listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
