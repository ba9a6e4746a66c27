//! `ispm report` end to end on the fixture organisation: lifecycle and
//! compaction, filters, the three outputs and HTML escaping.

mod fixtures;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use ispm_model::{IdentityKind, Severity};
use ispm_report::{Filters, FindingState, Report, ReportArgs, ReportError, build, load, run};
use serde_json::Value;

use fixtures::{ACCOUNT_A, ACCOUNT_B, HOSTILE_AGENT, HOSTILE_NAME, HOSTILE_TITLE, write_fixture};

fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write_fixture(dir.path());
    dir
}

fn report_with(filters: Filters) -> Report {
    let dir = fixture_dir();
    let dataset = load(dir.path()).expect("fixture loads");
    build(&dataset, &filters, dir.path())
}

fn run_into(input: &Path, filters: Filters) -> (tempfile::TempDir, ispm_report::ReportOutcome) {
    let out = tempfile::tempdir().expect("temp dir");
    let args = ReportArgs {
        input: input.to_path_buf(),
        out: out.path().join("report"),
        filters,
    };
    let outcome = run(&args).expect("report runs");
    (out, outcome)
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    fs::read_to_string(dir.path().join("report").join(name)).expect("output file exists")
}

fn append_line(path: &Path, line: &str) {
    let mut file = OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open fixture file");
    writeln!(file, "{line}").expect("append line");
}

#[test]
fn run_writes_all_outputs() {
    let input = fixture_dir();
    let (out, outcome) = run_into(input.path(), Filters::default());

    let names: Vec<String> = outcome
        .written
        .iter()
        .filter_map(|path| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "report.html",
            "report.json",
            "findings.csv",
            "identities.csv",
            "controls.csv"
        ]
    );
    for path in &outcome.written {
        let size = fs::metadata(path).expect("written file exists").len();
        assert!(size > 0, "{} is empty", path.display());
    }
    assert_eq!(outcome.input_files_found, 5);
    assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
    assert!(read(&out, "report.html").starts_with("<!DOCTYPE html>"));
}

#[test]
fn resolved_record_closes_violation() {
    let report = report_with(Filters::default());

    let bob: Vec<_> = report
        .findings
        .iter()
        .filter(|view| view.record.identity == "aws:111111111111:user/bob")
        .collect();
    assert_eq!(bob.len(), 1, "one finding per uid");
    assert_eq!(bob[0].record.state, FindingState::Resolved);
    assert!(
        report
            .open_violations
            .iter()
            .all(|view| view.record.identity != "aws:111111111111:user/bob")
    );
    assert_eq!(report.totals.resolved_violations, 2);
    assert_eq!(report.totals.suppressed_findings, 2);
    assert_eq!(report.totals.open_violations, 8);
    assert_eq!(report.totals.open_anomalies, 5);
    assert_eq!(report.totals.findings, 17);
}

#[test]
fn last_inventory_record_wins() {
    let dir = fixture_dir();
    let path = dir.path().join("ispm.inventory.ndjson");
    let lines = fs::read_to_string(&path).expect("inventory file");
    let bob_line = lines
        .lines()
        .find(|line| line.contains("user/bob"))
        .expect("bob's record");
    let mut record: Value = serde_json::from_str(bob_line).expect("valid JSON");
    record["owner"] = Value::from("team-data");
    append_line(&path, &record.to_string());

    let dataset = load(dir.path()).expect("fixture loads");

    let bob = &dataset.inventory["aws:111111111111:user/bob"];
    assert_eq!(bob.owner.as_deref(), Some("team-data"));
    assert_eq!(dataset.inventory.len(), 11);
}

#[test]
fn open_violations_sort_by_severity() {
    let report = report_with(Filters::default());

    let severities: Vec<Severity> = report
        .open_violations
        .iter()
        .map(|view| view.record.severity)
        .collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|left, right| right.cmp(left));
    assert_eq!(severities, sorted);
    assert_eq!(severities[0], Severity::Critical);
    assert!(
        report
            .open_violations
            .iter()
            .all(|view| !view.record.related_events.is_empty())
    );
}

#[test]
fn riskiest_identities_order_by_priority() {
    let report = report_with(Filters::default());

    let riskiest = &report.riskiest_identities;
    assert_eq!(riskiest.len(), 11);
    assert_eq!(riskiest[0].identity, "aws:111111111111:root");
    assert!(
        riskiest
            .windows(2)
            .all(|pair| pair[0].priority >= pair[1].priority)
    );
    let alice = riskiest
        .iter()
        .find(|identity| identity.name == "alice")
        .expect("alice is listed");
    assert_eq!(alice.owner.as_deref(), Some("team-platform"));
    assert_eq!(alice.account.as_deref(), Some(ACCOUNT_A));
    assert_eq!(alice.open_violations, ["privileged_user_without_mfa"]);
    let points: Vec<u8> = alice.factors.iter().map(|factor| factor.points).collect();
    assert_eq!(points, [35, 25, 18]);
}

#[test]
fn headline_trend_follows_org_summaries() {
    let report = report_with(Filters::default());

    assert_eq!(report.headline.scope, "org");
    let scores: Vec<f64> = report
        .headline
        .trend
        .iter()
        .map(|point| point.posture_score)
        .collect();
    assert_eq!(scores, [48.5, 55.0, 61.2, 66.8, 71.4]);
    let latest = report.headline.latest.as_ref().expect("org summary");
    assert_eq!(latest.summary.posture_score, 71.4);
    assert_eq!(latest.summary.hygiene.nhi_with_owner, Some(0.83));
    assert_eq!(report.accounts.len(), 2);
    assert_eq!(report.owners.len(), 3);
    assert_eq!(report.accounts[0].name, ACCOUNT_A, "worst score first");
    assert!(report.filter_notes.is_empty(), "{:?}", report.filter_notes);
}

#[test]
fn account_filter_narrows_everything() {
    let report = report_with(Filters {
        account: Some(ACCOUNT_B.to_owned()),
        ..Filters::default()
    });

    assert_eq!(report.headline.scope, format!("account:{ACCOUNT_B}"));
    assert_eq!(report.headline.trend.len(), 3);
    assert!(
        report
            .findings
            .iter()
            .all(|view| view.record.account.as_deref() == Some(ACCOUNT_B))
    );
    assert!(!report.findings.is_empty());
    let accounts: Vec<&str> = report
        .accounts
        .iter()
        .map(|row| row.name.as_str())
        .collect();
    assert_eq!(accounts, [ACCOUNT_B]);
    let mut owners: Vec<&str> = report.owners.iter().map(|row| row.name.as_str()).collect();
    owners.sort();
    assert_eq!(owners, ["team-data", "team-payments"]);
    assert!(
        report
            .riskiest_identities
            .iter()
            .all(|identity| identity.account.as_deref() == Some(ACCOUNT_B))
    );
}

#[test]
fn owner_filter_uses_inventory_owner() {
    let report = report_with(Filters {
        owner: Some("team-data".to_owned()),
        ..Filters::default()
    });

    assert_eq!(report.headline.scope, "owner:team-data");
    let mut identities: Vec<&str> = report
        .findings
        .iter()
        .map(|view| view.record.identity.as_str())
        .collect();
    identities.sort();
    identities.dedup();
    assert_eq!(
        identities,
        [
            "aws:222222222222:role/analytics-agent",
            "aws:222222222222:user/carol",
            "aws:222222222222:user/etl-loader",
        ]
    );
    assert_eq!(report.totals.identities, 3);
}

#[test]
fn kind_filter_keeps_root_findings() {
    let report = report_with(Filters {
        kind: Some(IdentityKind::Root),
        ..Filters::default()
    });

    assert!(!report.findings.is_empty());
    assert!(
        report
            .findings
            .iter()
            .all(|view| view.record.identity_kind == Some(IdentityKind::Root))
    );
    assert_eq!(report.totals.identities, 2);
    assert!(
        report
            .filter_notes
            .iter()
            .any(|note| note.contains("do not narrow")),
        "{:?}",
        report.filter_notes
    );
}

#[test]
fn framework_filter_limits_controls() {
    let report = report_with(Filters {
        framework: Some("pci dss 4.0".to_owned()),
        ..Filters::default()
    });

    assert!(!report.controls.is_empty());
    assert!(
        report
            .controls
            .iter()
            .all(|row| row.framework == "PCI DSS 4.0")
    );
    assert!(report.findings.iter().all(|view| {
        view.record
            .controls
            .iter()
            .any(|control| control.framework == "PCI DSS 4.0")
    }));
    assert!(report.anomalies.is_empty(), "anomalies map to no control");
    let pin = report
        .controls
        .iter()
        .find(|row| row.control == "8.4.2")
        .expect("8.4.2 listed");
    assert_eq!(pin.open.critical, 1);
    assert_eq!(pin.open.high, 1);
    assert_eq!(pin.open_total, 2);
    assert_eq!(pin.resolved, 1);
}

#[test]
fn unmatched_filters_are_noted() {
    let report = report_with(Filters {
        account: Some("999999999999".to_owned()),
        framework: Some("ISO 27001".to_owned()),
        ..Filters::default()
    });

    assert!(report.findings.is_empty());
    let notes = report.filter_notes.join("\n");
    assert!(
        notes.contains("account 999999999999 appears in no record"),
        "{notes}"
    );
    assert!(
        notes.contains("frameworks in the data: NIST 800-53, PCI DSS 4.0, SOC 2"),
        "{notes}"
    );
    assert!(notes.contains("no posture summary record"), "{notes}");
}

#[test]
fn html_escapes_hostile_text() {
    let input = fixture_dir();
    let (out, _) = run_into(input.path(), Filters::default());
    let html = read(&out, "report.html");

    assert!(!html.contains(HOSTILE_NAME), "raw identity name in page");
    assert!(!html.contains(HOSTILE_TITLE), "raw title in page");
    assert!(!html.contains(HOSTILE_AGENT), "raw user agent in page");
    assert!(!html.contains("<img"), "injected element in page");
    assert!(!html.contains("<b>1</b>"), "raw event id in page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("ev-hostile-&lt;b&gt;1&lt;/b&gt;"));
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the page's own scripts"
    );
    assert_eq!(html.matches("</script>").count(), 2, "no early script end");
}

/// Returns the JSON the page embeds for its charts.
fn embedded_json(html: &str) -> Value {
    let start_tag = "<script type=\"application/json\" id=\"report-data\">";
    let start = html.find(start_tag).expect("data element") + start_tag.len();
    let length = html[start..].find("</script>").expect("data element end");
    serde_json::from_str(&html[start..start + length]).expect("embedded JSON parses")
}

#[test]
fn page_embeds_report_json() {
    let input = fixture_dir();
    let (out, _) = run_into(input.path(), Filters::default());
    let json: Value = serde_json::from_str(&read(&out, "report.json")).expect("report.json parses");
    let embedded = embedded_json(&read(&out, "report.html"));

    assert_eq!(embedded, json);
    assert_eq!(json["report_version"], 1);
    assert_eq!(json["headline"]["trend"].as_array().map(Vec::len), Some(5));
    assert_eq!(json["totals"]["open_violations"], 8);
    assert_eq!(json["findings_by_severity"][0]["label"], "Critical");
    assert_eq!(json["findings_by_severity"][0]["open_violations"], 1);
    assert_eq!(json["accounts"][0]["posture_score"], 63.5);
    assert!(json.get("findings").is_none(), "full lists are in the CSVs");
}

#[test]
fn csv_files_list_filtered_records() {
    let input = fixture_dir();
    let (out, _) = run_into(input.path(), Filters::default());

    let findings_text = read(&out, "findings.csv");
    let mut findings = csv::Reader::from_reader(findings_text.as_bytes());
    let headers = findings.headers().expect("header row").clone();
    assert_eq!(&headers[0], "uid");
    let related = headers
        .iter()
        .position(|name| name == "related_events")
        .expect("related_events column");
    let rows: Vec<csv::StringRecord> = findings
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV");
    assert_eq!(rows.len(), 17);
    assert!(
        rows.iter()
            .any(|row| &row[related] == "ev-root-a-login-1; ev-root-a-login-2")
    );

    let identities = read(&out, "identities.csv");
    assert_eq!(identities.lines().count(), 12, "header and 11 identities");

    let controls_text = read(&out, "controls.csv");
    let mut controls = csv::Reader::from_reader(controls_text.as_bytes());
    let soc = controls
        .records()
        .filter_map(Result::ok)
        .find(|row| &row[0] == "SOC 2" && &row[1] == "CC6.1")
        .expect("SOC 2 CC6.1 row");
    // critical, high, medium, low, informational, open total, resolved, suppressed
    let counts: Vec<&str> = soc.iter().skip(2).collect();
    assert_eq!(counts, ["1", "2", "2", "0", "0", "5", "2", "1"]);
}

#[test]
fn bad_lines_are_counted_and_shown() {
    let input = fixture_dir();
    let policy = input.path().join("ispm.findings.policy.ndjson");
    append_line(&policy, "{\"not\": \"a finding\"}");
    let lines = fs::read_to_string(&policy)
        .expect("policy file")
        .lines()
        .count() as u64;
    let (out, outcome) = run_into(input.path(), Filters::default());

    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.skipped[0].file, policy);
    assert_eq!(outcome.skipped[0].line, lines);
    let json: Value = serde_json::from_str(&read(&out, "report.json")).expect("report.json parses");
    assert_eq!(json["input"]["skipped_lines"], 1);
    let html = read(&out, "report.html");
    assert!(html.contains("1 invalid input lines were skipped"));
    assert!(html.contains(&format!("ispm.findings.policy.ndjson:{lines}")));
}

#[test]
fn missing_posture_files_load_as_empty() {
    let input = fixture_dir();
    fs::remove_file(input.path().join("ispm.posture.summary.ndjson")).expect("remove file");
    fs::remove_file(input.path().join("ispm.posture.identity.ndjson")).expect("remove file");
    let (out, outcome) = run_into(input.path(), Filters::default());

    assert_eq!(outcome.input_files_found, 3);
    assert_eq!(outcome.totals.open_violations, 8);
    let html = read(&out, "report.html");
    assert!(html.contains("Missing input files, read as empty"));
    assert!(html.contains("No identity posture records."));
}

#[test]
fn missing_input_folder_fails() {
    let out = tempfile::tempdir().expect("temp dir");
    let args = ReportArgs {
        input: out.path().join("absent"),
        out: out.path().join("report"),
        filters: Filters::default(),
    };
    let error = run(&args).expect_err("no input folder");
    assert!(matches!(error, ReportError::InputNotFolder { .. }));
    assert!(error.to_string().contains("absent"));
    assert!(!out.path().join("report").exists(), "nothing written");
}
