//! The policy table of `docs/policies.md`, generated from the catalogue so
//! that the documentation cannot drift from the code.

use crate::catalogue::FRAMEWORKS;
use crate::policy_set::PolicySet;

/// Marker lines around the generated table in `docs/policies.md`.
pub const TABLE_START: &str = "<!-- policy-table:start -->";
pub const TABLE_END: &str = "<!-- policy-table:end -->";

/// Renders one Markdown table row per enabled built-in policy: id, severity,
/// what it checks, and its SOC 2, NIST 800-53 and PCI DSS 4.0 controls.
pub fn policy_table_markdown(set: &PolicySet) -> String {
    let mut table = String::from("| Policy | Severity | What it checks |");
    for framework in FRAMEWORKS {
        table.push_str(&format!(" {framework} |"));
    }
    table.push_str("\n|---|---|---|");
    for _ in FRAMEWORKS {
        table.push_str("---|");
    }
    table.push('\n');
    for policy in set.policies().iter().filter(|policy| policy.builtin) {
        table.push_str(&format!(
            "| `{}` | {} | {} |",
            policy.id,
            policy.severity.label(),
            policy.summary.replace('|', "\\|")
        ));
        for framework in FRAMEWORKS {
            let ids: Vec<&str> = policy
                .controls
                .iter()
                .filter(|control| control.framework == framework)
                .map(|control| control.id.as_str())
                .collect();
            let cell = if ids.is_empty() {
                "—".to_owned()
            } else {
                ids.join(", ")
            };
            table.push_str(&format!(" {cell} |"));
        }
        table.push('\n');
    }
    table
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::test_support::default_set;

    fn docs_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/policies.md")
    }

    /// Splits the file around the generated table: text up to and including
    /// the start marker line, the table, and the rest from the end marker on.
    fn split(text: &str) -> Option<(&str, &str, &str)> {
        let start = text.find(TABLE_START)? + TABLE_START.len() + 1;
        let end = text.find(TABLE_END)?;
        (start <= end).then(|| (&text[..start], &text[start..end], &text[end..]))
    }

    #[test]
    fn docs_policy_table_matches_the_catalogue() {
        let readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
        let generated = policy_table_markdown(&default_set());
        let update = std::env::var_os("ISPM_UPDATE_DOCS").is_some();
        let mut stale = Vec::new();
        for path in [docs_path(), readme] {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            let (head, table, tail) = split(&text).unwrap_or_else(|| {
                panic!(
                    "{} lacks the {TABLE_START} and {TABLE_END} lines",
                    path.display()
                )
            });
            if table == generated {
                continue;
            }
            if update {
                let updated = format!("{head}{generated}{tail}");
                std::fs::write(&path, updated)
                    .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
                continue;
            }
            stale.push(path.display().to_string());
        }
        assert!(
            stale.is_empty(),
            "the policy table in {} is out of date; regenerate it with \
             `ISPM_UPDATE_DOCS=1 cargo test -p ispm-posture docs_policy_table`",
            stale.join(" and ")
        );
    }

    #[test]
    fn table_has_a_row_per_builtin_policy() {
        let table = policy_table_markdown(&default_set());
        let rows = table.lines().filter(|line| line.starts_with("| `")).count();
        assert_eq!(rows, crate::catalogue::BUILTINS.len());
        assert!(table.contains("| `root_without_mfa` | Critical |"));
        assert!(table.contains(" IA-2(1) | 8.4.2 |"));
    }
}
