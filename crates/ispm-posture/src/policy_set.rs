//! The policies in force, built from the catalogue and the settings, and
//! their evaluation against one inventory record.

use std::fmt;

use ispm_model::{Attack, Control, EventTime, IdentityKind, InventoryRecord, Severity};

use crate::catalogue::{BUILTINS, BuiltinId, BuiltinPolicy};
use crate::checks::{self, Input};
use crate::condition::{Condition, Runtime};
use crate::config::PolicyConfig;
use crate::error::PolicyConfigError;
use crate::validate;

/// Every identity kind, for policies that apply to all of them.
pub(crate) const ALL_KINDS: [IdentityKind; 4] = [
    IdentityKind::Human,
    IdentityKind::NonHuman,
    IdentityKind::Root,
    IdentityKind::AiAgent,
];

/// One policy in force, as findings, documentation and summaries describe
/// it.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyInfo {
    pub id: String,
    pub title: String,
    /// Description of the check and its reason, with the configured
    /// thresholds.
    pub description: String,
    /// Severity after overrides.
    pub severity: Severity,
    pub remediation: String,
    pub controls: Vec<Control>,
    /// Identity kinds the policy is checked on; never empty.
    pub applies_to: Vec<IdentityKind>,
    pub builtin: bool,
    /// One line on what is checked, for the policy table.
    pub summary: String,
    /// Benchmarks and third-party rules the policy follows, such as
    /// `Panther AWS.AccessKey.Rotation`.
    pub references: Vec<String>,
    /// MITRE ATT&CK techniques that exploit what the policy reports.
    pub attacks: Vec<Attack>,
    /// True for toxic combinations, which weigh extra in the risk score.
    pub toxic: bool,
}

/// The outcome of one policy on one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Index into [`PolicySet::policies`].
    pub policy: usize,
    pub violated: bool,
    /// The values the outcome rests on, such as "access key AKIA... last
    /// rotated 2024-01-02, 412 days ago; limit 90 days".
    pub detail: String,
}

/// Outcomes of every enabled policy that applies to a record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub outcomes: Vec<Outcome>,
    /// The earliest event time after the evaluation time at which a built-in
    /// outcome flips if the record does not change: a key passing the
    /// rotation limit, an identity turning stale, a grace period ending.
    /// `None` when no outcome depends on time alone. Conditions of custom
    /// policies are not predicted, so a custom policy that reads `now` is
    /// only checked again when the record changes or another timer fires.
    pub next_check: Option<EventTime>,
}

impl Evaluation {
    /// Outcomes that report a violation.
    pub fn violations(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|outcome| outcome.violated)
    }
}

enum Rule {
    Builtin(BuiltinId),
    Custom {
        source: String,
        condition: Box<Condition>,
    },
}

/// The enabled policies, ready to evaluate records. Built once from the
/// settings and shared: evaluation takes `&self`.
pub struct PolicySet {
    config: PolicyConfig,
    policies: Vec<PolicyInfo>,
    rules: Vec<Rule>,
    runtime: Runtime,
}

impl fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self
            .policies
            .iter()
            .map(|policy| policy.id.as_str())
            .collect();
        f.debug_struct("PolicySet")
            .field("config", &self.config)
            .field("policies", &ids)
            .finish()
    }
}

impl PolicySet {
    /// Builds the policy set, or returns every invalid entry of the settings.
    pub fn new(config: &PolicyConfig) -> Result<PolicySet, Vec<PolicyConfigError>> {
        let runtime = Runtime::new();
        let custom = validate::validate(config, &runtime)?;

        let mut policies = Vec::new();
        let mut rules = Vec::new();
        for builtin in &BUILTINS {
            let info = builtin_info(builtin, config);
            if let Some(info) = apply_override(info, config) {
                policies.push(info);
                rules.push(Rule::Builtin(builtin.id));
            }
        }
        for (policy, condition) in config.custom.iter().zip(custom) {
            let applies_to = if policy.applies_to.is_empty() {
                ALL_KINDS.to_vec()
            } else {
                policy.applies_to.clone()
            };
            let info = PolicyInfo {
                id: policy.id.clone(),
                title: policy.title.clone(),
                description: policy.description.clone(),
                severity: policy.severity,
                remediation: policy.remediation.clone(),
                controls: policy
                    .controls
                    .iter()
                    .filter_map(|control| validate::parse_control(control))
                    .collect(),
                applies_to,
                builtin: false,
                summary: policy.title.clone(),
                references: Vec::new(),
                attacks: Vec::new(),
                toxic: false,
            };
            if let Some(info) = apply_override(info, config) {
                policies.push(info);
                rules.push(Rule::Custom {
                    source: policy.condition.clone(),
                    condition: Box::new(condition),
                });
            }
        }
        Ok(PolicySet {
            config: config.clone(),
            policies,
            rules,
            runtime,
        })
    }

    /// Returns the enabled policies: built-in ones in catalogue order, then
    /// custom ones in settings order. [`Outcome::policy`] indexes this slice.
    pub fn policies(&self) -> &[PolicyInfo] {
        &self.policies
    }

    /// Index of the enabled policy with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.policies.iter().position(|policy| policy.id == id)
    }

    /// Returns the settings the set was built from.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// Evaluates every enabled policy that applies to the record at event
    /// time `now`.
    ///
    /// A custom condition that fails on this record (for example by
    /// comparing a `null` time) gives no outcome: the policy counts as not
    /// applying, neither pass nor fail. `docs/policies.md` shows how to guard
    /// against `null`.
    pub fn evaluate(&self, record: &InventoryRecord, now: EventTime) -> Evaluation {
        let input = Input {
            record,
            now,
            config: &self.config,
        };
        let mut evaluation = Evaluation::default();
        let mut context = None;
        for (index, (policy, rule)) in self.policies.iter().zip(&self.rules).enumerate() {
            if !policy.applies_to.contains(&record.kind) {
                continue;
            }
            match rule {
                Rule::Builtin(id) => {
                    let Some(check) = checks::run(*id, &input) else {
                        continue;
                    };
                    if let Some(flips_at) = check.flips_at {
                        let next = evaluation.next_check.map_or(flips_at, |t| t.min(flips_at));
                        evaluation.next_check = Some(next);
                    }
                    evaluation.outcomes.push(Outcome {
                        policy: index,
                        violated: check.violated,
                        detail: check.detail,
                    });
                }
                Rule::Custom { source, condition } => {
                    let context = context.get_or_insert_with(|| self.runtime.bind(record, now));
                    let Ok(context) = context else {
                        continue;
                    };
                    let Ok(violated) = condition.evaluate(context) else {
                        continue;
                    };
                    let detail = if violated {
                        format!("condition holds: {source}")
                    } else {
                        format!("condition does not hold: {source}")
                    };
                    evaluation.outcomes.push(Outcome {
                        policy: index,
                        violated,
                        detail,
                    });
                }
            }
        }
        evaluation
    }
}

fn builtin_info(builtin: &BuiltinPolicy, config: &PolicyConfig) -> PolicyInfo {
    PolicyInfo {
        id: builtin.name.to_owned(),
        title: builtin.title.to_owned(),
        description: fill(builtin.description, config),
        severity: builtin.severity,
        remediation: builtin.remediation.to_owned(),
        controls: builtin
            .controls
            .iter()
            .map(|(framework, id)| Control {
                framework: (*framework).to_owned(),
                id: (*id).to_owned(),
            })
            .collect(),
        applies_to: builtin.applies_to.to_vec(),
        builtin: true,
        summary: fill(builtin.summary, config),
        references: builtin
            .references
            .iter()
            .map(|reference| (*reference).to_owned())
            .collect(),
        attacks: builtin.attacks.to_vec(),
        toxic: builtin.toxic,
    }
}

/// Applies the override of a policy; `None` when it switches the policy off.
fn apply_override(mut info: PolicyInfo, config: &PolicyConfig) -> Option<PolicyInfo> {
    let Some(change) = config.overrides.get(&info.id) else {
        return Some(info);
    };
    if change.enabled == Some(false) {
        return None;
    }
    if let Some(severity) = change.severity {
        info.severity = severity;
    }
    Some(info)
}

/// Replaces `{threshold}` placeholders of catalogue texts with the
/// configured values.
fn fill(template: &str, config: &PolicyConfig) -> String {
    let values = [
        ("{key_rotation_days}", config.key_rotation_days),
        ("{key_unused_days}", config.key_unused_days),
        ("{new_key_grace_days}", config.new_key_grace_days),
        ("{password_unused_days}", config.password_unused_days),
        ("{inactive_days}", config.inactive_days),
        ("{root_used_days}", config.root_used_days),
        (
            "{key_at_creation_window_seconds}",
            config.key_at_creation_window_seconds,
        ),
    ];
    let mut text = template.to_owned();
    for (placeholder, value) in values {
        text = text.replace(placeholder, &value.to_string());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_texts_have_no_unfilled_placeholder() {
        let set = PolicySet::new(&PolicyConfig::default()).expect("defaults are valid");
        for policy in set.policies() {
            for text in [&policy.description, &policy.summary] {
                assert!(!text.contains("{"), "{}: {text}", policy.id);
            }
        }
    }

    #[test]
    fn thresholds_appear_in_descriptions() {
        let config = PolicyConfig {
            key_rotation_days: 45,
            ..PolicyConfig::default()
        };
        let set = PolicySet::new(&config).expect("valid");
        let index = set.index_of("access_key_not_rotated").expect("enabled");
        assert!(set.policies()[index].description.contains("45 days"));
    }
}
