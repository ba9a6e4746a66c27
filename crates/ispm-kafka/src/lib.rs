//! The Kafka runtime of ispm (`ispm run`).
//!
//! Two stages, each a consumer group member with its own consumer thread,
//! bounded channel and processing task, sharing one idempotent producer:
//!
//! - The **decode stage** (group `<group_id>-decode`) reads the raw topics,
//!   decodes each message and writes every event to the events topic keyed
//!   by its actor's identity id. For each target fact of an event it writes a
//!   copy keyed by the target identity with the header `ispm-route: fact`, so
//!   that the fact reaches the partition that owns the target. Records that
//!   cannot be decoded go to the dead-letter topic with the headers
//!   `ispm-reason`, `ispm-detail`, `ispm-source-topic`,
//!   `ispm-source-partition` and `ispm-source-offset`.
//! - The **stateful stage** (group `<group_id>-stateful`) reads the events
//!   topic, and raw topics already keyed by identity, with one
//!   [`ispm_engine::Engine`] per partition. It writes findings as OCSF JSON
//!   to the finding topic of their category and changed inventory records to
//!   the compacted inventory topic, both keyed by identity id. Partition
//!   state starts empty on every assignment; restoring it is not implemented
//!   yet.
//!
//! # Delivery guarantee
//!
//! At least once. An input offset is committed only after every record
//! produced from it, and from the records before it in its partition, has
//! been acknowledged by the broker ([`offsets::OffsetTracker`]). On
//! shutdown, and for partitions revoked in a rebalance, the runtime finishes
//! in-flight records within `kafka.drain_deadline` and commits before
//! letting go. A crash or a missed deadline leads to reprocessing, never to
//! loss; finding ids are deterministic, so duplicates are recognisable.
//!
//! # Time
//!
//! Engines run on event time carried inside each event. Kafka timestamps of
//! the records the runtime writes are their produce time.
//!
//! # Operations
//!
//! [`http`] serves `/healthz`, `/readyz` and `/metrics` (Prometheus, through
//! the `metrics` crate; names in [`metrics`]).

mod acks;
mod client;
pub mod config;
mod consumer;
mod deadletter;
mod decode_stage;
mod error;
pub mod http;
mod lifecycle;
pub mod metrics;
pub mod offsets;
mod producer;
mod query;
mod rebalance;
mod record;
mod report;
mod runtime;
mod secret;
mod stage;
mod stateful_stage;
mod status;
mod summary_stage;
mod topics;
mod upload;

use std::future::Future;

pub use config::{DecoderKind, HttpConfig, InputConfig, KafkaConfig, RunSettings, TopicNames};
pub use error::RuntimeError;
pub use lifecycle::Phase;
pub use record::{
    HEADER_ACTION, HEADER_DETAIL, HEADER_FACT_INDEX, HEADER_REASON, HEADER_ROUTE,
    HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION, HEADER_SOURCE_TOPIC, HEADER_VALUE_FORMAT,
    ROUTE_FACT,
};
pub use report::{RunCounts, RunReport};
pub use runtime::{Pipeline, PipelineMonitor};
pub use secret::{ClientProperties, PropertyValue, Secret};
pub use status::RuntimeStatus;
pub use upload::produce_documents;

/// Runs the pipeline until `shutdown` completes (the CLI passes a future
/// that completes on SIGTERM or SIGINT) or a component fails, then drains
/// and commits within `kafka.drain_deadline`.
///
/// Must be called within a multi-threaded Tokio runtime.
pub async fn run(
    settings: RunSettings,
    shutdown: impl Future<Output = ()>,
) -> Result<RunReport, RuntimeError> {
    Pipeline::start(settings).await?.run_until(shutdown).await
}
