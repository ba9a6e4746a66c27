use ispm_model::PrivilegeLevel;

use super::*;
use crate::lifecycle::reconcile;
use crate::risk::score_identity;
use crate::test_support::*;

const OTHER_ACCOUNT: &str = "444455556666";

struct World {
    set: PolicySet,
    config: ScoringConfig,
    aggregator: PostureAggregator,
}

impl World {
    fn new() -> Self {
        let config = ScoringConfig::default();
        World {
            set: default_set(),
            aggregator: PostureAggregator::new(&config),
            config,
        }
    }

    fn update(&mut self, record: &InventoryRecord, now: EventTime) {
        let evaluation = self.set.evaluate(record, now);
        let mut open = Vec::new();
        let mut findings = Vec::new();
        reconcile(
            &self.set,
            record,
            &evaluation,
            &mut open,
            now,
            &mut findings,
        );
        let posture = score_identity(
            record,
            &self.set,
            &evaluation,
            &open,
            &[],
            &self.config,
            now,
        );
        self.aggregator
            .update(&posture, record, &evaluation, &self.set);
    }
}

/// A person without an owner, with MFA, seen recently.
fn alice() -> InventoryRecord {
    let mut alice = user("alice");
    alice.privilege = PrivilegeLevel::Admin;
    alice.mfa_active = Some(true);
    alice.last_seen = Some(day(99));
    alice
}

/// An owned service user with a key past the rotation limit.
fn etl() -> InventoryRecord {
    let mut etl = service_user("etl");
    etl.owner = Some("team-data".to_owned());
    etl.last_seen = Some(day(99));
    let mut key = key("AKIAETL");
    key.last_rotated = Some(day(0));
    key.last_used = Some(day(99));
    etl.credentials.push(key);
    etl
}

/// An owned, unused role in another account.
fn report_role() -> InventoryRecord {
    let mut role = role("report");
    role.account = Some(OTHER_ACCOUNT.to_owned());
    role.owner = Some("team-data".to_owned());
    role.created_at = Some(day(0));
    role
}

fn find<'a>(summaries: &'a [PostureSummary], scope: &str) -> &'a PostureSummary {
    summaries
        .iter()
        .find(|summary| summary.scope == scope)
        .unwrap_or_else(|| panic!("no summary for {scope}"))
}

fn scopes(summaries: &[PostureSummary]) -> Vec<&str> {
    summaries
        .iter()
        .map(|summary| summary.scope.as_str())
        .collect()
}

fn world_of_three(now: EventTime) -> World {
    let mut world = World::new();
    world.update(&alice(), now);
    world.update(&etl(), now);
    world.update(&report_role(), now);
    world
}

#[test]
fn summaries_cover_org_accounts_and_owners() {
    let now = day(100);
    let world = world_of_three(now);
    let summaries = world.aggregator.summaries(now);
    assert_eq!(
        scopes(&summaries),
        vec![
            "org",
            "account:111122223333",
            "account:444455556666",
            "owner:team-data"
        ]
    );
    assert_eq!(find(&summaries, "org").identities, 3);
    assert_eq!(find(&summaries, "org").non_human_identities, 2);
    assert_eq!(find(&summaries, "account:111122223333").identities, 2);
    assert_eq!(find(&summaries, "account:444455556666").identities, 1);
    assert_eq!(find(&summaries, "owner:team-data").identities, 2);
    assert!(summaries.iter().all(|summary| summary.as_of == now));
}

#[test]
fn hygiene_shares_follow_their_definitions() {
    let now = day(100);
    let world = world_of_three(now);
    let summaries = world.aggregator.summaries(now);
    let org = &find(&summaries, "org").hygiene;
    // etl and the role are owned non-human identities.
    assert_eq!(org.nhi_with_owner, Some(1.0));
    // etl's only key is 100 days old.
    assert_eq!(org.keys_rotated_within_policy, Some(0.0));
    // The role was created 100 days ago and never used.
    assert_eq!(org.stale_identities, Some(1.0 / 3.0));
    // alice is the only privileged person and has MFA.
    assert_eq!(org.privileged_mfa_coverage, Some(1.0));

    let other = &find(&summaries, "account:444455556666").hygiene;
    assert_eq!(other.keys_rotated_within_policy, None);
    assert_eq!(other.privileged_mfa_coverage, None);
}

#[test]
fn posture_score_mixes_weighted_pass_rate_and_risk() {
    let now = day(100);
    let world = world_of_three(now);
    let summaries = world.aggregator.summaries(now);
    let other = find(&summaries, "account:444455556666");
    // The role is checked by identity_inactive_enabled (medium, violated)
    // and nhi_without_owner (medium, passed): pass rate 3 / 6.
    assert_eq!(other.policy_checks, 2);
    assert_eq!(other.policy_passes, 1);
    let expected = 100.0 * (0.7 * 0.5 + 0.3 * (1.0 - other.mean_risk / 100.0));
    assert!((other.posture_score - expected).abs() < 1e-9);
    assert_eq!(
        other.violations_by_severity,
        vec![
            ("Critical".to_owned(), 0),
            ("High".to_owned(), 0),
            ("Medium".to_owned(), 1),
            ("Low".to_owned(), 0),
            ("Informational".to_owned(), 0),
        ]
    );
}

#[test]
fn changed_summaries_returns_only_changed_scopes() {
    let now = day(100);
    let mut world = world_of_three(now);
    assert_eq!(world.aggregator.changed_summaries(now).len(), 4);
    assert!(world.aggregator.changed_summaries(now).is_empty());

    // The same record again changes no number.
    world.update(&report_role(), now);
    assert!(world.aggregator.changed_summaries(now).is_empty());

    // Using the role clears its staleness: its account, its owner and org
    // change, alice's account does not.
    let mut used = report_role();
    used.last_seen = Some(day(100));
    world.update(&used, now);
    let changed = world.aggregator.changed_summaries(now);
    assert_eq!(
        scopes(&changed),
        vec!["org", "account:444455556666", "owner:team-data"]
    );
}

#[test]
fn removing_the_last_identity_reports_an_empty_scope_once() {
    let now = day(100);
    let mut world = world_of_three(now);
    world.aggregator.changed_summaries(now);

    world.aggregator.remove(&report_role().identity);
    let changed = world.aggregator.changed_summaries(now);
    assert_eq!(
        scopes(&changed),
        vec!["org", "account:444455556666", "owner:team-data"]
    );
    assert_eq!(find(&changed, "account:444455556666").identities, 0);
    assert!(world.aggregator.changed_summaries(now).is_empty());
    let summaries = world.aggregator.summaries(now);
    assert!(!scopes(&summaries).contains(&"account:444455556666"));
    assert_eq!(world.aggregator.len(), 2);
}

#[test]
fn identity_without_owner_counts_in_org_and_account_only() {
    let now = day(100);
    let mut world = World::new();
    world.update(&alice(), now);
    let summaries = world.aggregator.summaries(now);
    assert_eq!(scopes(&summaries), vec!["org", "account:111122223333"]);
}

#[test]
fn owner_change_moves_the_identity_between_owner_scopes() {
    let now = day(100);
    let mut world = world_of_three(now);
    let mut moved = etl();
    moved.owner = Some("team-platform".to_owned());
    world.update(&moved, now);
    let summaries = world.aggregator.summaries(now);
    assert_eq!(find(&summaries, "owner:team-data").identities, 1);
    assert_eq!(find(&summaries, "owner:team-platform").identities, 1);
    assert_eq!(find(&summaries, "org").identities, 3);
}

#[test]
fn entry_stays_small() {
    assert!(
        std::mem::size_of::<Entry>() <= 48,
        "{}",
        std::mem::size_of::<Entry>()
    );
}
