//! IP enrichment for per-identity baselines: country, autonomous system,
//! coordinates, and whether an address belongs to AWS.
//!
//! The engine stays pure, so enrichment happens before it: the decoder or
//! runtime calls [`Enricher::lookup`] on an event's source address and stores
//! the [`IpInfo`] on the event. Detectors such as "new country", "new ASN",
//! "impossible travel" ([`haversine_km`]) and "instance credentials used
//! from outside AWS" then read that.
//!
//! ```no_run
//! use ispm_enrich::{EnrichConfig, Enricher};
//!
//! let config = EnrichConfig {
//!     country_db: Some("/var/lib/ispm/country.mmdb".into()),
//!     asn_db: Some("/var/lib/ispm/asn.csv".into()),
//!     ..EnrichConfig::default()
//! };
//! let (enricher, warnings) = Enricher::load(&config);
//! for warning in &warnings {
//!     eprintln!("{warning}");
//! }
//! let info = enricher.lookup("8.8.8.8".parse().unwrap());
//! println!("{:?} AS{:?} cloud={}", info.country, info.asn, info.cloud);
//! ```
//!
//! Supported files: MaxMind DB files in MaxMind's layout (GeoLite2-Country,
//! -City, -ASN) or ip-location-db's flat layout, ip-location-db's ASN CSV,
//! and AWS's `ip-ranges.json`. `deploy/local/fetch-ipdb.sh` downloads the
//! free country and ASN databases.

mod asn;
mod cloud;
mod config;
mod enricher;
mod error;
mod event;
mod geo;
mod info;
mod ranges;
mod special;

pub use config::{DEFAULT_CLOUD_ASNS, EnrichConfig};
pub use enricher::{Enricher, LoadedDatabase};
pub use error::{CsvProblem, Database, EnrichWarning, LoadError, PrefixProblem};
pub use geo::haversine_km;
pub use info::{Capabilities, CountryCode, IpInfo};
