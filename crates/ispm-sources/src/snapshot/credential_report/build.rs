//! A parsed row to the snapshot of its identity.

use std::collections::BTreeMap;

use ispm_model::{
    EventTime, IdentityKind, IdentitySnapshot, SOURCE_CREDENTIAL_REPORT, SnapshotCredential,
};

use super::header::SLOTS;
use super::row::{Activity, ReportRow};

/// Credential id and kind of the console password, as the engine names the
/// password that `CreateLoginProfile` events report.
const CONSOLE_PASSWORD_ID: &str = "console-password";
const CONSOLE_PASSWORD_KIND: &str = "console_password";

/// Builds the snapshot of one row.
///
/// `enabled` is always `Some(true)`, because the report lists only users
/// that exist when it is generated. A credential slot appears when it is
/// active or carries a date, so a key slot that never held a key is left
/// out, while a deactivated key is kept with `active: false`. A slot whose
/// `*_active` column is missing from the header is left out, because the
/// report then does not say whether that credential exists.
pub(super) fn build_snapshot(row: ReportRow, as_of: EventTime) -> IdentitySnapshot {
    let mut credentials = Vec::new();
    if let Some(password) = console_password(&row) {
        credentials.push(password);
    }
    for (columns, values) in SLOTS.iter().zip(row.slots) {
        let active = match values.active {
            Activity::Stated(active) => active,
            // AWS writes true or false in these columns. Anything else
            // states no credential.
            Activity::NotStated => false,
            Activity::NoColumn => continue,
        };
        if !active && values.last_rotated.is_none() && values.last_used.is_none() {
            continue;
        }
        credentials.push(SnapshotCredential {
            id: columns.id.to_owned(),
            kind: columns.kind.to_owned(),
            active,
            slot: Some(columns.slot),
            created_at: None,
            last_rotated: values.last_rotated,
            last_used: values.last_used,
            last_used_region: values.last_used_region,
            last_used_service: values.last_used_service,
        });
    }

    IdentitySnapshot {
        identity: row.identity,
        name: row.name,
        kind: row.kind,
        nhi_type: None,
        kind_reason: None,
        account: Some(row.account),
        arn: Some(row.arn),
        source: SOURCE_CREDENTIAL_REPORT.to_owned(),
        as_of,
        created_at: row.created_at,
        created_by: None,
        owner: None,
        tags: BTreeMap::new(),
        enabled: Some(true),
        mfa_active: row.mfa_active,
        privilege: None,
        privilege_reason: None,
        credentials,
    }
}

/// Returns the console password credential, or `None` when the report does
/// not show one.
///
/// For the account root, `not_supported` (or a missing column) counts as an
/// active password, because older reports write `not_supported` for every
/// root user and each of those has a password.
// NOTE: the IAM User Guide now states that password_enabled is FALSE for the root
// user of new AWS Organizations member accounts, which have no root password.
// Such an explicit value is taken as it is.
fn console_password(row: &ReportRow) -> Option<SnapshotCredential> {
    let is_root = row.kind == Some(IdentityKind::Root);
    let active = match (row.password_enabled, is_root) {
        (Activity::Stated(active), _) => active,
        (Activity::NotStated | Activity::NoColumn, true) => true,
        (Activity::NotStated, false) => false,
        (Activity::NoColumn, false) => return None,
    };
    let has_date = row.password_last_used.is_some() || row.password_last_changed.is_some();
    if !active && !has_date {
        return None;
    }
    Some(SnapshotCredential {
        id: CONSOLE_PASSWORD_ID.to_owned(),
        kind: CONSOLE_PASSWORD_KIND.to_owned(),
        active,
        slot: None,
        created_at: None,
        last_rotated: row.password_last_changed,
        last_used: row.password_last_used,
        last_used_region: None,
        last_used_service: None,
    })
}
