//! The AWS IAM credential report (CSV) to one snapshot per user row.

mod build;
mod header;
mod row;
#[cfg(test)]
mod tests;

use csv::ReaderBuilder;
use ispm_model::EventTime;

use self::build::build_snapshot;
use self::header::Header;
use self::row::parse_row;
use super::error::{SnapshotError, SnapshotLocation};
use super::{SnapshotBatch, is_blank, strip_bom};

/// Decodes a credential report. A bad row becomes one error and the other
/// rows still decode. A bad header fails the whole file.
///
/// `as_of` of every snapshot is `as_of_override`, else the newest past
/// timestamp over all rows that decoded. AWS generates the report at one
/// moment, which is at or after every time it records, and the CSV itself
/// does not carry that moment (the `GeneratedTime` of the
/// `GetCredentialReport` response does).
pub(super) fn decode(bytes: &[u8], as_of_override: Option<EventTime>) -> SnapshotBatch {
    let mut batch = SnapshotBatch::default();
    let body = strip_bom(bytes);
    if is_blank(body) {
        batch.errors.push(SnapshotError::EmptyDocument);
        return batch;
    }

    // `flexible` lets a row of the wrong width through to `parse_row`, which
    // reports it with its row number instead of the reader stopping there.
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(record)) => Header::parse(&record),
        Some(Err(err)) => Err(vec![SnapshotError::InvalidCsv {
            at: SnapshotLocation::Document,
            message: err.to_string(),
        }]),
        None => Err(vec![SnapshotError::EmptyDocument]),
    };
    let header = match header {
        Ok(header) => header,
        Err(errors) => {
            batch.errors = errors;
            return batch;
        }
    };

    let mut rows = Vec::new();
    for (number, record) in (1..).zip(records) {
        let at = SnapshotLocation::Row(number);
        let parsed = match record {
            Ok(record) => parse_row(&record, &header, at),
            Err(err) => Err(SnapshotError::InvalidCsv {
                at,
                message: err.to_string(),
            }),
        };
        match parsed {
            Ok(row) => rows.push(row),
            Err(error) => batch.errors.push(error),
        }
    }

    let newest = rows.iter().filter_map(|row| row.newest_timestamp()).max();
    let Some(as_of) = as_of_override.or(newest) else {
        if !rows.is_empty() {
            batch.errors.push(SnapshotError::MissingAsOf {
                at: SnapshotLocation::Document,
            });
        }
        return batch;
    };
    batch.snapshots = rows
        .into_iter()
        .map(|row| build_snapshot(row, as_of))
        .collect();
    batch
}
