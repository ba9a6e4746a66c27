use serde::{Deserialize, Serialize};

/// Settings of the engine and its detectors.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {}
