//! The MITRE ATT&CK (Enterprise, cloud matrix) techniques the detectors cite.

use ispm_model::Attack;

const fn technique(
    technique_id: &'static str,
    technique_name: &'static str,
    tactic_id: &'static str,
    tactic_name: &'static str,
) -> Attack {
    Attack {
        technique_id,
        technique_name,
        tactic_id,
        tactic_name,
    }
}

pub const VALID_CLOUD_ACCOUNTS: Attack = technique(
    "T1078.004",
    "Valid Accounts: Cloud Accounts",
    "TA0001",
    "Initial Access",
);
pub const DISABLE_CLOUD_LOGS: Attack = technique(
    "T1562.008",
    "Impair Defenses: Disable or Modify Cloud Logs",
    "TA0005",
    "Defense Evasion",
);
pub const DISABLE_SECURITY_TOOLS: Attack = technique(
    "T1562.001",
    "Impair Defenses: Disable or Modify Tools",
    "TA0005",
    "Defense Evasion",
);
pub const MODIFY_CLOUD_FIREWALL: Attack = technique(
    "T1562.007",
    "Impair Defenses: Disable or Modify Cloud Firewall",
    "TA0005",
    "Defense Evasion",
);
pub const ADDITIONAL_CLOUD_CREDENTIALS: Attack = technique(
    "T1098.001",
    "Account Manipulation: Additional Cloud Credentials",
    "TA0003",
    "Persistence",
);
pub const ADDITIONAL_CLOUD_ROLES: Attack = technique(
    "T1098.003",
    "Account Manipulation: Additional Cloud Roles",
    "TA0004",
    "Privilege Escalation",
);
pub const SSH_AUTHORIZED_KEYS: Attack = technique(
    "T1098.004",
    "Account Manipulation: SSH Authorized Keys",
    "TA0003",
    "Persistence",
);
pub const ACCOUNT_MANIPULATION: Attack =
    technique("T1098", "Account Manipulation", "TA0003", "Persistence");
pub const CLOUD_INFRASTRUCTURE_DISCOVERY: Attack = technique(
    "T1580",
    "Cloud Infrastructure Discovery",
    "TA0007",
    "Discovery",
);
pub const CLOUD_SERVICE_DISCOVERY: Attack =
    technique("T1526", "Cloud Service Discovery", "TA0007", "Discovery");
pub const CLOUD_SECRETS_STORES: Attack = technique(
    "T1555.006",
    "Credentials from Password Stores: Cloud Secrets Management Stores",
    "TA0006",
    "Credential Access",
);
pub const UNSECURED_CREDENTIALS: Attack = technique(
    "T1552",
    "Unsecured Credentials",
    "TA0006",
    "Credential Access",
);
pub const CLOUD_INSTANCE_METADATA: Attack = technique(
    "T1552.005",
    "Unsecured Credentials: Cloud Instance Metadata API",
    "TA0006",
    "Credential Access",
);
pub const CLOUD_ADMINISTRATION_COMMAND: Attack = technique(
    "T1651",
    "Cloud Administration Command",
    "TA0002",
    "Execution",
);
pub const CLOUD_API: Attack = technique(
    "T1059.009",
    "Command and Scripting Interpreter: Cloud API",
    "TA0002",
    "Execution",
);
pub const TRANSFER_TO_CLOUD_ACCOUNT: Attack = technique(
    "T1537",
    "Transfer Data to Cloud Account",
    "TA0010",
    "Exfiltration",
);
pub const RESOURCE_HIJACKING: Attack = technique("T1496", "Resource Hijacking", "TA0040", "Impact");
pub const CLOUD_SERVICE_HIJACKING: Attack = technique(
    "T1496.004",
    "Resource Hijacking: Cloud Service Hijacking",
    "TA0040",
    "Impact",
);
pub const REMOTE_SERVICES_SSH: Attack = technique(
    "T1021.004",
    "Remote Services: SSH",
    "TA0008",
    "Lateral Movement",
);
pub const SERVERLESS_EXECUTION: Attack =
    technique("T1648", "Serverless Execution", "TA0002", "Execution");
pub const EVENT_TRIGGERED_EXECUTION: Attack = technique(
    "T1546",
    "Event Triggered Execution",
    "TA0003",
    "Persistence",
);
pub const APPLICATION_ACCESS_TOKEN: Attack = technique(
    "T1550.001",
    "Use Alternate Authentication Material: Application Access Token",
    "TA0005",
    "Defense Evasion",
);
pub const MODIFY_CLOUD_HIERARCHY: Attack = technique(
    "T1666",
    "Modify Cloud Resource Hierarchy",
    "TA0005",
    "Defense Evasion",
);
