//! The cold form of one identity: its whole state as compact bytes.

use ispm_model::EventTime;
use thin_vec::ThinVec;

use super::scope::CodecScope;
use crate::state::IdentityState;

/// An identity's state encoded with postcard: the base time of the times in
/// it (the identity's last event), then the state, whose first field is the
/// identity id. The table finds a cold state by that id without decoding
/// the rest.
///
/// A [`ThinVec`], whose length and capacity live on the heap before the
/// bytes, so the table slot that contains it takes 16 bytes with its enum
/// tag, where a `Box<[u8]>` would take 24.
///
/// The bytes are kept in 8-byte words, the last one padded with zeros.
/// `ThinVec` copies element by element with its length on the heap, so
/// filling it byte by byte took about 40 instructions a byte, more than a
/// third of an encode. Word by word it takes an eighth of that.
pub(crate) struct ColdState(ThinVec<[u8; WORD]>);

/// Bytes per element of a [`ColdState`].
const WORD: usize = 8;

/// A cold form that failed to encode or decode. Encoding fails only when a
/// field's serde impl fails, and decoding only when the bytes are not what
/// [`CodecScope::encode`] wrote for this engine's shared texts. Either would
/// be a bug of this module, not of the input. The round-trip tests of real
/// identity states cover both directions, and the engine counts failures in
/// its stats.
pub(crate) type CodecError = postcard::Error;

impl CodecScope<'_> {
    /// Encodes a state. `scratch` is a buffer reused between calls, so that
    /// the blob is allocated once at its exact size.
    pub fn encode(
        &self,
        state: &IdentityState,
        scratch: &mut Vec<u8>,
    ) -> Result<ColdState, CodecError> {
        let base = state.last_seen.unwrap_or(EventTime::from_millis(0));
        self.set_base(base);
        scratch.clear();
        let mut bytes = postcard::to_extend(&base.millis(), std::mem::take(scratch))?;
        bytes = postcard::to_extend(state, bytes)?;
        let mut blob = ThinVec::with_capacity(bytes.len().div_ceil(WORD));
        blob.extend(bytes.chunks(WORD).map(|chunk| {
            let mut word = [0; WORD];
            word[..chunk.len()].copy_from_slice(chunk);
            word
        }));
        *scratch = bytes;
        Ok(ColdState(blob))
    }

    pub fn decode(&self, cold: &ColdState) -> Result<IdentityState, CodecError> {
        let (base, rest) = postcard::take_from_bytes::<i64>(cold.bytes())?;
        self.set_base(EventTime::from_millis(base));
        let (state, rest) = postcard::take_from_bytes::<IdentityState>(rest)?;
        // Only the padding of the last word may follow the state.
        if rest.len() < WORD && rest.iter().all(|byte| *byte == 0) {
            Ok(state)
        } else {
            Err(postcard::Error::DeserializeBadEncoding)
        }
    }
}

impl ColdState {
    /// Returns the identity id, or `None` for bytes that
    /// [`CodecScope::encode`] did not write.
    pub fn id(&self) -> Option<&str> {
        let (_, rest) = postcard::take_from_bytes::<i64>(self.bytes()).ok()?;
        let (id, _) = postcard::take_from_bytes::<&str>(rest).ok()?;
        Some(id)
    }

    /// Returns the size of the encoded state in bytes, with the padding of
    /// its last word and without the 16-byte header of its allocation.
    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_flattened()
    }
}
