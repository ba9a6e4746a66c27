//! Finding sections: counts by severity and by control, open policy
//! violations and recent anomalies.

use std::fmt;

use ispm_model::Severity;

use super::format;
use super::{Text, event_ids};
use crate::model::{FindingView, Report};

/// Rows of the violations table; `report.json` and `findings.csv` have all.
const MAX_VIOLATION_ROWS: usize = 200;
/// Rows of the anomalies table, newest first.
const MAX_ANOMALY_ROWS: usize = 100;
/// Event ids shown per row.
const MAX_EVENT_IDS: usize = 6;

pub fn by_severity(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    writeln!(
        f,
        "<section id=\"severity\">\n<h2>Findings by severity</h2>"
    )?;
    writeln!(f, "<div class=\"two-columns\">")?;
    writeln!(
        f,
        "<div class=\"chart\" data-chart=\"severity\" role=\"img\" aria-label=\"Open findings per severity\"></div>"
    )?;
    writeln!(
        f,
        "<table><thead><tr><th>Severity</th><th class=\"num\">Open violations</th>\
         <th class=\"num\">Open anomalies</th><th class=\"num\">Suppressed</th>\
         <th class=\"num\">Resolved</th></tr></thead><tbody>"
    )?;
    for row in &report.findings_by_severity {
        writeln!(
            f,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            badge(row.severity),
            row.open_violations,
            row.open_anomalies,
            row.suppressed,
            row.resolved
        )?;
    }
    writeln!(f, "</tbody></table>\n</div>\n</section>")
}

pub fn by_control(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    writeln!(
        f,
        "<section id=\"controls\">\n<h2>Open violations by compliance control</h2>"
    )?;
    if report.controls.is_empty() {
        return writeln!(
            f,
            "<p class=\"muted\">No policy finding maps to a control.</p>\n</section>"
        );
    }
    writeln!(
        f,
        "<div class=\"chart\" data-chart=\"controls\" role=\"img\" aria-label=\"Open violations per control by severity\"></div>"
    )?;
    write!(f, "<table><thead><tr><th>Framework</th><th>Control</th>")?;
    for severity in Severity::ALL {
        write!(f, "<th class=\"num\">{}</th>", severity.label())?;
    }
    writeln!(
        f,
        "<th class=\"num\">Open</th><th class=\"num\">Resolved</th><th class=\"num\">Suppressed</th></tr></thead><tbody>"
    )?;
    let mut previous_framework: Option<&str> = None;
    for row in &report.controls {
        // The framework name is written once, on the first row of its group.
        let framework = if previous_framework == Some(row.framework.as_str()) {
            ""
        } else {
            row.framework.as_str()
        };
        previous_framework = Some(row.framework.as_str());
        write!(
            f,
            "<tr><th scope=\"row\">{}</th><td><code>{}</code></td>",
            Text(framework),
            Text(&row.control)
        )?;
        for severity in Severity::ALL {
            let count = row.open.get(severity);
            if count == 0 {
                write!(f, "<td class=\"num muted\">0</td>")?;
            } else {
                write!(
                    f,
                    "<td class=\"num\"><span class=\"badge {}\">{count}</span></td>",
                    format::severity_class(severity)
                )?;
            }
        }
        writeln!(
            f,
            "<td class=\"num\"><strong>{}</strong></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            row.open_total, row.resolved, row.suppressed
        )?;
    }
    writeln!(f, "</tbody></table>\n</section>")
}

pub fn open_violations(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    let rows = &report.open_violations;
    writeln!(
        f,
        "<section id=\"violations\">\n<h2>Open policy violations ({})</h2>",
        rows.len()
    )?;
    if rows.is_empty() {
        return writeln!(f, "<p class=\"muted\">None open.</p>\n</section>");
    }
    truncation_hint(f, rows.len(), MAX_VIOLATION_ROWS)?;
    writeln!(
        f,
        "<div class=\"table-scroll\"><table class=\"findings\"><thead><tr><th>Severity</th><th>Violation</th>\
         <th>Identity</th><th>Controls</th><th>Last seen</th><th>Related events</th></tr></thead><tbody>"
    )?;
    for view in rows.iter().take(MAX_VIOLATION_ROWS) {
        let record = &view.record;
        write!(f, "<tr><td>{}</td>", badge(record.severity))?;
        write!(
            f,
            "<td><strong>{}</strong><br><span class=\"muted\">{}</span>",
            Text(&record.title),
            Text(&record.rule)
        )?;
        if !record.remediation.is_empty() {
            write!(
                f,
                "<br><span class=\"remediation\">Fix: {}</span>",
                Text(&record.remediation)
            )?;
        }
        write!(f, "</td>")?;
        finding_identity_cell(f, view)?;
        write!(f, "<td>")?;
        for control in &record.controls {
            write!(
                f,
                "<span class=\"chip\">{} {}</span> ",
                Text(&control.framework),
                Text(&control.id)
            )?;
        }
        write!(
            f,
            "</td><td class=\"time\">{}</td><td>",
            format::time(record.time)
        )?;
        event_ids(f, &record.related_events, MAX_EVENT_IDS)?;
        writeln!(f, "</td></tr>")?;
    }
    writeln!(f, "</tbody></table></div>\n</section>")
}

pub fn anomalies(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    let rows = &report.anomalies;
    writeln!(
        f,
        "<section id=\"anomalies\">\n<h2>Recent anomalies ({} open)</h2>",
        rows.len()
    )?;
    if rows.is_empty() {
        return writeln!(f, "<p class=\"muted\">None open.</p>\n</section>");
    }
    truncation_hint(f, rows.len(), MAX_ANOMALY_ROWS)?;
    writeln!(
        f,
        "<div class=\"table-scroll\"><table class=\"findings\"><thead><tr><th>Last seen</th><th>Severity</th><th>Anomaly</th>\
         <th>Identity</th><th>Source and user agent</th><th>Related events</th></tr></thead><tbody>"
    )?;
    for view in rows.iter().take(MAX_ANOMALY_ROWS) {
        let record = &view.record;
        write!(
            f,
            "<tr><td class=\"time\">{}</td><td>{}</td>",
            format::time(record.time),
            badge(record.severity)
        )?;
        write!(
            f,
            "<td><strong>{}</strong><br><span class=\"muted\">{} / {}</span></td>",
            Text(&record.title),
            Text(&record.detector),
            Text(&record.rule)
        )?;
        finding_identity_cell(f, view)?;
        write!(f, "<td>")?;
        if let Some(source) = &record.source {
            write!(f, "<code>{}</code>", Text(source))?;
        }
        if let Some(agent) = &record.user_agent {
            write!(f, "<br><span class=\"agent\">{}</span>", Text(agent))?;
        }
        write!(f, "</td><td>")?;
        event_ids(f, &record.related_events, MAX_EVENT_IDS)?;
        writeln!(f, "</td></tr>")?;
    }
    writeln!(f, "</tbody></table></div>\n</section>")
}

/// Writes the identity of a finding: name, canonical id, and kind, owner
/// and account on one line.
fn finding_identity_cell(f: &mut fmt::Formatter<'_>, view: &FindingView) -> fmt::Result {
    let record = &view.record;
    let label = if record.identity_name.is_empty() {
        &record.identity
    } else {
        &record.identity_name
    };
    write!(
        f,
        "<td class=\"identity\"><strong>{}</strong><br><code class=\"id\">{}</code><br><span class=\"meta\">",
        Text(label),
        Text(&record.identity)
    )?;
    let kind = record
        .identity_kind
        .map_or("unknown kind", |kind| kind.as_str());
    write!(f, "{kind}")?;
    match &view.owner {
        Some(owner) => write!(f, " &middot; owner {}", Text(owner))?,
        None => write!(f, " &middot; no owner")?,
    }
    if let Some(account) = &record.account {
        write!(f, " &middot; account {}", Text(account))?;
    }
    write!(f, "</span></td>")
}

fn truncation_hint(f: &mut fmt::Formatter<'_>, total: usize, limit: usize) -> fmt::Result {
    if total > limit {
        writeln!(
            f,
            "<p class=\"hint\">The first {limit} of {total} are shown; report.json and findings.csv list all.</p>"
        )?;
    }
    Ok(())
}

/// Renders a severity label on its colour.
pub fn badge(severity: Severity) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        format::severity_class(severity),
        severity.label()
    )
}
