//! Metric names, the Prometheus recorder, and the typed occurrences that write
//! a log line and bump a metric together.
//!
//! Labels come from small fixed sets (decoder names, reason codes, detector
//! ids, configured topic names, partition numbers). An identity, address or
//! key is never a label: it goes in a log field or in the finding.

use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use metrics::{
    Counter, Histogram, Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge,
    histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;

use crate::error::RuntimeError;
use crate::offsets::TopicPartition;

pub const EVENTS_CONSUMED: &str = "ispm_events_consumed_total";
pub const EVENTS_DECODED: &str = "ispm_events_decoded_total";
pub const EVENTS_PROCESSED: &str = "ispm_events_processed_total";
pub const RECORDS_SKIPPED: &str = "ispm_records_skipped_total";
pub const DEADLETTERS: &str = "ispm_deadletters_total";
pub const FINDINGS: &str = "ispm_findings_total";
pub const INVENTORY_RECORDS: &str = "ispm_inventory_records_total";
pub const CONSUMER_LAG: &str = "ispm_consumer_lag_messages";
pub const PROCESSING_LATENCY: &str = "ispm_processing_latency_seconds";
pub const PRODUCER_QUEUE: &str = "ispm_producer_queue_messages";
pub const PRODUCER_QUEUE_FULL: &str = "ispm_producer_queue_full_total";
pub const DELIVERY_FAILURES: &str = "ispm_delivery_failures_total";
pub const COMMIT_FAILURES: &str = "ispm_commit_failures_total";
pub const REBALANCES: &str = "ispm_rebalances_total";

/// Histogram buckets of the processing latency, in seconds: from half a
/// millisecond (decoding one record) to a minute (a stalled broker).
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];

/// How often histograms are compacted and idle gauges removed.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Gauges not updated for this long are removed, so that the lag of a revoked
/// partition disappears instead of staying at its last value.
const IDLE_GAUGE_TIMEOUT: Duration = Duration::from_secs(60);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the process's `metrics` recorder on
/// the first call and returns its handle on every call.
///
/// The first call also starts a background thread that runs the recorder's
/// upkeep for the life of the process. Fails when another recorder was
/// installed first.
pub fn install_recorder() -> Result<PrometheusHandle, RuntimeError> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(PROCESSING_LATENCY.to_owned()),
            LATENCY_BUCKETS,
        )
        .map_err(|error| RuntimeError::Metrics(error.to_string()))?
        .idle_timeout(MetricKindMask::GAUGE, Some(IDLE_GAUGE_TIMEOUT))
        .build_recorder();
    let handle = recorder.handle();

    // Two callers racing here: the loser's recorder is dropped and it gets
    // the winner's handle.
    if HANDLE.set(handle.clone()).is_err() {
        return HANDLE
            .get()
            .cloned()
            .ok_or_else(|| RuntimeError::Metrics("recorder handle lost".to_owned()));
    }
    metrics::set_global_recorder(recorder)
        .map_err(|error| RuntimeError::Metrics(error.to_string()))?;
    describe();

    let upkeep = handle.clone();
    thread::Builder::new()
        .name("ispm-metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                thread::sleep(UPKEEP_INTERVAL);
                upkeep.run_upkeep();
            }
        })
        .map_err(|error| {
            RuntimeError::Metrics(format!("cannot start the upkeep thread: {error}"))
        })?;
    Ok(handle)
}

fn describe() {
    describe_counter!(
        EVENTS_CONSUMED,
        Unit::Count,
        "Raw input messages consumed, by decoder."
    );

    describe_counter!(
        EVENTS_DECODED,
        Unit::Count,
        "Identity events decoded from raw messages, by decoder."
    );

    describe_counter!(
        EVENTS_PROCESSED,
        Unit::Count,
        "Events and routed facts applied to the engine."
    );

    describe_counter!(
        RECORDS_SKIPPED,
        Unit::Count,
        "Raw messages or records skipped on purpose, e.g. digest files."
    );

    describe_counter!(
        DEADLETTERS,
        Unit::Count,
        "Records written to the dead-letter topic, by reason code."
    );

    describe_counter!(FINDINGS, Unit::Count, "Findings produced, by detector.");

    describe_counter!(
        INVENTORY_RECORDS,
        Unit::Count,
        "Inventory records produced."
    );

    describe_gauge!(
        CONSUMER_LAG,
        Unit::Count,
        "Messages between the consumer position and the high watermark."
    );

    describe_histogram!(
        PROCESSING_LATENCY,
        Unit::Seconds,
        "Time from reading a record to handing its last output to the producer, by stage."
    );

    describe_gauge!(
        PRODUCER_QUEUE,
        Unit::Count,
        "Records in the producer's queue, not yet acknowledged."
    );

    describe_counter!(
        PRODUCER_QUEUE_FULL,
        Unit::Count,
        "Retries after the producer's queue was full."
    );

    describe_counter!(
        DELIVERY_FAILURES,
        Unit::Count,
        "Records the broker did not acknowledge, by topic."
    );

    describe_counter!(
        COMMIT_FAILURES,
        Unit::Count,
        "Failed offset commits, by stage."
    );

    describe_counter!(
        REBALANCES,
        Unit::Count,
        "Partition assignments and revocations, by stage and kind."
    );
}

// Per-record metrics are registered once and kept as handles: each
// `counter!` call with labels builds a key and looks it up in the registry.
// A handle made before the recorder is installed records nothing, so the
// runtime makes them after `install_recorder`.

/// Returns the counter of raw input messages read by a decoder.
pub(crate) fn consumed(source: &'static str) -> Counter {
    counter!(EVENTS_CONSUMED, "source" => source)
}

/// Returns the counter of events decoded from raw messages by a decoder.
pub(crate) fn decoded(source: &'static str) -> Counter {
    counter!(EVENTS_DECODED, "source" => source)
}

/// Returns the counter of events (`route = "event"`) or routed facts
/// (`route = "fact"`) applied to an engine.
pub(crate) fn processed(route: &'static str) -> Counter {
    counter!(EVENTS_PROCESSED, "route" => route)
}

/// Logs and counts a record skipped on purpose. Per record, so DEBUG only.
pub(crate) fn skipped(reason: &'static str, origin: &str) {
    tracing::debug!(reason, origin, "record skipped");
    counter!(RECORDS_SKIPPED, "reason" => reason).increment(1);
}

/// Logs and counts a record sent to the dead-letter topic. Per record, so
/// DEBUG only.
pub(crate) fn dead_lettered(reason: &str, input: &TopicPartition, offset: i64, detail: &str) {
    tracing::debug!(reason, input = %input, offset, detail, "record dead-lettered");
    counter!(DEADLETTERS, "reason" => reason.to_owned()).increment(1);
}

pub(crate) fn finding(detector: &'static str) {
    counter!(FINDINGS, "detector" => detector).increment(1);
}

pub(crate) fn inventory_records(count: u64) {
    counter!(INVENTORY_RECORDS).increment(count);
}

/// Returns the processing latency histogram of a stage, in seconds.
pub(crate) fn processing_latency(stage: &'static str) -> Histogram {
    histogram!(PROCESSING_LATENCY, "stage" => stage)
}

pub(crate) fn consumer_lag(topic: &str, partition: i32, lag: i64) {
    gauge!(CONSUMER_LAG, "topic" => topic.to_owned(), "partition" => partition.to_string())
        .set(lag as f64);
}

pub(crate) fn producer_queue(messages: u64) {
    gauge!(PRODUCER_QUEUE).set(messages as f64);
}

pub(crate) fn producer_queue_full() {
    counter!(PRODUCER_QUEUE_FULL).increment(1);
}

pub(crate) fn delivery_failed(topic: &str) {
    counter!(DELIVERY_FAILURES, "topic" => topic.to_owned()).increment(1);
}

pub(crate) fn commit_failed(stage: &'static str) {
    counter!(COMMIT_FAILURES, "stage" => stage).increment(1);
}

pub(crate) fn rebalance(stage: &'static str, kind: &'static str) {
    counter!(REBALANCES, "stage" => stage, "kind" => kind).increment(1);
}
