//! The broker is stopped and restarted mid-stream: no accepted record is
//! lost and the pipeline resumes by itself.
//!
//! Runs `deploy/local/kafka.sh restart` (from `ISPM_KAFKA_SCRIPT`), which
//! keeps the broker's data. Kept in its own test binary because it takes the
//! broker away from every other test running at the same time.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use ispm_kafka::{HEADER_FACT_INDEX, HEADER_ROUTE, HEADER_SOURCE_OFFSET, ROUTE_FACT};
use ispm_model::IdentityEvent;
use rdkafka::producer::FutureRecord;

const TEST_TIMEOUT: Duration = Duration::from_secs(420);
/// Records produced per batch by the background producer, and the pause
/// between batches: the whole data set takes about 15 s, so the restart
/// lands mid-stream.
const BATCH_RECORDS: usize = 50;
const BATCH_PAUSE: Duration = Duration::from_millis(200);
/// Events processed before the broker is restarted.
const EVENTS_BEFORE_RESTART: u64 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_loses_no_accepted_record() {
    init_logging();
    let test = "broker_restart_loses_no_accepted_record";
    let Some(bootstrap) = bootstrap_or_skip(test) else {
        return;
    };
    let Some(script) = script_or_skip(test) else {
        return;
    };
    tokio::time::timeout(
        TEST_TIMEOUT,
        restart_mid_stream(bootstrap, script.as_path().to_owned()),
    )
    .await
    .expect("test finished within its timeout");
}

async fn restart_mid_stream(bootstrap: String, script: std::path::PathBuf) {
    let records = load_raw_records(&cloudtrail_data_dir());
    let replay = Replay::decode(&records);
    let messages = replay.ordered_records.clone();

    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    create_raw_topic(&bootstrap, &raw_topic).await;
    let settings = test_settings(&bootstrap, &suffix, &raw_topic);
    let topics = settings.kafka.topics.clone();
    let mut running = RunningPipeline::start(settings).await;
    running.wait_ready(Duration::from_secs(60)).await;

    // Produce in the background at a steady pace; the producer retries
    // through the restart like any shipper would.
    let producer_bootstrap = bootstrap.clone();
    let producer_topic = raw_topic.clone();
    let producing = tokio::spawn(async move {
        let producer = test_producer(&producer_bootstrap);
        let mut deliveries = Vec::new();
        for batch in messages.chunks(BATCH_RECORDS) {
            for value in batch {
                let record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&producer_topic)
                    .partition(0)
                    .payload(value.as_slice());
                deliveries.push(producer.send_result(record).expect("enqueue raw record"));
            }
            tokio::time::sleep(BATCH_PAUSE).await;
        }
        for delivery in deliveries {
            delivery
                .await
                .expect("delivery reported")
                .unwrap_or_else(|(error, _)| {
                    panic!("raw record lost by the test producer: {error}")
                });
        }
    });

    running
        .wait_for(
            "some events processed before the restart",
            Duration::from_secs(60),
            |counts| counts.events_processed >= EVENTS_BEFORE_RESTART,
        )
        .await;
    let before_restart = running.counts();
    restart_broker(&script).await;
    announce(&format!(
        "broker_restart_loses_no_accepted_record: broker restarted after {} of {} events",
        before_restart.events_processed,
        replay.events.len()
    ));

    producing.await.expect("background producer");
    running.wait_ready(Duration::from_secs(120)).await;
    let expected_events = replay.events.len() as u64;
    running
        .wait_for(
            "every event processed after the restart",
            Duration::from_secs(180),
            |counts| counts.events_processed >= expected_events,
        )
        .await;
    assert!(
        running.counts().events_processed > before_restart.events_processed,
        "the pipeline resumed"
    );

    // Duplicates are allowed (at least once); a missing record is not.
    let expected_ids: BTreeSet<String> = replay
        .events
        .iter()
        .map(|event| event.event_id.to_string())
        .collect();
    let expected_facts: BTreeSet<(String, usize)> = replay
        .events
        .iter()
        .flat_map(|event| (0..event.targets.len()).map(|index| (event.event_id.to_string(), index)))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (event_ids, fact_ids) = events_topic_contents(&bootstrap, &topics.events).await;
        let missing_events = expected_ids.difference(&event_ids).count();
        let missing_facts = expected_facts.difference(&fact_ids).count();
        if missing_events == 0 && missing_facts == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing_events} events and {missing_facts} fact copies never reached {}",
            topics.events
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    let report = running
        .stop()
        .await
        .expect("pipeline stops cleanly after the restart");
    assert_eq!(report.unacknowledged_records, 0);

    // Every dead letter of the replay (one per record with warnings) is
    // there, by source offset.
    let dead_letter_offsets: BTreeSet<String> = read_topic(&bootstrap, &topics.deadletter)
        .await
        .iter()
        .filter_map(|message| message.header(HEADER_SOURCE_OFFSET).map(str::to_owned))
        .collect();
    assert_eq!(
        dead_letter_offsets.len(),
        replay.dead_letters.len(),
        "dead letters by source offset"
    );
    announce(&format!(
        "broker_restart_loses_no_accepted_record: {} events processed ({} expected, the rest reprocessed)",
        report.counts.events_processed,
        replay.events.len()
    ));

    delete_test_topics(&bootstrap, &raw_topic, &topics).await;
}

/// Returns the event ids and the (event id, fact index) pairs on the events
/// topic.
async fn events_topic_contents(
    bootstrap: &str,
    topic: &str,
) -> (BTreeSet<String>, BTreeSet<(String, usize)>) {
    let mut events = BTreeSet::new();
    let mut facts = BTreeSet::new();
    for message in read_topic(bootstrap, topic).await {
        let event: IdentityEvent = serde_json::from_slice(&message.payload).expect("event JSON");
        if message.header(HEADER_ROUTE) == Some(ROUTE_FACT) {
            let index = message
                .header(HEADER_FACT_INDEX)
                .and_then(|text| text.parse().ok())
                .expect("fact index");
            facts.insert((event.event_id.to_string(), index));
        } else {
            events.insert(event.event_id.to_string());
        }
    }
    (events, facts)
}

/// Runs `kafka.sh restart` on a blocking thread and fails the test when it
/// fails. The script waits until the broker responds again.
async fn restart_broker(script: &Path) {
    let script = script.to_owned();
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("bash").arg(&script).arg("restart").output()
    })
    .await
    .expect("restart thread")
    .expect("run kafka.sh restart");
    assert!(
        output.status.success(),
        "kafka.sh restart failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    announce(&format!(
        "broker_restart_loses_no_accepted_record: kafka.sh restart took {:.1} s",
        started.elapsed().as_secs_f64()
    ));
}
