//! Escaping for the two places data enters the page: HTML text and
//! attributes, and the JSON inside a `<script>` element.
//!
//! Identity names, titles and user agents come from attackers' requests, so
//! every string from the data goes through one of these.

use std::fmt;

/// Text escaped for HTML element content and quoted attribute values.
pub struct Text<'a>(pub &'a str);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(index) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..index])?;
            let entity = match rest.as_bytes()[index] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            };
            f.write_str(entity)?;
            rest = &rest[index + 1..];
        }
        f.write_str(rest)
    }
}

/// Makes JSON safe to place between `<script type="application/json">` and
/// `</script>`: `<`, `>` and `&` become `\u003c`, `\u003e` and `\u0026`, so
/// no `</script>` or `<!--` can end or alter the element. U+2028 and U+2029
/// are escaped too, for parsers that treat them as line ends. JSON allows
/// these escapes inside strings, and these characters occur only there, so
/// `JSON.parse` returns the same value.
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_characters() {
        let escaped = Text(r#"<script>alert("x" & 'y')</script>"#).to_string();
        assert_eq!(
            escaped,
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn text_keeps_plain_and_non_ascii_text() {
        assert_eq!(Text("deploy-bot é 日本").to_string(), "deploy-bot é 日本");
        assert_eq!(Text("").to_string(), "");
    }

    #[test]
    fn script_json_cannot_close_the_element() {
        let value = serde_json::json!({ "name": "</script><script>alert(1)</script><!--", "sep": "\u{2028}" });
        let json = serde_json::to_string(&value).expect("serializable");
        let safe = json_for_script(&json);
        assert!(!safe.contains('<'), "{safe}");
        assert!(!safe.contains('>'), "{safe}");
        assert!(!safe.contains('\u{2028}'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
    }
}
