//! Records as they travel between a stage's consumer thread, its processing
//! task and the producer, and the headers ispm writes.

use std::sync::Arc;
use std::time::Instant;

use rdkafka::Message;
use rdkafka::message::{BorrowedMessage, Headers};

use crate::offsets::{InputRef, TopicPartition};

/// Marks a copy of an event on the events topic that carries one of its
/// target facts to the partition of the target identity.
pub const HEADER_ROUTE: &str = "ispm-route";
/// Value of [`HEADER_ROUTE`] on a fact copy.
pub const ROUTE_FACT: &str = "fact";
/// Value of [`HEADER_ROUTE`] on an identity snapshot (credential report row,
/// JSON inventory entry) keyed by its identity.
pub const ROUTE_SNAPSHOT: &str = "snapshot";
/// Index, in decimal, of the fact in the event's `targets` that a fact copy
/// carries.
pub const HEADER_FACT_INDEX: &str = "ispm-fact-index";

/// Dead letters: the stable reason code.
pub const HEADER_REASON: &str = "ispm-reason";
/// Dead letters: what was wrong, in one sentence.
pub const HEADER_DETAIL: &str = "ispm-detail";
/// Dead letters: `rejected` or `accepted_with_warnings`.
pub const HEADER_ACTION: &str = "ispm-action";
/// Dead letters: `original` when the value is the input message as it came,
/// `dead-letter-json` when it is a JSON dead-letter record.
pub const HEADER_VALUE_FORMAT: &str = "ispm-value-format";
pub const HEADER_SOURCE_TOPIC: &str = "ispm-source-topic";
pub const HEADER_SOURCE_PARTITION: &str = "ispm-source-partition";
pub const HEADER_SOURCE_OFFSET: &str = "ispm-source-offset";

/// The way a message on the events topic is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// Process the event for its actor.
    Event,
    /// Apply `targets[index]` of the event to the target identity.
    Fact(usize),
    /// Merge an `IdentitySnapshot` into the identity's state.
    Snapshot,
    /// A route header that cannot be read; the record is dead-lettered.
    Invalid(String),
}

/// An input message copied out of the consumer.
#[derive(Debug)]
pub(crate) struct InputRecord {
    pub input: InputRef,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub route: Route,
    /// When the consumer thread read the message, for the latency histogram.
    pub received: Instant,
}

impl InputRecord {
    /// Copies a consumed message. `topic` is the consumer's shared copy of
    /// the topic name, so that records do not allocate one each.
    pub fn from_message(message: &BorrowedMessage<'_>, topic: Arc<str>) -> Self {
        InputRecord {
            input: InputRef {
                partition: TopicPartition {
                    topic,
                    partition: message.partition(),
                },
                offset: message.offset(),
            },
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().map(<[u8]>::to_vec),
            route: route_of(message),
            received: Instant::now(),
        }
    }

    /// Returns `topic/partition`, the origin the decoders put in dead letters.
    pub fn origin(&self) -> String {
        self.input.partition.to_string()
    }
}

fn route_of(message: &BorrowedMessage<'_>) -> Route {
    let Some(headers) = message.headers() else {
        return Route::Event;
    };
    let mut is_fact = false;
    let mut index = None;
    for header in headers.iter() {
        match header.key {
            HEADER_ROUTE => match header.value {
                Some(value) if value == ROUTE_FACT.as_bytes() => is_fact = true,
                Some(value) if value == ROUTE_SNAPSHOT.as_bytes() => return Route::Snapshot,
                other => {
                    let shown = other.map(String::from_utf8_lossy).unwrap_or_default();
                    return Route::Invalid(format!(
                        "header {HEADER_ROUTE} has unknown value {shown:?}"
                    ));
                }
            },
            HEADER_FACT_INDEX => {
                index = header
                    .value
                    .map(|value| String::from_utf8_lossy(value).into_owned())
            }
            _ => {}
        }
    }
    if !is_fact {
        return Route::Event;
    }
    match index.as_deref().map(str::parse::<usize>) {
        Some(Ok(index)) => Route::Fact(index),
        Some(Err(_)) | None => Route::Invalid(format!(
            "fact copy without a valid {HEADER_FACT_INDEX} header (value {:?})",
            index.unwrap_or_default()
        )),
    }
}

/// A record to produce.
#[derive(Debug)]
pub(crate) struct OutputRecord {
    pub topic: Arc<str>,
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
    pub headers: Vec<(&'static str, Vec<u8>)>,
}

/// An item a stage's consumer thread sends to its processing task, in the
/// order the consumer read it.
#[derive(Debug)]
pub(crate) enum StageInput {
    Record(InputRecord),
    /// These partitions were revoked. Every record of them sent before this
    /// marker has been processed when the processing task reaches it.
    Revoked(Vec<TopicPartition>),
}
