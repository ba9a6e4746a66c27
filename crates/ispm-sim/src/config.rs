//! Settings of a simulation run.

use serde::{Deserialize, Serialize};

use crate::clock;

/// Default start: Monday 5 January 2026, so the first simulated day is a
/// working day.
pub const DEFAULT_START: &str = "2026-01-05T00:00:00Z";

/// Upper limit of `days`: a century, far beyond any useful run, keeps day
/// numbers small.
const MAX_DAYS: u32 = 36_500;

/// Upper limit of `accounts`; AWS Organizations' default quota is lower.
const MAX_ACCOUNTS: usize = 10_000;

/// Upper limit of `events_per_identity_day`, so a typo cannot ask for
/// petabytes.
const MAX_EVENTS_PER_IDENTITY_DAY: f64 = 100_000.0;

/// Settings of a simulation. The same configuration always produces the
/// same output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of identities: people, non-human identities and AWS services.
    pub identities: usize,
    /// Number of simulated days.
    pub days: u32,
    /// First day, midnight UTC, as `2026-01-05T00:00:00Z` or `2026-01-05`.
    pub start: String,
    /// Number of AWS accounts the identities are spread over; the first is
    /// the busiest.
    pub accounts: usize,
    /// Mean events per identity per day over the whole population. It
    /// scales the volume; each identity type keeps its share and rhythm.
    /// Attack scenarios and AWS service events come on top.
    pub events_per_identity_day: f64,
    /// Whether to inject labelled attack scenarios.
    pub scenarios: bool,
    /// Share of people among the identities. The default, 1/81, gives 80
    /// non-human identities per person; any ratio above 0 yields at least 5
    /// people.
    pub people_ratio: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            identities: 2000,
            days: 60,
            start: DEFAULT_START.to_owned(),
            accounts: 3,
            events_per_identity_day: 12.0,
            scenarios: true,
            people_ratio: 1.0 / 81.0,
        }
    }
}

/// A configuration that cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid simulation config: {}", problems.join("; "))]
pub struct ConfigError {
    /// Every invalid setting, each with the value and what is accepted.
    pub problems: Vec<String>,
}

impl SimConfig {
    /// Checks every setting and reports all invalid ones at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if self.identities == 0 {
            problems.push("identities is 0; set at least 1".to_owned());
        }
        if u32::try_from(self.identities).is_err() {
            problems.push(format!(
                "identities is {}; the maximum is {}",
                self.identities,
                u32::MAX
            ));
        }
        if self.days == 0 || self.days > MAX_DAYS {
            problems.push(format!(
                "days is {}; set a value from 1 to {MAX_DAYS}",
                self.days
            ));
        }
        if let Err(message) = clock::parse_day(&self.start) {
            problems.push(message);
        }
        if self.accounts == 0 || self.accounts > MAX_ACCOUNTS {
            problems.push(format!(
                "accounts is {}; set a value from 1 to {MAX_ACCOUNTS}",
                self.accounts
            ));
        }
        let rate = self.events_per_identity_day;
        if !(rate.is_finite() && rate > 0.0 && rate <= MAX_EVENTS_PER_IDENTITY_DAY) {
            problems.push(format!(
                "events_per_identity_day is {rate}; set a number above 0 and at most {MAX_EVENTS_PER_IDENTITY_DAY}"
            ));
        }
        let ratio = self.people_ratio;
        if !(ratio.is_finite() && (0.0..=1.0).contains(&ratio)) {
            problems.push(format!(
                "people_ratio is {ratio}; set a share from 0 to 1, e.g. 0.0123 for 1 in 81"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }

    /// Returns the first simulated day as days since 1970-01-01.
    pub(crate) fn start_day(&self) -> i64 {
        // Validated in `Simulator::try_new`; the fallback is never used.
        clock::parse_day(&self.start).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        assert_eq!(SimConfig::default().validate(), Ok(()));
    }

    #[test]
    fn validate_reports_every_problem() {
        let config = SimConfig {
            identities: 0,
            days: 0,
            start: "2026-13-01".to_owned(),
            accounts: 0,
            events_per_identity_day: f64::NAN,
            people_ratio: 2.0,
            ..SimConfig::default()
        };
        let error = config.validate().expect_err("invalid config");
        assert_eq!(error.problems.len(), 6, "{error}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let result = serde_json::from_str::<SimConfig>(r#"{"identity": 5}"#);
        assert!(result.is_err());
    }
}
