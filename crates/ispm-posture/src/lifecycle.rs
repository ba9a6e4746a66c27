//! Violation lifecycle: a violation opens with a `New` finding, stays open
//! without repeating it, and closes with a `Resolved` finding of the same id.

use ispm_model::{
    Confidence, EventTime, Finding, FindingCategory, FindingStatus, InventoryRecord, Severity,
};
use serde::{Deserialize, Serialize};

use crate::policy_set::{Evaluation, PolicyInfo, PolicySet};

/// Detector name of every policy finding.
pub const POLICY_DETECTOR: &str = "policy";

/// A violation of one policy by one identity that is still open. The caller
/// keeps these per identity (in its state store) between evaluations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenViolation {
    /// Policy id.
    pub policy: String,
    /// Event time the violation opened at.
    pub since: EventTime,
    /// Id of the findings of this violation, `New` and `Resolved` alike.
    pub uid: String,
}

/// Brings the open violations of one identity in line with a fresh
/// evaluation and appends the findings that changes produce to `out`.
///
/// A violated outcome without an open violation opens one and emits `New`.
/// An open violation whose policy now passes, no longer applies, was
/// switched off or removed is resolved: it emits `Resolved` with the same
/// uid and leaves `open`. A violation that is still violated emits nothing.
pub fn reconcile(
    set: &PolicySet,
    record: &InventoryRecord,
    evaluation: &Evaluation,
    open: &mut Vec<OpenViolation>,
    now: EventTime,
    out: &mut Vec<Finding>,
) {
    let policies = set.policies();
    let outcome_of = |id: &str| {
        evaluation
            .outcomes
            .iter()
            .find(|outcome| policies.get(outcome.policy).is_some_and(|p| p.id == id))
    };

    open.retain(|violation| {
        let outcome = outcome_of(&violation.policy);
        if outcome.is_some_and(|outcome| outcome.violated) {
            return true;
        }
        let policy = set
            .index_of(&violation.policy)
            .map(|index| &policies[index]);
        let reason = match (policy, outcome) {
            (None, _) => "the policy is switched off or no longer configured".to_owned(),
            (Some(_), None) => "the policy no longer applies to this identity".to_owned(),
            (Some(_), Some(outcome)) => format!("the policy passes: {}", outcome.detail),
        };
        out.push(resolved_finding(policy, violation, record, &reason, now));
        false
    });

    for outcome in evaluation.violations() {
        let Some(policy) = policies.get(outcome.policy) else {
            continue;
        };
        if open.iter().any(|violation| violation.policy == policy.id) {
            continue;
        }
        let since = now;
        let uid = Finding::derive_uid(
            POLICY_DETECTOR,
            &policy.id,
            &record.identity,
            &since.millis().to_string(),
        );
        let violation = OpenViolation {
            policy: policy.id.clone(),
            since,
            uid,
        };
        out.push(new_finding(
            policy,
            &violation,
            record,
            &outcome.detail,
            now,
        ));
        open.push(violation);
    }
}

fn new_finding(
    policy: &PolicyInfo,
    violation: &OpenViolation,
    record: &InventoryRecord,
    detail: &str,
    now: EventTime,
) -> Finding {
    let mut finding = base_finding(Some(policy), violation, record, now);
    finding.status = FindingStatus::New;
    finding.first_seen = now;
    finding.description = describe(&policy.description, detail);
    finding
}

fn resolved_finding(
    policy: Option<&PolicyInfo>,
    violation: &OpenViolation,
    record: &InventoryRecord,
    reason: &str,
    now: EventTime,
) -> Finding {
    let mut finding = base_finding(policy, violation, record, now);
    finding.status = FindingStatus::Resolved;
    finding.first_seen = violation.since;
    let description = policy.map_or("", |policy| policy.description.as_str());
    finding.description = describe(
        description,
        &format!("Resolved: {reason}. Open since {}.", violation.since),
    );
    finding
}

/// Joins the policy description and what this record shows.
fn describe(description: &str, detail: &str) -> String {
    if description.is_empty() {
        detail.to_owned()
    } else {
        format!("{description} Found: {detail}")
    }
}

/// Builds the fields New and Resolved findings share. A policy removed from
/// the settings leaves only its id, so its resolution is informational.
fn base_finding(
    policy: Option<&PolicyInfo>,
    violation: &OpenViolation,
    record: &InventoryRecord,
    now: EventTime,
) -> Finding {
    let title = policy.map_or_else(|| violation.policy.clone(), |policy| policy.title.clone());
    Finding {
        uid: violation.uid.clone(),
        category: FindingCategory::Policy,
        detector: POLICY_DETECTOR,
        rule: violation.policy.clone(),
        title: format!("{title}: {}", record.name),
        description: String::new(),
        severity: policy.map_or(Severity::Informational, |policy| policy.severity),
        confidence: Confidence::High,
        attacks: policy.map_or_else(Vec::new, |policy| policy.attacks.clone()),
        identity: record.identity.clone(),
        identity_name: record.name.clone(),
        identity_kind: record.kind,
        account: record.account.clone(),
        credential: None,
        region: None,
        first_seen: now,
        last_seen: now,
        related_events: Vec::new(),
        evidences: Vec::new(),
        remediation: policy.map_or_else(String::new, |policy| policy.remediation.clone()),
        suppressed_by: None,
        status: FindingStatus::New,
        controls: policy.map_or_else(Vec::new, |policy| policy.controls.clone()),
    }
}

#[cfg(test)]
mod tests {
    use ispm_model::{FindingStatus, PrivilegeLevel};

    use super::*;
    use crate::test_support::*;
    use crate::{PolicyConfig, PolicyOverride};

    fn unrotated_user() -> InventoryRecord {
        let mut alice = user("alice");
        alice.privilege = PrivilegeLevel::Standard;
        let mut key = key("AKIAALICE");
        key.last_rotated = Some(day(0));
        key.last_used = Some(day(99));
        alice.last_seen = Some(day(99));
        alice.credentials.push(key);
        alice
    }

    fn step(
        set: &PolicySet,
        record: &InventoryRecord,
        open: &mut Vec<OpenViolation>,
        now: EventTime,
    ) -> Vec<Finding> {
        let evaluation = set.evaluate(record, now);
        let mut out = Vec::new();
        reconcile(set, record, &evaluation, open, now, &mut out);
        out
    }

    fn of_rule<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
        findings
            .iter()
            .filter(|finding| finding.rule == rule)
            .collect()
    }

    #[test]
    fn violation_opens_once_and_resolves_once_on_rotation() {
        let set = default_set();
        let mut alice = unrotated_user();
        let mut open = Vec::new();

        let first = step(&set, &alice, &mut open, day(100));
        let opened = of_rule(&first, "access_key_not_rotated");
        assert_eq!(opened.len(), 1);
        let opened = opened[0].clone();
        assert_eq!(opened.status, FindingStatus::New);
        assert_eq!(opened.detector, "policy");
        assert_eq!(opened.category, FindingCategory::Policy);
        assert_eq!(opened.confidence, Confidence::High);
        assert_eq!(opened.severity, Severity::Medium);
        assert_eq!(opened.first_seen, day(100));
        assert!(
            opened
                .description
                .contains("AKIAALICE last rotated 2024-01-01")
        );
        assert!(!opened.controls.is_empty());
        assert_eq!(
            opened.uid,
            Finding::derive_uid(
                "policy",
                "access_key_not_rotated",
                &alice.identity,
                &day(100).millis().to_string()
            )
        );

        let again = step(&set, &alice, &mut open, day(101));
        assert!(of_rule(&again, "access_key_not_rotated").is_empty());
        assert_eq!(open.len(), 1);

        alice.credentials[0].last_rotated = Some(day(102));
        let after_rotation = step(&set, &alice, &mut open, day(102));
        let resolved = of_rule(&after_rotation, "access_key_not_rotated");
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].status, FindingStatus::Resolved);
        assert_eq!(resolved[0].uid, opened.uid);
        assert_eq!(resolved[0].first_seen, day(100));
        assert_eq!(resolved[0].last_seen, day(102));
        assert!(open.is_empty());

        let later = step(&set, &alice, &mut open, day(103));
        assert!(later.is_empty());
    }

    #[test]
    fn disabling_a_policy_resolves_its_open_violations() {
        let set = default_set();
        let alice = unrotated_user();
        let mut open = Vec::new();
        step(&set, &alice, &mut open, day(100));
        assert_eq!(open.len(), 1);
        let uid = open[0].uid.clone();

        let mut config = PolicyConfig::default();
        config.overrides.insert(
            "access_key_not_rotated".to_owned(),
            PolicyOverride {
                enabled: Some(false),
                severity: None,
            },
        );
        let disabled = PolicySet::new(&config).expect("valid");
        let findings = step(&disabled, &alice, &mut open, day(101));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, FindingStatus::Resolved);
        assert_eq!(findings[0].uid, uid);
        assert!(findings[0].description.contains("switched off"));
        assert!(open.is_empty());
    }

    #[test]
    fn violation_that_no_longer_applies_resolves() {
        let set = default_set();
        let mut root = root();
        root.mfa_active = Some(false);
        let mut open = Vec::new();
        let opened = step(&set, &root, &mut open, day(0));
        assert_eq!(of_rule(&opened, "root_without_mfa").len(), 1);

        root.mfa_active = None;
        let findings = step(&set, &root, &mut open, day(1));
        let resolved = of_rule(&findings, "root_without_mfa");
        assert_eq!(resolved.len(), 1);
        assert_eq!(resolved[0].status, FindingStatus::Resolved);
        assert!(resolved[0].description.contains("no longer applies"));
    }

    #[test]
    fn severity_override_reaches_the_finding() {
        let mut config = PolicyConfig::default();
        config.overrides.insert(
            "access_key_not_rotated".to_owned(),
            PolicyOverride {
                enabled: None,
                severity: Some(Severity::High),
            },
        );
        let set = PolicySet::new(&config).expect("valid");
        let mut open = Vec::new();
        let findings = step(&set, &unrotated_user(), &mut open, day(100));
        let opened = of_rule(&findings, "access_key_not_rotated");
        assert_eq!(opened[0].severity, Severity::High);
    }

    #[test]
    fn reopened_violation_gets_a_new_uid() {
        let set = default_set();
        let mut root = root();
        root.mfa_active = Some(false);
        let mut open = Vec::new();
        let first = step(&set, &root, &mut open, day(0));
        root.mfa_active = Some(true);
        step(&set, &root, &mut open, day(1));
        root.mfa_active = Some(false);
        let second = step(&set, &root, &mut open, day(2));
        let first_uid = &of_rule(&first, "root_without_mfa")[0].uid;
        let second_uid = &of_rule(&second, "root_without_mfa")[0].uid;
        assert_ne!(first_uid, second_uid);
    }
}
