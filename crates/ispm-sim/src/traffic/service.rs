//! AWS services acting on their own (`userIdentity.type` `AWSService`):
//! AWS Config's hourly role assumption, CloudTrail's data keys for log
//! encryption, and Lambda and EC2 assuming workload roles.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::workload::assumed_session;
use super::{Context, Planned, planned};
use crate::api::Api;
use crate::clock::{self, MS_PER_HOUR, MS_PER_MINUTE};
use crate::ids::Stream;
use crate::net::Region;
use crate::params::TRAIL_NAME;
use crate::population::{Account, AwsService, Traits};
use crate::record::{self, EventSpec, Outcome, Principal, RoleSession, Source};

/// Lifetime of credentials that services ask STS for.
const SERVICE_SESSION_MS: i64 = MS_PER_HOUR;

fn service_of(context: &Context<'_>, index: u32) -> Option<AwsService> {
    match context.identity(index).traits {
        Traits::AwsService(service) => Some(service),
        _ => None,
    }
}

/// Hourly jobs of AWS Config and CloudTrail in every account. Lambda and
/// EC2 act when their roles' credentials rotate, which the workload plans
/// add.
pub(super) fn plan(context: &Context<'_>, index: u32, day: u32, out: &mut Vec<Planned>) {
    let api = match service_of(context, index) {
        Some(AwsService::Config) => Api::StsAssumeRole,
        Some(AwsService::CloudTrail) => Api::KmsGenerateDataKey,
        _ => return,
    };
    let day_start = context.day_start(day);
    for (account, _) in context.org.accounts.iter().enumerate() {
        let minute = context.hash(Stream::IdentityDay, &[u64::from(index), account as u64]) % 60;
        for hour in 0..24 {
            let time = day_start + hour * MS_PER_HOUR + minute as i64 * MS_PER_MINUTE;
            let mut event = planned(index, day, (account * 24) as u32 + hour as u32, time, api);
            event.detail = account as u32;
            out.push(event);
        }
    }
}

fn service_spec(
    planned: &Planned,
    service: &'static str,
    account: String,
    region: Region,
    scope: crate::params::Scope,
) -> EventSpec {
    EventSpec {
        time_ms: planned.time_ms,
        account,
        region,
        api: planned.api,
        principal: Principal::AwsService { service },
        source: Source::Service(service),
        user_agent: service.to_owned(),
        outcome: Outcome::Success,
        scope,
        request: None,
        response: None,
        additional: None,
        from_console: false,
        event_id: None,
    }
}

/// Builds the request and response of an `AssumeRole` that hands out
/// `session`.
fn assume_role_payload(session: &RoleSession, rng: &mut ChaCha8Rng) -> (Value, Value) {
    let request = json!({
        "roleArn": session.role_arn(),
        "roleSessionName": session.session_name,
    });
    let response = json!({
        "credentials": {
            "accessKeyId": session.access_key,
            "sessionToken": record::session_token(rng),
            "expiration": clock::response_time(session.created_ms + SERVICE_SESSION_MS),
        },
        "assumedRoleUser": {
            "assumedRoleId": format!("{}:{}", session.role_id, session.session_name),
            "arn": session.session_arn(),
        },
    });
    (request, response)
}

/// Resolves Config's and CloudTrail's hourly events.
pub(super) fn resolve(context: &Context<'_>, planned: &Planned, rng: &mut ChaCha8Rng) -> EventSpec {
    let service = service_of(context, planned.actor).unwrap_or(AwsService::Config);
    let account = &context.org.accounts[planned.detail as usize % context.org.accounts.len()];
    let mut scope = context.scope(planned.actor, 0);
    scope.account = account.id.clone();
    scope.alias = account.alias.clone();
    scope.environment = account.environment;
    let mut spec = service_spec(
        planned,
        service.principal(),
        account.id.clone(),
        account.home_region,
        scope,
    );

    if service == AwsService::CloudTrail {
        cloudtrail_data_key(&mut spec, account, planned.time_ms);
        return spec;
    }

    let session = RoleSession {
        account: account.id.clone(),
        role_name: "AWSServiceRoleForConfig".to_owned(),
        role_path: "aws-service-role/config.amazonaws.com",
        role_id: context.role_id(&account.id, "AWSServiceRoleForConfig"),
        session_name: "AWSConfig-Describe".to_owned(),
        access_key: record::temporary_key(rng.random()),
        created_ms: planned.time_ms,
        mfa: false,
        ec2_delivery: false,
        web_identity_provider: None,
    };
    let (request, response) = assume_role_payload(&session, rng);
    spec.request = Some(request);
    spec.response = Some(response);
    spec
}

/// Turns `spec` into CloudTrail's request for a data key that encrypts the
/// account's log files in us-east-1.
fn cloudtrail_data_key(spec: &mut EventSpec, account: &Account, time_ms: i64) {
    spec.scope.stem = "cloudtrail";
    spec.region = Region::UsEast1;
    let key = spec.scope.kms_key_arn(Region::UsEast1);
    let trail = format!(
        "arn:aws:cloudtrail:us-east-1:{}:trail/{TRAIL_NAME}",
        account.id
    );
    let object = format!(
        "arn:aws:s3:::{}-cloudtrail-logs/AWSLogs/{}/CloudTrail/us-east-1/{}",
        account.alias,
        account.id,
        clock::date_folder(time_ms)
    );
    spec.request = Some(json!({
        "keyId": key,
        "encryptionContext": {
            "aws:cloudtrail:arn": trail,
            "aws:s3:arn": object,
        },
        "keySpec": "AES_256",
    }));
}

/// Resolves Lambda's or EC2's assumption of a workload role.
pub(super) fn resolve_assume(
    context: &Context<'_>,
    planned: &Planned,
    rng: &mut ChaCha8Rng,
) -> EventSpec {
    let service = service_of(context, planned.actor).unwrap_or(AwsService::Lambda);
    let role = context.identity(planned.detail);
    let scope = context.scope(planned.detail, 0);
    let mut spec = service_spec(
        planned,
        service.principal(),
        scope.account.clone(),
        role.region,
        scope,
    );
    if let Some(session) = assumed_session(context, planned) {
        let (request, response) = assume_role_payload(&session, rng);
        spec.request = Some(request);
        spec.response = Some(response);
    }
    spec
}
