//! Throughput of the replay path per event on the shared CloudTrail data:
//! typed parse only, decode (parse plus identity attribution), decode plus
//! engine record by record, and replay as `ispm replay` runs it. See
//! `ispm_benches::Pass` for what each does; BENCHMARKS.md compares replay
//! with parse-only.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ispm_benches::{Pass, ReplayPasses};

// The allocator the `ispm` binary runs with, so that the figures are those
// of replay.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn replay(c: &mut Criterion) {
    let passes = ReplayPasses::new();
    let mut group = c.benchmark_group("cloudtrail");
    group.throughput(Throughput::Elements(passes.records() as u64));
    for pass in [
        Pass::ParseOnly,
        Pass::Decode,
        Pass::DecodeAndEngine,
        Pass::Replay,
        Pass::ReplayNoDetectors,
    ] {
        // The engine is built outside the timed part, see `new_engine`.
        group.bench_function(pass.name(), |b| {
            b.iter_batched(
                || passes.new_engine(pass),
                |engine| passes.run(pass, engine),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
