//! The up-to-date check of `docportal build`, through the real binary: a build with
//! nothing changed is skipped (same warnings, same exit code, the site untouched), and
//! after every kind of change the build runs and writes exactly what a cold build
//! writes.

mod common;

use common::git;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// A temp copy of `tests/fixtures/fresh-portal` with a theme override file.
struct Portal {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

fn portal() -> Portal {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("portal");
    common::copy_dir(&common::fixture_dir("fresh-portal"), &root);
    let builtin = fs::read_to_string(common::repo_root().join("theme/assets/style.css")).unwrap();
    fs::create_dir_all(root.join("theme/assets")).unwrap();
    fs::write(root.join("theme/assets/style.css"), format!("{builtin}\n.doc-body pre {{ tab-size: 4; }}\n")).unwrap();
    Portal { _tmp: tmp, root }
}

struct Out {
    code: i32,
    stderr: String,
}

impl Out {
    fn fresh(&self) -> bool {
        self.stderr.contains("up to date")
    }

    /// The diagnostic lines, in order.
    fn diagnostics(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.contains(": warning: ") || l.contains(": error: ")).collect()
    }
}

fn build_env(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    build_with(Path::new(env!("CARGO_BIN_EXE_docportal")), root, args, env)
}

fn build_with(exe: &Path, root: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let out = Command::new(exe)
        .arg("build")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("DOCPORTAL_CACHE")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let out = Out { code: out.status.code().unwrap_or(-1), stderr: String::from_utf8_lossy(&out.stderr).into_owned() };
    assert!(out.code == 0 || out.code == 1, "build failed:\n{}", out.stderr);
    out
}

fn build(root: &Path, args: &[&str]) -> Out {
    build_env(root, args, &[])
}

fn files(root: &Path) -> Vec<(String, PathBuf)> {
    let book = root.join("book");
    walkdir::WalkDir::new(&book)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(&book).unwrap().to_string_lossy().into_owned(), e.path().to_path_buf()))
        .collect()
}

/// Every file of the built site, by path.
fn site(root: &Path) -> BTreeMap<String, Vec<u8>> {
    files(root).into_iter().map(|(rel, path)| (rel, fs::read(path).unwrap())).collect()
}

/// Every file of the built site with its modification time.
fn mtimes(root: &Path) -> BTreeMap<String, SystemTime> {
    files(root).into_iter().map(|(rel, path)| (rel, fs::metadata(path).unwrap().modified().unwrap())).collect()
}

/// A build with no previous site and no cache, with the same arguments.
fn cold(root: &Path, args: &[&str]) -> (Out, BTreeMap<String, Vec<u8>>) {
    fs::remove_dir_all(root.join("book")).unwrap();
    fs::remove_dir_all(root.join(docportal::cache::DIR)).unwrap();
    let out = build(root, args);
    assert!(!out.fresh(), "a cold build is never up to date:\n{}", out.stderr);
    (out, site(root))
}

fn assert_same(warm: &BTreeMap<String, Vec<u8>>, cold: &BTreeMap<String, Vec<u8>>, change: &str) {
    assert_eq!(warm.keys().collect::<Vec<_>>(), cold.keys().collect::<Vec<_>>(), "{change}: different files");
    for (path, bytes) in warm {
        assert!(bytes == &cold[path], "{change}: {path} differs from a cold build");
    }
}

/// Builds twice (the second is up to date), applies `change`, builds with `args`: the
/// build must run, and write, print and return what a cold build does. A build right
/// after it is up to date again.
fn check_change(name: &str, args: &[&str], change: impl FnOnce(&Path)) -> BTreeMap<String, Vec<u8>> {
    check_change_in(portal(), name, args, change)
}

/// [`check_change`] on a portal made by the caller.
fn check_change_in(p: Portal, name: &str, args: &[&str], change: impl FnOnce(&Path)) -> BTreeMap<String, Vec<u8>> {
    assert!(!build(&p.root, &[]).fresh());
    assert!(build(&p.root, &[]).fresh(), "{name}: nothing changed yet");
    change(&p.root);
    let warm_out = build(&p.root, args);
    assert!(!warm_out.fresh() && warm_out.stderr.contains("Building"), "{name}: skipped:\n{}", warm_out.stderr);
    let again = build(&p.root, args);
    assert!(again.fresh(), "{name}: the rebuild's record holds:\n{}", again.stderr);
    let warm = site(&p.root);
    let (cold_out, cold_site) = cold(&p.root, args);
    assert_same(&warm, &cold_site, name);
    assert_eq!(warm_out.diagnostics(), cold_out.diagnostics(), "{name}: warnings");
    assert_eq!(again.diagnostics(), cold_out.diagnostics(), "{name}: replayed warnings");
    assert_eq!((warm_out.code, again.code), (cold_out.code, cold_out.code), "{name}: exit code");
    warm
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} contains {from:?}");
    fs::write(path, text.replace(from, to)).unwrap();
}

const TRD: &str = "content/trd/TRD-0001-rate-limiter.md";

#[test]
fn no_change_build_is_up_to_date_with_the_same_warnings_exit_code_and_untouched_site() {
    let p = portal();
    let first = build(&p.root, &[]);
    assert!(!first.fresh() && first.stderr.contains("Finished"), "{}", first.stderr);
    assert_eq!(first.diagnostics().len(), 2, "the fixture warns twice:\n{}", first.stderr);
    let (bytes, times) = (site(&p.root), mtimes(&p.root));

    let second = build(&p.root, &[]);
    assert!(second.fresh(), "{}", second.stderr);
    assert!(!second.stderr.contains("Building"), "{}", second.stderr);
    assert_eq!(second.diagnostics(), first.diagnostics());
    assert_eq!(second.code, 0);
    let strict = build(&p.root, &["--strict"]);
    assert!(strict.fresh(), "--strict changes only the exit code:\n{}", strict.stderr);
    assert_eq!(strict.diagnostics(), first.diagnostics());
    assert_eq!(strict.code, 1, "warnings under --strict fail an up-to-date build too");

    assert_same(&site(&p.root), &bytes, "no change");
    assert_eq!(mtimes(&p.root), times, "an up-to-date build touches no file of the site");
    let (cold_out, cold_site) = cold(&p.root, &["--strict"]);
    assert_same(&bytes, &cold_site, "no change");
    assert_eq!((cold_out.code, cold_out.diagnostics()), (strict.code, strict.diagnostics()));
}

#[test]
fn editing_a_doc_rebuilds() {
    check_change("doc edited", &[], |root| edit(root, TRD, "one token bucket", "one sharded token bucket"));
}

#[test]
fn editing_a_sidecar_metadata_file_rebuilds() {
    let site = check_change("metadata.yaml edited", &[], |root| {
        edit(root, "content/specs/search-v2/metadata.yaml", "status: in-review", "status: approved")
    });
    assert!(String::from_utf8_lossy(&site["docs.json"]).contains("\"status\": \"approved\""));
}

#[test]
fn adding_a_doc_rebuilds() {
    check_change("doc added", &[], |root| {
        fs::write(root.join("content/trd/TRD-0999-retry-budget.md"), "# TRD-0999: Retry Budget\n\nFor TRD-0001.\n")
            .unwrap()
    });
}

#[test]
fn removing_a_doc_rebuilds() {
    check_change("doc removed", &[], |root| fs::remove_file(root.join("content/adr/ADR-0001-token-store.md")).unwrap());
}

#[test]
fn changing_a_linked_image_rebuilds() {
    let site = check_change("linked image changed", &[], |root| {
        fs::write(root.join("content/img/token-flow.png"), "PNG-ish diagram bytes v2\n").unwrap()
    });
    assert_eq!(site["img/token-flow.png"], b"PNG-ish diagram bytes v2\n");
}

#[test]
fn creating_a_linked_file_that_was_missing_rebuilds() {
    let site = check_change("missing linked file created", &[], |root| {
        fs::write(root.join("content/img/load-test.pdf"), "%PDF-1.4 results\n").unwrap()
    });
    assert!(site.contains_key("img/load-test.pdf"));
}

#[test]
fn changing_a_theme_override_file_rebuilds() {
    check_change("theme override changed", &[], |root| {
        edit(root, "theme/assets/style.css", "tab-size: 4;", "tab-size: 2;")
    });
}

#[test]
fn changing_book_toml_rebuilds() {
    check_change("book.toml changed", &[], |root| {
        edit(root, "book.toml", "title = \"Fresh fixture\"", "title = \"Fresh fixture, renamed\"")
    });
}

#[test]
fn giving_site_url_rebuilds() {
    let site = check_change("--site-url given", &["--site-url", "/design/"], |_| {});
    assert!(String::from_utf8_lossy(&site["sitemap.xml"]).contains("/design/"));
}

#[test]
fn deleting_a_file_of_the_built_site_rebuilds() {
    let site = check_change("site file deleted", &[], |root| {
        fs::remove_file(root.join("book/trd/TRD-0001-rate-limiter.html")).unwrap()
    });
    assert!(site.contains_key("trd/TRD-0001-rate-limiter.html"));
}

#[test]
fn editing_a_file_of_the_built_site_rebuilds_even_with_its_size_and_mtime_kept() {
    check_change("site file edited in place", &[], |root| {
        let path = root.join("book/index.html");
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        let mut bytes = fs::read(&path).unwrap();
        let at = bytes.iter().position(|&b| b == b'<').unwrap();
        bytes[at] = b'[';
        fs::write(&path, &bytes).unwrap();
        fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    });
}

/// A doc page's inputs did not change, but its file did: the build must not carry the
/// edited file over as the page's own.
#[test]
fn a_doc_page_edited_in_the_built_site_is_rendered_again_though_its_doc_did_not_change() {
    check_change("doc page edited in place", &[], |root| {
        let path = root.join("book/trd/TRD-0001-rate-limiter.html");
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        let bytes = fs::read_to_string(&path).unwrap().replacen("<title>", "<title>X", 1);
        fs::write(&path, bytes.replacen("</title>", "</titl>", 1)).unwrap();
        fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
    });
}

/// The render cache keeps a doc's article as a place in its page. Edited there, the
/// article is no longer the cached one: the page must be made from the doc again, not
/// from what the edited page now holds at that place.
#[test]
fn a_doc_article_edited_in_the_built_site_is_rendered_again_from_its_doc() {
    let site = check_change("article edited in place", &[], |root| {
        let path = root.join("book/trd/TRD-0001-rate-limiter.html");
        let page = fs::read_to_string(&path).unwrap();
        let article = page.find("<article").expect("the doc page has an article");
        let paragraph = article + page[article..].find("<p>").expect("the article has a paragraph");
        let mut edited = page.clone();
        edited.replace_range(paragraph..paragraph + 3, "<p>TAMPERED ");
        fs::write(&path, edited).unwrap();
    });
    let page = String::from_utf8(site["trd/TRD-0001-rate-limiter.html"].clone()).unwrap();
    assert!(!page.contains("TAMPERED"));
}

/// Once its docs are a few seconds old the check trusts their stamps and reads only
/// docs whose stamp moved. An in-place edit that keeps the size and puts the mtime
/// back still moves the ctime: the build runs, and writes what a cold build writes.
#[test]
fn a_doc_edited_with_its_size_and_mtime_kept_rebuilds_though_its_stamp_was_trusted() {
    let p = portal();
    // Older than the age at which docportal trusts a stamp (2 s).
    std::thread::sleep(std::time::Duration::from_millis(2200));
    check_change_in(p, "doc edited in place", &[], |root| {
        let path = root.join(TRD);
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let edited = text.replacen("token bucket", "token BUCKET", 1);
        assert!(edited != text && edited.len() == text.len());
        fs::write(&path, edited).unwrap();
        fs::File::options().write(true).open(&path).unwrap().set_modified(mtime).unwrap();
    });
}

/// Records of an older format are never read again: the first record written in the
/// current format removes them.
#[test]
fn records_of_an_older_format_are_removed() {
    let p = portal();
    let cache = p.root.join(docportal::cache::DIR);
    let old = cache.join("fresh-v2");
    fs::create_dir_all(&old).unwrap();
    fs::write(old.join("0123.bin"), b"old").unwrap();
    assert!(!build(&p.root, &[]).fresh());
    assert!(!old.exists(), "the fresh-v2 folder is gone");
    assert!(cache.join(docportal::fresh::FORMAT).is_dir());
    assert!(build(&p.root, &[]).fresh());
}

/// Committing an edit changes no file on disk, but the doc's git dates: the build runs.
#[test]
fn a_new_git_commit_rebuilds() {
    let p = portal();
    git(&p.root, &["init", "-q", "-b", "main"], "2026-01-10T10:00:00+00:00");
    git(&p.root, &["add", "book.toml", "content"], "2026-01-10T10:00:00+00:00");
    git(&p.root, &["commit", "-q", "-m", "first"], "2026-01-10T10:00:00+00:00");
    edit(&p.root, TRD, "one token bucket", "one sharded token bucket");
    assert!(!build(&p.root, &[]).fresh());
    assert!(build(&p.root, &[]).fresh());
    let updated = |root: &Path| -> serde_json::Value {
        let json: serde_json::Value = serde_json::from_slice(&fs::read(root.join("book/docs.json")).unwrap()).unwrap();
        json["docs"].as_array().unwrap().iter().find(|d| d["id"] == "TRD-0001").unwrap()["updated"].clone()
    };
    assert_eq!(updated(&p.root), serde_json::Value::Null, "the edit is not committed yet");

    git(&p.root, &["commit", "-q", "-am", "shard"], "2026-03-01T10:00:00+00:00");
    let out = build(&p.root, &[]);
    assert!(!out.fresh(), "{}", out.stderr);
    assert_eq!(updated(&p.root), "2026-03-01");
    let warm = site(&p.root);
    let (_, cold_site) = cold(&p.root, &[]);
    assert_same(&warm, &cold_site, "new git commit");
}

#[test]
fn build_info_and_a_disabled_cache_are_never_up_to_date() {
    let p = portal();
    build(&p.root, &[]);
    for _ in 0..2 {
        let out = build(&p.root, &["--build-info"]);
        assert!(!out.fresh(), "build info stamps the time:\n{}", out.stderr);
    }
    build(&p.root, &[]);
    for _ in 0..2 {
        let out = build_env(&p.root, &[], &[("DOCPORTAL_CACHE", "off")]);
        assert!(!out.fresh(), "DOCPORTAL_CACHE=off:\n{}", out.stderr);
    }
    assert!(records(&p.root).is_empty(), "the stale record is gone");
    assert!(!build(&p.root, &[]).fresh(), "a build with the cache off leaves no record");
    assert!(build(&p.root, &[]).fresh());
}

/// The up-to-date check's record files.
fn records(root: &Path) -> Vec<PathBuf> {
    let dir = root.join(docportal::cache::DIR).join(docportal::fresh::FORMAT);
    fs::read_dir(dir).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default()
}

#[test]
fn a_torn_record_is_not_fresh() {
    let p = portal();
    build(&p.root, &[]);
    let record = records(&p.root).pop().expect("a build leaves a record");
    let bytes = fs::read(&record).unwrap();
    fs::write(&record, &bytes[..bytes.len() - 1]).unwrap();
    let out = build(&p.root, &[]);
    assert!(!out.fresh(), "{}", out.stderr);
    assert!(build(&p.root, &[]).fresh());
}

#[test]
fn each_destination_keeps_its_own_record() {
    let p = portal();
    let other = p.root.join("other-site");
    let other_args = ["--dest-dir", other.to_str().unwrap()];
    assert!(!build(&p.root, &[]).fresh());
    assert!(!build(&p.root, &other_args).fresh());
    assert!(build(&p.root, &[]).fresh(), "building elsewhere leaves book/ as it was");
    assert!(build(&p.root, &other_args).fresh());
}

/// The same code installed elsewhere, or rebuilt: another build of docportal, which may
/// render differently, so it never trusts this one's record.
#[test]
fn another_docportal_build_rebuilds() {
    let p = portal();
    build(&p.root, &[]);
    assert!(build(&p.root, &[]).fresh());
    let other = p.root.parent().unwrap().join("docportal-other");
    let mut bytes = fs::read(env!("CARGO_BIN_EXE_docportal")).unwrap();
    bytes.extend_from_slice(b"another build");
    fs::write(&other, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&other, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = build_with(&other, &p.root, &[], &[]);
    assert!(!out.fresh(), "{}", out.stderr);
    assert!(build_with(&other, &p.root, &[], &[]).fresh());
    assert!(!build(&p.root, &[]).fresh(), "and back");
}
