//! Policies, risk and posture on top of the identity state.
//!
//! Events, facts and snapshots only mark identities as changed. [`Engine::flush`]
//! then evaluates the changed identities, and those whose policy timer is
//! due, at one event time: it publishes their inventory records, opens and
//! resolves policy violations, and scores their risk. Timers make a policy
//! fire when time alone breaks it, such as a key passing 90 days while its
//! identity is idle.

use std::collections::BTreeMap;

use ispm_model::{
    EventTime, Finding, FindingCategory, IdentityId, IdentityPosture, InventoryRecord,
    PostureSummary,
};
use ispm_posture::{
    AnomalyNote, PolicySet, PostureAggregator, ScoringConfig, reconcile, score_identity,
};

use crate::engine::Engine;
use crate::state::{IdentityState, NO_TIME, OptionalHash, StableHasher};

/// Anomalies kept per identity for its risk score; older ones drop out of
/// the risk window anyway.
const MAX_ANOMALY_NOTES: usize = 16;

/// Records that one [`Engine::flush`] publishes.
#[derive(Debug, Default)]
pub struct Flushed {
    /// Inventory records that changed, sorted by identity.
    pub inventory: Vec<InventoryRecord>,
    /// Policy findings: violations opened (`New`) and cleared (`Resolved`).
    pub findings: Vec<Finding>,
    /// Identity postures whose risk, factors or open violations changed.
    pub postures: Vec<IdentityPosture>,
    /// Posture summaries whose numbers changed.
    pub summaries: Vec<PostureSummary>,
}

/// The engine's posture machinery.
pub(crate) struct PostureRuntime {
    pub policies: PolicySet,
    pub scoring: ScoringConfig,
    /// Identities changed since the last flush.
    pub queue: Vec<IdentityId>,
    /// Identities by the event time (milliseconds) their policy outcome may
    /// flip without a change.
    pub timers: BTreeMap<i64, Vec<IdentityId>>,
    /// Posture of the organisation, accounts and owners of this engine's
    /// identities.
    pub aggregator: PostureAggregator,
}

impl PostureRuntime {
    pub fn new(policies: PolicySet, scoring: ScoringConfig) -> Self {
        PostureRuntime {
            aggregator: PostureAggregator::new(&scoring),
            policies,
            scoring,
            queue: Vec::new(),
            timers: BTreeMap::new(),
        }
    }
}

/// Queues the identity for the next flush when its inventory changed.
pub(crate) fn enqueue_if_changed(runtime: &mut PostureRuntime, state: &mut IdentityState) {
    if state.inventory_dirty && !state.policy_queued {
        state.policy_queued = true;
        runtime.queue.push(state.id.clone());
    }
}

/// Notes the anomaly findings of one event for the actor's risk score, and
/// queues the actor so that its posture is scored again.
pub(crate) fn note_anomalies(
    runtime: &mut PostureRuntime,
    state: &mut IdentityState,
    findings: &[Finding],
) {
    let mut noted = false;
    for finding in findings.iter().filter(|finding| {
        finding.category == FindingCategory::Anomaly && finding.identity == state.id
    }) {
        let anomalies = state.policy.anomalies_mut();
        if anomalies.len() >= MAX_ANOMALY_NOTES {
            anomalies.remove(0);
        }
        anomalies.push(AnomalyNote {
            severity: finding.severity,
            time: finding.last_seen,
            detector: finding.detector.to_owned(),
        });
        noted = true;
    }
    if noted && !state.policy_queued {
        state.policy_queued = true;
        runtime.queue.push(state.id.clone());
    }
}

impl Engine {
    /// Evaluates every identity changed since the last flush, and every
    /// identity whose policy timer is due at or before `now`, at event time
    /// `now`, and returns what changed.
    ///
    /// Call it with the newest event time processed (the watermark), or a
    /// later time to let time pass with no events. Due timers between the
    /// last flush and `now` are evaluated at `now`; callers that need each
    /// at its own time flush at [`Engine::next_timer`] first.
    pub fn flush(&mut self, now: EventTime) -> Flushed {
        let runtime = &mut self.posture;
        let mut ids = std::mem::take(&mut runtime.queue);
        let due: Vec<i64> = runtime
            .timers
            .range(..=now.millis())
            .map(|(due, _)| *due)
            .collect();
        for key in due {
            if let Some(timer_ids) = runtime.timers.remove(&key) {
                ids.extend(timer_ids);
            }
        }
        ids.sort();
        ids.dedup();

        let mut flushed = Flushed::default();
        for id in ids {
            let Some(state) = self.identities.get_mut(&id, &self.interner) else {
                continue;
            };
            evaluate(runtime, state, now, &mut flushed);
        }
        flushed.summaries = runtime.aggregator.changed_summaries(now);
        flushed
    }

    /// Returns the earliest pending policy timer, if any.
    pub fn next_timer(&self) -> Option<EventTime> {
        self.posture
            .timers
            .keys()
            .next()
            .map(|millis| EventTime::from_millis(*millis))
    }

    /// Returns the risk of one identity at `now`, from its current record,
    /// its open violations and its recent anomalies, without changing state.
    pub fn identity_posture(&self, id: &IdentityId, now: EventTime) -> Option<IdentityPosture> {
        let state = self.identities.get(id, &self.interner)?;
        let record = state.inventory_record();
        let policies = &self.posture.policies;
        let evaluation = policies.evaluate(&record, now);
        Some(score_identity(
            &record,
            policies,
            &evaluation,
            state.policy.open(),
            state.policy.anomalies(),
            &self.posture.scoring,
            now,
        ))
    }

    /// Returns the newest event or snapshot time of any identity in state.
    pub fn latest_time(&self) -> Option<EventTime> {
        self.identities
            .values(&self.interner)
            .filter_map(|state| state.last_seen.max(state.posture.snapshot_as_of()))
            .max()
    }

    /// Returns the current posture summaries of every scope.
    pub fn posture_summaries(&self, now: EventTime) -> Vec<PostureSummary> {
        self.posture.aggregator.summaries(now)
    }

    /// Returns the policy set the engine evaluates.
    pub fn policies(&self) -> &PolicySet {
        &self.posture.policies
    }
}

fn evaluate(
    runtime: &mut PostureRuntime,
    state: &mut IdentityState,
    now: EventTime,
    flushed: &mut Flushed,
) {
    state.policy_queued = false;
    let record = state.inventory_record();
    if state.inventory_dirty {
        state.inventory_dirty = false;
        state.inventory_published_at = state.last_seen.unwrap_or(NO_TIME);
        flushed.inventory.push(record.clone());
    }

    let policies = &runtime.policies;
    let evaluation = policies.evaluate(&record, now);
    let mut open = state.policy.take_open();
    reconcile(
        policies,
        &record,
        &evaluation,
        &mut open,
        now,
        &mut flushed.findings,
    );
    state.policy.set_open(open);
    let posture = score_identity(
        &record,
        policies,
        &evaluation,
        state.policy.open(),
        state.policy.anomalies(),
        &runtime.scoring,
        now,
    );
    runtime
        .aggregator
        .update(&posture, &record, &evaluation, policies);
    let key = posture_key(&posture);
    if !state.policy.posture_key.is(key) {
        state.policy.posture_key = OptionalHash::new(key);
        flushed.postures.push(posture);
    }

    // A timer must lie after `now`, or a caller that fires timers in a loop
    // would never get past it.
    let next_check = evaluation
        .next_check
        .map(|next| next.max(EventTime::from_millis(now.millis().saturating_add(1))));
    match next_check {
        Some(next) if state.policy.due != next => {
            state.policy.due = next;
            runtime
                .timers
                .entry(next.millis())
                .or_default()
                .push(state.id.clone());
        }
        Some(_) => {}
        None => state.policy.due = NO_TIME,
    }
}

/// Hashes what a posture consumer cares about, so that an identity's
/// posture is republished only when it changes and not at every evaluation.
fn posture_key(posture: &IdentityPosture) -> u64 {
    let mut hasher = StableHasher::new().bytes(&[posture.risk_score]);
    for factor in &posture.factors {
        hasher = hasher.part(&factor.factor).bytes(&[factor.points]);
    }
    for violation in &posture.open_violations {
        hasher = hasher.part(violation);
    }
    hasher
        .part(posture.owner.as_deref().unwrap_or(""))
        .bytes(&(posture.priority.round() as i64).to_le_bytes())
        .finish()
}
