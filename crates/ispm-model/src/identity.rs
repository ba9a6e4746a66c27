use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Canonical identity id, stable across sessions and sources, for example
/// `aws:123456789012:user/alice`, `aws:123456789012:role/deploy-bot`,
/// `aws:123456789012:root` or `aws:person/jane@example.com`.
///
/// Cheap to clone: the engine keeps one per event in flight and one per
/// identity in state.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdentityId(Arc<str>);

impl IdentityId {
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        IdentityId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdentityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for IdentityId {
    fn from(value: &str) -> Self {
        IdentityId::new(value)
    }
}

/// The kind of actor behind an identity: a person, a workload or the account root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Human,
    NonHuman,
    Root,
    /// An AI agent, a non-human identity that acts on its own decisions.
    /// Recognised by configured name patterns or tags.
    AiAgent,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Human => "human",
            IdentityKind::NonHuman => "non_human",
            IdentityKind::Root => "root",
            IdentityKind::AiAgent => "ai_agent",
        }
    }

    /// True for every kind that is not a person: workloads, services and agents.
    pub fn is_non_human(self) -> bool {
        matches!(self, IdentityKind::NonHuman | IdentityKind::AiAgent)
    }
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of non-human identity, when the source records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NhiType {
    /// An IAM role used by a workload or tool.
    Role,
    /// A role session of a compute workload (EC2 instance, Lambda function, ECS task).
    Workload,
    /// An IAM user whose name or usage marks it as a service account.
    ServiceUser,
    /// An AWS service acting on its own or for a caller.
    AwsService,
    /// Another AWS account acting as a principal.
    Account,
    /// A federated user session made by GetFederationToken.
    FederatedUser,
}
