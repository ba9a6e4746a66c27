//! Lambda execution roles and EC2 instance roles: steady traffic around the
//! clock with a small fixed set of APIs each, on credentials that rotate.

use std::net::Ipv4Addr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Context, Mode, Planned, planned};
use crate::agents::{self, Host};
use crate::api::Api;
use crate::clock::{MS_PER_DAY, MS_PER_HOUR};
use crate::ids::{self, Stream, rng_for};
use crate::population::{ApiSet, Ec2Traits, LambdaTraits, Traits};
use crate::random::{chance, poisson, weighted_index};
use crate::record::{self, EventSpec, Outcome, Principal, RoleSession, Source};

/// How long a Lambda execution environment keeps its credentials.
// NOTE: an estimate; real environments live from minutes to hours.
const LAMBDA_EPOCH_MS: i64 = 4 * MS_PER_HOUR;

/// How often the instance metadata service hands out new role credentials.
// NOTE: an estimate of the usual rotation; AWS documents no fixed period.
const EC2_SLOT_MS: i64 = 6 * MS_PER_HOUR;

/// Share of credential rotations that get an AWS service `AssumeRole`
/// event. Sampled, so that at the default volume AWS service events stay a
/// small share of the traffic.
const SERVICE_ASSUME_SHARE: f64 = 0.15;

/// Weights of an identity's routine APIs in the order of its set: the first
/// is its main call.
const API_WEIGHTS: [f64; 4] = [0.5, 0.25, 0.15, 0.1];

fn pick_api(rng: &mut ChaCha8Rng, apis: &ApiSet) -> Api {
    let apis = apis.as_slice();
    apis[weighted_index(rng, &API_WEIGHTS[..apis.len()])]
}

/// Requests per hour of a customer-facing function, peaking at 16:00 UTC
/// when both European afternoons and American mornings are awake.
fn diurnal_weight(hour: i64) -> f64 {
    let distance = (hour - 16) as f64;
    0.3 + 0.7 * (-(distance * distance) / 32.0).exp()
}

fn time_in_day(rng: &mut ChaCha8Rng, day_start: i64, diurnal: bool) -> i64 {
    loop {
        let offset = rng.random_range(0..MS_PER_DAY);
        if !diurnal || chance(rng, diurnal_weight(offset / MS_PER_HOUR)) {
            return day_start + offset;
        }
    }
}

fn lambda_traits<'a>(context: &Context<'a>, index: u32) -> Option<&'a LambdaTraits> {
    match &context.identity(index).traits {
        Traits::Lambda(traits) => Some(traits),
        _ => None,
    }
}

fn ec2_traits<'a>(context: &Context<'a>, index: u32) -> Option<&'a Ec2Traits> {
    match &context.identity(index).traits {
        Traits::Ec2(traits) => Some(traits),
        _ => None,
    }
}

/// Plans an `AssumeRole` of an AWS service for the role `role_index`.
fn service_assume(
    service: u32,
    role_index: u32,
    day: u32,
    ordinal: u32,
    time_ms: i64,
    slot: u8,
) -> Planned {
    let mut event = planned(service, day, ordinal, time_ms, Api::StsAssumeRole);
    event.mode = Mode::ServiceAssume;
    event.detail = role_index;
    event.slot = slot;
    event
}

pub(super) fn plan_lambda(context: &Context<'_>, index: u32, day: u32, out: &mut Vec<Planned>) {
    let identity = context.identity(index);
    let Some(traits) = lambda_traits(context, index) else {
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
    let mean = identity.rate * rng.random_range(0.8..1.2);
    let count = poisson(&mut rng, mean);

    let day_start = context.day_start(day);
    let mut active_epochs = [false; (MS_PER_DAY / LAMBDA_EPOCH_MS) as usize];
    let mut ordinal = 0;
    for _ in 0..count {
        let time = time_in_day(&mut rng, day_start, traits.diurnal);
        active_epochs[((time - day_start) / LAMBDA_EPOCH_MS) as usize] = true;
        out.push(planned(
            index,
            day,
            ordinal,
            time,
            pick_api(&mut rng, &traits.apis),
        ));
        ordinal += 1;
    }

    // Credential rotations of the day, some of them logged as the AWS
    // service assuming the role.
    let Some(service) = context.service_index("lambda.amazonaws.com") else {
        return;
    };
    for (epoch, active) in active_epochs.iter().enumerate() {
        if *active && chance(&mut rng, SERVICE_ASSUME_SHARE) {
            let time = day_start + epoch as i64 * LAMBDA_EPOCH_MS;
            out.push(service_assume(service, index, day, ordinal, time, 0));
            ordinal += 1;
        }
    }
}

pub(super) fn plan_ec2(context: &Context<'_>, index: u32, day: u32, out: &mut Vec<Planned>) {
    let identity = context.identity(index);
    let Some(traits) = ec2_traits(context, index) else {
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
    let mean = identity.rate * rng.random_range(0.85..1.15);
    let count = poisson(&mut rng, mean);

    let day_start = context.day_start(day);
    let instances = traits.instances.max(1);
    let slots_per_day = (MS_PER_DAY / EC2_SLOT_MS) as usize;
    let mut active = vec![false; usize::from(instances) * slots_per_day];
    let mut ordinal = 0;
    for _ in 0..count {
        let time = time_in_day(&mut rng, day_start, false);
        let instance = rng.random_range(0..instances);
        let slot = ((time - day_start) / EC2_SLOT_MS) as usize;
        active[usize::from(instance) * slots_per_day + slot] = true;
        let mut event = planned(index, day, ordinal, time, pick_api(&mut rng, &traits.apis));
        event.slot = instance;
        out.push(event);
        ordinal += 1;
    }

    // Credential rotations of the day, some of them logged as the AWS
    // service assuming the role.
    let Some(service) = context.service_index("ec2.amazonaws.com") else {
        return;
    };
    for (position, used) in active.iter().enumerate() {
        if *used && chance(&mut rng, SERVICE_ASSUME_SHARE) {
            let instance = (position / slots_per_day) as u8;
            let slot = (position % slots_per_day) as i64;
            let time = day_start + slot * EC2_SLOT_MS;
            out.push(service_assume(service, index, day, ordinal, time, instance));
            ordinal += 1;
        }
    }
}

/// Returns the session of a Lambda role at `time_ms`: named after the
/// function, with credentials of the execution environment's epoch.
pub(crate) fn lambda_session(context: &Context<'_>, index: u32, time_ms: i64) -> RoleSession {
    let identity = context.identity(index);
    let account = context.org.account_of(identity);
    let epoch = time_ms.div_euclid(LAMBDA_EPOCH_MS);
    let function = lambda_traits(context, index)
        .map_or_else(|| identity.name.clone(), |traits| traits.function.clone());
    RoleSession {
        account: account.id.clone(),
        role_name: identity.name.clone(),
        role_path: "",
        role_id: context.role_id(&account.id, &identity.name),
        session_name: function,
        access_key: record::temporary_key(
            context.hash(Stream::SessionKey, &[u64::from(index), epoch as u64]),
        ),
        created_ms: epoch * LAMBDA_EPOCH_MS,
        mfa: false,
        ec2_delivery: false,
        web_identity_provider: None,
    }
}

/// Returns the session of an EC2 instance role on instance number
/// `instance` at `time_ms`, as the instance metadata service delivered it.
pub(crate) fn ec2_session(
    context: &Context<'_>,
    index: u32,
    instance: u8,
    time_ms: i64,
) -> RoleSession {
    let identity = context.identity(index);
    let account = context.org.account_of(identity);
    let slot = time_ms.div_euclid(EC2_SLOT_MS);
    let instance_id = ids::instance_id(
        context.hash(Stream::InstanceId, &[u64::from(index), u64::from(instance)]),
    );
    RoleSession {
        account: account.id.clone(),
        role_name: identity.name.clone(),
        role_path: "",
        role_id: context.role_id(&account.id, &identity.name),
        session_name: instance_id,
        access_key: record::temporary_key(context.hash(
            Stream::SessionKey,
            &[u64::from(index), u64::from(instance), slot as u64],
        )),
        created_ms: slot * EC2_SLOT_MS,
        mfa: false,
        ec2_delivery: true,
        web_identity_provider: None,
    }
}

/// Returns the source address of a Lambda function at `time_ms`: a NAT
/// gateway of the account for functions in a VPC, otherwise an address of
/// the region that changes with the execution environment.
pub(crate) fn lambda_address(context: &Context<'_>, index: u32, time_ms: i64) -> Ipv4Addr {
    let identity = context.identity(index);
    let account = context.org.account_of(identity);
    let epoch = time_ms.div_euclid(LAMBDA_EPOCH_MS) as u64;
    match lambda_traits(context, index) {
        Some(traits) if traits.in_vpc => account.nat_address(identity.region, epoch),
        _ => identity
            .region
            .aws_address(context.hash(Stream::Address, &[u64::from(index), epoch])),
    }
}

/// Returns the public address of an EC2 instance: its own in a public
/// subnet, the account's NAT gateway in a private one.
pub(crate) fn ec2_address(context: &Context<'_>, index: u32, instance: u8) -> Ipv4Addr {
    let identity = context.identity(index);
    let account = context.org.account_of(identity);
    match ec2_traits(context, index) {
        Some(traits) if traits.private_subnet => {
            account.nat_address(identity.region, u64::from(instance))
        }
        _ => identity
            .region
            .aws_address(context.hash(Stream::Address, &[u64::from(index), u64::from(instance)])),
    }
}

/// Returns the SDK user agent of a workload, whose versions move every 30
/// days.
fn workload_agent(
    context: &Context<'_>,
    index: u32,
    day: u32,
    sdk: agents::Sdk,
    host: Host,
    api: Api,
) -> String {
    let hash = context.hash(
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day / 30)],
    );
    agents::sdk(sdk, host, api.sdk_service(), hash)
}

fn routine_spec(
    context: &Context<'_>,
    planned: &Planned,
    session: RoleSession,
    address: Ipv4Addr,
    user_agent: String,
    rng: &mut ChaCha8Rng,
) -> EventSpec {
    let identity = context.identity(planned.actor);
    // Each workload reads one or two secrets of its own.
    let scope = context.scope(planned.actor, rng.random_range(0..2));
    EventSpec {
        time_ms: planned.time_ms,
        account: session.account.clone(),
        region: identity.region,
        api: planned.api,
        principal: Principal::AssumedRole(session),
        source: Source::Address(address),
        user_agent,
        outcome: Outcome::Success,
        scope,
        request: None,
        response: None,
        additional: None,
        from_console: false,
        event_id: None,
    }
}

pub(super) fn resolve_lambda(
    context: &Context<'_>,
    planned: &Planned,
    rng: &mut ChaCha8Rng,
) -> EventSpec {
    let index = planned.actor;
    let session = lambda_session(context, index, planned.time_ms);
    let traits = lambda_traits(context, index);
    let address = lambda_address(context, index, planned.time_ms);
    let sdk = traits.map_or(agents::Sdk::Boto3, |traits| traits.sdk);
    let user_agent = workload_agent(context, index, planned.day, sdk, Host::Lambda, planned.api);
    let mut spec = routine_spec(context, planned, session, address, user_agent, rng);
    if let Some(traits) = traits {
        spec.scope.function = traits.function.clone();
    }
    spec
}

pub(super) fn resolve_ec2(
    context: &Context<'_>,
    planned: &Planned,
    rng: &mut ChaCha8Rng,
) -> EventSpec {
    let index = planned.actor;
    let session = ec2_session(context, index, planned.slot, planned.time_ms);
    let address = ec2_address(context, index, planned.slot);
    let sdk = ec2_traits(context, index).map_or(agents::Sdk::Java, |traits| traits.sdk);
    let user_agent = workload_agent(context, index, planned.day, sdk, Host::Ec2, planned.api);
    routine_spec(context, planned, session, address, user_agent, rng)
}

/// Returns the session an AWS service created for a role when it assumed
/// it.
pub(crate) fn assumed_session(context: &Context<'_>, planned: &Planned) -> Option<RoleSession> {
    match &context.identity(planned.detail).traits {
        Traits::Lambda(_) => Some(lambda_session(context, planned.detail, planned.time_ms)),
        Traits::Ec2(_) => Some(ec2_session(
            context,
            planned.detail,
            planned.slot,
            planned.time_ms,
        )),
        _ => None,
    }
}
