//! AI agents: roles whose conversations call a Bedrock model and a few
//! tools, from tasks on ECS Fargate behind the account's NAT gateways.

use std::net::Ipv4Addr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{Context, Planned, planned};
use crate::agents::{self, Host, Sdk};
use crate::api::Api;
use crate::clock::{MS_PER_DAY, MS_PER_HOUR, MS_PER_SECOND};
use crate::ids::{self, Stream, rng_for};
use crate::population::{AiAgentTraits, Traits};
use crate::random::{chance, pick, poisson};
use crate::record::{self, EventSpec, Outcome, Principal, RoleSession, Source};

/// How long one Fargate task, and so one role session, serves the agent.
// NOTE: an estimate; tasks are replaced on deployments and scaling.
const TASK_EPOCH_MS: i64 = 12 * MS_PER_HOUR;

/// Calls per conversation on average: two model calls and about one tool.
const CALLS_PER_CONVERSATION: f64 = 3.0;

fn traits_of<'a>(context: &Context<'a>, index: u32) -> Option<&'a AiAgentTraits> {
    match &context.identity(index).traits {
        Traits::AiAgent(traits) => Some(traits),
        _ => None,
    }
}

/// Conversations per hour of day (UTC), busiest in European and American
/// business hours.
fn hourly_weight(hour: i64) -> f64 {
    if (8..22).contains(&hour) { 1.0 } else { 0.25 }
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
    let day_start = context.day_start(day);
    let mean = identity.rate * rng.random_range(0.8..1.2) / CALLS_PER_CONVERSATION;
    let conversations = poisson(&mut rng, mean);
    let mut ordinal = 0;
    for _ in 0..conversations {
        let mut time = loop {
            let offset = rng.random_range(0..MS_PER_DAY);
            if chance(&mut rng, hourly_weight(offset / MS_PER_HOUR)) {
                break day_start + offset;
            }
        };
        let mut calls = vec![Api::BedrockInvokeModel];
        for _ in 0..rng.random_range(0..=2) {
            calls.push(*pick(&mut rng, traits.tools.as_slice()));
        }
        if chance(&mut rng, 0.7) {
            calls.push(Api::BedrockInvokeModel);
        }
        for api in calls {
            out.push(planned(index, day, ordinal, time, api));
            ordinal += 1;
            time += rng.random_range(MS_PER_SECOND..8 * MS_PER_SECOND);
        }
    }
}

/// Returns the role session of the agent's task at `time_ms`. Its name is
/// the task id, as the ECS agent names task role sessions.
pub(crate) fn agent_session(context: &Context<'_>, index: u32, time_ms: i64) -> RoleSession {
    let identity = context.identity(index);
    let account = context.org.account_of(identity);
    let epoch = time_ms.div_euclid(TASK_EPOCH_MS) as u64;
    let task = context.hash(Stream::SessionName, &[u64::from(index), epoch]);
    RoleSession {
        account: account.id.clone(),
        role_name: identity.name.clone(),
        role_path: "",
        role_id: context.role_id(&account.id, &identity.name),
        session_name: ids::hex_digits(32, task),
        access_key: record::temporary_key(
            context.hash(Stream::SessionKey, &[u64::from(index), epoch]),
        ),
        created_ms: epoch as i64 * TASK_EPOCH_MS,
        mfa: false,
        ec2_delivery: false,
        web_identity_provider: None,
    }
}

/// Returns the agent's source address, a NAT gateway of its account.
pub(crate) fn agent_address(context: &Context<'_>, index: u32) -> Ipv4Addr {
    let identity = context.identity(index);
    let account = context.org.account_of(identity);
    account.nat_address(identity.region, u64::from(index))
}

/// Returns the agent's SDK user agent, whose versions move monthly.
pub(crate) fn agent_user_agent(context: &Context<'_>, index: u32, day: u32, api: Api) -> String {
    let sdk = traits_of(context, index).map_or(Sdk::Boto3, |traits| traits.sdk);
    let hash = context.hash(
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day / 30)],
    );
    agents::sdk(sdk, Host::Fargate, api.sdk_service(), hash)
}

/// Returns the resource names of an agent, with its model.
pub(crate) fn agent_scope(context: &Context<'_>, index: u32, variant: u32) -> crate::params::Scope {
    let mut scope = context.scope(index, variant);
    scope.model = traits_of(context, index).map_or("", |traits| traits.model);
    scope
}

pub(super) fn resolve(context: &Context<'_>, planned: &Planned, rng: &mut ChaCha8Rng) -> EventSpec {
    let index = planned.actor;
    let identity = context.identity(index);
    let session = agent_session(context, index, planned.time_ms);
    EventSpec {
        time_ms: planned.time_ms,
        account: session.account.clone(),
        region: identity.region,
        api: planned.api,
        principal: Principal::AssumedRole(session),
        source: Source::Address(agent_address(context, index)),
        user_agent: agent_user_agent(context, index, planned.day, planned.api),
        outcome: Outcome::Success,
        scope: agent_scope(context, index, rng.random_range(0..2)),
        request: None,
        response: None,
        additional: None,
        from_console: false,
        event_id: None,
    }
}
