//! `docportal init` and `docportal new`, run as a user would, on temp portals.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn docportal(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docportal"))
        .args(args)
        .current_dir(dir)
        .env("DOCPORTAL_TODAY", "2026-11-22")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn docs_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("book/docs.json")).expect("docs.json written"))
        .expect("valid JSON")
}

fn write(dir: &Path, rel: &str, body: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, body).unwrap();
}

#[test]
fn init_then_build_gives_a_clean_portal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = docportal(tmp.path(), &["init", "--title", "Acme \"design\" docs"]);
    assert!(out.status.success(), "{}", text(&out));
    for f in ["book.toml", ".gitignore"] {
        assert!(tmp.path().join(f).is_file(), "{f} created");
    }
    let out = docportal(tmp.path(), &["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("0 warnings, 0 errors"), "{}", text(&out));
    let json = docs_json(tmp.path());
    let ids: Vec<&str> = json["docs"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ADR-0001", "PRD-0001", "SPEC-0001", "TDD-0001", "TRD-0001"]);
    assert!(json["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "book.toml", "[book]\ntitle = \"Mine\"\n");
    let out = docportal(tmp.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("refusing to overwrite existing files"), "{}", text(&out));
    assert_eq!(fs::read_to_string(tmp.path().join("book.toml")).unwrap(), "[book]\ntitle = \"Mine\"\n");
    let out = docportal(tmp.path(), &["init", "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(fs::read_to_string(tmp.path().join("book.toml")).unwrap(), "[book]\ntitle = \"Mine\"\n");
}

#[test]
fn new_creates_every_kind_in_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "content/.keep", "");
    for (kind, folder) in
        [("TRD", "trd"), ("TDD", "tdd"), ("PRD", "prd"), ("ADR", "adr"), ("SPEC", "spec"), ("RFC", "rfc")]
    {
        let out = docportal(tmp.path(), &["new", kind, "Payment retries", "--author", "Ana Lima"]);
        assert!(out.status.success(), "{}", text(&out));
        let printed = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(printed, format!("content/{folder}/{kind}-0001-payment-retries.md"));
        let doc = fs::read_to_string(tmp.path().join(&printed)).unwrap();
        assert!(doc.contains(&format!("# {kind}-0001: Payment retries")), "{doc}");
        assert!(doc.contains("2026-11-22"), "{doc}");
        assert!(doc.contains("Ana Lima"), "{doc}");
    }
    let out = docportal(tmp.path(), &["build"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(docs_json(tmp.path())["docs"].as_array().unwrap().len(), 6);
}

#[test]
fn numbering_follows_the_highest_id_of_the_kind_with_gaps_and_padding() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "content/decisions/ADR-1-first.md", "# ADR-1: First\n");
    write(tmp.path(), "content/decisions/ADR-0007-seventh.md", "# ADR-0007: Seventh\n");
    write(tmp.path(), "content/trd/TRD-0042-x.md", "# TRD-0042: X\n");
    let out = docportal(tmp.path(), &["new", "adr", "Eighth", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.starts_with("--- content/decisions/ADR-0008-eighth.md\n"), "{shown}");
    assert!(!tmp.path().join("content/decisions/ADR-0008-eighth.md").exists(), "dry run writes nothing");
}

#[test]
fn new_names_the_file_like_the_docs_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    // adr-tools and log4brains name decisions `NNNN-title.md`; the id is in the title.
    write(tmp.path(), "content/adr/0001-record-decisions.md", "# 1. Record decisions\n\nStatus: Accepted\n");
    write(tmp.path(), "content/adr/0002-use-postgres.md", "# ADR-0002: Use Postgres\n");
    let out = docportal(tmp.path(), &["new", "adr", "Use Redis for sessions"]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(printed, "content/adr/0003-use-redis-for-sessions.md");
    let out = docportal(tmp.path(), &["build"]);
    assert!(out.status.success(), "{}", text(&out));
    let docs = docs_json(tmp.path());
    let ids: Vec<&str> = docs["docs"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"ADR-0003"), "the new doc keeps its id: {ids:?}");
}

#[test]
fn unknown_kind_is_refused_with_the_list_of_kinds() {
    let tmp = tempfile::tempdir().unwrap();
    let out = docportal(tmp.path(), &["new", "MEMO", "X"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown kind `MEMO`; this portal's kinds are TRD, TDD, PRD, ADR, RFC, SPEC"),
        "{}",
        text(&out)
    );
}

#[test]
fn supersedes_marks_the_old_doc_and_links_back() {
    let tmp = tempfile::tempdir().unwrap();
    let old =
        "---\nstatus: accepted\ndate: 2026-01-05\ndeciders: [Bo]\n---\n\n# ADR-0003: Use Postgres\n\nBody stays.\n";
    write(tmp.path(), "content/adr/ADR-0003-use-postgres.md", old);
    let out = docportal(tmp.path(), &["new", "ADR", "Use CockroachDB", "--supersedes", "adr 3"]);
    assert!(out.status.success(), "{}", text(&out));
    let edited = fs::read_to_string(tmp.path().join("content/adr/ADR-0003-use-postgres.md")).unwrap();
    assert_eq!(
        edited,
        "---\nstatus: superseded\nsuperseded-by: ADR-0004\ndate: 2026-01-05\ndeciders: [Bo]\n---\n\n# ADR-0003: Use Postgres\n\nBody stays.\n"
    );
    let new = fs::read_to_string(tmp.path().join("content/adr/ADR-0004-use-cockroachdb.md")).unwrap();
    assert!(new.contains("supersedes: [\"ADR-0003\"]"), "{new}");
}

#[test]
fn renumber_moves_the_newer_doc_and_follows_links() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "content/adr/ADR-0004-queues.md", "---\ndate: 2026-01-01\n---\n# ADR-0004: Queues\n");
    write(tmp.path(), "content/adr/ADR-0004-caching.md", "---\ndate: 2026-02-01\n---\n# ADR-0004: Caching\n");
    write(
        tmp.path(),
        "content/trd/TRD-0001-x.md",
        "# TRD-0001: X\n\nSee [caching](../adr/ADR-0004-caching.md#context).\n",
    );
    let out = docportal(tmp.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "duplicate ids are an error: {}", text(&out));
    assert!(text(&out).contains("duplicate id `ADR-0004`"), "{}", text(&out));
    let out = docportal(tmp.path(), &["new", "--renumber", "ADR-4"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!tmp.path().join("content/adr/ADR-0004-caching.md").exists());
    let moved = fs::read_to_string(tmp.path().join("content/adr/ADR-0005-caching.md")).unwrap();
    assert_eq!(moved, "---\ndate: 2026-02-01\n---\n# ADR-0005: Caching\n");
    let linking = fs::read_to_string(tmp.path().join("content/trd/TRD-0001-x.md")).unwrap();
    assert_eq!(linking, "# TRD-0001: X\n\nSee [caching](../adr/ADR-0005-caching.md#context).\n");
    let out = docportal(tmp.path(), &["check"]);
    assert!(out.status.success(), "{}", text(&out));
}
