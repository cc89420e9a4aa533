//! Git history → per-file dates and authors, from one `git log` pass over the docs folder.
//!
//! When the portal lives in a git repository, each doc's first and last commit give
//! `created` / `updated` (and an author) for docs whose metadata has none. One process
//! reads the whole history (never one per file). A shallow clone would give wrong
//! "created" dates, so it is detected and reported, and git dates are then not used.
//! Outside a repository, or without git installed, the result is empty and silent.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::Doc;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// What git knows about one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileHistory {
    /// ISO date of the oldest commit touching the file.
    pub created: String,
    /// ISO date of the newest commit touching the file.
    pub updated: String,
    pub created_by: String,
    pub updated_by: String,
}

/// Histories keyed by path relative to the docs folder.
#[derive(Debug, Clone, Default)]
pub struct GitHistory {
    pub files: HashMap<String, FileHistory>,
}

/// Reads the history of the docs folder. Never fails: problems become a warning.
pub fn read(config: &Config) -> (GitHistory, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some(top) = git_output(&config.src_dir, &["rev-parse", "--show-toplevel"]) else {
        return (GitHistory::default(), diags);
    };
    let top = Path::new(top.trim());
    let top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
    if git_output(&config.src_dir, &["rev-parse", "--is-shallow-repository"]).is_some_and(|s| s.trim() == "true") {
        diags.push(
            Diagnostic::warning(
                "",
                None,
                "the repository is a shallow clone, so git dates would be wrong; using dates from metadata only (fetch full history, e.g. `fetch-depth: 0` in actions/checkout)",
            )
            .in_project(),
        );
        return (GitHistory::default(), diags);
    }
    let src = config.src_dir.canonicalize().unwrap_or_else(|_| config.src_dir.clone());
    let Ok(src_in_repo) = src.strip_prefix(&top) else { return (GitHistory::default(), diags) };
    let prefix = crate::discover::rel_path(Path::new(""), src_in_repo);
    let log = git_output(
        &top,
        &[
            "-c",
            "core.quotePath=false",
            "log",
            "--no-renames",
            "--format=%x1e%aI%x1f%an",
            "--name-only",
            "--",
            if prefix.is_empty() { "." } else { prefix.as_str() },
        ],
    );
    let Some(log) = log else { return (GitHistory::default(), diags) };
    (parse_log(&log, &prefix), diags)
}

/// Parses `git log --format=%x1e%aI%x1f%an --name-only` output (newest commit first).
pub fn parse_log(log: &str, prefix: &str) -> GitHistory {
    let mut files: HashMap<String, FileHistory> = HashMap::new();
    for commit in log.split('\u{1e}').filter(|c| !c.trim().is_empty()) {
        let mut lines = commit.lines();
        let Some(header) = lines.next() else { continue };
        let Some((date, author)) = header.split_once('\u{1f}') else { continue };
        let date = date.get(..10).unwrap_or(date).to_string();
        for path in lines.map(str::trim).filter(|l| !l.is_empty()) {
            let rel = if prefix.is_empty() {
                path
            } else {
                match path.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) {
                    Some(r) => r,
                    None => continue,
                }
            };
            let entry = files.entry(rel.to_string()).or_insert_with(|| FileHistory {
                created: date.clone(),
                updated: date.clone(),
                created_by: author.to_string(),
                updated_by: author.to_string(),
            });
            // Older commits come later: each one moves "created" back.
            entry.created = date.clone();
            entry.created_by = author.to_string();
        }
    }
    GitHistory { files }
}

/// Docs with git dates filled in where their metadata has none.
pub fn apply(docs: Vec<Doc>, history: &GitHistory) -> Vec<Doc> {
    if history.files.is_empty() {
        return docs;
    }
    docs.into_iter()
        .map(|mut doc| {
            if let Some(h) = history.files.get(&doc.source) {
                if doc.created.is_none() {
                    doc.created = Some(h.created.clone());
                }
                if doc.updated.is_none() && h.updated != h.created {
                    doc.updated = Some(h.updated.clone());
                }
                if doc.authors.is_empty() && !h.created_by.is_empty() {
                    doc.authors = vec![h.created_by.clone()];
                }
            }
            doc
        })
        .collect()
}

fn git_output(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_gives_first_and_last_commit_per_file() {
        let log = "\u{1e}2026-03-05T10:00:00+01:00\u{1f}Bo\n\ncontent/a.md\ncontent/b.md\n\
                   \u{1e}2026-01-02T09:00:00+00:00\u{1f}Al\n\ncontent/a.md\nother/x.md\n";
        let h = parse_log(log, "content");
        let a = &h.files["a.md"];
        assert_eq!((a.created.as_str(), a.updated.as_str()), ("2026-01-02", "2026-03-05"));
        assert_eq!((a.created_by.as_str(), a.updated_by.as_str()), ("Al", "Bo"));
        assert_eq!(h.files["b.md"].created, "2026-03-05");
        assert!(!h.files.contains_key("x.md"));
    }
}
