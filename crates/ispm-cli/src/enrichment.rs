//! Loading the IP databases once per run.

use ispm_enrich::{EnrichConfig, Enricher};

/// Loads the configured databases and logs one warning per database that
/// could not be read, so the detectors that need it are known to be off.
pub fn load(config: &EnrichConfig) -> Enricher {
    let (enricher, warnings) = Enricher::load(config);
    for warning in &warnings {
        tracing::warn!(database = warning.database().config_key(), %warning, "ip database not loaded; detectors that need it are off");
    }
    let off = enricher.capabilities().detectors_off();
    if !off.is_empty() {
        tracing::warn!(
            detectors = %off.join(", "),
            "ip databases missing, so these detectors are off; run deploy/local/fetch-ipdb.sh (with --with-city for atypical_travel) and see [enrich] in config/ispm.toml"
        );
    }
    enricher
}
