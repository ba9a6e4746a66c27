//! One credential report record to typed values.

use csv::ByteRecord;
use ispm_model::{EventTime, IdentityId, IdentityKind};

use super::header::{Column, Header, SLOTS, header_text};
use crate::snapshot::arn::{IamPrincipal, IamPrincipalKind, parse_iam_arn};
use crate::snapshot::error::{SnapshotError, SnapshotLocation, excerpt};

/// Values AWS writes where a column does not apply or nothing was recorded:
/// `N/A` (no such credential, never used), `not_supported` (root password
/// columns) and `no_information` (no use
/// recorded since AWS began tracking it). Compared
/// case-insensitively.
const NO_VALUE: [&str; 3] = ["N/A", "not_supported", "no_information"];

/// The state that a `*_active` or `password_enabled` column reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Activity {
    Stated(bool),
    /// The column is there but contains one of [`NO_VALUE`] or nothing.
    NotStated,
    /// The header has no such column.
    NoColumn,
}

/// The typed values of one row.
#[derive(Debug)]
pub(super) struct ReportRow {
    pub identity: IdentityId,
    pub name: String,
    pub kind: Option<IdentityKind>,
    pub account: String,
    pub arn: String,
    pub created_at: Option<EventTime>,
    pub password_enabled: Activity,
    pub password_last_used: Option<EventTime>,
    pub password_last_changed: Option<EventTime>,
    pub mfa_active: Option<bool>,
    /// In the order of [`SLOTS`].
    pub slots: Vec<SlotValues>,
}

/// The values of one access key or certificate slot.
#[derive(Debug)]
pub(super) struct SlotValues {
    pub active: Activity,
    pub last_rotated: Option<EventTime>,
    pub last_used: Option<EventTime>,
    pub last_used_region: Option<String>,
    pub last_used_service: Option<String>,
}

impl ReportRow {
    /// Returns the newest time the row records as past. It leaves out
    /// `password_next_rotation`, a deadline that may lie after the report was
    /// generated.
    pub fn newest_timestamp(&self) -> Option<EventTime> {
        let slot_times = self
            .slots
            .iter()
            .flat_map(|slot| [slot.last_rotated, slot.last_used]);
        [
            self.created_at,
            self.password_last_used,
            self.password_last_changed,
        ]
        .into_iter()
        .chain(slot_times)
        .flatten()
        .max()
    }
}

/// Parses one record. The first invalid value fails the whole row, because
/// a row is one identity and half of it would misstate that identity.
pub(super) fn parse_row(
    record: &ByteRecord,
    header: &Header,
    at: SnapshotLocation,
) -> Result<ReportRow, SnapshotError> {
    if record.len() != header.width() {
        return Err(SnapshotError::WrongColumnCount {
            at,
            expected: header.width(),
            found: record.len(),
            value: excerpt(&header_text(record)),
        });
    }
    let fields = Fields { record, header, at };

    let arn = fields.text(Column::Arn)?.unwrap_or_default();
    let user = fields.text(Column::User)?;
    let principal = identify(arn, user, at)?;
    // Read, so a malformed value is reported, but not kept: the snapshot
    // model has no field for the rotation deadline.
    fields.timestamp(Column::PasswordNextRotation)?;

    let mut slots = Vec::with_capacity(SLOTS.len());
    for columns in &SLOTS {
        slots.push(SlotValues {
            active: fields.activity(columns.active)?,
            last_rotated: fields.timestamp(columns.last_rotated)?,
            last_used: fields.optional_timestamp(columns.last_used)?,
            last_used_region: fields.optional_text(columns.last_used_region)?,
            last_used_service: fields.optional_text(columns.last_used_service)?,
        });
    }

    Ok(ReportRow {
        identity: principal.identity_id(),
        name: principal.name.to_owned(),
        kind: principal.known_kind(),
        account: principal.account.to_owned(),
        arn: arn.to_owned(),
        created_at: fields.timestamp(Column::UserCreationTime)?,
        password_enabled: fields.activity(Column::PasswordEnabled)?,
        password_last_used: fields.timestamp(Column::PasswordLastUsed)?,
        password_last_changed: fields.timestamp(Column::PasswordLastChanged)?,
        mfa_active: fields.boolean(Column::MfaActive)?,
        slots,
    })
}

/// Returns the IAM principal of a row, named as the CloudTrail decoder
/// names it. The root row (`<root_account>`) becomes `aws:ACCOUNT:root`
/// named `root`, and a user becomes `aws:ACCOUNT:user/NAME`. NAME is the
/// `user` column, which carries no IAM path, else the ARN's last segment.
fn identify<'r>(
    arn: &'r str,
    user: Option<&'r str>,
    at: SnapshotLocation,
) -> Result<IamPrincipal<'r>, SnapshotError> {
    let invalid_arn = || SnapshotError::InvalidArn {
        at,
        field: Column::Arn.name().to_owned(),
        value: excerpt(arn),
        expected: "the ARN of an IAM user or of the account root, e.g. arn:aws:iam::123456789012:user/alice",
    };
    let principal = parse_iam_arn(arn).ok_or_else(invalid_arn)?;
    match principal.kind {
        IamPrincipalKind::Root => Ok(principal),
        IamPrincipalKind::User => Ok(IamPrincipal {
            name: user.unwrap_or(principal.name),
            ..principal
        }),
        IamPrincipalKind::Role => Err(invalid_arn()),
    }
}

/// Typed access to the fields of one record by column.
struct Fields<'r> {
    record: &'r ByteRecord,
    header: &'r Header,
    at: SnapshotLocation,
}

impl<'r> Fields<'r> {
    /// Returns the trimmed text of `column`, or `None` when the header lacks
    /// the column or the field is empty or one of [`NO_VALUE`].
    fn text(&self, column: Column) -> Result<Option<&'r str>, SnapshotError> {
        let Some(bytes) = self
            .header
            .position(column)
            .and_then(|position| self.record.get(position))
        else {
            return Ok(None);
        };
        let text = std::str::from_utf8(bytes).map_err(|err| SnapshotError::InvalidCsv {
            at: self.at,
            message: format!("column {} is not valid UTF-8: {err}", column.name()),
        })?;
        let text = text.trim();
        let absent = text.is_empty()
            || NO_VALUE
                .iter()
                .any(|no_value| text.eq_ignore_ascii_case(no_value));
        Ok((!absent).then_some(text))
    }

    fn optional_text(&self, column: Option<Column>) -> Result<Option<String>, SnapshotError> {
        let Some(column) = column else {
            return Ok(None);
        };
        Ok(self.text(column)?.map(str::to_owned))
    }

    fn timestamp(&self, column: Column) -> Result<Option<EventTime>, SnapshotError> {
        let Some(text) = self.text(column)? else {
            return Ok(None);
        };
        EventTime::parse_rfc3339(text)
            .map(Some)
            .map_err(|_| SnapshotError::InvalidTimestamp {
                at: self.at,
                field: column.name().to_owned(),
                value: excerpt(text),
            })
    }

    fn optional_timestamp(
        &self,
        column: Option<Column>,
    ) -> Result<Option<EventTime>, SnapshotError> {
        match column {
            Some(column) => self.timestamp(column),
            None => Ok(None),
        }
    }

    fn boolean(&self, column: Column) -> Result<Option<bool>, SnapshotError> {
        let Some(text) = self.text(column)? else {
            return Ok(None);
        };
        if text.eq_ignore_ascii_case("true") {
            Ok(Some(true))
        } else if text.eq_ignore_ascii_case("false") {
            Ok(Some(false))
        } else {
            Err(SnapshotError::InvalidBoolean {
                at: self.at,
                field: column.name().to_owned(),
                value: excerpt(text),
            })
        }
    }

    fn activity(&self, column: Column) -> Result<Activity, SnapshotError> {
        if !self.header.has(column) {
            return Ok(Activity::NoColumn);
        }
        Ok(match self.boolean(column)? {
            Some(active) => Activity::Stated(active),
            None => Activity::NotStated,
        })
    }
}
