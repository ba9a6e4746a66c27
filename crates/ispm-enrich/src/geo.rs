//! Country and coordinate lookups in MaxMind DB files, and the distance
//! between two coordinates.

use std::net::IpAddr;

use maxminddb::{MaxMindDbError, Reader, WithinOptions};
use serde::Deserialize;

use crate::error::LoadError;
use crate::info::CountryCode;

/// Country and coordinates that a database stores for a network.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct GeoAnswer {
    pub(crate) country: Option<CountryCode>,
    pub(crate) location: Option<(f32, f32)>,
}

/// The fields read from a record. MaxMind's layout nests them
/// (`country.iso_code`, `location.latitude`); ip-location-db's is flat
/// (`country_code`, `latitude`). Every other field is skipped undecoded.
#[derive(Deserialize)]
struct GeoRecord<'a> {
    #[serde(borrow)]
    country: Option<IsoCode<'a>>,
    #[serde(borrow)]
    registered_country: Option<IsoCode<'a>>,
    #[serde(borrow)]
    country_code: Option<&'a str>,
    location: Option<Location>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    #[serde(borrow)]
    iso_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl GeoRecord<'_> {
    fn answer(&self) -> GeoAnswer {
        // The physical country first: `registered_country` is where the
        // network was registered, which differs for anycast and for
        // multinational providers.
        let country = self
            .country
            .as_ref()
            .and_then(|c| c.iso_code)
            .or(self.country_code)
            .or_else(|| self.registered_country.as_ref().and_then(|c| c.iso_code))
            .and_then(CountryCode::new);
        let (latitude, longitude) = match &self.location {
            Some(location) => (location.latitude, location.longitude),
            None => (self.latitude, self.longitude),
        };
        let location = match (latitude, longitude) {
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Some((lat as f32, lon as f32))
            }
            _ => None,
        };
        GeoAnswer { country, location }
    }
}

/// Field that a database must provide to be useful.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GeoField {
    Country,
    Location,
}

/// A country or city database, read whole into memory.
///
/// The `maxminddb` crate can memory-map the file instead, but only through
/// an `unsafe` constructor, and the workspace forbids `unsafe`. The free
/// country database is 8 MB and GeoLite2-City about 60 MB, so reading them
/// costs little.
pub(crate) struct GeoDb {
    reader: Reader<Vec<u8>>,
    ipv4_only: bool,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDb")
            .field("database_type", &self.reader.metadata().database_type)
            .field("ipv4_only", &self.ipv4_only)
            .finish()
    }
}

/// Networks sampled at load time to check that the file has the expected
/// field. The check stops at the first hit, so a valid file costs one decode.
const SAMPLE_NETWORKS: usize = 10_000;

impl GeoDb {
    /// Opens a MaxMind DB and checks that some record has `field`, so that
    /// a file of the wrong kind (an ASN database as `country_db`) is
    /// reported at startup instead of returning `None` forever.
    pub(crate) fn from_reader(
        reader: Reader<Vec<u8>>,
        field: GeoField,
    ) -> Result<GeoDb, LoadError> {
        let mut found = false;
        for network in reader
            .networks(WithinOptions::default())
            .map_err(LoadError::Mmdb)?
            .take(SAMPLE_NETWORKS)
        {
            let network = network.map_err(LoadError::Mmdb)?;
            let Some(record) = network.decode::<GeoRecord>().map_err(LoadError::Mmdb)? else {
                continue;
            };
            let answer = record.answer();
            found = match field {
                GeoField::Country => answer.country.is_some(),
                GeoField::Location => answer.location.is_some(),
            };
            if found {
                break;
            }
        }
        if !found {
            return Err(LoadError::MissingField {
                expected: match field {
                    GeoField::Country => {
                        "country.iso_code, registered_country.iso_code or country_code"
                    }
                    GeoField::Location => "location.latitude/longitude or latitude/longitude",
                },
            });
        }
        let ipv4_only = reader.metadata().ip_version == 4;
        Ok(GeoDb { reader, ipv4_only })
    }

    pub(crate) fn ipv4_only(&self) -> bool {
        self.ipv4_only
    }

    pub(crate) fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// Returns what the database has for `ip`; `Ok(None)` when it has no
    /// record, and always for IPv6 in an IPv4-only database.
    #[inline]
    pub(crate) fn lookup(&self, ip: IpAddr) -> Result<Option<GeoAnswer>, MaxMindDbError> {
        if self.ipv4_only && ip.is_ipv6() {
            return Ok(None);
        }
        let result = self.reader.lookup(ip)?;
        Ok(result.decode::<GeoRecord>()?.map(|record| record.answer()))
    }
}

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in kilometres between two `(latitude, longitude)`
/// points in degrees. Computed in `f64`, because the `f32` haversine loses
/// metres to rounding at short distances; the result fits `f32` to within a
/// metre.
pub fn haversine_km(a: (f32, f32), b: (f32, f32)) -> f32 {
    let (lat1, lon1) = (f64::from(a.0).to_radians(), f64::from(a.1).to_radians());
    let (lat2, lon2) = (f64::from(b.0).to_radians(), f64::from(b.1).to_radians());
    let half_dlat = ((lat2 - lat1) / 2.0).sin();
    let half_dlon = ((lon2 - lon1) / 2.0).sin();
    let h = half_dlat * half_dlat + lat1.cos() * lat2.cos() * half_dlon * half_dlon;
    // Rounding can push `h` a hair above 1 for antipodal points.
    let central_angle = 2.0 * h.sqrt().min(1.0).asin();
    (EARTH_RADIUS_KM * central_angle) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONDON: (f32, f32) = (51.5074, -0.1278);
    const PARIS: (f32, f32) = (48.8566, 2.3522);

    #[test]
    fn haversine_known_distances() {
        let london_paris = haversine_km(LONDON, PARIS);
        assert!((london_paris - 343.5).abs() < 1.0, "{london_paris}");
        assert_eq!(haversine_km(LONDON, LONDON), 0.0);
        assert!((haversine_km(LONDON, PARIS) - haversine_km(PARIS, LONDON)).abs() < 1e-3);
        let half_circumference = haversine_km((0.0, 0.0), (0.0, 180.0));
        assert!(
            (half_circumference - 20015.1).abs() < 1.0,
            "{half_circumference}"
        );
        let pole_to_pole = haversine_km((90.0, 0.0), (-90.0, 0.0));
        assert!((pole_to_pole - 20015.1).abs() < 1.0, "{pole_to_pole}");
    }

    #[test]
    fn haversine_short_distance_is_precise() {
        // 0.001 degrees of latitude is 111.2 metres anywhere.
        let d = haversine_km((10.0, 20.0), (10.001, 20.0));
        assert!((d - 0.1112).abs() < 0.001, "{d}");
    }

    #[test]
    fn haversine_crosses_antimeridian() {
        let d = haversine_km((0.0, 179.5), (0.0, -179.5));
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }
}
