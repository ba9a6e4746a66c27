//! The `ispm report` entry point: load, build, write the three outputs.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::build::build;
use crate::csv_files::{self, CONTROLS_CSV, FINDINGS_CSV, IDENTITIES_CSV};
use crate::error::ReportError;
use crate::filters::Filters;
use crate::html;
use crate::load::{SkippedLine, load};
use crate::model::Totals;

pub const REPORT_HTML: &str = "report.html";
pub const REPORT_JSON: &str = "report.json";

/// Arguments of one report run.
#[derive(Clone, Debug, Default)]
pub struct ReportArgs {
    /// Folder with the `<topic>.ndjson` files of `ispm replay --out`.
    pub input: PathBuf,
    /// Folder to write `report.html`, `report.json` and the CSV files into;
    /// created when missing. Existing files of those names are replaced.
    pub out: PathBuf,
    pub filters: Filters,
}

/// Files written and input lines skipped by one run.
#[derive(Clone, Debug)]
pub struct ReportOutcome {
    /// The files written, `report.html` first.
    pub written: Vec<PathBuf>,
    /// Topic files found in the input folder (of five).
    pub input_files_found: usize,
    /// Invalid lines that were skipped; the report lists them too.
    pub skipped: Vec<SkippedLine>,
    /// Remarks on the filters, as the report shows them.
    pub notes: Vec<String>,
    pub totals: Totals,
}

/// Reads `args.input`, builds the report under `args.filters` and writes
/// `report.html`, `report.json`, `findings.csv`, `identities.csv` and
/// `controls.csv` into `args.out`.
pub fn run(args: &ReportArgs) -> Result<ReportOutcome, ReportError> {
    let dataset = load(&args.input)?;
    let report = build(&dataset, &args.filters, &args.input);

    fs::create_dir_all(&args.out).map_err(|source| ReportError::CreateDir {
        path: args.out.clone(),
        source,
    })?;

    let html_path = args.out.join(REPORT_HTML);
    let page = html::render(&report).map_err(|source| json_error(&html_path, source))?;
    write_bytes(&html_path, page.as_bytes())?;

    let json_path = args.out.join(REPORT_JSON);
    let mut json =
        serde_json::to_vec_pretty(&report).map_err(|source| json_error(&json_path, source))?;
    json.push(b'\n');
    write_bytes(&json_path, &json)?;

    csv_files::write_all(
        &args.out,
        &report.findings,
        &report.identities,
        &report.controls,
    )?;

    let written = [
        REPORT_HTML,
        REPORT_JSON,
        FINDINGS_CSV,
        IDENTITIES_CSV,
        CONTROLS_CSV,
    ]
    .into_iter()
    .map(|name| args.out.join(name))
    .collect();
    Ok(ReportOutcome {
        written,
        input_files_found: dataset.files.iter().filter(|file| file.present).count(),
        skipped: dataset.skipped,
        notes: report.filter_notes,
        totals: report.totals,
    })
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let to_error = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = BufWriter::new(File::create(path).map_err(to_error)?);
    writer.write_all(bytes).map_err(to_error)?;
    writer.flush().map_err(to_error)
}

/// serde_json fails only on a map key that is not a string or a failing
/// `Serialize` impl, and the report has neither. Should that change, the
/// failure is reported as a failed write of the file that needed the JSON.
fn json_error(path: &Path, source: serde_json::Error) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        source: source.into(),
    }
}
