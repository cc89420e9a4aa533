//! End-to-end tests of `docportal build`: the real binary on the fixture portals under
//! `tests/fixtures/` (one per seed metadata style, MADR ADRs, bad input) and on the
//! sample portal at the repository root. Assertions follow the contract in the design
//! (docs.json fields, `path:line: severity: message` diagnostics, exit codes 0/1/2) and
//! read the HTML with a real parser. Line numbers are looked up in the fixture files,
//! never hard-coded.

mod common;

use common::{build_fixture, build_in, docportal, fixture_copy, sample_portal_copy, texts, Build};
use serde_json::Value;
use std::collections::BTreeSet;

/// Asserts the doc has exactly one relation of `kind` to `target`, with this resolution and line.
fn assert_relation(b: &Build, doc: &Value, kind: &str, target: &str, resolved: bool, line: Option<u32>) {
    let matching: Vec<&Value> = b.relations(doc, kind).into_iter().filter(|r| r["target"] == target).collect();
    assert_eq!(
        matching.len(),
        1,
        "{}: expected one `{kind}` relation to {target}; relations: {:#}",
        doc["id"],
        doc["relations"]
    );
    let r = matching[0];
    assert_eq!(r["resolved"], resolved, "{}: {kind} → {target} resolved flag: {r}", doc["id"]);
    match line {
        Some(l) => assert_eq!(r["line"], l, "{}: {kind} → {target} line: {r}", doc["id"]),
        None => assert!(r["line"].is_null() || r["line"].is_u64(), "line is a number or null: {r}"),
    }
}

fn authors(doc: &Value) -> Vec<&str> {
    doc["authors"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

fn no_errors(b: &Build) {
    let errors: Vec<&Value> = b.diagnostics().iter().filter(|d| d["severity"] == "error").collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    assert_eq!(b.run.code, 0, "exit code; stderr:\n{}", b.run.stderr);
}

// ---------------------------------------------------------------- seed 000: tables

#[test]
fn seed_000_metadata_table_fills_every_field() {
    let b = build_fixture("seed-000-table");
    no_errors(&b);
    b.assert_invariants();
    assert_eq!(b.ids(), ["PRD-0040", "TRD-0101", "TRD-0102"]);

    let trd = b.doc("TRD-0101");
    assert_eq!(trd["kind"], "TRD");
    assert_eq!(trd["title"], "Distributed Rate Limiter");
    assert_eq!(trd["status"], "in-review");
    assert_eq!(trd["status_raw"], "In Review");
    assert_eq!(authors(trd), ["Priya Natarajan"]);
    assert_eq!(trd["created"], "2026-03-02");
    assert!(trd["updated"].is_null());
    assert_eq!(trd["version"], "1.2");
    assert_eq!(trd["source"], "trd/TRD-0101-rate-limiter.md");
    assert_eq!(trd["url"], "trd/TRD-0101-rate-limiter.html");
    let src = "trd/TRD-0101-rate-limiter.md";
    assert_relation(&b, trd, "related", "PRD-0040", true, Some(b.line_of(src, "**Related PRD**")));
    assert_relation(&b, trd, "related", "ADR-0007", false, Some(b.line_of(src, "**Related ADR**")));
    b.expect_diag(src, b.line_of(src, "**Related ADR**"), "warning");

    let prd = b.doc("PRD-0040");
    assert_eq!(prd["kind"], "PRD");
    assert_eq!(prd["title"], "API Quotas");
    assert_eq!(prd["status"], "approved");
    assert_eq!(authors(prd), ["Ana Ruiz", "Tomás Okafor"]);
    assert_eq!(prd["created"], "2026-01-15");
    assert_eq!(prd["updated"], "2026-02-20");
    assert_eq!(prd["version"], "3");
}

#[test]
fn seed_000_placeholders_in_a_crlf_file_stay_unset_and_warn_at_their_lines() {
    let b = build_fixture("seed-000-table");
    let src = "trd/TRD-0102-audit-log-export.md";
    let raw = std::fs::read(b.dir.path().join("content").join(src)).expect("fixture");
    assert!(raw.windows(2).any(|w| w == b"\r\n"), "the fixture must keep its CRLF line endings");

    let doc = b.doc("TRD-0102");
    assert_eq!(doc["title"], "Audit Log Export");
    assert!(doc["status"].is_null(), "a status listing its choices is a placeholder: {doc:#}");
    assert!(authors(doc).is_empty(), "{{name}} is a placeholder: {doc:#}");
    assert!(doc["created"].is_null(), "{{YYYY-MM-DD}} is a placeholder: {doc:#}");
    assert_eq!(doc["version"], "1.0");
    assert!(
        b.relations(doc, "related").is_empty(),
        "PRD-{{NUMBER}} is a placeholder, not a reference: {:#}",
        doc["relations"]
    );
    for needle in ["**Author**", "**Date**", "**Status**"] {
        let line = b.line_of(src, needle);
        assert!((9..=13).contains(&line), "CRLF must not shift line numbers ({needle} at {line})");
        b.expect_diag(src, line, "warning");
    }
}

#[test]
fn seed_000_pages_show_title_and_status() {
    let b = build_fixture("seed-000-table");
    let trd = b.doc("TRD-0101");
    let page = b.page(trd["url"].as_str().expect("url"));
    let h1 = texts(&page, "h1");
    assert!(h1.iter().any(|t| t.contains("Distributed Rate Limiter")), "h1: {h1:?}");
    let body = texts(&page, "body").concat();
    assert!(body.contains("TRD-0101"), "the page names the doc's id");
    let lower = body.to_lowercase();
    assert!(lower.contains("in review") || lower.contains("in-review"), "the page shows the status");
    assert!(body.contains("Priya Natarajan"), "the page shows the author");
}

// ---------------------------------------------------------------- seed 001: bold lines

#[test]
fn seed_001_bold_key_lines_with_defaults_when_book_toml_is_absent() {
    let fixture = fixture_copy("seed-001-bold");
    assert!(!fixture.path().join("book.toml").exists(), "this fixture tests the defaults");
    let b = build_in(fixture);
    no_errors(&b);
    b.assert_invariants();
    assert!(b.site().join("index.html").is_file(), "default build-dir is book/");

    let src = "trd/rate-shopping.md";
    let doc = b.doc_at(src);
    assert_eq!(doc["id"], "trd-rate-shopping", "an unnumbered doc's id is its path slug");
    assert_eq!(doc["kind"], "TRD", "`# TRD: …` names the kind");
    assert_eq!(doc["title"], "Carrier Rate Shopping");
    assert_eq!(doc["status"], "in-progress");
    assert_eq!(doc["status_raw"], "In Progress");
    assert_eq!(authors(doc), ["Dana Whitfield"]);
    assert_eq!(doc["created"], "2026-01-12");
    assert_eq!(doc["updated"], "2026-02-03");
    assert_relation(&b, doc, "related", "PRD-0007", true, Some(b.line_of(src, "**Related PRD**")));
    assert!(b.diagnostics().iter().all(|d| d["source"] != src), "a complete doc has no diagnostics");
}

#[test]
fn seed_001_file_with_a_bom_parses_like_any_other() {
    let b = build_fixture("seed-001-bold");
    let raw = std::fs::read(b.dir.path().join("content/prd/PRD-0007-checkout-shipping.md")).expect("fixture");
    assert!(raw.starts_with(b"\xEF\xBB\xBF"), "the fixture must keep its BOM");
    let doc = b.doc("PRD-0007");
    assert_eq!(doc["title"], "Checkout Shipping Options");
    assert_eq!(doc["status"], "complete");
    assert_eq!(authors(doc), ["Lee Chan"]);
    assert_eq!(doc["created"], "2025-11-30");
    assert_eq!(doc["updated"], "2026-01-08");
}

#[test]
fn seed_001_placeholders_stay_unset_and_warn() {
    let b = build_fixture("seed-001-bold");
    let src = "trd/TRD-0003-legacy-importer.md";
    let doc = b.doc("TRD-0003");
    assert_eq!(doc["title"], "Legacy Importer");
    assert!(doc["status"].is_null(), "`Draft | In Review | …` is a placeholder: {doc:#}");
    assert!(authors(doc).is_empty());
    assert!(doc["created"].is_null());
    assert_eq!(doc["updated"], "2026-02-01", "filled fields next to placeholders still count");
    assert!(b.relations(doc, "related").iter().all(|r| r["resolved"] == true), "[Link to PRD…] is no reference");
    for needle in ["**Status**", "**Author**", "**Created**"] {
        b.expect_diag(src, b.line_of(src, needle), "warning");
    }
}

// ---------------------------------------------------------------- seed 002: document information

#[test]
fn seed_002_document_information_block_with_trailing_spaces() {
    let b = build_fixture("seed-002-docinfo");
    no_errors(&b);
    b.assert_invariants();
    let src = "specs/SPEC-0012-search-reindexing.md";
    let spec = b.doc("SPEC-0012");
    assert_eq!(spec["kind"], "SPEC");
    assert_eq!(spec["title"], "Search Reindexing", "`Technical Specification:` prefix is removed");
    assert_eq!(spec["status"], "in-review", "`Review` maps through [portal.status]");
    assert_eq!(spec["status_raw"], "Review");
    assert_eq!(spec["version"], "2.0", "trailing double spaces are not part of the value");
    assert_eq!(spec["created"], "2026-04-18");
    assert_eq!(authors(spec), ["Mei Lin"]);
    assert_relation(&b, spec, "related", "PRD-0031", true, Some(b.line_of(src, "**Related PRD:**")));
    assert!(
        b.relations(spec, "related").iter().all(|r| r["target"] != "{Link to relevant Architecture Decision Records}"),
        "a placeholder is not a reference"
    );
    b.expect_diag(src, b.line_of(src, "**Related ADR:**"), "warning");

    let prd = b.doc("PRD-0031");
    assert_eq!(prd["title"], "Faster Catalogue Search");
    assert_eq!(prd["status"], "approved");
    assert_eq!(prd["version"], "1.1");
    assert_eq!(prd["created"], "2026-03-01");
}

#[test]
fn seed_002_unknown_status_is_kept_hyphenated_with_a_warning() {
    let b = build_fixture("seed-002-docinfo");
    let src = "specs/notifications.md";
    let doc = b.doc_at(src);
    assert_eq!(doc["id"], "specs-notifications");
    assert_eq!(doc["title"], "Notification Fan-out");
    assert_eq!(doc["status"], "rolled-out");
    assert_eq!(doc["status_raw"], "Rolled Out");
    assert!(doc["version"].is_null(), "{{Version Number}} is a placeholder");
    assert_eq!(authors(doc), ["Raúl Ortega"]);
    b.expect_diag(src, b.line_of(src, "**Status:**"), "warning");
    b.expect_diag(src, b.line_of(src, "**Version:**"), "warning");
}

// ---------------------------------------------------------------- seed 003: related documents

#[test]
fn seed_003_related_documents_list_becomes_relations() {
    let b = build_fixture("seed-003-related");
    no_errors(&b);
    b.assert_invariants();
    let src = "tdd/TDD-0042-payment-retries.md";
    let tdd = b.doc("TDD-0042");
    assert_eq!(tdd["kind"], "TDD");
    assert_eq!(tdd["title"], "Payment Retries", "`Technical Design Document (TDD):` prefix is removed");
    assert_eq!(tdd["status"], "implemented");
    assert_eq!(authors(tdd), ["Omar Haddad"]);
    assert_eq!(tdd["created"], "2026-02-10");
    assert_eq!(tdd["updated"], "2026-03-01");

    let adr_line = b.line_of(src, "- ADRs:");
    assert_relation(&b, tdd, "related", "PRD-0009", true, Some(b.line_of(src, "- PRD:")));
    assert_relation(&b, tdd, "related", "RFC-0015", false, Some(b.line_of(src, "- RFC:")));
    assert_relation(&b, tdd, "related", "ADR-0002", true, Some(adr_line));
    assert_relation(&b, tdd, "related", "ADR-0005", false, Some(adr_line));
    b.expect_diag(src, b.line_of(src, "- RFC:"), "warning");
    b.expect_diag(src, adr_line, "warning");

    let adr = b.doc("ADR-0002");
    assert_eq!(adr["title"], "Use idempotency keys for payment calls");
    assert_eq!(adr["status"], "accepted");
    assert!(
        adr["referenced_by"].as_array().is_some_and(|r| r.iter().any(|x| x == "TDD-0042")),
        "backlink: {:#}",
        adr["referenced_by"]
    );
}

#[test]
fn seed_003_bracketed_status_choices_are_a_placeholder() {
    let b = build_fixture("seed-003-related");
    let src = "prd/PRD-0009-payment-recovery.md";
    let prd = b.doc("PRD-0009");
    assert!(prd["status"].is_null(), "{prd:#}");
    assert!(prd["created"].is_null(), "[Date] is a placeholder");
    assert_eq!(prd["updated"], "2026-01-28");
    assert_eq!(authors(prd), ["Ines Duarte"]);
    b.expect_diag(src, b.line_of(src, "**Status:**"), "warning");
    b.expect_diag(src, b.line_of(src, "**Created:**"), "warning");
}

// ---------------------------------------------------------------- seed 004: YAML front-matter

#[test]
fn seed_004_yaml_front_matter_after_a_bom() {
    let b = build_fixture("seed-004-yaml");
    no_errors(&b);
    b.assert_invariants();
    let src = "specs/quotas/spec.md";
    let raw = std::fs::read(b.dir.path().join("content").join(src)).expect("fixture");
    assert!(raw.starts_with(b"\xEF\xBB\xBF---"), "the fixture must keep its BOM before the front-matter");

    let spec = b.doc_at(src);
    assert_eq!(spec["id"], "specs-quotas-spec");
    assert_eq!(spec["title"], "API Quotas", "the template's ` - Technical Specification` suffix names the kind");
    assert_eq!(spec["kind"], "SPEC");
    assert_eq!(spec["status"], "approved");
    assert_eq!(spec["created"], "2026-05-04");
    assert_eq!(spec["updated"], "2026-06-01", "lastModified is the updated date");
    assert_eq!(authors(spec), ["Lena Fischer"]);
    assert_eq!(spec["version"], "0.3.0");
    // relatedPRD is a path from the project root, as seed 004 writes it.
    assert_relation(&b, spec, "related", "specs-quotas-prd", true, Some(b.line_of(src, "relatedPRD:")));

    let prd = b.doc_at("specs/quotas/prd.md");
    assert_eq!(prd["title"], "API Quotas");
    assert_eq!(prd["status"], "proposed");
    assert_eq!(prd["status_raw"], "Proposed");
    assert_eq!(authors(prd), ["Jonas Berg", "Ama Owusu"], "a YAML list of authors");
    assert_eq!(prd["version"], "2", "an unquoted YAML number is still a version");
    assert!(prd["updated"].is_null());
}

#[test]
fn seed_004_template_values_in_front_matter_are_not_values() {
    let b = build_fixture("seed-004-yaml");
    let src = "specs/quotas/burst-credits.md";
    let doc = b.doc_at(src);
    assert_eq!(doc["title"], "Burst Credits", "a placeholder title falls back to the H1");
    assert_eq!(doc["status"], "draft");
    assert!(doc["created"].is_null());
    assert!(doc["updated"].is_null());
    assert!(authors(doc).is_empty(), "[Author Name] is a placeholder");
    assert!(b.relations(doc, "related").iter().all(|r| r["resolved"] == false));
    for needle in ["title:", "created:", "author:"] {
        b.expect_diag(src, b.line_of(src, needle), "warning");
    }
}

/// A doc copied from a cookiecutter/handlebars template with its `{{ … }}` fields left
/// unfilled: the front-matter is not broken YAML (no error, exit 0), each such field is
/// a placeholder warned about at its line, and the rest of the metadata is read.
#[test]
fn unfilled_template_expressions_in_front_matter_are_placeholders_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"Templates\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("content/trd")).unwrap();
    let src = "trd/TRD-0007-quotas.md";
    std::fs::write(
        dir.path().join("content").join(src),
        "---\ntitle: Tenant Quotas\nstatus: {{STATUS}}\nauthor: {{ cookiecutter.author }}\nversion: 2\n---\n\n# Tenant Quotas\n",
    )
    .unwrap();
    let b = build_in(dir);
    assert_eq!(b.run.code, 0, "{}", b.run.stderr);
    let doc = b.doc("TRD-0007");
    assert_eq!(doc["title"], "Tenant Quotas");
    assert!(doc["status"].is_null(), "{doc:#}");
    assert!(authors(doc).is_empty(), "{doc:#}");
    assert_eq!(doc["version"], "2");
    for line in [3, 4] {
        assert!(b.expect_diag(src, line, "warning").contains("template placeholder"));
    }
}

/// `Design.MD` (as some editors save it) is not built, since every link and id rule
/// reads `.md`; the build says so, naming the file and the name to give it.
#[test]
fn a_markdown_file_with_an_upper_case_extension_is_named_in_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"Cases\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("content/trd")).unwrap();
    std::fs::write(dir.path().join("content/trd/TRD-0001-a.md"), "# TRD-0001: A\n").unwrap();
    std::fs::write(dir.path().join("content/trd/TRD-0002-b.MD"), "# TRD-0002: B\n").unwrap();
    std::fs::write(dir.path().join("content/trd/notes.txt"), "not Markdown\n").unwrap();
    let b = build_in(dir);
    assert_eq!(b.ids(), ["TRD-0001"]);
    let warnings = b.diags("trd/TRD-0002-b.MD", "warning");
    assert_eq!(warnings.len(), 1, "{:#?}", b.diagnostics());
    assert!(warnings[0]["message"].as_str().unwrap().contains("rename it `TRD-0002-b.md`"), "{:#?}", warnings);
    assert!(b.diags("trd/notes.txt", "warning").is_empty(), "other files are not docs and not warned about");
}

// ---------------------------------------------------------------- MADR ADRs

#[test]
fn madr_front_matter_and_numbered_titles() {
    let b = build_fixture("madr-adr");
    no_errors(&b);
    b.assert_invariants();
    assert_eq!(b.ids(), ["ADR-0001", "ADR-0002", "ADR-0003", "ADR-0004"]);

    let first = b.doc("ADR-0001");
    assert_eq!(first["kind"], "ADR");
    assert_eq!(first["title"], "Record architecture decisions", "the adr-tools number is not part of the title");
    assert_eq!(first["status"], "accepted");
    assert_eq!(first["created"], "2026-01-05", "MADR `date` is the created date");
    assert_eq!(authors(first), ["Ana Ruiz", "Ben Okoye"], "MADR deciders are the authors");
    assert_eq!(first["url"], "adr/0001-record-architecture-decisions.html");

    let old = b.doc("ADR-0002");
    assert_eq!(old["status"], "superseded");
    assert_eq!(authors(old), ["Ana Ruiz", "Ben Okoye"], "a comma-separated deciders string");

    let new = b.doc("ADR-0003");
    assert_eq!(new["status"], "accepted");
    assert_eq!(new["status_raw"], "Accepted");
    let src = "adr/0003-use-cockroachdb-for-the-ledger.md";
    assert_relation(&b, new, "supersedes", "ADR-0002", true, Some(b.line_of(src, "supersedes:")));
    assert_relation(&b, old, "superseded_by", "ADR-0003", true, None);

    let proposed = b.doc("ADR-0004");
    assert_eq!(proposed["status"], "proposed");
    assert!(authors(proposed).is_empty());
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_input_exits_1_and_still_lists_every_doc() {
    let b = build_fixture("bad-input");
    assert_eq!(b.run.code, 1, "errors in the docs give exit 1; stderr:\n{}", b.run.stderr);
    b.assert_invariants();
    let sources: BTreeSet<&str> = b.docs().iter().filter_map(|d| d["source"].as_str()).collect();
    for s in [
        "adr/0004-use-event-sourcing.md",
        "adr/ADR-0004-event-sourcing-again.md",
        "broken-yaml.md",
        "empty.md",
        "latin1.md",
        "unclosed.md",
        "xss.md",
    ] {
        assert!(sources.contains(s), "{s} must still be listed; listed: {sources:?}");
    }
    assert!(b.run.stderr.contains("error"), "a summary names the errors:\n{}", b.run.stderr);
}

#[test]
fn duplicate_ids_are_an_error_naming_both_files() {
    let b = build_fixture("bad-input");
    let (a, c) = ("adr/0004-use-event-sourcing.md", "adr/ADR-0004-event-sourcing-again.md");
    let errors: Vec<&Value> = b
        .diagnostics()
        .iter()
        .filter(|d| d["severity"] == "error" && (d["source"] == a || d["source"] == c))
        .filter(|d| d["message"].as_str().is_some_and(|m| m.contains("ADR-0004")))
        .collect();
    assert_eq!(errors.len(), 1, "one duplicate-id error: {:#?}", b.diagnostics());
    let other = if errors[0]["source"] == a { c } else { a };
    assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains(other)), "names the other file: {}", errors[0]);
    let owners: Vec<&Value> = b.docs().iter().filter(|d| d["id"] == "ADR-0004").collect();
    assert_eq!(owners.len(), 1, "exactly one doc keeps the id");
}

#[test]
fn broken_yaml_front_matter_is_an_error_with_its_line() {
    let b = build_fixture("bad-input");
    let src = "broken-yaml.md";
    let errors = b.diags(src, "error");
    assert!(!errors.is_empty(), "broken YAML is an error: {:#?}", b.diagnostics());
    let closing = b.line_of(src, "author: Lee") + 1;
    for e in &errors {
        let line = e["line"].as_u64().expect("a YAML error names its line");
        assert!((1..=closing as u64).contains(&line), "line {line} lies in the front-matter: {e}");
    }
    // The simple keys before the broken line may be salvaged; else the H1 names the doc.
    let title = b.doc_at(src)["title"].as_str().unwrap_or_default().to_string();
    assert!(["Broken front matter", "Broken Front Matter"].contains(&title.as_str()), "title {title:?}");
}

#[test]
fn unclosed_front_matter_is_reported_at_line_1() {
    let b = build_fixture("bad-input");
    let src = "unclosed.md";
    let at_start: Vec<&Value> = b.diagnostics().iter().filter(|d| d["source"] == src && d["line"] == 1).collect();
    assert!(!at_start.is_empty(), "an unclosed `---` is reported at line 1: {:#?}", b.diagnostics());
    b.doc_at(src);
}

#[test]
fn empty_and_latin1_files_are_listed_not_fatal() {
    let b = build_fixture("bad-input");
    let empty = b.doc_at("empty.md");
    assert_eq!(empty["id"], "empty");
    assert!(empty["title"].as_str().is_some_and(|t| !t.is_empty()), "an empty doc still gets a title");

    let src = "latin1.md";
    let raw = std::fs::read(b.dir.path().join("content").join(src)).expect("fixture");
    assert!(std::str::from_utf8(&raw).is_err(), "the fixture must stay invalid UTF-8");
    let doc = b.doc_at(src);
    assert_eq!(doc["title"], "Caf\u{FFFD} Men\u{FFFD}");
    assert_eq!(doc["status"], "draft", "metadata after the bad bytes is still read");
    b.expect_diag(src, 1, "warning");
}

#[test]
fn script_in_a_title_is_escaped_in_every_page() {
    let b = build_fixture("bad-input");
    let title = "<script>alert(1)</script> \"Quoted\" & 'single' </title><b>bold</b>";
    let doc = b.doc_at("xss.md");
    assert_eq!(doc["title"], title, "docs.json keeps the title exactly");
    assert!(!String::from_utf8_lossy(&b.json_bytes).contains("<script>"), "docs.json escapes `<` for inlining");

    let page = b.page(doc["url"].as_str().expect("url"));
    let title_text = texts(&page, "title").concat();
    assert!(title_text.contains(title), "<title> shows the text, escaped: {title_text:?}");
    assert!(texts(&page, "h1").iter().any(|h| h.contains(title)), "h1 shows the text");
    for url in [doc["url"].as_str().expect("url"), "index.html"] {
        let page = b.page(url);
        let scripts = texts(&page, "script");
        assert!(scripts.iter().all(|s| !s.contains("alert(")), "{url}: user text became a script: {scripts:?}");
        let sel = scraper::Selector::parse("[onerror]").expect("selector");
        let live: Vec<String> = page.select(&sel).map(|e| e.html()).collect();
        assert!(live.is_empty(), "{url}: user markup became elements: {live:?}");
        assert!(!texts(&page, "b").iter().any(|t| t == "bold"), "{url}: the title's <b> became an element");
    }
}

#[test]
fn five_megabyte_doc_builds() {
    let fixture = fixture_copy("bad-input");
    let mut text = String::from("---\ntitle: Huge Generated Doc\nstatus: draft\n---\n\n# Huge Generated Doc\n\n");
    let mut section = 0;
    while text.len() < 5 * 1024 * 1024 {
        section += 1;
        text.push_str(&format!(
            "## Section {section}\n\nParagraph {section} has a `code span`, *emphasis* and a [link](#section-{section}).\n\n\
             | a | b |\n|---|---|\n| {section} | x |\n\n```rust\nfn f{section}() -> u32 {{ {section} }}\n```\n\n"
        ));
    }
    std::fs::write(fixture.path().join("content/huge.md"), &text).expect("write huge doc");
    let b = build_in(fixture);
    assert_eq!(b.run.code, 1, "still exit 1 for the other bad input; stderr:\n{}", b.run.stderr);
    let doc = b.doc_at("huge.md");
    assert_eq!(doc["title"], "Huge Generated Doc");
    assert_eq!(doc["status"], "draft");
    let page = std::fs::metadata(b.site().join(doc["url"].as_str().expect("url"))).expect("page written");
    assert!(page.len() > 5 * 1024 * 1024, "the whole doc was rendered ({} bytes)", page.len());
}

#[test]
fn missing_portal_folder_exits_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let missing = tmp.path().join("no-such-portal");
    let run = docportal(&["build".as_ref(), missing.as_os_str()]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("no-such-portal"), "names the folder:\n{}", run.stderr);
    assert!(!missing.exists(), "nothing is created");
}

#[test]
fn missing_docs_folder_exits_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("book.toml"), "[book]\nsrc = \"docs\"\n").expect("book.toml");
    let run = docportal(&["build".as_ref(), tmp.path().as_os_str()]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("docs"), "names the docs folder:\n{}", run.stderr);
    assert!(!tmp.path().join("book").exists(), "no site is written");
}

// ---------------------------------------------------------------- the sample portal

/// Every `.md` file under `dir`, relative, forward slashes.
fn markdown_files(dir: &std::path::Path, prefix: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        if entry.path().is_dir() {
            markdown_files(&entry.path(), &rel, out);
        } else if name.ends_with(".md") {
            out.insert(rel);
        }
    }
}

#[test]
fn sample_portal_builds_clean_with_every_status_and_only_the_intended_warnings() {
    let b = build_in(sample_portal_copy());
    no_errors(&b);
    b.assert_invariants();

    let mut files = BTreeSet::new();
    markdown_files(&b.dir.path().join("content"), "", &mut files);
    let listed: BTreeSet<String> = b.docs().iter().filter_map(|d| d["source"].as_str().map(str::to_string)).collect();
    assert_eq!(listed, files, "every doc is listed");
    assert!((15..=30).contains(&files.len()));
    assert!(b.run.stderr.contains(&format!("{} docs", files.len())), "summary counts the docs:\n{}", b.run.stderr);

    let statuses: BTreeSet<&str> = b.docs().iter().filter_map(|d| d["status"].as_str()).collect();
    for s in [
        "draft",
        "proposed",
        "in-review",
        "approved",
        "accepted",
        "in-progress",
        "implemented",
        "complete",
        "rejected",
        "deprecated",
        "superseded",
    ] {
        assert!(statuses.contains(s), "no doc has status {s}; statuses: {statuses:?}");
    }
    for d in b.docs() {
        assert!(d["status"].is_string(), "{} has no status", d["id"]);
        assert!(!authors(d).is_empty(), "{} has no author", d["id"]);
        assert!(d["created"].is_string() || d["id"] == "TRD-0140", "{} has no date", d["id"]);
        if let Some((kind, _)) = d["id"].as_str().and_then(|i| i.split_once('-')).filter(|(_, n)| n.len() == 4) {
            assert_eq!(d["kind"], kind, "{}", d["id"]);
        }
    }
    let tdd = b.doc("TDD-0203");
    assert_eq!(tdd["status"], "in-review", "`Ready for Review` maps through [portal.status]");
    assert_eq!(tdd["status_raw"], "Ready for Review");

    // Supersedes chains, declared on the newer side and mirrored on the older.
    assert_relation(&b, b.doc("ADR-0007"), "supersedes", "ADR-0003", true, None);
    assert_relation(&b, b.doc("ADR-0003"), "superseded_by", "ADR-0007", true, None);
    assert_relation(&b, b.doc("TRD-0110"), "supersedes", "TRD-0100", true, None);
    assert_relation(&b, b.doc("TRD-0100"), "superseded_by", "TRD-0110", true, None);
    // seed 004's relatedPRD: a path from the project root.
    let customs = b.doc_at("specs/customs-declarations/spec.md");
    assert_relation(&b, customs, "related", "PRD-0014", true, None);

    // The intended warnings, and nothing else: the demo stays clean.
    let webhook = "trd/TRD-0140-webhook-delivery.md";
    let ingestion = "tdd/TDD-0201-tracking-event-ingestion.md";
    let expected: BTreeSet<(String, u32)> = [
        (webhook, b.line_of(webhook, "{YYYY-MM-DD}")),
        (webhook, b.line_of(webhook, "#service-level-objectives")),
        (ingestion, b.line_of(ingestion, "RFC-0042")),
    ]
    .into_iter()
    .map(|(s, l)| (s.to_string(), l))
    .collect();
    for (source, line) in &expected {
        b.expect_diag(source, *line, "warning");
    }
    let found: BTreeSet<(String, u32)> = b
        .diagnostics()
        .iter()
        .map(|d| (d["source"].as_str().unwrap_or_default().to_string(), d["line"].as_u64().unwrap_or(0) as u32))
        .collect();
    assert_eq!(found, expected, "unexpected diagnostics: {:#?}", b.diagnostics());
    assert_relation(&b, b.doc("TDD-0201"), "related", "RFC-0042", false, Some(b.line_of(ingestion, "RFC-0042")));
}

/// Issue 3: an unresolved reference, including a link to a missing `#anchor` of an
/// existing doc, is shown as unresolved on the page, never as a dead link.
#[test]
fn sample_portal_unresolved_references_are_not_dead_links() {
    let b = build_in(sample_portal_copy());
    let links = scraper::Selector::parse("a[href]").expect("selector");
    for (id, written, label) in
        [("TRD-0140", "#service-level-objectives", "tracking PRD"), ("TDD-0201", "RFC-0042", "RFC-0042")]
    {
        let page = b.page(b.doc(id)["url"].as_str().expect("url"));
        let dead: Vec<String> = page
            .select(&links)
            .filter(|a| {
                a.value().attr("href").is_some_and(|h| h.contains(written)) || a.text().collect::<String>() == written
            })
            .map(|a| a.html())
            .collect();
        assert!(dead.is_empty(), "{id}: `{written}` is unresolved but rendered as a link: {dead:?}");
        assert!(
            texts(&page, "article").concat().contains(label) || texts(&page, "body").concat().contains(label),
            "{id} still shows `{label}`"
        );
    }
}

#[test]
fn docs_json_is_byte_identical_across_builds() {
    let b = build_in(sample_portal_copy());
    assert!(!b.json_bytes.is_empty(), "docs.json written; stderr:\n{}", b.run.stderr);
    let again = b.dir.path().join("again");
    let run = docportal(&["build".as_ref(), b.dir.path().as_os_str(), "--dest-dir".as_ref(), again.as_os_str()]);
    assert_eq!(run.code, b.run.code);
    let second = std::fs::read(again.join("docs.json")).expect("second docs.json");
    assert!(second == b.json_bytes, "docs.json differs between two builds of the same input");
    let first_index = std::fs::read(b.site().join("index.html")).expect("index.html");
    assert_eq!(first_index, std::fs::read(again.join("index.html")).expect("index.html"), "index.html differs");
}

/// docs.json is laid out as the design's contract shows it: a doc's fields one per line,
/// and each relation, each diagnostic and each list of names whole on its own line.
#[test]
fn docs_json_has_one_relation_and_one_diagnostic_per_line() {
    let b = build_in(sample_portal_copy());
    let text = String::from_utf8(b.json_bytes.clone()).expect("UTF-8");
    let json: Value = serde_json::from_str(&text).expect("docs.json parses");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let (mut relations, mut diagnostics) = (0, 0);
    for doc in json["docs"].as_array().expect("docs") {
        let id = doc["id"].as_str().expect("id");
        assert!(lines.contains(&format!("\"id\": {},", doc["id"]).as_str()), "{id}: its id on a line");
        for key in ["authors", "referenced_by"] {
            let names: Vec<String> = doc[key].as_array().expect(key).iter().map(Value::to_string).collect();
            let one_line = format!("\"{key}\": [{}]", names.join(", "));
            assert!(lines.iter().any(|l| l.trim_end_matches(',') == one_line), "{id}: `{one_line}` on one line");
        }
        for relation in doc["relations"].as_array().expect("relations") {
            let written = format!(
                "{{ \"type\": {}, \"target\": {}, \"resolved\": {}, \"line\": {} }}",
                relation["type"], relation["target"], relation["resolved"], relation["line"]
            );
            assert!(lines.iter().any(|l| l.trim_end_matches(',') == written), "{id}: `{written}` on one line");
            relations += 1;
        }
    }
    for d in json["diagnostics"].as_array().expect("diagnostics") {
        let line = lines.iter().find(|l| l.starts_with("{ \"severity\"") && l.contains(&d["message"].to_string()));
        let line = line.unwrap_or_else(|| panic!("diagnostic {d} on one line"));
        assert_eq!(&serde_json::from_str::<Value>(line.trim_end_matches(',')).unwrap(), d);
        diagnostics += 1;
    }
    assert!(
        relations > 10 && diagnostics > 0,
        "the sample has relations ({relations}) and diagnostics ({diagnostics})"
    );
}

#[test]
fn sample_portal_pages_exist_where_docs_json_says() {
    let b = build_in(sample_portal_copy());
    for d in b.docs() {
        let page = b.page(d["url"].as_str().expect("url"));
        let title = d["title"].as_str().expect("title");
        let h1 = texts(&page, "h1");
        assert!(h1.iter().any(|h| h.contains(title)), "{}: h1 {h1:?} lacks the title {title:?}", d["id"]);
    }
}

#[test]
fn quiet_build_prints_the_diagnostics_and_nothing_else() {
    let loud = build_fixture("bad-input");
    let portal = fixture_copy("bad-input");
    let quiet = docportal(&["-q".as_ref(), "build".as_ref(), portal.path().as_os_str()]);
    assert_eq!(quiet.code, loud.run.code, "--quiet does not change the exit code");
    let diagnostics = |stderr: &str| -> Vec<String> {
        stderr.lines().filter(|l| l.contains(": error: ") || l.contains(": warning: ")).map(str::to_string).collect()
    };
    let expected = diagnostics(&loud.run.stderr);
    assert!(!expected.is_empty() && loud.run.stderr.contains("Finished"), "{}", loud.run.stderr);
    assert_eq!(quiet.stderr.lines().collect::<Vec<_>>(), expected, "only the diagnostics, in the same order");
    assert!(quiet.stdout.is_empty());
    assert!(portal.path().join("book/docs.json").is_file(), "the site is written all the same");
    // The flag goes after the subcommand too, and a fresh site stays silent.
    let again = docportal(&["build".as_ref(), portal.path().as_os_str(), "--quiet".as_ref()]);
    assert_eq!(again.stderr.lines().collect::<Vec<_>>(), expected);
}
