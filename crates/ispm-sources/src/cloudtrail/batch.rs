//! Decoding many records in two passes: parse a few dozen, then build their
//! events.
//!
//! Parsing and building an event each run through tens of kilobytes of
//! code. Alternated per record, each evicts the other from the CPU's
//! instruction cache. Under callgrind the replay benchmark took about 700
//! instruction-cache misses per event that way, and about 60 when [`CHUNK`]
//! records are parsed before any of their events is built. The parsed
//! records borrow their text from the input, so a chunk of them stays
//! small.

use ispm_model::IdentityEvent;

use super::event::RecordError;
use super::record::RawRecord;
use super::{CloudTrailDecoder, Failure, Nesting, parse_record, parse_record_text};
use crate::framing::trim;

/// Records parsed before their events are built. A parsed record takes 720
/// bytes, so a chunk takes 23 KiB, less than a core's first-level data
/// cache on current x86 CPUs.
const CHUNK: usize = 32;

/// A record's text, as bytes to validate or as text already validated.
pub(super) trait RecordText<'r> {
    /// Returns the record's bytes, as dead letters quote them.
    fn bytes(&self) -> &'r [u8];

    fn parse(&self) -> Result<RawRecord<'r>, RecordError>;
}

/// A record whose bytes are not yet known to be UTF-8, with whitespace
/// around it trimmed.
pub(super) struct Bytes<'r>(pub &'r [u8]);

impl<'r> RecordText<'r> for Bytes<'r> {
    fn bytes(&self) -> &'r [u8] {
        trim(self.0)
    }

    fn parse(&self) -> Result<RawRecord<'r>, RecordError> {
        parse_record(trim(self.0))
    }
}

/// An element of a list of records, whose text serde_json has already
/// validated as UTF-8 when it split the list.
pub(super) struct Text<'r>(pub &'r str);

impl<'r> RecordText<'r> for Text<'r> {
    fn bytes(&self) -> &'r [u8] {
        self.0.as_bytes()
    }

    fn parse(&self) -> Result<RawRecord<'r>, RecordError> {
        parse_record_text(self.0)
    }
}

impl CloudTrailDecoder {
    /// Decodes `records` in order and calls `finish` with each record's
    /// bytes and outcome, parsing [`CHUNK`] records before building their
    /// events.
    ///
    /// Generic over the error, so that each event is built in the result
    /// that `finish` takes (see `decode_object`). The parsed records stay in
    /// the chunk's vector while their events are built, because moving one
    /// out copies its 720 bytes.
    pub(super) fn decode_chunked<'r, R, E>(
        &self,
        records: &[R],
        mut finish: impl FnMut(&'r [u8], Result<IdentityEvent, E>),
    ) where
        R: RecordText<'r>,
        E: From<Failure> + From<RecordError>,
    {
        let mut parsed: Vec<Result<RawRecord<'r>, RecordError>> =
            Vec::with_capacity(CHUNK.min(records.len()));
        for chunk in records.chunks(CHUNK) {
            parsed.extend(chunk.iter().map(|record| {
                self.check_record_bytes(record.bytes())
                    .and_then(|()| record.parse())
            }));
            for (record, parsed) in chunk.iter().zip(&mut parsed) {
                let bytes = record.bytes();
                let result = match parsed {
                    Ok(parsed) => self.decode_object(bytes, parsed, Nesting::TopLevel),
                    Err(rejection) => Err(E::from(rejection.take())),
                };
                finish(bytes, result);
            }
            parsed.clear();
        }
    }
}
