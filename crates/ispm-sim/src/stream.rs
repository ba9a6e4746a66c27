//! The time-ordered record stream: days are planned one at a time, and a
//! planned event is rendered to JSON only when the iterator reaches it.

use std::borrow::Cow;

use crate::Simulator;
use crate::clock::MS_PER_DAY;
use crate::net::Region;
use crate::record::{self, EventSpec};
use crate::scenarios::ScenarioLabelRef;
use crate::traffic::{self, Context, Mode, PLAN_LEAD_MS, Planned};

/// One CloudTrail record of the simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct SimRecord {
    /// `eventTime` in milliseconds since the epoch; the JSON shows whole
    /// seconds.
    pub time_millis: i64,
    /// The record as CloudTrail JSON, one object without a trailing newline.
    pub json: String,
    /// The scenario the record belongs to; `None` for routine traffic.
    pub label: Option<ScenarioLabelRef>,
    /// `recipientAccountId`.
    pub account_id: String,
    /// `awsRegion`.
    pub region: &'static str,
}

/// Iterator over every record in event-time order.
///
/// It keeps the planned events of about a day and a quarter (32 bytes each)
/// in memory. After planning day `d`, every event earlier than the start of
/// day `d + 1` minus [`PLAN_LEAD_MS`] is final, because no later plan day
/// reaches back further than that.
pub(crate) struct RecordStream<'a> {
    simulator: &'a Simulator,
    context: Context<'a>,
    next_day: u32,
    pending: Vec<Planned>,
    ready: std::vec::IntoIter<Planned>,
    period: (i64, i64),
}

impl<'a> RecordStream<'a> {
    pub(crate) fn new(simulator: &'a Simulator) -> Self {
        let context = simulator.context();
        let period = (context.start_ms, context.day_start(context.days));
        RecordStream {
            simulator,
            context,
            next_day: 0,
            pending: Vec::new(),
            ready: Vec::new().into_iter(),
            period,
        }
    }

    /// Plans the next day and moves the events that are final to `ready`.
    /// Returns false when every day has been planned and flushed.
    fn advance(&mut self) -> bool {
        let days = self.context.days;
        if self.next_day > days {
            return false;
        }
        let day = self.next_day;
        self.next_day += 1;
        if day == days {
            self.pending.sort_unstable_by_key(Planned::sort_key);
            self.ready = std::mem::take(&mut self.pending).into_iter();
            return true;
        }

        let identities = self.context.org.identities.len() as u32;
        for index in 0..identities {
            traffic::plan_day(&self.context, index, day, &mut self.pending);
        }
        if let Some(events) = self.simulator.scenarios.by_day.get(&day) {
            for event in events {
                let spec = &self.simulator.scenarios.events[*event as usize].spec;
                self.pending.push(Planned {
                    time_ms: spec.time_ms,
                    actor: u32::MAX,
                    detail: *event,
                    day,
                    ordinal: 0,
                    api: spec.api,
                    mode: Mode::Scenario,
                    slot: 0,
                    denied: false,
                });
            }
        }
        let (start, end) = self.period;
        self.pending
            .retain(|planned| planned.time_ms >= start && planned.time_ms < end);
        self.pending.sort_unstable_by_key(Planned::sort_key);

        let cutoff = self.context.day_start(day) + MS_PER_DAY - PLAN_LEAD_MS;
        let split = self
            .pending
            .partition_point(|planned| planned.time_ms < cutoff);
        let rest = self.pending.split_off(split);
        self.ready = std::mem::replace(&mut self.pending, rest).into_iter();
        true
    }

    fn render(&self, planned: &Planned) -> Option<SimRecord> {
        let mut rng = planned.rng(self.context.seed);
        let scenarios = &self.simulator.scenarios;
        let (spec, label) = if planned.mode == Mode::Scenario {
            let event = scenarios.events.get(planned.detail as usize)?;
            let label = event.label.and_then(|label| {
                scenarios
                    .labels
                    .get(label as usize)
                    .map(|label| ScenarioLabelRef {
                        scenario_id: label.id.clone(),
                        kind: label.kind,
                    })
            });
            (Cow::Borrowed(&event.spec), label)
        } else {
            let spec: EventSpec = traffic::resolve(&self.context, planned, &mut rng);
            (Cow::Owned(spec), None)
        };
        // serde_json fails only on non-string map keys and on failing
        // Serialize impls, which these types do not have. Were it to fail,
        // the record is left out rather than written broken.
        let json = record::render(&spec, &mut rng).ok()?;
        let region = if spec.api.is_global() {
            Region::UsEast1
        } else {
            spec.region
        };
        Some(SimRecord {
            time_millis: spec.time_ms,
            json,
            label,
            account_id: spec.account.clone(),
            region: region.name(),
        })
    }
}

impl Iterator for RecordStream<'_> {
    type Item = SimRecord;

    fn next(&mut self) -> Option<SimRecord> {
        loop {
            if let Some(planned) = self.ready.next() {
                if let Some(record) = self.render(&planned) {
                    return Some(record);
                }
                continue;
            }
            if !self.advance() {
                return None;
            }
        }
    }
}
