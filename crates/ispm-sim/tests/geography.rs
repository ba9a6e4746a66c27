//! The simulated geography: every address is located, and people's benign
//! journeys are never faster than a flight.

mod common;

use std::collections::HashMap;
use std::net::IpAddr;

use common::{canonical_id, parse, small_config};
use ispm_sim::{Place, ScenarioKind, SimConfig, Simulator, locate};

/// The atypical-travel detector's default speed limit, in km/h.
const MAX_SPEED_KMH: f64 = 1000.0;

/// The detector's default shortest distance, in km.
const MIN_DISTANCE_KM: f64 = 500.0;

fn km_between(a: &Place, b: &Place) -> f64 {
    let (lat1, lon1) = (
        f64::from(a.latitude).to_radians(),
        f64::from(a.longitude).to_radians(),
    );
    let (lat2, lon2) = (
        f64::from(b.latitude).to_radians(),
        f64::from(b.longitude).to_radians(),
    );
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// Builds a run with many people, so that dozens of them travel.
fn people_run(scenarios: bool) -> Simulator {
    Simulator::new(SimConfig {
        people_ratio: 0.5,
        scenarios,
        ..small_config(11, 240, 60)
    })
}

#[test]
fn benign_trips_stay_below_max_speed() {
    let simulator = people_run(false);
    let mut last: HashMap<String, (Place, i64)> = HashMap::new();
    let mut journeys = 0;
    for record in simulator.records() {
        let value = parse(&record.json);
        let identity = canonical_id(&value);
        if !identity.starts_with("aws:person/") {
            continue;
        }
        let Some(place) = value["sourceIPAddress"]
            .as_str()
            .and_then(|text| text.parse::<IpAddr>().ok())
            .and_then(locate)
        else {
            continue;
        };
        if let Some((previous, time)) = last.get(&identity) {
            let km = km_between(previous, &place);
            if km >= MIN_DISTANCE_KM {
                journeys += 1;
                let hours = (record.time_millis - time) as f64 / 3_600_000.0;
                assert!(
                    km / hours <= MAX_SPEED_KMH,
                    "{identity}: {} to {} ({km:.0} km) in {hours:.1} h",
                    previous.city,
                    place.city
                );
            }
        }
        last.insert(identity, (place, record.time_millis));
    }
    assert!(
        journeys >= 10,
        "only {journeys} journeys over {MIN_DISTANCE_KM} km"
    );
}

#[test]
fn every_source_address_is_located() {
    let simulator = Simulator::new(small_config(5, 400, 3));
    let mut addresses = 0;
    for record in simulator.records() {
        let value = parse(&record.json);
        let Some(ip) = value["sourceIPAddress"]
            .as_str()
            .and_then(|text| text.parse::<IpAddr>().ok())
        else {
            continue;
        };
        addresses += 1;
        assert!(locate(ip).is_some(), "{ip} not located");
    }
    assert!(addresses > 1000, "only {addresses} addresses");
}

#[test]
fn impossible_travel_is_far_and_fast() {
    let simulator = people_run(true);
    let labels: Vec<_> = simulator
        .labels()
        .into_iter()
        .filter(|label| label.kind == ScenarioKind::ImpossibleTravel)
        .collect();
    assert!(!labels.is_empty());
    let mut last: HashMap<String, (Place, i64)> = HashMap::new();
    let mut fast = 0;
    for record in simulator.records() {
        let value = parse(&record.json);
        let identity = canonical_id(&value);
        let Some(place) = value["sourceIPAddress"]
            .as_str()
            .and_then(|text| text.parse::<IpAddr>().ok())
            .and_then(locate)
        else {
            continue;
        };
        let event_id = value["eventID"].as_str().unwrap_or_default();
        let attack = labels
            .iter()
            .any(|label| label.event_ids.iter().any(|id| id == event_id));
        if attack && let Some((previous, time)) = last.get(&identity) {
            let km = km_between(previous, &place);
            let hours = (record.time_millis - time).max(1000) as f64 / 3_600_000.0;
            if km >= 5000.0 && km / hours > MAX_SPEED_KMH {
                fast += 1;
            }
        }
        last.insert(identity, (place, record.time_millis));
    }
    assert!(
        fast >= labels.len(),
        "{fast} fast moves for {} scenarios",
        labels.len()
    );
}
