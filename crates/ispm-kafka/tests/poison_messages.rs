//! Poison messages land in the dead-letter topic with their reason while
//! the good messages around them are processed.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use ispm_kafka::{
    HEADER_ACTION, HEADER_REASON, HEADER_ROUTE, HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_TOPIC, HEADER_VALUE_FORMAT,
};
use ispm_model::{CompactString, DeadLetter, IdentityEvent};

const TEST_TIMEOUT: Duration = Duration::from_secs(180);

/// 10 MB: larger than the decoder's record limit, smaller than the topics'.
const HUGE_MESSAGE_BYTES: usize = 10 * 1000 * 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_go_to_dead_letter_topic() {
    init_logging();
    let Some(bootstrap) = bootstrap_or_skip("poison_messages_go_to_dead_letter_topic") else {
        return;
    };
    tokio::time::timeout(TEST_TIMEOUT, run_poison_messages(bootstrap))
        .await
        .expect("test finished within its timeout");
}

/// A poison message with the dead-letter reason it must get.
struct Poison {
    value: Vec<u8>,
    reason: &'static str,
}

fn poison_messages() -> Vec<Poison> {
    let huge = format!(
        r#"{{"eventTime":"2024-08-01T13:33:28Z","eventName":"GetObject","padding":"{}"}}"#,
        "x".repeat(HUGE_MESSAGE_BYTES)
    );
    vec![
        Poison {
            value: b"this is not JSON at all".to_vec(),
            reason: "invalid_json",
        },
        Poison {
            value: huge.into_bytes(),
            reason: "record_too_large",
        },
        Poison {
            value: br#"{"eventTime":"2024-08-01T13:33:28Z","eventName":42,"eventSource":"iam.amazonaws.com"}"#.to_vec(),
            reason: "wrong_type",
        },
        Poison {
            value: br#"{"eventTime":"yesterday","eventName":"ListUsers","eventSource":"iam.amazonaws.com"}"#.to_vec(),
            reason: "invalid_event_time",
        },
        Poison {
            value: b"[1, 2, 3]".to_vec(),
            reason: "not_an_object",
        },
        Poison {
            value: vec![0xff, 0xfe, 0x00, 0x01, 0x80],
            reason: "invalid_json",
        },
    ]
}

async fn run_poison_messages(bootstrap: String) {
    // Good records from the shared data, interleaved with the poison.
    let good: Vec<Vec<u8>> = load_raw_records(&cloudtrail_data_dir())
        .into_iter()
        .take(60)
        .map(|record| record.bytes)
        .collect();
    let replay = Replay::decode(
        &good
            .iter()
            .map(|bytes| RawRecord {
                file: Default::default(),
                bytes: bytes.clone(),
            })
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        replay.events.len(),
        good.len(),
        "the chosen good records all decode"
    );

    let poison = poison_messages();
    let mut messages = Vec::new();
    let mut poison_offsets = Vec::new();
    let mut good_iter = good.iter();
    for item in &poison {
        for bytes in good_iter.by_ref().take(good.len() / poison.len()) {
            messages.push(bytes.clone());
        }
        poison_offsets.push(messages.len() as i64);
        messages.push(item.value.clone());
    }
    messages.extend(good_iter.cloned());

    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    create_raw_topic(&bootstrap, &raw_topic).await;
    produce_all(&test_producer(&bootstrap), &raw_topic, &messages).await;

    let settings = test_settings(&bootstrap, &suffix, &raw_topic);
    let topics = settings.kafka.topics.clone();
    let running = RunningPipeline::start(settings).await;
    let expected_events = good.len() as u64;
    wait_until(
        "good events processed and poison dead-lettered",
        Duration::from_secs(120),
        || {
            let counts = running.counts();
            counts.events_processed >= expected_events && counts.dead_letters >= poison.len() as u64
        },
    )
    .await;
    let report = running.stop().await.expect("pipeline stops cleanly");
    assert_eq!(report.unacknowledged_records, 0);

    let events: Vec<IdentityEvent> = read_topic(&bootstrap, &topics.events)
        .await
        .iter()
        .filter(|message| message.header(HEADER_ROUTE).is_none())
        .map(|message| serde_json::from_slice(&message.payload).expect("event JSON"))
        .collect();
    let event_ids: BTreeSet<CompactString> =
        events.into_iter().map(|event| event.event_id).collect();
    let expected_ids: BTreeSet<CompactString> = replay
        .events
        .iter()
        .map(|event| event.event_id.clone())
        .collect();
    assert_eq!(
        event_ids, expected_ids,
        "every good message around the poison is processed"
    );

    let dead_letters = read_topic(&bootstrap, &topics.deadletter).await;
    let rejected: Vec<&Consumed> = dead_letters
        .iter()
        .filter(|message| message.header(HEADER_ACTION) == Some("rejected"))
        .collect();
    let offsets: BTreeSet<&str> = rejected
        .iter()
        .filter_map(|message| message.header(HEADER_SOURCE_OFFSET))
        .collect();
    let expected_offsets: Vec<String> = poison_offsets.iter().map(i64::to_string).collect();
    assert_eq!(
        offsets,
        expected_offsets.iter().map(String::as_str).collect(),
        "rejections come from the poison messages only"
    );
    for (item, offset) in poison.iter().zip(&expected_offsets) {
        // A message can contain several bad records (`[1, 2, 3]` has three).
        let letters: Vec<&&Consumed> = rejected
            .iter()
            .filter(|message| message.header(HEADER_SOURCE_OFFSET) == Some(offset.as_str()))
            .collect();
        let letter = letters[0];
        for letter in &letters {
            assert_eq!(
                letter.header(HEADER_REASON),
                Some(item.reason),
                "reason of offset {offset}"
            );
        }
        assert_eq!(letter.header(HEADER_SOURCE_TOPIC), Some(raw_topic.as_str()));
        assert_eq!(letter.header(HEADER_SOURCE_PARTITION), Some("0"));
        assert!(
            letter
                .header("ispm-detail")
                .is_some_and(|detail| !detail.is_empty())
        );
        match letter.header(HEADER_VALUE_FORMAT) {
            Some("original") => {
                assert_eq!(
                    letters.len(),
                    1,
                    "a message rejected whole has one dead letter"
                );
                assert_eq!(
                    letter.payload, item.value,
                    "original bytes of offset {offset}"
                );
            }
            Some("dead-letter-json") => {
                let parsed: DeadLetter =
                    serde_json::from_slice(&letter.payload).expect("JSON dead letter");
                assert_eq!(parsed.reason, item.reason);
            }
            other => panic!("unexpected value format {other:?}"),
        }
    }
    let huge = rejected
        .iter()
        .find(|message| message.header(HEADER_REASON) == Some("record_too_large"))
        .expect("huge message dead-lettered");
    assert_eq!(
        huge.payload.len(),
        poison[1].value.len(),
        "the 10 MB message is kept whole"
    );

    delete_test_topics(&bootstrap, &raw_topic, &topics).await;
}
