//! Durations in settings, written the way people write them: `90d`, `36h`,
//! `15m`, `500ms`.
//!
//! Use with `#[serde(with = "ispm_model::duration")]`. Reading accepts
//! everything `humantime` does (`1h 30m`, `2weeks`). Writing picks the
//! largest unit that gives a whole number, because `humantime` writes 90
//! days as `2months 29days 2h 24m` (its month is 30.44 days), which
//! `check-config` then showed for a setting its user wrote as `90d`.

use std::time::Duration;

use serde::{Deserializer, Serializer};

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// Writes `duration` in the largest of days, hours, minutes, seconds and
/// milliseconds that gives a whole number. A duration with a fraction of a
/// millisecond is written as `humantime` writes it.
pub fn format(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let nanos = duration.subsec_nanos();
    if nanos != 0 {
        return if nanos.is_multiple_of(1_000_000) {
            format!("{}ms", duration.as_millis())
        } else {
            humantime_serde::re::humantime::format_duration(duration).to_string()
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
    humantime_serde::deserialize(deserializer)
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
        humantime_serde::option::deserialize(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_largest_whole_unit() {
        let cases = [
            (Duration::from_secs(90 * DAY), "90d"),
            (Duration::from_secs(36 * HOUR), "36h"),
            (Duration::from_secs(15 * MINUTE), "15m"),
            (Duration::from_secs(61), "61s"),
            (Duration::from_millis(1500), "1500ms"),
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
            let read = humantime_serde::re::humantime::parse_duration(&text);
            assert_eq!(read, Ok(duration), "{text}");
        }
    }
}
