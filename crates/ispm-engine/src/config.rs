//! Engine settings. Every field is user documentation: `config/ispm.toml`
//! repeats these defaults with the same reasons.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the engine and its detectors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// When an identity's baseline is considered learned.
    pub learning: LearningConfig,
    /// A detector that fires again for the same identity and rule within this
    /// time adds no new finding; the repeat is counted instead. Default 1 hour:
    /// long enough to fold one burst of activity into one finding, short
    /// enough that a new session the next day is reported again.
    #[serde(with = "ispm_model::duration")]
    pub repeat_window: Duration,
    pub first_seen: FirstSeenConfig,
    pub bursts: BurstConfig,
    pub privilege: PrivilegeConfig,
    pub inventory: InventoryConfig,
    pub dormancy: DormancyConfig,
    pub shared_key: SharedKeyConfig,
    pub activity: ActivityConfig,
    pub travel: TravelConfig,
    pub state: StateConfig,
    /// Suppression rules, `[[engine.suppressions]]` tables. A finding that
    /// matches one is still emitted, marked suppressed with the rule's
    /// reason, so it stays countable. Default: none.
    pub suppressions: Vec<crate::SuppressionRule>,
    /// Detectors to switch off, by id (e.g. `["first_seen"]`). See the
    /// detectors table in README.md for the ids.
    pub disabled_detectors: Vec<String>,
    /// Severity of every finding of a detector, by detector id, replacing
    /// the detector's own (e.g. `first_seen = "medium"`). Default: none.
    pub severity_overrides: std::collections::BTreeMap<String, ispm_model::Severity>,
    /// Posture policies: thresholds, overrides and custom policies,
    /// `[engine.policies]`. See docs/policies.md.
    pub policies: ispm_posture::PolicyConfig,
    /// Risk and posture score weights, `[engine.scoring]`.
    pub scoring: ispm_posture::ScoringConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            learning: LearningConfig::default(),
            repeat_window: Duration::from_secs(3600),
            first_seen: FirstSeenConfig::default(),
            bursts: BurstConfig::default(),
            privilege: PrivilegeConfig::default(),
            inventory: InventoryConfig::default(),
            dormancy: DormancyConfig::default(),
            shared_key: SharedKeyConfig::default(),
            activity: ActivityConfig::default(),
            travel: TravelConfig::default(),
            state: StateConfig::default(),
            suppressions: Vec::new(),
            disabled_detectors: Vec::new(),
            severity_overrides: std::collections::BTreeMap::new(),
            policies: ispm_posture::PolicyConfig::default(),
            scoring: ispm_posture::ScoringConfig::default(),
        }
    }
}

impl EngineConfig {
    pub fn is_enabled(&self, detector: &str) -> bool {
        !self.disabled_detectors.iter().any(|id| id == detector)
    }

    /// Checks values that parse but make no sense (an unknown detector id,
    /// a prefix longer than an address), and returns every problem at once
    /// as `key: message`.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        for id in &self.disabled_detectors {
            if !crate::DETECTORS.contains(&id.as_str()) {
                problems.push(format!(
                    "engine.disabled_detectors: unknown detector {id:?}, expected one of {}",
                    crate::DETECTORS.join(", ")
                ));
            }
        }
        for id in self.severity_overrides.keys() {
            if !crate::DETECTORS.contains(&id.as_str()) {
                problems.push(format!(
                    "engine.severity_overrides: unknown detector {id:?}, expected one of {}",
                    crate::DETECTORS.join(", ")
                ));
            }
        }
        for (id, learning) in &self.learning.detectors {
            if !crate::LEARNING_DETECTORS.contains(&id.as_str()) {
                let known = if crate::DETECTORS.contains(&id.as_str()) {
                    "a detector without a learning period"
                } else {
                    "an unknown detector"
                };
                problems.push(format!(
                    "engine.learning.detectors: {id:?} is {known}, expected one of {}",
                    crate::LEARNING_DETECTORS.join(", ")
                ));
            }
            if learning.min_events == Some(0) {
                problems.push(format!(
                    "engine.learning.detectors.{id}.min_events: must be at least 1"
                ));
            }
        }
        for attribute in &self.first_seen.attributes {
            if !FIRST_SEEN_ATTRIBUTES.contains(&attribute.as_str()) {
                problems.push(format!(
                    "engine.first_seen.attributes: unknown attribute {attribute:?}, expected one of {}",
                    FIRST_SEEN_ATTRIBUTES.join(", ")
                ));
            }
        }
        for (index, pattern) in self.first_seen.role_namespace_patterns.iter().enumerate() {
            let key = format!("engine.first_seen.role_namespace_patterns[{index}]");
            match regex::Regex::new(pattern) {
                Ok(compiled) if compiled.capture_names().flatten().any(|name| name == "namespace") => {}
                Ok(_) => problems.push(format!(
                    "{key}: {pattern:?} has no group named `namespace`; write it as (?P<namespace>...)"
                )),
                Err(error) => problems.push(format!("{key}: invalid regular expression: {error}")),
            }
        }
        for (index, rule) in self.suppressions.iter().enumerate() {
            problems.extend(rule.problems(index));
        }
        if let Err(errors) = ispm_posture::PolicySet::new(&self.policies) {
            problems.extend(
                errors
                    .iter()
                    .map(|error| format!("engine.policies: {error}")),
            );
        }
        if let Err(errors) = self.scoring.validate() {
            problems.extend(
                errors
                    .iter()
                    .map(|error| format!("engine.scoring: {error}")),
            );
        }
        for (index, rule) in self.inventory.owners.iter().enumerate() {
            if rule.identity.trim().is_empty() || rule.owner.trim().is_empty() {
                problems.push(format!(
                    "engine.inventory.owners[{index}]: identity and owner must not be empty"
                ));
            }
        }
        let mut check = |ok: bool, key: &str, message: &str| {
            if !ok {
                problems.push(format!("engine.{key}: {message}"));
            }
        };
        check(
            self.first_seen.ipv4_prefix <= 32,
            "first_seen.ipv4_prefix",
            "must be at most 32",
        );
        check(
            self.first_seen.ipv6_prefix <= 128,
            "first_seen.ipv6_prefix",
            "must be at most 128",
        );
        check(
            self.first_seen.max_values >= 1,
            "first_seen.max_values",
            "must be at least 1",
        );
        check(
            !self.learning.relearn_after.is_zero(),
            "learning.relearn_after",
            "must be longer than 0s",
        );
        check(
            self.learning.min_events >= 1,
            "learning.min_events",
            "must be at least 1",
        );
        check(
            !self.bursts.window.is_zero(),
            "bursts.window",
            "must be longer than 0s",
        );
        check(
            self.bursts.access_denied_threshold >= 1,
            "bursts.access_denied_threshold",
            "must be at least 1",
        );
        check(
            self.bursts.enumeration_threshold >= 1,
            "bursts.enumeration_threshold",
            "must be at least 1",
        );
        check(
            self.bursts.secret_access_threshold >= 1,
            "bursts.secret_access_threshold",
            "must be at least 1",
        );
        check(
            self.inventory.max_consumers >= 1,
            "inventory.max_consumers",
            "must be at least 1",
        );
        check(
            self.inventory.max_credentials >= 1,
            "inventory.max_credentials",
            "must be at least 1",
        );
        check(
            self.activity.spike_factor > 1.0,
            "activity.spike_factor",
            "must be greater than 1",
        );
        check(
            self.activity.daily_spike_factor > 1.0,
            "activity.daily_spike_factor",
            "must be greater than 1",
        );
        check(
            self.shared_key.min_asns >= 2,
            "shared_key.min_asns",
            "must be at least 2",
        );
        check(
            !self.shared_key.window.is_zero(),
            "shared_key.window",
            "must be longer than 0s",
        );
        check(
            self.travel.max_speed_kmh > 0.0,
            "travel.max_speed_kmh",
            "must be greater than 0",
        );
        check(
            self.travel.min_distance_km >= 0.0,
            "travel.min_distance_km",
            "must be at least 0",
        );
        check(
            !self.dormancy.idle_after.is_zero(),
            "dormancy.idle_after",
            "must be longer than 0s",
        );
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// The attributes the first-seen detector can watch.
pub const FIRST_SEEN_ATTRIBUTES: &[&str] = &[
    "source_network",
    "country",
    "asn",
    "user_agent",
    "region",
    "action",
    "service",
    "resource_type",
];

/// The learning period of an identity ends at the earlier of `duration`
/// after its first event and its `min_events`-th event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LearningConfig {
    /// Default 7 days: one full weekly cycle, so weekday and weekend routines
    /// are both in the baseline before anything counts as new.
    #[serde(with = "ispm_model::duration")]
    pub duration: Duration,
    /// Default 1000 events: a busy workload reaches it within hours and has
    /// by then called the APIs of its routine many times over.
    pub min_events: u64,
    /// An identity idle for this long learns again from its next event, for
    /// the duration and event count above, because its old routine no longer
    /// shows what is new. Default 90 days, the inactivity after which
    /// compliance frameworks want an account disabled.
    #[serde(with = "ispm_model::duration")]
    pub relearn_after: Duration,
    /// Learning periods of single detectors, by detector id, as
    /// `[engine.learning.detectors.<id>]` tables with `duration` and
    /// `min_events`. A field left out takes the detector's built-in period
    /// ([`BUILTIN_DETECTOR_LEARNING`]) or else the two settings above.
    /// Default: none, so only the built-in periods differ.
    pub detectors: BTreeMap<String, DetectorLearning>,
}

impl Default for LearningConfig {
    fn default() -> Self {
        LearningConfig {
            duration: Duration::from_secs(7 * 86_400),
            min_events: 1000,
            relearn_after: Duration::from_secs(90 * 86_400),
            detectors: BTreeMap::new(),
        }
    }
}

impl LearningConfig {
    /// Returns the learning duration and event count of one detector: its
    /// `[engine.learning.detectors.<id>]` values, else its built-in period,
    /// else the global `duration` and `min_events`.
    pub fn for_detector(&self, id: &str) -> (Duration, u64) {
        let (mut duration, mut min_events) = (self.duration, self.min_events);
        if let Some((_, builtin_duration, builtin_events)) = BUILTIN_DETECTOR_LEARNING
            .iter()
            .find(|(builtin_id, _, _)| *builtin_id == id)
        {
            (duration, min_events) = (*builtin_duration, *builtin_events);
        }
        if let Some(learning) = self.detectors.get(id) {
            duration = learning.duration.unwrap_or(duration);
            min_events = learning.min_events.unwrap_or(min_events);
        }
        (duration, min_events)
    }
}

/// Learning periods that differ from the global one without any setting.
///
/// `atypical_travel` learns for 14 days or 10 events, whichever comes first,
/// the initial learning period that Microsoft's documentation of Entra ID
/// Protection risk detections gives its atypical travel detection. A
/// person's usual places show within a few sessions, while the global 1000
/// events would keep a person who makes a few calls a day learning all week.
pub const BUILTIN_DETECTOR_LEARNING: &[(&str, Duration, u64)] = &[(
    crate::detectors::TRAVEL_ID,
    Duration::from_secs(14 * 86_400),
    10,
)];

/// One `[engine.learning.detectors.<id>]` table. The learning period of an
/// identity for the detector ends at the earlier of `duration` after its
/// first event and its `min_events`-th event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorLearning {
    /// Learning duration of the detector. Default: the detector's built-in
    /// duration, else `engine.learning.duration`.
    #[serde(
        default,
        with = "ispm_model::duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<Duration>,
    /// Events after which the detector's learning ends. Default: the
    /// detector's built-in count, else `engine.learning.min_events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_events: Option<u64>,
}

/// The first-seen detector: a new source network, user agent family, region
/// or API action for an identity whose learning period is over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirstSeenConfig {
    /// Attributes to watch, any of `source_network`, `country`, `asn`,
    /// `user_agent`, `region`, `action`, `service`. Default: all but
    /// `service`, because a new service always comes with a new action;
    /// watch `service` instead of `action` for coarser findings. `country`
    /// and `asn` need the `[enrich]` databases and stay silent without them.
    pub attributes: Vec<String>,
    /// Distinct values kept per attribute and identity. Past this the
    /// attribute is marked high-variance and no longer reported as new,
    /// because an identity that already uses this many values gives no
    /// signal with one more. Default 64.
    pub max_values: usize,
    /// IPv4 prefix length that counts as one source network. Default 24:
    /// addresses of one office or NAT pool stay one value.
    pub ipv4_prefix: u8,
    /// IPv6 prefix length that counts as one source network. Default 48,
    /// the usual allocation to one site.
    pub ipv6_prefix: u8,
    /// A source network (counted by its /16 block), country, ASN or user
    /// agent family that at least this many other identities of the tenant
    /// already use, or an API action or sensitive call that this many peers
    /// of a non-human identity already make, is not reported as new for
    /// one more identity. Peers share the last word of their name (such as
    /// `deploy` or `ec2`), their owner, or their Kubernetes namespace, and a
    /// value common in any one of these groups counts. Default 5: a shared
    /// office egress, CI network or fleet of instance roles is larger, an
    /// attacker's infrastructure is not. 0 turns tenant and peer context off.
    pub tenant_common_identities: u32,
    /// Regular expressions (Rust `regex` syntax) with a group named
    /// `namespace`, that take the Kubernetes namespace out of a role name,
    /// e.g. `^eks-(?P<namespace>[a-z0-9-]+)-irsa-` for roles named
    /// `eks-payments-irsa-api`. The first match wins. Identities named as
    /// service accounts (`system:serviceaccount:<namespace>:<name>`, in the
    /// name or the session name) need no pattern. Default: none, because
    /// role naming differs in every organisation.
    pub role_namespace_patterns: Vec<String>,
    /// A value the identity has not used for this long is forgotten: its
    /// next use is reported again, as a value unused for that many days,
    /// and a full set makes room by dropping such values before it turns
    /// high-variance. Default 90 days, the idle time after which a whole
    /// profile learns again (`learning.relearn_after`): a region or agent
    /// unused for a quarter is no longer part of the routine. `0s` keeps
    /// values for ever.
    #[serde(with = "ispm_model::duration")]
    pub value_expiry: Duration,
}

impl Default for FirstSeenConfig {
    fn default() -> Self {
        FirstSeenConfig {
            attributes: [
                "source_network",
                "country",
                "asn",
                "user_agent",
                "region",
                "action",
            ]
            .map(String::from)
            .to_vec(),
            max_values: 64,
            ipv4_prefix: 24,
            ipv6_prefix: 48,
            tenant_common_identities: 5,
            role_namespace_patterns: Vec::new(),
            value_expiry: Duration::from_secs(90 * 86_400),
        }
    }
}

/// Thresholds of the burst detectors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BurstConfig {
    /// Failed calls for lack of permission within `window` that raise a
    /// finding. Default 10: a misconfigured workload usually fails on one or
    /// two calls it retries; probing fails on many.
    pub access_denied_threshold: usize,
    /// Distinct List*, Describe* and Get* actions within `window` that raise
    /// a finding. Default 20: routine tools call a handful of read APIs, a
    /// discovery script walks many services.
    pub enumeration_threshold: usize,
    /// Distinct secrets or decrypted parameters read within `window` that
    /// raise a finding. Default 5: an application reads its few secrets at
    /// start; bulk reads of many secrets are how stolen keys get harvested.
    pub secret_access_threshold: usize,
    /// Sliding window of the burst detectors. Default 10 minutes.
    #[serde(with = "ispm_model::duration")]
    pub window: Duration,
}

impl Default for BurstConfig {
    fn default() -> Self {
        BurstConfig {
            access_denied_threshold: 10,
            enumeration_threshold: 20,
            secret_access_threshold: 5,
            window: Duration::from_secs(600),
        }
    }
}

/// The policies and groups that count as administrator-level grants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivilegeConfig {
    /// Managed policy names (the last segment of the ARN) that grant admin
    /// level. Default: AWS's `AdministratorAccess`, `IAMFullAccess` (can
    /// grant itself anything) and `PowerUserAccess`.
    pub admin_policies: Vec<String>,
    /// Case-insensitive substrings of group names that mark admin groups.
    pub admin_group_patterns: Vec<String>,
}

impl Default for PrivilegeConfig {
    fn default() -> Self {
        PrivilegeConfig {
            admin_policies: ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]
                .map(String::from)
                .to_vec(),
            admin_group_patterns: ["admin", "poweruser", "root"].map(String::from).to_vec(),
        }
    }
}

/// Inventory bookkeeping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InventoryConfig {
    /// Consumers kept per attribute (source IP, user agent, region) and
    /// identity; the least recently seen is dropped past it. Default 16.
    pub max_consumers: usize,
    /// Credentials kept per identity. Default 8: AWS allows two access keys
    /// per user, the rest are temporary session keys worth a glance.
    pub max_credentials: usize,
    /// A record whose only change is `last_seen` is republished at most this
    /// often in event time. Default 1 hour, to keep the compacted topic quiet.
    #[serde(with = "ispm_model::duration")]
    pub last_seen_interval: Duration,
    /// Tag keys that name an identity's owner, tried in this order and
    /// compared without case. Default `owner`, `team`, `contact`: the keys
    /// AWS's tagging best practices and most tagging policies use.
    pub owner_tags: Vec<String>,
    /// Owners by identity id pattern (`*` matches any text), for identities
    /// whose tags name no owner. The first matching rule wins. Default: none.
    pub owners: Vec<OwnerRule>,
}

/// One `[[engine.inventory.owners]]` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerRule {
    /// Identity id pattern, e.g. `aws:111122223333:role/payments-*`.
    pub identity: String,
    /// The owning team or person, e.g. `team-payments`.
    pub owner: String,
}

impl Default for InventoryConfig {
    fn default() -> Self {
        InventoryConfig {
            max_consumers: 16,
            max_credentials: 8,
            last_seen_interval: Duration::from_secs(3600),
            owner_tags: ["owner", "team", "contact"].map(String::from).to_vec(),
            owners: Vec::new(),
        }
    }
}

/// When an identity or access key counts as dormant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DormancyConfig {
    /// Idle time after which the next use of an access key, or of the
    /// identity, is reported. Default 30 days: longer than holidays and
    /// monthly batch jobs, and shorter than the 45 to 90 days after which
    /// compliance frameworks want unused credentials disabled.
    #[serde(with = "ispm_model::duration")]
    pub idle_after: Duration,
}

impl Default for DormancyConfig {
    fn default() -> Self {
        DormancyConfig {
            idle_after: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Settings of the identity state in memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateConfig {
    /// An identity with no event for this long, in event time, is kept in a
    /// compact encoded form of a few hundred bytes instead of its state of
    /// about 1,100, and decoded again when anything touches it. Findings
    /// and inventory are the same either way. Only memory and the time to
    /// decode (a few microseconds per identity) change. The engine looks for
    /// idle identities each time event time passes a quarter of this.
    /// Default 1 hour. That is longer than the burst windows (10 minutes) and
    /// the shared-key and repeat windows (1 hour), so an identity in the
    /// middle of a busy spell is not encoded and decoded on every event. It
    /// is much shorter than the day-long gaps of daily jobs and of people
    /// overnight, which are most of the identities of a large organisation
    /// at any time. `0s` keeps every identity in its full form.
    #[serde(with = "ispm_model::duration")]
    pub compact_after: Duration,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            compact_after: Duration::from_secs(3600),
        }
    }
}

/// The volume spike detector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActivityConfig {
    /// Calls in one hour above this many times the identity's long-run
    /// average per active hour are a spike. Default 10.
    pub spike_factor: f32,
    /// Minimum calls in an hour that can be a spike, so that quiet
    /// identities going from 1 to 12 calls are not reported. Default 200.
    pub spike_min_events: u32,
    /// Calls in one UTC day above this many times the identity's long-run
    /// average per active day are a spike. Default 5: a day adds up 24
    /// hours, so its count varies far less than an hour's, and a smaller
    /// factor than the hourly one stays quiet.
    pub daily_spike_factor: f32,
    /// Minimum calls in a day that can be a daily spike. Default 1,000:
    /// a stolen key kept busy at one call a minute makes 1,440 a day.
    pub daily_spike_min_events: u32,
}

impl Default for ActivityConfig {
    fn default() -> Self {
        ActivityConfig {
            spike_factor: 10.0,
            spike_min_events: 200,
            daily_spike_factor: 5.0,
            daily_spike_min_events: 1_000,
        }
    }
}

/// When one access key counts as used from too many places at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SharedKeyConfig {
    /// Distinct autonomous systems within `window` that make a key shared.
    /// Default 3: a workload and its owner's laptop make two.
    pub min_asns: usize,
    /// Time within which the uses count together. Default 1 hour.
    #[serde(with = "ispm_model::duration")]
    pub window: Duration,
}

impl Default for SharedKeyConfig {
    fn default() -> Self {
        SharedKeyConfig {
            min_asns: 3,
            window: Duration::from_secs(3600),
        }
    }
}

/// The atypical travel detector: a person seen at two places further apart
/// than anyone could travel in the time between. It needs `[enrich]
/// city_db`, because only a city database gives coordinates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TravelConfig {
    /// Speed in km/h between two consecutive located events above which the
    /// move is reported. Default 1000 km/h: faster than an airliner's cruise
    /// of 850 to 950 km/h, so a real journey stays below it even when both
    /// events are right at departure and arrival.
    pub max_speed_kmh: f64,
    /// Distance in km below which a move is never reported, whatever the
    /// speed. Default 500 km, because a city database often places an
    /// address, most of all a mobile or ISP one, in the wrong city of its
    /// region. Two such errors a few hundred kilometres apart within minutes
    /// would otherwise look faster than an airliner.
    pub min_distance_km: f64,
}

impl Default for TravelConfig {
    fn default() -> Self {
        TravelConfig {
            max_speed_kmh: 1000.0,
            min_distance_km: 500.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(EngineConfig::default().validate(), Ok(()));
    }

    #[test]
    fn every_invalid_value_is_reported() {
        let mut config = EngineConfig {
            disabled_detectors: vec!["logging_tamperng".to_owned()],
            ..EngineConfig::default()
        };
        config.first_seen.attributes = vec!["source_netwrk".to_owned()];
        config.first_seen.ipv4_prefix = 40;
        config.bursts.window = Duration::ZERO;
        let problems = config.validate().expect_err("invalid");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("logging_tamperng"));
    }

    #[test]
    fn learning_of_unknown_or_unlearning_detector_is_rejected() {
        let mut config = EngineConfig::default();
        for id in ["atypical_travl", "root_account_used"] {
            config
                .learning
                .detectors
                .insert(id.to_owned(), DetectorLearning::default());
        }
        config.learning.detectors.insert(
            "first_seen".to_owned(),
            DetectorLearning {
                duration: None,
                min_events: Some(0),
            },
        );
        let problems = config.validate().expect_err("invalid");
        assert_eq!(problems.len(), 3, "{problems:?}");
        // Reported in the order of the detector ids.
        assert!(problems[0].contains("\"atypical_travl\" is an unknown detector"));
        assert!(problems[1].contains("first_seen.min_events"));
        assert!(problems[2].contains("\"root_account_used\" is a detector without"));
    }

    #[test]
    fn detector_learning_falls_back_to_builtin_then_global() {
        let mut config = LearningConfig::default();
        let day = Duration::from_secs(86_400);
        assert_eq!(config.for_detector("first_seen"), (7 * day, 1000));
        assert_eq!(config.for_detector("atypical_travel"), (14 * day, 10));
        config.detectors.insert(
            "atypical_travel".to_owned(),
            DetectorLearning {
                duration: Some(day),
                min_events: None,
            },
        );
        assert_eq!(config.for_detector("atypical_travel"), (day, 10));
    }
}
