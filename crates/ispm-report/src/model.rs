//! The report's content: every number the page shows, serialized as-is to
//! `report.json` and embedded in `report.html` for its charts.
//!
//! Times are `EventTime`s: milliseconds since the Unix epoch, UTC, as in the
//! pipeline's own records.

use ispm_model::{
    EventTime, Hygiene, IdentityKind, NhiType, PostureSummary, PrivilegeLevel, RiskFactor, Severity,
};
use serde::Serialize;

use crate::filters::Filters;
use crate::load::{InputFile, SkippedLine};
use crate::ocsf::FindingRecord;

/// Version of the `report.json` layout; raised when a field changes meaning
/// or is removed.
pub const REPORT_VERSION: u32 = 1;

/// Number of identities in the riskiest-identities table.
pub const RISKIEST_LIMIT: usize = 25;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub report_version: u32,
    pub filters: Filters,
    /// Remarks on the filters: values that match nothing, and numbers the
    /// filters do not change.
    pub filter_notes: Vec<String>,
    /// Earliest and latest event time among the records in the report.
    pub time_range: Option<TimeRange>,
    pub input: InputSummary,
    pub totals: Totals,
    /// The posture score and trend of the scope the filters select.
    pub headline: Headline,
    /// Latest summary per account, worst score first.
    pub accounts: Vec<ScopePosture>,
    /// Latest summary per owner, worst score first.
    pub owners: Vec<ScopePosture>,
    /// Finding counts per severity, most severe first.
    pub findings_by_severity: Vec<SeverityCounts>,
    /// Policy findings per compliance control, by framework then control id.
    pub controls: Vec<ControlCounts>,
    /// At most [`RISKIEST_LIMIT`] identities, highest priority first.
    pub riskiest_identities: Vec<RiskyIdentity>,
    /// Open policy violations, most severe first, then newest first.
    pub open_violations: Vec<FindingView>,
    /// Open anomalies, newest first.
    pub anomalies: Vec<FindingView>,
    /// Every finding that passes the filters, whatever its state; written to
    /// `findings.csv`, not to `report.json`.
    #[serde(skip)]
    pub findings: Vec<FindingView>,
    /// Every identity that passes the filters; written to `identities.csv`.
    #[serde(skip)]
    pub identities: Vec<IdentityRow>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    pub from: EventTime,
    pub to: EventTime,
}

/// Files read and lines skipped, so that nothing is dropped silently.
#[derive(Clone, Debug, Serialize)]
pub struct InputSummary {
    pub folder: String,
    pub files: Vec<InputFile>,
    pub skipped_lines: u64,
    pub skipped: Vec<SkippedLine>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub identities: u64,
    pub non_human_identities: u64,
    pub findings: u64,
    pub open_violations: u64,
    pub resolved_violations: u64,
    pub suppressed_findings: u64,
    pub open_anomalies: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Headline {
    /// `org`, `account:ID` or `owner:NAME`.
    pub scope: String,
    /// The newest summary record of the scope.
    pub latest: Option<ScopePosture>,
    /// Posture score over event time, oldest first, one point per `as_of`.
    pub trend: Vec<TrendPoint>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TrendPoint {
    pub as_of: EventTime,
    pub posture_score: f64,
}

/// The newest summary record of one scope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopePosture {
    /// The scope without its prefix: the account id or the owner name.
    pub name: String,
    /// Sum of `violations_by_severity`.
    pub open_violations: u64,
    #[serde(flatten)]
    pub summary: PostureSummary,
}

impl ScopePosture {
    pub fn hygiene(&self) -> &Hygiene {
        &self.summary.hygiene
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub severity: Severity,
    pub label: &'static str,
    pub open_violations: u64,
    pub open_anomalies: u64,
    pub suppressed: u64,
    pub resolved: u64,
}

/// Finding counts per severity, one field per OCSF severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeverityTally {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub informational: u64,
}

impl SeverityTally {
    pub fn add(&mut self, severity: Severity) {
        *self.slot(severity) += 1;
    }

    pub fn get(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Informational => self.informational,
        }
    }

    pub fn total(&self) -> u64 {
        Severity::ALL
            .iter()
            .map(|&severity| self.get(severity))
            .sum()
    }

    fn slot(&mut self, severity: Severity) -> &mut u64 {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Informational => &mut self.informational,
        }
    }
}

/// Policy findings that map to one control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControlCounts {
    pub framework: String,
    pub control: String,
    /// Open violations by severity.
    pub open: SeverityTally,
    pub open_total: u64,
    pub resolved: u64,
    pub suppressed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskyIdentity {
    pub identity: String,
    pub name: String,
    pub kind: IdentityKind,
    pub owner: Option<String>,
    pub account: Option<String>,
    pub privilege: PrivilegeLevel,
    pub risk_score: u8,
    pub priority: f64,
    /// Largest contribution first.
    pub factors: Vec<RiskFactor>,
    pub open_violations: Vec<String>,
    pub as_of: EventTime,
}

/// A finding with the owner of its identity, from the inventory.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingView {
    #[serde(flatten)]
    pub record: FindingRecord,
    pub owner: Option<String>,
}

/// One identity from the inventory and posture records; either may be
/// missing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IdentityRow {
    pub identity: String,
    pub name: String,
    pub kind: Option<IdentityKind>,
    pub nhi_type: Option<NhiType>,
    pub account: Option<String>,
    pub owner: Option<String>,
    pub privilege: Option<PrivilegeLevel>,
    pub enabled: Option<bool>,
    pub mfa_active: Option<bool>,
    pub last_seen: Option<EventTime>,
    pub event_count: Option<u64>,
    pub risk_score: Option<u8>,
    pub priority: Option<f64>,
    pub factors: Vec<RiskFactor>,
    pub open_violations: Vec<String>,
}
