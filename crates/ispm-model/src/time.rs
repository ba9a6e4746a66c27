use std::fmt;

use serde::{Deserialize, Serialize};

/// Event time in milliseconds since the Unix epoch, UTC.
///
/// Every stateful decision in ispm is taken against event time, never against
/// the wall clock, so replays of the same input give the same output.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct EventTime(pub i64);

/// A timestamp that is not an RFC 3339 date-time in UTC or with an offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTimestamp(pub String);

impl fmt::Display for InvalidTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid timestamp {:?}: expected RFC 3339, e.g. 2024-08-01T13:33:28Z",
            self.0
        )
    }
}

impl std::error::Error for InvalidTimestamp {}

impl EventTime {
    pub const MILLIS_PER_SECOND: i64 = 1_000;
    pub const MILLIS_PER_DAY: i64 = 86_400_000;

    pub fn from_millis(millis: i64) -> Self {
        EventTime(millis)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 timestamp such as `2024-08-01T13:33:28Z`,
    /// `2024-08-01T13:33:28.123Z` or `2024-08-01T15:33:28+02:00`.
    ///
    /// CloudTrail writes the first form; the others come from EventBridge and
    /// from hand-edited files. Written by hand because it runs once per event
    /// and the accepted grammar is small.
    pub fn parse_rfc3339(text: &str) -> Result<Self, InvalidTimestamp> {
        parse_rfc3339(text.as_bytes()).ok_or_else(|| InvalidTimestamp(text.to_owned()))
    }

    /// Formats as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn to_rfc3339(self) -> String {
        let days = self.0.div_euclid(Self::MILLIS_PER_DAY);
        let rest = self.0.rem_euclid(Self::MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let millis = rest % 1000;
        let seconds = rest / 1000;
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            seconds / 3600,
            (seconds / 60) % 60,
            seconds % 60
        )
    }

    pub fn saturating_sub(self, other: EventTime) -> i64 {
        self.0.saturating_sub(other.0)
    }
}

impl fmt::Display for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn digits(bytes: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = bytes.get(start..start + len)?;
    let mut value = 0i64;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(b - b'0');
    }
    Some(value)
}

fn parse_rfc3339(b: &[u8]) -> Option<EventTime> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // Leap seconds (60) are folded into the next second, as most libraries do.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }

    let mut index = 19;
    let mut millis = 0i64;
    if b.get(index) == Some(&b'.') {
        index += 1;
        let start = index;
        while index < b.len() && b[index].is_ascii_digit() {
            if index - start < 3 {
                millis = millis * 10 + i64::from(b[index] - b'0');
            }
            index += 1;
        }
        let fraction_len = index - start;
        if fraction_len == 0 {
            return None;
        }
        for _ in fraction_len..3 {
            millis *= 10;
        }
    }

    let offset_seconds = match b.get(index)? {
        b'Z' | b'z' if index + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if index + 6 == b.len() && b[index + 3] == b':' => {
            let hours = digits(b, index + 1, 2)?;
            let minutes = digits(b, index + 4, 2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'+' { offset } else { -offset }
        }
        _ => return None,
    };

    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(EventTime(seconds * 1000 + millis))
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil` algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudtrail_timestamp_parses_to_epoch_millis() {
        let time = EventTime::parse_rfc3339("2024-08-01T13:33:28Z").expect("valid");
        assert_eq!(time.millis(), 1_722_519_208_000);
    }

    #[test]
    fn fraction_and_offset_are_honoured() {
        let utc = EventTime::parse_rfc3339("2024-08-01T13:33:28.5Z").expect("valid");
        let offset = EventTime::parse_rfc3339("2024-08-01T15:33:28.500+02:00").expect("valid");
        assert_eq!(utc, offset);
        assert_eq!(utc.millis() % 1000, 500);
    }

    #[test]
    fn formatting_round_trips() {
        let time = EventTime::parse_rfc3339("2000-02-29T23:59:59.123Z").expect("valid");
        assert_eq!(time.to_rfc3339(), "2000-02-29T23:59:59.123Z");
    }

    #[test]
    fn malformed_timestamps_are_rejected() {
        for text in [
            "",
            "2024-08-01",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-08-01T13:33:28",
            "yesterday",
        ] {
            assert!(
                EventTime::parse_rfc3339(text).is_err(),
                "{text} should be rejected"
            );
        }
    }
}
