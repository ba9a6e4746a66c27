//! `userIdentity` to canonical [`Actor`]. The id rules are a public contract,
//! listed in the crate documentation; keep the two in step.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

use ispm_model::{Actor, CompactString, IdentityId, IdentityKind, NhiType};

use self::id_cache::{UserClass, identity_id, user_id_and_class};
use super::origin::is_aws_service;
use super::record::{UserIdentity, present};
use super::text::{Part, concat};
use crate::patterns::NamePatterns;

/// The configured name patterns the attribution uses.
#[derive(Clone, Debug)]
pub(super) struct IdentityPatterns {
    pub service_user: NamePatterns,
    pub person_role: NamePatterns,
    pub ai_agent: NamePatterns,
    /// Distinguishes these patterns from those of other decoders, for the
    /// classifications the per-thread id cache keeps. Clones share it.
    pub generation: u64,
}

impl IdentityPatterns {
    pub fn new(
        service_user: NamePatterns,
        person_role: NamePatterns,
        ai_agent: NamePatterns,
    ) -> Self {
        static NEXT_GENERATION: AtomicU64 = AtomicU64::new(0);
        IdentityPatterns {
            service_user,
            person_role,
            ai_agent,
            generation: NEXT_GENERATION.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// Record fields outside `userIdentity` that attribution needs.
#[derive(Clone, Copy, Default)]
pub(super) struct RecordContext<'r> {
    pub recipient_account: Option<&'r str>,
    pub event_source: Option<&'r str>,
    pub source_ip_address: Option<&'r str>,
    pub user_agent: Option<&'r str>,
    /// Record-level `sourceIdentity`, used when the session context has none.
    pub source_identity: Option<&'r str>,
}

const ANONYMOUS_PRINCIPAL: &str = "ANONYMOUS_PRINCIPAL";
const LAMBDA_SERVICE: &str = "lambda.amazonaws.com";
/// Prefix IAM gives every service-linked role name.
const SERVICE_LINKED_ROLE_PREFIX: &str = "AWSServiceRoleFor";
/// Path of every service-linked role.
const SERVICE_LINKED_ROLE_PATH: &str = ":role/aws-service-role/";
/// Prefix of the role-name patterns that IAM Identity Center gives roles made
/// for permission sets.
const SSO_ROLE_PREFIX: &str = "AWSReservedSSO_";

/// Attributes a record to its canonical identity.
pub(super) fn attribute(
    identity: Option<&UserIdentity<'_>>,
    context: &RecordContext<'_>,
    patterns: &IdentityPatterns,
) -> Actor {
    let Some(identity) = identity else {
        return unattributed(context);
    };

    let facts = IdentityFacts::new(identity, context);
    // Each rule returns the finished actor, so it is written once, into
    // the caller's memory. Setting fields here afterwards cost a copy of the
    // whole actor, 264 bytes, per record.
    match facts.principal_type {
        "IAMUser" => iam_user(&facts, patterns),
        "Root" => root(&facts, context),
        "AssumedRole" => assumed_role(&facts, context, patterns),
        "FederatedUser" => federated_user(&facts),
        "AWSService" => aws_service(&facts, context),
        "AWSAccount" => aws_account(&facts),
        "IdentityCenterUser" => identity_center_user(&facts),
        "Unknown" if identity.on_behalf_of.is_some() || facts.user_name.is_some() => {
            identity_center_user(&facts)
        }
        "SAMLUser" => saml_user(&facts),
        "WebIdentityUser" => web_identity_user(&facts),
        "" if facts.invoked_by.is_some() => aws_service(&facts, context),
        _ => unknown_principal(&facts),
    }
}

/// Returns the actor of a record without `userIdentity`.
fn unattributed(context: &RecordContext<'_>) -> Actor {
    let account = context.recipient_account.unwrap_or("unknown");
    Actor {
        id: identity_id(&[
            Part::Plain("aws:"),
            Part::Plain(account),
            Part::Plain(":unattributed"),
        ]),
        name: CompactString::const_new("unattributed"),
        kind: IdentityKind::NonHuman,
        nhi_type: Some(NhiType::AwsService),
        kind_reason: CompactString::const_new("record has no userIdentity (AWS service event)"),
        account: context.recipient_account.map(CompactString::from),
        principal_type: CompactString::default(),
        arn: None,
        via_role: None,
        session_name: None,
        source_identity: None,
        access_key_id: None,
        mfa_authenticated: None,
        invoked_by: None,
    }
}

/// The `userIdentity` values every attribution rule reads, with fallbacks
/// applied and empty strings dropped.
struct IdentityFacts<'i> {
    identity: &'i UserIdentity<'i>,
    /// `type`, or `""` when missing.
    principal_type: &'i str,
    arn: Option<&'i str>,
    /// `accountId`, else the session issuer's account, else the account in
    /// the ARN, else `recipientAccountId`.
    account: Option<&'i str>,
    user_name: Option<&'i str>,
    principal_id: Option<&'i str>,
    invoked_by: Option<&'i str>,
    access_key_id: Option<&'i str>,
    mfa_authenticated: Option<bool>,
}

impl<'i> IdentityFacts<'i> {
    fn new(identity: &'i UserIdentity<'i>, context: &RecordContext<'i>) -> Self {
        let arn = present(&identity.arn);
        let issuer_account = identity
            .session_context
            .as_ref()
            .and_then(|session| session.session_issuer.as_ref())
            .and_then(|issuer| present(&issuer.account_id));
        let account = present(&identity.account_id)
            .filter(|account| *account != ANONYMOUS_PRINCIPAL)
            .or(issuer_account)
            .or_else(|| arn.and_then(arn_account))
            .or(context.recipient_account);
        let mfa_authenticated = identity
            .session_context
            .as_ref()
            .and_then(|session| session.attributes.as_ref())
            .and_then(|attributes| attributes.mfa_authenticated)
            .map(|flag| flag.0);
        IdentityFacts {
            identity,
            principal_type: present(&identity.principal_type).unwrap_or(""),
            arn,
            account,
            user_name: present(&identity.user_name),
            principal_id: present(&identity.principal_id),
            invoked_by: present(&identity.invoked_by),
            access_key_id: present(&identity.access_key_id),
            mfa_authenticated,
        }
    }

    fn account_or_unknown(&self) -> &'i str {
        self.account.unwrap_or("unknown")
    }

    fn session_issuer_arn(&self) -> Option<&'i str> {
        self.identity
            .session_context
            .as_ref()
            .and_then(|session| session.session_issuer.as_ref())
            .and_then(|issuer| present(&issuer.arn))
    }

    fn session_issuer_name(&self) -> Option<&'i str> {
        self.identity
            .session_context
            .as_ref()
            .and_then(|session| session.session_issuer.as_ref())
            .and_then(|issuer| present(&issuer.user_name))
    }
}

fn iam_user(facts: &IdentityFacts<'_>, patterns: &IdentityPatterns) -> Actor {
    let name = facts
        .user_name
        .or_else(|| facts.arn.and_then(last_path_segment))
        .or(facts.principal_id)
        .unwrap_or("unknown");
    let (id, class) = user_id_and_class(
        &[
            Part::Plain("aws:"),
            Part::Plain(facts.account_or_unknown()),
            Part::Plain(":user/"),
            Part::Plain(name),
        ],
        patterns.generation,
        || classify_user(name, patterns),
    );
    new_actor(
        facts,
        id,
        name,
        class.kind,
        class.nhi_type,
        class.reason,
        ActorExtras::in_account(facts.account),
    )
}

/// Classifies an IAM user by its name.
fn classify_user(name: &str, patterns: &IdentityPatterns) -> UserClass {
    let (kind, nhi_type, reason) = if let Some(pattern) = patterns.ai_agent.find_word_start(name) {
        (
            IdentityKind::AiAgent,
            Some(NhiType::ServiceUser),
            concat(&[
                Part::Plain("IAM user name matches AI-agent pattern "),
                Part::Quoted(pattern),
            ]),
        )
    } else if let Some(pattern) = patterns.service_user.find_word_start(name) {
        (
            IdentityKind::NonHuman,
            Some(NhiType::ServiceUser),
            concat(&[
                Part::Plain("IAM user name matches service-account pattern "),
                Part::Quoted(pattern),
            ]),
        )
    } else {
        (
            IdentityKind::Human,
            None,
            CompactString::const_new("IAM user with no service-account naming pattern"),
        )
    };
    UserClass {
        kind,
        nhi_type,
        reason,
    }
}

fn root(facts: &IdentityFacts<'_>, context: &RecordContext<'_>) -> Actor {
    let id = identity_id(&[
        Part::Plain("aws:"),
        Part::Plain(facts.account_or_unknown()),
        Part::Plain(":root"),
    ]);
    // AWS Support and other services act as root with the service as the
    // source; that is not a person signing in as root.
    let service = facts.invoked_by.or(context
        .source_ip_address
        .filter(|source| is_aws_service(source)));
    let reason = match service {
        Some(service) => concat(&[
            Part::Plain("account root user, call made on its behalf by AWS service "),
            Part::Plain(service),
        ]),
        None => CompactString::const_new("account root user"),
    };
    let extras = ActorExtras {
        invoked_by: service,
        ..ActorExtras::in_account(facts.account)
    };
    new_actor(facts, id, "root", IdentityKind::Root, None, reason, extras)
}

fn assumed_role(
    facts: &IdentityFacts<'_>,
    context: &RecordContext<'_>,
    patterns: &IdentityPatterns,
) -> Actor {
    let (arn_role, arn_session) = facts.arn.and_then(parse_assumed_role_arn).unzip();
    let role_name = facts
        .session_issuer_name()
        .or(arn_role)
        .unwrap_or("unknown");
    let session_name = arn_session.or_else(|| {
        facts
            .principal_id
            .and_then(|principal| principal.split_once(':'))
            .map(|(_, session)| session)
    });
    let account = facts.account_or_unknown();
    let role_arn = facts.session_issuer_arn().map_or_else(
        || {
            Cow::Owned(String::from(concat(&[
                Part::Plain("arn:"),
                Part::Plain(arn_partition(facts.arn)),
                Part::Plain(":iam::"),
                Part::Plain(account),
                Part::Plain(":role/"),
                Part::Plain(role_name),
            ])))
        },
        Cow::Borrowed,
    );
    let session_context = facts.identity.session_context.as_ref();
    let source_identity = session_context
        .and_then(|session| present(&session.source_identity))
        .or(context.source_identity);

    let extras = ActorExtras {
        session_name,
        source_identity,
        ..ActorExtras::in_account(facts.account)
    };
    if let Some((person, reason)) =
        person_session(role_name, session_name, source_identity, patterns)
    {
        let id = identity_id(&[Part::Plain("aws:person/"), Part::Lowercase(person)]);
        let extras = ActorExtras {
            via_role: Some(&role_arn),
            ..extras
        };
        return new_actor(facts, id, person, IdentityKind::Human, None, reason, extras);
    }

    let session_label = session_name.unwrap_or("");
    let (kind, nhi_type, reason) = if is_service_linked_role(role_name, &role_arn) {
        let service = facts.invoked_by.unwrap_or("AWS");
        (
            IdentityKind::NonHuman,
            NhiType::AwsService,
            concat(&[
                Part::Plain("service-linked role "),
                Part::Plain(role_name),
                Part::Plain(" used by "),
                Part::Plain(service),
            ]),
        )
    } else if let Some(pattern) = patterns.ai_agent.find_word_start(role_name) {
        (
            IdentityKind::AiAgent,
            NhiType::Role,
            concat(&[
                Part::Plain("IAM role name matches AI-agent pattern "),
                Part::Quoted(pattern),
            ]),
        )
    } else if let Some(reason) = workload_reason(facts, context, session_label) {
        (IdentityKind::NonHuman, NhiType::Workload, reason)
    } else {
        (
            IdentityKind::NonHuman,
            NhiType::Role,
            concat(&[
                Part::Plain("IAM role session "),
                Part::Quoted(session_label),
                Part::Plain(" attributed to the role (workload or tool session name)"),
            ]),
        )
    };

    let id = identity_id(&[
        Part::Plain("aws:"),
        Part::Plain(account),
        Part::Plain(":role/"),
        Part::Plain(role_name),
    ]);
    new_actor(facts, id, role_name, kind, Some(nhi_type), reason, extras)
}

/// Returns the person behind a role session, with the reason, when the
/// record names one: by a person-role (SSO permission set), a
/// `sourceIdentity`, or a session named with an email address.
fn person_session<'s>(
    role_name: &str,
    session_name: Option<&'s str>,
    source_identity: Option<&'s str>,
    patterns: &IdentityPatterns,
) -> Option<(&'s str, CompactString)> {
    let (person, reason) = if let Some(pattern) = patterns.person_role.find_prefix(role_name) {
        let person = source_identity.or(session_name)?;
        let reason = if pattern.eq_ignore_ascii_case(SSO_ROLE_PREFIX) {
            concat(&[
                Part::Plain("session of SSO permission-set role "),
                Part::Plain(role_name),
                Part::Plain(" named "),
                Part::Plain(person),
            ])
        } else {
            concat(&[
                Part::Plain("session of role "),
                Part::Plain(role_name),
                Part::Plain(" (person-role pattern "),
                Part::Quoted(pattern),
                Part::Plain(") named "),
                Part::Plain(person),
            ])
        };
        (person, reason)
    } else if let Some(source_identity) = source_identity {
        (
            source_identity,
            concat(&[
                Part::Plain("session of role "),
                Part::Plain(role_name),
                Part::Plain(" with sourceIdentity "),
                Part::Plain(source_identity),
            ]),
        )
    } else {
        let session = session_name.filter(|session| looks_like_email(session))?;
        (
            session,
            concat(&[
                Part::Plain("session of role "),
                Part::Plain(role_name),
                Part::Plain(" named with the email address "),
                Part::Plain(session),
            ]),
        )
    };

    Some((person, reason))
}

/// Says why a role session is a compute workload, or returns `None`.
fn workload_reason(
    facts: &IdentityFacts<'_>,
    context: &RecordContext<'_>,
    session: &str,
) -> Option<CompactString> {
    if is_ec2_instance_id(session) {
        return Some(concat(&[
            Part::Plain("EC2 instance role session "),
            Part::Plain(session),
        ]));
    }
    let ec2_delivered = facts
        .identity
        .session_context
        .as_ref()
        .is_some_and(|session_context| session_context.ec2_role_delivery.is_some());
    if ec2_delivered {
        return Some(concat(&[
            Part::Plain("EC2 instance profile session "),
            Part::Quoted(session),
            Part::Plain(" (credentials delivered by the instance metadata service)"),
        ]));
    }
    if facts.invoked_by == Some(LAMBDA_SERVICE) {
        return Some(concat(&[
            Part::Plain("Lambda function session "),
            Part::Quoted(session),
            Part::Plain(" (invokedBy "),
            Part::Plain(LAMBDA_SERVICE),
            Part::Plain(")"),
        ]));
    }
    // The AWS SDKs add the runtime's AWS_EXECUTION_ENV to the user agent.
    let user_agent = context.user_agent.unwrap_or("");
    if user_agent.contains("exec-env/AWS_Lambda_") {
        return Some(concat(&[
            Part::Plain("Lambda function session "),
            Part::Quoted(session),
            Part::Plain(" (user agent names the Lambda runtime)"),
        ]));
    }
    if user_agent.contains("exec-env/AWS_ECS_") {
        return Some(concat(&[
            Part::Plain("ECS task session "),
            Part::Quoted(session),
            Part::Plain(" (user agent names the ECS runtime)"),
        ]));
    }
    None
}

fn federated_user(facts: &IdentityFacts<'_>) -> Actor {
    let name = facts
        .arn
        .and_then(|arn| split_once_at_colon(arn, ":federated-user/"))
        .map(|(_, name)| name)
        .or_else(|| {
            facts
                .principal_id
                .and_then(|principal| principal.split_once(':'))
                .map(|(_, name)| name)
        })
        .unwrap_or("unknown");
    let id = identity_id(&[
        Part::Plain("aws:"),
        Part::Plain(facts.account_or_unknown()),
        Part::Plain(":federated-user/"),
        Part::Plain(name),
    ]);
    // The session issuer of a federated user is the IAM user that called
    // GetFederationToken.
    let extras = ActorExtras {
        via_role: facts.session_issuer_arn(),
        ..ActorExtras::in_account(facts.account)
    };
    new_actor(
        facts,
        id,
        name,
        IdentityKind::NonHuman,
        Some(NhiType::FederatedUser),
        CompactString::const_new("federated user session from GetFederationToken"),
        extras,
    )
}

fn aws_service(facts: &IdentityFacts<'_>, context: &RecordContext<'_>) -> Actor {
    let service = facts
        .invoked_by
        .or(context.event_source)
        .unwrap_or("unknown");
    new_actor(
        facts,
        identity_id(&[Part::Plain("aws:service/"), Part::Plain(service)]),
        service,
        IdentityKind::NonHuman,
        Some(NhiType::AwsService),
        CompactString::const_new("AWS service acting on its own"),
        ActorExtras::in_account(facts.account),
    )
}

fn aws_account(facts: &IdentityFacts<'_>) -> Actor {
    let anonymous = facts.principal_id == Some(ANONYMOUS_PRINCIPAL)
        || present(&facts.identity.account_id) == Some(ANONYMOUS_PRINCIPAL);
    if anonymous {
        return new_actor(
            facts,
            identity_id(&[Part::Plain("aws:anonymous")]),
            "anonymous",
            IdentityKind::NonHuman,
            Some(NhiType::Account),
            CompactString::const_new("anonymous principal (unauthenticated request)"),
            ActorExtras::in_account(None),
        );
    }
    let account = facts.account_or_unknown();
    new_actor(
        facts,
        identity_id(&[
            Part::Plain("aws:"),
            Part::Plain(account),
            Part::Plain(":account"),
        ]),
        account,
        IdentityKind::NonHuman,
        Some(NhiType::Account),
        concat(&[
            Part::Plain("AWS account "),
            Part::Plain(account),
            Part::Plain(" acting as a principal"),
        ]),
        ActorExtras::in_account(facts.account),
    )
}

fn identity_center_user(facts: &IdentityFacts<'_>) -> Actor {
    let user_id = facts
        .identity
        .on_behalf_of
        .as_ref()
        .and_then(|on_behalf_of| present(&on_behalf_of.user_id));
    // NOTE: before 2025 these records carried userName, and now they carry the
    // identity-store user id. One person therefore gets two ids across that
    // change until a lookup from user id to user name is added.
    let (id, name) = match (facts.user_name, user_id) {
        (Some(user_name), _) => (
            identity_id(&[Part::Plain("aws:person/"), Part::Lowercase(user_name)]),
            user_name,
        ),
        (None, Some(user_id)) => (
            identity_id(&[Part::Plain("aws:person/"), Part::Plain(user_id)]),
            user_id,
        ),
        (None, None) => return unknown_principal(facts),
    };
    new_actor(
        facts,
        id,
        name,
        IdentityKind::Human,
        None,
        CompactString::const_new("IAM Identity Center user"),
        ActorExtras::in_account(facts.account),
    )
}

fn saml_user(facts: &IdentityFacts<'_>) -> Actor {
    let name = facts.user_name.or_else(|| {
        facts
            .principal_id
            .and_then(|principal| principal.rsplit_once(':'))
            .map(|(_, name)| name)
    });
    let Some(name) = name.filter(|name| !name.is_empty()) else {
        return unknown_principal(facts);
    };
    new_actor(
        facts,
        identity_id(&[Part::Plain("aws:person/"), Part::Lowercase(name)]),
        name,
        IdentityKind::Human,
        None,
        CompactString::const_new("SAML-federated user"),
        ActorExtras::in_account(facts.account),
    )
}

fn web_identity_user(facts: &IdentityFacts<'_>) -> Actor {
    let provider = present(&facts.identity.identity_provider).unwrap_or("unknown");
    let name = facts.user_name.or(facts.principal_id).unwrap_or("unknown");
    new_actor(
        facts,
        identity_id(&[
            Part::Plain("aws:"),
            Part::Plain(facts.account_or_unknown()),
            Part::Plain(":web-identity/"),
            Part::Plain(provider),
            Part::Plain("/"),
            Part::Plain(name),
        ]),
        name,
        IdentityKind::NonHuman,
        None,
        concat(&[
            Part::Plain("web identity federation user of provider "),
            Part::Plain(provider),
        ]),
        ActorExtras::in_account(facts.account),
    )
}

fn unknown_principal(facts: &IdentityFacts<'_>) -> Actor {
    let principal = facts.principal_id.or(facts.arn).unwrap_or("unknown");
    let reason = match present(&facts.identity.principal_type) {
        Some(principal_type) => concat(&[
            Part::Plain("unrecognised userIdentity.type "),
            Part::Quoted(principal_type),
        ]),
        None => CompactString::const_new("userIdentity has no type"),
    };
    new_actor(
        facts,
        identity_id(&[
            Part::Plain("aws:"),
            Part::Plain(facts.account_or_unknown()),
            Part::Plain(":principal/"),
            Part::Plain(principal),
        ]),
        principal,
        IdentityKind::NonHuman,
        None,
        reason,
        ActorExtras::in_account(facts.account),
    )
}

/// Fields of an actor that only some rules set, and its account.
#[derive(Clone, Copy, Default)]
struct ActorExtras<'a> {
    account: Option<&'a str>,
    via_role: Option<&'a str>,
    session_name: Option<&'a str>,
    source_identity: Option<&'a str>,
    /// The service that made the call, when the rule determined it. `None`
    /// leaves the record's `invokedBy`.
    invoked_by: Option<&'a str>,
}

impl<'a> ActorExtras<'a> {
    fn in_account(account: Option<&'a str>) -> Self {
        ActorExtras {
            account,
            ..ActorExtras::default()
        }
    }
}

/// Builds the actor a rule decided on, with the `userIdentity` fields that
/// every actor of a record with one carries.
fn new_actor(
    facts: &IdentityFacts<'_>,
    id: IdentityId,
    name: &str,
    kind: IdentityKind,
    nhi_type: Option<NhiType>,
    kind_reason: CompactString,
    extras: ActorExtras<'_>,
) -> Actor {
    Actor {
        id,
        name: CompactString::from(name),
        kind,
        nhi_type,
        kind_reason,
        account: extras.account.map(CompactString::from),
        principal_type: CompactString::from(facts.principal_type),
        arn: facts.arn.map(CompactString::from),
        via_role: extras.via_role.map(CompactString::from),
        session_name: extras.session_name.map(CompactString::from),
        source_identity: extras.source_identity.map(CompactString::from),
        access_key_id: facts.access_key_id.map(CompactString::from),
        mfa_authenticated: facts.mfa_authenticated,
        invoked_by: extras
            .invoked_by
            .or(facts.invoked_by)
            .map(CompactString::from),
    }
}

/// Splits `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` into role and
/// session name.
fn parse_assumed_role_arn(arn: &str) -> Option<(&str, &str)> {
    let (_, path) = split_once_at_colon(arn, ":assumed-role/")?;
    path.split_once('/')
}

/// Returns what `text.split_once(needle)` returns, for a `needle` that starts
/// with `:`, by comparing the needle only where `text` has a colon. In a
/// short ARN this costs a fraction of setting up the string searcher that
/// `split_once` uses for a string needle, and it runs on every role event.
fn split_once_at_colon<'t>(text: &'t str, needle: &str) -> Option<(&'t str, &'t str)> {
    debug_assert!(needle.starts_with(':'));
    let bytes = text.as_bytes();
    let start = (0..bytes.len())
        .find(|&index| bytes[index] == b':' && bytes[index..].starts_with(needle.as_bytes()))?;
    Some((&text[..start], &text[start + needle.len()..]))
}

/// Returns the account field of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|account| !account.is_empty())
}

fn arn_partition(arn: Option<&str>) -> &str {
    arn.and_then(|arn| arn.split(':').nth(1))
        .filter(|partition| partition.starts_with("aws"))
        .unwrap_or("aws")
}

fn last_path_segment(arn: &str) -> Option<&str> {
    arn.rsplit_once('/')
        .map(|(_, last)| last)
        .filter(|last| !last.is_empty())
}

fn is_service_linked_role(role_name: &str, role_arn: &str) -> bool {
    role_name.starts_with(SERVICE_LINKED_ROLE_PREFIX) || role_arn.contains(SERVICE_LINKED_ROLE_PATH)
}

/// EC2 instance ids: `i-` and 8 (older) or 17 hex digits, any case (some
/// anonymised logs change the case).
fn is_ec2_instance_id(session: &str) -> bool {
    let Some(hex) = session.strip_prefix("i-") else {
        return false;
    };
    matches!(hex.len(), 8 | 17) && hex.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let Some((host, top_level)) = domain.rsplit_once('.') else {
        return false;
    };
    !local.is_empty()
        && !host.is_empty()
        && top_level.len() >= 2
        && !domain.contains('@')
        && !text.bytes().any(|byte| byte.is_ascii_whitespace())
}

mod id_cache;
#[cfg(test)]
mod tests;
