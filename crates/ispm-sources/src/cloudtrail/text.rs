//! String building for the per-event text of the decoder: canonical ids and
//! classification sentences.
//!
//! `format!` guesses the capacity from the literal text alone, so a short id
//! is reallocated while it is written and a long sentence gets about twice
//! the memory it needs, and its formatting machinery costs more than copying
//! the parts. These helpers size the string once from its parts.

use std::fmt::Write;

use ispm_model::CompactString;

/// One part of a string built by [`concat`].
#[derive(Clone, Copy)]
pub(super) enum Part<'a> {
    /// Written as it is.
    Plain(&'a str),
    /// Written as `{:?}` writes a string: in double quotes, with escapes.
    Quoted(&'a str),
    /// Written in lowercase, as `str::to_lowercase` returns it.
    Lowercase(&'a str),
}

impl Part<'_> {
    /// Returns the length of the part when written: exact for plain text,
    /// an estimate when escapes or Unicode lowercasing change the length.
    fn estimated_len(self) -> usize {
        match self {
            Part::Plain(text) | Part::Lowercase(text) => text.len(),
            Part::Quoted(text) => text.len() + 2,
        }
    }

    fn write_to(self, out: &mut String) {
        match self {
            Part::Plain(text) => out.push_str(text),
            Part::Quoted(text) => push_quoted(out, text),
            Part::Lowercase(text) if text.is_ascii() => {
                let start = out.len();
                out.push_str(text);
                out[start..].make_ascii_lowercase();
            }
            // Unicode lowercasing depends on context (a final sigma), so it
            // is left to the standard library.
            Part::Lowercase(text) => out.push_str(&text.to_lowercase()),
        }
    }
}

/// Concatenates `parts` into a string allocated once at its final size,
/// unless an escaped or lowercased part turns out longer than estimated.
/// A result longer than a [`CompactString`] stores inline keeps that
/// allocation.
pub(super) fn concat(parts: &[Part<'_>]) -> CompactString {
    CompactString::from(concat_string(parts))
}

/// Concatenates `parts` as [`concat`] does, into a `String`.
pub(super) fn concat_string(parts: &[Part<'_>]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|part| part.estimated_len()).sum());
    write_parts(&mut out, parts);
    out
}

/// Appends `parts` to `out`.
pub(super) fn write_parts(out: &mut String, parts: &[Part<'_>]) {
    for part in parts {
        part.write_to(out);
    }
}

/// Returns true when `text` is what [`write_parts`] writes for `parts`,
/// without writing it. Returns false for a quoted part or a non-ASCII
/// lowercased part, whose written length can differ from its own.
pub(super) fn equals_parts(text: &str, parts: &[Part<'_>]) -> bool {
    let mut rest = text.as_bytes();
    for part in parts {
        let after = match *part {
            Part::Plain(plain) => rest
                .split_at_checked(plain.len())
                .filter(|(segment, _)| short_eq(segment, plain.as_bytes()))
                .map(|(_, after)| after),
            Part::Lowercase(mixed) if mixed.is_ascii() => rest
                .split_at_checked(mixed.len())
                .filter(|(segment, _)| {
                    segment
                        .iter()
                        .zip(mixed.bytes())
                        .all(|(&written, byte)| written == byte.to_ascii_lowercase())
                })
                .map(|(_, after)| after),
            Part::Lowercase(_) | Part::Quoted(_) => None,
        };
        match after {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Compares two byte strings as `==` does. Ids are made of short parts, and
/// for up to 16 bytes two overlapping loads per side cost a fraction of the
/// call to `memcmp` that `==` on slices makes.
fn short_eq(left: &[u8], right: &[u8]) -> bool {
    fn word<const N: usize>(bytes: &[u8], start: usize) -> Option<[u8; N]> {
        bytes.get(start..start + N)?.try_into().ok()
    }
    let length = left.len();
    if length != right.len() {
        return false;
    }
    match length {
        0..4 => left == right,
        4..=8 => {
            word::<4>(left, 0) == word::<4>(right, 0)
                && word::<4>(left, length - 4) == word::<4>(right, length - 4)
        }
        9..=16 => {
            word::<8>(left, 0) == word::<8>(right, 0)
                && word::<8>(left, length - 8) == word::<8>(right, length - 8)
        }
        _ => left == right,
    }
}

/// Appends `text` exactly as `format!("{text:?}")` writes it.
fn push_quoted(out: &mut String, text: &str) {
    // `{:?}` leaves printable ASCII other than `"` and `\` unescaped.
    let plain = text
        .bytes()
        .all(|byte| matches!(byte, b' '..=b'~') && byte != b'"' && byte != b'\\');
    if plain {
        out.reserve(text.len() + 2);
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        // `fmt::Write` for `String` never returns an error.
        let _ = write!(out, "{text:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[&str] = &[
        "",
        "svc",
        "i-0123456789abcdef0",
        "jane@example.com",
        "we\"ird",
        "back\\slash",
        "tab\there",
        "new\nline",
        "ÉLODIE",
        "ΟΔΟΣ",
        "Σίσυφος",
        "\u{7f}del",
        "zero\u{200b}width",
        "combining\u{301}",
        "'single'",
    ];

    #[test]
    fn quoted_matches_debug_format() {
        for sample in SAMPLES {
            let mut out = String::new();
            push_quoted(&mut out, sample);
            assert_eq!(out, format!("{sample:?}"), "{sample}");
        }
    }

    #[test]
    fn lowercase_matches_to_lowercase() {
        for sample in SAMPLES {
            assert_eq!(
                concat(&[Part::Lowercase(sample)]),
                sample.to_lowercase(),
                "{sample}"
            );
        }
    }

    #[test]
    fn equals_parts_matches_written_text() {
        for first in SAMPLES {
            for second in SAMPLES {
                for parts in [
                    [Part::Plain(first), Part::Plain(second)],
                    [Part::Plain(first), Part::Lowercase(second)],
                    [Part::Lowercase(first), Part::Quoted(second)],
                ] {
                    let mut written = String::new();
                    write_parts(&mut written, &parts);
                    let has_quote = matches!(parts[1], Part::Quoted(_));
                    let non_ascii_lowercase = parts
                        .iter()
                        .any(|part| matches!(part, Part::Lowercase(text) if !text.is_ascii()));
                    let expected = !has_quote && !non_ascii_lowercase;
                    assert_eq!(equals_parts(&written, &parts), expected, "{written:?}");
                    for other in SAMPLES {
                        if *other != written {
                            assert!(!equals_parts(other, &parts), "{other:?} for {written:?}");
                        }
                    }
                    assert!(!equals_parts(&format!("{written}x"), &parts), "{written:?}");
                }
            }
        }
    }

    #[test]
    fn short_eq_matches_slice_eq() {
        let base: Vec<u8> = (0..40).map(|index| b'a' + index % 26).collect();
        for length in 0..=base.len() {
            let left = &base[..length];
            assert!(short_eq(left, left), "length {length}");
            for position in 0..length {
                let mut right = left.to_vec();
                right[position] ^= 0x20;
                assert!(
                    !short_eq(left, &right),
                    "length {length}, position {position}"
                );
            }
            if length > 0 {
                assert!(!short_eq(left, &left[1..]), "length {length}");
            }
        }
    }

    #[test]
    fn concat_joins_parts_in_order() {
        let text = concat(&[
            Part::Plain("session "),
            Part::Quoted("a\"b"),
            Part::Plain(" of "),
            Part::Lowercase("Jane@Example.COM"),
        ]);
        assert_eq!(text, "session \"a\\\"b\" of jane@example.com");
    }
}
