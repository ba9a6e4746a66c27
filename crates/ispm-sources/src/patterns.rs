/// A list of configured name patterns, matched case-insensitively (ASCII).
#[derive(Clone, Debug, Default)]
pub(crate) struct NamePatterns {
    patterns: Vec<String>,
}

impl NamePatterns {
    pub fn new(patterns: &[String]) -> Self {
        let patterns = patterns
            .iter()
            .filter(|pattern| !pattern.is_empty())
            .cloned()
            .collect();
        NamePatterns { patterns }
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
        self.patterns
            .iter()
            .find(|pattern| {
                bytes
                    .get(..pattern.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(pattern.as_bytes()))
            })
            .map(String::as_str)
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
