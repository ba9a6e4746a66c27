//! The engine's state per identity.
//!
//! Every collection is capped, so an identity's state stays bounded whatever
//! its event volume. Values that only need a membership test are kept as
//! 64-bit hashes.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use arcstr::ArcStr;
use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use crate::cold::{ColdTime, FixedHash, SharedText, SparseHash};
use crate::consumers::Consumers;
use crate::usage::kept_user_agent;
use ispm_model::{
    CredentialRecord, EventTime, IdentityEvent, IdentityId, IdentityKind, InventoryRecord, NhiType,
    PrivilegeLevel,
};

/// The attributes whose values an identity's baseline keeps, in the order
/// of [`SeenValues`]' groups.
pub(crate) const SEEN_ATTRIBUTES: usize = 8;

/// The outcome of [`SeenValues::observe`] for one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Used within the expiry time.
    Known,
    /// Never used before, or dropped to make room.
    New,
    /// Used before, but last `days_unused` days ago, longer than the expiry.
    Expired { days_unused: u16 },
    /// Not recorded, because the attribute's set is full.
    Overflow,
}

/// Capped sets of values with the day each was last used, one set per
/// baseline attribute, kept in one vector so that an identity with one
/// value per attribute costs one small allocation and not one per
/// attribute.
///
/// Each entry is the top 48 bits of the value's hash and the 16-bit day
/// number (days since 1970) of its last use. Two values of one identity
/// share 48 hash bits with a chance of about n²/2⁴⁹, so the day costs no
/// memory.
#[serde_as]
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct SeenValues {
    /// The entries of every attribute, grouped by attribute in order and
    /// sorted within each group, so a lookup is a binary search: busy
    /// identities hold dozens of values per attribute and are looked up on
    /// every event.
    #[serde_as(as = "Vec<FixedHash>")]
    values: Vec<u64>,
    /// The end of each attribute's group in `values`.
    ends: [u32; SEEN_ATTRIBUTES],
    /// One bit per attribute, set when its cap was reached: the attribute
    /// varies too much to report single new values.
    high_variance: u8,
    /// The attribute whose full group was last searched for a stale value
    /// without finding one, and the oldest day of last use in that group.
    /// While the group gets no new value, none of its values can be stale
    /// until `expiry_days` after that day, so the next new values skip the
    /// search. Left out of snapshots and cold state, because it only saves
    /// work: a restored state searches once and sets it again.
    #[serde(skip)]
    searched_full: Option<(u8, u16)>,
}

// Written by hand to leave out `searched_full`, so that a state and its
// copy restored from cold state print the same.
impl std::fmt::Debug for SeenValues {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SeenValues")
            .field("values", &self.values)
            .field("ends", &self.ends)
            .field("high_variance", &self.high_variance)
            .finish_non_exhaustive()
    }
}

/// Bits of an entry that hold the day.
const DAY_BITS: u32 = 16;

/// Returns the day number of an event time, as [`SeenValues`] keeps it.
pub(crate) fn day_of(time: EventTime) -> u16 {
    let day = time.millis().max(0) / 86_400_000;
    u16::try_from(day).unwrap_or(u16::MAX)
}

impl SeenValues {
    fn group(&self, attribute: usize) -> std::ops::Range<usize> {
        let start = match attribute.checked_sub(1) {
            Some(previous) => self.ends.get(previous).map_or(0, |end| *end as usize),
            None => 0,
        };
        let end = self.ends.get(attribute).map_or(start, |end| *end as usize);
        start..end
    }

    /// Records that the identity used a value of the attribute with index
    /// `attribute` on `day`. A value last used more than `expiry_days`
    /// before (never, when `None`) is reported as expired.
    // Inlined, because the first-seen loop calls it for up to eight
    // attributes per event, and as a call its prologue and epilogue cost
    // about a fifth of a lookup of a known value.
    #[inline(always)]
    pub fn observe(
        &mut self,
        attribute: usize,
        hash: u64,
        day: u16,
        expiry_days: Option<u16>,
        cap: usize,
    ) -> Seen {
        let key = hash >> DAY_BITS;
        let group = self.group(attribute);
        let Some(values) = self.values.get(group.clone()) else {
            return Seen::Known;
        };
        let index = values.partition_point(|entry| entry >> DAY_BITS < key);
        let entry = values
            .get(index)
            .copied()
            .filter(|entry| entry >> DAY_BITS == key);
        let Some(entry) = entry else {
            return self.insert_new(attribute, group.start + index, key, day, expiry_days, cap);
        };
        let last_day = (entry & 0xffff) as u16;
        if day <= last_day {
            return Seen::Known;
        }
        if let Some(slot) = self.values.get_mut(group.start + index) {
            *slot = (key << DAY_BITS) | u64::from(day);
        }
        let days_unused = day - last_day;
        match expiry_days {
            Some(expiry) if days_unused > expiry => Seen::Expired { days_unused },
            _ => Seen::Known,
        }
    }

    // Out of line, so that the lookup every event makes stays short.
    #[inline(never)]
    fn insert_new(
        &mut self,
        attribute: usize,
        mut index: usize,
        key: u64,
        day: u16,
        expiry_days: Option<u16>,
        cap: usize,
    ) -> Seen {
        if self.len(attribute) >= cap {
            // A value unused for longer than the expiry makes room.
            let group = self.group(attribute);
            let stale = expiry_days.and_then(|expiry| self.find_stale(attribute, day, expiry));
            let Some(stale) = stale else {
                self.high_variance |= 1 << attribute;
                return Seen::Overflow;
            };
            self.values.remove(group.start + stale);
            for end in self.ends.iter_mut().skip(attribute) {
                *end -= 1;
            }
            if group.start + stale < index {
                index -= 1;
            }
        }
        // Most identities keep a few values in all, so a short vector grows
        // by one and not by doubling from four.
        if self.values.len() == self.values.capacity() && self.values.len() < 4 {
            self.values.reserve_exact(1);
        }
        self.values
            .insert(index, (key << DAY_BITS) | u64::from(day));
        for end in self.ends.iter_mut().skip(attribute) {
            *end += 1;
        }
        // The new value may be older than the remembered oldest day, when
        // the event came late.
        if self
            .searched_full
            .is_some_and(|(searched, _)| usize::from(searched) == attribute)
        {
            self.searched_full = None;
        }
        Seen::New
    }

    /// Returns the position in its group of the first value of `attribute`
    /// last used more than `expiry` days before `day`, if any.
    fn find_stale(&mut self, attribute: usize, day: u16, expiry: u16) -> Option<usize> {
        // The days of a group's values only grow while it gets no new value,
        // so no value can be stale while the oldest one found last time is
        // not.
        if self.searched_full.is_some_and(|(searched, oldest)| {
            usize::from(searched) == attribute && day.saturating_sub(oldest) <= expiry
        }) {
            return None;
        }
        let values = self.values.get(self.group(attribute))?;
        let mut oldest = u16::MAX;
        for (position, entry) in values.iter().enumerate() {
            let last_day = (entry & 0xffff) as u16;
            if day.saturating_sub(last_day) > expiry {
                return Some(position);
            }
            oldest = oldest.min(last_day);
        }
        self.searched_full = u8::try_from(attribute)
            .ok()
            .map(|searched| (searched, oldest));
        None
    }

    pub fn len(&self, attribute: usize) -> usize {
        self.group(attribute).len()
    }

    /// True once the attribute reached its cap with no value to drop.
    pub fn is_high_variance(&self, attribute: usize) -> bool {
        self.high_variance & (1 << attribute) != 0
    }

    /// Returns the day of last use of each value the attribute keeps.
    pub fn last_use_days(&self, attribute: usize) -> impl Iterator<Item = u16> + '_ {
        let group = self.group(attribute);
        self.values
            .get(group)
            .unwrap_or_default()
            .iter()
            .map(|entry| (entry & 0xffff) as u16)
    }
}

/// The values one identity's last events observed in its [`SeenValues`]
/// on one day, one per attribute.
///
/// Consecutive events mostly come from the same identity and repeat most
/// of their values. A value observed already that day needs no search: its
/// entry's day of last use is that day or later, or its full set has not
/// changed since the value overflowed it. Values change only through
/// [`SeenValues::observe`] for the identity's own events, so one copy per
/// engine is enough.
///
/// NOTE: when a cold state fails to decode, the identity starts anew with
/// an empty set, and its later events of the same day skip values that the
/// new set never recorded. Such a failure is a bug, counted in
/// `EngineStats::compaction_failures`.
#[derive(Default)]
pub(crate) struct LastObserved {
    identity: Option<IdentityId>,
    day: u16,
    hashes: [Option<u64>; SEEN_ATTRIBUTES],
}

impl LastObserved {
    /// Starts an event of `identity` on `day`, forgetting the values of
    /// another identity or day.
    pub fn start(&mut self, identity: &IdentityId, day: u16) {
        if self.day != day || self.identity.as_ref() != Some(identity) {
            self.identity = Some(identity.clone());
            self.day = day;
            self.hashes = [None; SEEN_ATTRIBUTES];
        }
    }

    /// True when the started event's value of `attribute` was observed
    /// last for it; otherwise remembers `hash`, which the caller must then
    /// observe.
    pub fn is_repeat(&mut self, attribute: usize, hash: u64) -> bool {
        let Some(last) = self.hashes.get_mut(attribute) else {
            return false;
        };
        if *last == Some(hash) {
            return true;
        }
        *last = Some(hash);
        false
    }
}

/// An event id kept in a window. CloudTrail event ids are UUIDs in
/// lowercase, kept as their 16 bytes, so a window entry needs no heap
/// allocation; other ids are kept as heap text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CompactId {
    Uuid([u8; 16]),
    Text(Box<str>),
}

/// The positions of the hyphens in a UUID's text.
const UUID_HYPHENS: [usize; 4] = [8, 13, 18, 23];
const UUID_TEXT_LEN: usize = 36;

impl CompactId {
    pub fn new(id: &str) -> Self {
        match parse_lowercase_uuid(id) {
            Some(bytes) => CompactId::Uuid(bytes),
            None => CompactId::Text(id.into()),
        }
    }

    /// Returns the id as the provider wrote it.
    pub fn to_text(&self) -> String {
        match self {
            CompactId::Text(text) => text.to_string(),
            CompactId::Uuid(bytes) => {
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                let mut text = String::with_capacity(UUID_TEXT_LEN);
                for (index, byte) in bytes.iter().enumerate() {
                    if matches!(index, 4 | 6 | 8 | 10) {
                        text.push('-');
                    }
                    text.push(char::from(DIGITS[usize::from(byte >> 4)]));
                    text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
                }
                text
            }
        }
    }
}

/// True when `bytes` contain a `/`. Tests eight bytes at a time, because
/// [`IdentityState::has_name`] runs for every event, and on names this
/// takes fewer instructions than `<[u8]>::contains` (measured with
/// callgrind on the replay benchmark).
fn contains_slash(bytes: &[u8]) -> bool {
    const SLASHES: u64 = 0x2f2f_2f2f_2f2f_2f2f;
    let (chunks, tail) = bytes.as_chunks::<8>();
    for chunk in chunks {
        // A byte equal to `/` is zero after the XOR, and a word has a zero
        // byte exactly when this expression sets a high bit.
        let word = u64::from_le_bytes(*chunk) ^ SLASHES;
        if word.wrapping_sub(BYTE_ONES) & !word & BYTE_HIGH_BITS != 0 {
            return true;
        }
    }
    tail.contains(&b'/')
}

/// Returns the bytes of a UUID written in lowercase hexadecimal with
/// hyphens, or `None` for any other text, which could not be written back
/// the same from its bytes.
fn parse_lowercase_uuid(id: &str) -> Option<[u8; 16]> {
    let text: &[u8; UUID_TEXT_LEN] = id.as_bytes().try_into().ok()?;
    if UUID_HYPHENS.iter().any(|&at| text[at] != b'-') {
        return None;
    }
    // Every event that enters a window is parsed here, so the 32 digits are
    // decoded eight at a time in a 64-bit word rather than one by one.
    let mut digits = [0u8; 32];
    digits[..8].copy_from_slice(&text[..8]);
    digits[8..12].copy_from_slice(&text[9..13]);
    digits[12..16].copy_from_slice(&text[14..18]);
    digits[16..20].copy_from_slice(&text[19..23]);
    digits[20..].copy_from_slice(&text[24..]);
    let mut bytes = [0u8; 16];
    for (out, chunk) in bytes.chunks_exact_mut(4).zip(digits.chunks_exact(8)) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        out.copy_from_slice(&decode_hex_word(word)?.to_le_bytes());
    }
    Some(bytes)
}

/// 0x01 in every byte of a word.
const BYTE_ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word.
const BYTE_HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Decodes eight lowercase hexadecimal digits, the first in the word's
/// lowest byte, into four bytes, the first in the result's lowest byte.
/// Returns `None` when any byte is not a lowercase hexadecimal digit.
fn decode_hex_word(word: u64) -> Option<u32> {
    // Sets the high bit of each byte that is at least `low`. Adding
    // `0x80 - low` to a byte below 0x80 carries into no other byte.
    let at_least = |low: u8| word.wrapping_add(BYTE_ONES * u64::from(0x80 - low)) & BYTE_HIGH_BITS;
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let letter = at_least(b'a') & !at_least(b'f' + 1);
    if word & BYTE_HIGH_BITS != 0 || digit | letter != BYTE_HIGH_BITS {
        return None;
    }
    // `0`-`9` are 0x30-0x39 and `a`-`f` 0x61-0x66: the low four bits give
    // the value, plus 9 for a letter.
    let nibbles = (word & (BYTE_ONES * 0x0f)) + (letter >> 7) * 9;
    // Byte k of `pairs` is nibble k, shifted up, with nibble k + 1. Its even
    // bytes are the four results, which the masks then pack together.
    let pairs = (nibbles << 4) | (nibbles >> 8);
    let even = pairs & 0x00ff_00ff_00ff_00ff;
    let halves = (even | (even >> 8)) & 0x0000_ffff_0000_ffff;
    u32::try_from((halves | (halves >> 16)) & 0xffff_ffff).ok()
}

/// Recent events of one kind within a sliding window of event time, with a
/// running count per key so the number of distinct keys costs little to
/// read. Most identities never fill a window, so an empty one takes no heap
/// memory.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Window(Option<Box<WindowEntries>>);

/// Entries a window counts distinct keys of by scanning them; past this, it
/// keeps a count per key.
const SMALL_WINDOW: usize = 8;

/// Serialized without its key counts, which decoding rebuilds from the
/// entries ([`WindowEntries::from`]).
#[serde_as]
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(from = "DecodedWindowEntries")]
struct WindowEntries {
    #[serde_as(as = "VecDeque<(ColdTime, FixedHash, _)>")]
    entries: VecDeque<(EventTime, u64, CompactId)>,
    /// Entries per key, once the window held more than [`SMALL_WINDOW`]
    /// entries. A map, because a burst window holds up to a few hundred
    /// distinct keys and every push and expiry looks one up. Boxed, because
    /// most windows never get one and a map takes 32 bytes.
    #[serde(serialize_with = "serialize_presence")]
    key_counts: Option<Box<KeyCounts>>,
}

/// A window's entries per key. The alias also keeps clippy's
/// `box_collection` quiet: the box is 8 bytes where an empty map takes 32.
type KeyCounts = HashMap<u64, u32, foldhash::fast::FixedState>;

/// Writes whether the window counts its keys, and not the counts.
fn serialize_presence<S: serde::Serializer>(
    counts: &Option<Box<KeyCounts>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_bool(counts.is_some())
}

/// A window as the cold form stores it.
#[serde_as]
#[derive(Deserialize)]
struct DecodedWindowEntries {
    #[serde_as(as = "VecDeque<(ColdTime, FixedHash, _)>")]
    entries: VecDeque<(EventTime, u64, CompactId)>,
    counts_keys: bool,
}

impl From<DecodedWindowEntries> for WindowEntries {
    fn from(decoded: DecodedWindowEntries) -> Self {
        let key_counts = decoded.counts_keys.then(|| {
            let mut counts = KeyCounts::default();
            for (_, key, _) in &decoded.entries {
                *counts.entry(*key).or_insert(0) += 1;
            }
            Box::new(counts)
        });
        WindowEntries {
            entries: decoded.entries,
            key_counts,
        }
    }
}

/// Shows the key counts sorted, because a map's order depends on the
/// history of its inserts, and a window decoded from its cold form must
/// show as the window it was encoded from.
impl std::fmt::Debug for WindowEntries {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key_counts = self
            .key_counts
            .as_ref()
            .map(|counts| counts.iter().collect::<std::collections::BTreeMap<_, _>>());
        formatter
            .debug_struct("WindowEntries")
            .field("entries", &self.entries)
            .field("key_counts", &key_counts)
            .finish()
    }
}

impl Window {
    /// Adds an entry and drops those older than `width_ms` before `now`.
    /// Keeps at most `cap` entries.
    // Not inlined: three detectors call it, and one copy of its code keeps
    // the per-event code short.
    #[inline(never)]
    pub fn push(&mut self, now: EventTime, key: u64, event_id: &str, width_ms: i64, cap: usize) {
        let window = self.0.get_or_insert_with(Box::default);
        while let Some((time, _, _)) = window.entries.front() {
            if now.saturating_sub(*time) > width_ms {
                window.pop_front();
            } else {
                break;
            }
        }
        if window.entries.len() >= cap {
            window.pop_front();
        }
        // A first entry gets room for itself only; the deque doubles later.
        if window.entries.capacity() == 0 {
            window.entries.reserve_exact(1);
        }
        window
            .entries
            .push_back((now, key, CompactId::new(event_id)));
        if let Some(counts) = &mut window.key_counts {
            *counts.entry(key).or_insert(0) += 1;
        } else if window.entries.len() > SMALL_WINDOW {
            let mut counts = HashMap::default();
            for (_, key, _) in &window.entries {
                *counts.entry(*key).or_insert(0) += 1;
            }
            window.key_counts = Some(Box::new(counts));
        }
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |window| window.entries.len())
    }

    pub fn distinct_keys(&self) -> usize {
        let Some(window) = &self.0 else {
            return 0;
        };
        match &window.key_counts {
            Some(counts) => counts.len(),
            None => {
                let entries = &window.entries;
                (0..entries.len())
                    .filter(|&index| {
                        let key = entries[index].1;
                        !entries
                            .range(..index)
                            .any(|(_, earlier, _)| *earlier == key)
                    })
                    .count()
            }
        }
    }

    pub fn first_time(&self) -> Option<EventTime> {
        let window = self.0.as_ref()?;
        window.entries.front().map(|(time, _, _)| *time)
    }

    /// Event ids of the window, oldest first, at most `limit` of them.
    pub fn event_ids(&self, limit: usize) -> Vec<String> {
        let Some(window) = &self.0 else {
            return Vec::new();
        };
        window
            .entries
            .iter()
            .take(limit)
            .map(|(_, _, id)| id.to_text())
            .collect()
    }

    pub fn clear(&mut self) {
        self.0 = None;
    }
}

impl WindowEntries {
    fn pop_front(&mut self) {
        let Some((_, key, _)) = self.entries.pop_front() else {
            return;
        };
        let Some(counts) = &mut self.key_counts else {
            return;
        };
        if let Entry::Occupied(mut count) = counts.entry(key) {
            *count.get_mut() -= 1;
            if *count.get() == 0 {
                count.remove();
            }
        }
    }
}

/// Facts from snapshots, owner maps and privilege-changing events about an
/// identity. The level, status and MFA are read for every inventory record,
/// so they are kept inline. The rest is rarely set, so it is kept in a box
/// allocated when first set.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PostureFacts {
    pub privilege: PrivilegeLevel,
    pub enabled: bool,
    pub mfa_active: Option<bool>,
    /// Position of [`EVENTS_SOURCE`] in the list of sources, which every
    /// identity seen in events has, so that it takes no heap memory.
    events_source_at: Option<u32>,
    details: Option<Box<PostureDetails>>,
}

/// The source name of identities seen in events.
pub(crate) const EVENTS_SOURCE: &str = "events";

/// The rarely set part of [`PostureFacts`].
#[serde_as]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct PostureDetails {
    pub owner: Option<String>,
    pub owner_source: Option<String>,
    pub tags: std::collections::BTreeMap<String, String>,
    pub privilege_reason: String,
    /// Sources other than [`EVENTS_SOURCE`], in the order they were added.
    other_sources: Vec<String>,
    #[serde_as(as = "Option<ColdTime>")]
    pub snapshot_as_of: Option<EventTime>,
}

impl Default for PostureFacts {
    fn default() -> Self {
        PostureFacts {
            privilege: PrivilegeLevel::Unknown,
            enabled: true,
            mfa_active: None,
            events_source_at: None,
            details: None,
        }
    }
}

impl PostureFacts {
    pub fn details(&self) -> Option<&PostureDetails> {
        self.details.as_deref()
    }

    /// Returns the rarely set facts, allocating them when none is set yet.
    pub fn details_mut(&mut self) -> &mut PostureDetails {
        self.details.get_or_insert_with(Box::default)
    }

    pub fn snapshot_as_of(&self) -> Option<EventTime> {
        self.details
            .as_ref()
            .and_then(|details| details.snapshot_as_of)
    }

    /// Adds a source unless the list has it.
    pub fn add_source(&mut self, source: &str) {
        if source == EVENTS_SOURCE {
            if self.events_source_at.is_none() {
                let others = self
                    .details()
                    .map_or(0, |details| details.other_sources.len());
                self.events_source_at = Some(u32::try_from(others).unwrap_or(u32::MAX));
            }
            return;
        }
        let details = self.details_mut();
        if !details.other_sources.iter().any(|known| known == source) {
            details.other_sources.push(source.to_owned());
        }
    }

    /// Returns the sources in the order they were added.
    pub fn sources(&self) -> Vec<String> {
        let mut sources = self
            .details()
            .map(|details| details.other_sources.clone())
            .unwrap_or_default();
        if let Some(at) = self.events_source_at {
            let at = usize::try_from(at).map_or(sources.len(), |at| at.min(sources.len()));
            sources.insert(at, EVENTS_SOURCE.to_owned());
        }
        sources
    }
}

/// When an identity is active: the hours of the week it was ever active
/// in (one bit each, Monday 00:00 UTC first), and its calls per active hour
/// and per active day.
///
/// Two time scales catch two kinds of volume change: a burst within one
/// hour, and a steady pace kept up for far more hours of the day than
/// usual, which no single hour shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct ActivityProfile {
    pub hours: [u64; 3],
    /// Hours since the epoch of the hour being counted, and its calls.
    pub bucket: i64,
    pub bucket_count: u32,
    /// Long-run average of calls per active hour.
    pub hourly_rate: f32,
    /// Calls in the UTC day of `bucket`.
    pub day_count: u32,
    /// Long-run average of calls per active day; zero until a first day
    /// closed.
    pub daily_rate: f32,
    /// Set once the current hour was reported as a spike.
    pub spike_reported: bool,
    /// Set once the current day was reported as a spike.
    pub day_spike_reported: bool,
}

/// The sentinel for a missing time in fields where `Option<EventTime>`
/// would take 16 bytes. It is earlier than any event or timer time.
pub(crate) const NO_TIME: EventTime = EventTime(i64::MIN);

/// The policy side of an identity's state.
#[serde_as]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PolicyState {
    /// Event time of the pending policy timer, or [`NO_TIME`].
    #[serde_as(as = "ColdTime")]
    pub due: EventTime,
    /// Hash of the last published posture.
    pub posture_key: OptionalHash,
    /// Open violations and recent anomalies; `None` while both are empty.
    notes: Option<Box<PolicyNotes>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct PolicyNotes {
    open: Vec<ispm_posture::OpenViolation>,
    /// Recent anomaly findings, oldest first, for the risk score.
    anomalies: Vec<ispm_posture::AnomalyNote>,
}

impl Default for PolicyState {
    fn default() -> Self {
        PolicyState {
            due: NO_TIME,
            posture_key: OptionalHash::NONE,
            notes: None,
        }
    }
}

impl PolicyState {
    pub fn open(&self) -> &[ispm_posture::OpenViolation] {
        self.notes.as_ref().map_or(&[], |notes| &notes.open)
    }

    pub fn anomalies(&self) -> &[ispm_posture::AnomalyNote] {
        self.notes.as_ref().map_or(&[], |notes| &notes.anomalies)
    }

    pub fn anomalies_mut(&mut self) -> &mut Vec<ispm_posture::AnomalyNote> {
        &mut self.notes.get_or_insert_with(Box::default).anomalies
    }

    /// Takes the open violations out, for [`ispm_posture::reconcile`]; give
    /// them back with [`PolicyState::set_open`].
    pub fn take_open(&mut self) -> Vec<ispm_posture::OpenViolation> {
        self.notes
            .as_mut()
            .map(|notes| std::mem::take(&mut notes.open))
            .unwrap_or_default()
    }

    pub fn set_open(&mut self, open: Vec<ispm_posture::OpenViolation>) {
        match &mut self.notes {
            Some(notes) => notes.open = open,
            None if open.is_empty() => {}
            None => {
                self.notes = Some(Box::new(PolicyNotes {
                    open,
                    anomalies: Vec::new(),
                }))
            }
        }
        if self
            .notes
            .as_ref()
            .is_some_and(|notes| notes.open.is_empty() && notes.anomalies.is_empty())
        {
            self.notes = None;
        }
    }
}

/// The origin and history of an identity: who created it and when, the roles
/// a person acted through, when it started learning again, and the web
/// identity providers a role was assumed from. Rarely set, so kept in a box
/// allocated when first set.
#[serde_as]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct History {
    pub created_by: Option<IdentityId>,
    #[serde_as(as = "Option<ColdTime>")]
    pub created_at: Option<EventTime>,
    pub created_event: Option<String>,
    pub via_roles: Vec<String>,
    /// When the identity started learning again after a long idle time, and
    /// its event count then.
    #[serde_as(as = "Option<(ColdTime, _)>")]
    pub relearning_since: Option<(EventTime, u64)>,
    /// Hashes of the web identity providers (token issuers) the role was
    /// assumed from with `AssumeRoleWithWebIdentity`, at most
    /// `detectors::sensitive::MAX_WEB_IDENTITY_PROVIDERS`.
    #[serde_as(as = "Vec<FixedHash>")]
    pub web_identity_providers: Vec<u64>,
}

/// A credential of an identity: the fields of its [`CredentialRecord`],
/// with the id, kind and status kept without heap text.
#[serde_as]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CredentialState {
    pub id: CredentialId,
    pub kind: CredentialKind,
    pub status: CredentialStatus,
    pub slot: Option<u8>,
    #[serde_as(as = "Option<ColdTime>")]
    pub first_used: Option<EventTime>,
    #[serde_as(as = "Option<ColdTime>")]
    pub last_used: Option<EventTime>,
    pub use_count: u64,
    /// Facts that only creation events and snapshots state; `None` while
    /// none is set, which it is for a key first seen in use.
    details: Option<Box<CredentialDetails>>,
    /// Consumers of this long-term credential: what breaks when it is
    /// rotated. Read them with [`CredentialState::consumers`].
    pub consumers: CredentialConsumers,
}

/// The rarely set part of [`CredentialState`].
#[serde_as]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct CredentialDetails {
    #[serde_as(as = "Option<ColdTime>")]
    pub created_at: Option<EventTime>,
    pub created_by: Option<IdentityId>,
    #[serde_as(as = "Option<ColdTime>")]
    pub last_rotated: Option<EventTime>,
    pub last_used_region: Option<Arc<str>>,
    pub last_used_service: Option<Arc<str>>,
}

/// The place of a long-term credential's consumers: none yet, the
/// identity's list, or a list of its own.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) enum CredentialConsumers {
    /// No event has recorded consumers for the credential.
    #[default]
    Unused,
    /// Every event of the identity used this credential and named no
    /// workload session, so the credential's consumers equal the
    /// identity's and are not kept twice. An IAM user with one access key
    /// stays in this case.
    SameAsIdentity,
    Own(Box<Consumers>),
}

/// The consumers of a credential that no event used.
static NO_CONSUMERS: Consumers = Consumers::new();

impl CredentialState {
    fn new(record: CredentialRecord) -> Self {
        let mut credential = CredentialState {
            id: CredentialId::new(&record.id),
            kind: CredentialKind::new(&record.kind),
            status: CredentialStatus::new(&record.status),
            slot: record.slot,
            first_used: record.first_used,
            last_used: record.last_used,
            use_count: record.use_count,
            details: None,
            consumers: CredentialConsumers::Unused,
        };
        let details = CredentialDetails {
            created_at: record.created_at,
            created_by: record.created_by,
            last_rotated: record.last_rotated,
            last_used_region: record.last_used_region.as_deref().map(Arc::from),
            last_used_service: record.last_used_service.as_deref().map(Arc::from),
        };
        if details.created_at.is_some()
            || details.created_by.is_some()
            || details.last_rotated.is_some()
            || details.last_used_region.is_some()
            || details.last_used_service.is_some()
        {
            credential.details = Some(Box::new(details));
        }
        credential
    }

    /// Returns an active credential that an event used first at `time`.
    /// Equal to [`CredentialState::new`] of such a record, but built without
    /// the record's owned texts, because every new session key adds one.
    pub fn first_used(id: &str, kind: CredentialKind, time: EventTime) -> Self {
        CredentialState {
            id: CredentialId::new(id),
            kind,
            status: CredentialStatus::Active,
            slot: None,
            first_used: Some(time),
            last_used: Some(time),
            use_count: 1,
            details: None,
            consumers: CredentialConsumers::Unused,
        }
    }

    pub fn details(&self) -> Option<&CredentialDetails> {
        self.details.as_deref()
    }

    pub fn created_at(&self) -> Option<EventTime> {
        self.details.as_ref().and_then(|details| details.created_at)
    }

    pub fn last_rotated(&self) -> Option<EventTime> {
        self.details
            .as_ref()
            .and_then(|details| details.last_rotated)
    }

    /// Returns the rarely set facts, allocating them when none is set yet.
    pub fn details_mut(&mut self) -> &mut CredentialDetails {
        self.details.get_or_insert_with(Box::default)
    }

    /// Returns the credential's consumers. `identity` is the consumer list
    /// of the identity that has the credential.
    pub fn consumers<'a>(&'a self, identity: &'a Consumers) -> &'a Consumers {
        match &self.consumers {
            CredentialConsumers::Unused => &NO_CONSUMERS,
            CredentialConsumers::SameAsIdentity => identity,
            CredentialConsumers::Own(own) => own,
        }
    }

    fn to_record(&self, identity_consumers: &Consumers) -> CredentialRecord {
        let consumers = self.consumers(identity_consumers);
        let details = self.details.as_deref();
        let text = |text: Option<&Arc<str>>| text.map(|text| text.to_string());
        CredentialRecord {
            id: self.id.as_str().to_owned(),
            kind: self.kind.as_str().to_owned(),
            created_at: self.created_at(),
            created_by: details.and_then(|details| details.created_by.clone()),
            first_used: self.first_used,
            last_used: self.last_used,
            use_count: self.use_count,
            status: self.status.as_str().to_owned(),
            last_rotated: self.last_rotated(),
            slot: self.slot,
            last_used_region: text(details.and_then(|details| details.last_used_region.as_ref())),
            last_used_service: text(details.and_then(|details| details.last_used_service.as_ref())),
            consumers: consumers.to_records(),
            consumers_truncated: consumers.truncated,
        }
    }
}

/// A credential id. AWS access key ids are 20 ASCII letters and digits, so
/// they are kept inline. Other ids (`console-password`, report slot names,
/// ids from inventory documents) are kept as heap text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CredentialId {
    AccessKey([u8; ACCESS_KEY_ID_LEN]),
    Text(Box<str>),
}

const ACCESS_KEY_ID_LEN: usize = 20;

impl CredentialId {
    pub fn new(id: &str) -> Self {
        match <[u8; ACCESS_KEY_ID_LEN]>::try_from(id.as_bytes()) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_alphanumeric) => {
                CredentialId::AccessKey(bytes)
            }
            _ => CredentialId::Text(id.into()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Only ASCII bytes are kept inline, so the conversion succeeds.
            CredentialId::AccessKey(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
            CredentialId::Text(text) => text,
        }
    }

    /// True when this is the credential `id`.
    pub fn is(&self, id: &str) -> bool {
        match self {
            CredentialId::AccessKey(bytes) => bytes.as_slice() == id.as_bytes(),
            CredentialId::Text(text) => **text == *id,
        }
    }
}

/// The kind of a credential, as inventory records name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CredentialKind {
    AccessKey,
    TemporaryAccessKey,
    ConsolePassword,
    /// A kind a snapshot states that the engine does not create itself.
    Other(Box<str>),
}

impl CredentialKind {
    pub fn new(kind: &str) -> Self {
        match kind {
            "access_key" => CredentialKind::AccessKey,
            "temporary_access_key" => CredentialKind::TemporaryAccessKey,
            "console_password" => CredentialKind::ConsolePassword,
            other => CredentialKind::Other(other.into()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            CredentialKind::AccessKey => "access_key",
            CredentialKind::TemporaryAccessKey => "temporary_access_key",
            CredentialKind::ConsolePassword => "console_password",
            CredentialKind::Other(kind) => kind,
        }
    }
}

/// The status of a credential, as inventory records name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CredentialStatus {
    Active,
    Inactive,
    Deleted,
}

impl CredentialStatus {
    /// Reads a status the engine wrote; anything but `inactive` and
    /// `deleted` is active.
    fn new(status: &str) -> Self {
        match status {
            "inactive" => CredentialStatus::Inactive,
            "deleted" => CredentialStatus::Deleted,
            _ => CredentialStatus::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Inactive => "inactive",
            CredentialStatus::Deleted => "deleted",
        }
    }
}

/// A 64-bit hash kept as a cache key, or none. Zero means none, so it takes
/// 8 bytes where `Option<u64>` takes 16. A value whose hash is zero never
/// matches, so it is looked up or published again each time. That is as
/// rare as a collision of two of these hashes.
#[serde_as]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OptionalHash(#[serde_as(as = "SparseHash")] u64);

impl OptionalHash {
    pub const NONE: OptionalHash = OptionalHash(0);

    pub fn new(hash: u64) -> Self {
        OptionalHash(hash)
    }

    /// True when this is `hash` and `hash` is not zero.
    pub fn is(self, hash: u64) -> bool {
        self.0 != 0 && self.0 == hash
    }
}

/// The key and last time of each finding an identity produced. Most
/// identities never produce one, so an empty list takes no heap memory and
/// 8 bytes in the state.
#[serde_as]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Fired(
    #[expect(
        clippy::box_collection,
        reason = "the box is 8 bytes where an empty vector takes 24"
    )]
    #[serde_as(as = "Option<Box<Vec<(FixedHash, ColdTime)>>>")]
    Option<Box<Vec<(u64, EventTime)>>>,
);

impl Fired {
    pub fn iter(&self) -> impl Iterator<Item = &(u64, EventTime)> {
        self.0.iter().flat_map(|list| list.iter())
    }

    /// Returns the list, allocating it when empty.
    pub fn list_mut(&mut self) -> &mut Vec<(u64, EventTime)> {
        self.0.get_or_insert_with(Box::default)
    }
}

// mimalloc, the allocator of the `ispm` binary, serves 448 bytes from a
// 448-byte size class and 449 from a 512-byte one: a field added past 448
// costs 64 bytes per identity.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<IdentityState>() <= 448);

/// The engine's state of one identity. Its serde impls are the cold form
/// (`crate::cold`), whose shared texts decode only within a `CodecScope` of
/// the engine that encoded them. The id comes first, because the identity
/// table reads it without decoding the rest.
#[serde_as]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct IdentityState {
    pub id: IdentityId,
    /// The name, unless it is the text after the id's last `/`, which it is
    /// for IAM users and roles; read it with [`IdentityState::name`].
    name: Option<Box<str>>,
    pub kind: IdentityKind,
    pub nhi_type: Option<NhiType>,
    /// Shared with the identities classified for the same reason.
    #[serde_as(as = "SharedText")]
    pub kind_reason: ArcStr,
    /// Shared with the other identities of the account.
    #[serde_as(as = "Option<SharedText>")]
    pub account: Option<ArcStr>,
    /// The ARN, empty when it is the one the id implies (see
    /// [`IdentityState::arn`]), so most identities keep no copy of it.
    arn: Option<Box<str>>,
    #[serde_as(as = "Option<ColdTime>")]
    pub first_seen: Option<EventTime>,
    #[serde_as(as = "Option<ColdTime>")]
    pub last_seen: Option<EventTime>,
    pub event_count: u64,
    /// Creation, roles acted through and relearning; `None` while unset.
    history: Option<Box<History>>,
    pub credentials: Vec<CredentialState>,
    pub consumers: Consumers,
    /// Posture facts from snapshots, owner maps and privilege-changing events.
    pub posture: PostureFacts,
    /// Open policy violations, recent anomalies and the policy timer.
    pub policy: PolicyState,

    /// Values of the first-seen detector's attributes the identity used.
    pub seen: SeenValues,
    /// The last user agent's [`EventHashes::user_agent`], so that an
    /// identity's repeated agent is not parsed again. For an agent cut to
    /// its kept length, that hash is XORed with a constant, and set only
    /// when the kept part decides the family (see
    /// `first_seen::user_agent_family_hash`).
    pub last_user_agent: OptionalHash,
    /// The hash of the family of `last_user_agent`, when that is set.
    #[serde_as(as = "SparseHash")]
    pub user_agent_family: u64,
    /// Hash of the last role or ARN text in which no administrator role name
    /// was found, so that the same text is not searched again.
    pub role_without_admin: OptionalHash,

    pub denied: Window,
    pub enumeration: Window,
    pub secrets: Window,

    /// Last time each (detector, rule, key) fired, for `repeat_window`.
    pub fired: Fired,
    /// One bit per sensitive-call rule this identity has used.
    pub sensitive_used: u32,
    /// Hours of the week and hourly rate of the identity's activity.
    pub activity: ActivityProfile,
    /// The place the identity was last seen, for the atypical travel
    /// detector. Boxed, because only people with a city database lookup
    /// have one.
    pub last_location: Option<Box<crate::detectors::travel::LastLocation>>,

    /// Set when the inventory record changed in a way worth publishing.
    pub inventory_dirty: bool,
    /// Set while the identity waits in the flush queue. Kept here and not
    /// in [`PolicyState`], where it would take 8 bytes with its padding.
    pub policy_queued: bool,
    /// The last seen time of the last published inventory record, or
    /// [`NO_TIME`].
    #[serde_as(as = "ColdTime")]
    pub inventory_published_at: EventTime,
}

impl IdentityState {
    pub fn new(id: IdentityId, name: String, kind: IdentityKind, kind_reason: ArcStr) -> Self {
        let mut state = IdentityState {
            id,
            name: None,
            kind,
            nhi_type: None,
            kind_reason,
            account: None,
            arn: None,
            first_seen: None,
            last_seen: None,
            event_count: 0,
            history: None,
            credentials: Vec::new(),
            consumers: Consumers::default(),
            posture: PostureFacts::default(),
            policy: PolicyState::default(),
            seen: SeenValues::default(),
            last_user_agent: OptionalHash::NONE,
            user_agent_family: 0,
            role_without_admin: OptionalHash::NONE,
            denied: Window::default(),
            enumeration: Window::default(),
            secrets: Window::default(),
            fired: Fired::default(),
            sensitive_used: 0,
            activity: ActivityProfile::default(),
            last_location: None,
            inventory_dirty: true,
            policy_queued: false,
            inventory_published_at: NO_TIME,
        };
        state.set_name(&name);
        state
    }

    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_else(|| name_in_id(&self.id))
    }

    /// True when `name` is the identity's name. Called for every event, so
    /// the name implied by the id is compared as the id's ending instead of
    /// being searched for.
    pub fn has_name(&self, name: &str) -> bool {
        match &self.name {
            Some(own) => **own == *name,
            // `name_in_id` gives the text after the id's last `/`, or the
            // whole id when it has none.
            None => {
                let id = self.id.as_str().as_bytes();
                let name = name.as_bytes();
                let Some(rest) = id.strip_suffix(name) else {
                    return false;
                };
                matches!(rest.last(), None | Some(b'/')) && !contains_slash(name)
            }
        }
    }

    pub fn set_name(&mut self, name: &str) {
        self.name = (name != name_in_id(&self.id)).then(|| name.into());
    }

    /// Returns the identity's ARN, when an event or snapshot gave one.
    pub fn arn(&self) -> Option<Cow<'_, str>> {
        match self.arn.as_deref()? {
            "" => Some(Cow::Owned(format!(
                "{IAM_ARN_PREFIX}{}",
                self.id
                    .as_str()
                    .strip_prefix(AWS_ID_PREFIX)
                    .unwrap_or_default()
            ))),
            arn => Some(Cow::Borrowed(arn)),
        }
    }

    /// Returns the ARN field as the state keeps it, for the cold form's
    /// size report.
    #[cfg(test)]
    pub fn arn_as_kept(&self) -> &Option<Box<str>> {
        &self.arn
    }

    /// Sets the ARN unless one is known. An IAM user's or root's ARN is the
    /// id with another prefix (`arn:aws:iam::` for `aws:`), and is then kept
    /// as an empty text, which takes no heap memory.
    pub fn set_arn_if_missing(&mut self, arn: Option<&str>) {
        if self.arn.is_some() {
            return;
        }
        let Some(arn) = arn else {
            return;
        };
        let implied = arn.strip_prefix(IAM_ARN_PREFIX).is_some_and(|rest| {
            !rest.is_empty() && self.id.as_str().strip_prefix(AWS_ID_PREFIX) == Some(rest)
        });
        self.arn = Some(if implied {
            Box::from("")
        } else {
            Box::from(arn)
        });
    }

    pub fn history(&self) -> Option<&History> {
        self.history.as_deref()
    }

    /// Returns the identity's history, allocating it when none is set yet.
    pub fn history_mut(&mut self) -> &mut History {
        self.history.get_or_insert_with(Box::default)
    }

    /// Returns the position of the credential `id` in `credentials`.
    pub fn credential_index(&self, id: &str) -> Option<usize> {
        self.credentials
            .iter()
            .position(|credential| credential.id.is(id))
    }

    pub fn credential_mut(&mut self, id: &str) -> Option<&mut CredentialState> {
        self.credentials
            .iter_mut()
            .find(|credential| credential.id.is(id))
    }

    /// Gives every credential that shares the identity's consumers and
    /// that `keeps_sharing` rejects a copy of its own. Call it before the
    /// identity records an event's consumers, for the credentials the event
    /// does not record the same consumers for.
    pub fn split_credential_consumers(&mut self, keeps_sharing: impl Fn(&CredentialId) -> bool) {
        for credential in &mut self.credentials {
            if matches!(credential.consumers, CredentialConsumers::SameAsIdentity)
                && !keeps_sharing(&credential.id)
            {
                credential.consumers = CredentialConsumers::Own(Box::new(self.consumers.clone()));
            }
        }
    }

    /// Adds a credential, dropping the least recently used temporary one
    /// when the cap is reached. Long-term keys are kept before session keys.
    pub fn add_credential(&mut self, record: CredentialRecord, cap: usize) {
        self.add_credential_state(CredentialState::new(record), cap);
    }

    /// Does what [`IdentityState::add_credential`] does, with the
    /// credential already in its kept form.
    pub fn add_credential_state(&mut self, credential: CredentialState, cap: usize) {
        if self.credentials.len() >= cap {
            let victim = self
                .credentials
                .iter()
                .enumerate()
                .min_by_key(|(_, credential)| {
                    (
                        credential.kind != CredentialKind::TemporaryAccessKey,
                        credential.last_used,
                    )
                })
                .map(|(index, _)| index);
            if let Some(index) = victim {
                self.credentials.remove(index);
            }
        }
        // Identities have one or two credentials, and a credential takes
        // about 200 bytes, so the list grows by one and not by doubling.
        self.credentials.reserve_exact(1);
        self.credentials.push(credential);
    }

    pub fn inventory_record(&self) -> InventoryRecord {
        let history = self.history();
        let details = self.posture.details();
        InventoryRecord {
            identity: self.id.clone(),
            name: self.name().to_owned(),
            kind: self.kind,
            nhi_type: self.nhi_type,
            kind_reason: self.kind_reason.to_string(),
            account: self.account.as_deref().map(str::to_owned),
            arn: self.arn().map(Cow::into_owned),
            created_by: history.and_then(|history| history.created_by.clone()),
            created_at: history.and_then(|history| history.created_at),
            created_event: history.and_then(|history| history.created_event.clone()),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            event_count: self.event_count,
            credentials: self
                .credentials
                .iter()
                .map(|credential| credential.to_record(&self.consumers))
                .collect(),
            consumers: self.consumers.to_records(),
            via_roles: history
                .map(|history| history.via_roles.clone())
                .unwrap_or_default(),
            consumers_truncated: self.consumers.truncated,
            owner: details.and_then(|details| details.owner.clone()),
            owner_source: details.and_then(|details| details.owner_source.clone()),
            tags: details
                .map(|details| details.tags.clone())
                .unwrap_or_default(),
            privilege: self.posture.privilege,
            privilege_reason: details
                .map(|details| details.privilege_reason.clone())
                .unwrap_or_default(),
            enabled: self.posture.enabled,
            mfa_active: self.posture.mfa_active,
            sources: self.posture.sources(),
            snapshot_as_of: self.posture.snapshot_as_of(),
        }
    }
}

/// Returns the text after the id's last `/`, or the whole id.
/// The prefix of canonical AWS identity ids, `aws:<account>:<resource>`.
const AWS_ID_PREFIX: &str = "aws:";
/// The prefix of IAM ARNs, `arn:aws:iam::<account>:<resource>`.
const IAM_ARN_PREFIX: &str = "arn:aws:iam::";

fn name_in_id(id: &IdentityId) -> &str {
    let id = id.as_str();
    id.rsplit_once('/').map_or(id, |(_, name)| name)
}

/// The hash of values kept only for membership tests (seen values,
/// consumers, window keys). Seeded with a constant so state built from the
/// same input is the same on every run.
///
/// NOTE: foldhash does not promise the same output across its versions, so
/// these hashes must not be persisted as they are; a state snapshot has to
/// store the values or rehash on restore.
#[derive(Clone)]
pub(crate) struct StableHasher(foldhash::fast::FoldHasher<'static>);

const HASH_SEED: u64 = 0x5eed_0f15_a11d_a7a5;

impl StableHasher {
    pub fn new() -> Self {
        StableHasher(foldhash::fast::FixedState::with_seed(HASH_SEED).build_hasher())
    }

    pub fn byte(mut self, byte: u8) -> Self {
        self.0.write_u8(byte);
        self
    }

    pub fn bytes(mut self, bytes: &[u8]) -> Self {
        self.0.write(bytes);
        self
    }

    /// Adds a part and a separator, so `("ab", "c")` and `("a", "bc")` differ.
    pub fn part(self, part: &str) -> Self {
        self.bytes(part.as_bytes()).byte(0xff)
    }

    /// Adds a part folded to ASCII lowercase.
    pub fn part_lowercase(self, part: &str) -> Self {
        let mut buffer = [0u8; 64];
        let mut hasher = self;
        for chunk in part.as_bytes().chunks(buffer.len()) {
            let lower = &mut buffer[..chunk.len()];
            lower.copy_from_slice(chunk);
            lower.make_ascii_lowercase();
            hasher = hasher.bytes(lower);
        }
        hasher.byte(0xff)
    }

    pub fn finish(self) -> u64 {
        self.0.finish()
    }
}

/// Adds an address as its bytes, so hashing it needs no text.
pub(crate) fn hash_ip(hasher: StableHasher, ip: std::net::IpAddr) -> StableHasher {
    match ip {
        std::net::IpAddr::V4(v4) => hasher.byte(4).bytes(&v4.octets()),
        std::net::IpAddr::V6(v6) => hasher.byte(6).bytes(&v6.octets()),
    }
}

pub(crate) fn stable_hash(parts: &[&str]) -> u64 {
    parts
        .iter()
        .fold(StableHasher::new(), |hasher, part| hasher.part(part))
        .finish()
}

/// Hashes of the event values that several detectors and the usage
/// bookkeeping look up, computed once per event by
/// [`EventHashCache::hashes`].
pub(crate) struct EventHashes {
    /// `stable_hash(&[service])`.
    pub service: u64,
    /// `stable_hash(&[service, action])`: the API call.
    pub call: u64,
    /// `stable_hash(&[region])`, when the event has a region.
    pub region: Option<u64>,
    /// `stable_hash` of the user agent as the inventory keeps it (cut to
    /// its maximum length), when the event has one.
    pub user_agent: Option<u64>,
    /// [`hash_ip`] of the source address, when the event has one.
    pub ip: Option<u64>,
    /// [`hash_ip`] of the network of the source address, masked to the
    /// prefix lengths [`EventHashCache::hashes`] was given.
    pub network: Option<u64>,
}

/// The region, user agent, source address, network and role text of the
/// last event [`EventHashCache`] hashed, with their hashes, so that the next
/// event reuses the hash of a value it repeats. Consecutive events mostly
/// repeat them, and comparing a value costs less than hashing it again.
/// Services and actions are hashed anew, because they change from one
/// event to the next too often for a cache of one value to pay (measured
/// with callgrind on the replay benchmark).
#[derive(Default)]
pub(crate) struct EventHashCache {
    region: LastHash,
    /// Keyed by the user agent as the inventory keeps it. More than one,
    /// because an identity's events often switch between agents (the
    /// console and an SDK, or CLI commands whose agents differ in their
    /// last words), and an agent of up to 256 bytes is long to hash.
    user_agent: RecentHashes,
    ip: LastIpHash,
    network: LastIpHash,
    /// Keyed by the role or ARN text that
    /// `privilege_level::observe_actor` searches for administrator roles.
    role: LastHash,
}

/// One address and its [`hash_ip`].
#[derive(Default)]
struct LastIpHash(Option<(std::net::IpAddr, u64)>);

impl LastIpHash {
    /// Returns the hash of `ip`, hashing it unless it is the address
    /// hashed last.
    fn hash_of(&mut self, ip: std::net::IpAddr) -> u64 {
        if let Some((known, hash)) = self.0
            && known == ip
        {
            return hash;
        }
        let hash = hash_ip(StableHasher::new(), ip).finish();
        self.0 = Some((ip, hash));
        hash
    }
}

/// One text and its hash. Its buffer is reused, so a change of value
/// allocates only when the new text is longer than any before.
#[derive(Default)]
struct LastHash {
    text: String,
    hash: Option<u64>,
}

impl LastHash {
    /// Returns the hash of `text`, from `hash` unless `text` is the text
    /// hashed last.
    fn hash_of(&mut self, text: &str, hash: impl FnOnce(&str) -> u64) -> u64 {
        if let Some(known) = self.hash
            && self.text == text
        {
            return known;
        }
        let hash = hash(text);
        self.text.clear();
        self.text.push_str(text);
        self.hash = Some(hash);
        hash
    }
}

/// The last few texts hashed and their hashes, each new text replacing the
/// one stored longest ago.
#[derive(Default)]
struct RecentHashes {
    entries: [LastHash; RECENT_HASHES],
    /// The entry the next new text replaces.
    next: usize,
}

/// Texts a [`RecentHashes`] keeps. With two, the replay benchmark's user
/// agents miss about half as often as with one. Four miss less still
/// but cost more in comparisons than they save (measured with callgrind).
const RECENT_HASHES: usize = 2;

impl RecentHashes {
    /// Returns the hash of `text`, from `hash` unless `text` is one of the
    /// texts kept.
    fn hash_of(&mut self, text: &str, hash: impl FnOnce(&str) -> u64) -> u64 {
        for entry in &self.entries {
            if let Some(known) = entry.hash
                && entry.text == text
            {
                return known;
            }
        }
        let next = self.next % RECENT_HASHES;
        self.next = (next + 1) % RECENT_HASHES;
        match self.entries.get_mut(next) {
            Some(entry) => entry.hash_of(text, hash),
            None => hash(text),
        }
    }
}

impl EventHashCache {
    /// Returns `stable_hash(&[role])`.
    pub fn role_hash(&mut self, role: &str) -> u64 {
        self.role.hash_of(role, |role| stable_hash(&[role]))
    }

    /// Returns the hashes of `event`'s values. `mask` turns the source
    /// address into the network that [`EventHashes::network`] hashes.
    pub fn hashes(
        &mut self,
        event: &IdentityEvent,
        mask: impl FnOnce(std::net::IpAddr) -> std::net::IpAddr,
    ) -> EventHashes {
        let service_hasher = StableHasher::new().part(&event.service);
        let service = service_hasher.clone().finish();
        let call = service_hasher.part(&event.action).finish();
        let region = event
            .origin
            .region
            .as_deref()
            .map(|region| self.region.hash_of(region, |region| stable_hash(&[region])));
        let user_agent = event.origin.user_agent.as_deref().map(|agent| {
            self.user_agent
                .hash_of(kept_user_agent(agent), |kept| stable_hash(&[kept]))
        });
        let ip = event.origin.ip;
        EventHashes {
            service,
            call,
            region,
            user_agent,
            ip: ip.map(|ip| self.ip.hash_of(ip)),
            network: ip.map(|ip| self.network.hash_of(mask(ip))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_hash_matches_fresh_hash() {
        let texts = [
            "us-east-1",
            "us-east-1",
            "us-east-2",
            "",
            "",
            "us-east-2",
            "us-east-1x",
        ];
        let mut last = LastHash::default();
        for text in texts {
            assert_eq!(
                last.hash_of(text, |text| stable_hash(&[text])),
                stable_hash(&[text]),
                "{text}"
            );
        }
    }

    #[test]
    fn recent_hashes_match_fresh_hashes() {
        let texts = [
            "aws-cli/2 command/s3.ls",
            "aws-cli/2 command/s3.cp",
            "aws-cli/2 command/s3.ls",
            "Boto3/1",
            "console",
            "aws-cli/2 command/s3.cp",
            "terraform",
            "aws-cli/2 command/s3.ls",
            "",
            "Boto3/1",
        ];
        let mut recent = RecentHashes::default();
        for _ in 0..3 {
            for text in texts {
                assert_eq!(
                    recent.hash_of(text, |text| stable_hash(&[text])),
                    stable_hash(&[text]),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn last_ip_hash_matches_fresh_hash() {
        let addresses = [
            "192.0.2.1",
            "192.0.2.1",
            "192.0.2.2",
            "2001:db8::1",
            "192.0.2.2",
        ];
        let mut last = LastIpHash::default();
        for address in addresses {
            let ip: std::net::IpAddr = address.parse().expect("a valid address");
            let expected = hash_ip(StableHasher::new(), ip).finish();
            assert_eq!(last.hash_of(ip), expected, "{address}");
        }
    }

    #[test]
    fn last_hash_hashes_only_a_changed_text() {
        let mut last = LastHash::default();
        let mut hashed = 0;
        for text in ["a", "a", "b", "b", "a"] {
            last.hash_of(text, |text| {
                hashed += 1;
                stable_hash(&[text])
            });
        }
        assert_eq!(hashed, 3);
    }

    /// Parses a UUID one digit pair at a time, as a reference.
    fn reference_uuid(id: &str) -> Option<[u8; 16]> {
        let text = id.as_bytes();
        if text.len() != UUID_TEXT_LEN || UUID_HYPHENS.iter().any(|&at| text[at] != b'-') {
            return None;
        }
        let digits: Vec<u8> = text.iter().copied().filter(|byte| *byte != b'-').collect();
        if digits.len() != 32
            || !digits
                .iter()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(bytes)
    }

    #[test]
    fn uuid_parse_matches_reference() {
        let valid = [
            "083dc4ad-e264-46bc-a407-d0dd31b58bdc",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "01234567-89ab-cdef-0123-456789abcdef",
        ]
        .map(str::to_owned);
        for id in &valid {
            assert_eq!(parse_lowercase_uuid(id), reference_uuid(id), "{id}");
            assert!(parse_lowercase_uuid(id).is_some(), "{id}");
            // Every other byte at every position.
            for at in 0..UUID_TEXT_LEN {
                for byte in 0..=u8::MAX {
                    let mut text = id.clone().into_bytes();
                    text[at] = byte;
                    let Ok(changed) = String::from_utf8(text) else {
                        continue;
                    };
                    assert_eq!(
                        parse_lowercase_uuid(&changed),
                        reference_uuid(&changed),
                        "{changed:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn compact_ids_give_back_the_original_text() {
        for id in [
            "083dc4ad-e264-46bc-a407-d0dd31b58bdc",
            "083DC4AD-E264-46BC-A407-D0DD31B58BDC",
            "fnv1a64-00ff",
            "083dc4ad-e264-46bc-a407+d0dd31b58bdc",
            "083dc4ad-e264-46bc-a407-d0dd31b58bdg",
            "",
        ] {
            assert_eq!(CompactId::new(id).to_text(), id);
        }
        assert!(matches!(
            CompactId::new("083dc4ad-e264-46bc-a407-d0dd31b58bdc"),
            CompactId::Uuid(_)
        ));
        for id in [
            "083DC4AD-E264-46BC-A407-D0DD31B58BDC",
            "083dc4ad-e264-46bc-a407+d0dd31b58bdc",
            "083dc4ad-e264-46bc-a407-d0dd31b58bdg",
        ] {
            assert!(matches!(CompactId::new(id), CompactId::Text(_)), "{id}");
        }
    }

    #[test]
    fn window_counts_distinct_keys_as_entries_expire() {
        let mut window = Window::default();
        for (second, key) in [(0, 1), (1, 2), (2, 1), (100, 3)] {
            window.push(EventTime::from_millis(second * 1000), key, "id", 50_000, 10);
        }
        assert_eq!(window.len(), 1);
        assert_eq!(window.distinct_keys(), 1);
    }

    #[test]
    fn window_counts_distinct_keys_past_small_size() {
        let mut window = Window::default();
        // Keys 0 to 4, each twice. The push at 67 s expires all but the
        // entries of 7, 8 and 9 s, with keys 2, 3 and 4, and adds key 7.
        for second in 0..10u64 {
            window.push(
                EventTime::from_millis(second as i64 * 1000),
                second % 5,
                "id",
                60_000,
                100,
            );
        }
        assert_eq!(window.len(), 10);
        assert_eq!(window.distinct_keys(), 5);
        window.push(EventTime::from_millis(67_000), 7, "id", 60_000, 100);
        assert_eq!(window.len(), 4);
        assert_eq!(window.distinct_keys(), 4);
        window.clear();
        assert_eq!(window.len(), 0);
        assert_eq!(window.distinct_keys(), 0);
    }

    #[test]
    fn name_kept_only_when_missing_from_id() {
        let reason = ArcStr::from("test");
        let id = IdentityId::new("aws:123456789012:user/alice");
        let mut state = IdentityState::new(id, "alice".into(), IdentityKind::Human, reason);
        assert!(state.name.is_none());
        assert_eq!(state.name(), "alice");
        state.set_name("Alice");
        assert_eq!(state.name(), "Alice");
        state.set_name("alice");
        assert!(state.name.is_none());

        let root = IdentityId::new("aws:123456789012:root");
        let reason = ArcStr::from("test");
        let state = IdentityState::new(root, "root".into(), IdentityKind::Root, reason);
        assert_eq!(state.name(), "root");
        assert!(state.name.is_some());
    }

    #[test]
    fn contains_slash_finds_every_position() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert!(!contains_slash(&plain), "{len}");
            for at in 0..len {
                let mut text = plain.clone();
                text[at] = b'/';
                assert!(contains_slash(&text), "{len} {at}");
                // Bytes next to `/` in value must not count as one.
                text[at] = b'/' + 1;
                assert!(!contains_slash(&text), "{len} {at}");
                text[at] = b'/' - 1;
                assert!(!contains_slash(&text), "{len} {at}");
                text[at] = b'/' | 0x80;
                assert!(!contains_slash(&text), "{len} {at}");
            }
        }
    }

    #[test]
    fn has_name_matches_name() {
        let ids = [
            "aws:123456789012:user/alice",
            "aws:123456789012:user/path/alice",
            "aws:123456789012:root",
            "root",
            "aws:person/jane@example.com",
        ];
        let names = [
            "alice",
            "path/alice",
            "Alice",
            "lice",
            "root",
            "",
            "jane@example.com",
            "/alice",
            "aws:123456789012:root",
        ];
        for id in ids {
            for stored_name in names {
                let reason = ArcStr::from("test");
                let mut state = IdentityState::new(
                    IdentityId::new(id),
                    stored_name.into(),
                    IdentityKind::Human,
                    reason,
                );
                state.set_name(stored_name);
                for name in names.iter().chain(&ids) {
                    assert_eq!(
                        state.has_name(name),
                        state.name() == *name,
                        "id {id:?}, stored_name {stored_name:?}, name {name:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn arn_kept_only_when_not_implied_by_id() {
        let reason = ArcStr::from("test");
        let id = IdentityId::new("aws:123456789012:user/alice");
        let mut state = IdentityState::new(id, "alice".into(), IdentityKind::Human, reason);
        assert_eq!(state.arn(), None);
        state.set_arn_if_missing(Some("arn:aws:iam::123456789012:user/alice"));
        assert_eq!(state.arn.as_deref(), Some(""));
        assert_eq!(
            state.arn().as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        // The first ARN stays.
        state.set_arn_if_missing(Some("arn:aws:iam::123456789012:user/other"));
        assert_eq!(
            state.arn().as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );

        let reason = ArcStr::from("test");
        let id = IdentityId::new("aws:123456789012:role/deploy");
        let mut state = IdentityState::new(id, "deploy".into(), IdentityKind::NonHuman, reason);
        let session = "arn:aws:sts::123456789012:assumed-role/deploy/ci";
        state.set_arn_if_missing(Some(session));
        assert_eq!(state.arn.as_deref(), Some(session));
        assert_eq!(state.arn().as_deref(), Some(session));
    }

    #[test]
    fn first_used_credential_matches_its_record() {
        let time = EventTime::from_millis(1_700_000_000_000);
        for (id, kind) in [
            ("AKIAIOSFODNN7EXAMPLE", "access_key"),
            ("ASIAIOSFODNN7EXAMPLE", "temporary_access_key"),
            ("console-password", "console_password"),
        ] {
            let record = CredentialRecord {
                id: id.to_owned(),
                kind: kind.to_owned(),
                first_used: Some(time),
                last_used: Some(time),
                use_count: 1,
                status: "active".to_owned(),
                ..CredentialRecord::default()
            };
            let expected = CredentialState::new(record);
            let built = CredentialState::first_used(id, CredentialKind::new(kind), time);
            assert_eq!(format!("{built:?}"), format!("{expected:?}"));
        }
    }

    #[test]
    fn credential_ids_give_back_the_original_text() {
        for id in [
            "AKIAIOSFODNN7EXAMPLE",
            "console-password",
            "access_key_1",
            "AKIA-OSFODNN7EXAMPLE",
        ] {
            let compact = CredentialId::new(id);
            assert_eq!(compact.as_str(), id);
            assert!(compact.is(id));
            assert!(!compact.is("AKIAIOSFODNN7EXAMPLF"));
        }
        assert!(matches!(
            CredentialId::new("AKIAIOSFODNN7EXAMPLE"),
            CredentialId::AccessKey(_)
        ));
    }

    /// Returns a hash whose top 48 bits, the part [`SeenValues`] keeps,
    /// differ for each `n`.
    fn value(n: u64) -> u64 {
        n << 40
    }

    #[test]
    fn seen_values_keep_attributes_apart() {
        let mut seen = SeenValues::default();
        let mut observe = |attribute, n| seen.observe(attribute, value(n), 10, None, 2);
        assert_eq!(observe(4, 7), Seen::New);
        assert_eq!(observe(1, 7), Seen::New);
        assert_eq!(observe(4, 7), Seen::Known);
        assert_eq!(observe(4, 3), Seen::New);
        assert_eq!(observe(4, 9), Seen::Overflow);
        assert_eq!(observe(1, 7), Seen::Known);
        assert_eq!(seen.len(4), 2);
        assert_eq!(seen.len(1), 1);
        assert_eq!(seen.len(0), 0);
        assert!(seen.is_high_variance(4));
        assert!(!seen.is_high_variance(1));
    }

    #[test]
    fn seen_value_unused_past_expiry_is_expired() {
        let mut seen = SeenValues::default();
        assert_eq!(seen.observe(2, value(5), 100, Some(90), 8), Seen::New);
        assert_eq!(seen.observe(2, value(5), 150, Some(90), 8), Seen::Known);
        // 91 days after its last use on day 150.
        assert_eq!(
            seen.observe(2, value(5), 241, Some(90), 8),
            Seen::Expired { days_unused: 91 }
        );
        assert_eq!(seen.observe(2, value(5), 242, Some(90), 8), Seen::Known);
        assert_eq!(seen.observe(2, value(5), 400, None, 8), Seen::Known);
    }

    #[test]
    fn full_seen_set_drops_an_expired_value() {
        let mut seen = SeenValues::default();
        assert_eq!(seen.observe(0, value(1), 10, Some(90), 2), Seen::New);
        assert_eq!(seen.observe(0, value(2), 200, Some(90), 2), Seen::New);
        assert_eq!(seen.observe(0, value(3), 200, Some(90), 2), Seen::New);
        assert_eq!(seen.len(0), 2);
        assert!(!seen.is_high_variance(0));
        assert_eq!(seen.observe(0, value(1), 200, Some(90), 2), Seen::Overflow);
        assert!(seen.is_high_variance(0));
        assert_eq!(seen.observe(0, value(2), 200, Some(90), 2), Seen::Known);
    }

    #[test]
    fn stale_search_skip_matches_full_search() {
        let mut remembering = SeenValues::default();
        let mut searching = SeenValues::default();
        let mut steps = crate::test_random::Steps::new(0x2545_f491_4f6c_dd1d);
        let mut next = |bound: u64| steps.below(bound);
        let mut day = 100u16;
        for _ in 0..20_000 {
            // Mostly moving forward, sometimes a late event.
            day = match next(20) {
                0 => day.saturating_sub(2),
                1..=2 => day + 1,
                _ => day,
            };
            let attribute = next(3) as usize;
            // A few values in use every day, and many used now and then.
            let hash = if next(2) == 0 {
                value(next(6))
            } else {
                value(6 + next(30))
            };
            searching.searched_full = None;
            let expected = searching.observe(attribute, hash, day, Some(4), 8);
            let got = remembering.observe(attribute, hash, day, Some(4), 8);
            assert_eq!(got, expected);
            assert_eq!(remembering.values, searching.values);
            assert_eq!(remembering.high_variance, searching.high_variance);
        }
    }

    #[test]
    fn skipped_repeats_change_no_baseline() {
        let identities = [IdentityId::new("a"), IdentityId::new("b")];
        // Each identity's baseline observed on every event, and observed
        // only when `LastObserved` does not call the value a repeat.
        let mut searching = [SeenValues::default(), SeenValues::default()];
        let mut skipping = [SeenValues::default(), SeenValues::default()];
        let mut last = LastObserved::default();
        let mut steps = crate::test_random::Steps::new(0x9e37_79b9_7f4a_7c15);
        let mut next = |bound: u64| steps.below(bound);
        let mut day = 100u16;
        for _ in 0..20_000 {
            day = match next(20) {
                0 => day.saturating_sub(3),
                1..=2 => day + 1,
                _ => day,
            };
            // Mostly the same identity as the event before.
            let identity = usize::from(next(10) == 0);
            last.start(&identities[identity], day);
            for attribute in 0..SEEN_ATTRIBUTES {
                // Small sets, so some overflow; few values, so most repeat.
                let hash = value(next(if attribute < 4 { 3 } else { 12 }));
                let expected = searching[identity].observe(attribute, hash, day, Some(5), 6);
                if last.is_repeat(attribute, hash) {
                    assert!(
                        matches!(expected, Seen::Known | Seen::Overflow),
                        "{expected:?}"
                    );
                    continue;
                }
                let got = skipping[identity].observe(attribute, hash, day, Some(5), 6);
                assert_eq!(got, expected);
            }
            assert_eq!(skipping[identity].values, searching[identity].values);
            assert_eq!(
                skipping[identity].high_variance,
                searching[identity].high_variance
            );
        }
    }

    #[test]
    fn event_days_count_from_1970() {
        assert_eq!(day_of(EventTime::from_millis(0)), 0);
        assert_eq!(
            day_of(EventTime::from_millis(86_400_000 * 20_000 + 5)),
            20_000
        );
        assert_eq!(day_of(EventTime::from_millis(-5)), 0);
    }
}
