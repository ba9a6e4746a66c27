//! One document (a file or a Kafka message value) to items.

use serde_json::value::RawValue;

use super::batch::Text;
use super::event::RecordError;
use super::record::{DocumentProbe, RawRecord};
use super::{CloudTrailDecoder, Failure, Nesting, SKIP_DIGEST, parse_error, parse_record};
use crate::DecodeError;
use crate::framing::{Piece, split_document, trim};
use crate::item::{Item, accepted_with_warnings, rejected};

/// The UTF-8 byte order mark some Windows tools write before JSON.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn decode(
    decoder: &CloudTrailDecoder,
    origin: &str,
    bytes: &[u8],
    emit: &mut dyn FnMut(Item),
) {
    let mut document = Document {
        decoder,
        origin,
        emit,
        next_index: 0,
        skipped: Vec::new(),
    };
    document.run(bytes);
}

struct Document<'d> {
    decoder: &'d CloudTrailDecoder,
    origin: &'d str,
    emit: &'d mut dyn FnMut(Item),
    /// Index of the next record in the document, 0-based.
    next_index: u64,
    /// Skip reasons already reported for this document.
    skipped: Vec<&'static str>,
}

impl Document<'_> {
    fn run(&mut self, bytes: &[u8]) {
        let body = trim(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes));
        if body.is_empty() {
            return self.empty_document(bytes);
        }
        if self.decode_whole(body) {
            return;
        }
        for piece in split_document(body) {
            match piece {
                Piece::Value(value) => self.decode_value(value),
                Piece::Invalid {
                    bytes,
                    reason,
                    detail,
                } => {
                    let index = self.take_index();
                    self.reject(index, DecodeError::new(reason, detail), bytes, None);
                }
            }
        }
    }

    /// Decodes the document as one JSON value, the fast path. Returns false,
    /// having emitted nothing, when it is not one valid value of the expected
    /// type.
    fn decode_whole(&mut self, body: &[u8]) -> bool {
        match body[0] {
            b'{' if body.len() > self.decoder.config.max_record_bytes => {
                match serde_json::from_slice::<DocumentProbe<'_>>(body) {
                    Ok(probe) => self.decode_large_object(body, probe),
                    Err(_) => return false,
                }
            }
            b'{' => match serde_json::from_slice::<RawRecord<'_>>(body) {
                Ok(record) => self.decode_object(body, record),
                Err(_) => return false,
            },
            b'[' => match serde_json::from_slice::<Vec<&RawValue>>(body) {
                Ok(records) => self.decode_records(body, &records),
                Err(_) => return false,
            },
            _ => return false,
        }
        true
    }

    /// Decodes one top-level value that is known to be valid JSON.
    fn decode_value(&mut self, value: &[u8]) {
        let result = match value.first() {
            Some(b'{') if value.len() > self.decoder.config.max_record_bytes => {
                serde_json::from_slice::<DocumentProbe<'_>>(value)
                    .map(|probe| self.decode_large_object(value, probe))
            }
            Some(b'{') => serde_json::from_slice::<RawRecord<'_>>(value)
                .map(|record| self.decode_object(value, record)),
            Some(b'[') => serde_json::from_slice::<Vec<&RawValue>>(value)
                .map(|records| self.decode_records(value, &records)),
            _ => return self.decode_record(value),
        };
        if let Err(err) = result {
            let index = self.take_index();
            let rejection = parse_error(value, &err);
            self.reject(index, rejection.error, value, None);
        }
    }

    /// Decodes an object too large to be a record: a log file, a digest, or a
    /// record to reject as too large.
    fn decode_large_object(&mut self, body: &[u8], probe: DocumentProbe<'_>) {
        if let Some(records) = probe.records {
            self.decode_records(body, &records);
        } else if probe.is_digest() {
            self.skip(SKIP_DIGEST);
        } else {
            self.decode_record(body);
        }
    }

    fn decode_object(&mut self, body: &[u8], record: RawRecord<'_>) {
        if let Some(records) = &record.records {
            return self.decode_records(body, records);
        }
        if record.is_digest() {
            return self.skip(SKIP_DIGEST);
        }
        let index = self.take_index();
        let result = self.decoder.decode_object(body, &record, Nesting::TopLevel);
        self.finish(index, body, result);
    }

    fn decode_records(&mut self, body: &[u8], records: &[&RawValue]) {
        if records.is_empty() {
            return self.empty_document(body);
        }
        let records: Vec<Text<'_>> = records.iter().map(|record| Text(record.get())).collect();
        let decoder = self.decoder;
        decoder.decode_chunked(&records, |bytes, result| {
            let index = self.take_index();
            self.finish(index, bytes, result);
        });
    }

    /// Decodes one record, or one value where a record belongs.
    fn decode_record(&mut self, record: &[u8]) {
        self.decode_checked(record, || parse_record(record));
    }

    /// Checks the size and shape of a record, then parses it with `parse` and
    /// decodes it.
    fn decode_checked<'r>(
        &mut self,
        record: &'r [u8],
        parse: impl FnOnce() -> Result<RawRecord<'r>, RecordError>,
    ) {
        let index = self.take_index();
        let result = match self
            .decoder
            .check_record_bytes(record)
            .and_then(|()| parse())
        {
            Ok(parsed) => self
                .decoder
                .decode_object(record, &parsed, Nesting::TopLevel),
            Err(rejection) => Err(Failure::Reject(rejection)),
        };
        self.finish(index, record, result);
    }

    fn finish(
        &mut self,
        index: u64,
        record: &[u8],
        result: Result<ispm_model::IdentityEvent, Failure>,
    ) {
        match result {
            Ok(event) => {
                let warning = (!event.warnings.is_empty())
                    .then(|| accepted_with_warnings(self.origin, index, &event, record));
                (self.emit)(Item::Event(event));
                if let Some(warning) = warning {
                    (self.emit)(Item::DeadLetter(warning));
                }
            }
            Err(Failure::Skip(reason)) => self.skip(reason),
            Err(Failure::Reject(rejection)) => {
                self.reject(index, rejection.error, record, rejection.event_id)
            }
        }
    }

    fn skip(&mut self, reason: &'static str) {
        if self.skipped.contains(&reason) {
            return;
        }
        self.skipped.push(reason);
        (self.emit)(Item::Skipped {
            origin: self.origin.to_owned(),
            reason,
        });
    }

    fn reject(&mut self, index: u64, error: DecodeError, record: &[u8], event_id: Option<String>) {
        let dead_letter = rejected(self.origin, index, error, record, event_id);
        (self.emit)(Item::DeadLetter(dead_letter));
    }

    fn empty_document(&mut self, bytes: &[u8]) {
        let error = DecodeError::new("empty_document", "document contains no records");
        self.reject(self.next_index, error, bytes, None);
    }

    fn take_index(&mut self) -> u64 {
        let index = self.next_index;
        self.next_index += 1;
        index
    }
}
