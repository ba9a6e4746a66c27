use std::net::IpAddr;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{EventTime, IdentityId, IdentityKind, NhiType};

/// The provider an event was decoded from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Cloudtrail,
}

/// One audit-log record, normalised and attributed to a canonical identity.
///
/// Decoders produce it; the engine consumes it; the Kafka runtime carries it
/// on the internal `ispm.events` topic keyed by `actor.id`. Request and
/// response payloads stay opaque JSON text: their shape differs per API call
/// and even between two calls of the same API, so only the detectors that
/// need a field parse it, into a small typed struct.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdentityEvent {
    /// Provider event id (CloudTrail `eventID`).
    pub event_id: CompactString,
    pub time: EventTime,
    pub source: SourceKind,
    /// The API's service, e.g. `iam.amazonaws.com`.
    pub service: CompactString,
    /// The API call or sign-in, e.g. `CreateAccessKey`, `ConsoleLogin`.
    pub action: CompactString,
    /// CloudTrail `eventType`, e.g. `AwsApiCall`, `AwsConsoleSignIn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<CompactString>,
    /// The account the event was recorded in (`recipientAccountId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<CompactString>,
    pub actor: Actor,
    pub origin: Origin,
    /// Error code of a failed call; `None` when the call succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<CompactString>,
    /// Type of the first resource the record lists, e.g. `AWS::KMS::Key`
    /// (CloudTrail `resources`); `None` when it lists none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional: Option<Box<RawValue>>,
    /// Facts this event states about other identities (created, given a
    /// credential, granted a policy). The Kafka runtime routes each fact to
    /// the partition of the identity it is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetFact>,
    /// Field values that were invalid but did not stop processing, e.g. a
    /// source IP with leading zeros. Reported as dead-letter warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl IdentityEvent {
    /// True when the call failed because the caller lacked permission.
    pub fn is_access_denied(&self) -> bool {
        self.error_code
            .as_deref()
            .is_some_and(is_access_denied_code)
    }

    pub fn succeeded(&self) -> bool {
        self.error_code.is_none()
    }
}

fn is_access_denied_code(code: &str) -> bool {
    // A code with `UnauthorizedOperation` also contains `Unauthorized`.
    contains(code, "AccessDenied") || contains(code, "Unauthorized") || code == "Forbidden"
}

/// Returns what `text.contains(part)` returns. `part` is compared only where
/// `text` has its first byte, because `str::contains` sets up a string
/// searcher on every call, which costs more than this scan of an error code
/// of a few dozen bytes. The burst detector calls it for every failed call.
fn contains(text: &str, part: &str) -> bool {
    let part = part.as_bytes();
    let Some(&first) = part.first() else {
        return true;
    };
    text.as_bytes()
        .windows(part.len())
        .any(|window| window[0] == first && window == part)
}

/// The identity that made the call, with how it was recognised.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Actor {
    pub id: IdentityId,
    /// Short display name: user name, role name, person name.
    pub name: CompactString,
    pub kind: IdentityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhi_type: Option<NhiType>,
    /// The reason the identity was classified as `kind`, in one sentence.
    pub kind_reason: CompactString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<CompactString>,
    /// The provider's principal type, e.g. CloudTrail `userIdentity.type`.
    pub principal_type: CompactString,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<CompactString>,
    /// The role a person acted through, when the call was attributed to the
    /// person rather than to the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_role: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_authenticated: Option<bool>,
    /// The AWS service that made the call for the identity (`invokedBy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<CompactString>,
}

/// The source of a call: address, user agent and region.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Origin {
    /// The source address exactly as the provider wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_raw: Option<CompactString>,
    /// The source address when it is a valid IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// The AWS service name when the source is a service
    /// (`sourceIPAddress: ssm.amazonaws.com`, `AWS Internal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<CompactString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<CompactString>,
    /// The IP enrichment result for the source address; `None` when no
    /// database is configured or the source is not a public IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkInfo>,
}

/// Country, network owner and location of a source address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkInfo {
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Autonomous system number of the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// Organisation that owns the autonomous system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
    /// Latitude and longitude in degrees, when a city database is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<(f32, f32)>,
    /// True when the address belongs to AWS; `None` when no database can
    /// decide it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<bool>,
}

impl Origin {
    /// Returns the key of the source address: the parsed IP when valid, else
    /// the raw text.
    pub fn source_key(&self) -> Option<String> {
        match (&self.ip, &self.source_raw) {
            (Some(ip), _) => Some(ip.to_string()),
            (None, Some(raw)) if self.service.is_none() => Some(raw.to_string()),
            _ => None,
        }
    }
}

/// A fact an event states about an identity other than its actor.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetFact {
    /// The identity the fact is about.
    pub identity: IdentityId,
    pub name: String,
    pub kind: TargetFactKind,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TargetFactKind {
    /// The identity was created (CreateUser, CreateRole).
    Created,
    /// An access key was created for the identity.
    AccessKeyCreated {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        access_key_id: Option<String>,
    },
    /// A console password was created or changed for the identity.
    LoginProfileChanged,
    /// An access key of the identity was deleted or deactivated.
    AccessKeyRemoved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        access_key_id: Option<String>,
    },
    /// The identity was deleted.
    Deleted,
    /// A managed policy was attached to the identity (AttachUserPolicy,
    /// AttachRolePolicy); `policy` is the last segment of the policy ARN.
    PolicyAttached { policy: String },
    /// The IAM user was added to a group (AddUserToGroup).
    AddedToGroup { group: String },
    /// The role was assumed with a token of a web identity provider
    /// (AssumeRoleWithWebIdentity); `provider` is the issuer, as CloudTrail's
    /// `userIdentity.identityProvider` names it.
    AssumedWithWebIdentity { provider: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_codes_match_substring_search() {
        let codes = [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "UnauthorizedOperation",
            "Unauthorized",
            "UnauthorizedAccess",
            "Forbidden",
            "ForbiddenException",
            "NoSuchEntity",
            "ThrottlingException",
            "Access",
            "",
            "AAccessDenied",
            "UUnauthorize",
            "xAccessDeniedx",
        ];
        for code in codes {
            let expected = code.contains("AccessDenied")
                || code.contains("UnauthorizedOperation")
                || code.contains("Unauthorized")
                || code == "Forbidden";
            assert_eq!(is_access_denied_code(code), expected, "{code}");
        }
    }

    #[test]
    fn contains_matches_str_contains() {
        let texts = ["", "a", "ab", "aab", "abab", "ba", "xabx", "aaa"];
        let parts = ["", "a", "ab", "aa", "b", "abc"];
        for text in texts {
            for part in parts {
                assert_eq!(contains(text, part), text.contains(part), "{text} {part}");
            }
        }
    }
}
