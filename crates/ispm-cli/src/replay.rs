//! `ispm replay`: decode files, run the engine over the events in event-time
//! order, write findings, inventory and dead letters, print a summary.

use std::convert::Infallible;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use ispm_engine::{Engine, EngineConfig};
use ispm_model::{Finding, IdentityEvent};
use ispm_sources::CloudTrailDecoder;

use crate::cli::ReplayArgs;
use crate::enrichment;
use crate::input::{self, Decoded};
use crate::output::{Output, OutputError};
use crate::progress::Progress;
use crate::settings::Settings;
use crate::summary::Summary;

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
    process(&mut engine, &decoded.events, |finding| {
        summary.add_finding(&finding);
        output.finding(&finding)
    })?;
    for record in engine.drain_inventory() {
        summary.inventory_records += 1;
        output.inventory(&record)?;
    }
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

/// Reads and decodes `paths`, enriches the events and sorts them by event
/// time, ready for the engine. Dead letters go to `output` and `summary`.
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
    sort_by_event_time(&mut decoded.events);
    Ok(decoded)
}

/// Runs sorted `events` through a new engine with `config` and returns the
/// engine, for its inventory, with every finding in the order raised.
pub fn run_engine(config: EngineConfig, events: &[IdentityEvent]) -> (Engine, Vec<Finding>) {
    let mut engine = Engine::new(config);
    let mut findings = Vec::new();
    let Ok(()) = process(&mut engine, events, |finding| {
        findings.push(finding);
        Ok::<(), Infallible>(())
    });
    (engine, findings)
}

/// Sorts by event time, then event id. CloudTrail files overlap in time and
/// arrive out of order, but the engine expects each identity's events in
/// event-time order. The event id breaks ties, so every run feeds the engine
/// the same sequence, and the stable sort keeps exact duplicates in input
/// order.
fn sort_by_event_time(events: &mut [IdentityEvent]) {
    events.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
}

/// Feeds `events` and their target facts to `engine` and passes each finding
/// to `sink`, stopping at the first error that `sink` returns.
fn process<E>(
    engine: &mut Engine,
    events: &[IdentityEvent],
    mut sink: impl FnMut(Finding) -> Result<(), E>,
) -> Result<(), E> {
    let progress = Progress::events(events.len());
    let mut findings: Vec<Finding> = Vec::new();
    for event in events {
        engine.process(event, &mut findings);
        for fact in &event.targets {
            engine.apply_fact(fact, event, &mut findings);
        }
        for finding in findings.drain(..) {
            sink(finding)?;
        }
        progress.inc(1);
    }
    progress.finish();
    Ok(())
}
