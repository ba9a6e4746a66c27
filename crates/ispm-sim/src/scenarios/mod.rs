//! Labelled attack scenarios injected into the routine traffic.
//!
//! Scenarios are planned once, when the simulator is built: every event is
//! resolved in advance so that its label can list its event id. They fall
//! on the last two thirds of the period (days 20 to 60 of the default run),
//! so every identity has a baseline before it is attacked, and each
//! scenario takes an identity no other scenario uses.

mod credential_misuse;
mod escalation;
mod exfiltration;
mod steps;
mod travel;

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::clock::{self, MS_PER_DAY};
use crate::ids::{self, Stream, rng_for};
use crate::population::IdentityType;
use crate::record::EventSpec;
use crate::traffic::Context;

/// The kind of an injected scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// A service user's access key used from a hosting provider with a new
    /// user agent for discovery calls.
    LeakedAccessKey,
    /// An EC2 instance role session's temporary key used from outside AWS.
    StolenInstanceCredentials,
    /// An identity grants itself administrator rights, then creates an
    /// access key for another user.
    PrivilegeEscalationChain,
    /// A compromised role walks 30 or more List, Describe and Get APIs in a
    /// few minutes, many of them denied.
    Enumeration,
    /// CloudTrail logging stopped, deleted or reduced.
    LoggingTampering,
    /// A service user's key, unused for 45 days or more, used again.
    DormantKeyReuse,
    /// A person uses a service user: console sign-ins with its password and
    /// calls with its key from their home address and browser.
    HumanUsesServiceKey,
    /// An AI agent's role calls IAM and Secrets Manager, which it never
    /// used before.
    AiAgentScopeDrift,
    /// A root user sign-in with MFA, as a break-glass procedure does it.
    BreakGlassRootLogin,
    /// A person's console session used from a city thousands of kilometres
    /// from their home within an hour of their sign-in there.
    ImpossibleTravel,
    /// A service user's key makes its usual calls from its usual host about
    /// once a minute for a whole day, many times its usual daily volume.
    SlowExfiltration,
}

impl ScenarioKind {
    pub const ALL: [ScenarioKind; 11] = [
        ScenarioKind::LeakedAccessKey,
        ScenarioKind::StolenInstanceCredentials,
        ScenarioKind::PrivilegeEscalationChain,
        ScenarioKind::Enumeration,
        ScenarioKind::LoggingTampering,
        ScenarioKind::DormantKeyReuse,
        ScenarioKind::HumanUsesServiceKey,
        ScenarioKind::AiAgentScopeDrift,
        ScenarioKind::BreakGlassRootLogin,
        ScenarioKind::ImpossibleTravel,
        ScenarioKind::SlowExfiltration,
    ];

    /// Returns the kind's name as labels spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioKind::LeakedAccessKey => "leaked_access_key",
            ScenarioKind::StolenInstanceCredentials => "stolen_instance_credentials",
            ScenarioKind::PrivilegeEscalationChain => "privilege_escalation_chain",
            ScenarioKind::Enumeration => "enumeration",
            ScenarioKind::LoggingTampering => "logging_tampering",
            ScenarioKind::DormantKeyReuse => "dormant_key_reuse",
            ScenarioKind::HumanUsesServiceKey => "human_uses_service_key",
            ScenarioKind::AiAgentScopeDrift => "ai_agent_scope_drift",
            ScenarioKind::BreakGlassRootLogin => "break_glass_root_login",
            ScenarioKind::ImpossibleTravel => "impossible_travel",
            ScenarioKind::SlowExfiltration => "slow_exfiltration",
        }
    }
}

/// One injected scenario with its ground truth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioLabel {
    /// `{kind}-{n}`, e.g. `leaked_access_key-1`.
    pub id: String,
    pub kind: ScenarioKind,
    /// Canonical id of the identity every event of the scenario is
    /// attributed to.
    pub identity: String,
    pub account_id: String,
    /// Time of the first and last event, RFC 3339.
    pub start: String,
    pub end: String,
    pub start_millis: i64,
    pub end_millis: i64,
    /// `eventID`s of the scenario's events, in time order.
    pub event_ids: Vec<String>,
    /// Detector ids expected to fire on these events; names of detectors
    /// ispm does not have yet are proposals.
    pub expected_detectors: Vec<String>,
    pub description: String,
}

/// The scenario a record belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioLabelRef {
    pub scenario_id: String,
    pub kind: ScenarioKind,
}

/// A resolved scenario event; `label` is `None` for unlabelled set-up
/// events, such as the last routine use of a key before it goes dormant.
#[derive(Clone, Debug)]
pub(crate) struct ScenarioEvent {
    pub spec: EventSpec,
    pub label: Option<u32>,
}

/// Every scenario of a run.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScenarioPlan {
    pub labels: Vec<ScenarioLabel>,
    pub events: Vec<ScenarioEvent>,
    /// Indices into `events` by the simulated day they fall on.
    pub by_day: BTreeMap<u32, Vec<u32>>,
    /// Service users whose routine traffic stops for a dormancy scenario,
    /// with their last active day.
    pub dormant: Vec<(u32, u32)>,
}

/// Scenarios of each kind: one per 500 identities, at least 1 and at most
/// 100, so a 2,000-identity run has 4 of each.
fn instances_per_kind(identities: usize) -> usize {
    (identities / 500).clamp(1, 100)
}

/// Plans the scenarios of a run.
pub(crate) fn plan(context: &Context<'_>) -> ScenarioPlan {
    let days = context.days;
    let first_day = (days / 3).min(20);
    let mut by_type: BTreeMap<IdentityType, Vec<u32>> = BTreeMap::new();
    for (index, identity) in context.org.identities.iter().enumerate() {
        by_type.entry(identity.kind).or_default().push(index as u32);
    }
    let mut planner = Planner {
        context: *context,
        rng: rng_for(context.seed, Stream::Scenario, &[]),
        used: BTreeSet::new(),
        by_type,
        plan: ScenarioPlan::default(),
        window: (first_day, days),
    };
    let per_kind = instances_per_kind(context.org.identities.len());
    for kind in ScenarioKind::ALL {
        let count = if kind == ScenarioKind::BreakGlassRootLogin {
            // One or two over a 60-day run, as break-glass access should be.
            if days >= 30 { 2 } else { 1 }
        } else {
            per_kind
        };
        for instance in 0..count {
            planner.add(kind, instance, count);
        }
    }
    planner.finish()
}

pub(crate) struct Planner<'a> {
    pub context: Context<'a>,
    pub rng: ChaCha8Rng,
    /// Identities already taken by a scenario.
    used: BTreeSet<u32>,
    /// Identity indices by type.
    by_type: BTreeMap<IdentityType, Vec<u32>>,
    plan: ScenarioPlan,
    /// Days scenarios may fall on, end exclusive.
    pub window: (u32, u32),
}

/// The label facts a scenario builder returns besides its events.
pub(crate) struct Outline {
    pub identity: String,
    pub account_id: String,
    pub expected: &'static [&'static str],
    pub description: String,
}

impl Planner<'_> {
    fn add(&mut self, kind: ScenarioKind, instance: usize, count: usize) {
        let label = self.plan.labels.len() as u32;
        let first_event = self.plan.events.len();
        let outline = match kind {
            ScenarioKind::LeakedAccessKey => {
                credential_misuse::leaked_access_key(self, label, instance, count)
            }
            ScenarioKind::StolenInstanceCredentials => {
                credential_misuse::stolen_instance_credentials(self, label, instance, count)
            }
            ScenarioKind::PrivilegeEscalationChain => {
                escalation::privilege_escalation_chain(self, label, instance, count)
            }
            ScenarioKind::Enumeration => escalation::enumeration(self, label, instance, count),
            ScenarioKind::LoggingTampering => {
                escalation::logging_tampering(self, label, instance, count)
            }
            ScenarioKind::DormantKeyReuse => credential_misuse::dormant_key_reuse(self, label),
            ScenarioKind::HumanUsesServiceKey => {
                credential_misuse::human_uses_service_key(self, label, instance, count)
            }
            ScenarioKind::AiAgentScopeDrift => {
                escalation::ai_agent_scope_drift(self, label, instance, count)
            }
            ScenarioKind::BreakGlassRootLogin => {
                credential_misuse::break_glass_root_login(self, label, instance, count)
            }
            ScenarioKind::ImpossibleTravel => {
                travel::impossible_travel(self, label, instance, count)
            }
            ScenarioKind::SlowExfiltration => {
                exfiltration::slow_exfiltration(self, label, instance, count)
            }
        };
        let Some(outline) = outline else {
            self.plan.events.truncate(first_event);
            return;
        };
        let labelled: Vec<&ScenarioEvent> = self.plan.events[first_event..]
            .iter()
            .filter(|event| event.label == Some(label))
            .collect();
        let start_millis = labelled
            .iter()
            .map(|event| event.spec.time_ms)
            .min()
            .unwrap_or(0);
        let end_millis = labelled
            .iter()
            .map(|event| event.spec.time_ms)
            .max()
            .unwrap_or(0);
        let mut timed: Vec<(i64, String)> = labelled
            .iter()
            .map(|event| {
                (
                    event.spec.time_ms,
                    event.spec.event_id.clone().unwrap_or_default(),
                )
            })
            .collect();
        timed.sort();
        let number = self
            .plan
            .labels
            .iter()
            .filter(|existing| existing.kind == kind)
            .count()
            + 1;
        self.plan.labels.push(ScenarioLabel {
            id: format!("{}-{number}", kind.as_str()),
            kind,
            identity: outline.identity,
            account_id: outline.account_id,
            start: clock::event_time(start_millis),
            end: clock::event_time(end_millis),
            start_millis,
            end_millis,
            event_ids: timed.into_iter().map(|(_, id)| id).collect(),
            expected_detectors: outline.expected.iter().map(|id| (*id).to_owned()).collect(),
            description: outline.description,
        });
    }

    fn finish(mut self) -> ScenarioPlan {
        let start_ms = self.context.start_ms;
        for (index, event) in self.plan.events.iter().enumerate() {
            let day = ((event.spec.time_ms - start_ms) / MS_PER_DAY) as u32;
            self.plan.by_day.entry(day).or_default().push(index as u32);
        }
        self.plan
    }

    /// Identities of a type, in index order.
    pub(crate) fn identities_of(&self, kind: IdentityType) -> &[u32] {
        self.by_type.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// Takes an unused identity of `kind` that `accept` allows. Random
    /// draws find one quickly in large populations; the scan after them
    /// finds the last few.
    pub(crate) fn take(&mut self, kind: IdentityType, accept: impl Fn(u32) -> bool) -> Option<u32> {
        let pool = self.by_type.get(&kind).map_or(&[][..], Vec::as_slice);
        if pool.is_empty() {
            return None;
        }
        let mut chosen = None;
        for _ in 0..64 {
            let candidate = pool[self.rng.random_range(0..pool.len())];
            if !self.used.contains(&candidate) && accept(candidate) {
                chosen = Some(candidate);
                break;
            }
        }
        if chosen.is_none() {
            let rest: Vec<u32> = pool
                .iter()
                .copied()
                .filter(|candidate| !self.used.contains(candidate) && accept(*candidate))
                .collect();
            if !rest.is_empty() {
                chosen = Some(rest[self.rng.random_range(0..rest.len())]);
            }
        }
        if let Some(chosen) = chosen {
            self.used.insert(chosen);
        }
        chosen
    }

    /// Draws a day for instance `instance` of `count`, spread over the window.
    pub(crate) fn spread_day(&mut self, instance: usize, count: usize) -> u32 {
        let (first, end) = self.window;
        let span = u64::from(end.saturating_sub(first).max(1));
        let count = count.max(1) as u64;
        let position = instance as u64 * span + self.rng.random_range(0..span);
        let day = u64::from(first) + position / count;
        (day as u32).min(end.saturating_sub(1))
    }

    /// Adds a labelled event. Its id is drawn from the scenario stream, and
    /// its time is clamped into the period, so no labelled event is lost at
    /// the end of the run.
    pub(crate) fn push(&mut self, label: u32, spec: EventSpec) {
        self.push_event(spec, Some(label));
    }

    /// Adds an unlabelled set-up event.
    pub(crate) fn push_setup(&mut self, spec: EventSpec) {
        self.push_event(spec, None);
    }

    fn push_event(&mut self, mut spec: EventSpec, label: Option<u32>) {
        let last_ms = self.context.day_start(self.context.days) - 1;
        spec.time_ms = spec.time_ms.clamp(self.context.start_ms, last_ms);
        spec.event_id = Some(ids::uuid(&mut self.rng));
        self.plan.events.push(ScenarioEvent { spec, label });
    }

    pub(crate) fn mark_dormant(&mut self, index: u32, last_day: u32) {
        self.plan.dormant.push((index, last_day));
    }
}
