//! Construction of the identities: names, accounts and the traits of each
//! identity type.

use std::collections::{HashMap, HashSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{
    Account, AiAgentTraits, ApiSet, AwsService, CiTool, CiTraits, Ec2Traits, Identity,
    IdentityType, LambdaTraits, PermissionSet, PersonTraits, Persona, Schedule, ServiceUserTraits,
    Traits, Trip,
};
use crate::agents::{Laptop, Sdk};
use crate::api::Api;
use crate::config::SimConfig;
use crate::geo::{self, CityId};
use crate::ids;
use crate::names;
use crate::net::Region;
use crate::random::{chance, pick, weighted_index};

pub(super) struct Builder<'a> {
    rng: ChaCha8Rng,
    config: &'a SimConfig,
    accounts: &'a [Account],
    used_names: HashSet<(u16, String)>,
    /// Last numeric suffix given to each repeated name, so that large
    /// populations do not probe `-2`, `-3`, ... from the start every time.
    last_suffix: HashMap<(u16, String), u32>,
    identities: Vec<Identity>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(config: &'a SimConfig, accounts: &'a [Account], rng: ChaCha8Rng) -> Self {
        Builder {
            rng,
            config,
            accounts,
            used_names: HashSet::new(),
            last_suffix: HashMap::new(),
            identities: Vec::with_capacity(config.identities),
        }
    }

    pub(super) fn into_identities(self) -> Vec<Identity> {
        self.identities
    }

    pub(super) fn add(&mut self, kind: IdentityType, ordinal: usize) {
        let account = self.pick_account();
        let region = if chance(&mut self.rng, 0.75) {
            self.accounts[usize::from(account)].home_region
        } else {
            *pick(&mut self.rng, &Region::ALL)
        };
        let stem = *pick(&mut self.rng, &names::STEMS);
        let owner = if kind == IdentityType::AwsService || chance(&mut self.rng, 0.08) {
            None
        } else {
            Some(*pick(&mut self.rng, &names::TEAMS))
        };
        let days = self.config.days;
        let (name, traits, first_day) = match kind {
            IdentityType::Person => self.person(ordinal),
            IdentityType::CiCdRole => self.ci_role(ordinal, stem),
            IdentityType::LambdaRole => self.lambda_role(account, stem),
            IdentityType::Ec2InstanceRole => self.ec2_role(stem),
            IdentityType::ServiceUser => self.service_user(ordinal, stem),
            IdentityType::AiAgent => self.ai_agent(ordinal, stem),
            IdentityType::AwsService => {
                let service = AwsService::ALL[ordinal % AwsService::ALL.len()];
                (
                    service.principal().to_owned(),
                    Traits::AwsService(service),
                    0,
                )
            }
        };
        let name = if kind == IdentityType::Person || kind == IdentityType::AwsService {
            name
        } else {
            self.unique(account, name)
        };
        self.identities.push(Identity {
            kind,
            account,
            region,
            name,
            stem,
            owner,
            rate: 0.0,
            first_day,
            last_day: days.saturating_sub(1),
            traits,
        });
    }

    /// Accounts get identities with weights 1/(index + 1.2): the first
    /// (production) account is the busiest.
    fn pick_account(&mut self) -> u16 {
        let weights: Vec<f64> = (0..self.accounts.len())
            .map(|index| 1.0 / (index as f64 + 1.2))
            .collect();
        weighted_index(&mut self.rng, &weights) as u16
    }

    /// Appends `-2`, `-3`, ... to a name already used in the account.
    fn unique(&mut self, account: u16, name: String) -> String {
        if self.used_names.insert((account, name.clone())) {
            return name;
        }
        let counter = self.last_suffix.entry((account, name.clone())).or_insert(1);
        loop {
            *counter += 1;
            let candidate = format!("{name}-{counter}");
            if self.used_names.insert((account, candidate.clone())) {
                return candidate;
            }
        }
    }

    fn person(&mut self, ordinal: usize) -> (String, Traits, u32) {
        let rng = &mut self.rng;
        let days = self.config.days;
        let first = names::FIRST_NAMES[ordinal % names::FIRST_NAMES.len()];
        let last = names::LAST_NAMES
            [(ordinal / names::FIRST_NAMES.len() + ordinal * 7) % names::LAST_NAMES.len()];
        let cycle = ordinal / (names::FIRST_NAMES.len() * names::LAST_NAMES.len());
        let email = if cycle == 0 {
            format!("{first}.{last}@{}", names::EMAIL_DOMAIN)
        } else {
            format!("{first}.{last}{}@{}", cycle + 1, names::EMAIL_DOMAIN)
        };

        let weights: Vec<f64> = geo::HOME_CITIES.iter().map(|(_, weight)| *weight).collect();
        let home = geo::HOME_CITIES[weighted_index(rng, &weights)].0;
        // The first person is an administrator, so break-glass scenarios
        // always have someone to act.
        let persona = if ordinal == 0 {
            Persona::Administrator
        } else {
            [
                Persona::Developer,
                Persona::DataEngineer,
                Persona::Operations,
                Persona::Administrator,
            ][weighted_index(rng, &[0.5, 0.2, 0.2, 0.1])]
        };
        let permission_sets = match persona {
            Persona::Developer => [
                PermissionSet::DeveloperAccess,
                PermissionSet::ReadOnlyAccess,
            ],
            Persona::DataEngineer => [PermissionSet::DataEngineer, PermissionSet::ReadOnlyAccess],
            Persona::Operations => [
                PermissionSet::PowerUserAccess,
                PermissionSet::ReadOnlyAccess,
            ],
            Persona::Administrator => [
                PermissionSet::AdministratorAccess,
                PermissionSet::ReadOnlyAccess,
            ],
        };
        let cli_share = match persona {
            Persona::Developer => 0.5,
            Persona::DataEngineer | Persona::Administrator => 0.4,
            Persona::Operations => 0.3,
        } * rng.random_range(0.6..1.4);
        let laptop =
            [Laptop::MacOs, Laptop::Windows, Laptop::Linux][weighted_index(rng, &[0.6, 0.3, 0.1])];
        let second_account = if self.accounts.len() > 1 && chance(rng, 0.4) {
            Some(rng.random_range(0..self.accounts.len()) as u16)
        } else {
            None
        };
        let trip = if days >= 12 && chance(rng, 0.15) {
            trip(rng, home, days)
        } else {
            None
        };
        let vacation = if days >= 14 && chance(rng, 0.25) {
            Some((rng.random_range(0..days - 7), 7))
        } else {
            None
        };
        // New hires start between a sixth and half of the period; the first
        // person never is one.
        let new_hire = ordinal > 0 && days >= 20 && chance(rng, 0.1);
        let first_day = if new_hire {
            rng.random_range(days / 6..days / 2)
        } else {
            0
        };
        let traits = PersonTraits {
            home,
            commute: geo::cross_border_office(home),
            work_start_minute: 8 * 60 + rng.random_range(0..120),
            laptop,
            cli_share,
            persona,
            permission_sets,
            second_account,
            trip,
            vacation,
            new_hire,
        };
        (email, Traits::Person(traits), first_day)
    }

    fn ci_role(&mut self, ordinal: usize, stem: &str) -> (String, Traits, u32) {
        let rng = &mut self.rng;
        let name = match (ordinal, rng.random_range(0..3)) {
            (0, _) => "github-actions-deploy".to_owned(),
            (_, 0) => format!("github-actions-{stem}-deploy"),
            (_, 1) => format!("gha-{stem}-terraform"),
            _ => format!("{stem}-cicd-deploy"),
        };
        let tool = if name.ends_with("terraform") {
            CiTool::Terraform
        } else if chance(rng, 0.5) {
            CiTool::CloudFormation
        } else {
            CiTool::Container
        };
        let repository = match tool {
            CiTool::Terraform => format!("{}/{stem}-infra", names::ORGANISATION),
            CiTool::CloudFormation | CiTool::Container => {
                format!("{}/{stem}-service", names::ORGANISATION)
            }
        };
        let team_city = geo::HOME_CITIES[rng.random_range(0..geo::HOME_CITIES.len())].0;
        let traits = CiTraits {
            repository,
            tool,
            default_session_name: chance(rng, 0.6),
            team_offset_minutes: team_city.city().utc_offset_minutes,
        };
        (name, Traits::CiCd(traits), 0)
    }

    fn lambda_role(&mut self, account: u16, stem: &str) -> (String, Traits, u32) {
        let suffix = *pick(&mut self.rng, &names::LAMBDA_SUFFIXES);
        // Function names are unique in an account; role names follow.
        let function = self.unique(account, format!("{stem}-{suffix}"));
        let rng = &mut self.rng;
        // Console-created roles carry a random suffix; others are named by
        // infrastructure code.
        let role = if chance(rng, 0.5) {
            format!(
                "{function}-role-{}",
                ids::hex_digits(8, rng.random()).to_lowercase()
            )
        } else {
            format!("{function}-execution-role")
        };
        let sdk = [Sdk::Boto3, Sdk::NodeJs][rng.random_range(0..2)];
        let apis = pick_apis(
            rng,
            &[
                Api::S3GetObject,
                Api::DynamoGetItem,
                Api::SqsReceiveMessage,
                Api::KmsDecrypt,
                Api::SecretsGetSecretValue,
                Api::DynamoPutItem,
                Api::SqsSendMessage,
                Api::S3PutObject,
            ],
        );
        let traits = LambdaTraits {
            function,
            sdk,
            in_vpc: chance(rng, 0.5),
            apis,
            diurnal: chance(rng, 0.5),
        };
        (role, Traits::Lambda(traits), 0)
    }

    fn ec2_role(&mut self, stem: &str) -> (String, Traits, u32) {
        let rng = &mut self.rng;
        let tier = pick(rng, &names::EC2_TIERS);
        let role = if chance(rng, 0.5) {
            format!("{stem}-{tier}-instance-role")
        } else {
            format!("{stem}-{tier}-ec2")
        };
        let apis = pick_apis(
            rng,
            &[
                Api::S3GetObject,
                Api::DynamoGetItem,
                Api::SqsReceiveMessage,
                Api::KmsDecrypt,
                Api::SecretsGetSecretValue,
                Api::SsmGetParameter,
                Api::SqsDeleteMessage,
                Api::S3PutObject,
            ],
        );
        let traits = Ec2Traits {
            instances: rng.random_range(1..=3),
            sdk: *pick(rng, &Sdk::WORKLOAD),
            apis,
            private_subnet: chance(rng, 0.6),
        };
        (role, Traits::Ec2(traits), 0)
    }

    fn service_user(&mut self, ordinal: usize, stem: &str) -> (String, Traits, u32) {
        let rng = &mut self.rng;
        let (name, apis): (String, &[Api]) = match (ordinal, rng.random_range(0..3)) {
            (0, _) => (
                "svc-backup".to_owned(),
                &[Api::S3PutObject, Api::S3GetObject, Api::KmsGenerateDataKey],
            ),
            (1, _) => (
                "svc-etl-reports".to_owned(),
                &[
                    Api::AthenaStartQueryExecution,
                    Api::AthenaGetQueryExecution,
                    Api::AthenaGetQueryResults,
                    Api::GlueGetTable,
                ],
            ),
            (2, _) => (
                "datadog-integration".to_owned(),
                &[
                    Api::CloudWatchGetMetricData,
                    Api::CloudWatchListMetrics,
                    Api::Ec2DescribeInstances,
                    Api::TaggingGetResources,
                ],
            ),
            (_, 0) => {
                let vendor = pick(rng, &names::VENDORS);
                (
                    format!("{vendor}-integration"),
                    &[
                        Api::CloudWatchGetMetricData,
                        Api::TaggingGetResources,
                        Api::S3GetObject,
                    ],
                )
            }
            _ => {
                let job = pick(rng, &names::SERVICE_JOBS);
                (
                    format!("svc-{stem}-{job}"),
                    &[
                        Api::S3PutObject,
                        Api::S3GetObject,
                        Api::DynamoQuery,
                        Api::SqsSendMessage,
                    ],
                )
            }
        };
        let schedule = match rng.random_range(0..3) {
            0 => Schedule::EveryFifteenMinutes,
            1 => Schedule::Hourly {
                minute: rng.random_range(0..60),
            },
            _ => Schedule::Daily {
                minute_of_day: rng.random_range(0..24 * 60),
            },
        };
        let traits = ServiceUserTraits {
            schedule,
            sdk: *pick(rng, &Sdk::WORKLOAD),
            prefix: rng.random_range(0..2),
            apis: ApiSet::new(apis),
        };
        (name, Traits::ServiceUser(traits), 0)
    }

    fn ai_agent(&mut self, ordinal: usize, stem: &str) -> (String, Traits, u32) {
        let rng = &mut self.rng;
        let name = match ordinal {
            0 => "support-agent-bedrock".to_owned(),
            1 => "code-review-agent".to_owned(),
            _ if chance(rng, 0.5) => format!("{}-agent", pick(rng, &names::AGENT_PURPOSES)),
            _ => format!("{stem}-assistant-agent"),
        };
        let model = *pick(
            rng,
            &[
                "anthropic.claude-3-5-sonnet-20240620-v1:0",
                "anthropic.claude-3-haiku-20240307-v1:0",
                "amazon.titan-text-premier-v1:0",
            ],
        );
        let tools = pick_apis(
            rng,
            &[
                Api::S3GetObject,
                Api::DynamoQuery,
                Api::BedrockRetrieve,
                Api::DynamoGetItem,
            ],
        );
        let traits = AiAgentTraits {
            sdk: [Sdk::Boto3, Sdk::NodeJs][rng.random_range(0..2)],
            model,
            tools,
        };
        (name, Traits::AiAgent(traits), 0)
    }
}

/// Two to four distinct APIs from `choices`; secrets and KMS calls are
/// rarer than data calls because applications cache what they fetch.
fn pick_apis(rng: &mut ChaCha8Rng, choices: &[Api]) -> ApiSet {
    let count = rng.random_range(2..=4).min(choices.len());
    let mut picked: Vec<Api> = Vec::with_capacity(count);
    while picked.len() < count {
        let api = *pick(rng, choices);
        if !picked.contains(&api) {
            picked.push(api);
        }
    }
    ApiSet::new(&picked)
}

/// Draws a trip of three to five working days to another city, with the
/// days in transit its distance needs at both ends. `None` when the run is
/// too short for the journey.
fn trip(rng: &mut ChaCha8Rng, home: CityId, days: u32) -> Option<Trip> {
    let destinations: Vec<CityId> = (0..geo::CITIES.len())
        .map(geo::CityId::from_index)
        .filter(|city| *city != home)
        .collect();
    let working_days = rng.random_range(3..=5);
    let city = *pick(rng, &destinations);
    let transit_days = geo::transit_days(home, city);
    let length = working_days + 2 * transit_days;
    if days < length + 4 {
        return None;
    }
    Some(Trip {
        first_day: rng.random_range(3..days - length),
        days: length,
        city,
        transit_days,
    })
}
