//! `findings.csv`, `identities.csv` and `controls.csv`, for spreadsheets and
//! ticketing imports.
//!
//! Text cells that a spreadsheet would run as a formula (starting with `=`,
//! `+`, `-`, `@`, tab or carriage return) get a leading `'`, because names and
//! titles come from attackers' requests. Lists inside a cell are joined
//! with `; `. Times are RFC 3339 in UTC.

use std::path::Path;

use ispm_model::{EventTime, NhiType};

use crate::error::ReportError;
use crate::model::{ControlCounts, FindingView, IdentityRow};

pub const FINDINGS_CSV: &str = "findings.csv";
pub const IDENTITIES_CSV: &str = "identities.csv";
pub const CONTROLS_CSV: &str = "controls.csv";

/// Writes the three CSV files into `dir`.
pub fn write_all(
    dir: &Path,
    findings: &[FindingView],
    identities: &[IdentityRow],
    controls: &[ControlCounts],
) -> Result<(), ReportError> {
    write_file(&dir.join(FINDINGS_CSV), |writer| {
        write_findings(writer, findings)
    })?;
    write_file(&dir.join(IDENTITIES_CSV), |writer| {
        write_identities(writer, identities)
    })?;
    write_file(&dir.join(CONTROLS_CSV), |writer| {
        write_controls(writer, controls)
    })
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut csv::Writer<std::fs::File>) -> Result<(), csv::Error>,
) -> Result<(), ReportError> {
    let to_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_path(path).map_err(to_error)?;
    write(&mut writer).map_err(to_error)?;
    writer.flush().map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn write_findings<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    findings: &[FindingView],
) -> Result<(), csv::Error> {
    writer.write_record([
        "uid",
        "category",
        "status",
        "severity",
        "title",
        "detector",
        "rule",
        "identity",
        "identity_name",
        "identity_kind",
        "account",
        "owner",
        "first_seen",
        "last_seen",
        "related_events",
        "controls",
        "remediation",
        "source",
        "user_agent",
        "suppressed_by",
    ])?;
    for view in findings {
        let record = &view.record;
        let category = match record.category {
            ispm_model::FindingCategory::Anomaly => "anomaly",
            ispm_model::FindingCategory::Policy => "policy",
        };
        let controls: Vec<String> = record
            .controls
            .iter()
            .map(|control| format!("{} {}", control.framework, control.id))
            .collect();
        writer.write_record([
            text(&record.uid),
            category.to_owned(),
            record.state.label().to_owned(),
            record.severity.label().to_owned(),
            text(&record.title),
            text(&record.detector),
            text(&record.rule),
            text(&record.identity),
            text(&record.identity_name),
            record
                .identity_kind
                .map(|kind| kind.as_str().to_owned())
                .unwrap_or_default(),
            optional_text(record.account.as_deref()),
            optional_text(view.owner.as_deref()),
            optional_time(record.first_seen),
            record.time.to_rfc3339(),
            text(&record.related_events.join("; ")),
            text(&controls.join("; ")),
            text(&record.remediation),
            optional_text(record.source.as_deref()),
            optional_text(record.user_agent.as_deref()),
            optional_text(record.suppressed_by.as_deref()),
        ])?;
    }
    Ok(())
}

fn write_identities<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    identities: &[IdentityRow],
) -> Result<(), csv::Error> {
    writer.write_record([
        "identity",
        "name",
        "kind",
        "nhi_type",
        "account",
        "owner",
        "privilege",
        "enabled",
        "mfa_active",
        "risk_score",
        "priority",
        "factors",
        "open_violations",
        "last_seen",
        "event_count",
    ])?;
    for row in identities {
        let factors: Vec<String> = row
            .factors
            .iter()
            .map(|factor| format!("{} +{}: {}", factor.factor, factor.points, factor.detail))
            .collect();
        writer.write_record([
            text(&row.identity),
            text(&row.name),
            row.kind
                .map(|kind| kind.as_str().to_owned())
                .unwrap_or_default(),
            row.nhi_type
                .map(nhi_type_name)
                .unwrap_or_default()
                .to_owned(),
            optional_text(row.account.as_deref()),
            optional_text(row.owner.as_deref()),
            row.privilege
                .map(|privilege| privilege.as_str().to_owned())
                .unwrap_or_default(),
            optional_display(row.enabled),
            optional_display(row.mfa_active),
            optional_display(row.risk_score),
            row.priority
                .map(|priority| format!("{priority:.2}"))
                .unwrap_or_default(),
            text(&factors.join("; ")),
            text(&row.open_violations.join("; ")),
            optional_time(row.last_seen),
            optional_display(row.event_count),
        ])?;
    }
    Ok(())
}

fn write_controls<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    controls: &[ControlCounts],
) -> Result<(), csv::Error> {
    writer.write_record([
        "framework",
        "control",
        "critical",
        "high",
        "medium",
        "low",
        "informational",
        "open_total",
        "resolved",
        "suppressed",
    ])?;
    for row in controls {
        writer.write_record([
            text(&row.framework),
            text(&row.control),
            row.open.critical.to_string(),
            row.open.high.to_string(),
            row.open.medium.to_string(),
            row.open.low.to_string(),
            row.open.informational.to_string(),
            row.open_total.to_string(),
            row.resolved.to_string(),
            row.suppressed.to_string(),
        ])?;
    }
    Ok(())
}

/// Returns the text with a leading `'` when a spreadsheet would read it as a
/// formula.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn optional_text(value: Option<&str>) -> String {
    value.map(text).unwrap_or_default()
}

fn optional_time(value: Option<EventTime>) -> String {
    value.map(EventTime::to_rfc3339).unwrap_or_default()
}

fn optional_display<T: ToString>(value: Option<T>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// Returns the serde name of an NHI type, as in the inventory records.
fn nhi_type_name(nhi_type: NhiType) -> &'static str {
    match nhi_type {
        NhiType::Role => "role",
        NhiType::Workload => "workload",
        NhiType::ServiceUser => "service_user",
        NhiType::AwsService => "aws_service",
        NhiType::Account => "account",
        NhiType::FederatedUser => "federated_user",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("+1"), "'+1");
        assert_eq!(text("-cmd"), "'-cmd");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("alice"), "alice");
        assert_eq!(text(""), "");
    }
}
