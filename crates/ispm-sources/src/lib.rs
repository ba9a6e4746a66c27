//! Provider decoders: raw audit-log bytes in, normalised
//! [`IdentityEvent`](ispm_model::IdentityEvent)s and
//! [`DeadLetter`](ispm_model::DeadLetter)s out.
//!
//! Only AWS CloudTrail is supported so far, through [`CloudTrailDecoder`].
//! Identity snapshots are read by [`decode_snapshot`] (see below).
//! Input helpers ([`read_input`], [`read_stdin`], [`walk_inputs`]) turn files,
//! folders and stdin into decompressed documents.
//!
//! # Document shapes
//!
//! [`CloudTrailDecoder::decode_document`] accepts S3 log files
//! (`{"Records":[...]}`), JSON arrays of records, NDJSON or concatenated JSON,
//! and a single record. Gzip is undone before, by [`read_input`]. EventBridge
//! envelopes whose `detail-type` ends in `via CloudTrail` are accepted alone,
//! in arrays or in NDJSON, and their `detail` is the record. Digest files,
//! Insights records and other EventBridge events are reported once per
//! document as [`Item::Skipped`].
//!
//! A document that is not valid JSON is salvaged. When it opens like a list
//! of records (`[` or `{"Records":[`), every complete record before the break
//! is decoded and the rest becomes one dead letter. Otherwise it is read as a
//! sequence of JSON values in which each broken line becomes one dead letter.
//! A record index counts records from 0 across the whole document, broken
//! lines included.
//!
//! # Dead-letter reasons
//!
//! | reason | cause |
//! |---|---|
//! | `invalid_json` | bytes that are not JSON (a broken line, a JavaScript-style object, binary data) |
//! | `truncated_document` | the document ends inside a record; the records before it were decoded |
//! | `not_an_object` | a JSON value that is not an object where a record belongs |
//! | `wrong_type` | a field of the wrong JSON type, e.g. `"eventName": 42`; the detail names the field |
//! | `duplicate_field` | a record with the same key twice |
//! | `missing_event_time`, `invalid_event_time` | `eventTime` absent, empty, or not RFC 3339 |
//! | `missing_event_name` | `eventName` absent or empty |
//! | `record_too_large` | a record over [`DecoderConfig::max_record_bytes`], not parsed |
//! | `unknown_shape` | a log file where one record was expected, or nested EventBridge envelopes |
//! | `empty_document` | an empty file, `[]` or `{"Records":[]}` |
//! | `invalid_field_value` | action `accepted_with_warnings`: the event was emitted, but a field value was invalid and kept as text (a source IP with leading zeros, a made-up region) |
//!
//! [`read_input`] and [`walk_inputs`] add `unreadable_file`, `truncated_gzip`
//! and `invalid_gzip`.
//!
//! Fields AWS documents as always present (`recipientAccountId`, `userAgent`,
//! `requestID`, `awsRegion`) may be missing or empty. A record without
//! `eventID` gets `fnv1a64-` and the hex FNV-1a hash of its bytes.
//!
//! # Canonical identity ids
//!
//! Every event is attributed to one identity; these ids are a public contract
//! (state, findings and the Kafka keys use them). `ACCOUNT` is
//! `userIdentity.accountId`, else `sessionContext.sessionIssuer.accountId`,
//! else the account in the ARN, else `recipientAccountId`, else `unknown`.
//!
//! | `userIdentity.type` | id | kind |
//! |---|---|---|
//! | `IAMUser` | `aws:ACCOUNT:user/USERNAME` (else the ARN's last segment) | human; non-human service user when the name matches [`DecoderConfig::service_user_patterns`]; AI agent on [`DecoderConfig::ai_agent_patterns`] |
//! | `Root` | `aws:ACCOUNT:root` | root; `invoked_by` is set when an AWS service (`invokedBy`, or an AWS service as `sourceIPAddress`) made the call |
//! | `AssumedRole`, session of a person | `aws:person/NAME` in lowercase, `via_role` = role ARN | human |
//! | `AssumedRole`, other sessions | `aws:ACCOUNT:role/ROLENAME` | non-human role, workload, AWS service (service-linked roles) or AI agent |
//! | `FederatedUser` | `aws:ACCOUNT:federated-user/NAME`, `via_role` = the IAM user that called GetFederationToken | non-human |
//! | `AWSService`, or no type but `invokedBy` | `aws:service/INVOKEDBY` (else `eventSource`) | non-human AWS service |
//! | `AWSAccount` | `aws:ACCOUNT:account`; `aws:anonymous` for `ANONYMOUS_PRINCIPAL` | non-human account |
//! | `IdentityCenterUser`, or `Unknown` with `onBehalfOf` or `userName` | `aws:person/USERNAME` in lowercase, else `aws:person/USERID` (identity-store user id) | human |
//! | `SAMLUser` | `aws:person/USERNAME` in lowercase | human |
//! | `WebIdentityUser` | `aws:ACCOUNT:web-identity/PROVIDER/USERNAME` | non-human |
//! | no `userIdentity` | `aws:RECIPIENTACCOUNT:unattributed` | non-human AWS service |
//! | any other type | `aws:ACCOUNT:principal/PRINCIPALID` (else the ARN) | non-human |
//!
//! A role session belongs to a person when the role name starts with one of
//! [`DecoderConfig::person_role_patterns`] (IAM Identity Center permission
//! sets, `AWSReservedSSO_`), when the session has a `sourceIdentity`, or when
//! the session name is an email address. NAME is the `sourceIdentity`, else
//! the session name. Other sessions stay with the role; they are a workload
//! when the session name is an EC2 instance id, when EC2 delivered the
//! credentials (`ec2RoleDelivery`), when Lambda invoked them, or when the
//! user agent names the Lambda or ECS runtime.

//!
//! # Identity snapshots
//!
//! A snapshot is what a configuration export records about an identity at
//! one time: credentials, MFA, owner, privilege. [`detect_snapshot`] tells
//! the two formats apart from other input, and [`decode_snapshot`] turns
//! them into [`IdentitySnapshot`](ispm_model::IdentitySnapshot)s:
//!
//! - [`SnapshotFormat::CredentialReport`]: the AWS IAM credential report
//!   CSV, one row per IAM user plus `<root_account>`.
//! - [`SnapshotFormat::InventoryJson`]: the `ispm.inventory.v1` JSON
//!   document for any other source, described field by field in
//!   `schemas/inventory-snapshot.schema.json`.
//!
//! Snapshot ids are the canonical ids of the table above, so a snapshot and
//! the events of the same identity merge: `aws:ACCOUNT:user/NAME` with the
//! IAM path of the ARN dropped, `aws:ACCOUNT:role/NAME` and
//! `aws:ACCOUNT:root`. A `.csv.gz` is gunzipped by [`read_input`] like any
//! other input, because gzip is recognised by its magic bytes.
//!
//! A bad row or identity becomes one [`SnapshotError`] and the others still
//! decode. [`SnapshotError`] lists the error reasons.

mod cloudtrail;
mod config;
mod error;
mod framing;
mod input;
mod item;
mod patterns;
mod snapshot;
mod walk;

pub use cloudtrail::CloudTrailDecoder;
pub use config::{DEFAULT_MAX_RECORD_BYTES, DecoderConfig};
pub use error::DecodeError;
pub use input::{InputRead, read_input, read_stdin};
pub use item::{EXCERPT_MAX_BYTES, Item};
pub use snapshot::{
    SnapshotBatch, SnapshotError, SnapshotFormat, SnapshotLocation, VALUE_EXCERPT_MAX_BYTES,
    decode_snapshot, detect_snapshot,
};
pub use walk::walk_inputs;
