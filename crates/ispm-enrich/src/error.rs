//! Load problems. The enricher never fails to start: a database that cannot
//! be loaded becomes an [`EnrichWarning`] and its lookups return `None`.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// One of the files that [`crate::EnrichConfig`] points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Database {
    /// `country_db`
    Country,
    /// `asn_db`
    Asn,
    /// `city_db`
    City,
    /// `cloud_ranges`
    CloudRanges,
}

impl Database {
    /// Returns the config key that names the file, so a warning shows what to
    /// fix.
    pub fn config_key(self) -> &'static str {
        match self {
            Database::Country => "country_db",
            Database::Asn => "asn_db",
            Database::City => "city_db",
            Database::CloudRanges => "cloud_ranges",
        }
    }

    /// Describes what lookups lose while this database is not loaded.
    fn consequence(self) -> &'static str {
        match self {
            Database::Country => "lookups return no country (unless city_db provides it)",
            Database::Asn => "lookups return no ASN and cloud detection by ASN is off",
            Database::City => "lookups return no coordinates",
            Database::CloudRanges => "cloud detection uses cloud_asns only",
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.config_key())
    }
}

/// A problem found while loading the databases: the operator's file or
/// config is at fault, and restarting without changing it gives the same
/// warning. The caller logs each warning once at startup.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EnrichWarning {
    /// The database is not used at all.
    NotLoaded {
        database: Database,
        path: PathBuf,
        #[source]
        error: LoadError,
    },
    /// An IPv4-only MaxMind DB: IPv6 addresses get nothing from it.
    Ipv4Only { database: Database, path: PathBuf },
}

impl EnrichWarning {
    /// Returns the database the warning is about.
    pub fn database(&self) -> Database {
        match self {
            EnrichWarning::NotLoaded { database, .. }
            | EnrichWarning::Ipv4Only { database, .. } => *database,
        }
    }
}

impl fmt::Display for EnrichWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnrichWarning::NotLoaded {
                database,
                path,
                error,
            } => {
                write!(
                    f,
                    "{database} {} not loaded, so {}: {error}",
                    path.display(),
                    database.consequence()
                )?;
                let missing =
                    matches!(error, LoadError::Read(e) if e.kind() == std::io::ErrorKind::NotFound);
                if missing && matches!(database, Database::Country | Database::Asn) {
                    f.write_str(
                        " (deploy/local/fetch-ipdb.sh downloads free country and ASN databases)",
                    )?;
                }
                Ok(())
            }
            EnrichWarning::Ipv4Only { database, path } => write!(
                f,
                "{database} {} is an IPv4-only MaxMind DB, so IPv6 addresses get nothing from it; \
                 use a file that covers both IPv4 and IPv6",
                path.display()
            ),
        }
    }
}

/// Reason a database file could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("cannot read the file: {0}")]
    Read(#[source] std::io::Error),
    #[error("not a valid MaxMind DB file: {0}")]
    Mmdb(#[source] maxminddb::MaxMindDbError),
    /// The file parsed, but no record has the fields this database must
    /// provide, e.g. an ASN file given as `country_db`.
    #[error("no record has {expected}; check that the file is the right kind of database")]
    MissingField { expected: &'static str },
    #[error("the file contains no ranges")]
    Empty,
    #[error("line {line}: {problem}")]
    Csv { line: u64, problem: CsvProblem },
    #[error("not an AWS ip-ranges.json file: {0}")]
    Json(#[source] serde_json::Error),
    #[error("prefix {value:?}: {problem}")]
    Prefix {
        value: String,
        problem: PrefixProblem,
    },
}

/// A row of the ASN CSV that does not have the ip-location-db form
/// `first address,last address,ASN,organisation`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CsvProblem {
    #[error(
        "expected 4 fields (first address, last address, ASN, organisation), found {found}; \
         GeoLite2 CSV files are not supported, use the GeoLite2-ASN .mmdb"
    )]
    FieldCount { found: usize },
    #[error(
        "{value:?} is a number, not an IP address: the *-num.csv files are not supported, \
         use asn-ipv4.csv and asn-ipv6.csv"
    )]
    NumericAddress { value: String },
    #[error("{column} {value:?} is not an IP address")]
    Address { column: &'static str, value: String },
    #[error("first address {first} and last address {last} are of different IP versions")]
    MixedVersions { first: String, last: String },
    #[error("first address {first} is after last address {last}")]
    Reversed { first: String, last: String },
    #[error("ASN {value:?} is not a number from 0 to 4294967295")]
    Asn { value: String },
    /// Organisation names never span lines, so a line break means a quote
    /// that was never closed and has swallowed the rows after it.
    #[error("the organisation contains a line break; is a closing quote missing?")]
    LineBreak,
    #[error("{0}")]
    Syntax(#[source] csv::Error),
}

/// A prefix of `ip-ranges.json` that is not `address/length`.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrefixProblem {
    #[error("expected address/length")]
    Form,
    #[error("the address is not an IPv4 address")]
    Ipv4Address,
    #[error("the address is not an IPv6 address")]
    Ipv6Address,
    #[error("the length is not a number from 0 to {max}")]
    Length { max: u8 },
    #[error("the address has bits set past the prefix length")]
    HostBits,
}
