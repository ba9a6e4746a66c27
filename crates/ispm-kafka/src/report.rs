//! Counters of a run and the report [`crate::run`] returns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counts shared by the stages while the pipeline runs.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub raw_messages: AtomicU64,
    pub events_decoded: AtomicU64,
    pub events_processed: AtomicU64,
    pub facts_applied: AtomicU64,
    pub snapshots_applied: AtomicU64,
    pub dead_letters: AtomicU64,
    pub skipped: AtomicU64,
    pub findings: AtomicU64,
    pub inventory_records: AtomicU64,
}

impl Counters {
    pub fn add(counter: &AtomicU64, count: u64) {
        counter.fetch_add(count, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> RunCounts {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        RunCounts {
            raw_messages: read(&self.raw_messages),
            events_decoded: read(&self.events_decoded),
            events_processed: read(&self.events_processed),
            facts_applied: read(&self.facts_applied),
            snapshots_applied: read(&self.snapshots_applied),
            dead_letters: read(&self.dead_letters),
            skipped: read(&self.skipped),
            findings: read(&self.findings),
            inventory_records: read(&self.inventory_records),
        }
    }
}

/// Counts of the pipeline's work so far. Records reprocessed after a rebalance
/// or restart are counted again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Raw input messages read, by both stages.
    pub raw_messages: u64,
    /// Identity events decoded from raw messages.
    pub events_decoded: u64,
    /// Events applied to an engine for their actor.
    pub events_processed: u64,
    /// Target facts applied to an engine for their target identity.
    pub facts_applied: u64,
    /// Identity snapshots merged into an engine.
    pub snapshots_applied: u64,
    /// Records written to the dead-letter topic.
    pub dead_letters: u64,
    /// Raw messages or records skipped on purpose (digest files, empty messages).
    pub skipped: u64,
    /// Findings produced.
    pub findings: u64,
    /// Inventory records produced.
    pub inventory_records: u64,
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub counts: RunCounts,
    /// Time from the shutdown request to the last commit.
    pub drain_duration: Duration,
    /// Input records whose outputs were not all acknowledged by the drain
    /// deadline. Their offsets were not committed, so the next owner of their
    /// partitions reprocesses them; zero after a clean shutdown.
    pub unacknowledged_records: usize,
}
