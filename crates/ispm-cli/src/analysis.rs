//! Input loading shared by `ispm backtest` and `ispm explain`, which print
//! their own report instead of the replay output.

use std::path::PathBuf;

use crate::input::Decoded;
use crate::output::Output;
use crate::replay;
use crate::settings::Settings;
use crate::summary::Summary;

/// Reads, decodes, enriches and sorts the events and snapshots of `paths`
/// like `ispm replay`, and prints one line on stderr when records or files
/// were rejected. Returns `None`, after printing why, when no input could be
/// read.
pub fn read_events(command: &str, paths: &[PathBuf], settings: &Settings) -> Option<Decoded> {
    let mut summary = Summary::default();
    let mut output = Output::Discard;
    let decoded = match replay::load_events(paths, settings, &mut output, &mut summary) {
        Ok(decoded) => decoded,
        Err(error) => {
            eprintln!("ispm {command}: {error}");
            return None;
        }
    };
    if decoded.readable_inputs == 0 {
        for example in &summary.dead_letter_examples {
            eprintln!("ispm {command}: {example}");
        }
        eprintln!("ispm {command}: no input could be read; check the paths above");
        return None;
    }
    if summary.files_failed > 0 || summary.records_rejected > 0 {
        eprintln!(
            "ispm {command}: {} of the inputs could not be read in full and {} records were rejected; `ispm replay --out DIR` writes them as dead letters",
            summary.files_failed, summary.records_rejected
        );
    }
    Some(decoded)
}
