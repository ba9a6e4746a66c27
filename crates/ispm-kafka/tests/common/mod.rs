//! Helpers shared by the Kafka integration tests: broker discovery, unique
//! topic names, producing and reading topics, the shared CloudTrail data and
//! the replay reference.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime};

use ispm_engine::{Engine, EngineConfig};
use ispm_kafka::{
    HttpConfig, InputConfig, KafkaConfig, Pipeline, PipelineMonitor, RunCounts, RunReport,
    RunSettings, RuntimeError, TopicNames,
};
use ispm_model::{DeadLetter, Finding, IdentityEvent};
use ispm_sources::{CloudTrailDecoder, DecoderConfig, Item};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Environment variable with the bootstrap address of the test broker.
pub const BOOTSTRAP_ENV: &str = "ISPM_KAFKA_BOOTSTRAP";
/// Environment variable with the path of `deploy/local/kafka.sh`.
pub const SCRIPT_ENV: &str = "ISPM_KAFKA_SCRIPT";

/// Max message size the tests configure on topics and clients: room for the
/// 10 MB poison message plus headers.
pub const TEST_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

pub fn init_logging() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_env("ISPM_TEST_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,ispm_kafka=info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    });
}

/// Prints a line that the test harness does not capture, so that a skipped
/// test is visible in the output of `cargo test`.
pub fn announce(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Returns the broker address, or `None` after printing why the test is
/// skipped. In CI (`CI` set), a missing broker fails the test instead.
pub fn bootstrap_or_skip(test: &str) -> Option<String> {
    match std::env::var(BOOTSTRAP_ENV) {
        Ok(bootstrap) if !bootstrap.trim().is_empty() => Some(bootstrap),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: {BOOTSTRAP_ENV} is not set in CI; .ci/run must start the broker"
            );
            announce(&format!(
                "SKIPPED {test}: {BOOTSTRAP_ENV} is not set. Start a broker with \
                 `deploy/local/kafka.sh start` and export {BOOTSTRAP_ENV}=$(deploy/local/kafka.sh bootstrap)"
            ));
            None
        }
    }
}

/// Returns the path of `deploy/local/kafka.sh`, or `None` after printing why
/// the test is skipped.
pub fn script_or_skip(test: &str) -> Option<PathBuf> {
    match std::env::var_os(SCRIPT_ENV) {
        Some(path) if Path::new(&path).is_file() => Some(PathBuf::from(path)),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: {SCRIPT_ENV} is not set in CI; .ci/run must export it"
            );
            announce(&format!(
                "SKIPPED {test}: {SCRIPT_ENV} does not name deploy/local/kafka.sh, which this test runs"
            ));
            None
        }
    }
}

/// Returns a random suffix for topic and group names, so that tests never
/// share them.
pub fn unique_suffix() -> String {
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// Settings for a test run against `bootstrap`, with every topic and the
/// group suffixed by `suffix` and short intervals.
pub fn test_settings(bootstrap: &str, suffix: &str, raw_topic: &str) -> RunSettings {
    let kafka = KafkaConfig {
        bootstrap_servers: bootstrap.to_owned(),
        group_id: format!("ispm-test-{suffix}"),
        inputs: vec![InputConfig {
            topic: raw_topic.to_owned(),
            decoder: ispm_kafka::DecoderKind::Cloudtrail,
            keyed_by_identity: false,
        }],
        topics: TopicNames {
            events: format!("ispm.events.{suffix}"),
            findings_anomaly: format!("ispm.findings.anomaly.{suffix}"),
            findings_policy: format!("ispm.findings.policy.{suffix}"),
            inventory: format!("ispm.inventory.{suffix}"),
            deadletter: format!("ispm.deadletter.{suffix}"),
            posture_identity: format!("ispm.posture.identity.{suffix}"),
            posture_summary: format!("ispm.posture.summary.{suffix}"),
            posture_partial: format!("ispm.posture.partial.{suffix}"),
        },
        events_partitions: 3,
        output_partitions: 1,
        replication_factor: Some(1),
        max_message_bytes: TEST_MAX_MESSAGE_BYTES,
        commit_interval: Duration::from_millis(500),
        drain_deadline: Duration::from_secs(20),
        // Short enough that a consumer stuck joining after a broker restart
        // is replaced within the tests' waits.
        rejoin_after: Duration::from_secs(60),
        statistics_interval: Duration::from_secs(1),
        ..KafkaConfig::default()
    };
    RunSettings {
        decoder: DecoderConfig::default(),
        enrich: Default::default(),
        engine: EngineConfig::default(),
        kafka,
        http: HttpConfig {
            enabled: true,
            listen: "127.0.0.1:0".parse().expect("valid address"),
        },
    }
}

pub fn client_config(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

/// Creates a topic with the given partitions and topic configs.
pub async fn create_topic(bootstrap: &str, topic: &str, partitions: i32, configs: &[(&str, &str)]) {
    let admin: AdminClient<DefaultClientContext> =
        client_config(bootstrap).create().expect("admin client");
    let mut new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    for (key, value) in configs {
        new_topic = new_topic.set(key, value);
    }
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = admin
        .create_topics([&new_topic], &options)
        .await
        .expect("create topics request");
    for result in results {
        result.unwrap_or_else(|(name, code)| panic!("creating {name} failed: {code}"));
    }
}

/// Deletes the raw topic and every output topic of a test, so that a
/// long-lived development broker does not collect them. Best effort: a
/// failure is printed, not raised.
pub async fn delete_test_topics(bootstrap: &str, raw_topic: &str, topics: &TopicNames) {
    let Ok(admin) = client_config(bootstrap).create::<AdminClient<DefaultClientContext>>() else {
        return;
    };
    let names = [
        raw_topic,
        &topics.events,
        &topics.findings_anomaly,
        &topics.findings_policy,
        &topics.inventory,
        &topics.deadletter,
        &topics.posture_identity,
        &topics.posture_summary,
        &topics.posture_partial,
    ];
    if let Err(error) = admin.delete_topics(&names, &AdminOptions::new()).await {
        announce(&format!("deleting test topics failed: {error}"));
    }
}

/// Creates a raw topic with one partition that accepts test messages up to
/// [`TEST_MAX_MESSAGE_BYTES`].
pub async fn create_raw_topic(bootstrap: &str, topic: &str) {
    let max = TEST_MAX_MESSAGE_BYTES.to_string();
    create_topic(bootstrap, topic, 1, &[("max.message.bytes", &max)]).await;
}

pub fn test_producer(bootstrap: &str) -> FutureProducer {
    client_config(bootstrap)
        .set("message.max.bytes", TEST_MAX_MESSAGE_BYTES.to_string())
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .create()
        .expect("producer")
}

/// Produces `values` in order to partition 0 of `topic` and waits for every
/// acknowledgement.
pub async fn produce_all(producer: &FutureProducer, topic: &str, values: &[Vec<u8>]) {
    let mut deliveries = Vec::with_capacity(values.len());
    for value in values {
        let record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic)
            .partition(0)
            .payload(value.as_slice());
        let delivery = producer
            .send_result(record)
            .unwrap_or_else(|(error, _)| panic!("enqueueing to {topic} failed: {error}"));
        deliveries.push(delivery);
    }
    for delivery in deliveries {
        match delivery.await {
            Ok(Ok(_)) => {}
            Ok(Err((error, _))) => panic!("producing to {topic} failed: {error}"),
            Err(_) => panic!("producer dropped a delivery"),
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
}

/// A consumed message with its headers as text.
#[derive(Clone, Debug)]
pub struct Consumed {
    pub partition: i32,
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
    pub headers: HashMap<String, String>,
}

impl Consumed {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn key_text(&self) -> String {
        String::from_utf8_lossy(self.key.as_deref().unwrap_or_default()).into_owned()
    }
}

/// Reads every message of `topic` from the beginning up to the high
/// watermarks at the time of the call. Runs on a blocking thread.
pub async fn read_topic(bootstrap: &str, topic: &str) -> Vec<Consumed> {
    let bootstrap = bootstrap.to_owned();
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || read_topic_blocking(&bootstrap, &topic))
        .await
        .expect("reader thread")
}

fn read_topic_blocking(bootstrap: &str, topic: &str) -> Vec<Consumed> {
    let consumer: BaseConsumer = client_config(bootstrap)
        .set("group.id", format!("ispm-test-reader-{}", unique_suffix()))
        .set("enable.auto.commit", "false")
        .set("receive.message.max.bytes", (100 * 1024 * 1024).to_string())
        .create()
        .expect("reader consumer");
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(30))
        .expect("topic metadata");
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .flat_map(|found| found.partitions().iter().map(|partition| partition.id()))
        .collect();
    assert!(!partitions.is_empty(), "topic {topic} has no partitions");

    let mut ends = HashMap::new();
    let mut assignment = TopicPartitionList::new();
    for &partition in &partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, Duration::from_secs(30))
            .expect("watermarks");
        if high > low {
            ends.insert(partition, high);
            assignment
                .add_partition_offset(topic, partition, Offset::Offset(low))
                .expect("assignment");
        }
    }
    let mut messages = Vec::new();
    if ends.is_empty() {
        return messages;
    }
    consumer.assign(&assignment).expect("assign");

    let deadline = Instant::now() + Duration::from_secs(60);
    while !ends.is_empty() {
        assert!(
            Instant::now() < deadline,
            "reading {topic} timed out with {ends:?} left"
        );
        let Some(result) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = result.expect("reading test topic");
        let headers = message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|header| {
                        let value =
                            String::from_utf8_lossy(header.value.unwrap_or_default()).into_owned();
                        (header.key.to_owned(), value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        messages.push(Consumed {
            partition: message.partition(),
            key: message.key().map(<[u8]>::to_vec),
            payload: message.payload().map(<[u8]>::to_vec).unwrap_or_default(),
            headers,
        });
        if let Some(&end) = ends.get(&message.partition())
            && message.offset() + 1 >= end
        {
            ends.remove(&message.partition());
        }
    }
    messages
}

/// A pipeline running in a background task, stopped by [`RunningPipeline::stop`].
pub struct RunningPipeline {
    pub http_addr: Option<std::net::SocketAddr>,
    pub monitor: PipelineMonitor,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<RunReport, RuntimeError>>,
}

impl RunningPipeline {
    pub async fn start(settings: RunSettings) -> RunningPipeline {
        let pipeline = Pipeline::start(settings).await.expect("pipeline starts");
        let (shutdown, stopped) = oneshot::channel::<()>();
        RunningPipeline {
            http_addr: pipeline.http_addr(),
            monitor: pipeline.monitor(),
            shutdown: Some(shutdown),
            task: tokio::spawn(pipeline.run_until(async {
                let _ = stopped.await;
            })),
        }
    }

    pub fn counts(&self) -> RunCounts {
        self.monitor.counts()
    }

    /// Requests a shutdown and waits for the drain.
    pub async fn stop(mut self) -> Result<RunReport, RuntimeError> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        tokio::time::timeout(Duration::from_secs(90), &mut self.task)
            .await
            .expect("pipeline stops within 90 s")
            .expect("pipeline task")
    }

    /// Returns how many stage consumers were replaced after a stalled join.
    pub fn consumer_replacements(&self) -> u64 {
        self.monitor.status().consumer_replacements()
    }

    /// Waits until the pipeline is ready (both stages have partitions).
    pub async fn wait_ready(&self, timeout: Duration) {
        let status = self.monitor.status();
        let deadline = Instant::now() + timeout;
        while !status.is_ready() {
            assert!(
                Instant::now() < deadline,
                "pipeline not ready after {timeout:?}: {:?}",
                status.phases()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// One raw CloudTrail record as a log shipper sends it, with the file it came
/// from.
#[derive(Clone, Debug)]
pub struct RawRecord {
    pub file: PathBuf,
    pub bytes: Vec<u8>,
}

/// Returns the folder of the shared CloudTrail data: S3 delivery files and
/// per-technique arrays.
pub fn cloudtrail_data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail")
}

/// Splits every CloudTrail file under `dir` into single records, one per
/// message, as a log shipper does with S3 delivery files.
pub fn load_raw_records(dir: &Path) -> Vec<RawRecord> {
    /// An S3 delivery file. Untagged enums cannot hold `RawValue`, so the
    /// two shapes are tried one after the other.
    #[derive(Deserialize)]
    struct Delivery {
        #[serde(rename = "Records")]
        records: Vec<Box<RawValue>>,
    }

    let mut files = Vec::new();
    collect_json_files(dir, &mut files);
    files.sort();
    assert!(
        !files.is_empty(),
        "no CloudTrail files under {}",
        dir.display()
    );

    let mut records = Vec::new();
    for file in files {
        let text = std::fs::read(&file)
            .unwrap_or_else(|error| panic!("reading {}: {error}", file.display()));
        let values = match serde_json::from_slice::<Delivery>(&text) {
            Ok(delivery) => delivery.records,
            Err(_) => serde_json::from_slice::<Vec<Box<RawValue>>>(&text)
                .unwrap_or_else(|error| panic!("parsing {}: {error}", file.display())),
        };
        records.extend(values.into_iter().map(|value| RawRecord {
            file: file.clone(),
            bytes: value.get().as_bytes().to_vec(),
        }));
    }
    records
}

fn collect_json_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("listing {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_json_files(&path, files);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            files.push(path);
        }
    }
}

/// What decoding each raw record on its own gives: the reference the Kafka
/// run is compared with.
pub struct Replay {
    /// Decoded events in event-time order, (time, event id) as the key.
    pub events: Vec<IdentityEvent>,
    /// Raw records sorted like `events`, records without an event last.
    pub ordered_records: Vec<Vec<u8>>,
    pub dead_letters: Vec<DeadLetter>,
    pub skipped: usize,
}

impl Replay {
    /// Decodes each record as its own document, like the decode stage does
    /// with one message, and orders the records by event time.
    pub fn decode(records: &[RawRecord]) -> Replay {
        let decoder = CloudTrailDecoder::new(DecoderConfig::default());
        let mut decoded: Vec<(IdentityEvent, Vec<u8>)> = Vec::new();
        let mut undecoded = Vec::new();
        let mut dead_letters = Vec::new();
        let mut skipped = 0;
        for record in records {
            let mut events = Vec::new();
            decoder.decode_document("replay", &record.bytes, &mut |item| match item {
                Item::Event(event) => events.push(event),
                Item::DeadLetter(letter) => dead_letters.push(letter),
                Item::Skipped { .. } => skipped += 1,
            });
            assert!(
                events.len() <= 1,
                "a single record decoded into {} events",
                events.len()
            );
            match events.pop() {
                Some(event) => decoded.push((event, record.bytes.clone())),
                None => undecoded.push(record.bytes.clone()),
            }
        }
        decoded.sort_by(|(left, _), (right, _)| {
            (left.time, &left.event_id).cmp(&(right.time, &right.event_id))
        });

        let mut ordered_records: Vec<Vec<u8>> =
            decoded.iter().map(|(_, bytes)| bytes.clone()).collect();
        ordered_records.extend(undecoded);
        Replay {
            events: decoded.into_iter().map(|(event, _)| event).collect(),
            ordered_records,
            dead_letters,
            skipped,
        }
    }

    /// Runs the events through one engine in event-time order, applying each
    /// target fact right after its event, and returns the finding uids.
    pub fn finding_uids(&self) -> BTreeSet<String> {
        let mut engine = Engine::new(EngineConfig::default());
        let mut findings: Vec<Finding> = Vec::new();
        for event in &self.events {
            engine.process(event, &mut findings);
            for fact in &event.targets {
                engine.apply_fact(fact, event, &mut findings);
            }
        }
        findings.into_iter().map(|finding| finding.uid).collect()
    }

    pub fn fact_count(&self) -> usize {
        self.events.iter().map(|event| event.targets.len()).sum()
    }
}

/// Returns the `unmapped.ispm.detector` of an OCSF finding.
pub fn ocsf_detector(payload: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(payload).expect("finding is JSON");
    value["unmapped"]["ispm"]["detector"]
        .as_str()
        .unwrap_or_else(|| panic!("finding without unmapped.ispm.detector: {value}"))
        .to_owned()
}

/// Returns the `finding_info.uid` of an OCSF finding.
pub fn ocsf_uid(payload: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(payload).expect("finding is JSON");
    value["finding_info"]["uid"]
        .as_str()
        .unwrap_or_else(|| panic!("finding without finding_info.uid: {value}"))
        .to_owned()
}

/// Polls `condition` every 100 ms until it is true or `timeout` passes.
pub async fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl RunningPipeline {
    /// Polls `condition` on the counts every 100 ms until it is true. Fails
    /// with the stage phases and counts when `timeout` passes or the
    /// pipeline stops by itself.
    pub async fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&RunCounts) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            let counts = self.counts();
            if condition(&counts) {
                return;
            }
            if self.task.is_finished() {
                let result = (&mut self.task).await.expect("pipeline task");
                panic!("pipeline stopped while waiting for {what}: {result:?}");
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what}; phases {:?}, counts {counts:?}",
                self.monitor.status().phases()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Sends `GET path` to the operations endpoint and returns the status code
/// and body.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the endpoint");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("read response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}
