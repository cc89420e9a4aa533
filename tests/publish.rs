//! Publishing: the built site holds together under any base path, is deterministic, is
//! swapped in safely, and takes dates from git. Runs the real binary on the sample
//! portal and on small temp portals.

mod common;

use common::git;
use scraper::{Html, Selector};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn docportal(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docportal"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A copy of the sample portal (book.toml, content/, static/) in a temp folder.
fn sample_portal() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(repo.join("book.toml"), tmp.path().join("book.toml")).unwrap();
    copy_dir(&repo.join("content"), &tmp.path().join("content"));
    copy_dir(&repo.join("static"), &tmp.path().join("static"));
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_path_buf(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Every local link, script, stylesheet and image of every page resolves to a file of
/// the site, and every `#fragment` to an element id of its target page. Root-absolute
/// URLs must start with `prefix` (the site-url). Returns the broken references.
fn broken_links(site: &Path, prefix: &str) -> Vec<String> {
    let files = read_tree(site);
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let any_id = Selector::parse("[id]").unwrap();
    let linking = Selector::parse("a[href], link[href], script[src], img[src]").unwrap();
    let mut pages = Vec::new();
    for (path, bytes) in &files {
        if path.extension().is_some_and(|e| e == "html") {
            let doc = Html::parse_document(&String::from_utf8_lossy(bytes));
            ids.insert(
                path.clone(),
                doc.select(&any_id).filter_map(|e| e.value().attr("id").map(str::to_string)).collect(),
            );
            pages.push((path.clone(), doc));
        }
    }
    let mut broken = Vec::new();
    for (page, doc) in &pages {
        for el in doc.select(&linking) {
            let Some(url) = el.value().attr("href").or_else(|| el.value().attr("src")) else { continue };
            if url.contains("://") || url.starts_with("mailto:") || url.starts_with("data:") || url.is_empty() {
                continue;
            }
            let (path_part, fragment) = match url.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (url, None),
            };
            let path_part = path_part.split('?').next().unwrap_or("");
            let target: PathBuf = if path_part.is_empty() {
                page.clone()
            } else if let Some(abs) = path_part.strip_prefix('/') {
                match format!("/{abs}").strip_prefix(prefix) {
                    Some(rel) => PathBuf::from(percent_decode(rel)),
                    None => {
                        broken.push(format!("{}: `{url}` is outside the site-url {prefix}", page.display()));
                        continue;
                    }
                }
            } else {
                let mut t = page.parent().map(Path::to_path_buf).unwrap_or_default();
                for seg in percent_decode(path_part).split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            if !t.pop() {
                                broken.push(format!("{}: `{url}` climbs out of the site", page.display()));
                            }
                        }
                        s => t.push(s),
                    }
                }
                t
            };
            let target = if path_part.ends_with('/') || target.as_os_str().is_empty() {
                target.join("index.html")
            } else {
                target
            };
            if !files.contains_key(&target) {
                broken.push(format!("{}: `{url}` → missing {}", page.display(), target.display()));
                continue;
            }
            // `#kind=TRD` is filter state read by the page script, not an element id.
            if let Some(f) = fragment.filter(|f| !f.is_empty() && !f.starts_with(":~:") && !f.contains('=')) {
                let f = percent_decode(f);
                if ids.get(&target).is_some_and(|set| !set.contains(&f)) {
                    broken.push(format!(
                        "{}: `{url}` → no element with id `{f}` in {}",
                        page.display(),
                        target.display()
                    ));
                }
            }
        }
    }
    broken
}

#[test]
fn every_link_resolves_at_the_root_and_under_a_prefix() {
    for prefix in ["/", "/docs/portal/"] {
        let portal = sample_portal();
        let out = docportal(portal.path(), &["build", "--site-url", prefix]);
        assert_ne!(out.status.code(), Some(2), "{}", text(&out));
        let site = portal.path().join("book");
        for required in ["index.html", "404.html", "docs.json", "sitemap.xml", "robots.txt", "feed.xml", ".nojekyll"] {
            assert!(site.join(required).is_file(), "{required} missing under {prefix}");
        }
        let broken = broken_links(&site, prefix);
        assert!(broken.is_empty(), "under {prefix}:\n{}", broken.join("\n"));
    }
}

#[test]
fn the_same_input_builds_byte_identical_sites() {
    let portal = sample_portal();
    docportal(portal.path(), &["build", "--dest-dir", "one"]);
    docportal(portal.path(), &["build", "--dest-dir", "two"]);
    let one = read_tree(&portal.path().join("one"));
    let two = read_tree(&portal.path().join("two"));
    assert!(one.len() > 20, "a real site was built");
    assert_eq!(one.keys().collect::<Vec<_>>(), two.keys().collect::<Vec<_>>());
    for (path, bytes) in &one {
        assert!(bytes == &two[path], "{} differs between two builds", path.display());
    }
}

#[test]
fn dangerous_destinations_are_refused() {
    let portal = sample_portal();
    for dest in ["content", ".", "..", "content/.."] {
        let out = docportal(portal.path(), &["build", "--dest-dir", dest]);
        assert_eq!(out.status.code(), Some(2), "--dest-dir {dest}: {}", text(&out));
        assert!(text(&out).contains("refusing to write the site here"), "{}", text(&out));
    }
    assert!(portal.path().join("content").is_dir(), "nothing deleted");
}

/// `--dest-dir ~` by mistake: a folder docportal never wrote is refused, by `build` and
/// by `serve`, and left exactly as it was. (It was once replaced by a copy of its
/// regular files: every symlink in the home folder was lost.)
#[cfg(unix)]
#[test]
fn a_folder_docportal_did_not_write_is_refused_and_left_as_it_was() {
    let portal = sample_portal();
    let home = tempfile::tempdir().unwrap();
    fs::create_dir_all(home.path().join(".cargo/bin")).unwrap();
    fs::write(home.path().join(".cargo/bin/rustup"), "#!/bin/sh\n").unwrap();
    std::os::unix::fs::symlink("rustup", home.path().join(".cargo/bin/cargo")).unwrap();
    fs::write(home.path().join(".bashrc"), "export X=1\n").unwrap();
    let listing = |dir: &Path| -> Vec<(PathBuf, Option<PathBuf>)> {
        let mut all: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                (e.path().to_path_buf(), fs::read_link(e.path()).ok())
            })
            .collect();
        all.sort();
        all
    };
    let before = listing(home.path());
    let dest = home.path().to_str().unwrap();
    for args in [&["build", "--dest-dir", dest][..], &["serve", "--port", "0"][..]] {
        if args[0] == "serve" {
            let book = format!("[book]\ntitle = \"Sample\"\n\n[build]\nbuild-dir = \"{dest}\"\n");
            fs::write(portal.path().join("book.toml"), book).unwrap();
        }
        let out = docportal(portal.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains("`.bashrc`, `.cargo` that docportal did not write"), "{}", text(&out));
        assert_eq!(listing(home.path()), before, "{args:?} changed the folder");
    }
}

/// A file the user put at a path the site writes, where the manifest lists none, is
/// theirs: kept byte for byte, build after build (the up-to-date one too), with a
/// warning naming it and exit 0; deleted, docportal's is published again. Here a page
/// of theirs where a new doc's page goes, and a `robots.txt` of theirs in a site folder
/// whose manifest does not list one (edited to stand for a site written before docportal
/// wrote one). A `robots.txt` written over docportal's, which the manifest lists, is
/// docportal's: replaced.
#[test]
fn a_file_the_user_put_where_the_site_writes_is_kept_with_a_warning() {
    let portal = sample_portal();
    let site = portal.path().join("book");
    let build = || {
        let out = docportal(portal.path(), &["build"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    build();
    let ours = fs::read(site.join("robots.txt")).unwrap();
    fs::write(site.join("robots.txt"), "User-agent: *\nDisallow: /\n").unwrap();
    let stderr = build();
    assert_eq!(fs::read(site.join("robots.txt")).unwrap(), ours, "the manifest lists it: docportal's");
    assert!(!stderr.contains("kept the"), "{stderr}");

    let manifest = site.join(".docportal-manifest");
    let listed: String = fs::read_to_string(&manifest)
        .unwrap()
        .lines()
        .filter(|line| *line != "robots.txt")
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(&manifest, listed).unwrap();
    let mine = "User-agent: *\nDisallow: /drafts/\n";
    fs::write(site.join("robots.txt"), mine).unwrap();
    fs::write(portal.path().join("content/adr/0008-use-rust.md"), "# ADR-0008: Use Rust\n\nFor the label service.\n")
        .unwrap();
    fs::write(site.join("adr/0008-use-rust.html"), "<p>my page</p>\n").unwrap();
    for build_no in 1..=2 {
        let stderr = build();
        assert_eq!(fs::read_to_string(site.join("robots.txt")).unwrap(), mine, "build {build_no}");
        assert_eq!(fs::read_to_string(site.join("adr/0008-use-rust.html")).unwrap(), "<p>my page</p>\n");
        for warning in [
            "book/robots.txt: warning: kept the file you put here; docportal's own `robots.txt` is not published (delete or move yours to publish docportal's)",
            "book/adr/0008-use-rust.html: warning: kept the file you put here; docportal's own `0008-use-rust.html` is not published",
        ] {
            assert!(stderr.contains(warning), "build {build_no}: {stderr}");
        }
    }

    fs::remove_file(site.join("robots.txt")).unwrap();
    fs::remove_file(site.join("adr/0008-use-rust.html")).unwrap();
    let stderr = build();
    assert!(!stderr.contains("kept the"), "{stderr}");
    assert_eq!(fs::read(site.join("robots.txt")).unwrap(), ours);
    assert!(fs::read_to_string(site.join("adr/0008-use-rust.html")).unwrap().contains("For the label service."));
}

#[test]
fn a_failed_build_keeps_the_previous_site() {
    let portal = sample_portal();
    let out = docportal(portal.path(), &["build"]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    let before = read_tree(&portal.path().join("book"));
    // A theme template that does not compile: the build fails after reading and
    // rendering every doc, before anything is written.
    fs::create_dir_all(portal.path().join("theme/templates")).unwrap();
    fs::write(portal.path().join("theme/templates/doc.html"), "{% if %}").unwrap();
    let out = docportal(portal.path(), &["build"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(read_tree(&portal.path().join("book")), before, "the old site is intact");
    let leftovers: Vec<_> = fs::read_dir(portal.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn files_the_user_put_in_the_build_folder_survive_rebuilds() {
    let portal = sample_portal();
    docportal(portal.path(), &["build"]);
    fs::write(portal.path().join("book/CNAME"), "docs.acme.example\n").unwrap();
    docportal(portal.path(), &["build"]);
    assert_eq!(fs::read_to_string(portal.path().join("book/CNAME")).unwrap(), "docs.acme.example\n");
}

#[test]
fn precompress_writes_gzip_beside_text_files() {
    let portal = sample_portal();
    let toml = fs::read_to_string(portal.path().join("book.toml")).unwrap();
    let toml = if toml.contains("[output.html]") {
        toml.replacen("[output.html]", "[output.html]\nprecompress = true", 1)
    } else {
        format!("{toml}\n[output.html]\nprecompress = true\n")
    };
    fs::write(portal.path().join("book.toml"), toml).unwrap();
    let out = docportal(portal.path(), &["build"]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    let site = read_tree(&portal.path().join("book"));
    assert!(site.contains_key(Path::new("index.html.gz")));
    assert!(site.contains_key(Path::new("docs.json.gz")));
    assert!(!site.keys().any(|p| p.to_string_lossy().ends_with(".gz.gz")));
}

fn doc_field(site: &Path, id: &str, field: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(site.join("docs.json")).unwrap()).unwrap();
    json["docs"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap_or_else(|| panic!("{id} listed"))[field]
        .clone()
}

#[test]
fn git_history_fills_missing_dates_and_shallow_clones_are_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    fs::create_dir_all(repo.join("content/adr")).unwrap();
    fs::write(repo.join("content/adr/ADR-0001-x.md"), "# ADR-0001: X\n\nFirst.\n").unwrap();
    fs::write(repo.join("content/adr/ADR-0002-y.md"), "---\ncreated: 2020-05-05\n---\n# ADR-0002: Y\n").unwrap();
    git(&repo, &["init", "-q", "-b", "main"], "2026-01-10T10:00:00+00:00");
    git(&repo, &["add", "."], "2026-01-10T10:00:00+00:00");
    git(&repo, &["commit", "-q", "-m", "first"], "2026-01-10T10:00:00+00:00");
    fs::write(repo.join("content/adr/ADR-0001-x.md"), "# ADR-0001: X\n\nSecond.\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "second"], "2026-02-20T10:00:00+00:00");

    let out = docportal(&repo, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let site = repo.join("book");
    assert_eq!(doc_field(&site, "ADR-0001", "created"), "2026-01-10");
    assert_eq!(doc_field(&site, "ADR-0001", "updated"), "2026-02-20");
    assert_eq!(doc_field(&site, "ADR-0001", "authors"), serde_json::json!(["Ines Duarte"]));
    assert_eq!(doc_field(&site, "ADR-0002", "created"), "2020-05-05", "metadata wins over git");

    let shallow = tmp.path().join("shallow");
    let url = format!("file://{}", repo.display());
    let out = Command::new("git").args(["clone", "-q", "--depth", "1", &url]).arg(&shallow).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = docportal(&shallow, &["build"]);
    assert!(text(&out).contains("shallow clone"), "{}", text(&out));
    assert_eq!(doc_field(&shallow.join("book"), "ADR-0001", "created"), serde_json::Value::Null, "no wrong dates");
}

#[test]
fn build_info_goes_into_docs_json_only_when_asked() {
    let portal = sample_portal();
    docportal(portal.path(), &["build"]);
    let plain: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(portal.path().join("book/docs.json")).unwrap()).unwrap();
    assert!(plain.get("generator").is_none());
    let out = docportal(portal.path(), &["build", "--build-info"]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out));
    let with: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(portal.path().join("book/docs.json")).unwrap()).unwrap();
    assert_eq!(with["generator"]["name"], "docportal");
    assert_eq!(with["generator"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(with["generator"]["built_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(with["docs"], plain["docs"]);
}
