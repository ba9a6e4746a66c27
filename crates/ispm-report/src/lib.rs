//! `ispm report`: reads the NDJSON topic files that `ispm replay --out`
//! writes (findings, inventory, identity posture, posture summaries) and
//! writes a self-contained `report.html`, the same numbers as `report.json`,
//! and `findings.csv`, `identities.csv` and `controls.csv`.
//!
//! Loading applies the topics' semantics. On the compacted inventory and
//! posture topics the last record per identity wins. The last record per
//! finding id gives its status, because a violation that clears is published
//! again as `Resolved`. Every summary record is a point of its scope's trend.

mod build;
mod csv_files;
mod error;
mod filters;
mod html;
mod load;
mod model;
mod ocsf;
mod run;

pub use build::build;
pub use csv_files::{CONTROLS_CSV, FINDINGS_CSV, IDENTITIES_CSV};
pub use error::{InvalidKind, ReportError};
pub use filters::{Filters, parse_kind, same_framework};
pub use html::{json_for_script, render as render_html};
pub use load::{Dataset, InputFile, SkippedLine, load};
pub use model::{
    ControlCounts, FindingView, Headline, IdentityRow, InputSummary, REPORT_VERSION,
    RISKIEST_LIMIT, Report, RiskyIdentity, ScopePosture, SeverityCounts, SeverityTally, TimeRange,
    Totals, TrendPoint,
};
pub use ocsf::{FindingRecord, FindingState, parse_finding};
pub use run::{REPORT_HTML, REPORT_JSON, ReportArgs, ReportOutcome, run};
