//! Starting and stopping the pipeline: topics, producer, the two stages and
//! the operations endpoint.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::acks::SharedTracker;
use crate::config::{KafkaConfig, RunSettings};
use crate::consumer::{self, ConsumerExit, ConsumerLinks, ConsumerSpec, StageConsumer};
use crate::decode_stage::{DecodeProcessor, MessageDecoder};
use crate::error::RuntimeError;
use crate::http::{self, OperationsState};
use crate::metrics;
use crate::producer::OutputProducer;
use crate::query::{Query, QueryClient};
use crate::report::{Counters, RunCounts, RunReport};
use crate::stage::{self, Processor};
use crate::stateful_stage::StatefulProcessor;
use crate::status::{RuntimeStatus, StageStatus};
use crate::summary_stage::SummaryProcessor;
use crate::topics::{self, OutputTopics};

/// Extra time, beyond the drain deadline, for consumers to leave their group
/// and for the producer to flush before the runtime gives up on them.
const CLOSE_ALLOWANCE: Duration = Duration::from_secs(10);

/// Extra time, beyond the drain deadline, that a partition revocation may
/// take before the watchdog declares its consumer stuck. It covers the
/// synchronous offset commit, which librdkafka holds back while it has no
/// group coordinator for up to `session.timeout.ms` (45 s by default).
const REVOKE_ALLOWANCE: Duration = Duration::from_secs(60);

/// How often the watchdog checks the stages.
const WATCHDOG_INTERVAL: Duration = Duration::from_secs(1);

/// A component that ended, reported to [`Pipeline::run_until`].
enum ComponentExit {
    Consumer(ConsumerExit),
    Processor {
        stage: &'static str,
        result: Result<(), RuntimeError>,
    },
}

/// A started pipeline. [`crate::run`] is `Pipeline::start` followed by
/// [`Pipeline::run_until`]; tests and benchmarks use the two steps to watch
/// the pipeline while it runs.
pub struct Pipeline {
    status: RuntimeStatus,
    counters: Arc<Counters>,
    http_addr: Option<SocketAddr>,
    http_shutdown: Option<oneshot::Sender<()>>,
    http_task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    consumer_threads: Vec<JoinHandle<()>>,
    processor_tasks: Vec<tokio::task::JoinHandle<()>>,
    producer: Arc<OutputProducer>,
    stop: Arc<AtomicBool>,
    exits: mpsc::Receiver<ComponentExit>,
    components: usize,
    drain_deadline: Duration,
}

/// Reads a running pipeline's status and counts.
#[derive(Clone, Debug)]
pub struct PipelineMonitor {
    status: RuntimeStatus,
    counters: Arc<Counters>,
}

impl PipelineMonitor {
    pub fn status(&self) -> &RuntimeStatus {
        &self.status
    }

    pub fn counts(&self) -> RunCounts {
        self.counters.snapshot()
    }
}

/// One stage whose processing task runs and whose consumer has not started.
/// Dropping it closes the consumer, which ends the processing task.
struct StagePlan {
    consumer: StageConsumer,
    processor: tokio::task::JoinHandle<Result<(), RuntimeError>>,
}

impl Pipeline {
    /// Checks the settings and topics, creates the clients, starts the
    /// operations endpoint and both stages. Returns once the consumers have
    /// subscribed; partitions are assigned in the background, which
    /// [`Pipeline::status`] shows.
    ///
    /// Must be called within a multi-threaded Tokio runtime: the consumer
    /// threads use its timers.
    pub async fn start(settings: RunSettings) -> Result<Pipeline, RuntimeError> {
        let RunSettings {
            decoder,
            enrich,
            engine,
            kafka,
            http: http_config,
        } = settings;
        kafka.validate()?;
        let metrics_handle = metrics::install_recorder()?;

        let prepare_config = kafka.clone();
        tokio::task::spawn_blocking(move || topics::prepare_topics(&prepare_config))
            .await
            .map_err(|error| RuntimeError::Internal {
                component: "topic check",
                reason: error.to_string(),
            })??;

        let enricher = Arc::new(load_enricher(&enrich));
        let topics = OutputTopics::new(&kafka);
        let producer = Arc::new(OutputProducer::create(&kafka)?);
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let runtime = tokio::runtime::Handle::current();

        let decode_topics: Vec<String> = kafka
            .decode_inputs()
            .map(|input| input.topic.clone())
            .collect();
        let decode_status = (!decode_topics.is_empty()).then(|| StageStatus::new("decode"));
        let stateful_status = StageStatus::new("stateful");
        let summary_status = StageStatus::new("summary");
        let status = RuntimeStatus::new(
            decode_status
                .iter()
                .cloned()
                .chain([Arc::clone(&stateful_status), Arc::clone(&summary_status)])
                .collect(),
        );
        // Bound before the consumers exist: a failure after their creation
        // would drop them on this async thread.
        let listener = if http_config.enabled {
            Some(http::bind(http_config.listen).await?)
        } else {
            None
        };

        let shared = StageShared {
            config: &kafka,
            producer: &producer,
            stop: &stop,
            runtime: &runtime,
        };
        let mut plans = Vec::new();
        if let Some(decode_status) = decode_status {
            let processor = DecodeProcessor::new(
                MessageDecoder::new(
                    &decoder,
                    Arc::clone(&enricher),
                    &kafka,
                    &topics,
                    Arc::clone(&counters),
                ),
                &topics,
            );
            let spec = ConsumerSpec {
                stage: "decode",
                group_id: format!("{}-decode", kafka.group_id),
                topics: decode_topics,
            };
            plans.push(plan_stage(spec, processor, None, decode_status, &shared)?);
        }

        let mut stateful_topics = vec![kafka.topics.events.clone()];
        stateful_topics.extend(kafka.keyed_inputs().map(|input| input.topic.clone()));
        let pass_rate_weight = engine.scoring.pass_rate_weight;
        let processor = StatefulProcessor::new(
            engine,
            MessageDecoder::new(
                &decoder,
                Arc::clone(&enricher),
                &kafka,
                &topics,
                Arc::clone(&counters),
            ),
            topics.clone(),
            Arc::clone(&counters),
        );
        let spec = ConsumerSpec {
            stage: "stateful",
            group_id: format!("{}-stateful", kafka.group_id),
            topics: stateful_topics,
        };
        let (query_client, query_receiver) = QueryClient::channel();
        plans.push(plan_stage(
            spec,
            processor,
            Some(query_receiver),
            stateful_status,
            &shared,
        )?);

        let spec = ConsumerSpec {
            stage: "summary",
            group_id: summary_group_id(&kafka.group_id),
            topics: vec![kafka.topics.posture_partial.clone()],
        };
        plans.push(plan_stage(
            spec,
            SummaryProcessor::new(pass_rate_weight, topics.clone()),
            None,
            summary_status,
            &shared,
        )?);

        let (http_addr, http_shutdown, http_task) = if let Some(listener) = listener {
            let addr = listener.local_addr().map_err(|source| RuntimeError::Http {
                addr: http_config.listen,
                source,
            })?;
            let router = http::router(OperationsState {
                status: status.clone(),
                metrics: metrics_handle,
                queries: query_client,
            });
            let (shutdown_sender, shutdown_receiver) = oneshot::channel::<()>();
            let task = tokio::spawn(http::serve(listener, router, async {
                let _ = shutdown_receiver.await;
            }));
            tracing::info!(%addr, "operations endpoint listening");
            (Some(addr), Some(shutdown_sender), Some(task))
        } else {
            (None, None, None)
        };

        let components = plans.len() * 2;
        let (exit_sender, exits) = mpsc::channel(components);
        let mut consumer_threads = Vec::new();
        let mut processor_tasks = Vec::new();
        for plan in plans {
            let task_exits = exit_sender.clone();
            let stage = plan.consumer.stage();
            let processor_task = plan.processor;
            processor_tasks.push(tokio::spawn(async move {
                let result = processor_task.await.unwrap_or_else(|error| {
                    Err(RuntimeError::Internal {
                        component: "processing task",
                        reason: error.to_string(),
                    })
                });
                let _ = task_exits.try_send(ComponentExit::Processor { stage, result });
            }));
            let consumer_exits = exit_sender.clone();
            consumer_threads.push(plan.consumer.start(move |exit| {
                let _ = consumer_exits.try_send(ComponentExit::Consumer(exit));
            })?);
        }

        Ok(Pipeline {
            status,
            counters,
            http_addr,
            http_shutdown,
            http_task,
            consumer_threads,
            processor_tasks,
            producer,
            stop,
            exits,
            components,
            drain_deadline: kafka.drain_deadline,
        })
    }

    /// Returns the address the operations endpoint listens on.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// Returns the stages' phases and readiness.
    pub fn status(&self) -> &RuntimeStatus {
        &self.status
    }

    /// Returns the counts so far.
    pub fn counts(&self) -> RunCounts {
        self.counters.snapshot()
    }

    /// Returns a handle that reads the status and counts while
    /// [`Pipeline::run_until`] runs.
    pub fn monitor(&self) -> PipelineMonitor {
        PipelineMonitor {
            status: self.status.clone(),
            counters: Arc::clone(&self.counters),
        }
    }

    /// Runs until `shutdown` completes or a component fails, then drains:
    /// stops reading, waits up to the drain deadline for in-flight records
    /// to be acknowledged, commits, and closes the clients.
    ///
    /// Returns the first error that stopped a component, after draining.
    pub async fn run_until(
        mut self,
        shutdown: impl Future<Output = ()>,
    ) -> Result<RunReport, RuntimeError> {
        let mut first_error = None;
        let mut reported = 0;
        let mut unacknowledged = 0;
        let revoke_limit = self.drain_deadline + REVOKE_ALLOWANCE;
        let mut watchdog = tokio::time::interval(WATCHDOG_INTERVAL);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => {
                    tracing::info!("shutdown requested; draining");
                    break;
                }
                Some(exit) = self.exits.recv() => {
                    reported += 1;
                    first_error = note_exit(exit, &mut unacknowledged);
                    tracing::warn!("a pipeline component stopped; draining the others");
                    break;
                }
                _ = watchdog.tick() => {
                    if let Some((stage, age)) = self.status.stuck_revoking(revoke_limit) {
                        let error = RuntimeError::Stuck { stage, seconds: age.as_secs() };
                        tracing::error!(stage, seconds = age.as_secs(), "consumer stuck in a partition revocation; stopping");
                        first_error = Some(error);
                        break;
                    }
                }
            }
        }

        let drain_started = Instant::now();
        self.stop.store(true, Ordering::Relaxed);
        let give_up = drain_started + self.drain_deadline + CLOSE_ALLOWANCE;
        while reported < self.components {
            let remaining = give_up.saturating_duration_since(Instant::now());
            match tokio::time::timeout(remaining, self.exits.recv()).await {
                Ok(Some(exit)) => {
                    reported += 1;
                    let error = note_exit(exit, &mut unacknowledged);
                    if first_error.is_none() {
                        first_error = error;
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    tracing::error!(
                        missing = self.components - reported,
                        "pipeline components did not stop in time; abandoning them, their records are reprocessed after a restart"
                    );
                    break;
                }
            }
        }
        for task in &self.processor_tasks {
            task.abort();
        }
        self.flush_producer(give_up).await;
        self.stop_http().await;
        for thread in self.consumer_threads.drain(..) {
            if thread.is_finished() {
                let _ = thread.join();
            }
        }

        let report = RunReport {
            counts: self.counters.snapshot(),
            drain_duration: drain_started.elapsed(),
            unacknowledged_records: unacknowledged,
        };
        tracing::info!(
            drain_ms = report.drain_duration.as_millis(),
            unacknowledged = report.unacknowledged_records,
            "pipeline stopped"
        );
        match first_error {
            Some(error) => Err(error),
            None => Ok(report),
        }
    }

    async fn flush_producer(&self, give_up: Instant) {
        let producer = Arc::clone(&self.producer);
        let timeout = give_up
            .saturating_duration_since(Instant::now())
            .max(Duration::from_secs(1));
        let flushed = tokio::task::spawn_blocking(move || producer.flush(timeout)).await;
        match flushed {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(
                %error,
                in_flight = self.producer.in_flight(),
                "producer flush incomplete; their inputs were not committed"
            ),
            Err(error) => tracing::warn!(%error, "producer flush task failed"),
        }
    }

    async fn stop_http(&mut self) {
        if let Some(sender) = self.http_shutdown.take() {
            let _ = sender.send(());
        }
        if let Some(task) = self.http_task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "operations endpoint failed"),
                Err(error) => tracing::warn!(%error, "operations endpoint task failed"),
            }
        }
    }
}

/// Logs a component's exit and returns its error.
fn note_exit(exit: ComponentExit, unacknowledged: &mut usize) -> Option<RuntimeError> {
    match exit {
        ComponentExit::Consumer(exit) => {
            *unacknowledged += exit.unacknowledged;
            tracing::debug!(stage = exit.stage, "consumer exited");
            exit.error
        }
        ComponentExit::Processor { stage, result } => {
            tracing::debug!(stage, "processing task exited");
            result.err()
        }
    }
}

/// Creates a stage's channel, tracker, status and consumer, and prepares its
/// processing task.
/// Loads the IP databases, logging each one that could not be read and
/// which detectors are off for lack of a database.
fn load_enricher(config: &ispm_enrich::EnrichConfig) -> ispm_enrich::Enricher {
    let (enricher, warnings) = ispm_enrich::Enricher::load(config);
    for warning in &warnings {
        tracing::warn!(database = warning.database().config_key(), %warning, "ip database not loaded; detectors that need it are off");
    }
    let off = enricher.capabilities().detectors_off();
    if !off.is_empty() {
        tracing::warn!(
            detectors = %off.join(", "),
            "ip databases missing, so these detectors are off; run deploy/local/fetch-ipdb.sh (with --with-city for atypical_travel) and see [enrich] in config/ispm.toml"
        );
    }
    enricher
}

/// Returns a consumer group of this process alone for the summary stage:
/// every instance must read the whole partial topic from its start to
/// rebuild the sums, so instances must not share its partition.
fn summary_group_id(group_id: &str) -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("{group_id}-summary-{}-{started}", std::process::id())
}

/// What every stage of one pipeline shares.
struct StageShared<'a> {
    config: &'a KafkaConfig,
    producer: &'a Arc<OutputProducer>,
    stop: &'a Arc<AtomicBool>,
    runtime: &'a tokio::runtime::Handle,
}

fn plan_stage<P: Processor>(
    spec: ConsumerSpec,
    processor: P,
    queries: Option<mpsc::Receiver<Query>>,
    status: Arc<StageStatus>,
    shared: &StageShared<'_>,
) -> Result<StagePlan, RuntimeError> {
    let StageShared {
        config,
        producer,
        stop,
        runtime,
    } = *shared;
    let (sender, receiver) = mpsc::channel(config.channel_capacity);
    let tracker = SharedTracker::new();
    let links = ConsumerLinks {
        tracker: Arc::clone(&tracker),
        sender,
        status,
        stop: Arc::clone(stop),
        runtime: runtime.clone(),
    };
    let consumer = consumer::create(spec, config, links)?;
    let processor = tokio::spawn(stage::run(
        processor,
        receiver,
        queries,
        Arc::clone(producer),
        tracker,
        config.max_batch_records,
    ));
    Ok(StagePlan {
        consumer,
        processor,
    })
}
