//! User-agent strings in the formats that the AWS CLI, the AWS SDKs,
//! Terraform and browsers send. Versions come from a hash, so one caller
//! keeps one version until its hash input (usually a two-week epoch)
//! changes, as software upgrades do.

use crate::ids::mix64;

/// The SDK or tool a workload calls AWS with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sdk {
    Boto3,
    Java,
    GoV2,
    NodeJs,
}

impl Sdk {
    pub(crate) const WORKLOAD: [Sdk; 3] = [Sdk::Java, Sdk::Boto3, Sdk::GoV2];
}

/// Compute platform of the calling code, which the SDKs report as
/// `exec-env/...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Host {
    Ec2,
    Lambda,
    Fargate,
    OnPremises,
}

/// Machine the AWS CLI or a browser runs on: a person's laptop or a
/// GitHub-hosted runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Laptop {
    MacOs,
    Windows,
    Linux,
    GitHubRunner,
}

fn version(hash: u64, salt: u64, range: u64) -> u64 {
    mix64(hash ^ salt) % range
}

/// Returns an SDK user agent for a workload.
pub(crate) fn sdk(sdk: Sdk, host: Host, service: &str, hash: u64) -> String {
    let kernel = match host {
        Host::Ec2 | Host::Fargate => "6.1.72-96.166.amzn2023.x86_64",
        Host::Lambda => "5.10.214-223.840.amzn2.x86_64",
        Host::OnPremises => "5.15.0-105-generic",
    };
    match sdk {
        Sdk::Boto3 => {
            let botocore = 20 + version(hash, 1, 40);
            let python = 6 + version(hash, 2, 6);
            let exec_env = match host {
                Host::Lambda => " exec-env/AWS_Lambda_python3.12",
                Host::Fargate => " exec-env/AWS_ECS_FARGATE",
                Host::Ec2 | Host::OnPremises => "",
            };
            format!(
                "Boto3/1.34.{botocore} md/Botocore#1.34.{botocore} ua/2.0 os/linux#{kernel} md/arch#x86_64 lang/python#3.12.{python} md/pyimpl#CPython{exec_env} cfg/retry-mode#legacy Botocore/1.34.{botocore}"
            )
        }
        Sdk::Java => {
            let patch = 10 + version(hash, 3, 50);
            let java = 9 + version(hash, 4, 4);
            format!(
                "aws-sdk-java/2.25.{patch} Linux/{kernel} OpenJDK_64-Bit_Server_VM/17.0.{java}+7-LTS Java/17.0.{java} vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy"
            )
        }
        Sdk::GoV2 => {
            let core = 24 + version(hash, 5, 6);
            let api = 40 + version(hash, 6, 20);
            format!(
                "aws-sdk-go-v2/1.{core}.1 os/linux lang/go#1.22.{go} md/GOOS#linux md/GOARCH#amd64 api/{service}#1.{api}.0",
                go = version(hash, 7, 6)
            )
        }
        Sdk::NodeJs => {
            let sdk_minor = 500 + version(hash, 8, 150);
            let exec_env = match host {
                Host::Lambda => " exec-env/AWS_Lambda_nodejs20.x",
                Host::Fargate => " exec-env/AWS_ECS_FARGATE",
                Host::Ec2 | Host::OnPremises => "",
            };
            format!(
                "aws-sdk-js/3.{sdk_minor}.0 ua/2.0 os/linux#{kernel} lang/js md/nodejs#20.12.{node} api/{service}#3.{sdk_minor}.0{exec_env}",
                node = version(hash, 9, 3)
            )
        }
    }
}

/// Returns an AWS CLI v2 user agent. `command` is the CLI command, e.g.
/// `s3.ls`.
pub(crate) fn aws_cli(os: Laptop, command: &str, hash: u64) -> String {
    let patch = 10 + version(hash, 10, 30);
    let crt = 10 + version(hash, 11, 10);
    let (platform, arch, installer) = match os {
        Laptop::MacOs => ("os/macos#23.4.0", "arm64", "source"),
        Laptop::Windows => ("os/windows#10", "AMD64", "exe"),
        Laptop::Linux => ("os/linux#6.8.0-40-generic", "x86_64", "exe"),
        Laptop::GitHubRunner => ("os/linux#6.5.0-1017-azure", "x86_64", "exe"),
    };
    format!(
        "aws-cli/2.15.{patch} md/awscrt#0.19.{crt} ua/2.0 {platform} md/arch#{arch} lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#{installer} md/prompt#off md/command#{command}"
    )
}

/// Returns the Terraform AWS provider's user agent.
pub(crate) fn terraform(service: &str, hash: u64) -> String {
    let terraform = version(hash, 12, 6);
    let provider = 30 + version(hash, 13, 15);
    format!(
        "APN/1.0 HashiCorp/1.0 Terraform/1.7.{terraform} (+https://www.terraform.io) terraform-provider-aws/5.{provider}.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 ua/2.0 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/{service}#1.47.0"
    )
}

/// Returns the user agent of the `aws-actions/configure-aws-credentials`
/// GitHub Action, which calls `AssumeRoleWithWebIdentity` with the
/// JavaScript SDK.
pub(crate) fn configure_aws_credentials(hash: u64) -> String {
    let sdk_minor = 500 + version(hash, 14, 100);
    format!(
        "aws-sdk-js/3.{sdk_minor}.0 ua/2.0 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.13.1 api/sts#3.{sdk_minor}.0 configure-aws-credentials-for-github-actions"
    )
}

/// Returns a desktop browser user agent.
pub(crate) fn browser(os: Laptop, hash: u64) -> String {
    let chrome = 120 + version(hash, 15, 8);
    let firefox = 121 + version(hash, 16, 6);
    let use_firefox = version(hash, 17, 4) == 0;
    match (os, use_firefox) {
        (Laptop::MacOs, false) => format!(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.0.0 Safari/537.36"
        ),
        (Laptop::MacOs, true) => format!(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{firefox}.0) Gecko/20100101 Firefox/{firefox}.0"
        ),
        (Laptop::Windows, false) => format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.0.0 Safari/537.36 Edg/{chrome}.0.0.0"
        ),
        (Laptop::Windows, true) => format!(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{firefox}.0) Gecko/20100101 Firefox/{firefox}.0"
        ),
        (Laptop::Linux | Laptop::GitHubRunner, _) => format!(
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:{firefox}.0) Gecko/20100101 Firefox/{firefox}.0"
        ),
    }
}

/// Returns the user agent of a tool that no simulated workload uses, as an
/// attacker with a stolen key sends.
pub(crate) fn attacker_tool(hash: u64) -> String {
    match version(hash, 18, 3) {
        0 => "Boto3/1.26.165 Python/3.10.6 Linux/5.19.0-46-generic Botocore/1.29.165".to_owned(),
        1 => "aws-cli/1.29.62 Python/3.9.2 Linux/5.10.0-26-cloud-amd64 botocore/1.31.62".to_owned(),
        _ => "python-requests/2.31.0".to_owned(),
    }
}

/// Returns the AWS CLI command name of an API call, e.g.
/// `cloudformation.describe-stacks`.
pub(crate) fn cli_command(service: &str, event_name: &str) -> String {
    let mut command = String::with_capacity(service.len() + event_name.len() + 8);
    command.push_str(service);
    command.push('.');
    // Lambda event names carry an API version suffix the CLI does not.
    let name = event_name
        .trim_end_matches(|character: char| character.is_ascii_digit() || character == 'v');
    for (index, character) in name.chars().enumerate() {
        if character.is_ascii_uppercase() {
            if index > 0 {
                command.push('-');
            }
            command.push(character.to_ascii_lowercase());
        } else {
            command.push(character);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_command_is_kebab_case_without_api_version() {
        assert_eq!(
            cli_command("cloudformation", "DescribeStacks"),
            "cloudformation.describe-stacks"
        );
        assert_eq!(
            cli_command("lambda", "UpdateFunctionCode20150331v2"),
            "lambda.update-function-code"
        );
    }

    #[test]
    fn lambda_sdks_name_the_lambda_runtime() {
        for sdk_kind in [Sdk::Boto3, Sdk::NodeJs] {
            let agent = sdk(sdk_kind, Host::Lambda, "dynamodb", 9);
            assert!(agent.contains("exec-env/AWS_Lambda_"), "{agent}");
        }
    }
}
