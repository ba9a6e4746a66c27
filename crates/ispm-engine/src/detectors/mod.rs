//! The detectors. Each is a function over one event and the actor's state;
//! [`Context::emit`] turns what a detector found into a [`Finding`], folding
//! repeats within the repeat window.

mod activity;
mod agent_scope;
mod bursts;
pub(crate) mod console;
mod credentials;
mod dormant;
mod first_seen;
mod interactive;
mod logging;
mod privilege;
mod root;
mod sensitive;
mod shared_key;
pub(crate) mod travel;
mod workload;

pub(crate) use activity::ID_HOUR as UNUSUAL_HOUR_ID;
pub(crate) use agent_scope::ID as AGENT_SCOPE_ID;
pub(crate) use first_seen::attribute_names as first_seen_attribute_names;
pub(crate) use first_seen::network as first_seen_network;
pub use sensitive::rule_ids as sensitive_rule_ids;
pub(crate) use sensitive::rules_used as sensitive_rules_used;
pub use travel::ID as TRAVEL_ID;

use std::sync::LazyLock;

use ispm_model::{
    Attack, Confidence, EventTime, Evidence, Finding, FindingCategory, IdentityEvent, Severity,
};
use serde_json::Value;

use crate::learning::LearningPeriods;
use crate::state::{EventHashes, IdentityState, LastObserved, stable_hash};
use crate::suppression::CompiledRule;
use crate::tenant::TenantPrevalence;
use crate::{EngineConfig, EngineStats};

/// Returns the title suffix of a call that failed: a denied attempt at a
/// sensitive change is reported too, marked as such.
pub(crate) fn attempt_suffix(event: &IdentityEvent) -> &'static str {
    if event.succeeded() {
        ""
    } else {
        " (attempt failed)"
    }
}

/// Detector ids, as used in config (`disabled_detectors`) and findings.
pub const DETECTORS: &[&str] = &[
    root::ID,
    console::ID_NO_MFA,
    console::ID_NON_HUMAN,
    logging::ID,
    credentials::ID,
    privilege::ID,
    bursts::ID_ACCESS_DENIED,
    bursts::ID_ENUMERATION,
    bursts::ID_SECRETS,
    sensitive::ID,
    workload::ID,
    interactive::ID,
    dormant::ID,
    first_seen::ID,
    shared_key::ID,
    agent_scope::ID,
    activity::ID_HOUR,
    activity::ID_VOLUME,
    travel::ID,
];

/// The detectors that wait for an identity's learning period to end, which
/// `[engine.learning.detectors.<id>]` can set apart from the global one.
/// Of `sensitive_api_call`, only the rules of routine calls wait.
pub const LEARNING_DETECTORS: &[&str] = &[
    sensitive::ID,
    first_seen::ID,
    agent_scope::ID,
    activity::ID_HOUR,
    activity::ID_VOLUME,
    travel::ID,
];

/// The detectors that run, one bit per entry of [`DETECTORS`]. Computed once
/// from `disabled_detectors`, so that no event compares detector ids.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EnabledDetectors(u32);

const _: () = assert!(DETECTORS.len() <= 32, "EnabledDetectors has 32 bits");

impl EnabledDetectors {
    pub fn new(config: &EngineConfig) -> Self {
        let mut bits = 0;
        for (index, id) in DETECTORS.iter().enumerate() {
            if config.is_enabled(id) {
                bits |= 1 << index;
            }
        }
        EnabledDetectors(bits)
    }

    /// True when the detector with this bit, from [`bit`], runs.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }
}

/// Returns the bit of detector `id` in [`EnabledDetectors`]. Evaluated in
/// `const` blocks, where an id missing from [`DETECTORS`] fails the build.
pub(crate) const fn bit(id: &str) -> u32 {
    let mut index = 0;
    while index < DETECTORS.len() {
        if const_str_eq(DETECTORS[index], id) {
            return 1 << index;
        }
        index += 1;
    }
    panic!("not a detector id");
}

const fn const_str_eq(left: &str, right: &str) -> bool {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    if left.len() != right.len() {
        return false;
    }
    let mut index = 0;
    while index < left.len() {
        if left[index] != right[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// The inputs and outputs the detectors share while handling one event.
pub(crate) struct Context<'a> {
    pub config: &'a EngineConfig,
    pub enabled: EnabledDetectors,
    pub learning: &'a LearningPeriods,
    pub suppressions: &'a [CompiledRule],
    pub event: &'a IdentityEvent,
    /// Hashes of the event's service, call and region.
    pub hashes: &'a EventHashes,
    pub findings: &'a mut Vec<Finding>,
    pub stats: &'a mut EngineStats,
    /// How many identities of the tenant use each value.
    pub tenant: &'a mut TenantPrevalence,
    /// The values the last events observed in their identity's baseline.
    pub last_observed: &'a mut LastObserved,
}

/// A detector's match, before it becomes a finding.
pub(crate) struct Hit {
    pub detector: &'static str,
    pub rule: String,
    pub category: FindingCategory,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub attacks: &'static [Attack],
    pub remediation: &'static str,
    /// Detector-specific facts for the evidence.
    pub data: Value,
    /// Other events that belong to the finding (a burst), oldest first.
    /// The current event is always added last.
    pub related: Vec<String>,
    pub first_seen: Option<EventTime>,
    /// The value that makes two hits of the same rule distinct for the repeat window
    /// (e.g. the target user name). Empty: one finding per rule and window.
    pub repeat_key: String,
}

impl Hit {
    pub fn new(detector: &'static str, rule: impl Into<String>, category: FindingCategory) -> Self {
        Hit {
            detector,
            rule: rule.into(),
            category,
            title: String::new(),
            description: String::new(),
            severity: Severity::Medium,
            confidence: Confidence::Medium,
            attacks: &[],
            remediation: "",
            data: Value::Null,
            related: Vec::new(),
            first_seen: None,
            repeat_key: String::new(),
        }
    }
}

impl Context<'_> {
    /// True once the identity's learning period for the detector with this
    /// bit is over, at the event's time.
    pub fn is_learned(&self, state: &IdentityState, detector_bit: u32) -> bool {
        self.learning
            .is_learned(detector_bit, state, self.event.time)
    }

    /// True when a hit of this rule and key would be folded into an earlier
    /// finding. Detectors that fire on every event past a threshold ask first,
    /// so they build no title and evidence for a hit that is then dropped.
    pub fn is_folded(
        &mut self,
        state: &IdentityState,
        detector: &str,
        rule: &str,
        repeat_key: &str,
    ) -> bool {
        self.is_folded_key(state, fold_key(detector, rule, repeat_key))
    }

    /// Does what [`Context::is_folded`] does, with the [`fold_key`]
    /// computed by the caller, for detectors that ask on many events.
    pub fn is_folded_key(&mut self, state: &IdentityState, key: u64) -> bool {
        let window = i64::try_from(self.config.repeat_window.as_millis()).unwrap_or(i64::MAX);
        let folded = state.fired.iter().any(|(fired_key, last)| {
            *fired_key == key && self.event.time.saturating_sub(*last) < window
        });
        if folded {
            self.stats.repeats_folded += 1;
        }
        folded
    }

    /// Turns a hit into a finding unless the same rule fired for this
    /// identity and repeat key within the repeat window.
    pub fn emit(&mut self, state: &mut IdentityState, hit: Hit) {
        let now = self.event.time;
        let key = fold_key(hit.detector, &hit.rule, &hit.repeat_key);
        let window = i64::try_from(self.config.repeat_window.as_millis()).unwrap_or(i64::MAX);
        let fired = state.fired.list_mut();
        if let Some((_, last)) = fired.iter_mut().find(|(fired_key, _)| *fired_key == key) {
            if now.saturating_sub(*last) < window {
                self.stats.repeats_folded += 1;
                return;
            }
            *last = now;
        } else {
            fired.push((key, now));
            prune_fired(fired, now, window);
        }

        let mut related = hit.related;
        if related.last().map(String::as_str) != Some(self.event.event_id.as_str()) {
            related.push(self.event.event_id.as_str().to_owned());
        }
        let first_event = related.first().cloned().unwrap_or_default();
        let mut description = hit.description;
        if let Some(code) = &self.event.error_code {
            description.push_str(&format!(
                " The call failed ({code}), so nothing changed; the attempt itself is the signal."
            ));
        }
        let event = self.event;
        let evidence = Evidence {
            event_id: event.event_id.as_str().to_owned(),
            time: event.time,
            action: event.action.as_str().to_owned(),
            service: event.service.as_str().to_owned(),
            source: event.origin.source_raw.as_deref().map(str::to_owned),
            user_agent: event.origin.user_agent.as_deref().map(str::to_owned),
            region: event.origin.region.as_deref().map(str::to_owned),
            error_code: event.error_code.as_deref().map(str::to_owned),
            data: hit.data,
        };
        let suppressed_by = self
            .suppressions
            .iter()
            .find_map(|rule| rule.matches(hit.detector, state.id.as_str(), event))
            .map(str::to_owned);
        if suppressed_by.is_some() {
            self.stats.suppressed += 1;
        }
        let finding = Finding {
            uid: Finding::derive_uid(hit.detector, &hit.rule, &state.id, &first_event),
            category: hit.category,
            detector: hit.detector,
            rule: hit.rule,
            title: hit.title,
            description,
            severity: self
                .config
                .severity_overrides
                .get(hit.detector)
                .copied()
                .unwrap_or(hit.severity),
            confidence: hit.confidence,
            attacks: hit.attacks.to_vec(),
            identity: state.id.clone(),
            identity_name: state.name().to_owned(),
            identity_kind: state.kind,
            account: state
                .account
                .as_deref()
                .or(event.account.as_deref())
                .map(str::to_owned),
            credential: event.actor.access_key_id.as_deref().map(str::to_owned),
            region: event.origin.region.as_deref().map(str::to_owned),
            first_seen: hit.first_seen.unwrap_or(now).min(now),
            last_seen: now,
            related_events: related,
            evidences: vec![evidence],
            remediation: hit.remediation.to_owned(),
            suppressed_by,
            status: ispm_model::FindingStatus::New,
            controls: Vec::new(),
        };
        self.stats.findings += 1;
        self.findings.push(finding);
    }
}

/// The detectors that read each API call, for the detectors that act on a
/// few calls only. It is looked up by `stable_hash(&[service, action])`, so
/// an event of any other call skips those detectors with one lookup. A hash
/// collision only runs a detector, which then compares the call itself.
pub(crate) struct CallTable {
    /// Open addressing with linear probing, indexed by the low bits of the
    /// hash; a slot with no detector bits is empty.
    slots: Vec<(u64, u32)>,
}

impl CallTable {
    pub(super) fn new<'a>(calls: impl IntoIterator<Item = (u32, (&'a str, &'a str))>) -> Self {
        let calls: Vec<(u64, u32)> = calls
            .into_iter()
            .map(|(bit, (service, action))| (stable_hash(&[service, action]), bit))
            .collect();
        // At most a quarter full, so that a lookup mostly reads one slot.
        let size = (calls.len() * 4).next_power_of_two();
        let mut slots = vec![(0, 0); size];
        for (hash, bit) in calls {
            let mut index = Self::start(hash, size);
            loop {
                let slot = &mut slots[index];
                if slot.1 == 0 || slot.0 == hash {
                    *slot = (hash, slot.1 | bit);
                    break;
                }
                index = (index + 1) % size;
            }
        }
        CallTable { slots }
    }

    fn start(hash: u64, size: usize) -> usize {
        // Truncating is intended: the low bits index the table.
        (hash as usize) & (size - 1)
    }

    /// Returns the bits of the detectors that read the call with this hash.
    pub fn detectors(&self, call: u64) -> u32 {
        let size = self.slots.len();
        let mut index = Self::start(call, size);
        for _ in 0..size {
            match self.slots.get(index) {
                Some(&(hash, bits)) if bits != 0 => {
                    if hash == call {
                        return bits;
                    }
                }
                _ => return 0,
            }
            index = (index + 1) % size;
        }
        0
    }
}

/// The calls of the detectors that only act on a few calls.
static CALL_TABLE: LazyLock<CallTable> = LazyLock::new(|| {
    CallTable::new(
        logging::calls()
            .map(|call| (bit(logging::ID), call))
            .chain(credentials::calls().map(|call| (bit(credentials::ID), call)))
            .chain(privilege::calls().map(|call| (bit(privilege::ID), call)))
            .chain(sensitive::calls().map(|call| (bit(sensitive::ID), call)))
            .chain(bursts::secret_calls().map(|call| (bit(bursts::ID_SECRETS), call))),
    )
});

/// Returns the key under which the repeat window remembers a hit.
pub(crate) fn fold_key(detector: &str, rule: &str, repeat_key: &str) -> u64 {
    stable_hash(&[detector, rule, repeat_key])
}

/// Keeps the repeat-window bookkeeping small: entries older than the window
/// can never fold a repeat again.
fn prune_fired(fired: &mut Vec<(u64, EventTime)>, now: EventTime, window: i64) {
    if fired.len() > 32 {
        fired.retain(|(_, time)| now.saturating_sub(*time) < window);
    }
}

/// Runs every enabled detector on one event of the actor.
pub(crate) fn run_all(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let enabled = ctx.enabled;
    let by_call = CALL_TABLE.detectors(ctx.hashes.call);
    let runs = |bit: u32| enabled.has(bit);
    let reads_call = |bit: u32| by_call & bit != 0 && enabled.has(bit);
    if runs(const { bit(root::ID) }) {
        root::check(ctx, state);
    }
    if runs(const { bit(console::ID_NO_MFA) }) {
        console::check_mfa(ctx, state);
    }
    if runs(const { bit(console::ID_NON_HUMAN) }) {
        console::check_non_human(ctx, state);
    }
    if reads_call(const { bit(logging::ID) }) {
        logging::check(ctx, state);
    }
    if reads_call(const { bit(credentials::ID) }) {
        credentials::check(ctx, state);
    }
    if reads_call(const { bit(privilege::ID) }) {
        privilege::check(ctx, state);
    }
    bursts::check(ctx, state, by_call & const { bit(bursts::ID_SECRETS) } != 0);
    if reads_call(const { bit(sensitive::ID) }) {
        sensitive::check(ctx, state);
    }
    if runs(const { bit(workload::ID) }) {
        workload::check(ctx, state);
    }
    if runs(const { bit(interactive::ID) }) {
        interactive::check(ctx, state);
    }
    if runs(const { bit(dormant::ID) }) {
        dormant::check(ctx, state);
    }
    if runs(const { bit(shared_key::ID) }) {
        shared_key::check(ctx, state);
    }
    if runs(const { bit(travel::ID) }) {
        travel::check(ctx, state);
    }
    if runs(const { bit(agent_scope::ID) }) {
        agent_scope::check(ctx, state);
    }
    // Keeps the profile up to date even when both reports are off, so
    // enabling them later is quiet.
    activity::check(ctx, state);
    if runs(const { bit(first_seen::ID) }) {
        first_seen::check(ctx, state);
    } else {
        first_seen::learn_only(ctx, state);
    }
}

/// Runs the detectors that read a fact another identity's event stated about
/// `state`: a role assumed with a token of web identity `provider`.
pub(crate) fn check_web_identity_assumed(
    ctx: &mut Context<'_>,
    state: &mut IdentityState,
    provider: &str,
) {
    sensitive::check_web_identity_provider(ctx, state, provider);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_table_finds_every_detector_call() {
        let expected = [
            (logging::ID, logging::calls().collect::<Vec<_>>()),
            (credentials::ID, credentials::calls().collect()),
            (privilege::ID, privilege::calls().collect()),
            (sensitive::ID, sensitive::calls().collect()),
            (bursts::ID_SECRETS, bursts::secret_calls().collect()),
        ];
        for (id, calls) in expected {
            assert!(!calls.is_empty(), "{id} names no call");
            for (service, action) in calls {
                let bits = CALL_TABLE.detectors(stable_hash(&[service, action]));
                assert_ne!(bits & bit(id), 0, "{id} misses {service} {action}");
            }
        }
    }

    #[test]
    fn call_table_skips_other_calls() {
        let bits = CALL_TABLE.detectors(stable_hash(&["s3.amazonaws.com", "GetObject"]));
        assert_eq!(bits, 0);
    }
}
