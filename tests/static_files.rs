//! The static folder (`[build] static-dir`, default `static/`), through the real binary
//! on temp copies of the sample portal: its files land in the site byte for byte, win
//! over docportal's own (silently over a hosting file, with a warning over anything
//! else), follow every edit and delete through the up-to-date check, and what cannot be
//! copied is named in a warning.

mod common;

use common::Run;
use std::fs;
use std::path::Path;

/// Runs `docportal ARGS DIR` with the up-to-date check on, whatever the environment says.
fn docportal(dir: &Path, args: &[&str]) -> Run {
    let mut all: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    all.push(dir.as_os_str());
    common::docportal_with(&all, |command| {
        command.env_remove("DOCPORTAL_CACHE");
    })
}

/// A successful `docportal build`.
fn build(dir: &Path) -> Run {
    let out = docportal(dir, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out
}

fn put(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn listed(site: &Path) -> Vec<String> {
    fs::read_to_string(site.join(".docportal-manifest")).unwrap().lines().map(str::to_string).collect()
}

/// A `robots.txt`, a `CNAME`, a dotfile, a nested `.well-known/` file and a binary file
/// land in the site byte for byte and are listed in its manifest; the static
/// `robots.txt` replaces docportal's without a word.
#[test]
fn static_files_land_in_the_site_as_they_are() {
    let portal = common::sample_portal_copy();
    let root = portal.path();
    let files: [(&str, &[u8]); 5] = [
        ("robots.txt", b"User-agent: *\nDisallow: /drafts/\n"),
        ("CNAME", b"docs.halyard.example\n"),
        (".htaccess", b"ErrorDocument 404 /404.html\r\n"),
        (".well-known/x.txt", b"verification \xf0\x9f\x94\x91 token\n"),
        ("img/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe"),
    ];
    for (rel, bytes) in files {
        put(&root.join("static").join(rel), bytes);
    }
    let out = build(root);
    let site = root.join("book");
    for (rel, bytes) in files {
        assert_eq!(fs::read(site.join(rel)).unwrap(), bytes, "{rel}");
        assert!(listed(&site).iter().any(|l| l == rel), "{rel} is in the manifest");
    }
    assert!(!out.stderr.contains("static/"), "nothing to warn about: {}", out.stderr);
    assert!(site.join("index.html").is_file() && site.join("sitemap.xml").is_file());
    let sample = fs::read(common::repo_root().join("static/.well-known/security.txt")).unwrap();
    assert_eq!(fs::read(site.join(".well-known/security.txt")).unwrap(), sample, "the sample's own static file");
}

/// A static file over one of the portal's pages is published, and the build says which
/// file it replaced; the exit code stays 0 (1 under `--strict`).
#[test]
fn a_static_file_over_a_page_of_the_portal_warns() {
    let portal = common::sample_portal_copy();
    let root = portal.path();
    put(&root.join("static/index.html"), b"<p>our own front page</p>\n");
    put(&root.join("static/404.html"), b"<p>lost</p>\n");
    let out = build(root);
    assert_eq!(fs::read_to_string(root.join("book/index.html")).unwrap(), "<p>our own front page</p>\n");
    assert_eq!(fs::read_to_string(root.join("book/404.html")).unwrap(), "<p>lost</p>\n");
    let lines: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("static/")).collect();
    assert_eq!(lines, ["static/index.html: warning: replaces the portal's own index.html"]);
    assert_eq!(docportal(root, &["build", "--strict"]).code, 1);
}

/// The up-to-date check sees the static folder: an edit, a new file and a delete each
/// make the next build a real one, whose site holds the change; with nothing changed the
/// build is skipped. A static file that stood in for a doc's page, deleted, gives the
/// page back (not the static file's bytes as the page the last build "wrote").
#[test]
fn every_change_in_the_static_folder_makes_the_next_build_real() {
    let portal = common::sample_portal_copy();
    let root = portal.path();
    let site = root.join("book");
    let cname = root.join("static/CNAME");
    put(&cname, b"one.example\n");
    let page = "adr/0002-use-postgresql-for-the-shipment-store.html";
    assert!(root.join("content").join(page.replace(".html", ".md")).is_file(), "the sample has this doc");
    put(&root.join("static").join(page), b"<p>STATIC-STAND-IN</p>\n");
    build(root);
    assert_eq!(fs::read(site.join(page)).unwrap(), b"<p>STATIC-STAND-IN</p>\n");
    assert!(build(root).fresh(), "nothing changed");

    put(&cname, b"two.example\n");
    assert!(!build(root).fresh(), "an edit");
    assert_eq!(fs::read(site.join("CNAME")).unwrap(), b"two.example\n");
    assert!(build(root).fresh());

    put(&root.join("static/.nojekyll"), b"");
    assert!(!build(root).fresh(), "a new file");
    assert!(build(root).fresh());

    fs::remove_file(&cname).unwrap();
    assert!(!build(root).fresh(), "a delete");
    assert!(!site.join("CNAME").exists());
    assert!(!listed(&site).iter().any(|l| l == "CNAME"));

    fs::remove_file(root.join("static").join(page)).unwrap();
    assert!(!build(root).fresh());
    let html = fs::read_to_string(site.join(page)).unwrap();
    assert!(html.contains("<html") && !html.contains("STATIC-STAND-IN"), "the doc's page is back: {html}");
    assert!(build(root).fresh());
}

/// A symlink out of the static folder is not followed (a secret next to the portal
/// must not be published by a link to it), with a warning naming it; one inside the
/// folder is. `check` reports it too.
#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_static_folder_is_warned_about_and_not_followed() {
    let portal = common::sample_portal_copy();
    let root = portal.path();
    put(&root.join("secrets/key.pem"), b"PRIVATE\n");
    put(&root.join("static/logo.svg"), b"<svg/>");
    std::os::unix::fs::symlink(root.join("secrets/key.pem"), root.join("static/key.pem")).unwrap();
    std::os::unix::fs::symlink(root.join("secrets"), root.join("static/keys")).unwrap();
    std::os::unix::fs::symlink("logo.svg", root.join("static/icon.svg")).unwrap();
    let out = build(root);
    let site = root.join("book");
    assert!(!site.join("key.pem").exists() && !site.join("keys").exists());
    assert_eq!(fs::read(site.join("icon.svg")).unwrap(), b"<svg/>");
    for shown in [
        "static/key.pem: warning: symlink points outside the static folder; not followed",
        "static/keys: warning: symlink points outside the static folder; not followed",
    ] {
        assert!(out.stderr.contains(shown), "{}", out.stderr);
        assert!(docportal(root, &["check"]).stderr.contains(shown));
    }
}

/// A configured static folder that does not exist is a warning naming book.toml's line
/// (the default one missing is not); one inside the docs folder is an error, and
/// nothing is written.
#[test]
fn a_configured_static_folder_must_exist_and_stand_apart() {
    let portal = common::sample_portal_copy();
    let root = portal.path();
    let book = root.join("book.toml");
    let sample = fs::read_to_string(&book).unwrap();
    assert!(!build(root).stderr.contains("static"), "the default folder may be missing");

    fs::write(&book, sample.replace("build-dir = \"book\"", "build-dir = \"book\"\nstatic-dir = \"public\"")).unwrap();
    let line = common::line_of(&book, "static-dir");
    let warning = format!("book.toml:{line}: warning: static-dir `public` does not exist; no static files are copied");
    for command in ["build", "check"] {
        let out = docportal(root, &[command]);
        assert_eq!(out.code, 0, "{command}: {}", out.stderr);
        assert!(out.stderr.contains(&warning), "{command}: {}", out.stderr);
    }

    fs::remove_dir_all(root.join("book")).unwrap();
    fs::write(&book, sample.replace("build-dir = \"book\"", "build-dir = \"book\"\nstatic-dir = \"content/adr\""))
        .unwrap();
    let error = format!("book.toml:{line}: error: static-dir `content/adr` is inside the docs folder `content`");
    for command in ["build", "check"] {
        let out = docportal(root, &[command]);
        assert_eq!(out.code, 2, "{command}: {}", out.stderr);
        assert!(out.stderr.contains(&error), "{command}: {}", out.stderr);
    }
    assert!(!root.join("book").exists(), "nothing written");
}
