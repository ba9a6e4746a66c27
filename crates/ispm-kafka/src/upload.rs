//! Produces whole files as single messages, for `ispm produce`: how a
//! credential report or an inventory document reaches a snapshot topic,
//! where each message must be one complete document.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::client;
use crate::config::KafkaConfig;
use crate::error::RuntimeError;

/// How long one message may wait for the broker's acknowledgement.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

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
    let producer: FutureProducer =
        client_config
            .create()
            .map_err(|source| RuntimeError::Client {
                client: "producer",
                source,
            })?;
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
