//! The processing task of a stage: takes records from the consumer thread in
//! batches, lets the stage's [`Processor`] turn them into output records,
//! hands those to the producer, and marks each input record finished in the
//! offset tracker.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::acks::{AckToken, SharedTracker};
use crate::error::RuntimeError;
use crate::metrics;
use crate::offsets::{InputRef, TopicPartition};
use crate::producer::OutputProducer;
use crate::query::{Query, QueryAnswer};
use crate::record::{InputRecord, OutputRecord, StageInput};

/// Time without records after which a stage's [`Processor::idle`] runs.
pub(crate) const IDLE_TICK: std::time::Duration = std::time::Duration::from_secs(30);

/// The logic of a stage, free of Kafka I/O so that it can be tested alone.
pub(crate) trait Processor: Send + 'static {
    /// Stage name for logs and metric labels.
    fn stage(&self) -> &'static str;

    /// Turns one input record into output records, appended to `outputs`.
    /// Returns no error: a record that cannot be processed becomes a dead
    /// letter.
    fn process(&mut self, record: InputRecord, outputs: &mut Vec<OutputRecord>);

    /// Called after each batch, before its records are finished. Outputs
    /// that summarise several records (inventory) name every input whose
    /// offset must wait for them.
    fn end_batch(&mut self, _outputs: &mut Vec<(OutputRecord, Vec<InputRef>)>) {}

    /// Drops what the stage holds for revoked partitions. Every record of
    /// them read before the revocation has been processed by then.
    fn revoke(&mut self, _partitions: &[TopicPartition]) {}

    /// Called when no record arrived for [`IDLE_TICK`]. Outputs name the
    /// inputs they wait for, like those of `end_batch`; outputs of idle time
    /// usually wait for none.
    fn idle(&mut self, _outputs: &mut Vec<(OutputRecord, Vec<InputRef>)>) {}

    /// Answers an identity query. Stages without state answer that they do
    /// not hold the identity.
    fn query(&mut self, query: Query) {
        let _ = query.reply.send(QueryAnswer::NotHere);
    }
}

/// Runs a stage's processing task until the consumer side closes the
/// channel, or a record cannot be handed to the producer.
pub(crate) async fn run<P: Processor>(
    mut processor: P,
    mut receiver: mpsc::Receiver<StageInput>,
    queries: Option<mpsc::Receiver<Query>>,
    producer: Arc<OutputProducer>,
    tracker: Arc<SharedTracker>,
    max_batch: usize,
) -> Result<(), RuntimeError> {
    let mut task = Task {
        producer,
        tracker: Arc::clone(&tracker),
        stage: processor.stage(),
        latency: metrics::processing_latency(processor.stage()),
        outputs: Vec::new(),
        batch_outputs: Vec::new(),
        processed: Vec::new(),
    };
    let result = task
        .process_all(&mut processor, &mut receiver, queries, max_batch)
        .await;
    if let Err(error) = &result {
        tracing::error!(stage = task.stage, %error, "processing task stopped; its in-flight records stay uncommitted");
        tracker.abandon();
    }
    result
}

/// Waits for the next query, or forever when there is no query channel.
async fn next_query(queries: &mut Option<mpsc::Receiver<Query>>) -> Option<Query> {
    match queries {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

struct Task {
    producer: Arc<OutputProducer>,
    tracker: Arc<SharedTracker>,
    stage: &'static str,
    latency: ::metrics::Histogram,
    /// Scratch buffer for the outputs of one record.
    outputs: Vec<OutputRecord>,
    /// Scratch buffer for the outputs of `end_batch`.
    batch_outputs: Vec<(OutputRecord, Vec<InputRef>)>,
    /// Records processed in the current batch, not yet finished.
    processed: Vec<(InputRef, Instant)>,
}

impl Task {
    /// Processes batches until the consumer closes the record channel, and
    /// answers queries between batches. Both `recv_many` and `recv` are
    /// cancel safe, so the `select!` loses no record and no query.
    async fn process_all<P: Processor>(
        &mut self,
        processor: &mut P,
        receiver: &mut mpsc::Receiver<StageInput>,
        mut queries: Option<mpsc::Receiver<Query>>,
        max_batch: usize,
    ) -> Result<(), RuntimeError> {
        let mut batch = Vec::with_capacity(max_batch);
        loop {
            // Queries first: they are rare, and under a steady stream of
            // records they would otherwise wait for a gap that never comes.
            let received = tokio::select! {
                biased;
                query = next_query(&mut queries) => {
                    match query {
                        Some(query) => processor.query(query),
                        // The HTTP side is gone; keep processing records.
                        None => queries = None,
                    }
                    continue;
                }
                received = receiver.recv_many(&mut batch, max_batch) => received,
                () = tokio::time::sleep(IDLE_TICK) => {
                    processor.idle(&mut self.batch_outputs);
                    self.send_batch_outputs().await?;
                    continue;
                }
            };
            if received == 0 {
                break;
            }
            for item in batch.drain(..) {
                match item {
                    StageInput::Record(record) => self.process_record(processor, record).await?,
                    StageInput::Revoked(partitions) => {
                        self.end_batch(processor).await?;
                        processor.revoke(&partitions);
                    }
                }
            }
            self.end_batch(processor).await?;
        }
        Ok(())
    }

    async fn process_record<P: Processor>(
        &mut self,
        processor: &mut P,
        record: InputRecord,
    ) -> Result<(), RuntimeError> {
        let input = record.input.clone();
        let received = record.received;
        processor.process(record, &mut self.outputs);

        let count = u32::try_from(self.outputs.len()).unwrap_or(u32::MAX);
        if count > 0 {
            self.tracker
                .update(|tracker| tracker.add_outputs(&input, count));
        }
        let outputs = std::mem::take(&mut self.outputs);
        for output in &outputs {
            let token = AckToken {
                tracker: Arc::clone(&self.tracker),
                inputs: vec![input.clone()],
            };
            self.producer.send(output, token).await?;
        }
        self.outputs = outputs;
        self.outputs.clear();
        self.processed.push((input, received));
        Ok(())
    }

    /// Produces the batch outputs, then finishes every record of the batch.
    async fn end_batch<P: Processor>(&mut self, processor: &mut P) -> Result<(), RuntimeError> {
        processor.end_batch(&mut self.batch_outputs);
        self.send_batch_outputs().await?;
        self.finish_processed();
        Ok(())
    }

    /// Hands the outputs of `end_batch` or `idle` to the producer, each
    /// waiting for the inputs it names.
    async fn send_batch_outputs(&mut self) -> Result<(), RuntimeError> {
        if !self.batch_outputs.is_empty() {
            self.tracker.update(|tracker| {
                for (_, inputs) in &self.batch_outputs {
                    for input in inputs {
                        tracker.add_outputs(input, 1);
                    }
                }
            });
            for (output, inputs) in std::mem::take(&mut self.batch_outputs) {
                let token = AckToken {
                    tracker: Arc::clone(&self.tracker),
                    inputs,
                };
                self.producer.send(&output, token).await?;
            }
        }
        Ok(())
    }

    /// Marks every record of the batch finished in the offset tracker.
    fn finish_processed(&mut self) {
        if self.processed.is_empty() {
            return;
        }
        self.tracker.update(|tracker| {
            for (input, _) in &self.processed {
                tracker.finish(input);
            }
        });
        for (_, received) in self.processed.drain(..) {
            self.latency.record(received.elapsed().as_secs_f64());
        }
    }
}
