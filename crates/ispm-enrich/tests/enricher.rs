//! The public API against the small fixture files in tests/fixtures
//! (see make_mmdb.py there for how the .mmdb files were written).

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ispm_enrich::{
    Capabilities, CountryCode, Database, EnrichConfig, EnrichWarning, Enricher, IpInfo, LoadError,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("valid address")
}

fn country(code: &str) -> Option<CountryCode> {
    Some(CountryCode::new(code).expect("valid country code"))
}

fn load_clean(config: &EnrichConfig) -> Enricher {
    let (enricher, warnings) = Enricher::load(config);
    assert!(warnings.is_empty(), "unexpected warnings: {warnings:?}");
    enricher
}

fn all_fixtures() -> EnrichConfig {
    EnrichConfig {
        country_db: Some(fixture("geolite2-country-test.mmdb")),
        asn_db: Some(fixture("asn.csv")),
        city_db: Some(fixture("geolite2-city-test.mmdb")),
        cloud_ranges: Some(fixture("aws-ip-ranges.json")),
        ..EnrichConfig::default()
    }
}

fn assert_close(actual: Option<(f32, f32)>, expected: (f32, f32)) {
    let (lat, lon) = actual.expect("has a location");
    assert!((lat - expected.0).abs() < 1e-4, "latitude {lat}");
    assert!((lon - expected.1).abs() < 1e-4, "longitude {lon}");
}

#[test]
fn missing_files_give_warnings() {
    let config = EnrichConfig {
        country_db: Some(fixture("absent-country.mmdb")),
        asn_db: Some(fixture("absent-asn.csv")),
        city_db: Some(fixture("absent-city.mmdb")),
        cloud_ranges: Some(fixture("absent-ip-ranges.json")),
        ..EnrichConfig::default()
    };
    let (enricher, warnings) = Enricher::load(&config);

    let databases: Vec<Database> = warnings.iter().map(EnrichWarning::database).collect();
    assert_eq!(
        databases,
        [
            Database::Country,
            Database::City,
            Database::Asn,
            Database::CloudRanges
        ]
    );
    for warning in &warnings {
        assert!(
            matches!(
                warning,
                EnrichWarning::NotLoaded {
                    error: LoadError::Read(_),
                    ..
                }
            ),
            "{warning:?}"
        );
    }
    let message = warnings[2].to_string();
    assert!(message.starts_with("asn_db "), "{message}");
    assert!(message.contains("absent-asn.csv"), "{message}");
    assert!(message.contains("no ASN"), "{message}");
    assert!(message.contains("fetch-ipdb.sh"), "{message}");

    assert_eq!(enricher.capabilities(), Capabilities::default());
    assert!(enricher.databases().is_empty());
    assert_eq!(enricher.lookup(ip("8.8.8.8")), IpInfo::default());
}

#[test]
fn no_config_loads_nothing() {
    let enricher = load_clean(&EnrichConfig::default());
    assert_eq!(enricher.capabilities(), Capabilities::default());
    assert_eq!(enricher.lookup(ip("1.1.1.1")), IpInfo::default());
}

#[test]
fn wrong_kind_of_file_is_rejected() {
    let config = EnrichConfig {
        country_db: Some(fixture("geolite2-asn-test.mmdb")),
        asn_db: Some(fixture("aws-ip-ranges.json")),
        city_db: Some(fixture("geolite2-country-test.mmdb")),
        cloud_ranges: Some(fixture("asn.csv")),
        ..EnrichConfig::default()
    };
    let (enricher, warnings) = Enricher::load(&config);
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    let error_of = |database| {
        warnings
            .iter()
            .find_map(|w| match w {
                EnrichWarning::NotLoaded {
                    database: d, error, ..
                } if *d == database => Some(error),
                _ => None,
            })
            .expect("a warning for the database")
    };
    assert!(
        matches!(error_of(Database::Country), LoadError::MissingField { .. }),
        "{:?}",
        error_of(Database::Country)
    );
    assert!(
        matches!(error_of(Database::City), LoadError::MissingField { .. }),
        "{:?}",
        error_of(Database::City)
    );
    assert!(
        matches!(error_of(Database::Asn), LoadError::Csv { line: 1, .. }),
        "{:?}",
        error_of(Database::Asn)
    );
    assert!(
        matches!(error_of(Database::CloudRanges), LoadError::Json(_)),
        "{:?}",
        error_of(Database::CloudRanges)
    );
    assert_eq!(enricher.capabilities(), Capabilities::default());
}

#[test]
fn country_from_geolite2_layout() {
    let enricher = load_clean(&EnrichConfig {
        country_db: Some(fixture("geolite2-country-test.mmdb")),
        ..EnrichConfig::default()
    });
    assert_eq!(enricher.lookup(ip("81.2.69.160")).country, country("GB"));
    assert_eq!(enricher.lookup(ip("89.160.20.112")).country, country("SE"));
    assert_eq!(enricher.lookup(ip("2a02:d300::1")).country, country("SE"));
    // Only a registered country: used as the fallback.
    assert_eq!(enricher.lookup(ip("67.43.156.1")).country, country("BT"));
    assert_eq!(enricher.lookup(ip("8.8.8.8")).country, None);
    assert_eq!(
        enricher.capabilities(),
        Capabilities {
            country: true,
            ..Capabilities::default()
        }
    );
    let loaded = &enricher.databases()[0];
    assert_eq!(loaded.database, Database::Country);
    assert_eq!(loaded.format, "MaxMind DB (GeoLite2-Country)");
    assert_eq!(loaded.ranges, None);
}

#[test]
fn country_from_flat_layout() {
    let enricher = load_clean(&EnrichConfig {
        country_db: Some(fixture("flat-country-test.mmdb")),
        ..EnrichConfig::default()
    });
    assert_eq!(enricher.lookup(ip("81.2.69.1")).country, country("GB"));
    assert_eq!(
        enricher.lookup(ip("::ffff:81.2.69.1")).country,
        country("GB")
    );
    assert_eq!(enricher.lookup(ip("2a02:d300::1")).country, country("SE"));
}

#[test]
fn ipv4_only_database_warns_and_skips_ipv6() {
    let path = fixture("ipv4-only-country-test.mmdb");
    let (enricher, warnings) = Enricher::load(&EnrichConfig {
        country_db: Some(path.clone()),
        ..EnrichConfig::default()
    });
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        matches!(&warnings[0], EnrichWarning::Ipv4Only { database: Database::Country, path: p } if *p == path),
        "{:?}",
        warnings[0]
    );
    assert_eq!(enricher.lookup(ip("81.2.69.1")).country, country("GB"));
    assert_eq!(enricher.lookup(ip("2a02:d300::1")).country, None);
    assert_eq!(enricher.lookup_errors(), 0);
}

#[test]
fn coordinates_from_geolite2_city() {
    let enricher = load_clean(&EnrichConfig {
        city_db: Some(fixture("geolite2-city-test.mmdb")),
        ..EnrichConfig::default()
    });
    let london = enricher.lookup(ip("81.2.69.142"));
    assert_close(london.location, (51.5142, -0.0931));
    // The city database provides the country when there is no country_db.
    assert_eq!(london.country, country("GB"));
    assert_close(
        enricher.lookup(ip("2a02:d300::1")).location,
        (59.3247, 18.056),
    );
    let no_location = enricher.lookup(ip("175.16.199.1"));
    assert_eq!(no_location.location, None);
    assert_eq!(no_location.country, country("CN"));
    assert_eq!(
        enricher.capabilities(),
        Capabilities {
            country: true,
            location: true,
            ..Capabilities::default()
        }
    );
}

#[test]
fn coordinates_from_flat_city_layout() {
    let enricher = load_clean(&EnrichConfig {
        city_db: Some(fixture("flat-city-test.mmdb")),
        ..EnrichConfig::default()
    });
    let london = enricher.lookup(ip("81.2.69.142"));
    assert_close(london.location, (51.5142, -0.0931));
    assert_eq!(london.country, country("GB"));
}

#[test]
fn asn_from_geolite2_mmdb() {
    let enricher = load_clean(&EnrichConfig {
        asn_db: Some(fixture("geolite2-asn-test.mmdb")),
        ..EnrichConfig::default()
    });
    let cloudflare = enricher.lookup(ip("1.1.1.1"));
    assert_eq!(cloudflare.asn, Some(13335));
    assert_eq!(cloudflare.as_org.as_deref(), Some("CLOUDFLARENET"));
    assert!(!cloudflare.cloud);
    let other = enricher.lookup(ip("1.0.0.1"));
    assert!(Arc::ptr_eq(
        cloudflare.as_org.as_ref().expect("org"),
        other.as_org.as_ref().expect("org")
    ));
    assert_eq!(enricher.lookup(ip("1.128.0.0")).asn, Some(1221));
    assert_eq!(enricher.lookup(ip("1.159.255.255")).asn, Some(1221));
    assert_eq!(enricher.lookup(ip("1.160.0.0")).asn, None);
    assert_eq!(enricher.lookup(ip("2001:4860:4860::8888")).asn, Some(15169));
    assert_eq!(enricher.lookup(ip("1.0.1.0")).asn, None);

    let aws = enricher.lookup(ip("52.94.76.1"));
    assert_eq!(aws.asn, Some(16509));
    assert!(aws.cloud);
    assert!(enricher.lookup(ip("2600:1f00::1")).cloud);

    let loaded = &enricher.databases()[0];
    assert_eq!(loaded.format, "MaxMind DB (GeoLite2-ASN)");
    assert_eq!(loaded.ranges, Some(6));
    assert_eq!(
        enricher.capabilities(),
        Capabilities {
            asn: true,
            cloud: true,
            ..Capabilities::default()
        }
    );
}

#[test]
fn asn_from_csv_file() {
    let enricher = load_clean(&EnrichConfig {
        asn_db: Some(fixture("asn.csv")),
        ..EnrichConfig::default()
    });
    let info = enricher.lookup(ip("1.1.1.1"));
    assert_eq!(info.asn, Some(13335));
    assert_eq!(info.as_org.as_deref(), Some("Cloudflare, Inc."));
    assert_eq!(enricher.lookup(ip("2606:4700::1111")).asn, Some(13335));
    assert!(
        enricher.lookup(ip("54.0.0.1")).cloud,
        "AS14618 is a default cloud ASN"
    );

    let loaded = &enricher.databases()[0];
    assert_eq!(loaded.database, Database::Asn);
    assert_eq!(loaded.format, "ip-location-db ASN CSV");
    // 12 rows, one of which splits an earlier row.
    assert_eq!(loaded.ranges, Some(12));
    assert_eq!(loaded.overlapping_ranges, 1);
}

#[test]
fn cloud_from_ranges_without_asn() {
    let enricher = load_clean(&EnrichConfig {
        cloud_ranges: Some(fixture("aws-ip-ranges.json")),
        cloud_asns: Vec::new(),
        ..EnrichConfig::default()
    });
    let info = enricher.lookup(ip("3.5.140.7"));
    assert!(info.cloud);
    assert_eq!(info.asn, None);
    assert!(enricher.lookup(ip("2406:da70:8800::1")).cloud);
    assert!(!enricher.lookup(ip("8.8.8.8")).cloud);
    assert_eq!(
        enricher.capabilities(),
        Capabilities {
            cloud: true,
            ..Capabilities::default()
        }
    );
}

#[test]
fn empty_cloud_asns_turn_off_cloud_by_asn() {
    let enricher = load_clean(&EnrichConfig {
        asn_db: Some(fixture("asn.csv")),
        cloud_asns: Vec::new(),
        ..EnrichConfig::default()
    });
    assert!(!enricher.lookup(ip("52.94.76.1")).cloud);
    assert!(!enricher.capabilities().cloud);
}

#[test]
fn private_addresses_skip_lookups() {
    let enricher = load_clean(&all_fixtures());
    let private = IpInfo {
        private: true,
        ..IpInfo::default()
    };
    for address in [
        "10.0.0.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.1.1",
        "192.0.2.10",
        "::ffff:192.168.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "2001:db8::1",
    ] {
        assert_eq!(enricher.lookup(ip(address)), private, "{address}");
    }
}

#[test]
fn all_databases_together() {
    let enricher = load_clean(&all_fixtures());
    assert_eq!(
        enricher.capabilities(),
        Capabilities {
            country: true,
            asn: true,
            location: true,
            cloud: true,
        }
    );
    let london = enricher.lookup(ip("81.2.69.142"));
    assert_eq!(london.country, country("GB"));
    assert!(london.location.is_some());
    assert!(!london.private);

    let mapped = enricher.lookup(ip("::ffff:1.1.1.1"));
    assert_eq!(mapped, enricher.lookup(ip("1.1.1.1")));
    assert_eq!(mapped.asn, Some(13335));

    // In both the cloud ASN list and the ranges file.
    assert!(enricher.lookup(ip("52.94.76.1")).cloud);
    // Only in the ranges file.
    assert!(enricher.lookup(ip("13.34.37.70")).cloud);
    assert_eq!(enricher.databases().len(), 4);
    assert_eq!(enricher.lookup_errors(), 0);
}

#[test]
fn enricher_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Enricher>();
    assert_send_sync::<IpInfo>();
}
