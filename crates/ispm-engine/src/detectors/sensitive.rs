//! Single calls that are rare in routine work and central to known attack
//! techniques: sharing data with other accounts, opening firewalls, running
//! commands on instances, backdooring functions and roles.
//!
//! Some calls are routine for many identities (reading a secret, a decrypted
//! parameter, minting an own access key) and a role's web identity providers
//! are stable. These rules only report a first use once the identity's
//! learning period is over, so they flag a change of routine, not the
//! routine itself.

use ispm_model::{Attack, Confidence, EventTime, FindingCategory, IdentityEvent, Severity};
use serde::Deserialize;
use serde_json::{Value, json};

use std::sync::LazyLock;

use super::{CallTable, Context, Hit, attempt_suffix};
use crate::attack;
use crate::payload::{self, OneOrMany};
use crate::state::{IdentityState, stable_hash};

pub const ID: &str = "sensitive_api_call";

/// One rule: an API call and, when the call alone is not enough, a check of
/// its request that returns what made it suspicious.
struct Rule {
    id: &'static str,
    service: &'static str,
    actions: &'static [&'static str],
    /// `None`: the call does not match. `Some(detail)`: it matches.
    check: fn(&IdentityEvent) -> Option<Value>,
    title: &'static str,
    severity: Severity,
    confidence: Confidence,
    attacks: &'static [Attack],
    remediation: &'static str,
    /// Whether failed (denied) attempts count too.
    include_failures: bool,
    /// Whether a first use is only reported once the identity's learning
    /// period for this detector is over. A first use during learning is
    /// recorded without a finding.
    after_learning: bool,
}

fn always(_: &IdentityEvent) -> Option<Value> {
    Some(Value::Null)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddRemoveItems {
    add: Option<Items>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Items {
    items: Vec<Value>,
}

fn shares_added(items: Option<AddRemoveItems>) -> Option<Value> {
    let added = items?.add?.items;
    (!added.is_empty()).then(|| json!({ "shared_with": added }))
}

fn ami_shared(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(rename = "launchPermission")]
        launch_permission: Option<AddRemoveItems>,
    }
    shares_added(payload::parse::<Request>(event.request.as_deref())?.launch_permission)
}

fn snapshot_shared(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(rename = "createVolumePermission")]
        create_volume_permission: Option<AddRemoveItems>,
    }
    shares_added(payload::parse::<Request>(event.request.as_deref())?.create_volume_permission)
}

fn db_snapshot_shared(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(rename = "attributeName")]
        attribute_name: Option<String>,
        #[serde(rename = "valuesToAdd", default)]
        values_to_add: Vec<String>,
    }
    let request: Request = payload::parse(event.request.as_deref())?;
    let restore = request
        .attribute_name
        .as_deref()
        .is_some_and(|name| name.eq_ignore_ascii_case("restore"));
    (restore && !request.values_to_add.is_empty())
        .then(|| json!({ "shared_with": request.values_to_add }))
}

/// Ports whose exposure to the internet is a classic foothold.
const ADMIN_PORTS: &[i64] = &[22, 3389, 5985, 5986, 23];

fn ingress_opened_to_world(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Request {
        #[serde(rename = "cidrIp")]
        cidr_ip: Option<String>,
        #[serde(rename = "fromPort")]
        from_port: Option<i64>,
        #[serde(rename = "toPort")]
        to_port: Option<i64>,
        #[serde(rename = "ipPermissions")]
        ip_permissions: Option<Value>,
    }
    let request: Request = payload::parse(event.request.as_deref())?;
    let text = request
        .ip_permissions
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_default();
    let open_cidr = request.cidr_ip.as_deref().is_some_and(is_world_cidr)
        || text.contains("\"0.0.0.0/0\"")
        || text.contains("\"::/0\"");
    if !open_cidr {
        return None;
    }
    let from = request.from_port.unwrap_or(0);
    let to = request.to_port.unwrap_or(65_535);
    let exposes_admin_port = ADMIN_PORTS.iter().any(|port| (from..=to).contains(port)) || from < 0;
    exposes_admin_port.then(|| json!({ "cidr": request.cidr_ip, "from_port": from, "to_port": to }))
}

/// A CIDR with prefix length 0 covers every address, whatever the address
/// part says (anonymised logs rewrite `0.0.0.0/0` to other addresses).
fn is_world_cidr(cidr: &str) -> bool {
    cidr.rsplit_once('/')
        .is_some_and(|(_, prefix)| prefix.trim() == "0")
}

fn lambda_public_permission(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        principal: Option<String>,
        #[serde(rename = "sourceAccount")]
        source_account: Option<String>,
    }
    let request: Request = payload::parse(event.request.as_deref())?;
    let principal = request.principal?;
    let own = event.account.as_deref().unwrap_or("");
    let public = principal == "*" && request.source_account.is_none();
    let foreign = principal.len() == 12 && principal != own;
    (public || foreign).then(|| json!({ "principal": principal }))
}

fn lambda_foreign_layer(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(default)]
        layers: Vec<String>,
    }
    let request: Request = payload::parse(event.request.as_deref())?;
    (!request.layers.is_empty()).then(|| {
        let own = event.account.as_deref().unwrap_or("");
        let foreign: Vec<&String> = request
            .layers
            .iter()
            .filter(|layer| {
                layer
                    .split(':')
                    .nth(4)
                    .is_some_and(|account| account != own)
            })
            .collect();
        json!({ "layers": request.layers, "foreign_layers": foreign })
    })
}

fn gpu_instances(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(rename = "instanceType")]
        instance_type: Option<String>,
    }
    let instance_type = payload::parse::<Request>(event.request.as_deref())?.instance_type?;
    let family = instance_type.split('.').next().unwrap_or("");
    let accelerated = [
        "p2", "p3", "p4", "p5", "g3", "g4", "g5", "g6", "inf1", "inf2", "trn1", "dl1", "x1", "x2",
    ]
    .iter()
    .any(|prefix| family.starts_with(prefix));
    accelerated.then(|| json!({ "instance_type": instance_type }))
}

fn user_data_changed(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(rename = "userData")]
        user_data: Option<Value>,
        #[serde(rename = "instanceId")]
        instance_id: Option<String>,
    }
    let request: Request = payload::parse(event.request.as_deref())?;
    request
        .user_data
        .map(|_| json!({ "instance_id": request.instance_id }))
}

fn user_data_read(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        attribute: Option<String>,
    }
    let attribute = payload::parse::<Request>(event.request.as_deref())?.attribute?;
    (attribute == "userData").then(|| json!({ "attribute": attribute }))
}

fn secret_value_read(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(rename = "secretId")]
        secret_id: Option<String>,
    }
    // A hidden or odd request still read a secret, so it matches too.
    let secret_id =
        payload::parse::<Request>(event.request.as_deref()).and_then(|request| request.secret_id);
    Some(json!({ "secret_id": secret_id }))
}

fn parameters_decrypted(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Request {
        name: Option<String>,
        names: OneOrMany,
        path: Option<String>,
        #[serde(rename = "withDecryption")]
        with_decryption: Option<bool>,
    }
    let request: Request = payload::parse(event.request.as_deref())?;
    if request.with_decryption != Some(true) {
        return None;
    }
    let mut parameters: Vec<String> = request
        .names
        .values()
        .into_iter()
        .map(str::to_owned)
        .collect();
    parameters.extend(request.name);
    parameters.extend(request.path);
    Some(json!({ "parameters": parameters }))
}

/// Matches `CreateAccessKey` for the caller's own user: without `userName`
/// IAM acts on the calling user. A key for another user is
/// `credential_for_other_identity`'s, which uses the same test of "self".
fn own_access_key_created(event: &IdentityEvent) -> Option<Value> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Request {
        #[serde(rename = "userName")]
        user_name: Option<String>,
    }

    #[derive(Deserialize)]
    struct Response {
        #[serde(rename = "accessKey")]
        access_key: Option<AccessKey>,
    }

    #[derive(Deserialize)]
    struct AccessKey {
        #[serde(rename = "accessKeyId")]
        access_key_id: Option<String>,
    }

    let request: Request = match event.request.as_deref() {
        Some(raw) => payload::parse(Some(raw))?,
        None => Request::default(),
    };
    let actor = &event.actor;
    let own = match request.user_name.as_deref() {
        None => true,
        Some(name) => super::credentials::is_own_user(actor, name),
    };
    if !own {
        return None;
    }

    let access_key_id = payload::parse::<Response>(event.response.as_deref())
        .and_then(|response| response.access_key)
        .and_then(|key| key.access_key_id);
    Some(json!({ "user_name": actor.name, "access_key_id": access_key_id }))
}

const RULES: &[Rule] = &[
    Rule {
        id: "ami_shared_with_account",
        service: "ec2.amazonaws.com",
        actions: &["ModifyImageAttribute"],
        check: ami_shared,
        title: "shared a machine image (AMI) with another account",
        severity: Severity::High,
        confidence: Confidence::High,
        attacks: &[attack::TRANSFER_TO_CLOUD_ACCOUNT],
        remediation: "Remove the launch permission unless the share was approved; check the \
                      receiving account id against your organisation.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "ebs_snapshot_shared_with_account",
        service: "ec2.amazonaws.com",
        actions: &["ModifySnapshotAttribute"],
        check: snapshot_shared,
        title: "shared an EBS snapshot with another account",
        severity: Severity::High,
        confidence: Confidence::High,
        attacks: &[attack::TRANSFER_TO_CLOUD_ACCOUNT],
        remediation: "Remove the createVolumePermission unless the share was approved; a shared \
                      snapshot copies the whole disk out.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "rds_snapshot_shared_with_account",
        service: "rds.amazonaws.com",
        actions: &[
            "ModifyDBSnapshotAttribute",
            "ModifyDBClusterSnapshotAttribute",
        ],
        check: db_snapshot_shared,
        title: "shared a database snapshot with another account",
        severity: Severity::High,
        confidence: Confidence::High,
        attacks: &[attack::TRANSFER_TO_CLOUD_ACCOUNT],
        remediation: "Remove the restore permission unless the share was approved.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "security_group_admin_port_open_to_internet",
        service: "ec2.amazonaws.com",
        actions: &["AuthorizeSecurityGroupIngress"],
        check: ingress_opened_to_world,
        title: "opened an administration port (SSH, RDP, WinRM) to the whole internet",
        severity: Severity::Medium,
        confidence: Confidence::High,
        attacks: &[attack::MODIFY_CLOUD_FIREWALL],
        remediation: "Revoke the ingress rule and use Session Manager or a bastion with a narrow \
                      source range.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "lambda_invokable_by_anyone",
        service: "lambda.amazonaws.com",
        actions: &[
            "AddPermission20150331v2",
            "AddPermission20150331",
            "AddPermission",
        ],
        check: lambda_public_permission,
        title: "let anyone or another account invoke a Lambda function",
        severity: Severity::High,
        confidence: Confidence::High,
        attacks: &[attack::ACCOUNT_MANIPULATION],
        remediation: "Remove the resource-based policy statement unless the function is meant to \
                      be public.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "lambda_layer_added",
        service: "lambda.amazonaws.com",
        actions: &[
            "UpdateFunctionConfiguration20150331v2",
            "UpdateFunctionConfiguration",
        ],
        check: lambda_foreign_layer,
        title: "attached layers to a Lambda function",
        severity: Severity::Low,
        confidence: Confidence::Low,
        attacks: &[attack::EVENT_TRIGGERED_EXECUTION],
        remediation: "Check that each layer is one your team publishes; a layer or extension runs \
                      with the function's role on every call.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "lambda_code_replaced",
        service: "lambda.amazonaws.com",
        actions: &["UpdateFunctionCode20150331v2", "UpdateFunctionCode"],
        check: always,
        title: "replaced the code of a Lambda function",
        severity: Severity::Low,
        confidence: Confidence::Low,
        attacks: &[attack::SERVERLESS_EXECUTION],
        remediation: "Check that the change came from your deployment pipeline.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "roles_anywhere_trust_anchor_created",
        service: "rolesanywhere.amazonaws.com",
        actions: &["CreateTrustAnchor"],
        check: always,
        title: "created an IAM Roles Anywhere trust anchor",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::ACCOUNT_MANIPULATION],
        remediation: "A trust anchor lets holders of certificates from its CA assume roles from \
                      outside AWS. Delete it unless it was approved.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "federation_token_issued",
        service: "sts.amazonaws.com",
        actions: &["GetFederationToken"],
        check: always,
        title: "issued a federation token",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::APPLICATION_ACCESS_TOKEN],
        remediation: "Federation tokens outlive the deletion of the access key that made them. \
                      Confirm the use; if unexpected, deny sts:GetFederationToken and revoke the \
                      key's sessions.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "leave_organization",
        service: "organizations.amazonaws.com",
        actions: &["LeaveOrganization"],
        check: always,
        title: "tried to remove the account from its AWS Organization",
        severity: Severity::High,
        confidence: Confidence::High,
        attacks: &[attack::MODIFY_CLOUD_HIERARCHY],
        remediation: "Leaving the organisation drops its guardrails (SCPs, central logging). Deny \
                      organizations:LeaveOrganization with an SCP.",
        include_failures: true,
        after_learning: false,
    },
    Rule {
        id: "secrets_batch_read",
        service: "secretsmanager.amazonaws.com",
        actions: &["BatchGetSecretValue"],
        check: always,
        title: "read secrets in bulk with BatchGetSecretValue",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::CLOUD_SECRETS_STORES],
        remediation: "One call can return every secret a filter matches. Confirm the read with \
                      the identity's owner; rotate the secrets returned if it was not expected.",
        include_failures: true,
        after_learning: false,
    },
    Rule {
        id: "ec2_password_data_read",
        service: "ec2.amazonaws.com",
        actions: &["GetPasswordData"],
        check: always,
        title: "requested the administrator password of a Windows instance",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::UNSECURED_CREDENTIALS],
        remediation: "Confirm the request with the instance owner; rotate the instance's \
                      administrator password if it was not expected.",
        include_failures: true,
        after_learning: false,
    },
    Rule {
        id: "ec2_user_data_read",
        service: "ec2.amazonaws.com",
        actions: &["DescribeInstanceAttribute"],
        check: user_data_read,
        title: "read the user data of an instance",
        severity: Severity::Low,
        confidence: Confidence::Medium,
        attacks: &[attack::CLOUD_INSTANCE_METADATA],
        remediation: "User data often holds bootstrap secrets. Move secrets to Secrets Manager and \
                      confirm the read was expected.",
        include_failures: true,
        after_learning: false,
    },
    Rule {
        id: "ec2_user_data_modified",
        service: "ec2.amazonaws.com",
        actions: &["ModifyInstanceAttribute"],
        check: user_data_changed,
        title: "changed the user data of an instance",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::CLOUD_API],
        remediation: "User data runs as root on the next start. Inspect the new script and \
                      restore the previous one if the change was not planned.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "ec2_accelerated_instances_requested",
        service: "ec2.amazonaws.com",
        actions: &["RunInstances"],
        check: gpu_instances,
        title: "tried to launch GPU or other accelerated instances",
        severity: Severity::Medium,
        confidence: Confidence::Low,
        attacks: &[attack::RESOURCE_HIJACKING],
        remediation: "Accelerated instances are what cryptominers launch first. Confirm the \
                      request with the team that owns the identity.",
        include_failures: true,
        after_learning: false,
    },
    Rule {
        id: "ssm_command_sent",
        service: "ssm.amazonaws.com",
        actions: &["SendCommand"],
        check: always,
        title: "ran a command on instances through SSM",
        severity: Severity::Low,
        confidence: Confidence::Low,
        attacks: &[attack::CLOUD_ADMINISTRATION_COMMAND],
        remediation: "Confirm the command came from an operator or automation you know.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "ssm_session_started",
        service: "ssm.amazonaws.com",
        actions: &["StartSession"],
        check: always,
        title: "opened an interactive SSM session on an instance",
        severity: Severity::Low,
        confidence: Confidence::Low,
        attacks: &[attack::CLOUD_ADMINISTRATION_COMMAND],
        remediation: "Confirm the session with the operator; review the session log.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "ec2_instance_connect_key_pushed",
        service: "ec2-instance-connect.amazonaws.com",
        actions: &["SendSSHPublicKey"],
        check: always,
        title: "pushed an SSH key to an instance with EC2 Instance Connect",
        severity: Severity::Low,
        confidence: Confidence::Low,
        attacks: &[attack::REMOTE_SERVICES_SSH],
        remediation: "Confirm the connection with the operator.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "ec2_serial_console_access",
        service: "ec2.amazonaws.com",
        actions: &["EnableSerialConsoleAccess"],
        check: always,
        title: "enabled EC2 serial console access for the account",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::REMOTE_SERVICES_SSH],
        remediation: "The serial console bypasses network controls. Disable it unless it is \
                      needed for a recovery.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "ec2_serial_console_key_pushed",
        service: "ec2-instance-connect.amazonaws.com",
        actions: &["SendSerialConsoleSSHPublicKey"],
        check: always,
        title: "pushed an SSH key to an instance's serial console",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::SSH_AUTHORIZED_KEYS],
        remediation: "Confirm the connection with the operator; disable serial console access \
                      afterwards.",
        include_failures: false,
        after_learning: false,
    },
    Rule {
        id: "bedrock_model_access_enabled",
        service: "bedrock.amazonaws.com",
        actions: &[
            "PutUseCaseForModelAccess",
            "PutFoundationModelEntitlement",
            "CreateFoundationModelAgreement",
        ],
        check: always,
        title: "enabled access to Bedrock foundation models",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::CLOUD_SERVICE_HIJACKING],
        remediation: "Stolen keys are used to resell model access (LLMjacking). Confirm the \
                      request with the owning team; restrict bedrock:* where unused.",
        include_failures: true,
        after_learning: false,
    },
    // The rules below wait for the learning period. They come after the
    // others because a rule's bit in `sensitive_used` is its position.
    Rule {
        id: "secret_value_first_read",
        service: "secretsmanager.amazonaws.com",
        actions: &["GetSecretValue"],
        check: secret_value_read,
        title: "read a Secrets Manager secret value for the first time",
        severity: Severity::Medium,
        confidence: Confidence::Low,
        attacks: &[attack::CLOUD_SECRETS_STORES],
        remediation: "Confirm with the identity's owner that it now needs this secret. If not, \
                      rotate the secret and review what else the credential did.",
        include_failures: false,
        after_learning: true,
    },
    Rule {
        id: "ssm_parameter_first_decrypted_read",
        service: "ssm.amazonaws.com",
        actions: &["GetParameter", "GetParameters", "GetParametersByPath"],
        check: parameters_decrypted,
        title: "read decrypted SSM parameters for the first time",
        severity: Severity::Medium,
        confidence: Confidence::Low,
        attacks: &[attack::CLOUD_SECRETS_STORES],
        remediation: "Confirm with the identity's owner that it now needs these parameters. If \
                      not, rotate the SecureString values read and review the credential.",
        include_failures: false,
        after_learning: true,
    },
    Rule {
        id: "own_access_key_first_created",
        service: "iam.amazonaws.com",
        actions: &["CreateAccessKey"],
        check: own_access_key_created,
        title: "created an access key for itself for the first time",
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        attacks: &[attack::ADDITIONAL_CLOUD_CREDENTIALS],
        remediation: "A second long-term key survives the rotation or deactivation of the first. \
                      Confirm the key with the user; delete it if it was not requested.",
        include_failures: false,
        after_learning: true,
    },
];

/// Returns every call some rule names, as (service, action).
pub(super) fn calls() -> impl Iterator<Item = (&'static str, &'static str)> {
    RULES
        .iter()
        .flat_map(|rule| rule.actions.iter().map(|action| (rule.service, *action)))
}

/// The rules of each call, one bit per position in [`RULES`], so that an
/// event tests the few rules of its call and not the actions of every rule.
static RULES_BY_CALL: LazyLock<CallTable> = LazyLock::new(|| {
    CallTable::new(RULES.iter().enumerate().flat_map(|(index, rule)| {
        rule.actions
            .iter()
            .map(move |action| (1u32 << index, (rule.service, *action)))
    }))
});

// One bit per rule in a `u32`, in `RULES_BY_CALL` as in `sensitive_used`.
const _: () = assert!(RULES.len() <= 32);

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    // The rules in `RULES` order, as a search of every rule finds them.
    let mut candidates = RULES_BY_CALL.detectors(ctx.hashes.call);
    while candidates != 0 {
        let index = candidates.trailing_zeros() as usize;
        candidates &= candidates - 1;
        let Some(rule) = RULES.get(index) else {
            break;
        };
        // Compared still, for a call whose hash only collides with a rule's.
        if !rule.actions.contains(&event.action.as_str()) || rule.service != event.service {
            continue;
        }
        if !event.succeeded() && !rule.include_failures {
            continue;
        }
        // Reported on the identity's first use of the call only: a CI role
        // that deploys Lambda code every day, or an operator who opens SSM
        // sessions, does it routinely after the first time. A used rule
        // skips its check, because parsing the request of every routine
        // secret read could only lead to the same `continue`.
        let bit = 1u32 << (index % 32);
        if state.sensitive_used & bit != 0 {
            continue;
        }
        let Some(detail) = (rule.check)(event) else {
            continue;
        };
        state.sensitive_used |= bit;
        if ctx.is_folded(state, ID, rule.id, "") {
            continue;
        }
        // Peers (CI deploy roles, instance roles of one kind, service
        // accounts of one owner or namespace) that already make this call
        // make it routine for one more of them. A use during learning still
        // counts for the peers.
        let common = ctx.config.first_seen.tenant_common_identities;
        let groups = ctx
            .tenant
            .peer_groups(state, event.actor.session_name.as_deref());
        let users = ctx
            .tenant
            .note_new_peer_user(PEER_ATTRIBUTE, &groups, index as u64);
        if rule.after_learning && !ctx.is_learned(state, const { super::bit(ID) }) {
            continue;
        }
        if common > 0 && users >= common {
            continue;
        }
        let mut hit = Hit::new(ID, rule.id, FindingCategory::Anomaly);
        let attempted = attempt_suffix(event);
        hit.title = format!("{} {}{}", state.name(), rule.title, attempted);
        hit.description = format!("{} {} with {}.", state.name(), rule.title, event.action);
        hit.data = detail;
        if rule.after_learning {
            let days = history_days(state, event.time);
            hit.description = format!(
                "{} {} with {}, the first time in {} of its history.",
                state.name(),
                rule.title,
                event.action,
                days_text(days)
            );
            hit.data = with_history(hit.data, days);
        }
        hit.severity = rule.severity;
        hit.confidence = rule.confidence;
        hit.attacks = rule.attacks;
        hit.remediation = rule.remediation;
        ctx.emit(state, hit);
    }
}

/// Returns the whole days between the identity's first event and `now`.
fn history_days(state: &IdentityState, now: EventTime) -> i64 {
    state
        .first_seen
        .map_or(0, |first| now.saturating_sub(first) / MILLIS_PER_DAY)
}

fn days_text(days: i64) -> String {
    match days {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        days => format!("{days} days"),
    }
}

/// Adds the baseline a first use was compared with to a rule's evidence.
fn with_history(detail: Value, days: i64) -> Value {
    let mut data = match detail {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => serde_json::Map::from_iter([("detail".to_owned(), other)]),
    };
    data.insert("first_use".to_owned(), Value::Bool(true));
    data.insert("history_days".to_owned(), json!(days));
    Value::Object(data)
}

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Rule id of a role assumed from a web identity provider it was not
/// assumed from before. It reads target facts, not the role's own calls, so
/// it is not in [`RULES`].
pub const WEB_IDENTITY_RULE: &str = "web_identity_new_provider";

/// Web identity providers remembered per role. Roles trust one or two
/// issuers (a CI system, a Kubernetes cluster); the cap bounds the memory of
/// a role that trusts many.
pub(crate) const MAX_WEB_IDENTITY_PROVIDERS: usize = 8;

/// Notes that the role `state` was assumed with a token of `provider`, and
/// reports a provider the role was not assumed from before once the role's
/// learning period is over. A new provider during learning is only
/// remembered. Runs even while the detector is off, so that enabling it
/// later is quiet.
pub(crate) fn check_web_identity_provider(
    ctx: &mut Context<'_>,
    state: &mut IdentityState,
    provider: &str,
) {
    let hash = stable_hash(&[provider]);
    let known = state
        .history()
        .map_or(0, |history| history.web_identity_providers.len());
    if state
        .history()
        .is_some_and(|history| history.web_identity_providers.contains(&hash))
    {
        return;
    }
    // NOTE: past the cap a new provider is neither remembered nor reported,
    // because a role trusted by that many issuers has no stable set to
    // compare with.
    if known >= MAX_WEB_IDENTITY_PROVIDERS {
        return;
    }
    state.history_mut().web_identity_providers.push(hash);
    if !ctx.enabled.has(const { super::bit(ID) }) {
        return;
    }

    // Roles of one kind (the `deploy` roles of every repository) are
    // assumed from the same CI issuer: once enough peers are, one more is
    // routine.
    let common = ctx.config.first_seen.tenant_common_identities;
    let groups = ctx.tenant.peer_groups(state, None);
    let users = ctx
        .tenant
        .note_new_peer_user(WEB_IDENTITY_PEER_ATTRIBUTE, &groups, hash);
    if !ctx.is_learned(state, const { super::bit(ID) }) {
        return;
    }
    if common > 0 && users >= common {
        return;
    }
    if ctx.is_folded(state, ID, WEB_IDENTITY_RULE, provider) {
        return;
    }

    let event = ctx.event;
    let days = history_days(state, event.time);
    let mut hit = Hit::new(ID, WEB_IDENTITY_RULE, FindingCategory::Anomaly);
    hit.title = format!(
        "{} was assumed with a token of web identity provider {} for the first time",
        state.name(),
        provider
    );
    hit.description = format!(
        "Web identity user {} of provider {} called AssumeRoleWithWebIdentity for role {}, the \
         first time in {} of the role's history that a token of this provider was used for it \
         ({} other providers known). A provider added to a role's trust policy, or a trust \
         condition loosened, lets whoever holds such a token act as the role.",
        event.actor.name,
        provider,
        state.name(),
        days_text(days),
        known
    );
    hit.severity = Severity::High;
    hit.confidence = Confidence::Medium;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Check the role's trust policy for this provider and for the conditions on \
                       the token's subject (sub) and audience (aud). Remove the provider or \
                       tighten the conditions if the change was not approved, and revoke the \
                       role's active sessions.";
    hit.data = with_history(
        json!({
            "provider": provider,
            "web_identity_user": event.actor.name,
            "known_providers": known,
        }),
        days,
    );
    hit.repeat_key = provider.to_owned();
    ctx.emit(state, hit);
}

/// Attribute code of sensitive calls per peer group in the tenant context.
const PEER_ATTRIBUTE: u8 = 100;

/// Attribute code of web identity providers per peer group of roles.
const WEB_IDENTITY_PEER_ATTRIBUTE: u8 = 101;

// Each rule has one bit in `IdentityState::sensitive_used`.
const _: () = assert!(RULES.len() <= 32);

/// Rule ids of the rules whose bits `used` sets, as
/// `IdentityState::sensitive_used` keeps them.
pub(crate) fn rules_used(used: u32) -> Vec<&'static str> {
    RULES
        .iter()
        .enumerate()
        .filter(|(index, _)| used & (1u32 << (index % 32)) != 0)
        .map(|(_, rule)| rule.id)
        .collect()
}

/// Rule ids of this detector, for documentation.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    RULES
        .iter()
        .map(|rule| rule.id)
        .chain(std::iter::once(WEB_IDENTITY_RULE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_by_call_match_full_search() {
        for (service, action) in calls().chain([("s3.amazonaws.com", "GetObject")]) {
            let searched = RULES
                .iter()
                .enumerate()
                .filter(|(_, rule)| rule.service == service && rule.actions.contains(&action))
                .fold(0u32, |bits, (index, _)| bits | 1 << index);
            let found = RULES_BY_CALL.detectors(stable_hash(&[service, action]));
            assert_eq!(found, searched, "{service} {action}");
        }
    }
}
