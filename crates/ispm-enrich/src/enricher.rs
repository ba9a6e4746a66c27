//! Loading the databases and looking addresses up in them.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use maxminddb::Reader;

use crate::asn::AsnTable;
use crate::cloud::CloudRanges;
use crate::config::EnrichConfig;
use crate::error::{Database, EnrichWarning, LoadError};
use crate::geo::{GeoAnswer, GeoDb, GeoField};
use crate::info::{Capabilities, IpInfo};
use crate::special::is_special;

/// The marker that starts the metadata section near the end of every
/// MaxMind DB file.
const MMDB_METADATA_MARKER: &[u8] = b"\xAB\xCD\xEFMaxMind.com";
/// The metadata section is at most 128 KiB long, per the format spec.
const MMDB_METADATA_MAX_LEN: usize = 128 * 1024;

/// A database that was loaded, for the caller's startup log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedDatabase {
    pub database: Database,
    pub path: PathBuf,
    /// `MaxMind DB (<database type>)`, `ip-location-db ASN CSV` or
    /// `AWS ip-ranges.json`.
    pub format: String,
    /// Ranges held in memory after overlaps were resolved; `None` for
    /// MaxMind DB files that are searched in place.
    pub ranges: Option<usize>,
    /// Input ranges that overlapped an earlier range. Where two overlap, the
    /// one with the later start address wins over the shared span.
    /// ip-location-db's ASN CSV has one such pair (AS749 and AS721 at
    /// 215.0.0.0).
    pub overlapping_ranges: usize,
}

/// Looks up country, ASN, coordinates and AWS membership of IP addresses.
///
/// Built once at startup with [`Enricher::load`] and then only read, so one
/// instance can be shared between threads behind an `Arc`. Lookups do no I/O
/// and never allocate, apart from the reference count of a shared
/// organisation name.
pub struct Enricher {
    country: Option<GeoDb>,
    city: Option<GeoDb>,
    asn: Option<AsnTable>,
    cloud_ranges: Option<CloudRanges>,
    cloud_asns: Vec<u32>,
    databases: Vec<LoadedDatabase>,
    lookup_errors: AtomicU64,
}

impl Default for Enricher {
    /// Creates an enricher with no databases, which only marks private
    /// addresses.
    fn default() -> Self {
        Enricher {
            country: None,
            city: None,
            asn: None,
            cloud_ranges: None,
            cloud_asns: Vec::new(),
            databases: Vec::new(),
            lookup_errors: AtomicU64::new(0),
        }
    }
}

impl fmt::Debug for Enricher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enricher")
            .field("databases", &self.databases)
            .field("cloud_asns", &self.cloud_asns)
            .field("capabilities", &self.capabilities())
            .finish()
    }
}

impl Enricher {
    /// Loads every database the config names. Never fails: a file that is
    /// missing or unusable becomes a warning, and the lookups that need it
    /// return `None`. The caller logs each warning once and checks
    /// [`Enricher::capabilities`] to turn off the detectors that cannot work.
    ///
    /// Reads the files whole and blocks until done: 0.5 to 0.7 s for the
    /// ip-location-db files in a release build on a 2-core machine, most of
    /// it parsing the ASN CSV.
    pub fn load(config: &EnrichConfig) -> (Enricher, Vec<EnrichWarning>) {
        let mut enricher = Enricher {
            cloud_asns: config.cloud_asns.clone(),
            ..Enricher::default()
        };
        let mut warnings = Vec::new();

        if let Some(path) = &config.country_db {
            enricher.country = load_one(
                Database::Country,
                path,
                &mut enricher.databases,
                &mut warnings,
                |bytes| load_geo(bytes, GeoField::Country),
            );
        }
        if let Some(path) = &config.city_db {
            enricher.city = load_one(
                Database::City,
                path,
                &mut enricher.databases,
                &mut warnings,
                |bytes| load_geo(bytes, GeoField::Location),
            );
        }
        for (database, db) in [
            (Database::Country, &enricher.country),
            (Database::City, &enricher.city),
        ] {
            if let Some(db) = db
                && db.ipv4_only()
            {
                let path = enricher
                    .databases
                    .iter()
                    .find(|loaded| loaded.database == database)
                    .map(|loaded| loaded.path.clone())
                    .unwrap_or_default();
                warnings.push(EnrichWarning::Ipv4Only { database, path });
            }
        }
        if let Some(path) = &config.asn_db {
            enricher.asn = load_one(
                Database::Asn,
                path,
                &mut enricher.databases,
                &mut warnings,
                load_asn,
            );
        }
        if let Some(path) = &config.cloud_ranges {
            enricher.cloud_ranges = load_one(
                Database::CloudRanges,
                path,
                &mut enricher.databases,
                &mut warnings,
                |bytes| {
                    let ranges = CloudRanges::from_json(&bytes)?;
                    let summary = Summary {
                        format: "AWS ip-ranges.json".to_owned(),
                        ranges: Some(ranges.len()),
                        overlapping_ranges: 0,
                    };
                    Ok((ranges, summary))
                },
            );
        }
        (enricher, warnings)
    }

    /// Returns which fields lookups can fill with the databases that loaded.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            country: self.country.is_some() || self.city.is_some(),
            asn: self.asn.is_some(),
            location: self.city.is_some(),
            cloud: (self.asn.is_some() && !self.cloud_asns.is_empty())
                || self.cloud_ranges.is_some(),
        }
    }

    /// Returns the databases that loaded, for the startup log.
    pub fn databases(&self) -> &[LoadedDatabase] {
        &self.databases
    }

    /// Lookups that hit a damaged record in a MaxMind DB since startup. Such
    /// a lookup returns no country or coordinates. Export it as a counter: a
    /// rising value means the file is corrupt and should be fetched again.
    pub fn lookup_errors(&self) -> u64 {
        self.lookup_errors.load(Ordering::Relaxed)
    }

    /// Looks `ip` up in every loaded database. IPv4-mapped IPv6 addresses
    /// (`::ffff:a.b.c.d`) are treated as the IPv4 address. Addresses that are
    /// not globally routable get `private: true` and nothing else.
    pub fn lookup(&self, ip: IpAddr) -> IpInfo {
        let ip = ip.to_canonical();
        if is_special(ip) {
            return IpInfo {
                private: true,
                ..IpInfo::default()
            };
        }

        let mut info = IpInfo::default();
        if let Some(answer) = self.geo_lookup(self.country.as_ref(), ip) {
            info.country = answer.country;
        }
        if let Some(answer) = self.geo_lookup(self.city.as_ref(), ip) {
            info.location = answer.location;
            info.country = info.country.or(answer.country);
        }
        if let Some(record) = self.asn.as_ref().and_then(|table| table.get(ip)) {
            info.asn = Some(record.asn);
            info.as_org = record.org.clone();
        }
        info.cloud = info.asn.is_some_and(|asn| self.cloud_asns.contains(&asn))
            || self
                .cloud_ranges
                .as_ref()
                .is_some_and(|ranges| ranges.contains(ip));
        info
    }

    fn geo_lookup(&self, db: Option<&GeoDb>, ip: IpAddr) -> Option<GeoAnswer> {
        match db?.lookup(ip) {
            Ok(answer) => answer,
            Err(error) => {
                self.lookup_errors.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%ip, %error, "ip database lookup failed");
                None
            }
        }
    }
}

/// Loader output besides the loaded value.
struct Summary {
    format: String,
    ranges: Option<usize>,
    overlapping_ranges: usize,
}

/// Reads `path` and hands its bytes to `parse`. On success records the
/// database in `loaded`; on failure adds a warning and returns `None`.
fn load_one<T>(
    database: Database,
    path: &Path,
    loaded: &mut Vec<LoadedDatabase>,
    warnings: &mut Vec<EnrichWarning>,
    parse: impl FnOnce(Vec<u8>) -> Result<(T, Summary), LoadError>,
) -> Option<T> {
    let result = std::fs::read(path).map_err(LoadError::Read).and_then(parse);
    match result {
        Ok((value, summary)) => {
            loaded.push(LoadedDatabase {
                database,
                path: path.to_owned(),
                format: summary.format,
                ranges: summary.ranges,
                overlapping_ranges: summary.overlapping_ranges,
            });
            Some(value)
        }
        Err(error) => {
            warnings.push(EnrichWarning::NotLoaded {
                database,
                path: path.to_owned(),
                error,
            });
            None
        }
    }
}

fn load_geo(bytes: Vec<u8>, field: GeoField) -> Result<(GeoDb, Summary), LoadError> {
    let reader = Reader::from_source(bytes).map_err(LoadError::Mmdb)?;
    let db = GeoDb::from_reader(reader, field)?;
    let summary = Summary {
        format: format!("MaxMind DB ({})", db.database_type()),
        ranges: None,
        overlapping_ranges: 0,
    };
    Ok((db, summary))
}

/// Loads an ASN database in either format. The MaxMind DB metadata marker,
/// not the file name, decides which.
fn load_asn(bytes: Vec<u8>) -> Result<(AsnTable, Summary), LoadError> {
    if is_mmdb(&bytes) {
        let reader = Reader::from_source(bytes).map_err(LoadError::Mmdb)?;
        let table = AsnTable::from_mmdb(&reader)?;
        let summary = Summary {
            format: format!("MaxMind DB ({})", reader.metadata().database_type),
            ranges: Some(table.len()),
            overlapping_ranges: table.overlaps,
        };
        Ok((table, summary))
    } else {
        let table = AsnTable::from_csv(&bytes)?;
        let summary = Summary {
            format: "ip-location-db ASN CSV".to_owned(),
            ranges: Some(table.len()),
            overlapping_ranges: table.overlaps,
        };
        Ok((table, summary))
    }
}

fn is_mmdb(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(MMDB_METADATA_MAX_LEN)..];
    tail.windows(MMDB_METADATA_MARKER.len())
        .any(|window| window == MMDB_METADATA_MARKER)
}
