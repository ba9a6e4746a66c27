//! People signing in through IAM Identity Center: console and CLI work in
//! office hours of their time zone, little at weekends, with trips, weeks
//! off and new hires who explore in their first two weeks.

use std::net::Ipv4Addr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::{Context, Mode, Planned, planned};
use crate::agents::{self, Laptop};
use crate::api::Api;
use crate::clock::{self, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};
use crate::ids::{Stream, rng_for};
use crate::names;
use crate::net::Region;
use crate::population::{PermissionSet, PersonTraits, Persona, Traits};
use crate::random::{chance, normal, pick, poisson};
use crate::record::{self, EventSpec, Outcome, Principal, RoleSession, Source};

/// A new hire's first days, in which they explore and are often denied.
const LEARNING_DAYS: u32 = 14;

/// Days a residential address lasts before the ISP assigns another one.
const ADDRESS_LEASE_DAYS: u32 = 21;

const DEVELOPER_APIS: [Api; 17] = [
    Api::LambdaListFunctions,
    Api::LambdaGetFunction,
    Api::LogsDescribeLogGroups,
    Api::LogsFilterLogEvents,
    Api::CloudWatchGetMetricData,
    Api::CloudWatchDescribeAlarms,
    Api::S3ListBuckets,
    Api::S3GetObject,
    Api::DynamoDescribeTable,
    Api::DynamoQuery,
    Api::SqsListQueues,
    Api::CfnDescribeStacks,
    Api::CfnDescribeStackEvents,
    Api::EcsDescribeServices,
    Api::SsmGetParameter,
    Api::SecretsDescribeSecret,
    Api::LambdaUpdateFunctionConfiguration,
];

const DATA_ENGINEER_APIS: [Api; 10] = [
    Api::AthenaStartQueryExecution,
    Api::AthenaGetQueryExecution,
    Api::AthenaGetQueryResults,
    Api::GlueGetTable,
    Api::S3ListBuckets,
    Api::S3GetObject,
    Api::S3PutObject,
    Api::S3GetBucketLocation,
    Api::DynamoQuery,
    Api::LogsFilterLogEvents,
];

const OPERATIONS_APIS: [Api; 14] = [
    Api::Ec2DescribeInstances,
    Api::Ec2DescribeInstanceStatus,
    Api::Ec2DescribeSecurityGroups,
    Api::Ec2DescribeVolumes,
    Api::CloudWatchGetMetricData,
    Api::CloudWatchDescribeAlarms,
    Api::CloudWatchListMetrics,
    Api::SsmDescribeInstanceInformation,
    Api::SsmStartSession,
    Api::Ec2StartInstances,
    Api::Ec2StopInstances,
    Api::RdsDescribeDbInstances,
    Api::LogsFilterLogEvents,
    Api::EcsDescribeServices,
];

const ADMINISTRATOR_APIS: [Api; 15] = [
    Api::IamListUsers,
    Api::IamListRoles,
    Api::IamGetRole,
    Api::IamListPolicies,
    Api::IamGetAccountSummary,
    Api::OrganizationsDescribeOrganization,
    Api::OrganizationsListAccounts,
    Api::TrailDescribeTrails,
    Api::TrailGetTrailStatus,
    Api::TrailLookupEvents,
    Api::GuardDutyListDetectors,
    Api::ConfigDescribeConfigRules,
    Api::S3ListBuckets,
    Api::S3GetBucketPolicy,
    Api::Ec2DescribeInstances,
];

fn persona_apis(persona: Persona) -> &'static [Api] {
    match persona {
        Persona::Developer => &DEVELOPER_APIS,
        Persona::DataEngineer => &DATA_ENGINEER_APIS,
        Persona::Operations => &OPERATIONS_APIS,
        Persona::Administrator => &ADMINISTRATOR_APIS,
    }
}

fn all_persona_apis() -> Vec<Api> {
    let mut apis: Vec<Api> = [
        &DEVELOPER_APIS[..],
        &DATA_ENGINEER_APIS[..],
        &OPERATIONS_APIS[..],
        &ADMINISTRATOR_APIS[..],
    ]
    .concat();
    apis.sort_unstable();
    apis.dedup();
    apis
}

/// The shape of one person's working day.
struct PersonDay {
    start_ms: i64,
    end_ms: i64,
    /// Console sign-ins: in the morning and, when the first session ran
    /// out, after lunch.
    logins: [Option<i64>; 2],
    console_day: bool,
    cli_session_ms: i64,
    account: u16,
    permission_set: PermissionSet,
    events: u32,
    learning: bool,
    /// UTC offset of where the person is that day, in milliseconds.
    offset_ms: i64,
}

fn traits_of<'a>(context: &Context<'a>, index: u32) -> Option<&'a PersonTraits> {
    match &context.identity(index).traits {
        Traits::Person(traits) => Some(traits),
        _ => None,
    }
}

/// Draws the shape of a day from the identity-day stream and returns the
/// stream for the rest of the plan. `events` is 0 on days off.
fn day_shape(context: &Context<'_>, index: u32, day: u32) -> (PersonDay, ChaCha8Rng) {
    let identity = context.identity(index);
    let mut rng = rng_for(
        context.seed,
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day)],
    );
    let mut shape = PersonDay {
        start_ms: context.day_start(day),
        end_ms: context.day_start(day),
        logins: [None, None],
        console_day: false,
        cli_session_ms: context.day_start(day),
        account: identity.account,
        permission_set: PermissionSet::ReadOnlyAccess,
        events: 0,
        learning: false,
        offset_ms: 0,
    };
    let Some(traits) = traits_of(context, index) else {
        return (shape, rng);
    };
    shape.permission_set = traits.permission_sets[0];
    let on_vacation = traits
        .vacation
        .is_some_and(|(first, length)| (first..first + length).contains(&day));
    if day < identity.first_day || day > identity.last_day || on_vacation || traits.in_transit(day)
    {
        return (shape, rng);
    }

    let weekend = clock::weekday(context.start_day + i64::from(day)) >= 5;
    if weekend && !chance(&mut rng, 0.08) {
        return (shape, rng);
    }
    shape.learning = traits.new_hire && day < identity.first_day + LEARNING_DAYS;
    // Weekly mean = rate: five working days plus a little weekend work.
    let workday_rate = identity.rate * 7.0 / 5.1;
    let mut mean = workday_rate * rng.random_range(0.5..1.5);
    if weekend {
        mean *= 0.4;
    }
    if shape.learning {
        mean *= 1.3;
    }
    shape.events = poisson(&mut rng, mean);

    shape.offset_ms = traits.city_on(day).city().utc_offset_minutes * MS_PER_MINUTE;
    let (local_start, length) = if weekend {
        (
            10 * MS_PER_HOUR + rng.random_range(0..4 * MS_PER_HOUR),
            rng.random_range(MS_PER_HOUR..3 * MS_PER_HOUR),
        )
    } else {
        let start = traits.work_start_minute * MS_PER_MINUTE
            + (normal(&mut rng) * 20.0 * MS_PER_MINUTE as f64) as i64;
        let length =
            (8.5 * MS_PER_HOUR as f64 + normal(&mut rng) * 40.0 * MS_PER_MINUTE as f64) as i64;
        (start, length)
    };
    let local_start = local_start.clamp(6 * MS_PER_HOUR, 14 * MS_PER_HOUR);
    let local_end = (local_start + length.max(MS_PER_HOUR)).min(23 * MS_PER_HOUR);
    shape.start_ms = context.day_start(day) + local_start - shape.offset_ms;
    shape.end_ms = context.day_start(day) + local_end - shape.offset_ms;

    shape.console_day = chance(&mut rng, 0.85);
    if shape.console_day {
        shape.logins[0] = Some(shape.start_ms);
        let after_lunch = 13 * MS_PER_HOUR + rng.random_range(0..30 * MS_PER_MINUTE);
        if local_end > after_lunch + MS_PER_HOUR && chance(&mut rng, 0.35) {
            shape.logins[1] = Some(context.day_start(day) + after_lunch - shape.offset_ms);
        }
    }
    shape.cli_session_ms = shape.start_ms - rng.random_range(30..300) * MS_PER_SECOND;
    if let Some(second) = traits.second_account
        && chance(&mut rng, 0.15)
    {
        shape.account = second;
    }
    if chance(&mut rng, 0.1) {
        shape.permission_set = traits.permission_sets[1];
    }
    (shape, rng)
}

pub(super) fn plan(context: &Context<'_>, index: u32, day: u32, out: &mut Vec<Planned>) {
    let (shape, mut rng) = day_shape(context, index, day);
    let Some(traits) = traits_of(context, index) else {
        return;
    };
    if shape.events == 0 {
        return;
    }
    let pool: Vec<Api> = if shape.learning {
        all_persona_apis()
    } else {
        persona_apis(traits.persona).to_vec()
    };
    let denied_share = if shape.learning { 0.12 } else { 0.01 };

    let mut ordinal = 0;
    for login in shape.logins.into_iter().flatten() {
        let mut event = planned(index, day, ordinal, login, Api::ConsoleLogin);
        event.mode = Mode::Login;
        out.push(event);
        ordinal += 1;
    }

    let mut remaining = shape.events;
    let first_call = shape.start_ms + 15 * MS_PER_SECOND;
    let span = (shape.end_ms - first_call).max(MS_PER_MINUTE);
    while remaining > 0 {
        let cli = !shape.console_day || chance(&mut rng, traits.cli_share);
        let size = if cli {
            rng.random_range(1..=4)
        } else {
            rng.random_range(2..=8)
        }
        .min(remaining);
        let mut time = first_call + rng.random_range(0..span);
        // Lunch dip: most bursts drawn into the local noon hour move.
        let local_hour = (time + shape.offset_ms).rem_euclid(clock::MS_PER_DAY) / MS_PER_HOUR;
        if local_hour == 12 && chance(&mut rng, 0.6) {
            time = first_call + rng.random_range(0..span);
        }
        let mode = if cli {
            Mode::Cli
        } else if chance(&mut rng, 0.1) {
            Mode::ConsoleInternal
        } else {
            Mode::Console
        };
        for _ in 0..size {
            time += rng.random_range(80..1500);
            let mut event = planned(index, day, ordinal, time, *pick(&mut rng, &pool));
            event.mode = mode;
            event.denied = chance(&mut rng, denied_share);
            out.push(event);
            ordinal += 1;
        }
        remaining -= size;
    }
}

/// Returns the address a person calls from on `day`: a residential address
/// of their home ISP that changes every few weeks, their cross-border
/// office's on two weekdays in five, or while travelling an address in the
/// city they visit.
pub(crate) fn person_address(context: &Context<'_>, index: u32, day: u32) -> Ipv4Addr {
    let Some(traits) = traits_of(context, index) else {
        return Ipv4Addr::UNSPECIFIED;
    };
    let city = traits.city_on(day);
    if city != traits.home {
        let hash = context.hash(
            Stream::Address,
            &[u64::from(index), u64::from(day), city.index() as u64],
        );
        return city.address(hash);
    }
    if let Some(office) = traits.commute {
        let weekday = clock::weekday(context.start_day + i64::from(day)) < 5;
        let office_day =
            context.hash(Stream::Address, &[u64::from(index), u64::from(day), 1]) % 5 < 2;
        if weekday && office_day {
            // One egress address for everyone at the office.
            return office
                .address(context.hash(Stream::Address, &[u64::MAX, office.index() as u64]));
        }
    }
    let phase = context.hash(Stream::Address, &[u64::from(index)]) % 21;
    let lease = (u64::from(day) + phase) / u64::from(ADDRESS_LEASE_DAYS);
    city.address(context.hash(Stream::Address, &[u64::from(index), lease]))
}

/// The start of a person's working day and the console session they sign
/// in to then, for scenarios that act during it.
pub(crate) struct Workday {
    pub login_ms: i64,
    pub session: RoleSession,
    pub account: u16,
}

/// Returns the person's working day on `day` when they sign in to the
/// console at home that day. Returns `None` on days off, in transit, away
/// or without a console sign-in.
pub(crate) fn person_workday(context: &Context<'_>, index: u32, day: u32) -> Option<Workday> {
    let (shape, _) = day_shape(context, index, day);
    let traits = traits_of(context, index)?;
    if shape.events == 0 || traits.city_on(day) != traits.home {
        return None;
    }
    let login_ms = shape.logins[0]?;
    let session = sso_session(
        context,
        index,
        day,
        shape.account,
        shape.permission_set,
        0,
        login_ms,
    );
    Some(Workday {
        login_ms,
        session,
        account: shape.account,
    })
}

fn laptop(traits: Option<&PersonTraits>) -> Laptop {
    traits.map_or(Laptop::MacOs, |traits| traits.laptop)
}

/// Returns the operating system of a person's laptop.
pub(crate) fn person_laptop(context: &Context<'_>, index: u32) -> Laptop {
    laptop(traits_of(context, index))
}

/// Returns the person's browser user agent, whose version moves every two
/// weeks.
pub(crate) fn person_browser(context: &Context<'_>, index: u32, day: u32) -> String {
    let hash = context.hash(
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day / 14)],
    );
    agents::browser(laptop(traits_of(context, index)), hash)
}

/// Returns an IAM Identity Center session of a person. `number`
/// distinguishes the sessions of one day.
pub(crate) fn sso_session(
    context: &Context<'_>,
    index: u32,
    day: u32,
    account: u16,
    set: PermissionSet,
    number: u64,
    created_ms: i64,
) -> RoleSession {
    let identity = context.identity(index);
    let account_id = context.org.accounts[usize::from(account)].id.clone();
    let role_name = context.org.sso_role_name(context.seed, account, set);
    let role_id = context.role_id(&account_id, &role_name);
    let key_hash = context.hash(
        Stream::SessionKey,
        &[u64::from(index), u64::from(day), number],
    );
    RoleSession {
        account: account_id,
        role_name,
        role_path: "aws-reserved/sso.amazonaws.com",
        role_id,
        session_name: identity.name.clone(),
        access_key: record::temporary_key(key_hash),
        created_ms,
        mfa: false,
        ec2_delivery: false,
        web_identity_provider: None,
    }
}

pub(super) fn resolve(context: &Context<'_>, planned: &Planned, rng: &mut ChaCha8Rng) -> EventSpec {
    let (shape, _) = day_shape(context, planned.actor, planned.day);
    let traits = traits_of(context, planned.actor);
    let index = planned.actor;
    let day = planned.day;

    let (number, created_ms) = match planned.mode {
        Mode::Cli => (2, shape.cli_session_ms),
        _ => match shape.logins {
            [_, Some(second)] if planned.time_ms >= second => (1, second),
            [first, _] => (0, first.unwrap_or(shape.start_ms)),
        },
    };
    let session = sso_session(
        context,
        index,
        day,
        shape.account,
        shape.permission_set,
        number,
        created_ms,
    );
    let account = &context.org.accounts[usize::from(shape.account)];
    let region = match traits {
        Some(traits) if !chance(rng, 0.7) => traits.city_on(day).city().region,
        _ => account.home_region,
    };
    let mut scope = context.scope(index, rng.random_range(0..4));
    scope.account = account.id.clone();
    scope.alias = account.alias.clone();
    scope.environment = account.environment;
    scope.stem = *pick(rng, &names::STEMS);
    scope.function = format!("{}-handler", scope.stem);
    scope.own_name = session.role_name.clone();

    let address = person_address(context, index, day);
    let agent_hash = context.hash(
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day / 14)],
    );
    let (source, user_agent) = match planned.mode {
        Mode::ConsoleInternal => (Source::AwsInternal, "AWS Internal".to_owned()),
        Mode::Cli => {
            let command = agents::cli_command(planned.api.sdk_service(), planned.api.spec().name);
            (
                Source::Address(address),
                agents::aws_cli(laptop(traits), &command, agent_hash),
            )
        }
        _ => (
            Source::Address(address),
            person_browser(context, index, day),
        ),
    };
    let is_login = planned.mode == Mode::Login;
    let (response, additional) = if is_login {
        (
            Some(json!({ "ConsoleLogin": "Success" })),
            Some(json!({
                "LoginTo": format!("https://console.aws.amazon.com/console/home?region={}", region.name()),
                "MobileVersion": "No",
                "MFAUsed": "No",
            })),
        )
    } else {
        (None, None)
    };
    EventSpec {
        time_ms: planned.time_ms,
        account: account.id.clone(),
        region: if is_login { Region::UsEast1 } else { region },
        api: planned.api,
        principal: Principal::AssumedRole(session),
        source,
        user_agent,
        outcome: if planned.denied {
            Outcome::Denied
        } else {
            Outcome::Success
        },
        scope,
        request: None,
        response,
        additional,
        from_console: matches!(planned.mode, Mode::Console | Mode::ConsoleInternal),
        event_id: None,
    }
}
