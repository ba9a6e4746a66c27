//! The identity engine: per-identity state, detectors and findings.
//!
//! The engine is pure. It does no I/O and never reads the wall clock: every
//! decision is taken against the event time of the input, so `ispm replay`
//! and the Kafka runtime give the same findings for the same events.
//!
//! Callers feed events of one identity in event-time order (replay sorts its
//! input; the Kafka runtime keeps all events of an identity in one partition).
//! Facts about other identities ([`ispm_model::TargetFact`]) are fed to the
//! engine that owns the target identity with [`Engine::apply_fact`].

mod attack;
mod cold;
mod config;
mod consumers;
mod detectors;
mod engine;
mod geo;
mod identities;
mod intern;
mod learning;
mod owner;
mod payload;
mod policy_doc;
mod posture;
mod preload;
mod privilege_level;
mod profile;
mod snapshot;
mod state;
mod suppression;
mod tenant;
#[cfg(test)]
mod test_random;
mod usage;
mod useragent;

pub use config::{
    BUILTIN_DETECTOR_LEARNING, BurstConfig, DetectorLearning, EngineConfig, FirstSeenConfig,
    InventoryConfig, LearningConfig, OwnerRule, PrivilegeConfig, StateConfig, TravelConfig,
};
pub use detectors::{DETECTORS, LEARNING_DETECTORS, sensitive_rule_ids};
pub use engine::{Engine, EngineStats, IdentitySummary};
pub use posture::Flushed;
pub use preload::preload;
pub use profile::{
    ActivityBaseline, AttributeBaseline, BaselineProfile, BurstWindows, LearningStatus,
    LocationBaseline,
};
pub use suppression::SuppressionRule;
