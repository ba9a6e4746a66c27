//! Splitting a document that is not one valid JSON value into the values it
//! still contains and the bytes that are broken.
//!
//! Used only after parsing the whole document failed. Two strategies:
//!
//! - A document that opens like an array of records (`[` or
//!   `{"Records":[`) but whose first value is incomplete is salvaged element
//!   by element: every complete record before the break is kept, and the rest
//!   becomes one invalid piece. This is what a truncated log file looks like.
//! - Anything else is read as a sequence of JSON values (NDJSON, or
//!   concatenated JSON such as `jq` output). A value that fails to parse
//!   costs the rest of its line, and reading resumes on the next line, so
//!   each bad line becomes one invalid piece.

use serde::de::IgnoredAny;
use serde_json::Deserializer;
use serde_json::value::RawValue;

/// Reason code of a document or record that ends inside a JSON value.
pub(crate) const TRUNCATED_DOCUMENT: &str = "truncated_document";
pub(crate) const INVALID_JSON: &str = "invalid_json";
pub(crate) const NOT_AN_OBJECT: &str = "not_an_object";

/// One part of a split document.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// The bytes of one complete, syntactically valid JSON value.
    Value(&'a [u8]),
    /// Bytes that are not a valid JSON value, with the reason code and a
    /// sentence saying where and why.
    Invalid {
        bytes: &'a [u8],
        reason: &'static str,
        detail: String,
    },
}

/// Splits `body`, a document without leading whitespace whose whole parse
/// failed, into pieces in document order.
pub(crate) fn split_document(body: &[u8]) -> Vec<Piece<'_>> {
    if let Some(array_start) = record_array_start(body) {
        let first_value_complete = matches!(
            Deserializer::from_slice(body)
                .into_iter::<IgnoredAny>()
                .next(),
            Some(Ok(_))
        );
        if !first_value_complete {
            return salvage_array(body, array_start);
        }
    }
    split_sequence(body)
}

/// Returns the offset just after the `[` that opens the list of records, for
/// a document starting with `[` or with `{"Records":[` (whitespace allowed).
fn record_array_start(body: &[u8]) -> Option<usize> {
    match body.first()? {
        b'[' => Some(1),
        b'{' => {
            let mut position = skip_whitespace(body, 1);
            position = expect(body, position, b"\"Records\"")?;
            position = expect(body, skip_whitespace(body, position), b":")?;
            expect(body, skip_whitespace(body, position), b"[")
        }
        _ => None,
    }
}

fn expect(body: &[u8], position: usize, token: &[u8]) -> Option<usize> {
    body.get(position..)?
        .starts_with(token)
        .then_some(position + token.len())
}

fn salvage_array(body: &[u8], array_start: usize) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut position = array_start;
    let mut complete = 0usize;

    loop {
        position = skip_whitespace(body, position);
        match body.get(position) {
            None => {
                pieces.push(Piece::Invalid {
                    bytes: &body[position..],
                    reason: TRUNCATED_DOCUMENT,
                    detail: format!("document ends after {complete} complete records without closing the list of records"),
                });
                return pieces;
            }
            Some(b']') => {
                let rest = trim(&body[position + 1..]);
                let closed = rest.is_empty() || (body[0] == b'{' && rest == b"}");
                if !closed {
                    pieces.push(Piece::Invalid {
                        bytes: rest,
                        reason: INVALID_JSON,
                        detail: format!(
                            "invalid JSON after the list of {complete} records, at line {}",
                            line_number(body, body.len() - rest.len())
                        ),
                    });
                }
                return pieces;
            }
            Some(_) => {}
        }

        let mut stream = Deserializer::from_slice(&body[position..]).into_iter::<&RawValue>();
        match stream.next() {
            Some(Ok(_)) => {
                let end = position + stream.byte_offset();
                pieces.push(Piece::Value(&body[position..end]));
                complete += 1;
                position = skip_whitespace(body, end);
                match body.get(position) {
                    Some(b',') => position += 1,
                    Some(b']') | None => {}
                    Some(_) => {
                        pieces.push(Piece::Invalid {
                            bytes: &body[position..],
                            reason: INVALID_JSON,
                            detail: format!(
                                "expected , or ] after record {complete} at line {}; the rest of the document is not decoded",
                                line_number(body, position)
                            ),
                        });
                        return pieces;
                    }
                }
            }
            Some(Err(err)) => {
                let reason = if err.is_eof() {
                    TRUNCATED_DOCUMENT
                } else {
                    INVALID_JSON
                };
                let (line, column) =
                    absolute_position(body, position, line_number(body, position), &err);
                pieces.push(Piece::Invalid {
                    bytes: &body[position..],
                    reason,
                    detail: format!(
                        "the document breaks after {complete} complete records: {} at line {line} column {column}; the rest of the document is not decoded",
                        message_without_position(&err)
                    ),
                });
                return pieces;
            }
            None => return pieces,
        }
    }
}

fn split_sequence(body: &[u8]) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut lines = LineCounter::default();
    let mut position = 0;

    loop {
        position = skip_whitespace(body, position);
        let Some(&first) = body.get(position) else {
            return pieces;
        };

        if first != b'{' && first != b'[' {
            let end = line_end(body, position);
            pieces.push(invalid_line(
                body,
                position,
                end,
                lines.line_at(body, position),
            ));
            position = end;
            continue;
        }

        let mut stream = Deserializer::from_slice(&body[position..]).into_iter::<&RawValue>();
        match stream.next() {
            Some(Ok(_)) => {
                let end = position + stream.byte_offset();
                pieces.push(Piece::Value(&body[position..end]));
                position = end;
            }
            Some(Err(err)) if err.is_eof() => {
                let start_line = lines.line_at(body, position);
                let (line, column) = absolute_position(body, position, start_line, &err);
                pieces.push(Piece::Invalid {
                    bytes: &body[position..],
                    reason: TRUNCATED_DOCUMENT,
                    detail: format!(
                        "the value starting at line {start_line} is cut off: {} at line {line} column {column}",
                        message_without_position(&err)
                    ),
                });
                return pieces;
            }
            Some(Err(err)) => {
                let start_line = lines.line_at(body, position);
                let (line, column) = absolute_position(body, position, start_line, &err);
                let end = line_end(body, position);
                pieces.push(Piece::Invalid {
                    bytes: trim(&body[position..end]),
                    reason: INVALID_JSON,
                    detail: format!(
                        "invalid JSON at line {line} column {column}: {}",
                        message_without_position(&err)
                    ),
                });
                position = end;
            }
            None => return pieces,
        }
    }
}

/// Reports a line that does not start a JSON object or array, as
/// `not_an_object` when it is some other JSON value, else as `invalid_json`.
fn invalid_line(body: &[u8], start: usize, end: usize, line: usize) -> Piece<'_> {
    let bytes = trim(&body[start..end]);
    match serde_json::from_slice::<IgnoredAny>(bytes) {
        Ok(_) => Piece::Invalid {
            bytes,
            reason: NOT_AN_OBJECT,
            detail: format!("line {line} is a JSON value but not an object"),
        },
        Err(err) => Piece::Invalid {
            bytes,
            reason: INVALID_JSON,
            detail: format!(
                "invalid JSON at line {line}: {}",
                message_without_position(&err)
            ),
        },
    }
}

/// Line numbers of increasing positions, counted from the last position
/// asked for, so a document with many bad lines is scanned once.
struct LineCounter {
    position: usize,
    line: usize,
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter {
            position: 0,
            line: 1,
        }
    }
}

impl LineCounter {
    fn line_at(&mut self, body: &[u8], position: usize) -> usize {
        if position < self.position {
            return line_number(body, position);
        }
        self.line += count_newlines(&body[self.position..position]);
        self.position = position;
        self.line
    }
}

/// serde's message without its " at line N column M" suffix, which points
/// into the parsed slice rather than into the document.
pub(crate) fn message_without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(position) if err.line() > 0 => message[..position].to_owned(),
        _ => message,
    }
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_whitespace(body: &[u8], mut position: usize) -> usize {
    while body.get(position).copied().is_some_and(is_whitespace) {
        position += 1;
    }
    position
}

/// Trims JSON whitespace from both ends.
pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&byte| !is_whitespace(byte))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&byte| !is_whitespace(byte))
        .map_or(start, |last| last + 1);
    &bytes[start..end]
}

/// Returns the offset of the newline that ends the line containing
/// `position`, or the end of `body`.
fn line_end(body: &[u8], position: usize) -> usize {
    body[position..]
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(body.len(), |offset| position + offset)
}

/// Returns the 1-based line number of `position`.
fn line_number(body: &[u8], position: usize) -> usize {
    1 + count_newlines(&body[..position])
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| byte == b'\n').count()
}

/// Returns the 1-based line and column in `body` of an error that serde_json
/// reported for the slice starting at `slice_start`, which is on line
/// `base_line`.
fn absolute_position(
    body: &[u8],
    slice_start: usize,
    base_line: usize,
    err: &serde_json::Error,
) -> (usize, usize) {
    if err.line() <= 1 {
        let line_start = body[..slice_start]
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |newline| newline + 1);
        (base_line, slice_start - line_start + err.column())
    } else {
        (base_line + err.line() - 1, err.column())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(pieces: &[Piece<'a>]) -> Vec<&'a str> {
        pieces
            .iter()
            .filter_map(|piece| match piece {
                Piece::Value(bytes) => std::str::from_utf8(bytes).ok(),
                Piece::Invalid { .. } => None,
            })
            .collect()
    }

    fn reasons(pieces: &[Piece<'_>]) -> Vec<&'static str> {
        pieces
            .iter()
            .filter_map(|piece| match piece {
                Piece::Invalid { reason, .. } => Some(*reason),
                Piece::Value(_) => None,
            })
            .collect()
    }

    #[test]
    fn truncated_records_file_keeps_complete_records() {
        let body = br#"{"Records":[{"a":1}, {"b":2},{"c":"#;
        let pieces = split_document(body);
        assert_eq!(values(&pieces), vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        assert_eq!(reasons(&pieces), vec![TRUNCATED_DOCUMENT]);
        assert!(matches!(&pieces[2], Piece::Invalid { bytes, .. } if *bytes == br#"{"c":"#));
    }

    #[test]
    fn truncated_array_after_comma_is_reported() {
        let pieces = split_document(b"[\n {\"a\":1},\n");
        assert_eq!(values(&pieces), vec![r#"{"a":1}"#]);
        assert_eq!(reasons(&pieces), vec![TRUNCATED_DOCUMENT]);
    }

    #[test]
    fn ndjson_bad_line_costs_only_that_line() {
        let body = b"{\"a\":1}\n{eventName: 'X'}\n\n{\"b\":2}\n42\n\xff\xfe junk\n";
        let pieces = split_document(body);
        assert_eq!(values(&pieces), vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        assert_eq!(
            reasons(&pieces),
            vec![INVALID_JSON, NOT_AN_OBJECT, INVALID_JSON]
        );
    }

    #[test]
    fn unclosed_object_does_not_swallow_next_line() {
        let body = b"{\"a\":1\n{\"b\":2}\n";
        let pieces = split_document(body);
        assert_eq!(values(&pieces), vec![r#"{"b":2}"#]);
        assert_eq!(reasons(&pieces), vec![INVALID_JSON]);
    }

    #[test]
    fn truncated_last_ndjson_line_is_truncated() {
        let pieces = split_document(b"{\"a\":1}\n{\"b\":");
        assert_eq!(values(&pieces), vec![r#"{"a":1}"#]);
        assert_eq!(reasons(&pieces), vec![TRUNCATED_DOCUMENT]);
    }

    #[test]
    fn junk_after_records_list_is_reported() {
        let pieces = split_document(br#"{"Records":[{"a":1}], "x": nope}"#);
        assert_eq!(values(&pieces), vec![r#"{"a":1}"#]);
        assert_eq!(reasons(&pieces), vec![INVALID_JSON]);
    }

    #[test]
    fn error_positions_are_document_positions() {
        let pieces = split_document(b"{\"a\":1}\n  {\"b\" 2}\n");
        let Piece::Invalid { detail, .. } = &pieces[1] else {
            panic!("expected an invalid piece, got {pieces:?}");
        };
        assert!(detail.contains("line 2 column 8"), "{detail}");
    }

    #[test]
    fn trim_handles_all_whitespace() {
        assert_eq!(trim(b" \n\t "), b"");
        assert_eq!(trim(b" a b "), b"a b");
    }
}
