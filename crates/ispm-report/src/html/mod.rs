//! `report.html`: one self-contained page. Tables are rendered here.
//! `assets/charts.js` draws the charts in the browser as inline SVG, from the
//! report JSON embedded in the page, which is also the content of
//! `report.json`. A Content-Security-Policy blocks every network request.

mod escape;
mod findings;
mod format;
mod header;
mod identities;
mod posture;

use std::fmt;

use crate::model::Report;

pub use escape::{Text, json_for_script};

const STYLE: &str = include_str!("../assets/report.css");
const CHARTS: &str = include_str!("../assets/charts.js");

/// Inline styles and scripts only; no fetch, image, font or frame may load.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/// Renders the page. Fails only when the report cannot be serialized for the
/// charts.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(report)?;
    let page = Page {
        report,
        data: json_for_script(&json),
    };
    Ok(page.to_string())
}

struct Page<'a> {
    report: &'a Report,
    /// The report as JSON, escaped for a script element.
    data: String,
}

impl fmt::Display for Page<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.report;
        writeln!(f, "<!DOCTYPE html>")?;
        writeln!(f, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
        writeln!(
            f,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
        )?;
        writeln!(
            f,
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        )?;
        writeln!(f, "<title>ispm identity posture report</title>")?;
        writeln!(f, "<style>\n{STYLE}</style>\n</head>\n<body>")?;

        header::header(f, report)?;
        writeln!(f, "<main>")?;
        posture::score(f, report)?;
        posture::scopes(f, report)?;
        findings::by_severity(f, report)?;
        findings::by_control(f, report)?;
        identities::riskiest(f, report)?;
        posture::hygiene(f, report)?;
        findings::open_violations(f, report)?;
        findings::anomalies(f, report)?;
        writeln!(f, "</main>")?;
        header::footer(f, report)?;

        writeln!(
            f,
            "<script type=\"application/json\" id=\"report-data\">{}</script>",
            self.data
        )?;
        writeln!(f, "<script>\n{CHARTS}</script>\n</body>\n</html>")
    }
}

/// Writes the id list of a finding's events as `<code>` elements, at most
/// `limit` of them and a count of the rest.
fn event_ids(f: &mut fmt::Formatter<'_>, events: &[String], limit: usize) -> fmt::Result {
    if events.is_empty() {
        return write!(f, "<span class=\"muted\">none</span>");
    }
    write!(f, "<span class=\"events\">")?;
    for event in events.iter().take(limit) {
        write!(f, "<code>{}</code> ", Text(event))?;
    }
    if events.len() > limit {
        write!(
            f,
            "<span class=\"muted\">+{} more in findings.csv</span>",
            events.len() - limit
        )?;
    }
    write!(f, "</span>")
}

/// Writes an identity cell: the name, and the canonical id below it.
fn identity_cell(f: &mut fmt::Formatter<'_>, name: &str, id: &str) -> fmt::Result {
    let label = if name.is_empty() { id } else { name };
    write!(
        f,
        "<td class=\"identity\"><strong>{}</strong><br><code class=\"id\">{}</code></td>",
        Text(label),
        Text(id)
    )
}

/// Writes an optional text cell, with a muted dash when the value is unknown.
fn optional_cell(f: &mut fmt::Formatter<'_>, value: Option<&str>) -> fmt::Result {
    match value {
        Some(value) => write!(f, "<td>{}</td>", Text(value)),
        None => write!(f, "<td class=\"muted\">&ndash;</td>"),
    }
}
