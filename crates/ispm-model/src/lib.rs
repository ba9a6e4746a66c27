//! Types shared by every stage of ispm: the canonical identity, the normalised
//! event the decoders produce, and the records the engine emits (findings,
//! inventory, dead letters).
//!
//! Everything here is plain data with serde derives, so the same values travel
//! through `ispm replay` files and Kafka topics unchanged.

mod deadletter;
pub mod duration;
mod event;
mod finding;
mod identity;
mod inventory;
mod order;
mod posture;
mod rotation;
mod snapshot;
mod time;

/// The string type of an event's texts, re-exported so that every crate
/// that builds or reads events uses the same one.
pub use compact_str::CompactString;
pub use deadletter::{DeadLetter, DeadLetterAction};
pub use event::{
    Actor, IdentityEvent, NetworkInfo, Origin, SourceKind, TargetFact, TargetFactKind,
};
pub use finding::{
    Attack, Confidence, Control, Evidence, Finding, FindingCategory, FindingInfo, FindingStatus,
    Severity, TOPIC_ANOMALY, TOPIC_DEADLETTER, TOPIC_INVENTORY, TOPIC_POLICY,
    TOPIC_POSTURE_IDENTITY, TOPIC_POSTURE_SUMMARY,
};
pub use identity::{IdentityId, IdentityKind, NhiType};
pub use inventory::{ConsumerRecord, CredentialRecord, InventoryRecord, PrivilegeLevel};
pub use order::{compare_event_time, sorted_by_event_time};
pub use posture::{Hygiene, IdentityPosture, PostureSummary, PostureTotals, RiskFactor};
pub use rotation::RotationImpact;
pub use snapshot::{
    IdentitySnapshot, SOURCE_CREDENTIAL_REPORT, SOURCE_INVENTORY_JSON, SnapshotCredential,
};
pub use time::{EventTime, InvalidTimestamp};
