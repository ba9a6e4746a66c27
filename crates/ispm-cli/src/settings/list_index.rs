//! The index a list item had in the settings as written, after items
//! before it were removed.
//!
//! Loading removes each setting that fails, so that the next round of
//! deserializing finds the next error (see `load`). Removing an item from a
//! list moves the later items down, and without this a second bad item of
//! `enrich.cloud_asns = [1, "a", 2, "b"]` was reported as `cloud_asns.2`
//! instead of `cloud_asns.3`.

/// The list items removed so far, each as the path it had as written.
#[derive(Debug, Default)]
pub(super) struct RemovedItems {
    /// The path of the list as written, and the index the item had in it.
    items: Vec<(Vec<String>, usize)>,
}

impl RemovedItems {
    /// Returns `segments`, a path in the tree after the removals so far,
    /// as the path it had as written.
    pub fn as_written(&self, segments: &[String]) -> Vec<String> {
        let mut written: Vec<String> = Vec::with_capacity(segments.len());
        for segment in segments {
            let mapped = match segment.parse::<usize>() {
                Ok(index) => self.index_as_written(&written, index).to_string(),
                Err(_) => segment.clone(),
            };
            written.push(mapped);
        }
        written
    }

    /// Records that the item at `written`, a path as written, was removed
    /// from its list.
    pub fn note(&mut self, written: &[String]) {
        if let Some((last, list)) = written.split_last()
            && let Ok(index) = last.parse::<usize>()
        {
            self.items.push((list.to_vec(), index));
        }
    }

    /// Returns the index as written of the item now at `index` of the list
    /// at `list` (a path as written): each removed item at or before it
    /// moves it up by one.
    fn index_as_written(&self, list: &[String], index: usize) -> usize {
        let mut removed: Vec<usize> = self
            .items
            .iter()
            .filter(|(path, _)| path.as_slice() == list)
            .map(|(_, removed)| *removed)
            .collect();
        removed.sort_unstable();
        let mut written = index;
        for removed in removed {
            if removed <= written {
                written += 1;
            }
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn later_items_keep_their_written_index() {
        let mut removed = RemovedItems::default();
        // [a, X, b, Y, c]: X is removed at 1, then Y is found at 2.
        removed.note(&removed.as_written(&path("list.1")));
        assert_eq!(removed.as_written(&path("list.2")), path("list.3"));
        removed.note(&removed.as_written(&path("list.2")));
        assert_eq!(removed.as_written(&path("list.2")), path("list.4"));
        assert_eq!(removed.as_written(&path("list.0")), path("list.0"));
        assert_eq!(removed.as_written(&path("other.2")), path("other.2"));
    }

    #[test]
    fn items_removed_last_first_map_to_themselves() {
        let mut removed = RemovedItems::default();
        removed.note(&path("list.3"));
        removed.note(&path("list.1"));
        assert_eq!(removed.as_written(&path("list.0")), path("list.0"));
        assert_eq!(removed.as_written(&path("list.1")), path("list.2"));
        assert_eq!(removed.as_written(&path("list.2")), path("list.4"));
    }

    #[test]
    fn nested_lists_map_each_level() {
        let mut removed = RemovedItems::default();
        removed.note(&path("inputs.0"));
        removed.note(&removed.as_written(&path("inputs.0.tags.0")));
        assert_eq!(
            removed.as_written(&path("inputs.0.tags.0")),
            path("inputs.1.tags.1")
        );
    }
}
