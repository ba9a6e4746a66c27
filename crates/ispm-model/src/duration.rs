//! Durations in settings, written the way people write them: `90d`, `36h`,
//! `15m`, `500ms`.
//!
//! Use with `#[serde(with = "ispm_model::duration")]`. Reading accepts
//! what `humantime` does (`1h 30m`, `2weeks`), except a number without a
//! unit and the unit `M` (see [`parse`]). Writing picks the largest unit
//! that gives a whole number, because `humantime` writes 90 days as
//! `2months 29days 2h 24m` (its month is 30.44 days), which `check-config`
//! then showed for a setting its user wrote as `90d`.

use std::time::Duration;

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// Writes `duration` in the largest of days, hours, minutes, seconds,
/// milliseconds, microseconds and nanoseconds that gives a whole number.
pub fn format(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let nanos = duration.subsec_nanos();
    if nanos != 0 {
        return if nanos.is_multiple_of(1_000_000) {
            format!("{}ms", duration.as_millis())
        } else if nanos.is_multiple_of(1_000) {
            format!("{}us", duration.as_micros())
        } else {
            format!("{}ns", duration.as_nanos())
        };
    }
    match seconds {
        0 => "0s".to_owned(),
        _ if seconds.is_multiple_of(DAY) => format!("{}d", seconds / DAY),
        _ if seconds.is_multiple_of(HOUR) => format!("{}h", seconds / HOUR),
        _ if seconds.is_multiple_of(MINUTE) => format!("{}m", seconds / MINUTE),
        _ => format!("{seconds}s"),
    }
}

pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*duration))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    deserializer.deserialize_any(DurationVisitor)
}

/// The form of a duration, shown in every error about one.
const EXPECTED: &str = "a duration such as `90d`, `1h`, `15m`, `30s` or `500ms`";

/// Reads a duration from text, with errors that show its form. A number
/// without a unit is rejected, because `600` could mean seconds or minutes.
struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(EXPECTED)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        parse(text).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Duration, E> {
        Err(no_unit(number))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Duration, E> {
        Err(no_unit(number))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Duration, E> {
        Err(no_unit(number))
    }
}

/// Returns the error for a duration given as a bare number.
fn no_unit<E: de::Error>(number: impl fmt::Display) -> E {
    E::custom(format!("{number} has no unit: write {EXPECTED}"))
}

/// Parses `text` as `humantime` does, except for the unit `M`, which
/// `humantime` reads as months and people mean as minutes.
pub fn parse(text: &str) -> Result<Duration, String> {
    if text.contains('M') {
        return Err(format!(
            "invalid duration `{text}`: `M` means months. Write `m` for minutes, or days such as `90d`"
        ));
    }
    humantime_serde::re::humantime::parse_duration(text)
        .map_err(|error| format!("`{text}` is not {EXPECTED}: {error}"))
}

/// The same for an optional duration:
/// `#[serde(with = "ispm_model::duration::option")]`.
pub mod option {
    use std::time::Duration;

    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        duration: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => serializer.serialize_some(&super::format(*duration)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        /// A duration read by [`super::deserialize`].
        #[derive(serde::Deserialize)]
        struct Written(#[serde(deserialize_with = "super::deserialize")] Duration);

        let written: Option<Written> = serde::Deserialize::deserialize(deserializer)?;
        Ok(written.map(|Written(duration)| duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capital_m_is_rejected() {
        assert!(parse("10M").is_err());
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert!(parse("2months").is_ok());
    }

    #[test]
    fn errors_show_the_form_of_a_duration() {
        let error = parse("1h30").expect_err("no unit after 30");
        assert!(error.contains("such as `90d`"), "{error}");
        let number: Result<Duration, serde_json::Error> =
            deserialize(&mut serde_json::Deserializer::from_str("600"));
        let error = number.expect_err("no unit").to_string();
        assert!(error.starts_with("600 has no unit"), "{error}");
    }

    #[test]
    fn writes_the_largest_whole_unit() {
        let cases = [
            (Duration::from_secs(90 * DAY), "90d"),
            (Duration::from_secs(36 * HOUR), "36h"),
            (Duration::from_secs(15 * MINUTE), "15m"),
            (Duration::from_secs(61), "61s"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_micros(1500), "1500us"),
            (Duration::from_nanos(7), "7ns"),
            (Duration::ZERO, "0s"),
        ];
        for (duration, text) in cases {
            assert_eq!(format(duration), text);
        }
    }

    /// Every written form must read back as the same duration.
    #[test]
    fn written_durations_read_back() {
        let durations = [
            Duration::from_secs(90 * DAY),
            Duration::from_secs(36 * HOUR),
            Duration::from_secs(61),
            Duration::from_millis(1500),
            Duration::from_micros(1500),
            Duration::from_nanos(7),
            Duration::ZERO,
        ];
        for duration in durations {
            let text = format(duration);
            assert_eq!(parse(&text), Ok(duration), "{text}");
        }
    }
}
