//! Scenarios of stolen or misused credentials: a leaked access key, stolen
//! instance credentials, a dormant key used again, a person using a service
//! user, and a break-glass root sign-in.

use rand::Rng;
use serde_json::json;

use super::steps::{
    DORMANT_DAYS, DORMANT_DETECTORS, HUMAN_USE_DETECTORS, LEAKED_KEY_DETECTORS, ROOT_DETECTORS,
    STOLEN_SESSION_DETECTORS, attacker_address, attacker_agent, gap, identity_outline, sdk_of,
    spec, time_on,
};
use super::{Outline, Planner};
use crate::agents;
use crate::api::Api;
use crate::clock::{MS_PER_HOUR, MS_PER_MINUTE};
use crate::net::Region;
use crate::population::{IdentityType, Persona, Traits};
use crate::record::{self, Outcome, Principal, Source};
use crate::traffic;

pub(super) fn leaked_access_key(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let user = planner.take(IdentityType::ServiceUser, |_| true)?;
    let context = planner.context;
    let day = planner.spread_day(instance, count);
    let identity = context.identity(user);
    let principal = traffic::service_user_principal(&context, user, true);
    let address = attacker_address(planner, instance);
    let agent = attacker_agent(planner, sdk_of(&context, user));
    let scope = context.scope(user, 0);

    let steps = [
        (Api::StsGetCallerIdentity, Outcome::Success),
        (Api::S3ListBuckets, Outcome::Success),
        (Api::IamListUsers, Outcome::Denied),
        (Api::IamListAttachedUserPolicies, Outcome::Denied),
        (Api::Ec2DescribeRegions, Outcome::Success),
        (Api::S3GetObject, Outcome::Success),
        (Api::S3GetObject, Outcome::Success),
        (Api::S3GetObject, Outcome::Success),
    ];
    let mut time = time_on(planner, day, 0, 23);
    for (api, outcome) in steps {
        let region = if api == Api::StsGetCallerIdentity {
            Region::UsEast1
        } else {
            identity.region
        };
        let event = spec(
            time,
            &scope,
            region,
            api,
            &principal,
            Source::Address(address),
            &agent,
            outcome,
        );
        planner.push(label, event);
        time += gap(planner, 5, 60);
    }
    let key = traffic::service_user_key(&context, user);
    Some(identity_outline(
        &context,
        user,
        LEAKED_KEY_DETECTORS,
        format!(
            "Access key {key} of service user {} used from {address}, a hosting-provider address it never called from, with the new user agent {agent:?}: GetCallerIdentity, ListBuckets, denied IAM listing, then object reads.",
            identity.name
        ),
    ))
}

pub(super) fn stolen_instance_credentials(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let role = planner.take(IdentityType::Ec2InstanceRole, |_| true)?;
    let context = planner.context;
    let day = planner.spread_day(instance, count);
    let identity = context.identity(role);
    let instances = match &identity.traits {
        Traits::Ec2(traits) => traits.instances.max(1),
        _ => 1,
    };
    let machine = planner.rng.random_range(0..instances);
    // Inside one six-hour credential slot, after the credentials were
    // delivered and well before they expire.
    let slot_start = context.day_start(day) + planner.rng.random_range(0..4) * 6 * MS_PER_HOUR;
    let mut time = slot_start
        + planner
            .rng
            .random_range(30 * MS_PER_MINUTE..4 * MS_PER_HOUR);
    let session = traffic::ec2_session(&context, role, machine, time);
    let principal = Principal::AssumedRole(session.clone());
    let address = attacker_address(planner, instance + 1);
    let agent = attacker_agent(planner, sdk_of(&context, role));
    let mut scope = context.scope(role, 0);

    let steps = [
        Api::StsGetCallerIdentity,
        Api::S3ListBuckets,
        Api::Ec2DescribeInstances,
        Api::S3GetObject,
        Api::S3GetObject,
        Api::SecretsGetSecretValue,
        Api::S3GetObject,
    ];
    for (step, api) in steps.into_iter().enumerate() {
        scope.variant = step as u32;
        let region = if api == Api::StsGetCallerIdentity {
            Region::UsEast1
        } else {
            identity.region
        };
        let event = spec(
            time,
            &scope,
            region,
            api,
            &principal,
            Source::Address(address),
            &agent,
            Outcome::Success,
        );
        planner.push(label, event);
        time += gap(planner, 10, 90);
    }
    Some(identity_outline(
        &context,
        role,
        STOLEN_SESSION_DETECTORS,
        format!(
            "Temporary key {} of instance role {} (session {}, delivered by the instance metadata service) used from {address} outside AWS with user agent {agent:?}.",
            session.access_key, identity.name, session.session_name
        ),
    ))
}

pub(super) fn dormant_key_reuse(planner: &mut Planner<'_>, label: u32) -> Option<Outline> {
    let context = planner.context;
    let days = context.days;
    // Last use on day 0 or 1, reuse 45 or more idle days later: needs 47
    // days at least.
    if days < DORMANT_DAYS + 2 {
        return None;
    }
    let user = planner.take(IdentityType::ServiceUser, |_| true)?;
    let identity = context.identity(user);
    let last_day = planner.rng.random_range(0..=1);
    let earliest = (last_day + DORMANT_DAYS + 1).max(planner.window.0);
    let reuse_day = planner.rng.random_range(earliest.min(days - 1)..days);
    planner.mark_dormant(user, last_day);

    let principal = traffic::service_user_principal(&context, user, true);
    let apis: Vec<Api> = match &identity.traits {
        Traits::ServiceUser(traits) => traits.apis.as_slice().to_vec(),
        _ => vec![Api::S3GetObject],
    };
    let scope = context.scope(user, 0);
    // The last routine use before the key went quiet, so the key has a
    // history, unlabelled.
    let mut time = time_on(planner, last_day, 1, 22);
    for api in apis.iter().take(2) {
        let event = spec(
            time,
            &scope,
            identity.region,
            *api,
            &principal,
            Source::Address(traffic::service_user_address(&context, user, 0)),
            &traffic::service_user_agent(&context, user, last_day, *api),
            Outcome::Success,
        );
        planner.push_setup(event);
        time += gap(planner, 1, 5);
    }

    let mut time = time_on(planner, reuse_day, 0, 23);
    let mut calls = vec![Api::StsGetCallerIdentity];
    calls.extend(
        apis.iter()
            .copied()
            .cycle()
            .take(planner.rng.random_range(3..=6)),
    );
    for api in calls {
        let region = if api == Api::StsGetCallerIdentity {
            Region::UsEast1
        } else {
            identity.region
        };
        let event = spec(
            time,
            &scope,
            region,
            api,
            &principal,
            Source::Address(traffic::service_user_address(&context, user, 0)),
            &traffic::service_user_agent(&context, user, reuse_day, api),
            Outcome::Success,
        );
        planner.push(label, event);
        time += gap(planner, 1, 20);
    }
    Some(identity_outline(
        &context,
        user,
        DORMANT_DETECTORS,
        format!(
            "Access key {} of service user {} was last used on day {last_day} and used again on day {reuse_day} after {} idle days, from its usual host.",
            traffic::service_user_key(&context, user),
            identity.name,
            reuse_day - last_day - 1
        ),
    ))
}

pub(super) fn human_uses_service_key(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let context = planner.context;
    let people = planner.identities_of(IdentityType::Person).to_vec();
    if people.is_empty() {
        return None;
    }
    let user = planner.take(IdentityType::ServiceUser, |_| true)?;
    let person = people[planner.rng.random_range(0..people.len())];
    let identity = context.identity(user);
    let day = planner
        .spread_day(instance, count)
        .max(context.identity(person).first_day);
    let address = traffic::person_address(&context, person, day);
    let browser = traffic::person_browser(&context, person, day);
    let scope = context.scope(user, 0);
    let offset = match &context.identity(person).traits {
        Traits::Person(traits) => traits.city_on(day).city().utc_offset_minutes * MS_PER_MINUTE,
        _ => 0,
    };
    let mut time = context.day_start(day)
        + planner.rng.random_range(10 * MS_PER_HOUR..17 * MS_PER_HOUR)
        - offset;

    let console_login = |planner: &mut Planner<'_>, time: i64, success: bool| {
        let mut event = spec(
            time,
            &scope,
            Region::UsEast1,
            Api::ConsoleLogin,
            &traffic::service_user_principal(&context, user, false),
            Source::Address(address),
            &browser,
            if success {
                Outcome::Success
            } else {
                Outcome::LoginFailure
            },
        );
        event.additional = Some(json!({
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": "No",
        }));
        if success {
            event.response = Some(json!({ "ConsoleLogin": "Success" }));
        }
        planner.push(label, event);
    };
    console_login(planner, time, false);
    time += gap(planner, 10, 40);
    console_login(planner, time, true);
    let login_ms = time;

    let console_principal = match traffic::service_user_principal(&context, user, false) {
        Principal::IamUser {
            account,
            user_name,
            user_id,
            ..
        } => Principal::IamUser {
            account,
            user_name,
            user_id,
            access_key: Some(record::temporary_key(planner.rng.random())),
            console_session: Some(login_ms),
        },
        other => other,
    };
    for api in [
        Api::S3ListBuckets,
        Api::S3GetBucketLocation,
        Api::S3GetObject,
    ] {
        time += gap(planner, 3, 40);
        let mut event = spec(
            time,
            &scope,
            identity.region,
            api,
            &console_principal,
            Source::Address(address),
            &browser,
            Outcome::Success,
        );
        event.from_console = true;
        planner.push(label, event);
    }

    // Later the same person runs the CLI on their laptop with the key.
    let key_principal = traffic::service_user_principal(&context, user, true);
    time += planner
        .rng
        .random_range(10 * MS_PER_MINUTE..90 * MS_PER_MINUTE);
    let laptop = traffic::person_laptop(&context, person);
    for api in [
        Api::StsGetCallerIdentity,
        Api::S3ListBuckets,
        Api::S3GetObject,
    ] {
        let command = agents::cli_command(api.sdk_service(), api.spec().name);
        let agent = agents::aws_cli(laptop, &command, planner.rng.random());
        let region = if api == Api::StsGetCallerIdentity {
            Region::UsEast1
        } else {
            identity.region
        };
        let event = spec(
            time,
            &scope,
            region,
            api,
            &key_principal,
            Source::Address(address),
            &agent,
            Outcome::Success,
        );
        planner.push(label, event);
        time += gap(planner, 2, 30);
    }
    Some(identity_outline(
        &context,
        user,
        HUMAN_USE_DETECTORS,
        format!(
            "Person {} signed in to the console as service user {} (one failed, one successful sign-in) from their home address {address}, browsed S3, then used the user's access key from the AWS CLI.",
            context.identity(person).name,
            identity.name
        ),
    ))
}

pub(super) fn break_glass_root_login(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let context = planner.context;
    let org = context.org;
    let administrator = org
        .identities
        .iter()
        .enumerate()
        .find(|(_, identity)| {
            matches!(&identity.traits, Traits::Person(traits) if traits.persona == Persona::Administrator)
        })
        .map(|(index, _)| index as u32)?;
    let account = &org.accounts[instance % org.accounts.len()];
    let day = planner.spread_day(instance, count);
    let address = traffic::person_address(&context, administrator, day);
    let browser = traffic::person_browser(&context, administrator, day);
    let mut scope = context.scope(administrator, 0);
    scope.account = account.id.clone();
    scope.alias = account.alias.clone();
    scope.environment = account.environment;
    let mut time = time_on(planner, day, 8, 20);

    let mut login = spec(
        time,
        &scope,
        Region::UsEast1,
        Api::ConsoleLogin,
        &Principal::Root {
            account: account.id.clone(),
            console_session: None,
        },
        Source::Address(address),
        &browser,
        Outcome::Success,
    );
    login.response = Some(json!({ "ConsoleLogin": "Success" }));
    login.additional = Some(json!({
        "LoginTo": "https://console.aws.amazon.com/console/home",
        "MobileVersion": "No",
        "MFAIdentifier": format!("arn:aws:iam::{}:mfa/root-account-mfa-device", account.id),
        "MFAUsed": "Yes",
    }));
    planner.push(label, login);

    let session = Principal::Root {
        account: account.id.clone(),
        console_session: Some((record::temporary_key(planner.rng.random()), time)),
    };
    for api in [
        Api::IamGetAccountSummary,
        Api::IamListUsers,
        Api::IamListRoles,
        Api::TrailDescribeTrails,
        Api::OrganizationsDescribeOrganization,
    ] {
        time += gap(planner, 5, 90);
        let mut event = spec(
            time,
            &scope,
            account.home_region,
            api,
            &session,
            Source::Address(address),
            &browser,
            Outcome::Success,
        );
        event.from_console = true;
        planner.push(label, event);
    }
    Some(Outline {
        identity: format!("aws:{}:root", account.id),
        account_id: account.id.clone(),
        expected: ROOT_DETECTORS,
        description: format!(
            "Break-glass sign-in as the root user of account {} ({}) with MFA by administrator {} from their home address {address}, followed by read-only IAM and CloudTrail checks.",
            account.id, account.alias, org.identities[administrator as usize].name
        ),
    })
}
