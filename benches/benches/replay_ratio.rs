//! Replay speed as a fraction of typed-parse-only speed, measured in pairs.
//!
//! The criterion benchmark in `replay.rs` measures each function for
//! seconds in a row, and on a shared virtual machine the speed of the CPU
//! drifts between those seconds, which moves the ratio of two results by
//! ±0.1. Here each round times one pass of parse-only and then one pass of
//! each other function over the same records. The report gives, per pass,
//! the median over the rounds of its speed ÷ the parse-only speed of the
//! same round.
//!
//! `cargo bench -p ispm-benches --bench replay_ratio -- [ROUNDS]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use ispm_benches::{Pass, ReplayPasses};

// The allocator the `ispm` binary runs with, as in `replay.rs`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|argument| argument.parse().ok())
        .unwrap_or(200);
    let passes = ReplayPasses::new();
    let kinds = [
        Pass::Decode,
        Pass::DecodeAndEngine,
        Pass::Replay,
        Pass::ReplayNoDetectors,
    ];
    // Warm-up: caches, allocator pools and the CPU's branch predictors.
    for _ in 0..10 {
        for kind in [Pass::ParseOnly].iter().chain(&kinds) {
            black_box(passes.run(*kind, passes.new_engine(*kind)));
        }
    }

    let mut ratios: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); kinds.len()];
    let mut parse_rates = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let engine = passes.new_engine(Pass::ParseOnly);
        let parse = time(|| passes.run(Pass::ParseOnly, engine));
        parse_rates.push(passes.records() as f64 / parse.as_secs_f64());
        // Alternate the order, so that neither pass always runs first.
        let order: Vec<usize> = if round % 2 == 0 {
            (0..kinds.len()).collect()
        } else {
            (0..kinds.len()).rev().collect()
        };
        for index in order {
            let engine = passes.new_engine(kinds[index]);
            let elapsed = time(|| passes.run(kinds[index], engine));
            ratios[index].push(parse.as_secs_f64() / elapsed.as_secs_f64());
        }
    }

    println!(
        "records per pass: {}, rounds: {rounds}, parse-only: median {:.0} thousand records/s",
        passes.records(),
        median(&mut parse_rates) / 1000.0
    );
    for (kind, ratios) in kinds.iter().zip(&mut ratios) {
        let mut sorted = ratios.clone();
        sorted.sort_by(f64::total_cmp);
        let quartile = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        println!(
            "{:<22} ÷ parse-only: median {:.3} (quartiles {:.3} to {:.3})",
            kind.name(),
            median(ratios),
            quartile(0.25),
            quartile(0.75)
        );
    }
}

fn time(pass: impl FnOnce() -> usize) -> Duration {
    let start = Instant::now();
    black_box(pass());
    start.elapsed()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
