//! `docportal check` on fixture portals: the link diagnostics in each `--format`, and
//! exit codes with and without `--strict`.
//!
//! `links-portal` relies on body references only (bare ids and `.md` links, found by
//! the body scan); `links-supersedes` needs `supersedes:` and `status:` from YAML
//! front-matter, which the parse stage supplies, so its tests are ignored until then.

use std::path::PathBuf;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn check(name: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .arg("check")
        .arg(fixture(name))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run docportal");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const TRD: &str = "content/trd/TRD-0101-rate-limiter.md";

/// The three problems of `links-portal`, as (file, line, message).
fn expected() -> Vec<(&'static str, u32, &'static str)> {
    vec![
        (TRD, 7, "link to missing file `../specs/storage.md`"),
        (TRD, 9, "unresolved reference `ADR-0070` (no doc has this id; did you mean `ADR-0007`?)"),
        (TRD, 11, "`adr/ADR-0007-cache.md` has no heading `#decision-outcom` (did you mean `#decision-outcome`?)"),
    ]
}

#[test]
fn human_format_lists_each_problem_with_file_and_line() {
    let run = check("links-portal", &[]);
    assert_eq!(run.code, 0, "warnings alone do not fail: {}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.contains(": warning: ")).collect();
    let want: Vec<String> = expected().iter().map(|(f, l, m)| format!("{f}:{l}: warning: {m}")).collect();
    assert_eq!(lines, want);
    let summary = run.stderr.lines().last().unwrap_or_default();
    assert!(summary.trim_start().starts_with("Checked 4 docs in "), "{summary}");
    assert!(summary.ends_with(": 3 warnings, 0 errors"), "{summary}");
    assert!(run.stdout.is_empty());
}

#[test]
fn quiet_check_lists_the_problems_without_a_summary() {
    let run = check("links-portal", &["--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let want: Vec<String> = expected().iter().map(|(f, l, m)| format!("{f}:{l}: warning: {m}")).collect();
    assert_eq!(run.stderr.lines().collect::<Vec<_>>(), want);
}

#[test]
fn strict_turns_link_warnings_into_a_failing_exit() {
    assert_eq!(check("links-portal", &["--strict"]).code, 1);
    assert_eq!(check("links-portal", &["--strict", "--format", "json"]).code, 1);
    assert_eq!(check("links-portal", &["--strict", "--format", "github"]).code, 1);
}

#[test]
fn strict_passes_a_portal_whose_references_all_resolve() {
    let run = check("links-clean", &["--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains(": warning: "), "{}", run.stderr);
    assert!(run.stderr.contains(": 0 warnings, 0 errors"), "{}", run.stderr);
    assert!(run.stderr.contains("Checked 2 docs"), "{}", run.stderr);
}

#[test]
fn github_format_emits_one_annotation_per_problem() {
    let run = check("links-portal", &["--format", "github"]);
    assert_eq!(run.code, 0);
    let want: Vec<String> = expected().iter().map(|(f, l, m)| format!("::warning file={f},line={l}::{m}")).collect();
    let got: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(got, want);
}

#[test]
fn json_format_reports_counts_and_every_diagnostic() {
    let run = check("links-portal", &["--format", "json"]);
    assert_eq!(run.code, 0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON on stdout");
    assert_eq!(report["docs"], 4);
    assert_eq!(report["warnings"], 3);
    assert_eq!(report["errors"], 0);
    let diags = report["diagnostics"].as_array().expect("diagnostics array");
    let got: Vec<(String, u64, String, String)> = diags
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, u64, String, String)> =
        expected().into_iter().map(|(f, l, m)| (f.into(), u64::from(l), "warning".into(), m.into())).collect();
    assert_eq!(got, want);
    assert_eq!(diags[0]["source"], "trd/TRD-0101-rate-limiter.md");
}

#[test]
fn references_in_code_loose_prose_and_title_anchors_are_not_reported() {
    let run = check("links-portal", &[]);
    for quiet in ["ADR-0098", "ADR-0097", "RFC", "distributed-rate-limiter", "specs/search.md"] {
        assert!(!run.stderr.contains(quiet), "`{quiet}` should not be reported:\n{}", run.stderr);
    }
}

#[test]
fn supersedes_cycles_and_status_mismatches_are_reported() {
    let run = check("links-supersedes", &["--format", "github"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].starts_with("::warning file=content/adr/ADR-0001-postgres-counters.md,line=2::"), "{}", lines[0]);
    assert!(lines[0].ends_with("::superseded by ADR-0002 but its status is `Accepted`"), "{}", lines[0]);
    assert!(lines[1].starts_with("::warning file=content/adr/ADR-0003-token-bucket.md,line=3::"), "{}", lines[1]);
    assert!(lines[1].ends_with("::supersedes cycle: ADR-0003 → ADR-0004 → ADR-0003"), "{}", lines[1]);
    assert_eq!(check("links-supersedes", &["--strict"]).code, 1);
}
