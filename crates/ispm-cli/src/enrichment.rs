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
        tracing::warn!(
            "no ip database configured, so these detectors are off: first_seen country and asn, workload_credentials_outside_cloud; run deploy/local/fetch-ipdb.sh and see [enrich] in config/ispm.toml"
        );
    }
    enricher
}
