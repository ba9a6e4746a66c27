//! Enrichment settings: which database files to read. Every field is
//! optional, and a field left out only turns off the lookups that need it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Amazon's autonomous systems: AS16509 (Amazon.com, most of AWS) and
/// AS14618 (Amazon AES, the older us-east-1 EC2 space).
pub const DEFAULT_CLOUD_ASNS: [u32; 2] = [16509, 14618];

/// Paths of the IP databases. Relative paths are resolved against the
/// working directory of the process. `deploy/local/fetch-ipdb.sh
/// --print-config` prints the lines for the free databases it downloads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// MaxMind DB file with a country per network: ip-location-db's
    /// `geo-whois-asn-country.mmdb` (`country_code`), or MaxMind's
    /// GeoLite2-Country or GeoLite2-City (`country.iso_code`, falling back to
    /// `registered_country.iso_code`). Default: none, so lookups return no
    /// country unless `city_db` is set, because no database ships with ispm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_db: Option<PathBuf>,
    /// Network to ASN and organisation. Either a MaxMind DB
    /// (GeoLite2-ASN layout: `autonomous_system_number`,
    /// `autonomous_system_organization`) or ip-location-db's ASN CSV
    /// (`first address,last address,ASN,organisation`, IPv4 and IPv6 rows
    /// may share one file). The format is detected from the content, not the
    /// extension. The whole table is loaded into memory at startup: for the
    /// 515,000 ranges of ip-location-db about 20 MB resident, with a peak of
    /// 65 MB while loading. Default: none, because no database ships with
    /// ispm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn_db: Option<PathBuf>,
    /// MaxMind DB with coordinates per network, for travel-speed checks:
    /// GeoLite2-City (`location.latitude`, `location.longitude`) or
    /// ip-location-db's GeoLite2 city files (`latitude`, `longitude`). It
    /// also provides the country when `country_db` is not set. Default:
    /// none, because the free city databases carry MaxMind's licence terms
    /// that each user must accept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city_db: Option<PathBuf>,
    /// AWS's published `ip-ranges.json`. Addresses in any of its
    /// `prefixes` or `ipv6_prefixes` count as inside AWS, in addition to
    /// `cloud_asns`. Download it yourself from
    /// https://ip-ranges.amazonaws.com/ip-ranges.json and refresh it now and
    /// then, because AWS changes it several times a week. Default: none, so
    /// only `cloud_asns` decides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_ranges: Option<PathBuf>,
    /// Autonomous systems whose addresses count as inside AWS, for detectors
    /// such as "instance credentials used from outside AWS". Needs `asn_db`.
    /// Default `[16509, 14618]`, Amazon's two main ASNs. They also cover
    /// Amazon services that are not AWS, so an address in them is "inside
    /// Amazon", which errs towards fewer alerts. Set `[]` to decide by
    /// `cloud_ranges` only.
    pub cloud_asns: Vec<u32>,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        EnrichConfig {
            country_db: None,
            asn_db: None,
            city_db: None,
            cloud_ranges: None,
            cloud_asns: DEFAULT_CLOUD_ASNS.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ConfigFile {
        enrich: EnrichConfig,
    }

    #[test]
    fn empty_section_gives_defaults() {
        let file: ConfigFile = toml::from_str("[enrich]\n").expect("valid TOML");
        assert_eq!(file.enrich, EnrichConfig::default());
        assert_eq!(file.enrich.cloud_asns, vec![16509, 14618]);
    }

    /// The exact form that `fetch-ipdb.sh --print-config` prints.
    #[test]
    fn fetch_script_output_parses() {
        let text = "[enrich]\n\
                    country_db = \"/home/u/.cache/ispm/ipdb/country.mmdb\"\n\
                    asn_db = \"/home/u/.cache/ispm/ipdb/asn.csv\"\n";
        let file: ConfigFile = toml::from_str(text).expect("valid TOML");
        assert_eq!(
            file.enrich.country_db,
            Some(PathBuf::from("/home/u/.cache/ispm/ipdb/country.mmdb"))
        );
        assert_eq!(
            file.enrich.asn_db,
            Some(PathBuf::from("/home/u/.cache/ispm/ipdb/asn.csv"))
        );
        assert_eq!(file.enrich.city_db, None);
    }

    #[test]
    fn unknown_key_is_rejected() {
        let error = toml::from_str::<ConfigFile>("[enrich]\ncountry_mmdb = \"x\"\n")
            .expect_err("unknown key must be rejected");
        assert!(error.to_string().contains("country_mmdb"), "{error}");
    }

    #[test]
    fn config_round_trips_through_toml() {
        let config = EnrichConfig {
            country_db: Some("c.mmdb".into()),
            asn_db: None,
            city_db: Some("city.mmdb".into()),
            cloud_ranges: Some("ip-ranges.json".into()),
            cloud_asns: vec![16509],
        };
        let text = toml::to_string(&config).expect("serialisable");
        let back: EnrichConfig = toml::from_str(&text).expect("parses back");
        assert_eq!(back, config);
    }
}
