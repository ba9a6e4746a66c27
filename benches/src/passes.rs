//! One pass over the shared CloudTrail records for each stage of replay,
//! shared by the criterion benchmark and the paired ratio benchmark so that
//! both measure the same code.

use ispm_engine::{Engine, EngineConfig};
use ispm_model::IdentityEvent;
use ispm_sources::{CloudTrailDecoder, DecoderConfig};

/// The work of one pass over every record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// The typed parse of each record into the decoder's borrowed record
    /// struct, and nothing else: the floor replay is measured against.
    ParseOnly,
    /// Parse, attribution to a canonical identity and the normalised event,
    /// record by record.
    Decode,
    /// Decode and `Engine::process` record by record, alternating.
    DecodeAndEngine,
    /// The work of `ispm replay` on the records of its files: decode them
    /// in batches, order the events by event time, then run the engine over
    /// them with every detector on.
    Replay,
    /// `Replay` with every detector off: the engine's bookkeeping alone.
    ReplayNoDetectors,
}

impl Pass {
    pub fn name(self) -> &'static str {
        match self {
            Pass::ParseOnly => "parse_only",
            Pass::Decode => "decode",
            Pass::DecodeAndEngine => "decode_and_engine",
            Pass::Replay => "replay",
            Pass::ReplayNoDetectors => "replay_no_detectors",
        }
    }
}

/// The records and the decoder and engine settings of every pass.
pub struct ReplayPasses {
    records: Vec<Vec<u8>>,
    decoder: CloudTrailDecoder,
    all_detectors: EngineConfig,
    no_detectors: EngineConfig,
}

impl Default for ReplayPasses {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplayPasses {
    /// Loads the shared CloudTrail records; panics when they are missing.
    pub fn new() -> Self {
        let no_detectors = EngineConfig {
            disabled_detectors: ispm_engine::DETECTORS
                .iter()
                .map(|id| (*id).to_owned())
                .collect(),
            ..EngineConfig::default()
        };
        ReplayPasses {
            records: crate::shared_cloudtrail_records(),
            decoder: CloudTrailDecoder::new(DecoderConfig::default()),
            all_detectors: EngineConfig::default(),
            no_detectors,
        }
    }

    /// Returns the number of records each pass handles.
    pub fn records(&self) -> usize {
        self.records.len()
    }

    /// Returns an empty engine with the settings of `pass`. Building one
    /// compiles the policies, a cost `ispm replay` pays once per run and not
    /// per event, so the benchmarks build it before they start timing.
    pub fn new_engine(&self, pass: Pass) -> Engine {
        match pass {
            Pass::ReplayNoDetectors => Engine::new(self.no_detectors.clone()),
            _ => Engine::new(self.all_detectors.clone()),
        }
    }

    /// Runs one pass over every record with an engine from
    /// [`Self::new_engine`]; returns a count that depends on the work done,
    /// so that the compiler cannot drop it.
    pub fn run(&self, pass: Pass, engine: Engine) -> usize {
        match pass {
            Pass::ParseOnly => self
                .records
                .iter()
                .filter(|record| self.decoder.parse_only(record).is_ok())
                .count(),
            Pass::Decode => self
                .records
                .iter()
                .filter(|record| self.decoder.decode_record(record).is_ok())
                .count(),
            Pass::DecodeAndEngine => self.decode_and_engine(engine),
            Pass::Replay | Pass::ReplayNoDetectors => self.replay(engine),
        }
    }

    fn decode_and_engine(&self, mut engine: Engine) -> usize {
        let mut findings = Vec::new();
        for record in &self.records {
            if let Ok(event) = self.decoder.decode_record(record) {
                process(&mut engine, &event, &mut findings);
            }
        }
        findings.len()
    }

    fn replay(&self, mut engine: Engine) -> usize {
        let texts: Vec<&[u8]> = self.records.iter().map(Vec::as_slice).collect();
        let mut events = Vec::with_capacity(texts.len());
        self.decoder.decode_batch(&texts, |result| {
            if let Ok(event) = result {
                events.push(event);
            }
        });
        let sorted = ispm_model::sorted_by_event_time(&events);
        let mut findings = Vec::new();
        let mut order = sorted.iter().peekable();
        while let Some(event) = order.next() {
            // Preloads the next event, as the timeline of `ispm replay` does.
            if let Some(next) = order.peek() {
                ispm_engine::preload(next);
            }
            process(&mut engine, event, &mut findings);
        }
        findings.len()
    }
}

/// Runs the engine on one event, as replay and the Kafka runtime do.
fn process(engine: &mut Engine, event: &IdentityEvent, findings: &mut Vec<ispm_model::Finding>) {
    engine.process(event, findings);
    for fact in &event.targets {
        engine.apply_fact(fact, event, findings);
    }
}
