//! A per-thread cache of canonical identity ids, and of IAM users'
//! classifications by name.
//!
//! Most events of a log come from a few identities. An [`IdentityId`] is a
//! shared `Arc<str>`, so handing out a clone of the id built for an earlier
//! event saves allocating the id on every event, and a kept classification
//! saves matching the user's name against the patterns. The cache is per
//! thread because one decoder serves many threads, and it changes no
//! output: a cached id is equal to a newly built one, and a classification
//! is only reused for the patterns that made it.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use foldhash::fast::RandomState;
use ispm_model::{CompactString, IdentityId, IdentityKind, NhiType};

use crate::cloudtrail::text::{Part, equals_parts, write_parts};

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

/// The classification of an IAM user by its name.
#[derive(Clone)]
pub(in crate::cloudtrail) struct UserClass {
    pub kind: IdentityKind,
    pub nhi_type: Option<NhiType>,
    pub reason: CompactString,
}

/// A user's classification with the generation of the name patterns that
/// made it, see [`user_id_and_class`].
type Memo = Option<(u64, UserClass)>;

#[derive(Default)]
struct IdCache {
    /// Reused buffer the id text is written into before the lookup.
    text: String,
    /// Each id with a copy of it to hand out, because `get_mut` returns no
    /// key, and the memo of an IAM user.
    /// Hashed with foldhash rather than SipHash, because hashing the id is
    /// most of the cost of a lookup. Its random seed still makes it hard for
    /// an attacker who writes records to pick colliding ids, though with
    /// weaker guarantees than SipHash, and the map never contains more than
    /// `MAX_CACHED_IDS` ids.
    ids: HashMap<CachedId, (IdentityId, Memo), RandomState>,
    /// The id and memo of the previous lookup. Consecutive records of a log
    /// often come from one identity, and comparing the parts with this id
    /// costs less than writing them out and hashing them. A memo updated
    /// here is not copied to `ids`, which at worst repeats a classification.
    last: Option<(IdentityId, Memo)>,
}

thread_local! {
    static ID_CACHE: RefCell<IdCache> = RefCell::new(IdCache::default());
}

/// Returns the id whose text is the concatenation of `parts`.
pub(in crate::cloudtrail) fn identity_id(parts: &[Part<'_>]) -> IdentityId {
    with_cached(parts, |id, _| id.clone())
}

/// Returns the id of an IAM user whose text is the concatenation of
/// `parts`, and the user's classification. `classify` runs only when the id
/// is new to this thread or was last classified with patterns of another
/// `generation`, because a user's class depends on its name and the
/// patterns alone, and the name is part of the id.
pub(in crate::cloudtrail) fn user_id_and_class(
    parts: &[Part<'_>],
    generation: u64,
    classify: impl FnOnce() -> UserClass,
) -> (IdentityId, UserClass) {
    with_cached(parts, |id, memo| {
        let class = match memo {
            Some((made_by, class)) if *made_by == generation => class.clone(),
            _ => {
                let class = classify();
                *memo = Some((generation, class.clone()));
                class
            }
        };
        (id.clone(), class)
    })
}

/// Calls `use_entry` with the cached id of `parts` and its memo, adding the
/// id when it is new.
fn with_cached<T>(parts: &[Part<'_>], use_entry: impl FnOnce(&IdentityId, &mut Memo) -> T) -> T {
    ID_CACHE.with_borrow_mut(|IdCache { text, ids, last }| {
        if let Some((id, memo)) = last
            && equals_parts(id.as_str(), parts)
        {
            return use_entry(id, memo);
        }
        text.clear();
        write_parts(text, parts);
        if let Some((id, memo)) = ids.get_mut(text.as_str()) {
            let result = use_entry(id, memo);
            *last = Some((id.clone(), memo.clone()));
            return result;
        }
        if ids.len() >= MAX_CACHED_IDS {
            ids.clear();
        }
        let id = IdentityId::new(text.as_str());
        let (id, memo) = ids.entry(CachedId(id.clone())).or_insert((id, None));
        let result = use_entry(id, memo);
        *last = Some((id.clone(), memo.clone()));
        result
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
    fn repeated_user_is_classified_once_per_generation() {
        let parts = [Part::Plain("aws:1:user/"), Part::Plain("repeat-test")];
        let other = [Part::Plain("aws:1:user/"), Part::Plain("other-test")];
        let mut classified = 0;
        for generation in [7, 7, 8, 8, 7] {
            let (id, class) = user_id_and_class(&parts, generation, || {
                classified += 1;
                UserClass {
                    kind: IdentityKind::Human,
                    nhi_type: None,
                    reason: CompactString::const_new("test"),
                }
            });
            assert_eq!(id.as_str(), "aws:1:user/repeat-test");
            assert_eq!(class.reason, "test");
            let other_id = identity_id(&other);
            assert_eq!(other_id.as_str(), "aws:1:user/other-test");
        }
        assert_eq!(classified, 3);
    }

    #[test]
    fn lowercase_parts_match_previous_id() {
        let first = identity_id(&[
            Part::Plain("aws:person/"),
            Part::Lowercase("Jane@Example.COM"),
        ]);
        let second = identity_id(&[
            Part::Plain("aws:person/"),
            Part::Lowercase("jane@example.com"),
        ]);
        let third = identity_id(&[
            Part::Plain("aws:person/"),
            Part::Lowercase("jane@example.co"),
        ]);
        assert_eq!(first.as_str(), "aws:person/jane@example.com");
        assert_eq!(second, first);
        assert_eq!(third.as_str(), "aws:person/jane@example.co");
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
