//! Tenant context for the first-seen detector: how many identities of the
//! engine already use a value. A source network, country, ASN or user agent
//! that many identities use (a corporate egress, the CI provider's network,
//! the standard CLI) is common in the tenant, so one more identity using it
//! is not reported as new.
//!
//! Actions and sensitive calls count among peers instead: non-human
//! identities that share the last word of their name, their owner, or their
//! Kubernetes namespace. A value that enough peers of any one group already
//! use is routine for one more of them.
//!
//! NOTE: on Kafka each partition's engine only processes its own identities,
//! so there "the tenant" is the identities of one events partition.

use std::collections::HashMap;

use crate::config::FirstSeenConfig;
use crate::state::{IdentityState, StableHasher};

/// Distinct identities per (attribute, value hash), and the settings that
/// place an identity in its peer groups. Bounded by the number of distinct
/// values the tenant uses, not by events; past [`MAX_TRACKED_VALUES`] new
/// values are no longer tracked.
#[derive(Debug, Default)]
pub(crate) struct TenantPrevalence {
    identities: HashMap<(u8, u64), u32, foldhash::fast::FixedState>,
    /// `engine.first_seen.role_namespace_patterns`, compiled.
    namespace_patterns: Vec<regex::Regex>,
}

/// Values tracked at most: enough for every address block and agent family
/// of a large organisation, and about 40 MB at worst.
const MAX_TRACKED_VALUES: usize = 1 << 20;

/// Prefix of the user name of a Kubernetes service account,
/// `system:serviceaccount:<namespace>:<name>`.
const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// The peer groups of an identity, as hashes: by name, by owner and by
/// Kubernetes namespace. A group is `None` when the identity has none.
pub(crate) type PeerGroups = [Option<u64>; 3];

/// Returns the hash of the name peer group of a non-human identity: its kind
/// and the last word of its name that is not a number or an id, so that
/// `github-actions-loyalty-deploy-2` and `catalog-cicd-deploy` are peers
/// (`deploy`), as are `search-web-ec2` and `geo-worker-ec2` (`ec2`). People
/// have no peer group here. `None` when the name has no such word.
fn name_group(state: &IdentityState) -> Option<u64> {
    let word = state
        .name()
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .find(|word| !word.is_empty() && !is_number_or_id(word))?;
    Some(group_hash(state, "name", word))
}

/// Hashes one peer group: the identity's kind, what the group is keyed by,
/// and the key, so that an owner and a name word of the same text differ.
fn group_hash(state: &IdentityState, by: &str, key: &str) -> u64 {
    StableHasher::new()
        .part(state.kind.as_str())
        .part(by)
        .part_lowercase(key)
        .finish()
}

/// Returns the namespace of a Kubernetes service account user name.
fn service_account_namespace(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
    let (namespace, account) = rest.split_once(':')?;
    (!namespace.is_empty() && !account.is_empty()).then_some(namespace)
}

/// True for words that number or identify one instance rather than name a
/// role: digits, and hexadecimal ids of six or more characters.
fn is_number_or_id(word: &str) -> bool {
    word.bytes().all(|byte| byte.is_ascii_digit())
        || (word.len() >= 6 && word.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

impl TenantPrevalence {
    /// Builds the tenant context. Patterns that do not compile are skipped:
    /// [`crate::EngineConfig::validate`] reports them before an engine runs.
    pub fn new(config: &FirstSeenConfig) -> Self {
        TenantPrevalence {
            identities: HashMap::default(),
            namespace_patterns: config
                .role_namespace_patterns
                .iter()
                .filter_map(|pattern| regex::Regex::new(pattern).ok())
                .collect(),
        }
    }

    /// Returns the peer groups of a non-human identity: the last word of its
    /// name, its owner, and its Kubernetes namespace. The namespace comes
    /// from a service account user name in the identity's name or the
    /// event's session name (`system:serviceaccount:<namespace>:<name>`), or
    /// else from the first `role_namespace_patterns` entry that matches the
    /// name. People have no peer groups: their work differs even within a
    /// team.
    pub fn peer_groups(&self, state: &IdentityState, session_name: Option<&str>) -> PeerGroups {
        if !state.kind.is_non_human() {
            return [None; 3];
        }
        let owner = state
            .posture
            .details()
            .and_then(|details| details.owner.as_deref())
            .filter(|owner| !owner.trim().is_empty())
            .map(|owner| group_hash(state, "owner", owner));
        let namespace = service_account_namespace(state.name())
            .or_else(|| session_name.and_then(service_account_namespace))
            .or_else(|| {
                self.namespace_patterns.iter().find_map(|pattern| {
                    let captures = pattern.captures(state.name())?;
                    captures
                        .name("namespace")
                        .map(|found| found.as_str())
                        .filter(|namespace| !namespace.is_empty())
                })
            })
            .map(|namespace| group_hash(state, "namespace", namespace));
        [name_group(state), owner, namespace]
    }

    /// Notes that one more identity uses the value in each of its peer
    /// groups, and returns how many peers used it before in the group where
    /// most did. `0` when the identity has no peer group.
    pub fn note_new_peer_user(&mut self, attribute: u8, groups: &PeerGroups, hash: u64) -> u32 {
        groups
            .iter()
            .flatten()
            .map(|group| self.note_new_user(attribute, group ^ hash))
            .max()
            .unwrap_or(0)
    }

    /// Returns how many peers use the value in the group of `groups` where
    /// most do, without noting a new one. `0` when the identity has no peer
    /// group.
    pub fn peer_users(&self, attribute: u8, groups: &PeerGroups, hash: u64) -> u32 {
        groups
            .iter()
            .flatten()
            .map(|group| self.users(attribute, group ^ hash))
            .max()
            .unwrap_or(0)
    }

    /// Returns how many identities use the value, without noting a new one.
    pub fn users(&self, attribute: u8, hash: u64) -> u32 {
        self.identities
            .get(&(attribute, hash))
            .copied()
            .unwrap_or(0)
    }

    /// Notes that one more identity uses the value, and returns how many
    /// identities used it before.
    pub fn note_new_user(&mut self, attribute: u8, hash: u64) -> u32 {
        if self.identities.len() >= MAX_TRACKED_VALUES
            && !self.identities.contains_key(&(attribute, hash))
        {
            return 0;
        }
        let count = self.identities.entry((attribute, hash)).or_insert(0);
        let before = *count;
        *count = count.saturating_add(1);
        before
    }
}
