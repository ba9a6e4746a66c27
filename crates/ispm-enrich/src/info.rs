//! Lookup results.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 3166-1 alpha-2 country code, stored as two upper-case ASCII
/// letters so that it is `Copy` and cheap to compare in baselines.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses two ASCII letters in either case; anything else is `None`.
    /// Databases use a few codes outside ISO 3166-1 (`EU`, `AP`, `XK`), and
    /// those are accepted too.
    pub fn new(code: &str) -> Option<CountryCode> {
        match code.as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Some(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => None,
        }
    }

    /// Returns the code as text, e.g. `"US"`.
    pub fn as_str(&self) -> &str {
        // `new` only stores ASCII letters, so the bytes are always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        CountryCode::new(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a two-letter country code"))
        })
    }
}

/// Lookup result for one address. Fields are `None` when the
/// database that provides them is not loaded or has no entry for the
/// address; [`crate::Enricher::capabilities`] distinguishes the two.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IpInfo {
    /// The address is in a special-purpose block that is not globally
    /// routable (private, loopback, link-local, carrier-grade NAT,
    /// documentation, multicast, reserved). No database is consulted for it,
    /// so every other field is empty.
    pub private: bool,
    /// Country of the network, from `country_db` or else `city_db`.
    pub country: Option<CountryCode>,
    /// Autonomous system number that announces the network.
    pub asn: Option<u32>,
    /// Name of the organisation that operates the autonomous system. Lookups
    /// that land on the same organisation share one allocation.
    pub as_org: Option<Arc<str>>,
    /// `(latitude, longitude)` in degrees, from `city_db`.
    pub location: Option<(f32, f32)>,
    /// The address belongs to AWS: its ASN is one of `cloud_asns`, or it is
    /// in a prefix of `cloud_ranges`.
    pub cloud: bool,
}

/// Fields of [`IpInfo`] that the loaded databases can fill. A detector that
/// needs one that is missing should be turned off with one startup warning
/// instead of treating every `None` as news.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// `IpInfo::country` can be set (`country_db` or `city_db` loaded).
    pub country: bool,
    /// `IpInfo::asn` and `IpInfo::as_org` can be set (`asn_db` loaded).
    pub asn: bool,
    /// `IpInfo::location` can be set (`city_db` loaded).
    pub location: bool,
    /// `IpInfo::cloud` can be true: `asn_db` is loaded and `cloud_asns` is
    /// not empty, or `cloud_ranges` is loaded. When false, `cloud` is always
    /// false and carries no information about the address.
    pub cloud: bool,
}

impl Capabilities {
    /// Returns the detectors, or the parts of one, that stay silent because
    /// a database they need is not loaded, by detector id, for the startup
    /// warning.
    pub fn detectors_off(&self) -> Vec<&'static str> {
        let mut off = Vec::new();
        if !self.country {
            off.push("first_seen country");
        }
        if !self.asn {
            off.extend(["first_seen asn", "shared_access_key"]);
        }
        if !self.cloud {
            off.push("workload_credentials_outside_cloud");
        }
        if !self.location {
            off.push("atypical_travel");
        }
        off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detectors_off_without_city_database() {
        let without_city = Capabilities {
            country: true,
            asn: true,
            location: false,
            cloud: true,
        };
        assert_eq!(without_city.detectors_off(), ["atypical_travel"]);
        assert_eq!(Capabilities::default().detectors_off().len(), 5);
    }

    #[test]
    fn country_code_accepts_two_letters() {
        assert_eq!(
            CountryCode::new("us").map(|c| c.to_string()),
            Some("US".into())
        );
        assert_eq!(
            CountryCode::new("GB").map(|c| c.to_string()),
            Some("GB".into())
        );
        assert_eq!(CountryCode::new(""), None);
        assert_eq!(CountryCode::new("USA"), None);
        assert_eq!(CountryCode::new("1A"), None);
        assert_eq!(CountryCode::new("é"), None);
    }

    #[test]
    fn ip_info_serialises_country_as_text() {
        let info = IpInfo {
            country: CountryCode::new("SE"),
            asn: Some(8473),
            as_org: Some(Arc::from("Bahnhof AB")),
            location: Some((59.3247, 18.056)),
            ..IpInfo::default()
        };
        let json = serde_json::to_value(&info).expect("serialisable");
        assert_eq!(json["country"], "SE");
        assert_eq!(json["as_org"], "Bahnhof AB");
        let back: IpInfo = serde_json::from_value(json).expect("parses back");
        assert_eq!(back, info);
    }

    #[test]
    fn bad_country_code_is_rejected() {
        let error = serde_json::from_str::<CountryCode>("\"USA\"").expect_err("three letters");
        assert!(error.to_string().contains("\"USA\""), "{error}");
    }
}
