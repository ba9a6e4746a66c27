//! The MITRE ATT&CK (Enterprise, cloud matrix) techniques that posture
//! findings cite: the ones an attacker uses against the weakness a policy
//! reports.

use ispm_model::Attack;

/// Dormant, unrotated or shared credentials are what an attacker signs in
/// with.
pub(crate) const VALID_CLOUD_ACCOUNTS: Attack = Attack {
    technique_id: "T1078.004",
    technique_name: "Valid Accounts: Cloud Accounts",
    tactic_id: "TA0001",
    tactic_name: "Initial Access",
};

/// A password without a second factor falls to guessing and spraying.
pub(crate) const BRUTE_FORCE: Attack = Attack {
    technique_id: "T1110",
    technique_name: "Brute Force",
    tactic_id: "TA0006",
    tactic_name: "Credential Access",
};

/// A second access key is how an intruder keeps access after the first one
/// is found and rotated.
pub(crate) const ADDITIONAL_CLOUD_CREDENTIALS: Attack = Attack {
    technique_id: "T1098.001",
    technique_name: "Account Manipulation: Additional Cloud Credentials",
    tactic_id: "TA0003",
    tactic_name: "Persistence",
};
