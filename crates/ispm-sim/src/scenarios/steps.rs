//! Helpers shared by the scenario builders: the detectors each kind
//! expects, attacker addresses and agents, and event construction.

use std::net::Ipv4Addr;

use rand::Rng;

use super::{Outline, Planner};
use crate::agents::{self, Sdk};
use crate::api::Api;
use crate::clock::{MS_PER_HOUR, MS_PER_SECOND};
use crate::net::{ATTACKER_HOSTING_PREFIXES, Region};
use crate::params::Scope;
use crate::population::Traits;
use crate::record::{EventSpec, Outcome, Principal, Source};
use crate::traffic::Context;

pub(super) const LEAKED_KEY_DETECTORS: &[&str] = &["first_seen", "new_asn", "new_country"];
pub(super) const STOLEN_SESSION_DETECTORS: &[&str] =
    &["first_seen", "new_asn", "instance_credential_exfiltration"];
pub(super) const ESCALATION_DETECTORS: &[&str] =
    &["privilege_grant", "credential_for_other_identity"];
pub(super) const ENUMERATION_DETECTORS: &[&str] = &["enumeration_burst", "access_denied_burst"];
pub(super) const LOGGING_DETECTORS: &[&str] = &["logging_tampering"];
pub(super) const DORMANT_DETECTORS: &[&str] = &["dormant_credential_reuse"];
pub(super) const HUMAN_USE_DETECTORS: &[&str] =
    &["non_human_console_login", "human_use_of_nhi", "first_seen"];
pub(super) const SCOPE_DRIFT_DETECTORS: &[&str] =
    &["first_seen", "ai_agent_scope_drift", "secret_access_burst"];
pub(super) const ROOT_DETECTORS: &[&str] = &["root_account_used"];
pub(super) const IMPOSSIBLE_TRAVEL_DETECTORS: &[&str] = &["atypical_travel", "first_seen"];
pub(super) const EXFILTRATION_DETECTORS: &[&str] = &["volume_spike"];

/// Days without use after which a key counts as dormant.
pub(super) const DORMANT_DAYS: u32 = 45;

pub(super) const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// Builds a spec with the fields every scenario event sets.
#[allow(clippy::too_many_arguments)]
pub(super) fn spec(
    time_ms: i64,
    scope: &Scope,
    region: Region,
    api: Api,
    principal: &Principal,
    source: Source,
    user_agent: &str,
    outcome: Outcome,
) -> EventSpec {
    EventSpec {
        time_ms,
        account: scope.account.clone(),
        region,
        api,
        principal: principal.clone(),
        source,
        user_agent: user_agent.to_owned(),
        outcome,
        scope: scope.clone(),
        request: None,
        response: None,
        additional: None,
        from_console: false,
        event_id: None,
    }
}

/// Returns the user agent of a tool whose family (the product before the
/// version) differs from the victim's SDK, as an attacker's own tool does.
pub(super) fn attacker_agent(planner: &mut Planner<'_>, victim: Option<Sdk>) -> String {
    loop {
        let agent = agents::attacker_tool(planner.rng.random());
        let clash = victim == Some(Sdk::Boto3) && agent.starts_with("Boto3");
        if !clash {
            return agent;
        }
    }
}

pub(super) fn attacker_address(planner: &mut Planner<'_>, instance: usize) -> Ipv4Addr {
    let prefix = ATTACKER_HOSTING_PREFIXES[instance % ATTACKER_HOSTING_PREFIXES.len()];
    prefix.address(planner.rng.random())
}

pub(super) fn sdk_of(context: &Context<'_>, index: u32) -> Option<Sdk> {
    match &context.identity(index).traits {
        Traits::ServiceUser(traits) => Some(traits.sdk),
        Traits::Ec2(traits) => Some(traits.sdk),
        Traits::Lambda(traits) => Some(traits.sdk),
        Traits::AiAgent(traits) => Some(traits.sdk),
        _ => None,
    }
}

/// Draws a time on `day` between `from_hour` and `to_hour` UTC.
pub(super) fn time_on(planner: &mut Planner<'_>, day: u32, from_hour: i64, to_hour: i64) -> i64 {
    planner.context.day_start(day)
        + planner
            .rng
            .random_range(from_hour * MS_PER_HOUR..to_hour * MS_PER_HOUR)
}

pub(super) fn gap(planner: &mut Planner<'_>, from_seconds: i64, to_seconds: i64) -> i64 {
    planner
        .rng
        .random_range(from_seconds * MS_PER_SECOND..to_seconds * MS_PER_SECOND)
}

pub(super) fn identity_outline(
    context: &Context<'_>,
    index: u32,
    expected: &'static [&'static str],
    description: String,
) -> Outline {
    let identity = context.identity(index);
    Outline {
        identity: context.org.canonical_id(identity),
        account_id: context.org.account_of(identity).id.clone(),
        expected,
        description,
    }
}
