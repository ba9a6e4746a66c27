//! Throughput of the replay path per event on the shared CloudTrail data:
//! typed parse only, decode (parse plus identity attribution), and decode
//! plus engine. BENCHMARKS.md compares the first and the last.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ispm_engine::{Engine, EngineConfig};
use ispm_sources::{CloudTrailDecoder, DecoderConfig};

fn replay(c: &mut Criterion) {
    let records = ispm_benches::shared_cloudtrail_records();
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut group = c.benchmark_group("cloudtrail");
    group.throughput(Throughput::Elements(records.len() as u64));

    group.bench_function("parse_only", |b| {
        b.iter(|| {
            let mut parsed = 0usize;
            for record in &records {
                if decoder.parse_only(record).is_ok() {
                    parsed += 1;
                }
            }
            parsed
        })
    });

    group.bench_function("decode", |b| {
        b.iter(|| {
            let mut decoded = 0usize;
            for record in &records {
                if decoder.decode_record(record).is_ok() {
                    decoded += 1;
                }
            }
            decoded
        })
    });

    group.bench_function("decode_and_engine", |b| {
        b.iter(|| {
            let mut engine = Engine::new(EngineConfig::default());
            let mut findings = Vec::new();
            for record in &records {
                if let Ok(event) = decoder.decode_record(record) {
                    engine.process(&event, &mut findings);
                    for fact in &event.targets {
                        engine.apply_fact(fact, &event, &mut findings);
                    }
                }
            }
            findings.len()
        })
    });

    // The engine's bookkeeping (inventory, consumers, baselines) without any
    // detector, to show what the detectors cost on top of it.
    let no_detectors = EngineConfig {
        disabled_detectors: ispm_engine::DETECTORS
            .iter()
            .map(|id| (*id).to_owned())
            .collect(),
        ..EngineConfig::default()
    };
    group.bench_function("decode_and_engine_no_detectors", |b| {
        b.iter(|| {
            let mut engine = Engine::new(no_detectors.clone());
            let mut findings = Vec::new();
            for record in &records {
                if let Ok(event) = decoder.decode_record(record) {
                    engine.process(&event, &mut findings);
                    for fact in &event.targets {
                        engine.apply_fact(fact, &event, &mut findings);
                    }
                }
            }
            findings.len()
        })
    });
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
