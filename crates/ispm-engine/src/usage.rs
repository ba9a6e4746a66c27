//! Usage bookkeeping: the last seen time, credentials in use and consumers
//! that each event adds to its actor's inventory.

use ispm_model::{CredentialRecord, EventTime, IdentityEvent, NhiType};

use crate::EngineConfig;
use crate::consumers::Consumers;
use crate::snapshot::bind_key_to_slot;
use crate::state::{IdentityState, StableHasher, hash_ip, stable_hash};

/// Maximum length of a user agent kept in the inventory; longer ones are cut, because
/// some clients send kilobytes of platform details.
const MAX_USER_AGENT_LEN: usize = 256;

/// Updates last seen, credentials and consumers, and marks the inventory
/// record dirty when something worth publishing changed.
pub(crate) fn record_usage(
    config: &EngineConfig,
    state: &mut IdentityState,
    event: &IdentityEvent,
) {
    let time = event.time;
    if state.event_count == 0
        && !state
            .posture
            .sources
            .iter()
            .any(|source| source == "events")
    {
        state.posture.sources.push("events".to_owned());
    }
    state.event_count += 1;
    state.last_seen = Some(state.last_seen.map_or(time, |last| last.max(time)));

    let cap = config.inventory.max_consumers;
    let workload = state.nhi_type == Some(NhiType::Workload);
    let mut new_consumer = record_consumers(&mut state.consumers, event, workload, cap);
    if let Some(key) = &event.actor.access_key_id {
        new_consumer |= record_key_use(config, state, key, time);
        // Session keys expire by themselves; only long-term keys are rotated,
        // so only they keep consumers of their own.
        if !key.starts_with("ASIA")
            && let Some(credential) = state.credential_mut(key)
        {
            new_consumer |= record_consumers(&mut credential.consumers, event, false, cap);
        }
    }
    if new_consumer {
        state.inventory_dirty = true;
    }

    let interval =
        i64::try_from(config.inventory.last_seen_interval.as_millis()).unwrap_or(i64::MAX);
    let stale = state
        .inventory_published_at
        .is_none_or(|published| time.saturating_sub(published) >= interval);
    if stale {
        state.inventory_dirty = true;
    }
}

/// Records every consumer attribute of one event. Returns true when one is
/// new.
fn record_consumers(
    consumers: &mut Consumers,
    event: &IdentityEvent,
    workload: bool,
    cap: usize,
) -> bool {
    let time = event.time;
    let origin = &event.origin;
    let mut new_consumer = false;
    if let Some(ip) = origin.ip {
        let hash = hash_ip(StableHasher::new(), ip).finish();
        new_consumer |= consumers.record("source", hash, || ip.to_string(), time, cap);
    } else if let Some(source) = origin.service.as_deref().or(origin.source_raw.as_deref()) {
        let hash = stable_hash(&[source]);
        new_consumer |= consumers.record("source", hash, || source.to_owned(), time, cap);
    }
    if let Some(agent) = &origin.user_agent {
        let agent = truncate(agent, MAX_USER_AGENT_LEN);
        let hash = stable_hash(&[agent]);
        new_consumer |= consumers.record("user_agent", hash, || agent.to_owned(), time, cap);
    }
    if let Some(region) = &origin.region {
        let hash = stable_hash(&[region]);
        new_consumer |= consumers.record("region", hash, || region.clone(), time, cap);
    }

    let network = match (
        &origin.service,
        origin.network.as_ref().and_then(|n| n.cloud),
    ) {
        (Some(_), _) => Some("aws_service"),
        (None, Some(true)) => Some("aws"),
        (None, Some(false)) => Some("external"),
        (None, None) => None,
    };
    if let Some(network) = network {
        let hash = stable_hash(&[network]);
        new_consumer |= consumers.record("network", hash, || network.to_owned(), time, cap);
    }
    if let Some(info) = &origin.network
        && let Some(asn) = info.asn
    {
        let hash = StableHasher::new().bytes(&asn.to_le_bytes()).finish();
        let value = || match &info.as_org {
            Some(org) => format!("AS{asn} {org}"),
            None => format!("AS{asn}"),
        };
        new_consumer |= consumers.record("asn", hash, value, time, cap);
    }
    let service = event.service.as_str();
    let hash = stable_hash(&[service]);
    new_consumer |= consumers.record("service", hash, || service.to_owned(), time, cap);
    if workload && let Some(session) = &event.actor.session_name {
        let hash = stable_hash(&[session]);
        new_consumer |= consumers.record("workload", hash, || session.clone(), time, cap);
    }
    new_consumer
}

/// Counts a use of an access key, adding the key to the identity's
/// credentials (or tying it to a credential report slot) when it is new.
/// Returns true when the credential list changed.
fn record_key_use(
    config: &EngineConfig,
    state: &mut IdentityState,
    key: &str,
    time: EventTime,
) -> bool {
    let long_term = !key.starts_with("ASIA");
    let known = state.credential_mut(key).is_some();
    let bound = !known && long_term && bind_key_to_slot(state, key);
    if let Some(credential) = state.credential_mut(key) {
        let record = &mut credential.record;
        record.use_count += 1;
        record.first_used = Some(record.first_used.map_or(time, |first| first.min(time)));
        record.last_used = Some(record.last_used.map_or(time, |last| last.max(time)));
        return bound;
    }
    let kind = if long_term {
        "access_key"
    } else {
        "temporary_access_key"
    };
    state.add_credential(
        CredentialRecord {
            id: key.to_owned(),
            kind: kind.to_owned(),
            first_used: Some(time),
            last_used: Some(time),
            use_count: 1,
            status: "active".to_owned(),
            ..CredentialRecord::default()
        },
        config.inventory.max_credentials,
    );
    true
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
