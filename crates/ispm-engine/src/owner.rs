//! Owner assignment: from the identity's tags, else from the configured owner map.

use ispm_model::IdentityId;

use crate::config::InventoryConfig;
use crate::state::IdentityState;
use crate::suppression::glob_matches;

/// Sets the owner from the tags (first configured key present, compared
/// without case) or, when no tag names one, from the first owner rule whose
/// pattern matches the identity id. An owner a snapshot states directly is
/// set by the snapshot merge and is not replaced here.
pub(crate) fn assign_owner(config: &InventoryConfig, state: &mut IdentityState) {
    let details = state.posture.details();
    if details
        .and_then(|details| details.owner_source.as_deref())
        .is_some_and(|source| !source.starts_with("tag:") && source != "owner_map")
    {
        return;
    }
    let from_tags = config.owner_tags.iter().find_map(|key| {
        details?
            .tags
            .iter()
            .find(|(tag, value)| tag.eq_ignore_ascii_case(key) && !value.is_empty())
            .map(|(tag, value)| (value.clone(), format!("tag:{tag}")))
    });
    let found = from_tags.or_else(|| {
        owner_from_map(config, &state.id).map(|owner| (owner.to_owned(), "owner_map".to_owned()))
    });
    if let Some((owner, source)) = found
        && details.is_none_or(|details| {
            details.owner.as_deref() != Some(owner.as_str())
                || details.owner_source.as_deref() != Some(source.as_str())
        })
    {
        let details = state.posture.details_mut();
        details.owner = Some(owner);
        details.owner_source = Some(source);
        state.inventory_dirty = true;
    }
}

fn owner_from_map<'c>(config: &'c InventoryConfig, id: &IdentityId) -> Option<&'c str> {
    config
        .owners
        .iter()
        .find(|rule| glob_matches(&rule.identity, id.as_str()))
        .map(|rule| rule.owner.as_str())
}
