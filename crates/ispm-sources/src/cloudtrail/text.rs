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
/// A result longer than a [`CompactString`] holds inline keeps that
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
