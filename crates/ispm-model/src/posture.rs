//! Risk and posture records, published to `ispm.posture.identity`
//! (compacted, keyed by identity) and `ispm.posture.summary` (keyed by scope).

use serde::{Deserialize, Serialize};

use crate::{EventTime, IdentityId, IdentityKind, PrivilegeLevel};

/// The risk of one identity and what makes it up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentityPosture {
    pub identity: IdentityId,
    pub name: String,
    pub kind: IdentityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub privilege: PrivilegeLevel,
    /// 0 (no known risk) to 100.
    pub risk_score: u8,
    /// Risk weighted by blast radius, for ordering work: higher first.
    pub priority: f64,
    pub factors: Vec<RiskFactor>,
    /// Ids of the policies this identity violates now.
    pub open_violations: Vec<String>,
    /// Ids of the policies this identity was checked against and passes.
    pub passed_policies: Vec<String>,
    /// Event time the posture was computed at.
    pub as_of: EventTime,
}

/// One contribution to a risk score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskFactor {
    /// `privilege`, `exposure`, `credential_age`, `open_violations`,
    /// `recent_anomalies` or `toxic_combination`.
    pub factor: String,
    /// Points this factor adds to the score before the cap at 100.
    pub points: u8,
    pub detail: String,
}

/// Posture of one scope: the organisation, one account or one owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostureSummary {
    /// `org`, `account:123456789012` or `owner:team-payments`.
    pub scope: String,
    /// 0 (worst) to 100 (best); formula in the README.
    pub posture_score: f64,
    pub identities: u64,
    pub non_human_identities: u64,
    pub policy_checks: u64,
    pub policy_passes: u64,
    /// Violations by severity label, highest first.
    pub violations_by_severity: Vec<(String, u64)>,
    /// Mean identity risk score.
    pub mean_risk: f64,
    pub hygiene: Hygiene,
    pub as_of: EventTime,
    /// The counts every number above derives from. They add up: the totals
    /// of disjoint sets of identities (the partitions of the Kafka runtime)
    /// summed give the totals of their union. Records written before the
    /// totals existed read as zero totals.
    #[serde(default)]
    pub totals: PostureTotals,
}

/// Counts behind a posture summary, all additive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostureTotals {
    pub identities: u64,
    pub non_human: u64,
    pub checks: u64,
    pub passes: u64,
    /// Checks weighted by the severity of their policy, and the passed part.
    pub check_weight: u64,
    pub passed_weight: u64,
    /// Open violations by severity, critical first.
    pub violations: [u64; 5],
    /// Sum of the identities' risk scores.
    pub risk_sum: u64,
    /// Non-human identities, and those with an owner.
    pub ownable: u64,
    pub owned: u64,
    /// Active long-term keys of known age, and those within the rotation
    /// limit.
    pub keys_known: u64,
    pub keys_within: u64,
    /// Enabled identities that can turn stale, and the stale ones.
    pub stale_candidates: u64,
    pub stale: u64,
    /// Privileged people and root with a known MFA state, and those with MFA.
    pub mfa_candidates: u64,
    pub mfa_active: u64,
}

impl PostureTotals {
    /// Adds the counts of a disjoint set of identities.
    pub fn add(&mut self, other: &PostureTotals) {
        let PostureTotals {
            identities,
            non_human,
            checks,
            passes,
            check_weight,
            passed_weight,
            violations,
            risk_sum,
            ownable,
            owned,
            keys_known,
            keys_within,
            stale_candidates,
            stale,
            mfa_candidates,
            mfa_active,
        } = other;
        self.identities += identities;
        self.non_human += non_human;
        self.checks += checks;
        self.passes += passes;
        self.check_weight += check_weight;
        self.passed_weight += passed_weight;
        for (total, count) in self.violations.iter_mut().zip(violations) {
            *total += count;
        }
        self.risk_sum += risk_sum;
        self.ownable += ownable;
        self.owned += owned;
        self.keys_known += keys_known;
        self.keys_within += keys_within;
        self.stale_candidates += stale_candidates;
        self.stale += stale;
        self.mfa_candidates += mfa_candidates;
        self.mfa_active += mfa_active;
    }
}

/// Hygiene ratios, each 0 to 1; `None` when nothing in the scope qualifies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hygiene {
    /// Share of non-human identities with an owner.
    pub nhi_with_owner: Option<f64>,
    /// Share of active long-term keys rotated within the policy limit.
    pub keys_rotated_within_policy: Option<f64>,
    /// Share of identities inactive beyond the stale limit but still enabled.
    pub stale_identities: Option<f64>,
    /// Share of privileged people (and root) with MFA.
    pub privileged_mfa_coverage: Option<f64>,
}
