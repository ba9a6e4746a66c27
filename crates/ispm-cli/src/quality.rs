//! `ispm quality`: runs the engine over simulated traffic with labelled
//! attack scenarios and writes a detection-quality report in Markdown.
//!
//! A finding counts as a true positive when one of its related events
//! belongs to a scenario, or when it is about a scenario's identity and
//! starts within the scenario's time span. Every other finding is a false
//! positive on benign traffic. False positives are given per 1,000
//! identity-days: identities in the population times simulated days.
//!
//! Without configured IP databases, events get their country, ASN,
//! coordinates and AWS membership from the simulator's own geography
//! ([`ispm_sim::locate`]), so the detectors that need them run too.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use ispm_engine::Engine;
use ispm_enrich::{EnrichConfig, Enricher};
use ispm_model::{Finding, IdentityEvent, NetworkInfo};
use ispm_sim::{ScenarioLabel, SimConfig, Simulator};
use ispm_sources::CloudTrailDecoder;

use crate::cli::QualityArgs;
use crate::enrichment;
use crate::settings::Settings;

/// Slack after a scenario's last event within which a finding on its
/// identity still counts for it: burst detectors fire on the last event of
/// a window, and delivery is up to minutes late.
const SCENARIO_SLACK_MILLIS: i64 = 3_600_000;

#[derive(Default)]
struct DetectorTally {
    true_positives: u64,
    false_positives: u64,
}

pub fn quality(args: &QualityArgs, settings: &Settings) -> ExitCode {
    let config = SimConfig {
        seed: args.seed,
        identities: args.identities,
        days: args.days,
        ..SimConfig::default()
    };
    let simulator = match Simulator::try_new(config) {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("ispm quality: {error}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let labels = simulator.labels();
    let (findings, events) = run(&simulator, settings);
    let mut report = render(
        args,
        &simulator,
        &labels,
        &findings,
        events,
        started.elapsed().as_secs_f64(),
        databases_configured(&settings.enrich),
    );
    if let Some(dir) = &args.real_data {
        crate::quality_real::render(dir, settings, &mut report);
    }
    match std::fs::write(&args.out, report) {
        Ok(()) => {
            eprintln!(
                "ispm quality: wrote {} ({events} events, {} findings)",
                args.out.display(),
                findings.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "ispm quality: writing {} failed: {error}",
                args.out.display()
            );
            ExitCode::from(1)
        }
    }
}

/// The source of the IP attributes of simulated events.
enum Geography {
    /// The `[enrich]` databases of the settings.
    Databases(Box<Enricher>),
    /// The simulator's table of cities and networks.
    Simulated,
}

impl Geography {
    /// Loads the configured databases, or takes the simulator's geography
    /// when none is configured.
    fn load(config: &EnrichConfig) -> Geography {
        if databases_configured(config) {
            Geography::Databases(Box::new(enrichment::load(config)))
        } else {
            Geography::Simulated
        }
    }

    fn enrich_event(&self, event: &mut IdentityEvent) {
        match self {
            Geography::Databases(enricher) => enricher.enrich_event(event),
            Geography::Simulated => {
                event.origin.network = event.origin.ip.and_then(simulated_network);
            }
        }
    }
}

fn databases_configured(config: &EnrichConfig) -> bool {
    config.country_db.is_some()
        || config.asn_db.is_some()
        || config.city_db.is_some()
        || config.cloud_ranges.is_some()
}

/// Returns the network attributes the simulator's geography gives an
/// address, in the form the IP databases fill them.
fn simulated_network(ip: std::net::IpAddr) -> Option<NetworkInfo> {
    let place = ispm_sim::locate(ip)?;
    Some(NetworkInfo {
        country: Some(place.country.to_owned()),
        asn: Some(place.asn),
        as_org: Some(place.as_org.to_owned()),
        location: Some((place.latitude, place.longitude)),
        cloud: Some(place.cloud),
    })
}

/// Streams the simulated records through the decoder and the engine; the
/// simulator yields them in event-time order.
fn run(simulator: &Simulator, settings: &Settings) -> (Vec<Finding>, u64) {
    let decoder = CloudTrailDecoder::new(settings.decoder.clone());
    let geography = Geography::load(&settings.enrich);
    let mut engine = Engine::new(settings.engine.clone());
    let mut findings = Vec::new();
    let mut events = 0;
    for record in simulator.records() {
        let Ok(mut event) = decoder.decode_record(record.json.as_bytes()) else {
            continue;
        };
        geography.enrich_event(&mut event);
        events += 1;
        engine.process(&event, &mut findings);
        for fact in &event.targets {
            engine.apply_fact(fact, &event, &mut findings);
        }
    }
    (findings, events)
}

/// Rows of the false-positive sources table.
const FALSE_POSITIVE_ROWS: usize = 15;

/// Returns the scenario a finding belongs to, if any.
fn attribute<'a>(
    finding: &Finding,
    by_event: &HashMap<&str, &'a ScenarioLabel>,
    labels: &'a [ScenarioLabel],
) -> Option<&'a ScenarioLabel> {
    if let Some(label) = finding
        .related_events
        .iter()
        .find_map(|id| by_event.get(id.as_str()))
    {
        return Some(label);
    }
    labels.iter().find(|label| {
        label.identity == finding.identity.as_str()
            && finding.first_seen.millis() >= label.start_millis
            && finding.first_seen.millis() <= label.end_millis + SCENARIO_SLACK_MILLIS
    })
}

fn render(
    args: &QualityArgs,
    simulator: &Simulator,
    labels: &[ScenarioLabel],
    findings: &[Finding],
    events: u64,
    seconds: f64,
    databases_configured: bool,
) -> String {
    let by_event: HashMap<&str, &ScenarioLabel> = labels
        .iter()
        .flat_map(|label| label.event_ids.iter().map(move |id| (id.as_str(), label)))
        .collect();
    let mut detectors: BTreeMap<&str, DetectorTally> = BTreeMap::new();
    let mut false_by_rule: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    let mut detected: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for finding in findings {
        let tally = detectors.entry(finding.detector).or_default();
        match attribute(finding, &by_event, labels) {
            Some(label) => {
                tally.true_positives += 1;
                detected
                    .entry(label.id.as_str())
                    .or_default()
                    .insert(format!("{}/{}", finding.detector, finding.rule));
            }
            None => {
                tally.false_positives += 1;
                let rule = format!("{}/{}", finding.detector, finding.rule);
                *false_by_rule
                    .entry((rule, finding.identity_kind.as_str()))
                    .or_default() += 1;
            }
        }
    }

    let population = simulator.population().identities.len() as f64;
    let identity_days = population * f64::from(args.days);
    let per_thousand = |count: u64| count as f64 * 1000.0 / identity_days.max(1.0);
    let false_positives: u64 = detectors.values().map(|tally| tally.false_positives).sum();
    let detected_count = labels
        .iter()
        .filter(|label| detected.contains_key(label.id.as_str()))
        .count();

    let mut out = String::new();
    let _ = writeln!(out, "# Detection quality\n");
    let _ = writeln!(
        out,
        "Generated by `ispm quality --identities {} --days {} --seed {}{} --out {}` from simulated \
         CloudTrail (`crates/ispm-sim`): {} identities, {} days, {events} events, {} labelled \
         attack scenarios, {:.0} s. Default settings{}. Country, ASN, coordinates and AWS \
         membership of addresses come from {}.\n",
        args.identities,
        args.days,
        args.seed,
        args.real_data
            .as_ref()
            .map(|dir| format!(" --real-data {}", dir.display()))
            .unwrap_or_default(),
        args.out.display(),
        population,
        args.days,
        labels.len(),
        seconds,
        if args.config_given {
            " overridden by the given --config"
        } else {
            ""
        },
        if databases_configured {
            "the `[enrich]` IP databases of the configuration"
        } else {
            "the simulator's table of cities and networks (`crates/ispm-sim/src/geo.rs`)"
        },
    );
    let _ = writeln!(
        out,
        "A finding is a true positive when one of its related events belongs to a scenario, or \
         when it is about the scenario's identity and starts within the scenario's span (plus one \
         hour). Every other finding is a false positive on benign traffic, counted per 1,000 \
         identity-days ({identity_days:.0} identity-days here).\n"
    );
    let _ = writeln!(
        out,
        "**Scenarios detected: {detected_count} of {}. False positives: {false_positives}, {:.2} per 1,000 \
         identity-days (goal: at most 1).**\n",
        labels.len(),
        per_thousand(false_positives)
    );
    let _ = writeln!(out, "## Per detector\n");
    let _ = writeln!(
        out,
        "| detector | true positives | false positives | false positives per 1,000 identity-days |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for (detector, tally) in &detectors {
        let _ = writeln!(
            out,
            "| `{detector}` | {} | {} | {:.2} |",
            tally.true_positives,
            tally.false_positives,
            per_thousand(tally.false_positives)
        );
    }
    let mut by_rule: Vec<(&(String, &str), &u64)> = false_by_rule.iter().collect();
    by_rule.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if !by_rule.is_empty() {
        let _ = writeln!(
            out,
            "\n## False positives by rule and identity kind\n\nThe {} largest sources, most first.\n",
            by_rule.len().min(FALSE_POSITIVE_ROWS)
        );
        let _ = writeln!(
            out,
            "| rule | identity kind | false positives | per 1,000 identity-days |"
        );
        let _ = writeln!(out, "|---|---|---|---|");
        for ((rule, kind), count) in by_rule.into_iter().take(FALSE_POSITIVE_ROWS) {
            let _ = writeln!(
                out,
                "| `{rule}` | {kind} | {count} | {:.2} |",
                per_thousand(*count)
            );
        }
    }
    let _ = writeln!(out, "\n## Per scenario\n");
    let _ = writeln!(out, "| scenario | identity | detected by | expected |");
    let _ = writeln!(out, "|---|---|---|---|");
    for label in labels {
        let found = detected
            .get(label.id.as_str())
            .map(|rules| {
                rules
                    .iter()
                    .map(|rule| format!("`{rule}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "**not detected**".to_owned());
        let _ = writeln!(
            out,
            "| {} | `{}` | {found} | {} |",
            label.id,
            label.identity,
            label.expected_detectors.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use ispm_sim::ScenarioKind;

    use super::*;

    #[test]
    fn impossible_travel_raises_travel_finding() {
        let simulator = Simulator::new(SimConfig {
            seed: 7,
            identities: 300,
            days: 45,
            people_ratio: 0.1,
            ..SimConfig::default()
        });
        let labels = simulator.labels();
        let (findings, _) = run(&simulator, &Settings::default());
        let travel: Vec<&ScenarioLabel> = labels
            .iter()
            .filter(|label| label.kind == ScenarioKind::ImpossibleTravel)
            .collect();
        assert!(!travel.is_empty(), "no impossible-travel scenario planned");
        for label in travel {
            let detected = findings.iter().any(|finding| {
                finding.detector == "atypical_travel"
                    && finding
                        .related_events
                        .iter()
                        .any(|id| label.event_ids.contains(id))
            });
            assert!(detected, "{} not detected", label.id);
        }
        let benign = findings
            .iter()
            .filter(|finding| finding.detector == "atypical_travel")
            .filter(|finding| {
                !labels.iter().any(|label| {
                    finding
                        .related_events
                        .iter()
                        .any(|id| label.event_ids.contains(id))
                })
            })
            .count();
        assert_eq!(benign, 0, "travel findings on benign traffic");
    }

    #[test]
    fn slow_exfiltration_raises_daily_spike() {
        let simulator = Simulator::new(SimConfig {
            seed: 7,
            identities: 100,
            days: 30,
            ..SimConfig::default()
        });
        let labels = simulator.labels();
        let (findings, _) = run(&simulator, &Settings::default());
        let exfiltrations: Vec<&ScenarioLabel> = labels
            .iter()
            .filter(|label| label.kind == ScenarioKind::SlowExfiltration)
            .collect();
        assert!(!exfiltrations.is_empty(), "no slow exfiltration planned");
        for label in exfiltrations {
            // About one call a minute, so no hour reaches the hourly spike.
            assert!(label.event_ids.len() > 1_000, "{}", label.id);
            let rules: Vec<&str> = findings
                .iter()
                .filter(|finding| finding.identity.as_str() == label.identity)
                .filter(|finding| finding.first_seen.millis() >= label.start_millis)
                .map(|finding| finding.rule.as_str())
                .collect();
            assert_eq!(rules, ["daily_calls_above_rate"], "{}", label.id);
        }
    }

    #[test]
    fn simulated_aws_address_is_cloud() {
        let ec2: std::net::IpAddr = "54.144.1.10".parse().expect("valid address");
        let network = simulated_network(ec2).expect("located");
        assert_eq!(network.cloud, Some(true));
        assert_eq!(network.asn, Some(16509));
        let home: std::net::IpAddr = "73.1.2.3".parse().expect("valid address");
        let network = simulated_network(home).expect("located");
        assert_eq!(network.cloud, Some(false));
        assert_eq!(network.country.as_deref(), Some("US"));
        assert!(network.location.is_some());
    }
}
