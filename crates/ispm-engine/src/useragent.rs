//! User-agent families: the baseline compares families, not full strings,
//! because every SDK or browser update changes the version numbers.

/// Returns the family of a user agent: the product token before the first
/// `/`, space, `_` or `[`, lowercased; browsers fold into `browser`.
pub(crate) fn family(user_agent: &str) -> String {
    family_token(user_agent).to_ascii_lowercase()
}

/// The family of a user agent before lowercasing, borrowed from it.
pub(crate) fn family_token(user_agent: &str) -> &str {
    let trimmed = user_agent.trim().trim_start_matches('[');
    if trimmed.starts_with("Mozilla/") || trimmed.starts_with("Opera/") {
        return "browser";
    }
    // The delimiters are ASCII, so a byte position is a character boundary.
    let end = trimmed
        .bytes()
        .position(|byte| matches!(byte, b'/' | b' ' | b'_' | b'[' | b']' | b'('))
        .unwrap_or(trimmed.len());
    let token = &trimmed[..end];
    if token.is_empty() { "unknown" } else { token }
}

/// Returns how many leading bytes of a user agent decide its family. Every
/// agent that starts with those bytes has the same [`family_token`].
/// Returns `None` when the family can depend on the agent's last byte,
/// because its token runs to the end.
pub(crate) fn family_prefix_len(user_agent: &str) -> Option<usize> {
    // `family_token` trims the end too, but that never cuts into the part
    // measured here, because each case below ends at a byte that is not
    // whitespace.
    let trimmed = user_agent.trim_start().trim_start_matches('[');
    let start = user_agent.len() - trimmed.len();
    for browser in ["Mozilla/", "Opera/"] {
        if trimmed.starts_with(browser) {
            return Some(start + browser.len());
        }
    }
    let delimiter = start
        + trimmed
            .bytes()
            .position(|byte| matches!(byte, b'/' | b' ' | b'_' | b'[' | b']' | b'('))?;
    // A space ends the token only when something other than whitespace
    // follows it. Otherwise `trim` removes it, and with it any whitespace
    // the token ends with.
    let rest = user_agent.get(delimiter..)?;
    let after = rest.trim_start();
    let next = after.chars().next()?;
    Some(user_agent.len() - after.len() + next.len_utf8())
}

/// True for user agents of a web browser, the sign of an interactive session.
pub(crate) fn is_browser(user_agent: &str) -> bool {
    user_agent.trim_start().starts_with("Mozilla/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_versions_share_a_family() {
        assert_eq!(family("aws-cli/2.13.0 Python/3.11.4 Linux/5.15"), "aws-cli");
        assert_eq!(family("aws-cli/1.29.0 Python/3.9"), "aws-cli");
        assert_eq!(family("Boto3/1.28.1 md/Botocore#1.31.1"), "boto3");
        assert_eq!(family("stratus-red-team_6bf00313-712c"), "stratus-red-team");
        assert_eq!(
            family("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
            "browser"
        );
        assert_eq!(family("[S3Console/0.4]"), "s3console");
        assert_eq!(family(""), "unknown");
    }

    #[test]
    fn family_prefix_len_cases() {
        let cases = [
            ("aws-cli/2.13.0 Python/3.11.4", Some(8)),
            ("  [S3Console/0.4]", Some(13)),
            ("Mozilla/5.0 (X11)", Some(8)),
            ("  Opera/9.80", Some(8)),
            ("terraform", None),
            ("tool \tx", Some(7)),
            ("tool   ", None),
            ("tool\t \t", None),
            ("/x", Some(1)),
        ];
        for (agent, expected) in cases {
            assert_eq!(family_prefix_len(agent), expected, "{agent:?}");
        }
    }

    /// Checks that any agent starting with the prefix `family_prefix_len`
    /// returns has the family of the original agent, whatever follows.
    #[test]
    fn family_prefix_decides_family() {
        let agents = [
            "APN/1.0 HashiCorp/1.0 Terraform/1.1.2",
            "[APN/1.0 HashiCorp/1.0",
            "Mozilla/5.0 (Windows NT 10.0)",
            "tool\t \tnext",
            "tool \u{3000}x",
            " [ (x",
            "Boto3_1.28",
        ];
        let tails = ["", " ", "\t", "  \t ", "x", "/y", " z", "\u{3000}"];
        for agent in agents {
            let Some(len) = family_prefix_len(agent) else {
                panic!("no prefix length for {agent:?}");
            };
            let prefix = &agent[..len];
            for tail in tails {
                let other = format!("{prefix}{tail}");
                assert_eq!(
                    family_token(&other),
                    family_token(agent),
                    "{agent:?} and {other:?}"
                );
            }
        }
    }
}
