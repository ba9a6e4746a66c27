//! When the engine compacts idle identities.

use ispm_model::EventTime;

use crate::engine::Engine;

impl Engine {
    /// Compacts the identities idle for longer than
    /// `engine.state.compact_after` before `now`, when `now` reached the
    /// next sweep time. A sweep visits every identity, so it runs once per
    /// quarter of `compact_after` of event time and not on every event: an
    /// identity is compacted between 1 and 1.25 times `compact_after` after
    /// its last event.
    ///
    /// NOTE: a sweep runs inside the `process` call of the event that
    /// reaches the sweep time, so that one call is slower than the others.
    /// It takes time in proportion to the hot identities: a pointer read
    /// each, and an encode of about 2 µs for each idle one.
    pub(crate) fn compact_idle_identities(&mut self, now: EventTime) {
        let after = i64::try_from(self.config.state.compact_after.as_millis()).unwrap_or(i64::MAX);
        if after == 0 || now < self.next_sweep {
            return;
        }
        let interval = (after / 4).max(1);
        self.next_sweep = EventTime::from_millis(now.millis().saturating_add(interval));
        let idle_before = EventTime::from_millis(now.millis().saturating_sub(after));
        self.identities.compact_idle(idle_before, &self.interner);
    }
}

impl Engine {
    /// Returns the number of identities in compact form and the bytes of
    /// their encodings in all, without the 16-byte header of each
    /// allocation.
    pub fn compact_identity_sizes(&self) -> (usize, usize) {
        self.identities.cold_sizes()
    }
}
