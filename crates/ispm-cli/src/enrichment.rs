//! Loading the IP databases once per run.

use ispm_enrich::{EnrichConfig, Enricher};

/// Loads the configured databases and logs one warning per database that
/// could not be read, so the detectors that need it are known to be off.
pub fn load(config: &EnrichConfig) -> Enricher {
    let (enricher, warnings) = Enricher::load(config);
    for warning in &warnings {
        tracing::warn!(database = warning.database().config_key(), %warning, "ip database not loaded; detectors that need it are off");
    }
    if !enricher.is_enabled() {
        tracing::info!(
            "no ip database configured; country and ASN baselines are off (see [enrich] in config/ispm.toml)"
        );
    }
    enricher
}
