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
}
