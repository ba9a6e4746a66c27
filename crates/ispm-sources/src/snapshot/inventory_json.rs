//! The JSON inventory format (`ispm.inventory.v1`) to snapshots, for
//! identity sources other than the AWS credential report.
//!
//! `schemas/inventory-snapshot.schema.json` documents every field, and the
//! tests check that the schema and this decoder accept and reject the same
//! fixtures. The known differences: the decoder takes `null` for an optional
//! field as if the field were absent, where the schema rejects it. It
//! accepts a space between date and time, as [`EventTime::parse_rfc3339`]
//! does, where the schema requires `T` or `t`. And it rejects a key given
//! twice and an identity with no `as_of` anywhere, which the schema cannot
//! express.

mod credential;
mod document;
mod identity;
mod privilege;
#[cfg(test)]
mod tests;
mod values;

use ispm_model::{EventTime, SOURCE_INVENTORY_JSON};

use self::document::{RawDocument, parse_identity, parse_json};
use self::identity::{DocumentDefaults, convert_identity};
use self::values::FieldScope;
use super::error::{SnapshotError, SnapshotLocation, excerpt};
use super::{SnapshotBatch, is_blank, strip_bom};

/// The `format` value of the documents this version reads.
pub(crate) const INVENTORY_FORMAT: &str = "ispm.inventory.v1";

/// Decodes an inventory document. A problem in the document's own fields
/// fails the whole document. A bad identity becomes one error and the other
/// identities still decode.
///
/// `as_of` of a snapshot is `as_of_override`, else the identity's `as_of`,
/// else the document's.
pub(super) fn decode(bytes: &[u8], as_of_override: Option<EventTime>) -> SnapshotBatch {
    let mut batch = SnapshotBatch::default();
    let body = strip_bom(bytes);
    if is_blank(body) {
        batch.errors.push(SnapshotError::EmptyDocument);
        return batch;
    }

    let parsed = parse_json::<RawDocument<'_>>(body, SnapshotLocation::Document)
        .and_then(|document| document_defaults(document, as_of_override));
    let (identities, defaults) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            batch.errors.push(error);
            return batch;
        }
    };

    for (index, raw) in identities.into_iter().enumerate() {
        let decoded = parse_identity(raw, index)
            .and_then(|identity| convert_identity(identity, index, &defaults));
        match decoded {
            Ok(snapshot) => batch.snapshots.push(snapshot),
            Err(error) => batch.errors.push(error),
        }
    }
    batch
}

/// Checks the document's own fields and returns its raw identities with the
/// values they share.
fn document_defaults<'a>(
    document: RawDocument<'a>,
    as_of_override: Option<EventTime>,
) -> Result<(Vec<&'a serde_json::value::RawValue>, DocumentDefaults), SnapshotError> {
    let scope = FieldScope::new(SnapshotLocation::Document);
    let format = scope.required_text(
        "format",
        document.format,
        "add \"format\": \"ispm.inventory.v1\" to the top-level object",
    )?;
    if format != INVENTORY_FORMAT {
        return Err(SnapshotError::UnsupportedFormat {
            value: excerpt(&format),
        });
    }
    let identities = document.identities.ok_or_else(|| {
        scope.missing(
            "identities",
            "add the list of identities, [] when there are none",
        )
    })?;
    let source = scope
        .text("source", document.source)?
        .unwrap_or_else(|| SOURCE_INVENTORY_JSON.to_owned());
    let as_of = scope.timestamp("as_of", document.as_of)?;
    Ok((
        identities,
        DocumentDefaults {
            source,
            as_of,
            as_of_override,
        },
    ))
}
