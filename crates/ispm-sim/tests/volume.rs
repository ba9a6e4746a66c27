//! Volume and speed of a 2,000-identity run, on one day to keep the test
//! fast; the full 60-day figure is measured with the `simulate` example.

mod common;

use std::time::Instant;

use common::small_config;
use ispm_sim::Simulator;

#[test]
fn one_day_volume_matches_config() {
    let simulator = Simulator::new(small_config(1, 2000, 1));
    let started = Instant::now();
    let mut events = 0u64;
    let mut bytes = 0u64;
    for record in simulator.records() {
        events += 1;
        bytes += record.json.len() as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "2000 identities x 1 day: {events} events, {bytes} bytes, {seconds:.2} s ({:.0} events/s)",
        events as f64 / seconds
    );
    // Mean of 12 events per identity per day, fewer on this first day
    // because new hires and scenarios come later, more from AWS services.
    let per_identity = events as f64 / 2000.0;
    assert!(
        (8.0..20.0).contains(&per_identity),
        "{per_identity} events per identity"
    );
    let mean_bytes = bytes / events;
    assert!(
        (800..3000).contains(&mean_bytes),
        "{mean_bytes} bytes/event"
    );
}
