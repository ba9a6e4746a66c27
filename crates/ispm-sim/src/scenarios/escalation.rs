//! Scenarios of abuse by an identity that is already in: privilege
//! escalation, discovery, logging tampering and an AI agent leaving its
//! scope.

use rand::Rng;
use rand::seq::SliceRandom;
use serde_json::json;

use super::steps::{
    ADMINISTRATOR_ACCESS, ENUMERATION_DETECTORS, ESCALATION_DETECTORS, LOGGING_DETECTORS,
    SCOPE_DRIFT_DETECTORS, attacker_address, attacker_agent, gap, identity_outline, sdk_of, spec,
    time_on,
};
use super::{Outline, Planner};
use crate::agents::{self, Laptop};
use crate::api::{Api, DISCOVERY};
use crate::clock::{self, MS_PER_MINUTE};
use crate::ids;
use crate::names;
use crate::net::{GITHUB_RUNNER_PREFIXES, Region};
use crate::params::TRAIL_NAME;
use crate::population::{IdentityType, PermissionSet};
use crate::record::{self, EventSpec, Outcome, Principal, RoleSession, Source};
use crate::traffic;

pub(super) fn privilege_escalation_chain(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let context = planner.context;
    let org = context.org;
    let service_users = planner.identities_of(IdentityType::ServiceUser).to_vec();
    let mut per_account = vec![0usize; org.accounts.len()];
    for index in &service_users {
        per_account[usize::from(context.identity(*index).account)] += 1;
    }
    // The target must be another user in the same account.
    let has_peer = |index: u32| per_account[usize::from(context.identity(index).account)] >= 2;
    let user = planner.take(IdentityType::ServiceUser, has_peer)?;
    let identity = context.identity(user);
    let peers: Vec<&str> = service_users
        .iter()
        .filter(|other| **other != user && context.identity(**other).account == identity.account)
        .map(|other| context.identity(*other).name.as_str())
        .collect();
    let target = peers[planner.rng.random_range(0..peers.len())].to_owned();
    let day = planner.spread_day(instance, count);
    let principal = traffic::service_user_principal(&context, user, true);
    let address = traffic::service_user_address(&context, user, 0);
    let agent = agents::aws_cli(
        Laptop::Linux,
        "iam.attach-user-policy",
        planner.rng.random(),
    );
    let scope = context.scope(user, 0);
    let account = scope.account.clone();
    let mut time = time_on(planner, day, 8, 20);

    let push = |planner: &mut Planner<'_>,
                api: Api,
                request: Option<serde_json::Value>,
                response: Option<serde_json::Value>,
                time: i64| {
        let mut event = spec(
            time,
            &scope,
            Region::UsEast1,
            api,
            &principal,
            Source::Address(address),
            &agent,
            Outcome::Success,
        );
        event.request = request;
        event.response = response;
        planner.push(label, event);
    };
    push(planner, Api::IamGetUser, None, None, time);
    time += gap(planner, 2, 20);
    push(planner, Api::IamListAttachedUserPolicies, None, None, time);
    time += gap(planner, 5, 60);
    let grant = if instance.is_multiple_of(2) {
        push(
            planner,
            Api::IamAttachUserPolicy,
            Some(json!({ "userName": identity.name, "policyArn": ADMINISTRATOR_ACCESS })),
            None,
            time,
        );
        "attached AdministratorAccess to itself".to_owned()
    } else {
        let policy = format!("arn:aws:iam::{account}:policy/{}-policy", identity.name);
        push(
            planner,
            Api::IamCreatePolicyVersion,
            Some(json!({
                "policyArn": policy,
                "policyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
                "setAsDefault": true,
            })),
            Some(json!({
                "policyVersion": {
                    "versionId": "v2",
                    "isDefaultVersion": true,
                    "createDate": clock::response_time(time),
                }
            })),
            time,
        );
        format!("made an Allow-*-on-* version the default of its own policy {policy}")
    };
    time += gap(planner, 20, 180);
    push(planner, Api::IamListUsers, None, None, time);
    time += gap(planner, 5, 60);
    let new_key = ids::aws_unique_id("AKIA", 16, planner.rng.random());
    push(
        planner,
        Api::IamCreateAccessKey,
        Some(json!({ "userName": target })),
        Some(json!({
            "accessKey": {
                "accessKeyId": new_key,
                "status": "Active",
                "userName": target,
                "createDate": clock::response_time(time),
            }
        })),
        time,
    );
    Some(identity_outline(
        &context,
        user,
        ESCALATION_DETECTORS,
        format!(
            "Service user {} {grant}, then created access key {new_key} for user {target}.",
            identity.name
        ),
    ))
}

pub(super) fn enumeration(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let context = planner.context;
    let (kind, other) = if instance.is_multiple_of(2) {
        (IdentityType::Ec2InstanceRole, IdentityType::LambdaRole)
    } else {
        (IdentityType::LambdaRole, IdentityType::Ec2InstanceRole)
    };
    let role = match planner.take(kind, |_| true) {
        Some(role) => role,
        None => planner.take(other, |_| true)?,
    };
    let identity = context.identity(role);
    let day = planner.spread_day(instance, count);
    let mut time = time_on(planner, day, 0, 23);
    // The attacker runs on the compromised host, so the address and the
    // session are the workload's own.
    let (session, address) = match identity.kind {
        IdentityType::Ec2InstanceRole => (
            traffic::ec2_session(&context, role, 0, time),
            traffic::ec2_address(&context, role, 0),
        ),
        _ => (
            traffic::lambda_session(&context, role, time),
            traffic::lambda_address(&context, role, time),
        ),
    };
    let principal = Principal::AssumedRole(session.clone());
    let agent = attacker_agent(planner, sdk_of(&context, role));
    let scope = context.scope(role, 0);

    let mut calls = DISCOVERY.to_vec();
    calls.shuffle(&mut planner.rng);
    let total = planner.rng.random_range(32..=38).min(calls.len());
    calls.truncate(total);
    let denied_count = planner.rng.random_range(11..=15);
    let mut denied_positions: Vec<usize> = (0..total).collect();
    denied_positions.shuffle(&mut planner.rng);
    denied_positions.truncate(denied_count);
    for (position, api) in calls.into_iter().enumerate() {
        let outcome = if denied_positions.contains(&position) {
            Outcome::Denied
        } else {
            Outcome::Success
        };
        let event = spec(
            time,
            &scope,
            identity.region,
            api,
            &principal,
            Source::Address(address),
            &agent,
            outcome,
        );
        planner.push(label, event);
        time += planner.rng.random_range(1_000..7_000);
    }
    Some(identity_outline(
        &context,
        role,
        ENUMERATION_DETECTORS,
        format!(
            "Role {} (session {}) called {total} distinct List, Describe and Get APIs within five minutes from its own address {address} with user agent {agent:?}; {denied_count} were denied.",
            identity.name, session.session_name
        ),
    ))
}

/// Returns the request and response of event selectors that reduce logging:
/// management events off, reads only.
fn reducing_selectors(account: &str) -> (serde_json::Value, serde_json::Value) {
    let selectors = json!([{
        "readWriteType": "ReadOnly",
        "includeManagementEvents": false,
        "dataResources": [],
        "excludeManagementEventSources": [],
    }]);
    let request = json!({ "trailName": TRAIL_NAME, "eventSelectors": selectors });
    let response = json!({
        "trailARN": format!("arn:aws:cloudtrail:us-east-1:{account}:trail/{TRAIL_NAME}"),
        "eventSelectors": selectors,
    });
    (request, response)
}

pub(super) fn logging_tampering(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let context = planner.context;
    let day = planner.spread_day(instance, count);
    let mut time = time_on(planner, day, 0, 23);
    let by_person = instance % 2 == 1;
    let (index, principal, address, agent, scope, actor) = if by_person {
        // A stolen console session of a person, replayed from a rented
        // server.
        // Someone employed from the start, whose session is worth stealing.
        let person = planner.take(IdentityType::Person, |index| {
            context.identity(index).first_day == 0
        })?;
        let account = context.identity(person).account;
        let session = traffic::sso_session(
            &context,
            person,
            day,
            account,
            PermissionSet::AdministratorAccess,
            7,
            time - 20 * MS_PER_MINUTE,
        );
        let mut scope = context.scope(person, 0);
        let account_facts = &context.org.accounts[usize::from(account)];
        scope.account = account_facts.id.clone();
        scope.alias = account_facts.alias.clone();
        let actor = format!(
            "Person {} (session of {}) from a hosting-provider address",
            context.identity(person).name,
            session.role_name
        );
        let address = attacker_address(planner, instance);
        let agent = agents::browser(Laptop::Windows, planner.rng.random());
        (
            person,
            Principal::AssumedRole(session),
            address,
            agent,
            scope,
            actor,
        )
    } else {
        // A compromised deployment pipeline.
        let role = planner.take(IdentityType::CiCdRole, |_| true)?;
        let identity = context.identity(role);
        let account = context.org.account_of(identity);
        let session = RoleSession {
            account: account.id.clone(),
            role_name: identity.name.clone(),
            role_path: "",
            role_id: context.role_id(&account.id, &identity.name),
            session_name: "GitHubActions".to_owned(),
            access_key: record::temporary_key(planner.rng.random()),
            created_ms: time - 2 * MS_PER_MINUTE,
            mfa: false,
            ec2_delivery: false,
            web_identity_provider: Some(format!(
                "arn:aws:iam::{}:oidc-provider/token.actions.githubusercontent.com",
                account.id
            )),
        };
        let prefix = GITHUB_RUNNER_PREFIXES[instance % GITHUB_RUNNER_PREFIXES.len()];
        let address = prefix.address(planner.rng.random());
        let agent = agents::aws_cli(
            Laptop::GitHubRunner,
            "cloudtrail.stop-logging",
            planner.rng.random(),
        );
        let actor = format!("CI/CD role {} from a GitHub-hosted runner", identity.name);
        (
            role,
            Principal::AssumedRole(session),
            address,
            agent,
            context.scope(role, 0),
            actor,
        )
    };

    let step = |api: Api, time: i64| -> EventSpec {
        spec(
            time,
            &scope,
            Region::UsEast1,
            api,
            &principal,
            Source::Address(address),
            &agent,
            Outcome::Success,
        )
    };
    let first = step(Api::TrailDescribeTrails, time);
    planner.push(label, first);
    time += gap(planner, 3, 30);
    let inspect = if instance % 3 == 1 {
        Api::TrailGetEventSelectors
    } else {
        Api::TrailGetTrailStatus
    };
    let status = step(inspect, time);
    planner.push(label, status);
    time += gap(planner, 5, 60);
    let action = match instance % 3 {
        0 => {
            let stop = step(Api::TrailStopLogging, time);
            planner.push(label, stop);
            "stopped logging of"
        }
        1 => {
            let mut reduce = step(Api::TrailPutEventSelectors, time);
            let (request, response) = reducing_selectors(&scope.account);
            reduce.request = Some(request);
            reduce.response = Some(response);
            planner.push(label, reduce);
            "switched management events off in"
        }
        _ => {
            let delete = step(Api::TrailDeleteTrail, time);
            planner.push(label, delete);
            "deleted"
        }
    };
    Some(identity_outline(
        &context,
        index,
        LOGGING_DETECTORS,
        format!("{actor} {action} the trail {TRAIL_NAME}."),
    ))
}

pub(super) fn ai_agent_scope_drift(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let agent_index = planner.take(IdentityType::AiAgent, |_| true)?;
    let context = planner.context;
    let identity = context.identity(agent_index);
    let day = planner.spread_day(instance, count);
    let mut time = time_on(planner, day, 9, 21);
    let session = traffic::agent_session(&context, agent_index, time);
    let principal = Principal::AssumedRole(session);
    let address = traffic::agent_address(&context, agent_index);
    let base_scope = traffic::agent_scope(&context, agent_index, 0);

    let mut calls: Vec<(Api, Option<&'static str>, Outcome)> = vec![
        (Api::BedrockInvokeModel, None, Outcome::Success),
        (Api::IamListRoles, None, Outcome::Success),
        (Api::IamGetRole, None, Outcome::Success),
        (Api::IamListAttachedRolePolicies, None, Outcome::Success),
        (Api::SecretsListSecrets, None, Outcome::Success),
    ];
    // Five secrets read, enough for a secret-access burst, and up to two
    // more attempts that the role's policy denies.
    let secrets = planner.rng.random_range(5..=7);
    let mut stems = names::STEMS.to_vec();
    stems.shuffle(&mut planner.rng);
    for (position, stem) in stems.into_iter().take(secrets).enumerate() {
        let outcome = if position < 5 {
            Outcome::Success
        } else {
            Outcome::Denied
        };
        calls.push((Api::SecretsGetSecretValue, Some(stem), outcome));
    }
    calls.push((Api::BedrockInvokeModel, None, Outcome::Success));

    for (api, stem, outcome) in calls {
        let mut scope = base_scope.clone();
        if let Some(stem) = stem {
            scope.stem = stem;
        }
        let agent = traffic::agent_user_agent(&context, agent_index, day, api);
        let event = spec(
            time,
            &scope,
            identity.region,
            api,
            &principal,
            Source::Address(address),
            &agent,
            outcome,
        );
        planner.push(label, event);
        time += gap(planner, 1, 15);
    }
    Some(identity_outline(
        &context,
        agent_index,
        SCOPE_DRIFT_DETECTORS,
        format!(
            "AI agent role {} listed IAM roles and policies and read 5 secrets of other workloads ({} more attempts denied), services it had never called, between its usual Bedrock calls.",
            identity.name,
            secrets - 5
        ),
    ))
}
