//! A synthetic geography: the cities people live in, travel to and are
//! attacked from, and the ISP whose addresses each city uses. [`locate`]
//! returns the country, network owner and coordinates of any address the
//! simulator produces, as an IP database would.
//!
//! Like the prefixes in `net`, each city's prefix is a part of a real
//! allocation of the named ISP, chosen so that real IP databases give
//! plausible owners. They were not checked against current registry data,
//! and a real city database would place many of them elsewhere; use
//! [`locate`] to enrich simulated traffic.

use std::net::{IpAddr, Ipv4Addr};

use crate::net::{
    ATTACKER_HOSTING_PREFIXES, GITHUB_RUNNER_PREFIXES, PARTNER_HOSTING_PREFIXES, Prefix, Region,
    prefix,
};

/// The location and network owner of an address, as an IP database gives
/// them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    /// City the address is placed in.
    pub city: &'static str,
    /// ISO 3166-1 alpha-2 country code.
    pub country: &'static str,
    /// Autonomous system number of the network.
    pub asn: u32,
    /// Organisation that owns the autonomous system.
    pub as_org: &'static str,
    /// Latitude in degrees.
    pub latitude: f32,
    /// Longitude in degrees.
    pub longitude: f32,
    /// True for AWS addresses.
    pub cloud: bool,
}

/// A city of the table, with the residential ISP its addresses belong to.
#[derive(Debug)]
pub(crate) struct City {
    pub name: &'static str,
    pub country: &'static str,
    pub latitude: f32,
    pub longitude: f32,
    /// Fixed offset from UTC in minutes.
    // NOTE: standard time all year, because daylight saving time is not
    // simulated.
    pub utc_offset_minutes: i64,
    /// The AWS region closest to the city, where its people work.
    pub region: Region,
    pub asn: u32,
    pub as_org: &'static str,
    pub prefix: Prefix,
}

/// An index into [`CITIES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CityId(u8);

impl CityId {
    /// Returns the id of the city at `index` of [`CITIES`].
    ///
    /// # Panics
    ///
    /// When `index` is past the table.
    pub(crate) fn from_index(index: usize) -> CityId {
        assert!(index < CITIES.len(), "no city at index {index}");
        CityId(index as u8)
    }

    pub(crate) fn index(self) -> usize {
        usize::from(self.0)
    }

    pub(crate) fn city(self) -> &'static City {
        &CITIES[usize::from(self.0)]
    }

    /// Returns the address of the city's ISP chosen by `hash`.
    pub(crate) fn address(self, hash: u64) -> Ipv4Addr {
        self.city().prefix.address(hash)
    }

    /// Great-circle distance to another city in km.
    pub(crate) fn distance_km(self, other: CityId) -> f64 {
        let (a, b) = (self.city(), other.city());
        great_circle_km(
            (f64::from(a.latitude), f64::from(a.longitude)),
            (f64::from(b.latitude), f64::from(b.longitude)),
        )
    }
}

// Named ids of the cities that code refers to; the others are reached by
// index.
pub(crate) const NEW_YORK: CityId = CityId(0);
pub(crate) const BOSTON: CityId = CityId(1);
pub(crate) const SAN_FRANCISCO: CityId = CityId(2);
pub(crate) const LONDON: CityId = CityId(3);
pub(crate) const MANCHESTER: CityId = CityId(4);
pub(crate) const BERLIN: CityId = CityId(5);
pub(crate) const MUNICH: CityId = CityId(6);
pub(crate) const AACHEN: CityId = CityId(7);
pub(crate) const BENGALURU: CityId = CityId(8);
pub(crate) const PUNE: CityId = CityId(9);
pub(crate) const MAASTRICHT: CityId = CityId(11);
pub(crate) const TOKYO: CityId = CityId(15);
pub(crate) const SINGAPORE: CityId = CityId(16);
pub(crate) const SAO_PAULO: CityId = CityId(18);
pub(crate) const LAGOS: CityId = CityId(19);

#[allow(clippy::too_many_arguments)]
const fn city(
    name: &'static str,
    country: &'static str,
    latitude: f32,
    longitude: f32,
    utc_offset_minutes: i64,
    region: Region,
    (asn, as_org): (u32, &'static str),
    prefix: Prefix,
) -> City {
    City {
        name,
        country,
        latitude,
        longitude,
        utc_offset_minutes,
        region,
        asn,
        as_org,
        prefix,
    }
}

const COMCAST: (u32, &str) = (7922, "Comcast Cable Communications, LLC");
const BT: (u32, &str) = (2856, "British Telecommunications PLC");
const TELEKOM: (u32, &str) = (3320, "Deutsche Telekom AG");
const JIO: (u32, &str) = (55836, "Reliance Jio Infocomm Limited");
const KPN: (u32, &str) = (1136, "KPN B.V.");

/// The cities, in [`CityId`] order. People of one country share its main
/// residential ISP, so a move between its cities keeps the ASN.
pub(crate) const CITIES: [City; 20] = [
    city(
        "New York",
        "US",
        40.71,
        -74.01,
        -300,
        Region::UsEast1,
        COMCAST,
        prefix(73, 0, 0, 0, 11),
    ),
    city(
        "Boston",
        "US",
        42.36,
        -71.06,
        -300,
        Region::UsEast1,
        COMCAST,
        prefix(73, 32, 0, 0, 11),
    ),
    city(
        "San Francisco",
        "US",
        37.77,
        -122.42,
        -480,
        Region::UsWest2,
        COMCAST,
        prefix(73, 64, 0, 0, 11),
    ),
    city(
        "London",
        "GB",
        51.51,
        -0.13,
        0,
        Region::EuWest1,
        BT,
        prefix(86, 128, 0, 0, 11),
    ),
    city(
        "Manchester",
        "GB",
        53.48,
        -2.24,
        0,
        Region::EuWest1,
        BT,
        prefix(86, 160, 0, 0, 11),
    ),
    city(
        "Berlin",
        "DE",
        52.52,
        13.40,
        60,
        Region::EuWest1,
        TELEKOM,
        prefix(79, 192, 0, 0, 11),
    ),
    city(
        "Munich",
        "DE",
        48.14,
        11.58,
        60,
        Region::EuWest1,
        TELEKOM,
        prefix(79, 224, 0, 0, 12),
    ),
    city(
        "Aachen",
        "DE",
        50.78,
        6.08,
        60,
        Region::EuWest1,
        TELEKOM,
        prefix(79, 240, 0, 0, 12),
    ),
    city(
        "Bengaluru",
        "IN",
        12.97,
        77.59,
        330,
        Region::EuWest1,
        JIO,
        prefix(49, 32, 0, 0, 12),
    ),
    city(
        "Pune",
        "IN",
        18.52,
        73.86,
        330,
        Region::EuWest1,
        JIO,
        prefix(49, 48, 0, 0, 12),
    ),
    city(
        "Amsterdam",
        "NL",
        52.37,
        4.90,
        60,
        Region::EuWest1,
        KPN,
        prefix(77, 160, 0, 0, 13),
    ),
    city(
        "Maastricht",
        "NL",
        50.85,
        5.69,
        60,
        Region::EuWest1,
        KPN,
        prefix(77, 168, 0, 0, 13),
    ),
    city(
        "Paris",
        "FR",
        48.86,
        2.35,
        60,
        Region::EuWest1,
        (3215, "Orange S.A."),
        prefix(90, 0, 0, 0, 10),
    ),
    city(
        "Dublin",
        "IE",
        53.35,
        -6.26,
        0,
        Region::EuWest1,
        (5466, "Eircom Limited"),
        prefix(86, 40, 0, 0, 13),
    ),
    city(
        "Toronto",
        "CA",
        43.65,
        -79.38,
        -300,
        Region::UsEast1,
        (812, "Rogers Communications Canada Inc."),
        prefix(99, 224, 0, 0, 11),
    ),
    city(
        "Tokyo",
        "JP",
        35.68,
        139.69,
        540,
        Region::UsWest2,
        (4713, "NTT Communications Corporation"),
        prefix(153, 128, 0, 0, 10),
    ),
    city(
        "Singapore",
        "SG",
        1.35,
        103.82,
        480,
        Region::EuWest1,
        (9506, "Singtel Fibre Broadband"),
        prefix(116, 86, 0, 0, 15),
    ),
    city(
        "Sydney",
        "AU",
        -33.87,
        151.21,
        600,
        Region::UsWest2,
        (1221, "Telstra Limited"),
        prefix(1, 128, 0, 0, 11),
    ),
    city(
        "Sao Paulo",
        "BR",
        -23.55,
        -46.63,
        -180,
        Region::UsEast1,
        (18881, "Telefonica Brasil S.A."),
        prefix(177, 32, 0, 0, 12),
    ),
    city(
        "Lagos",
        "NG",
        6.52,
        3.38,
        60,
        Region::EuWest1,
        (29465, "MTN Nigeria Communication Limited"),
        prefix(102, 88, 0, 0, 13),
    ),
];

/// Home cities of people with their weights; the rest of the table are
/// places people visit or attackers act from.
pub(crate) const HOME_CITIES: [(CityId, f64); 10] = [
    (NEW_YORK, 0.2),
    (BOSTON, 0.12),
    (SAN_FRANCISCO, 0.13),
    (LONDON, 0.13),
    (MANCHESTER, 0.07),
    (BERLIN, 0.1),
    (MUNICH, 0.05),
    (AACHEN, 0.05),
    (BENGALURU, 0.1),
    (PUNE, 0.05),
];

/// Cities an attacker acts from in the impossible-travel scenario: far
/// from every home city and in no neighbouring country of one.
pub(crate) const ATTACKER_CITIES: [CityId; 4] = [SAO_PAULO, LAGOS, SINGAPORE, TOKYO];

/// Returns the office a person of `home` commutes to across a border, if
/// their city has one: Aachen lies on the Dutch border, 30 km from
/// Maastricht.
pub(crate) fn cross_border_office(home: CityId) -> Option<CityId> {
    (home == AACHEN).then_some(MAASTRICHT)
}

/// Average door-to-door speed of a long journey, in km/h, from which the
/// days a trip spends in transit are sized: an airliner cruises at 850 to
/// 950 km/h, and getting to, through and from airports adds hours.
pub(crate) const JOURNEY_SPEED_KMH: f64 = 800.0;

/// Earliest and latest local times of a person's events: working days start
/// at 06:00 or later and end by 23:00.
const EARLIEST_LOCAL_HOUR: i64 = 6;
const LATEST_LOCAL_HOUR: i64 = 23;

/// Returns the number of days without any activity that a journey between
/// two cities takes each way. The time between the last event in one city
/// and the first in the other then covers the distance at
/// [`JOURNEY_SPEED_KMH`] or slower.
pub(crate) fn transit_days(from: CityId, to: CityId) -> u32 {
    let distance_km = from.distance_km(to);
    let (a, b) = (from.city(), to.city());
    let zone_hours = (a.utc_offset_minutes - b.utc_offset_minutes).abs() as f64 / 60.0;
    let needed_hours = distance_km / JOURNEY_SPEED_KMH;
    (1..)
        .find(|days| shortest_gap_hours(*days, zone_hours) >= needed_hours)
        .unwrap_or(1)
}

/// Returns the shortest time in hours between the last event of one active
/// day and the first event after `idle_days` days without activity, when
/// the two days are lived `zone_hours` apart. The worst case ends at 23:00
/// in one zone and starts at 06:00 in a zone that many hours ahead.
pub(crate) fn shortest_gap_hours(idle_days: u32, zone_hours: f64) -> f64 {
    (f64::from(idle_days) + 1.0) * 24.0
        - (LATEST_LOCAL_HOUR - EARLIEST_LOCAL_HOUR) as f64
        - zone_hours
}

/// Great-circle distance in km between two points given in degrees, on a
/// sphere of the Earth's mean radius.
pub(crate) fn great_circle_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// A network that is not a city's ISP, placed at one site.
struct Site {
    prefixes: &'static [Prefix],
    place: Place,
}

const fn site(
    prefixes: &'static [Prefix],
    (city, country): (&'static str, &'static str),
    (asn, as_org): (u32, &'static str),
    (latitude, longitude): (f32, f32),
    cloud: bool,
) -> Site {
    Site {
        prefixes,
        place: Place {
            city,
            country,
            asn,
            as_org,
            latitude,
            longitude,
            cloud,
        },
    }
}

const AMAZON: (u32, &str) = (16509, "Amazon.com, Inc.");

/// AWS regions at their main data-centre sites, GitHub's runners in Azure,
/// partner hosting at Hetzner, attacker hosting at DigitalOcean and OVH.
const SITES: [Site; 7] = [
    site(
        Region::UsEast1.aws_prefixes(),
        ("Ashburn", "US"),
        AMAZON,
        (39.04, -77.49),
        true,
    ),
    site(
        Region::EuWest1.aws_prefixes(),
        ("Dublin", "IE"),
        AMAZON,
        (53.35, -6.26),
        true,
    ),
    site(
        Region::UsWest2.aws_prefixes(),
        ("Boardman", "US"),
        AMAZON,
        (45.84, -119.70),
        true,
    ),
    site(
        &GITHUB_RUNNER_PREFIXES,
        ("Boydton", "US"),
        (8075, "Microsoft Corporation"),
        (36.67, -78.39),
        false,
    ),
    site(
        &PARTNER_HOSTING_PREFIXES,
        ("Falkenstein", "DE"),
        (24940, "Hetzner Online GmbH"),
        (50.48, 12.37),
        false,
    ),
    site(
        ATTACKER_HOSTING_PREFIXES.as_slice().split_at(1).0,
        ("Frankfurt", "DE"),
        (14061, "DigitalOcean, LLC"),
        (50.11, 8.68),
        false,
    ),
    site(
        ATTACKER_HOSTING_PREFIXES.as_slice().split_at(1).1,
        ("Roubaix", "FR"),
        (16276, "OVH SAS"),
        (50.69, 3.17),
        false,
    ),
];

/// Returns where an address the simulator produces is: its city, country,
/// network owner and coordinates. `None` for any other address, including
/// every IPv6 address.
pub fn locate(ip: IpAddr) -> Option<Place> {
    let IpAddr::V4(ip) = ip else {
        return None;
    };
    if let Some(city) = CITIES.iter().find(|city| city.prefix.contains(ip)) {
        return Some(Place {
            city: city.name,
            country: city.country,
            asn: city.asn,
            as_org: city.as_org,
            latitude: city.latitude,
            longitude: city.longitude,
            cloud: false,
        });
    }
    SITES
        .iter()
        .find(|site| site.prefixes.iter().any(|prefix| prefix.contains(ip)))
        .map(|site| site.place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_prefixes_do_not_overlap() {
        let prefixes: Vec<Prefix> = CITIES
            .iter()
            .map(|city| city.prefix)
            .chain(SITES.iter().flat_map(|site| site.prefixes.iter().copied()))
            .collect();
        for (i, a) in prefixes.iter().enumerate() {
            for b in &prefixes[i + 1..] {
                assert!(
                    !a.contains(b.address(0)) && !b.contains(a.address(0)),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn city_addresses_locate_to_their_city() {
        for (index, city) in CITIES.iter().enumerate() {
            let id = CityId(index as u8);
            for hash in 0..50 {
                let place = locate(IpAddr::V4(id.address(hash))).expect("located");
                assert_eq!(place.city, city.name);
                assert!(!place.cloud);
            }
        }
        let aws = locate(IpAddr::V4(Region::EuWest1.aws_address(7))).expect("located");
        assert!(aws.cloud);
        assert_eq!(aws.asn, 16509);
    }

    #[test]
    fn transit_covers_every_journey() {
        for (home, _) in HOME_CITIES {
            for index in 0..CITIES.len() {
                let to = CityId(index as u8);
                let days = transit_days(home, to);
                let zone_hours = (home.city().utc_offset_minutes - to.city().utc_offset_minutes)
                    .abs() as f64
                    / 60.0;
                let hours = shortest_gap_hours(days, zone_hours);
                let speed = home.distance_km(to) / hours;
                assert!(
                    speed <= JOURNEY_SPEED_KMH,
                    "{} to {}: {speed:.0} km/h",
                    home.city().name,
                    to.city().name
                );
            }
        }
    }

    #[test]
    fn attacker_cities_are_far_from_homes() {
        for (home, _) in HOME_CITIES {
            let far = ATTACKER_CITIES
                .iter()
                .filter(|city| home.distance_km(**city) >= 5000.0)
                .count();
            assert!(far >= 2, "{}", home.city().name);
        }
    }

    #[test]
    fn distance_matches_known_pair() {
        let km = LONDON.distance_km(NEW_YORK);
        assert!((5500.0..5620.0).contains(&km), "{km}");
    }
}
