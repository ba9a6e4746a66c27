//! A second instance joins the group mid-stream and the first one leaves:
//! revoked partitions are drained and committed before they move, so no
//! record is lost and none is decoded twice.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use ispm_kafka::HEADER_ROUTE;
use ispm_model::IdentityEvent;

const TEST_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_move_between_instances_without_loss() {
    init_logging();
    let Some(bootstrap) = bootstrap_or_skip("partitions_move_between_instances_without_loss")
    else {
        return;
    };
    tokio::time::timeout(TEST_TIMEOUT, move_partitions(bootstrap))
        .await
        .expect("test finished within its timeout");
}

async fn move_partitions(bootstrap: String) {
    let records = load_raw_records(&cloudtrail_data_dir());
    let replay = Replay::decode(&records);
    let thirds: Vec<&[Vec<u8>]> = replay
        .ordered_records
        .chunks(replay.ordered_records.len().div_ceil(3))
        .collect();
    assert_eq!(thirds.len(), 3);

    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    create_raw_topic(&bootstrap, &raw_topic).await;
    let settings = test_settings(&bootstrap, &suffix, &raw_topic);
    let topics = settings.kafka.topics.clone();
    let producer = test_producer(&bootstrap);

    // First third with one instance.
    let first = RunningPipeline::start(settings.clone()).await;
    first.wait_ready(Duration::from_secs(60)).await;
    produce_all(&producer, &raw_topic, thirds[0]).await;
    let expected_after_first = thirds[0].len() as u64;
    wait_until("first third read", Duration::from_secs(60), || {
        first.counts().raw_messages >= expected_after_first
    })
    .await;

    // A second instance joins: both stages rebalance.
    let second = RunningPipeline::start(settings).await;
    second.wait_ready(Duration::from_secs(60)).await;
    first.wait_ready(Duration::from_secs(60)).await;
    produce_all(&producer, &raw_topic, thirds[1]).await;
    let expected_after_second = (thirds[0].len() + thirds[1].len()) as u64;
    wait_until("second third read", Duration::from_secs(60), || {
        first.counts().raw_messages + second.counts().raw_messages >= expected_after_second
    })
    .await;

    // The first instance leaves: its partitions move to the second.
    let first_report = first.stop().await.expect("first instance stops cleanly");
    assert_eq!(first_report.unacknowledged_records, 0);
    produce_all(&producer, &raw_topic, thirds[2]).await;
    let total = replay.events.len() as u64;
    wait_until("every event processed", Duration::from_secs(90), || {
        first_report.counts.events_processed + second.counts().events_processed >= total
    })
    .await;
    let second_report = second.stop().await.expect("second instance stops cleanly");
    assert_eq!(second_report.unacknowledged_records, 0);

    // Every event exactly once: committed offsets moved with the partitions.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for message in read_topic(&bootstrap, &topics.events).await {
        if message.header(HEADER_ROUTE).is_none() {
            let event: IdentityEvent =
                serde_json::from_slice(&message.payload).expect("event JSON");
            *seen.entry(event.event_id.to_string()).or_default() += 1;
        }
    }
    let missing = replay
        .events
        .iter()
        .filter(|event| !seen.contains_key(event.event_id.as_str()))
        .count();
    let duplicated: Vec<(&String, &usize)> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert_eq!(missing, 0, "events lost while partitions moved");
    assert!(
        duplicated.is_empty(),
        "events decoded twice: {:?}",
        &duplicated[..duplicated.len().min(5)]
    );

    let processed = first_report.counts.events_processed + second_report.counts.events_processed;
    assert_eq!(
        processed,
        replay.events.len() as u64,
        "every event processed once by the stateful stage"
    );

    delete_test_topics(&bootstrap, &raw_topic, &topics).await;
}
