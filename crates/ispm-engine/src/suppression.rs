//! Suppression rules: findings that match a rule are marked suppressed, with
//! the rule's reason, instead of being dropped, so they stay countable and
//! a rule that hides too much can be seen.

use std::net::IpAddr;

use ispm_model::{EventTime, IdentityEvent};
use serde::{Deserialize, Serialize};

/// One suppression rule. Every condition that is set must match; a rule
/// with no condition but `reason` matches every finding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SuppressionRule {
    /// The reason the matching findings are expected, shown on each of them.
    /// Required.
    pub reason: String,
    /// Canonical identity id pattern; `*` matches any run of characters,
    /// e.g. `aws:*:role/security-scanner`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Detector ids the rule applies to; empty applies it to all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub detectors: Vec<String>,
    /// Source network in CIDR notation, e.g. `203.0.113.0/24`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_cidr: Option<String>,
    /// Autonomous system number of the source (needs `[enrich]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Case-insensitive substring of the user agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// API action, e.g. `ListBuckets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// RFC 3339 time after which the rule no longer applies, compared with
    /// event time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A rule with its network and expiry parsed once.
#[derive(Clone, Debug)]
pub(crate) struct CompiledRule {
    rule: SuppressionRule,
    network: Option<ipnet::IpNet>,
    expires: Option<EventTime>,
    user_agent_lower: Option<String>,
}

impl SuppressionRule {
    /// Returns what is wrong with the rule, for `EngineConfig::validate`.
    pub(crate) fn problems(&self, index: usize) -> Vec<String> {
        let key = format!("engine.suppressions[{index}]");
        let mut problems = Vec::new();
        if self.reason.trim().is_empty() {
            problems.push(format!(
                "{key}.reason: missing; say why these findings are expected"
            ));
        }
        if let Some(cidr) = &self.source_cidr
            && cidr.parse::<ipnet::IpNet>().is_err()
        {
            problems.push(format!(
                "{key}.source_cidr: invalid CIDR {cidr:?}, expected e.g. 203.0.113.0/24"
            ));
        }
        if let Some(expires) = &self.expires
            && EventTime::parse_rfc3339(expires).is_err()
        {
            problems.push(format!(
                "{key}.expires: invalid time {expires:?}, expected e.g. 2027-01-31T00:00:00Z"
            ));
        }
        for detector in &self.detectors {
            if !crate::DETECTORS.contains(&detector.as_str()) {
                problems.push(format!("{key}.detectors: unknown detector {detector:?}"));
            }
        }
        problems
    }

    pub(crate) fn compile(&self) -> CompiledRule {
        CompiledRule {
            network: self
                .source_cidr
                .as_deref()
                .and_then(|cidr| cidr.parse().ok()),
            expires: self
                .expires
                .as_deref()
                .and_then(|time| EventTime::parse_rfc3339(time).ok()),
            user_agent_lower: self.user_agent.as_deref().map(str::to_ascii_lowercase),
            rule: self.clone(),
        }
    }
}

impl CompiledRule {
    /// Returns the rule's reason when it covers a finding of `detector` for
    /// `identity` raised by `event`.
    pub(crate) fn matches(
        &self,
        detector: &str,
        identity: &str,
        event: &IdentityEvent,
    ) -> Option<&str> {
        let rule = &self.rule;
        if self.expires.is_some_and(|expires| event.time >= expires) {
            return None;
        }
        if !rule.detectors.is_empty() && !rule.detectors.iter().any(|id| id == detector) {
            return None;
        }
        if let Some(pattern) = &rule.identity
            && !glob_matches(pattern, identity)
        {
            return None;
        }
        if let Some(network) = &self.network
            && !event
                .origin
                .ip
                .is_some_and(|ip: IpAddr| network.contains(&ip))
        {
            return None;
        }
        if let Some(asn) = rule.asn
            && event
                .origin
                .network
                .as_ref()
                .and_then(|network| network.asn)
                != Some(asn)
        {
            return None;
        }
        if let Some(agent) = &self.user_agent_lower
            && !event
                .origin
                .user_agent
                .as_deref()
                .is_some_and(|value| value.to_ascii_lowercase().contains(agent.as_str()))
        {
            return None;
        }
        if let Some(action) = &rule.action
            && *action != event.action
        {
            return None;
        }
        Some(&rule.reason)
    }
}

/// Matches `text` against `pattern`, where `*` stands for any run of
/// characters (including none) and every other character for itself.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let remaining: Vec<&str> = parts.collect();
    let Some((last, middle)) = remaining.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(index) => rest = &rest[index + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn glob_patterns_match_as_expected() {
        let cases = [
            ("aws:*:role/scanner", "aws:111122223333:role/scanner", true),
            (
                "aws:*:role/scanner",
                "aws:111122223333:role/scanner-2",
                false,
            ),
            ("aws:*:role/scan*", "aws:1:role/scanner-2", true),
            ("*", "", true),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXcYb", false),
            ("ab*ba", "aba", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(glob_matches(pattern, text), expected, "{pattern} vs {text}");
        }
    }
}
