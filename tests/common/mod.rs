//! Shared steps of the integration tests: copy a fixture portal to a temp dir, run the
//! real `docportal` binary on it, and read what it produced (exit code, stderr,
//! `docs.json`, pages parsed with `scraper`).
//!
//! Fixtures live under `tests/fixtures/<name>/` (a `book.toml`, or none for the
//! defaults, and a `content/` folder). Every build works on a fresh copy, so a test can
//! add files (the 5 MB doc) or build twice without touching the repository.

// Each integration-test crate uses a different part of this module.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// The repository root (where the sample portal's `book.toml` is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture_dir(name: &str) -> PathBuf {
    repo_root().join("tests").join("fixtures").join(name)
}

/// Copies `from` (a folder) to `to`, recursively, byte for byte.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// A fresh temp copy of `tests/fixtures/<name>/`.
pub fn fixture_copy(name: &str) -> TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixture_dir(name), tmp.path());
    tmp
}

/// A fresh temp copy of the sample portal: the repository's `book.toml`, `content/` and `static/`.
pub fn sample_portal_copy() -> TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::copy(repo_root().join("book.toml"), tmp.path().join("book.toml")).expect("copy book.toml");
    copy_dir(&repo_root().join("content"), &tmp.path().join("content"));
    copy_dir(&repo_root().join("static"), &tmp.path().join("static"));
    tmp
}

/// What one run of `docportal` produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Whether the build was skipped by the up-to-date check.
    pub fn fresh(&self) -> bool {
        self.stderr.contains("up to date")
    }
}

/// Runs the real binary with `args`, colour off.
pub fn docportal(args: &[&std::ffi::OsStr]) -> Run {
    docportal_with(args, |_| {})
}

/// [`docportal`], with `adjust` given the command first (an environment variable).
pub fn docportal_with(args: &[&std::ffi::OsStr], adjust: impl FnOnce(&mut Command)) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_docportal"));
    command.args(args).env("NO_COLOR", "1");
    adjust(&mut command);
    let out = command.output().expect("run docportal");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A finished `docportal build <dir>` of a portal whose docs are in `content/` and whose
/// site goes to the default `book/`.
pub struct Build {
    /// The portal folder (kept alive as long as the `Build`).
    pub dir: TempDir,
    pub run: Run,
    /// `book/docs.json`, parsed; `Value::Null` when the build wrote none.
    pub json: Value,
    /// `book/docs.json` as written.
    pub json_bytes: Vec<u8>,
}

/// Builds the portal in `dir` (already a temp copy).
pub fn build_in(dir: TempDir) -> Build {
    let run = docportal(&["build".as_ref(), dir.path().as_os_str()]);
    let json_path = dir.path().join("book").join("docs.json");
    let json_bytes = std::fs::read(&json_path).unwrap_or_default();
    let json = if json_bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&json_bytes)
            .unwrap_or_else(|e| panic!("docs.json is not JSON: {e}\nstderr:\n{}", run.stderr))
    };
    Build { dir, run, json, json_bytes }
}

/// Copies `tests/fixtures/<name>/` and builds it.
pub fn build_fixture(name: &str) -> Build {
    build_in(fixture_copy(name))
}

impl Build {
    pub fn site(&self) -> PathBuf {
        self.dir.path().join("book")
    }

    pub fn docs(&self) -> &[Value] {
        self.json["docs"].as_array().map(Vec::as_slice).unwrap_or_else(|| {
            panic!("docs.json has no docs array (exit {})\nstderr:\n{}", self.run.code, self.run.stderr)
        })
    }

    pub fn ids(&self) -> Vec<&str> {
        self.docs().iter().filter_map(|d| d["id"].as_str()).collect()
    }

    /// The doc with this id; fails listing every id when there is none.
    pub fn doc(&self, id: &str) -> &Value {
        self.docs().iter().find(|d| d["id"] == id).unwrap_or_else(|| {
            panic!("no doc `{id}` in docs.json; ids: {:?}\nstderr:\n{}", self.ids(), self.run.stderr)
        })
    }

    /// The doc read from this path (relative to `content/`).
    pub fn doc_at(&self, source: &str) -> &Value {
        self.docs().iter().find(|d| d["source"] == source).unwrap_or_else(|| {
            let sources: Vec<&Value> = self.docs().iter().map(|d| &d["source"]).collect();
            panic!("no doc from `{source}` in docs.json; sources: {sources:?}")
        })
    }

    pub fn diagnostics(&self) -> &[Value] {
        self.json["diagnostics"].as_array().map(Vec::as_slice).unwrap_or(&[])
    }

    /// Diagnostics of one file (path relative to `content/`) and severity.
    pub fn diags(&self, source: &str, severity: &str) -> Vec<&Value> {
        self.diagnostics().iter().filter(|d| d["source"] == source && d["severity"] == severity).collect()
    }

    /// Asserts a diagnostic of `severity` for `source` at `line`, both in docs.json and on
    /// stderr as `content/<source>:<line>: <severity>: …`. Returns its message.
    pub fn expect_diag(&self, source: &str, line: u32, severity: &str) -> String {
        let found = self.diags(source, severity).into_iter().find(|d| d["line"] == line).unwrap_or_else(|| {
            panic!(
                "expected a {severity} for {source}:{line}; diagnostics of that file: {:#?}",
                self.diagnostics().iter().filter(|d| d["source"] == source).collect::<Vec<_>>()
            )
        });
        let prefix = format!("content/{source}:{line}: {severity}: ");
        assert!(self.run.stderr.contains(&prefix), "stderr lacks `{prefix}…`:\n{}", self.run.stderr);
        found["message"].as_str().unwrap_or_default().to_string()
    }

    /// The 1-based line of the first line of `content/<source>` containing `needle`
    /// (so tests never hard-code line numbers that an edit to the fixture would shift).
    pub fn line_of(&self, source: &str, needle: &str) -> u32 {
        line_of(&self.dir.path().join("content").join(source), needle)
    }

    /// Relations of a doc with this type.
    pub fn relations<'a>(&'a self, doc: &'a Value, kind: &str) -> Vec<&'a Value> {
        doc["relations"].as_array().map(|r| r.iter().filter(|r| r["type"] == kind).collect()).unwrap_or_default()
    }

    /// The page at a site path (as docs.json's `url` gives it), parsed.
    pub fn page(&self, url: &str) -> scraper::Html {
        let path = self.site().join(url);
        let html =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("page {url} missing ({}): {e}", path.display()));
        scraper::Html::parse_document(&html)
    }

    /// The invariants every build must keep, whatever the input:
    /// docs sorted by id and unique; every doc's page exists where `url` says; every
    /// diagnostic in docs.json printed on stderr as `path:line: severity: message`.
    pub fn assert_invariants(&self) {
        let ids = self.ids();
        assert_eq!(ids.len(), self.docs().len(), "every doc has a string id");
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted, "docs.json must list docs sorted by id");
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "ids in docs.json must be unique");
        for doc in self.docs() {
            let url = doc["url"].as_str().expect("url is a string");
            assert!(self.site().join(url).is_file(), "page {url} of {} was not written", doc["id"]);
        }
        for d in self.diagnostics() {
            let path = match d["source"].as_str() {
                Some("") | None => String::new(),
                Some(s) => format!("content/{s}"),
            };
            let line = d["line"].as_u64().map(|l| format!(":{l}")).unwrap_or_default();
            let severity = d["severity"].as_str().expect("severity");
            let message = d["message"].as_str().expect("message");
            let shown = if path.is_empty() {
                format!("{severity}: {message}")
            } else {
                format!("{path}{line}: {severity}: {message}")
            };
            assert!(self.run.stderr.contains(&shown), "stderr lacks `{shown}`:\n{}", self.run.stderr);
        }
    }
}

/// The 1-based line of the first line of the file at `path` containing `needle`.
pub fn line_of(path: &Path, needle: &str) -> u32 {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes);
    text.split('\n')
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or_else(|| panic!("`{needle}` not found in {}", path.display()))
}

/// Text of every element matching a CSS selector, concatenated per element.
pub fn texts(page: &scraper::Html, selector: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).unwrap_or_else(|e| panic!("selector {selector}: {e:?}"));
    page.select(&sel).map(|e| e.text().collect::<String>()).collect()
}

/// Runs `git` in `dir` as a fixed author at the fixed `date`, so commits (and the dates
/// the portal reads from them) are reproducible; a failure fails the test.
pub fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Ines Duarte")
        .env("GIT_AUTHOR_EMAIL", "ines@example.com")
        .env("GIT_COMMITTER_NAME", "Ines Duarte")
        .env("GIT_COMMITTER_EMAIL", "ines@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}
