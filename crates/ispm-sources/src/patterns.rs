use std::fmt;

/// A list of configured name patterns, matched case-insensitively (ASCII).
#[derive(Clone)]
pub(crate) struct NamePatterns {
    patterns: Vec<String>,
    /// For each byte in ASCII lowercase, the indexes into `patterns` of the
    /// patterns that start with it, in configuration order. Every event's
    /// names are matched, so a position of a name is compared only with the
    /// patterns that can match there.
    by_first_byte: Vec<Vec<usize>>,
}

impl NamePatterns {
    pub fn new(patterns: &[String]) -> Self {
        let patterns: Vec<String> = patterns
            .iter()
            .filter(|pattern| !pattern.is_empty())
            .cloned()
            .collect();
        let mut by_first_byte = vec![Vec::new(); 256];
        for (index, pattern) in patterns.iter().enumerate() {
            by_first_byte[usize::from(pattern.as_bytes()[0].to_ascii_lowercase())].push(index);
        }
        NamePatterns {
            patterns,
            by_first_byte,
        }
    }

    /// Returns the first pattern that starts a word of `name`. A word starts at
    /// the beginning of the name, after a character that is not an ASCII
    /// letter or digit, and where a lowercase letter or digit is followed by
    /// an uppercase letter (`DeployBot`).
    pub fn find_word_start(&self, name: &str) -> Option<&str> {
        let bytes = name.as_bytes();
        (0..bytes.len())
            .filter(|&index| is_word_start(bytes, index))
            .find_map(|index| self.find_prefix_of(&bytes[index..]))
    }

    /// Returns the first pattern that `name` starts with.
    pub fn find_prefix(&self, name: &str) -> Option<&str> {
        self.find_prefix_of(name.as_bytes())
    }

    fn find_prefix_of(&self, bytes: &[u8]) -> Option<&str> {
        let first = bytes.first()?.to_ascii_lowercase();
        self.by_first_byte[usize::from(first)]
            .iter()
            .map(|&index| self.patterns[index].as_str())
            .find(|pattern| {
                bytes
                    .get(..pattern.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(pattern.as_bytes()))
            })
    }
}

/// Shows the patterns only: the index by first byte is derived from them and
/// would print 256 lists.
impl fmt::Debug for NamePatterns {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("NamePatterns")
            .field("patterns", &self.patterns)
            .finish_non_exhaustive()
    }
}

fn is_word_start(bytes: &[u8], index: usize) -> bool {
    let Some(&current) = bytes.get(index) else {
        return false;
    };
    let Some(&previous) = index.checked_sub(1).and_then(|before| bytes.get(before)) else {
        return true;
    };
    !previous.is_ascii_alphanumeric()
        || (current.is_ascii_uppercase()
            && (previous.is_ascii_lowercase() || previous.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(items: &[&str]) -> NamePatterns {
        let owned: Vec<String> = items.iter().map(|item| (*item).to_owned()).collect();
        NamePatterns::new(&owned)
    }

    #[test]
    fn word_starts_match() {
        let svc = patterns(&["svc", "ci-", "bot"]);
        assert_eq!(svc.find_word_start("svc-backup"), Some("svc"));
        assert_eq!(svc.find_word_start("backup-svc"), Some("svc"));
        assert_eq!(svc.find_word_start("BackupSvc"), Some("svc"));
        assert_eq!(svc.find_word_start("ci-runner"), Some("ci-"));
        assert_eq!(svc.find_word_start("DeployBot"), Some("bot"));
    }

    #[test]
    fn letters_inside_a_word_do_not_match() {
        let svc = patterns(&["svc", "bot", "ci-"]);
        assert_eq!(
            svc.find_word_start("stratus-red-team-nmfalu-jfzdtsvchl"),
            None
        );
        assert_eq!(svc.find_word_start("abbott"), None);
        assert_eq!(svc.find_word_start("marci-x"), None);
    }

    #[test]
    fn shared_first_letter_keeps_pattern_order() {
        let first_is_longer = patterns(&["Bot", "bedrock-agent", "b"]);
        assert_eq!(
            first_is_longer.find_word_start("bedrock-agent-1"),
            Some("bedrock-agent")
        );
        assert_eq!(first_is_longer.find_word_start("BOT-x"), Some("Bot"));
        let first_is_shorter = patterns(&["b", "bedrock-agent"]);
        assert_eq!(
            first_is_shorter.find_word_start("bedrock-agent-1"),
            Some("b")
        );
    }

    #[test]
    fn prefix_match_ignores_case() {
        let sso = patterns(&["AWSReservedSSO_"]);
        assert_eq!(
            sso.find_prefix("awsreservedsso_Admin_1a2b"),
            Some("AWSReservedSSO_")
        );
        assert_eq!(sso.find_prefix("Admin-AWSReservedSSO_"), None);
    }

    #[test]
    fn non_ascii_names_do_not_panic() {
        let svc = patterns(&["svc"]);
        assert_eq!(svc.find_word_start("é-svc-ü"), Some("svc"));
        assert_eq!(svc.find_word_start("ü"), None);
    }
}
