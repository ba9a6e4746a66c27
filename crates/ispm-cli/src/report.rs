//! `ispm report`: the HTML, JSON and CSV report of a `replay --out` folder.

use std::path::PathBuf;
use std::process::ExitCode;

use ispm_model::IdentityKind;
use ispm_report::{Filters, ReportError};

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
/// Skipped input lines printed on stderr; report.json lists all of them.
const MAX_SKIPPED_PRINTED: usize = 20;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Folder with the `<topic>.ndjson` files that `ispm replay --out`
    /// writes. Missing topic files count as empty.
    #[arg(long, short = 'i', value_name = "DIR")]
    pub input: PathBuf,

    /// Folder to write report.html, report.json, findings.csv,
    /// identities.csv and controls.csv into. Created if missing. Files of
    /// those names are replaced.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,

    /// Keep only identities and findings of this AWS account id. The posture
    /// score and trend become the account's.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,

    /// Keep only identities of this owner (team or person, as the inventory
    /// records it) and their findings. The posture score and trend become
    /// the owner's.
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,

    /// Keep only identities of this kind and their findings: human,
    /// non_human, root or ai_agent.
    #[arg(long, value_name = "KIND", value_parser = ispm_report::parse_kind)]
    pub kind: Option<IdentityKind>,

    /// Keep only findings that map to a control of this compliance framework,
    /// e.g. "SOC 2", "NIST 800-53" or "PCI DSS 4.0" (case, spaces and hyphens
    /// ignored), and list only its controls.
    #[arg(long, value_name = "NAME")]
    pub framework: Option<String>,
}

pub fn report(args: &ReportArgs) -> ExitCode {
    let run_args = ispm_report::ReportArgs {
        input: args.input.clone(),
        out: args.out.clone(),
        filters: Filters {
            account: args.account.clone(),
            owner: args.owner.clone(),
            kind: args.kind,
            framework: args.framework.clone(),
        },
    };
    let outcome = match ispm_report::run(&run_args) {
        Ok(outcome) => outcome,
        Err(error @ (ReportError::InputNotFolder { .. } | ReportError::CreateDir { .. })) => {
            eprintln!("ispm report: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(error) => {
            eprintln!("ispm report: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };

    if outcome.input_files_found == 0 {
        eprintln!(
            "ispm report: warning: no topic files in {}, so the report is empty; \
             pass the --out folder of `ispm replay`",
            args.input.display()
        );
    }
    for line in outcome.skipped.iter().take(MAX_SKIPPED_PRINTED) {
        eprintln!(
            "ispm report: skipped invalid line {}:{}: {}",
            line.file.display(),
            line.line,
            line.reason
        );
    }
    if outcome.skipped.len() > MAX_SKIPPED_PRINTED {
        eprintln!(
            "ispm report: {} more invalid lines skipped; report.json lists them all",
            outcome.skipped.len() - MAX_SKIPPED_PRINTED
        );
    }
    for note in &outcome.notes {
        eprintln!("ispm report: note: {note}");
    }

    let totals = &outcome.totals;
    eprintln!(
        "ispm report: {} identities, {} open violations, {} open anomalies, {} lines skipped",
        totals.identities,
        totals.open_violations,
        totals.open_anomalies,
        outcome.skipped.len()
    );
    for path in &outcome.written {
        println!("{}", path.display());
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    use super::*;

    #[test]
    fn report_parses_all_filters() {
        let cli = Cli::try_parse_from([
            "ispm",
            "report",
            "--input",
            "replay-out",
            "--out",
            "report",
            "--account",
            "111111111111",
            "--owner",
            "team-data",
            "--kind",
            "non-human",
            "--framework",
            "SOC 2",
        ])
        .expect("valid arguments");
        let Command::Report(args) = cli.command else {
            panic!("expected report");
        };
        assert_eq!(args.input, PathBuf::from("replay-out"));
        assert_eq!(args.out, PathBuf::from("report"));
        assert_eq!(args.account.as_deref(), Some("111111111111"));
        assert_eq!(args.owner.as_deref(), Some("team-data"));
        assert_eq!(args.kind, Some(IdentityKind::NonHuman));
        assert_eq!(args.framework.as_deref(), Some("SOC 2"));
    }

    #[test]
    fn report_rejects_unknown_kind() {
        let error = Cli::try_parse_from([
            "ispm", "report", "--input", "a", "--out", "b", "--kind", "robot",
        ])
        .expect_err("robot is no identity kind");
        assert!(
            error.to_string().contains("invalid identity kind"),
            "{error}"
        );
    }

    #[test]
    fn report_requires_input_and_out() {
        assert!(Cli::try_parse_from(["ispm", "report", "--out", "b"]).is_err());
        assert!(Cli::try_parse_from(["ispm", "report", "--input", "a"]).is_err());
    }
}
