//! Posture summaries per scope (`org`, `account:<id>`, `owner:<name>`),
//! kept up to date incrementally as identities change.
//!
//! Per identity the aggregator keeps only the counts the summaries need, a
//! few dozen bytes plus the identity id, and per scope it keeps running
//! totals, so an update costs the same with a million identities as with
//! ten. The formulas are in `docs/policies.md`.

use std::collections::{BTreeSet, HashMap};

use ispm_model::{
    EventTime, Hygiene, IdentityId, IdentityKind, IdentityPosture, InventoryRecord, PostureSummary,
    PostureTotals, Severity,
};

use crate::facts;
use crate::policy_set::{Evaluation, PolicySet};
use crate::scoring::ScoringConfig;
use crate::time::is_beyond;

/// Name of the scope that covers every identity.
pub const ORG_SCOPE: &str = "org";

/// Index of a scope name in [`Scopes::names`].
type ScopeId = u32;

const ORG: ScopeId = 0;

/// Contribution of one identity to the totals of its scopes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    account: Option<ScopeId>,
    owner: Option<ScopeId>,
    risk: u8,
    flags: u8,
    /// Active long-term keys of known age, and those within the rotation
    /// limit.
    keys_known: u8,
    keys_within: u8,
    checks: u16,
    passes: u16,
    check_weight: u32,
    passed_weight: u32,
    /// Violations by severity, indexed like [`Severity::ALL`].
    violations: [u16; 5],
}

const NON_HUMAN: u8 = 1;
/// A non-human identity of the organisation, counted for owner coverage.
const OWNABLE: u8 = 1 << 1;
const OWNED: u8 = 1 << 2;
/// Enabled and of a kind that can go stale.
const STALE_CANDIDATE: u8 = 1 << 3;
const STALE: u8 = 1 << 4;
/// A privileged person or the root user whose MFA state is known.
const MFA_CANDIDATE: u8 = 1 << 5;
const MFA_ACTIVE: u8 = 1 << 6;

/// Running totals of one scope. All integers, so that removing an identity
/// subtracts exactly what adding it added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Totals {
    identities: u64,
    non_human: u64,
    checks: u64,
    passes: u64,
    check_weight: u64,
    passed_weight: u64,
    violations: [u64; 5],
    risk_sum: u64,
    ownable: u64,
    owned: u64,
    keys_known: u64,
    keys_within: u64,
    stale_candidates: u64,
    stale: u64,
    mfa_candidates: u64,
    mfa_active: u64,
}

impl Totals {
    fn to_model(&self) -> PostureTotals {
        PostureTotals {
            identities: self.identities,
            non_human: self.non_human,
            checks: self.checks,
            passes: self.passes,
            check_weight: self.check_weight,
            passed_weight: self.passed_weight,
            violations: self.violations,
            risk_sum: self.risk_sum,
            ownable: self.ownable,
            owned: self.owned,
            keys_known: self.keys_known,
            keys_within: self.keys_within,
            stale_candidates: self.stale_candidates,
            stale: self.stale,
            mfa_candidates: self.mfa_candidates,
            mfa_active: self.mfa_active,
        }
    }

    fn apply(&mut self, entry: &Entry, add: bool) {
        let change = |total: &mut u64, value: u64| {
            *total = if add {
                total.saturating_add(value)
            } else {
                total.saturating_sub(value)
            };
        };
        let flag = |bit: u8| u64::from(entry.flags & bit != 0);
        change(&mut self.identities, 1);
        change(&mut self.non_human, flag(NON_HUMAN));
        change(&mut self.checks, u64::from(entry.checks));
        change(&mut self.passes, u64::from(entry.passes));
        change(&mut self.check_weight, u64::from(entry.check_weight));
        change(&mut self.passed_weight, u64::from(entry.passed_weight));
        for (total, count) in self.violations.iter_mut().zip(entry.violations) {
            change(total, u64::from(count));
        }
        change(&mut self.risk_sum, u64::from(entry.risk));
        change(&mut self.ownable, flag(OWNABLE));
        change(&mut self.owned, flag(OWNED));
        change(&mut self.keys_known, u64::from(entry.keys_known));
        change(&mut self.keys_within, u64::from(entry.keys_within));
        change(&mut self.stale_candidates, flag(STALE_CANDIDATE));
        change(&mut self.stale, flag(STALE));
        change(&mut self.mfa_candidates, flag(MFA_CANDIDATE));
        change(&mut self.mfa_active, flag(MFA_ACTIVE));
    }
}

#[derive(Debug, Default)]
struct ScopeState {
    totals: Totals,
    /// Totals of the last summary [`PostureAggregator::changed_summaries`]
    /// returned for the scope.
    emitted: Option<Totals>,
}

/// Scope names, interned so that entries hold a number instead of a string.
#[derive(Debug)]
struct Scopes {
    names: Vec<String>,
    ids: HashMap<String, ScopeId>,
    states: HashMap<ScopeId, ScopeState>,
}

impl Scopes {
    fn new() -> Self {
        let mut scopes = Scopes {
            names: Vec::new(),
            ids: HashMap::new(),
            states: HashMap::new(),
        };
        scopes.intern(ORG_SCOPE.to_owned());
        scopes
    }

    fn intern(&mut self, name: String) -> ScopeId {
        if let Some(id) = self.ids.get(&name) {
            return *id;
        }
        let id = ScopeId::try_from(self.names.len()).unwrap_or(ScopeId::MAX);
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }

    fn name(&self, id: ScopeId) -> &str {
        self.names
            .get(id as usize)
            .map_or(ORG_SCOPE, String::as_str)
    }
}

/// Posture summaries of every scope, updated one identity at a time.
#[derive(Debug)]
pub struct PostureAggregator {
    config: ScoringConfig,
    entries: HashMap<IdentityId, Entry>,
    scopes: Scopes,
    /// Scopes touched since the last call of `changed_summaries`.
    dirty: BTreeSet<ScopeId>,
}

impl PostureAggregator {
    /// Creates an empty aggregator that scores with `config`'s check weights
    /// and pass-rate share.
    pub fn new(config: &ScoringConfig) -> Self {
        PostureAggregator {
            config: config.clone(),
            entries: HashMap::new(),
            scopes: Scopes::new(),
            dirty: BTreeSet::new(),
        }
    }

    /// Number of identities aggregated.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records the latest posture of one identity, replacing what it
    /// contributed before. Time-dependent shares (stale identities, keys
    /// within the rotation limit) are taken at `posture.as_of`.
    pub fn update(
        &mut self,
        posture: &IdentityPosture,
        record: &InventoryRecord,
        evaluation: &Evaluation,
        set: &PolicySet,
    ) {
        let entry = self.entry(posture, record, evaluation, set);
        if let Some(old) = self.entries.remove(&record.identity) {
            self.apply(&old, false);
        }
        self.apply(&entry, true);
        self.entries.insert(record.identity.clone(), entry);
    }

    /// Drops an identity, for example a deleted one, from every scope.
    pub fn remove(&mut self, identity: &IdentityId) {
        if let Some(old) = self.entries.remove(identity) {
            self.apply(&old, false);
        }
    }

    /// Returns the summary of every scope that has identities: `org` first,
    /// then accounts and owners by name.
    pub fn summaries(&self, now: EventTime) -> Vec<PostureSummary> {
        let mut ids: Vec<ScopeId> = self
            .scopes
            .states
            .iter()
            .filter(|(_, state)| state.totals.identities > 0)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_by(|a, b| self.scope_order(*a).cmp(&self.scope_order(*b)));
        ids.into_iter()
            .filter_map(|id| {
                let state = self.scopes.states.get(&id)?;
                Some(self.summary(id, &state.totals, now))
            })
            .collect()
    }

    /// Returns the summaries of the scopes whose numbers changed since the
    /// last call, in the order of [`Self::summaries`]. A scope that lost its
    /// last identity is returned once with zero counts and then forgotten.
    pub fn changed_summaries(&mut self, now: EventTime) -> Vec<PostureSummary> {
        let mut changed = Vec::new();
        let dirty = std::mem::take(&mut self.dirty);
        for id in dirty {
            let Some(state) = self.scopes.states.get(&id) else {
                continue;
            };
            if state.emitted.as_ref() == Some(&state.totals) {
                continue;
            }
            if state.emitted.is_none() && state.totals.identities == 0 {
                self.scopes.states.remove(&id);
                continue;
            }
            changed.push((id, state.totals.clone()));
        }
        changed.sort_by(|a, b| self.scope_order(a.0).cmp(&self.scope_order(b.0)));

        let mut summaries = Vec::with_capacity(changed.len());
        for (id, totals) in changed {
            summaries.push(self.summary(id, &totals, now));
            if totals.identities == 0 {
                self.scopes.states.remove(&id);
            } else if let Some(state) = self.scopes.states.get_mut(&id) {
                state.emitted = Some(totals);
            }
        }
        summaries
    }

    fn scope_order(&self, id: ScopeId) -> (bool, &str) {
        (id != ORG, self.scopes.name(id))
    }

    fn apply(&mut self, entry: &Entry, add: bool) {
        let scopes = [Some(ORG), entry.account, entry.owner];
        for id in scopes.into_iter().flatten() {
            let state = self.scopes.states.entry(id).or_default();
            state.totals.apply(entry, add);
            self.dirty.insert(id);
        }
    }

    fn entry(
        &mut self,
        posture: &IdentityPosture,
        record: &InventoryRecord,
        evaluation: &Evaluation,
        set: &PolicySet,
    ) -> Entry {
        let policy_config = set.config();
        let as_of = posture.as_of;
        let mut entry = Entry {
            account: record
                .account
                .as_deref()
                .map(|account| self.scopes.intern(format!("account:{account}"))),
            owner: owner_of(record).map(|owner| self.scopes.intern(format!("owner:{owner}"))),
            risk: posture.risk_score,
            ..Entry::default()
        };

        let mut flags = 0;
        if record.kind.is_non_human() {
            flags |= NON_HUMAN;
        }
        if facts::is_own_non_human(record) {
            flags |= OWNABLE;
            if owner_of(record).is_some() {
                flags |= OWNED;
            }
        }
        if record.enabled && facts::can_go_stale(record) {
            flags |= STALE_CANDIDATE;
            let stale = facts::last_activity(record)
                .is_some_and(|last| is_beyond(last, policy_config.inactive_days, as_of));
            if stale {
                flags |= STALE;
            }
        }
        let privileged_person = (record.kind == IdentityKind::Human
            && facts::is_privileged(facts::effective_privilege(record)))
            || record.kind == IdentityKind::Root;
        if let (true, Some(mfa_active)) = (privileged_person, record.mfa_active) {
            flags |= MFA_CANDIDATE;
            if mfa_active {
                flags |= MFA_ACTIVE;
            }
        }
        entry.flags = flags;

        for key in facts::active_long_term_keys(record) {
            let Some(start) = facts::age_start(key) else {
                continue;
            };
            entry.keys_known = entry.keys_known.saturating_add(1);
            if !is_beyond(start, policy_config.key_rotation_days, as_of) {
                entry.keys_within = entry.keys_within.saturating_add(1);
            }
        }

        let policies = set.policies();
        for outcome in &evaluation.outcomes {
            let Some(policy) = policies.get(outcome.policy) else {
                continue;
            };
            let weight = self.config.check_weights.get(policy.severity);
            entry.checks = entry.checks.saturating_add(1);
            entry.check_weight = entry.check_weight.saturating_add(weight);
            if outcome.violated {
                let slot = severity_slot(policy.severity);
                entry.violations[slot] = entry.violations[slot].saturating_add(1);
            } else {
                entry.passes = entry.passes.saturating_add(1);
                entry.passed_weight = entry.passed_weight.saturating_add(weight);
            }
        }
        entry
    }

    fn summary(&self, id: ScopeId, totals: &Totals, now: EventTime) -> PostureSummary {
        summary_from_totals(
            self.scopes.name(id),
            &totals.to_model(),
            self.config.pass_rate_weight,
            now,
        )
    }
}

/// Builds the summary of `scope` from its counts. `pass_rate_weight` is
/// [`ScoringConfig::pass_rate_weight`]. Used by the aggregator, and by the
/// Kafka runtime to merge the summaries of its partitions.
pub fn summary_from_totals(
    scope: &str,
    totals: &PostureTotals,
    pass_rate_weight: f64,
    now: EventTime,
) -> PostureSummary {
    let mean_risk = ratio(totals.risk_sum, totals.identities).unwrap_or(0.0);
    let pass_rate = ratio(totals.passed_weight, totals.check_weight).unwrap_or(1.0);
    let alpha = pass_rate_weight;
    let posture_score = 100.0 * (alpha * pass_rate + (1.0 - alpha) * (1.0 - mean_risk / 100.0));
    PostureSummary {
        scope: scope.to_owned(),
        posture_score,
        identities: totals.identities,
        non_human_identities: totals.non_human,
        policy_checks: totals.checks,
        policy_passes: totals.passes,
        violations_by_severity: Severity::ALL
            .iter()
            .zip(totals.violations)
            .map(|(severity, count)| (severity.label().to_owned(), count))
            .collect(),
        mean_risk,
        hygiene: Hygiene {
            nhi_with_owner: ratio(totals.owned, totals.ownable),
            keys_rotated_within_policy: ratio(totals.keys_within, totals.keys_known),
            stale_identities: ratio(totals.stale, totals.stale_candidates),
            privileged_mfa_coverage: ratio(totals.mfa_active, totals.mfa_candidates),
        },
        as_of: now,
        totals: totals.clone(),
    }
}

/// The owner of a record, when it names one.
fn owner_of(record: &InventoryRecord) -> Option<&str> {
    record
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|owner| !owner.is_empty())
}

/// Index of a severity in [`Severity::ALL`], critical first.
fn severity_slot(severity: Severity) -> usize {
    Severity::ALL
        .iter()
        .position(|candidate| *candidate == severity)
        .unwrap_or(Severity::ALL.len() - 1)
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests;
