//! Reading IAM policy documents as far as the detectors need: does a policy
//! grant admin rights, and whom does a role trust policy let in.

use serde::Deserialize;

use crate::payload::OneOrMany;

#[derive(Debug, Deserialize)]
struct PolicyDocument {
    #[serde(rename = "Statement", default)]
    statement: Statements,
}

#[derive(Debug, Deserialize, Default)]
#[serde(untagged)]
enum Statements {
    Many(Vec<Statement>),
    One(Statement),
    #[default]
    None,
}

impl Statements {
    fn iter(&self) -> Box<dyn Iterator<Item = &Statement> + '_> {
        match self {
            Statements::Many(statements) => Box::new(statements.iter()),
            Statements::One(statement) => Box::new(std::iter::once(statement)),
            Statements::None => Box::new(std::iter::empty()),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Statement {
    #[serde(rename = "Effect", default)]
    effect: String,
    #[serde(rename = "Action", default)]
    action: OneOrMany,
    #[serde(rename = "Resource", default)]
    resource: OneOrMany,
    #[serde(rename = "Principal", default)]
    principal: Option<Principal>,
    #[serde(rename = "Condition", default)]
    condition: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Principal {
    Wildcard(String),
    Map {
        #[serde(rename = "AWS", default)]
        aws: OneOrMany,
    },
}

fn parse(document: &str) -> Option<PolicyDocument> {
    serde_json::from_str(document).ok()
}

/// True when an Allow statement grants every action, or every IAM action, on
/// every resource.
pub(crate) fn grants_admin(document: &str) -> bool {
    let Some(policy) = parse(document) else {
        return false;
    };
    policy.statement.iter().any(|statement| {
        statement.effect.eq_ignore_ascii_case("allow")
            && statement
                .action
                .values()
                .iter()
                .any(|action| matches!(*action, "*" | "*:*" | "iam:*"))
            && statement.resource.values().contains(&"*")
    })
}

/// A principal outside the role's own account that a trust policy admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForeignPrincipal {
    pub principal: String,
    /// True when a Condition block narrows the grant (e.g. an external id).
    pub conditioned: bool,
}

/// Lists the AWS principals a trust policy admits that are anyone (`*`) or
/// belong to an account other than `own_account`.
pub(crate) fn foreign_principals(
    document: &str,
    own_account: Option<&str>,
) -> Vec<ForeignPrincipal> {
    let Some(policy) = parse(document) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for statement in policy.statement.iter() {
        if !statement.effect.eq_ignore_ascii_case("allow") {
            continue;
        }
        let principals: Vec<String> = match &statement.principal {
            Some(Principal::Wildcard(value)) => vec![value.clone()],
            Some(Principal::Map { aws }) => aws.values().into_iter().map(str::to_owned).collect(),
            None => Vec::new(),
        };
        for principal in principals {
            if is_foreign(&principal, own_account) {
                found.push(ForeignPrincipal {
                    principal,
                    conditioned: statement.condition.is_some(),
                });
            }
        }
    }
    found
}

fn is_foreign(principal: &str, own_account: Option<&str>) -> bool {
    if principal == "*" {
        return true;
    }
    let account = account_of_principal(principal);
    match (account, own_account) {
        (Some(account), Some(own)) => account != own,
        // Without the role's account nothing can be called foreign.
        _ => false,
    }
}

/// The account id in `arn:aws:iam::123456789012:root` or a bare account id.
fn account_of_principal(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Some(principal);
    }
    principal
        .split(':')
        .nth(4)
        .filter(|account| !account.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_policy_document_is_recognised() {
        let admin = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let narrow = r#"{"Statement":{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}}"#;
        assert!(grants_admin(admin));
        assert!(!grants_admin(narrow));
        assert!(!grants_admin("not json"));
    }

    #[test]
    fn trust_policy_for_other_account_is_foreign() {
        let trust = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::193672423079:root"},"Action":"sts:AssumeRole"}]}"#;
        let found = foreign_principals(trust, Some("751203476945"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].principal, "arn:aws:iam::193672423079:root");
        assert!(foreign_principals(trust, Some("193672423079")).is_empty());
    }

    #[test]
    fn wildcard_principal_is_foreign() {
        let trust =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#;
        assert_eq!(foreign_principals(trust, None).len(), 1);
    }
}
