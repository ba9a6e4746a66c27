//! Learning periods per detector, resolved once from the settings so that
//! no event looks a detector id up.

use ispm_model::EventTime;

use crate::config::LearningConfig;
use crate::detectors::DETECTORS;
use crate::state::IdentityState;

/// One detector's learning period in the units the check compares.
#[derive(Clone, Copy, Debug)]
struct Period {
    duration_ms: i64,
    min_events: u64,
}

/// The learning period of every entry of [`DETECTORS`], in that order.
#[derive(Clone, Debug)]
pub(crate) struct LearningPeriods {
    periods: [Period; DETECTORS.len()],
}

impl LearningPeriods {
    pub fn new(config: &LearningConfig) -> Self {
        let periods = std::array::from_fn(|index| {
            let (duration, min_events) = config.for_detector(DETECTORS[index]);
            Period {
                duration_ms: i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
                min_events,
            }
        });
        LearningPeriods { periods }
    }

    /// True once the identity's learning period for the detector with this
    /// bit (from [`crate::detectors::bit`]) is over. The period counts from
    /// the identity's first event, or from its return after a long idle
    /// time, and ends at the earlier of its duration and its event count.
    pub fn is_learned(&self, detector_bit: u32, state: &IdentityState, now: EventTime) -> bool {
        let index = detector_bit.trailing_zeros() as usize;
        let Some(period) = self.periods.get(index) else {
            return true;
        };
        let (since, events_before) = period_start(state);
        let by_time = since.is_some_and(|since| now.saturating_sub(since) >= period.duration_ms);
        let by_count = state.event_count.saturating_sub(events_before) >= period.min_events;
        by_time || by_count
    }

    /// Returns when the identity's learning period for the detector ends by
    /// time, and how many events it still needs to end by count.
    pub fn remaining(&self, detector_bit: u32, state: &IdentityState) -> (Option<EventTime>, u64) {
        let index = detector_bit.trailing_zeros() as usize;
        let Some(period) = self.periods.get(index) else {
            return (None, 0);
        };
        let (since, events_before) = period_start(state);
        let ends_at =
            since.map(|since| EventTime(since.millis().saturating_add(period.duration_ms)));
        let counted = state.event_count.saturating_sub(events_before);
        (ends_at, period.min_events.saturating_sub(counted))
    }
}

/// Returns when the identity's learning period started and how many of its
/// events came before: its first event, or its return after a long idle
/// time.
fn period_start(state: &IdentityState) -> (Option<EventTime>, u64) {
    match state.history().and_then(|history| history.relearning_since) {
        Some((since, events_before)) => (Some(since), events_before),
        None => (state.first_seen, 0),
    }
}
