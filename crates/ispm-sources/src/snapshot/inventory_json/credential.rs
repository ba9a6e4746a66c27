//! One entry of an identity's `credentials` to a [`SnapshotCredential`].

use ispm_model::SnapshotCredential;

use super::document::RawCredential;
use super::values::FieldScope;
use crate::snapshot::error::SnapshotError;

const EXPECTED_STATUS: &str = "one of active, inactive";
const EXPECTED_KIND: &str = "a snake_case word such as access_key, console_password or certificate";

pub(super) fn convert_credential(
    raw: RawCredential,
    scope: &FieldScope,
) -> Result<SnapshotCredential, SnapshotError> {
    let id = scope.required_text(
        "id",
        raw.id,
        "every credential needs an id, e.g. its key id",
    )?;
    let kind = scope.required_text(
        "kind",
        raw.kind,
        "every credential needs a kind, e.g. access_key",
    )?;
    if !is_snake_case_word(&kind) {
        return Err(scope.invalid("kind", &kind, EXPECTED_KIND));
    }
    let active = credential_active(raw.status, raw.active, scope)?;

    Ok(SnapshotCredential {
        id,
        kind,
        active,
        slot: None,
        created_at: scope.timestamp("created_at", raw.created_at)?,
        last_rotated: scope.timestamp("last_rotated", raw.last_rotated)?,
        last_used: scope.timestamp("last_used", raw.last_used)?,
        last_used_region: scope.text("last_used_region", raw.last_used_region)?,
        last_used_service: scope.text("last_used_service", raw.last_used_service)?,
    })
}

/// Reads `status` or `active`. Exactly one must be given, because a
/// credential of unknown state cannot be judged and two fields could
/// disagree.
fn credential_active(
    status: Option<String>,
    active: Option<bool>,
    scope: &FieldScope,
) -> Result<bool, SnapshotError> {
    match (status, active) {
        (Some(status), None) => match status.as_str() {
            "active" => Ok(true),
            "inactive" => Ok(false),
            _ => Err(scope.invalid("status", &status, EXPECTED_STATUS)),
        },
        (None, Some(active)) => Ok(active),
        (Some(status), Some(_)) => Err(scope.invalid(
            "status",
            &status,
            "either status or active, not both, because the two could disagree",
        )),
        (None, None) => Err(scope.missing(
            "status",
            "give status (active or inactive) or active (true or false)",
        )),
    }
}

fn is_snake_case_word(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|first| first.is_ascii_lowercase())
        && bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}
