//! The offset tracker shared by a stage's consumer thread, its processing
//! task and the producer's delivery callback.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::offsets::{InputRef, OffsetTracker, TopicPartition};

/// A produced record that the broker did not acknowledge.
#[derive(Clone, Debug)]
pub(crate) struct DeliveryFailure {
    pub topic: String,
    pub error: rdkafka::error::KafkaError,
}

#[derive(Debug, Default)]
struct State {
    tracker: OffsetTracker,
    failure: Option<DeliveryFailure>,
    /// Set when the processing task has stopped, so that records still in
    /// flight will never finish and waiting for them is pointless.
    abandoned: bool,
    /// Threads blocked in [`SharedTracker::wait_drained`]. Updates wake the
    /// condition variable only while this is above zero, because a futex
    /// wake is a system call and updates happen several times per record.
    waiters: usize,
}

/// An [`OffsetTracker`] behind a mutex, with a condition variable that wakes
/// threads waiting for partitions to drain.
///
/// The lock is held only for bookkeeping, never across I/O. A panic while it
/// is held cannot leave the tracker half-updated (every method changes it in
/// one step), so a poisoned lock is used as it is.
#[derive(Debug, Default)]
pub(crate) struct SharedTracker {
    state: Mutex<State>,
    changed: Condvar,
    /// Set with `State::failure`, so that the consumer thread can check for
    /// a failure on every record without taking the lock.
    failed: AtomicBool,
}

impl SharedTracker {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `update` on the tracker and wakes the drain waiters.
    pub fn update<R>(&self, update: impl FnOnce(&mut OffsetTracker) -> R) -> R {
        let mut state = self.lock();
        let result = update(&mut state.tracker);
        // A waiter registers itself under the lock before it sleeps, so a
        // waiter that missed this update has not checked the tracker yet.
        let wake = state.waiters > 0;
        drop(state);
        if wake {
            self.changed.notify_all();
        }
        result
    }

    /// Runs `read` on the tracker without waking anyone.
    pub fn read<R>(&self, read: impl FnOnce(&OffsetTracker) -> R) -> R {
        read(&self.lock().tracker)
    }

    /// Records a delivery failure. The first one is kept and stops the
    /// stage; returns true for it.
    pub fn fail(&self, failure: DeliveryFailure) -> bool {
        let mut state = self.lock();
        let first = state.failure.is_none();
        if first {
            state.failure = Some(failure);
            self.failed.store(true, Ordering::Release);
        }
        drop(state);
        self.changed.notify_all();
        first
    }

    /// Wakes and releases every drain waiter for good: the processing task
    /// has stopped and in-flight records will not finish.
    pub fn abandon(&self) {
        self.lock().abandoned = true;
        self.changed.notify_all();
    }

    pub fn failure(&self) -> Option<DeliveryFailure> {
        if !self.failed.load(Ordering::Acquire) {
            return None;
        }
        self.lock().failure.clone()
    }

    /// Blocks until no record of `partitions` (of every partition when
    /// `None`) is in flight, a delivery failed, the processing task stopped,
    /// or `deadline` passes. Returns
    /// the number of records still in flight.
    ///
    /// Blocks the calling thread: call it from the consumer thread (whose
    /// rebalance callback must not return before the drain), never from an
    /// async task.
    pub fn wait_drained(&self, partitions: Option<&[TopicPartition]>, deadline: Instant) -> usize {
        let in_flight = |tracker: &OffsetTracker| match partitions {
            Some(partitions) => partitions
                .iter()
                .map(|partition| tracker.in_flight(partition))
                .sum(),
            None => tracker.total_in_flight(),
        };
        let mut state = self.lock();
        state.waiters += 1;
        loop {
            let remaining = in_flight(&state.tracker);
            let now = Instant::now();
            if remaining == 0 || state.failure.is_some() || state.abandoned || now >= deadline {
                state.waiters -= 1;
                return remaining;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// The delivery opaque of every produced record: the input records whose
/// offsets wait for its acknowledgement.
pub(crate) struct AckToken {
    pub tracker: Arc<SharedTracker>,
    pub inputs: Vec<InputRef>,
}

impl AckToken {
    /// Marks the record acknowledged for each of its inputs.
    pub fn acknowledge(self) {
        self.tracker.update(|tracker| {
            for input in &self.inputs {
                tracker.ack(input);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use std::thread;
    use std::time::Duration;

    use super::*;

    #[test]
    fn wait_drained_returns_when_the_last_ack_arrives() {
        let shared = SharedTracker::new();
        let input = InputRef {
            partition: TopicPartition::new("raw", 0),
            offset: 7,
        };
        shared.update(|tracker| {
            tracker.track(&input.partition, input.offset);
            tracker.add_outputs(&input, 1);
            tracker.finish(&input);
        });

        let token = AckToken {
            tracker: Arc::clone(&shared),
            inputs: vec![input.clone()],
        };
        let acker = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            token.acknowledge();
        });

        let remaining = shared.wait_drained(None, Instant::now() + Duration::from_secs(10));
        assert_eq!(remaining, 0);
        assert_eq!(
            shared.read(|tracker| tracker.committable(&input.partition)),
            Some(8)
        );
        acker.join().expect("acker thread");
    }

    #[test]
    fn wait_drained_gives_up_at_the_deadline() {
        let shared = SharedTracker::new();
        let partition = TopicPartition::new("raw", 1);
        shared.update(|tracker| tracker.track(&partition, 0));

        let started = Instant::now();
        let remaining =
            shared.wait_drained(Some(&[partition]), started + Duration::from_millis(50));
        assert_eq!(remaining, 1);
        assert!(started.elapsed() >= Duration::from_millis(50));
    }
}
