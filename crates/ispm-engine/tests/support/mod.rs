//! Builders for hand-made events in detector tests.

#![allow(dead_code)]

use ispm_engine::{Engine, EngineConfig};
use ispm_model::{
    Actor, EventTime, Finding, IdentityEvent, IdentityId, IdentityKind, NhiType, Origin, SourceKind,
};
use serde_json::value::RawValue;

/// Returns the shared CloudTrail data folder, next to the checkout, and
/// fails with its path when it is missing, so no test passes without it.
pub fn data_dir() -> std::path::PathBuf {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail");
    assert!(
        dir.is_dir(),
        "CloudTrail test data not found at {}: these tests read shared/data/cloudtrail next to the checkout",
        dir.display()
    );
    dir
}

pub const ACCOUNT: &str = "111122223333";

/// Builds an event by IAM user `name` at `second` seconds after a fixed epoch.
pub fn user_event(name: &str, service: &str, action: &str, second: i64) -> IdentityEvent {
    IdentityEvent {
        event_id: format!("{name}-{action}-{second}").into(),
        time: EventTime::from_millis(1_700_000_000_000 + second * 1000),
        source: SourceKind::Cloudtrail,
        service: service.into(),
        action: action.into(),
        event_type: Some("AwsApiCall".into()),
        account: Some(ACCOUNT.into()),
        actor: Actor {
            id: IdentityId::new(format!("aws:{ACCOUNT}:user/{name}")),
            name: name.into(),
            kind: IdentityKind::Human,
            nhi_type: None,
            kind_reason: "IAM user".into(),
            account: Some(ACCOUNT.into()),
            principal_type: "IAMUser".into(),
            arn: Some(format!("arn:aws:iam::{ACCOUNT}:user/{name}").into()),
            via_role: None,
            session_name: None,
            source_identity: None,
            access_key_id: Some("AKIAEXAMPLE".into()),
            mfa_authenticated: None,
            invoked_by: None,
        },
        origin: Origin {
            source_raw: Some("198.51.100.7".into()),
            ip: "198.51.100.7".parse().ok(),
            service: None,
            user_agent: Some("aws-cli/2.13.0 Python/3.11".into()),
            region: Some("us-east-1".into()),
            network: None,
        },
        error_code: None,
        resource_type: None,
        read_only: None,
        request: None,
        response: None,
        additional: None,
        targets: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Builds the same event made by a role used by a workload.
pub fn role_event(role: &str, service: &str, action: &str, second: i64) -> IdentityEvent {
    let mut event = user_event(role, service, action, second);
    event.actor.id = IdentityId::new(format!("aws:{ACCOUNT}:role/{role}"));
    event.actor.kind = IdentityKind::NonHuman;
    event.actor.nhi_type = Some(NhiType::Role);
    event.actor.principal_type = "AssumedRole".into();
    event.actor.access_key_id = Some("ASIAEXAMPLE".into());
    event
}

pub fn raw(json: &str) -> Option<Box<RawValue>> {
    Some(RawValue::from_string(json.to_owned()).expect("test payload is valid JSON"))
}

pub fn with_request(mut event: IdentityEvent, json: &str) -> IdentityEvent {
    event.request = raw(json);
    event
}

pub fn denied(mut event: IdentityEvent) -> IdentityEvent {
    event.error_code = Some("AccessDenied".into());
    event
}

/// Runs events through a fresh engine and returns every finding.
pub fn run(config: EngineConfig, events: &[IdentityEvent]) -> Vec<Finding> {
    let mut engine = Engine::new(config);
    let mut findings = Vec::new();
    for event in events {
        engine.process(event, &mut findings);
        for fact in &event.targets {
            engine.apply_fact(fact, event, &mut findings);
        }
    }
    findings
}

pub fn rules(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|finding| format!("{}/{}", finding.detector, finding.rule))
        .collect()
}

/// Places the event's source address at a city: `country` and
/// `(latitude, longitude)` as a city database would give them.
pub fn located(mut event: IdentityEvent, country: &str, location: (f32, f32)) -> IdentityEvent {
    event.origin.network = Some(ispm_model::NetworkInfo {
        country: Some(country.to_owned()),
        asn: Some(64_500),
        as_org: Some("example ISP".to_owned()),
        location: Some(location),
        cloud: Some(false),
    });
    event
}

pub const LONDON: (f32, f32) = (51.5074, -0.1278);
pub const PARIS: (f32, f32) = (48.8566, 2.3522);
pub const NEW_YORK: (f32, f32) = (40.7128, -74.0060);
pub const MANCHESTER: (f32, f32) = (53.4808, -2.2426);
