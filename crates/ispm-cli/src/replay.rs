//! `ispm replay`: decode files, run the engine over the events in event-time
//! order, write findings, inventory and dead letters, print a summary.

use std::convert::Infallible;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use ispm_engine::{Engine, EngineConfig};
use ispm_model::{EventTime, Finding};
use ispm_sources::CloudTrailDecoder;

use crate::cli::ReplayArgs;
use crate::enrichment;
use crate::input::{self, Decoded};
use crate::output::{Output, OutputError};
use crate::settings::Settings;
use crate::summary::Summary;
use crate::timeline::{self, Emitted};

/// Outcome of a replay, which selects the exit code.
#[derive(Debug, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// Every input was read or dead-lettered and the summary printed.
    Completed,
    /// None of the inputs could be read.
    NoInput,
    /// The reader of stdout went away (`ispm replay ... | head`).
    StdoutClosed,
}

pub fn replay(args: &ReplayArgs, settings: &Settings) -> Result<ReplayOutcome, OutputError> {
    let mut output = Output::open(args.out.as_deref())?;
    match run(args, settings, &mut output) {
        Err(OutputError::Closed) => Ok(ReplayOutcome::StdoutClosed),
        other => other,
    }
}

fn run(
    args: &ReplayArgs,
    settings: &Settings,
    output: &mut Output,
) -> Result<ReplayOutcome, OutputError> {
    let mut summary = Summary::default();

    let started = Instant::now();
    let decoded = load_events(&args.paths, settings, output, &mut summary)?;
    summary.reading = started.elapsed();

    let started = Instant::now();
    let mut engine = Engine::new(settings.engine.clone());
    timeline::run(
        &mut engine,
        &ispm_model::sorted_by_event_time(&decoded.events),
        &decoded.snapshots,
        args.as_of,
        |emitted| match emitted {
            Emitted::Finding(finding) => {
                summary.add_finding(&finding);
                output.finding(&finding)
            }
            Emitted::Inventory(record) => {
                summary.inventory_records += 1;
                output.inventory(&record)
            }
            Emitted::Posture(posture) => {
                summary.postures += 1;
                output.posture(&posture)
            }
            Emitted::Summary(posture_summary) => {
                summary.posture_summaries += 1;
                output.summary(&posture_summary)
            }
        },
    )?;
    summary.add_identities(&engine.identities());
    output.finish()?;
    summary.processing = started.elapsed();

    let mut stderr = std::io::stderr().lock();
    // The summary is a courtesy; a closed stderr must not turn a completed run
    // into a failure.
    let _ = summary.render(&mut stderr).and_then(|()| stderr.flush());

    if decoded.readable_inputs == 0 {
        return Ok(ReplayOutcome::NoInput);
    }
    Ok(ReplayOutcome::Completed)
}

/// Reads and decodes `paths` and enriches the events, in input order. Dead
/// letters go to `output` and `summary`.
pub fn load_events(
    paths: &[PathBuf],
    settings: &Settings,
    output: &mut Output,
    summary: &mut Summary,
) -> Result<Decoded, OutputError> {
    let decoder = CloudTrailDecoder::new(settings.decoder.clone());
    let mut decoded = input::read_all(paths, &decoder, output, summary)?;
    let enricher = enrichment::load(&settings.enrich);
    for event in &mut decoded.events {
        enricher.enrich_event(event);
    }
    Ok(decoded)
}

/// Runs decoded inputs through a new engine with `config`, with time run on
/// to `end` as `ispm replay --as-of` does, and returns the engine, for its
/// inventory, with every finding (anomalies and policy violations) in the
/// order raised.
pub fn run_engine(
    config: EngineConfig,
    decoded: &Decoded,
    end: Option<EventTime>,
) -> (Engine, Vec<Finding>) {
    let mut engine = Engine::new(config);
    let mut findings = Vec::new();
    let Ok(()) = timeline::run(
        &mut engine,
        &ispm_model::sorted_by_event_time(&decoded.events),
        &decoded.snapshots,
        end,
        |emitted| {
            if let Emitted::Finding(finding) = emitted {
                findings.push(finding);
            }
            Ok::<(), Infallible>(())
        },
    );
    (engine, findings)
}
