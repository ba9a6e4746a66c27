//! Day arithmetic on event time.
//!
//! A limit of N days is broken once strictly more than N days have passed:
//! a key rotated exactly 90 days ago still passes a 90-day limit, and fails
//! one millisecond later. Panther's credential-report rules compare the same
//! way (`now - rotated > timedelta(days=90)`).

use ispm_model::EventTime;

pub(crate) const DAY_MS: i64 = EventTime::MILLIS_PER_DAY;

/// Whole days from `from` to `now`, rounded down; negative when `from` lies
/// after `now`.
pub(crate) fn days_between(from: EventTime, now: EventTime) -> i64 {
    now.saturating_sub(from).div_euclid(DAY_MS)
}

/// The first instant at which more than `days` days have passed since `from`.
pub(crate) fn first_instant_beyond(from: EventTime, days: u32) -> EventTime {
    let limit = i64::from(days).saturating_mul(DAY_MS);
    EventTime(from.0.saturating_add(limit).saturating_add(1))
}

/// True when more than `days` days have passed from `from` to `now`.
pub(crate) fn is_beyond(from: EventTime, days: u32, now: EventTime) -> bool {
    now >= first_instant_beyond(from, days)
}

/// The calendar date of an event time, `YYYY-MM-DD`.
pub(crate) fn date(time: EventTime) -> String {
    let text = time.to_rfc3339();
    match text.split_once('T') {
        Some((day, _)) => day.to_owned(),
        None => text,
    }
}

/// `time` when it lies after `now`: the only flip times worth a timer.
pub(crate) fn after(time: EventTime, now: EventTime) -> Option<EventTime> {
    (time > now).then_some(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_limit_is_not_beyond_it() {
        let from = EventTime(0);
        assert!(!is_beyond(from, 90, EventTime(90 * DAY_MS)));
        assert!(is_beyond(from, 90, EventTime(90 * DAY_MS + 1)));
    }

    #[test]
    fn days_round_down_and_go_negative() {
        assert_eq!(days_between(EventTime(0), EventTime(DAY_MS - 1)), 0);
        assert_eq!(days_between(EventTime(DAY_MS), EventTime(0)), -1);
    }

    #[test]
    fn date_is_the_day_part() {
        assert_eq!(date(EventTime(0)), "1970-01-01");
    }
}
