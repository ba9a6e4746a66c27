//! The privilege level an inventory entry states or implies.
//!
//! Policy names are read with the engine's default rules for
//! `AttachUserPolicy` events (`PrivilegeConfig` in ispm-engine), so a
//! snapshot and the events of one identity agree:
//!
//! - `AdministratorAccess`, `IAMFullAccess` and `PowerUserAccess` give
//!   [`PrivilegeLevel::Admin`].
//! - Any other name containing `FullAccess`, such as `AmazonS3FullAccess`,
//!   gives [`PrivilegeLevel::Privileged`].
//!
//! Names are compared case-sensitively, as IAM names policies, and a policy
//! ARN is reduced to the name after its last `/`. Any other name implies
//! nothing, because a name proves nothing about a customer policy's
//! permissions. So a list of only other policies leaves the level unknown
//! rather than standard, and a higher level that events showed is kept.

use ispm_model::PrivilegeLevel;

/// AWS managed policies that the engine's default `admin_policies` also
/// list: full control of the account (`AdministratorAccess`), of IAM and so
/// of anything an identity grants itself (`IAMFullAccess`), or of every
/// service except IAM (`PowerUserAccess`).
// NOTE: the engine's list is configurable and this one is not, because the
// snapshot model has no field to carry the policy names to the engine.
const ADMIN_POLICIES: [&str; 3] = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

/// Values of the `privilege` field, for error messages.
pub(super) const EXPECTED_PRIVILEGE: &str = "one of standard, privileged, admin";

pub(super) fn parse_privilege(text: &str) -> Option<PrivilegeLevel> {
    match text {
        "standard" => Some(PrivilegeLevel::Standard),
        "privileged" => Some(PrivilegeLevel::Privileged),
        "admin" => Some(PrivilegeLevel::Admin),
        _ => None,
    }
}

/// Returns the privilege level and the reason for it, from the `privilege`
/// field and the attached `policies`. When both are given, the higher level
/// wins, so a stale `privilege` field cannot hide an attached
/// `AdministratorAccess`.
pub(super) fn derive_privilege(
    stated: Option<PrivilegeLevel>,
    policies: &[String],
) -> Option<(PrivilegeLevel, String)> {
    let from_policies = policies
        .iter()
        .filter_map(|policy| policy_level(policy))
        .max_by_key(|(level, _)| *level);
    match (stated, from_policies) {
        (Some(stated), Some((level, policy))) if level > stated => Some((
            level,
            format!(
                "attached policy {policy}, above the stated privilege {}",
                stated.as_str()
            ),
        )),
        (Some(stated), _) => Some((stated, "privilege field of the inventory".to_owned())),
        (None, Some((level, policy))) => Some((level, format!("attached policy {policy}"))),
        (None, None) => None,
    }
}

/// Returns the level a policy name implies, with the name without ARN
/// prefix.
fn policy_level(policy: &str) -> Option<(PrivilegeLevel, &str)> {
    let name = policy.rsplit_once('/').map_or(policy, |(_, name)| name);
    if ADMIN_POLICIES.contains(&name) {
        Some((PrivilegeLevel::Admin, name))
    } else if name.contains("FullAccess") {
        Some((PrivilegeLevel::Privileged, name))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn administrator_access_is_admin() {
        let derived = derive_privilege(
            None,
            &policies(&[
                "ReadOnlyAccess",
                "arn:aws:iam::aws:policy/AdministratorAccess",
            ]),
        );
        assert_eq!(
            derived,
            Some((
                PrivilegeLevel::Admin,
                "attached policy AdministratorAccess".to_owned()
            ))
        );
    }

    #[test]
    fn iam_full_access_and_power_user_are_admin() {
        for policy in ["IAMFullAccess", "PowerUserAccess"] {
            let derived = derive_privilege(None, &policies(&[policy]));
            assert_eq!(
                derived.map(|(level, _)| level),
                Some(PrivilegeLevel::Admin),
                "{policy}"
            );
        }
    }

    #[test]
    fn any_full_access_is_privileged() {
        let derived = derive_privilege(None, &policies(&["AmazonS3FullAccess"]));
        assert_eq!(
            derived,
            Some((
                PrivilegeLevel::Privileged,
                "attached policy AmazonS3FullAccess".to_owned()
            ))
        );
    }

    #[test]
    fn other_names_imply_nothing() {
        assert_eq!(
            derive_privilege(
                None,
                &policies(&["ReadOnlyAccess", "administratoraccess", "deploy-policy"])
            ),
            None
        );
    }

    #[test]
    fn higher_of_stated_and_policies_wins() {
        let raised = derive_privilege(
            Some(PrivilegeLevel::Standard),
            &policies(&["AdministratorAccess"]),
        );
        assert_eq!(
            raised,
            Some((
                PrivilegeLevel::Admin,
                "attached policy AdministratorAccess, above the stated privilege standard"
                    .to_owned()
            ))
        );
        let kept = derive_privilege(
            Some(PrivilegeLevel::Admin),
            &policies(&["AmazonS3FullAccess"]),
        );
        assert_eq!(
            kept,
            Some((
                PrivilegeLevel::Admin,
                "privilege field of the inventory".to_owned()
            ))
        );
    }

    #[test]
    fn privilege_words_parse() {
        assert_eq!(parse_privilege("admin"), Some(PrivilegeLevel::Admin));
        assert_eq!(parse_privilege("Admin"), None);
        assert_eq!(parse_privilege("unknown"), None);
    }
}
