//! The simulated organisation: accounts and identities with the traits that
//! drive their traffic.

mod builder;

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use self::builder::Builder;
use crate::agents::{Laptop, Sdk};
use crate::api::Api;
use crate::config::SimConfig;
use crate::geo::CityId;
use crate::ids::{self, Stream, derive, rng_for};
use crate::names;
use crate::net::Region;
use crate::random::normal;

/// Kind of a simulated identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityType {
    /// A person signing in through IAM Identity Center.
    Person,
    /// A deployment role assumed by GitHub Actions through OIDC.
    CiCdRole,
    /// A Lambda function's execution role.
    LambdaRole,
    /// An EC2 instance profile role.
    Ec2InstanceRole,
    /// An IAM user with a long-term access key, used by automation.
    ServiceUser,
    /// A role used by an AI agent that calls Bedrock and a few tools.
    AiAgent,
    /// An AWS service acting on its own (`userIdentity.type` `AWSService`).
    AwsService,
}

impl IdentityType {
    pub const ALL: [IdentityType; 7] = [
        IdentityType::Person,
        IdentityType::CiCdRole,
        IdentityType::LambdaRole,
        IdentityType::Ec2InstanceRole,
        IdentityType::ServiceUser,
        IdentityType::AiAgent,
        IdentityType::AwsService,
    ];

    /// Relative share of the non-human identities other than AWS services.
    fn workload_share(self) -> f64 {
        match self {
            IdentityType::LambdaRole => 0.38,
            IdentityType::Ec2InstanceRole => 0.30,
            IdentityType::ServiceUser => 0.20,
            IdentityType::CiCdRole => 0.10,
            IdentityType::AiAgent => 0.02,
            IdentityType::Person | IdentityType::AwsService => 0.0,
        }
    }

    /// Relative daily event volume of one identity of this type; the volume
    /// is scaled so that the population's mean is the configured
    /// `events_per_identity_day`.
    fn volume_weight(self) -> f64 {
        match self {
            IdentityType::Person => 4.0,
            IdentityType::CiCdRole => 1.5,
            IdentityType::LambdaRole | IdentityType::Ec2InstanceRole => 1.0,
            IdentityType::ServiceUser => 0.6,
            IdentityType::AiAgent => 2.0,
            // Their events come from the roles they serve and from hourly
            // jobs; they are outside the scaled volume.
            IdentityType::AwsService => 0.0,
        }
    }
}

/// One simulated identity as ispm identifies it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationIdentity {
    /// The canonical id ispm attributes this identity's events to.
    pub canonical_id: String,
    pub identity_type: IdentityType,
    /// Home account; `None` for people (who work across accounts) and for
    /// AWS services.
    pub account_id: Option<String>,
    /// User, role or service name, or a person's email address.
    pub name: String,
    /// Owning team as an `owner` tag would carry it; `None` for orphaned
    /// non-human identities.
    pub owner: Option<String>,
    /// First simulated day (0-based) with activity; later than 0 for new
    /// hires.
    pub first_active_day: u32,
}

/// The simulated identities and their counts by type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub counts: BTreeMap<IdentityType, usize>,
    pub identities: Vec<PopulationIdentity>,
}

/// An AWS account of the organisation.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub id: String,
    pub environment: &'static str,
    /// Account alias, also the prefix of its bucket names.
    pub alias: String,
    pub home_region: Region,
    /// Seed of the account's NAT gateway addresses.
    nat_seed: u64,
}

impl Account {
    /// Elastic IP of the account's NAT gateway number `gateway` (0 or 1) in
    /// `region`: the source address of its workloads in private subnets.
    pub(crate) fn nat_address(&self, region: Region, gateway: u64) -> Ipv4Addr {
        region.aws_address(ids::mix64(
            self.nat_seed ^ ids::mix64(region as u64 * 2 + gateway % 2),
        ))
    }
}

/// Up to four APIs an identity calls routinely.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ApiSet {
    apis: [Api; 4],
    len: u8,
}

impl ApiSet {
    fn new(items: &[Api]) -> Self {
        let mut apis = [Api::StsGetCallerIdentity; 4];
        let len = items.len().min(4);
        apis[..len].copy_from_slice(&items[..len]);
        ApiSet {
            apis,
            len: len as u8,
        }
    }

    pub(crate) fn as_slice(&self) -> &[Api] {
        &self.apis[..usize::from(self.len)]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Persona {
    Developer,
    DataEngineer,
    Operations,
    Administrator,
}

/// IAM Identity Center permission sets; each becomes an
/// `AWSReservedSSO_{name}_{suffix}` role in every account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PermissionSet {
    AdministratorAccess,
    PowerUserAccess,
    DeveloperAccess,
    DataEngineer,
    ReadOnlyAccess,
}

impl PermissionSet {
    pub(crate) fn name(self) -> &'static str {
        match self {
            PermissionSet::AdministratorAccess => "AdministratorAccess",
            PermissionSet::PowerUserAccess => "PowerUserAccess",
            PermissionSet::DeveloperAccess => "DeveloperAccess",
            PermissionSet::DataEngineer => "DataEngineer",
            PermissionSet::ReadOnlyAccess => "ReadOnlyAccess",
        }
    }
}

/// A journey to another city: days in transit without activity at both
/// ends, and working days at the destination between them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Trip {
    pub first_day: u32,
    /// Length including the days in transit.
    pub days: u32,
    pub city: CityId,
    /// Days without activity at each end, long enough that the journey is
    /// never faster than a flight.
    pub transit_days: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct PersonTraits {
    pub home: CityId,
    /// An office across a nearby border that the person works from on some
    /// weekdays.
    pub commute: Option<CityId>,
    /// Local start of the working day, minutes after midnight.
    pub work_start_minute: i64,
    pub laptop: Laptop,
    /// Share of the person's calls made with the AWS CLI; the rest come from
    /// the console.
    pub cli_share: f64,
    pub persona: Persona,
    pub permission_sets: [PermissionSet; 2],
    pub second_account: Option<u16>,
    pub trip: Option<Trip>,
    /// First day and length of a week off.
    pub vacation: Option<(u32, u32)>,
    pub new_hire: bool,
}

impl PersonTraits {
    /// Returns the city the person is in on `day`: the trip's destination
    /// from its first to its last day, in transit included.
    pub(crate) fn city_on(&self, day: u32) -> CityId {
        match self.trip {
            Some(trip) if (trip.first_day..trip.first_day + trip.days).contains(&day) => trip.city,
            _ => self.home,
        }
    }

    /// True on the days of a trip spent travelling, when the person makes
    /// no calls.
    pub(crate) fn in_transit(&self, day: u32) -> bool {
        self.trip.is_some_and(|trip| {
            let end = trip.first_day + trip.days;
            (trip.first_day..trip.first_day + trip.transit_days).contains(&day)
                || (end - trip.transit_days..end).contains(&day)
        })
    }
}

/// Deployment tool of a CI/CD pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CiTool {
    /// `aws cloudformation deploy` from the AWS CLI.
    CloudFormation,
    /// A container image pushed to ECR and a Lambda function updated.
    Container,
    Terraform,
}

#[derive(Clone, Debug)]
pub(crate) struct CiTraits {
    /// `owner/repository` on GitHub.
    pub repository: String,
    pub tool: CiTool,
    /// True when the workflow names its sessions `GitHubActions` (the
    /// action's default); otherwise it names them after the run id.
    pub default_session_name: bool,
    /// UTC offset of the team that pushes, in minutes.
    pub team_offset_minutes: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct LambdaTraits {
    /// The function's name; its sessions are named after it.
    pub function: String,
    pub sdk: Sdk,
    /// In a VPC, calls leave through the account's NAT gateways; otherwise
    /// from any address of the region.
    pub in_vpc: bool,
    pub apis: ApiSet,
    /// Request-driven functions follow the customers' day; others are flat.
    pub diurnal: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Ec2Traits {
    pub instances: u8,
    pub sdk: Sdk,
    pub apis: ApiSet,
    /// In a private subnet, calls leave through the account's NAT gateways.
    pub private_subnet: bool,
}

/// Schedule of a service user's job.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Schedule {
    EveryFifteenMinutes,
    Hourly { minute: i64 },
    Daily { minute_of_day: i64 },
}

#[derive(Clone, Debug)]
pub(crate) struct ServiceUserTraits {
    pub schedule: Schedule,
    pub sdk: Sdk,
    /// Index into the partner hosting prefixes.
    pub prefix: u8,
    pub apis: ApiSet,
}

#[derive(Clone, Debug)]
pub(crate) struct AiAgentTraits {
    pub sdk: Sdk,
    pub model: &'static str,
    pub tools: ApiSet,
}

/// AWS services that act on their own in the simulated accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AwsService {
    /// Assumes Lambda execution roles when execution environments start.
    Lambda,
    /// Assumes instance profile roles when it refreshes their credentials.
    Ec2,
    /// AWS Config, which assumes its service-linked role every hour.
    Config,
    /// CloudTrail, which requests data keys from KMS to encrypt log files.
    CloudTrail,
}

impl AwsService {
    pub(super) const ALL: [AwsService; 4] = [
        AwsService::Lambda,
        AwsService::Ec2,
        AwsService::Config,
        AwsService::CloudTrail,
    ];

    pub(crate) fn principal(self) -> &'static str {
        match self {
            AwsService::Lambda => "lambda.amazonaws.com",
            AwsService::Ec2 => "ec2.amazonaws.com",
            AwsService::Config => "config.amazonaws.com",
            AwsService::CloudTrail => "cloudtrail.amazonaws.com",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Traits {
    Person(PersonTraits),
    CiCd(CiTraits),
    Lambda(LambdaTraits),
    Ec2(Ec2Traits),
    ServiceUser(ServiceUserTraits),
    AiAgent(AiAgentTraits),
    AwsService(AwsService),
}

#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub kind: IdentityType,
    pub account: u16,
    pub region: Region,
    /// User or role name, a person's email address, or a service principal.
    pub name: String,
    pub stem: &'static str,
    pub owner: Option<&'static str>,
    /// Mean events per day, averaged over a week.
    pub rate: f64,
    pub first_day: u32,
    /// Last day with routine activity, inclusive.
    pub last_day: u32,
    pub traits: Traits,
}

/// The organisation: accounts and identities.
#[derive(Clone, Debug)]
pub(crate) struct Organisation {
    pub accounts: Vec<Account>,
    pub identities: Vec<Identity>,
    /// Index of each AWS service identity, when the population has them.
    pub services: BTreeMap<&'static str, u32>,
}

impl Organisation {
    pub(crate) fn build(config: &SimConfig) -> Organisation {
        let mut rng = rng_for(config.seed, Stream::Population, &[]);
        let accounts = build_accounts(config, &mut rng);
        let counts = type_counts(config);
        let mut builder = Builder::new(config, &accounts, rng);
        for kind in IdentityType::ALL {
            for ordinal in 0..counts.get(&kind).copied().unwrap_or(0) {
                builder.add(kind, ordinal);
            }
        }
        let mut identities = builder.into_identities();
        assign_rates(config, &mut identities);
        let services = identities
            .iter()
            .enumerate()
            .filter(|(_, identity)| identity.kind == IdentityType::AwsService)
            .map(|(index, identity)| (service_name(identity), index as u32))
            .collect();
        Organisation {
            accounts,
            identities,
            services,
        }
    }

    pub(crate) fn account_of(&self, identity: &Identity) -> &Account {
        &self.accounts[usize::from(identity.account)]
    }

    /// Returns the canonical id ispm gives an identity.
    pub(crate) fn canonical_id(&self, identity: &Identity) -> String {
        let account = &self.account_of(identity).id;
        match identity.kind {
            IdentityType::Person => format!("aws:person/{}", identity.name.to_lowercase()),
            IdentityType::ServiceUser => format!("aws:{account}:user/{}", identity.name),
            IdentityType::AwsService => format!("aws:service/{}", identity.name),
            IdentityType::CiCdRole
            | IdentityType::LambdaRole
            | IdentityType::Ec2InstanceRole
            | IdentityType::AiAgent => format!("aws:{account}:role/{}", identity.name),
        }
    }

    pub(crate) fn population(&self) -> Population {
        let mut counts: BTreeMap<IdentityType, usize> = BTreeMap::new();
        let identities = self
            .identities
            .iter()
            .map(|identity| {
                *counts.entry(identity.kind).or_default() += 1;
                let account_id = match identity.kind {
                    IdentityType::Person | IdentityType::AwsService => None,
                    _ => Some(self.account_of(identity).id.clone()),
                };
                PopulationIdentity {
                    canonical_id: self.canonical_id(identity),
                    identity_type: identity.kind,
                    account_id,
                    name: identity.name.clone(),
                    owner: identity.owner.map(str::to_owned),
                    first_active_day: identity.first_day,
                }
            })
            .collect();
        Population { counts, identities }
    }

    /// Returns the role name of a permission set in an account:
    /// `AWSReservedSSO_{permission set}_{16 hex digits}`.
    pub(crate) fn sso_role_name(&self, seed: u64, account: u16, set: PermissionSet) -> String {
        let hash = derive(
            seed,
            Stream::SsoRoleSuffix,
            &[u64::from(account), set as u64],
        );
        format!(
            "AWSReservedSSO_{}_{}",
            set.name(),
            ids::hex_digits(16, hash)
        )
    }
}

fn service_name(identity: &Identity) -> &'static str {
    match identity.traits {
        Traits::AwsService(service) => service.principal(),
        _ => "",
    }
}

fn build_accounts(config: &SimConfig, rng: &mut ChaCha8Rng) -> Vec<Account> {
    let mut seen = HashSet::new();
    (0..config.accounts)
        .map(|index| {
            let mut id = ids::account_id(rng.random());
            while !seen.insert(id.clone()) {
                id = ids::account_id(rng.random());
            }
            let environment = names::ENVIRONMENTS[index % names::ENVIRONMENTS.len()];
            let alias = if index < names::ENVIRONMENTS.len() {
                format!("{}-{environment}", names::ORGANISATION)
            } else {
                format!("{}-{environment}-{index}", names::ORGANISATION)
            };
            let home_region = [
                Region::UsEast1,
                Region::UsEast1,
                Region::EuWest1,
                Region::UsWest2,
            ][index % 4];
            Account {
                id,
                environment,
                alias,
                home_region,
                nat_seed: rng.random(),
            }
        })
        .collect()
}

/// Number of people: `identities × people_ratio` rounded, at least 5 when
/// the ratio is above zero, and never more than the identities.
pub(crate) fn people_count(config: &SimConfig) -> usize {
    if config.people_ratio <= 0.0 {
        return 0;
    }
    let people = (config.identities as f64 * config.people_ratio).round() as usize;
    people.max(5).min(config.identities)
}

/// Splits the configured identities into types: people, four AWS services
/// when there are at least 20 other identities, and the rest by
/// [`IdentityType::workload_share`] with largest remainders, each present
/// when there are at least five.
fn type_counts(config: &SimConfig) -> BTreeMap<IdentityType, usize> {
    let people = people_count(config);
    let mut remaining = config.identities - people;
    let services = if remaining >= 20 {
        AwsService::ALL.len()
    } else {
        0
    };
    remaining -= services;

    let workload_types = [
        IdentityType::LambdaRole,
        IdentityType::Ec2InstanceRole,
        IdentityType::ServiceUser,
        IdentityType::CiCdRole,
        IdentityType::AiAgent,
    ];
    let exact: Vec<f64> = workload_types
        .iter()
        .map(|kind| remaining as f64 * kind.workload_share())
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|value| value.floor() as usize).collect();
    let mut order: Vec<usize> = (0..workload_types.len()).collect();
    order.sort_by(|a, b| {
        let fraction_a = exact[*a] - exact[*a].floor();
        let fraction_b = exact[*b] - exact[*b].floor();
        fraction_b.total_cmp(&fraction_a).then(a.cmp(b))
    });
    let assigned: usize = counts.iter().sum();
    for index in order.iter().take(remaining - assigned) {
        counts[*index] += 1;
    }
    if remaining >= workload_types.len() {
        for index in 0..counts.len() {
            if counts[index] == 0 {
                counts[index] = 1;
                // Lambda roles are the largest group, so it can always give.
                counts[0] -= 1;
            }
        }
    }

    let mut result = BTreeMap::new();
    result.insert(IdentityType::Person, people);
    for (kind, count) in workload_types.iter().zip(counts) {
        result.insert(*kind, count);
    }
    result.insert(IdentityType::AwsService, services);
    result
}

/// Sets each identity's daily rate: the type's weight scaled so that the
/// population's mean matches the configuration, times a log-normal factor
/// with mean 1, because a few workloads are far busier than the rest.
fn assign_rates(config: &SimConfig, identities: &mut [Identity]) {
    let total_weight: f64 = identities
        .iter()
        .map(|identity| identity.kind.volume_weight())
        .sum();
    if total_weight <= 0.0 {
        return;
    }
    let scale = config.events_per_identity_day * identities.len() as f64 / total_weight;
    for (index, identity) in identities.iter_mut().enumerate() {
        let mut rng = rng_for(config.seed, Stream::Population, &[1, index as u64]);
        let sigma = if identity.kind == IdentityType::Person {
            0.3
        } else {
            0.6
        };
        let factor = (sigma * normal(&mut rng) - sigma * sigma / 2.0).exp();
        identity.rate = scale * identity.kind.volume_weight() * factor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(identities: usize) -> SimConfig {
        SimConfig {
            identities,
            ..SimConfig::default()
        }
    }

    #[test]
    fn type_counts_add_up_to_identities() {
        for identities in [1, 5, 6, 30, 81, 2000, 12_345] {
            let counts = type_counts(&config(identities));
            assert_eq!(counts.values().sum::<usize>(), identities, "{identities}");
        }
    }

    #[test]
    fn every_type_present_from_40_identities() {
        let counts = type_counts(&config(40));
        for kind in IdentityType::ALL {
            assert!(counts[&kind] > 0, "{kind:?} missing");
        }
    }

    #[test]
    fn names_are_unique_within_an_account() {
        let organisation = Organisation::build(&config(3000));
        let mut seen = HashSet::new();
        for identity in &organisation.identities {
            assert!(
                seen.insert(organisation.canonical_id(identity)),
                "{} twice",
                identity.name
            );
        }
    }
}
