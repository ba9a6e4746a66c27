//! The parts every Kafka client of the runtime shares: the common
//! configuration, and forwarding of librdkafka's logs and errors to `tracing`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::KafkaError;

use crate::config::KafkaConfig;

/// Sets the bootstrap servers and the user's `client_properties`. Callers
/// set their own defaults before this call, so that the user's properties
/// override them, and the reserved properties after it.
pub(crate) fn apply_common(client_config: &mut ClientConfig, config: &KafkaConfig) {
    client_config.set("bootstrap.servers", &config.bootstrap_servers);
    for (name, value) in config.client_properties.iter() {
        client_config.set(name, value.expose());
    }
}

/// Warnings allowed per window before the rest are counted and summarised.
const WARNINGS_PER_WINDOW: u32 = 5;
const WARNING_WINDOW: Duration = Duration::from_secs(30);

/// Forwards librdkafka's log lines and errors to `tracing`, with warnings
/// rate-limited: a broker that is down makes librdkafka report the same
/// connection failure several times a second.
///
/// librdkafka's own error level becomes WARN here: it reports transient
/// conditions (a refused connection, a broker restarting) that it retries by
/// itself. The runtime logs at ERROR the conditions that lose progress.
pub(crate) struct ClientLog {
    client: &'static str,
    limiter: Mutex<Window>,
}

struct Window {
    started: Instant,
    logged: u32,
    suppressed: u64,
}

impl ClientLog {
    pub fn new(client: &'static str) -> Self {
        ClientLog {
            client,
            limiter: Mutex::new(Window {
                started: Instant::now(),
                logged: 0,
                suppressed: 0,
            }),
        }
    }

    pub fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        let client = self.client;
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                if let Some(suppressed) = self.admit() {
                    tracing::warn!(client, facility, suppressed, "librdkafka: {message}");
                }
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(client, facility, "librdkafka: {message}");
            }
            RDKafkaLogLevel::Debug => tracing::debug!(client, facility, "librdkafka: {message}"),
        }
    }

    /// Logs an error event of the client. Fatal errors are logged by the
    /// component that stops because of them.
    pub fn error(&self, error: &KafkaError, reason: &str) {
        let client = self.client;
        if let Some(suppressed) = self.admit() {
            tracing::warn!(client, %error, reason, suppressed, "kafka client error; librdkafka retries");
        }
    }

    /// Returns how many warnings were suppressed since the last one logged,
    /// or `None` when this one must be suppressed too.
    fn admit(&self) -> Option<u64> {
        let mut window = self
            .limiter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if window.started.elapsed() >= WARNING_WINDOW {
            window.started = Instant::now();
            window.logged = 0;
        }
        if window.logged >= WARNINGS_PER_WINDOW {
            window.suppressed += 1;
            return None;
        }
        window.logged += 1;
        Some(std::mem::take(&mut window.suppressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_beyond_the_window_budget_are_counted() {
        let log = ClientLog::new("test");
        for _ in 0..WARNINGS_PER_WINDOW {
            assert_eq!(log.admit(), Some(0));
        }
        assert_eq!(log.admit(), None);
        assert_eq!(log.admit(), None);

        // Start a new window by hand instead of sleeping through one.
        log.limiter.lock().expect("not poisoned").started -= WARNING_WINDOW;
        assert_eq!(
            log.admit(),
            Some(2),
            "the first warning of a window reports the suppressed ones"
        );
    }

    #[test]
    fn user_properties_override_defaults() {
        let mut config = KafkaConfig::default();
        config
            .client_properties
            .insert("partitioner", "consistent_random");
        config.client_properties.insert("sasl.password", "pw");
        let mut client_config = ClientConfig::new();
        client_config.set("partitioner", "murmur2_random");
        apply_common(&mut client_config, &config);

        assert_eq!(client_config.get("partitioner"), Some("consistent_random"));
        assert_eq!(client_config.get("sasl.password"), Some("pw"));
        assert_eq!(
            client_config.get("bootstrap.servers"),
            Some("127.0.0.1:9092")
        );
    }
}
