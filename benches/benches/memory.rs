//! Resident memory per identity with many identities in state, in full
//! ("hot") form and in compact ("cold") form.
//!
//! Feeds one event each for N identities (default 1,000,000; the first
//! numeric argument overrides it). Each event is a real CloudTrail record
//! with the user name, its ARN and the account rewritten. The benchmark
//! reports the growth of the process's resident set size divided by N.
//! Linux only: it reads `/proc/self/statm`.
//!
//! Each figure is measured in a fresh process, which the benchmark starts
//! by running itself with the argument `hot`, `cold` or `codec`:
//!
//! - `hot`: every event at the same time, so no identity goes idle. After
//!   the figure, one event of another identity later than
//!   `engine.state.compact_after` makes the engine encode all N, and the
//!   run reports the encoded size and the resident size right after.
//! - `cold`: the events spread over 100 times `compact_after` of event
//!   time, as identities going idle one after the other, so the engine
//!   compacts them in its sweeps while later ones arrive, and one last
//!   event compacts the rest. Measuring the cold figure right after
//!   compacting all N at once would count the freed hot states, which
//!   mimalloc returns to the system only after a delay and once later
//!   allocations look.
//! - `codec`: the time to encode and decode one identity, for at most
//!   100,000 identities, in three rounds. Each round feeds an event for
//!   every identity, then one late event whose sweep encodes them all, then
//!   calls `Engine::identities`, which decodes each cold state into a copy.
//!   The first round touches
//!   new memory, which on a virtual machine can take many times longer, so
//!   the fastest round is reported.
//!
//! `cargo bench -p ispm-benches --bench memory -- 1000000`

use std::process::Command;
use std::time::{Duration, Instant};

use ispm_engine::{Engine, EngineConfig};
use ispm_model::{EventTime, IdentityEvent, IdentityId};
use ispm_sources::{CloudTrailDecoder, DecoderConfig};

// The allocator the `ispm` binary runs with: resident size depends on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resident set size in bytes, from `/proc/self/statm` (pages × 4 KiB).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn report(label: &str, before: u64, identities: usize) {
    let growth = resident_bytes().saturating_sub(before);
    println!(
        "{label}: resident growth: {:.1} MiB, per identity: {:.0} bytes",
        growth as f64 / (1024.0 * 1024.0),
        growth as f64 / identities as f64
    );
}

fn per_identity(elapsed: Duration, identities: usize) -> String {
    format!(
        "{:.2} µs per identity",
        elapsed.as_secs_f64() * 1e6 / identities.max(1) as f64
    )
}

/// Gives the event the identity and key of number `index`. The event is
/// changed in place, not cloned per identity, so that the figures count
/// the engine's allocations only.
fn rename(event: &mut IdentityEvent, index: usize) {
    let name = format!("user-{index:08}");
    event.actor.id = IdentityId::new(format!("aws:111122223333:user/{name}"));
    event.actor.arn = Some(format!("arn:aws:iam::111122223333:user/{name}").into());
    event.actor.account = Some("111122223333".into());
    event.account = Some("111122223333".into());
    event.actor.name = name.into();
    event.actor.access_key_id = Some(format!("AKIA{index:016}").into());
    event.event_id = format!("event-{index}").into();
}

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let identities: usize = arguments
        .iter()
        .find_map(|argument| argument.parse().ok())
        .unwrap_or(1_000_000);
    let phase = arguments
        .iter()
        .find(|argument| ["hot", "cold", "codec"].contains(&argument.as_str()));
    let Some(phase) = phase else {
        for phase in ["hot", "cold", "codec"] {
            run_in_new_process(phase, identities);
        }
        return;
    };

    let records = ispm_benches::shared_cloudtrail_records();
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let Some(template) = records.iter().find_map(|record| {
        decoder.decode_record(record).ok().filter(|event| {
            event.actor.principal_type == "IAMUser" && event.actor.access_key_id.is_some()
        })
    }) else {
        eprintln!("no IAM user event with an access key in the shared data");
        return;
    };
    match phase.as_str() {
        "hot" => measure_hot(&template, identities),
        "cold" => measure_cold(&template, identities),
        _ => measure_codec(&template, identities.min(100_000)),
    }
}

fn run_in_new_process(phase: &str, identities: usize) {
    let status = std::env::current_exe().and_then(|exe| {
        Command::new(exe)
            .arg(identities.to_string())
            .arg(phase)
            .status()
    });
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => eprintln!("the {phase} run failed: {status}"),
        Err(error) => eprintln!("the {phase} run failed to start: {error}"),
    }
}

/// Returns the event time of the last event that is `compact_after` plus
/// one second after `time`.
fn after_idle(engine: &Engine, time: EventTime) -> EventTime {
    let idle = i64::try_from(engine.config().state.compact_after.as_millis()).unwrap_or(i64::MAX);
    EventTime::from_millis(time.millis().saturating_add(idle).saturating_add(1000))
}

fn measure_hot(template: &IdentityEvent, identities: usize) {
    let mut engine = Engine::new(EngineConfig::default());
    let mut findings = Vec::new();
    let before = resident_bytes();
    let mut event = template.clone();
    for index in 0..identities {
        rename(&mut event, index);
        engine.process(&event, &mut findings);
    }
    report("hot", before, identities);
    println!("findings: {}", findings.len());

    // One event of one more identity, after every other identity has been
    // idle for longer than `compact_after`, makes the engine sweep.
    rename(&mut event, identities);
    event.time = after_idle(&engine, template.time);
    engine.process(&event, &mut findings);
    let (cold, cold_bytes) = engine.compact_identity_sizes();
    println!(
        "compacted at once: {cold}, encoded state: {:.1} bytes per identity",
        cold_bytes as f64 / cold.max(1) as f64,
    );
    report(
        "right after compacting at once (freed pages not yet returned)",
        before,
        identities,
    );
}

fn measure_codec(template: &IdentityEvent, identities: usize) {
    let mut engine = Engine::new(EngineConfig::default());
    let mut findings = Vec::new();
    let mut event = template.clone();
    let mut fastest = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        let time = event.time;
        for index in 0..identities {
            rename(&mut event, index);
            engine.process(&event, &mut findings);
        }
        rename(&mut event, identities);
        event.time = after_idle(&engine, time);
        let started = Instant::now();
        engine.process(&event, &mut findings);
        let encoding = started.elapsed();
        let started = Instant::now();
        let listed = engine.identities().len();
        let decoding = started.elapsed();
        assert_eq!(listed, identities + 1);
        fastest = (fastest.0.min(encoding), fastest.1.min(decoding));
    }
    let stats = engine.stats();
    println!(
        "encode (the sweep): {}, decode into a copy (Engine::identities): {}, fastest of 3 rounds of {identities} ({} compactions, {} thaws in all)",
        per_identity(fastest.0, identities),
        per_identity(fastest.1, identities),
        stats.compactions,
        stats.thaws,
    );
}

fn measure_cold(template: &IdentityEvent, identities: usize) {
    let mut engine = Engine::new(EngineConfig::default());
    let mut findings = Vec::new();
    // The events span 100 times `compact_after`, so about 1 in 80 identities
    // is hot at any time (idle for less than 1.25 times `compact_after`).
    let start = template.time;
    let span = after_idle(&engine, start)
        .millis()
        .saturating_sub(start.millis())
        * 100;
    let step = span / i64::try_from(identities.max(1)).unwrap_or(i64::MAX);
    let before = resident_bytes();
    let mut event = template.clone();
    for index in 0..identities {
        rename(&mut event, index);
        let offset = step.saturating_mul(i64::try_from(index).unwrap_or(i64::MAX));
        event.time = EventTime::from_millis(start.millis().saturating_add(offset));
        engine.process(&event, &mut findings);
    }
    rename(&mut event, identities);
    event.time = after_idle(&engine, event.time);
    engine.process(&event, &mut findings);
    let (cold, cold_bytes) = engine.compact_identity_sizes();
    report("cold", before, identities);
    let stats = engine.stats();
    println!(
        "compacted: {cold} ({} in all, {} thawed), encoded state: {:.1} bytes per identity, findings: {}",
        stats.compactions,
        stats.thaws,
        cold_bytes as f64 / cold.max(1) as f64,
        findings.len()
    );
}
