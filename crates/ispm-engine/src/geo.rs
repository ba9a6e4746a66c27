//! Distances between coordinates and the land borders between countries,
//! for the atypical travel detector.

use std::sync::LazyLock;

/// Mean radius of the Earth in kilometres (IUGG mean radius R1). The
/// spherical model is within 0.5% of the ellipsoid, far below the error of
/// a city database's coordinates.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Returns the great-circle distance in kilometres between two points given
/// as `(latitude, longitude)` in degrees, by the haversine formula.
pub(crate) fn great_circle_km(from: (f32, f32), to: (f32, f32)) -> f64 {
    let (latitude1, longitude1) = (
        f64::from(from.0).to_radians(),
        f64::from(from.1).to_radians(),
    );
    let (latitude2, longitude2) = (f64::from(to.0).to_radians(), f64::from(to.1).to_radians());
    let half_chord = ((latitude2 - latitude1) / 2.0).sin().powi(2)
        + latitude1.cos() * latitude2.cos() * ((longitude2 - longitude1) / 2.0).sin().powi(2);
    // Rounding can push the value just past 1 for antipodal points.
    2.0 * EARTH_RADIUS_KM * half_chord.clamp(0.0, 1.0).sqrt().asin()
}

/// Pairs of countries that share a land border, as `[a, b]` alpha-2 codes
/// in both orders, sorted for binary search.
static NEIGHBOURS: LazyLock<Vec<[u8; 4]>> = LazyLock::new(|| {
    let mut pairs = Vec::new();
    for line in include_str!("country_neighbours.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut codes = line.split_ascii_whitespace().filter_map(country_code);
        let Some(country) = codes.next() else {
            continue;
        };
        for neighbour in codes {
            pairs.push(pair(country, neighbour));
            pairs.push(pair(neighbour, country));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
});

fn pair(a: [u8; 2], b: [u8; 2]) -> [u8; 4] {
    [a[0], a[1], b[0], b[1]]
}

/// Returns a two-letter country code in upper case, or `None` for any other
/// text.
pub(crate) fn country_code(text: &str) -> Option<[u8; 2]> {
    match text.as_bytes() {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
        }
        _ => None,
    }
}

/// True when the two countries share a land border.
pub(crate) fn are_neighbours(a: [u8; 2], b: [u8; 2]) -> bool {
    NEIGHBOURS.binary_search(&pair(a, b)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> [u8; 2] {
        country_code(text).expect("two letters")
    }

    #[test]
    fn distance_london_to_new_york() {
        let distance = great_circle_km((51.5074, -0.1278), (40.7128, -74.0060));
        assert!((distance - 5570.0).abs() < 15.0, "{distance}");
    }

    #[test]
    fn distance_to_same_point_is_zero() {
        assert!(great_circle_km((59.3247, 18.056), (59.3247, 18.056)) < 1e-9);
    }

    #[test]
    fn neighbours_are_symmetric() {
        assert!(are_neighbours(code("DE"), code("FR")));
        assert!(are_neighbours(code("fr"), code("de")));
        assert!(are_neighbours(code("US"), code("CA")));
        assert!(!are_neighbours(code("GB"), code("SE")));
        assert!(!are_neighbours(code("US"), code("RU")));
    }

    #[test]
    fn neighbour_table_covers_most_countries() {
        // GeoNames lists land neighbours for about 165 countries.
        assert!(NEIGHBOURS.len() > 600, "{} pairs", NEIGHBOURS.len());
    }

    #[test]
    fn country_code_rejects_other_text() {
        assert_eq!(country_code("USA"), None);
        assert_eq!(country_code("1A"), None);
        assert_eq!(country_code(""), None);
    }
}
