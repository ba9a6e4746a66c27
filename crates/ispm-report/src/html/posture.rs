//! Posture sections: the headline score with its trend, the account and
//! owner tables, and NHI hygiene.

use std::fmt;

use super::Text;
use super::format;
use crate::model::{Report, ScopePosture};

pub fn score(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    let headline = &report.headline;
    writeln!(f, "<section id=\"score\">\n<h2>Posture score</h2>")?;
    writeln!(f, "<div class=\"score-row\">")?;
    match &headline.latest {
        Some(latest) => {
            let score = latest.summary.posture_score;
            writeln!(
                f,
                "<div class=\"big-score {}\">{}<span>/100</span></div>",
                format::score_class(score),
                format::score(score)
            )?;
            write!(
                f,
                "<div class=\"score-facts\"><p>Scope <code>{}</code>, as of {}.</p>",
                Text(&headline.scope),
                format::time(latest.summary.as_of)
            )?;
            if let (Some(first), Some(last)) = (headline.trend.first(), headline.trend.last())
                && headline.trend.len() > 1
            {
                let change = last.posture_score - first.posture_score;
                let direction = if change >= 0.0 { "up" } else { "down" };
                write!(
                    f,
                    "<p class=\"change {direction}\">{change:+.1} points since {}</p>",
                    format::time(first.as_of)
                )?;
            }
            write!(
                f,
                "<p>{} of {} policy checks pass; mean identity risk {:.1}.</p></div>",
                latest.summary.policy_passes,
                latest.summary.policy_checks,
                latest.summary.mean_risk
            )?;
        }
        None => writeln!(
            f,
            "<div class=\"big-score none\">n/a</div><div class=\"score-facts\"><p>No summary \
             record for scope <code>{}</code>.</p></div>",
            Text(&headline.scope)
        )?,
    }

    let totals = &report.totals;
    let tiles = [
        ("Identities", totals.identities),
        ("Non-human", totals.non_human_identities),
        ("Open violations", totals.open_violations),
        ("Open anomalies", totals.open_anomalies),
        ("Resolved violations", totals.resolved_violations),
        ("Suppressed findings", totals.suppressed_findings),
    ];
    write!(f, "<div class=\"tiles\">")?;
    for (label, value) in tiles {
        write!(
            f,
            "<div class=\"tile\"><span class=\"value\">{value}</span><span class=\"label\">{label}</span></div>"
        )?;
    }
    writeln!(f, "</div>\n</div>")?;

    writeln!(f, "<h3>Trend</h3>")?;
    writeln!(
        f,
        "<div class=\"chart\" data-chart=\"trend\" role=\"img\" aria-label=\"Posture score over event time\"></div>"
    )?;
    writeln!(f, "</section>")
}

pub fn scopes(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    writeln!(
        f,
        "<section id=\"scopes\">\n<h2>Posture by account and owner</h2>"
    )?;
    writeln!(
        f,
        "<p class=\"hint\">Latest summary per scope, worst score first. Scores: 80 and above good, 60 to 80 fair, below 60 poor.</p>"
    )?;
    writeln!(f, "<div class=\"two-columns\">")?;
    scope_table(f, "accounts", "Accounts", "Account", &report.accounts)?;
    scope_table(f, "owners", "Owners", "Owner", &report.owners)?;
    writeln!(f, "</div>\n</section>")
}

fn scope_table(
    f: &mut fmt::Formatter<'_>,
    chart: &str,
    title: &str,
    column: &str,
    rows: &[ScopePosture],
) -> fmt::Result {
    writeln!(f, "<div>\n<h3>{title}</h3>")?;
    writeln!(
        f,
        "<div class=\"chart\" data-chart=\"{chart}\" role=\"img\" aria-label=\"Posture score per {column}\"></div>"
    )?;
    if rows.is_empty() {
        return writeln!(f, "<p class=\"muted\">No summary records.</p>\n</div>");
    }
    writeln!(
        f,
        "<table><thead><tr><th>{column}</th><th class=\"num\">Score</th><th class=\"num\">Identities</th>\
         <th class=\"num\">NHIs</th><th class=\"num\">Mean risk</th><th>Open violations</th></tr></thead><tbody>"
    )?;
    for row in rows {
        let summary = &row.summary;
        write!(
            f,
            "<tr><td>{}</td><td class=\"num\"><span class=\"score {}\">{}</span></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}</td><td>",
            Text(&row.name),
            format::score_class(summary.posture_score),
            format::score(summary.posture_score),
            summary.identities,
            summary.non_human_identities,
            summary.mean_risk
        )?;
        violation_chips(f, &summary.violations_by_severity)?;
        writeln!(f, "</td></tr>")?;
    }
    writeln!(f, "</tbody></table>\n</div>")
}

/// Writes `Critical 2` style chips, coloured by severity, for the non-zero
/// counts of a summary record.
fn violation_chips(f: &mut fmt::Formatter<'_>, counts: &[(String, u64)]) -> fmt::Result {
    let mut any = false;
    for (label, count) in counts.iter().filter(|(_, count)| *count > 0) {
        let class = format::severity_from_label(label).map_or("sev-info", format::severity_class);
        write!(
            f,
            "<span class=\"badge {class}\">{} {count}</span> ",
            Text(label)
        )?;
        any = true;
    }
    if !any {
        write!(f, "<span class=\"muted\">none</span>")?;
    }
    Ok(())
}

pub fn hygiene(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    writeln!(
        f,
        "<section id=\"hygiene\">\n<h2>Non-human identity hygiene</h2>"
    )?;
    let Some(latest) = &report.headline.latest else {
        return writeln!(
            f,
            "<p class=\"muted\">No summary record for scope <code>{}</code>.</p>\n</section>",
            Text(&report.headline.scope)
        );
    };
    writeln!(
        f,
        "<p class=\"hint\">From the summary of <code>{}</code> as of {}: {} non-human identities of {}.</p>",
        Text(&report.headline.scope),
        format::time(latest.summary.as_of),
        latest.summary.non_human_identities,
        latest.summary.identities
    )?;
    let hygiene = latest.hygiene();
    // `true` marks the ratios where higher is better.
    let metrics = [
        (
            "NHIs with an owner",
            hygiene.nhi_with_owner,
            true,
            "Share of non-human identities with an accountable owner.",
        ),
        (
            "Keys rotated within policy",
            hygiene.keys_rotated_within_policy,
            true,
            "Share of active long-term access keys rotated within the policy limit.",
        ),
        (
            "Stale identities",
            hygiene.stale_identities,
            false,
            "Share of identities inactive beyond the stale limit but still enabled. Lower is better.",
        ),
        (
            "MFA on privileged people",
            hygiene.privileged_mfa_coverage,
            true,
            "Share of privileged people and root users with MFA.",
        ),
    ];
    writeln!(f, "<div class=\"metrics\">")?;
    for (label, ratio, higher_is_better, help) in metrics {
        let class = match ratio {
            None => "none",
            Some(ratio) => {
                let goodness = if higher_is_better { ratio } else { 1.0 - ratio };
                format::score_class(goodness * 100.0)
            }
        };
        let width = ratio.map_or(0.0, |ratio| (ratio * 100.0).clamp(0.0, 100.0));
        writeln!(
            f,
            "<div class=\"metric {class}\"><span class=\"label\">{label}</span>\
             <span class=\"value\">{}</span>\
             <div class=\"meter\"><div style=\"width:{width:.0}%\"></div></div>\
             <p class=\"hint\">{help}</p></div>",
            format::percent(ratio)
        )?;
    }
    writeln!(f, "</div>\n</section>")
}
