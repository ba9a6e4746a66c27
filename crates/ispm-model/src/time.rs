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
        let bytes = text.as_bytes();
        if let Some(time) = parse_cloudtrail_time(bytes) {
            return Ok(time);
        }
        parse_rfc3339(bytes).ok_or_else(|| InvalidTimestamp(text.to_owned()))
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

/// Parses the one shape CloudTrail writes, `YYYY-MM-DDTHH:MM:SSZ`, at a
/// fraction of the cost of [`parse_rfc3339`]. Returns `None` for any other
/// text and for an invalid date or time of this shape, and the caller then
/// runs the general parser. That parser gives the same result for every
/// text this function accepts.
fn parse_cloudtrail_time(text: &[u8]) -> Option<EventTime> {
    let text: &[u8; 20] = text.try_into().ok()?;
    let (date, rest) = text.split_first_chunk::<8>()?;
    let (clock, second) = rest.split_first_chunk::<8>()?;
    let second: &[u8; 4] = second.try_into().ok()?;
    let [second_0, second_1, second_2, second_3] = *second;
    let date = digit_pairs(*date, DATE_WORD)?;
    let clock = digit_pairs(*clock, CLOCK_WORD)?;
    let second = digit_pairs(
        [second_0, second_1, second_2, second_3, 0, 0, 0, 0],
        SECOND_WORD,
    )?;

    let year = pair_at(date, 0) * 100 + pair_at(date, 2);
    let month = pair_at(date, 5);
    let day = pair_at(clock, 0);
    let hour = pair_at(clock, 3);
    let minute = pair_at(clock, 6);
    let second = pair_at(second, 1);
    let days_in_month = days_in_month(i64::from(year), i64::from(month));
    if !(1..=12).contains(&month) || day < 1 || i64::from(day) > days_in_month {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil_from_year_zero(year, month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(EventTime(seconds * 1000))
}

/// Eight bytes of the CloudTrail time shape, read as a little-endian word:
/// `pattern` has `0` where a digit goes and the separator itself elsewhere.
#[derive(Clone, Copy)]
struct TimeWord {
    pattern: u64,
    /// Per byte, the amount that sets the top bit of a byte of
    /// `text ^ pattern` exactly when that byte is out of range. It is 0x76
    /// for a digit, whose byte must be 0-9, and 0x7f for a separator, whose
    /// byte must be 0.
    limits: u64,
}

const fn time_word(pattern: &[u8; 8]) -> TimeWord {
    let mut limits = [0u8; 8];
    let mut index = 0;
    while index < 8 {
        limits[index] = if pattern[index] == b'0' { 0x76 } else { 0x7f };
        index += 1;
    }
    TimeWord {
        pattern: u64::from_le_bytes(*pattern),
        limits: u64::from_le_bytes(limits),
    }
}

const DATE_WORD: TimeWord = time_word(b"0000-00-");
const CLOCK_WORD: TimeWord = time_word(b"00T00:00");
const SECOND_WORD: TimeWord = time_word(b":00Z\0\0\0\0");
const TOP_BITS: u64 = 0x8080_8080_8080_8080;

/// Checks eight bytes against `word` all at once and returns a word whose
/// byte `i` is the two-digit number that bytes `i` and `i + 1` spell, or
/// `None` when a digit or separator is wrong.
fn digit_pairs(bytes: [u8; 8], word: TimeWord) -> Option<u64> {
    // XOR turns each digit into its value 0-9 and each matching separator
    // into 0. Any other byte becomes a value outside those ranges.
    let values = u64::from_le_bytes(bytes) ^ word.pattern;
    // A byte of 0x80 or more fails by its own top bit, whatever it carries
    // into the next byte. A smaller byte's sum stays below 0x100, so it
    // carries nothing, and the sum's top bit shows whether that byte is out
    // of range.
    if (values | values.wrapping_add(word.limits)) & TOP_BITS != 0 {
        return None;
    }
    // Every byte is now at most 9, so 10 * byte + next byte is at most 99
    // and no byte of the result carries into its neighbour.
    Some(values * 10 + (values >> 8))
}

/// Returns byte `index` of a word from [`digit_pairs`].
fn pair_at(pairs: u64, index: u32) -> u32 {
    u32::from((pairs >> (8 * index)) as u8)
}

/// Counts the days since 1970-01-01 as [`days_from_civil`] does, for a year
/// from 0 to 9999. Unsigned division costs fewer instructions than the
/// `div_euclid` that negative years need.
fn days_from_civil_from_year_zero(year: u32, month: u32, day: u32) -> i64 {
    // Counting from 400 years before year 0 keeps every value positive and
    // moves no date within the 400-year cycle of leap years.
    const SHIFT_YEARS: u32 = 400;
    const SHIFT_DAYS: i64 = 146_097;
    // Like `days_from_civil`, the year starts in March, so that a leap
    // day is the last day of the year before.
    let year = year + SHIFT_YEARS - u32::from(month <= 2);
    let march_based_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * march_based_month + 2) / 5 + day - 1;
    let days = year * 365 + year / 4 - year / 100 + year / 400 + day_of_year;
    i64::from(days) - 719_468 - SHIFT_DAYS
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

    /// Returns what the public parser returns, and checks on the way that
    /// the CloudTrail fast path, when it accepts the text, agrees with the
    /// general parser.
    fn parse_both_ways(text: &str) -> Option<EventTime> {
        let general = parse_rfc3339(text.as_bytes());
        if let Some(fast) = parse_cloudtrail_time(text.as_bytes()) {
            assert_eq!(Some(fast), general, "fast path differs on {text:?}");
        }
        let public = EventTime::parse_rfc3339(text).ok();
        assert_eq!(public, general, "public parser differs on {text:?}");
        public
    }

    #[test]
    fn fast_path_matches_general_parser() {
        let years = [
            0, 1, 3, 4, 99, 100, 399, 400, 1582, 1600, 1899, 1900, 1969, 1970, 1971, 1999, 2000,
            2001, 2004, 2023, 2024, 2038, 2100, 2400, 9999,
        ];
        let clocks = [
            (0, 0, 0),
            (0, 0, 1),
            (12, 34, 56),
            (23, 59, 59),
            (23, 59, 60),
            (23, 59, 61),
            (23, 60, 0),
            (24, 0, 0),
            (99, 99, 99),
        ];
        for year in years {
            for month in 0..=13 {
                for day in 0..=32 {
                    for (hour, minute, second) in clocks {
                        let text = format!(
                            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
                        );
                        let general = parse_rfc3339(text.as_bytes());
                        let fast = parse_cloudtrail_time(text.as_bytes());
                        assert_eq!(fast, general, "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn fast_path_rejects_invalid_dates() {
        for text in [
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2024-13-10T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-32T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:61Z",
        ] {
            assert_eq!(parse_cloudtrail_time(text.as_bytes()), None, "{text}");
            assert!(EventTime::parse_rfc3339(text).is_err(), "{text}");
        }
        for text in [
            "2024-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2024-01-01T23:59:60Z",
        ] {
            assert!(parse_cloudtrail_time(text.as_bytes()).is_some(), "{text}");
        }
    }

    #[test]
    fn single_byte_changes_match_general_parser() {
        let valid = "2024-02-29T13:33:28Z";
        for position in 0..valid.len() {
            for byte in 0..=0x7f_u8 {
                let mut bytes = valid.as_bytes().to_vec();
                bytes[position] = byte;
                let text = String::from_utf8(bytes).expect("ASCII is UTF-8");
                parse_both_ways(&text);
            }
        }
        for text in [
            "2024-02-29t13:33:28Z",
            "2024-02-29 13:33:28Z",
            "2024-02-29T13:33:28z",
            "2024-02-29T13:33:28.1Z",
            "2024-02-29T13:33:28+01:00",
            "2024-02-29T13:33:2Z",
            "2024-02-29T13:33:28ZZ",
            "2024-02-29T13:33:28\u{e9}",
            "\u{e9}024-02-29T13:33:28Z",
        ] {
            parse_both_ways(text);
        }
    }

    #[test]
    fn unsigned_day_count_matches_days_from_civil() {
        for year in 0..=9999_u32 {
            for month in 1..=12_u32 {
                let last_day = days_in_month(i64::from(year), i64::from(month));
                for day in [1, last_day] {
                    let day = u32::try_from(day).expect("a month has at most 31 days");
                    assert_eq!(
                        days_from_civil_from_year_zero(year, month, day),
                        days_from_civil(i64::from(year), i64::from(month), i64::from(day)),
                        "{year:04}-{month:02}-{day:02}"
                    );
                }
            }
        }
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
