//! Grants of admin-level privilege and roles opened to outsiders.

use ispm_model::{Confidence, FindingCategory, Severity};
use serde::Deserialize;
use serde_json::json;

use super::{Context, Hit, attempt_suffix};
use crate::attack;
use crate::payload;
use crate::policy_doc;
use crate::state::IdentityState;

pub const ID: &str = "privilege_grant";

#[derive(Deserialize, Default)]
#[serde(default)]
struct IamRequest {
    #[serde(rename = "policyArn")]
    policy_arn: Option<String>,
    #[serde(rename = "policyDocument")]
    policy_document: Option<String>,
    #[serde(rename = "assumeRolePolicyDocument")]
    assume_role_policy_document: Option<String>,
    #[serde(rename = "userName")]
    user_name: Option<String>,
    #[serde(rename = "roleName")]
    role_name: Option<String>,
    #[serde(rename = "groupName")]
    group_name: Option<String>,
    #[serde(rename = "setAsDefault")]
    set_as_default: Option<bool>,
}

impl IamRequest {
    /// Returns the principal the call changes, as `user alice`, `role deploy` or
    /// `group admins`.
    fn target(&self) -> String {
        if let Some(name) = &self.user_name {
            format!("user {name}")
        } else if let Some(name) = &self.role_name {
            format!("role {name}")
        } else if let Some(name) = &self.group_name {
            format!("group {name}")
        } else {
            "an unnamed principal".to_owned()
        }
    }
}

const IAM: &str = "iam.amazonaws.com";

/// The IAM calls this detector reads.
const ACTIONS: [&str; 10] = [
    "AttachUserPolicy",
    "AttachRolePolicy",
    "AttachGroupPolicy",
    "PutUserPolicy",
    "PutRolePolicy",
    "PutGroupPolicy",
    "AddUserToGroup",
    "UpdateAssumeRolePolicy",
    "CreateRole",
    "CreatePolicyVersion",
];

/// Returns every call this detector reads, as (service, action).
pub(super) fn calls() -> impl Iterator<Item = (&'static str, &'static str)> {
    ACTIONS.iter().map(|action| (IAM, *action))
}

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    if event.service != IAM {
        return;
    }
    let action = event.action.as_str();
    if !ACTIONS.contains(&action) {
        return;
    }
    let Some(request) = payload::parse::<IamRequest>(event.request.as_deref()) else {
        return;
    };
    let target = request.target();
    let config = &ctx.config.privilege;

    let finding = match action {
        "AttachUserPolicy" | "AttachRolePolicy" | "AttachGroupPolicy" => {
            let Some(arn) = request.policy_arn.as_deref() else {
                return;
            };
            let name = arn.rsplit('/').next().unwrap_or(arn);
            if !config.admin_policies.iter().any(|admin| admin == name) {
                return;
            }
            Some((
                "admin_policy_attached",
                format!("attached {name} to {target}"),
                json!({ "policy_arn": arn, "target": target }),
            ))
        }
        "PutUserPolicy" | "PutRolePolicy" | "PutGroupPolicy" => {
            let Some(document) = request.policy_document.as_deref() else {
                return;
            };
            if !policy_doc::grants_admin(document) {
                return;
            }
            Some((
                "admin_inline_policy",
                format!("put an inline policy granting all actions on all resources to {target}"),
                json!({ "target": target }),
            ))
        }
        "CreatePolicyVersion" => {
            // A new default version of a managed policy changes the rights
            // of everyone it is attached to, the caller included.
            let Some(document) = request.policy_document.as_deref() else {
                return;
            };
            if !policy_doc::grants_admin(document) {
                return;
            }
            let policy = request.policy_arn.as_deref().unwrap_or("?");
            Some((
                "admin_policy_version",
                format!(
                    "made a version of policy {policy} that allows all actions on all resources"
                ),
                json!({ "policy_arn": policy, "set_as_default": request.set_as_default }),
            ))
        }
        "AddUserToGroup" => {
            let Some(group) = request.group_name.as_deref() else {
                return;
            };
            let lower = group.to_ascii_lowercase();
            if !config
                .admin_group_patterns
                .iter()
                .any(|pattern| lower.contains(&pattern.to_ascii_lowercase()))
            {
                return;
            }
            let user = request.user_name.as_deref().unwrap_or("?");
            Some((
                "added_to_admin_group",
                format!("added user {user} to admin group {group}"),
                json!({ "group": group, "user": user }),
            ))
        }
        "UpdateAssumeRolePolicy" | "CreateRole" => {
            let document = if action == "CreateRole" {
                request.assume_role_policy_document.as_deref()
            } else {
                request.policy_document.as_deref()
            };
            let Some(document) = document else { return };
            let own_account = event.account.as_deref().or(event.actor.account.as_deref());
            let foreign = policy_doc::foreign_principals(document, own_account);
            if foreign.is_empty() {
                return;
            }
            let principals: Vec<&str> = foreign
                .iter()
                .map(|found| found.principal.as_str())
                .collect();
            let rule = if action == "CreateRole" {
                "role_created_trusting_outsider"
            } else {
                "role_trust_opened"
            };
            Some((
                rule,
                format!("let {} assume {target}", principals.join(", ")),
                json!({ "target": target, "foreign_principals": principals, "conditioned": foreign.iter().all(|found| found.conditioned) }),
            ))
        }
        _ => None,
    };
    let Some((rule, what, data)) = finding else {
        return;
    };

    let mut hit = Hit::new(ID, rule, FindingCategory::Anomaly);
    let attempted = attempt_suffix(event);
    hit.title = format!("{} {}{}", state.name(), what, attempted);
    hit.description = format!(
        "{} {} with {}. Admin-level grants and roles that outsiders can assume are how attackers \
         escalate and keep access.",
        state.name(),
        what,
        action
    );
    hit.severity = if event.succeeded() {
        Severity::High
    } else {
        Severity::Medium
    };
    hit.confidence = if event.succeeded() {
        Confidence::High
    } else {
        Confidence::Medium
    };
    hit.attacks = &[attack::ADDITIONAL_CLOUD_ROLES];
    hit.remediation = "Confirm the grant with the owner of the target principal. If it was not \
                       planned, detach the policy or restore the trust policy, and review what the \
                       target did since.";
    hit.data = data;
    hit.repeat_key = target;
    ctx.emit(state, hit);
}
