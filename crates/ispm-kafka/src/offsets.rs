//! The committable input offsets, given the outputs the broker has
//! acknowledged.
//!
//! An input record is complete once its stage has finished with it and every
//! record it produced has been acknowledged. Acknowledgements arrive in any
//! order across partitions and output topics. So a partition's committable
//! offset is the end of its longest complete prefix. That is the offset after
//! the last record of the prefix, as Kafka expects a committed offset.
//! Pure bookkeeping with no I/O, so every ordering is unit-tested here.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

/// A partition of a topic.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: Arc<str>,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<Arc<str>>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.topic, self.partition)
    }
}

/// One input record: where it was read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InputRef {
    pub partition: TopicPartition,
    pub offset: i64,
}

#[derive(Debug)]
struct InFlight {
    offset: i64,
    /// Outputs produced but not yet acknowledged.
    outstanding: u32,
    /// True once the stage will add no more outputs for this record.
    finished: bool,
}

impl InFlight {
    fn is_complete(&self) -> bool {
        self.finished && self.outstanding == 0
    }
}

#[derive(Debug, Default)]
struct PartitionOffsets {
    /// Records read and not yet part of the complete prefix, in offset order.
    in_flight: VecDeque<InFlight>,
    /// The offset after the complete prefix: the next offset to commit.
    committable: Option<i64>,
    /// The committable offset last returned by `take_committable`.
    taken: Option<i64>,
}

impl PartitionOffsets {
    fn find(&mut self, offset: i64) -> Option<&mut InFlight> {
        let index = self
            .in_flight
            .binary_search_by_key(&offset, |entry| entry.offset)
            .ok()?;
        self.in_flight.get_mut(index)
    }

    /// Moves the complete prefix out of `in_flight`.
    fn advance(&mut self) {
        while let Some(front) = self.in_flight.front() {
            if !front.is_complete() {
                break;
            }
            self.committable = Some(front.offset + 1);
            self.in_flight.pop_front();
        }
    }
}

/// The outcome of [`OffsetTracker::track`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracked {
    /// The offset follows the previous one, as a consumer delivers them.
    Appended,
    /// The offset is not after the last one tracked, so the consumer was
    /// rewound (a seek, or a reset after the committed offset expired). The
    /// partition's earlier entries were dropped and tracking restarted here.
    Restarted,
}

/// Per-partition bookkeeping of input records and their unacknowledged
/// outputs. See the module documentation.
#[derive(Debug, Default)]
pub struct OffsetTracker {
    /// Looked up several times per record, so hashed with foldhash rather
    /// than the default SipHash. The keys come from the broker's topic
    /// metadata, not from record contents.
    partitions: HashMap<TopicPartition, PartitionOffsets, foldhash::fast::RandomState>,
}

impl OffsetTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a record the consumer has just read. Records must be tracked
    /// in the order the consumer reads them.
    pub fn track(&mut self, partition: &TopicPartition, offset: i64) -> Tracked {
        let state = self.partitions.entry(partition.clone()).or_default();
        let last = state
            .in_flight
            .back()
            .map(|entry| entry.offset)
            .or(state.committable.map(|next| next - 1));
        let tracked = match last {
            Some(last) if offset <= last => {
                state.in_flight.clear();
                state.taken = None;
                Tracked::Restarted
            }
            _ => Tracked::Appended,
        };
        state.in_flight.push_back(InFlight {
            offset,
            outstanding: 0,
            finished: false,
        });
        tracked
    }

    /// Counts `count` more outputs of a record that must be acknowledged
    /// before its offset is committed. Call it before handing the outputs to
    /// the producer, so that an early acknowledgement cannot complete the
    /// record. Returns false when the record is not tracked (its partition was
    /// revoked meanwhile).
    pub fn add_outputs(&mut self, input: &InputRef, count: u32) -> bool {
        let Some(entry) = self.entry(input) else {
            return false;
        };
        entry.outstanding = entry.outstanding.saturating_add(count);
        true
    }

    /// Records that the broker acknowledged one output of `input`. Returns
    /// false for a record no longer tracked (revoked partition, late ack).
    pub fn ack(&mut self, input: &InputRef) -> bool {
        let Some(state) = self.partitions.get_mut(&input.partition) else {
            return false;
        };
        let Some(entry) = state.find(input.offset) else {
            return false;
        };
        entry.outstanding = entry.outstanding.saturating_sub(1);
        state.advance();
        true
    }

    /// Forgets the newest record of a partition, which the consumer read but
    /// could not hand to its stage (shutdown). Its offset stays uncommitted,
    /// so it is read again after a restart. Returns false when `input` is not
    /// the newest record.
    pub fn untrack(&mut self, input: &InputRef) -> bool {
        let Some(state) = self.partitions.get_mut(&input.partition) else {
            return false;
        };
        if state.in_flight.back().map(|entry| entry.offset) != Some(input.offset) {
            return false;
        }
        state.in_flight.pop_back();
        true
    }

    /// Records that the stage has produced every output of `input`.
    pub fn finish(&mut self, input: &InputRef) -> bool {
        let Some(state) = self.partitions.get_mut(&input.partition) else {
            return false;
        };
        let Some(entry) = state.find(input.offset) else {
            return false;
        };
        entry.finished = true;
        state.advance();
        true
    }

    /// Returns the offset to commit for a partition: the offset after its
    /// complete prefix, or `None` before the first record completes.
    pub fn committable(&self, partition: &TopicPartition) -> Option<i64> {
        self.partitions
            .get(partition)
            .and_then(|state| state.committable)
    }

    /// Returns the committable offsets that changed since the last call, for
    /// a periodic commit.
    pub fn take_committable(&mut self) -> Vec<(TopicPartition, i64)> {
        let mut changed = Vec::new();
        for (partition, state) in &mut self.partitions {
            if let Some(next) = state.committable
                && state.taken != Some(next)
            {
                state.taken = Some(next);
                changed.push((partition.clone(), next));
            }
        }
        changed.sort();
        changed
    }

    /// Returns the number of records of a partition that are not yet complete.
    pub fn in_flight(&self, partition: &TopicPartition) -> usize {
        self.partitions
            .get(partition)
            .map_or(0, |state| state.in_flight.len())
    }

    /// Returns the number of incomplete records over all partitions.
    pub fn total_in_flight(&self) -> usize {
        self.partitions
            .values()
            .map(|state| state.in_flight.len())
            .sum()
    }

    /// Stops tracking a partition (revoked) and returns its committable offset.
    pub fn remove(&mut self, partition: &TopicPartition) -> Option<i64> {
        self.partitions
            .remove(partition)
            .and_then(|state| state.committable)
    }

    /// Returns every tracked partition with its committable offset.
    pub fn all_committable(&self) -> Vec<(TopicPartition, i64)> {
        let mut all: Vec<_> = self
            .partitions
            .iter()
            .filter_map(|(partition, state)| {
                state.committable.map(|next| (partition.clone(), next))
            })
            .collect();
        all.sort();
        all
    }

    fn entry(&mut self, input: &InputRef) -> Option<&mut InFlight> {
        self.partitions
            .get_mut(&input.partition)?
            .find(input.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(number: i32) -> TopicPartition {
        TopicPartition::new("raw", number)
    }

    fn input(number: i32, offset: i64) -> InputRef {
        InputRef {
            partition: partition(number),
            offset,
        }
    }

    /// Tracks offsets `offsets` of partition 0, each with `outputs` outputs,
    /// and finishes them.
    fn tracker_with(offsets: &[i64], outputs: u32) -> OffsetTracker {
        let mut tracker = OffsetTracker::new();
        for &offset in offsets {
            tracker.track(&partition(0), offset);
            assert!(tracker.add_outputs(&input(0, offset), outputs));
            assert!(tracker.finish(&input(0, offset)));
        }
        tracker
    }

    #[test]
    fn record_without_outputs_is_committable_when_finished() {
        let mut tracker = OffsetTracker::new();
        tracker.track(&partition(0), 10);
        assert_eq!(tracker.committable(&partition(0)), None);

        tracker.finish(&input(0, 10));
        assert_eq!(tracker.committable(&partition(0)), Some(11));
        assert_eq!(tracker.in_flight(&partition(0)), 0);
    }

    #[test]
    fn acks_in_order_advance_one_by_one() {
        let mut tracker = tracker_with(&[0, 1, 2], 1);
        tracker.ack(&input(0, 0));
        assert_eq!(tracker.committable(&partition(0)), Some(1));
        tracker.ack(&input(0, 1));
        assert_eq!(tracker.committable(&partition(0)), Some(2));
        tracker.ack(&input(0, 2));
        assert_eq!(tracker.committable(&partition(0)), Some(3));
    }

    #[test]
    fn out_of_order_acks_wait_for_the_gap() {
        let mut tracker = tracker_with(&[0, 1, 2, 3], 1);
        tracker.ack(&input(0, 3));
        tracker.ack(&input(0, 1));
        assert_eq!(
            tracker.committable(&partition(0)),
            None,
            "offset 0 is still unacknowledged"
        );

        tracker.ack(&input(0, 0));
        assert_eq!(
            tracker.committable(&partition(0)),
            Some(2),
            "offset 2 is still unacknowledged"
        );

        tracker.ack(&input(0, 2));
        assert_eq!(tracker.committable(&partition(0)), Some(4));
        assert_eq!(tracker.total_in_flight(), 0);
    }

    #[test]
    fn record_with_several_outputs_needs_every_ack() {
        let mut tracker = tracker_with(&[5], 3);
        tracker.ack(&input(0, 5));
        tracker.ack(&input(0, 5));
        assert_eq!(tracker.committable(&partition(0)), None);
        tracker.ack(&input(0, 5));
        assert_eq!(tracker.committable(&partition(0)), Some(6));
    }

    #[test]
    fn ack_before_finish_does_not_complete_the_record() {
        let mut tracker = OffsetTracker::new();
        tracker.track(&partition(0), 0);
        tracker.add_outputs(&input(0, 0), 1);
        tracker.ack(&input(0, 0));
        assert_eq!(
            tracker.committable(&partition(0)),
            None,
            "the stage may still add outputs"
        );

        tracker.add_outputs(&input(0, 0), 1);
        tracker.finish(&input(0, 0));
        assert_eq!(tracker.committable(&partition(0)), None);
        tracker.ack(&input(0, 0));
        assert_eq!(tracker.committable(&partition(0)), Some(1));
    }

    #[test]
    fn offset_gaps_from_compaction_are_skipped() {
        let mut tracker = tracker_with(&[3, 7, 20], 0);
        assert_eq!(tracker.committable(&partition(0)), Some(21));
        assert_eq!(tracker.take_committable(), vec![(partition(0), 21)]);
    }

    #[test]
    fn partitions_advance_independently() {
        let mut tracker = OffsetTracker::new();
        for number in [0, 1] {
            tracker.track(&partition(number), 100);
            tracker.add_outputs(&input(number, 100), 1);
            tracker.finish(&input(number, 100));
        }
        tracker.ack(&input(1, 100));
        assert_eq!(tracker.committable(&partition(0)), None);
        assert_eq!(tracker.committable(&partition(1)), Some(101));
    }

    #[test]
    fn take_committable_returns_each_change_once() {
        let mut tracker = tracker_with(&[0, 1], 1);
        assert!(tracker.take_committable().is_empty());

        tracker.ack(&input(0, 0));
        assert_eq!(tracker.take_committable(), vec![(partition(0), 1)]);
        assert!(tracker.take_committable().is_empty());

        tracker.ack(&input(0, 1));
        assert_eq!(tracker.take_committable(), vec![(partition(0), 2)]);
        assert_eq!(tracker.all_committable(), vec![(partition(0), 2)]);
    }

    #[test]
    fn rewind_restarts_the_partition() {
        let mut tracker = tracker_with(&[10, 11], 1);
        tracker.ack(&input(0, 10));
        assert_eq!(tracker.committable(&partition(0)), Some(11));

        assert_eq!(tracker.track(&partition(0), 4), Tracked::Restarted);
        assert_eq!(tracker.in_flight(&partition(0)), 1);
        assert!(
            !tracker.ack(&input(0, 11)),
            "the entry of offset 11 was dropped"
        );
        tracker.finish(&input(0, 4));
        assert_eq!(tracker.committable(&partition(0)), Some(5));
    }

    #[test]
    fn untracked_record_is_neither_waited_for_nor_committed() {
        let mut tracker = tracker_with(&[0], 0);
        tracker.track(&partition(0), 1);
        assert!(
            !tracker.untrack(&input(0, 0)),
            "only the newest record can be untracked"
        );
        assert!(tracker.untrack(&input(0, 1)));
        assert_eq!(tracker.total_in_flight(), 0);
        assert_eq!(tracker.committable(&partition(0)), Some(1));
    }

    #[test]
    fn removed_partition_ignores_late_acks() {
        let mut tracker = tracker_with(&[0, 1], 1);
        tracker.ack(&input(0, 0));
        assert_eq!(tracker.remove(&partition(0)), Some(1));
        assert!(!tracker.ack(&input(0, 1)));
        assert!(!tracker.add_outputs(&input(0, 1), 1));
        assert_eq!(tracker.total_in_flight(), 0);
    }

    #[test]
    fn many_records_acked_in_reverse_order() {
        let offsets: Vec<i64> = (0..1000).collect();
        let mut tracker = tracker_with(&offsets, 2);
        for &offset in offsets.iter().rev() {
            tracker.ack(&input(0, offset));
            tracker.ack(&input(0, offset));
            let expected = if offset == 0 { Some(1000) } else { None };
            assert_eq!(tracker.committable(&partition(0)), expected);
        }
    }
}
