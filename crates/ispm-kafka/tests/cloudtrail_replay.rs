//! The shared CloudTrail files, produced raw one record per message, give
//! the same findings through the Kafka runtime as through the engine
//! directly (the replay path).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use ispm_kafka::{HEADER_FACT_INDEX, HEADER_REASON, HEADER_ROUTE, ROUTE_FACT};
use ispm_model::{DeadLetterAction, IdentityEvent};

const TEST_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudtrail_files_match_replay_findings() {
    init_logging();
    let Some(bootstrap) = bootstrap_or_skip("cloudtrail_files_match_replay_findings") else {
        return;
    };
    tokio::time::timeout(TEST_TIMEOUT, run_files_through_pipeline(bootstrap))
        .await
        .expect("test finished within its timeout");
}

async fn run_files_through_pipeline(bootstrap: String) {
    let records = load_raw_records(&cloudtrail_data_dir());
    let replay = Replay::decode(&records);
    let expected_uids = replay.finding_uids();
    let rejected = replay
        .dead_letters
        .iter()
        .filter(|letter| letter.action == DeadLetterAction::Rejected)
        .count();
    assert_eq!(
        replay.events.len() + rejected + replay.skipped,
        records.len(),
        "every record decodes into one event, one rejection or one skip"
    );
    announce(&format!(
        "cloudtrail_files_match_replay_findings: {} records, {} events, {} facts, {} dead letters, {} replay findings",
        records.len(),
        replay.events.len(),
        replay.fact_count(),
        replay.dead_letters.len(),
        expected_uids.len()
    ));

    // One raw partition, records in event-time order: each engine then gets
    // its identities' events in the order the replay engine gets them.
    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    create_raw_topic(&bootstrap, &raw_topic).await;
    produce_all(
        &test_producer(&bootstrap),
        &raw_topic,
        &replay.ordered_records,
    )
    .await;

    let settings = test_settings(&bootstrap, &suffix, &raw_topic);
    let topics = settings.kafka.topics.clone();
    let running = RunningPipeline::start(settings).await;
    running.wait_ready(Duration::from_secs(60)).await;
    check_operations_endpoint(&running).await;

    let expected_events = replay.events.len() as u64;
    let expected_facts = replay.fact_count() as u64;
    wait_until(
        "every event and fact processed",
        Duration::from_secs(180),
        || {
            let counts = running.counts();
            counts.events_processed >= expected_events && counts.facts_applied >= expected_facts
        },
    )
    .await;
    // The summary stage runs behind the stateful stage: wait until its org
    // summary covers the newest partial of every partition.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let partials = read_topic(&bootstrap, &topics.posture_partial).await;
        let summary = org_summary_identities(&bootstrap, &topics.posture_summary).await;
        if summary == Some(org_partial_identities(&partials)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the org summary did not catch up with the partials: {summary:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let report = running.stop().await.expect("pipeline stops cleanly");
    assert_eq!(report.unacknowledged_records, 0, "{report:?}");
    assert_eq!(report.counts.raw_messages, records.len() as u64);
    assert_eq!(report.counts.events_processed, expected_events);
    assert_eq!(report.counts.facts_applied, expected_facts);

    // ispm.events: one record per decoded event, keyed by actor, plus one
    // copy per fact, keyed by the target.
    let events_topic = read_topic(&bootstrap, &topics.events).await;
    let (facts, actors): (Vec<&Consumed>, Vec<&Consumed>) = events_topic
        .iter()
        .partition(|message| message.header(HEADER_ROUTE) == Some(ROUTE_FACT));
    assert_eq!(
        actors.len(),
        replay.events.len(),
        "events on the events topic"
    );
    assert_eq!(
        facts.len(),
        replay.fact_count(),
        "fact copies on the events topic"
    );
    let mut event_ids = BTreeSet::new();
    for message in &actors {
        let event: IdentityEvent = serde_json::from_slice(&message.payload).expect("event JSON");
        assert_eq!(
            message.key_text(),
            event.actor.id.as_str(),
            "event keyed by its actor"
        );
        event_ids.insert(event.event_id.to_string());
    }
    let replay_ids: BTreeSet<String> = replay
        .events
        .iter()
        .map(|event| event.event_id.to_string())
        .collect();
    assert_eq!(event_ids, replay_ids);
    for message in &facts {
        let event: IdentityEvent = serde_json::from_slice(&message.payload).expect("event JSON");
        let index: usize = message
            .header(HEADER_FACT_INDEX)
            .expect("fact index")
            .parse()
            .expect("number");
        assert_eq!(
            message.key_text(),
            event.targets[index].identity.as_str(),
            "fact keyed by its target"
        );
    }

    // Detector findings: the same uids as the replay, each once. Posture
    // policy findings (detector `policy`) are evaluated at each partition's
    // batch boundaries, and replay evaluates hourly, so their open and
    // resolve times differ by design; they are checked apart below.
    let mut finding_uids = Vec::new();
    let mut posture_findings = 0;
    for topic in [&topics.findings_anomaly, &topics.findings_policy] {
        for message in read_topic(&bootstrap, topic).await {
            if ocsf_detector(&message.payload) == "policy" {
                posture_findings += 1;
            } else {
                finding_uids.push(ocsf_uid(&message.payload));
            }
        }
    }
    assert_eq!(
        (finding_uids.len() + posture_findings) as u64,
        report.counts.findings
    );
    assert!(
        posture_findings > 0,
        "the stateful stage evaluates posture policies"
    );
    let postures = read_topic(&bootstrap, &topics.posture_identity).await;
    assert!(!postures.is_empty(), "identity postures are published");
    let partials = read_topic(&bootstrap, &topics.posture_partial).await;
    assert!(
        partials
            .iter()
            .any(|message| message.key_text().starts_with("org@")),
        "posture partials are keyed SCOPE@PARTITION"
    );
    // The summary stage adds the partials up into one summary per scope.
    assert_eq!(
        org_summary_identities(&bootstrap, &topics.posture_summary).await,
        Some(org_partial_identities(&partials)),
        "the org summary adds up the newest partial of every partition"
    );
    let unique: BTreeSet<String> = finding_uids.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        finding_uids.len(),
        "a finding was produced twice"
    );
    assert_eq!(
        unique, expected_uids,
        "Kafka findings differ from the replay findings"
    );

    let dead_letters = read_topic(&bootstrap, &topics.deadletter).await;
    assert_eq!(dead_letters.len(), replay.dead_letters.len());
    assert!(
        dead_letters
            .iter()
            .all(|message| message.header(HEADER_REASON).is_some())
    );

    let inventory = read_topic(&bootstrap, &topics.inventory).await;
    assert_eq!(inventory.len() as u64, report.counts.inventory_records);
    assert!(
        !inventory.is_empty(),
        "the engine publishes inventory records"
    );
    announce(&format!(
        "cloudtrail_files_match_replay_findings: {} findings, {} inventory records, {} dead letters through Kafka",
        finding_uids.len(),
        inventory.len(),
        dead_letters.len()
    ));

    delete_test_topics(&bootstrap, &raw_topic, &topics).await;
}

async fn check_operations_endpoint(running: &RunningPipeline) {
    let addr = running.http_addr.expect("endpoint enabled");
    let (status, body) = http_get(addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_get(addr, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("decode: running"), "{body}");
    assert!(body.contains("stateful: running"), "{body}");
    let (status, body) = http_get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(body.contains("ispm_rebalances_total"), "{body}");

    // Lag gauges come from librdkafka statistics, every second in tests.
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = http_get(addr, "/metrics").await.1;
        if metrics.contains("ispm_consumer_lag_messages{") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(metrics.contains("ispm_consumer_lag_messages{"), "{metrics}");
    assert!(
        metrics.contains("ispm_producer_queue_messages"),
        "{metrics}"
    );
}

/// Returns the identities of the newest org summary, if any.
async fn org_summary_identities(bootstrap: &str, topic: &str) -> Option<u64> {
    let summaries = read_topic(bootstrap, topic).await;
    let last = summaries
        .iter()
        .rev()
        .find(|message| message.key_text() == "org")?;
    let org: ispm_model::PostureSummary =
        serde_json::from_slice(&last.payload).expect("summary JSON");
    Some(org.identities)
}

/// Sums the identities of the newest org partial of every partition.
fn org_partial_identities(partials: &[Consumed]) -> u64 {
    let mut identities = std::collections::BTreeMap::new();
    for message in partials {
        if let Some(partition) = message.key_text().strip_prefix("org@") {
            let partial: ispm_model::PostureSummary =
                serde_json::from_slice(&message.payload).expect("partial JSON");
            identities.insert(partition.to_owned(), partial.identities);
        }
    }
    identities.values().sum()
}
