//! The columns of the IAM credential report and where a file has them.

use csv::ByteRecord;

use crate::snapshot::error::{SnapshotError, excerpt};

/// A column of the credential report, as the IAM User Guide page "Generate
/// credential reports for your AWS account" lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Column {
    User,
    Arn,
    UserCreationTime,
    PasswordEnabled,
    PasswordLastUsed,
    PasswordLastChanged,
    PasswordNextRotation,
    MfaActive,
    AccessKey1Active,
    AccessKey1LastRotated,
    AccessKey1LastUsedDate,
    AccessKey1LastUsedRegion,
    AccessKey1LastUsedService,
    AccessKey2Active,
    AccessKey2LastRotated,
    AccessKey2LastUsedDate,
    AccessKey2LastUsedRegion,
    AccessKey2LastUsedService,
    Cert1Active,
    Cert1LastRotated,
    Cert2Active,
    Cert2LastRotated,
}

impl Column {
    /// Every column, in the order AWS writes them.
    pub const ALL: [Column; 22] = [
        Column::User,
        Column::Arn,
        Column::UserCreationTime,
        Column::PasswordEnabled,
        Column::PasswordLastUsed,
        Column::PasswordLastChanged,
        Column::PasswordNextRotation,
        Column::MfaActive,
        Column::AccessKey1Active,
        Column::AccessKey1LastRotated,
        Column::AccessKey1LastUsedDate,
        Column::AccessKey1LastUsedRegion,
        Column::AccessKey1LastUsedService,
        Column::AccessKey2Active,
        Column::AccessKey2LastRotated,
        Column::AccessKey2LastUsedDate,
        Column::AccessKey2LastUsedRegion,
        Column::AccessKey2LastUsedService,
        Column::Cert1Active,
        Column::Cert1LastRotated,
        Column::Cert2Active,
        Column::Cert2LastRotated,
    ];

    /// Returns the header name AWS gives the column.
    pub fn name(self) -> &'static str {
        match self {
            Column::User => "user",
            Column::Arn => "arn",
            Column::UserCreationTime => "user_creation_time",
            Column::PasswordEnabled => "password_enabled",
            Column::PasswordLastUsed => "password_last_used",
            Column::PasswordLastChanged => "password_last_changed",
            Column::PasswordNextRotation => "password_next_rotation",
            Column::MfaActive => "mfa_active",
            Column::AccessKey1Active => "access_key_1_active",
            Column::AccessKey1LastRotated => "access_key_1_last_rotated",
            Column::AccessKey1LastUsedDate => "access_key_1_last_used_date",
            Column::AccessKey1LastUsedRegion => "access_key_1_last_used_region",
            Column::AccessKey1LastUsedService => "access_key_1_last_used_service",
            Column::AccessKey2Active => "access_key_2_active",
            Column::AccessKey2LastRotated => "access_key_2_last_rotated",
            Column::AccessKey2LastUsedDate => "access_key_2_last_used_date",
            Column::AccessKey2LastUsedRegion => "access_key_2_last_used_region",
            Column::AccessKey2LastUsedService => "access_key_2_last_used_service",
            Column::Cert1Active => "cert_1_active",
            Column::Cert1LastRotated => "cert_1_last_rotated",
            Column::Cert2Active => "cert_2_active",
            Column::Cert2LastRotated => "cert_2_last_rotated",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The columns of one credential slot: an access key or a signing
/// certificate. Certificates have no last-used columns.
pub(super) struct SlotColumns {
    /// [`SnapshotCredential::id`](ispm_model::SnapshotCredential::id) of the
    /// slot.
    pub id: &'static str,
    pub kind: &'static str,
    pub slot: u8,
    pub active: Column,
    pub last_rotated: Column,
    pub last_used: Option<Column>,
    pub last_used_region: Option<Column>,
    pub last_used_service: Option<Column>,
}

pub(super) const ACCESS_KEY: &str = "access_key";
pub(super) const CERTIFICATE: &str = "certificate";

pub(super) const SLOTS: [SlotColumns; 4] = [
    SlotColumns {
        id: "access_key_1",
        kind: ACCESS_KEY,
        slot: 1,
        active: Column::AccessKey1Active,
        last_rotated: Column::AccessKey1LastRotated,
        last_used: Some(Column::AccessKey1LastUsedDate),
        last_used_region: Some(Column::AccessKey1LastUsedRegion),
        last_used_service: Some(Column::AccessKey1LastUsedService),
    },
    SlotColumns {
        id: "access_key_2",
        kind: ACCESS_KEY,
        slot: 2,
        active: Column::AccessKey2Active,
        last_rotated: Column::AccessKey2LastRotated,
        last_used: Some(Column::AccessKey2LastUsedDate),
        last_used_region: Some(Column::AccessKey2LastUsedRegion),
        last_used_service: Some(Column::AccessKey2LastUsedService),
    },
    SlotColumns {
        id: "cert_1",
        kind: CERTIFICATE,
        slot: 1,
        active: Column::Cert1Active,
        last_rotated: Column::Cert1LastRotated,
        last_used: None,
        last_used_region: None,
        last_used_service: None,
    },
    SlotColumns {
        id: "cert_2",
        kind: CERTIFICATE,
        slot: 2,
        active: Column::Cert2Active,
        last_rotated: Column::Cert2LastRotated,
        last_used: None,
        last_used_region: None,
        last_used_service: None,
    },
];

/// Field positions of the known columns in the file's records.
///
/// Names are compared case-insensitively after trimming spaces. Columns AWS
/// does not define are ignored, so a report with columns added by a later
/// AWS release still decodes.
#[derive(Debug)]
pub(super) struct Header {
    positions: [Option<usize>; Column::ALL.len()],
    /// The number of fields in the header, which every row must have.
    width: usize,
}

impl Header {
    /// Reads the header record. Fails when `user` or `arn` is missing, since
    /// no row can then be tied to an identity, or when a known column
    /// appears twice. Every such problem is reported at once.
    pub fn parse(record: &ByteRecord) -> Result<Header, Vec<SnapshotError>> {
        let mut positions = [None; Column::ALL.len()];
        let mut errors = Vec::new();
        for (position, field) in record.iter().enumerate() {
            let name = String::from_utf8_lossy(field).trim().to_ascii_lowercase();
            let Some(column) = Column::ALL.iter().find(|column| column.name() == name) else {
                continue;
            };
            let slot = &mut positions[column.index()];
            if slot.is_some() {
                errors.push(SnapshotError::DuplicateColumn { column: name });
            } else {
                *slot = Some(position);
            }
        }

        for required in [Column::User, Column::Arn] {
            if positions[required.index()].is_none() {
                errors.push(SnapshotError::MissingColumn {
                    column: required.name(),
                    header: excerpt(&header_text(record)),
                });
            }
        }
        if errors.is_empty() {
            Ok(Header {
                positions,
                width: record.len(),
            })
        } else {
            Err(errors)
        }
    }

    /// Returns the field index of `column`, or `None` when the file lacks it.
    pub fn position(&self, column: Column) -> Option<usize> {
        self.positions[column.index()]
    }

    pub fn has(&self, column: Column) -> bool {
        self.position(column).is_some()
    }

    pub fn width(&self) -> usize {
        self.width
    }
}

/// Joins a record's fields with commas, for error messages.
pub(super) fn header_text(record: &ByteRecord) -> String {
    let fields: Vec<_> = record
        .iter()
        .map(|field| String::from_utf8_lossy(field))
        .collect();
    fields.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn column_names_match_aws_header_order() {
        let aws_header = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
        let names: Vec<_> = Column::ALL.iter().map(|column| column.name()).collect();
        assert_eq!(names.join(","), aws_header);
        for (index, column) in Column::ALL.iter().enumerate() {
            assert_eq!(column.index(), index, "{column:?}");
        }
    }

    #[test]
    fn header_matches_names_in_any_case_and_order() {
        let header = Header::parse(&record(&["MFA_Active", " ARN ", "User", "extra"]))
            .expect("valid header");
        assert_eq!(header.position(Column::User), Some(2));
        assert_eq!(header.position(Column::Arn), Some(1));
        assert_eq!(header.position(Column::MfaActive), Some(0));
        assert_eq!(header.position(Column::PasswordEnabled), None);
        assert_eq!(header.width(), 4);
    }

    #[test]
    fn header_without_user_and_arn_reports_both() {
        let errors = Header::parse(&record(&["name", "mfa_active"])).expect_err("invalid");
        let reasons: Vec<_> = errors.iter().map(SnapshotError::reason).collect();
        assert_eq!(reasons, ["missing_column", "missing_column"]);
        assert!(errors[0].to_string().contains("`user`"), "{}", errors[0]);
        assert!(errors[1].to_string().contains("`arn`"), "{}", errors[1]);
    }

    #[test]
    fn header_with_column_twice_is_rejected() {
        let errors = Header::parse(&record(&["user", "arn", "ARN"])).expect_err("invalid");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].reason(), "duplicate_column");
    }
}
