//! Page header (filters, time range, input problems), navigation and footer.

use std::fmt;

use super::Text;
use super::format;
use crate::model::Report;

/// Skipped lines listed on the page; `report.json` lists all of them.
const MAX_SKIPPED_LINES: usize = 20;

pub fn header(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    writeln!(f, "<header>")?;
    writeln!(f, "<h1>Identity posture report</h1>")?;
    writeln!(f, "<dl class=\"facts\">")?;

    write!(f, "<dt>Data time range</dt><dd>")?;
    match report.time_range {
        Some(range) => write!(
            f,
            "{} to {}",
            format::time(range.from),
            format::time(range.to)
        )?,
        None => write!(f, "no timed records")?,
    }
    writeln!(f, "</dd>")?;

    write!(f, "<dt>Filters</dt><dd>")?;
    let filters = &report.filters;
    if filters.is_empty() {
        write!(f, "none (all accounts, owners, kinds and frameworks)")?;
    }
    let kind = filters.kind.map(|kind| kind.as_str());
    let set = [
        ("account", filters.account.as_deref()),
        ("owner", filters.owner.as_deref()),
        ("kind", kind),
        ("framework", filters.framework.as_deref()),
    ];
    for (name, value) in set {
        if let Some(value) = value {
            write!(f, "<span class=\"chip\">{name}: {}</span> ", Text(value))?;
        }
    }
    writeln!(f, "</dd>")?;

    writeln!(
        f,
        "<dt>Posture scope</dt><dd><code>{}</code></dd>",
        Text(&report.headline.scope)
    )?;
    writeln!(
        f,
        "<dt>Input</dt><dd><code>{}</code></dd>",
        Text(&report.input.folder)
    )?;
    writeln!(f, "</dl>")?;

    notes(f, report)?;
    skipped(f, report)?;
    nav(f)?;
    writeln!(f, "</header>")
}

fn notes(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    if report.filter_notes.is_empty() {
        return Ok(());
    }
    writeln!(f, "<div class=\"notice\"><strong>Notes</strong><ul>")?;
    for note in &report.filter_notes {
        writeln!(f, "<li>{}</li>", Text(note))?;
    }
    writeln!(f, "</ul></div>")
}

fn skipped(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    let input = &report.input;
    let missing: Vec<&str> = input
        .files
        .iter()
        .filter(|file| !file.present)
        .map(|file| file.name.as_str())
        .collect();
    if input.skipped.is_empty() && missing.is_empty() {
        return Ok(());
    }
    writeln!(f, "<div class=\"notice warn\">")?;
    if !missing.is_empty() {
        write!(
            f,
            "<p><strong>Missing input files, read as empty:</strong> "
        )?;
        for name in &missing {
            write!(f, "<code>{}</code> ", Text(name))?;
        }
        writeln!(f, "</p>")?;
    }
    if !input.skipped.is_empty() {
        writeln!(
            f,
            "<p><strong>{} invalid input lines were skipped</strong> and are not in any number below:</p><ul>",
            input.skipped_lines
        )?;
        for line in input.skipped.iter().take(MAX_SKIPPED_LINES) {
            writeln!(
                f,
                "<li><code>{}:{}</code> {}</li>",
                Text(&line.file.display().to_string()),
                line.line,
                Text(&line.reason)
            )?;
        }
        if input.skipped.len() > MAX_SKIPPED_LINES {
            writeln!(
                f,
                "<li>{} more in report.json</li>",
                input.skipped.len() - MAX_SKIPPED_LINES
            )?;
        }
        writeln!(f, "</ul>")?;
    }
    writeln!(f, "</div>")
}

fn nav(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let links = [
        ("score", "Posture score"),
        ("scopes", "Accounts and owners"),
        ("severity", "Severity"),
        ("controls", "Controls"),
        ("riskiest", "Riskiest identities"),
        ("hygiene", "NHI hygiene"),
        ("violations", "Open violations"),
        ("anomalies", "Anomalies"),
    ];
    write!(f, "<nav>")?;
    for (id, label) in links {
        write!(f, "<a href=\"#{id}\">{label}</a>")?;
    }
    writeln!(f, "</nav>")
}

pub fn footer(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    writeln!(
        f,
        "<footer>Written by <code>ispm report</code> (report version {}). \
         The same numbers are in <code>report.json</code>; every finding and identity \
         that passes the filters is in <code>findings.csv</code> and <code>identities.csv</code>.</footer>",
        report.report_version
    )
}
