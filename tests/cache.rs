//! The persistent render cache, through the real binary: after every kind of change a
//! build that reuses the cache (rendered bodies and their search analyses) writes
//! exactly the bytes a cold build writes, search files included.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cache-portal");

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of the fixture portal.
fn portal() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("portal");
    copy_dir(Path::new(FIXTURE), &root);
    (tmp, root)
}

fn build_with(exe: &Path, root: &Path) {
    let out =
        Command::new(exe).arg("build").arg(root).env("NO_COLOR", "1").env_remove("DOCPORTAL_CACHE").output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "build failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn build(root: &Path) {
    build_with(Path::new(env!("CARGO_BIN_EXE_docportal")), root);
}

/// Every file of the built site, by path.
fn site(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let book = root.join("book");
    walkdir::WalkDir::new(&book)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(&book).unwrap().to_string_lossy().into_owned(), fs::read(e.path()).unwrap()))
        .collect()
}

/// Render cache entries the last build indexed.
fn cache_entries(root: &Path) -> usize {
    docportal::cache::RenderCache::indexed_entries(&root.join(docportal::cache::DIR).join(docportal::cache::FORMAT))
}

/// The site a build with no cache and no previous output writes.
fn cold_site(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let _ = fs::remove_dir_all(root.join("book"));
    let _ = fs::remove_dir_all(root.join(docportal::cache::DIR));
    build(root);
    site(root)
}

fn assert_same(warm: &BTreeMap<String, Vec<u8>>, cold: &BTreeMap<String, Vec<u8>>, change: &str) {
    assert_eq!(warm.keys().collect::<Vec<_>>(), cold.keys().collect::<Vec<_>>(), "{change}: different files");
    for (path, bytes) in warm {
        assert!(bytes == &cold[path], "{change}: {path} differs from a cold build");
    }
}

/// Builds once to fill the cache, applies `change`, builds again with the cache, then
/// compares with a cold build of the changed portal.
fn check_change(name: &str, change: impl FnOnce(&Path)) {
    let (_tmp, root) = portal();
    build(&root);
    assert!(cache_entries(&root) > 0, "the first build fills the cache");
    change(&root);
    build(&root);
    let warm = site(&root);
    assert_same(&warm, &cold_site(&root), name);
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} contains {from:?}");
    fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn no_change_rebuild_equals_cold_build_and_keeps_one_entry_per_doc() {
    let (_tmp, root) = portal();
    build(&root);
    let entries = cache_entries(&root);
    assert_eq!(entries, 4, "one cache entry per doc");
    // Without its record of the last build, the build is not up to date (`fresh`) and
    // carries no page over: every body comes from the cache, its article from its page.
    fs::remove_dir_all(root.join(docportal::cache::DIR).join(docportal::fresh::FORMAT)).unwrap();
    build(&root);
    assert_eq!(cache_entries(&root), entries);
    let warm = site(&root);
    // With its site gone too, the articles are gone: every body is rendered again.
    fs::remove_dir_all(root.join(docportal::cache::DIR).join(docportal::fresh::FORMAT)).unwrap();
    fs::remove_dir_all(root.join("book")).unwrap();
    build(&root);
    assert_eq!(cache_entries(&root), entries);
    assert_same(&site(&root), &warm, "site gone");
    assert_same(&warm, &cold_site(&root), "no change");
}

/// The inner HTML of every doc page's article, by page path.
fn articles(root: &Path) -> Vec<(String, String)> {
    site(root)
        .into_iter()
        .filter_map(|(path, bytes)| {
            let html = String::from_utf8(bytes).ok()?;
            let start = html.find("<article class=\"prose\">")? + "<article class=\"prose\">".len();
            let end = start + html[start..].find("</article>")?;
            Some((path, html[start..end].trim().to_string()))
        })
        .collect()
}

#[test]
fn the_cache_keeps_no_second_copy_of_an_article_its_page_holds() {
    let (_tmp, root) = portal();
    build(&root);
    let dir = root.join(docportal::cache::DIR).join(docportal::cache::FORMAT);
    let packs: Vec<u8> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("pack-"))
        .flat_map(|p| fs::read(p).unwrap())
        .collect();
    let articles = articles(&root);
    assert_eq!(articles.len(), 4, "one article per doc page");
    for (path, article) in articles {
        let held = packs.windows(article.len()).any(|w| w == article.as_bytes());
        assert!(!held, "{path}: its article is in the cache's packs as well as in the page");
    }
}

#[test]
fn rebuild_after_editing_a_doc_equals_cold_build() {
    check_change("doc body edited", |root| {
        edit(root, "content/trd/TRD-0001-rate-limiter.md", "The limiter follows", "The sharded limiter follows")
    });
}

#[test]
fn rebuild_after_renaming_a_referenced_doc_equals_cold_build() {
    check_change("referenced doc's title", |root| {
        edit(root, "content/prd/PRD-0001-quotas.md", "# PRD-0001: Tenant Quotas", "# PRD-0001: Tenant and Team Quotas")
    });
}

#[test]
fn rebuild_after_a_referenced_doc_changes_status_equals_cold_build() {
    check_change("referenced doc's status", |root| {
        edit(root, "content/prd/PRD-0001-quotas.md", "**Status**: Approved", "**Status**: Deprecated")
    });
}

/// The spec links to the PRD and the PRD's body never names the spec: only the PRD's
/// backlinks and neighbourhood graph show the spec's title. Both the body's render key
/// (backlink identities) and the page key (neighbour signatures) see it; this fails
/// only when neither does, the one test that covers a title seen only that way.
#[test]
fn rebuild_after_a_linking_doc_is_renamed_equals_cold_build() {
    check_change("title of a doc shown only among backlinks", |root| {
        edit(
            root,
            "content/specs/limiter-api.md",
            "title: \"Limiter API - Technical",
            "title: \"Limiter gRPC API - Technical",
        )
    });
}

#[test]
fn rebuild_after_a_linked_heading_is_renamed_equals_cold_build() {
    check_change("heading named by another doc's #anchor", |root| {
        edit(root, "content/prd/PRD-0001-quotas.md", "## Goals", "## Objectives")
    });
}

#[test]
fn rebuild_after_adding_and_removing_docs_equals_cold_build() {
    check_change("docs added and removed", |root| {
        fs::write(root.join("content/trd/TRD-0404-retry-budget.md"), "# TRD-0404: Retry Budget\n\nSee TRD-0001.\n")
            .unwrap();
        fs::remove_file(root.join("content/adr/0001-token-store.md")).unwrap();
    });
}

#[test]
fn rebuild_after_a_theme_change_equals_cold_build() {
    check_change("theme file", |root| {
        let css = root.join("theme/assets/style.css");
        fs::create_dir_all(css.parent().unwrap()).unwrap();
        let builtin = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/theme/assets/style.css")).unwrap();
        fs::write(css, format!("{builtin}\n.doc-body pre {{ tab-size: 2; }}\n")).unwrap();
    });
}

#[test]
fn rebuild_after_a_book_toml_change_equals_cold_build() {
    check_change("book.toml", |root| {
        edit(root, "book.toml", "title = \"Cache fixture\"", "title = \"Cache fixture\"\ndescription = \"Renamed\"");
        let toml = fs::read_to_string(root.join("book.toml")).unwrap();
        fs::write(root.join("book.toml"), format!("{toml}\n[output.html]\nline-numbers = true\nallow-html = true\n"))
            .unwrap();
    });
}

/// A poisoned entry written under the binary's key is served by that binary (so the
/// cache is really read), and ignored by another build of docportal.
#[test]
fn another_docportal_build_never_reads_this_ones_entries() {
    let (tmp, root) = portal();
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_docportal"));
    build_with(&exe, &root);
    let (config, _) = docportal::config::load(&root).unwrap();
    let theme = docportal::theme::load(&config).unwrap();
    let checked = docportal::pipeline::check(&config).unwrap();
    let dir = root.join(docportal::cache::DIR).join(docportal::cache::FORMAT);
    let identity = docportal::cache::build_identity(&exe);
    let cache = docportal::cache::RenderCache::with_identity(Some(dir), &identity, &config, &theme);
    let pos = (0..checked.index.len()).find(|&i| checked.index.docs[i].source.starts_with("prd/")).unwrap();
    // The search analysis is cached with the body: its excerpt text shows in the
    // search files only if the build took it from the entry.
    let analysis = docportal::search::DocAnalysis { intro: "POISONED-INTRO".into(), ..Default::default() };
    let poison = docportal::model::RenderedDoc {
        html: "<p>POISONED-ENTRY</p>".into(),
        search: Some(analysis),
        ..Default::default()
    };
    cache.put(cache.key(&docportal::cache::LinkContext::new(&checked.index, &checked.graph), pos), &poison, None);
    cache.finish();
    let poisoned = |root: &Path| site(root).values().any(|b| String::from_utf8_lossy(b).contains("POISONED-ENTRY"));
    let poisoned_search = |root: &Path| {
        site(root)
            .iter()
            .any(|(p, b)| p.starts_with("search/") && String::from_utf8_lossy(b).contains("POISONED-INTRO"))
    };

    // Without its site the build is not up to date: it runs, and renders from the cache.
    fs::remove_dir_all(root.join("book")).unwrap();
    build_with(&exe, &root);
    assert!(poisoned(&root), "the same binary serves its cached body");
    assert!(poisoned_search(&root), "the same binary indexes its cached search analysis");

    // The same code, installed elsewhere later: a different build of docportal.
    let other = tmp.path().join("docportal-other");
    fs::copy(&exe, &other).unwrap();
    let mut bytes = fs::read(&other).unwrap();
    bytes.extend_from_slice(b"another build");
    fs::write(&other, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&other, fs::Permissions::from_mode(0o755)).unwrap();
    }
    build_with(&other, &root);
    assert!(!poisoned(&root), "another build re-renders instead of reading the entry");
    assert!(!poisoned_search(&root), "and analyses the doc afresh");
}

/// A build with `DOCPORTAL_TRACE` on; how many docs it took as the last build parsed
/// them, without reading their files.
fn build_counting_kept(root: &Path) -> usize {
    build_counting(root, "docs as parsed last build")
}

/// A build with `DOCPORTAL_TRACE` on; the count its trace gives after `what`.
fn build_counting(root: &Path, what: &str) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .arg("build")
        .arg(root)
        .env("NO_COLOR", "1")
        .env("DOCPORTAL_TRACE", "1")
        .env_remove("DOCPORTAL_CACHE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "build failed: {stderr}");
    let count = stderr.split(&format!("{what} ")).nth(1).unwrap_or_else(|| panic!("no count in {stderr}"));
    count.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// What a cold build of a copy of `root` writes (`root` itself is left as it is).
fn cold_copy(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("portal");
    copy_dir(root, &copy);
    cold_site(&copy)
}

/// docs.json lists no bodies: while no doc's listing, links or warnings change, a
/// rebuild hard-links it from the last site rather than writing it again (46 MB at
/// 10,000 docs); a change to any of them, a relation's line included, writes it anew.
/// Either way it is a cold build's.
#[test]
#[cfg(unix)]
fn docs_json_is_carried_over_only_while_nothing_it_lists_changed() {
    use std::os::unix::fs::MetadataExt;
    const TRD: &str = "content/trd/TRD-0001-rate-limiter.md";
    let (_tmp, root) = portal();
    build(&root);
    let docs_json =
        || (fs::metadata(root.join("book/docs.json")).unwrap().ino(), fs::read(root.join("book/docs.json")).unwrap());
    let (first, before) = docs_json();

    edit(&root, TRD, "The limiter follows", "The sharded limiter follows");
    build(&root);
    assert_eq!(docs_json().0, first, "a prose edit carries docs.json over");
    assert_same(&site(&root), &cold_copy(&root), "prose edited");

    // The TRD's link to the PRD moves down a line.
    edit(&root, TRD, "The sharded limiter follows", "\nThe sharded limiter follows");
    build(&root);
    let (second, after) = docs_json();
    assert!(second != first && after != before, "a relation's line changed: docs.json is written again");
    assert_same(&site(&root), &cold_copy(&root), "a reference moved");

    edit(&root, "content/prd/PRD-0001-quotas.md", "Marcus Okafor", "Marcus Okafor-Reyes");
    build(&root);
    assert!(docs_json().0 != second, "an author changed: docs.json is written again");
    assert_same(&site(&root), &cold_copy(&root), "an author renamed");
}

/// A page carried over (hard-linked from the last site) is recorded as it stands once
/// the last site is gone, so the next build carries it over again: deleting the old
/// site after recording moved each carried page's ctime and made every page render anew.
#[test]
fn a_page_carried_over_is_carried_over_again_by_the_next_build() {
    const CARRIED: &str = "doc pages carried over";
    const TRD: &str = "content/trd/TRD-0001-rate-limiter.md";
    let (_tmp, root) = portal();
    assert_eq!(build_counting(&root, CARRIED), 0, "nothing to carry over yet");
    for (from, to) in [("The limiter follows", "The sharded limiter follows"), ("The sharded limiter", "The limiter")] {
        edit(&root, TRD, from, to);
        assert_eq!(build_counting(&root, CARRIED), 3, "every page but the TRD's after {to:?}");
    }
    assert_same(&site(&root), &cold_copy(&root), "edited twice");
}

/// A rebuild numbers the search terms again only of the docs whose text or listing
/// changed (the others' are kept in `.docportal-cache/terms-v1/`), and its search files
/// are a cold build's, whether the edit brought new words or not.
#[test]
fn a_rebuild_numbers_search_terms_again_only_for_the_docs_that_changed() {
    const INDEXED: &str = "docs indexed as last build";
    let (_tmp, root) = portal();
    assert_eq!(build_counting(&root, INDEXED), 0, "the first build numbers every doc");

    edit(&root, "content/trd/TRD-0001-rate-limiter.md", "The limiter follows", "The quokka limiter follows");
    assert_eq!(build_counting(&root, INDEXED), 3, "one doc's text has a new word");
    assert_same(&site(&root), &cold_copy(&root), "a new word");
    assert!(site(&root)
        .iter()
        .any(|(path, bytes)| path.starts_with("search/t") && bytes.windows(6).any(|w| w == b"quokka")));

    edit(&root, "content/prd/PRD-0001-quotas.md", "Marcus Okafor", "Marcus Okafor-Reyes");
    assert_eq!(build_counting(&root, INDEXED), 3, "one doc's authors changed");
    assert_same(&site(&root), &cold_copy(&root), "an author renamed");

    fs::remove_file(root.join("content/trd/TRD-0001-rate-limiter.md")).unwrap();
    let remaining = build_counting(&root, INDEXED);
    assert_eq!(remaining, 3, "the other docs' terms are kept: their positions moved, their numbers did not");
    assert_same(&site(&root), &cold_copy(&root), "a doc removed");
}

/// Once its docs are older than the age at which docportal trusts a file's stamp (2 s),
/// a rebuild takes each doc whose stamp is unchanged as the last build parsed it,
/// without reading it, and writes what a cold build writes. A new config, or a torn
/// file of kept docs, means every doc is parsed again.
#[test]
fn a_rebuild_takes_unchanged_docs_as_last_parsed_and_equals_a_cold_build() {
    const TRD: &str = "content/trd/TRD-0001-rate-limiter.md";
    const PRD: &str = "content/prd/PRD-0001-quotas.md";
    let (_tmp, root) = portal();
    std::thread::sleep(std::time::Duration::from_millis(2200));
    assert_eq!(build_counting_kept(&root), 0, "the first build parses every doc");

    edit(&root, TRD, "The limiter follows", "The sharded limiter follows");
    assert_eq!(build_counting_kept(&root), 3, "all but the edited doc");
    assert_same(&site(&root), &cold_copy(&root), "doc edited");

    // The TRD was read too recently to trust its stamp: it is parsed again as well.
    edit(&root, PRD, "**Status**: Approved", "**Status**: Deprecated");
    assert_eq!(build_counting_kept(&root), 2, "all but the two edited docs");
    assert_same(&site(&root), &cold_copy(&root), "referenced doc's status");

    std::thread::sleep(std::time::Duration::from_millis(2200));
    edit(&root, "book.toml", "title = \"Cache fixture\"", "title = \"Cache fixture\"\ndescription = \"Renamed\"");
    assert_eq!(build_counting_kept(&root), 0, "a new config parses every doc again");
    assert_same(&site(&root), &cold_copy(&root), "book.toml");

    let kept = root.join(docportal::cache::DIR).join(docportal::parse::kept::FORMAT);
    let files: Vec<PathBuf> = fs::read_dir(&kept).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!files.is_empty());
    for file in &files {
        let bytes = fs::read(file).unwrap();
        fs::write(file, &bytes[..bytes.len() / 2]).unwrap();
    }
    edit(&root, PRD, "**Status**: Deprecated", "**Status**: Approved");
    assert_eq!(build_counting_kept(&root), 0, "a torn file keeps nothing");
    assert_same(&site(&root), &cold_copy(&root), "torn file of kept docs");
    edit(&root, PRD, "**Status**: Approved", "**Status**: Draft");
    assert_eq!(build_counting_kept(&root), 3, "and the next build keeps again");
    assert_same(&site(&root), &cold_copy(&root), "kept again");
}

/// A rebuild takes each doc's links as the last build resolved them, unless the doc's
/// references, any doc's id or path, or the headings it links into changed, and writes
/// what a cold build writes.
#[test]
fn a_rebuild_resolves_again_only_the_docs_whose_links_read_what_changed() {
    const LINKED: &str = "docs linked as last build";
    let (_tmp, root) = portal();
    assert_eq!(build_counting(&root, LINKED), 0, "the first build resolves every doc");

    edit(&root, "content/trd/TRD-0001-rate-limiter.md", "The limiter follows", "The sharded limiter follows");
    assert_eq!(build_counting(&root, LINKED), 4, "no reference changed");
    assert_same(&site(&root), &cold_copy(&root), "prose edited");

    // The TRD links to `PRD-0001-quotas.md#goals`.
    edit(&root, "content/prd/PRD-0001-quotas.md", "## Goals", "## Objectives");
    assert_eq!(build_counting(&root, LINKED), 3, "all but the doc linking into the renamed heading");
    assert_same(&site(&root), &cold_copy(&root), "linked heading renamed");

    fs::write(root.join("content/trd/TRD-0404-retry-budget.md"), "# TRD-0404: Retry Budget\n\nSee TRD-0001.\n")
        .unwrap();
    assert_eq!(build_counting(&root, LINKED), 0, "a new id can resolve any doc's references");
    assert_same(&site(&root), &cold_copy(&root), "doc added");
    edit(&root, "content/trd/TRD-0001-rate-limiter.md", "The sharded limiter", "The limiter");
    assert_eq!(build_counting(&root, LINKED), 5, "and the next build keeps them all again");
    assert_same(&site(&root), &cold_copy(&root), "prose edited back");
}
