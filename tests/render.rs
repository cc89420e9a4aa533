//! End-to-end rendering: the real binary builds `tests/fixtures/render-portal` and the
//! doc pages are checked as parsed HTML (code highlighting, Mermaid, escaping, anchors).

mod common;

use scraper::{ElementRef, Html, Selector};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds a copy of the fixture (its render cache must not land in the repository).
fn build_fixture() -> (tempfile::TempDir, PathBuf) {
    let out = common::fixture_copy("render-portal");
    let dest = out.path().join("site");
    let run = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .arg("build")
        .arg(out.path())
        .arg("--dest-dir")
        .arg(&dest)
        .output()
        .expect("run docportal");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.code().is_some_and(|c| c <= 1), "build failed: {stderr}");
    assert!(stderr.contains("javascript"), "the removed javascript: link is reported: {stderr}");
    (out, dest)
}

fn page(dest: &Path, rel: &str) -> Html {
    let html = std::fs::read_to_string(dest.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    Html::parse_document(&html)
}

fn select<'h>(doc: &'h Html, css: &str) -> Vec<ElementRef<'h>> {
    doc.select(&Selector::parse(css).expect("valid selector")).collect()
}

fn text(el: &ElementRef<'_>) -> String {
    el.text().collect()
}

#[test]
fn code_diagrams_and_raw_html_come_out_highlighted_untouched_and_escaped() {
    let (_tmp, dest) = build_fixture();
    let doc = page(&dest, "trd/TRD-0001-code.html");

    for lang in ["sql", "toml", "typescript"] {
        let spans = select(&doc, &format!(".code-block[data-lang={lang}] pre.hl code span[class^=hl-]"));
        assert!(!spans.is_empty(), "{lang} is highlighted");
    }
    let ts = select(&doc, ".code-block[data-lang=typescript] pre.hl code");
    assert_eq!(text(&ts[0]), "const x: Array<string> = [\"<script>alert(1)</script>\"];\n");
    assert!(select(&doc, "article script, main script:not([src])").is_empty(), "no script element from the doc");

    let plain = select(&doc, ".code-block[data-lang=no-such-language] pre.hl code");
    assert_eq!(text(&plain[0]), "<b>plain & simple</b>\n");
    assert!(select(&doc, ".code-block[data-lang=no-such-language] span, .code-block b").is_empty());
    assert_eq!(select(&doc, ".code-block > pre.line-numbers").len(), 4, "line-numbers = true in book.toml");

    let diagrams = select(&doc, "pre.mermaid");
    assert_eq!(diagrams.len(), 1);
    assert_eq!(text(&diagrams[0]), "graph LR\n  A[\"<script>alert(1)</script>\"] --> B\n");

    assert!(select(&doc, "[onclick]").is_empty(), "raw HTML is escaped by default");
    assert!(text(&select(&doc, "body")[0]).contains("<span onclick=\"x()\">raw html</span>"));
    assert!(select(&doc, "a[href*=javascript]").is_empty());

    let ids: Vec<&str> = select(&doc, "h2[id], h3[id]").iter().filter_map(|h| h.value().attr("id")).collect();
    let expected = ["schema", "config", "flow", "overview", "overview-1"];
    let found: Vec<&str> = ids.iter().copied().filter(|id| expected.contains(id)).collect();
    assert_eq!(found, expected, "heading ids in order, duplicates numbered: {ids:?}");
    for id in expected {
        assert_eq!(select(&doc, &format!("h2#{id} > a.anchor[href='#{id}']")).len(), 1, "{id} has an anchor link");
    }
}

#[test]
fn a_page_without_code_or_diagrams_has_neither() {
    let (_tmp, dest) = build_fixture();
    let doc = page(&dest, "adr/ADR-0002-plain.html");
    assert!(select(&doc, ".code-block, pre.mermaid").is_empty());
    assert_eq!(select(&doc, "h2#context > a.anchor").len(), 1);
}
