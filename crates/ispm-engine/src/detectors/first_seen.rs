//! First use by an identity of a source network, country, ASN, user-agent
//! family, region, API action, service or resource type, once its learning
//! period is over, and use again of one it had not used for longer than the value
//! expiry.

use std::net::IpAddr;

use ispm_model::{Confidence, FindingCategory, Severity};
use serde_json::json;

use super::{Context, Hit, bit};
use crate::attack;
use crate::config::FirstSeenConfig;
use crate::state::{
    IdentityState, OptionalHash, SEEN_ATTRIBUTES, Seen, StableHasher, day_of, hash_ip,
};
use crate::usage::{is_kept_whole, kept_user_agent};
use crate::useragent;

pub const ID: &str = "first_seen";

/// The watched attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attribute {
    SourceNetwork,
    Country,
    Asn,
    UserAgent,
    Region,
    Action,
    Service,
    ResourceType,
}

impl Attribute {
    /// Every attribute, in the order they are checked, which is also the
    /// order of their groups in [`crate::state::SeenValues`].
    const ALL: [Attribute; SEEN_ATTRIBUTES] = [
        Attribute::SourceNetwork,
        Attribute::Country,
        Attribute::Asn,
        Attribute::UserAgent,
        Attribute::Region,
        Attribute::Action,
        Attribute::Service,
        Attribute::ResourceType,
    ];

    /// Returns the name used in settings and findings.
    fn name(self) -> &'static str {
        match self {
            Attribute::SourceNetwork => "source_network",
            Attribute::Country => "country",
            Attribute::Asn => "asn",
            Attribute::UserAgent => "user_agent",
            Attribute::Region => "region",
            Attribute::Action => "action",
            Attribute::Service => "service",
            Attribute::ResourceType => "resource_type",
        }
    }
}

/// Names of the attributes in the order of their groups in
/// [`crate::state::SeenValues`].
pub(crate) fn attribute_names() -> [&'static str; SEEN_ATTRIBUTES] {
    Attribute::ALL.map(Attribute::name)
}

/// Hashes the value each attribute takes in the event, in the order of
/// [`Attribute::ALL`], without building its text. A hash is `None` when the
/// event has no value for its attribute.
fn observed_hashes(ctx: &Context<'_>, state: &mut IdentityState) -> [Option<u64>; SEEN_ATTRIBUTES] {
    let event = ctx.event;
    let origin = &event.origin;
    // Calls an AWS service makes for the identity carry the service's
    // address and agent, not the caller's.
    let acting_service = event.actor.invoked_by.is_some() || origin.service.is_some();
    let is_workload = event.actor.nhi_type == Some(ispm_model::NhiType::Workload);

    // A workload's address is whichever one AWS gives its execution
    // environment, and Lambda changes it every few hours, so a new one
    // carries no signal. `workload_credentials_outside_cloud` covers theft.
    let source_network = if acting_service || is_workload {
        None
    } else {
        // `EventHashes` masks and hashes the address with `network` below.
        ctx.hashes.network.or_else(|| {
            origin
                .source_raw
                .as_deref()
                .map(|raw| StableHasher::new().part(raw).finish())
        })
    };
    let (country, asn, user_agent) = if acting_service {
        (None, None, None)
    } else {
        let network = origin.network.as_ref();
        let country = network
            .and_then(|network| network.country.as_deref())
            .map(|country| StableHasher::new().part(country).finish());
        let asn = network
            .and_then(|network| network.asn)
            .map(|asn| StableHasher::new().bytes(&asn.to_le_bytes()).finish());
        let user_agent = origin
            .user_agent
            .as_deref()
            .map(|agent| user_agent_family_hash(ctx, state, agent));
        (country, asn, user_agent)
    };
    // The region and call hashes come from `EventHashes`, which hashes with
    // `StableHasher::part` as the lines above do.
    [
        source_network,
        country,
        asn,
        user_agent,
        ctx.hashes.region,
        Some(ctx.hashes.call),
        Some(ctx.hashes.service),
        event
            .resource_type
            .as_deref()
            .map(|kind| StableHasher::new().part(kind).finish()),
    ]
}

/// Marks the cache key of an agent longer than its kept length, so that a
/// cut agent never matches a whole agent equal to its kept part.
const CUT_AGENT_KEY: u64 = 0x6375_745f_6167_656e;

/// Hashes the family of the event's user agent, reusing the identity's
/// last result when the agent is the same.
fn user_agent_family_hash(ctx: &Context<'_>, state: &mut IdentityState, agent: &str) -> u64 {
    let Some(agent_hash) = ctx.hashes.user_agent else {
        return family_hash(agent);
    };
    // The agent's hash covers the whole agent only when it was not cut.
    // Some SDKs send agents longer than the kept length on every call
    // (Terraform's run to about 300 bytes), so a cut agent is cached too,
    // under a key of its own, when its kept part alone decides the family.
    let whole = is_kept_whole(agent);
    let key = if whole {
        agent_hash
    } else {
        agent_hash ^ CUT_AGENT_KEY
    };
    if state.last_user_agent.is(key) {
        return state.user_agent_family;
    }
    let family = family_hash(agent);
    if whole
        || useragent::family_prefix_len(agent)
            .is_some_and(|len| len <= kept_user_agent(agent).len())
    {
        state.last_user_agent = OptionalHash::new(key);
        state.user_agent_family = family;
    }
    family
}

fn family_hash(agent: &str) -> u64 {
    StableHasher::new()
        .part_lowercase(useragent::family_token(agent))
        .finish()
}

/// Returns the text of the value an attribute takes, for a finding.
fn observed_text(ctx: &Context<'_>, attribute: Attribute) -> String {
    let event = ctx.event;
    let config = &ctx.config.first_seen;
    match attribute {
        Attribute::SourceNetwork => match event.origin.ip {
            Some(ip) => network_of(ip, config.ipv4_prefix, config.ipv6_prefix),
            None => event
                .origin
                .source_raw
                .as_deref()
                .unwrap_or_default()
                .to_owned(),
        },
        Attribute::UserAgent => event
            .origin
            .user_agent
            .as_deref()
            .map(useragent::family)
            .unwrap_or_default(),
        Attribute::Country => network_field(ctx, |network| network.country.clone()),
        Attribute::Asn => network_field(ctx, |network| {
            let asn = network.asn?;
            Some(match &network.as_org {
                Some(org) => format!("AS{asn} ({org})"),
                None => format!("AS{asn}"),
            })
        }),
        Attribute::Region => event
            .origin
            .region
            .as_deref()
            .unwrap_or_default()
            .to_owned(),
        Attribute::Action => format!(
            "{}:{}",
            event.service.trim_end_matches(".amazonaws.com"),
            event.action
        ),
        Attribute::Service => event.service.as_str().to_owned(),
        Attribute::ResourceType => event
            .resource_type
            .as_deref()
            .unwrap_or_default()
            .to_owned(),
    }
}

fn network_field(
    ctx: &Context<'_>,
    field: impl Fn(&ispm_model::NetworkInfo) -> Option<String>,
) -> String {
    ctx.event
        .origin
        .network
        .as_ref()
        .and_then(field)
        .unwrap_or_default()
}

/// Returns the network of `ip` whose first use the detector reports.
pub(crate) fn network(ip: IpAddr, config: &FirstSeenConfig) -> IpAddr {
    mask(ip, config.ipv4_prefix, config.ipv6_prefix)
}

/// Masks an address to its network.
fn mask(ip: IpAddr, ipv4_prefix: u8, ipv6_prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let prefix = u32::from(ipv4_prefix.min(32));
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            IpAddr::V4(std::net::Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let prefix = u32::from(ipv6_prefix.min(128));
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

/// Formats the network of an address as a CIDR, e.g. `203.0.113.0/24`.
pub(crate) fn network_of(ip: IpAddr, ipv4_prefix: u8, ipv6_prefix: u8) -> String {
    let prefix = match ip {
        IpAddr::V4(_) => ipv4_prefix.min(32),
        IpAddr::V6(_) => ipv6_prefix.min(128),
    };
    format!("{}/{prefix}", mask(ip, ipv4_prefix, ipv6_prefix))
}

/// Records the event's values without reporting, for when the detector is
/// disabled: the baseline still learns, so enabling it later is quiet.
pub(crate) fn learn_only(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let cap = ctx.config.first_seen.max_values;
    let day = day_of(ctx.event.time);
    let expiry = expiry_days(ctx);
    let hashes = observed_hashes(ctx, state);
    for (attribute, hash) in Attribute::ALL.into_iter().zip(hashes) {
        if let Some(hash) = hash {
            state
                .seen
                .observe(attribute as usize, hash, day, expiry, cap);
        }
    }
}

/// Returns `first_seen.value_expiry` in whole days, `None` when values
/// never expire.
fn expiry_days(ctx: &Context<'_>) -> Option<u16> {
    let days = ctx.config.first_seen.value_expiry.as_secs() / 86_400;
    (!ctx.config.first_seen.value_expiry.is_zero())
        .then(|| u16::try_from(days.max(1)).unwrap_or(u16::MAX))
}

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let cap = ctx.config.first_seen.max_values;
    let common = ctx.config.first_seen.tenant_common_identities;
    let day = day_of(ctx.event.time);
    let expiry = expiry_days(ctx);
    let hashes = observed_hashes(ctx, state);
    // Per attribute: `Some(None)` for a new value, `Some(Some(days))` for
    // one unused for `days`, past the expiry.
    let mut new_values: [Option<Option<u16>>; SEEN_ATTRIBUTES] = [None; SEEN_ATTRIBUTES];
    let mut tenant_users = [0u32; SEEN_ATTRIBUTES];
    ctx.last_observed.start(&state.id, day);
    // Iterated by reference, because zipping the arrays by value copies
    // each 16-byte hash through the iterator on every event.
    for (index, (&attribute, &hash)) in Attribute::ALL.iter().zip(&hashes).enumerate() {
        let Some(hash) = hash else {
            continue;
        };
        if ctx.last_observed.is_repeat(index, hash) {
            continue;
        }
        let was_high_variance = state.seen.is_high_variance(index);
        match state.seen.observe(index, hash, day, expiry, cap) {
            Seen::Known | Seen::Overflow => {}
            Seen::New => {
                tenant_users[index] = note_tenant_use(ctx, state, attribute, hash, true);
                if !was_high_variance {
                    new_values[index] = Some(None);
                }
            }
            Seen::Expired { days_unused } => {
                tenant_users[index] = note_tenant_use(ctx, state, attribute, hash, false);
                if !was_high_variance {
                    new_values[index] = Some(Some(days_unused));
                }
            }
        }
    }
    if new_values.iter().all(Option::is_none) || !ctx.is_learned(state, const { bit(ID) }) {
        return;
    }
    // The ASN counts as known when the identity used it before or the
    // tenant commonly does.
    let asn_index = Attribute::Asn as usize;
    let asn_known = hashes[asn_index].is_some()
        && (new_values[asn_index].is_none() || (common > 0 && tenant_users[asn_index] >= common));
    for (index, attribute) in Attribute::ALL.into_iter().enumerate() {
        let Some(days_unused) = new_values[index] else {
            continue;
        };
        if common > 0 && tenant_users[index] >= common {
            continue;
        }
        // Addresses inside a known ASN change with DHCP leases, mobile
        // carriers and CI runner pools, so a new network there carries no
        // signal; a new ASN still does. Non-human identities also move
        // between the countries of their provider's pool, while a person's
        // new country stays worth reporting.
        if asn_known
            && (attribute == Attribute::SourceNetwork
                || (attribute == Attribute::Country && state.kind.is_non_human()))
        {
            continue;
        }
        let known = state.seen.len(index).saturating_sub(1);
        report_new_value(ctx, state, attribute, known, days_unused);
    }
}

/// Returns how many identities of the tenant used the value before: for
/// actions and services, of the identity's largest peer group using it.
/// With `record` set, for the identity's first use of the value, it also
/// counts the identity as one more user. Networks count by their /16 (IPv4)
/// or /32 (IPv6) block, so that the many /24 blocks of one provider's pool
/// add up.
fn note_tenant_use(
    ctx: &mut Context<'_>,
    state: &IdentityState,
    attribute: Attribute,
    hash: u64,
    record: bool,
) -> u32 {
    let code = attribute as u8;
    let hash = match attribute {
        Attribute::SourceNetwork => match ctx.event.origin.ip {
            Some(ip) => hash_ip(StableHasher::new(), mask(ip, 16, 32)).finish(),
            None => hash,
        },
        Attribute::Country | Attribute::Asn | Attribute::UserAgent => hash,
        Attribute::Action | Attribute::Service | Attribute::ResourceType => {
            let session_name = ctx.event.actor.session_name.as_deref();
            let groups = ctx.tenant.peer_groups(state, session_name);
            return if record {
                ctx.tenant.note_new_peer_user(code, &groups, hash)
            } else {
                ctx.tenant.peer_users(code, &groups, hash)
            };
        }
        Attribute::Region => return 0,
    };
    if record {
        ctx.tenant.note_new_user(code, hash)
    } else {
        ctx.tenant.users(code, hash)
    }
}

/// Reports a value the identity used for the first time, or again after
/// `days_unused` days, when its attribute is watched. `known` is the number
/// of other values the identity keeps for the attribute.
// Kept out of line: it runs for few events, and inlined it would make the
// code that runs for every event longer.
#[cold]
#[inline(never)]
fn report_new_value(
    ctx: &mut Context<'_>,
    state: &mut IdentityState,
    attribute: Attribute,
    known: usize,
    days_unused: Option<u16>,
) {
    let watched = ctx
        .config
        .first_seen
        .attributes
        .iter()
        .any(|name| name == attribute.name());
    if !watched {
        return;
    }
    let history_days = state
        .first_seen
        .map(|first| ctx.event.time.saturating_sub(first) / 86_400_000)
        .unwrap_or(0);
    let value = observed_text(ctx, attribute);
    let attribute = attribute.name();
    let label = attribute.replace('_', " ");
    let mut hit = Hit::new(ID, format!("new_{attribute}"), FindingCategory::Anomaly);
    match days_unused {
        None => {
            hit.title = format!("{} used a new {label}: {value}", state.name());
            hit.description = format!(
                "First time in {history_days} days of history that {} used this {label}; \
                 {known} known values before it.",
                state.name()
            );
        }
        Some(days) => {
            hit.title = format!(
                "{} used a {label} again after {days} days: {value}",
                state.name()
            );
            hit.description = format!(
                "{} had not used this {label} for {days} days, longer than the value expiry, \
                 in {history_days} days of history; {known} other known values.",
                state.name()
            );
        }
    }
    hit.severity = if attribute == "country" {
        Severity::Medium
    } else if attribute == "action" {
        Severity::Informational
    } else {
        Severity::Low
    };
    hit.confidence = Confidence::Low;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Check with the identity's owner whether this new usage is expected. \
                       Repeated new values from one source suggest a stolen credential.";
    hit.data = json!({
        "attribute": attribute,
        "value": value,
        "known_values": known,
        "history_days": history_days,
        "events_before": state.event_count,
    });
    if let (Some(days), Some(data)) = (days_unused, hit.data.as_object_mut()) {
        data.insert("days_unused".to_owned(), json!(days));
    }
    hit.repeat_key = value;
    ctx.emit(state, hit);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_masked_to_the_prefix() {
        let ip: IpAddr = "203.0.113.77".parse().expect("valid");
        assert_eq!(network_of(ip, 24, 48), "203.0.113.0/24");
        let ip: IpAddr = "2001:db8:1:2::1".parse().expect("valid");
        assert_eq!(network_of(ip, 24, 48), "2001:db8:1::/48");
    }
}
