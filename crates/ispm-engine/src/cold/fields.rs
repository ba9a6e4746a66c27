//! Field encodings of the cold form, for `#[serde_as(as = "...")]` on the
//! state's fields. postcard writes integers as varints, which suits counts
//! and small numbers, but costs 10 bytes for a random 64-bit hash and 6 for
//! a time in milliseconds since 1970. These encodings write such fields in
//! fewer bytes and decode them to the same values.

use std::fmt;

use arcstr::ArcStr;
use ispm_model::EventTime;
use serde::de::{EnumAccess, Error as _, VariantAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_with::{DeserializeAs, SerializeAs};

use super::scope::with_context;

/// A 64-bit hash as its 8 little-endian bytes: its bits are random, so a
/// varint would take 10 bytes.
pub(crate) struct FixedHash;

impl SerializeAs<u64> for FixedHash {
    fn serialize_as<S: Serializer>(hash: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        hash.to_le_bytes().serialize(serializer)
    }
}

impl<'de> DeserializeAs<'de, u64> for FixedHash {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        <[u8; 8]>::deserialize(deserializer).map(u64::from_le_bytes)
    }
}

/// A 64-bit hash that is zero when unset: one byte for zero, nine for any
/// other value.
pub(crate) struct SparseHash;

impl SerializeAs<u64> for SparseHash {
    fn serialize_as<S: Serializer>(hash: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = (*hash != 0).then(|| hash.to_le_bytes());
        bytes.serialize(serializer)
    }
}

impl<'de> DeserializeAs<'de, u64> for SparseHash {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let bytes = Option::<[u8; 8]>::deserialize(deserializer)?;
        Ok(bytes.map_or(0, u64::from_le_bytes))
    }
}

/// An event time as its difference to the identity's last event time (the
/// scope's base), in seconds when it is a whole number of seconds, which
/// CloudTrail times are. A time within a minute of the last event takes one
/// byte and one within 6 days at most three, where a plain varint takes
/// six. The value is one varint:
///
/// - 0 for [`crate::state::NO_TIME`], the sentinel of an unset time;
/// - `1 + 2 * zigzag(seconds)` for a whole number of seconds;
/// - `2 + 2 * zigzag(milliseconds)` otherwise.
///
/// The difference wraps around `i64`, so any time, however far from the
/// base, decodes to itself.
pub(crate) struct ColdTime;

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

fn base() -> i64 {
    with_context(|context| context.map_or(0, |context| context.base))
}

impl SerializeAs<EventTime> for ColdTime {
    fn serialize_as<S: Serializer>(time: &EventTime, serializer: S) -> Result<S::Ok, S::Error> {
        let value = if *time == crate::state::NO_TIME {
            0
        } else {
            let difference = time.millis().wrapping_sub(base());
            if difference % 1000 == 0 {
                1 + 2 * u128::from(zigzag(difference / 1000))
            } else {
                2 + 2 * u128::from(zigzag(difference))
            }
        };
        serializer.serialize_u128(value)
    }
}

impl<'de> DeserializeAs<'de, EventTime> for ColdTime {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<EventTime, D::Error> {
        let value = u128::deserialize(deserializer)?;
        if value == 0 {
            return Ok(crate::state::NO_TIME);
        }
        let zigzagged = u64::try_from((value - 1) / 2)
            .map_err(|_| D::Error::custom("cold time difference out of range"))?;
        let difference = if value % 2 == 1 {
            // A whole number of seconds, so the product fits in `i64`.
            unzigzag(zigzagged).wrapping_mul(1000)
        } else {
            unzigzag(zigzagged)
        };
        Ok(EventTime::from_millis(base().wrapping_add(difference)))
    }
}

/// A text from the engine's [`crate::intern::Interner`], written as its
/// index in the scope's shared texts, or inline when the table does not
/// share it (past the table's cap, or outside a scope). It is written as an
/// enum variant index, the one varint postcard writes for a unit variant:
/// 0 followed by the text when inline, else the shared index plus one.
/// One byte covers the first 127 shared texts, three bytes all 65,536.
pub(crate) struct SharedText;

const SHARED_TEXT: &str = "SharedText";

impl SerializeAs<ArcStr> for SharedText {
    fn serialize_as<S: Serializer>(text: &ArcStr, serializer: S) -> Result<S::Ok, S::Error> {
        let index =
            with_context(|context| context.and_then(|context| context.texts.index_of(text)));
        match index.and_then(|index| index.checked_add(1)) {
            Some(variant) => serializer.serialize_unit_variant(SHARED_TEXT, variant, ""),
            None => serializer.serialize_newtype_variant(SHARED_TEXT, 0, "", text.as_str()),
        }
    }
}

impl<'de> DeserializeAs<'de, ArcStr> for SharedText {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<ArcStr, D::Error> {
        deserializer.deserialize_enum(SHARED_TEXT, &[], SharedTextVisitor)
    }
}

struct SharedTextVisitor;

impl<'de> Visitor<'de> for SharedTextVisitor {
    type Value = ArcStr;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a shared text index or an inline text")
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<ArcStr, A::Error> {
        let (variant, content) = data.variant::<u32>()?;
        let Some(index) = variant.checked_sub(1) else {
            let text = content.newtype_variant::<&str>()?;
            return Ok(ArcStr::from(text));
        };
        content.unit_variant()?;
        let shared = with_context(|context| {
            context.and_then(|context| context.texts.text_at(index).cloned())
        });
        shared.ok_or_else(|| A::Error::custom(format!("shared text {index} is not in the table")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cold::CodecScope;
    use crate::intern::Interner;
    use serde_with::serde_as;

    #[serde_as]
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde_as(as = "FixedHash")]
        hash: u64,
        #[serde_as(as = "SparseHash")]
        unset: u64,
        #[serde_as(as = "SparseHash")]
        set: u64,
        #[serde_as(as = "Vec<ColdTime>")]
        times: Vec<EventTime>,
        #[serde_as(as = "Vec<SharedText>")]
        texts: Vec<ArcStr>,
    }

    #[test]
    fn field_encodings_give_back_each_value() {
        let mut interner = Interner::default();
        let shared = interner.intern("us-east-1");
        let sample = Sample {
            hash: u64::MAX - 5,
            unset: 0,
            set: 1 << 63,
            times: [
                1_700_000_000_000,
                1_700_000_000_001,
                1_699_999_999_000,
                0,
                -1,
                i64::MIN,
                i64::MAX,
                i64::MIN + 1,
            ]
            .map(EventTime::from_millis)
            .to_vec(),
            texts: vec![shared.clone(), ArcStr::from("10.0.0.1")],
        };
        let scope = CodecScope::enter(&interner);
        scope.set_base(EventTime::from_millis(1_700_000_000_000));
        let bytes = postcard::to_allocvec(&sample).expect("sample encodes");
        let decoded: Sample = postcard::from_bytes(&bytes).expect("sample decodes");
        drop(scope);
        assert_eq!(decoded, sample);
        assert!(ArcStr::ptr_eq(&decoded.texts[0], &shared));
    }

    #[test]
    fn time_at_base_takes_one_byte() {
        let interner = Interner::default();
        let scope = CodecScope::enter(&interner);
        scope.set_base(EventTime::from_millis(1_700_000_000_000));
        let times = [EventTime::from_millis(1_700_000_000_000)];
        let wrapped = serde_with::ser::SerializeAsWrap::<_, [ColdTime; 1]>::new(&times);
        let bytes = postcard::to_allocvec(&wrapped).expect("time encodes");
        assert_eq!(bytes.len(), 1);
    }

    #[test]
    fn shared_text_encoded_lengths() {
        let mut interner = Interner::default();
        let shared = interner.intern("aws-cli/2.15.0 Python/3.11");
        let scope = CodecScope::enter(&interner);
        let texts = [shared, ArcStr::from("10.0.0.1")];
        let wrapped = serde_with::ser::SerializeAsWrap::<_, [SharedText; 2]>::new(&texts);
        let bytes = postcard::to_allocvec(&wrapped).expect("texts encode");
        drop(scope);
        // One byte for the shared text; the tag, length and 8 bytes inline.
        assert_eq!(bytes.len(), 1 + 1 + 1 + 8);
    }
}
