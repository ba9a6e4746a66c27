//! Writes a simulation run and prints its volume and timing.
//!
//! `cargo run --release -p ispm-sim --example simulate -- IDENTITIES DAYS FORMAT [DIR]`
//! where FORMAT is `ndjson` (to DIR/records.ndjson, or counted and discarded
//! without DIR), `s3` or `s3-plain` (S3 delivery folders under DIR, gzip or
//! not). The labels go to DIR/labels.json.

use std::io;
use std::path::PathBuf;
use std::time::Instant;

use ispm_sim::{SimConfig, Simulator, write_labels, write_ndjson, write_s3_delivery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: simulate IDENTITIES DAYS ndjson|s3|s3-plain [DIR]";
    let identities: usize = args.first().ok_or(usage)?.parse()?;
    let days: u32 = args.get(1).ok_or(usage)?.parse()?;
    let format = args.get(2).ok_or(usage)?.as_str();
    let dir = args.get(3).map(PathBuf::from);
    let config = SimConfig {
        identities,
        days,
        ..SimConfig::default()
    };

    let started = Instant::now();
    let simulator = Simulator::try_new(config)?;
    let built = started.elapsed();
    let stats = match (format, &dir) {
        ("ndjson", Some(dir)) => {
            std::fs::create_dir_all(dir)?;
            let mut file = std::fs::File::create(dir.join("records.ndjson"))?;
            write_ndjson(&simulator, &mut file)?
        }
        ("ndjson", None) => write_ndjson(&simulator, &mut io::sink())?,
        ("s3", Some(dir)) => write_s3_delivery(&simulator, dir, true)?,
        ("s3-plain", Some(dir)) => write_s3_delivery(&simulator, dir, false)?,
        _ => return Err(usage.into()),
    };
    if let Some(dir) = &dir {
        write_labels(&simulator, &dir.join("labels.json"))?;
    }
    let elapsed = started.elapsed();
    let population = simulator.population();
    println!("population: {:?}", population.counts);
    println!("scenarios: {}", simulator.labels().len());
    println!(
        "records: {} ({} labelled), files: {}, json bytes: {}, written bytes: {}",
        stats.records, stats.labelled_records, stats.files, stats.json_bytes, stats.written_bytes
    );
    println!(
        "build: {:.3} s, total: {:.1} s, {:.0} records/s",
        built.as_secs_f64(),
        elapsed.as_secs_f64(),
        stats.records as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
