//! Reads the part of an OCSF Detection Finding (as written by
//! `ispm_model::Finding::to_ocsf`) that the report shows.

use ispm_model::{Control, EventTime, FindingCategory, IdentityKind, Severity};
use serde::{Deserialize, Serialize};

/// Lifecycle state of a finding, from the OCSF `status` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// Raised and not cleared: open.
    New,
    /// Matched a suppression rule: published, but not counted as open.
    Suppressed,
    /// A policy violation whose condition cleared.
    Resolved,
}

impl FindingState {
    pub fn label(self) -> &'static str {
        match self {
            FindingState::New => "New",
            FindingState::Suppressed => "Suppressed",
            FindingState::Resolved => "Resolved",
        }
    }
}

/// One finding as the report uses it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingRecord {
    pub uid: String,
    pub category: FindingCategory,
    pub state: FindingState,
    pub severity: Severity,
    pub title: String,
    pub detector: String,
    pub rule: String,
    /// Canonical identity id (`user.uid`).
    pub identity: String,
    pub identity_name: String,
    pub identity_kind: Option<IdentityKind>,
    pub account: Option<String>,
    /// Last time the finding's condition was seen (OCSF `time`).
    pub time: EventTime,
    pub first_seen: Option<EventTime>,
    /// CloudTrail event ids behind the finding.
    pub related_events: Vec<String>,
    pub controls: Vec<Control>,
    pub remediation: String,
    /// Source address or service of the first evidence.
    pub source: Option<String>,
    /// User agent of the first evidence.
    pub user_agent: Option<String>,
    pub suppressed_by: Option<String>,
}

impl FindingRecord {
    /// Returns true for a finding that counts as open: neither suppressed
    /// nor resolved.
    pub fn is_open(&self) -> bool {
        self.state == FindingState::New
    }
}

#[derive(Deserialize)]
struct Ocsf {
    finding_info: Info,
    severity_id: u8,
    status: String,
    time: i64,
    user: User,
    #[serde(default)]
    cloud: Option<Cloud>,
    #[serde(default)]
    remediation: Option<Remediation>,
    #[serde(default)]
    evidences: Vec<OcsfEvidence>,
    unmapped: Unmapped,
}

#[derive(Deserialize)]
struct Info {
    uid: String,
    title: String,
    #[serde(default)]
    first_seen_time: Option<i64>,
    #[serde(default)]
    related_events: Vec<Uid>,
}

#[derive(Deserialize)]
struct Uid {
    uid: String,
}

#[derive(Deserialize)]
struct User {
    uid: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    account: Option<Uid>,
}

#[derive(Deserialize)]
struct Cloud {
    #[serde(default)]
    account: Option<Uid>,
}

#[derive(Deserialize)]
struct Remediation {
    #[serde(default)]
    desc: String,
}

#[derive(Deserialize, Default)]
struct OcsfEvidence {
    #[serde(default)]
    src_endpoint: Option<Endpoint>,
    #[serde(default)]
    http_request: Option<HttpRequest>,
    #[serde(default)]
    data: Option<EvidenceData>,
}

#[derive(Deserialize)]
struct Endpoint {
    #[serde(default)]
    ip: Option<String>,
    #[serde(default)]
    svc_name: Option<String>,
}

#[derive(Deserialize)]
struct HttpRequest {
    #[serde(default)]
    user_agent: Option<String>,
}

#[derive(Deserialize)]
struct EvidenceData {
    #[serde(default)]
    source_raw: Option<String>,
}

#[derive(Deserialize)]
struct Unmapped {
    ispm: Ispm,
}

#[derive(Deserialize)]
struct Ispm {
    detector: String,
    rule: String,
    category: FindingCategory,
    #[serde(default)]
    identity_kind: Option<IdentityKind>,
    #[serde(default)]
    controls: Vec<Control>,
    #[serde(default)]
    suppressed_by: Option<String>,
}

/// Parses one NDJSON line of a findings file. The error is a message for the
/// skipped-line list.
pub fn parse_finding(line: &[u8]) -> Result<FindingRecord, String> {
    let ocsf: Ocsf = serde_json::from_slice(line).map_err(|error| error.to_string())?;
    let severity = severity_from_id(ocsf.severity_id)?;
    let state = match ocsf.status.as_str() {
        "New" => FindingState::New,
        "Suppressed" => FindingState::Suppressed,
        "Resolved" => FindingState::Resolved,
        other => {
            return Err(format!(
                "unknown status {other:?}: expected New, Suppressed or Resolved"
            ));
        }
    };

    let account = ocsf
        .cloud
        .and_then(|cloud| cloud.account)
        .or(ocsf.user.account)
        .map(|account| account.uid);
    let first = ocsf.evidences.into_iter().next().unwrap_or_default();
    let source = first
        .src_endpoint
        .and_then(|endpoint| endpoint.ip.or(endpoint.svc_name))
        .or_else(|| first.data.and_then(|data| data.source_raw));
    let user_agent = first.http_request.and_then(|request| request.user_agent);

    Ok(FindingRecord {
        uid: ocsf.finding_info.uid,
        category: ocsf.unmapped.ispm.category,
        state,
        severity,
        title: ocsf.finding_info.title,
        detector: ocsf.unmapped.ispm.detector,
        rule: ocsf.unmapped.ispm.rule,
        identity: ocsf.user.uid,
        identity_name: ocsf.user.name,
        identity_kind: ocsf.unmapped.ispm.identity_kind,
        account,
        time: EventTime::from_millis(ocsf.time),
        first_seen: ocsf
            .finding_info
            .first_seen_time
            .map(EventTime::from_millis),
        related_events: ocsf
            .finding_info
            .related_events
            .into_iter()
            .map(|event| event.uid)
            .collect(),
        controls: ocsf.unmapped.ispm.controls,
        remediation: ocsf.remediation.map(|r| r.desc).unwrap_or_default(),
        source,
        user_agent,
        suppressed_by: ocsf.unmapped.ispm.suppressed_by,
    })
}

/// Maps OCSF `severity_id` 1 to 5 to the model's severities. ispm writes no
/// other ids; OCSF's 0 (Unknown), 6 (Fatal) and 99 (Other) are rejected so
/// that a foreign record does not land in a wrong column.
fn severity_from_id(id: u8) -> Result<Severity, String> {
    Severity::ALL
        .into_iter()
        .find(|severity| severity.id() == id)
        .ok_or_else(|| format!("severity_id {id} is not one of 1 to 5"))
}

#[cfg(test)]
mod tests {
    use ispm_model::{Confidence, Evidence, Finding, FindingStatus, IdentityId};

    use super::*;

    fn finding() -> Finding {
        Finding {
            uid: "f-1".into(),
            category: FindingCategory::Policy,
            detector: "mfa",
            rule: "privileged_user_without_mfa".into(),
            title: "Admin without MFA".into(),
            description: String::new(),
            severity: Severity::High,
            confidence: Confidence::High,
            attacks: Vec::new(),
            identity: IdentityId::from("aws:111:user/alice"),
            identity_name: "alice".into(),
            identity_kind: IdentityKind::Human,
            account: Some("111".into()),
            credential: None,
            region: None,
            first_seen: EventTime(1_000),
            last_seen: EventTime(2_000),
            related_events: vec!["ev-1".into(), "ev-2".into()],
            evidences: vec![Evidence {
                event_id: "ev-1".into(),
                time: EventTime(1_000),
                action: "ConsoleLogin".into(),
                service: "signin".into(),
                source: Some("203.0.113.7".into()),
                user_agent: Some("Mozilla/5.0".into()),
                region: None,
                error_code: None,
                data: serde_json::Value::Null,
            }],
            remediation: "Enable MFA".into(),
            suppressed_by: None,
            status: FindingStatus::New,
            controls: vec![Control {
                framework: "SOC 2".into(),
                id: "CC6.1".into(),
            }],
        }
    }

    fn parse(finding: &Finding) -> Result<FindingRecord, String> {
        let line = serde_json::to_vec(&finding.to_ocsf()).expect("serializable");
        parse_finding(&line)
    }

    #[test]
    fn ocsf_round_trips_report_fields() {
        let record = parse(&finding()).expect("valid OCSF");
        assert_eq!(record.uid, "f-1");
        assert_eq!(record.state, FindingState::New);
        assert_eq!(record.severity, Severity::High);
        assert_eq!(record.identity, "aws:111:user/alice");
        assert_eq!(record.identity_kind, Some(IdentityKind::Human));
        assert_eq!(record.account.as_deref(), Some("111"));
        assert_eq!(record.time, EventTime(2_000));
        assert_eq!(record.first_seen, Some(EventTime(1_000)));
        assert_eq!(record.related_events, ["ev-1", "ev-2"]);
        assert_eq!(record.controls.len(), 1);
        assert_eq!(record.source.as_deref(), Some("203.0.113.7"));
        assert_eq!(record.user_agent.as_deref(), Some("Mozilla/5.0"));
        assert_eq!(record.remediation, "Enable MFA");
    }

    #[test]
    fn ocsf_status_maps_to_state() {
        let mut resolved = finding();
        resolved.status = FindingStatus::Resolved;
        assert_eq!(
            parse(&resolved).map(|r| r.state),
            Ok(FindingState::Resolved)
        );

        let mut suppressed = finding();
        suppressed.suppressed_by = Some("break-glass drill".into());
        let record = parse(&suppressed).expect("valid OCSF");
        assert_eq!(record.state, FindingState::Suppressed);
        assert_eq!(record.suppressed_by.as_deref(), Some("break-glass drill"));
    }

    #[test]
    fn unknown_severity_id_is_rejected() {
        let mut value = finding().to_ocsf();
        value["severity_id"] = 99.into();
        let line = serde_json::to_vec(&value).expect("serializable");
        let error = parse_finding(&line).expect_err("severity 99 is not ispm's");
        assert!(error.contains("severity_id 99"), "{error}");
    }

    #[test]
    fn missing_finding_info_is_rejected() {
        let error = parse_finding(br#"{"severity_id":3}"#).expect_err("incomplete");
        assert!(error.contains("finding_info"), "{error}");
    }
}
