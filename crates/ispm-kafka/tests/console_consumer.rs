//! An external client, Kafka's own console consumer, reads the output
//! topics: the records are plain Kafka records that any client can read.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use ispm_model::IdentityEvent;

const TEST_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_consumer_reads_output_topics() {
    init_logging();
    let test = "console_consumer_reads_output_topics";
    let Some(bootstrap) = bootstrap_or_skip(test) else {
        return;
    };
    let Some(script) = script_or_skip(test) else {
        return;
    };
    tokio::time::timeout(
        TEST_TIMEOUT,
        read_outputs_with_console_consumer(bootstrap, script),
    )
    .await
    .expect("test finished within its timeout");
}

async fn read_outputs_with_console_consumer(bootstrap: String, script: std::path::PathBuf) {
    // The Stratus Red Team detonations: attack traffic, so findings are
    // expected as well as events.
    let records = load_raw_records(&cloudtrail_data_dir().join("stratus-red-team-detonations"));
    let replay = Replay::decode(&records);

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
    let expected_events = replay.events.len() as u64;
    wait_until("every event processed", Duration::from_secs(120), || {
        running.counts().events_processed >= expected_events
    })
    .await;
    let report = running.stop().await.expect("pipeline stops cleanly");

    // Events: `headers<TAB>key<TAB>value` per line, value an IdentityEvent
    // keyed by its actor.
    let expected_lines = replay.events.len() + replay.fact_count();
    let lines = console_consume(&script, &bootstrap, &topics.events, expected_lines).await;
    assert_eq!(lines.len(), expected_lines);
    let mut actor_events = 0;
    for line in &lines {
        let (headers, key, value) = split_line(line);
        let event: IdentityEvent =
            serde_json::from_str(value).expect("console consumer prints event JSON");
        if headers == "NO_HEADERS" {
            assert_eq!(key, event.actor.id.as_str());
            actor_events += 1;
        } else {
            assert!(headers.contains("ispm-route:fact"), "{headers}");
        }
    }
    assert_eq!(actor_events, replay.events.len());

    // Findings: OCSF Detection Finding JSON keyed by identity.
    let findings = report.counts.findings as usize;
    assert!(findings > 0, "the detonations raise findings");
    let mut read = 0;
    for topic in [&topics.findings_anomaly, &topics.findings_policy] {
        let count = read_topic(&bootstrap, topic).await.len();
        if count == 0 {
            continue;
        }
        for line in console_consume(&script, &bootstrap, topic, count).await {
            let (_, key, value) = split_line(&line);
            let finding: serde_json::Value = serde_json::from_str(value).expect("finding JSON");
            assert_eq!(finding["class_uid"], 2004, "{value}");
            assert!(!key.is_empty());
            read += 1;
        }
    }
    assert_eq!(read, findings);

    // Inventory: JSON records keyed by identity.
    let inventory = report.counts.inventory_records as usize;
    for line in console_consume(&script, &bootstrap, &topics.inventory, inventory).await {
        let (_, key, value) = split_line(&line);
        let record: ispm_model::InventoryRecord =
            serde_json::from_str(value).expect("inventory JSON");
        assert_eq!(key, record.identity.as_str());
    }

    delete_test_topics(&bootstrap, &raw_topic, &topics).await;
}

/// Splits a console consumer line into headers, key and value.
fn split_line(line: &str) -> (&str, &str, &str) {
    let mut parts = line.splitn(3, '\t');
    let headers = parts.next().unwrap_or_default();
    let key = parts.next().unwrap_or_default();
    let value = parts
        .next()
        .unwrap_or_else(|| panic!("line without a value: {line}"));
    (headers, key, value)
}

/// Ends each record in the console consumer's output. Not a newline:
/// events keep the request and response payloads as CloudTrail wrote them,
/// and pretty-printed sources put newlines inside.
const RECORD_SEPARATOR: char = '\u{1e}';

/// Reads `count` records of `topic` from the beginning with
/// `kafka.sh console-consumer` and returns one line per record.
async fn console_consume(script: &Path, bootstrap: &str, topic: &str, count: usize) -> Vec<String> {
    let mut command = Command::new("bash");
    command.arg(script).args([
        "console-consumer",
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        &count.to_string(),
        "--timeout-ms",
        "60000",
        "--formatter-property",
        "print.key=true",
        "--formatter-property",
        "print.headers=true",
        "--formatter-property",
        &format!("line.separator={RECORD_SEPARATOR}"),
    ]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("console consumer thread")
        .expect("run kafka.sh console-consumer");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<String> = stdout
        .split(RECORD_SEPARATOR)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines.len(),
        count,
        "console consumer read {} of {count} records from {topic}: {}",
        lines.len(),
        String::from_utf8_lossy(&output.stderr)
    );
    lines
}
