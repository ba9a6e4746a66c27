use std::net::SocketAddr;

use rdkafka::error::KafkaError;
use thiserror::Error;

use crate::config::ConfigError;

/// The reason the Kafka runtime could not start or had to stop.
///
/// Each message names who is at fault (the settings, the broker, the network
/// or ispm) and whether running again can help. [`RuntimeError::is_retriable`]
/// returns the same verdict for code that restarts the runtime.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The settings are invalid. Fix them; a retry gives the same error.
    #[error("invalid Kafka runtime settings: {0}")]
    Config(#[from] ConfigError),

    /// librdkafka rejected the client configuration, usually an unknown or
    /// invalid entry in `kafka.client_properties`.
    #[error(
        "failed to create the Kafka {client}: {source}; check kafka.client_properties and kafka.bootstrap_servers"
    )]
    Client {
        client: &'static str,
        #[source]
        source: KafkaError,
    },

    /// A metadata or admin request failed, most often because no broker
    /// responded in time. Retrying helps once the brokers are reachable.
    #[error(
        "Kafka {operation} failed: {source}; check that the brokers in kafka.bootstrap_servers are reachable, then retry"
    )]
    Broker {
        operation: &'static str,
        #[source]
        source: KafkaError,
    },

    /// An output topic is missing and the runtime must not create it.
    #[error(
        "topic {topic:?} does not exist and kafka.create_topics is false; create the topic or set kafka.create_topics = true"
    )]
    MissingTopic { topic: String },

    /// A raw input topic is missing. ispm never creates input topics because
    /// their partitioning and retention belong to their producers.
    #[error("input topic {topic:?} does not exist; create it or remove it from kafka.inputs")]
    MissingInputTopic { topic: String },

    /// The broker refused to create a topic (permissions, broker limits, an
    /// invalid replication factor).
    #[error(
        "the broker rejected creating topic {topic:?}: {reason}; create it by hand or fix the setting named in the reason"
    )]
    CreateTopic { topic: String, reason: String },

    /// An input keyed by identity feeds the stateful stage directly, so its
    /// partition `n` must hold the same identities as partition `n` of the
    /// events topic.
    #[error(
        "input topic {topic:?} is keyed by identity but has {actual} partitions while {events_topic:?} has {expected}; \
         give both the same partition count or set keyed_by_identity = false for this input"
    )]
    NotCoPartitioned {
        topic: String,
        events_topic: String,
        expected: usize,
        actual: usize,
    },

    /// The producer refused a record for a reason other than a full queue,
    /// e.g. a record larger than `message.max.bytes`. The input offset is not
    /// committed, so a restart reprocesses it.
    #[error(
        "producing a record to {topic:?} failed: {source}; offsets after the record are not committed, so a restart retries it"
    )]
    Produce {
        topic: String,
        #[source]
        source: KafkaError,
    },

    /// The broker did not acknowledge a record within the producer's
    /// `message.timeout.ms`. Nothing after the input that produced it is
    /// committed, so a restart reprocesses it once the broker is healthy.
    #[error(
        "the broker did not acknowledge a record for {topic:?}: {source}; offsets after it are not committed, so a restart retries it"
    )]
    Delivery {
        topic: String,
        #[source]
        source: KafkaError,
    },

    /// librdkafka reported a fatal error; the client cannot be used any more.
    #[error("fatal Kafka client error in the {client}: {reason}; restart the runtime")]
    Fatal {
        client: &'static str,
        reason: String,
    },

    /// A consumer stayed in a partition revocation far longer than its own
    /// waits allow, so it is stuck inside the Kafka client. Its partitions
    /// stay uncommitted; a restart lets the group move them.
    #[error(
        "the {stage} consumer has been revoking partitions for {seconds} s, longer than kafka.drain_deadline allows; restart the runtime"
    )]
    Stuck { stage: &'static str, seconds: u64 },

    /// The health and metrics endpoint could not listen.
    #[error(
        "failed to listen for HTTP on {addr}: {source}; choose a free address in http.listen or disable http"
    )]
    Http {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },

    /// The Prometheus recorder could not be installed, usually because the
    /// process installed another `metrics` recorder first.
    #[error(
        "failed to install the Prometheus metrics recorder: {0}; install no other metrics recorder in this process"
    )]
    Metrics(String),

    /// A thread or task of the runtime stopped without reporting why. This is
    /// a bug in ispm.
    #[error(
        "the {component} stopped unexpectedly: {reason}; this is a bug in ispm, please report it"
    )]
    Internal {
        component: &'static str,
        reason: String,
    },
}

impl RuntimeError {
    /// Returns true when running again with the same settings may succeed,
    /// because the cause is outside ispm and may go away (an unreachable or
    /// overloaded broker).
    pub fn is_retriable(&self) -> bool {
        match self {
            RuntimeError::Broker { .. }
            | RuntimeError::Delivery { .. }
            | RuntimeError::Fatal { .. }
            | RuntimeError::Stuck { .. }
            | RuntimeError::Produce { .. } => true,
            RuntimeError::Config(_)
            | RuntimeError::Client { .. }
            | RuntimeError::MissingTopic { .. }
            | RuntimeError::MissingInputTopic { .. }
            | RuntimeError::CreateTopic { .. }
            | RuntimeError::NotCoPartitioned { .. }
            | RuntimeError::Http { .. }
            | RuntimeError::Metrics(_)
            | RuntimeError::Internal { .. } => false,
        }
    }
}
