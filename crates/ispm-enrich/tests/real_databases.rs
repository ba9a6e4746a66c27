//! Lookups against the real databases that deploy/local/fetch-ipdb.sh
//! downloads into `$ISPM_IPDB_DIR` (default `~/.cache/ispm/ipdb`).
//!
//! Without the files these tests print a SKIP line and pass, unless
//! `ISPM_IPDB_REQUIRED=1`, which CI sets after running the script. The
//! throughput figure is only meaningful in a release build:
//! `cargo test --release -p ispm-enrich --test real_databases -- --nocapture`.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ispm_enrich::{Capabilities, CountryCode, EnrichConfig, Enricher};

fn ipdb_dir() -> PathBuf {
    match std::env::var_os("ISPM_IPDB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME").unwrap_or_default();
            PathBuf::from(home).join(".cache/ispm/ipdb")
        }
    }
}

/// Returns the enricher over the real files with its load time, loaded once
/// for all tests of this binary, or `None` when the files are absent.
fn real_enricher() -> Option<&'static (Enricher, Duration)> {
    static ENRICHER: OnceLock<Option<(Enricher, Duration)>> = OnceLock::new();
    ENRICHER
        .get_or_init(|| {
            let dir = ipdb_dir();
            let config = EnrichConfig {
                country_db: Some(dir.join("country.mmdb")),
                asn_db: Some(dir.join("asn.csv")),
                ..EnrichConfig::default()
            };
            let paths = [config.country_db.as_ref(), config.asn_db.as_ref()];
            if paths.iter().flatten().any(|path| !path.is_file()) {
                assert!(
                    std::env::var("ISPM_IPDB_REQUIRED").as_deref() != Ok("1"),
                    "ISPM_IPDB_REQUIRED=1 but {} lacks country.mmdb or asn.csv; \
                     run deploy/local/fetch-ipdb.sh",
                    dir.display()
                );
                return None;
            }
            let started = Instant::now();
            let (enricher, warnings) = Enricher::load(&config);
            let elapsed = started.elapsed();
            assert!(warnings.is_empty(), "warnings: {warnings:?}");
            Some((enricher, elapsed))
        })
        .as_ref()
}

/// Prints the skip line straight to the process's stderr, because the test
/// harness hides `eprintln!` output of passing tests.
fn skip(test: &str) {
    let line = format!(
        "\n!!!!!!!! SKIP {test}: no IP databases in {} \
         (run deploy/local/fetch-ipdb.sh, or set ISPM_IPDB_DIR) !!!!!!!!\n",
        ipdb_dir().display()
    );
    // Nothing useful can be done when stderr is closed.
    let _ = std::io::stderr().write_all(line.as_bytes());
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("valid address")
}

#[test]
fn well_known_addresses() {
    let Some((enricher, _)) = real_enricher() else {
        return skip("well_known_addresses");
    };
    let us = CountryCode::new("US");

    let google = enricher.lookup(ip("8.8.8.8"));
    assert_eq!(google.country, us, "{google:?}");
    assert_eq!(google.asn, Some(15169), "{google:?}");
    assert!(!google.cloud);

    let cloudflare = enricher.lookup(ip("1.1.1.1"));
    assert_eq!(cloudflare.asn, Some(13335), "{cloudflare:?}");
    assert!(cloudflare.country.is_some(), "{cloudflare:?}");

    let aws = enricher.lookup(ip("52.94.76.1"));
    assert_eq!(aws.asn, Some(16509), "{aws:?}");
    assert!(aws.cloud, "{aws:?}");

    let google_v6 = enricher.lookup(ip("2001:4860:4860::8888"));
    assert_eq!(google_v6.asn, Some(15169), "{google_v6:?}");
    assert_eq!(google_v6.country, us, "{google_v6:?}");

    let cloudflare_v6 = enricher.lookup(ip("2606:4700:4700::1111"));
    assert_eq!(cloudflare_v6.asn, Some(13335), "{cloudflare_v6:?}");

    let mapped = enricher.lookup(ip("::ffff:8.8.8.8"));
    assert_eq!(mapped, google);

    assert!(enricher.lookup(ip("10.1.2.3")).private);
    assert_eq!(enricher.lookup_errors(), 0);
}

#[test]
fn real_databases_load_completely() {
    let Some((enricher, load_time)) = real_enricher() else {
        return skip("real_databases_load_completely");
    };
    assert_eq!(
        enricher.capabilities(),
        Capabilities {
            country: true,
            asn: true,
            location: false,
            cloud: true,
        }
    );
    for loaded in enricher.databases() {
        println!(
            "loaded {} from {}: {}, ranges {:?}, overlapping ranges {}",
            loaded.database,
            loaded.path.display(),
            loaded.format,
            loaded.ranges,
            loaded.overlapping_ranges
        );
    }
    println!("load time {load_time:.2?}");
    let asn = &enricher.databases()[1];
    assert!(asn.ranges.unwrap_or(0) > 400_000, "{asn:?}");
}

/// Public addresses spread over the whole space: random IPv4 and random
/// IPv6 inside 2000::/3, the global unicast block.
fn sample_addresses(enricher: &Enricher, count: usize) -> Vec<IpAddr> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut addresses = Vec::with_capacity(count);
    while addresses.len() < count {
        let ip = if addresses.len() % 5 == 4 {
            let high = (next() & 0x1fff_ffff_ffff_ffff) | 0x2000_0000_0000_0000;
            IpAddr::V6(Ipv6Addr::from(
                (u128::from(high) << 64) | u128::from(next()),
            ))
        } else {
            IpAddr::V4(Ipv4Addr::from(next() as u32))
        };
        if !enricher.lookup(ip).private {
            addresses.push(ip);
        }
    }
    addresses
}

/// Prints lookups per second on one thread; run with `--nocapture`.
#[test]
fn lookup_throughput() {
    let Some((enricher, _)) = real_enricher() else {
        return skip("lookup_throughput");
    };
    let addresses = sample_addresses(enricher, 200_000);
    // One pass to warm the caches and the branch predictors.
    let mut found = 0usize;
    for &address in &addresses {
        found += usize::from(std::hint::black_box(enricher.lookup(address)).asn.is_some());
    }

    let rounds = if cfg!(debug_assertions) { 1 } else { 5 };
    let started = Instant::now();
    for _ in 0..rounds {
        for &address in &addresses {
            std::hint::black_box(enricher.lookup(std::hint::black_box(address)));
        }
    }
    let elapsed = started.elapsed();
    let lookups = addresses.len() * rounds;
    let per_second = lookups as f64 / elapsed.as_secs_f64();
    println!(
        "lookup throughput ({} build, 1 thread, country mmdb + ASN CSV): {lookups} lookups in {elapsed:.2?} = {per_second:.0} lookups/s, {:.0} ns each; {:.1}% of addresses had an ASN",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        elapsed.as_nanos() as f64 / lookups as f64,
        100.0 * found as f64 / addresses.len() as f64,
    );
    assert!(found > 0);
}
