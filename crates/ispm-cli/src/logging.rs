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
    if let Some(problem) = unlikely_directive(directives) {
        return (
            EnvFilter::new("info"),
            Some((directives.to_owned(), problem)),
        );
    }
    match EnvFilter::try_new(directives) {
        Ok(filter) => (filter, None),
        Err(error) => (
            EnvFilter::new("info"),
            Some((directives.to_owned(), error.to_string())),
        ),
    }
}

/// Levels that a directive without `=` may name.
const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// Returns why `directives` is most likely a mistake although `EnvFilter`
/// accepts it. `EnvFilter` reads a word that is not a level, such as
/// `warning`, as the name of a log target: every other target is then
/// silenced, and so is the warning that would tell. An empty filter also
/// silences everything but errors. A bare word is taken for a target only
/// when it names one of ours or a module path (`a::b`).
fn unlikely_directive(directives: &str) -> Option<String> {
    if directives.trim().is_empty() {
        return Some("the log filter is empty".to_owned());
    }
    directives
        .split(',')
        .map(str::trim)
        .filter(|directive| !directive.contains('=') && !directive.contains('['))
        .find(|word| {
            let level = LEVELS.iter().any(|level| word.eq_ignore_ascii_case(level));
            let target = word.starts_with("ispm") || word.contains("::");
            !level && !target
        })
        .map(|word| {
            format!(
                "`{word}` is not a level ({}); a target needs `target=level`",
                LEVELS.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_level_words_fall_back() {
        for directives in ["warning", "verbose", "", "  ", "info,lots"] {
            assert!(parse_filter(directives).1.is_some(), "{directives:?}");
        }
    }

    #[test]
    fn levels_and_targets_are_kept() {
        for directives in [
            "warn",
            "DEBUG",
            "info,ispm_engine=debug",
            "ispm_kafka",
            "rdkafka::client=trace",
            "info,ispm[replay]=debug",
        ] {
            assert_eq!(parse_filter(directives).1, None, "{directives:?}");
        }
    }
}
