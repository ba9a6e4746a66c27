//! The producer every stage writes through: retries a full local queue with
//! backoff and reports each acknowledgement to the offset tracker.

use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;

use crate::acks::{AckToken, DeliveryFailure};
use crate::client::{self, ClientLog};
use crate::config::KafkaConfig;
use crate::error::RuntimeError;
use crate::metrics;
use crate::record::OutputRecord;

/// Default `linger.ms` of the producer. See [`OutputProducer::create`].
const PRODUCER_LINGER_MS: &str = "10";

/// Receives delivery reports on the producer's polling thread.
struct DeliveryContext {
    log: ClientLog,
}

impl ClientContext for DeliveryContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        self.log.log(level, facility, message);
    }

    fn stats(&self, statistics: Statistics) {
        metrics::producer_queue(statistics.msg_cnt);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.log.error(&error, reason);
    }
}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = Box<AckToken>;

    fn delivery(&self, result: &DeliveryResult<'_>, token: Box<AckToken>) {
        match result {
            Ok(_) => token.acknowledge(),
            Err((error, message)) => {
                let topic = message.topic().to_owned();
                metrics::delivery_failed(&topic);
                let purged = matches!(
                    error,
                    KafkaError::MessageProduction(
                        RDKafkaErrorCode::PurgeQueue | RDKafkaErrorCode::PurgeInflight
                    )
                );
                let first = token.tracker.fail(DeliveryFailure {
                    topic: topic.clone(),
                    error: error.clone(),
                });
                // Only the first failure is news: the stage stops on it, and
                // records purged when the producer closes after a missed
                // drain deadline are already reported by the drain.
                if first && !purged {
                    tracing::error!(
                        topic,
                        %error,
                        inputs = token.inputs.len(),
                        "broker did not acknowledge a record; its input offsets stay uncommitted and the runtime stops"
                    );
                } else {
                    tracing::debug!(topic, %error, "record not acknowledged");
                }
            }
        }
    }
}

/// Wraps a [`ThreadedProducer`] whose polling thread runs the delivery
/// callbacks.
pub(crate) struct OutputProducer {
    producer: ThreadedProducer<DeliveryContext>,
    backoff: Duration,
    backoff_max: Duration,
}

impl OutputProducer {
    /// Creates the producer. Idempotence keeps each partition's records in
    /// order and free of duplicates across the producer's own retries, which
    /// the stateful stage relies on.
    pub fn create(config: &KafkaConfig) -> Result<Self, RuntimeError> {
        let mut client_config = ClientConfig::new();
        // Kafka's Java clients hash keys with murmur2. Using it here puts an
        // identity in the same partition whichever client wrote it, which
        // inputs keyed by identity need. Users may override it.
        client_config.set("partitioner", "murmur2_random");
        // Twice librdkafka's default of 5 ms: fuller produce requests cut the
        // broker's CPU per record, measured at about a third less with the
        // broker on the same 2-core machine (examples/kafka_bench.rs). It
        // adds up to 5 ms to each of the two produce hops from raw record to
        // finding. Users may override it.
        client_config.set("linger.ms", PRODUCER_LINGER_MS);
        client::apply_common(&mut client_config, config);
        client_config
            .set("enable.idempotence", "true")
            .set(
                "statistics.interval.ms",
                config.statistics_interval.as_millis().to_string(),
            )
            .set("message.max.bytes", config.max_message_bytes.to_string());

        let producer = client_config
            .create_with_context(DeliveryContext {
                log: ClientLog::new("producer"),
            })
            .map_err(|source| RuntimeError::Client {
                client: "producer",
                source,
            })?;
        Ok(OutputProducer {
            producer,
            backoff: config.queue_full_backoff,
            backoff_max: config.queue_full_backoff_max,
        })
    }

    /// Hands a record to the producer. A full local queue is retried with
    /// exponential backoff until it has room; the record is never dropped.
    ///
    /// Cancel safety: dropping the future between retries drops the record
    /// and its token, so its inputs are never acknowledged and never
    /// committed.
    pub async fn send(&self, record: &OutputRecord, token: AckToken) -> Result<(), RuntimeError> {
        let mut token = Box::new(token);
        let mut delay = self.backoff;
        loop {
            match self.try_send(record, token) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                    metrics::producer_queue_full();
                    tracing::debug!(topic = %record.topic, delay_ms = delay.as_millis(), "producer queue full; retrying");
                    token = returned;
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.backoff_max);
                }
                Err((source, _)) => {
                    return Err(RuntimeError::Produce {
                        topic: record.topic.to_string(),
                        source,
                    });
                }
            }
        }
    }

    /// Tries once to enqueue. Builds the `BaseRecord` inside, so that no
    /// borrow of librdkafka state lives across an await point.
    fn try_send(
        &self,
        record: &OutputRecord,
        token: Box<AckToken>,
    ) -> Result<(), (KafkaError, Box<AckToken>)> {
        let mut base: BaseRecord<'_, [u8], [u8], Box<AckToken>> =
            BaseRecord::with_opaque_to(&record.topic, token).payload(record.payload.as_slice());
        if let Some(key) = &record.key {
            base = base.key(key.as_slice());
        }
        if !record.headers.is_empty() {
            let mut headers = OwnedHeaders::new_with_capacity(record.headers.len());
            for (key, value) in &record.headers {
                headers = headers.insert(Header {
                    key,
                    value: Some(value.as_slice()),
                });
            }
            base = base.headers(headers);
        }
        self.producer
            .send(base)
            .map_err(|(error, returned)| (error, returned.delivery_opaque))
    }

    /// Waits until every queued record is acknowledged or `timeout` passes.
    /// Blocks the calling thread.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.flush(timeout)
    }

    /// Returns the number of records queued or in flight.
    pub fn in_flight(&self) -> i32 {
        self.producer.in_flight_count()
    }
}
