//! Population mix and scenario coverage.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::small_config;
use ispm_sim::{IdentityType, ScenarioKind, SimConfig, Simulator};

const DAY_MS: i64 = 86_400_000;

#[test]
fn people_are_one_in_81_identities() {
    let population = Simulator::new(SimConfig::default()).population();
    let people = population.counts[&IdentityType::Person];
    // 2000 / 81 = 24.7
    assert!((23..=27).contains(&people), "{people} people");
    assert_eq!(population.identities.len(), 2000);
    assert_eq!(population.counts.values().sum::<usize>(), 2000);
    for kind in IdentityType::ALL {
        assert!(population.counts[&kind] > 0, "no {kind:?}");
    }
}

#[test]
fn canonical_ids_are_unique_and_typed() {
    let population = Simulator::new(SimConfig::default()).population();
    let mut seen = HashSet::new();
    for identity in &population.identities {
        assert!(seen.insert(identity.canonical_id.clone()));
        let id = identity.canonical_id.as_str();
        let expected_shape = match identity.identity_type {
            IdentityType::Person => id.starts_with("aws:person/") && id.contains('@'),
            IdentityType::ServiceUser => id.contains(":user/"),
            IdentityType::AwsService => id.starts_with("aws:service/"),
            _ => id.contains(":role/"),
        };
        assert!(expected_shape, "{id} for {:?}", identity.identity_type);
    }
}

#[test]
fn small_populations_keep_at_least_five_people() {
    let population = Simulator::new(small_config(1, 40, 2)).population();
    assert_eq!(population.counts[&IdentityType::Person], 5);
}

#[test]
fn new_hires_start_mid_period() {
    let population = Simulator::new(small_config(2, 5_000, 60)).population();
    let late_starters = population
        .identities
        .iter()
        .filter(|identity| identity.identity_type == IdentityType::Person)
        .filter(|identity| (10..30).contains(&identity.first_active_day))
        .count();
    assert!(late_starters > 0);
}

#[test]
fn every_scenario_kind_is_injected_several_times() {
    let simulator = Simulator::new(SimConfig::default());
    let mut counts: BTreeMap<ScenarioKind, usize> = BTreeMap::new();
    for label in simulator.labels() {
        *counts.entry(label.kind).or_default() += 1;
    }
    for kind in ScenarioKind::ALL {
        let count = counts.get(&kind).copied().unwrap_or(0);
        let expected = if kind == ScenarioKind::BreakGlassRootLogin {
            2
        } else {
            4
        };
        assert_eq!(count, expected, "{kind:?}");
    }
}

#[test]
fn scenarios_start_after_a_twenty_day_baseline() {
    let simulator = Simulator::new(SimConfig::default());
    let start = 20_458 * DAY_MS; // 2026-01-05
    for label in simulator.labels() {
        let day = (label.start_millis - start) / DAY_MS;
        assert!((20..60).contains(&day), "{} on day {day}", label.id);
        assert!(!label.expected_detectors.is_empty());
    }
}

#[test]
fn scenarios_use_distinct_identities() {
    let simulator = Simulator::new(SimConfig::default());
    let mut seen = HashSet::new();
    for label in simulator.labels() {
        if label.kind == ScenarioKind::BreakGlassRootLogin {
            continue;
        }
        assert!(
            seen.insert(label.identity.clone()),
            "{} reused",
            label.identity
        );
    }
}

#[test]
fn disabled_scenarios_leave_no_labels_or_labelled_records() {
    let config = SimConfig {
        scenarios: false,
        ..small_config(3, 200, 4)
    };
    let simulator = Simulator::new(config);
    assert!(simulator.labels().is_empty());
    assert!(simulator.records().all(|record| record.label.is_none()));
}

#[test]
fn invalid_config_is_rejected_with_every_problem() {
    let config = SimConfig {
        identities: 0,
        days: 0,
        ..SimConfig::default()
    };
    let error = Simulator::try_new(config).expect_err("invalid config");
    assert_eq!(error.problems.len(), 2, "{error}");
}
