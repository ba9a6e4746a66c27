//! GitHub Actions deployment roles: workflow runs in the pushing team's
//! working hours, each starting with `AssumeRoleWithWebIdentity` from a
//! GitHub-hosted runner and followed by the deploy tool's calls.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::{Context, Mode, Planned, planned};
use crate::agents::{self, Laptop};
use crate::api::Api;
use crate::clock::{self, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};
use crate::ids::{Stream, rng_for};
use crate::net::{GITHUB_RUNNER_PREFIXES, Region};
use crate::population::{CiTool, CiTraits, Traits};
use crate::random::{chance, poisson};
use crate::record::{self, EventSpec, Outcome, Principal, RoleSession, Source};

/// Runs of one role in one day are numbered in the low 8 bits of
/// `Planned::detail`. The upper 24 bits carry the event's offset from the run
/// start in milliseconds, up to 4.6 hours.
const MAX_RUNS_PER_DAY: u32 = 255;
const RUN_BITS: u32 = 8;

/// Lifetime of the session the workflow requests.
const SESSION_SECONDS: i64 = 3600;

fn traits_of<'a>(context: &Context<'a>, index: u32) -> Option<&'a CiTraits> {
    match &context.identity(index).traits {
        Traits::CiCd(traits) => Some(traits),
        _ => None,
    }
}

/// Draws the calls of one run after the role assumption.
fn run_calls(tool: CiTool, rng: &mut ChaCha8Rng) -> Vec<Api> {
    let mut calls = Vec::with_capacity(24);
    match tool {
        CiTool::CloudFormation => {
            calls.push(Api::StsGetCallerIdentity);
            for _ in 0..rng.random_range(1..=3) {
                calls.push(Api::S3PutObject);
            }
            calls.extend([
                Api::CfnDescribeStacks,
                Api::CfnCreateChangeSet,
                Api::CfnDescribeChangeSet,
            ]);
            for _ in 0..rng.random_range(1..=3) {
                calls.push(Api::CfnDescribeChangeSet);
            }
            calls.push(Api::CfnExecuteChangeSet);
            for _ in 0..rng.random_range(2..=5) {
                calls.push(Api::CfnDescribeStacks);
            }
            calls.push(Api::CfnDescribeStackEvents);
        }
        CiTool::Container => {
            calls.extend([
                Api::EcrGetAuthorizationToken,
                Api::EcrBatchCheckLayerAvailability,
            ]);
            for _ in 0..rng.random_range(1..=3) {
                calls.extend([Api::EcrInitiateLayerUpload, Api::EcrCompleteLayerUpload]);
            }
            calls.extend([Api::EcrPutImage, Api::LambdaUpdateFunctionCode]);
            for _ in 0..rng.random_range(2..=4) {
                calls.push(Api::LambdaGetFunction);
            }
            if chance(rng, 0.3) {
                calls.push(Api::LambdaUpdateFunctionConfiguration);
                calls.push(Api::LambdaGetFunction);
            }
            calls.push(Api::LambdaPublishVersion);
        }
        CiTool::Terraform => {
            // State from S3, a DynamoDB lock, refresh of the managed
            // resources, then the state written back.
            calls.extend([
                Api::StsGetCallerIdentity,
                Api::S3GetObject,
                Api::DynamoPutItem,
                Api::IamGetRole,
                Api::IamListRolePolicies,
                Api::IamListAttachedRolePolicies,
                Api::LambdaGetFunction,
                Api::S3GetBucketPolicy,
                Api::S3GetBucketVersioning,
                Api::S3GetBucketEncryption,
                Api::DynamoDescribeTable,
                Api::KmsDescribeKey,
                Api::LogsDescribeLogGroups,
            ]);
            if chance(rng, 0.4) {
                calls.push(Api::LambdaUpdateFunctionConfiguration);
            }
            calls.extend([Api::S3PutObject, Api::DynamoPutItem]);
        }
    }
    calls
}

pub(super) fn plan(context: &Context<'_>, index: u32, day: u32, out: &mut Vec<Planned>) {
    let identity = context.identity(index);
    let Some(traits) = traits_of(context, index) else {
        return;
    };
    let mut rng = rng_for(
        context.seed,
        Stream::IdentityDay,
        &[u64::from(index), u64::from(day)],
    );
    let weekend = clock::weekday(context.start_day + i64::from(day)) >= 5;
    let calls_per_run = match traits.tool {
        CiTool::CloudFormation => 13.0,
        CiTool::Container => 15.0,
        CiTool::Terraform => 17.0,
    };
    // Weekly mean = rate: runs on working days, a tenth as many at weekends.
    let weekday_runs = identity.rate * 7.0 / 5.2 / calls_per_run;
    let mean_runs = if weekend {
        weekday_runs * 0.1
    } else {
        weekday_runs
    };
    let runs = poisson(&mut rng, mean_runs).min(MAX_RUNS_PER_DAY);

    let mut ordinal = 0;
    for run in 0..runs {
        let local = 8 * MS_PER_HOUR + rng.random_range(0..11 * MS_PER_HOUR);
        let run_start = context.day_start(day) + local - traits.team_offset_minutes * MS_PER_MINUTE;
        let mut login = planned(
            index,
            day,
            ordinal,
            run_start,
            Api::StsAssumeRoleWithWebIdentity,
        );
        login.mode = Mode::OidcLogin;
        login.detail = run;
        out.push(login);
        ordinal += 1;

        let mut time = run_start + rng.random_range(2..8) * MS_PER_SECOND;
        for api in run_calls(traits.tool, &mut rng) {
            time += rng.random_range(300..20_000);
            let offset = ((time - run_start) as u32).min((1 << (32 - RUN_BITS)) - 1);
            let mut event = planned(index, day, ordinal, time, api);
            event.detail = run | (offset << RUN_BITS);
            out.push(event);
            ordinal += 1;
        }
    }
}

/// Returns the ARN of GitHub Actions' OIDC provider in an account.
fn provider_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com")
}

pub(super) fn resolve(context: &Context<'_>, planned: &Planned, rng: &mut ChaCha8Rng) -> EventSpec {
    let index = planned.actor;
    let identity = context.identity(index);
    let account = context.org.account_of(identity);
    let traits = traits_of(context, index);
    let run = planned.detail & ((1 << RUN_BITS) - 1);
    let offset = i64::from(planned.detail >> RUN_BITS);
    let run_start = planned.time_ms - offset;
    let run_hash = context.hash(
        Stream::SessionKey,
        &[u64::from(index), u64::from(planned.day), u64::from(run)],
    );

    let default_name = traits.is_none_or(|traits| traits.default_session_name);
    let session_name = if default_name {
        "GitHubActions".to_owned()
    } else {
        format!("{}", 9_000_000_000 + run_hash % 900_000_000)
    };
    let provider = provider_arn(&account.id);
    let session = RoleSession {
        account: account.id.clone(),
        role_name: identity.name.clone(),
        role_path: "",
        role_id: context.role_id(&account.id, &identity.name),
        session_name,
        access_key: record::temporary_key(run_hash),
        created_ms: run_start,
        mfa: false,
        ec2_delivery: false,
        web_identity_provider: Some(provider.clone()),
    };
    let prefix = GITHUB_RUNNER_PREFIXES[(run_hash % GITHUB_RUNNER_PREFIXES.len() as u64) as usize];
    let address = prefix.address(run_hash);
    let mut scope = context.scope(index, planned.day * 256 + run);
    scope.variant = planned.day * 256 + run;
    let subject = match traits {
        Some(traits) => format!("repo:{}:ref:refs/heads/main", traits.repository),
        None => "repo:unknown:ref:refs/heads/main".to_owned(),
    };
    let tool = traits.map_or(CiTool::CloudFormation, |traits| traits.tool);
    let agent_hash = context.hash(
        Stream::IdentityDay,
        &[u64::from(index), u64::from(planned.day / 14)],
    );

    let mut spec = EventSpec {
        time_ms: planned.time_ms,
        account: account.id.clone(),
        region: identity.region,
        api: planned.api,
        principal: Principal::AssumedRole(session.clone()),
        source: Source::Address(address),
        user_agent: match tool {
            CiTool::Terraform => agents::terraform(planned.api.sdk_service(), agent_hash),
            CiTool::CloudFormation | CiTool::Container => {
                let command =
                    agents::cli_command(planned.api.sdk_service(), planned.api.spec().name);
                agents::aws_cli(Laptop::GitHubRunner, &command, agent_hash)
            }
        },
        outcome: Outcome::Success,
        scope,
        request: None,
        response: None,
        additional: None,
        from_console: false,
        event_id: None,
    };
    if planned.mode == Mode::OidcLogin {
        spec.principal = Principal::WebIdentity {
            provider: provider.clone(),
            subject: subject.clone(),
        };
        spec.user_agent = agents::configure_aws_credentials(agent_hash);
        spec.request = Some(json!({
            "roleArn": session.role_arn(),
            "roleSessionName": session.session_name,
            "durationSeconds": SESSION_SECONDS,
        }));
        spec.response = Some(json!({
            "credentials": {
                "accessKeyId": session.access_key,
                "sessionToken": record::session_token(rng),
                "expiration": clock::response_time(run_start + SESSION_SECONDS * 1000),
            },
            "subjectFromWebIdentityToken": subject,
            "assumedRoleUser": {
                "assumedRoleId": format!("{}:{}", session.role_id, session.session_name),
                "arn": session.session_arn(),
            },
            "provider": provider,
            "audience": "sts.amazonaws.com",
        }));
        spec.additional = Some(json!({
            "identityProviderConnectionVerificationMethod": "IAMTrustStore",
        }));
    }
    if planned.mode == Mode::OidcLogin || planned.api == Api::StsGetCallerIdentity {
        // STS calls of the runner go to the global endpoint.
        spec.region = Region::UsEast1;
    }
    spec
}
