//! Real-browser end to end: the real binary builds the sample portal (at the site root
//! and under `--site-url /docs/portal/`) and `tests/fixtures/browser-basic`, then the
//! node tests in `tests/browser/` drive headless Chromium (Debian's `/usr/bin/chromium`
//! through `playwright-core`) against those sites, over file:// and a loopback server,
//! and against `docportal serve` for live reload.
//!
//! Without Chromium, node or `tests/browser/node_modules` the test prints a note and
//! passes, so `cargo test` works on any machine; with `CI=true` (or
//! `DOCPORTAL_BROWSER_TESTS=require`) a missing piece is a failure instead, so CI cannot
//! skip them by accident. Screenshots land in `$DOCPORTAL_ARTIFACTS`, else in
//! `target/tmp/browser-screenshots`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What is missing to run the browser tests here, if anything.
fn missing_prerequisite(chromium: &Path, project: &Path) -> Option<String> {
    if !chromium.is_file() {
        return Some(format!("{} is not installed (apt-get install -y chromium)", chromium.display()));
    }
    let node = Command::new("node").arg("--version").output();
    if !node.map(|o| o.status.success()).unwrap_or(false) {
        return Some("node is not installed".into());
    }
    if !project.join("node_modules/playwright-core/package.json").is_file() {
        return Some(format!("playwright-core is not installed (run `npm ci` in {})", project.display()));
    }
    None
}

fn must_run() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("DOCPORTAL_BROWSER_TESTS").is_ok_and(|v| v == "require")
}

/// Builds `portal` into `dest` with the real binary; warnings are fine, errors are not.
fn build(portal: &Path, dest: &Path, extra: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .arg("build")
        .arg(portal)
        .arg("--dest-dir")
        .arg(dest)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("docportal runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "building {} failed:\n{}",
        portal.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dest.join("index.html").is_file(), "{} has an index.html", dest.display());
}

fn test_files(project: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(project.join("tests"))
        .expect("tests/browser/tests exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    files
}

#[test]
fn pages_search_diagrams_and_live_reload_work_in_headless_chromium() {
    let project = manifest_dir().join("tests/browser");
    let chromium = PathBuf::from(std::env::var("DOCPORTAL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    if let Some(missing) = missing_prerequisite(&chromium, &project) {
        assert!(!must_run(), "browser tests are required here (CI=true) but {missing}");
        eprintln!("note: skipping the browser tests: {missing}");
        return;
    }

    // Copies of the portals: a build leaves its render cache in the portal folder.
    let (sample_portal, fixture_portal) = (common::sample_portal_copy(), common::fixture_copy("browser-basic"));
    let sites = tempfile::tempdir().expect("temp dir");
    let sample = sites.path().join("sample");
    let subpath = sites.path().join("subpath");
    let fixture = sites.path().join("fixture");
    build(sample_portal.path(), &sample, &[]);
    build(sample_portal.path(), &subpath, &["--site-url", "/docs/portal/"]);
    build(fixture_portal.path(), &fixture, &[]);

    let artifacts = std::env::var_os("DOCPORTAL_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots"));
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .args(test_files(&project))
        .current_dir(&project)
        .env("DOCPORTAL_BIN", env!("CARGO_BIN_EXE_docportal"))
        .env("DOCPORTAL_CHROMIUM", &chromium)
        .env("DOCPORTAL_SAMPLE_SITE", &sample)
        .env("DOCPORTAL_SUBPATH_SITE", &subpath)
        .env("DOCPORTAL_FIXTURE_SITE", &fixture)
        .env("DOCPORTAL_ARTIFACTS", &artifacts)
        .output()
        .expect("node runs");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "browser tests failed:\n{report}");
    eprintln!("{report}\nscreenshots: {}", artifacts.display());
}
