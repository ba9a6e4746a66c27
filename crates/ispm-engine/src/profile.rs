//! An identity's behavioural baseline as a report, for `ispm explain`: how
//! far each learning period has run, what the first-seen sets hold, when the
//! identity is usually active and at what rates, and where it was last.
//!
//! The engine keeps hashes, bit sets and running averages, not the values
//! themselves, so the report gives counts and ages rather than lists.

use ispm_model::{EventTime, IdentityId, IdentityKind};
use serde::Serialize;

use crate::detectors::{
    AGENT_SCOPE_ID, LEARNING_DETECTORS, TRAVEL_ID, UNUSUAL_HOUR_ID, bit,
    first_seen_attribute_names, sensitive_rules_used,
};
use crate::engine::Engine;
use crate::state::{IdentityState, day_of};

/// Values used within this many days count as in current use.
const RECENT_DAYS: u16 = 30;

/// The baseline of one identity as of its last event.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineProfile {
    pub identity: IdentityId,
    pub kind: IdentityKind,
    pub event_count: u64,
    pub first_seen: Option<EventTime>,
    pub last_seen: Option<EventTime>,
    /// One entry per enabled detector that waits for a learning period and
    /// applies to the identity's kind.
    pub learning: Vec<LearningStatus>,
    /// One entry per first-seen attribute, watched or not.
    pub attributes: Vec<AttributeBaseline>,
    pub activity: ActivityBaseline,
    /// Rule ids of the sensitive calls the identity made at least once;
    /// only a first use of each is reported.
    pub sensitive_calls_made: Vec<&'static str>,
    pub last_location: Option<LocationBaseline>,
    /// Calls kept in the burst windows of denied calls, enumeration calls and
    /// secret reads (each `engine.bursts` window long), as of the last event.
    pub burst_windows: BurstWindows,
}

/// Whether a detector's learning period is over for the identity.
#[derive(Clone, Debug, Serialize)]
pub struct LearningStatus {
    pub detector: &'static str,
    pub learned: bool,
    /// When the period ends by time, counted from the first event or from
    /// the return after a long idle time.
    pub ends_at: Option<EventTime>,
    /// Events still needed to end it by count; zero once reached.
    pub events_left: u64,
}

/// The contents of an identity's set of one first-seen attribute.
#[derive(Clone, Debug, Serialize)]
pub struct AttributeBaseline {
    pub attribute: &'static str,
    /// False when `engine.first_seen.attributes` does not list it: it is
    /// learned but not reported.
    pub watched: bool,
    /// Values the set keeps. Past `max_values` the set stops growing and
    /// `high_variance` is set, so the identity used at least this many.
    pub known_values: usize,
    /// Values last used within the last 30 days before the last event.
    pub used_last_30_days: usize,
    /// Set once the set reached `max_values`: new values are no longer
    /// reported for this attribute.
    pub high_variance: bool,
}

/// When and how much the identity is active.
#[derive(Clone, Debug, Serialize)]
pub struct ActivityBaseline {
    /// Hours of the week (of 168) the identity was ever active in.
    pub active_hours_of_week: u32,
    /// The active hours per day of the week, as UTC ranges such as
    /// `Mon 08:00-17:59`.
    pub active_hours: Vec<String>,
    /// Long-run averages, `None` until a first active hour or UTC day of
    /// the identity has ended.
    pub calls_per_active_hour: Option<f32>,
    pub calls_per_active_day: Option<f32>,
    /// Calls in the hour and the UTC day of the last event.
    pub calls_in_last_hour: u32,
    pub calls_in_last_day: u32,
}

/// The last place the identity was seen at, when a city database gave one.
#[derive(Clone, Debug, Serialize)]
pub struct LocationBaseline {
    pub country: Option<String>,
    pub latitude: f32,
    pub longitude: f32,
    pub time: EventTime,
}

#[derive(Clone, Debug, Serialize)]
pub struct BurstWindows {
    pub access_denied: usize,
    pub enumeration: usize,
    pub secrets: usize,
}

impl Engine {
    /// Returns the baseline of one identity, or `None` when no event or
    /// snapshot named it.
    pub fn baseline(&self, id: &IdentityId) -> Option<BaselineProfile> {
        let state = self.identities.get(id, &self.interner)?;
        Some(self.profile_of(&state))
    }

    fn profile_of(&self, state: &IdentityState) -> BaselineProfile {
        let now = state.last_seen.unwrap_or(EventTime(0));
        let learning = LEARNING_DETECTORS
            .iter()
            .filter(|detector| self.enabled.has(bit(detector)) && applies_to(detector, state.kind))
            .map(|detector| {
                let (ends_at, events_left) = self.learning.remaining(bit(detector), state);
                LearningStatus {
                    detector,
                    learned: self.learning.is_learned(bit(detector), state, now),
                    ends_at,
                    events_left,
                }
            })
            .collect();
        let today = day_of(now);
        let watched = &self.config.first_seen.attributes;
        let attributes = first_seen_attribute_names()
            .iter()
            .enumerate()
            .map(|(index, attribute)| AttributeBaseline {
                attribute,
                watched: watched.iter().any(|name| name == attribute),
                known_values: state.seen.len(index),
                used_last_30_days: state
                    .seen
                    .last_use_days(index)
                    .filter(|day| today.saturating_sub(*day) < RECENT_DAYS)
                    .count(),
                high_variance: state.seen.is_high_variance(index),
            })
            .collect();
        let profile = &state.activity;
        let activity = ActivityBaseline {
            active_hours_of_week: profile.hours.iter().map(|word| word.count_ones()).sum(),
            active_hours: hour_ranges(&profile.hours),
            calls_per_active_hour: (profile.hourly_rate > 0.0).then_some(profile.hourly_rate),
            calls_per_active_day: (profile.daily_rate > 0.0).then_some(profile.daily_rate),
            calls_in_last_hour: profile.bucket_count,
            calls_in_last_day: profile.day_count,
        };
        let last_location = state.last_location.as_deref().map(|last| {
            let (latitude, longitude) = last.coordinates();
            LocationBaseline {
                country: last.country_code().map(str::to_owned),
                latitude,
                longitude,
                time: last.time(),
            }
        });
        BaselineProfile {
            identity: state.id.clone(),
            kind: state.kind,
            event_count: state.event_count,
            first_seen: state.first_seen,
            last_seen: state.last_seen,
            learning,
            attributes,
            activity,
            sensitive_calls_made: sensitive_rules_used(state.sensitive_used),
            last_location,
            burst_windows: BurstWindows {
                access_denied: state.denied.len(),
                enumeration: state.enumeration.len(),
                secrets: state.secrets.len(),
            },
        }
    }
}

/// True unless the detector ignores identities of this kind: travel speed
/// is measured for people and root, hours of the day for people, and scope
/// drift for AI agents.
fn applies_to(detector: &str, kind: IdentityKind) -> bool {
    match detector {
        TRAVEL_ID => matches!(kind, IdentityKind::Human | IdentityKind::Root),
        UNUSUAL_HOUR_ID => kind == IdentityKind::Human,
        AGENT_SCOPE_ID => kind == IdentityKind::AiAgent,
        _ => true,
    }
}

/// Writes the set hours of a week bit set as one range list per day, such
/// as `Mon 08:00-12:59, 14:00-17:59`; days without activity are left out.
fn hour_ranges(hours: &[u64; 3]) -> Vec<String> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let is_set = |hour: usize| hours[hour / 64] & (1u64 << (hour % 64)) != 0;
    let mut lines = Vec::new();
    for (day, name) in DAYS.iter().enumerate() {
        let mut ranges = Vec::new();
        let mut hour = 0;
        while hour < 24 {
            if !is_set(day * 24 + hour) {
                hour += 1;
                continue;
            }
            let start = hour;
            while hour < 24 && is_set(day * 24 + hour) {
                hour += 1;
            }
            ranges.push(format!("{start:02}:00-{:02}:59", hour - 1));
        }
        if !ranges.is_empty() {
            lines.push(format!("{name} {}", ranges.join(", ")));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_hours_read_as_ranges_per_day() {
        let mut hours = [0u64; 3];
        let mut set = |hour: usize| hours[hour / 64] |= 1u64 << (hour % 64);
        for hour in 8..=12 {
            set(hour);
        }
        set(15);
        // Sunday 23:00, the last hour of the week.
        set(167);
        assert_eq!(
            hour_ranges(&hours),
            ["Mon 08:00-12:59, 15:00-15:59", "Sun 23:00-23:59"]
        );
        assert!(hour_ranges(&[0; 3]).is_empty());
    }
}
