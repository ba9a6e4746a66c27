//! Reading and decoding the inputs of `ispm replay`: files, folders and
//! stdin, each a CloudTrail document or an identity snapshot (credential
//! report, JSON inventory), into events, snapshots and dead letters.

use std::path::{Path, PathBuf};

use ispm_model::{DeadLetter, DeadLetterAction, IdentityEvent, IdentitySnapshot};
use ispm_sources::{
    CloudTrailDecoder, DecodeError, InputRead, Item, SnapshotError, decode_snapshot,
    detect_snapshot, read_input, read_stdin, walk_inputs,
};

use crate::output::{Output, OutputError};
use crate::progress::Progress;
use crate::summary::Summary;

/// The path argument that means standard input.
const STDIN: &str = "-";

/// Events and counts from reading the inputs.
pub struct Decoded {
    pub events: Vec<IdentityEvent>,
    pub snapshots: Vec<IdentitySnapshot>,
    /// Inputs whose bytes could be read, fully or up to a truncation. Zero
    /// means the run had nothing to work on.
    pub readable_inputs: u64,
}

/// Reads and decodes every input. Dead letters go to `output` and `summary`
/// as they come; events and snapshots are returned for sorting. Bad input
/// never stops the loop, only a failed output write does. Each snapshot
/// keeps its own time: a credential report's newest timestamp, an inventory
/// document's `as_of`.
pub fn read_all(
    paths: &[PathBuf],
    decoder: &CloudTrailDecoder,
    output: &mut Output,
    summary: &mut Summary,
) -> Result<Decoded, OutputError> {
    let mut files = Vec::new();
    // One walk per argument, so that an error inside a folder names the
    // argument it came from even though `DecodeError` carries no path.
    for path in paths {
        let (found, errors) = walk_inputs(std::slice::from_ref(path));
        files.extend(found);
        for error in errors {
            summary.files_failed += 1;
            record_dead_letter(file_dead_letter(path, error), output, summary)?;
        }
    }

    let progress = Progress::files(files.len());
    let mut decoded = Decoded {
        events: Vec::new(),
        snapshots: Vec::new(),
        readable_inputs: 0,
    };
    for file in &files {
        progress.set_message(file.display().to_string());
        decode_file(file, decoder, output, summary, &mut decoded)?;
        progress.inc(1);
    }
    progress.finish();
    Ok(decoded)
}

fn decode_file(
    file: &Path,
    decoder: &CloudTrailDecoder,
    output: &mut Output,
    summary: &mut Summary,
    decoded: &mut Decoded,
) -> Result<(), OutputError> {
    let InputRead { bytes, error } = if file.as_os_str() == STDIN {
        read_stdin()
    } else {
        read_input(file)
    };

    let readable = error.is_none() || !bytes.is_empty();
    if readable {
        decoded.readable_inputs += 1;
        summary.files_read += 1;
    }
    if let Some(error) = error {
        summary.files_failed += 1;
        if readable {
            summary.files_partly_read += 1;
        }
        record_dead_letter(file_dead_letter(file, error), output, summary)?;
    }
    if !readable {
        return Ok(());
    }

    let origin = file.display().to_string();
    if let Some(format) = detect_snapshot(&bytes) {
        let mut batch = decode_snapshot(&bytes, format, None);
        for snapshot in &mut batch.snapshots {
            decoder.classify_snapshot(snapshot);
        }
        summary.snapshots += batch.snapshots.len() as u64;
        decoded.snapshots.extend(batch.snapshots);
        for error in batch.errors {
            summary.records_rejected += 1;
            record_dead_letter(snapshot_dead_letter(&origin, &error), output, summary)?;
        }
        return Ok(());
    }
    if is_csv(file) {
        // Log exports carry CSV side files (labels, indexes); only the
        // credential report is an input, so other CSV is counted, not
        // dead-lettered as broken CloudTrail.
        *summary
            .skipped
            .entry("csv_not_a_credential_report")
            .or_default() += 1;
        return Ok(());
    }
    // The decoder's callback cannot return an error, so the first failed
    // write is kept and returned after the document.
    let mut write_error = None;
    decoder.decode_document(&origin, &bytes, &mut |item| match item {
        Item::Event(event) => {
            summary.events += 1;
            decoded.events.push(event);
        }
        Item::DeadLetter(dead_letter) => {
            if dead_letter.action == DeadLetterAction::Rejected {
                summary.records_rejected += 1;
            }
            if write_error.is_none()
                && let Err(error) = record_dead_letter(dead_letter, output, summary)
            {
                write_error = Some(error);
            }
        }
        Item::Skipped { reason, .. } => {
            *summary.skipped.entry(reason).or_default() += 1;
        }
    });
    write_error.map_or(Ok(()), Err)
}

fn is_csv(file: &Path) -> bool {
    let name = file.to_string_lossy().to_ascii_lowercase();
    name.ends_with(".csv") || name.ends_with(".csv.gz")
}

fn record_dead_letter(
    dead_letter: DeadLetter,
    output: &mut Output,
    summary: &mut Summary,
) -> Result<(), OutputError> {
    summary.add_dead_letter(&dead_letter);
    output.dead_letter(&dead_letter)
}

/// Builds the dead letter of a snapshot row or identity that could not be
/// decoded.
fn snapshot_dead_letter(origin: &str, error: &SnapshotError) -> DeadLetter {
    DeadLetter {
        action: DeadLetterAction::Rejected,
        reason: error.reason().to_owned(),
        detail: error.to_string(),
        origin: origin.to_owned(),
        index: error.location().index(),
        excerpt: None,
        size: None,
        event_id: None,
    }
}

/// Builds the dead letter of an input that could not be read, or not to its
/// end.
fn file_dead_letter(path: &Path, error: DecodeError) -> DeadLetter {
    DeadLetter {
        action: DeadLetterAction::Rejected,
        reason: error.reason.to_owned(),
        detail: error.detail,
        origin: path.display().to_string(),
        index: None,
        excerpt: None,
        size: None,
        event_id: None,
    }
}
