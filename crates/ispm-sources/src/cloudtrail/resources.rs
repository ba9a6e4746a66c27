//! The resource type of a record, from CloudTrail's `resources` list.
//!
//! Data events and some management events list the resources they touched,
//! each with an ARN, an account id and a type such as `AWS::KMS::Key`. The
//! engine keeps the first listed type as the event's resource type: a
//! record names the resource the call acts on first (the object before its
//! bucket), which is the one a baseline of resource types is about.

use std::fmt;

use ispm_model::CompactString;
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::record::{Text, present};

/// One entry of `resources`; only its type is read.
#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
}

/// The first present type of a `resources` list, read entry by entry
/// without collecting the list. Every entry is still checked, so a malformed
/// entry after the first type rejects the whole list, as a `Vec` would.
struct FirstType<'a>(Option<Text<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstType<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(FirstTypeVisitor)
    }
}

struct FirstTypeVisitor;

impl<'de> Visitor<'de> for FirstTypeVisitor {
    type Value = FirstType<'de>;

    // The wording of serde's `Vec` visitor, so that the warning reads like
    // serde's other wrong-type messages.
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
        let mut first = None;
        while let Some(resource) = entries.next_element::<Resource<'de>>()? {
            if first.is_none() && present(&resource.kind).is_some() {
                first = resource.kind;
            }
        }
        Ok(FirstType(first))
    }
}

/// Returns the type of the first resource that has one. A `resources`
/// value that is not a list of objects adds a warning and gives no type,
/// so the rest of the record is still decoded.
pub(super) fn first_resource_type(
    resources: Option<&RawValue>,
    warnings: &mut Vec<String>,
) -> Option<CompactString> {
    let resources = resources?.get();
    if let Some(first) = scan_plain_list(resources) {
        return first.map(CompactString::from);
    }
    match serde_json::from_str::<Option<FirstType<'_>>>(resources) {
        Ok(first) => first?.0.as_deref().map(CompactString::from),
        Err(error) => {
            warnings.push(format!(
                "resources is not a list of objects with a string type ({error}); ignored"
            ));
            None
        }
    }
}

/// Reads the first present type of a `resources` list of the shape
/// CloudTrail writes: objects whose keys and values are all strings
/// without escapes, with at most one `type` each. Returns `None` for any
/// other text, which [`first_resource_type`] then reads with serde_json.
/// For every text it accepts, the result is the one serde_json gives, at
/// a fraction of the cost of serde_json's deserializer.
fn scan_plain_list(text: &str) -> Option<Option<&str>> {
    let mut scanner = Scanner { text, index: 0 };
    scanner.expect(b'[')?;
    let mut first = None;
    if scanner.next_is(b']') {
        return scanner.at_end().then_some(None);
    }
    loop {
        scanner.expect(b'{')?;
        let mut kind = None;
        if !scanner.next_is(b'}') {
            loop {
                let key = scanner.string()?;
                scanner.expect(b':')?;
                let value = scanner.string()?;
                if key == "type" {
                    if kind.is_some() {
                        // serde_json rejects a duplicate field.
                        return None;
                    }
                    kind = Some(value);
                }
                if !scanner.next_is(b',') {
                    scanner.expect(b'}')?;
                    break;
                }
            }
        }
        if first.is_none() {
            first = kind.filter(|kind| !kind.is_empty());
        }
        if !scanner.next_is(b',') {
            scanner.expect(b']')?;
            break;
        }
    }
    scanner.at_end().then_some(first)
}

/// A position in JSON text for [`scan_plain_list`].
struct Scanner<'t> {
    text: &'t str,
    index: usize,
}

impl<'t> Scanner<'t> {
    fn skip_whitespace(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(self.index) {
            self.index += 1;
        }
    }

    /// Consumes `byte` after any whitespace, or returns false and consumes
    /// only the whitespace.
    fn next_is(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.text.as_bytes().get(self.index) == Some(&byte);
        if found {
            self.index += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.next_is(byte).then_some(())
    }

    fn at_end(&mut self) -> bool {
        self.skip_whitespace();
        self.index == self.text.len()
    }

    /// Consumes a string without escapes or control characters and returns
    /// its text.
    fn string(&mut self) -> Option<&'t str> {
        self.expect(b'"')?;
        let start = self.index;
        let rest = self.text.as_bytes().get(start..)?;
        let length = plain_string_length(rest)?;
        self.index = start + length + 1;
        // Both ends are at ASCII quotes, so they are character boundaries.
        self.text.get(start..start + length)
    }
}

/// Returns the length of the JSON string content at the start of `bytes`
/// when a closing quote ends it before any backslash or control character,
/// else `None`.
fn plain_string_length(bytes: &[u8]) -> Option<usize> {
    // Eight bytes at a time, because most of a resources list is ARNs, often
    // 50 to 100 bytes long, and a byte loop cost about 10 instructions per
    // byte.
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let special = special_bytes(word);
        if special != 0 {
            // The lowest flagged byte is exact, see `special_bytes`.
            let index = offset + (special.trailing_zeros() / 8) as usize;
            return (bytes[index] == b'"').then_some(index);
        }
        offset += 8;
    }
    let tail = chunks.remainder();
    let index = tail
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
    (tail[index] == b'"').then_some(offset + index)
}

/// Returns a word with the top bit of each byte of `word` (read little-endian)
/// set where that byte is a quote, a backslash or below 0x20. Only the
/// lowest set bit is exact: a flagged byte can also flag the bytes above it,
/// through the borrow of the subtractions, but never a byte below it.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOP_BITS: u64 = 0x8080_8080_8080_8080;
    // `x - ONES & !x` has the top bit set in the lowest zero byte of `x`,
    // and `x - 0x20 * ONES & !x` in the lowest byte below 0x20.
    let quotes = word ^ (ONES * u64::from(b'"'));
    let backslashes = word ^ (ONES * u64::from(b'\\'));
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_in(quotes) | zero_in(backslashes) | control) & TOP_BITS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_of(json: &str) -> (Option<CompactString>, Vec<String>) {
        let raw: Box<RawValue> = serde_json::from_str(json).expect("valid JSON");
        let mut warnings = Vec::new();
        let kind = first_resource_type(Some(&raw), &mut warnings);
        (kind, warnings)
    }

    #[test]
    fn first_listed_type_is_the_resource_type() {
        let (kind, warnings) = type_of(
            r#"[{"accountId":"1","type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k"},
                {"accountId":"1","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b"}]"#,
        );
        assert_eq!(kind.as_deref(), Some("AWS::S3::Object"));
        assert!(warnings.is_empty());
    }

    #[test]
    fn entries_without_a_type_are_skipped() {
        let (kind, _) = type_of(r#"[{"ARN":"arn:aws:kms:::key/1"},{"type":"AWS::KMS::Key"}]"#);
        assert_eq!(kind.as_deref(), Some("AWS::KMS::Key"));
        assert_eq!(type_of("[]").0, None);
        assert_eq!(type_of("null").0, None);
    }

    #[test]
    fn misshapen_resources_warn() {
        let (kind, warnings) = type_of(r#"{"type":"AWS::KMS::Key"}"#);
        assert_eq!(kind, None);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("resources is not a list"),
            "{warnings:?}"
        );
        let (kind, warnings) = type_of(r#"[{"type":7}]"#);
        assert_eq!(kind, None);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn empty_list_has_no_type() {
        let (kind, warnings) = type_of("[]");
        assert_eq!(kind, None);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn first_entry_without_type_is_skipped() {
        let (kind, warnings) = type_of(r#"[{"ARN":"arn:aws:s3:::b"},{"type":"AWS::S3::Bucket"}]"#);
        assert_eq!(kind.as_deref(), Some("AWS::S3::Bucket"));
        assert!(warnings.is_empty(), "{warnings:?}");
        let (kind, warnings) = type_of(r#"[{"type":""},{"type":null},{"type":"AWS::S3::Bucket"}]"#);
        assert_eq!(kind.as_deref(), Some("AWS::S3::Bucket"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn non_list_warns() {
        for json in [
            r#""AWS::S3::Bucket""#,
            "7",
            "true",
            r#"{"type":"AWS::S3::Bucket"}"#,
        ] {
            let (kind, warnings) = type_of(json);
            assert_eq!(kind, None, "{json}");
            assert_eq!(warnings.len(), 1, "{json}");
            assert!(warnings[0].contains("expected a sequence"), "{warnings:?}");
        }
    }

    #[test]
    fn list_of_non_objects_warns() {
        for json in ["[1]", r#"["AWS::S3::Bucket"]"#, "[null]", "[true]"] {
            let (kind, warnings) = type_of(json);
            assert_eq!(kind, None, "{json}");
            assert_eq!(warnings.len(), 1, "{json}");
            assert!(
                warnings[0].contains("expected struct Resource"),
                "{warnings:?}"
            );
        }
    }

    #[test]
    fn malformed_entry_after_type_warns() {
        let (kind, warnings) = type_of(r#"[{"type":"AWS::S3::Bucket"},5]"#);
        assert_eq!(kind, None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn nested_junk_is_ignored() {
        let (kind, warnings) = type_of(
            r#"[{"ARN":{"a":[1,{"b":null},[[[]]]],"c":"\u00e9\""},"type":"AWS::KMS::Key","x":[{}]}]"#,
        );
        assert_eq!(kind.as_deref(), Some("AWS::KMS::Key"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    /// Reads the type the simple way, by collecting the list into a `Vec`,
    /// as the reference that `first_resource_type` must match.
    fn collected_type(json: &str) -> (Option<CompactString>, Vec<String>) {
        let mut warnings = Vec::new();
        let kind = match serde_json::from_str::<Option<Vec<Resource<'_>>>>(json) {
            Ok(list) => list.and_then(|list| {
                list.iter()
                    .find_map(|resource| present(&resource.kind))
                    .map(CompactString::from)
            }),
            Err(error) => {
                warnings.push(format!(
                    "resources is not a list of objects with a string type ({error}); ignored"
                ));
                None
            }
        };
        (kind, warnings)
    }

    #[test]
    fn output_matches_collected_list() {
        for json in [
            "null",
            "[]",
            "[{}]",
            r#"[{"type":"T"}]"#,
            r#"[{"ARN":"a"},{"type":"T"}]"#,
            r#"[{"type":""},{"type":"T"}]"#,
            r#"[{"type":null},{"type":"T"}]"#,
            r#"[{"type":"T"},{"type":"U"}]"#,
            r#"[{"type":"T"},5]"#,
            r#"[{"type":"T"},{"type":7}]"#,
            r#"[{"type":"T","type":"U"}]"#,
            r#"[{"type":7}]"#,
            r#"[{"type":{"a":1}}]"#,
            r#"[{"type":["T"]}]"#,
            r#"[{"Type":"T"}]"#,
            r#"[{"typ\u0065":"T"}]"#,
            r#"[{"type":"A\"B"}]"#,
            r#"[{"type":"\u00e9"}]"#,
            r#" [ { "type" : "T" } , { } ] "#,
            r#"[["T"]]"#,
            r#"[["T","U"]]"#,
            "[[]]",
            "[[null]]",
            "[1,2]",
            r#"["a"]"#,
            "[null]",
            r#"{"type":"T"}"#,
            r#""T""#,
            "7",
            "true",
            r#"[{"a":{"b":[1,{"c":null},[[[]]]]},"type":"T","d":-1.5e3}]"#,
        ] {
            assert_eq!(type_of(json), collected_type(json), "{json}");
        }
    }

    #[test]
    fn plain_string_length_matches_byte_search() {
        let fillers = [
            "",
            "a",
            "arn:aws:s3:::",
            "\u{e9}\u{1f600}",
            "0123456789abcdef",
        ];
        for filler in fillers {
            for length in 0..40 {
                for special in ["\"", "\\", "\u{1}", "\n", "\u{1f}", " ", "\u{7f}", "\u{80}"] {
                    for tail in ["", "\"", "x\"", "\\\""] {
                        let text = format!("{}{special}{tail}", filler.repeat(length));
                        let bytes = text.as_bytes();
                        let expected = bytes
                            .iter()
                            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
                            .filter(|&index| bytes[index] == b'"');
                        assert_eq!(plain_string_length(bytes), expected, "{text:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn scanned_lists_match_serde_json() {
        let lists = [
            r#"[{"accountId":"123456789012","type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k"},{"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b"}]"#,
            r#"[{"ARN":"arn:aws:kms:us-east-1:1:key/1"},{"type":"","x":"y"},{"type":"T"}]"#,
            r#"[]"#,
        ];
        let snippets = [
            " ",
            "\n",
            "\t",
            "\\",
            "\"",
            ",",
            "{",
            "}",
            "[",
            "]",
            ":",
            "null",
            "1",
            "true",
            "\u{e9}",
            "\\\"",
            "\\u0074",
            "\"type\":\"X\",",
            ",\"type\":null",
            "[]",
            "{}",
        ];
        let mut checked = 0;
        for list in lists {
            let boundaries: Vec<usize> = (0..=list.len())
                .filter(|&index| list.is_char_boundary(index))
                .collect();
            for &index in &boundaries {
                let mut candidates = Vec::new();
                for snippet in snippets {
                    candidates.push(format!("{}{snippet}{}", &list[..index], &list[index..]));
                }
                if let Some(&next) = boundaries.iter().find(|&&next| next > index) {
                    candidates.push(format!("{}{}", &list[..index], &list[next..]));
                }
                for candidate in candidates {
                    if serde_json::from_str::<Box<RawValue>>(&candidate).is_err() {
                        continue;
                    }
                    assert_eq!(
                        type_of(&candidate),
                        collected_type(&candidate),
                        "{candidate}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 500, "only {checked} valid variants");
    }

    #[test]
    fn usual_shape_skips_serde_json() {
        let usual = r#"[{"accountId":"1","type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k"}]"#;
        assert_eq!(scan_plain_list(usual), Some(Some("AWS::S3::Object")));
        assert_eq!(scan_plain_list(" [ ] "), Some(None));
        assert_eq!(scan_plain_list(r#"[{"type":""}]"#), Some(None));
        for unusual in [
            "null",
            r#"{"type":"T"}"#,
            r#"[{"type":"T","type":"U"}]"#,
            r#"[{"type":null}]"#,
            r#"[{"type":"A\"B"}]"#,
            r#"[{"typ\u0065":"T"}]"#,
            r#"[{"type":7}]"#,
            r#"[["T"]]"#,
        ] {
            assert_eq!(scan_plain_list(unusual), None, "{unusual}");
        }
    }
}
