//! The whole pipeline against librdkafka's in-process mock cluster: runs
//! everywhere, without a broker, and covers startup, both stages, dead
//! letters, the drain and the operations endpoint.

mod common;

use std::time::Duration;

use common::*;
use ispm_kafka::RunSettings;
use ispm_kafka::{HEADER_REASON, HEADER_ROUTE, Pipeline, RuntimeError};
use rdkafka::ClientContext;
use rdkafka::mocking::{MockCluster, MockCoordinator};

const TEST_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_runs_on_mock_cluster() {
    init_logging();
    let cluster = MockCluster::new(1).expect("mock cluster");
    let bootstrap = cluster.bootstrap_servers();
    let (settings, raw_topic) = settings_with_topics(&cluster);

    tokio::time::timeout(TEST_TIMEOUT, run_on_mock(&bootstrap, settings, &raw_topic))
        .await
        .expect("test finished within its timeout");
}

/// Returns test settings for the mock cluster with a new raw topic, and
/// creates every topic they name. The mock cluster does not implement the
/// CreateTopics request, so the topics are made here and the runtime only
/// checks them.
fn settings_with_topics(cluster: &MockCluster<'_, impl ClientContext>) -> (RunSettings, String) {
    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    cluster.create_topic(&raw_topic, 1, 1).expect("raw topic");
    let mut settings = test_settings(&cluster.bootstrap_servers(), &suffix, &raw_topic);
    settings.kafka.create_topics = false;
    for (_, topic) in settings.kafka.topics.all() {
        let partitions = if topic == settings.kafka.topics.events {
            settings.kafka.events_partitions
        } else {
            1
        };
        cluster
            .create_topic(topic, partitions, 1)
            .expect("output topic");
    }
    (settings, raw_topic)
}

async fn run_on_mock(bootstrap: &str, settings: ispm_kafka::RunSettings, raw_topic: &str) {
    let mut messages: Vec<Vec<u8>> =
        load_raw_records(&cloudtrail_data_dir().join("stratus-red-team-detonations"))
            .into_iter()
            .take(100)
            .map(|record| record.bytes)
            .collect();
    messages.insert(10, b"not json".to_vec());
    produce_all(&test_producer(bootstrap), raw_topic, &messages).await;

    let topics = settings.kafka.topics.clone();
    let running = RunningPipeline::start(settings).await;
    running.wait_ready(Duration::from_secs(60)).await;
    let addr = running.http_addr.expect("endpoint enabled");
    let (status, body) = http_get(addr, "/readyz").await;
    assert_eq!(status, 200, "{body}");

    wait_until("100 events processed", Duration::from_secs(60), || {
        running.counts().events_processed >= 100
    })
    .await;
    let report = running.stop().await.expect("pipeline stops cleanly");
    assert_eq!(report.unacknowledged_records, 0);
    assert_eq!(report.counts.raw_messages, 101);
    assert_eq!(report.counts.events_decoded, 100);

    let events = read_topic(bootstrap, &topics.events).await;
    let actor_events = events
        .iter()
        .filter(|message| message.header(HEADER_ROUTE).is_none())
        .count();
    assert_eq!(actor_events, 100);
    let dead_letters = read_topic(bootstrap, &topics.deadletter).await;
    assert!(
        dead_letters.iter().any(
            |message| message.header(HEADER_REASON) == Some("invalid_json")
                && message.payload == b"not json"
        ),
        "the invalid message is dead-lettered as it came"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_topic_fails_startup_when_creation_is_off() {
    init_logging();
    let cluster = MockCluster::new(1).expect("mock cluster");
    let bootstrap = cluster.bootstrap_servers();
    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    cluster.create_topic(&raw_topic, 1, 1).expect("raw topic");

    let mut settings = test_settings(&bootstrap, &suffix, &raw_topic);
    settings.kafka.create_topics = false;
    let events_topic = settings.kafka.topics.events.clone();
    let error = tokio::time::timeout(TEST_TIMEOUT, Pipeline::start(settings))
        .await
        .expect("startup finished in time")
        .err()
        .expect("startup fails");
    match &error {
        RuntimeError::MissingTopic { topic } => assert_eq!(topic, &events_topic),
        other => panic!("unexpected error: {other}"),
    }
    assert!(error.to_string().contains("kafka.create_topics"), "{error}");
    assert!(!error.is_retriable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_input_topic_fails_startup() {
    init_logging();
    let cluster = MockCluster::new(1).expect("mock cluster");
    let bootstrap = cluster.bootstrap_servers();
    let suffix = unique_suffix();
    let settings = test_settings(&bootstrap, &suffix, "no.such.raw.topic");
    let error = tokio::time::timeout(TEST_TIMEOUT, Pipeline::start(settings))
        .await
        .expect("startup finished in time")
        .err()
        .expect("startup fails");
    assert!(
        matches!(&error, RuntimeError::MissingInputTopic { topic } if topic == "no.such.raw.topic"),
        "unexpected error: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_settings_fail_before_connecting() {
    let mut settings = test_settings("127.0.0.1:9", &unique_suffix(), "raw");
    settings.kafka.group_id = String::new();
    settings.kafka.channel_capacity = 0;
    let error = Pipeline::start(settings)
        .await
        .err()
        .expect("startup fails");
    match &error {
        RuntimeError::Config(config) => assert_eq!(config.problems.len(), 2, "{config}"),
        other => panic!("unexpected error: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_producer_queue_is_retried_not_dropped() {
    init_logging();
    let cluster = MockCluster::new(1).expect("mock cluster");
    let bootstrap = cluster.bootstrap_servers();
    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    cluster.create_topic(&raw_topic, 1, 1).expect("raw topic");

    let mut settings = test_settings(&bootstrap, &suffix, &raw_topic);
    settings.kafka.create_topics = false;
    // A producer queue of four records overflows on every batch.
    settings
        .kafka
        .client_properties
        .insert("queue.buffering.max.messages", "4");
    for (_, topic) in settings.kafka.topics.all() {
        cluster.create_topic(topic, 1, 1).expect("output topic");
    }
    let topics = settings.kafka.topics.clone();

    let run = async {
        let messages: Vec<Vec<u8>> =
            load_raw_records(&cloudtrail_data_dir().join("stratus-red-team-detonations"))
                .into_iter()
                .map(|record| record.bytes)
                .collect();
        produce_all(&test_producer(&bootstrap), &raw_topic, &messages).await;

        let running = RunningPipeline::start(settings).await;
        let expected = messages.len() as u64;
        wait_until("every event processed", Duration::from_secs(60), || {
            running.counts().events_processed >= expected
        })
        .await;
        let addr = running.http_addr.expect("endpoint enabled");
        let (_, metrics) = http_get(addr, "/metrics").await;
        let report = running.stop().await.expect("pipeline stops cleanly");
        assert_eq!(report.unacknowledged_records, 0);

        let retries = metrics
            .lines()
            .find_map(|line| line.strip_prefix("ispm_producer_queue_full_total "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .unwrap_or(0.0);
        assert!(retries > 0.0, "the queue never filled up:\n{metrics}");

        let actor_events = read_topic(&bootstrap, &topics.events)
            .await
            .iter()
            .filter(|message| message.header(HEADER_ROUTE).is_none())
            .count();
        assert_eq!(
            actor_events,
            messages.len(),
            "no record dropped on a full queue"
        );
    };
    tokio::time::timeout(TEST_TIMEOUT, run)
        .await
        .expect("test finished within its timeout");
}

/// The stateful stage's group coordinator is a broker that is down, so its
/// consumer cannot join: after `rejoin_after` the stage replaces it, and once
/// the broker is back the pipeline processes everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_group_join_is_replaced() {
    init_logging();
    let cluster = MockCluster::new(2).expect("mock cluster");
    let bootstrap = cluster.bootstrap_servers();
    let (mut settings, raw_topic) = settings_with_topics(&cluster);
    // The mock cluster delays a new group's first join by about 3 s, so
    // the limit leaves a replacement time to join.
    settings.kafka.rejoin_after = Duration::from_secs(8);
    let stateful_group = format!("{}-stateful", settings.kafka.group_id);
    cluster
        .coordinator(MockCoordinator::Group(stateful_group), 2)
        .expect("coordinator set");

    tokio::time::timeout(TEST_TIMEOUT, async {
        let messages: Vec<Vec<u8>> =
            load_raw_records(&cloudtrail_data_dir().join("stratus-red-team-detonations"))
                .into_iter()
                .take(50)
                .map(|record| record.bytes)
                .collect();
        produce_all(&test_producer(&bootstrap), &raw_topic, &messages).await;

        cluster.broker_down(2).expect("broker 2 down");
        let running = RunningPipeline::start(settings).await;
        wait_until(
            "a stalled consumer replaced",
            Duration::from_secs(30),
            || running.consumer_replacements() > 0,
        )
        .await;
        cluster.broker_up(2).expect("broker 2 up");

        wait_until("50 events processed", Duration::from_secs(60), || {
            running.counts().events_processed >= 50
        })
        .await;
        let report = running.stop().await.expect("pipeline stops cleanly");
        assert_eq!(report.counts.events_processed, 50);
    })
    .await
    .expect("test finished within its timeout");
}
