//! The riskiest-identities table.

use std::fmt;

use super::format;
use super::{Text, identity_cell, optional_cell};
use crate::model::{RISKIEST_LIMIT, Report};

pub fn riskiest(f: &mut fmt::Formatter<'_>, report: &Report) -> fmt::Result {
    writeln!(
        f,
        "<section id=\"riskiest\">\n<h2>Riskiest identities (top {RISKIEST_LIMIT} by priority)</h2>"
    )?;
    if report.riskiest_identities.is_empty() {
        return writeln!(
            f,
            "<p class=\"muted\">No identity posture records.</p>\n</section>"
        );
    }
    writeln!(
        f,
        "<p class=\"hint\">Priority is the risk score weighted by blast radius. \
         The factors say what adds to the score, largest first.</p>"
    )?;
    writeln!(
        f,
        "<div class=\"table-scroll\"><table class=\"riskiest\"><thead><tr><th class=\"num\">#</th><th>Identity</th>\
         <th>Kind</th><th>Owner</th><th>Account</th><th>Privilege</th>\
         <th class=\"num\">Risk</th><th class=\"num\">Priority</th><th>Why</th>\
         <th>Open violations</th></tr></thead><tbody>"
    )?;
    for (rank, identity) in report.riskiest_identities.iter().enumerate() {
        write!(f, "<tr><td class=\"num\">{}</td>", rank + 1)?;
        identity_cell(f, &identity.name, &identity.identity)?;
        write!(f, "<td>{}</td>", identity.kind.as_str())?;
        optional_cell(f, identity.owner.as_deref())?;
        optional_cell(f, identity.account.as_deref())?;
        write!(
            f,
            "<td>{}</td><td class=\"num\"><span class=\"score {}\">{}</span></td>\
             <td class=\"num\">{:.1}</td>",
            identity.privilege.as_str(),
            format::risk_class(identity.risk_score),
            identity.risk_score,
            identity.priority
        )?;

        write!(f, "<td><ul class=\"factors\">")?;
        for factor in &identity.factors {
            write!(
                f,
                "<li><span class=\"points\">+{}</span> <strong>{}</strong>: {}</li>",
                factor.points,
                Text(&factor.factor),
                Text(&factor.detail)
            )?;
        }
        write!(f, "</ul></td><td>")?;
        if identity.open_violations.is_empty() {
            write!(f, "<span class=\"muted\">none</span>")?;
        }
        for violation in &identity.open_violations {
            write!(f, "<code>{}</code> ", Text(violation))?;
        }
        writeln!(f, "</td></tr>")?;
    }
    writeln!(f, "</tbody></table></div>\n</section>")
}
