//! IAM ARNs to the canonical ids the CloudTrail decoder gives the same
//! identities, so snapshots and events merge into one state.

use ispm_model::{IdentityId, IdentityKind};

/// The account, kind and name in the ARN of an IAM user, role or account
/// root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IamPrincipal<'a> {
    pub account: &'a str,
    pub kind: IamPrincipalKind,
    /// The user or role name without its IAM path, or `root`.
    pub name: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IamPrincipalKind {
    Root,
    User,
    Role,
}

/// Description of the ARNs that [`parse_iam_arn`] accepts, for error
/// messages.
pub(crate) const EXPECTED_IAM_ARN: &str = "an IAM ARN such as arn:aws:iam::123456789012:user/alice, arn:aws:iam::123456789012:role/deploy or arn:aws:iam::123456789012:root";

/// Parses `arn:PARTITION:iam::ACCOUNT:RESOURCE` for the resources `root`,
/// `user/[PATH/]NAME` and `role/[PATH/]NAME`, or returns `None`.
///
/// The IAM path is dropped, as in the decoder: CloudTrail's `userName` and
/// role session issuer name carry no path, so `user/division/alice` and
/// `user/alice` are one identity.
pub(crate) fn parse_iam_arn(arn: &str) -> Option<IamPrincipal<'_>> {
    let mut parts = arn.splitn(6, ':');
    let prefix = parts.next()?;
    let partition = parts.next()?;
    let service = parts.next()?;
    let region = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    let valid_prefix = prefix == "arn" && partition.starts_with("aws") && service == "iam";
    if !valid_prefix || !region.is_empty() || account.is_empty() {
        return None;
    }

    if resource == "root" {
        return Some(IamPrincipal {
            account,
            kind: IamPrincipalKind::Root,
            name: "root",
        });
    }
    let (kind, path_and_name) = if let Some(rest) = resource.strip_prefix("user/") {
        (IamPrincipalKind::User, rest)
    } else if let Some(rest) = resource.strip_prefix("role/") {
        (IamPrincipalKind::Role, rest)
    } else {
        return None;
    };
    let name = path_and_name
        .rsplit_once('/')
        .map_or(path_and_name, |(_, name)| name);
    if name.is_empty() {
        return None;
    }
    Some(IamPrincipal {
        account,
        kind,
        name,
    })
}

impl IamPrincipal<'_> {
    /// Returns the canonical id: `aws:ACCOUNT:root`, `aws:ACCOUNT:user/NAME`
    /// or `aws:ACCOUNT:role/NAME`.
    pub(crate) fn identity_id(&self) -> IdentityId {
        let account = self.account;
        let name = self.name;
        IdentityId::new(match self.kind {
            IamPrincipalKind::Root => format!("aws:{account}:root"),
            IamPrincipalKind::User => format!("aws:{account}:user/{name}"),
            IamPrincipalKind::Role => format!("aws:{account}:role/{name}"),
        })
    }

    /// Returns the kind the ARN alone proves: root for the account root.
    /// Users and roles get `None`, because whether one is a person, a
    /// workload or an AI agent depends on names and usage that the engine
    /// weighs.
    pub(crate) fn known_kind(&self) -> Option<IdentityKind> {
        match self.kind {
            IamPrincipalKind::Root => Some(IdentityKind::Root),
            IamPrincipalKind::User | IamPrincipalKind::Role => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(arn: &str) -> Option<String> {
        parse_iam_arn(arn).map(|principal| principal.identity_id().as_str().to_owned())
    }

    #[test]
    fn user_path_is_dropped_as_in_decoder() {
        assert_eq!(
            id_of("arn:aws:iam::111122223333:user/division/bert-jan").as_deref(),
            Some("aws:111122223333:user/bert-jan")
        );
        assert_eq!(
            id_of("arn:aws:iam::1:user/alice").as_deref(),
            Some("aws:1:user/alice")
        );
    }

    #[test]
    fn role_and_root_ids_match_decoder() {
        assert_eq!(
            id_of("arn:aws:iam::123456789012:role/aws-service-role/AWSServiceRoleForSupport")
                .as_deref(),
            Some("aws:123456789012:role/AWSServiceRoleForSupport")
        );
        let root = parse_iam_arn("arn:aws-us-gov:iam::123456789012:root").expect("root ARN");
        assert_eq!(root.identity_id().as_str(), "aws:123456789012:root");
        assert_eq!(root.name, "root");
        assert_eq!(root.known_kind(), Some(IdentityKind::Root));
    }

    #[test]
    fn non_iam_arns_are_rejected() {
        for arn in [
            "",
            "alice",
            "arn:aws:iam::123456789012:user/",
            "arn:aws:iam::123456789012:group/admins",
            "arn:aws:iam:::user/alice",
            "arn:aws:sts::123456789012:assumed-role/deploy/session",
            "arn:aws:iam:us-east-1:123456789012:user/alice",
            "urn:aws:iam::123456789012:user/alice",
        ] {
            assert_eq!(parse_iam_arn(arn), None, "{arn:?} should be rejected");
        }
    }
}
