//! Resident memory per identity with many identities in state.
//!
//! Feeds one event each for N identities (default 1,000,000; first argument
//! overrides) built from a real CloudTrail record with the user name
//! rewritten, and reports the growth of the process's resident set size
//! divided by N. Linux only: it reads `/proc/self/statm`.
//!
//! `cargo bench -p ispm-benches --bench memory -- 1000000`

use ispm_engine::{Engine, EngineConfig};
use ispm_model::IdentityId;
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

fn main() {
    let identities: usize = std::env::args()
        .skip(1)
        .find_map(|argument| argument.parse().ok())
        .unwrap_or(1_000_000);
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

    let mut engine = Engine::new(EngineConfig::default());
    let mut findings = Vec::new();
    let before = resident_bytes();
    let mut event = template.clone();
    for index in 0..identities {
        let name = format!("user-{index:08}");
        event.actor.id = IdentityId::new(format!("aws:111122223333:user/{name}"));
        event.actor.name = name;
        event.actor.access_key_id = Some(format!("AKIA{index:016}"));
        event.event_id = format!("event-{index}");
        engine.process(&event, &mut findings);
    }
    let after = resident_bytes();
    let per_identity = (after.saturating_sub(before)) as f64 / identities as f64;
    println!(
        "identities: {identities}, resident growth: {:.1} MiB, per identity: {per_identity:.0} bytes, findings: {}",
        (after.saturating_sub(before)) as f64 / (1024.0 * 1024.0),
        findings.len()
    );
}
