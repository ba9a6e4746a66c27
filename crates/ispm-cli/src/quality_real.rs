//! The real-data part of `ispm quality`: the findings the engine gives on
//! every Stratus Red Team detonation file and on the Invictus simulation
//! hour, from `--real-data DIR` (the CloudTrail folder of the shared test
//! data).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ispm_model::Finding;

use crate::output::Output;
use crate::replay;
use crate::settings::Settings;
use crate::summary::Summary;

const STRATUS_FOLDER: &str = "stratus-red-team-detonations/docs/detonation-logs";
const INVICTUS_FOLDER: &str = "invictus-stratus-simulation";
/// User agent prefix of the calls Stratus Red Team made in the Invictus hour.
const ATTACK_AGENT_PREFIX: &str = "stratus-red-team_";

/// Appends the real-data sections to `out`, or a line saying why not.
pub fn render(dir: &Path, settings: &Settings, out: &mut String) {
    let _ = writeln!(out, "\n## Real attack data\n");
    let _ = writeln!(
        out,
        "From the shared test data in `{}` (Stratus Red Team detonations, Apache-2.0; the \
         Invictus Stratus simulation, MIT). Posture policy findings (detector `policy`) are left \
         out: they judge configuration, not the attack.\n",
        dir.display()
    );
    render_stratus(&dir.join(STRATUS_FOLDER), settings, out);
    render_invictus(&dir.join(INVICTUS_FOLDER), settings, out);
}

fn findings_of(paths: &[PathBuf], settings: &Settings) -> Option<(usize, Vec<Finding>)> {
    let mut summary = Summary::default();
    let mut output = Output::Discard;
    let decoded = replay::load_events(paths, settings, &mut output, &mut summary).ok()?;
    if decoded.readable_inputs == 0 {
        return None;
    }
    let events = decoded.events.len();
    let (_, findings) = replay::run_engine(settings.engine.clone(), &decoded, None);
    let findings = findings
        .into_iter()
        .filter(|finding| finding.detector != ispm_posture::POLICY_DETECTOR)
        .collect();
    Some((events, findings))
}

fn render_stratus(dir: &Path, settings: &Settings, out: &mut String) {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect(),
        Err(error) => {
            let _ = writeln!(
                out,
                "Stratus Red Team: {} not read: {error}.\n",
                dir.display()
            );
            return;
        }
    };
    files.sort();
    let mut detected = 0;
    let mut rows = String::new();
    for file in &files {
        let technique = file
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some((events, findings)) = findings_of(std::slice::from_ref(file), settings) else {
            let _ = writeln!(rows, "| `{technique}` | - | not readable |");
            continue;
        };
        let mut rules: BTreeMap<String, usize> = BTreeMap::new();
        for finding in &findings {
            *rules
                .entry(format!("{}/{}", finding.detector, finding.rule))
                .or_default() += 1;
        }
        if !rules.is_empty() {
            detected += 1;
        }
        let listed = if rules.is_empty() {
            "**no finding** (the golden test `crates/ispm-engine/tests/golden_stratus.rs` says why)"
                .to_owned()
        } else {
            rules
                .iter()
                .map(|(rule, count)| format!("`{rule}` ×{count}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(rows, "| `{technique}` | {events} | {listed} |");
    }
    let _ = writeln!(
        out,
        "### Stratus Red Team detonations\n\n**{detected} of {} technique files raise at least one \
         finding.** Every event in these files is attack traffic.\n",
        files.len()
    );
    let _ = writeln!(out, "| technique | events | findings |");
    let _ = writeln!(out, "|---|---|---|");
    out.push_str(&rows);
}

fn render_invictus(dir: &Path, settings: &Settings, out: &mut String) {
    let Some((events, findings)) = findings_of(&[dir.to_path_buf()], settings) else {
        let _ = writeln!(
            out,
            "\nInvictus simulation: {} not readable.",
            dir.display()
        );
        return;
    };
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for finding in &findings {
        let attack = finding.evidences.iter().any(|evidence| {
            evidence
                .user_agent
                .as_deref()
                .is_some_and(|agent| agent.starts_with(ATTACK_AGENT_PREFIX))
        });
        let entry = by_rule
            .entry(format!("{}/{}", finding.detector, finding.rule))
            .or_default();
        if attack {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let _ = writeln!(
        out,
        "\n### Invictus Stratus simulation\n\nOne hour of one account, {events} events, {} \
         findings. The data has no ground truth; calls made by the attack tool carry the user \
         agent `stratus-red-team_<uuid>`, so a finding whose evidence has that agent is on attack \
         traffic and the others are on set-up, clean-up or the account's own traffic.\n",
        findings.len()
    );
    let _ = writeln!(out, "| rule | on attack-tool calls | on other calls |");
    let _ = writeln!(out, "|---|---|---|");
    for (rule, (attack, other)) in by_rule {
        let _ = writeln!(out, "| `{rule}` | {attack} | {other} |");
    }
}
