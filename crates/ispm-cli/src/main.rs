//! The `ispm` command: `replay` (files through the engine, no Kafka), `run`
//! (the Kafka pipeline), `check-config`, `simulate`, and `backtest` and
//! `explain` for tuning detectors.
//!
//! Exit codes: 0 on success, also when some or all records were
//! dead-lettered. 1 when no input could be read, output could not be
//! written, or `explain` found no such identity. 2 on invalid settings or arguments, including an `--out` path
//! that is not a folder.

mod analysis;
mod backtest;
mod baseline_text;
mod check_config;
mod cli;
mod enrichment;
mod explain;
mod input;
mod logging;
mod output;
mod produce;
mod progress;
mod quality;
mod quality_real;
mod replay;
mod report;
mod run;
mod settings;
mod simulate;
mod summary;
mod timeline;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::output::OutputError;
use crate::replay::ReplayOutcome;

// mimalloc rather than glibc's malloc, because decoding and the engine take
// and free small heap blocks for every event: the event id, long texts such
// as the user agent, and request payloads. Replay ran about 11 % faster with
// it when that was measured (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The warning about an `ISPM_` variable with one underscore.
const MISSPELLED_VARIABLE: &str =
    "variable ignored: settings variables start with ISPM__, with two underscores";

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    // clap prints usage errors and exits with code 2 itself.
    let cli = Cli::parse();

    // Only the Kafka runtime uses the values of the Kafka settings, so
    // problems with them do not stop a replay. Unknown keys and wrong types
    // do, in every section, as do invalid values outside `[kafka]`.
    let checks = if matches!(cli.command, Command::CheckConfig(_) | Command::Run) {
        settings::Checks::Run
    } else {
        settings::Checks::Common
    };
    let variables = std::env::vars_os().filter_map(|(name, _)| name.into_string().ok());
    let misspelled = settings::misspelled_variables(variables);
    let settings = match settings::load(cli.config.as_deref(), checks) {
        Ok(settings) => settings,
        Err(errors) => {
            // Listed with the errors, because a variable that was not read
            // may be the fix the user tried.
            for variable in &misspelled {
                eprintln!("{variable}: {MISSPELLED_VARIABLE}");
            }
            for error in &errors.0 {
                eprintln!("{error}");
            }
            return ExitCode::from(EXIT_USAGE);
        }
    };
    logging::init(&settings.log);
    for variable in &misspelled {
        tracing::warn!(%variable, "{MISSPELLED_VARIABLE}");
    }

    match &cli.command {
        Command::CheckConfig(args) => match check_config::print_effective(&settings, args.format) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("ispm check-config: {error:#}");
                ExitCode::from(EXIT_FAILED)
            }
        },
        Command::Replay(args) => match replay::replay(args, &settings) {
            Ok(ReplayOutcome::Completed | ReplayOutcome::StdoutClosed) => ExitCode::SUCCESS,
            Ok(ReplayOutcome::NoInput) => {
                eprintln!("ispm replay: no input could be read; check the paths above");
                ExitCode::from(EXIT_FAILED)
            }
            // An `--out` path that cannot be a folder is an invalid argument.
            Err(error @ OutputError::CreateDir { .. }) => {
                eprintln!("ispm replay: {error}; choose another --out folder");
                ExitCode::from(EXIT_USAGE)
            }
            Err(error) => {
                eprintln!("ispm replay: {error}");
                ExitCode::from(EXIT_FAILED)
            }
        },
        Command::Backtest(args) => backtest::backtest(args),
        Command::Explain(args) => explain::explain(args, &settings),
        Command::Run => run::run(&settings),
        Command::Produce(args) => produce::produce(args, &settings),
        Command::Simulate(args) => simulate::simulate(args),
        Command::Quality(args) => {
            let mut args = args.clone();
            args.config_given = cli.config.is_some();
            quality::quality(&args, &settings)
        }
        Command::Report(args) => report::report(args),
    }
}
