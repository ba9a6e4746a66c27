//! Routine traffic: each identity type plans its events of a day as compact
//! [`Planned`] entries and later resolves one entry into an [`EventSpec`].
//!
//! Planning and resolving draw from separate random streams: a day's plan
//! comes from the identity-day stream, the details of one event from its
//! own event stream. An event can therefore be rendered without replaying
//! anything before it, and a day holds only 32 bytes per planned event.

mod agent;
mod ci;
mod person;
mod service;
mod service_user;
mod workload;

use rand_chacha::ChaCha8Rng;

use crate::api::Api;
use crate::clock::{MS_PER_DAY, MS_PER_HOUR};
use crate::ids::{self, Stream, derive};
use crate::params::Scope;
use crate::population::{Identity, IdentityType, Organisation};
use crate::record::EventSpec;

pub(crate) use agent::{agent_address, agent_scope, agent_session, agent_user_agent};
pub(crate) use person::{
    person_address, person_browser, person_laptop, person_workday, sso_session,
};
pub(crate) use service_user::{
    service_user_address, service_user_agent, service_user_key, service_user_principal,
};
pub(crate) use workload::{ec2_address, ec2_session, lambda_address, lambda_session};

/// Events of a plan day lie at or after the day's midnight UTC minus this
/// lead. People plan their local day, and the easternmost simulated time
/// zone (India, UTC+5:30) starts 5.5 hours before midnight UTC.
pub(crate) const PLAN_LEAD_MS: i64 = 6 * MS_PER_HOUR;

/// How an event is made, which decides its principal, source and agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A workload's routine call.
    Routine,
    /// A person's call from the console in a browser.
    Console,
    /// A console call that the console's back end makes (`AWS Internal`).
    ConsoleInternal,
    /// A person's call from the AWS CLI.
    Cli,
    /// A console sign-in.
    Login,
    /// A CI run's `AssumeRoleWithWebIdentity`.
    OidcLogin,
    /// An AWS service assuming a workload's role; `detail` is the role's
    /// identity index.
    ServiceAssume,
    /// An injected scenario event; `detail` indexes the scenario events.
    Scenario,
}

/// One planned event. `detail` and `slot` carry what the identity type
/// needs to resolve it again: the CI run and its offset, the EC2 instance,
/// the role an AWS service assumed, or the scenario event.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Planned {
    pub time_ms: i64,
    pub actor: u32,
    pub detail: u32,
    pub day: u32,
    pub ordinal: u32,
    pub api: Api,
    pub mode: Mode,
    pub slot: u8,
    pub denied: bool,
}

impl Planned {
    /// Sort key; unique, so sorting is deterministic.
    pub(crate) fn sort_key(&self) -> (i64, u32, u32, u32, u32) {
        (
            self.time_ms,
            self.actor,
            self.detail,
            self.day,
            self.ordinal,
        )
    }

    /// Returns the random stream of this event's details.
    pub(crate) fn rng(&self, seed: u64) -> ChaCha8Rng {
        ids::rng_for(
            seed,
            Stream::Event,
            &[
                u64::from(self.actor),
                u64::from(self.day),
                u64::from(self.ordinal),
                u64::from(self.detail),
            ],
        )
    }
}

/// Read-only view of the organisation and the simulated period.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub seed: u64,
    pub org: &'a Organisation,
    /// Midnight UTC of day 0, in milliseconds since the epoch.
    pub start_ms: i64,
    pub days: u32,
    /// Days since 1970-01-01 of day 0.
    pub start_day: i64,
}

impl<'a> Context<'a> {
    pub(crate) fn day_start(&self, day: u32) -> i64 {
        self.start_ms + i64::from(day) * MS_PER_DAY
    }

    pub(crate) fn identity(&self, index: u32) -> &'a Identity {
        &self.org.identities[index as usize]
    }

    /// Returns the resource names of an identity, with `variant` choosing
    /// among its resources of one kind.
    pub(crate) fn scope(&self, index: u32, variant: u32) -> Scope {
        let identity = self.identity(index);
        let account = self.org.account_of(identity);
        Scope {
            account: account.id.clone(),
            alias: account.alias.clone(),
            environment: account.environment,
            stem: identity.stem,
            function: format!("{}-api", identity.stem),
            own_name: identity.name.clone(),
            model: "",
            variant,
        }
    }

    /// Hashes the seed and indices, for stable per-identity facts.
    pub(crate) fn hash(&self, stream: Stream, parts: &[u64]) -> u64 {
        derive(self.seed, stream, parts)
    }

    /// Returns the role id (`AROA...`) of the role with this account and
    /// name.
    pub(crate) fn role_id(&self, account: &str, role_name: &str) -> String {
        let hash = self.hash(
            Stream::PrincipalId,
            &[
                crate::params::hash_text(account),
                crate::params::hash_text(role_name),
            ],
        );
        ids::aws_unique_id("AROA", 17, hash)
    }

    /// Returns the AWS service identity with the given principal, if the
    /// population has it.
    pub(crate) fn service_index(&self, principal: &str) -> Option<u32> {
        self.org.services.get(principal).copied()
    }
}

/// Appends the routine events of identity `index` planned for `day`.
pub(crate) fn plan_day(context: &Context<'_>, index: u32, day: u32, out: &mut Vec<Planned>) {
    let identity = context.identity(index);
    if day < identity.first_day {
        return;
    }
    match identity.kind {
        IdentityType::Person => person::plan(context, index, day, out),
        IdentityType::CiCdRole => ci::plan(context, index, day, out),
        IdentityType::LambdaRole => workload::plan_lambda(context, index, day, out),
        IdentityType::Ec2InstanceRole => workload::plan_ec2(context, index, day, out),
        IdentityType::ServiceUser => service_user::plan(context, index, day, out),
        IdentityType::AiAgent => agent::plan(context, index, day, out),
        IdentityType::AwsService => service::plan(context, index, day, out),
    }
}

/// Resolves a routine planned event (any mode but [`Mode::Scenario`]).
pub(crate) fn resolve(context: &Context<'_>, planned: &Planned, rng: &mut ChaCha8Rng) -> EventSpec {
    if planned.mode == Mode::ServiceAssume {
        return service::resolve_assume(context, planned, rng);
    }
    let identity = context.identity(planned.actor);
    match identity.kind {
        IdentityType::Person => person::resolve(context, planned, rng),
        IdentityType::CiCdRole => ci::resolve(context, planned, rng),
        IdentityType::LambdaRole => workload::resolve_lambda(context, planned, rng),
        IdentityType::Ec2InstanceRole => workload::resolve_ec2(context, planned, rng),
        IdentityType::ServiceUser => service_user::resolve(context, planned, rng),
        IdentityType::AiAgent => agent::resolve(context, planned, rng),
        IdentityType::AwsService => service::resolve(context, planned, rng),
    }
}

/// Builds a planned event of `actor` with the common fields set.
pub(crate) fn planned(actor: u32, day: u32, ordinal: u32, time_ms: i64, api: Api) -> Planned {
    Planned {
        time_ms,
        actor,
        detail: 0,
        day,
        ordinal,
        api,
        mode: Mode::Routine,
        slot: 0,
        denied: false,
    }
}
