use ispm_model::{EventTime, Finding, IdentityEvent, IdentityId, IdentityKind, InventoryRecord, TargetFact};

use crate::EngineConfig;

/// Per-identity state and detectors for the identities of one partition.
pub struct Engine {
    #[allow(dead_code)]
    config: EngineConfig,
}

/// Counters for the run summary.
#[derive(Clone, Debug, Default)]
pub struct EngineStats {
    pub events: u64,
}

/// What the run summary shows of one identity.
#[derive(Clone, Debug)]
pub struct IdentitySummary {
    pub id: IdentityId,
    pub name: String,
    pub kind: IdentityKind,
    pub last_seen: Option<EventTime>,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Engine { config }
    }

    /// Updates the actor's state with one event and appends the findings it
    /// raises to `findings`.
    pub fn process(&mut self, _event: &IdentityEvent, _findings: &mut Vec<Finding>) {}

    /// Applies a fact that another identity's event stated about an identity
    /// this engine owns (created it, gave it a key).
    pub fn apply_fact(&mut self, _fact: &TargetFact, _event: &IdentityEvent, _findings: &mut Vec<Finding>) {}

    /// Returns the inventory records that changed since the last call.
    pub fn drain_inventory(&mut self) -> Vec<InventoryRecord> {
        Vec::new()
    }

    /// Returns every identity in state, for summaries.
    pub fn identities(&self) -> Vec<IdentitySummary> {
        Vec::new()
    }

    pub fn stats(&self) -> &EngineStats {
        static EMPTY: EngineStats = EngineStats { events: 0 };
        &EMPTY
    }
}
