//! `ispm backtest`: run the same events through the engine under a baseline
//! and a candidate settings file, and compare the findings per detector.
//! Findings are matched by uid, which is derived from the detector, rule,
//! identity and first event, so an unchanged finding has the same uid in both
//! runs.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use ispm_model::Finding;
use serde::Serialize;

use crate::analysis;
use crate::cli::{BacktestArgs, ReportFormat};
use crate::replay;
use crate::settings::{self, SettingErrors, Settings};
use crate::{EXIT_FAILED, EXIT_USAGE};

/// Added and removed findings listed by name; the counts cover all of them.
const LISTED_FINDINGS: usize = 20;

/// Finding counts of one detector under both settings.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
struct DetectorCounts {
    baseline: u64,
    candidate: u64,
    /// Findings of the candidate whose uid the baseline does not have.
    added: u64,
    /// Findings of the baseline whose uid the candidate does not have.
    removed: u64,
    /// Findings of the candidate that a suppression rule marked suppressed.
    suppressed: u64,
}

/// A finding in the added or removed list.
#[derive(Debug, Serialize)]
struct ListedFinding {
    uid: String,
    detector: &'static str,
    rule: String,
    identity: String,
    severity: &'static str,
    first_seen: String,
    title: String,
}

/// The comparison that both output formats print.
#[derive(Debug, Serialize)]
struct Comparison {
    baseline: String,
    candidate: String,
    detectors: BTreeMap<&'static str, DetectorCounts>,
    total: DetectorCounts,
    /// The first [`LISTED_FINDINGS`] added findings in event-time order.
    added: Vec<ListedFinding>,
    /// The first [`LISTED_FINDINGS`] removed findings in event-time order.
    removed: Vec<ListedFinding>,
}

/// Runs `ispm backtest` and returns its exit code: 2 when either settings
/// file is invalid, 1 when no input could be read or stdout failed.
pub fn backtest(args: &BacktestArgs) -> ExitCode {
    let baseline = load_validated(&args.baseline);
    let candidate = load_validated(&args.candidate);
    let (baseline_settings, candidate_settings) = match (baseline, candidate) {
        (Ok(baseline), Ok(candidate)) => (baseline, candidate),
        (baseline, candidate) => {
            for errors in [baseline.err(), candidate.err()].into_iter().flatten() {
                for error in &errors.0 {
                    eprintln!("{error}");
                }
            }
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if baseline_settings.decoder != candidate_settings.decoder
        || baseline_settings.enrich != candidate_settings.enrich
    {
        tracing::warn!(
            "the [decoder] or [enrich] sections of the two settings files differ; the inputs are decoded once, with the baseline's"
        );
    }

    let Some(decoded) = analysis::read_events("backtest", &args.paths, &baseline_settings) else {
        return ExitCode::from(EXIT_FAILED);
    };
    let (_, baseline_findings) = replay::run_engine(baseline_settings.engine, &decoded, None);
    let (_, candidate_findings) = replay::run_engine(candidate_settings.engine, &decoded, None);

    let comparison = compare(
        &args.baseline,
        &args.candidate,
        &baseline_findings,
        &candidate_findings,
    );
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        ReportFormat::Text => render_text(&comparison, &mut stdout),
        ReportFormat::Json => serde_json::to_writer_pretty(&mut stdout, &comparison)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(stdout)),
    };
    match written.and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ispm backtest: failed to write to stdout: {error}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Loads one settings file the way `--config` is loaded, with the
/// `ISPM__*` environment on top, and validates it.
fn load_validated(path: &Path) -> Result<Settings, SettingErrors> {
    settings::load(Some(path), settings::Checks::Common)
}

fn compare(
    baseline_path: &Path,
    candidate_path: &Path,
    baseline: &[Finding],
    candidate: &[Finding],
) -> Comparison {
    let baseline_uids: HashSet<&str> = baseline.iter().map(|f| f.uid.as_str()).collect();
    let candidate_uids: HashSet<&str> = candidate.iter().map(|f| f.uid.as_str()).collect();

    let mut detectors: BTreeMap<&'static str, DetectorCounts> = BTreeMap::new();
    let mut total = DetectorCounts::default();
    let mut removed = Vec::new();
    for finding in baseline {
        let counts = detectors.entry(finding.detector).or_default();
        counts.baseline += 1;
        total.baseline += 1;
        if !candidate_uids.contains(finding.uid.as_str()) {
            counts.removed += 1;
            total.removed += 1;
            removed.push(finding);
        }
    }
    let mut added = Vec::new();
    for finding in candidate {
        let counts = detectors.entry(finding.detector).or_default();
        counts.candidate += 1;
        total.candidate += 1;
        if finding.suppressed_by.is_some() {
            counts.suppressed += 1;
            total.suppressed += 1;
        }
        if !baseline_uids.contains(finding.uid.as_str()) {
            counts.added += 1;
            total.added += 1;
            added.push(finding);
        }
    }

    Comparison {
        baseline: baseline_path.display().to_string(),
        candidate: candidate_path.display().to_string(),
        detectors,
        total,
        added: listed(added),
        removed: listed(removed),
    }
}

/// Sorts findings by first event time, then uid, and keeps the first
/// [`LISTED_FINDINGS`].
fn listed(mut findings: Vec<&Finding>) -> Vec<ListedFinding> {
    findings.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.uid.cmp(&b.uid)));
    findings
        .into_iter()
        .take(LISTED_FINDINGS)
        .map(|finding| ListedFinding {
            uid: finding.uid.clone(),
            detector: finding.detector,
            rule: finding.rule.clone(),
            identity: finding.identity.to_string(),
            severity: finding.severity.label(),
            first_seen: finding.first_seen.to_string(),
            title: finding.title.clone(),
        })
        .collect()
}

fn render_text(comparison: &Comparison, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "baseline:  {}", comparison.baseline)?;
    writeln!(out, "candidate: {}", comparison.candidate)?;
    writeln!(out)?;

    let width = comparison
        .detectors
        .keys()
        .map(|detector| detector.len())
        .chain(["detector".len(), "total".len()])
        .max()
        .unwrap_or_default();
    writeln!(
        out,
        "{:<width$}  {:>8}  {:>9}  {:>5}  {:>7}  {:>10}",
        "detector", "baseline", "candidate", "added", "removed", "suppressed"
    )?;
    let rows = comparison
        .detectors
        .iter()
        .map(|(detector, counts)| (*detector, counts))
        .chain([("total", &comparison.total)]);
    for (detector, counts) in rows {
        writeln!(
            out,
            "{detector:<width$}  {:>8}  {:>9}  {:>5}  {:>7}  {:>10}",
            counts.baseline, counts.candidate, counts.added, counts.removed, counts.suppressed
        )?;
    }

    render_list(out, "added", comparison.total.added, &comparison.added)?;
    render_list(
        out,
        "removed",
        comparison.total.removed,
        &comparison.removed,
    )
}

fn render_list(
    out: &mut impl Write,
    label: &str,
    total: u64,
    findings: &[ListedFinding],
) -> std::io::Result<()> {
    writeln!(out)?;
    if findings.len() as u64 == total {
        writeln!(out, "{label} ({total})")?;
    } else {
        writeln!(out, "{label} ({total}, first {} listed)", findings.len())?;
    }
    for finding in findings {
        writeln!(
            out,
            "  {}/{} {} {}",
            finding.detector, finding.rule, finding.identity, finding.title
        )?;
    }
    Ok(())
}
