//! Output topic names, and the startup check that every topic exists (or is
//! created) with the layout the runtime needs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ispm_model::FindingCategory;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use crate::client;
use crate::config::KafkaConfig;
use crate::error::RuntimeError;

/// The output topic names, shared by every record the stages build.
#[derive(Clone, Debug)]
pub(crate) struct OutputTopics {
    pub events: Arc<str>,
    pub findings_anomaly: Arc<str>,
    pub findings_policy: Arc<str>,
    pub inventory: Arc<str>,
    pub deadletter: Arc<str>,
    pub posture_identity: Arc<str>,
    pub posture_summary: Arc<str>,
    pub posture_partial: Arc<str>,
}

impl OutputTopics {
    pub fn new(config: &KafkaConfig) -> Self {
        let names = &config.topics;
        OutputTopics {
            events: Arc::from(names.events.as_str()),
            findings_anomaly: Arc::from(names.findings_anomaly.as_str()),
            findings_policy: Arc::from(names.findings_policy.as_str()),
            inventory: Arc::from(names.inventory.as_str()),
            deadletter: Arc::from(names.deadletter.as_str()),
            posture_identity: Arc::from(names.posture_identity.as_str()),
            posture_summary: Arc::from(names.posture_summary.as_str()),
            posture_partial: Arc::from(names.posture_partial.as_str()),
        }
    }

    pub fn findings(&self, category: FindingCategory) -> &Arc<str> {
        match category {
            FindingCategory::Anomaly => &self.findings_anomaly,
            FindingCategory::Policy => &self.findings_policy,
        }
    }
}

/// How long startup waits for the brokers' metadata and for topic creation.
/// Long enough for a broker that is still starting, short enough that a
/// wrong address fails the startup visibly.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks that every input and output topic exists, creating missing output
/// topics when `create_topics` is set, and that inputs keyed by identity have
/// as many partitions as the events topic.
///
/// Blocks on metadata requests: call it from a blocking context.
pub(crate) fn prepare_topics(config: &KafkaConfig) -> Result<(), RuntimeError> {
    let mut client_config = ClientConfig::new();
    client::apply_common(&mut client_config, config);
    let admin: AdminClient<DefaultClientContext> =
        client_config
            .create()
            .map_err(|source| RuntimeError::Client {
                client: "admin client",
                source,
            })?;

    // Without this line a mistyped broker address shows nothing until the
    // metadata request times out.
    tracing::info!(
        bootstrap_servers = %config.bootstrap_servers,
        timeout_seconds = STARTUP_TIMEOUT.as_secs(),
        "connecting to Kafka to check the topics"
    );
    let partitions = partition_counts(&admin)?;
    for input in &config.inputs {
        if !partitions.contains_key(&input.topic) {
            return Err(RuntimeError::MissingInputTopic {
                topic: input.topic.clone(),
            });
        }
    }

    let missing: Vec<&str> = config
        .topics
        .all()
        .into_iter()
        .map(|(_, topic)| topic)
        .filter(|topic| !partitions.contains_key(*topic))
        .collect();
    if let Some(first) = missing.first() {
        if !config.create_topics {
            return Err(RuntimeError::MissingTopic {
                topic: (*first).to_owned(),
            });
        }
        create_topics(&admin, config, &missing)?;
    }

    let partitions = if missing.is_empty() {
        partitions
    } else {
        wait_for_topics(&admin, &missing)?
    };
    check_co_partitioning(config, &partitions)
}

fn partition_counts(
    admin: &AdminClient<DefaultClientContext>,
) -> Result<HashMap<String, usize>, RuntimeError> {
    let metadata = admin
        .inner()
        .fetch_metadata(None, STARTUP_TIMEOUT)
        .map_err(|source| RuntimeError::Broker {
            operation: "metadata request",
            source,
        })?;
    Ok(metadata
        .topics()
        .iter()
        .filter(|topic| topic.error().is_none())
        .map(|topic| (topic.name().to_owned(), topic.partitions().len()))
        .collect())
}

fn create_topics(
    admin: &AdminClient<DefaultClientContext>,
    config: &KafkaConfig,
    missing: &[&str],
) -> Result<(), RuntimeError> {
    // -1 lets the broker apply its default.replication.factor (Kafka 2.4+).
    let replication_factor = config.replication_factor.map_or(-1, i32::from);
    let max_message_bytes = config.max_message_bytes.to_string();
    let new_topics: Vec<NewTopic<'_>> = missing
        .iter()
        .map(|&name| {
            let partitions = if name == config.topics.events {
                config.events_partitions
            } else if name == config.topics.posture_partial {
                // One partition, so that one consumer sees every partial of
                // a scope; it carries one small record per scope and
                // events partition.
                1
            } else {
                config.output_partitions
            };
            let topic = NewTopic::new(
                name,
                partitions,
                TopicReplication::Fixed(replication_factor),
            )
            .set("max.message.bytes", &max_message_bytes);
            if name == config.topics.inventory
                || name == config.topics.posture_identity
                || name == config.topics.posture_summary
                || name == config.topics.posture_partial
            {
                // One record per key is kept: the latest.
                topic.set("cleanup.policy", "compact")
            } else {
                topic
            }
        })
        .collect();

    let options = AdminOptions::new().operation_timeout(Some(STARTUP_TIMEOUT));
    let results = futures::executor::block_on(admin.create_topics(&new_topics, &options)).map_err(
        |source| RuntimeError::Broker {
            operation: "create topics request",
            source,
        },
    )?;
    for result in results {
        match result {
            Ok(topic) => tracing::info!(topic, "topic created"),
            // Another instance created it first.
            Err((topic, RDKafkaErrorCode::TopicAlreadyExists)) => {
                tracing::debug!(topic, "topic already exists")
            }
            Err((topic, code)) => {
                return Err(RuntimeError::CreateTopic {
                    topic,
                    reason: code.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Waits until the metadata lists the created topics, which lags behind the
/// controller's response by a moment.
fn wait_for_topics(
    admin: &AdminClient<DefaultClientContext>,
    created: &[&str],
) -> Result<HashMap<String, usize>, RuntimeError> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        let partitions = partition_counts(admin)?;
        if created.iter().all(|topic| partitions.contains_key(*topic)) {
            return Ok(partitions);
        }
        if Instant::now() >= deadline {
            return Err(RuntimeError::Broker {
                operation: "waiting for created topics",
                source: KafkaError::AdminOp(RDKafkaErrorCode::OperationTimedOut),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn check_co_partitioning(
    config: &KafkaConfig,
    partitions: &HashMap<String, usize>,
) -> Result<(), RuntimeError> {
    let events_topic = &config.topics.events;
    let expected = partitions.get(events_topic).copied().unwrap_or_default();
    for input in config.keyed_inputs() {
        let actual = partitions.get(&input.topic).copied().unwrap_or_default();
        if actual != expected {
            return Err(RuntimeError::NotCoPartitioned {
                topic: input.topic.clone(),
                events_topic: events_topic.clone(),
                expected,
                actual,
            });
        }
    }
    Ok(())
}
