//! Hostile input (issue 11): the real binary on `tests/fixtures/hostile/`, a portal where
//! every file is broken or malicious on purpose. Each test pins the exact behaviour for
//! one case: the diagnostic (file, line, severity, text), the exit code, what docs.json
//! lists, and that user text comes out escaped in every output. Every build must also
//! finish with the rest of the portal written and no panic.
//!
//! What git cannot hold or should not carry is made by the tests in the temp copy: the
//! symlink loop, symlinks out of the portal, a 2 MiB YAML value, and the big docs (10 MB,
//! 5,000 headings, a 100,000-character line).

mod common;

use common::{build_in, texts, Build};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use tempfile::TempDir;

/// Every doc the hostile build lists, by source path (the symlinked files are not among them).
const LISTED: &[&str] = &[
    "adr/ADR-0010-cycle-a.md",
    "adr/ADR-0011-cycle-b.md",
    "adr/ADR-0012-self.md",
    "adr/ADR-0020-first.md",
    "adr/ADR-0020-second.md",
    "encoding/bom.md",
    "encoding/crlf.md",
    "encoding/empty.md",
    "encoding/latin1.md",
    "encoding/lone-cr.md",
    "front-matter/broken.md",
    "front-matter/toml-broken.md",
    "front-matter/toml.md",
    "front-matter/unclosed.md",
    "links/hostile-links.md",
    "markup/fences.md",
    "markup/xss.md",
    "specs/C# notes (100%).md",
    "specs/Search Reindexing.md",
    "specs/Übersicht der Dienste.md",
    "specs/日本語 メモ.md",
    "yaml/alias-bomb.md",
    "yaml/anchors.md",
    "yaml/deep-nesting.md",
    "yaml/huge-value.md",
    "yaml/tabs.md",
];

/// A temp copy of the portal, and a second temp folder (`outside`) holding files the
/// portal's symlinks point at, which must never be read. Both live until dropped.
fn hostile_copy() -> (TempDir, TempDir) {
    let portal = common::fixture_copy("hostile");
    let content = portal.path().join("content");

    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(outside.path().join("dir")).expect("outside dir");
    std::fs::write(outside.path().join("secret.md"), "# SECRET-OUTSIDE-FILE\n").expect("secret");
    std::fs::write(outside.path().join("dir/inner.md"), "# SECRET-OUTSIDE-DIR\n").expect("secret");
    std::fs::create_dir_all(outside.path().join("dir/deeper")).expect("outside dir");
    std::fs::write(outside.path().join("dir/deeper/more.md"), "# SECRET-OUTSIDE-DEEPER\n").expect("secret");
    symlink(&outside.path().join("secret.md"), &content.join("outside.md"));
    symlink(&outside.path().join("dir"), &content.join("outside-dir"));
    symlink(Path::new(".."), &content.join("specs/loop"));

    // A 2 MiB value is over the YAML reader's 1 MiB budget.
    let huge = format!(
        "---\ntitle: Huge value\nstatus: draft\ndescription: {}\n---\n\n# Huge value\n",
        "lorem ipsum ".repeat(2 * 1024 * 1024 / 12)
    );
    std::fs::write(content.join("yaml/huge-value.md"), huge).expect("huge value doc");
    (portal, outside)
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link)
        .unwrap_or_else(|e| panic!("symlink {} -> {}: {e}", link.display(), target.display()));
}

/// Builds a portal copy; fails on any panic message.
fn build_checked(portal: TempDir) -> Build {
    let b = build_in(portal);
    assert!(!b.run.stderr.contains("panicked"), "docportal panicked:\n{}", b.run.stderr);
    b
}

/// The hostile portal, built, and its folder.
fn hostile() -> (Build, std::path::PathBuf) {
    let (portal, _outside) = hostile_copy();
    let b = build_checked(portal);
    let dir = b.dir.path().to_path_buf();
    (b, dir)
}

/// The diagnostics of one file, as `(line, severity, message)`, in report order.
fn diags_of(b: &Build, source: &str) -> Vec<(Option<u64>, String, String)> {
    b.diagnostics()
        .iter()
        .filter(|d| d["source"] == source)
        .map(|d| {
            (
                d["line"].as_u64(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Asserts a file has exactly these diagnostics, each also printed on stderr.
fn assert_diags(b: &Build, source: &str, expected: &[(Option<u64>, &str, &str)]) {
    let found = diags_of(b, source);
    let expected: Vec<(Option<u64>, String, String)> =
        expected.iter().map(|(l, s, m)| (*l, s.to_string(), m.to_string())).collect();
    assert_eq!(found, expected, "diagnostics of {source}");
    for (line, severity, message) in &expected {
        let line = line.map(|l| format!(":{l}")).unwrap_or_default();
        let shown = format!("content/{source}{line}: {severity}: {message}");
        assert!(b.run.stderr.contains(&shown), "stderr lacks `{shown}`:\n{}", b.run.stderr);
    }
}

fn doc<'a>(b: &'a Build, source: &str) -> &'a Value {
    b.doc_at(source)
}

fn page_html(portal: &Path, url: &str) -> String {
    std::fs::read_to_string(portal.join("book").join(url)).unwrap_or_else(|e| panic!("page {url}: {e}"))
}

fn parse(html: &str) -> scraper::Html {
    scraper::Html::parse_document(html)
}

fn relations(doc: &Value) -> Vec<(String, String, bool, Option<u64>)> {
    doc["relations"]
        .as_array()
        .map(|rels| {
            rels.iter()
                .map(|r| {
                    (
                        r["type"].as_str().unwrap_or_default().to_string(),
                        r["target"].as_str().unwrap_or_default().to_string(),
                        r["resolved"].as_bool().unwrap_or_default(),
                        r["line"].as_u64(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rel(kind: &str, target: &str, resolved: bool, line: Option<u64>) -> (String, String, bool, Option<u64>) {
    (kind.to_string(), target.to_string(), resolved, line)
}

// ------------------------------------------------------------------ the whole build

#[test]
fn hostile_portal_exits_1_lists_every_doc_and_does_not_panic() {
    let (b, portal) = hostile();
    assert_eq!(b.run.code, 1, "errors in the docs give exit 1; stderr:\n{}", b.run.stderr);
    b.assert_invariants();
    let listed: BTreeSet<&str> = b.docs().iter().filter_map(|d| d["source"].as_str()).collect();
    assert_eq!(listed, LISTED.iter().copied().collect::<BTreeSet<_>>());
    assert!(b.run.stderr.contains(&format!("Finished {} docs", LISTED.len())), "{}", b.run.stderr);
    assert!(portal.join("book/index.html").is_file() && portal.join("book/docs.html").is_file());
}

// ------------------------------------------------------------------ front-matter

#[test]
fn unclosed_front_matter_is_an_error_at_line_1_and_read_as_markdown() {
    let (b, _) = hostile();
    let src = "front-matter/unclosed.md";
    assert_diags(
        &b,
        src,
        &[(
            Some(1),
            "error",
            "front-matter opened with `---` on line 1 is never closed (no second `---` line); it was read as Markdown",
        )],
    );
    assert_eq!(doc(&b, src)["title"], "Unclosed Front Matter");
}

#[test]
fn broken_yaml_is_an_error_at_its_line_and_simple_keys_are_salvaged() {
    let (b, _) = hostile();
    let src = "front-matter/broken.md";
    assert_diags(&b, src, &[(Some(5), "error", "front-matter is not valid YAML: illegal placement of ':' indicator")]);
    let d = doc(&b, src);
    assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some("Broken YAML"), Some("draft")));
    assert_eq!(d["authors"], serde_json::json!(["Lee"]));
}

#[test]
fn tab_indented_yaml_is_an_error_at_the_tab_line() {
    let (b, _) = hostile();
    let src = "yaml/tabs.md";
    assert_diags(
        &b,
        src,
        &[(
            Some(5),
            "error",
            "front-matter is not valid YAML: tabs disallowed within this context (block indentation)",
        )],
    );
    assert_eq!(doc(&b, src)["title"], "Tabbed YAML");
}

#[test]
fn yaml_anchors_and_aliases_are_read_normally() {
    let (b, portal) = hostile();
    let src = "yaml/anchors.md";
    assert_diags(&b, src, &[]);
    let d = doc(&b, src);
    assert_eq!((d["status"].as_str(), d["status_raw"].as_str()), (Some("approved"), Some("approved")));
    assert_eq!(d["authors"], serde_json::json!(["Priya Natarajan"]));
    let page = page_html(&portal, d["url"].as_str().expect("url"));
    assert!(page.contains("Sam Okafor"), "the aliased reviewers list is shown");
}

#[test]
fn deep_yaml_nesting_is_refused_with_a_clear_message() {
    let (b, _) = hostile();
    let src = "yaml/deep-nesting.md";
    assert_diags(
        &b,
        src,
        &[(
            Some(4),
            "error",
            "front-matter is not valid YAML: over docportal's safety limits: nested more than 24 levels deep",
        )],
    );
    assert_eq!(doc(&b, src)["title"], "Deeply nested");
}

#[test]
fn billion_laughs_alias_bomb_is_refused_without_expanding() {
    let (b, _) = hostile();
    let src = "yaml/alias-bomb.md";
    assert_diags(
        &b,
        src,
        &[(
            Some(8),
            "error",
            "front-matter is not valid YAML: over docportal's safety limits: too many anchors or aliases (an alias bomb expands without bound)",
        )],
    );
    let d = doc(&b, src);
    assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some("Alias bomb"), Some("draft")));
    // Nine levels of nine would be 9^9 "lol"s; not one of them reaches the outputs.
    assert!(!String::from_utf8_lossy(&b.json_bytes).contains("lol"));
}

#[test]
fn a_yaml_value_over_the_size_budget_is_an_error_and_the_doc_is_listed() {
    let (b, _) = hostile();
    let src = "yaml/huge-value.md";
    assert_diags(
        &b,
        src,
        &[(
            Some(4),
            "error",
            "front-matter is not valid YAML: over docportal's safety limits: values larger than 1 MiB in total",
        )],
    );
    let d = doc(&b, src);
    assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some("Huge value"), Some("draft")));
}

#[test]
fn toml_front_matter_is_parsed_like_yaml() {
    let (b, _) = hostile();
    let src = "front-matter/toml.md";
    assert_diags(&b, src, &[]);
    let d = doc(&b, src);
    assert_eq!(d["title"], "TOML front matter");
    assert_eq!((d["status"].as_str(), d["created"].as_str()), (Some("in-review"), Some("2026-03-02")));
    assert_eq!(d["authors"], serde_json::json!(["Priya Natarajan", "Sam Okafor"]));
    assert_eq!(relations(d), [rel("related", "ADR-0010", true, Some(6))]);
}

#[test]
fn broken_toml_front_matter_is_an_error_at_its_line() {
    let (b, _) = hostile();
    let src = "front-matter/toml-broken.md";
    assert_diags(
        &b,
        src,
        &[(Some(3), "error", "front-matter is not valid TOML: string values must be quoted, expected literal string")],
    );
    let d = doc(&b, src);
    assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some("Broken TOML"), None));
}

// ------------------------------------------------------------------ encodings

#[test]
fn empty_file_is_listed_under_its_path_with_a_warning_saying_it_is_empty() {
    let (b, portal) = hostile();
    let src = "encoding/empty.md";
    let said = "the file is empty: it is listed as `encoding-empty` with the title `Empty`, made from its file name; write the doc or delete the file";
    assert_diags(&b, src, &[(None, "warning", said)]);
    let d = doc(&b, src);
    assert_eq!(
        (d["id"].as_str(), d["title"].as_str(), d["status"].as_str()),
        (Some("encoding-empty"), Some("Empty"), None)
    );
    assert!(portal.join("book/encoding/empty.html").is_file());
}

#[test]
fn utf8_bom_before_front_matter_is_dropped() {
    let (b, _) = hostile();
    let src = "encoding/bom.md";
    assert_diags(&b, src, &[]);
    let d = doc(&b, src);
    assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some("Starts with a BOM"), Some("approved")));
}

#[test]
fn latin1_file_warns_at_the_first_bad_line_and_is_decoded_lossily() {
    let (b, portal) = hostile();
    let src = "encoding/latin1.md";
    assert!(std::str::from_utf8(&std::fs::read(portal.join("content").join(src)).expect("fixture")).is_err());
    assert_diags(
        &b,
        src,
        &[(
            Some(1),
            "warning",
            "file is not valid UTF-8; undecodable bytes are shown as \u{FFFD} (save the file as UTF-8)",
        )],
    );
    let d = doc(&b, src);
    assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some("Caf\u{FFFD} Men\u{FFFD}"), Some("draft")));
}

#[test]
fn crlf_and_lone_cr_files_read_like_lf_files_with_the_same_line_numbers() {
    let (b, portal) = hostile();
    for (src, title, status, author) in [
        ("encoding/crlf.md", "CRLF line endings", "approved", "Windows User"),
        ("encoding/lone-cr.md", "Lone CR line endings", "deprecated", "Classic Mac"),
    ] {
        let raw = std::fs::read(portal.join("content").join(src)).expect("fixture");
        assert!(raw.contains(&b'\r'), "{src} must keep its CRs in git (see .gitattributes)");
        assert_diags(&b, src, &[]);
        let d = doc(&b, src);
        assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some(title), Some(status)), "{src}");
        assert_eq!(d["authors"], serde_json::json!([author]), "{src}");
        assert_eq!(relations(d), [rel("mentions", "ADR-0010", true, Some(8))], "{src}");
        let page = parse(&page_html(&portal, d["url"].as_str().expect("url")));
        assert_eq!(texts(&page, "article h2"), ["Section#"], "{src}");
    }
}

// ------------------------------------------------------------------ markup

#[test]
fn unbalanced_code_fence_warns_and_its_contents_stay_code() {
    let (b, portal) = hostile();
    let src = "markup/fences.md";
    assert_diags(
        &b,
        src,
        &[(Some(7), "warning", "code fence opened with ``` is never closed: the rest of its block is shown as code")],
    );
    let d = doc(&b, src);
    // ADR-0011 is inside the open fence: code, not a reference.
    assert_eq!(relations(d), [rel("mentions", "ADR-0010", true, Some(5))]);
    let page = parse(&page_html(&portal, d["url"].as_str().expect("url")));
    assert!(texts(&page, "article h2").is_empty(), "`## Not a heading` is inside the code block");
    assert!(texts(&page, "article pre code").concat().contains("## Not a heading"));
}

/// The user strings of `markup/xss.md`, exactly as docs.json must keep them.
const XSS_TITLE: &str = "<script>alert(1)</script> \"Quoted\" 'single' </script> {{ config }} {% raw %}";
const XSS_AUTHOR: &str = "Mallory </script><script>alert(2)</script> {{ 7*7 }}";

#[test]
fn script_quotes_and_template_syntax_in_metadata_come_out_escaped_everywhere() {
    let (b, portal) = hostile();
    let src = "markup/xss.md";
    let d = doc(&b, src);
    assert_eq!(d["title"], XSS_TITLE);
    assert_eq!(d["authors"], serde_json::json!([XSS_AUTHOR]));
    assert_eq!(d["version"], "\"><img src=x onerror=alert(3)>");
    // The status had its angle brackets trimmed as if it were a `<placeholder>`; kept as text.
    assert_diags(
        &b,
        src,
        &[(
            Some(3),
            "warning",
            "unknown status `script>alert('status')</script`, kept as `script>alert('status')</script`; known statuses: draft, proposed, in-review, approved, accepted, in-progress, implemented, complete, rejected, deprecated, superseded (map other spellings under [portal.status] in book.toml)",
        )],
    );

    // docs.json: no `<` at all, so it can be inlined in a <script> as it is.
    let json = String::from_utf8_lossy(&b.json_bytes);
    assert!(!json.contains('<') && !json.contains('>'), "docs.json escapes angle brackets");

    // Every HTML page: no script element holds user text, no user element became live,
    // and `{{ }}` reached the page as text (tera did not evaluate it: no `49`).
    let site = portal.join("book");
    for page_path in html_pages(&site) {
        let html = std::fs::read_to_string(site.join(&page_path)).expect("page");
        let page = parse(&html);
        for script in texts(&page, "script") {
            assert!(!script.contains("alert("), "{page_path}: user text inside a <script>: {script}");
        }
        for sel in ["img[onerror]", "[onerror]", "script:not([src])"] {
            let selector = scraper::Selector::parse(sel).expect("selector");
            let live: Vec<String> = page
                .select(&selector)
                .map(|e| e.html())
                .filter(|h| h.contains("alert") || h.contains("onerror"))
                .collect();
            assert!(live.is_empty(), "{page_path}: user markup became live: {live:?}");
        }
        assert!(!html.contains("<script>alert"), "{page_path}: raw <script> from user text");
    }
    let page = parse(&page_html(&portal, d["url"].as_str().expect("url")));
    assert_eq!(texts(&page, "h1.doc-title"), [XSS_TITLE]);
    assert!(texts(&page, "title").concat().contains(XSS_TITLE));
    assert!(texts(&page, "body").concat().contains(XSS_AUTHOR), "the author is shown as text");
    assert!(texts(&page, "article").concat().contains("<script>alert(6)</script>"), "raw HTML is shown as text");

    // Search files: scripts, so `<` must never appear raw (it could close the element
    // when inlined), and the title is still findable.
    let mut saw_title = false;
    for entry in std::fs::read_dir(site.join("search")).expect("search dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("search file");
        assert!(!text.contains('<'), "{}: raw `<` in a search file", path.display());
        saw_title |= text.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e");
    }
    assert!(saw_title, "the escaped title is in the search files");

    // Graph data: the Mermaid source escapes the label with Mermaid entities, and the page
    // holding it escapes it again as HTML.
    let graph = std::fs::read_to_string(site.join("graph.html")).expect("graph page");
    assert!(graph.contains("#lt;script#gt;alert(1)#lt;/script#gt; #quot;Quoted#quot;"), "graph label escaped");
    assert!(!graph.contains("<script>alert"), "no live script in the graph page");
}

/// Site paths of every `.html` file under `site`.
fn html_pages(site: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![site.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                out.push(path.strip_prefix(site).expect("under site").to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

// ------------------------------------------------------------------ links

#[test]
fn links_out_of_the_portal_and_script_urls_are_never_live() {
    let (b, portal) = hostile();
    let src = "links/hostile-links.md";
    assert_diags(
        &b,
        src,
        &[
            (Some(4), "warning", "link `../../etc/passwd` in `Related` points outside the docs folder; also on line 6"),
            (Some(6), "warning", "link `../../etc/passwd` points outside the site; removed (only its text is shown)"),
            (Some(7), "warning", "link `../../../etc/passwd.md` points outside the docs folder"),
            (Some(8), "warning", "link to a `javascript:` URL removed (only its text is shown)"),
            (Some(9), "warning", "link to a `javascript:` URL removed (only its text is shown)"),
            (Some(10), "warning", "link to a `javascript:` URL removed (only its text is shown)"),
            (Some(11), "warning", "link to a `data:` URL removed (only its text is shown)"),
            (Some(12), "warning", "link to a `javascript:` URL removed (only its text is shown)"),
        ],
    );
    let d = doc(&b, src);
    assert_eq!(
        relations(d),
        [
            rel("related", "../../etc/passwd", false, Some(4)),
            rel("mentions", "../../../etc/passwd.md", false, Some(7)),
            rel("mentions", "ADR-0010", true, Some(13)),
        ]
    );
    let html = page_html(&portal, d["url"].as_str().expect("url"));
    let page = parse(&html);
    let sel = scraper::Selector::parse("a[href], img[src]").expect("selector");
    for element in page.select(&sel) {
        let target = element.value().attr("href").or(element.value().attr("src")).unwrap_or_default();
        let lower = target.to_ascii_lowercase();
        assert!(!lower.contains("passwd") && !lower.contains("script:") && !lower.starts_with("data:"), "{target}");
    }
    let article = texts(&page, "article").concat();
    for text in ["passwd", "script", "mixed case", "entity", "data", "javascript:alert(5)"] {
        assert!(article.contains(text), "the link text `{text}` stays");
    }
    assert!(html.contains("href=\"../adr/ADR-0010-cycle-a.html\""), "the good link is live");
}

#[test]
fn file_names_with_spaces_hash_percent_and_non_ascii_get_encoded_links_that_resolve() {
    let (b, portal) = hostile();
    let site = portal.join("book");
    let pages = [
        ("specs/Search Reindexing.md", "specs/Search Reindexing.html"),
        ("specs/Übersicht der Dienste.md", "specs/Übersicht der Dienste.html"),
        ("specs/日本語 メモ.md", "specs/日本語 メモ.html"),
        ("specs/C# notes (100%).md", "specs/C# notes (100%).html"),
    ];
    for (src, url) in pages {
        assert_diags(&b, src, &[]);
        assert_eq!(doc(&b, src)["url"], url, "docs.json gives the site path, unencoded");
        assert!(site.join(url).is_file(), "{url} written");
    }
    let search = page_html(&portal, "specs/Search Reindexing.html");
    let hrefs: BTreeSet<String> = parse(&search)
        .select(&scraper::Selector::parse("article a[href]").expect("selector"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    let expected: BTreeSet<String> = [
        "%C3%9Cbersicht%20der%20Dienste.html#dienste",
        "%E6%97%A5%E6%9C%AC%E8%AA%9E%20%E3%83%A1%E3%83%A2.html",
        "C%23%20notes%20%28100%25%29.html",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(hrefs, expected);
    // Each href, decoded and resolved against the page's folder, is a page on disk.
    for href in &hrefs {
        let path = href.split('#').next().unwrap_or_default();
        let decoded = docportal::urls::percent_decode(path).expect("UTF-8");
        assert!(site.join("specs").join(&decoded).is_file(), "{href} → specs/{decoded} exists");
    }
    let d = doc(&b, "specs/Search Reindexing.md");
    assert_eq!(
        relations(d),
        [
            rel("mentions", "specs-übersicht-der-dienste", true, Some(5)),
            rel("mentions", "specs-日本語-メモ", true, Some(5)),
            rel("mentions", "specs-c-notes-100", true, Some(5)),
        ]
    );
    assert_eq!(doc(&b, "specs/C# notes (100%).md")["referenced_by"], serde_json::json!(["specs-search-reindexing"]));
}

// ------------------------------------------------------------------ ids and supersedes

#[test]
fn cyclic_and_self_supersedes_warn_and_build() {
    let (b, _) = hostile();
    assert_diags(
        &b,
        "adr/ADR-0010-cycle-a.md",
        &[(Some(4), "warning", "supersedes cycle: ADR-0010 → ADR-0011 → ADR-0010")],
    );
    assert_diags(&b, "adr/ADR-0011-cycle-b.md", &[]);
    assert_diags(&b, "adr/ADR-0012-self.md", &[(Some(4), "warning", "`Supersedes` refers to this doc itself")]);
    assert_eq!(
        relations(b.doc("ADR-0010")),
        [rel("supersedes", "ADR-0011", true, Some(4)), rel("superseded_by", "ADR-0011", true, Some(5))]
    );
    assert!(relations(b.doc("ADR-0012")).is_empty(), "a self-reference never becomes a link");
}

#[test]
fn duplicate_ids_are_one_error_and_both_pages_exist() {
    let (b, portal) = hostile();
    assert_diags(&b, "adr/ADR-0020-first.md", &[]);
    assert_diags(
        &b,
        "adr/ADR-0020-second.md",
        &[(
            None,
            "error",
            "duplicate id `ADR-0020`: also used by `adr/ADR-0020-first.md`; this doc is listed as `adr-adr-0020-second`",
        )],
    );
    assert_eq!(b.doc("ADR-0020")["source"], "adr/ADR-0020-first.md");
    assert_eq!(b.doc("adr-adr-0020-second")["source"], "adr/ADR-0020-second.md");
    assert!(portal.join("book/adr/ADR-0020-second.html").is_file());
}

// ------------------------------------------------------------------ symlinks

#[test]
fn symlinks_out_of_the_portal_and_loops_are_not_followed() {
    let (b, portal) = hostile();
    assert_diags(&b, "outside.md", &[(None, "warning", "symlink points outside the docs folder; not followed")]);
    // The folder is turned away whole, with one warning, not walked file by file.
    assert_diags(&b, "outside-dir", &[(None, "warning", "symlink points outside the docs folder; not followed")]);
    let below = b.diagnostics().iter().filter(|d| d["source"].as_str().is_some_and(|f| f.contains("outside-dir/")));
    assert_eq!(below.count(), 0, "files below a folder outside the portal were looked at");
    assert_diags(&b, "specs/loop", &[(None, "warning", "symlink loop; not followed")]);
    let mut everything = String::from_utf8_lossy(&b.json_bytes).into_owned();
    for page in html_pages(&portal.join("book")) {
        everything.push_str(&std::fs::read_to_string(portal.join("book").join(page)).expect("page"));
    }
    assert!(!everything.contains("SECRET-OUTSIDE"), "a file outside the portal was read into the site");
    assert!(!portal.join("book/outside.html").exists() && !portal.join("book/outside-dir").exists());
}

// ------------------------------------------------------------------ size

#[test]
fn ten_megabyte_doc_5000_headings_and_a_100k_character_line_build_whole() {
    let (portal, _outside) = hostile_copy();
    let content = portal.path().join("content");
    let mut big = String::from("---\ntitle: Ten megabytes\nstatus: draft\n---\n\n# Ten megabytes\n\n");
    let mut section = 0;
    while big.len() < 10 * 1024 * 1024 {
        section += 1;
        big.push_str(&format!(
            "## Part {section}\n\nParagraph {section} mentions ADR-0010 with `code`, *emphasis* and a [link](#part-{section}).\n\n\
             | a | b |\n|---|---|\n| {section} | x |\n\n```rust\nfn f{section}() -> u32 {{ {section} }}\n```\n\n"
        ));
    }
    std::fs::create_dir_all(content.join("big")).expect("big dir");
    std::fs::write(content.join("big/ten-megabytes.md"), &big).expect("write big doc");
    let headings: String = (1..=5000).map(|n| format!("## Heading\n\nText {n}.\n\n")).collect();
    std::fs::write(content.join("big/headings.md"), format!("# Five thousand headings\n\n{headings}")).expect("write");
    let line = "word ".repeat(20_000);
    std::fs::write(content.join("big/long-line.md"), format!("# One long line\n\n{line}\n")).expect("write");

    let started = std::time::Instant::now();
    let b = build_checked(portal);
    eprintln!("big docs built in {:?}", started.elapsed());
    assert_eq!(b.run.code, 1, "{}", b.run.stderr);
    let portal = b.dir.path().to_path_buf();
    let site = portal.join("book");

    let d = doc(&b, "big/ten-megabytes.md");
    assert_eq!((d["title"].as_str(), d["status"].as_str()), (Some("Ten megabytes"), Some("draft")));
    let page = std::fs::metadata(site.join("big/ten-megabytes.html")).expect("page written");
    assert!(page.len() > 10 * 1024 * 1024, "the whole doc was rendered ({} bytes)", page.len());

    let headings_page = parse(&page_html(&portal, "big/headings.html"));
    let sel = scraper::Selector::parse("article h2[id]").expect("selector");
    let ids: Vec<&str> = headings_page.select(&sel).filter_map(|h| h.value().attr("id")).collect();
    assert_eq!(ids.len(), 5000);
    assert_eq!((ids[0], ids[1], ids[4999]), ("heading", "heading-1", "heading-4999"));
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 5000, "anchors are unique");

    let long = page_html(&portal, "big/long-line.html");
    assert!(long.contains(&line.trim_end()[..1000]), "the long line is on the page");
    assert_diags(&b, "big/long-line.md", &[]);
    assert_diags(&b, "big/headings.md", &[]);
}
