//! Tampering with audit logging and threat detection: the step attackers
//! take before anything they want unseen.

use ispm_model::{Attack, Confidence, FindingCategory, Severity};
use serde::Deserialize;
use serde_json::json;

use super::{Context, Hit, attempt_suffix};
use crate::attack;
use crate::payload;
use crate::state::IdentityState;

pub const ID: &str = "logging_tampering";

struct Rule {
    service: &'static str,
    action: &'static str,
    rule: &'static str,
    what: &'static str,
    attack: Attack,
}

const fn rule(
    service: &'static str,
    action: &'static str,
    rule: &'static str,
    what: &'static str,
    attack: Attack,
) -> Rule {
    Rule {
        service,
        action,
        rule,
        what,
        attack,
    }
}

const LOGS: Attack = attack::DISABLE_CLOUD_LOGS;
const TOOLS: Attack = attack::DISABLE_SECURITY_TOOLS;

/// Calls that always stop or delete logging or detection.
const RULES: &[Rule] = &[
    rule(
        "cloudtrail.amazonaws.com",
        "StopLogging",
        "cloudtrail_stop_logging",
        "stopped CloudTrail logging",
        LOGS,
    ),
    rule(
        "cloudtrail.amazonaws.com",
        "DeleteTrail",
        "cloudtrail_delete_trail",
        "deleted a CloudTrail trail",
        LOGS,
    ),
    rule(
        "cloudtrail.amazonaws.com",
        "DeleteEventDataStore",
        "cloudtrail_delete_event_data_store",
        "deleted a CloudTrail Lake event data store",
        LOGS,
    ),
    rule(
        "cloudtrail.amazonaws.com",
        "StopEventDataStoreIngestion",
        "cloudtrail_stop_event_data_store",
        "stopped CloudTrail Lake ingestion",
        LOGS,
    ),
    rule(
        "ec2.amazonaws.com",
        "DeleteFlowLogs",
        "vpc_delete_flow_logs",
        "deleted VPC flow logs",
        LOGS,
    ),
    rule(
        "route53resolver.amazonaws.com",
        "DeleteResolverQueryLogConfig",
        "dns_delete_query_log_config",
        "deleted a Route 53 Resolver query logging configuration",
        LOGS,
    ),
    rule(
        "route53resolver.amazonaws.com",
        "DisassociateResolverQueryLogConfig",
        "dns_disassociate_query_log_config",
        "detached DNS query logging from a VPC",
        LOGS,
    ),
    rule(
        "logs.amazonaws.com",
        "DeleteLogGroup",
        "cloudwatch_delete_log_group",
        "deleted a CloudWatch log group",
        LOGS,
    ),
    rule(
        "config.amazonaws.com",
        "StopConfigurationRecorder",
        "config_stop_recorder",
        "stopped the AWS Config recorder",
        LOGS,
    ),
    rule(
        "config.amazonaws.com",
        "DeleteConfigurationRecorder",
        "config_delete_recorder",
        "deleted the AWS Config recorder",
        LOGS,
    ),
    rule(
        "config.amazonaws.com",
        "DeleteDeliveryChannel",
        "config_delete_delivery_channel",
        "deleted the AWS Config delivery channel",
        LOGS,
    ),
    rule(
        "guardduty.amazonaws.com",
        "DeleteDetector",
        "guardduty_delete_detector",
        "deleted the GuardDuty detector",
        TOOLS,
    ),
    rule(
        "guardduty.amazonaws.com",
        "DisassociateFromMasterAccount",
        "guardduty_leave_administrator",
        "left the GuardDuty administrator account",
        TOOLS,
    ),
    rule(
        "guardduty.amazonaws.com",
        "DisassociateFromAdministratorAccount",
        "guardduty_leave_administrator",
        "left the GuardDuty administrator account",
        TOOLS,
    ),
    rule(
        "guardduty.amazonaws.com",
        "StopMonitoringMembers",
        "guardduty_stop_monitoring_members",
        "stopped GuardDuty monitoring of member accounts",
        TOOLS,
    ),
    rule(
        "securityhub.amazonaws.com",
        "DisableSecurityHub",
        "securityhub_disable",
        "disabled Security Hub",
        TOOLS,
    ),
    rule(
        "access-analyzer.amazonaws.com",
        "DeleteAnalyzer",
        "access_analyzer_delete",
        "deleted an IAM Access Analyzer",
        TOOLS,
    ),
    rule(
        "macie2.amazonaws.com",
        "DisableMacie",
        "macie_disable",
        "disabled Macie",
        TOOLS,
    ),
];

#[derive(Deserialize)]
struct EventSelectorsRequest {
    #[serde(rename = "eventSelectors", default)]
    event_selectors: Option<Vec<EventSelector>>,
    #[serde(rename = "advancedEventSelectors", default)]
    advanced_event_selectors: Option<Vec<serde::de::IgnoredAny>>,
}

#[derive(Deserialize)]
struct EventSelector {
    #[serde(rename = "includeManagementEvents", default)]
    include_management_events: Option<bool>,
    #[serde(rename = "readWriteType", default)]
    read_write_type: Option<String>,
}

#[derive(Deserialize)]
struct UpdateTrailRequest {
    #[serde(rename = "isMultiRegionTrail", default)]
    is_multi_region_trail: Option<bool>,
    #[serde(rename = "includeGlobalServiceEvents", default)]
    include_global_service_events: Option<bool>,
    #[serde(rename = "enableLogFileValidation", default)]
    enable_log_file_validation: Option<bool>,
    #[serde(rename = "s3BucketName", default)]
    s3_bucket_name: Option<String>,
}

#[derive(Deserialize)]
struct UpdateDetectorRequest {
    enable: Option<bool>,
}

/// Returns what a PutEventSelectors call removes from logging, if anything.
fn event_selector_reduction(ctx: &Context<'_>) -> Option<String> {
    let request: EventSelectorsRequest = payload::parse(ctx.event.request.as_deref())?;
    if let Some(selectors) = request.event_selectors {
        if selectors.is_empty() {
            return Some("removed every event selector".to_owned());
        }
        let no_management = selectors
            .iter()
            .all(|selector| selector.include_management_events == Some(false));
        if no_management {
            return Some("excluded management events".to_owned());
        }
        let partial = selectors.iter().all(|selector| {
            selector
                .read_write_type
                .as_deref()
                .is_some_and(|kind| !kind.eq_ignore_ascii_case("All"))
        });
        if partial {
            return Some("limited logging to read-only or write-only events".to_owned());
        }
        return None;
    }
    if request
        .advanced_event_selectors
        .is_some_and(|selectors| selectors.is_empty())
    {
        return Some("removed every advanced event selector".to_owned());
    }
    None
}

/// Returns what an UpdateTrail call weakens, if anything.
fn trail_update_reduction(ctx: &Context<'_>) -> Option<String> {
    let request: UpdateTrailRequest = payload::parse(ctx.event.request.as_deref())?;
    let mut changes = Vec::new();
    if request.is_multi_region_trail == Some(false) {
        changes.push("made the trail single-region");
    }
    if request.include_global_service_events == Some(false) {
        changes.push("excluded global service events (IAM, STS)");
    }
    if request.enable_log_file_validation == Some(false) {
        changes.push("disabled log file validation");
    }
    if request.s3_bucket_name.is_some() {
        changes.push("redirected log delivery to another S3 bucket");
    }
    (!changes.is_empty()).then(|| changes.join(", "))
}

/// Calls that weaken logging only with some request parameters.
const EVENT_SELECTORS: (&str, &str) = ("cloudtrail.amazonaws.com", "PutEventSelectors");
const UPDATE_TRAIL: (&str, &str) = ("cloudtrail.amazonaws.com", "UpdateTrail");
const UPDATE_DETECTOR: (&str, &str) = ("guardduty.amazonaws.com", "UpdateDetector");

/// Returns every call this detector reads, as (service, action).
pub(super) fn calls() -> impl Iterator<Item = (&'static str, &'static str)> {
    RULES.iter().map(|rule| (rule.service, rule.action)).chain([
        EVENT_SELECTORS,
        UPDATE_TRAIL,
        UPDATE_DETECTOR,
    ])
}

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    let service = event.service.as_str();
    let action = event.action.as_str();

    let rule = RULES
        .iter()
        .find(|rule| rule.action == action && rule.service == service);
    let (rule_id, what, technique) = if let Some(rule) = rule {
        (rule.rule, rule.what.to_owned(), rule.attack)
    } else if (service, action) == EVENT_SELECTORS {
        match event_selector_reduction(ctx) {
            Some(change) => (
                "cloudtrail_reduce_event_selectors",
                format!("changed trail event selectors: {change}"),
                LOGS,
            ),
            None => return,
        }
    } else if (service, action) == UPDATE_TRAIL {
        match trail_update_reduction(ctx) {
            Some(change) => (
                "cloudtrail_weaken_trail",
                format!("updated a trail: {change}"),
                LOGS,
            ),
            None => return,
        }
    } else if (service, action) == UPDATE_DETECTOR {
        let disabled = payload::parse::<UpdateDetectorRequest>(event.request.as_deref())
            .is_some_and(|request| request.enable == Some(false));
        if !disabled {
            return;
        }
        (
            "guardduty_disable_detector",
            "disabled the GuardDuty detector".to_owned(),
            TOOLS,
        )
    } else {
        return;
    };

    let mut hit = Hit::new(ID, rule_id, FindingCategory::Anomaly);
    let attempted = attempt_suffix(event);
    hit.title = format!("{} {}{}", state.name(), what, attempted);
    hit.description = format!(
        "{} {} with {}. Attackers weaken logging and detection first so that what follows goes \
         unseen.",
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
    hit.attacks = match technique.technique_id {
        "T1562.001" => &[attack::DISABLE_SECURITY_TOOLS],
        _ => &[attack::DISABLE_CLOUD_LOGS],
    };
    hit.remediation = "Confirm the change was planned. If not, restore the logging or detection \
                       configuration, revoke the identity's sessions and credentials, and review \
                       what it did after the change.";
    hit.data = json!({ "change": what, "request": payload::to_value(event.request.as_deref()) });
    ctx.emit(state, hit);
}
