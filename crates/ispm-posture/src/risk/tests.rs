use ispm_model::{EventTime, PrivilegeLevel, Severity};

use super::*;
use crate::lifecycle::reconcile;
use crate::test_support::*;

fn points(posture: &IdentityPosture, name: &str) -> u8 {
    posture
        .factors
        .iter()
        .find(|factor| factor.factor == name)
        .map_or(0, |factor| factor.points)
}

fn score(record: &InventoryRecord, anomalies: &[AnomalyNote], now: EventTime) -> IdentityPosture {
    let set = default_set();
    let evaluation = set.evaluate(record, now);
    let mut open = Vec::new();
    let mut findings = Vec::new();
    reconcile(&set, record, &evaluation, &mut open, now, &mut findings);
    score_identity(
        record,
        &set,
        &evaluation,
        &open,
        anomalies,
        &ScoringConfig::default(),
        now,
    )
}

/// Builds a privileged, owned service user, used recently from two
/// addresses, with a key 100 days old.
fn exposed_service() -> InventoryRecord {
    let mut service = service_user("sync");
    service.privilege = PrivilegeLevel::Privileged;
    service.owner = Some("team-sync".to_owned());
    service.last_seen = Some(day(99));
    let mut key = key("AKIASYNC");
    key.last_rotated = Some(day(0));
    key.last_used = Some(day(99));
    service.credentials.push(key);
    service
        .consumers
        .push(consumer("source", "203.0.113.7", day(99)));
    service
        .consumers
        .push(consumer("source", "10.0.0.8", day(99)));
    service
}

#[test]
fn risk_factors_add_up_to_the_score() {
    let service = exposed_service();
    let posture = score(&service, &[], day(100));
    assert_eq!(points(&posture, "privilege"), 20);
    assert_eq!(points(&posture, "exposure"), 2);
    assert_eq!(points(&posture, "credential_age"), 10);
    // access_key_not_rotated (medium).
    assert_eq!(points(&posture, "open_violations"), 8);
    assert_eq!(points(&posture, "recent_anomalies"), 0);
    let total: u32 = posture.factors.iter().map(|f| u32::from(f.points)).sum();
    assert_eq!(u32::from(posture.risk_score), total);
    assert_eq!(posture.risk_score, 40);
    assert_eq!(posture.open_violations, vec!["access_key_not_rotated"]);
    assert!(
        posture
            .passed_policies
            .contains(&"nhi_without_owner".to_owned())
    );
}

#[test]
fn external_use_adds_exposure_and_the_toxic_combination() {
    let mut service = exposed_service();
    service
        .consumers
        .push(consumer("network", "external", day(99)));
    let posture = score(&service, &[], day(100));
    assert_eq!(points(&posture, "exposure"), 12);
    assert_eq!(points(&posture, "toxic_combination"), 25);
    // access_key_not_rotated (medium 8) + the toxic policy (critical 25).
    assert_eq!(points(&posture, "open_violations"), 33);
}

#[test]
fn recent_anomalies_count_within_the_window_only() {
    let service = exposed_service();
    let anomalies = [
        AnomalyNote {
            severity: Severity::High,
            time: day(80),
            detector: "first_seen".to_owned(),
        },
        AnomalyNote {
            severity: Severity::Critical,
            time: day(60),
            detector: "logging_tampering".to_owned(),
        },
    ];
    let posture = score(&service, &anomalies, day(100));
    assert_eq!(points(&posture, "recent_anomalies"), 12);
    let detail = &posture
        .factors
        .iter()
        .find(|f| f.factor == "recent_anomalies")
        .expect("present")
        .detail;
    assert_eq!(detail, "1 in the last 30 days: 1 high");
}

#[test]
fn risk_score_is_capped_at_100() {
    let mut root = root();
    root.mfa_active = Some(false);
    root.last_seen = Some(day(99));
    let mut key = key("AKIAROOT");
    key.last_rotated = Some(day(-400));
    root.credentials.push(key);
    root.credentials.push(password());
    let anomalies = vec![
        AnomalyNote {
            severity: Severity::Critical,
            time: day(99),
            detector: "root".to_owned(),
        };
        3
    ];
    let posture = score(&root, &anomalies, day(100));
    let total: u32 = posture.factors.iter().map(|f| u32::from(f.points)).sum();
    assert!(total > 100, "total {total}");
    assert_eq!(posture.risk_score, 100);
    assert_eq!(posture.privilege, PrivilegeLevel::Admin);
}

#[test]
fn priority_is_risk_times_blast_radius() {
    let mut service = exposed_service();
    service
        .tags
        .insert("data_classification".to_owned(), "Confidential".to_owned());
    let config = ScoringConfig::default();
    let radius = blast_radius(&service, &config);
    let expected = 2.0 * (1.0 + 2f64.ln_1p()) * 2.0;
    assert!((radius - expected).abs() < 1e-9, "{radius} != {expected}");
    let posture = score(&service, &[], day(100));
    assert!((posture.priority - f64::from(posture.risk_score) * expected).abs() < 1e-9);
}

#[test]
fn quiet_unprivileged_identity_has_no_risk() {
    let mut role = role("reader");
    role.owner = Some("team".to_owned());
    role.last_seen = Some(day(99));
    let posture = score(&role, &[], day(100));
    assert_eq!(posture.risk_score, 0);
    assert!(posture.factors.is_empty());
}
