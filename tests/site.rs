//! The site stage end to end: runs the real `docportal build` on the fixture portals under
//! `tests/fixtures/site-*` and checks the pages' structure with an HTML parser.
//!
//! Most assertions compare the pages with the build's own `docs.json`, so they hold
//! whatever the metadata parser extracts; the ones that need parsed front-matter
//! (statuses, authors, dates) say so in their name.

use scraper::{ElementRef, Html, Selector};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A finished build: its output folder (kept alive with the temp dir) and exit code.
struct Built {
    _tmp: tempfile::TempDir,
    out: PathBuf,
    code: i32,
    stderr: String,
}

impl Built {
    fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}\n{}", self.stderr))
    }

    fn page(&self, rel: &str) -> Html {
        Html::parse_document(&self.file(rel))
    }

    fn docs_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.file("docs.json")).expect("docs.json is JSON")
    }

    fn docs(&self) -> Vec<serde_json::Value> {
        self.docs_json()["docs"].as_array().cloned().unwrap_or_default()
    }

    /// Every file of the site, by path relative to the output folder.
    fn files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for entry in walkdir(&self.out) {
            let rel = entry.strip_prefix(&self.out).unwrap().to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read(&entry).unwrap());
        }
        out
    }

    fn html_pages(&self) -> Vec<String> {
        self.files().into_keys().filter(|p| p.ends_with(".html")).collect()
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Builds a copy of the fixture outside the repository, so dates never come from
/// this repository's git history.
fn build(name: &str, args: &[&str]) -> Built {
    build_patched(name, args, |_| {})
}

/// [`build`] of a copy of the fixture that `patch` changed first.
fn build_patched(name: &str, args: &[&str], patch: impl FnOnce(&Path)) -> Built {
    let tmp = tempfile::tempdir().unwrap();
    let portal = tmp.path().join("portal");
    copy_dir(&fixture(name), &portal);
    patch(&portal);
    let out = tmp.path().join("site");
    let output = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .arg("build")
        .arg(&portal)
        .arg("--dest-dir")
        .arg(&out)
        .args(args)
        .output()
        .expect("the binary runs");
    Built {
        _tmp: tmp,
        out,
        code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn page_of(doc: &serde_json::Value) -> String {
    doc["url"].as_str().unwrap().to_string()
}

fn doc_by_id<'a>(docs: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    docs.iter().find(|d| d["id"] == id).unwrap_or_else(|| panic!("no doc {id}"))
}

/// The doc whose source file is `source` (ids depend on the parser; sources do not).
fn doc_by_source<'a>(docs: &'a [serde_json::Value], source: &str) -> &'a serde_json::Value {
    docs.iter().find(|d| d["source"] == source).unwrap_or_else(|| panic!("no doc from {source}"))
}

/// Resolves a relative href against the page's folder; `None` for external or fragment-only.
fn resolve(page: &str, href: &str) -> Option<String> {
    if href.is_empty() || href.starts_with('#') || href.contains("://") || href.starts_with("mailto:") {
        return None;
    }
    let path = href.split(['#', '?']).next().unwrap_or("");
    let mut parts: Vec<String> = page.split('/').map(str::to_string).collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                assert!(parts.pop().is_some(), "{page}: href {href} climbs out of the site");
            }
            s => parts.push(docportal::urls::percent_decode(s).unwrap_or_else(|| s.to_string())),
        }
    }
    Some(parts.join("/"))
}

#[test]
fn dashboard_counts_add_up_to_the_docs_in_docs_json() {
    let site = build("site-basic", &[]);
    let docs = site.docs();
    let page = site.page("index.html");
    let total: usize = text(page.select(&sel(".stat .stat-n")).next().unwrap()).parse().unwrap();
    assert_eq!(total, docs.len());
    for section in ["#by-status", "#by-kind"] {
        let counts: usize =
            page.select(&sel(&format!("{section} [data-count]"))).map(|e| text(e).parse::<usize>().unwrap()).sum();
        assert_eq!(counts, docs.len(), "{section} counts");
    }
    // Each kind tile links to the docs table filtered by that kind, and its count matches.
    for tile in page.select(&sel("#by-kind .tile a")) {
        let href = tile.value().attr("href").unwrap();
        let kind = href.split("#kind=").nth(1).expect("kind tiles link to a filtered table");
        let n: usize = text(tile.select(&sel("[data-count]")).next().unwrap()).parse().unwrap();
        let expected = docs.iter().filter(|d| d["kind"].as_str().unwrap_or("~none") == kind).count();
        assert_eq!(n, expected, "kind {kind}");
    }
}

#[test]
fn dashboard_counts_statuses_from_front_matter() {
    // Needs the metadata parser (YAML front-matter `status:`).
    let site = build("site-basic", &[]);
    let page = site.page("index.html");
    let tiles: BTreeMap<String, String> = page
        .select(&sel("#by-status .tile a"))
        .map(|a| {
            (text(a.select(&sel(".tile-l")).next().unwrap()), text(a.select(&sel("[data-count]")).next().unwrap()))
        })
        .collect();
    assert_eq!(tiles.get("Approved").map(String::as_str), Some("2"), "{tiles:?}");
    assert_eq!(tiles.get("Draft").map(String::as_str), Some("1"), "{tiles:?}");
    assert_eq!(tiles.get("No status").map(String::as_str), Some("2"), "{tiles:?}");
    // Drafts and docs without status are flagged.
    let attention: Vec<String> = page.select(&sel("#attention .doclink .doc-id")).map(text).collect();
    assert!(attention.iter().any(|id| id == "ADR-0002"), "{attention:?}");
    assert!(!attention.iter().any(|id| id == "PRD-0003"), "an approved doc without problems is not flagged");
    // Recently updated: newest date first.
    let dates: Vec<String> = page.select(&sel("#recent time")).map(text).collect();
    assert_eq!(dates.first().map(String::as_str), Some("2026-03-02"), "{dates:?}");
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
}

#[test]
fn docs_table_has_one_row_per_doc_with_filter_data() {
    let site = build("site-basic", &[]);
    let docs = site.docs();
    let page = site.page("docs.html");
    let rows: Vec<ElementRef> = page.select(&sel("[data-doc-table] tbody tr")).collect();
    assert_eq!(rows.len(), docs.len());
    for (row, doc) in rows.iter().zip(&docs) {
        let attr = |name: &str| row.value().attr(name).unwrap_or_else(|| panic!("row lacks {name}")).to_string();
        assert_eq!(attr("data-id"), doc["id"].as_str().unwrap());
        assert_eq!(attr("data-title"), doc["title"].as_str().unwrap());
        assert_eq!(attr("data-kind"), doc["kind"].as_str().unwrap_or("~none"));
        assert_eq!(attr("data-status"), doc["status"].as_str().unwrap_or("~none"));
        assert_eq!(attr("data-updated"), doc["updated"].as_str().unwrap_or(""));
        let authors: serde_json::Value = serde_json::from_str(&attr("data-authors")).expect("data-authors is JSON");
        assert_eq!(authors, doc["authors"]);
        let link = row.select(&sel(".col-title a")).next().unwrap();
        assert_eq!(resolve("docs.html", link.value().attr("href").unwrap()), Some(page_of(doc)));
    }
    // Every column header is sortable, and the filter form lists each kind.
    assert_eq!(page.select(&sel("[data-doc-table] th[data-sort]")).count(), 7);
    let kinds: Vec<String> = page
        .select(&sel("select[name=kind] option"))
        .filter_map(|o| o.value().attr("value").map(str::to_string))
        .collect();
    for doc in &docs {
        let kind = doc["kind"].as_str().unwrap_or("~none").to_string();
        assert!(kinds.contains(&kind), "{kind} not in {kinds:?}");
    }
}

#[test]
fn doc_page_shows_a_metadata_card() {
    let site = build("site-basic", &[]);
    let docs = site.docs();
    let doc = doc_by_source(&docs, "trd/TRD-0001-alpha.md");
    let page = site.page(&page_of(doc));
    let card: BTreeMap<String, String> = page
        .select(&sel(".meta-card dl > div"))
        .map(|row| (text(row.select(&sel("dt")).next().unwrap()), text(row.select(&sel("dd")).next().unwrap())))
        .collect();
    assert_eq!(card.get("ID"), doc["id"].as_str().map(String::from).as_ref(), "{card:?}");
    assert_eq!(card.get("Kind").map(String::as_str), Some("TRD"));
    assert!(card.contains_key("Status"), "the status row is always shown");
    let h1 = text(page.select(&sel("h1.doc-title")).next().unwrap());
    assert_eq!(h1, doc["title"].as_str().unwrap());
    let edit = page.select(&sel(".edit-link a")).next().expect("edit link when git-repository-url is set");
    assert_eq!(
        edit.value().attr("href"),
        Some("https://git.example/acme/design/edit/trunk/content/trd/TRD-0001-alpha.md")
    );
}

#[test]
fn doc_page_metadata_card_reads_front_matter() {
    // Needs the metadata parser.
    let site = build("site-basic", &[]);
    let page = site.page("trd/TRD-0001-alpha.html");
    let card: BTreeMap<String, String> = page
        .select(&sel(".meta-card dl > div"))
        .map(|row| (text(row.select(&sel("dt")).next().unwrap()), text(row.select(&sel("dd")).next().unwrap())))
        .collect();
    assert_eq!(card.get("Status").map(String::as_str), Some("Approved"), "{card:?}");
    assert_eq!(card.get("Author").map(String::as_str), Some("Priya Natarajan"));
    assert_eq!(card.get("Created").map(String::as_str), Some("2026-01-10"));
    assert_eq!(card.get("Updated").map(String::as_str), Some("2026-03-02"));
    assert_eq!(card.get("Version").map(String::as_str), Some("1.2"));
    let badge = page.select(&sel(".meta-card .badge")).next().unwrap();
    assert_eq!(
        resolve("trd/TRD-0001-alpha.html", badge.value().attr("href").unwrap()).as_deref(),
        Some("status/approved.html")
    );
}

#[test]
fn table_of_contents_links_to_headings_on_the_page() {
    // Needs the renderer's heading ids and TOC.
    let site = build("site-basic", &[]);
    let page = site.page("trd/TRD-0001-alpha.html");
    let entries: Vec<ElementRef> = page.select(&sel(".toc a")).collect();
    let labels: Vec<String> = entries.iter().map(|a| text(*a)).collect();
    assert_eq!(labels, ["Goals", "Non-goals", "Design"]);
    for a in entries {
        let href = a.value().attr("href").unwrap();
        let anchor = href.split('#').nth(1).expect("toc hrefs carry a fragment");
        assert!(page.select(&sel(&format!("[id=\"{anchor}\"]"))).next().is_some(), "no element with id {anchor}");
    }
    let depths: Vec<&str> = page.select(&sel(".toc li")).filter_map(|li| li.value().attr("class")).collect();
    assert_eq!(depths, ["toc-depth-0", "toc-depth-1", "toc-depth-0"]);
}

#[test]
fn status_pages_list_exactly_the_docs_with_that_status() {
    let site = build("site-basic", &[]);
    let docs = site.docs();
    let index = site.page("index.html");
    let mut listed = 0;
    for tile in index.select(&sel("#by-status .tile a")) {
        let status_page = resolve("index.html", tile.value().attr("href").unwrap()).unwrap();
        assert!(status_page.starts_with("status/"), "{status_page}");
        let page = site.page(&status_page);
        let ids: Vec<String> = page.select(&sel(".doc-table tbody .col-id a")).map(text).collect();
        let n: usize = text(tile.select(&sel("[data-count]")).next().unwrap()).parse().unwrap();
        assert_eq!(ids.len(), n, "{status_page}");
        let label = text(page.select(&sel("h1 .badge")).next().unwrap());
        for id in &ids {
            let doc = doc_by_id(&docs, id);
            let expected = doc["status"].as_str().map(|s| s.to_string());
            let badge = page
                .select(&sel(".doc-table tbody tr"))
                .find(|tr| tr.select(&sel(".col-id a")).next().map(text).as_deref() == Some(id.as_str()))
                .and_then(|tr| tr.select(&sel(".badge")).next())
                .map(text)
                .unwrap();
            assert_eq!(badge, label, "{id} on {status_page} (status {expected:?})");
        }
        listed += ids.len();
    }
    assert_eq!(listed, docs.len(), "every doc is on exactly one status page");
}

/// True inside the rendered article body, whose links are the render stage's to rewrite.
fn in_article(e: ElementRef) -> bool {
    e.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "article" && a.value().classes().any(|c| c == "prose"))
}

#[test]
fn every_relative_href_around_the_article_resolves_to_a_file_in_the_site() {
    let site = build("site-basic", &[]);
    assert!(site.out.join("specs/deep/nested/search.html").is_file(), "the nested page is built");
    let files = site.files();
    let refs = sel("a[href], link[href], script[src]");
    let mut checked = 0;
    for page_path in site.html_pages() {
        if page_path == "404.html" {
            continue; // absolute URLs on purpose; checked below
        }
        let page = site.page(&page_path);
        for e in page.select(&refs).filter(|e| !in_article(*e)) {
            let href = e.value().attr("href").or(e.value().attr("src")).unwrap();
            assert!(!href.starts_with('/'), "{page_path}: root-absolute href {href}");
            if let Some(target) = resolve(&page_path, href) {
                let target =
                    if target.is_empty() || target.ends_with('/') { format!("{target}index.html") } else { target };
                assert!(files.contains_key(&target), "{page_path}: {href} → {target} does not exist");
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} hrefs checked");
}

#[test]
fn site_url_changes_only_the_404_page() {
    let root = build("site-basic", &[]);
    let prefixed = build("site-basic", &["--site-url", "/docs/portal/"]);
    let (a, b) = (root.files(), prefixed.files());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        // The 404 page uses absolute URLs (it is served at any depth); the feed and
        // sitemap carry absolute URLs by definition.
        if ["404.html", "feed.xml", "sitemap.xml"].contains(&path.as_str()) || path.ends_with(".docportal-manifest") {
            continue;
        }
        assert!(b.get(path) == Some(bytes), "{path} differs under a site-url prefix");
    }
    let not_found = prefixed.page("404.html");
    let css = not_found.select(&sel("link[rel=stylesheet]")).next().unwrap().value().attr("href").unwrap();
    assert!(css.starts_with("/docs/portal/assets/style."), "{css}");
    let home = not_found.select(&sel(".brand")).next().unwrap().value().attr("href").unwrap();
    assert_eq!(home, "/docs/portal/index.html");
}

#[test]
fn hostile_title_comes_out_inert() {
    let site = build("site-basic", &[]);
    let docs = site.docs();
    let doc = doc_by_source(&docs, "misc/hostile.md");
    let title = doc["title"].as_str().unwrap();
    assert!(title.contains("<script>"), "fixture title kept as written: {title}");
    for path in [page_of(doc), "docs.html".into(), "index.html".into(), "status/unset.html".into()] {
        let raw = site.file(&path);
        assert!(!raw.contains("<script>alert"), "{path} has a live script tag");
        assert!(!raw.contains("Fixture & <Portal>"), "{path}: site title unescaped");
        let page = Html::parse_document(&raw);
        for s in page.select(&sel("script")) {
            assert!(s.value().attr("src").is_some(), "{path}: inline script {}", s.html());
        }
    }
    let page = site.page(&page_of(doc));
    assert_eq!(text(page.select(&sel("h1.doc-title")).next().unwrap()), title);
    assert!(text(page.select(&sel("title")).next().unwrap()).contains(title));
    let table = site.page("docs.html");
    let row = table.select(&sel("tbody tr")).find(|r| r.value().attr("data-id") == doc["id"].as_str()).unwrap();
    assert_eq!(row.value().attr("data-title"), Some(title), "the attribute round-trips exactly");
}

#[test]
fn portal_theme_overrides_a_builtin_template() {
    let site = build("site-override", &[]);
    assert_eq!(site.code, 0, "{}", site.stderr);
    let docs = site.docs();
    let page = site.page(&page_of(&docs[0]));
    let p = page.select(&sel("#overridden")).next().expect("the portal's doc.html is used");
    assert_eq!(p.value().attr("data-id"), docs[0]["id"].as_str());
    assert!(page.select(&sel(".meta-card")).next().is_none());
    // Templates the portal did not override stay built in.
    assert!(site.page("index.html").select(&sel(".dash-grid")).next().is_some());
}

/// Link items are rendered once per linked doc and folder and reused (`link_item.html`):
/// the portal's own `link_item` macro still makes every one of them.
#[test]
fn a_portal_link_item_macro_makes_every_link_of_every_doc_page() {
    let builtin = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("theme/templates/macros.html"));
    let marked = builtin.unwrap().replace("<li class=\"link-item\">", "<li class=\"link-item\" data-portal-macro>");
    let site = build_patched("site-basic", &[], |portal| {
        std::fs::create_dir_all(portal.join("theme/templates")).unwrap();
        std::fs::write(portal.join("theme/templates/macros.html"), &marked).unwrap();
    });
    assert!(site.code <= 1, "{}", site.stderr);
    let mut items = 0;
    for doc in site.docs() {
        let page = site.page(&page_of(&doc));
        for item in page.select(&sel(".doc-links li, .banner li")) {
            assert!(item.value().attr("data-portal-macro").is_some(), "{}: {}", page_of(&doc), item.html());
            items += 1;
        }
    }
    assert!(items >= 4, "only {items} link items");
}

#[test]
fn building_twice_gives_identical_bytes() {
    let a = build("site-basic", &[]).files();
    let b = build("site-basic", &[]).files();
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(b.get(path) == Some(bytes), "{path} differs between two builds");
    }
}

#[test]
fn assets_are_hashed_and_mermaid_loads_only_on_pages_with_diagrams() {
    let site = build("site-basic", &[]);
    let files = site.files();
    assert!(files.keys().any(|p| p.starts_with("assets/style.") && p.ends_with(".css") && p != "assets/style.css"));
    assert!(files.keys().any(|p| p.starts_with("assets/theme.") && p.ends_with(".js")));
    for path in site.html_pages() {
        let page = site.page(&path);
        let loads_mermaid = page.select(&sel("script[src*=mermaid]")).next().is_some();
        let has_diagram = page.select(&sel(".mermaid")).next().is_some();
        if loads_mermaid {
            assert!(has_diagram, "{path} loads Mermaid without a diagram");
        }
        // The theme setter runs before first paint: a blocking script in <head>.
        let head_script = page.select(&sel("head script[src*=\"theme.\"]")).next();
        if path != "404.html" || head_script.is_some() {
            let s = head_script.unwrap_or_else(|| panic!("{path} has no theme script"));
            assert!(s.value().attr("defer").is_none() && s.value().attr("async").is_none());
        }
    }
}

/// Every fixture portal (and the sample portal) built twice: with the built-in theme,
/// whose doc pages and link items docportal writes without tera (`site::native`), and
/// with the same built-in templates copied into the portal's theme folder, which makes
/// tera render them. Every file of the two sites must be equal.
#[test]
fn doc_pages_written_without_tera_equal_the_built_in_templates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let theme = root.join("theme/templates");
    let mut portals: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    portals.sort();
    portals.push(root.to_path_buf());
    let mut pages_compared = 0;
    for portal in &portals {
        let build_copy = |force_tera: bool| {
            let tmp = tempfile::tempdir().unwrap();
            let copy = tmp.path().join("portal");
            if portal == root {
                std::fs::create_dir_all(&copy).unwrap();
                std::fs::copy(root.join("book.toml"), copy.join("book.toml")).unwrap();
                copy_dir(&root.join("content"), &copy.join("content"));
            } else {
                copy_dir(portal, &copy);
            }
            if force_tera {
                // An override with the built-in text: same templates, rendered by tera.
                let templates = copy.join("theme/templates");
                std::fs::create_dir_all(&templates).unwrap();
                for name in ["doc.html", "link_item.html"] {
                    if !templates.join(name).exists() {
                        std::fs::copy(theme.join(name), templates.join(name)).unwrap();
                    }
                }
            }
            let out = tmp.path().join("site");
            let status = Command::new(env!("CARGO_BIN_EXE_docportal"))
                .args(["build", "-q"])
                .arg(&copy)
                .arg("--dest-dir")
                .arg(&out)
                .output()
                .expect("the binary runs");
            let built = Built { _tmp: tmp, out, code: status.status.code().unwrap_or(-1), stderr: String::new() };
            (built.code, built.files())
        };
        let (native_code, native) = build_copy(false);
        let (tera_code, tera) = build_copy(true);
        assert_eq!(native_code, tera_code, "{}", portal.display());
        assert_eq!(native.keys().collect::<Vec<_>>(), tera.keys().collect::<Vec<_>>(), "{}", portal.display());
        for (path, bytes) in &native {
            if bytes != &tera[path] {
                let (a, b) = (String::from_utf8_lossy(bytes), String::from_utf8_lossy(&tera[path]));
                let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
                let start = at.saturating_sub(200);
                panic!(
                    "{}: {path} differs at byte {at}\n--- without tera:\n{}\n--- tera:\n{}",
                    portal.display(),
                    a.get(start..(at + 200).min(a.len())).unwrap_or_default(),
                    b.get(start..(at + 200).min(b.len())).unwrap_or_default()
                );
            }
            pages_compared += usize::from(path.ends_with(".html"));
        }
    }
    assert!(pages_compared > 300, "only {pages_compared} pages compared");
}
