//! A deterministic simulator of CloudTrail traffic for an organisation of a
//! given size, with labelled attack scenarios.
//!
//! It feeds detection-quality reports (true and false positives per
//! detector) and throughput and memory benchmarks. The same [`SimConfig`]
//! produces byte-identical records and labels: every random choice comes
//! from ChaCha8 streams derived from the seed, and nothing reads the wall
//! clock.
//!
//! NOTE: rates and times pass through `f64::exp`, `ln` and `cos`, which use
//! the platform's math library, so runs are identical on one platform but
//! may differ in rare draws between platforms.
//!
//! ```no_run
//! use ispm_sim::{SimConfig, Simulator, write_labels, write_s3_delivery};
//!
//! let simulator = Simulator::try_new(SimConfig::default())?;
//! let stats = write_s3_delivery(&simulator, "out".as_ref(), true)?;
//! write_labels(&simulator, "out/labels.json".as_ref())?;
//! println!("{} records in {} files", stats.records, stats.files);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Population
//!
//! About 80 non-human identities per person (`people_ratio` 1/81): Lambda
//! execution roles, EC2 instance roles, IAM service users with access keys,
//! GitHub Actions deployment roles, a few AI agents and four AWS services.
//! People sign in through IAM Identity Center. [`Simulator::population`]
//! lists each identity with the canonical id ispm gives it.
//!
//! # Geography
//!
//! People live in one of ten cities in the US, the UK, Germany and India
//! and call from their home ISP's addresses. About one in seven makes a
//! trip of three to five working days to another city, with a day or two
//! in transit at each end so that no journey is faster than 800 km/h.
//! People in Aachen work from an office across the Dutch border on some
//! weekdays. [`locate`] returns the country, ASN and coordinates of any
//! address the simulator produces, for enriching its events without IP
//! databases.
//!
//! # Scenarios
//!
//! With `scenarios` on, [`ScenarioKind`] attacks are injected into days 20
//! to 60 of the default run, or the last two thirds of shorter runs. There
//! is one of each kind per 500 identities (1 to 100 of each) but only one or
//! two break-glass root sign-ins, and each scenario takes an identity of its
//! own.
//! [`Simulator::labels`] lists them with their event ids and the detectors
//! expected to fire.
//!
//! # Known simplifications
//!
//! - Time zones have no daylight saving time, and each city has one fixed
//!   offset.
//! - `iam:PassRole` has no CloudTrail event; it shows only as the `role`
//!   parameter of Lambda configuration updates.
//! - `AssumeRoleWithWebIdentity` is recorded with the `WebIdentityUser`
//!   caller, so ispm attributes it to the GitHub web identity, not to the
//!   deployment role that the rest of the run uses.
//! - AWS service role assumptions are sampled (15% of credential rotations)
//!   so that they stay a small share of the traffic.

mod agents;
mod api;
mod clock;
mod config;
mod geo;
mod ids;
mod names;
mod net;
mod output;
mod params;
mod population;
mod random;
mod record;
mod scenarios;
mod stream;
mod traffic;

pub use config::{ConfigError, DEFAULT_START, SimConfig};
pub use geo::{Place, locate};
pub use output::{WriteStats, write_labels, write_ndjson, write_s3_delivery};
pub use population::{IdentityType, Population, PopulationIdentity};
pub use scenarios::{ScenarioKind, ScenarioLabel, ScenarioLabelRef};
pub use stream::SimRecord;

use clock::MS_PER_DAY;
use population::Organisation;
use scenarios::ScenarioPlan;
use traffic::Context;

/// A simulation run: the organisation, its planned scenarios and the
/// period. Building it is cheap; records are generated as they are read.
#[derive(Clone, Debug)]
pub struct Simulator {
    config: SimConfig,
    organisation: Organisation,
    scenarios: ScenarioPlan,
    start_day: i64,
}

impl Simulator {
    /// Builds the organisation and plans the scenarios.
    ///
    /// # Panics
    ///
    /// When the configuration is invalid; use [`Simulator::try_new`] for
    /// configuration from users.
    pub fn new(config: SimConfig) -> Self {
        match Self::try_new(config) {
            Ok(simulator) => simulator,
            Err(error) => panic!("{error}"),
        }
    }

    /// Builds the organisation and plans the scenarios, or reports every
    /// invalid setting.
    pub fn try_new(config: SimConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let organisation = Organisation::build(&config);
        let start_day = config.start_day();
        let mut simulator = Simulator {
            config,
            organisation,
            scenarios: ScenarioPlan::default(),
            start_day,
        };
        if simulator.config.scenarios {
            let plan = scenarios::plan(&simulator.context());
            for (index, last_day) in &plan.dormant {
                simulator.organisation.identities[*index as usize].last_day = *last_day;
            }
            simulator.scenarios = plan;
        }
        Ok(simulator)
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Returns every record in event-time order. Days are generated one at a
    /// time, so memory stays at about a day of planned events (32 bytes
    /// each) whatever the length of the run.
    pub fn records(&self) -> impl Iterator<Item = SimRecord> {
        stream::RecordStream::new(self)
    }

    /// Returns the injected scenarios, in the order they were planned (by
    /// kind).
    pub fn labels(&self) -> Vec<ScenarioLabel> {
        self.scenarios.labels.clone()
    }

    /// Returns the simulated identities with their canonical ids.
    pub fn population(&self) -> Population {
        self.organisation.population()
    }

    fn context(&self) -> Context<'_> {
        Context {
            seed: self.config.seed,
            org: &self.organisation,
            start_ms: self.start_day * MS_PER_DAY,
            days: self.config.days,
            start_day: self.start_day,
        }
    }
}
