//! Posture scores from the summary records: the headline scope with its
//! trend, and the latest record per account and per owner.

use std::collections::{BTreeMap, BTreeSet};

use ispm_model::PostureSummary;

use crate::filters::Filters;
use crate::load::Dataset;
use crate::model::{Headline, IdentityRow, ScopePosture, TrendPoint};

const ORG_SCOPE: &str = "org";
const ACCOUNT_PREFIX: &str = "account:";
const OWNER_PREFIX: &str = "owner:";

/// Returns the headline of the narrowest summary scope the filters select:
/// the owner, else the account, else the organisation. The pipeline keeps no
/// summary per kind or framework, so those filters leave it unchanged.
pub fn headline(dataset: &Dataset, filters: &Filters) -> Headline {
    let scope = match (&filters.owner, &filters.account) {
        (Some(owner), _) => format!("{OWNER_PREFIX}{owner}"),
        (None, Some(account)) => format!("{ACCOUNT_PREFIX}{account}"),
        (None, None) => ORG_SCOPE.to_owned(),
    };

    let mut records: Vec<&PostureSummary> = dataset
        .summaries
        .iter()
        .filter(|summary| summary.scope == scope)
        .collect();
    // Stable, so among records with the same `as_of` the later one in the
    // file stays last and wins, as on the compacted topic.
    records.sort_by_key(|summary| summary.as_of);

    let mut trend: Vec<TrendPoint> = Vec::new();
    for summary in &records {
        let point = TrendPoint {
            as_of: summary.as_of,
            posture_score: summary.posture_score,
        };
        match trend.last_mut() {
            Some(last) if last.as_of == point.as_of => *last = point,
            _ => trend.push(point),
        }
    }

    let latest = records.last().map(|summary| scope_posture(&scope, summary));
    Headline {
        scope,
        latest,
        trend,
    }
}

/// Returns the latest summary per account and per owner, worst score first.
///
/// With an account, owner or kind filter, the tables keep only the scopes of
/// identities that pass the filters, plus the filtered account or owner.
pub fn scopes(
    dataset: &Dataset,
    filters: &Filters,
    identities: &[IdentityRow],
) -> (Vec<ScopePosture>, Vec<ScopePosture>) {
    let mut latest: BTreeMap<&str, &PostureSummary> = BTreeMap::new();
    for summary in &dataset.summaries {
        let newer = latest
            .get(summary.scope.as_str())
            .is_none_or(|current| summary.as_of >= current.as_of);
        if newer {
            latest.insert(&summary.scope, summary);
        }
    }

    let narrowed = filters.account.is_some() || filters.owner.is_some() || filters.kind.is_some();
    let allowed_accounts: BTreeSet<&str> = match &filters.account {
        Some(account) => BTreeSet::from([account.as_str()]),
        None => identities
            .iter()
            .filter_map(|row| row.account.as_deref())
            .collect(),
    };
    let allowed_owners: BTreeSet<&str> = match &filters.owner {
        Some(owner) => BTreeSet::from([owner.as_str()]),
        None => identities
            .iter()
            .filter_map(|row| row.owner.as_deref())
            .collect(),
    };

    let select = |prefix: &str, allowed: &BTreeSet<&str>| {
        let mut rows: Vec<ScopePosture> = latest
            .iter()
            .filter_map(|(scope, summary)| {
                let name = scope.strip_prefix(prefix)?;
                if narrowed && !allowed.contains(name) {
                    return None;
                }
                Some(scope_posture(scope, summary))
            })
            .collect();
        rows.sort_by(|left, right| {
            left.summary
                .posture_score
                .total_cmp(&right.summary.posture_score)
                .then_with(|| left.name.cmp(&right.name))
        });
        rows
    };
    (
        select(ACCOUNT_PREFIX, &allowed_accounts),
        select(OWNER_PREFIX, &allowed_owners),
    )
}

fn scope_posture(scope: &str, summary: &PostureSummary) -> ScopePosture {
    let name = scope
        .split_once(':')
        .map_or(scope, |(_, name)| name)
        .to_owned();
    ScopePosture {
        name,
        open_violations: summary
            .violations_by_severity
            .iter()
            .map(|(_, count)| count)
            .sum(),
        summary: summary.clone(),
    }
}
