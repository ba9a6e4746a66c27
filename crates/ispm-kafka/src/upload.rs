//! Produces whole files as single messages, for `ispm produce`: how a
//! credential report or an inventory document reaches a snapshot topic,
//! where each message must be one complete document.

use std::time::Duration;

use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};

use crate::client;
use crate::config::KafkaConfig;
use crate::error::RuntimeError;

/// How long one message may wait for the broker's acknowledgement.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the topic check waits for the brokers' metadata.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// Produces each payload as one message to `topic`, keyed by `key` when
/// given, and waits until the broker acknowledges every one. Uses the
/// brokers and `client_properties` of `config`, so SASL and TLS settings
/// apply as in `ispm run`.
pub async fn produce_documents(
    config: &KafkaConfig,
    topic: &str,
    key: Option<&str>,
    payloads: &[Vec<u8>],
) -> Result<(), RuntimeError> {
    let mut client_config = ClientConfig::new();
    client_config.set("message.max.bytes", config.max_message_bytes.to_string());
    client_config.set(
        "message.timeout.ms",
        DELIVERY_TIMEOUT.as_millis().to_string(),
    );
    client::apply_common(&mut client_config, config);
    // librdkafka retries an unreachable broker and logs every attempt; the
    // topic check below reports the failure once instead.
    client_config.set_log_level(RDKafkaLogLevel::Critical);
    let producer: FutureProducer =
        client_config
            .create()
            .map_err(|source| RuntimeError::Client {
                client: "producer",
                source,
            })?;
    check_topic(&producer, topic)?;
    for payload in payloads {
        let mut record = FutureRecord::<str, [u8]>::to(topic).payload(payload);
        if let Some(key) = key {
            record = record.key(key);
        }
        producer
            .send(record, DELIVERY_TIMEOUT)
            .await
            .map_err(|(source, _)| RuntimeError::Broker {
                operation: "produce request",
                source,
            })?;
    }
    Ok(())
}

/// Fails fast when the brokers cannot be reached or the topic does not
/// exist, instead of waiting for every message to time out.
fn check_topic(producer: &FutureProducer, topic: &str) -> Result<(), RuntimeError> {
    let metadata = producer
        .client()
        .fetch_metadata(Some(topic), METADATA_TIMEOUT)
        .map_err(|source| RuntimeError::Broker {
            operation: "metadata request",
            source,
        })?;
    let exists = metadata.topics().iter().any(|found| {
        found.name() == topic && found.error().is_none() && !found.partitions().is_empty()
    });
    if exists {
        Ok(())
    } else {
        Err(RuntimeError::MissingInputTopic {
            topic: topic.to_owned(),
        })
    }
}
