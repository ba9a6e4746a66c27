//! Classification of IAM users named by snapshots, with the same name
//! patterns as their CloudTrail events, so that a service user known only
//! from a credential report is already non-human.

use ispm_model::{IdentityKind, IdentitySnapshot, NhiType};

use super::CloudTrailDecoder;

impl CloudTrailDecoder {
    /// Sets the kind of an IAM user snapshot that states none, from the
    /// configured AI-agent and service-user name patterns; other snapshots
    /// are left as they are.
    pub fn classify_snapshot(&self, snapshot: &mut IdentitySnapshot) {
        if snapshot.kind.is_some() || !snapshot.identity.as_str().contains(":user/") {
            return;
        }
        let name = snapshot.name.as_str();
        let patterns = &self.patterns;
        let (kind, nhi_type, reason) =
            if let Some(pattern) = patterns.ai_agent.find_word_start(name) {
                (
                    IdentityKind::AiAgent,
                    Some(NhiType::ServiceUser),
                    format!("IAM user name matches AI-agent pattern {pattern:?}"),
                )
            } else if let Some(pattern) = patterns.service_user.find_word_start(name) {
                (
                    IdentityKind::NonHuman,
                    Some(NhiType::ServiceUser),
                    format!("IAM user name matches service-account pattern {pattern:?}"),
                )
            } else {
                (
                    IdentityKind::Human,
                    None,
                    "IAM user with no service-account naming pattern".to_owned(),
                )
            };
        snapshot.kind = Some(kind);
        snapshot.nhi_type = nhi_type;
        snapshot.kind_reason = Some(reason);
    }
}
