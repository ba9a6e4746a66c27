//! Civil-calendar arithmetic on UTC milliseconds and the time formats that
//! CloudTrail uses. No wall clock is read anywhere in the simulator.

use std::fmt::Write as _;

pub(crate) const MS_PER_SECOND: i64 = 1_000;
pub(crate) const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub(crate) const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
pub(crate) const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

const MONTH_ABBREVIATIONS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Returns the date `(year, month, day)` of a day number since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day of the week of a day number, 0 = Monday ... 6 = Sunday.
pub(crate) fn weekday(days: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    (days + 3).rem_euclid(7) as u32
}

/// Parses a UTC day as `YYYY-MM-DD` or `YYYY-MM-DDT00:00:00Z` and returns
/// its day number since 1970-01-01.
pub(crate) fn parse_day(text: &str) -> Result<i64, String> {
    let date = match text.split_once('T') {
        Some((date, time)) => {
            let midnight = matches!(time, "00:00:00Z" | "00:00:00.000Z" | "00:00:00+00:00");
            if !midnight {
                return Err(format!(
                    "start {text:?} is not midnight UTC; use a day such as \"2026-01-05T00:00:00Z\""
                ));
            }
            date
        }
        None => text,
    };
    let mut parts = date.splitn(3, '-');
    let year = parts.next().and_then(|part| part.parse::<i64>().ok());
    let month = parts.next().and_then(|part| part.parse::<u32>().ok());
    let day = parts.next().and_then(|part| part.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(format!(
            "start {text:?} is not an RFC 3339 day such as \"2026-01-05T00:00:00Z\""
        ));
    };
    let days = days_from_civil(year, month, day);
    if !(1970..=9999).contains(&year) || civil_from_days(days) != (year, month, day) {
        return Err(format!(
            "start {text:?} is not a valid date between 1970 and 9999"
        ));
    }
    Ok(days)
}

/// Splits milliseconds since the epoch into date and time of day.
fn split(millis: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = millis.div_euclid(MS_PER_DAY);
    let in_day = millis.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let hour = (in_day / MS_PER_HOUR) as u32;
    let minute = (in_day % MS_PER_HOUR / MS_PER_MINUTE) as u32;
    let second = (in_day % MS_PER_MINUTE / MS_PER_SECOND) as u32;
    (year, month, day, hour, minute, second)
}

/// Formats CloudTrail's `eventTime`: `2026-01-05T09:12:33Z` (whole seconds).
pub(crate) fn event_time(millis: i64) -> String {
    let (year, month, day, hour, minute, second) = split(millis);
    let mut text = String::with_capacity(20);
    let _ = write!(
        text,
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
    );
    text
}

/// Formats the time style of STS `expiration` and S3-style response dates:
/// `Jan 5, 2026, 10:12:33 AM`.
pub(crate) fn response_time(millis: i64) -> String {
    let (year, month, day, hour, minute, second) = split(millis);
    let (hour12, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    let month_name = MONTH_ABBREVIATIONS[(month - 1) as usize];
    format!("{month_name} {day}, {year}, {hour12}:{minute:02}:{second:02} {half}")
}

/// Formats the stamp of a CloudTrail log file name: `20260105T0905Z`.
pub(crate) fn file_stamp(millis: i64) -> String {
    let (year, month, day, hour, minute, _) = split(millis);
    format!("{year:04}{month:02}{day:02}T{hour:02}{minute:02}Z")
}

/// Formats the `YYYY/MM/DD` folder of a CloudTrail log file.
pub(crate) fn date_folder(millis: i64) -> String {
    let (year, month, day, ..) = split(millis);
    format!("{year:04}/{month:02}/{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1000, 0, 1, 59, 60, 365, 10_957, 20_458, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
        }
    }

    #[test]
    fn default_start_is_a_monday() {
        let days = parse_day("2026-01-05T00:00:00Z").expect("valid day");
        assert_eq!(weekday(days), 0);
        assert_eq!(event_time(days * MS_PER_DAY), "2026-01-05T00:00:00Z");
    }

    #[test]
    fn parse_day_rejects_times_and_bad_dates() {
        assert!(parse_day("2026-01-05T10:00:00Z").is_err());
        assert!(parse_day("2026-02-30").is_err());
        assert!(parse_day("yesterday").is_err());
        assert_eq!(parse_day("1970-01-01"), Ok(0));
    }

    #[test]
    fn response_time_uses_twelve_hour_clock() {
        let noon = 12 * MS_PER_HOUR + 5 * MS_PER_MINUTE;
        assert_eq!(response_time(noon), "Jan 1, 1970, 12:05:00 PM");
        assert_eq!(response_time(0), "Jan 1, 1970, 12:00:00 AM");
        assert_eq!(file_stamp(noon), "19700101T1205Z");
    }
}
