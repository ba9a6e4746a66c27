//! Deterministic derivation of random streams and of AWS-shaped identifiers.
//!
//! Every random choice is drawn from a ChaCha8 stream seeded by
//! [`derive`] from the configured seed, a [`Stream`] tag and the indices of
//! what is being drawn (identity, day, event ordinal). Streams never depend
//! on the order in which other streams are consumed, so a day or an event can
//! be regenerated on its own and the output is byte-identical across runs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Tags that keep the random streams of different purposes apart.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub(crate) enum Stream {
    Population = 1,
    IdentityDay = 2,
    Event = 3,
    Scenario = 4,
    AccessKey = 5,
    PrincipalId = 6,
    SessionKey = 7,
    InstanceId = 8,
    Address = 9,
    SsoRoleSuffix = 10,
    LogFileName = 12,
    KmsKey = 13,
    SecretSuffix = 14,
    SessionName = 15,
}

/// SplitMix64's finaliser: a fast bijective mixer of 64-bit values.
pub(crate) fn mix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives a 64-bit value from the seed, a stream tag and indices.
pub(crate) fn derive(seed: u64, stream: Stream, parts: &[u64]) -> u64 {
    let start = mix64(seed ^ mix64(stream as u64));
    parts
        .iter()
        .fold(start, |hash, part| mix64(hash ^ mix64(*part)))
}

/// A ChaCha8 generator for one stream and set of indices.
pub(crate) fn rng_for(seed: u64, stream: Stream, parts: &[u64]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(derive(seed, stream, parts))
}

/// The alphabet of AWS access key ids and unique ids (RFC 4648 base32).
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &[u8; 16] = b"0123456789abcdef";
const ALPHANUMERIC: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Returns an id such as `AKIA` + 16 base32 characters (access keys) or
/// `AROA` + 17 (role ids), taken from a hash.
pub(crate) fn aws_unique_id(prefix: &str, length: usize, hash: u64) -> String {
    let mut text = String::with_capacity(prefix.len() + length);
    text.push_str(prefix);
    for position in 0..length {
        let value = mix64(hash ^ (position as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
        text.push(char::from(BASE32[(value % 32) as usize]));
    }
    text
}

/// `length` lowercase hex digits taken from a hash.
pub(crate) fn hex_digits(length: usize, hash: u64) -> String {
    (0..length)
        .map(|position| {
            let value = mix64(hash ^ (position as u64).wrapping_mul(0x9E37_79B9));
            char::from(HEX[(value % 16) as usize])
        })
        .collect()
}

/// `length` characters from `[A-Za-z0-9]` taken from a hash.
pub(crate) fn alphanumeric(length: usize, hash: u64) -> String {
    (0..length)
        .map(|position| {
            let value = mix64(hash ^ (position as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
            char::from(ALPHANUMERIC[(value % 62) as usize])
        })
        .collect()
}

/// Returns a 12-digit AWS account id that does not start with 0.
pub(crate) fn account_id(hash: u64) -> String {
    format!("{}", 100_000_000_000 + hash % 900_000_000_000)
}

/// Returns an EC2 instance id in the current form: `i-0` and 16 hex digits
/// (17 in all).
pub(crate) fn instance_id(hash: u64) -> String {
    format!("i-0{}", hex_digits(16, hash))
}

/// Draws a version-4 UUID in its usual text form, as CloudTrail's `eventID`
/// and most `requestID`s are.
pub(crate) fn uuid(rng: &mut impl Rng) -> String {
    let mut bytes: [u8; 16] = rng.random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    text
}

/// Draws an S3-style request id: 16 characters of `[A-Z0-9]`.
pub(crate) fn s3_request_id(rng: &mut impl Rng) -> String {
    const UPPER_ALPHANUMERIC: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..16)
        .map(|_| char::from(UPPER_ALPHANUMERIC[rng.random_range(0..36)]))
        .collect()
}

/// Standard base64 of random bytes, the shape of S3's `x-amz-id-2`.
pub(crate) fn base64_token(rng: &mut impl Rng, bytes: usize) -> String {
    const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let data: Vec<u8> = (0..bytes).map(|_| rng.random()).collect();
    let mut text = String::with_capacity(bytes.div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = u32::from(chunk[0]);
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let triple = (b0 << 16) | (b1 << 8) | b2;
        text.push(char::from(BASE64[(triple >> 18) as usize & 63]));
        text.push(char::from(BASE64[(triple >> 12) as usize & 63]));
        if chunk.len() > 1 {
            text.push(char::from(BASE64[(triple >> 6) as usize & 63]));
        } else {
            text.push('=');
        }
        if chunk.len() > 2 {
            text.push(char::from(BASE64[triple as usize & 63]));
        } else {
            text.push('=');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_depends_on_every_part() {
        let base = derive(7, Stream::Event, &[1, 2, 3]);
        assert_ne!(base, derive(8, Stream::Event, &[1, 2, 3]));
        assert_ne!(base, derive(7, Stream::Scenario, &[1, 2, 3]));
        assert_ne!(base, derive(7, Stream::Event, &[1, 2, 4]));
        assert_ne!(base, derive(7, Stream::Event, &[2, 1, 3]));
        assert_eq!(base, derive(7, Stream::Event, &[1, 2, 3]));
    }

    #[test]
    fn ids_have_aws_shapes() {
        let key = aws_unique_id("AKIA", 16, 42);
        assert_eq!(key.len(), 20);
        assert!(key.bytes().all(|byte| BASE32.contains(&byte)));
        assert_eq!(account_id(u64::MAX).len(), 12);
        assert_eq!(instance_id(5).len(), 19);
        let mut rng = rng_for(1, Stream::Event, &[]);
        let id = uuid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_eq!(base64_token(&mut rng, 56).len(), 76);
    }
}
