//! `ispm simulate`: writes simulated CloudTrail and its scenario labels.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use ispm_sim::{SimConfig, Simulator};

use crate::cli::SimulateArgs;

pub fn simulate(args: &SimulateArgs) -> ExitCode {
    let config = SimConfig {
        seed: args.seed,
        identities: args.identities,
        days: args.days,
        accounts: args.accounts,
        events_per_identity_day: args.events_per_identity_day,
        scenarios: !args.no_scenarios,
        ..SimConfig::default()
    };
    let simulator = match Simulator::try_new(config) {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("ispm simulate: {error}");
            return ExitCode::from(2);
        }
    };
    match write(&simulator, args) {
        Ok(records) => {
            eprintln!(
                "ispm simulate: wrote {records} records and {} labelled scenarios to {}",
                simulator.labels().len(),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "ispm simulate: writing to {} failed: {error}",
                args.out.display()
            );
            ExitCode::from(1)
        }
    }
}

fn write(simulator: &Simulator, args: &SimulateArgs) -> std::io::Result<u64> {
    std::fs::create_dir_all(&args.out)?;
    let stats = if args.ndjson {
        let mut out = BufWriter::new(File::create(args.out.join("cloudtrail.ndjson"))?);
        let stats = ispm_sim::write_ndjson(simulator, &mut out)?;
        out.flush()?;
        stats
    } else {
        ispm_sim::write_s3_delivery(simulator, &args.out, true)?
    };
    ispm_sim::write_labels(simulator, &args.out.join("labels.json"))?;
    Ok(stats.records)
}
