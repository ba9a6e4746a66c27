//! Posture policies over inventory records: which identities break which
//! policy, the findings that open and resolve as they do, a risk score per
//! identity and posture summaries per organisation, account and owner.
//!
//! Everything here is pure: no I/O, and no wall clock. Every function takes
//! the event time `now`, so replays give the same results. The engine calls
//! [`PolicySet::evaluate`] whenever an identity's record changes and again at
//! [`Evaluation::next_check`], passes the result to [`reconcile`] for
//! findings and to [`score_identity`] for risk, and feeds the
//! [`PostureAggregator`].

mod aggregate;
mod attack;
mod catalogue;
mod checks;
mod condition;
mod config;
mod docs;
mod error;
mod facts;
mod lifecycle;
mod policy_set;
mod risk;
mod scoring;
mod time;
mod validate;

#[cfg(test)]
mod test_support;

pub use aggregate::{ORG_SCOPE, PostureAggregator, summary_from_totals};
pub use catalogue::PANTHER_RULES;
pub use config::{
    CustomPolicy, DEFAULT_INACTIVE_DAYS, DEFAULT_KEY_AT_CREATION_WINDOW_SECONDS,
    DEFAULT_KEY_ROTATION_DAYS, DEFAULT_KEY_UNUSED_DAYS, DEFAULT_NEW_KEY_GRACE_DAYS,
    DEFAULT_PASSWORD_UNUSED_DAYS, DEFAULT_ROOT_USED_DAYS, MAX_KEY_AT_CREATION_WINDOW_SECONDS,
    MAX_THRESHOLD_DAYS, PolicyConfig, PolicyOverride,
};
pub use docs::{TABLE_END, TABLE_START, policy_table_markdown};
pub use error::{PolicyConfigError, ScoringConfigError};
pub use lifecycle::{OpenViolation, POLICY_DETECTOR, reconcile};
pub use policy_set::{Evaluation, Outcome, PolicyInfo, PolicySet};
pub use risk::{AnomalyNote, MAX_RISK, blast_radius, score_identity};
pub use scoring::{
    DEFAULT_ANOMALY_POINTS, DEFAULT_CHECK_WEIGHTS, DEFAULT_VIOLATION_POINTS, ScoringConfig,
    SeverityPoints,
};
