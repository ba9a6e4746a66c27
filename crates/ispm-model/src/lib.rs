//! Types shared by every stage of ispm: the canonical identity, the normalised
//! event the decoders produce, and the records the engine emits (findings,
//! inventory, dead letters).
//!
//! Everything here is plain data with serde derives, so the same values travel
//! through `ispm replay` files and Kafka topics unchanged.

mod deadletter;
mod event;
mod finding;
mod identity;
mod inventory;
mod time;

pub use deadletter::{DeadLetter, DeadLetterAction};
pub use event::{
    Actor, IdentityEvent, NetworkInfo, Origin, SourceKind, TargetFact, TargetFactKind,
};
pub use finding::{
    Attack, Confidence, Evidence, Finding, FindingCategory, FindingInfo, Severity, TOPIC_ANOMALY,
    TOPIC_DEADLETTER, TOPIC_INVENTORY, TOPIC_POLICY,
};
pub use identity::{IdentityId, IdentityKind, NhiType};
pub use inventory::{ConsumerRecord, CredentialRecord, InventoryRecord};
pub use time::{EventTime, InvalidTimestamp};
