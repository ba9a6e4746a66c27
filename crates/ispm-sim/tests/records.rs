//! Shape and order of the records, and agreement of labels with them.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{canonical_id, parse, small_config};
use ispm_sim::{SimRecord, Simulator};
use serde_json::Value;

const REQUIRED_TEXT_FIELDS: [&str; 8] = [
    "eventTime",
    "eventName",
    "eventSource",
    "sourceIPAddress",
    "userAgent",
    "awsRegion",
    "recipientAccountId",
    "eventID",
];

fn run(seed: u64, identities: usize, days: u32) -> (Simulator, Vec<SimRecord>) {
    let simulator = Simulator::new(small_config(seed, identities, days));
    let records = simulator.records().collect();
    (simulator, records)
}

#[test]
fn records_are_in_non_decreasing_time_order() {
    let (_, records) = run(3, 300, 5);
    assert!(records.len() > 10_000, "only {} records", records.len());
    let mut previous_millis = i64::MIN;
    let mut previous_time = String::new();
    for record in &records {
        assert!(record.time_millis >= previous_millis);
        let value = parse(&record.json);
        let event_time = value["eventTime"].as_str().unwrap_or_default().to_owned();
        assert!(
            event_time >= previous_time,
            "{event_time} after {previous_time}"
        );
        previous_millis = record.time_millis;
        previous_time = event_time;
    }
}

#[test]
fn every_record_has_the_fields_ispm_reads() {
    let (_, records) = run(4, 300, 4);
    let mut event_ids = HashSet::new();
    for record in &records {
        let value = parse(&record.json);
        for field in REQUIRED_TEXT_FIELDS {
            let text = value[field].as_str().unwrap_or_default();
            assert!(!text.is_empty(), "{field} missing in {}", record.json);
        }
        assert!(
            value["userIdentity"]["type"].is_string(),
            "userIdentity missing in {}",
            record.json
        );
        assert_eq!(value["recipientAccountId"], record.account_id.as_str());
        assert_eq!(value["awsRegion"], record.region);
        let event_id = value["eventID"].as_str().unwrap_or_default().to_owned();
        assert!(event_ids.insert(event_id), "duplicate eventID");
    }
}

#[test]
fn events_stay_inside_the_period() {
    let (simulator, records) = run(5, 200, 3);
    let start = 20_458 * 86_400_000; // 2026-01-05
    let end = start + i64::from(simulator.config().days) * 86_400_000;
    for record in &records {
        assert!((start..end).contains(&record.time_millis));
    }
}

#[test]
fn labels_match_the_records_they_name() {
    let (simulator, records) = run(6, 600, 7);
    let labels = simulator.labels();
    assert!(!labels.is_empty());

    // Labelled records by event id; every label event must be one of them.
    let mut by_event_id: BTreeMap<String, (Value, String)> = BTreeMap::new();
    for record in &records {
        let Some(label) = &record.label else {
            continue;
        };
        let value = parse(&record.json);
        let event_id = value["eventID"].as_str().unwrap_or_default().to_owned();
        by_event_id.insert(event_id, (value, label.scenario_id.clone()));
    }

    let mut labelled_events = 0;
    for label in &labels {
        assert!(!label.event_ids.is_empty(), "{} has no events", label.id);
        assert!(label.start_millis <= label.end_millis);
        for event_id in &label.event_ids {
            let (value, scenario) = by_event_id
                .get(event_id)
                .unwrap_or_else(|| panic!("{} lists unlabelled event {event_id}", label.id));
            assert_eq!(scenario, &label.id);
            assert_eq!(
                canonical_id(value),
                label.identity,
                "{} event {event_id}",
                label.id
            );
            labelled_events += 1;
        }
    }
    assert_eq!(by_event_id.len(), labelled_events);
}

#[test]
fn routine_callers_belong_to_the_population() {
    let (simulator, records) = run(8, 300, 3);
    let population: HashSet<String> = simulator
        .population()
        .identities
        .into_iter()
        .map(|identity| identity.canonical_id)
        .collect();
    for record in records.iter().filter(|record| record.label.is_none()) {
        let value = parse(&record.json);
        let id = canonical_id(&value);
        // The caller of AssumeRoleWithWebIdentity is GitHub's web identity.
        if id.contains(":web-identity/") {
            continue;
        }
        assert!(population.contains(&id), "{id} not in the population");
    }
}
