use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::DecodeError;

/// File name endings read when a folder is expanded. CloudTrail delivers
/// `.json.gz` objects to S3; the others are the usual names of JSON and NDJSON
/// exports, and `.csv` is the IAM credential report. Files named explicitly
/// are read whatever their name.
const INPUT_SUFFIXES: &[&str] = &[
    ".csv",
    ".json",
    ".json.gz",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".ndjson.gz",
    ".gz",
];

/// Expands files and folders into the list of files to read.
///
/// Paths named explicitly are kept as given, `-` (stdin) included. Folders are
/// walked recursively in byte order of their entry names, so every run reads
/// the same files in the same order. Inside folders, hidden entries (names
/// starting with `.`) and files not ending in `.csv`, `.json`, `.json.gz`,
/// `.jsonl`, `.ndjson` or `.gz` are skipped, which keeps READMEs and licences of a log
/// export out of the dead letters. Symbolic links are followed, but a folder
/// already visited (through a link loop or a second link) is not read again.
///
/// Every path that cannot be read yields an `unreadable_file` error; the walk
/// carries on with the other paths.
pub fn walk_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<DecodeError>) {
    let mut walk = Walk::default();
    for path in paths {
        if path.as_os_str() == "-" {
            walk.files.push(path.clone());
            continue;
        }
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => walk.visit_dir(path),
            Ok(_) => walk.files.push(path.clone()),
            Err(err) => walk.fail(path, &err),
        }
    }
    (walk.files, walk.errors)
}

#[derive(Default)]
struct Walk {
    files: Vec<PathBuf>,
    errors: Vec<DecodeError>,
    visited_dirs: HashSet<PathBuf>,
}

impl Walk {
    fn visit_dir(&mut self, dir: &Path) {
        match fs::canonicalize(dir) {
            Ok(canonical) => {
                if !self.visited_dirs.insert(canonical) {
                    return;
                }
            }
            Err(err) => return self.fail(dir, &err),
        }

        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => return self.fail(dir, &err),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => children.push(entry.path()),
                Err(err) => self.fail(dir, &err),
            }
        }
        children.sort();

        for child in children {
            if is_hidden(&child) {
                continue;
            }
            // `fs::metadata` follows symbolic links; a dangling link is an error.
            match fs::metadata(&child) {
                Ok(metadata) if metadata.is_dir() => self.visit_dir(&child),
                Ok(metadata) if metadata.is_file() && has_input_suffix(&child) => {
                    self.files.push(child);
                }
                Ok(_) => {}
                Err(err) => self.fail(&child, &err),
            }
        }
    }

    fn fail(&mut self, path: &Path, err: &std::io::Error) {
        self.errors.push(DecodeError::new(
            "unreadable_file",
            format!("failed to read {}: {err}", path.display()),
        ));
    }
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.as_encoded_bytes().starts_with(b"."))
}

fn has_input_suffix(path: &Path) -> bool {
    let Some(name) = path.file_name() else {
        return false;
    };
    let name = name.to_string_lossy().to_ascii_lowercase();
    INPUT_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        fs::write(path, b"{}").expect("write test file");
    }

    #[test]
    fn folders_expand_sorted_and_filtered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("b/nested")).expect("mkdir");
        fs::create_dir_all(root.join(".git")).expect("mkdir");
        touch(&root.join("b/nested/z.json.gz"));
        touch(&root.join("b/a.json"));
        touch(&root.join("c.ndjson"));
        touch(&root.join("README.md"));
        touch(&root.join(".hidden.json"));
        touch(&root.join(".git/x.json"));

        let (files, errors) = walk_inputs(&[root.to_path_buf()]);

        assert!(errors.is_empty(), "{errors:?}");
        let relative: Vec<_> = files
            .iter()
            .map(|file| file.strip_prefix(root).expect("under root").to_path_buf())
            .collect();
        assert_eq!(
            relative,
            vec![
                PathBuf::from("b/a.json"),
                PathBuf::from("b/nested/z.json.gz"),
                PathBuf::from("c.ndjson"),
            ]
        );
    }

    #[test]
    fn explicit_files_and_stdin_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let readme = dir.path().join("README.md");
        touch(&readme);
        let paths = vec![readme.clone(), PathBuf::from("-")];

        let (files, errors) = walk_inputs(&paths);

        assert!(errors.is_empty());
        assert_eq!(files, paths);
    }

    #[test]
    fn missing_path_is_reported_and_walk_continues() {
        let dir = tempfile::tempdir().expect("tempdir");
        let present = dir.path().join("a.json");
        touch(&present);

        let (files, errors) = walk_inputs(&[dir.path().join("missing.json"), present.clone()]);

        assert_eq!(files, vec![present]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].reason, "unreadable_file");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_read_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir(root.join("logs")).expect("mkdir");
        touch(&root.join("logs/a.json"));
        std::os::unix::fs::symlink(root, root.join("logs/loop")).expect("symlink");

        let (files, errors) = walk_inputs(&[root.to_path_buf()]);

        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(files, vec![root.join("logs/a.json")]);
    }
}
