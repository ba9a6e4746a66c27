//! Settings of the Kafka runtime, as the `[kafka]` and `[http]` tables of the
//! ispm configuration file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use ispm_engine::EngineConfig;
use ispm_model::{
    TOPIC_ANOMALY, TOPIC_DEADLETTER, TOPIC_INVENTORY, TOPIC_POLICY, TOPIC_POSTURE_IDENTITY,
    TOPIC_POSTURE_SUMMARY,
};
use ispm_sources::DecoderConfig;
use serde::{Deserialize, Serialize};

use crate::secret::ClientProperties;

/// Everything [`crate::run`] needs: the decoder and engine settings shared
/// with `ispm replay`, plus the Kafka and HTTP settings of this runtime.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunSettings {
    pub decoder: DecoderConfig,
    /// IP databases for enrichment, as in `ispm replay`; the decode stage
    /// enriches every event before it is keyed onto the events topic.
    pub enrich: ispm_enrich::EnrichConfig,
    pub engine: EngineConfig,
    pub kafka: KafkaConfig,
    pub http: HttpConfig,
}

/// Kafka settings of `ispm run`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    /// Comma-separated `host:port` list of brokers to bootstrap from.
    /// Default `127.0.0.1:9092`, Kafka's standard port on this host, so that a
    /// local broker works without configuration.
    pub bootstrap_servers: String,

    /// Consumer group prefix. The decode stage joins `<group_id>-decode` and
    /// the stateful stage `<group_id>-stateful`, so the two stages rebalance
    /// independently. Instances with the same `group_id` share the work.
    /// Default `ispm`.
    pub group_id: String,

    /// librdkafka properties passed to every consumer, producer and admin
    /// client, e.g. `security.protocol`, `sasl.mechanism`, `sasl.username`,
    /// `sasl.password`, `ssl.ca.location`. Values of names containing
    /// `password`, `secret`, `key`, `token` or `sasl.jaas` are redacted in
    /// logs and dumps. Properties the runtime sets itself for its delivery
    /// guarantee (group id, offset commits, idempotence) are rejected.
    /// Default: none.
    pub client_properties: ClientProperties,

    /// Raw topics to decode. Default: one input, `cloudtrail.raw`, decoded as
    /// CloudTrail and not keyed by identity, which is how log shippers
    /// usually write CloudTrail.
    pub inputs: Vec<InputConfig>,

    /// Names of the topics the runtime writes.
    pub topics: TopicNames,

    /// Partitions of the events topic when the runtime creates it. They cap
    /// how many instances share the stateful work. Default 6, room for a few
    /// instances per availability zone. Kafka can add partitions later, but
    /// that moves identities to other partitions and so to fresh state.
    pub events_partitions: i32,

    /// Partitions of the findings, inventory and dead-letter topics when the
    /// runtime creates them. Default 3: these carry far fewer records than
    /// the events topic and are read by few consumers.
    pub output_partitions: i32,

    /// Replication factor of topics the runtime creates. Default: unset, so
    /// the broker's `default.replication.factor` applies, which suits both a
    /// single development broker and a production cluster.
    pub replication_factor: Option<i16>,

    /// Create missing output topics at startup with the admin API (the
    /// inventory topic with `cleanup.policy=compact`). When false, a missing
    /// topic stops the startup with an error that names it. Input topics are
    /// never created. Default true.
    pub create_topics: bool,

    /// Largest record the runtime produces, in bytes: the producer's
    /// `message.max.bytes` and the `max.message.bytes` of topics it creates.
    /// A rejected raw message is dead-lettered as it came, so this must be at
    /// least the `max.message.bytes` of the input topics. A larger message is
    /// dead-lettered as a JSON record with an excerpt instead. Default 16 MiB.
    pub max_message_bytes: usize,

    /// How often acknowledged input offsets are committed. A crash reprocesses
    /// at most this much acknowledged input. Default 5s, Kafka's default
    /// `auto.commit.interval.ms`.
    #[serde(with = "ispm_model::duration")]
    pub commit_interval: Duration,

    /// Time to wait, on shutdown or when partitions are revoked, for in-flight
    /// records to be acknowledged before committing what is acknowledged.
    /// Records not acknowledged by then are reprocessed by the next owner.
    /// Default 30s. Give the orchestrator a longer grace period (Kubernetes'
    /// default is also 30s).
    #[serde(with = "ispm_model::duration")]
    pub drain_deadline: Duration,

    /// Time a stage's consumer may stay without partitions, joining its
    /// group, before it is closed and a new one joins in its place. After a
    /// broker restart librdkafka has been seen to keep an unknown group
    /// coordinator for minutes and never rejoin. A join legitimately waits
    /// for every member, up to their `max.poll.interval.ms` (5 minutes), so
    /// the default is 6 minutes. `0s` turns the replacement off.
    #[serde(with = "ispm_model::duration")]
    pub rejoin_after: Duration,

    /// Capacity, in records, of the channel between each stage's consumer and
    /// its processing task. When it is full the consumer stops fetching.
    /// Default 1024: enough to keep the processor busy while the consumer
    /// fetches, small enough to bound memory with 1 MiB records.
    pub channel_capacity: usize,

    /// Most records the processing task takes from the channel at once. The
    /// stateful stage publishes changed inventory records after each batch.
    /// Default 512.
    pub max_batch_records: usize,

    /// First wait before retrying a record that the producer rejected because
    /// its local queue was full. The wait doubles per retry up to
    /// `queue_full_backoff_max`; the record is never dropped. Default 5ms,
    /// about the producer's default `linger.ms`.
    #[serde(with = "ispm_model::duration")]
    pub queue_full_backoff: Duration,

    /// Maximum wait between two retries of a record rejected by a full
    /// producer queue. Default 1s.
    #[serde(with = "ispm_model::duration")]
    pub queue_full_backoff_max: Duration,

    /// How often librdkafka reports statistics, which update the consumer lag
    /// and producer queue gauges. Default 5s.
    #[serde(with = "ispm_model::duration")]
    pub statistics_interval: Duration,
}

/// One raw topic to decode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// The raw topic name.
    pub topic: String,

    /// The format of the topic's messages.
    pub decoder: DecoderKind,

    /// True when the topic's messages are keyed by the canonical identity id
    /// and partitioned like the events topic (same partition count, Kafka's
    /// default murmur2 partitioner). The stateful stage then reads the topic
    /// directly instead of re-keying it through the events topic. Default
    /// false: log shippers key by account or not at all.
    #[serde(default)]
    pub keyed_by_identity: bool,
}

/// Decoders for raw topics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecoderKind {
    /// AWS CloudTrail: single records, `{"Records": [...]}` documents as
    /// delivered to S3, or EventBridge envelopes.
    Cloudtrail,
    /// Identity snapshots, one document per message: the AWS IAM credential
    /// report CSV or an `ispm.inventory.v1` JSON document. A snapshot topic
    /// cannot be keyed by identity, because one document names many.
    Snapshot,
}

impl DecoderKind {
    /// Returns the name used in the configuration and as the `source` metric
    /// label.
    pub fn as_str(self) -> &'static str {
        match self {
            DecoderKind::Cloudtrail => "cloudtrail",
            DecoderKind::Snapshot => "snapshot",
        }
    }
}

/// Names of the topics the runtime writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicNames {
    /// Decoded events keyed by identity id; internal to ispm. Default `ispm.events`.
    pub events: String,
    /// Anomaly findings as OCSF JSON. Default `ispm.findings.anomaly`.
    pub findings_anomaly: String,
    /// Policy findings as OCSF JSON. Default `ispm.findings.policy`.
    pub findings_policy: String,
    /// Identity inventory, compacted, keyed by identity id. Default `ispm.inventory`.
    pub inventory: String,
    /// Records that could not be processed. Default `ispm.deadletter`.
    pub deadletter: String,
    /// Identity risk and its factors, compacted, keyed by identity id,
    /// published when it changes. Default `ispm.posture.identity`.
    pub posture_identity: String,
    /// Posture scores per scope (`org`, `account:ID`, `owner:NAME`),
    /// compacted, keyed by scope. Default `ispm.posture.summary`.
    pub posture_summary: String,
    /// Posture counts of each scope in each events partition, keyed by
    /// `SCOPE@PARTITION`; internal to ispm, merged into `posture_summary`.
    /// Default `ispm.posture.partial`.
    pub posture_partial: String,
}

/// Settings of the health and metrics HTTP endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Serve `/healthz`, `/readyz` and `/metrics`. Default true.
    pub enabled: bool,

    /// Address to listen on. Default `127.0.0.1:9464`: 9464 is the port
    /// registered for Prometheus exporters of OpenTelemetry, and the loopback
    /// address keeps the endpoint private until an operator opens it. Port 0
    /// picks a free port.
    pub listen: SocketAddr,
}

/// 16 MiB, see [`KafkaConfig::max_message_bytes`].
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// librdkafka properties that the runtime sets itself. Overriding them would
/// break the at-least-once guarantee or contradict a typed setting.
const RESERVED_PROPERTIES: &[(&str, &str)] = &[
    ("bootstrap.servers", "kafka.bootstrap_servers"),
    ("group.id", "kafka.group_id"),
    (
        "enable.auto.commit",
        "kafka.commit_interval (offsets are committed only after outputs are acknowledged)",
    ),
    (
        "enable.auto.offset.store",
        "kafka.commit_interval (offsets are committed only after outputs are acknowledged)",
    ),
    (
        "enable.idempotence",
        "nothing: idempotence keeps outputs in order across retries",
    ),
    ("message.max.bytes", "kafka.max_message_bytes"),
    ("statistics.interval.ms", "kafka.statistics_interval"),
];

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            bootstrap_servers: "127.0.0.1:9092".to_owned(),
            group_id: "ispm".to_owned(),
            client_properties: ClientProperties::default(),
            inputs: vec![InputConfig {
                topic: "cloudtrail.raw".to_owned(),
                decoder: DecoderKind::Cloudtrail,
                keyed_by_identity: false,
            }],
            topics: TopicNames::default(),
            events_partitions: 6,
            output_partitions: 3,
            replication_factor: None,
            create_topics: true,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            commit_interval: Duration::from_secs(5),
            drain_deadline: Duration::from_secs(30),
            rejoin_after: Duration::from_secs(360),
            channel_capacity: 1024,
            max_batch_records: 512,
            queue_full_backoff: Duration::from_millis(5),
            queue_full_backoff_max: Duration::from_secs(1),
            statistics_interval: Duration::from_secs(5),
        }
    }
}

impl Default for TopicNames {
    fn default() -> Self {
        TopicNames {
            events: "ispm.events".to_owned(),
            findings_anomaly: TOPIC_ANOMALY.to_owned(),
            findings_policy: TOPIC_POLICY.to_owned(),
            inventory: TOPIC_INVENTORY.to_owned(),
            deadletter: TOPIC_DEADLETTER.to_owned(),
            posture_identity: TOPIC_POSTURE_IDENTITY.to_owned(),
            posture_summary: TOPIC_POSTURE_SUMMARY.to_owned(),
            posture_partial: "ispm.posture.partial".to_owned(),
        }
    }
}

impl TopicNames {
    /// Returns every output topic with its setting name, events topic first.
    pub fn all(&self) -> [(&'static str, &str); 8] {
        [
            ("kafka.topics.events", &self.events),
            ("kafka.topics.findings_anomaly", &self.findings_anomaly),
            ("kafka.topics.findings_policy", &self.findings_policy),
            ("kafka.topics.inventory", &self.inventory),
            ("kafka.topics.deadletter", &self.deadletter),
            ("kafka.topics.posture_identity", &self.posture_identity),
            ("kafka.topics.posture_summary", &self.posture_summary),
            ("kafka.topics.posture_partial", &self.posture_partial),
        ]
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            enabled: true,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 9464)),
        }
    }
}

/// Every problem found in the Kafka settings, so that one run reports all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} problem(s): {}",
            self.problems.len(),
            self.problems.join("; ")
        )
    }
}

impl std::error::Error for ConfigError {}

impl KafkaConfig {
    /// Checks the settings across fields and returns every problem at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();

        if self.bootstrap_servers.trim().is_empty() {
            problems
                .push("kafka.bootstrap_servers is empty: give at least one host:port".to_owned());
        }
        if self.group_id.trim().is_empty() {
            problems.push("kafka.group_id is empty".to_owned());
        }
        for (name, setting) in RESERVED_PROPERTIES {
            if self.client_properties.get(name).is_some() {
                problems.push(format!(
                    "kafka.client_properties must not set {name:?}: the runtime sets it from {setting}"
                ));
            }
        }

        self.validate_topics(&mut problems);
        self.validate_sizes(&mut problems);

        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems })
        }
    }

    fn validate_topics(&self, problems: &mut Vec<String>) {
        // Each output topic with the setting that named it first, so that a
        // clash names both settings.
        let mut outputs: BTreeMap<&str, &str> = BTreeMap::new();
        for (setting, topic) in self.topics.all() {
            if topic.trim().is_empty() {
                problems.push(format!("{setting} is empty"));
            } else if let Some(first) = outputs.get(topic) {
                problems.push(format!(
                    "{setting} = {topic:?} is also {first}; each output needs its own topic"
                ));
            } else {
                outputs.insert(topic, setting);
            }
        }

        if self.inputs.is_empty() {
            problems.push("kafka.inputs is empty: configure at least one raw topic".to_owned());
        }
        let mut inputs = BTreeSet::new();
        for (index, input) in self.inputs.iter().enumerate() {
            if input.topic.trim().is_empty() {
                problems.push("kafka.inputs has an entry with an empty topic".to_owned());
            } else if !inputs.insert(input.topic.as_str()) {
                problems.push(format!("kafka.inputs lists topic {:?} twice", input.topic));
            } else if let Some(output) = outputs.get(input.topic.as_str()) {
                problems.push(format!(
                    "kafka.inputs[{index}].topic = {:?} is also {output}; the runtime would read its own output",
                    input.topic
                ));
            }
            if input.decoder == DecoderKind::Snapshot && input.keyed_by_identity {
                problems.push(format!(
                    "kafka.inputs topic {:?}: a snapshot topic cannot be keyed_by_identity, because one document names many identities",
                    input.topic
                ));
            }
        }
    }

    fn validate_sizes(&self, problems: &mut Vec<String>) {
        if self.events_partitions < 1 {
            problems.push(format!(
                "kafka.events_partitions = {} must be at least 1",
                self.events_partitions
            ));
        }
        if self.output_partitions < 1 {
            problems.push(format!(
                "kafka.output_partitions = {} must be at least 1",
                self.output_partitions
            ));
        }
        if let Some(factor) = self.replication_factor
            && factor < 1
        {
            problems.push(format!(
                "kafka.replication_factor = {factor} must be at least 1; leave it unset for the broker default"
            ));
        }
        // librdkafka accepts message.max.bytes from 1000 to 1,000,000,000.
        if !(1000..=1_000_000_000).contains(&self.max_message_bytes) {
            problems.push(format!(
                "kafka.max_message_bytes = {} must be between 1000 and 1000000000",
                self.max_message_bytes
            ));
        }
        for (setting, value) in [
            ("kafka.commit_interval", self.commit_interval),
            ("kafka.drain_deadline", self.drain_deadline),
            ("kafka.queue_full_backoff", self.queue_full_backoff),
            ("kafka.statistics_interval", self.statistics_interval),
        ] {
            if value.is_zero() {
                problems.push(format!("{setting} must be greater than zero"));
            }
        }
        if self.queue_full_backoff_max < self.queue_full_backoff {
            problems.push(format!(
                "kafka.queue_full_backoff_max ({}) is shorter than kafka.queue_full_backoff ({})",
                ispm_model::duration::format(self.queue_full_backoff_max),
                ispm_model::duration::format(self.queue_full_backoff)
            ));
        }
        if self.channel_capacity == 0 {
            problems.push("kafka.channel_capacity must be at least 1".to_owned());
        }
        if self.max_batch_records == 0 {
            problems.push("kafka.max_batch_records must be at least 1".to_owned());
        }
    }

    /// Returns the inputs the decode stage reads (not keyed by identity).
    pub fn decode_inputs(&self) -> impl Iterator<Item = &InputConfig> {
        self.inputs.iter().filter(|input| !input.keyed_by_identity)
    }

    /// Returns the inputs the stateful stage reads directly.
    pub fn keyed_inputs(&self) -> impl Iterator<Item = &InputConfig> {
        self.inputs.iter().filter(|input| input.keyed_by_identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<KafkaConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn empty_table_gives_defaults() {
        let config = parse("").expect("valid");
        assert_eq!(config, KafkaConfig::default());
        assert_eq!(config.topics.events, "ispm.events");
        assert_eq!(config.events_partitions, 6);
        assert_eq!(config.drain_deadline, Duration::from_secs(30));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn documented_example_parses() {
        let config = parse(
            r#"
            bootstrap_servers = "kafka-1:9092,kafka-2:9092"
            group_id = "ispm-prod"
            commit_interval = "2s"
            drain_deadline = "1m 30s"
            replication_factor = 3

            [client_properties]
            "security.protocol" = "SASL_SSL"
            "sasl.password" = "hunter2"

            [[inputs]]
            topic = "cloudtrail.raw"
            decoder = "cloudtrail"

            [[inputs]]
            topic = "cloudtrail.by-identity"
            decoder = "cloudtrail"
            keyed_by_identity = true

            [topics]
            deadletter = "ispm.dlq"
            "#,
        )
        .expect("valid");

        assert_eq!(config.commit_interval, Duration::from_secs(2));
        assert_eq!(config.drain_deadline, Duration::from_secs(90));
        assert_eq!(config.replication_factor, Some(3));
        assert_eq!(config.decode_inputs().count(), 1);
        assert_eq!(config.keyed_inputs().count(), 1);
        assert_eq!(config.topics.deadletter, "ispm.dlq");
        assert_eq!(config.topics.inventory, "ispm.inventory");
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let error = parse("bootstrap_server = \"x:9092\"").expect_err("unknown key");
        assert!(error.to_string().contains("bootstrap_server"), "{error}");

        let error = parse("[[inputs]]\ntopic = \"a\"\ndecoder = \"cloudtrail\"\nkeyed = true")
            .expect_err("unknown input key");
        assert!(error.to_string().contains("keyed"), "{error}");
    }

    #[test]
    fn unknown_decoder_is_rejected() {
        let error = parse("[[inputs]]\ntopic = \"okta.raw\"\ndecoder = \"okta\"")
            .expect_err("no okta decoder yet");
        assert!(error.to_string().contains("okta"), "{error}");
    }

    #[test]
    fn validate_reports_every_problem() {
        let mut config = KafkaConfig {
            group_id: String::new(),
            events_partitions: 0,
            drain_deadline: Duration::ZERO,
            ..KafkaConfig::default()
        };
        config.topics.inventory = "ispm.events".to_owned();
        config
            .client_properties
            .insert("enable.auto.commit", "true");
        config.inputs.push(config.inputs[0].clone());

        let problems = config.validate().expect_err("invalid").problems;
        let expected = [
            "kafka.group_id is empty",
            "kafka.events_partitions = 0",
            "kafka.topics.inventory = \"ispm.events\" is also kafka.topics.events; each output needs its own topic",
            "must not set \"enable.auto.commit\"",
            "lists topic \"cloudtrail.raw\" twice",
            "kafka.drain_deadline must be greater than zero",
        ];
        for fragment in expected {
            assert!(
                problems.iter().any(|problem| problem.contains(fragment)),
                "{fragment:?} not in {problems:?}"
            );
        }
        assert_eq!(problems.len(), expected.len(), "{problems:?}");
    }

    #[test]
    fn input_topic_that_is_an_output_is_rejected() {
        let mut config = KafkaConfig::default();
        config.inputs[0].topic = "ispm.deadletter".to_owned();
        let problems = config.validate().expect_err("invalid").problems;
        assert!(
            problems[0].contains("the runtime would read its own output"),
            "{problems:?}"
        );
    }
}
