//! Findings in the OCSF Detection Finding class (class_uid 2004, OCSF 1.3).
//!
//! The struct serializes straight to the OCSF JSON that SIEMs read from the
//! findings topics; fields ispm adds beyond OCSF go under `unmapped`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{EventTime, IdentityId, IdentityKind};

pub const TOPIC_ANOMALY: &str = "ispm.findings.anomaly";
pub const TOPIC_POLICY: &str = "ispm.findings.policy";
pub const TOPIC_INVENTORY: &str = "ispm.inventory";
pub const TOPIC_DEADLETTER: &str = "ispm.deadletter";
pub const TOPIC_POSTURE_IDENTITY: &str = "ispm.posture.identity";
pub const TOPIC_POSTURE_SUMMARY: &str = "ispm.posture.summary";

const OCSF_VERSION: &str = "1.3.0";
const CLASS_UID: u32 = 2004;
const CATEGORY_UID: u32 = 2;
const ACTIVITY_CREATE: u32 = 1;
const ACTIVITY_CLOSE: u32 = 3;

/// Namespace of the version-5 UUIDs used as finding ids.
const FINDING_NAMESPACE: Uuid = Uuid::from_u128(0x6f0c_54a4_3b7e_4c55_9a57_1d2e_8b61_0a11);

/// The output topic a finding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FindingCategory {
    /// Behaviour that departs from a baseline or matches an attack pattern.
    Anomaly,
    /// A breach of an identity-security policy.
    Policy,
}

impl FindingCategory {
    pub fn topic(self) -> &'static str {
        match self {
            FindingCategory::Anomaly => TOPIC_ANOMALY,
            FindingCategory::Policy => TOPIC_POLICY,
        }
    }
}

/// OCSF severity, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn id(self) -> u8 {
        match self {
            Severity::Informational => 1,
            Severity::Low => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Informational => "Informational",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }

    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Informational,
    ];
}

/// OCSF confidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn id(self) -> u8 {
        match self {
            Confidence::Low => 1,
            Confidence::Medium => 2,
            Confidence::High => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Confidence::Low => "Low",
            Confidence::Medium => "Medium",
            Confidence::High => "High",
        }
    }
}

/// A MITRE ATT&CK technique with its tactic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attack {
    pub technique_id: &'static str,
    pub technique_name: &'static str,
    pub tactic_id: &'static str,
    pub tactic_name: &'static str,
}

/// One piece of evidence: the event that triggered or supports the finding,
/// plus what the detector measured.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub event_id: String,
    pub time: EventTime,
    pub action: String,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Detector-specific facts (baseline statistics, request fields).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

/// A detector's report; [`Finding::to_ocsf`] turns it into OCSF JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Deterministic id: the same input always gives the same id.
    pub uid: String,
    pub category: FindingCategory,
    /// Stable detector id, e.g. `logging_tampering`.
    pub detector: &'static str,
    /// Rule within the detector, e.g. `cloudtrail_stop_logging`.
    pub rule: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub attacks: Vec<Attack>,
    pub identity: IdentityId,
    pub identity_name: String,
    pub identity_kind: IdentityKind,
    pub account: Option<String>,
    /// The access key of the triggering call, when it used one.
    pub credential: Option<String>,
    pub region: Option<String>,
    pub first_seen: EventTime,
    pub last_seen: EventTime,
    pub related_events: Vec<String>,
    pub evidences: Vec<Evidence>,
    pub remediation: String,
    /// Reason of the suppression rule that matched, when one did. A
    /// suppressed finding is still published, with OCSF status Suppressed.
    pub suppressed_by: Option<String>,
    /// `New` when raised; policy findings are published again as `Resolved`
    /// when their condition clears.
    pub status: FindingStatus,
    /// Compliance controls the violated policy maps to; empty for anomalies.
    pub controls: Vec<Control>,
}

/// The lifecycle of a finding as SIEMs see it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    #[default]
    New,
    Resolved,
}

/// One compliance control, such as SOC 2 `CC6.1` or NIST 800-53 `AC-2(3)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Control {
    /// `SOC 2`, `NIST 800-53` or `PCI DSS 4.0`, or a user's framework name.
    pub framework: String,
    pub id: String,
}

/// Short form used by summaries and by tests.
pub type FindingInfo = (String, &'static str, String);

impl Finding {
    /// Derives the finding id from the detector, rule, identity and the id of
    /// the first triggering event: stable across runs and across replay and
    /// the Kafka runtime.
    pub fn derive_uid(
        detector: &str,
        rule: &str,
        identity: &IdentityId,
        first_event_id: &str,
    ) -> String {
        // The name is `detector|rule|identity|first_event_id`, built in a
        // buffer of its final size, because `format!` grows its string
        // several times on the way.
        let parts = [detector, rule, identity.as_str(), first_event_id];
        let length = parts.iter().map(|part| part.len()).sum::<usize>() + parts.len() - 1;
        let mut name = String::with_capacity(length);
        for (index, part) in parts.into_iter().enumerate() {
            if index > 0 {
                name.push('|');
            }
            name.push_str(part);
        }
        let uid = Uuid::new_v5(&FINDING_NAMESPACE, name.as_bytes());
        // The same text as `to_string`, without a pass through a formatter.
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        uid.hyphenated().encode_lower(&mut text).to_owned()
    }

    pub fn info(&self) -> FindingInfo {
        (self.uid.clone(), self.detector, self.rule.clone())
    }

    /// Renders the OCSF 1.3 Detection Finding JSON object.
    pub fn to_ocsf(&self) -> Value {
        let (user_type_id, user_type) = match self.identity_kind {
            IdentityKind::Human => (1, "User"),
            IdentityKind::Root => (2, "Admin"),
            IdentityKind::NonHuman | IdentityKind::AiAgent => (3, "System"),
        };
        let attacks: Vec<Value> = self
            .attacks
            .iter()
            .map(|attack| {
                serde_json::json!({
                    "technique": { "uid": attack.technique_id, "name": attack.technique_name },
                    "tactic": { "uid": attack.tactic_id, "name": attack.tactic_name },
                    "version": "15",
                })
            })
            .collect();
        let related: Vec<Value> = self
            .related_events
            .iter()
            .map(|uid| serde_json::json!({ "uid": uid }))
            .collect();
        let evidences: Vec<Value> = self.evidences.iter().map(evidence_to_ocsf).collect();
        let mut user = serde_json::json!({
            "uid": self.identity.as_str(),
            "name": self.identity_name,
            "type_id": user_type_id,
            "type": user_type,
        });
        if let Some(credential) = &self.credential {
            user["credential_uid"] = Value::from(credential.as_str());
        }
        if let Some(account) = &self.account {
            user["account"] =
                serde_json::json!({ "uid": account, "type_id": 10, "type": "AWS Account" });
        }
        let mut cloud = serde_json::json!({ "provider": "AWS" });
        if let Some(account) = &self.account {
            cloud["account"] =
                serde_json::json!({ "uid": account, "type_id": 10, "type": "AWS Account" });
        }
        if let Some(region) = &self.region {
            cloud["region"] = Value::from(region.as_str());
        }
        let mut ispm = serde_json::json!({
            "detector": self.detector,
            "rule": self.rule,
            "category": self.category,
            "identity_kind": self.identity_kind,
        });
        if let Some(reason) = &self.suppressed_by {
            ispm["suppressed_by"] = Value::from(reason.as_str());
        }
        if !self.controls.is_empty() {
            ispm["controls"] = serde_json::json!(self.controls);
        }
        let (activity_id, activity_name, status_id, status) = match self.status {
            FindingStatus::Resolved => (ACTIVITY_CLOSE, "Close", 4, "Resolved"),
            FindingStatus::New if self.suppressed_by.is_some() => {
                (ACTIVITY_CREATE, "Create", 3, "Suppressed")
            }
            FindingStatus::New => (ACTIVITY_CREATE, "Create", 1, "New"),
        };
        serde_json::json!({
            "class_uid": CLASS_UID,
            "class_name": "Detection Finding",
            "category_uid": CATEGORY_UID,
            "category_name": "Findings",
            "activity_id": activity_id,
            "activity_name": activity_name,
            "type_uid": CLASS_UID * 100 + activity_id,
            "type_name": format!("Detection Finding: {activity_name}"),
            "severity_id": self.severity.id(),
            "severity": self.severity.label(),
            "confidence_id": self.confidence.id(),
            "confidence": self.confidence.label(),
            "status_id": status_id,
            "status": status,
            "time": self.last_seen.millis(),
            "message": self.title,
            "metadata": {
                "version": OCSF_VERSION,
                "product": {
                    "name": "ispm",
                    "vendor_name": "ispm",
                    "version": env!("CARGO_PKG_VERSION"),
                },
                "uid": self.uid,
            },
            "finding_info": {
                "uid": self.uid,
                "title": self.title,
                "desc": self.description,
                "analytic": {
                    "uid": format!("{}/{}", self.detector, self.rule),
                    "name": self.detector,
                    "type_id": 1,
                    "type": "Rule",
                },
                "attacks": attacks,
                "first_seen_time": self.first_seen.millis(),
                "last_seen_time": self.last_seen.millis(),
                "related_events": related,
                "types": [self.category_label()],
            },
            "user": user,
            "cloud": cloud,
            "evidences": evidences,
            "remediation": { "desc": self.remediation },
            "unmapped": { "ispm": ispm }
        })
    }

    fn category_label(&self) -> &'static str {
        match self.category {
            FindingCategory::Anomaly => "Identity Anomaly",
            FindingCategory::Policy => "Identity Policy Violation",
        }
    }
}

fn evidence_to_ocsf(evidence: &Evidence) -> Value {
    let mut value = serde_json::json!({
        "api": {
            "operation": evidence.action,
            "service": { "name": evidence.service },
        },
        "data": {
            "event_uid": evidence.event_id,
            "time": evidence.time.millis(),
        },
    });
    if let Some(source) = &evidence.source {
        // OCSF types `src_endpoint.ip` as an IP address; CloudTrail's source
        // can also be a service name or an invalid address with leading zeros.
        if source.parse::<std::net::IpAddr>().is_ok() {
            value["src_endpoint"] = serde_json::json!({ "ip": source });
        } else if source.ends_with(".amazonaws.com") || source == "AWS Internal" {
            value["src_endpoint"] = serde_json::json!({ "svc_name": source });
        } else {
            value["data"]["source_raw"] = Value::from(source.as_str());
        }
    }
    if let Some(agent) = &evidence.user_agent {
        value["http_request"] = serde_json::json!({ "user_agent": agent });
    }
    if let Some(code) = &evidence.error_code {
        value["api"]["response"] = serde_json::json!({ "error": code });
    }
    if let Some(region) = &evidence.region {
        value["data"]["region"] = Value::from(region.as_str());
    }
    if !evidence.data.is_null() {
        value["data"]["detail"] = evidence.data.clone();
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_uid_matches_formatted_name() {
        let cases = [
            ("first_seen", "new_region", "aws:1:user/alice", "ev-1"),
            ("", "", "", ""),
            (
                "d",
                "r|x",
                "aws:123456789012:role/r",
                "083dc4ad-e264-46bc-a407-d0dd31b58bdc",
            ),
        ];
        for (detector, rule, identity, event) in cases {
            let identity = IdentityId::from(identity);
            let name = format!("{detector}|{rule}|{identity}|{event}");
            let expected = Uuid::new_v5(&FINDING_NAMESPACE, name.as_bytes()).to_string();
            assert_eq!(
                Finding::derive_uid(detector, rule, &identity, event),
                expected
            );
        }
    }

    #[test]
    fn finding_uid_is_deterministic() {
        let identity = IdentityId::from("aws:1:user/alice");
        let first = Finding::derive_uid("root_account_used", "root", &identity, "event-1");
        let again = Finding::derive_uid("root_account_used", "root", &identity, "event-1");
        let other = Finding::derive_uid("root_account_used", "root", &identity, "event-2");
        assert_eq!(first, again);
        assert_ne!(first, other);
    }
}
