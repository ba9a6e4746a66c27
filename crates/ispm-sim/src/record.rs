//! A resolved event ([`EventSpec`]) and its rendering as a CloudTrail record
//! with the field names, order and nesting of records that AWS delivers.

use std::net::Ipv4Addr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::Value;

use crate::api::{Api, Category};
use crate::clock;
use crate::ids;
use crate::net::Region;
use crate::params::{self, Scope};
use crate::random::chance;

/// An assumed-role session as `userIdentity` shows it.
#[derive(Clone, Debug)]
pub(crate) struct RoleSession {
    pub account: String,
    pub role_name: String,
    /// IAM path of the role without slashes at the ends, e.g.
    /// `aws-reserved/sso.amazonaws.com`; empty for `/`.
    pub role_path: &'static str,
    /// The role's unique id, `AROA...`.
    pub role_id: String,
    pub session_name: String,
    pub access_key: String,
    pub created_ms: i64,
    pub mfa: bool,
    /// Credentials delivered by the EC2 instance metadata service.
    pub ec2_delivery: bool,
    /// OIDC provider ARN of a session from `AssumeRoleWithWebIdentity`.
    pub web_identity_provider: Option<String>,
}

impl RoleSession {
    pub(crate) fn role_arn(&self) -> String {
        if self.role_path.is_empty() {
            format!("arn:aws:iam::{}:role/{}", self.account, self.role_name)
        } else {
            format!(
                "arn:aws:iam::{}:role/{}/{}",
                self.account, self.role_path, self.role_name
            )
        }
    }

    pub(crate) fn session_arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account, self.role_name, self.session_name
        )
    }
}

/// The caller of an event.
#[derive(Clone, Debug)]
pub(crate) enum Principal {
    IamUser {
        account: String,
        user_name: String,
        /// The user's unique id, `AIDA...`.
        user_id: String,
        /// `AKIA...` for long-term keys, `ASIA...` for console sessions;
        /// `None` on sign-in events.
        access_key: Option<String>,
        /// Creation time of a console session.
        console_session: Option<i64>,
    },
    AssumedRole(RoleSession),
    /// The caller of `AssumeRoleWithWebIdentity`.
    WebIdentity {
        /// ARN of the OIDC provider.
        provider: String,
        /// The token's `sub` claim.
        subject: String,
    },
    Root {
        account: String,
        /// Key and creation time of a console session signed in with MFA;
        /// `None` on the sign-in itself.
        console_session: Option<(String, i64)>,
    },
    AwsService {
        service: &'static str,
    },
}

impl Principal {
    /// Returns the ARN an AccessDenied message names.
    pub(crate) fn arn(&self) -> String {
        match self {
            Principal::IamUser {
                account, user_name, ..
            } => format!("arn:aws:iam::{account}:user/{user_name}"),
            Principal::AssumedRole(session) => session.session_arn(),
            Principal::WebIdentity { provider, .. } => provider.clone(),
            Principal::Root { account, .. } => format!("arn:aws:iam::{account}:root"),
            Principal::AwsService { service } => (*service).to_owned(),
        }
    }
}

/// Source of a call.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    Address(Ipv4Addr),
    /// An AWS service principal, e.g. `lambda.amazonaws.com`.
    Service(&'static str),
    /// A call the console's back end made, shown as `AWS Internal`.
    AwsInternal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    /// Rejected for lack of permission.
    Denied,
    /// A console sign-in with a wrong password.
    LoginFailure,
}

/// One event, resolved down to every value its record shows except the
/// random ids and the default payloads, which [`render`] draws.
#[derive(Clone, Debug)]
pub(crate) struct EventSpec {
    pub time_ms: i64,
    /// `recipientAccountId`.
    pub account: String,
    /// Region the caller used; global services are recorded in us-east-1.
    pub region: Region,
    pub api: Api,
    pub principal: Principal,
    pub source: Source,
    pub user_agent: String,
    pub outcome: Outcome,
    pub scope: Scope,
    /// Replaces the default `requestParameters`.
    pub request: Option<Value>,
    /// Replaces the default `responseElements`.
    pub response: Option<Value>,
    /// Replaces the default `additionalEventData`.
    pub additional: Option<Value>,
    /// Marks calls made with a console session.
    pub from_console: bool,
    /// Set for scenario events, whose ids the labels list in advance.
    pub event_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    event_version: &'static str,
    user_identity: UserIdentity<'a>,
    event_time: String,
    event_source: &'static str,
    event_name: &'static str,
    aws_region: &'static str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: String,
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    request_parameters: Value,
    response_elements: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_event_data: Option<Value>,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(rename = "eventID")]
    event_id: String,
    read_only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<params::Resource>,
    event_type: &'static str,
    management_event: bool,
    recipient_account_id: &'a str,
    event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<TlsDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_credential_from_console: Option<&'static str>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(rename = "type")]
    principal_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_context: Option<SessionContext<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoked_by: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_provider: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionContext<'a> {
    session_issuer: SessionIssuer<'a>,
    web_id_federation_data: WebIdFederationData<'a>,
    attributes: SessionAttributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    ec2_role_delivery: Option<&'static str>,
}

/// `sessionIssuer`: the role of an assumed-role session; `{}` for IAM user
/// console sessions.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct SessionIssuer<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    issuer_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct WebIdFederationData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    federated_provider: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionAttributes {
    creation_date: String,
    mfa_authenticated: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TlsDetails {
    tls_version: &'static str,
    cipher_suite: &'static str,
    client_provided_host_header: String,
}

fn flag(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

fn user_identity(principal: &Principal) -> UserIdentity<'_> {
    match principal {
        Principal::IamUser {
            account,
            user_name,
            user_id,
            access_key,
            console_session,
        } => UserIdentity {
            principal_type: "IAMUser",
            principal_id: Some(user_id.clone()),
            arn: Some(format!("arn:aws:iam::{account}:user/{user_name}")),
            account_id: Some(account),
            access_key_id: access_key.as_deref(),
            user_name: Some(user_name),
            session_context: console_session.map(|created_ms| SessionContext {
                session_issuer: SessionIssuer::default(),
                web_id_federation_data: WebIdFederationData::default(),
                attributes: SessionAttributes {
                    creation_date: clock::event_time(created_ms),
                    mfa_authenticated: "false",
                },
                ec2_role_delivery: None,
            }),
            ..UserIdentity::default()
        },
        Principal::AssumedRole(session) => {
            let federation = match &session.web_identity_provider {
                Some(provider) => WebIdFederationData {
                    federated_provider: Some(provider),
                    attributes: Some(Value::Object(serde_json::Map::new())),
                },
                None => WebIdFederationData::default(),
            };
            UserIdentity {
                principal_type: "AssumedRole",
                principal_id: Some(format!("{}:{}", session.role_id, session.session_name)),
                arn: Some(session.session_arn()),
                account_id: Some(&session.account),
                access_key_id: Some(&session.access_key),
                session_context: Some(SessionContext {
                    session_issuer: SessionIssuer {
                        issuer_type: Some("Role"),
                        principal_id: Some(&session.role_id),
                        arn: Some(session.role_arn()),
                        account_id: Some(&session.account),
                        user_name: Some(&session.role_name),
                    },
                    web_id_federation_data: federation,
                    attributes: SessionAttributes {
                        creation_date: clock::event_time(session.created_ms),
                        mfa_authenticated: flag(session.mfa),
                    },
                    ec2_role_delivery: session.ec2_delivery.then_some("2.0"),
                }),
                ..UserIdentity::default()
            }
        }
        Principal::WebIdentity { provider, subject } => UserIdentity {
            principal_type: "WebIdentityUser",
            principal_id: Some(format!("{provider}:sts.amazonaws.com:{subject}")),
            user_name: Some(subject),
            identity_provider: Some(provider),
            ..UserIdentity::default()
        },
        Principal::Root {
            account,
            console_session,
        } => UserIdentity {
            principal_type: "Root",
            principal_id: Some(account.clone()),
            arn: Some(format!("arn:aws:iam::{account}:root")),
            account_id: Some(account),
            access_key_id: Some(console_session.as_ref().map_or("", |(key, _)| key.as_str())),
            session_context: console_session
                .as_ref()
                .map(|(_, created_ms)| SessionContext {
                    session_issuer: SessionIssuer::default(),
                    web_id_federation_data: WebIdFederationData::default(),
                    attributes: SessionAttributes {
                        creation_date: clock::event_time(*created_ms),
                        mfa_authenticated: "true",
                    },
                    ec2_role_delivery: None,
                }),
            ..UserIdentity::default()
        },
        Principal::AwsService { service } => UserIdentity {
            principal_type: "AWSService",
            invoked_by: Some(service),
            ..UserIdentity::default()
        },
    }
}

/// Returns the IAM action name of an API, e.g. `lambda:UpdateFunctionCode`.
fn iam_action(api: Api) -> String {
    let spec = api.spec();
    let prefix = match spec.service {
        "monitoring" => "cloudwatch",
        "tagging" => "tag",
        service => service,
    };
    let name = spec
        .name
        .trim_end_matches(|character: char| character.is_ascii_digit() || character == 'v');
    format!("{prefix}:{name}")
}

/// `errorCode` and `errorMessage` of a denied call, in each service's style.
fn denial(spec: &EventSpec) -> (&'static str, String) {
    let action = iam_action(spec.api);
    let caller = spec.principal.arn();
    match spec.api.spec().service {
        "ec2" => (
            "Client.UnauthorizedOperation",
            format!(
                "You are not authorized to perform this operation. User: {caller} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
            ),
        ),
        "s3" => ("AccessDenied", "Access Denied".to_owned()),
        "lambda" | "bedrock" | "kms" | "logs" | "monitoring" => (
            "AccessDeniedException",
            format!(
                "User: {caller} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
            ),
        ),
        _ => (
            "AccessDenied",
            format!(
                "User: {caller} is not authorized to perform: {action} on resource: {} because no identity-based policy allows the {action} action",
                params::denied_resource(spec)
            ),
        ),
    }
}

/// Renders an event as one CloudTrail record in JSON.
pub(crate) fn render(spec: &EventSpec, rng: &mut ChaCha8Rng) -> Result<String, serde_json::Error> {
    let api_spec = spec.api.spec();
    let region = if spec.api.is_global() {
        Region::UsEast1
    } else {
        spec.region
    };
    let event_id = match &spec.event_id {
        Some(id) => id.clone(),
        None => ids::uuid(rng),
    };
    let is_login = spec.api == Api::ConsoleLogin;
    let (error_code, error_message) = match spec.outcome {
        Outcome::Success => (None, None),
        Outcome::Denied => {
            let (code, message) = denial(spec);
            (Some(code), Some(message))
        }
        Outcome::LoginFailure => (None, Some("Failed authentication".to_owned())),
    };
    let succeeded = spec.outcome == Outcome::Success;

    let payload = params::payload(spec, region, rng);
    let request_parameters = if spec.outcome == Outcome::Denied {
        Value::Null
    } else {
        spec.request.clone().unwrap_or(payload.request)
    };
    let response_elements = match spec.outcome {
        Outcome::Denied => Value::Null,
        Outcome::LoginFailure => serde_json::json!({ "ConsoleLogin": "Failure" }),
        Outcome::Success => spec.response.clone().unwrap_or(payload.response),
    };
    let additional_event_data = spec.additional.clone().or(payload.additional);
    let resources = if succeeded || is_login {
        payload.resources
    } else {
        Vec::new()
    };

    let (source_ip_address, tls_details) = match &spec.source {
        Source::Address(address) => {
            let tls13 = chance(rng, 0.75);
            let tls = TlsDetails {
                tls_version: if tls13 { "TLSv1.3" } else { "TLSv1.2" },
                cipher_suite: if tls13 {
                    "TLS_AES_128_GCM_SHA256"
                } else {
                    "ECDHE-RSA-AES128-GCM-SHA256"
                },
                client_provided_host_header: spec
                    .api
                    .host(region.name(), payload.bucket.as_deref()),
            };
            (address.to_string(), Some(tls))
        }
        Source::Service(service) => ((*service).to_owned(), None),
        Source::AwsInternal => ("AWS Internal".to_owned(), None),
    };
    let mut identity = user_identity(&spec.principal);
    if matches!(spec.source, Source::AwsInternal) {
        identity.invoked_by = Some("AWS Internal");
    }

    let request_id = if is_login {
        None
    } else if api_spec.service == "s3" {
        Some(ids::s3_request_id(rng))
    } else {
        Some(ids::uuid(rng))
    };
    let (event_type, event_version) = if is_login {
        ("AwsConsoleSignIn", "1.09")
    } else {
        ("AwsApiCall", "1.10")
    };
    let record = Record {
        event_version,
        user_identity: identity,
        event_time: clock::event_time(spec.time_ms),
        event_source: spec.api.event_source(),
        event_name: api_spec.name,
        aws_region: region.name(),
        source_ip_address,
        user_agent: &spec.user_agent,
        error_code,
        error_message,
        request_parameters,
        response_elements,
        additional_event_data,
        request_id,
        event_id,
        read_only: api_spec.read_only,
        resources,
        event_type,
        management_event: api_spec.category == Category::Management,
        recipient_account_id: &spec.account,
        event_category: match api_spec.category {
            Category::Management => "Management",
            Category::Data => "Data",
        },
        tls_details,
        session_credential_from_console: spec.from_console.then_some("true"),
    };
    // Records are 1 to 3 KB; one allocation of that size saves the
    // reallocations of growing from empty.
    let mut buffer = Vec::with_capacity(RECORD_CAPACITY);
    serde_json::to_writer(&mut buffer, &record)?;
    // serde_json writes UTF-8 only, so this never fails; the fallback keeps
    // the function free of panics.
    Ok(String::from_utf8(buffer).unwrap_or_default())
}

/// Initial size of a record's JSON buffer in bytes.
const RECORD_CAPACITY: usize = 3 * 1024;

/// Returns an `ASIA...` key id for temporary credentials, taken from a hash.
pub(crate) fn temporary_key(hash: u64) -> String {
    ids::aws_unique_id("ASIA", 16, hash)
}

/// Draws an STS session token in the shape AWS issues, which starts with the
/// base64 of the token's `origin` header.
pub(crate) fn session_token(rng: &mut impl Rng) -> String {
    let mut token = String::from("IQoJb3JpZ2luX2Vj");
    token.push_str(&ids::base64_token(rng, 300));
    token
}
