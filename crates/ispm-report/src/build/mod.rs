//! Builds the [`Report`] from the loaded records and the filters.

mod findings;
mod identities;
mod posture;

use std::path::Path;

use ispm_model::EventTime;

use crate::filters::Filters;
use crate::load::Dataset;
use crate::model::{InputSummary, REPORT_VERSION, Report, TimeRange, Totals};

use self::identities::IdentityDirectory;

/// Builds the report of `dataset` under `filters`. `input` is the folder the
/// dataset came from, shown in the page header.
pub fn build(dataset: &Dataset, filters: &Filters, input: &Path) -> Report {
    let directory = IdentityDirectory::new(dataset);
    let identities = directory.rows(filters);
    let findings = findings::filtered(dataset, &directory, filters);
    let headline = posture::headline(dataset, filters);
    let (accounts, owners) = posture::scopes(dataset, filters, &identities);

    let mut notes = Vec::new();
    filter_notes(dataset, filters, &directory, &headline.scope, &mut notes);
    if headline.latest.is_none() {
        notes.push(format!(
            "no posture summary record for scope {}, so the posture score, trend and \
             NHI hygiene are empty",
            headline.scope
        ));
    }

    let totals = Totals {
        identities: identities.len() as u64,
        non_human_identities: identities
            .iter()
            .filter(|row| row.kind.is_some_and(|kind| kind.is_non_human()))
            .count() as u64,
        findings: findings.len() as u64,
        open_violations: findings::open_violations(&findings).len() as u64,
        resolved_violations: findings::resolved_violations(&findings),
        suppressed_findings: findings::suppressed(&findings),
        open_anomalies: findings::open_anomalies(&findings).len() as u64,
    };

    let mut times: Vec<EventTime> = Vec::new();
    for finding in &findings {
        times.push(finding.record.time);
        times.extend(finding.record.first_seen);
    }
    for row in &identities {
        times.extend(row.last_seen);
    }
    times.extend(headline.trend.iter().map(|point| point.as_of));
    for scope in accounts.iter().chain(&owners) {
        times.push(scope.summary.as_of);
    }
    let time_range = match (times.iter().min(), times.iter().max()) {
        (Some(&from), Some(&to)) => Some(TimeRange { from, to }),
        _ => None,
    };

    Report {
        report_version: REPORT_VERSION,
        filters: filters.clone(),
        filter_notes: notes,
        time_range,
        input: InputSummary {
            folder: input.display().to_string(),
            files: dataset.files.clone(),
            skipped_lines: dataset.skipped.len() as u64,
            skipped: dataset.skipped.clone(),
        },
        totals,
        findings_by_severity: findings::by_severity(&findings),
        controls: findings::by_control(&findings, filters),
        riskiest_identities: identities::riskiest(dataset, &directory, filters),
        open_violations: findings::open_violations(&findings),
        anomalies: findings::open_anomalies(&findings),
        headline,
        accounts,
        owners,
        findings,
        identities,
    }
}

/// Adds a note for each filter value that matches nothing, and for numbers
/// that come from precomputed summaries the filters cannot narrow.
fn filter_notes(
    dataset: &Dataset,
    filters: &Filters,
    directory: &IdentityDirectory,
    headline_scope: &str,
    notes: &mut Vec<String>,
) {
    if let Some(account) = &filters.account {
        let known = directory.accounts().contains(account.as_str())
            || dataset
                .findings
                .iter()
                .any(|finding| finding.account.as_deref() == Some(account));
        if !known {
            notes.push(format!("account {account} appears in no record"));
        }
    }
    if let Some(owner) = &filters.owner
        && !directory.owners().contains(owner.as_str())
    {
        notes.push(format!(
            "owner {owner} appears in no inventory or posture record"
        ));
    }
    if let Some(framework) = &filters.framework {
        let frameworks = findings::frameworks(dataset);
        if !frameworks.iter().any(|name| filters.keeps_framework(name)) {
            let listed = if frameworks.is_empty() {
                "none".to_owned()
            } else {
                frameworks.join(", ")
            };
            notes.push(format!(
                "no finding maps to framework {framework}; frameworks in the data: {listed}"
            ));
        }
    }
    if filters.kind.is_some() || filters.framework.is_some() {
        notes.push(format!(
            "posture scores, the trend and NHI hygiene come from the pipeline's summary \
             records for {headline_scope}, which the kind and framework filters do not narrow"
        ));
    }
    if filters.account.is_some() && filters.owner.is_some() {
        notes.push(format!(
            "the pipeline summarises owners across accounts, so the posture score is \
             that of {headline_scope} in every account"
        ));
    }
}
