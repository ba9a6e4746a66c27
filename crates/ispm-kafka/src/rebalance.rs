//! The consumer context of a stage: rebalance callbacks that finish and
//! commit revoked partitions before giving them up, and statistics that feed
//! the lag gauges.
//!
//! librdkafka runs these callbacks on the thread that polls the consumer, so
//! they may block it: the stage's processing task and the producer's
//! delivery thread keep working meanwhile.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use tokio::sync::mpsc;

use crate::acks::SharedTracker;
use crate::client::ClientLog;
use crate::lifecycle::{Phase, Transition};
use crate::metrics;
use crate::offsets::TopicPartition;
use crate::record::StageInput;
use crate::status::StageStatus;

/// The context of a stage's consumer.
pub(crate) struct StageContext {
    pub stage: &'static str,
    pub tracker: Arc<SharedTracker>,
    pub sender: mpsc::Sender<StageInput>,
    pub status: Arc<StageStatus>,
    pub drain_deadline: Duration,
    pub log: ClientLog,
    pub runtime: tokio::runtime::Handle,
}

impl ClientContext for StageContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        self.log.log(level, facility, message);
    }

    fn stats(&self, statistics: Statistics) {
        for (name, topic) in &statistics.topics {
            for (&partition, stats) in &topic.partitions {
                // Partition -1 is librdkafka's internal "unassigned" queue, and
                // a lag of -1 means unknown (no position or watermark yet).
                if partition >= 0 && stats.fetch_state != "none" && stats.consumer_lag >= 0 {
                    metrics::consumer_lag(name, partition, stats.consumer_lag);
                }
            }
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.log.error(&error, reason);
    }
}

impl ConsumerContext for StageContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(list) => self.revoke(consumer, &partitions_of(list)),
            Rebalance::Assign(_) => {}
            Rebalance::Error(error) => {
                tracing::warn!(stage = self.stage, %error, "rebalance failed; the group coordinator retries");
            }
        }
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(list) => {
                let partitions = partitions_of(list);
                // A partition that comes back starts over from its committed
                // offset, so nothing tracked before may carry over.
                self.tracker.update(|tracker| {
                    for partition in &partitions {
                        tracker.remove(partition);
                    }
                });
                metrics::rebalance(self.stage, "assign");
                let phase = self.status.apply(Transition::Assigned);
                tracing::info!(
                    stage = self.stage,
                    partitions = %describe(&partitions),
                    %phase,
                    "partitions assigned; state of each partition starts empty"
                );
            }
            Rebalance::Revoke(_) => {
                let partitions_left = consumer
                    .assignment()
                    .map(|list| list.count() > 0)
                    .unwrap_or(false);
                self.status
                    .apply(Transition::RevokeFinished { partitions_left });
            }
            Rebalance::Error(_) => {}
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => tracing::debug!(
                stage = self.stage,
                partitions = offsets.count(),
                "offsets committed"
            ),
            Err(error) => {
                metrics::commit_failed(self.stage);
                tracing::warn!(
                    stage = self.stage,
                    %error,
                    "offset commit failed; the next commit includes these offsets"
                );
            }
        }
    }
}

impl StageContext {
    /// Finishes and commits revoked partitions, then lets them go.
    ///
    /// Order matters. The revocation marker goes through the channel after
    /// every record already read, so when the processing task reaches it,
    /// those records are processed and their engines can be dropped. The
    /// wait then covers their outputs' acknowledgements.
    fn revoke(&self, consumer: &BaseConsumer<Self>, partitions: &[TopicPartition]) {
        if matches!(self.status.phase(), Phase::Draining | Phase::Stopped) {
            // Closing the consumer at shutdown: the drain has committed.
            return;
        }
        self.status.apply(Transition::RevokeStarted);
        metrics::rebalance(self.stage, "revoke");
        let lost = consumer.assignment_lost();
        let started = Instant::now();
        let deadline = started + self.drain_deadline;
        tracing::info!(
            stage = self.stage,
            partitions = %describe(partitions),
            lost,
            "partitions revoked; finishing their in-flight records"
        );

        let marker = StageInput::Revoked(partitions.to_vec());
        if send_within(&self.runtime, &self.sender, marker, self.drain_deadline).is_err() {
            tracing::warn!(
                stage = self.stage,
                "processing task did not take the revocation marker in time"
            );
        }
        // Lost partitions already belong to another member: a commit would
        // be rejected, so their in-flight records are left to the new owner.
        let remaining = if lost {
            0
        } else {
            self.tracker.wait_drained(Some(partitions), deadline)
        };

        let offsets: Vec<(TopicPartition, i64)> = self.tracker.update(|tracker| {
            partitions
                .iter()
                .filter_map(|partition| {
                    tracker
                        .remove(partition)
                        .map(|next| (partition.clone(), next))
                })
                .collect()
        });
        if !lost {
            commit(consumer, &offsets, CommitMode::Sync, self.stage);
        }
        if remaining > 0 {
            tracing::warn!(
                stage = self.stage,
                remaining,
                deadline_s = self.drain_deadline.as_secs_f64(),
                "revoked partitions still had unacknowledged records at the drain deadline; the next owner reprocesses them"
            );
        }
        tracing::info!(
            stage = self.stage,
            committed = offsets.len(),
            elapsed_ms = started.elapsed().as_millis(),
            "revoked partitions released"
        );
    }
}

/// Sends an item to the processing task, waiting at most `timeout` while
/// the channel is full. Returns the item when the time is up
/// (`Err(Some(item))`), and `Err(None)` when the task has stopped.
///
/// Blocks the calling thread, which must not be one of the async runtime's
/// own threads; `runtime` drives the timer.
pub(crate) fn send_within(
    runtime: &tokio::runtime::Handle,
    sender: &mpsc::Sender<StageInput>,
    item: StageInput,
    timeout: Duration,
) -> Result<(), Option<StageInput>> {
    if tokio::runtime::Handle::try_current().is_ok() {
        // Called on an async thread (a consumer dropped by async code):
        // blocking would stall or panic the runtime, so only try once.
        return sender.try_send(item).map_err(|error| match error {
            mpsc::error::TrySendError::Full(item) => Some(item),
            mpsc::error::TrySendError::Closed(_) => None,
        });
    }
    match runtime.block_on(sender.send_timeout(item, timeout)) {
        Ok(()) => Ok(()),
        Err(mpsc::error::SendTimeoutError::Timeout(item)) => Err(Some(item)),
        Err(mpsc::error::SendTimeoutError::Closed(_)) => Err(None),
    }
}

/// Commits `offsets` (each the next offset to read). Failures are logged:
/// the offsets stay committable and the next commit carries them.
pub(crate) fn commit<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    offsets: &[(TopicPartition, i64)],
    mode: CommitMode,
    stage: &'static str,
) {
    if offsets.is_empty() {
        return;
    }
    let mut list = TopicPartitionList::with_capacity(offsets.len());
    for (partition, next) in offsets {
        if let Err(error) =
            list.add_partition_offset(&partition.topic, partition.partition, Offset::Offset(*next))
        {
            tracing::warn!(stage, partition = %partition, %error, "offset not committable");
        }
    }
    if let Err(error) = consumer.commit(&list, mode) {
        metrics::commit_failed(stage);
        tracing::warn!(stage, %error, "offset commit failed; offsets stay uncommitted until the next commit");
    }
}

pub(crate) fn partitions_of(list: &TopicPartitionList) -> Vec<TopicPartition> {
    list.elements()
        .iter()
        .map(|element| TopicPartition::new(element.topic(), element.partition()))
        .collect()
}

/// Formats partitions as `topic/0,1,2 other/3` for log lines.
fn describe(partitions: &[TopicPartition]) -> String {
    let mut sorted: Vec<&TopicPartition> = partitions.iter().collect();
    sorted.sort();
    let mut text = String::new();
    let mut current: Option<&str> = None;
    for partition in sorted {
        if current == Some(&*partition.topic) {
            let _ = write!(text, ",{}", partition.partition);
        } else {
            if current.is_some() {
                text.push(' ');
            }
            let _ = write!(text, "{}/{}", partition.topic, partition.partition);
            current = Some(&partition.topic);
        }
    }
    if text.is_empty() {
        "none".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_groups_partitions_by_topic() {
        let partitions = vec![
            TopicPartition::new("ispm.events", 2),
            TopicPartition::new("cloudtrail.raw", 0),
            TopicPartition::new("ispm.events", 0),
        ];
        assert_eq!(describe(&partitions), "cloudtrail.raw/0 ispm.events/0,2");
        assert_eq!(describe(&[]), "none");
    }

    #[test]
    fn send_within_gives_up_on_a_full_channel() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .expect("runtime");
        let (sender, _receiver) = mpsc::channel(1);
        let timeout = Duration::from_millis(30);
        assert!(
            send_within(
                runtime.handle(),
                &sender,
                StageInput::Revoked(Vec::new()),
                timeout
            )
            .is_ok()
        );

        let started = Instant::now();
        let result = send_within(
            runtime.handle(),
            &sender,
            StageInput::Revoked(Vec::new()),
            timeout,
        );
        assert!(matches!(result, Err(Some(StageInput::Revoked(_)))));
        assert!(started.elapsed() >= timeout);
    }

    #[test]
    fn send_within_reports_a_closed_channel() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .expect("runtime");
        let (sender, receiver) = mpsc::channel(1);
        drop(receiver);
        let result = send_within(
            runtime.handle(),
            &sender,
            StageInput::Revoked(Vec::new()),
            Duration::from_secs(1),
        );
        assert!(matches!(result, Err(None)));
    }
}
