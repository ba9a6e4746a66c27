//! Tenant context for the first-seen detector: how many identities of the
//! engine already use a value. A source network, country, ASN or user agent
//! that many identities use (a corporate egress, the CI provider's network,
//! the standard CLI) is common in the tenant, so one more identity using it
//! is not reported as new.
//!
//! NOTE: on Kafka each partition's engine only processes its own identities,
//! so there "the tenant" is the identities of one events partition.

use std::collections::HashMap;

/// Distinct identities per (attribute, value hash). Bounded by the number
/// of distinct values the tenant uses, not by events; past
/// [`MAX_TRACKED_VALUES`] new values are no longer tracked.
#[derive(Debug, Default)]
pub(crate) struct TenantPrevalence {
    identities: HashMap<(u8, u64), u32, foldhash::fast::FixedState>,
}

/// Values tracked at most: enough for every address block and agent family
/// of a large organisation, and about 40 MB at worst.
const MAX_TRACKED_VALUES: usize = 1 << 20;

/// Returns the hash of the peer group of a non-human identity: its kind and
/// the last word of its name that is not a number or an id, so that
/// `github-actions-loyalty-deploy-2` and `catalog-cicd-deploy` are peers
/// (`deploy`), as are `search-web-ec2` and `geo-worker-ec2` (`ec2`). People
/// have no peer group here. `None` when the name has no such word.
pub(crate) fn peer_group(state: &crate::state::IdentityState) -> Option<u64> {
    if !state.kind.is_non_human() {
        return None;
    }
    let word = state
        .name()
        .rsplit(|c: char| !c.is_ascii_alphanumeric())
        .find(|word| !word.is_empty() && !is_number_or_id(word))?;
    Some(
        crate::state::StableHasher::new()
            .part(state.kind.as_str())
            .part_lowercase(word)
            .finish(),
    )
}

/// True for words that number or identify one instance rather than name a
/// role: digits, and hexadecimal ids of six or more characters.
fn is_number_or_id(word: &str) -> bool {
    word.bytes().all(|byte| byte.is_ascii_digit())
        || (word.len() >= 6 && word.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

impl TenantPrevalence {
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
