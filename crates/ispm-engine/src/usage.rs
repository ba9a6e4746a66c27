//! Usage bookkeeping: the last seen time, credentials in use and consumers
//! that each event adds to its actor's inventory.

use std::borrow::Cow;

use arcstr::ArcStr;

use ispm_model::{EventTime, IdentityEvent, NhiType};

use crate::EngineConfig;
use crate::consumers::{ConsumerAttribute, Consumers};
use crate::detectors::console;
use crate::intern::Interner;
use crate::snapshot::bind_key_to_slot;
use crate::state::{
    CredentialConsumers, CredentialKind, CredentialState, EVENTS_SOURCE, EventHashes,
    IdentityState, stable_hash,
};

/// Maximum length of a user agent kept in the inventory; longer ones are cut, because
/// some clients send kilobytes of platform details.
const MAX_USER_AGENT_LEN: usize = 256;

/// Updates last seen, credentials and consumers, and marks the inventory
/// record dirty when something worth publishing changed.
pub(crate) fn record_usage(
    config: &EngineConfig,
    state: &mut IdentityState,
    event: &IdentityEvent,
    hashes: &EventHashes,
    interner: &mut Interner,
) {
    let time = event.time;
    if state.event_count == 0 {
        state.posture.add_source(EVENTS_SOURCE);
    }
    state.event_count += 1;
    state.last_seen = Some(state.last_seen.map_or(time, |last| last.max(time)));

    let cap = config.inventory.max_consumers;
    let workload = state.nhi_type == Some(NhiType::Workload);
    let observed = EventConsumers::of(event, hashes, workload);
    // Session keys expire by themselves; only long-term keys are rotated,
    // so only they keep consumers of their own.
    let long_term_key = event
        .actor
        .access_key_id
        .as_deref()
        .filter(|key| !key.starts_with("ASIA"));
    let password = password_sign_in(event);
    let names_workload = observed.for_credential().len() != observed.all().len();
    state.split_credential_consumers(|id| {
        !names_workload
            && (long_term_key.is_some_and(|key| id.is(key))
                || (password.is_some() && id.is(CONSOLE_PASSWORD)))
    });
    // A credential first used by the identity's first event, which names no
    // workload session, records what the identity records.
    let shareable = state.consumers.is_empty() && !names_workload;
    let mut new_consumer =
        record_consumers(&mut state.consumers, observed.all(), event, cap, interner);
    if let Some(key) = &event.actor.access_key_id {
        let (index, changed) = record_key_use(config, state, key, time);
        new_consumer |= changed;
        if long_term_key.is_some()
            && let Some(credential) = index.and_then(|index| state.credentials.get_mut(index))
        {
            new_consumer |=
                record_credential_consumers(credential, shareable, &observed, event, cap, interner);
        }
    }
    if let Some(mfa_used) = password {
        let (index, changed) = record_password_use(config, state, time);
        new_consumer |= changed;
        if let Some(credential) = index.and_then(|index| state.credentials.get_mut(index)) {
            new_consumer |=
                record_credential_consumers(credential, shareable, &observed, event, cap, interner);
        }
        // The console requires MFA from every user with an MFA device, so a
        // sign-in shows whether the user has one, unless a newer snapshot
        // states otherwise.
        if let Some(mfa_used) = mfa_used
            && state
                .posture
                .snapshot_as_of()
                .is_none_or(|as_of| time >= as_of)
            && state.posture.mfa_active != Some(mfa_used)
        {
            state.posture.mfa_active = Some(mfa_used);
            new_consumer = true;
        }
    }
    if new_consumer {
        state.inventory_dirty = true;
    }

    let interval =
        i64::try_from(config.inventory.last_seen_interval.as_millis()).unwrap_or(i64::MAX);
    // An identity never published has `NO_TIME`, which is more than any
    // interval before any event time.
    let stale = time.saturating_sub(state.inventory_published_at) >= interval;
    if stale {
        state.inventory_dirty = true;
    }
}

/// Consumer attributes one event can name: one value of each at most.
const MAX_EVENT_CONSUMERS: usize = ConsumerAttribute::COUNT;

/// Values of `network` consumers. A value's index in this list is its hash,
/// because the hash only has to distinguish values of one attribute.
const NETWORKS: [&str; 3] = ["aws_service", "aws", "external"];

/// The consumers one event names, each with the hash it is found by.
/// Computed once per event, because the identity and the long-term key it
/// used record the same consumers.
struct EventConsumers {
    entries: [(ConsumerAttribute, u64); MAX_EVENT_CONSUMERS],
    len: usize,
}

impl EventConsumers {
    fn of(event: &IdentityEvent, hashes: &EventHashes, workload: bool) -> Self {
        let origin = &event.origin;
        let mut observed = EventConsumers {
            entries: [(ConsumerAttribute::Service, 0); MAX_EVENT_CONSUMERS],
            len: 0,
        };
        if let Some(ip) = hashes.ip {
            observed.push(ConsumerAttribute::Source, ip);
        } else if let Some(source) = origin.service.as_deref().or(origin.source_raw.as_deref()) {
            observed.push(ConsumerAttribute::Source, stable_hash(&[source]));
        }
        if let Some(agent) = hashes.user_agent {
            observed.push(ConsumerAttribute::UserAgent, agent);
        }
        if let Some(region) = hashes.region {
            observed.push(ConsumerAttribute::Region, region);
        }
        if let Some(network) = network_index(event) {
            observed.push(ConsumerAttribute::Network, network as u64);
        }
        if let Some(asn) = origin.network.as_ref().and_then(|info| info.asn) {
            observed.push(ConsumerAttribute::Asn, u64::from(asn));
        }
        observed.push(ConsumerAttribute::Service, hashes.service);
        // Kept last, so that `for_credential` can leave it out.
        if workload && let Some(session) = &event.actor.session_name {
            observed.push(ConsumerAttribute::Workload, stable_hash(&[session]));
        }
        observed
    }

    fn push(&mut self, attribute: ConsumerAttribute, hash: u64) {
        if let Some(entry) = self.entries.get_mut(self.len) {
            *entry = (attribute, hash);
            self.len += 1;
        }
    }

    fn all(&self) -> &[(ConsumerAttribute, u64)] {
        &self.entries[..self.len]
    }

    /// Returns the consumers a long-term key records: all but the workload
    /// session, which only the identity keeps.
    fn for_credential(&self) -> &[(ConsumerAttribute, u64)] {
        match self.all() {
            [rest @ .., (ConsumerAttribute::Workload, _)] => rest,
            all => all,
        }
    }
}

/// Records the consumers of one event. Returns true when one is new.
fn record_consumers(
    consumers: &mut Consumers,
    observed: &[(ConsumerAttribute, u64)],
    event: &IdentityEvent,
    cap: usize,
    interner: &mut Interner,
) -> bool {
    consumers.record_all(
        observed,
        |attribute| consumer_value(event, attribute, interner),
        event.time,
        cap,
    )
}

/// Records the consumers of one event for a long-term credential the
/// event used. Returns true when one is new to the credential.
fn record_credential_consumers(
    credential: &mut CredentialState,
    shareable: bool,
    observed: &EventConsumers,
    event: &IdentityEvent,
    cap: usize,
    interner: &mut Interner,
) -> bool {
    match &mut credential.consumers {
        // The identity recorded the same consumers for this event, and
        // reported any new one.
        CredentialConsumers::SameAsIdentity => false,
        CredentialConsumers::Unused if shareable => {
            credential.consumers = CredentialConsumers::SameAsIdentity;
            false
        }
        CredentialConsumers::Unused => {
            let mut own = Box::new(Consumers::new());
            let new = record_consumers(&mut own, observed.for_credential(), event, cap, interner);
            credential.consumers = CredentialConsumers::Own(own);
            new
        }
        CredentialConsumers::Own(own) => {
            record_consumers(own, observed.for_credential(), event, cap, interner)
        }
    }
}

/// Builds the text of a consumer that [`EventConsumers::of`] found in the
/// event, for a consumer seen for the first time. Addresses get a copy of
/// their own, because they are many and would fill the table of shared
/// texts; other values are shared.
fn consumer_value(
    event: &IdentityEvent,
    attribute: ConsumerAttribute,
    interner: &mut Interner,
) -> ArcStr {
    if let (ConsumerAttribute::Source, Some(ip)) = (attribute, event.origin.ip) {
        return ArcStr::from(ip.to_string());
    }
    interner.intern(&consumer_text(event, attribute))
}

/// Returns the text of a consumer's value. The text is borrowed from the
/// event where possible, because the interner copies only new texts.
fn consumer_text(event: &IdentityEvent, attribute: ConsumerAttribute) -> Cow<'_, str> {
    let origin = &event.origin;
    match attribute {
        ConsumerAttribute::Source => match origin.ip {
            Some(ip) => Cow::Owned(ip.to_string()),
            None => Cow::Borrowed(
                origin
                    .service
                    .as_deref()
                    .or(origin.source_raw.as_deref())
                    .unwrap_or_default(),
            ),
        },
        ConsumerAttribute::UserAgent => Cow::Borrowed(kept_user_agent(
            origin.user_agent.as_deref().unwrap_or_default(),
        )),
        ConsumerAttribute::Region => Cow::Borrowed(origin.region.as_deref().unwrap_or_default()),
        ConsumerAttribute::Network => Cow::Borrowed(
            network_index(event)
                .and_then(|index| NETWORKS.get(index).copied())
                .unwrap_or_default(),
        ),
        ConsumerAttribute::Asn => match &origin.network {
            Some(info) => match (info.asn, &info.as_org) {
                (Some(asn), Some(org)) => Cow::Owned(format!("AS{asn} {org}")),
                (Some(asn), None) => Cow::Owned(format!("AS{asn}")),
                (None, _) => Cow::Borrowed(""),
            },
            None => Cow::Borrowed(""),
        },
        ConsumerAttribute::Service => Cow::Borrowed(event.service.as_str()),
        ConsumerAttribute::Workload => {
            Cow::Borrowed(event.actor.session_name.as_deref().unwrap_or_default())
        }
    }
}

/// Returns the index in [`NETWORKS`] of the network a call came from: an
/// AWS service, an AWS address or another address; `None` when no
/// enrichment decides it.
fn network_index(event: &IdentityEvent) -> Option<usize> {
    let origin = &event.origin;
    match (
        &origin.service,
        origin.network.as_ref().and_then(|n| n.cloud),
    ) {
        (Some(_), _) => Some(0),
        (None, Some(true)) => Some(1),
        (None, Some(false)) => Some(2),
        (None, None) => None,
    }
}

/// Counts a use of an access key, adding the key to the identity's
/// credentials (or tying it to a credential report slot) when it is new.
/// Returns the index of the key's credential, and true when the credential
/// list changed.
fn record_key_use(
    config: &EngineConfig,
    state: &mut IdentityState,
    key: &str,
    time: EventTime,
) -> (Option<usize>, bool) {
    let long_term = !key.starts_with("ASIA");
    let mut index = state.credential_index(key);
    let mut bound = false;
    if index.is_none() && long_term && bind_key_to_slot(state, key) {
        bound = true;
        index = state.credential_index(key);
    }
    if let Some(credential) = index.and_then(|index| state.credentials.get_mut(index)) {
        count_use(credential, time);
        return (index, bound);
    }
    let kind = if long_term {
        CredentialKind::AccessKey
    } else {
        CredentialKind::TemporaryAccessKey
    };
    add_used_credential(config, state, key, kind, time)
}

/// Adds an active credential first used at `time`. Returns its index and
/// `true`, because the credential list changed.
fn add_used_credential(
    config: &EngineConfig,
    state: &mut IdentityState,
    id: &str,
    kind: CredentialKind,
    time: EventTime,
) -> (Option<usize>, bool) {
    state.add_credential_state(
        CredentialState::first_used(id, kind, time),
        config.inventory.max_credentials,
    );
    // `add_credential_state` appends the new credential.
    (state.credentials.len().checked_sub(1), true)
}

/// Returns the part of a user agent the inventory keeps.
pub(crate) fn kept_user_agent(agent: &str) -> &str {
    truncate(agent, MAX_USER_AGENT_LEN)
}

/// True when [`kept_user_agent`] returns the whole agent.
pub(crate) fn is_kept_whole(agent: &str) -> bool {
    agent.len() <= MAX_USER_AGENT_LEN
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

/// Returns `Some(mfa_used)` for a successful console sign-in with an IAM
/// user's or the root user's password, `None` for any other event. Sign-ins
/// through SSO or SAML use no AWS password.
fn password_sign_in(event: &IdentityEvent) -> Option<Option<bool>> {
    if !console::is_successful_console_login(event)
        || !matches!(event.actor.principal_type.as_str(), "IAMUser" | "Root")
    {
        return None;
    }
    let mfa_used = console::mfa_used(event).map(|used| used.eq_ignore_ascii_case("yes"));
    Some(mfa_used)
}

/// Counts a console sign-in as use of the identity's console password,
/// adding the password to its credentials when no event or snapshot has
/// shown it yet. Returns its index and whether the credential list changed.
fn record_password_use(
    config: &EngineConfig,
    state: &mut IdentityState,
    time: EventTime,
) -> (Option<usize>, bool) {
    if let Some(index) = state.credential_index(CONSOLE_PASSWORD) {
        if let Some(credential) = state.credentials.get_mut(index) {
            count_use(credential, time);
        }
        return (Some(index), false);
    }
    add_used_credential(
        config,
        state,
        CONSOLE_PASSWORD,
        CredentialKind::ConsolePassword,
        time,
    )
}

/// Counts one use of a credential at `time`.
fn count_use(record: &mut CredentialState, time: EventTime) {
    record.use_count += 1;
    record.first_used = Some(record.first_used.map_or(time, |first| first.min(time)));
    record.last_used = Some(record.last_used.map_or(time, |last| last.max(time)));
}

/// Credential id of an identity's console password.
const CONSOLE_PASSWORD: &str = "console-password";
