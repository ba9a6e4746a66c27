//! Writers of the simulated traffic: NDJSON, S3 delivery folders as
//! CloudTrail writes them, and the scenario labels.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use crate::clock::{self, MS_PER_MINUTE};
use crate::ids::{self, Stream, derive};
use crate::params::hash_text;
use crate::population::IdentityType;
use crate::scenarios::ScenarioLabel;
use crate::{SimConfig, Simulator};

/// CloudTrail delivers a log file per account and region about every five
/// minutes.
const DELIVERY_WINDOW_MS: i64 = 5 * MS_PER_MINUTE;

/// Counts of what a writer produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    pub records: u64,
    /// Records that belong to a scenario.
    pub labelled_records: u64,
    /// Files written; 0 for NDJSON to a stream.
    pub files: u64,
    /// Size of the records' JSON, uncompressed, without separators.
    pub json_bytes: u64,
    /// Bytes written to disk or to the stream, after compression.
    pub written_bytes: u64,
}

impl WriteStats {
    fn count(&mut self, record: &crate::SimRecord) {
        self.records += 1;
        self.json_bytes += record.json.len() as u64;
        if record.label.is_some() {
            self.labelled_records += 1;
        }
    }
}

/// Counts what goes through a writer.
struct CountingWriter<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buffer)?;
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes every record as one line of JSON, in time order.
pub fn write_ndjson(simulator: &Simulator, out: &mut dyn Write) -> io::Result<WriteStats> {
    let mut stats = WriteStats::default();
    let mut writer = CountingWriter {
        inner: BufWriter::with_capacity(1 << 20, out),
        written: 0,
    };
    for record in simulator.records() {
        stats.count(&record);
        writer.write_all(record.json.as_bytes())?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    stats.written_bytes = writer.written;
    Ok(stats)
}

/// Writes the records under `dir` as CloudTrail delivers them to S3:
/// `AWSLogs/{account}/CloudTrail/{region}/{yyyy}/{mm}/{dd}/{account}_CloudTrail_{region}_{yyyymmddThhmmZ}_{16 characters}.json.gz`,
/// each file a `{"Records":[...]}` document with the records of one account
/// and region in one five-minute window. The time in the name and folder is
/// the end of the window, when CloudTrail would deliver the file. With
/// `gzip` false the files are plain `.json`.
pub fn write_s3_delivery(simulator: &Simulator, dir: &Path, gzip: bool) -> io::Result<WriteStats> {
    let mut stats = WriteStats::default();
    let mut delivery = Delivery {
        dir,
        gzip,
        seed: simulator.config().seed,
        files: BTreeMap::new(),
    };
    let mut window = None;
    for record in simulator.records() {
        let current = record.time_millis.div_euclid(DELIVERY_WINDOW_MS);
        if let Some(open) = window
            && open != current
        {
            delivery.flush(open, &mut stats)?;
        }
        window = Some(current);
        stats.count(&record);
        let body = delivery
            .files
            .entry((record.account_id.clone(), record.region))
            .or_insert_with(|| String::from("{\"Records\":["));
        if !body.ends_with('[') {
            body.push(',');
        }
        body.push_str(&record.json);
    }
    if let Some(open) = window {
        delivery.flush(open, &mut stats)?;
    }
    Ok(stats)
}

/// The log files of the current delivery window, by account and region.
struct Delivery<'a> {
    dir: &'a Path,
    gzip: bool,
    seed: u64,
    files: BTreeMap<(String, &'static str), String>,
}

impl Delivery<'_> {
    fn flush(&mut self, window: i64, stats: &mut WriteStats) -> io::Result<()> {
        let delivered_ms = (window + 1) * DELIVERY_WINDOW_MS;
        for ((account, region), mut body) in std::mem::take(&mut self.files) {
            body.push_str("]}");
            let path = self.file_path(&account, region, window, delivered_ms);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            let file = File::create(&path)?;
            let written = if self.gzip {
                let mut encoder = GzEncoder::new(BufWriter::new(file), Compression::default());
                encoder.write_all(body.as_bytes())?;
                let mut writer = encoder.finish()?;
                writer.flush()?;
                writer.get_ref().metadata()?.len()
            } else {
                let mut writer = BufWriter::new(file);
                writer.write_all(body.as_bytes())?;
                writer.flush()?;
                body.len() as u64
            };
            stats.files += 1;
            stats.written_bytes += written;
        }
        Ok(())
    }

    fn file_path(&self, account: &str, region: &str, window: i64, delivered_ms: i64) -> PathBuf {
        let random = ids::alphanumeric(
            16,
            derive(
                self.seed,
                Stream::LogFileName,
                &[hash_text(account), hash_text(region), window as u64],
            ),
        );
        let extension = if self.gzip { "json.gz" } else { "json" };
        let name = format!(
            "{account}_CloudTrail_{region}_{}_{random}.{extension}",
            clock::file_stamp(delivered_ms)
        );
        self.dir
            .join("AWSLogs")
            .join(account)
            .join("CloudTrail")
            .join(region)
            .join(clock::date_folder(delivered_ms))
            .join(name)
    }
}

/// The labels file: the configuration that produced the run, the
/// population's counts and every scenario.
#[derive(Serialize)]
struct LabelsFile<'a> {
    config: &'a SimConfig,
    population: BTreeMap<IdentityType, usize>,
    scenarios: Vec<ScenarioLabel>,
}

/// Writes the scenario labels as pretty-printed JSON.
pub fn write_labels(simulator: &Simulator, path: &Path) -> io::Result<()> {
    let labels = LabelsFile {
        config: simulator.config(),
        population: simulator.population().counts,
        scenarios: simulator.labels(),
    };
    let mut writer = BufWriter::new(File::create(path)?);
    serde_json::to_writer_pretty(&mut writer, &labels)?;
    writer.write_all(b"\n")?;
    writer.flush()
}
