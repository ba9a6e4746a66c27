//! Finding lists and counts: per severity, per compliance control, open
//! policy violations and open anomalies.

use std::collections::{BTreeMap, BTreeSet};

use ispm_model::{FindingCategory, Severity};

use crate::build::identities::IdentityDirectory;
use crate::filters::Filters;
use crate::load::Dataset;
use crate::model::{ControlCounts, FindingView, SeverityCounts, SeverityTally};
use crate::ocsf::FindingState;

/// Returns the findings that pass the filters, joined with their owner.
///
/// A finding's account and kind come from the finding itself, falling back
/// to the identity's records; its owner comes from the identity's records.
pub fn filtered(
    dataset: &Dataset,
    directory: &IdentityDirectory,
    filters: &Filters,
) -> Vec<FindingView> {
    dataset
        .findings
        .iter()
        .filter_map(|record| {
            let facts = directory.facts(&record.identity);
            let account = record.account.as_deref().or(facts.account);
            let kind = record.identity_kind.or(facts.kind);
            if !filters.keeps_identity(account, facts.owner, kind) {
                return None;
            }
            let in_framework = filters.framework.is_none()
                || record
                    .controls
                    .iter()
                    .any(|control| filters.keeps_framework(&control.framework));
            if !in_framework {
                return None;
            }
            Some(FindingView {
                record: record.clone(),
                owner: facts.owner.map(str::to_owned),
            })
        })
        .collect()
}

/// Returns the open policy violations, most severe first, then newest first.
pub fn open_violations(findings: &[FindingView]) -> Vec<FindingView> {
    let mut open: Vec<FindingView> = findings
        .iter()
        .filter(|view| view.record.category == FindingCategory::Policy && view.record.is_open())
        .cloned()
        .collect();
    open.sort_by(|left, right| {
        right
            .record
            .severity
            .cmp(&left.record.severity)
            .then(right.record.time.cmp(&left.record.time))
            .then_with(|| left.record.uid.cmp(&right.record.uid))
    });
    open
}

/// Returns the open anomalies, newest first, then most severe first.
pub fn open_anomalies(findings: &[FindingView]) -> Vec<FindingView> {
    let mut open: Vec<FindingView> = findings
        .iter()
        .filter(|view| view.record.category == FindingCategory::Anomaly && view.record.is_open())
        .cloned()
        .collect();
    open.sort_by(|left, right| {
        right
            .record
            .time
            .cmp(&left.record.time)
            .then(right.record.severity.cmp(&left.record.severity))
            .then_with(|| left.record.uid.cmp(&right.record.uid))
    });
    open
}

pub fn resolved_violations(findings: &[FindingView]) -> u64 {
    count_state(findings, FindingState::Resolved)
}

pub fn suppressed(findings: &[FindingView]) -> u64 {
    count_state(findings, FindingState::Suppressed)
}

fn count_state(findings: &[FindingView], state: FindingState) -> u64 {
    findings
        .iter()
        .filter(|view| view.record.state == state)
        .count() as u64
}

/// Returns one row per severity, most severe first, including severities
/// without findings so that the chart always has the same five bars.
pub fn by_severity(findings: &[FindingView]) -> Vec<SeverityCounts> {
    Severity::ALL
        .into_iter()
        .map(|severity| {
            let mut row = SeverityCounts {
                severity,
                label: severity.label(),
                open_violations: 0,
                open_anomalies: 0,
                suppressed: 0,
                resolved: 0,
            };
            for view in findings
                .iter()
                .filter(|view| view.record.severity == severity)
            {
                match (view.record.state, view.record.category) {
                    (FindingState::New, FindingCategory::Policy) => row.open_violations += 1,
                    (FindingState::New, FindingCategory::Anomaly) => row.open_anomalies += 1,
                    (FindingState::Suppressed, _) => row.suppressed += 1,
                    (FindingState::Resolved, _) => row.resolved += 1,
                }
            }
            row
        })
        .collect()
}

/// Counts policy findings per control, within the framework filter. A
/// finding that lists the same control twice counts once for it.
pub fn by_control(findings: &[FindingView], filters: &Filters) -> Vec<ControlCounts> {
    let mut controls: BTreeMap<(String, String), ControlCounts> = BTreeMap::new();
    for view in findings {
        let record = &view.record;
        if record.category != FindingCategory::Policy {
            continue;
        }
        let distinct: BTreeSet<(&str, &str)> = record
            .controls
            .iter()
            .filter(|control| filters.keeps_framework(&control.framework))
            .map(|control| (control.framework.as_str(), control.id.as_str()))
            .collect();
        for (framework, id) in distinct {
            let row = controls
                .entry((framework.to_owned(), id.to_owned()))
                .or_insert_with(|| ControlCounts {
                    framework: framework.to_owned(),
                    control: id.to_owned(),
                    open: SeverityTally::default(),
                    open_total: 0,
                    resolved: 0,
                    suppressed: 0,
                });
            match record.state {
                FindingState::New => {
                    row.open.add(record.severity);
                    row.open_total += 1;
                }
                FindingState::Resolved => row.resolved += 1,
                FindingState::Suppressed => row.suppressed += 1,
            }
        }
    }
    controls.into_values().collect()
}

/// Returns the distinct framework names in all loaded findings, sorted.
pub fn frameworks(dataset: &Dataset) -> Vec<String> {
    let names: BTreeSet<&str> = dataset
        .findings
        .iter()
        .flat_map(|finding| &finding.controls)
        .map(|control| control.framework.as_str())
        .collect();
    names.into_iter().map(str::to_owned).collect()
}
