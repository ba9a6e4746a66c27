//! Activity against the identity's own rhythm: a person active in an hour of
//! the week they never worked in, and any identity calling far more often
//! than its long-run rate, within one hour or over one UTC day.

use ispm_model::{Confidence, FindingCategory, IdentityKind, Severity};
use serde_json::json;

use super::{Context, Hit, bit};
use crate::attack;
use crate::state::{ActivityProfile, IdentityState};

pub const ID_HOUR: &str = "unusual_hour";
pub const ID_VOLUME: &str = "volume_spike";

const HOUR_MS: i64 = 3_600_000;
const HOURS_PER_DAY: i64 = 24;
/// 1970-01-01 was a Thursday; shifting by three days makes hour 0 of the
/// week Monday 00:00 UTC.
const WEEK_OFFSET_HOURS: i64 = 3 * 24;
const HOURS_PER_WEEK: i64 = 168;
/// Weight of the newest hour in the long-run hourly rate: about a week of
/// active hours.
const RATE_SMOOTHING: f32 = 1.0 / 168.0;
/// Weight of the newest day in the long-run daily rate: about a month of
/// active days.
const DAILY_RATE_SMOOTHING: f32 = 1.0 / 30.0;

/// Active hours of the week a person's profile needs before an unusual
/// time of day is reported: a few weeks of a normal working pattern.
const MATURE_ACTIVE_HOURS: u32 = 20;

/// True when the identity was ever active, on any day of the week, within
/// an hour of this hour's time of day. People keep their hours across days,
/// so only a time of day they never work at is unusual; a Saturday at their
/// usual time is not.
fn active_near_time_of_day(hours: &[u64; 3], hour: usize) -> bool {
    // Every event runs this test, so the 21 hours of the week to test
    // come from a table of bit masks and not from a loop over days.
    let near = &NEAR_TIME_OF_DAY[hour % 24];
    hours
        .iter()
        .zip(near)
        .any(|(hours, near)| hours & near != 0)
}

/// For each hour of the day, the hours of the week, on any day, within an
/// hour of it, as bits in the layout of [`ActivityProfile::hours`].
const NEAR_TIME_OF_DAY: [[u64; 3]; 24] = near_time_of_day_masks();

const fn near_time_of_day_masks() -> [[u64; 3]; 24] {
    let mut masks = [[0u64; 3]; 24];
    let mut time_of_day = 0;
    while time_of_day < 24 {
        let mut day = 0;
        while day < 7 {
            // The hour before, the hour itself and the hour after, where
            // hour 23 of a day counts as next to hour 0 of the same day.
            let mut offset = 23;
            while offset <= 25 {
                let near = day * 24 + (time_of_day + offset) % 24;
                masks[time_of_day][near / 64] |= 1u64 << (near % 64);
                offset += 1;
            }
            day += 1;
        }
        time_of_day += 1;
    }
    masks
}

/// Hour of the week, 0 = Monday 00:00-01:00 UTC.
fn hour_of_week(millis: i64) -> usize {
    let hours = millis.div_euclid(HOUR_MS) + WEEK_OFFSET_HOURS;
    hours.rem_euclid(HOURS_PER_WEEK) as usize
}

/// Records the event in the identity's week profile and hourly rate, and
/// reports an unusual hour or a volume spike once the identity's learning
/// period of each detector is over.
pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let now = ctx.event.time.millis();
    let hour = hour_of_week(now);
    let usual_time_of_day = active_near_time_of_day(&state.activity.hours, hour);
    let (word, hour_bit) = (hour / 64, 1u64 << (hour % 64));
    state.activity.hours[word] |= hour_bit;

    count_call(&mut state.activity, now);

    let hour_enabled =
        ctx.enabled.has(const { bit(ID_HOUR) }) && ctx.is_learned(state, const { bit(ID_HOUR) });
    let volume_enabled = ctx.enabled.has(const { bit(ID_VOLUME) })
        && ctx.is_learned(state, const { bit(ID_VOLUME) });
    if !hour_enabled && !volume_enabled {
        return;
    }
    let active_hours: u32 = state
        .activity
        .hours
        .iter()
        .map(|word| word.count_ones())
        .sum();
    if !usual_time_of_day
        && active_hours > MATURE_ACTIVE_HOURS
        && state.kind == IdentityKind::Human
        && hour_enabled
        && !ctx.is_folded(state, ID_HOUR, "unusual_time_of_day", "")
    {
        report_hour(ctx, state, hour);
    }
    if !volume_enabled {
        return;
    }
    let config = &ctx.config.activity;
    let profile = &state.activity;
    let (hour_count, hour_rate) = (profile.bucket_count, profile.hourly_rate);
    if !profile.spike_reported
        && is_spike(
            hour_count,
            hour_rate,
            config.spike_min_events,
            config.spike_factor,
        )
    {
        state.activity.spike_reported = true;
        report_spike(ctx, state, Scale::Hour, hour_count as f32, hour_rate);
    }
    let config = &ctx.config.activity;
    let profile = &state.activity;
    let (day_count, day_rate) = (profile.day_count, profile.daily_rate);
    if !profile.day_spike_reported
        && is_spike(
            day_count,
            day_rate,
            config.daily_spike_min_events,
            config.daily_spike_factor,
        )
    {
        state.activity.day_spike_reported = true;
        report_spike(ctx, state, Scale::Day, day_count as f32, day_rate);
    }
}

/// True when `count` calls in a period are at least `min_events` and more
/// than `factor` times the long-run `rate`, once a first period closed.
fn is_spike(count: u32, rate: f32, min_events: u32, factor: f32) -> bool {
    rate > 0.0 && count >= min_events && count as f32 > factor * rate
}

/// Counts one call at `now` in the current hour and day, first closing an
/// hour or day that ended into its long-run rate. Idle hours and days do
/// not lower the rates: they are per active hour and per active day.
fn count_call(profile: &mut ActivityProfile, now: i64) {
    let bucket = now.div_euclid(HOUR_MS);
    if profile.bucket != bucket {
        // The day is that of the hour, so it can only change with the hour.
        let day_changed =
            profile.bucket.div_euclid(HOURS_PER_DAY) != bucket.div_euclid(HOURS_PER_DAY);
        if profile.bucket != 0 {
            profile.hourly_rate =
                smoothed(profile.hourly_rate, profile.bucket_count, RATE_SMOOTHING);
            if day_changed {
                profile.daily_rate =
                    smoothed(profile.daily_rate, profile.day_count, DAILY_RATE_SMOOTHING);
            }
        }
        if day_changed {
            profile.day_count = 0;
            profile.day_spike_reported = false;
        }
        profile.bucket = bucket;
        profile.bucket_count = 0;
        profile.spike_reported = false;
    }
    profile.bucket_count = profile.bucket_count.saturating_add(1);
    profile.day_count = profile.day_count.saturating_add(1);
}

/// Moves a long-run rate towards the count of a period that closed; the
/// first period sets it.
fn smoothed(rate: f32, count: u32, weight: f32) -> f32 {
    let count = count as f32;
    if rate == 0.0 {
        count
    } else {
        rate + weight * (count - rate)
    }
}

/// The period a volume spike was counted over.
#[derive(Clone, Copy)]
enum Scale {
    Hour,
    Day,
}

fn report_hour(ctx: &mut Context<'_>, state: &mut IdentityState, hour: usize) {
    let days = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let day = days.get(hour / 24).copied().unwrap_or("?");
    let active = state
        .activity
        .hours
        .iter()
        .map(|word| word.count_ones())
        .sum::<u32>()
        .saturating_sub(1);
    let mut hit = Hit::new(ID_HOUR, "unusual_time_of_day", FindingCategory::Anomaly);
    hit.title = format!(
        "{} active at an unusual time: {day} {:02}:00 UTC",
        state.name(),
        hour % 24
    );
    hit.description = format!(
        "{} called {} at a time of day it was never active at, on any day, within an hour either \
         side; it was active in {active} of the 168 hours of the week so far. Stolen credentials \
         are often used while their owner sleeps.",
        state.name(),
        ctx.event.action
    );
    hit.severity = Severity::Low;
    hit.confidence = Confidence::Low;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Check with the person whether they worked at that time; if not, revoke \
                       their sessions and credentials.";
    hit.data = json!({ "hour_of_week": hour, "active_hours_before": active });
    ctx.emit(state, hit);
}

fn report_spike(
    ctx: &mut Context<'_>,
    state: &mut IdentityState,
    scale: Scale,
    count: f32,
    rate: f32,
) {
    let (finding_type, period, data) = match scale {
        Scale::Hour => (
            "hourly_calls_above_rate",
            "hour",
            json!({ "calls_this_hour": count, "usual_per_active_hour": rate }),
        ),
        Scale::Day => (
            "daily_calls_above_rate",
            "day",
            json!({ "calls_this_day": count, "usual_per_active_day": rate }),
        ),
    };
    let mut hit = Hit::new(ID_VOLUME, finding_type, FindingCategory::Anomaly);
    hit.title = format!(
        "{} made {count:.0} calls within the {period}, {:.0} times its usual rate",
        state.name(),
        count / rate
    );
    hit.description = format!(
        "{} made {count:.0} calls in the current {period} (UTC) against a long-run average of \
         {rate:.1} per active {period}. Bulk reads, mass changes or crypto-mining launches by a \
         stolen credential look like this.",
        state.name()
    );
    hit.severity = Severity::Medium;
    hit.confidence = Confidence::Low;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = match scale {
        Scale::Hour => {
            "Look at what the identity did in this hour (ispm explain) and confirm it with its \
             owner."
        }
        Scale::Day => {
            "Look at what the identity did today (ispm explain) and confirm it with its owner."
        }
    };
    hit.data = data;
    ctx.emit(state, hit);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns what the loop that the mask table replaced returned.
    fn reference_active_near_time_of_day(hours: &[u64; 3], hour: usize) -> bool {
        let time_of_day = (hour % 24) as i64;
        (0..7).any(|day| {
            (-1..=1).any(|shift| {
                let near = (day * 24 + (time_of_day + shift).rem_euclid(24)) as usize;
                hours[near / 64] & (1u64 << (near % 64)) != 0
            })
        })
    }

    #[test]
    fn near_time_of_day_matches_reference() {
        for active in 0..HOURS_PER_WEEK as usize {
            let mut hours = [0u64; 3];
            hours[active / 64] |= 1u64 << (active % 64);
            for hour in 0..HOURS_PER_WEEK as usize {
                assert_eq!(
                    active_near_time_of_day(&hours, hour),
                    reference_active_near_time_of_day(&hours, hour),
                    "active {active}, hour {hour}"
                );
            }
        }
        assert!(!active_near_time_of_day(&[0; 3], 5));
    }

    #[test]
    fn hour_of_week_starts_on_monday() {
        // 2024-01-01 00:30 UTC was a Monday.
        assert_eq!(hour_of_week(1_704_069_000_000), 0);
        // 2024-01-07 23:30 UTC was a Sunday.
        assert_eq!(hour_of_week(1_704_670_200_000), 167);
    }
}
