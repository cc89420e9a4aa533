//! Git history → per-file dates and authors, from one `git log` pass over the docs folder.
//!
//! When the portal lives in a git repository, each doc's first and last commit give
//! `created` / `updated` (and an author) for docs whose metadata has none. One process
//! reads the whole history (never one per file). A shallow clone would give wrong
//! "created" dates, so it is detected and reported, and git dates are then not used.
//! Outside a repository, or without git installed, the result is empty and silent.
//!
//! `serve` keeps the history between builds in a [`HistoryCache`]: `git log` output
//! depends only on the commits reachable from HEAD (and on whether the clone is
//! shallow), so the cache is re-read only when the repository's [`RepoState`] moves —
//! HEAD, the branch it points to, the packed refs, the HEAD reflog or the shallow
//! file — never because a doc was saved.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::Doc;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// Where a repository keeps its state: the git dir (HEAD, the HEAD reflog) and the
/// common dir (refs, packed refs, shallow), which differ in a linked worktree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitDirs {
    pub git_dir: PathBuf,
    pub common_dir: PathBuf,
}

/// The repository holding `dir`, found by looking for `.git` in it and its parents (a
/// folder, or a worktree's `gitdir:` file), without running git.
pub fn git_dirs(dir: &Path) -> Option<GitDirs> {
    let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let dot_git = start.ancestors().map(|d| d.join(".git")).find(|p| p.exists())?;
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        let text = std::fs::read_to_string(&dot_git).ok()?;
        let target = text.trim().strip_prefix("gitdir:")?.trim();
        dot_git.parent()?.join(target)
    };
    let common_dir = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(rel) => git_dir.join(rel.trim()),
        Err(_) => git_dir.clone(),
    };
    Some(GitDirs { git_dir, common_dir })
}

/// A cheap fingerprint of what `git log` can see: no process is run, a handful of
/// small files are read or stat'ed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoState {
    /// No `.git` above the docs folder.
    NoRepository,
    Repository {
        dirs: GitDirs,
        /// `ref: refs/heads/main`, or a commit id when detached.
        head: String,
        /// The loose ref HEAD points to, when there is one.
        branch: Option<String>,
        /// Length and mtime of `packed-refs`, `logs/HEAD` and `shallow`.
        stamps: Vec<Option<(u64, Option<SystemTime>)>>,
    },
}

impl RepoState {
    /// The state now; `None` when it cannot be told (an unreadable HEAD), which a cache
    /// must treat as "changed".
    pub fn of(dir: &Path) -> Option<RepoState> {
        let Some(dirs) = git_dirs(dir) else { return Some(RepoState::NoRepository) };
        let head = std::fs::read_to_string(dirs.git_dir.join("HEAD")).ok()?.trim().to_string();
        let branch = head
            .strip_prefix("ref:")
            .map(str::trim)
            .filter(|r| !r.split('/').any(|s| s == ".." || s.is_empty()))
            .and_then(|r| std::fs::read_to_string(dirs.common_dir.join(r)).ok());
        let stamp = |p: PathBuf| std::fs::metadata(p).ok().map(|m| (m.len(), m.modified().ok()));
        let stamps = vec![
            stamp(dirs.common_dir.join("packed-refs")),
            stamp(dirs.git_dir.join("logs").join("HEAD")),
            stamp(dirs.common_dir.join("shallow")),
        ];
        Some(RepoState::Repository { dirs, head, branch, stamps })
    }
}

/// The docs folder's history kept across builds, re-read only when the
/// [`RepoState`] moves. The config (docs folder) must stay the same.
#[derive(Debug, Default)]
pub struct HistoryCache {
    state: Option<RepoState>,
    history: GitHistory,
    diagnostics: Vec<Diagnostic>,
    /// How many times the history was read (for tests and the trace).
    pub reads: u64,
}

impl HistoryCache {
    /// Re-reads the history if the repository moved since the last read (or on the
    /// first call). Returns whether what it holds changed (always on the first call).
    pub fn refresh(&mut self, config: &Config) -> bool {
        let state = RepoState::of(&config.src_dir);
        if self.reads > 0 && state.is_some() && state == self.state {
            return false;
        }
        let (history, diagnostics) = read(config);
        let changed = self.reads == 0 || history != self.history || diagnostics != self.diagnostics;
        self.history = history;
        self.diagnostics = diagnostics;
        self.state = state;
        self.reads += 1;
        changed
    }

    pub fn history(&self) -> &GitHistory {
        &self.history
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
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
