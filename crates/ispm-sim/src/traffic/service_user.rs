//! IAM users with long-term access keys, run by scheduled jobs on
//! on-premises or partner hosts.

use std::net::Ipv4Addr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Context, Planned, planned};
use crate::agents::{self, Host, Sdk};
use crate::api::Api;
use crate::clock::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};
use crate::ids::{self, Stream, rng_for};
use crate::net::PARTNER_HOSTING_PREFIXES;
use crate::params::hash_text;
use crate::population::{Schedule, ServiceUserTraits, Traits};
use crate::random::poisson;
use crate::record::{EventSpec, Outcome, Principal, Source};

fn traits_of<'a>(context: &Context<'a>, index: u32) -> Option<&'a ServiceUserTraits> {
    match &context.identity(index).traits {
        Traits::ServiceUser(traits) => Some(traits),
        _ => None,
    }
}

/// Start times of the job's runs in a day, as offsets from midnight UTC.
fn run_offsets(schedule: Schedule) -> Vec<i64> {
    match schedule {
        Schedule::EveryFifteenMinutes => (0..96).map(|run| run * 15 * MS_PER_MINUTE).collect(),
        Schedule::Hourly { minute } => (0..24)
            .map(|hour| hour * MS_PER_HOUR + minute * MS_PER_MINUTE)
            .collect(),
        Schedule::Daily { minute_of_day } => vec![minute_of_day * MS_PER_MINUTE],
    }
}

pub(super) fn plan(context: &Context<'_>, index: u32, day: u32, out: &mut Vec<Planned>) {
    let identity = context.identity(index);
    let Some(traits) = traits_of(context, index) else {
        return;
    };
    if day > identity.last_day {
        return;
    }
    let mut rng = rng_for(
        context.seed,
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day)],
    );
    let runs = run_offsets(traits.schedule);
    let per_run = identity.rate * rng.random_range(0.9..1.1) / runs.len() as f64;
    let apis = traits.apis.as_slice();
    let day_start = context.day_start(day);
    let mut ordinal = 0;
    for offset in runs {
        let calls = poisson(&mut rng, per_run);
        // Cron jobs start a few seconds late and run in call order.
        let mut time = day_start + offset + rng.random_range(0..40 * MS_PER_SECOND);
        for call in 0..calls {
            time += rng.random_range(50..2500);
            if time >= day_start + MS_PER_DAY {
                break;
            }
            let api = apis[(call as usize + ordinal as usize) % apis.len()];
            out.push(planned(index, day, ordinal, time, api));
            ordinal += 1;
        }
    }
}

/// Returns the long-term access key id (`AKIA...`) of a service user.
pub(crate) fn service_user_key(context: &Context<'_>, index: u32) -> String {
    ids::aws_unique_id(
        "AKIA",
        16,
        context.hash(Stream::AccessKey, &[u64::from(index)]),
    )
}

/// Returns the `IAMUser` principal of a service user, with its access key
/// or, for console sign-ins, without one.
pub(crate) fn service_user_principal(
    context: &Context<'_>,
    index: u32,
    with_key: bool,
) -> Principal {
    let identity = context.identity(index);
    let account = context.org.account_of(identity).id.clone();
    let user_id = ids::aws_unique_id(
        "AIDA",
        17,
        context.hash(
            Stream::PrincipalId,
            &[hash_text(&account), hash_text(&identity.name)],
        ),
    );
    Principal::IamUser {
        account,
        user_name: identity.name.clone(),
        user_id,
        access_key: with_key.then(|| service_user_key(context, index)),
        console_session: None,
    }
}

/// Returns the address of one of the two hosts a service user's jobs run
/// on.
pub(crate) fn service_user_address(context: &Context<'_>, index: u32, host: u64) -> Ipv4Addr {
    let prefix = traits_of(context, index).map_or(0, |traits| usize::from(traits.prefix));
    let prefix = PARTNER_HOSTING_PREFIXES[prefix % PARTNER_HOSTING_PREFIXES.len()];
    prefix.address(context.hash(Stream::Address, &[u64::from(index), host]))
}

/// Returns the SDK user agent of a service user's jobs, whose versions move
/// monthly.
pub(crate) fn service_user_agent(context: &Context<'_>, index: u32, day: u32, api: Api) -> String {
    let sdk = traits_of(context, index).map_or(Sdk::Boto3, |traits| traits.sdk);
    let hash = context.hash(
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day / 30)],
    );
    agents::sdk(sdk, Host::OnPremises, api.sdk_service(), hash)
}

pub(super) fn resolve(context: &Context<'_>, planned: &Planned, rng: &mut ChaCha8Rng) -> EventSpec {
    let index = planned.actor;
    let identity = context.identity(index);
    let principal = service_user_principal(context, index, true);
    let host = rng.random_range(0..2);
    EventSpec {
        time_ms: planned.time_ms,
        account: context.org.account_of(identity).id.clone(),
        region: identity.region,
        api: planned.api,
        principal,
        source: Source::Address(service_user_address(context, index, host)),
        user_agent: service_user_agent(context, index, planned.day, planned.api),
        outcome: Outcome::Success,
        scope: context.scope(index, rng.random_range(0..3)),
        request: None,
        response: None,
        additional: None,
        from_console: false,
        event_id: None,
    }
}
