//! The table of an engine's identities, hot or cold.

use std::borrow::Cow;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use ispm_model::{EventTime, IdentityId};

use crate::cold::{CodecScope, ColdState};
use crate::intern::Interner;
use crate::state::IdentityState;

/// The identities of one engine by id. A hot state is boxed, because a
/// state is about 450 bytes: the table moves every entry when it grows, and
/// its free slots would each take a state's size. The table keeps no key
/// beside the slot, because the state, hot or cold, contains its id.
///
/// Every method that reads a state returns the same state whether it was
/// hot or cold: [`Identities::get_mut`] and [`IdentityEntry::or_insert_with`]
/// thaw a cold state in place, [`Identities::get`] and
/// [`Identities::values`] decode a copy and leave it cold.
#[derive(Default)]
pub(crate) struct Identities {
    table: hashbrown::HashTable<Slot>,
    hasher: RandomState,
    counts: ColdCounts,
    /// A buffer the encoder reuses between identities.
    scratch: Vec<u8>,
    /// The bucket of the identity [`IdentityEntry::or_insert_with`] found
    /// last, tried before hashing the id, because consecutive events mostly
    /// come from one identity. A bucket that a resize emptied or gave to
    /// another identity fails the id check and costs one lookup.
    last_bucket: usize,
}

/// One identity in the table: 16 bytes, the tag and one pointer.
enum Slot {
    Hot(Box<IdentityState>),
    Cold(ColdState),
}

/// Counts of moves between the hot and cold forms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ColdCounts {
    /// Hot states encoded into their cold form.
    pub compacted: u64,
    /// Cold states decoded back in place.
    pub thawed: u64,
    /// Encodes and in-place decodes that failed, each a bug of the cold
    /// form's codec and not of the input. A state that failed to encode
    /// stays hot. One that failed to decode is lost: [`IdentityEntry`]
    /// replaces it with a new state, and the other methods read it as
    /// missing.
    pub failed: u64,
}

// The enum packs no tag into the pointers, so a slot is two words.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Slot>() <= 16);

impl Slot {
    /// Returns the identity id, or "" for a cold state whose bytes are not
    /// what the encoder wrote, which no id matches.
    fn id(&self) -> &str {
        match self {
            Slot::Hot(state) => state.id.as_str(),
            Slot::Cold(cold) => cold.id().unwrap_or_default(),
        }
    }

    /// Decodes a cold state in place. Returns false, and leaves the slot
    /// cold, when the bytes fail to decode.
    // Inlined, so that a hot slot, which nearly every event finds, costs a
    // test and not a call.
    #[inline(always)]
    fn thaw(&mut self, interner: &Interner, counts: &mut ColdCounts) -> bool {
        match self {
            Slot::Hot(_) => true,
            Slot::Cold(_) => self.thaw_cold(interner, counts),
        }
    }

    #[inline(never)]
    fn thaw_cold(&mut self, interner: &Interner, counts: &mut ColdCounts) -> bool {
        let Slot::Cold(cold) = self else {
            return true;
        };
        match CodecScope::enter(interner).decode(cold) {
            Ok(state) => {
                counts.thawed += 1;
                *self = Slot::Hot(Box::new(state));
                true
            }
            Err(_) => {
                counts.failed += 1;
                false
            }
        }
    }

    /// Returns the state of a hot slot.
    fn hot_mut(&mut self) -> Option<&mut IdentityState> {
        match self {
            Slot::Hot(state) => Some(state),
            Slot::Cold(_) => None,
        }
    }

    /// Returns the state of a slot that the caller has just made hot.
    fn expect_hot(&mut self) -> &mut IdentityState {
        match self {
            Slot::Hot(state) => state,
            Slot::Cold(_) => unreachable!("a slot just made hot is cold"),
        }
    }
}

impl Identities {
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    pub fn entry(&mut self, id: IdentityId) -> IdentityEntry<'_> {
        IdentityEntry {
            id,
            identities: self,
        }
    }

    /// Returns the identity's state, decoded into a copy when it is cold.
    /// A cold state that fails to decode reads as missing.
    pub fn get(&self, id: &IdentityId, interner: &Interner) -> Option<Cow<'_, IdentityState>> {
        let id = id.as_str();
        let slot = self.table.find(self.hash(id), |slot| slot.id() == id)?;
        decoded(slot, interner)
    }

    /// Returns the identity's state, thawing it in place when it is cold.
    pub fn get_mut(&mut self, id: &IdentityId, interner: &Interner) -> Option<&mut IdentityState> {
        let id = id.as_str();
        let hash = self.hash(id);
        let slot = self.table.find_mut(hash, |slot| slot.id() == id)?;
        slot.thaw(interner, &mut self.counts);
        slot.hot_mut()
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Returns every state, each cold one decoded into a copy. A cold state
    /// that fails to decode is left out.
    pub fn values<'a>(
        &'a self,
        interner: &'a Interner,
    ) -> impl Iterator<Item = Cow<'a, IdentityState>> + 'a {
        self.table
            .iter()
            .filter_map(move |slot| decoded(slot, interner))
    }

    /// Encodes every hot state whose last activity (event or snapshot) is
    /// before `idle_before`, and returns how many it encoded. A state with
    /// no activity at all, one known only from other identities' events,
    /// counts as idle.
    pub fn compact_idle(&mut self, idle_before: EventTime, interner: &Interner) -> u64 {
        let scope = CodecScope::enter(interner);
        let mut compacted = 0;
        for slot in self.table.iter_mut() {
            let Slot::Hot(state) = slot else {
                continue;
            };
            let last_active = state.last_seen.max(state.posture.snapshot_as_of());
            if last_active.is_some_and(|time| time >= idle_before) {
                continue;
            }
            match scope.encode(state, &mut self.scratch) {
                Ok(cold) => {
                    *slot = Slot::Cold(cold);
                    compacted += 1;
                }
                Err(_) => self.counts.failed += 1,
            }
        }
        self.counts.compacted += compacted;
        compacted
    }

    #[cfg(test)]
    pub fn is_cold(&self, id: &IdentityId) -> bool {
        let id = id.as_str();
        let slot = self.table.find(self.hash(id), |slot| slot.id() == id);
        matches!(slot, Some(Slot::Cold(_)))
    }

    pub fn counts(&self) -> ColdCounts {
        self.counts
    }

    /// Returns the number of cold states and their encoded bytes in all,
    /// for the memory benchmark and its report.
    pub fn cold_sizes(&self) -> (usize, usize) {
        self.table
            .iter()
            .filter_map(|slot| match slot {
                Slot::Cold(cold) => Some(cold.len()),
                Slot::Hot(_) => None,
            })
            .fold((0, 0), |(count, bytes), len| (count + 1, bytes + len))
    }
}

fn decoded<'a>(slot: &'a Slot, interner: &Interner) -> Option<Cow<'a, IdentityState>> {
    match slot {
        Slot::Hot(state) => Some(Cow::Borrowed(&**state)),
        Slot::Cold(cold) => CodecScope::enter(interner)
            .decode(cold)
            .ok()
            .map(Cow::Owned),
    }
}

/// An identity's place in [`Identities`], filled or not.
pub(crate) struct IdentityEntry<'a> {
    identities: &'a mut Identities,
    id: IdentityId,
}

/// Returns the table entry of the identity `id`: the bucket `last` when it
/// contains that identity, which spares hashing the id, otherwise the entry
/// a lookup by hash finds.
fn entry_from<'t>(
    table: &'t mut hashbrown::HashTable<Slot>,
    hasher: &RandomState,
    last: usize,
    id: &str,
) -> hashbrown::hash_table::Entry<'t, Slot> {
    let table = match table.get_bucket_entry(last) {
        Ok(occupied) if occupied.get().id() == id => {
            return hashbrown::hash_table::Entry::Occupied(occupied);
        }
        Ok(occupied) => occupied.into_table(),
        Err(absent) => absent.into_table(),
    };
    table.entry(
        hasher.hash_one(id),
        |slot| slot.id() == id,
        |slot| hasher.hash_one(slot.id()),
    )
}

impl<'a> IdentityEntry<'a> {
    /// Returns the identity's state, thawing it when it is cold, and
    /// inserting the one `make` builds when the identity is new. `make`
    /// must build a state with this entry's id, because the table finds a
    /// state by the id it contains. It also replaces a cold state that
    /// fails to decode.
    pub fn or_insert_with(
        self,
        interner: &mut Interner,
        make: impl FnOnce(&mut Interner) -> IdentityState,
    ) -> &'a mut IdentityState {
        let Identities {
            table,
            hasher,
            counts,
            last_bucket,
            ..
        } = self.identities;
        let id = self.id.as_str();
        match entry_from(table, hasher, *last_bucket, id) {
            hashbrown::hash_table::Entry::Occupied(occupied) => {
                *last_bucket = occupied.bucket_index();
                let slot = occupied.into_mut();
                if !slot.thaw(interner, counts) {
                    *slot = Slot::Hot(Box::new(make(interner)));
                }
                slot.expect_hot()
            }
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let state = make(interner);
                debug_assert!(state.id == self.id, "a new state must have its entry's id");
                let occupied = vacant.insert(Slot::Hot(Box::new(state)));
                *last_bucket = occupied.bucket_index();
                occupied.into_mut().expect_hot()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use arcstr::ArcStr;
    use ispm_model::IdentityKind;

    use super::*;

    #[test]
    fn last_bucket_matches_lookup() {
        let mut identities = Identities::default();
        let mut interner = Interner::default();
        let ids: Vec<IdentityId> = (0..60)
            .map(|n| IdentityId::new(format!("aws:123456789012:user/u{n}")))
            .collect();

        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for step in 0..3_000_u64 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // Mostly the identity of the step before, and new ones that
            // make the table grow and move its buckets.
            let pick = if (seed >> 40).is_multiple_of(4) {
                (seed >> 20) as usize % ids.len().min(1 + step as usize / 40)
            } else {
                (step as usize / 50) % ids.len()
            };

            let id = &ids[pick];
            let state = identities
                .entry(id.clone())
                .or_insert_with(&mut interner, |_| {
                    IdentityState::new(
                        id.clone(),
                        "u".into(),
                        IdentityKind::Human,
                        ArcStr::from("t"),
                    )
                });
            assert_eq!(state.id, *id);
            state.event_count += 1;
        }

        let total: u64 = identities
            .table
            .iter()
            .filter_map(|slot| match slot {
                Slot::Hot(state) => Some(state.event_count),
                Slot::Cold(_) => None,
            })
            .sum();
        assert_eq!(total, 3_000);

        let mut seen: Vec<&str> = identities.table.iter().map(Slot::id).collect();
        let len = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), len, "an identity was inserted twice");
    }
}
