//! The built-in policies: what each checks, why it matters, how to fix it and
//! which compliance controls it evidences.
//!
//! Texts may name thresholds as `{key_rotation_days}` and the like; the
//! policy set fills in the configured values (see [`crate::PolicyConfig`]).
//! The checks themselves live in `checks/`.

use ispm_model::{Attack, IdentityKind, Severity};

use crate::attack::{ADDITIONAL_CLOUD_CREDENTIALS, BRUTE_FORCE, VALID_CLOUD_ACCOUNTS};

pub(crate) const SOC2: &str = "SOC 2";
pub(crate) const NIST: &str = "NIST 800-53";
pub(crate) const PCI: &str = "PCI DSS 4.0";

/// The frameworks the policy table has a column for, in column order.
pub(crate) const FRAMEWORKS: [&str; 3] = [SOC2, NIST, PCI];

/// The built-in policies, one variant each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum BuiltinId {
    RootAccountUsed,
    RootAccessKeys,
    RootWithoutMfa,
    PrivilegedWithoutMfa,
    ConsolePasswordWithoutMfa,
    AccessKeyNotRotated,
    TwoActiveAccessKeys,
    AccessKeyUnused,
    ConsolePasswordUnused,
    AccessKeyCreatedWithUser,
    IdentityInactiveEnabled,
    NhiWithoutOwner,
    NhiWithConsolePassword,
    HumanUsingNhiCredential,
    ToxicStaleAdminUnrotatedKey,
    ToxicPrivilegedNhiExternalLongLivedKey,
}

/// One built-in policy's fixed description.
pub(crate) struct BuiltinPolicy {
    pub id: BuiltinId,
    pub name: &'static str,
    pub title: &'static str,
    /// One line for the policy table: what is checked.
    pub summary: &'static str,
    pub description: &'static str,
    pub remediation: &'static str,
    pub severity: Severity,
    pub applies_to: &'static [IdentityKind],
    /// (framework, control id) pairs.
    pub controls: &'static [(&'static str, &'static str)],
    /// Benchmarks and third-party rules the policy follows, `Panther <rule id>`
    /// for Panther's credential-report policies.
    pub references: &'static [&'static str],
    pub attacks: &'static [Attack],
    /// True for toxic combinations: several weaknesses on one identity that
    /// together are worse than their sum, and weigh extra in the risk score.
    pub toxic: bool,
}

const ROOT: &[IdentityKind] = &[IdentityKind::Root];
const PEOPLE_AND_ROOT: &[IdentityKind] = &[IdentityKind::Human, IdentityKind::Root];
const USERS: &[IdentityKind] = &[
    IdentityKind::Human,
    IdentityKind::NonHuman,
    IdentityKind::AiAgent,
];
const ALL: &[IdentityKind] = &[
    IdentityKind::Human,
    IdentityKind::NonHuman,
    IdentityKind::Root,
    IdentityKind::AiAgent,
];
const NON_HUMAN: &[IdentityKind] = &[IdentityKind::NonHuman, IdentityKind::AiAgent];

/// Panther credential-report policies and the ispm policy that gives the
/// same outcome on the same credential report row.
pub const PANTHER_RULES: [(&str, &str); 7] = [
    ("AWS.AccessKey.Rotation", "access_key_not_rotated"),
    ("AWS.AccessKey.Unused", "access_key_unused"),
    ("AWS.Password.Unused", "console_password_unused"),
    ("AWS.RootAccount.AccessKeys", "root_access_keys"),
    ("AWS.RootAccount.MFA", "root_without_mfa"),
    ("AWS.IAM.User.MFA", "console_password_without_mfa"),
    (
        "AWS.AccessKeys.AccountCreation",
        "access_key_created_with_user",
    ),
];

pub(crate) const BUILTINS: [BuiltinPolicy; 16] = [
    BuiltinPolicy {
        id: BuiltinId::RootAccountUsed,
        name: "root_account_used",
        title: "Root user used recently",
        summary: "The root user signed in or made a call within the last {root_used_days} days.",
        description: "The root user has unrestricted control of its account and cannot be \
            limited by IAM policies, so everyday work should use IAM roles or users. This \
            policy fails while the root user's newest event, or the last use of any of its \
            credentials, lies within the last {root_used_days} days, and passes again once \
            that much time goes by without use.",
        remediation: "Find out who used the root user and why, move that task to an IAM role, \
            and keep the root credentials locked away for the few tasks that need them.",
        severity: Severity::High,
        applies_to: ROOT,
        controls: &[(SOC2, "CC6.1"), (SOC2, "CC6.3"), (NIST, "AC-6")],
        references: &["CIS AWS Foundations v1.4.0 1.7"],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::RootAccessKeys,
        name: "root_access_keys",
        title: "Root user has an active access key",
        summary: "The root user has an active access key.",
        description: "An access key of the root user gives unrestricted API access to the \
            account to whoever holds it, without MFA. This policy fails while the root user \
            has an active access key.",
        remediation: "Delete the root user's access keys (IAM console, Security credentials of \
            the root user) and give the workloads that used them an IAM role.",
        severity: Severity::Critical,
        applies_to: ROOT,
        controls: &[(SOC2, "CC6.1"), (NIST, "AC-6")],
        references: &[
            "CIS AWS Foundations v1.4.0 1.4",
            "Panther AWS.RootAccount.AccessKeys",
        ],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::RootWithoutMfa,
        name: "root_without_mfa",
        title: "Root user without MFA",
        summary: "A snapshot reports the root user without an MFA device.",
        description: "Without MFA the root user's password alone gives full control of the \
            account. This policy fails when the newest snapshot reports MFA inactive for the \
            root user, and does not apply while no snapshot has reported the MFA state.",
        remediation: "Enable a hardware or virtual MFA device for the root user.",
        severity: Severity::Critical,
        applies_to: ROOT,
        controls: &[(SOC2, "CC6.1"), (NIST, "IA-2(1)"), (PCI, "8.4.2")],
        references: &[
            "CIS AWS Foundations v1.4.0 1.5",
            "Panther AWS.RootAccount.MFA",
        ],
        attacks: &[BRUTE_FORCE],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::PrivilegedWithoutMfa,
        name: "privileged_without_mfa",
        title: "Privileged person without MFA",
        summary: "A person or the root user with admin or privileged rights has MFA inactive.",
        description: "A privileged account protected by a password alone is one phishing \
            email away from an account takeover. This policy fails when a person (or the root \
            user, which always counts as admin) has admin or privileged rights and the newest \
            snapshot reports MFA inactive. It does not apply while the MFA state is unknown.",
        remediation: "Enable MFA for the person, or require it with an IAM policy condition \
            on aws:MultiFactorAuthPresent before privileged actions.",
        severity: Severity::High,
        applies_to: PEOPLE_AND_ROOT,
        controls: &[(SOC2, "CC6.1"), (NIST, "IA-2(1)"), (PCI, "8.4.2")],
        references: &[],
        attacks: &[BRUTE_FORCE],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::ConsolePasswordWithoutMfa,
        name: "console_password_without_mfa",
        title: "Console password without MFA",
        summary: "An IAM user has an active console password and MFA inactive.",
        description: "A console password without a second factor can be guessed, sprayed or \
            phished. This policy fails when an IAM user has an active console password and \
            the newest snapshot reports MFA inactive. It passes for users without a password \
            and does not apply while the MFA state is unknown.",
        remediation: "Enable MFA for the user, or remove the console password if the user \
            does not need the console.",
        severity: Severity::High,
        applies_to: USERS,
        controls: &[(SOC2, "CC6.1"), (PCI, "8.4.2")],
        references: &[
            "CIS AWS Foundations v1.4.0 1.10",
            "Panther AWS.IAM.User.MFA",
        ],
        attacks: &[BRUTE_FORCE],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::AccessKeyNotRotated,
        name: "access_key_not_rotated",
        title: "Access key not rotated",
        summary: "An active long-term access key is older than {key_rotation_days} days.",
        description: "The longer a long-term access key lives, the more copies of it exist in \
            scripts, laptops and logs. This policy fails when an active long-term access key \
            was last rotated (or, when no snapshot says, created) more than \
            {key_rotation_days} days ago. A key whose rotation and creation times are both \
            unknown has an unknown age and does not fail.",
        remediation: "Create a new access key, move every consumer of the old key to it, then \
            deactivate and delete the old key. Better, replace the key with an IAM role.",
        severity: Severity::Medium,
        applies_to: ALL,
        controls: &[(SOC2, "CC6.1"), (PCI, "8.6.3")],
        references: &[
            "CIS AWS Foundations v1.4.0 1.14",
            "Panther AWS.AccessKey.Rotation",
        ],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::TwoActiveAccessKeys,
        name: "two_active_access_keys",
        title: "Two active access keys",
        summary: "An identity has two active long-term access keys.",
        description: "Two active keys are normal for the hours of a rotation; kept longer, \
            the old key stays valid and nobody watches it. This policy fails while an \
            identity has more than one active long-term access key.",
        remediation: "Finish the rotation: move the consumers to the newer key, then \
            deactivate and delete the older one.",
        severity: Severity::Low,
        applies_to: ALL,
        controls: &[(SOC2, "CC6.1")],
        references: &["CIS AWS Foundations v1.4.0 1.13"],
        attacks: &[ADDITIONAL_CLOUD_CREDENTIALS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::AccessKeyUnused,
        name: "access_key_unused",
        title: "Access key unused",
        summary: "An active access key was not used for {key_unused_days} days, or never used \
            {key_unused_days} days after its creation or rotation.",
        description: "An active key that nobody uses is pure risk: it can only be used by \
            someone who should not have it. This policy fails when an active long-term access \
            key was last used more than {key_unused_days} days ago, or was never used and was \
            created or rotated more than {key_unused_days} days ago. A key younger than \
            {new_key_grace_days} days never fails, so a key made ahead of a deployment is \
            left alone.",
        remediation: "Deactivate the key, wait to see that nothing breaks, then delete it.",
        severity: Severity::Low,
        applies_to: ALL,
        controls: &[(SOC2, "CC6.2"), (NIST, "AC-2(3)"), (PCI, "8.2.6")],
        references: &[
            "CIS AWS Foundations v1.4.0 1.12",
            "Panther AWS.AccessKey.Unused",
        ],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::ConsolePasswordUnused,
        name: "console_password_unused",
        title: "Console password unused",
        summary: "An active console password was not used for {password_unused_days} days, or \
            never used {password_unused_days} days after it was set.",
        description: "A console password that nobody signs in with belongs to someone who no \
            longer needs the console. This policy fails when an IAM user's active console \
            password was last used more than {password_unused_days} days ago, or was never \
            used and was last changed (or created) more than {password_unused_days} days ago.",
        remediation: "Remove the user's console password (delete the login profile); the \
            user can ask for it again when needed.",
        severity: Severity::Low,
        applies_to: USERS,
        controls: &[
            (SOC2, "CC6.2"),
            (NIST, "AC-2(3)"),
            (NIST, "IA-5(1)"),
            (PCI, "8.2.6"),
        ],
        references: &[
            "CIS AWS Foundations v1.4.0 1.12",
            "Panther AWS.Password.Unused",
        ],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::AccessKeyCreatedWithUser,
        name: "access_key_created_with_user",
        title: "Access key created with the user",
        summary: "An access key was created within {key_at_creation_window_seconds} seconds of \
            its user.",
        description: "Creating an access key in the same step as the user (a console wizard \
            default) hands out keys nobody asked for, which then go unused and unrotated. \
            This policy fails when an access key that still exists, active or not, was \
            created or last rotated less than {key_at_creation_window_seconds} seconds after \
            its user was created. A key time before the user's creation comes from an \
            earlier user of the same name and passes.",
        remediation: "Delete the key unless the user needs one; create keys only when a \
            workload asks for them.",
        severity: Severity::Low,
        applies_to: ALL,
        controls: &[(SOC2, "CC6.2"), (NIST, "AC-2")],
        references: &[
            "CIS AWS Foundations v1.4.0 1.11",
            "Panther AWS.AccessKeys.AccountCreation",
        ],
        attacks: &[],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::IdentityInactiveEnabled,
        name: "identity_inactive_enabled",
        title: "Inactive identity still enabled",
        summary: "An enabled identity shows no activity for {inactive_days} days.",
        description: "Enabled identities nobody uses are the accounts of people who left and \
            of retired workloads, and a favourite way in for attackers because nobody notices \
            their use. This policy fails when an enabled identity other than root has no \
            event, credential use or creation in the last {inactive_days} days. Disabled \
            identities pass. AWS services, other accounts and federated or workload sessions \
            are not checked because their records go quiet on their own.",
        remediation: "Disable the identity (deactivate its keys, remove its console password, \
            or delete the role), after asking its owner.",
        severity: Severity::Medium,
        applies_to: &[
            IdentityKind::Human,
            IdentityKind::NonHuman,
            IdentityKind::AiAgent,
        ],
        controls: &[
            (SOC2, "CC6.2"),
            (NIST, "AC-2"),
            (NIST, "AC-2(3)"),
            (PCI, "8.2.6"),
        ],
        references: &[],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::NhiWithoutOwner,
        name: "nhi_without_owner",
        title: "Non-human identity without an owner",
        summary: "A non-human identity has no owner.",
        description: "Nobody rotates, reviews or retires a service identity that nobody owns. \
            This policy fails when a non-human identity of the organisation (not an AWS \
            service or another account) has no owner from a tag, the owner map or a \
            snapshot.",
        remediation: "Tag the identity with `owner` (or add it to the owner map) naming the \
            team accountable for it.",
        severity: Severity::Medium,
        applies_to: NON_HUMAN,
        controls: &[(SOC2, "CC6.2"), (NIST, "AC-2")],
        references: &[],
        attacks: &[],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::NhiWithConsolePassword,
        name: "nhi_with_console_password",
        title: "Non-human identity with a console password",
        summary: "A non-human identity has an active console password.",
        description: "A service identity never needs the console, so a console password on \
            it is a door for people to act as the service, outside MFA and offboarding. This \
            policy fails when a non-human IAM user has an active console password.",
        remediation: "Remove the console password (delete the login profile) of the service \
            identity.",
        severity: Severity::Medium,
        applies_to: NON_HUMAN,
        controls: &[(SOC2, "CC6.1"), (NIST, "AC-6")],
        references: &[],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::HumanUsingNhiCredential,
        name: "human_using_nhi_credential",
        title: "Person using a non-human identity",
        summary: "A service user, workload or AI agent was used from a browser or the AWS \
            console.",
        description: "When a person drives a service identity, their actions bypass MFA, SSO \
            and offboarding and are logged under the service's name. Code does not send a \
            browser's user agent, so this policy fails when a service user, workload session, \
            AI agent or non-human identity of unknown type has a consumer whose user agent \
            starts with `Mozilla/` or is one the console sends (`signin.amazonaws.com`, \
            `console.amazonaws.com`, `AWS Internal`). Roles are not checked because people \
            assume roles from the console as a matter of course. The heuristic misfires for \
            tools that fake a browser user agent.",
        remediation: "Find the person behind the session, give them their own identity with \
            MFA, and rotate the service identity's credentials they used.",
        severity: Severity::High,
        applies_to: NON_HUMAN,
        controls: &[(SOC2, "CC6.1"), (NIST, "AC-2")],
        references: &[],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: false,
    },
    BuiltinPolicy {
        id: BuiltinId::ToxicStaleAdminUnrotatedKey,
        name: "toxic_stale_admin_unrotated_key",
        title: "Dormant admin with an old access key",
        summary: "An admin identity inactive for {inactive_days} days holds an active access \
            key older than {key_rotation_days} days.",
        description: "An unused admin with a long-lived key is the classic way into an account: \
            the key has had years to leak, full rights, and nobody would notice its use. This \
            policy fails when an identity with admin rights shows no activity for \
            {inactive_days} days and holds an active long-term access key last rotated more \
            than {key_rotation_days} days ago.",
        remediation: "Deactivate the key now; then remove the admin rights or the identity \
            after asking its owner.",
        severity: Severity::Critical,
        applies_to: ALL,
        controls: &[
            (SOC2, "CC6.1"),
            (SOC2, "CC6.2"),
            (SOC2, "CC6.3"),
            (NIST, "AC-2(3)"),
            (NIST, "AC-6"),
            (PCI, "8.2.6"),
            (PCI, "8.6.3"),
        ],
        references: &[],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: true,
    },
    BuiltinPolicy {
        id: BuiltinId::ToxicPrivilegedNhiExternalLongLivedKey,
        name: "toxic_privileged_nhi_external_long_lived_key",
        title: "Privileged service identity used from outside AWS with a long-lived key",
        summary: "A privileged non-human identity with an active long-term access key is used \
            from a network outside AWS.",
        description: "A privileged service identity whose long-term key is used from outside \
            AWS has its key stored outside AWS too, where it can leak, and a leak hands an \
            attacker privileged rights. This policy fails when a non-human identity has admin \
            or privileged rights, an active long-term access key, and a consumer the \
            enrichment placed on an external network.",
        remediation: "Replace the key with a role the external workload assumes through OIDC \
            federation or IAM Roles Anywhere, or cut the identity's rights down to what the \
            external caller needs.",
        severity: Severity::Critical,
        applies_to: NON_HUMAN,
        controls: &[
            (SOC2, "CC6.1"),
            (SOC2, "CC6.3"),
            (NIST, "AC-6"),
            (PCI, "8.6.3"),
        ],
        references: &[],
        attacks: &[VALID_CLOUD_ACCOUNTS],
        toxic: true,
    },
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn builtin_names_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for policy in &BUILTINS {
            assert!(seen.insert(policy.name), "duplicate {}", policy.name);
            assert!(
                policy
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{} is not snake_case",
                policy.name
            );
        }
    }

    #[test]
    fn builtin_controls_use_the_three_frameworks() {
        for policy in &BUILTINS {
            assert!(
                !policy.controls.is_empty(),
                "{} has no control",
                policy.name
            );
            for (framework, _) in policy.controls {
                assert!(
                    FRAMEWORKS.contains(framework),
                    "{}: {framework}",
                    policy.name
                );
            }
        }
    }

    #[test]
    fn panther_rules_name_builtins_that_cite_them() {
        for (rule, policy) in PANTHER_RULES {
            let builtin = BUILTINS
                .iter()
                .find(|builtin| builtin.name == policy)
                .unwrap_or_else(|| panic!("{policy} is not a built-in"));
            let reference = format!("Panther {rule}");
            assert!(
                builtin.references.contains(&reference.as_str()),
                "{policy} does not cite {reference}"
            );
        }
    }
}
