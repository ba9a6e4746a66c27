//! Drives one engine through decoded events and snapshots in event-time
//! order, flushing policies, risk and posture as event time passes.

use ispm_engine::{Engine, Flushed};
use ispm_model::{
    EventTime, Finding, IdentityEvent, IdentityPosture, IdentitySnapshot, InventoryRecord,
    PostureSummary,
};

use crate::progress::Progress;

/// Event time between two flushes of changed identities: one hour, so that
/// the inventory and posture topics follow the input closely while a busy
/// identity is evaluated at most once an hour.
const FLUSH_INTERVAL_MS: i64 = 3_600_000;

/// One record the engine produced, for the caller's sink.
pub enum Emitted {
    Finding(Finding),
    Inventory(InventoryRecord),
    Posture(IdentityPosture),
    Summary(PostureSummary),
}

/// An input of the timeline.
enum Item<'a> {
    Snapshot(&'a IdentitySnapshot),
    Event(&'a IdentityEvent),
}

/// Feeds `snapshots` and `events`, sorted by [`ispm_model::sorted_by_event_time`],
/// to `engine` in event-time order (a
/// snapshot before events of the same millisecond) and passes every record
/// produced to `sink`, stopping at the first error it returns.
///
/// Changed identities are evaluated every hour of event time, and each
/// policy timer at its own due time, so a key that passes its rotation limit
/// between two events is reported at the moment it does. After the last
/// input, time runs on to `end` (when later than the last input) with every
/// timer due by then firing: that is `ispm replay --as-of`.
pub fn run<E>(
    engine: &mut Engine,
    events: &[&IdentityEvent],
    snapshots: &[IdentitySnapshot],
    end: Option<EventTime>,
    mut sink: impl FnMut(Emitted) -> Result<(), E>,
) -> Result<(), E> {
    let mut ordered: Vec<&IdentitySnapshot> = snapshots.iter().collect();
    ordered.sort_by(|a, b| {
        a.as_of
            .cmp(&b.as_of)
            .then_with(|| a.identity.cmp(&b.identity))
    });
    let mut snapshots = ordered.into_iter().peekable();
    let mut events = events.iter().peekable();

    let progress = Progress::events(events.len());
    let mut findings: Vec<Finding> = Vec::new();
    let mut watermark: Option<EventTime> = None;
    let mut next_flush: Option<EventTime> = None;
    loop {
        let item = match (snapshots.peek(), events.peek()) {
            (Some(snapshot), Some(event)) if snapshot.as_of <= event.time => {
                snapshots.next().map(Item::Snapshot)
            }
            (_, Some(_)) => events.next().map(|event| Item::Event(event)),
            (Some(_), None) => snapshots.next().map(Item::Snapshot),
            (None, None) => None,
        };
        let Some(item) = item else { break };
        let time = match item {
            Item::Snapshot(snapshot) => snapshot.as_of,
            Item::Event(event) => event.time,
        };

        if let Some(watermark) = watermark
            && next_flush.is_some_and(|flush_at| time >= flush_at)
        {
            emit(engine.flush(watermark), &mut sink)?;
        }
        if next_flush.is_none_or(|flush_at| time >= flush_at) {
            next_flush = Some(EventTime::from_millis(
                time.millis().saturating_add(FLUSH_INTERVAL_MS),
            ));
        }
        run_timers(engine, time, watermark, &mut sink)?;

        match item {
            Item::Snapshot(snapshot) => engine.apply_snapshot(snapshot),
            Item::Event(event) => {
                if let Some(next) = events.peek() {
                    ispm_engine::preload(next);
                }
                engine.process(event, &mut findings);
                for fact in &event.targets {
                    engine.apply_fact(fact, event, &mut findings);
                }
                for finding in findings.drain(..) {
                    sink(Emitted::Finding(finding))?;
                }
                progress.inc(1);
            }
        }
        watermark = Some(watermark.map_or(time, |known| known.max(time)));
    }
    progress.finish();

    let Some(last) = watermark else {
        return Ok(());
    };
    if let Some(end) = end
        && end < last
    {
        tracing::warn!(
            as_of = %end,
            newest_input = %last,
            "--as-of is earlier than the newest input, so policies are evaluated at the newest input's time"
        );
    }
    let end = end.map_or(last, |end| end.max(last));
    emit(engine.flush(last), &mut sink)?;
    run_timers(engine, end, Some(last), &mut sink)?;
    emit(engine.flush(end), &mut sink)
}

/// Fires every policy timer due at or before `until`, each at its own due
/// time (never before the watermark, so no identity is evaluated before an
/// input it has already seen).
fn run_timers<E>(
    engine: &mut Engine,
    until: EventTime,
    watermark: Option<EventTime>,
    sink: &mut impl FnMut(Emitted) -> Result<(), E>,
) -> Result<(), E> {
    while let Some(due) = engine.next_timer()
        && due <= until
    {
        let at = watermark.map_or(due, |watermark| due.max(watermark));
        emit(engine.flush(at), sink)?;
    }
    Ok(())
}

fn emit<E>(flushed: Flushed, sink: &mut impl FnMut(Emitted) -> Result<(), E>) -> Result<(), E> {
    for record in flushed.inventory {
        sink(Emitted::Inventory(record))?;
    }
    for finding in flushed.findings {
        sink(Emitted::Finding(finding))?;
    }
    for posture in flushed.postures {
        sink(Emitted::Posture(posture))?;
    }
    for summary in flushed.summaries {
        sink(Emitted::Summary(summary))?;
    }
    Ok(())
}
