//! Report filters and the rules that match records against them.

use ispm_model::IdentityKind;
use serde::Serialize;

use crate::error::InvalidKind;

/// Narrows the report. Every field is optional and the set fields combine
/// with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Filters {
    /// AWS account id: keeps findings and identities of that account.
    pub account: Option<String>,
    /// Owner (team or person) as the inventory records it: keeps identities
    /// of that owner and their findings. Findings of identities without an
    /// inventory or posture record have no known owner and are dropped.
    pub owner: Option<String>,
    /// Keeps identities of this kind and their findings.
    pub kind: Option<IdentityKind>,
    /// Compliance framework such as `SOC 2`, `NIST 800-53` or `PCI DSS 4.0`:
    /// keeps findings that map to a control of that framework and limits
    /// the controls table to it. Case, spaces and hyphens are ignored.
    pub framework: Option<String>,
}

impl Filters {
    /// Returns true when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.account.is_none()
            && self.owner.is_none()
            && self.kind.is_none()
            && self.framework.is_none()
    }

    /// Returns true when an identity with these attributes passes the
    /// account, owner and kind filters.
    pub fn keeps_identity(
        &self,
        account: Option<&str>,
        owner: Option<&str>,
        kind: Option<IdentityKind>,
    ) -> bool {
        let account_ok = self
            .account
            .as_deref()
            .is_none_or(|wanted| account == Some(wanted));
        let owner_ok = self
            .owner
            .as_deref()
            .is_none_or(|wanted| owner == Some(wanted));
        let kind_ok = self.kind.is_none_or(|wanted| kind == Some(wanted));
        account_ok && owner_ok && kind_ok
    }

    /// Returns true when `framework` is the framework filter, or no
    /// framework filter is set.
    pub fn keeps_framework(&self, framework: &str) -> bool {
        self.framework
            .as_deref()
            .is_none_or(|wanted| same_framework(wanted, framework))
    }
}

/// Compares framework names ignoring case, spaces and hyphens, so `soc2`
/// matches `SOC 2` and `nist 800 53` matches `NIST 800-53`.
pub fn same_framework(left: &str, right: &str) -> bool {
    normalize_framework(left) == normalize_framework(right)
}

fn normalize_framework(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || *c == '.')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parses an identity kind as `--kind` takes it: the snake_case names of the
/// model (`human`, `non_human`, `root`, `ai_agent`), with `-` accepted for `_`.
pub fn parse_kind(text: &str) -> Result<IdentityKind, InvalidKind> {
    match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "human" => Ok(IdentityKind::Human),
        "non_human" => Ok(IdentityKind::NonHuman),
        "root" => Ok(IdentityKind::Root),
        "ai_agent" => Ok(IdentityKind::AiAgent),
        _ => Err(InvalidKind(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_names_ignore_case_and_spacing() {
        assert!(same_framework("soc2", "SOC 2"));
        assert!(same_framework("nist 800 53", "NIST 800-53"));
        assert!(same_framework("pci-dss-4.0", "PCI DSS 4.0"));
        assert!(!same_framework("SOC 2", "NIST 800-53"));
    }

    #[test]
    fn kind_parses_model_names() {
        assert_eq!(parse_kind("human"), Ok(IdentityKind::Human));
        assert_eq!(parse_kind("non_human"), Ok(IdentityKind::NonHuman));
        assert_eq!(parse_kind("non-human"), Ok(IdentityKind::NonHuman));
        assert_eq!(parse_kind("Root"), Ok(IdentityKind::Root));
        assert_eq!(parse_kind("ai-agent"), Ok(IdentityKind::AiAgent));
        assert!(parse_kind("robot").is_err());
    }

    #[test]
    fn identity_filters_combine_with_and() {
        let filters = Filters {
            account: Some("111".into()),
            kind: Some(IdentityKind::Human),
            ..Filters::default()
        };
        assert!(filters.keeps_identity(Some("111"), None, Some(IdentityKind::Human)));
        assert!(!filters.keeps_identity(Some("222"), None, Some(IdentityKind::Human)));
        assert!(!filters.keeps_identity(Some("111"), None, Some(IdentityKind::Root)));
        assert!(!filters.keeps_identity(None, None, Some(IdentityKind::Human)));
    }

    #[test]
    fn empty_filters_keep_everything() {
        let filters = Filters::default();
        assert!(filters.is_empty());
        assert!(filters.keeps_identity(None, None, None));
        assert!(filters.keeps_framework("anything"));
    }
}
