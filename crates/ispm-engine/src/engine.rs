use ispm_posture::{PolicyConfig, PolicySet};

use ispm_model::{
    CredentialRecord, EventTime, Finding, IdentityEvent, IdentityId, IdentityKind, InventoryRecord,
    NhiType, TargetFact, TargetFactKind,
};

use crate::EngineConfig;
use crate::detectors::{self, Context, EnabledDetectors};
use crate::identities::Identities;
use crate::intern::Interner;
use crate::learning::LearningPeriods;
use crate::owner::assign_owner;
use crate::posture::{self, PostureRuntime};
use crate::privilege_level;
use crate::state::{CredentialStatus, EventHashCache, IdentityState, LastObserved, NO_TIME};
use crate::suppression::{CompiledRule, SuppressionRule};
use crate::tenant::TenantPrevalence;
use crate::usage::record_usage;

/// Roles kept per person in `via_roles`.
const MAX_VIA_ROLES: usize = 8;

/// Per-identity state and detectors for the identities of one partition.
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) enabled: EnabledDetectors,
    pub(crate) learning: LearningPeriods,
    suppressions: Vec<CompiledRule>,
    pub(crate) identities: Identities,
    pub(crate) stats: EngineStats,
    pub(crate) posture: PostureRuntime,
    tenant: TenantPrevalence,
    /// Text that many identities' states repeat, kept once.
    pub(crate) interner: Interner,
    /// Event time at or after which the next event makes the engine look
    /// for idle identities to compact (`engine.state.compact_after`).
    pub(crate) next_sweep: EventTime,
    /// The last event's value hashes, for the next event to reuse.
    hash_cache: EventHashCache,
    /// The values the last events observed in their identity's baseline,
    /// for the next event to skip looking up again.
    last_observed: LastObserved,
}

/// Counters for the run summary and metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub events: u64,
    pub facts: u64,
    pub findings: u64,
    /// Findings not emitted because the same rule fired for the same
    /// identity within the repeat window.
    pub repeats_folded: u64,
    /// Findings marked suppressed by a suppression rule.
    pub suppressed: u64,
    /// Events older than the actor's last seen event. They are processed;
    /// this counts how often input arrived out of order.
    pub late_events: u64,
    /// Identity snapshots merged (credential report rows, JSON inventory entries).
    pub snapshots: u64,
    /// Identities encoded into their compact form after being idle for
    /// `engine.state.compact_after`.
    pub compactions: u64,
    /// Compact identities decoded back because an event, fact, snapshot or
    /// policy timer touched them.
    pub thaws: u64,
    /// Encodes and in-place decodes of the compact form that failed. Each is
    /// a bug. An identity that failed to encode stays in full form. One
    /// that failed to decode is lost with its history: its next event or
    /// fact starts it anew, and until then it reads as missing.
    pub compaction_failures: u64,
}

/// One identity as the run summary shows it.
#[derive(Clone, Debug)]
pub struct IdentitySummary {
    pub id: IdentityId,
    pub name: String,
    pub kind: IdentityKind,
    pub nhi_type: Option<NhiType>,
    pub kind_reason: String,
    pub event_count: u64,
    pub last_seen: Option<EventTime>,
}

impl Engine {
    /// Builds an engine. Settings must have passed
    /// [`EngineConfig::validate`]; invalid policy settings fall back to the
    /// built-in policies with default thresholds so that the engine still
    /// runs, and are logged by the caller's validation, not here.
    pub fn new(config: EngineConfig) -> Self {
        let policies = PolicySet::new(&config.policies).unwrap_or_else(|_| builtin_policies());
        Engine {
            posture: PostureRuntime::new(policies, config.scoring.clone()),
            tenant: TenantPrevalence::new(&config.first_seen),
            interner: Interner::default(),
            suppressions: config
                .suppressions
                .iter()
                .map(SuppressionRule::compile)
                .collect(),
            enabled: EnabledDetectors::new(&config),
            learning: LearningPeriods::new(&config.learning),
            config,
            identities: Identities::default(),
            stats: EngineStats::default(),
            next_sweep: NO_TIME,
            hash_cache: EventHashCache::default(),
            last_observed: LastObserved::default(),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Updates the actor's state with one event and appends the findings it
    /// raises to `findings`.
    ///
    /// Events of one identity must arrive in event-time order for windows
    /// and learning periods to be exact; a late event is still processed and
    /// counted in [`EngineStats::late_events`].
    pub fn process(&mut self, event: &IdentityEvent, findings: &mut Vec<Finding>) {
        self.stats.events += 1;
        let actor = &event.actor;
        let inventory_config = &self.config.inventory;
        let interner = &mut self.interner;
        let entry = self.identities.entry(actor.id.clone());
        let state = entry.or_insert_with(interner, |interner| {
            let mut state = IdentityState::new(
                actor.id.clone(),
                actor.name.as_str().to_owned(),
                actor.kind,
                interner.intern(&actor.kind_reason),
            );
            assign_owner(inventory_config, &mut state);
            state
        });

        refresh_identity(state, event, interner);
        privilege_level::observe_actor(state, event, &mut self.hash_cache);
        if state.last_seen.is_some_and(|last| event.time < last) {
            self.stats.late_events += 1;
        }
        if state.first_seen.is_none_or(|first| event.time < first) {
            state.first_seen = Some(event.time);
        }
        let relearn_after =
            i64::try_from(self.config.learning.relearn_after.as_millis()).unwrap_or(i64::MAX);
        if state
            .last_seen
            .is_some_and(|last| event.time.saturating_sub(last) >= relearn_after)
        {
            let events_before = state.event_count;
            state.history_mut().relearning_since = Some((event.time, events_before));
        }
        let before = findings.len();

        let hashes = self.hash_cache.hashes(event, |ip| {
            detectors::first_seen_network(ip, &self.config.first_seen)
        });
        let mut ctx = Context {
            config: &self.config,
            enabled: self.enabled,
            learning: &self.learning,
            suppressions: &self.suppressions,
            event,
            hashes: &hashes,
            findings,
            stats: &mut self.stats,
            tenant: &mut self.tenant,
            last_observed: &mut self.last_observed,
        };
        detectors::run_all(&mut ctx, state);

        record_usage(&self.config, state, event, &hashes, &mut self.interner);
        posture::note_anomalies(&mut self.posture, state, &findings[before..]);
        posture::enqueue_if_changed(&mut self.posture, state);
        self.compact_idle_identities(event.time);
    }

    /// Applies a fact that another identity's event stated about an identity
    /// this engine owns (created it, gave it a key, assumed it with a web
    /// identity token), and appends the findings it raises to `findings`.
    /// Only a web identity assumption raises any today.
    pub fn apply_fact(
        &mut self,
        fact: &TargetFact,
        event: &IdentityEvent,
        findings: &mut Vec<Finding>,
    ) {
        self.stats.facts += 1;
        let interner = &mut self.interner;
        let state =
            self.identities
                .entry(fact.identity.clone())
                .or_insert_with(interner, |interner| {
                    let (kind, reason) = kind_from_id(&fact.identity);
                    let mut state = IdentityState::new(
                        fact.identity.clone(),
                        fact.name.clone(),
                        kind,
                        interner.intern(reason),
                    );
                    state.account = event
                        .account
                        .as_deref()
                        .map(|account| interner.intern(account));
                    if kind == IdentityKind::NonHuman {
                        state.nhi_type = Some(NhiType::Role);
                    }
                    state
                });
        let actor = event.actor.id.clone();
        let cap = self.config.inventory.max_credentials;
        match &fact.kind {
            TargetFactKind::Created => {
                let history = state.history_mut();
                history.created_by = Some(actor);
                history.created_at = Some(event.time);
                history.created_event = Some(event.event_id.as_str().to_owned());
            }
            TargetFactKind::AccessKeyCreated { access_key_id } => {
                let id = access_key_id
                    .clone()
                    .unwrap_or_else(|| format!("unknown-key-{}", event.event_id));
                match state.credential_mut(&id) {
                    Some(credential) => {
                        let details = credential.details_mut();
                        details.created_at = Some(event.time);
                        details.created_by = Some(actor);
                    }
                    None => state.add_credential(
                        CredentialRecord {
                            id,
                            kind: "access_key".to_owned(),
                            created_at: Some(event.time),
                            created_by: Some(actor),
                            first_used: None,
                            last_used: None,
                            use_count: 0,
                            status: "active".to_owned(),
                            ..CredentialRecord::default()
                        },
                        cap,
                    ),
                }
            }
            TargetFactKind::LoginProfileChanged => match state.credential_mut("console-password") {
                Some(credential) => {
                    let details = credential.details_mut();
                    details.created_at = Some(event.time);
                    details.created_by = Some(actor);
                    credential.status = CredentialStatus::Active;
                }
                None => state.add_credential(
                    CredentialRecord {
                        id: "console-password".to_owned(),
                        kind: "console_password".to_owned(),
                        created_at: Some(event.time),
                        created_by: Some(actor),
                        first_used: None,
                        last_used: None,
                        use_count: 0,
                        status: "active".to_owned(),
                        ..CredentialRecord::default()
                    },
                    cap,
                ),
            },
            TargetFactKind::AccessKeyRemoved { access_key_id } => {
                if let Some(credential) = access_key_id
                    .as_deref()
                    .and_then(|id| state.credential_mut(id))
                {
                    credential.status = CredentialStatus::Inactive;
                }
            }
            TargetFactKind::Deleted => {
                for credential in &mut state.credentials {
                    credential.status = CredentialStatus::Deleted;
                }
                state.posture.enabled = false;
            }
            TargetFactKind::PolicyAttached { policy } => {
                let level = privilege_level::policy_level(&self.config.privilege, policy);
                privilege_level::raise(state, level, || {
                    format!(
                        "managed policy {policy} attached by {actor} (event {})",
                        event.event_id
                    )
                });
            }
            TargetFactKind::AssumedWithWebIdentity { provider } => {
                // A role is assumed on every CI run, and that changes nothing
                // in its inventory record: only its findings reach the
                // posture, and the record is not marked for publishing.
                let before = findings.len();
                let hashes = self.hash_cache.hashes(event, |ip| {
                    detectors::first_seen_network(ip, &self.config.first_seen)
                });
                let mut ctx = Context {
                    config: &self.config,
                    enabled: self.enabled,
                    learning: &self.learning,
                    suppressions: &self.suppressions,
                    event,
                    hashes: &hashes,
                    findings,
                    stats: &mut self.stats,
                    tenant: &mut self.tenant,
                    last_observed: &mut self.last_observed,
                };
                detectors::check_web_identity_assumed(&mut ctx, state, provider);
                posture::note_anomalies(&mut self.posture, state, &findings[before..]);
                posture::enqueue_if_changed(&mut self.posture, state);
                return;
            }
            TargetFactKind::AddedToGroup { group } => {
                let level = privilege_level::group_level(&self.config.privilege, group);
                privilege_level::raise(state, level, || {
                    format!(
                        "added to group {group} by {actor} (event {})",
                        event.event_id
                    )
                });
            }
        }
        state.inventory_dirty = true;
        posture::enqueue_if_changed(&mut self.posture, state);
    }

    /// Returns the current inventory record of one identity.
    pub fn inventory(&self, id: &IdentityId) -> Option<InventoryRecord> {
        self.identities
            .get(id, &self.interner)
            .map(|state| state.inventory_record())
    }

    /// Returns every identity in state, sorted by id.
    pub fn identities(&self) -> Vec<IdentitySummary> {
        let mut summaries: Vec<IdentitySummary> = self
            .identities
            .values(&self.interner)
            .map(|state| IdentitySummary {
                id: state.id.clone(),
                name: state.name().to_owned(),
                kind: state.kind,
                nhi_type: state.nhi_type,
                kind_reason: state.kind_reason.to_string(),
                event_count: state.event_count,
                last_seen: state.last_seen,
            })
            .collect();
        summaries.sort_by(|a, b| a.id.cmp(&b.id));
        summaries
    }

    pub fn identity_count(&self) -> usize {
        self.identities.len()
    }

    /// Returns the engine's counters, with those of the identity table.
    pub fn stats(&self) -> EngineStats {
        let counts = self.identities.counts();
        EngineStats {
            compactions: counts.compacted,
            thaws: counts.thawed,
            compaction_failures: counts.failed,
            ..self.stats.clone()
        }
    }
}

/// Classifies an identity seen only as a target: ids of the form
/// `aws:ACCOUNT:role/NAME` are roles, and anything else is taken for a user
/// until its own events classify it.
fn kind_from_id(id: &IdentityId) -> (IdentityKind, &'static str) {
    if id.as_str().contains(":role/") {
        (
            IdentityKind::NonHuman,
            "IAM role, seen so far only as the target of another identity's call",
        )
    } else {
        (
            IdentityKind::Human,
            "IAM user, seen so far only as the target of another identity's call",
        )
    }
}

/// Takes the identity's name and classification from its latest event,
/// because the decoder classifies an identity more precisely as more of its
/// events arrive.
fn refresh_identity(state: &mut IdentityState, event: &IdentityEvent, interner: &mut Interner) {
    let actor = &event.actor;
    if state.kind != actor.kind || *state.kind_reason != *actor.kind_reason {
        state.kind = actor.kind;
        state.kind_reason = interner.intern(&actor.kind_reason);
        state.inventory_dirty = true;
    }
    state.nhi_type = actor.nhi_type;
    if !state.has_name(&actor.name) {
        state.set_name(&actor.name);
    }
    if state.account.is_none() {
        state.account = actor
            .account
            .as_deref()
            .or(event.account.as_deref())
            .map(|account| interner.intern(account));
    }
    if actor.via_role.is_none() {
        state.set_arn_if_missing(actor.arn.as_deref());
    }
    let via_roles = state
        .history()
        .map_or(&[][..], |history| &history.via_roles);
    if let Some(role) = &actor.via_role
        && !via_roles.iter().any(|known| known == role)
        && via_roles.len() < MAX_VIA_ROLES
    {
        state.history_mut().via_roles.push(role.as_str().to_owned());
        state.inventory_dirty = true;
    }
}

/// Returns the built-in policies with default thresholds.
fn builtin_policies() -> PolicySet {
    match PolicySet::new(&PolicyConfig::default()) {
        Ok(policies) => policies,
        // The defaults are checked by a unit test of ispm-posture.
        Err(errors) => unreachable!("default policy settings are invalid: {errors:?}"),
    }
}
