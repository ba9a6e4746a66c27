//! `ispm explain`: run the inputs like `ispm replay` and print what the
//! engine stores about one identity: its inventory record, its behavioural
//! baseline and its findings.

use std::io::Write;
use std::process::ExitCode;

use ispm_engine::BaselineProfile;
use ispm_model::{
    EventTime, Finding, IdentityId, IdentityPosture, InventoryRecord, RotationImpact,
};

use crate::EXIT_FAILED;
use crate::analysis;
use crate::baseline_text::render_baseline;
use crate::cli::{ExplainArgs, ReportFormat};
use crate::replay;
use crate::settings::Settings;

/// Identity ids suggested when the requested one is not found.
const SUGGESTIONS: usize = 10;

/// Runs `ispm explain` and returns its exit code: 1 when no input could be
/// read, the identity is not in the inputs, or stdout failed.
pub fn explain(args: &ExplainArgs, settings: &Settings) -> ExitCode {
    let Some(decoded) = analysis::read_events("explain", &args.paths, settings) else {
        return ExitCode::from(EXIT_FAILED);
    };
    let (engine, findings) = replay::run_engine(settings.engine.clone(), &decoded, args.as_of);

    let id = IdentityId::new(args.identity.as_str());
    let Some(record) = engine.inventory(&id) else {
        let ids: Vec<IdentityId> = engine.identities().into_iter().map(|i| i.id).collect();
        eprintln!(
            "ispm explain: identity `{}` not found in the inputs; closest ids:",
            args.identity
        );
        for suggestion in closest_ids(&args.identity, &ids) {
            eprintln!("  {suggestion}");
        }
        return ExitCode::from(EXIT_FAILED);
    };

    let mut findings: Vec<Finding> = findings
        .into_iter()
        .filter(|finding| finding.identity == id)
        .collect();
    findings.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.uid.cmp(&b.uid)));

    let now = args
        .as_of
        .or_else(|| engine.latest_time())
        .unwrap_or(EventTime::from_millis(0));
    let posture = engine.identity_posture(&id, now);
    let impact = match &args.credential {
        Some(credential) => match record.rotation_impact(credential, now, args.days) {
            Some(impact) => Some(impact),
            None => {
                let known: Vec<&str> = record.credentials.iter().map(|c| c.id.as_str()).collect();
                eprintln!(
                    "ispm explain: credential `{credential}` not found for {}; known credentials: {}",
                    record.identity,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                );
                return ExitCode::from(EXIT_FAILED);
            }
        },
        None => None,
    };
    let baseline = engine.baseline(&id);
    let explained = Explained {
        record: &record,
        baseline: baseline.as_ref(),
        posture: posture.as_ref(),
        impact: impact.as_ref(),
        findings: &findings,
    };

    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        ReportFormat::Text => render_text(&explained, &mut stdout),
        ReportFormat::Json => render_json(&explained, &mut stdout),
    };
    match written.and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ispm explain: failed to write to stdout: {error}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Returns up to [`SUGGESTIONS`] ids that contain `query`, ignoring case,
/// or else the ids most similar to it, so that a typo such as `bert-jn`
/// still finds `user/bert-jan`.
fn closest_ids<'a>(query: &str, ids: &'a [IdentityId]) -> Vec<&'a IdentityId> {
    let query = query.to_lowercase();
    let containing: Vec<&IdentityId> = ids
        .iter()
        .filter(|id| id.as_str().to_lowercase().contains(&query))
        .take(SUGGESTIONS)
        .collect();
    if !containing.is_empty() {
        return containing;
    }
    // Jaro-Winkler runs in time linear in the lengths, so ranking a
    // million ids stays within seconds on this error path.
    let mut ranked: Vec<(f64, &IdentityId)> = ids
        .iter()
        .map(|id| {
            let id_text = id.as_str().to_lowercase();
            // A query may be a whole id or just a name, such as `bert-jn`.
            let name = id_text.rsplit(['/', ':']).next().unwrap_or_default();
            let similarity =
                strsim::jaro_winkler(&query, &id_text).max(strsim::jaro_winkler(&query, name));
            (similarity, id)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    ranked
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, id)| id)
        .collect()
}

/// Everything `ispm explain` prints about one identity.
struct Explained<'a> {
    record: &'a InventoryRecord,
    baseline: Option<&'a BaselineProfile>,
    posture: Option<&'a IdentityPosture>,
    impact: Option<&'a RotationImpact>,
    findings: &'a [Finding],
}

fn render_json(explained: &Explained<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let ocsf: Vec<serde_json::Value> = explained.findings.iter().map(Finding::to_ocsf).collect();
    let mut report = serde_json::json!({
        "inventory": explained.record,
        "baseline": explained.baseline,
        "posture": explained.posture,
        "findings": ocsf,
    });
    if let Some(impact) = explained.impact {
        report["rotation_impact"] = serde_json::json!(impact);
    }
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn render_text(explained: &Explained<'_>, out: &mut impl Write) -> std::io::Result<()> {
    render_inventory(explained.record, out)?;
    if let Some(baseline) = explained.baseline {
        writeln!(out)?;
        render_baseline(baseline, out)?;
    }
    if let Some(posture) = explained.posture {
        writeln!(out)?;
        render_posture(posture, out)?;
    }
    if let Some(impact) = explained.impact {
        writeln!(out)?;
        render_impact(impact, out)?;
    }
    writeln!(out)?;
    writeln!(out, "findings ({})", explained.findings.len())?;
    for finding in explained.findings {
        render_finding(finding, out)?;
    }
    Ok(())
}

fn render_posture(posture: &IdentityPosture, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "risk        {} of 100, priority {:.1}, as of {}",
        posture.risk_score, posture.priority, posture.as_of
    )?;
    for factor in &posture.factors {
        writeln!(
            out,
            "  +{:<3} {:<18} {}",
            factor.points, factor.factor, factor.detail
        )?;
    }
    if posture.open_violations.is_empty() {
        writeln!(out, "open policy violations: none")
    } else {
        writeln!(
            out,
            "open policy violations: {}",
            posture.open_violations.join(", ")
        )
    }
}

fn render_impact(impact: &RotationImpact, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "rotation impact of {} ({}, {}), last {} days to {}",
        impact.credential, impact.kind, impact.status, impact.window_days, impact.as_of
    )?;
    writeln!(out, "  {}", impact.note)?;
    for consumer in &impact.consumers {
        writeln!(
            out,
            "  {} {}: {}, last {}",
            consumer.attribute,
            consumer.value,
            counted(consumer.count, "use", "uses"),
            consumer.last_seen
        )?;
    }
    if impact.older_consumers > 0 {
        writeln!(
            out,
            "  ({} more consumers last seen before the window)",
            impact.older_consumers
        )?;
    }
    if impact.truncated {
        writeln!(
            out,
            "  (the consumer list reached its cap; older consumers were dropped)"
        )?;
    }
    Ok(())
}

fn render_inventory(record: &InventoryRecord, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "identity    {}", record.identity)?;
    writeln!(out, "name        {}", record.name)?;
    let nhi_type = record
        .nhi_type
        .and_then(|nhi_type| serde_json::to_value(nhi_type).ok())
        .and_then(|value| value.as_str().map(|text| format!(", {text}")))
        .unwrap_or_default();
    writeln!(
        out,
        "kind        {}{nhi_type} ({})",
        record.kind, record.kind_reason
    )?;
    writeln!(out, "account     {}", optional(record.account.as_ref()))?;
    match (&record.owner, &record.owner_source) {
        (Some(owner), Some(source)) => writeln!(out, "owner       {owner} (from {source})")?,
        (Some(owner), None) => writeln!(out, "owner       {owner}")?,
        _ => writeln!(out, "owner       -")?,
    }
    let reason = if record.privilege_reason.is_empty() {
        String::new()
    } else {
        format!(" ({})", record.privilege_reason)
    };
    writeln!(out, "privilege   {}{reason}", record.privilege.as_str())?;
    let mfa = match record.mfa_active {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    };
    writeln!(
        out,
        "enabled     {}, MFA {mfa}, sources {}",
        if record.enabled { "yes" } else { "no" },
        if record.sources.is_empty() {
            "-".to_owned()
        } else {
            record.sources.join(", ")
        }
    )?;
    if let Some(arn) = &record.arn {
        writeln!(out, "arn         {arn}")?;
    }
    writeln!(out, "first seen  {}", optional(record.first_seen.as_ref()))?;
    writeln!(out, "last seen   {}", optional(record.last_seen.as_ref()))?;
    writeln!(out, "events      {}", record.event_count)?;
    match &record.created_by {
        Some(creator) => writeln!(
            out,
            "created by  {creator} at {} (event {})",
            optional(record.created_at.as_ref()),
            optional(record.created_event.as_ref())
        )?,
        None => writeln!(out, "created by  -")?,
    }
    if !record.via_roles.is_empty() {
        writeln!(out, "via roles   {}", record.via_roles.join(", "))?;
    }

    writeln!(out)?;
    writeln!(out, "credentials ({})", record.credentials.len())?;
    for credential in &record.credentials {
        writeln!(
            out,
            "  {} {} {}, use count {}, first used {}, last used {}, created {}, rotated {}",
            credential.id,
            credential.kind,
            credential.status,
            credential.use_count,
            optional(credential.first_used.as_ref()),
            optional(credential.last_used.as_ref()),
            optional(credential.created_at.as_ref()),
            optional(credential.last_rotated.as_ref())
        )?;
    }

    writeln!(out)?;
    let truncated = if record.consumers_truncated {
        ", older entries dropped"
    } else {
        ""
    };
    writeln!(out, "consumers ({}{truncated})", record.consumers.len())?;
    for consumer in &record.consumers {
        writeln!(
            out,
            "  {} {}: {}, {} to {}",
            consumer.attribute,
            consumer.value,
            counted(consumer.count, "event", "events"),
            consumer.first_seen,
            consumer.last_seen
        )?;
    }
    Ok(())
}

fn render_finding(finding: &Finding, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "{} {} {}/{} {}{}",
        finding.first_seen,
        finding.severity.label(),
        finding.detector,
        finding.rule,
        finding.uid,
        match finding.status {
            ispm_model::FindingStatus::New => "",
            ispm_model::FindingStatus::Resolved => " (resolved)",
        }
    )?;
    writeln!(out, "  title        {}", finding.title)?;
    writeln!(out, "  description  {}", finding.description)?;
    if finding.last_seen != finding.first_seen {
        writeln!(out, "  last seen    {}", finding.last_seen)?;
    }
    if !finding.related_events.is_empty() {
        writeln!(out, "  events       {}", finding.related_events.join(", "))?;
    }
    writeln!(out, "  remediation  {}", finding.remediation)
}

/// Formats an optional value, `-` when absent.
fn optional(value: Option<&impl std::fmt::Display>) -> String {
    value.map_or_else(|| "-".to_owned(), ToString::to_string)
}

/// Writes a count with the singular or plural noun, as in `1 event`.
fn counted(count: u64, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("1 {singular}")
    } else {
        format!("{count} {plural}")
    }
}
