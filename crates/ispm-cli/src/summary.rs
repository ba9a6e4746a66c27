//! Counters of one replay run, printed to stderr at its end.

mod render;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use ispm_engine::IdentitySummary;
use ispm_model::{DeadLetter, DeadLetterAction, Finding, IdentityId, IdentityKind, Severity};

/// Dead letters listed by origin and index in the summary.
const DEAD_LETTER_EXAMPLES: usize = 5;
/// Identities listed in the "most severe findings" table.
const TOP_IDENTITIES: usize = 10;

#[derive(Debug, Default)]
pub struct Summary {
    /// Inputs whose bytes could be read, fully or up to a truncation.
    pub files_read: u64,
    /// Inputs that could not be read, or not to their end.
    pub files_failed: u64,
    /// Inputs counted in both of the above: a truncated gzip file whose
    /// leading bytes were still read and decoded.
    pub files_partly_read: u64,
    pub events: u64,
    /// Identity snapshots decoded: credential report rows, JSON inventory
    /// entries.
    pub snapshots: u64,
    /// Records the decoder rejected (file-level errors not included).
    pub records_rejected: u64,
    /// Documents without identity activity (digest files, Insights records),
    /// by reason.
    pub skipped: BTreeMap<&'static str, u64>,
    pub dead_letters: BTreeMap<(DeadLetterKey, String), u64>,
    pub dead_letter_examples: Vec<String>,
    pub identities_by_kind: BTreeMap<IdentityKind, u64>,
    pub identities: u64,
    pub inventory_records: u64,
    /// Identity postures and posture summaries written.
    pub postures: u64,
    pub posture_summaries: u64,
    /// Findings per detector, indexed like [`Severity::ALL`].
    pub findings: BTreeMap<&'static str, [u64; Severity::ALL.len()]>,
    per_identity: HashMap<IdentityId, IdentityFindings>,
    pub reading: Duration,
    pub processing: Duration,
}

/// Sort key of a dead-letter action: rejected records first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeadLetterKey {
    Rejected,
    AcceptedWithWarnings,
}

impl DeadLetterKey {
    fn from_action(action: DeadLetterAction) -> Self {
        match action {
            DeadLetterAction::Rejected => DeadLetterKey::Rejected,
            DeadLetterAction::AcceptedWithWarnings => DeadLetterKey::AcceptedWithWarnings,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeadLetterKey::Rejected => "rejected",
            DeadLetterKey::AcceptedWithWarnings => "accepted_with_warnings",
        }
    }
}

/// The findings of one identity, for the "most severe findings" table.
#[derive(Clone, Debug)]
pub struct IdentityFindings {
    pub id: IdentityId,
    pub kind: IdentityKind,
    pub max_severity: Severity,
    pub count: u64,
}

impl Summary {
    /// Counts a dead letter and keeps it as an example while fewer than
    /// [`DEAD_LETTER_EXAMPLES`] are kept.
    pub fn add_dead_letter(&mut self, dead_letter: &DeadLetter) {
        let key = (
            DeadLetterKey::from_action(dead_letter.action),
            dead_letter.reason.clone(),
        );
        *self.dead_letters.entry(key).or_default() += 1;
        if self.dead_letter_examples.len() < DEAD_LETTER_EXAMPLES {
            let location = match dead_letter.index {
                Some(index) => format!("{}:{index}", dead_letter.origin),
                None => dead_letter.origin.clone(),
            };
            self.dead_letter_examples
                .push(format!("{location} {}", dead_letter.reason));
        }
    }

    pub fn add_finding(&mut self, finding: &Finding) {
        let counts = self.findings.entry(finding.detector).or_default();
        if let Some(slot) = Severity::ALL
            .iter()
            .position(|severity| *severity == finding.severity)
        {
            counts[slot] += 1;
        }

        let entry = self
            .per_identity
            .entry(finding.identity.clone())
            .or_insert_with(|| IdentityFindings {
                id: finding.identity.clone(),
                kind: finding.identity_kind,
                max_severity: finding.severity,
                count: 0,
            });
        entry.count += 1;
        entry.max_severity = entry.max_severity.max(finding.severity);
    }

    pub fn add_identities(&mut self, identities: &[IdentitySummary]) {
        for identity in identities {
            *self.identities_by_kind.entry(identity.kind).or_default() += 1;
            self.identities += 1;
        }
    }

    pub fn dead_letter_total(&self) -> u64 {
        self.dead_letters.values().sum()
    }

    pub fn finding_total(&self) -> u64 {
        self.findings.values().flatten().sum()
    }

    /// Identities with findings, most severe first, then most findings, then
    /// by id so that ties print in a stable order.
    pub fn top_identities(&self) -> Vec<&IdentityFindings> {
        let mut ranked: Vec<&IdentityFindings> = self.per_identity.values().collect();
        ranked.sort_by(|a, b| {
            b.max_severity
                .cmp(&a.max_severity)
                .then(b.count.cmp(&a.count))
                .then_with(|| a.id.cmp(&b.id))
        });
        ranked.truncate(TOP_IDENTITIES);
        ranked
    }
}

#[cfg(test)]
mod tests {
    use ispm_model::{Confidence, EventTime, FindingCategory};

    use super::*;

    fn finding(identity: &str, severity: Severity) -> Finding {
        Finding {
            uid: String::new(),
            category: FindingCategory::Anomaly,
            detector: "test_detector",
            rule: "rule".to_owned(),
            title: String::new(),
            description: String::new(),
            severity,
            confidence: Confidence::High,
            attacks: Vec::new(),
            identity: IdentityId::from(identity),
            identity_name: identity.to_owned(),
            identity_kind: IdentityKind::Human,
            account: None,
            credential: None,
            region: None,
            first_seen: EventTime::default(),
            last_seen: EventTime::default(),
            related_events: Vec::new(),
            evidences: Vec::new(),
            remediation: String::new(),
            suppressed_by: None,
            status: ispm_model::FindingStatus::New,
            controls: Vec::new(),
        }
    }

    #[test]
    fn top_identities_rank_severity_then_count_then_id() {
        let mut summary = Summary::default();
        summary.add_finding(&finding("b", Severity::High));
        summary.add_finding(&finding("a", Severity::High));
        summary.add_finding(&finding("c", Severity::Low));
        summary.add_finding(&finding("c", Severity::Low));
        summary.add_finding(&finding("c", Severity::Low));
        summary.add_finding(&finding("d", Severity::High));
        summary.add_finding(&finding("d", Severity::Medium));

        let order: Vec<&str> = summary
            .top_identities()
            .iter()
            .map(|entry| entry.id.as_str())
            .collect();
        assert_eq!(order, ["d", "a", "b", "c"]);
    }

    #[test]
    fn findings_count_per_detector_and_severity() {
        let mut summary = Summary::default();
        summary.add_finding(&finding("a", Severity::Critical));
        summary.add_finding(&finding("a", Severity::Low));
        assert_eq!(summary.findings["test_detector"], [1, 0, 0, 1, 0]);
        assert_eq!(summary.finding_total(), 2);
    }

    #[test]
    fn only_first_dead_letters_become_examples() {
        let mut summary = Summary::default();
        for index in 0..8 {
            summary.add_dead_letter(&DeadLetter {
                action: DeadLetterAction::Rejected,
                reason: "invalid_json".to_owned(),
                detail: String::new(),
                origin: "logs/a.json".to_owned(),
                index: Some(index),
                excerpt: None,
                size: None,
                event_id: None,
            });
        }
        assert_eq!(summary.dead_letter_total(), 8);
        assert_eq!(summary.dead_letter_examples.len(), DEAD_LETTER_EXAMPLES);
        assert_eq!(
            summary.dead_letter_examples[0],
            "logs/a.json:0 invalid_json"
        );
    }
}
