//! A per-thread cache of canonical identity ids.
//!
//! Most events of a log come from a few identities. An [`IdentityId`] is a
//! shared `Arc<str>`, so handing out a clone of the id built for an earlier
//! event saves allocating the id on every event. The cache is per thread
//! because one decoder serves many threads, and it changes no output: a
//! cached id is equal to a newly built one.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use foldhash::fast::RandomState;
use ispm_model::IdentityId;

use crate::cloudtrail::text::{Part, write_parts};

/// Ids kept per thread. The cache is emptied when it is full, so a log with
/// more identities than this only loses the saving, and the cache never
/// contains more than this many short strings per decoding thread.
const MAX_CACHED_IDS: usize = 4096;

/// An id in the cache, looked up by its text.
struct CachedId(IdentityId);

impl Borrow<str> for CachedId {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

// Hash and Eq go through the text, as `Borrow<str>` requires.
impl Hash for CachedId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state);
    }
}

impl PartialEq for CachedId {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for CachedId {}

#[derive(Default)]
struct IdCache {
    /// Reused buffer the id text is written into before the lookup.
    text: String,
    /// Hashed with foldhash rather than SipHash, because hashing the id is
    /// most of the cost of a lookup. Its random seed still makes it hard for
    /// an attacker who writes records to pick colliding ids, though with
    /// weaker guarantees than SipHash, and the set never contains more than
    /// `MAX_CACHED_IDS` ids.
    ids: HashSet<CachedId, RandomState>,
}

thread_local! {
    static ID_CACHE: RefCell<IdCache> = RefCell::new(IdCache::default());
}

/// Returns the id whose text is the concatenation of `parts`.
pub(in crate::cloudtrail) fn identity_id(parts: &[Part<'_>]) -> IdentityId {
    ID_CACHE.with_borrow_mut(|IdCache { text, ids }| {
        text.clear();
        write_parts(text, parts);
        if let Some(cached) = ids.get(text.as_str()) {
            return cached.0.clone();
        }
        if ids.len() >= MAX_CACHED_IDS {
            ids.clear();
        }
        let id = IdentityId::new(text.as_str());
        ids.insert(CachedId(id.clone()));
        id
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_returns_same_id() {
        let first = identity_id(&[Part::Plain("aws:1:user/"), Part::Plain("alice")]);
        let second = identity_id(&[Part::Plain("aws:1:user/alice")]);
        assert_eq!(first.as_str(), "aws:1:user/alice");
        assert_eq!(first, second);
    }

    #[test]
    fn full_cache_still_returns_correct_ids() {
        for round in 0..2 {
            for index in 0..MAX_CACHED_IDS + 10 {
                let name = index.to_string();
                let id = identity_id(&[Part::Plain("aws:1:user/"), Part::Plain(&name)]);
                assert_eq!(id.as_str(), format!("aws:1:user/{index}"), "round {round}");
            }
        }
        let size = ID_CACHE.with_borrow(|cache| cache.ids.len());
        assert!(size <= MAX_CACHED_IDS, "cache holds {size} ids");
    }
}
