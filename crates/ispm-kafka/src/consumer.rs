//! The consumer thread of a stage: polls, hands records to the processing
//! task through a bounded channel, commits acknowledged offsets, and drains
//! on shutdown.
//!
//! The consumer runs on its own thread, not on the async runtime, because
//! librdkafka runs rebalance callbacks on the polling thread and the revoke
//! callback blocks until the revoked partitions are drained.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use tokio::sync::mpsc;

use crate::acks::SharedTracker;
use crate::client::{self, ClientLog};
use crate::config::KafkaConfig;
use crate::error::RuntimeError;
use crate::lifecycle::{Phase, Transition};
use crate::offsets::Tracked;
use crate::rebalance::{self, StageContext};
use crate::record::{InputRecord, StageInput};
use crate::status::StageStatus;

/// Maximum time one poll blocks. Bounds how late the thread notices a
/// shutdown request or a due commit.
const POLL_TIMEOUT: Duration = Duration::from_millis(100);

/// The group and topics of a stage's consumer.
pub(crate) struct ConsumerSpec {
    pub stage: &'static str,
    pub group_id: String,
    pub topics: Vec<String>,
}

/// The state the consumer thread shares with the rest of the runtime.
pub(crate) struct ConsumerLinks {
    pub tracker: Arc<SharedTracker>,
    pub sender: tokio::sync::mpsc::Sender<StageInput>,
    pub status: Arc<StageStatus>,
    /// Set by the runtime to request a shutdown.
    pub stop: Arc<AtomicBool>,
    /// The async runtime whose timers the blocking channel sends use.
    pub runtime: tokio::runtime::Handle,
}

/// The outcome of a consumer thread.
#[derive(Debug)]
pub(crate) struct ConsumerExit {
    pub stage: &'static str,
    /// Records still unacknowledged at the drain deadline.
    pub unacknowledged: usize,
    pub error: Option<RuntimeError>,
}

/// A subscribed consumer whose thread has not started yet.
pub(crate) struct StageConsumer {
    consumer: BaseConsumer<StageContext>,
    links: ConsumerLinks,
    settings: LoopSettings,
}

/// Creates the stage's consumer and subscribes it. Nothing is read until
/// [`StageConsumer::start`].
pub(crate) fn create(
    spec: ConsumerSpec,
    config: &KafkaConfig,
    links: ConsumerLinks,
) -> Result<StageConsumer, RuntimeError> {
    let consumer = subscribe(&spec, config, &links)?;
    let settings = LoopSettings {
        stage: spec.stage,
        commit_interval: config.commit_interval,
        drain_deadline: config.drain_deadline,
        rejoin_after: config.rejoin_after,
        spec,
        config: config.clone(),
    };
    Ok(StageConsumer {
        consumer,
        links,
        settings,
    })
}

/// Creates a consumer in the stage's group and subscribes it to the
/// stage's topics.
fn subscribe(
    spec: &ConsumerSpec,
    config: &KafkaConfig,
    links: &ConsumerLinks,
) -> Result<BaseConsumer<StageContext>, RuntimeError> {
    let mut client_config = ClientConfig::new();
    // An unknown group starts at the beginning: the events topic is internal,
    // and a new deployment should process the raw backlog rather than skip it.
    client_config.set("auto.offset.reset", "earliest");
    // Range assignment gives one member the same partition numbers of every
    // topic with equal partition counts, which keeps an identity's events
    // and its keyed raw input on one engine.
    client_config.set("partition.assignment.strategy", "range");
    client::apply_common(&mut client_config, config);
    client_config
        .set("group.id", &spec.group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set(
            "statistics.interval.ms",
            config.statistics_interval.as_millis().to_string(),
        )
        // Large enough for any message the runtime itself accepts plus the
        // protocol overhead.
        .set(
            "receive.message.max.bytes",
            (config.max_message_bytes.max(100 * 1024 * 1024) + 1024).to_string(),
        );

    let context = StageContext {
        stage: spec.stage,
        tracker: Arc::clone(&links.tracker),
        sender: links.sender.clone(),
        status: Arc::clone(&links.status),
        drain_deadline: config.drain_deadline,
        log: ClientLog::new(spec.stage),
        runtime: links.runtime.clone(),
    };
    let consumer: BaseConsumer<StageContext> =
        client_config
            .create_with_context(context)
            .map_err(|source| RuntimeError::Client {
                client: "consumer",
                source,
            })?;
    let topics: Vec<&str> = spec.topics.iter().map(String::as_str).collect();
    consumer
        .subscribe(&topics)
        .map_err(|source| RuntimeError::Client {
            client: "consumer",
            source,
        })?;
    tracing::info!(stage = spec.stage, group = spec.group_id, topics = ?spec.topics, "consumer subscribed");
    Ok(consumer)
}

impl StageConsumer {
    pub fn stage(&self) -> &'static str {
        self.settings.stage
    }

    /// Starts the consumer thread. `on_exit` runs on that thread when it ends.
    pub fn start(
        self,
        on_exit: impl FnOnce(ConsumerExit) + Send + 'static,
    ) -> Result<JoinHandle<()>, RuntimeError> {
        let StageConsumer {
            consumer,
            links,
            settings,
        } = self;
        thread::Builder::new()
            .name(format!("ispm-{}-consumer", settings.stage))
            .spawn(move || on_exit(run(consumer, links, settings)))
            .map_err(|error| RuntimeError::Internal {
                component: "consumer thread",
                reason: error.to_string(),
            })
    }
}

struct LoopSettings {
    stage: &'static str,
    commit_interval: Duration,
    drain_deadline: Duration,
    /// See `KafkaConfig::rejoin_after`; zero turns the replacement off.
    rejoin_after: Duration,
    /// The group, topics and settings a replacement consumer is created with.
    spec: ConsumerSpec,
    config: KafkaConfig,
}

/// The reason [`poll_until_stopped`] returned.
enum PollEnd {
    /// A shutdown was requested, or an error stops the stage.
    Stopped(Option<RuntimeError>),
    /// The consumer has been joining its group for longer than
    /// `rejoin_after` and is to be replaced.
    JoinStalled(Duration),
}

fn run(
    mut consumer: BaseConsumer<StageContext>,
    links: ConsumerLinks,
    settings: LoopSettings,
) -> ConsumerExit {
    let stage = settings.stage;
    let error = loop {
        match poll_until_stopped(&consumer, &links, &settings) {
            PollEnd::Stopped(error) => break error,
            PollEnd::JoinStalled(waited) => {
                tracing::warn!(
                    stage,
                    waited_s = waited.as_secs(),
                    "consumer still joining its group; replacing it with a new consumer"
                );
                match subscribe(&settings.spec, &settings.config, &links) {
                    Ok(replacement) => {
                        let stalled = std::mem::replace(&mut consumer, replacement);
                        close_in_background(stalled, stage);
                        links.status.note_replacement();
                    }
                    Err(error) => break Some(error),
                }
            }
        }
    };
    if let Some(error) = &error {
        tracing::error!(stage, %error, "consumer stopping after an error");
    }

    let drain_started = Instant::now();
    links.status.apply(Transition::ShutdownRequested);
    let unacknowledged = links
        .tracker
        .wait_drained(None, drain_started + settings.drain_deadline);
    let offsets = links.tracker.read(|tracker| tracker.all_committable());
    rebalance::commit(&consumer, &offsets, CommitMode::Sync, stage);
    if unacknowledged > 0 {
        tracing::warn!(
            stage,
            unacknowledged,
            "drain deadline passed with unacknowledged records; they are reprocessed after a restart"
        );
    }
    // Closing the consumer leaves the group. Its revoke callback finds the
    // Draining phase and returns at once.
    drop(consumer);
    links.status.apply(Transition::Drained);
    tracing::info!(
        stage,
        committed_partitions = offsets.len(),
        drain_ms = drain_started.elapsed().as_millis(),
        "consumer stopped"
    );
    ConsumerExit {
        stage,
        unacknowledged,
        error,
    }
}

/// Polls until a shutdown is requested or an error stops the stage.
fn poll_until_stopped(
    consumer: &BaseConsumer<StageContext>,
    links: &ConsumerLinks,
    settings: &LoopSettings,
) -> PollEnd {
    let stage = settings.stage;
    // Every record carries its topic name; they share one copy per topic.
    // A stage reads a handful of topics, so a linear scan beats hashing.
    let mut topic_names: Vec<Arc<str>> = Vec::new();
    let mut last_commit = Instant::now();

    while !links.stop.load(Ordering::Relaxed) {
        if let Some(failure) = links.tracker.failure() {
            return PollEnd::Stopped(Some(RuntimeError::Delivery {
                topic: failure.topic,
                source: failure.error,
            }));
        }
        if let Some((_, reason)) = consumer.client().fatal_error() {
            return PollEnd::Stopped(Some(RuntimeError::Fatal {
                client: "consumer",
                reason,
            }));
        }
        if !settings.rejoin_after.is_zero()
            && let (Phase::Joining, waited) = links.status.phase_age()
            && waited > settings.rejoin_after
        {
            return PollEnd::JoinStalled(waited);
        }

        match consumer.poll(POLL_TIMEOUT) {
            None => {}
            Some(Ok(message)) => {
                let topic = shared_topic_name(&mut topic_names, message.topic());
                let record = InputRecord::from_message(&message, topic);
                drop(message);
                if !hand_over(record, links) {
                    if links.stop.load(Ordering::Relaxed) {
                        return PollEnd::Stopped(None);
                    }
                    return PollEnd::Stopped(Some(RuntimeError::Internal {
                        component: "processing task",
                        reason: format!("{stage} stage stopped taking records"),
                    }));
                }
            }
            Some(Err(error)) => {
                // Consumer errors here are per partition or per connection
                // (a broker restarting, an offset out of range that the reset
                // policy handles); librdkafka retries them.
                consumer.context().log.error(&error, "consumer error");
            }
        }

        if last_commit.elapsed() >= settings.commit_interval {
            let offsets = links.tracker.update(|tracker| tracker.take_committable());
            rebalance::commit(consumer, &offsets, CommitMode::Async, stage);
            last_commit = Instant::now();
        }
    }
    PollEnd::Stopped(None)
}

/// Closes a replaced consumer on a thread of its own. Closing leaves the
/// group, and a consumer that lost its coordinator may take long to do so;
/// the stage goes on with its replacement meanwhile. The stalled consumer
/// has no partitions, so it neither fetches nor commits.
fn close_in_background(consumer: BaseConsumer<StageContext>, stage: &'static str) {
    let spawned = thread::Builder::new()
        .name(format!("ispm-{stage}-close"))
        .spawn(move || {
            drop(consumer);
            tracing::info!(stage, "replaced consumer closed");
        });
    if let Err(error) = spawned {
        // NOTE: the failed spawn drops its closure, so the consumer is closed
        // on this thread after all, which can hold up the stage.
        tracing::error!(stage, %error, "failed to start a thread to close the replaced consumer; closing it on the consumer thread");
    }
}

/// Returns the shared copy of `name`, adding it on first sight.
fn shared_topic_name(names: &mut Vec<Arc<str>>, name: &str) -> Arc<str> {
    if let Some(shared) = names.iter().find(|shared| ***shared == *name) {
        return Arc::clone(shared);
    }
    let shared: Arc<str> = Arc::from(name);
    names.push(Arc::clone(&shared));
    shared
}

/// Tracks a record and sends it to the processing task. While the channel is
/// full the thread waits here, which stops fetching: that is the stage's
/// backpressure. Returns false when the record could not be handed over.
fn hand_over(record: InputRecord, links: &ConsumerLinks) -> bool {
    let input = record.input.clone();
    if links
        .tracker
        .update(|tracker| tracker.track(&input.partition, input.offset))
        == Tracked::Restarted
    {
        tracing::info!(partition = %input.partition, offset = input.offset, "consumer rewound; offset tracking restarted");
    }
    // Most sends find room. Trying first skips the timer that a blocking
    // send with a timeout registers on the async runtime.
    let mut item = match links.sender.try_send(StageInput::Record(record)) {
        Ok(()) => return true,
        Err(mpsc::error::TrySendError::Full(item)) => item,
        Err(mpsc::error::TrySendError::Closed(_)) => {
            links.tracker.update(|tracker| tracker.untrack(&input));
            return false;
        }
    };
    loop {
        // Wait in slices so that a shutdown request is noticed.
        match rebalance::send_within(&links.runtime, &links.sender, item, POLL_TIMEOUT) {
            Ok(()) => return true,
            Err(Some(returned)) if !links.stop.load(Ordering::Relaxed) => item = returned,
            Err(_) => {
                // Not handed over: it must not count as in flight, or the
                // drain would wait for it until the deadline.
                links.tracker.update(|tracker| tracker.untrack(&input));
                return false;
            }
        }
    }
}
