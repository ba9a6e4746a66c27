//! Settings of the identity risk score and of the posture score of a scope.
//! The formulas are in `docs/policies.md`.

use ispm_model::Severity;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ScoringConfigError;

/// One number per severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityPoints {
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub informational: u32,
}

impl SeverityPoints {
    pub fn get(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Informational => self.informational,
        }
    }
}

/// Risk points per open violation: a critical violation alone puts an
/// identity in the top quarter of the scale, a low one barely moves it.
pub const DEFAULT_VIOLATION_POINTS: SeverityPoints = SeverityPoints {
    critical: 25,
    high: 15,
    medium: 8,
    low: 3,
    informational: 1,
};

/// Risk points per recent anomaly: somewhat less than a violation of the
/// same severity, because an anomaly is a sign, not a proven weakness.
pub const DEFAULT_ANOMALY_POINTS: SeverityPoints = SeverityPoints {
    critical: 20,
    high: 12,
    medium: 6,
    low: 2,
    informational: 0,
};

/// Weight of a policy check in the weighted pass rate: the OCSF severity id
/// (1 to 5), the same linear scale as the level of risk in Prowler's
/// ThreatScore. A steeper scale would let one critical failure hide every
/// other result. Critical failures already weigh extra in the risk half of
/// the posture score, through the risk points above.
pub const DEFAULT_CHECK_WEIGHTS: SeverityPoints = SeverityPoints {
    critical: 5,
    high: 4,
    medium: 3,
    low: 2,
    informational: 1,
};

/// [`SeverityPoints`] with every severity optional, so that a settings
/// table such as `[engine.scoring.violation_points]` can give only the
/// severities it changes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialSeverityPoints {
    critical: Option<u32>,
    high: Option<u32>,
    medium: Option<u32>,
    low: Option<u32>,
    informational: Option<u32>,
}

impl PartialSeverityPoints {
    fn or(self, defaults: SeverityPoints) -> SeverityPoints {
        SeverityPoints {
            critical: self.critical.unwrap_or(defaults.critical),
            high: self.high.unwrap_or(defaults.high),
            medium: self.medium.unwrap_or(defaults.medium),
            low: self.low.unwrap_or(defaults.low),
            informational: self.informational.unwrap_or(defaults.informational),
        }
    }
}

fn violation_points<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<SeverityPoints, D::Error> {
    Ok(PartialSeverityPoints::deserialize(deserializer)?.or(DEFAULT_VIOLATION_POINTS))
}

fn anomaly_points<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SeverityPoints, D::Error> {
    Ok(PartialSeverityPoints::deserialize(deserializer)?.or(DEFAULT_ANOMALY_POINTS))
}

fn check_weights<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SeverityPoints, D::Error> {
    Ok(PartialSeverityPoints::deserialize(deserializer)?.or(DEFAULT_CHECK_WEIGHTS))
}

/// Settings of [`crate::score_identity`] and [`crate::PostureAggregator`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringConfig {
    /// Risk points for admin rights; the root user always counts as admin.
    /// Default 30: full control is the largest single risk an identity has.
    pub privilege_admin_points: u32,
    /// Risk points for privileged rights (IAM changes, secrets, broad
    /// access). Default 20.
    pub privilege_privileged_points: u32,
    /// Risk points for standard rights. Default 5; unknown rights add none.
    pub privilege_standard_points: u32,
    /// Risk points when any consumer comes from a network outside AWS, where
    /// credentials are stored outside AWS too. Default 10.
    pub external_network_points: u32,
    /// Risk points for an active console password, a credential that can be
    /// phished. Default 5.
    pub console_password_points: u32,
    /// Risk points per distinct caller (source address or workload). Default
    /// 1: each caller is one more place a credential lives.
    pub caller_points: u32,
    /// Cap of the caller points. Default 10.
    pub caller_points_max: u32,
    /// Risk points when the oldest active long-term key is past the rotation
    /// limit. Default 10.
    pub key_overdue_points: u32,
    /// Risk points, instead of `key_overdue_points`, when it is past twice
    /// the limit. Default 20.
    pub key_long_overdue_points: u32,
    /// Risk points per open violation by severity. Default
    /// [`DEFAULT_VIOLATION_POINTS`]. A severity left
    /// out keeps its default.
    #[serde(deserialize_with = "violation_points")]
    pub violation_points: SeverityPoints,
    /// Cap of the violation points. Default 50, so that policy findings
    /// alone cannot make up the whole score.
    pub violation_points_max: u32,
    /// Risk points per recent anomaly by severity. Default
    /// [`DEFAULT_ANOMALY_POINTS`]. A severity left
    /// out keeps its default.
    #[serde(deserialize_with = "anomaly_points")]
    pub anomaly_points: SeverityPoints,
    /// Cap of the anomaly points. Default 40.
    pub anomaly_points_max: u32,
    /// Days an anomaly counts towards risk. 1 to 3650; default 30, about the
    /// time an investigation of it takes.
    pub anomaly_window_days: u32,
    /// Risk points per open toxic combination, on top of its violation
    /// points. Default 25: a toxic combination is worse than its parts.
    pub toxic_combination_points: u32,
    /// Blast-radius weight of admin rights. Default 3.
    pub admin_weight: f64,
    /// Blast-radius weight of privileged rights. Default 2.
    pub privileged_weight: f64,
    /// Blast-radius weight of standard or unknown rights. Default 1.
    pub standard_weight: f64,
    /// Blast-radius factor for identities tagged `sensitivity` or
    /// `data_classification` = `high`, `restricted` or `confidential`.
    /// Default 2.
    pub sensitive_data_weight: f64,
    /// Weight of a policy check by severity in the posture score. Default
    /// [`DEFAULT_CHECK_WEIGHTS`]. A severity left
    /// out keeps its default.
    #[serde(deserialize_with = "check_weights")]
    pub check_weights: SeverityPoints,
    /// Share α of the weighted pass rate in the posture score; the rest is
    /// the inverse of the mean risk. 0 to 1; default 0.7, so policy results
    /// lead and risk (anomalies, exposure) still moves the score.
    pub pass_rate_weight: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            privilege_admin_points: 30,
            privilege_privileged_points: 20,
            privilege_standard_points: 5,
            external_network_points: 10,
            console_password_points: 5,
            caller_points: 1,
            caller_points_max: 10,
            key_overdue_points: 10,
            key_long_overdue_points: 20,
            violation_points: DEFAULT_VIOLATION_POINTS,
            violation_points_max: 50,
            anomaly_points: DEFAULT_ANOMALY_POINTS,
            anomaly_points_max: 40,
            anomaly_window_days: 30,
            toxic_combination_points: 25,
            admin_weight: 3.0,
            privileged_weight: 2.0,
            standard_weight: 1.0,
            sensitive_data_weight: 2.0,
            check_weights: DEFAULT_CHECK_WEIGHTS,
            pass_rate_weight: 0.7,
        }
    }
}

impl ScoringConfig {
    /// Returns every setting that is out of range.
    pub fn validate(&self) -> Result<(), Vec<ScoringConfigError>> {
        let mut errors = Vec::new();
        let mut check = |key: &'static str, value: f64, min: f64, max: f64| {
            if !(value.is_finite() && (min..=max).contains(&value)) {
                errors.push(ScoringConfigError::OutOfRange {
                    key,
                    value,
                    min,
                    max,
                });
            }
        };
        check("pass_rate_weight", self.pass_rate_weight, 0.0, 1.0);
        check(
            "anomaly_window_days",
            f64::from(self.anomaly_window_days),
            1.0,
            3650.0,
        );
        for (key, value) in [
            ("admin_weight", self.admin_weight),
            ("privileged_weight", self.privileged_weight),
            ("standard_weight", self.standard_weight),
            ("sensitive_data_weight", self.sensitive_data_weight),
        ] {
            check(key, value, 0.0, 1000.0);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(ScoringConfig::default().validate(), Ok(()));
    }

    #[test]
    fn every_out_of_range_setting_is_reported() {
        let config = ScoringConfig {
            pass_rate_weight: 1.5,
            anomaly_window_days: 0,
            admin_weight: f64::NAN,
            ..ScoringConfig::default()
        };
        let errors = config.validate().expect_err("invalid");
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn severities_left_out_keep_their_defaults() {
        let config: ScoringConfig = toml::from_str(
            "[violation_points]\ncritical = 40\n[anomaly_points]\nlow = 5\n[check_weights]\n",
        )
        .expect("partial tables load");
        assert_eq!(
            config.violation_points,
            SeverityPoints {
                critical: 40,
                ..DEFAULT_VIOLATION_POINTS
            }
        );
        assert_eq!(
            config.anomaly_points,
            SeverityPoints {
                low: 5,
                ..DEFAULT_ANOMALY_POINTS
            }
        );
        assert_eq!(config.check_weights, DEFAULT_CHECK_WEIGHTS);
    }

    #[test]
    fn unknown_severity_in_points_is_rejected() {
        let result: Result<ScoringConfig, _> = toml::from_str("[violation_points]\nurgent = 1");
        assert!(result.is_err());
    }

    #[test]
    fn unknown_scoring_key_is_rejected() {
        let result: Result<ScoringConfig, _> = toml::from_str("pass_rate_wieght = 0.5");
        assert!(result.is_err());
    }
}
