//! Identity facts joined from the inventory and posture records.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ispm_model::{IdentityKind, IdentityPosture, InventoryRecord, RiskFactor};

use crate::filters::Filters;
use crate::load::Dataset;
use crate::model::{IdentityRow, RISKIEST_LIMIT, RiskyIdentity};

/// Account, owner and kind of an identity. The inventory record is the
/// primary source; the posture record fills what the inventory lacks.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdentityFacts<'a> {
    pub account: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub kind: Option<IdentityKind>,
}

pub struct IdentityDirectory<'a> {
    inventory: &'a BTreeMap<String, InventoryRecord>,
    postures: &'a BTreeMap<String, IdentityPosture>,
    facts: HashMap<&'a str, IdentityFacts<'a>>,
}

impl<'a> IdentityDirectory<'a> {
    pub fn new(dataset: &'a Dataset) -> Self {
        let mut facts: HashMap<&str, IdentityFacts> = HashMap::new();
        for (id, record) in &dataset.inventory {
            facts.insert(
                id,
                IdentityFacts {
                    account: record.account.as_deref(),
                    owner: record.owner.as_deref(),
                    kind: Some(record.kind),
                },
            );
        }
        for (id, posture) in &dataset.postures {
            let entry = facts.entry(id).or_default();
            entry.account = entry.account.or(posture.account.as_deref());
            entry.owner = entry.owner.or(posture.owner.as_deref());
            entry.kind = entry.kind.or(Some(posture.kind));
        }
        IdentityDirectory {
            inventory: &dataset.inventory,
            postures: &dataset.postures,
            facts,
        }
    }

    pub fn facts(&self, identity: &str) -> IdentityFacts<'a> {
        self.facts.get(identity).copied().unwrap_or_default()
    }

    pub fn accounts(&self) -> BTreeSet<&'a str> {
        self.facts
            .values()
            .filter_map(|facts| facts.account)
            .collect()
    }

    pub fn owners(&self) -> BTreeSet<&'a str> {
        self.facts
            .values()
            .filter_map(|facts| facts.owner)
            .collect()
    }

    fn keeps(&self, identity: &str, filters: &Filters) -> bool {
        let facts = self.facts(identity);
        filters.keeps_identity(facts.account, facts.owner, facts.kind)
    }

    /// Returns every identity that passes the filters, ordered by id.
    pub fn rows(&self, filters: &Filters) -> Vec<IdentityRow> {
        let ids: BTreeSet<&str> = self
            .inventory
            .keys()
            .chain(self.postures.keys())
            .map(String::as_str)
            .collect();
        ids.into_iter()
            .filter(|id| self.keeps(id, filters))
            .map(|id| self.row(id))
            .collect()
    }

    fn row(&self, id: &str) -> IdentityRow {
        let facts = self.facts(id);
        let record = self.inventory.get(id);
        let posture = self.postures.get(id);
        let name = record
            .map(|record| record.name.clone())
            .or_else(|| posture.map(|posture| posture.name.clone()))
            .unwrap_or_default();
        IdentityRow {
            identity: id.to_owned(),
            name,
            kind: facts.kind,
            nhi_type: record.and_then(|record| record.nhi_type),
            account: facts.account.map(str::to_owned),
            owner: facts.owner.map(str::to_owned),
            privilege: record
                .map(|record| record.privilege)
                .or(posture.map(|posture| posture.privilege)),
            enabled: record.map(|record| record.enabled),
            mfa_active: record.and_then(|record| record.mfa_active),
            last_seen: record.and_then(|record| record.last_seen),
            event_count: record.map(|record| record.event_count),
            risk_score: posture.map(|posture| posture.risk_score),
            priority: posture.map(|posture| posture.priority),
            factors: posture.map(sorted_factors).unwrap_or_default(),
            open_violations: posture
                .map(|posture| posture.open_violations.clone())
                .unwrap_or_default(),
        }
    }
}

/// Returns the [`RISKIEST_LIMIT`] identities with the highest priority that
/// pass the filters. Ties go to the higher risk score, then the lower id, so
/// the order is the same on every run.
pub fn riskiest(
    dataset: &Dataset,
    directory: &IdentityDirectory,
    filters: &Filters,
) -> Vec<RiskyIdentity> {
    let mut postures: Vec<&IdentityPosture> = dataset
        .postures
        .values()
        .filter(|posture| directory.keeps(posture.identity.as_str(), filters))
        .collect();
    postures.sort_by(|left, right| {
        right
            .priority
            .total_cmp(&left.priority)
            .then(right.risk_score.cmp(&left.risk_score))
            .then(left.identity.cmp(&right.identity))
    });
    postures
        .into_iter()
        .take(RISKIEST_LIMIT)
        .map(|posture| {
            let facts = directory.facts(posture.identity.as_str());
            RiskyIdentity {
                identity: posture.identity.as_str().to_owned(),
                name: posture.name.clone(),
                kind: posture.kind,
                owner: facts.owner.map(str::to_owned),
                account: facts.account.map(str::to_owned),
                privilege: posture.privilege,
                risk_score: posture.risk_score,
                priority: posture.priority,
                factors: sorted_factors(posture),
                open_violations: posture.open_violations.clone(),
                as_of: posture.as_of,
            }
        })
        .collect()
}

fn sorted_factors(posture: &IdentityPosture) -> Vec<RiskFactor> {
    let mut factors = posture.factors.clone();
    // Stable, so factors with equal points keep the engine's order.
    factors.sort_by_key(|factor| std::cmp::Reverse(factor.points));
    factors
}
