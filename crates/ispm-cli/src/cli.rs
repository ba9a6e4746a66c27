//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use ispm_model::EventTime;

/// Identity Security Posture Management: audit logs in, identity inventory
/// and findings out.
#[derive(Debug, Parser)]
#[command(name = "ispm", version)]
pub struct Cli {
    /// Settings file (TOML). Without it the built-in defaults apply;
    /// `ISPM__SECTION__KEY` environment variables override both.
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode CloudTrail files and run them through the identity engine,
    /// without Kafka. Prints findings as OCSF NDJSON on stdout and a summary
    /// on stderr.
    Replay(ReplayArgs),
    /// Run the Kafka pipeline with the settings of `--config`.
    Run,
    /// Validate the settings, print every invalid key, or print the effective
    /// settings with secrets redacted.
    CheckConfig(CheckConfigArgs),
    /// Run the inputs through the engine with two settings files and compare
    /// their findings per detector, matched by finding id.
    Backtest(BacktestArgs),
    /// Print the inventory record, the behavioural baseline and the findings of one identity.
    Explain(ExplainArgs),
    /// Write simulated CloudTrail for an organisation, with labelled attack
    /// scenarios, for trying detectors and measuring them.
    Simulate(SimulateArgs),
    /// Run the engine over simulated traffic and write a detection-quality
    /// report (true and false positives per detector, scenarios detected).
    Quality(QualityArgs),
    /// Write a posture report (report.html, report.json and CSV files) from
    /// the NDJSON files of `ispm replay --out`.
    Report(crate::report::ReportArgs),
    /// Send whole files to a Kafka topic, one message each: how a credential
    /// report or inventory document reaches a `snapshot` input.
    Produce(crate::produce::ProduceArgs),
}

#[derive(Clone, Debug, clap::Args)]
pub struct QualityArgs {
    /// Markdown file to write.
    #[arg(long, short = 'o', value_name = "FILE", default_value = "QUALITY.md")]
    pub out: PathBuf,

    /// Identities in the simulated organisation.
    #[arg(long, default_value_t = 2000)]
    pub identities: usize,

    /// Simulated days.
    #[arg(long, default_value_t = 60)]
    pub days: u32,

    /// Seed of the simulator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// CloudTrail folder of the shared test data (with
    /// `stratus-red-team-detonations` and `invictus-stratus-simulation`), to
    /// add the findings on real attack data to the report.
    #[arg(long, value_name = "DIR")]
    pub real_data: Option<PathBuf>,

    /// Set by the command when `--config` was given, for the report.
    #[arg(skip)]
    pub config_given: bool,
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// Folder to write into: S3-delivery files under `AWSLogs/` (or
    /// `cloudtrail.ndjson` with `--ndjson`) and `labels.json`, which lists
    /// every injected scenario with its events and expected detectors.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,

    /// Identities in the organisation, people and non-human together
    /// (non-human identities outnumber people about 80 to 1).
    #[arg(long, default_value_t = 2000)]
    pub identities: usize,

    /// Simulated days.
    #[arg(long, default_value_t = 60)]
    pub days: u32,

    /// Seed of the random generator: the same seed gives the same output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// AWS accounts the identities are spread over.
    #[arg(long, default_value_t = 3)]
    pub accounts: usize,

    /// Mean events per identity and day.
    #[arg(long, default_value_t = 12.0)]
    pub events_per_identity_day: f64,

    /// Leave out the attack scenarios: benign traffic only.
    #[arg(long)]
    pub no_scenarios: bool,

    /// Write one NDJSON file instead of gzipped S3-delivery files.
    #[arg(long)]
    pub ndjson: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// CloudTrail files or folders (plain JSON or gzip, searched recursively);
    /// `-` reads one document from stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write one NDJSON file per output topic into this folder instead of
    /// printing findings on stdout. The folder is created if missing.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Evaluate policies as of this time (RFC 3339, e.g.
    /// `2026-12-04T00:00:00Z`) instead of the newest input time: time runs
    /// on to it after the last input, so keys age and stale identities turn
    /// stale. Snapshots keep their own times.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub as_of: Option<EventTime>,
}

/// Parses an RFC 3339 time for `--as-of`.
fn parse_time(text: &str) -> Result<EventTime, String> {
    EventTime::parse_rfc3339(text).map_err(|error| {
        format!("invalid time {text:?}: {error}; expected RFC 3339, e.g. 2026-12-04T00:00:00Z")
    })
}

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// Settings file (TOML) of the current configuration. Its decoder and
    /// enrich sections also apply to the candidate, because the inputs are
    /// decoded once.
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,

    /// Settings file (TOML) to compare with the baseline.
    #[arg(long, value_name = "FILE")]
    pub candidate: PathBuf,

    /// CloudTrail files or folders, as for `ispm replay`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format of the comparison.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Canonical identity id, e.g. `aws:123456789012:user/alice`.
    #[arg(value_name = "IDENTITY")]
    pub identity: String,

    /// CloudTrail files or folders, as for `ispm replay`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format: text, or JSON with the inventory record, the baseline and the
    /// findings as OCSF.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,

    /// Evaluate policies as of this time (RFC 3339), as `ispm replay --as-of`.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub as_of: Option<EventTime>,

    /// Show the rotation impact of this credential (access key id,
    /// `console-password` or a credential report slot such as
    /// `access_key_1`): every consumer seen in the last `--days` days.
    #[arg(long, value_name = "KEY")]
    pub credential: Option<String>,

    /// Days of history the rotation impact covers.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub days: u32,
}

/// Output format of `ispm backtest` and `ispm explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckConfigArgs {
    /// Output format of the effective settings.
    #[arg(long, value_enum, default_value_t = PrintFormat::Toml)]
    pub format: PrintFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrintFormat {
    Toml,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn config_is_accepted_after_the_subcommand() {
        let cli = Cli::try_parse_from(["ispm", "replay", "--config", "a.toml", "x.json"])
            .expect("valid arguments");
        assert_eq!(cli.config, Some(PathBuf::from("a.toml")));
    }

    #[test]
    fn explain_takes_identity_then_paths() {
        let cli = Cli::try_parse_from(["ispm", "explain", "aws:1:user/a", "x.json", "y.json"])
            .expect("valid arguments");
        let Command::Explain(args) = cli.command else {
            panic!("expected explain");
        };
        assert_eq!(args.identity, "aws:1:user/a");
        assert_eq!(
            args.paths,
            [PathBuf::from("x.json"), PathBuf::from("y.json")]
        );
    }

    #[test]
    fn stdin_dash_is_a_path() {
        let cli = Cli::try_parse_from(["ispm", "replay", "-"]).expect("valid arguments");
        let Command::Replay(args) = cli.command else {
            panic!("expected replay");
        };
        assert_eq!(args.paths, [PathBuf::from("-")]);
    }
}
