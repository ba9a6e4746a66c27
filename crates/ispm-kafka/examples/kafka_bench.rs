//! End-to-end benchmark harness of the Kafka runtime against a real broker.
//! Not a test: run it by hand and keep the Markdown it prints.
//!
//! ```text
//! deploy/local/kafka.sh start
//! ISPM_KAFKA_BOOTSTRAP=$(deploy/local/kafka.sh bootstrap) \
//!     cargo run --release -p ispm-kafka --example kafka_bench -- --records 100000
//! ```
//!
//! Options: `--records N` (default 100000), `--raw-partitions N` (6),
//! `--latency-seconds N` (30; 0 skips the latency run), `--warmup-seconds N`
//! (5), `--output FILE`, `--property NAME=VALUE` (a librdkafka property for
//! the runtime's producer and consumers; repeatable). With `ISPM_BENCH_BROKER_PID` set to the broker's pid
//! (`deploy/local/kafka.sh` writes it to `broker.pid` in its data directory),
//! the report also gives the broker's CPU time during the throughput run.
//!
//! It measures, in one run and against the same raw topic:
//!
//! 1. the rate of a plain rdkafka consumer reading the raw topic (the ceiling
//!    set by the broker and the client),
//! 2. the runtime's end-to-end rate, from readiness until the last event is
//!    processed: raw records read, decoded, re-keyed through the events topic
//!    and processed by the engines. Also the events per CPU-second of this
//!    process (getrusage), which excludes the broker's CPU,
//! 3. produce-to-output latency at half that rate after a warm-up: from
//!    producing a raw record to reading its event from the events topic, and
//!    to reading a finding that names it, as p50/p99 (hdrhistogram).
//!
//! Raw records are the shared CloudTrail files, cycled to the requested
//! count, each with a unique `eventID` so that latencies can be matched.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use ispm_engine::EngineConfig;
use ispm_kafka::{HttpConfig, InputConfig, KafkaConfig, Pipeline, RunSettings, TopicNames};
use ispm_sources::{CloudTrailDecoder, DecoderConfig, Item};
use nix::sys::resource::{UsageWho, getrusage};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use serde_json::Value;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Options {
    bootstrap: String,
    records: usize,
    raw_partitions: i32,
    latency_seconds: u64,
    warmup_seconds: u64,
    output: Option<PathBuf>,
    /// librdkafka properties for the runtime's clients, from `--property`.
    properties: Vec<(String, String)>,
}

fn parse_options() -> BenchResult<Options> {
    let bootstrap = std::env::var("ISPM_KAFKA_BOOTSTRAP").map_err(
        |_| "ISPM_KAFKA_BOOTSTRAP is not set; start a broker with deploy/local/kafka.sh start",
    )?;
    let mut options = Options {
        bootstrap,
        records: 100_000,
        raw_partitions: 6,
        latency_seconds: 30,
        warmup_seconds: 5,
        output: None,
        properties: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--records" => options.records = value.parse()?,
            "--raw-partitions" => options.raw_partitions = value.parse()?,
            "--latency-seconds" => options.latency_seconds = value.parse()?,
            "--warmup-seconds" => options.warmup_seconds = value.parse()?,
            "--output" => options.output = Some(PathBuf::from(value)),
            "--property" => {
                let (name, property) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--property {value}: expected NAME=VALUE"))?;
                options
                    .properties
                    .push((name.to_owned(), property.to_owned()));
            }
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(options)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> BenchResult<()> {
    let options = parse_options()?;
    let corpus = Corpus::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail"),
    )?;
    let run_id = std::process::id();
    let mut report = String::new();
    writeln!(report, "## Kafka runtime benchmark\n")?;
    writeln!(report, "{}", describe_machine(&options))?;

    // Throughput: the same raw topic read by a plain consumer, then by the runtime.
    let raw_topic = format!("bench.raw.{run_id}");
    create_topic(&options.bootstrap, &raw_topic, options.raw_partitions).await?;
    let messages: Vec<Vec<u8>> = (0..options.records)
        .map(|index| corpus.record(index, "tp"))
        .collect();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let produce_rate = produce_fast(&options.bootstrap, &raw_topic, &messages)?;
    drop(messages);
    let plain_rate = plain_consume(&options.bootstrap, &raw_topic, options.records)?;
    let throughput =
        pipeline_throughput(&options, &corpus, &raw_topic, &format!("tp{run_id}")).await?;

    writeln!(
        report,
        "### Throughput ({} raw records, {:.1} MB)\n",
        options.records,
        bytes as f64 / 1e6
    )?;
    writeln!(report, "| measure | value |\n|---|---|")?;
    writeln!(
        report,
        "| bench producer into the raw topic | {produce_rate:.0} records/s |"
    )?;
    writeln!(
        report,
        "| plain rdkafka consumer, raw topic | {plain_rate:.0} records/s |"
    )?;
    writeln!(
        report,
        "| runtime end to end (ready to last event processed) | {:.0} events/s |",
        throughput.events_per_second
    )?;
    writeln!(
        report,
        "| runtime including group join | {:.0} events/s |",
        throughput.events_per_second_with_join
    )?;
    writeln!(
        report,
        "| runtime CPU (user + system) | {:.2} s for {:.2} s wall |",
        throughput.cpu_seconds, throughput.wall_seconds
    )?;
    writeln!(
        report,
        "| events per pipeline CPU-second | {:.0} |",
        throughput.events_per_cpu_second
    )?;
    writeln!(
        report,
        "| decode stage done reading the raw topic after | {:.2} s |",
        throughput.decode_seconds
    )?;
    if let Some(busy) = throughput.machine_busy {
        writeln!(
            report,
            "| machine CPU busy during the run (all processes) | {:.0} % |",
            busy * 100.0
        )?;
    }
    if let Some(broker_cpu) = throughput.broker_cpu_seconds {
        writeln!(
            report,
            "| broker CPU (user + system) during the run | {broker_cpu:.2} s |"
        )?;
    }
    writeln!(
        report,
        "| findings / inventory records / dead letters | {} / {} / {} |\n",
        throughput.findings, throughput.inventory, throughput.dead_letters
    )?;

    if options.latency_seconds == 0 {
        println!("{report}");
        if let Some(path) = &options.output {
            std::fs::write(path, &report)?;
        }
        delete_bench_topics(&options, &[&raw_topic], &[&format!("tp{run_id}")]).await;
        return Ok(());
    }

    // Latency at half the measured rate.
    let rate = (throughput.events_per_second / 2.0).max(1.0);
    let latency = pipeline_latency(&options, &corpus, rate, run_id).await?;
    writeln!(
        report,
        "### Latency at {rate:.0} records/s (half the end-to-end rate), {} s after a {} s warm-up\n",
        options.latency_seconds, options.warmup_seconds
    )?;
    writeln!(
        report,
        "| path | samples | p50 | p99 | max |\n|---|---|---|---|---|"
    )?;
    for (name, histogram) in [
        (
            "raw record produced -> its event read from the events topic",
            &latency.to_event,
        ),
        (
            "raw record produced -> a finding naming it read",
            &latency.to_finding,
        ),
    ] {
        if histogram.is_empty() {
            writeln!(report, "| {name} | 0 | - | - | - |")?;
        } else {
            writeln!(
                report,
                "| {name} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
                histogram.len(),
                histogram.value_at_quantile(0.5) as f64 / 1000.0,
                histogram.value_at_quantile(0.99) as f64 / 1000.0,
                histogram.max() as f64 / 1000.0
            )?;
        }
    }
    writeln!(
        report,
        "\nAchieved produce rate during the latency run: {:.0} records/s.",
        latency.achieved_rate
    )?;

    println!("{report}");
    if let Some(path) = &options.output {
        std::fs::write(path, &report)?;
    }
    delete_bench_topics(
        &options,
        &[&raw_topic, &format!("bench.raw.lat{run_id}")],
        &[&format!("tp{run_id}"), &format!("lat{run_id}")],
    )
    .await;
    Ok(())
}

/// Deletes the topics of this run so that repeated runs do not fill the
/// broker's disk. Best effort: a failure is printed.
async fn delete_bench_topics(options: &Options, raw_topics: &[&str], suffixes: &[&str]) {
    let mut names: Vec<String> = raw_topics.iter().map(|topic| (*topic).to_owned()).collect();
    for suffix in suffixes {
        let topics = settings(options, "", suffix).kafka.topics;
        names.extend(topics.all().into_iter().map(|(_, topic)| topic.to_owned()));
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let deleted =
        match client_config(&options.bootstrap).create::<AdminClient<DefaultClientContext>>() {
            Ok(admin) => admin
                .delete_topics(&names, &AdminOptions::new())
                .await
                .map(|_| ()),
            Err(error) => Err(error),
        };
    if let Err(error) = deleted {
        eprintln!("deleting the benchmark topics failed: {error}");
    }
}

/// The shared CloudTrail records, parsed once, with the events and facts
/// each decodes into.
struct Corpus {
    records: Vec<Value>,
    events: Vec<usize>,
    facts: Vec<usize>,
    /// Every `recipientAccountId`, rewritten per cycle so that each pass over
    /// the corpus brings new identities (and so new baselines and findings).
    accounts: Vec<String>,
}

impl Corpus {
    fn load(dir: &Path) -> BenchResult<Corpus> {
        let mut files = Vec::new();
        collect_json(dir, &mut files)?;
        files.sort();

        let mut records = Vec::new();
        for file in files {
            let document: Value = serde_json::from_slice(&std::fs::read(&file)?)?;
            match document {
                Value::Object(mut object) => {
                    if let Some(Value::Array(items)) = object.remove("Records") {
                        records.extend(items);
                    }
                }
                Value::Array(items) => records.extend(items),
                _ => {}
            }
        }
        if records.is_empty() {
            return Err(format!("no CloudTrail records under {}", dir.display()).into());
        }

        // Events and facts per record, to know when the pipeline is done.
        let decoder = CloudTrailDecoder::new(DecoderConfig::default());
        let mut events = Vec::with_capacity(records.len());
        let mut facts = Vec::with_capacity(records.len());
        for record in &records {
            let bytes = serde_json::to_vec(record)?;
            let (mut event_count, mut fact_count) = (0, 0);
            decoder.decode_document("bench", &bytes, &mut |item| {
                if let Item::Event(event) = item {
                    event_count += 1;
                    fact_count += event.targets.len();
                }
            });
            events.push(event_count);
            facts.push(fact_count);
        }

        let mut accounts: Vec<String> = records
            .iter()
            .filter_map(|record| record["recipientAccountId"].as_str())
            .filter(|account| {
                account.len() == 12 && account.bytes().all(|byte| byte.is_ascii_digit())
            })
            .map(str::to_owned)
            .collect();
        accounts.sort();
        accounts.dedup();

        Ok(Corpus {
            records,
            events,
            facts,
            accounts,
        })
    }

    /// Record `index` of the cycled corpus with the unique id `prefix-index`.
    /// From the second pass on, account ids get the pass number as their
    /// first digits, which makes every identity of that pass new.
    fn record(&self, index: usize, prefix: &str) -> Vec<u8> {
        let mut record = self.records[index % self.records.len()].clone();
        record["eventID"] = Value::from(format!("{prefix}-{index}"));
        let mut text = serde_json::to_string(&record).unwrap_or_default();
        let pass = index / self.records.len();
        if pass > 0 {
            for account in &self.accounts {
                text = text.replace(
                    account.as_str(),
                    &format!("{:04}{}", pass % 10_000, &account[4..]),
                );
            }
        }
        text.into_bytes()
    }

    fn expected(&self, count: usize) -> (u64, u64) {
        let events = (0..count)
            .map(|index| self.events[index % self.events.len()] as u64)
            .sum();
        let facts = (0..count)
            .map(|index| self.facts[index % self.facts.len()] as u64)
            .sum();
        (events, facts)
    }
}

fn collect_json(dir: &Path, files: &mut Vec<PathBuf>) -> BenchResult<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_json(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|extension| extension == "json")
        {
            files.push(path);
        }
    }
    Ok(())
}

fn client_config(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

async fn create_topic(bootstrap: &str, topic: &str, partitions: i32) -> BenchResult<()> {
    let admin: AdminClient<DefaultClientContext> = client_config(bootstrap).create()?;
    let new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    for result in admin
        .create_topics([&new_topic], &AdminOptions::new())
        .await?
    {
        result.map_err(|(name, code)| format!("creating {name}: {code}"))?;
    }
    Ok(())
}

fn bench_producer(
    bootstrap: &str,
    linger_ms: &str,
) -> BenchResult<ThreadedProducer<DefaultProducerContext>> {
    Ok(client_config(bootstrap)
        .set("linger.ms", linger_ms)
        .set("enable.idempotence", "true")
        .set("partitioner", "murmur2_random")
        .create()?)
}

/// Sends one record, waiting while the local queue is full.
fn send(
    producer: &ThreadedProducer<DefaultProducerContext>,
    topic: &str,
    key: &[u8],
    value: &[u8],
) -> BenchResult<()> {
    loop {
        let record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic).key(key).payload(value);
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err((error, _)) => return Err(error.into()),
        }
    }
}

/// Produces every message as fast as the producer takes them; returns records/s.
fn produce_fast(bootstrap: &str, topic: &str, messages: &[Vec<u8>]) -> BenchResult<f64> {
    let producer = bench_producer(bootstrap, "20")?;
    let started = Instant::now();
    for (index, message) in messages.iter().enumerate() {
        // Keys spread the records over the raw partitions like a shipper
        // keying by account and region would.
        send(&producer, topic, index.to_string().as_bytes(), message)?;
    }
    producer.flush(Duration::from_secs(120))?;
    Ok(messages.len() as f64 / started.elapsed().as_secs_f64())
}

/// Reads `count` records of `topic` with a bare consumer; returns records/s.
fn plain_consume(bootstrap: &str, topic: &str, count: usize) -> BenchResult<f64> {
    let consumer: BaseConsumer = client_config(bootstrap)
        .set("group.id", format!("bench-plain-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .create()?;
    let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(30))?;
    let mut assignment = TopicPartitionList::new();
    for found in metadata.topics() {
        for partition in found.partitions() {
            assignment.add_partition_offset(topic, partition.id(), Offset::Beginning)?;
        }
    }
    consumer.assign(&assignment)?;
    let started = Instant::now();
    let mut read = 0;
    let mut checksum = 0usize;
    while read < count {
        if started.elapsed() > Duration::from_secs(300) {
            return Err(
                format!("plain consumer read only {read} of {count} records in 300 s").into(),
            );
        }
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            checksum = checksum.wrapping_add(message?.payload().map_or(0, <[u8]>::len));
            read += 1;
        }
    }
    std::hint::black_box(checksum);
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

fn settings(options: &Options, raw_topic: &str, suffix: &str) -> RunSettings {
    let mut client_properties = ispm_kafka::ClientProperties::default();
    for (name, value) in &options.properties {
        client_properties.insert(name.as_str(), value.as_str());
    }
    RunSettings {
        decoder: DecoderConfig::default(),
        enrich: Default::default(),
        engine: EngineConfig::default(),
        kafka: KafkaConfig {
            bootstrap_servers: options.bootstrap.clone(),
            group_id: format!("bench-{suffix}"),
            client_properties,
            inputs: vec![InputConfig {
                topic: raw_topic.to_owned(),
                decoder: ispm_kafka::DecoderKind::Cloudtrail,
                keyed_by_identity: false,
            }],
            topics: TopicNames {
                events: format!("bench.events.{suffix}"),
                findings_anomaly: format!("bench.findings.anomaly.{suffix}"),
                findings_policy: format!("bench.findings.policy.{suffix}"),
                inventory: format!("bench.inventory.{suffix}"),
                deadletter: format!("bench.deadletter.{suffix}"),
                posture_identity: format!("bench.posture.identity.{suffix}"),
                posture_summary: format!("bench.posture.summary.{suffix}"),
                posture_partial: format!("bench.posture.partial.{suffix}"),
            },
            ..KafkaConfig::default()
        },
        http: HttpConfig {
            enabled: false,
            ..HttpConfig::default()
        },
    }
}

fn cpu_seconds() -> BenchResult<f64> {
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let seconds =
        |time: nix::sys::time::TimeVal| time.tv_sec() as f64 + time.tv_usec() as f64 / 1e6;
    Ok(seconds(usage.user_time()) + seconds(usage.system_time()))
}

struct Throughput {
    events_per_second: f64,
    events_per_second_with_join: f64,
    wall_seconds: f64,
    cpu_seconds: f64,
    events_per_cpu_second: f64,
    /// Seconds from readiness until the decode stage had read every raw record.
    decode_seconds: f64,
    /// Share of all cores busy during the run (every process, broker included).
    machine_busy: Option<f64>,
    /// CPU seconds of the broker process during the run, when its pid is known.
    broker_cpu_seconds: Option<f64>,
    findings: u64,
    inventory: u64,
    dead_letters: u64,
}

async fn pipeline_throughput(
    options: &Options,
    corpus: &Corpus,
    raw_topic: &str,
    suffix: &str,
) -> BenchResult<Throughput> {
    let (expected_events, expected_facts) = corpus.expected(options.records);
    let started = Instant::now();
    let pipeline = Pipeline::start(settings(options, raw_topic, suffix)).await?;
    let monitor = pipeline.monitor();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(pipeline.run_until(async {
        let _ = stopped.await;
    }));

    while !monitor.status().is_ready() {
        if started.elapsed() > Duration::from_secs(120) {
            return Err("pipeline not ready after 120 s".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ready = Instant::now();
    let cpu_at_ready = cpu_seconds()?;
    let machine_at_ready = machine_ticks();
    let broker_pid = broker_pid();
    let broker_at_ready = broker_pid.and_then(process_cpu_seconds);
    let mut decode_seconds = None;
    loop {
        let counts = monitor.counts();
        if decode_seconds.is_none() && counts.raw_messages >= options.records as u64 {
            decode_seconds = Some(ready.elapsed().as_secs_f64());
        }
        if counts.events_processed >= expected_events && counts.facts_applied >= expected_facts {
            break;
        }
        if ready.elapsed() > Duration::from_secs(900) {
            return Err(format!("pipeline processed only {counts:?} in 900 s").into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let wall_seconds = ready.elapsed().as_secs_f64();
    let with_join = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds()? - cpu_at_ready;
    let machine_busy = machine_busy_share(machine_at_ready, machine_ticks());
    let broker_cpu_seconds = broker_pid
        .and_then(process_cpu_seconds)
        .zip(broker_at_ready)
        .map(|(after, before)| after - before);
    let _ = stop.send(());
    let report = running.await??;
    Ok(Throughput {
        events_per_second: expected_events as f64 / wall_seconds,
        events_per_second_with_join: expected_events as f64 / with_join,
        wall_seconds,
        cpu_seconds: cpu,
        events_per_cpu_second: expected_events as f64 / cpu,
        decode_seconds: decode_seconds.unwrap_or(wall_seconds),
        machine_busy,
        broker_cpu_seconds,
        findings: report.counts.findings,
        inventory: report.counts.inventory_records,
        dead_letters: report.counts.dead_letters,
    })
}

struct Latency {
    to_event: Histogram<u64>,
    to_finding: Histogram<u64>,
    achieved_rate: f64,
}

/// Produces at `rate` for the warm-up plus the measured time and reads the
/// events and finding topics meanwhile.
async fn pipeline_latency(
    options: &Options,
    corpus: &Corpus,
    rate: f64,
    run_id: u32,
) -> BenchResult<Latency> {
    let suffix = format!("lat{run_id}");
    let raw_topic = format!("bench.raw.{suffix}");
    create_topic(&options.bootstrap, &raw_topic, options.raw_partitions).await?;
    let settings = settings(options, &raw_topic, &suffix);
    let topics = settings.kafka.topics.clone();
    let pipeline = Pipeline::start(settings).await?;
    let monitor = pipeline.monitor();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(pipeline.run_until(async {
        let _ = stopped.await;
    }));
    let started = Instant::now();
    while !monitor.status().is_ready() {
        if started.elapsed() > Duration::from_secs(120) {
            return Err("pipeline not ready after 120 s".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let total = (rate * (options.warmup_seconds + options.latency_seconds) as f64) as usize;
    let warmup = (rate * options.warmup_seconds as f64) as usize;
    let messages: Vec<Vec<u8>> = (0..total)
        .map(|index| corpus.record(index, "lat"))
        .collect();
    let epoch = Instant::now();
    // Send time of record i in nanoseconds since `epoch`, 0 until sent.
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let done = Arc::new(AtomicBool::new(false));

    let reader = {
        let (bootstrap, sent, done) = (
            options.bootstrap.clone(),
            Arc::clone(&sent),
            Arc::clone(&done),
        );
        let output_topics = [
            topics.events.clone(),
            topics.findings_anomaly.clone(),
            topics.findings_policy.clone(),
        ];
        std::thread::spawn(move || {
            read_outputs(&bootstrap, &output_topics, epoch, &sent, warmup, &done)
        })
    };

    let producer_sent = Arc::clone(&sent);
    let bootstrap = options.bootstrap.clone();
    let producing = tokio::task::spawn_blocking(move || -> BenchResult<f64> {
        let producer = bench_producer(&bootstrap, "0")?;
        let interval = Duration::from_secs_f64(1.0 / rate);
        for (index, message) in messages.iter().enumerate() {
            let due = epoch + interval.mul_f64(index as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            producer_sent[index].store(epoch.elapsed().as_nanos().max(1) as u64, Ordering::Relaxed);
            send(&producer, &raw_topic, index.to_string().as_bytes(), message)?;
        }
        producer.flush(Duration::from_secs(60))?;
        Ok(messages.len() as f64 / epoch.elapsed().as_secs_f64())
    });
    let achieved_rate = producing.await??;

    let (expected_events, expected_facts) = corpus.expected(total);
    let wait_started = Instant::now();
    while {
        let counts = monitor.counts();
        counts.events_processed < expected_events || counts.facts_applied < expected_facts
    } {
        if wait_started.elapsed() > Duration::from_secs(120) {
            return Err("latency run did not finish processing within 120 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Leave the reader time to read the last outputs.
    tokio::time::sleep(Duration::from_secs(2)).await;
    done.store(true, Ordering::Relaxed);
    let (to_event, to_finding) = reader.join().map_err(|_| "reader thread panicked")??;
    let _ = stop.send(());
    running.await??;
    Ok(Latency {
        to_event,
        to_finding,
        achieved_rate,
    })
}

type Histograms = (Histogram<u64>, Histogram<u64>);

/// Reads the events and finding topics from their start and records, in
/// microseconds, the time since each named raw record was sent. Records sent
/// during the warm-up are not counted.
fn read_outputs(
    bootstrap: &str,
    topics: &[String; 3],
    epoch: Instant,
    sent: &[AtomicU64],
    warmup: usize,
    done: &AtomicBool,
) -> BenchResult<Histograms> {
    let consumer: BaseConsumer = client_config(bootstrap)
        .set("group.id", format!("bench-reader-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "5")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    for topic in topics {
        let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(30))?;
        for found in metadata.topics() {
            for partition in found.partitions() {
                assignment.add_partition_offset(topic, partition.id(), Offset::Beginning)?;
            }
        }
    }
    consumer.assign(&assignment)?;

    let mut to_event = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut to_finding = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let sent_at = |id: &str| -> Option<u64> {
        let index: usize = id.strip_prefix("lat-")?.parse().ok()?;
        if index < warmup {
            return None;
        }
        let nanos = sent.get(index)?.load(Ordering::Relaxed);
        (nanos > 0).then_some(nanos)
    };
    while !done.load(Ordering::Relaxed) {
        let Some(message) = consumer.poll(Duration::from_millis(50)) else {
            continue;
        };
        let message = message?;
        let now = epoch.elapsed().as_nanos() as u64;
        let Some(payload) = message.payload() else {
            continue;
        };
        if message.topic() == topics[0] {
            let is_fact = message
                .headers()
                .is_some_and(|headers| headers.iter().any(|header| header.key == "ispm-route"));
            if is_fact {
                continue;
            }
            #[derive(serde::Deserialize)]
            struct EventId {
                event_id: String,
            }
            let event: EventId = serde_json::from_slice(payload)?;
            if let Some(sent) = sent_at(&event.event_id) {
                to_event.record(now.saturating_sub(sent) / 1000)?;
            }
        } else {
            let finding: Value = serde_json::from_slice(payload)?;
            let latest = finding["finding_info"]["related_events"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|related| related["uid"].as_str().and_then(sent_at))
                .max();
            if let Some(sent) = latest {
                to_finding.record(now.saturating_sub(sent) / 1000)?;
            }
        }
    }
    Ok((to_event, to_finding))
}

/// Returns the broker's pid from `ISPM_BENCH_BROKER_PID`, when set.
fn broker_pid() -> Option<u32> {
    std::env::var("ISPM_BENCH_BROKER_PID").ok()?.parse().ok()
}

/// Returns the user + system CPU seconds of a process from /proc/PID/stat.
/// Assumes the usual 100 clock ticks per second.
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; the fields after it are plain.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after ')'.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// Returns (busy, total) jiffies of all cores from /proc/stat.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    let total: u64 = fields.iter().take(8).sum();
    Some((total - idle, total))
}

fn machine_busy_share(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((busy_before, total_before), (busy_after, total_after)) = (before?, after?);
    let total = total_after.checked_sub(total_before)?;
    (total > 0).then(|| (busy_after - busy_before) as f64 / total as f64)
}

fn describe_machine(options: &Options) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")
                .and_then(|rest| rest.split(':').nth(1))
        })
        .map(str::trim)
        .unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "Machine: {model}, {cores} cores, {:.1} GiB memory, Linux {}. Broker at {} on the same machine \
         (its CPU is not in the CPU figures). Raw topic: {} partitions; events topic: 6 partitions; \
         runtime defaults otherwise. Build: `--release`.\n",
        memory_kb as f64 / 1024.0 / 1024.0,
        kernel.trim(),
        options.bootstrap,
        options.raw_partitions
    )
}
