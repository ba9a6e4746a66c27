//! Facts a successful IAM call states about identities other than its actor.
//!
//! Only the few calls that create, credential, empower or delete an identity
//! are read, and `AssumeRoleWithWebIdentity`, whose actor is the web identity
//! user while the role keeps the baseline of the providers it trusts.
//! Their payloads are parsed into small typed structs. A payload of another
//! shape (a string, `HIDDEN_DUE_TO_SECURITY_REASONS`, missing fields) yields
//! no fact rather than an error, because the event itself is still valid.

use ispm_model::{Actor, IdentityId, TargetFact, TargetFactKind};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// The call whose facts are derived, with what is needed around it.
pub(super) struct TargetCall<'r> {
    pub event_name: &'r str,
    pub request: Option<&'r RawValue>,
    pub response: Option<&'r RawValue>,
    /// `recipientAccountId`, else the actor's account.
    pub account: Option<&'r str>,
    pub actor: &'r Actor,
    /// `userIdentity.identityProvider`: the issuer of a web identity or
    /// SAML user's token.
    pub identity_provider: Option<&'r str>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserRequest {
    user_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RoleRequest {
    role_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AssumeRoleRequest {
    role_arn: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AttachPolicyRequest {
    user_name: Option<String>,
    role_name: Option<String>,
    policy_arn: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GroupMemberRequest {
    user_name: Option<String>,
    group_name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AccessKeyRequest {
    user_name: Option<String>,
    access_key_id: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CreateAccessKeyResponse {
    access_key: Option<AccessKey>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AccessKey {
    access_key_id: Option<String>,
    user_name: Option<String>,
}

/// Derives the target facts of one successful call.
pub(super) fn derive_targets(call: &TargetCall<'_>) -> Vec<TargetFact> {
    let Some((identity, name, kind)) = derive_fact(call) else {
        return Vec::new();
    };
    // Keys and privileges an identity gives itself are still recorded as
    // facts; every other fact about the actor is already known from the event.
    let about_other = identity != call.actor.id;
    let recorded_for_self = matches!(
        kind,
        TargetFactKind::AccessKeyCreated { .. }
            | TargetFactKind::PolicyAttached { .. }
            | TargetFactKind::AddedToGroup { .. }
    );
    if about_other || recorded_for_self {
        vec![TargetFact {
            identity,
            name,
            kind,
        }]
    } else {
        Vec::new()
    }
}

fn derive_fact(call: &TargetCall<'_>) -> Option<(IdentityId, String, TargetFactKind)> {
    match call.event_name {
        "CreateUser" | "DeleteUser" => {
            let request: UserRequest = parse(call.request)?;
            let name = request.user_name?;
            Some((
                user_id(call, &name),
                name,
                created_or_deleted(call.event_name),
            ))
        }
        "CreateRole" | "DeleteRole" => {
            let request: RoleRequest = parse(call.request)?;
            let name = request.role_name?;
            Some((
                role_id(call, &name),
                name,
                created_or_deleted(call.event_name),
            ))
        }
        "CreateLoginProfile" | "UpdateLoginProfile" => {
            let request: UserRequest = parse(call.request)?;
            let (identity, name) = user_or_self(call, request.user_name)?;
            Some((identity, name, TargetFactKind::LoginProfileChanged))
        }
        "CreateAccessKey" => {
            let request: AccessKeyRequest = parse(call.request)?;
            let key = parse::<CreateAccessKeyResponse>(call.response)
                .and_then(|response| response.access_key)
                .unwrap_or_default();
            let (identity, name) = user_or_self(call, request.user_name.or(key.user_name))?;
            let kind = TargetFactKind::AccessKeyCreated {
                access_key_id: key.access_key_id,
            };
            Some((identity, name, kind))
        }
        "DeleteAccessKey" => {
            let request: AccessKeyRequest = parse(call.request)?;
            let (identity, name) = user_or_self(call, request.user_name)?;
            let kind = TargetFactKind::AccessKeyRemoved {
                access_key_id: request.access_key_id,
            };
            Some((identity, name, kind))
        }
        "UpdateAccessKey" => {
            let request: AccessKeyRequest = parse(call.request)?;
            let status = request.status.as_deref()?;
            if !status.eq_ignore_ascii_case("Inactive") {
                return None;
            }
            let (identity, name) = user_or_self(call, request.user_name)?;
            let kind = TargetFactKind::AccessKeyRemoved {
                access_key_id: request.access_key_id,
            };
            Some((identity, name, kind))
        }
        "AttachUserPolicy" | "AttachRolePolicy" => {
            let request: AttachPolicyRequest = parse(call.request)?;
            let policy = request.policy_arn?.rsplit('/').next()?.to_owned();
            let (identity, name) = match (request.user_name, request.role_name) {
                (Some(user), _) => (user_id(call, &user), user),
                (None, Some(role)) => (role_id(call, &role), role),
                (None, None) => return None,
            };
            Some((identity, name, TargetFactKind::PolicyAttached { policy }))
        }
        "AddUserToGroup" => {
            let request: GroupMemberRequest = parse(call.request)?;
            let group = request.group_name?;
            let name = request.user_name?;
            Some((
                user_id(call, &name),
                name,
                TargetFactKind::AddedToGroup { group },
            ))
        }
        "AssumeRoleWithWebIdentity" => {
            let request: AssumeRoleRequest = parse(call.request)?;
            let provider = call.identity_provider?.to_owned();
            let (identity, name) = role_in_arn(call, &request.role_arn?)?;
            Some((
                identity,
                name,
                TargetFactKind::AssumedWithWebIdentity { provider },
            ))
        }
        _ => None,
    }
}

fn created_or_deleted(event_name: &str) -> TargetFactKind {
    if event_name.starts_with("Delete") {
        TargetFactKind::Deleted
    } else {
        TargetFactKind::Created
    }
}

/// Parses a payload into `T`. An absent or `null` payload is `T::default()`
/// (a request without parameters); a payload of another shape is `None`.
fn parse<T: DeserializeOwned + Default>(payload: Option<&RawValue>) -> Option<T> {
    match payload {
        Some(raw) => serde_json::from_str(raw.get()).ok(),
        None => Some(T::default()),
    }
}

fn account<'r>(call: &TargetCall<'r>) -> &'r str {
    call.account.unwrap_or("unknown")
}

fn user_id(call: &TargetCall<'_>, name: &str) -> IdentityId {
    IdentityId::new(format!("aws:{}:user/{name}", account(call)))
}

fn role_id(call: &TargetCall<'_>, name: &str) -> IdentityId {
    IdentityId::new(format!("aws:{}:role/{name}", account(call)))
}

/// Returns the role an `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` names,
/// with the id the decoder gives the role's sessions: the account of the ARN
/// and the name without its path.
fn role_in_arn(call: &TargetCall<'_>, arn: &str) -> Option<(IdentityId, String)> {
    let mut fields = arn.splitn(6, ':');
    let account = fields.nth(4).filter(|account| !account.is_empty());
    let path = fields.next()?.strip_prefix("role/")?;
    let name = path.rsplit('/').next().filter(|name| !name.is_empty())?;
    let account = account.unwrap_or_else(|| self::account(call));
    Some((
        IdentityId::new(format!("aws:{account}:role/{name}")),
        name.to_owned(),
    ))
}

/// Returns the named IAM user, or the caller itself when the request names no
/// user, because IAM then acts on the calling IAM user (or on root for root).
fn user_or_self(call: &TargetCall<'_>, user_name: Option<String>) -> Option<(IdentityId, String)> {
    match user_name {
        Some(name) => Some((user_id(call, &name), name)),
        None if matches!(call.actor.principal_type.as_str(), "IAMUser" | "Root") => {
            Some((call.actor.id.clone(), call.actor.name.to_string()))
        }
        None => None,
    }
}
