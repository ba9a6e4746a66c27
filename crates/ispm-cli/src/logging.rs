//! `tracing` subscriber set-up: human or JSON lines on stderr.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, LogSettings};

/// Installs the global subscriber. The filter comes from `RUST_LOG` when it is
/// set, else from `log.level`. An invalid directive falls back to `info` with
/// a warning, because a typo in a log level should not stop a pipeline.
pub fn init(settings: &LogSettings) {
    let (filter, invalid) = match std::env::var(EnvFilter::DEFAULT_ENV) {
        Ok(directives) if !directives.is_empty() => parse_filter(&directives),
        _ => parse_filter(&settings.level),
    };

    let stderr = std::io::stderr;
    let result = match settings.format {
        LogFormat::Human => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(stderr)
            .with_current_span(false)
            .try_init(),
    };
    // `try_init` fails only when a subscriber is already installed, and then
    // that subscriber decides what to log.
    if result.is_ok()
        && let Some((directives, error)) = invalid
    {
        tracing::warn!(%directives, %error, "invalid log filter, using info");
    }
}

fn parse_filter(directives: &str) -> (EnvFilter, Option<(String, String)>) {
    match EnvFilter::try_new(directives) {
        Ok(filter) => (filter, None),
        Err(error) => (
            EnvFilter::new("info"),
            Some((directives.to_owned(), error.to_string())),
        ),
    }
}
