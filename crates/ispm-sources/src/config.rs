use serde::{Deserialize, Serialize};

/// Settings of the CloudTrail decoder.
///
/// Name patterns are compared case-insensitively with the start of every word
/// of a name. A word starts at the beginning of the name, after any character
/// that is not an ASCII letter or digit (`-`, `_`, `.`, `@`, ...), and at a
/// lowercase-to-uppercase change (`deployBot`). So `svc` matches `svc-backup`,
/// `backup-svc` and `BackupSvc`, but not the random suffix `jfzdtsvchl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecoderConfig {
    /// Maximum size of one record in bytes; larger records are rejected as
    /// `record_too_large` without being deserialized. CloudTrail itself caps
    /// an event at 256 KB, so the default of 1 MiB leaves room for
    /// EventBridge envelopes and re-encoded (escaped) records while keeping
    /// garbage such as a 10 MB blob out of the pipeline.
    pub max_record_bytes: usize,

    /// Name patterns that mark an IAM user as a service account
    /// (`NonHuman`, `ServiceUser`) instead of a person. The default lists the
    /// words teams commonly put into the names of automation users.
    pub service_user_patterns: Vec<String>,

    /// Role-name prefixes whose sessions are always people, compared
    /// case-insensitively with the start of the role name. The default
    /// `AWSReservedSSO_` is the prefix IAM Identity Center gives every role it
    /// creates for a permission set, and those sessions are named after the
    /// signed-in user.
    pub person_role_patterns: Vec<String>,

    /// Name patterns that mark an IAM user or role as an AI agent. Checked
    /// before the service-account patterns, so `deploy-agent` is an agent.
    /// The default lists words that agent frameworks and teams put into the
    /// names of agent identities.
    pub ai_agent_patterns: Vec<String>,
}

/// 1 MiB: four times CloudTrail's 256 KB limit per event.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1024 * 1024;

const DEFAULT_SERVICE_USER_PATTERNS: &[&str] = &[
    "svc",
    "service",
    "bot",
    "ci-",
    "cicd",
    "deploy",
    "terraform",
    "automation",
    "jenkins",
    "github",
    "gitlab",
    "pipeline",
    "app-",
    "api-",
    "sa-",
    "robot",
    "integration",
    "system",
];

const DEFAULT_PERSON_ROLE_PATTERNS: &[&str] = &["AWSReservedSSO_"];

const DEFAULT_AI_AGENT_PATTERNS: &[&str] = &["agent", "bedrock-agent", "llm", "copilot", "gpt"];

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            service_user_patterns: to_strings(DEFAULT_SERVICE_USER_PATTERNS),
            person_role_patterns: to_strings(DEFAULT_PERSON_ROLE_PATTERNS),
            ai_agent_patterns: to_strings(DEFAULT_AI_AGENT_PATTERNS),
        }
    }
}

fn to_strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_keys_take_defaults() {
        let config: DecoderConfig =
            serde_json::from_str(r#"{"max_record_bytes": 2048}"#).expect("valid config");
        assert_eq!(config.max_record_bytes, 2048);
        assert_eq!(
            config.person_role_patterns,
            vec!["AWSReservedSSO_".to_owned()]
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let result = serde_json::from_str::<DecoderConfig>(r#"{"max_record_size": 2048}"#);
        assert!(result.is_err());
    }
}
