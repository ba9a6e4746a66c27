//! A static check of the fields a condition reads: `identity.ownr` is a typo
//! to report when the configuration loads, not a runtime error on every
//! record.
//!
//! The check follows `identity`, its `credentials` and `consumers` lists (and
//! each credential's own `consumers`), and
//! the variables that comprehensions (`exists`, `all`, `filter`, `map`) bind
//! to their elements. Fields of anything else (tags, literals) are not
//! checked here, since any key is valid there.

use cel::common::ast::{EntryExpr, Expr, IdedExpr};

/// Fields of `identity`, as `values.rs` builds it.
pub(crate) const IDENTITY_FIELDS: &[&str] = &[
    "id",
    "name",
    "kind",
    "nhi_type",
    "kind_reason",
    "account",
    "arn",
    "created_by",
    "created_at",
    "first_seen",
    "last_seen",
    "event_count",
    "owner",
    "owner_source",
    "tags",
    "privilege",
    "effective_privilege",
    "privilege_reason",
    "enabled",
    "mfa_active",
    "sources",
    "via_roles",
    "consumers_truncated",
    "snapshot_as_of",
    "last_activity",
    "inactive_days",
    "credentials",
    "consumers",
];

/// Fields of each element of `identity.credentials`.
pub(crate) const CREDENTIAL_FIELDS: &[&str] = &[
    "id",
    "kind",
    "status",
    "active",
    "created_at",
    "created_by",
    "first_used",
    "last_used",
    "use_count",
    "last_rotated",
    "slot",
    "last_used_region",
    "last_used_service",
    "age_days",
    "unused_days",
    "consumers",
    "consumers_truncated",
];

/// Fields of each element of `identity.consumers`.
pub(crate) const CONSUMER_FIELDS: &[&str] =
    &["attribute", "value", "count", "first_seen", "last_seen"];

/// What the check knows about the value of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Identity,
    Credential,
    Consumer,
    Credentials,
    Consumers,
    Other,
}

impl Shape {
    fn fields(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            Shape::Identity => Some(("identity", IDENTITY_FIELDS)),
            Shape::Credential => Some(("a credential", CREDENTIAL_FIELDS)),
            Shape::Consumer => Some(("a consumer", CONSUMER_FIELDS)),
            _ => None,
        }
    }

    fn element(self) -> Shape {
        match self {
            Shape::Credentials => Shape::Credential,
            Shape::Consumers => Shape::Consumer,
            _ => Shape::Other,
        }
    }
}

/// A field that the value it is read from does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnknownField {
    /// Id of the select expression, for its position in the source.
    pub expr_id: u64,
    pub message: String,
}

/// Returns the first field the condition reads that does not exist.
pub(crate) fn find_unknown_field(expression: &IdedExpr) -> Option<UnknownField> {
    let mut scope = Vec::new();
    let mut found = None;
    walk(expression, &mut scope, &mut found);
    found
}

fn walk(
    expression: &IdedExpr,
    scope: &mut Vec<(String, Shape)>,
    found: &mut Option<UnknownField>,
) -> Shape {
    match &expression.expr {
        Expr::Ident(name) => lookup(scope, name),
        Expr::Select(select) => {
            let operand = walk(&select.operand, scope, found);
            select_field(operand, &select.field, expression.id, found)
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                walk(target, scope, found);
            }
            for argument in &call.args {
                walk(argument, scope, found);
            }
            Shape::Other
        }
        Expr::Comprehension(comprehension) => {
            let range = walk(&comprehension.iter_range, scope, found);
            walk(&comprehension.accu_init, scope, found);
            let depth = scope.len();
            match &comprehension.iter_var2 {
                // Two-variable forms bind the index or key first, then the
                // element.
                Some(second) => {
                    scope.push((comprehension.iter_var.clone(), Shape::Other));
                    scope.push((second.clone(), range.element()));
                }
                None => scope.push((comprehension.iter_var.clone(), range.element())),
            }
            scope.push((comprehension.accu_var.clone(), Shape::Other));
            walk(&comprehension.loop_cond, scope, found);
            walk(&comprehension.loop_step, scope, found);
            walk(&comprehension.result, scope, found);
            scope.truncate(depth);
            Shape::Other
        }
        Expr::List(list) => {
            for element in &list.elements {
                walk(element, scope, found);
            }
            Shape::Other
        }
        Expr::Map(map) => {
            walk_entries(map.entries.iter().map(|entry| &entry.expr), scope, found);
            Shape::Other
        }
        Expr::Struct(structure) => {
            walk_entries(
                structure.entries.iter().map(|entry| &entry.expr),
                scope,
                found,
            );
            Shape::Other
        }
        Expr::Literal(_) | Expr::Unspecified => Shape::Other,
    }
}

fn walk_entries<'a>(
    entries: impl Iterator<Item = &'a EntryExpr>,
    scope: &mut Vec<(String, Shape)>,
    found: &mut Option<UnknownField>,
) {
    for entry in entries {
        match entry {
            EntryExpr::StructField(field) => {
                walk(&field.value, scope, found);
            }
            EntryExpr::MapEntry(map_entry) => {
                walk(&map_entry.key, scope, found);
                walk(&map_entry.value, scope, found);
            }
        }
    }
}

fn lookup(scope: &[(String, Shape)], name: &str) -> Shape {
    if let Some((_, shape)) = scope.iter().rev().find(|(bound, _)| bound == name) {
        return *shape;
    }
    if name == "identity" {
        Shape::Identity
    } else {
        Shape::Other
    }
}

fn select_field(
    operand: Shape,
    field: &str,
    expr_id: u64,
    found: &mut Option<UnknownField>,
) -> Shape {
    let Some((owner, fields)) = operand.fields() else {
        return Shape::Other;
    };
    if !fields.contains(&field) {
        if found.is_none() {
            *found = Some(UnknownField {
                expr_id,
                message: format!(
                    "unknown field `{field}` of {owner}; known fields: {}",
                    fields.join(", ")
                ),
            });
        }
        return Shape::Other;
    }
    match (operand, field) {
        (Shape::Identity, "credentials") => Shape::Credentials,
        (Shape::Identity | Shape::Credential, "consumers") => Shape::Consumers,
        _ => Shape::Other,
    }
}
