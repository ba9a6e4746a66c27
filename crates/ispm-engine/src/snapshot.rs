//! Merges identity snapshots (credential reports, JSON inventories) into the
//! state that events build.
//!
//! A snapshot is authoritative for what it states at its `as_of` time:
//! owner, tags, MFA, enabled, privilege and each credential's status and
//! rotation date. Times of use only move forward, so a snapshot older than
//! the events seen never takes back a later last-used time.

use ispm_model::{
    CredentialRecord, EventTime, IdentityKind, IdentitySnapshot, NhiType, SnapshotCredential,
};

use crate::engine::Engine;
use crate::intern::Interner;
use crate::owner::assign_owner;
use std::sync::Arc;

use crate::state::{
    CredentialId, CredentialKind, CredentialState, CredentialStatus, IdentityState,
};

/// A report slot matches an event-seen key created within this many
/// milliseconds of the slot's last rotation: CreateAccessKey's event time and
/// the report's rotation time are the same moment, rounded to the second.
const SLOT_MATCH_TOLERANCE_MS: i64 = 60_000;

impl Engine {
    /// Merges one snapshot into the state of the identity it describes,
    /// creating the identity when no event has named it yet.
    pub fn apply_snapshot(&mut self, snapshot: &IdentitySnapshot) {
        self.stats.snapshots += 1;
        let config = &self.config;
        let interner = &mut self.interner;
        let state = self
            .identities
            .entry(snapshot.identity.clone())
            .or_insert_with(interner, |interner| new_state(snapshot, interner));
        merge(state, snapshot, config.inventory.max_credentials, interner);
        assign_owner(&config.inventory, state);
        state.inventory_dirty = true;
        crate::posture::enqueue_if_changed(&mut self.posture, state);
    }
}

fn new_state(snapshot: &IdentitySnapshot, interner: &mut Interner) -> IdentityState {
    let (kind, reason) = match snapshot.kind {
        Some(kind) => (kind, stated_reason(snapshot, kind)),
        None if snapshot.identity.as_str().contains(":role/") => (
            IdentityKind::NonHuman,
            format!("IAM role, so far seen only in {}", snapshot.source),
        ),
        None => (
            IdentityKind::Human,
            format!(
                "IAM user, so far seen only in {} and taken for a person until its events say otherwise",
                snapshot.source
            ),
        ),
    };
    let mut state = IdentityState::new(
        snapshot.identity.clone(),
        snapshot.name.clone(),
        kind,
        interner.intern(&reason),
    );
    if kind == IdentityKind::NonHuman {
        state.nhi_type = snapshot.nhi_type.or(Some(NhiType::Role));
    }
    state
}

fn stated_reason(snapshot: &IdentitySnapshot, kind: IdentityKind) -> String {
    snapshot
        .kind_reason
        .clone()
        .unwrap_or_else(|| format!("{} states kind {kind}", snapshot.source))
}

fn merge(
    state: &mut IdentityState,
    snapshot: &IdentitySnapshot,
    max_credentials: usize,
    interner: &mut Interner,
) {
    let newest = state
        .posture
        .snapshot_as_of()
        .is_none_or(|known| snapshot.as_of >= known);
    if let Some(kind) = snapshot.kind
        && kind != state.kind
        && newest
    {
        state.kind = kind;
        state.kind_reason = interner.intern(&stated_reason(snapshot, kind));
        state.nhi_type = snapshot.nhi_type.or(state.nhi_type);
    }
    if state.account.is_none() {
        state.account = snapshot
            .account
            .as_deref()
            .map(|account| interner.intern(account));
    }
    state.set_arn_if_missing(snapshot.arn.as_deref());
    let known_created_at = state.history().and_then(|history| history.created_at);
    if let Some(created) = snapshot.created_at
        && known_created_at.is_none_or(|known| created < known)
    {
        state.history_mut().created_at = Some(created);
    }
    if state
        .history()
        .is_none_or(|history| history.created_by.is_none())
        && snapshot.created_by.is_some()
    {
        state
            .history_mut()
            .created_by
            .clone_from(&snapshot.created_by);
    }
    state.posture.add_source(&snapshot.source);

    if newest {
        let details = state.posture.details_mut();
        details.snapshot_as_of = Some(snapshot.as_of);
        if let Some(owner) = &snapshot.owner {
            details.owner = Some(owner.clone());
            details.owner_source = Some(snapshot.source.clone());
        }
        if !snapshot.tags.is_empty() {
            details.tags.clone_from(&snapshot.tags);
        }
        if let Some(enabled) = snapshot.enabled {
            state.posture.enabled = enabled;
        }
        if snapshot.mfa_active.is_some() {
            state.posture.mfa_active = snapshot.mfa_active;
        }
        if let Some(level) = snapshot.privilege {
            state.posture.privilege = level;
            state.posture.details_mut().privilege_reason = snapshot
                .privilege_reason
                .clone()
                .unwrap_or_else(|| format!("{} states {}", snapshot.source, level.as_str()));
        }
    }
    for credential in &snapshot.credentials {
        merge_credential(state, credential, snapshot, newest, max_credentials);
    }
}

fn merge_credential(
    state: &mut IdentityState,
    reported: &SnapshotCredential,
    snapshot: &IdentitySnapshot,
    newest: bool,
    max_credentials: usize,
) {
    let index = find_credential(state, reported);
    let Some(index) = index else {
        state.add_credential(new_record(reported), max_credentials);
        return;
    };
    let Some(record) = state.credentials.get_mut(index) else {
        return;
    };
    if record.slot.is_none() {
        record.slot = reported.slot;
    }
    // A report slot found under a key id an inventory document states
    // takes that id.
    if is_slot_name(record.id.as_str()) && !is_slot_name(&reported.id) {
        record.id = CredentialId::new(&reported.id);
    }
    if let Some(used) = reported.last_used
        && record.last_used.is_none_or(|known| used > known)
    {
        record.last_used = Some(used);
        let region = reported.last_used_region.as_deref().map(Arc::from);
        let service = reported.last_used_service.as_deref().map(Arc::from);
        if region.is_some() || service.is_some() || record.details().is_some() {
            let details = record.details_mut();
            details.last_used_region = region;
            details.last_used_service = service;
        }
    }
    if record.created_at().is_none() && reported.created_at.is_some() {
        record.details_mut().created_at = reported.created_at;
    }
    // The snapshot sets status and rotation, unless an event showed the
    // key after the snapshot was taken.
    let used_after = record.last_used.is_some_and(|used| used > snapshot.as_of);
    if newest && !used_after {
        record.status = status(reported);
    }
    if newest && reported.last_rotated.is_some() {
        record.details_mut().last_rotated = reported.last_rotated;
    }
}

/// Finds the credential a reported one describes: by id, by report slot, or
/// an event-seen long-term key whose creation time matches the slot's last
/// rotation.
fn find_credential(state: &IdentityState, reported: &SnapshotCredential) -> Option<usize> {
    let credentials = &state.credentials;
    if let Some(index) = credentials
        .iter()
        .position(|credential| credential.id.is(&reported.id))
    {
        return Some(index);
    }
    if let Some(slot) = reported.slot
        && let Some(index) = credentials.iter().position(|credential| {
            credential.slot == Some(slot) && credential.kind.as_str() == reported.kind
        })
    {
        return Some(index);
    }
    let unbound = |credential: &&CredentialState| {
        credential.kind == CredentialKind::AccessKey && credential.slot.is_none()
    };
    let Some(rotated) = reported.last_rotated else {
        return bind_to_only_active_key(credentials, reported, unbound);
    };
    let same_rotation = |record: &CredentialState| {
        record
            .created_at()
            .or(record.last_rotated())
            .is_some_and(|created| within_tolerance(created, rotated))
    };
    if reported.slot.is_some()
        && let Some(index) = credentials
            .iter()
            .position(|credential| unbound(&credential) && same_rotation(credential))
    {
        return Some(index);
    }
    // A key an inventory document names by id, that a credential report
    // already gave as a slot rotated at the same time.
    if reported.slot.is_none()
        && !is_slot_name(&reported.id)
        && let Some(index) = credentials.iter().position(|credential| {
            credential.kind.as_str() == reported.kind
                && is_slot_name(credential.id.as_str())
                && same_rotation(credential)
        })
    {
        return Some(index);
    }
    bind_to_only_active_key(credentials, reported, unbound)
}

/// Returns the only active long-term key that events show and no report
/// slot names yet, for an active report slot.
fn bind_to_only_active_key(
    credentials: &[CredentialState],
    reported: &SnapshotCredential,
    unbound: impl Fn(&&CredentialState) -> bool,
) -> Option<usize> {
    // Events used one long-term key that no report slot names yet: an
    // active slot of the report is that key.
    // NOTE: with two active slots and one key seen, the first slot merged
    // takes the key, which may be the wrong one.
    if reported.kind != "access_key" || !reported.active || reported.slot.is_none() {
        return None;
    }
    let mut candidates = credentials.iter().enumerate().filter(|(_, credential)| {
        unbound(credential) && credential.status == CredentialStatus::Active
    });
    match (candidates.next(), candidates.next()) {
        (Some((index, _)), None) => Some(index),
        _ => None,
    }
}

/// True for the names credential report slots go by until tied to a key id.
fn is_slot_name(id: &str) -> bool {
    id.strip_prefix("access_key_")
        .or_else(|| id.strip_prefix("cert_"))
        .is_some_and(|slot| slot.parse::<u8>().is_ok())
}

fn within_tolerance(a: EventTime, b: EventTime) -> bool {
    a.saturating_sub(b).abs() <= SLOT_MATCH_TOLERANCE_MS
}

fn status(reported: &SnapshotCredential) -> CredentialStatus {
    if reported.active {
        CredentialStatus::Active
    } else {
        CredentialStatus::Inactive
    }
}

fn new_record(reported: &SnapshotCredential) -> CredentialRecord {
    CredentialRecord {
        id: reported.id.clone(),
        kind: reported.kind.clone(),
        created_at: reported.created_at,
        created_by: None,
        first_used: None,
        last_used: reported.last_used,
        use_count: 0,
        status: status(reported).as_str().to_owned(),
        last_rotated: reported.last_rotated,
        slot: reported.slot,
        last_used_region: reported.last_used_region.clone(),
        last_used_service: reported.last_used_service.clone(),
        consumers: Vec::new(),
        consumers_truncated: false,
    }
}

/// Ties a long-term key first seen in an event to the identity's only
/// unbound, active report slot, so the slot's rotation date and the key's
/// use are one credential. Returns true when a slot was bound.
pub(crate) fn bind_key_to_slot(state: &mut IdentityState, key: &str) -> bool {
    let mut unbound = state.credentials.iter_mut().filter(|credential| {
        credential.kind == CredentialKind::AccessKey
            && credential.status == CredentialStatus::Active
            && credential.slot.is_some()
            && credential.id.as_str().starts_with("access_key_")
    });
    let (Some(slot), None) = (unbound.next(), unbound.next()) else {
        return false;
    };
    slot.id = CredentialId::new(key);
    true
}
