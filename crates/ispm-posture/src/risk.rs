//! The risk score of one identity (0 to 100) and its priority (risk times
//! blast radius). The formulas are in `docs/policies.md`.

use ispm_model::{
    EventTime, IdentityPosture, InventoryRecord, PrivilegeLevel, RiskFactor, Severity,
};
use serde::{Deserialize, Serialize};

use crate::facts;
use crate::lifecycle::OpenViolation;
use crate::policy_set::{Evaluation, PolicySet};
use crate::scoring::ScoringConfig;
use crate::time::{date, days_between, is_beyond};

/// The highest risk score.
pub const MAX_RISK: u32 = 100;

/// Tag keys and values that mark an identity with access to sensitive data.
const SENSITIVITY_TAGS: [&str; 2] = ["sensitivity", "data_classification"];
const SENSITIVE_VALUES: [&str; 3] = ["high", "restricted", "confidential"];

/// An anomaly finding of the identity, as far as the risk score needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnomalyNote {
    pub severity: Severity,
    /// Event time of the anomaly.
    pub time: EventTime,
    /// Detector that reported it.
    pub detector: String,
}

/// Scores the risk of one identity at event time `now`.
///
/// `evaluation` gives the policies the identity passes and violates now;
/// `open` (after [`crate::reconcile`]) gives the open violations the
/// `open_violations` and `toxic_combination` factors count; `anomalies` are
/// the identity's anomaly findings, of which those within
/// `anomaly_window_days` before `now` count.
pub fn score_identity(
    record: &InventoryRecord,
    set: &PolicySet,
    evaluation: &Evaluation,
    open: &[OpenViolation],
    anomalies: &[AnomalyNote],
    config: &ScoringConfig,
    now: EventTime,
) -> IdentityPosture {
    let factors: Vec<RiskFactor> = [
        privilege_factor(record, config),
        exposure_factor(record, config),
        credential_age_factor(record, set, config, now),
        violations_factor(set, open, config),
        anomalies_factor(anomalies, config, now),
        toxic_factor(set, open, config),
    ]
    .into_iter()
    .flatten()
    .collect();
    let total: u32 = factors.iter().map(|factor| u32::from(factor.points)).sum();
    let risk_score = total.min(MAX_RISK);

    let policies = set.policies();
    let ids = |violated: bool| -> Vec<String> {
        evaluation
            .outcomes
            .iter()
            .filter(|outcome| outcome.violated == violated)
            .filter_map(|outcome| policies.get(outcome.policy))
            .map(|policy| policy.id.clone())
            .collect()
    };

    IdentityPosture {
        identity: record.identity.clone(),
        name: record.name.clone(),
        kind: record.kind,
        account: record.account.clone(),
        owner: record.owner.clone(),
        privilege: facts::effective_privilege(record),
        risk_score: u8::try_from(risk_score).unwrap_or(u8::MAX),
        priority: f64::from(risk_score) * blast_radius(record, config),
        factors,
        open_violations: ids(true),
        passed_policies: ids(false),
        as_of: now,
    }
}

/// How far damage spreads if the identity is misused:
/// privilege weight × (1 + ln(1 + distinct callers)) × sensitivity.
pub fn blast_radius(record: &InventoryRecord, config: &ScoringConfig) -> f64 {
    let privilege_weight = match facts::effective_privilege(record) {
        PrivilegeLevel::Admin => config.admin_weight,
        PrivilegeLevel::Privileged => config.privileged_weight,
        PrivilegeLevel::Standard | PrivilegeLevel::Unknown => config.standard_weight,
    };
    let callers = facts::distinct_callers(record) as f64;
    let sensitivity = if handles_sensitive_data(record) {
        config.sensitive_data_weight
    } else {
        1.0
    };
    privilege_weight * (1.0 + callers.ln_1p()) * sensitivity
}

fn handles_sensitive_data(record: &InventoryRecord) -> bool {
    SENSITIVITY_TAGS.iter().any(|key| {
        record.tags.get(*key).is_some_and(|value| {
            SENSITIVE_VALUES
                .iter()
                .any(|sensitive| value.trim().eq_ignore_ascii_case(sensitive))
        })
    })
}

fn factor(name: &str, points: u32, detail: String) -> Option<RiskFactor> {
    (points > 0).then(|| RiskFactor {
        factor: name.to_owned(),
        points: u8::try_from(points.min(MAX_RISK)).unwrap_or(u8::MAX),
        detail,
    })
}

fn privilege_factor(record: &InventoryRecord, config: &ScoringConfig) -> Option<RiskFactor> {
    let privilege = facts::effective_privilege(record);
    let points = match privilege {
        PrivilegeLevel::Admin => config.privilege_admin_points,
        PrivilegeLevel::Privileged => config.privilege_privileged_points,
        PrivilegeLevel::Standard => config.privilege_standard_points,
        PrivilegeLevel::Unknown => 0,
    };
    let detail = if record.privilege_reason.is_empty() {
        format!("{} rights", privilege.as_str())
    } else {
        format!("{} rights: {}", privilege.as_str(), record.privilege_reason)
    };
    factor("privilege", points, detail)
}

fn exposure_factor(record: &InventoryRecord, config: &ScoringConfig) -> Option<RiskFactor> {
    let mut points = 0;
    let mut parts = Vec::new();
    if let Some(external) = facts::external_networks(record).next() {
        points += config.external_network_points;
        parts.push(format!(
            "used from an external network ({} calls)",
            external.count
        ));
    }
    if facts::active_console_password(record).is_some() {
        points += config.console_password_points;
        parts.push("active console password".to_owned());
    }
    let callers = facts::distinct_callers(record);
    let caller_points = u32::try_from(callers)
        .unwrap_or(u32::MAX)
        .saturating_mul(config.caller_points)
        .min(config.caller_points_max);
    if caller_points > 0 {
        points += caller_points;
        parts.push(format!("{callers} distinct callers"));
    }
    factor("exposure", points, parts.join("; "))
}

fn credential_age_factor(
    record: &InventoryRecord,
    set: &PolicySet,
    config: &ScoringConfig,
    now: EventTime,
) -> Option<RiskFactor> {
    let limit = set.config().key_rotation_days;
    let (key, start) = facts::active_long_term_keys(record)
        .filter_map(|key| facts::age_start(key).map(|start| (key, start)))
        .min_by_key(|(_, start)| *start)?;
    let points = if is_beyond(start, limit.saturating_mul(2), now) {
        config.key_long_overdue_points
    } else if is_beyond(start, limit, now) {
        config.key_overdue_points
    } else {
        0
    };
    let detail = format!(
        "oldest active access key {} is {} days old (since {}); rotation limit {limit} days",
        key.id,
        days_between(start, now),
        date(start)
    );
    factor("credential_age", points, detail)
}

fn violations_factor(
    set: &PolicySet,
    open: &[OpenViolation],
    config: &ScoringConfig,
) -> Option<RiskFactor> {
    let mut points = 0u32;
    let mut parts = Vec::new();
    for violation in open {
        let Some(index) = set.index_of(&violation.policy) else {
            continue;
        };
        let severity = set.policies()[index].severity;
        points = points.saturating_add(config.violation_points.get(severity));
        parts.push(format!(
            "{} ({}, open since {})",
            violation.policy,
            severity.label().to_lowercase(),
            date(violation.since)
        ));
    }
    factor(
        "open_violations",
        points.min(config.violation_points_max),
        parts.join("; "),
    )
}

fn anomalies_factor(
    anomalies: &[AnomalyNote],
    config: &ScoringConfig,
    now: EventTime,
) -> Option<RiskFactor> {
    let window = config.anomaly_window_days;
    let recent: Vec<&AnomalyNote> = anomalies
        .iter()
        .filter(|anomaly| anomaly.time <= now && !is_beyond(anomaly.time, window, now))
        .collect();
    let points = recent
        .iter()
        .map(|anomaly| config.anomaly_points.get(anomaly.severity))
        .fold(0u32, u32::saturating_add)
        .min(config.anomaly_points_max);
    let mut counts: Vec<String> = Vec::new();
    for severity in Severity::ALL {
        let count = recent
            .iter()
            .filter(|anomaly| anomaly.severity == severity)
            .count();
        if count > 0 {
            counts.push(format!("{count} {}", severity.label().to_lowercase()));
        }
    }
    let detail = format!(
        "{} in the last {window} days: {}",
        recent.len(),
        counts.join(", ")
    );
    factor("recent_anomalies", points, detail)
}

fn toxic_factor(
    set: &PolicySet,
    open: &[OpenViolation],
    config: &ScoringConfig,
) -> Option<RiskFactor> {
    let toxic: Vec<&str> = open
        .iter()
        .filter(|violation| {
            set.index_of(&violation.policy)
                .is_some_and(|index| set.policies()[index].toxic)
        })
        .map(|violation| violation.policy.as_str())
        .collect();
    let points = u32::try_from(toxic.len())
        .unwrap_or(u32::MAX)
        .saturating_mul(config.toxic_combination_points);
    factor("toxic_combination", points, toxic.join(", "))
}

#[cfg(test)]
mod tests;
