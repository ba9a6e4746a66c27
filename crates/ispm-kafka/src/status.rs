//! The phases of all stages, shared with the readiness endpoint and the
//! runtime's watchdog.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::lifecycle::{Lifecycle, Phase, Transition};

#[derive(Debug)]
struct Tracked {
    lifecycle: Lifecycle,
    /// When the current phase began.
    since: Instant,
}

/// The lifecycle of one stage, shared between its consumer thread (which
/// moves it) and the HTTP endpoint and watchdog (which read it).
#[derive(Debug)]
pub(crate) struct StageStatus {
    pub stage: &'static str,
    state: Mutex<Tracked>,
    /// Consumers replaced because their group join stalled.
    replacements: AtomicU64,
}

impl StageStatus {
    pub fn new(stage: &'static str) -> Arc<Self> {
        Arc::new(StageStatus {
            stage,
            state: Mutex::new(Tracked {
                lifecycle: Lifecycle::default(),
                since: Instant::now(),
            }),
            replacements: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Tracked> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a transition, logging one that does not fit the phase.
    pub fn apply(&self, transition: Transition) -> Phase {
        let mut state = self.lock();
        let before = state.lifecycle.phase();
        match state.lifecycle.apply(transition) {
            Ok(phase) => {
                if phase != before {
                    state.since = Instant::now();
                }
                phase
            }
            Err(unexpected) => {
                tracing::debug!(
                    stage = self.stage,
                    phase = %unexpected.phase,
                    transition = ?unexpected.transition,
                    "transition does not fit the phase; phase unchanged"
                );
                unexpected.phase
            }
        }
    }

    pub fn phase(&self) -> Phase {
        self.lock().lifecycle.phase()
    }

    pub fn is_ready(&self) -> bool {
        self.lock().lifecycle.is_ready()
    }

    /// Notes that the stage's consumer was replaced, and counts the
    /// current phase's age from now, since the replacement starts joining.
    pub fn note_replacement(&self) {
        self.replacements.fetch_add(1, Ordering::Relaxed);
        self.lock().since = Instant::now();
    }

    /// Returns the phase and how long the stage has been in it.
    pub fn phase_age(&self) -> (Phase, Duration) {
        let state = self.lock();
        (state.lifecycle.phase(), state.since.elapsed())
    }
}

/// The status of every stage of a running pipeline.
#[derive(Clone, Debug, Default)]
pub struct RuntimeStatus {
    stages: Vec<Arc<StageStatus>>,
}

impl RuntimeStatus {
    pub(crate) fn new(stages: Vec<Arc<StageStatus>>) -> Self {
        RuntimeStatus { stages }
    }

    /// True once every stage has received its partition assignment and none
    /// is rebalancing or shutting down. State restore will become a further
    /// condition once the stateful stage restores state.
    pub fn is_ready(&self) -> bool {
        !self.stages.is_empty() && self.stages.iter().all(|stage| stage.is_ready())
    }

    /// Returns how many consumers were replaced, in all stages, because
    /// their group join stalled (`kafka.rejoin_after`).
    pub fn consumer_replacements(&self) -> u64 {
        self.stages
            .iter()
            .map(|stage| stage.replacements.load(Ordering::Relaxed))
            .sum()
    }

    /// Returns each stage with its phase, e.g. `[("decode", Running)]`.
    pub fn phases(&self) -> Vec<(&'static str, Phase)> {
        self.stages
            .iter()
            .map(|stage| (stage.stage, stage.phase()))
            .collect()
    }

    /// Returns a stage that has been revoking partitions for longer than
    /// `limit`, with the time it has spent. The revoke callback bounds its
    /// own waits by the drain deadline, so such a stage is stuck inside the
    /// Kafka client and needs a restart.
    pub(crate) fn stuck_revoking(&self, limit: Duration) -> Option<(&'static str, Duration)> {
        self.stages
            .iter()
            .find_map(|stage| match stage.phase_age() {
                (Phase::Revoking, age) if age > limit => Some((stage.stage, age)),
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuck_revoking_reports_only_long_revocations() {
        let decode = StageStatus::new("decode");
        let stateful = StageStatus::new("stateful");
        let status = RuntimeStatus::new(vec![Arc::clone(&decode), Arc::clone(&stateful)]);
        decode.apply(Transition::Assigned);
        stateful.apply(Transition::Assigned);
        assert!(status.is_ready());

        stateful.apply(Transition::RevokeStarted);
        assert!(!status.is_ready());
        assert_eq!(status.stuck_revoking(Duration::from_secs(60)), None);

        std::thread::sleep(Duration::from_millis(20));
        let stuck = status.stuck_revoking(Duration::from_millis(10));
        assert_eq!(stuck.map(|(stage, _)| stage), Some("stateful"));

        stateful.apply(Transition::RevokeFinished {
            partitions_left: false,
        });
        assert_eq!(status.stuck_revoking(Duration::ZERO), None);
    }
}
