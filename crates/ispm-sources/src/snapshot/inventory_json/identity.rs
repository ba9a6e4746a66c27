//! One entry of `identities` to an [`IdentitySnapshot`].

use ispm_model::{EventTime, IdentityId, IdentityKind, IdentitySnapshot, NhiType};

use super::credential::convert_credential;
use super::document::RawIdentity;
use super::privilege::{EXPECTED_PRIVILEGE, derive_privilege, parse_privilege};
use super::values::FieldScope;
use crate::snapshot::arn::{EXPECTED_IAM_ARN, parse_iam_arn};
use crate::snapshot::error::{SnapshotError, SnapshotLocation, excerpt};

const EXPECTED_KIND: &str = "one of human, non_human, root, ai_agent";
const EXPECTED_NHI_TYPE: &str =
    "one of role, workload, service_user, aws_service, account, federated_user";

/// Values that apply to every identity of one document.
pub(super) struct DocumentDefaults {
    pub source: String,
    /// The document's `as_of`.
    pub as_of: Option<EventTime>,
    /// The caller's `as_of`, which replaces every `as_of` in the document.
    pub as_of_override: Option<EventTime>,
}

/// Converts one identity. The first invalid field fails the identity.
///
/// The id is `id` when given, else derived from `arn` as the CloudTrail
/// decoder derives it. The name is `name`, else the ARN's user or role name
/// (`root` for the root), else the part of the id after its last `/` or
/// `:`. `account` defaults to the ARN's account, and `kind` to root for a
/// root ARN.
pub(super) fn convert_identity(
    raw: RawIdentity,
    index: usize,
    defaults: &DocumentDefaults,
) -> Result<IdentitySnapshot, SnapshotError> {
    let at = SnapshotLocation::Identity(index);
    let scope = FieldScope::new(at);

    let id = scope.text("id", raw.id)?;
    let arn = scope.text("arn", raw.arn)?;
    let principal = arn.as_deref().and_then(parse_iam_arn);
    let identity = match (&id, &principal, &arn) {
        (Some(id), _, _) => IdentityId::new(id.as_str()),
        (None, Some(principal), _) => principal.identity_id(),
        (None, None, Some(arn)) => {
            return Err(SnapshotError::InvalidArn {
                at,
                field: "arn".to_owned(),
                value: excerpt(arn),
                expected: EXPECTED_IAM_ARN,
            });
        }
        (None, None, None) => {
            return Err(scope.missing(
                "id",
                "give id (the canonical identity id) or arn (an IAM user, role or root ARN to derive the id from)",
            ));
        }
    };

    let name = match scope.text("name", raw.name)? {
        Some(name) => name,
        None => principal.as_ref().map_or_else(
            || last_id_segment(identity.as_str()).to_owned(),
            |principal| principal.name.to_owned(),
        ),
    };
    let kind = scope
        .choice("kind", raw.kind, parse_kind, EXPECTED_KIND)?
        .or_else(|| {
            principal
                .as_ref()
                .and_then(|principal| principal.known_kind())
        });
    let account = scope.text("account", raw.account)?.or_else(|| {
        principal
            .as_ref()
            .map(|principal| principal.account.to_owned())
    });
    let stated_privilege = scope.choice(
        "privilege",
        raw.privilege,
        parse_privilege,
        EXPECTED_PRIVILEGE,
    )?;
    for (position, policy) in raw.policies.iter().enumerate() {
        if policy.is_empty() {
            return Err(scope.invalid(
                &format!("policies[{position}]"),
                policy,
                "a non-empty policy name",
            ));
        }
    }
    let (privilege, privilege_reason) = derive_privilege(stated_privilege, &raw.policies).unzip();

    let mut credentials = Vec::with_capacity(raw.credentials.len());
    for (position, credential) in raw.credentials.into_iter().enumerate() {
        let nested = scope.nested(format!("credentials[{position}]."));
        credentials.push(convert_credential(credential, &nested)?);
    }

    let own_as_of = scope.timestamp("as_of", raw.as_of)?;
    let as_of = defaults
        .as_of_override
        .or(own_as_of)
        .or(defaults.as_of)
        .ok_or(SnapshotError::MissingAsOf { at })?;

    Ok(IdentitySnapshot {
        identity,
        name,
        kind,
        nhi_type: scope.choice("nhi_type", raw.nhi_type, parse_nhi_type, EXPECTED_NHI_TYPE)?,
        kind_reason: None,
        account,
        arn,
        source: defaults.source.clone(),
        as_of,
        created_at: scope.timestamp("created_at", raw.created_at)?,
        created_by: scope
            .text("created_by", raw.created_by)?
            .map(IdentityId::new),
        owner: scope.text("owner", raw.owner)?,
        tags: raw.tags,
        enabled: raw.enabled,
        mfa_active: raw.mfa_active,
        privilege,
        privilege_reason,
        credentials,
    })
}

fn parse_kind(text: &str) -> Option<IdentityKind> {
    match text {
        "human" => Some(IdentityKind::Human),
        "non_human" => Some(IdentityKind::NonHuman),
        "root" => Some(IdentityKind::Root),
        "ai_agent" => Some(IdentityKind::AiAgent),
        _ => None,
    }
}

fn parse_nhi_type(text: &str) -> Option<NhiType> {
    match text {
        "role" => Some(NhiType::Role),
        "workload" => Some(NhiType::Workload),
        "service_user" => Some(NhiType::ServiceUser),
        "aws_service" => Some(NhiType::AwsService),
        "account" => Some(NhiType::Account),
        "federated_user" => Some(NhiType::FederatedUser),
        _ => None,
    }
}

/// Returns the part of an id after its last `/` or `:`, e.g. `alice` for
/// `aws:1:user/alice` and `00u1abcd` for `okta:00u1abcd`.
fn last_id_segment(id: &str) -> &str {
    id.rsplit(['/', ':'])
        .next()
        .filter(|segment| !segment.is_empty())
        .unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_id_segment_follows_slash_or_colon() {
        assert_eq!(last_id_segment("aws:1:user/alice"), "alice");
        assert_eq!(last_id_segment("aws:1:root"), "root");
        assert_eq!(last_id_segment("okta:00u1abcd"), "00u1abcd");
        assert_eq!(last_id_segment("plain"), "plain");
        assert_eq!(last_id_segment("trailing/"), "trailing/");
    }

    #[test]
    fn kind_words_match_model_serde_names() {
        for kind in [
            IdentityKind::Human,
            IdentityKind::NonHuman,
            IdentityKind::Root,
            IdentityKind::AiAgent,
        ] {
            assert_eq!(parse_kind(kind.as_str()), Some(kind));
        }
        for nhi_type in [
            NhiType::Role,
            NhiType::Workload,
            NhiType::ServiceUser,
            NhiType::AwsService,
            NhiType::Account,
            NhiType::FederatedUser,
        ] {
            let word = serde_json::to_value(nhi_type).expect("serializes");
            let word = word.as_str().expect("a string");
            assert_eq!(parse_nhi_type(word), Some(nhi_type));
        }
    }
}
