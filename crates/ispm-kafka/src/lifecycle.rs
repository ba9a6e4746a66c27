//! The life of a stage's consumer, from joining its group to stopping, as an
//! explicit state machine. Readiness is derived from it.
//!
//! ```text
//!              assigned                     revoke started
//!   Joining ────────────► Running ◄──┐ ──────────────────► Revoking
//!      ▲                     │       └──────────────────────┤ revoke finished,
//!      │                     │         revoke finished,     │ partitions left
//!      └─────────────────────┼──────── nothing left ────────┘
//!                            │
//!   any state ── shutdown ──►  Draining ── drained ──► Stopped
//! ```
//!
//! While Revoking, the rebalance callback waits until every record read from
//! the revoked partitions has been processed and its outputs acknowledged.
//! It then commits their offsets and drops their state, and only then does
//! the group hand the partitions to another member. While Draining, the same happens
//! for every partition, bounded by the drain deadline. Rebalance callbacks
//! that arrive while Draining (closing the consumer revokes everything) leave
//! the state as it is: the drain has already committed.

use std::fmt;

/// The phase of a stage's consumer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Subscribed, waiting for the group to assign partitions.
    Joining,
    /// Partitions assigned (possibly none, when the group has more members
    /// than partitions) and being consumed.
    Running,
    /// Finishing the records of revoked partitions before giving them up.
    Revoking,
    /// Shutting down: finishing in-flight records and committing.
    Draining,
    Stopped,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Joining => "joining",
            Phase::Running => "running",
            Phase::Revoking => "revoking",
            Phase::Draining => "draining",
            Phase::Stopped => "stopped",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event in the consumer's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Assigned,
    RevokeStarted,
    /// The revocation is done. `partitions_left` is true when the consumer
    /// still owns partitions (incremental rebalancing revokes only some).
    RevokeFinished {
        partitions_left: bool,
    },
    ShutdownRequested,
    Drained,
}

/// A transition that makes no sense in the current phase. The phase stays
/// as it was. The caller logs it, because it points at a misunderstanding of
/// the client's callback order rather than at lost data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnexpectedTransition {
    pub phase: Phase,
    pub transition: Transition,
}

/// The state machine of one stage.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    phase: Phase,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            phase: Phase::Joining,
        }
    }
}

impl Lifecycle {
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// True while the stage consumes its assignment normally.
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Running
    }

    /// Applies a transition and returns the new phase.
    pub fn apply(&mut self, transition: Transition) -> Result<Phase, UnexpectedTransition> {
        use Phase::*;
        use Transition::*;

        let next = match (self.phase, transition) {
            (Stopped, _) => Stopped,
            (Draining, Drained) => Stopped,
            (Draining, _) => Draining,
            (_, ShutdownRequested) => Draining,
            (Joining | Running, Assigned) => Running,
            (Joining | Running, RevokeStarted) => Revoking,
            (
                Revoking,
                RevokeFinished {
                    partitions_left: true,
                },
            ) => Running,
            (
                Revoking,
                RevokeFinished {
                    partitions_left: false,
                },
            ) => Joining,
            (phase, transition) => return Err(UnexpectedTransition { phase, transition }),
        };
        self.phase = next;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(transitions: &[Transition]) -> Lifecycle {
        let mut lifecycle = Lifecycle::default();
        for &transition in transitions {
            lifecycle.apply(transition).expect("valid transition");
        }
        lifecycle
    }

    #[test]
    fn stage_is_ready_only_while_running() {
        let mut lifecycle = Lifecycle::default();
        assert!(!lifecycle.is_ready());
        lifecycle.apply(Transition::Assigned).expect("valid");
        assert!(lifecycle.is_ready());
        lifecycle.apply(Transition::RevokeStarted).expect("valid");
        assert!(!lifecycle.is_ready());
    }

    #[test]
    fn eager_rebalance_goes_back_to_joining() {
        let lifecycle = after(&[
            Transition::Assigned,
            Transition::RevokeStarted,
            Transition::RevokeFinished {
                partitions_left: false,
            },
        ]);
        assert_eq!(lifecycle.phase(), Phase::Joining);
    }

    #[test]
    fn incremental_revoke_keeps_running() {
        let lifecycle = after(&[
            Transition::Assigned,
            Transition::RevokeStarted,
            Transition::RevokeFinished {
                partitions_left: true,
            },
        ]);
        assert_eq!(lifecycle.phase(), Phase::Running);
    }

    #[test]
    fn shutdown_wins_over_rebalance_callbacks() {
        let mut lifecycle = after(&[Transition::Assigned, Transition::ShutdownRequested]);
        assert_eq!(lifecycle.phase(), Phase::Draining);

        // Closing the consumer revokes everything once more.
        for transition in [
            Transition::RevokeStarted,
            Transition::RevokeFinished {
                partitions_left: false,
            },
            Transition::Assigned,
        ] {
            assert_eq!(lifecycle.apply(transition), Ok(Phase::Draining));
        }
        assert_eq!(lifecycle.apply(Transition::Drained), Ok(Phase::Stopped));
        assert_eq!(lifecycle.apply(Transition::Assigned), Ok(Phase::Stopped));
    }

    #[test]
    fn shutdown_during_revoke_drains() {
        let lifecycle = after(&[
            Transition::Assigned,
            Transition::RevokeStarted,
            Transition::ShutdownRequested,
        ]);
        assert_eq!(lifecycle.phase(), Phase::Draining);
    }

    #[test]
    fn unexpected_transition_keeps_the_phase() {
        let mut lifecycle = Lifecycle::default();
        let error = lifecycle
            .apply(Transition::RevokeFinished {
                partitions_left: false,
            })
            .expect_err("nothing was being revoked");
        assert_eq!(error.phase, Phase::Joining);
        assert_eq!(lifecycle.phase(), Phase::Joining);

        let mut lifecycle = after(&[Transition::Assigned, Transition::RevokeStarted]);
        assert!(lifecycle.apply(Transition::Assigned).is_err());
        assert_eq!(lifecycle.phase(), Phase::Revoking);
    }
}
