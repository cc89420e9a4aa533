//! `[build] static-dir` → files published as they are: every regular file under the
//! static folder (default `static/`, beside `book.toml`), byte for byte, at the same path
//! in the site.
//!
//! This is how a portal publishes what docportal does not make (a `CNAME`, a
//! `.well-known/security.txt`, a host's `_redirects`, a logo, a PDF) and its own
//! `robots.txt` or `404.html` instead of docportal's: a static file wins over whatever
//! the site makes at its path. It is put in last, after the pages, `docs.json`, the
//! hosting files and the linked files, by each way a site is put together
//! (`pipeline::assemble`, `pipeline::assemble_reusing`, the streamed build); replacing a
//! hosting file ([`HOSTING`]) is silent, replacing anything else (a page, `docs.json`, an
//! asset) is a warning ([`StaticFiles::replacing`]), since it likely breaks the portal.
//! Otherwise a static file is a file of the site like any other: listed in the manifest
//! (deleted from `static/`, it leaves the site at the next build), linked rather than
//! written again when unchanged, precompressed with `precompress`. No doc's render or
//! page reads it, so it is in no render or page key; it is in the up-to-date check's
//! input fingerprint ([`crate::fresh`]).
//!
//! The walk keeps the docs folder's symlink rules ([`discover::walk_inside`]): a symlink
//! leading out of the static folder is not followed and a loop is not either, each with
//! a warning. Unlike the docs folder, dotfiles and dot-folders (`.nojekyll`,
//! `.well-known/`) and `_` names (`_headers`) are copied, since publishing them is much
//! of the point; only what a file browser, an editor or git leaves is skipped
//! ([`is_skipped`]). A file that cannot be read, a name that is not UTF-8 or cannot be a
//! site path is a warning naming it, and the build goes on.
//!
//! The folder must stand apart from the docs folder and the build folder: the docs
//! inside it would be published raw beside their pages, and with the build folder inside
//! it (or it inside the build folder) each build would copy the last one's output. A
//! configured `static-dir` placed so is an error naming `book.toml` and the line; the
//! default `static/` placed so (a portal whose `build-dir` is `static`) is no static
//! folder, silently. A configured folder that does not exist is a warning; the default
//! one missing is no static files.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::discover::{self, FoundFile};
use crate::write;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Files a host reads rather than a reader (and their `.gz` with `precompress`): a static
/// one replaces docportal's without a warning, as publishing your own is expected.
pub const HOSTING: [&str; 5] = ["robots.txt", "sitemap.xml", "feed.xml", ".nojekyll", "404.html"];

/// The static folder's files, read.
#[derive(Debug, Default)]
pub struct StaticFiles {
    /// The static folder, absolute; `None` when there is none.
    pub dir: Option<PathBuf>,
    /// Site path → bytes.
    pub files: BTreeMap<String, Vec<u8>>,
    /// What the walk and the reads turned away, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Site path → the file's length and modification time when read: a later
    /// [`StaticFiles::update`] reads again only what moved.
    stamps: HashMap<String, (u64, Option<SystemTime>)>,
}

/// The static folder's files, not read: where the folder is (`None` when there is none),
/// each file's `(absolute, site)` path, and what the walk turned away.
pub struct Found {
    pub dir: Option<PathBuf>,
    pub files: Vec<FoundFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Finds the static files. `Err` when a configured `static-dir` is, holds or is inside
/// the docs folder or the build folder.
pub fn find(config: &Config) -> Result<Found, Diagnostic> {
    let Some(dir) = folder(config)? else {
        return Ok(Found { dir: None, files: Vec::new(), diagnostics: missing(config).into_iter().collect() });
    };
    let prefix = config.static_display.clone();
    let shown = move |rel: &str| if rel.is_empty() { prefix.clone() } else { format!("{prefix}/{rel}") };
    let enter = |e: &walkdir::DirEntry, diags: &mut Vec<Diagnostic>| {
        let Some(name) = e.file_name().to_str() else {
            let rel = discover::rel_path(&dir, e.path());
            diags.push(Diagnostic::warning(rel, None, "the name is not valid UTF-8; not copied (rename it)"));
            return false;
        };
        !is_skipped(name)
    };
    let (found, walk_diags) = discover::walk_inside(&dir, "static folder", enter, |_, _| true);
    let mut diagnostics: Vec<Diagnostic> =
        walk_diags.into_iter().map(|d| Diagnostic { source: shown(&d.source), ..d }.in_project()).collect();
    let mut files = Vec::with_capacity(found.len());
    for (abs, rel) in found {
        let refused = if rel == write::MANIFEST {
            Some("not copied: docportal keeps its list of the site's files under this name".to_string())
        } else if write::safe_join(Path::new("site"), &rel).is_err() {
            Some(format!("not copied: `{rel}` cannot be a path in the site"))
        } else {
            None
        };
        match refused {
            Some(message) => diagnostics.push(Diagnostic::warning(shown(&rel), None, message).in_project()),
            None => files.push((abs, rel)),
        }
    }
    crate::diag::sort(&mut diagnostics);
    Ok(Found { dir: Some(dir), files, diagnostics })
}

/// Finds and reads the static files (see [`find`] for the `Err`).
pub fn read(config: &Config) -> Result<StaticFiles, Diagnostic> {
    Ok(find(config)?.read(config))
}

impl Found {
    /// Reads every file found.
    pub fn read(self, config: &Config) -> StaticFiles {
        StaticFiles::default().update(config, self, |_| true).0
    }
}

impl StaticFiles {
    /// The static files `found` now, taking from `self` the bytes of each file whose
    /// length and modification time are unchanged and that `hinted` does not name (a
    /// watcher's report: an edit within one tick of the clock keeps the time). Also says
    /// whether anything differs from `self`: a file, a path, a warning.
    pub fn update(mut self, config: &Config, found: Found, hinted: impl Fn(&Path) -> bool) -> (StaticFiles, bool) {
        let mut diagnostics = found.diagnostics;
        let mut files = BTreeMap::new();
        let mut stamps = HashMap::with_capacity(found.files.len());
        let mut changed = found.dir != self.dir || found.files.len() != self.files.len();
        for (abs, rel) in found.files {
            let stamp = fs::metadata(&abs).ok().map(|m| (m.len(), m.modified().ok()));
            let unmoved = stamp.is_some() && self.stamps.get(&rel) == stamp.as_ref() && !hinted(&abs);
            let earlier = if unmoved { self.files.remove(&rel) } else { None };
            let taken = earlier.is_some();
            let bytes = match earlier.map(Ok).unwrap_or_else(|| fs::read(&abs)) {
                Ok(bytes) => bytes,
                Err(e) => {
                    changed = true;
                    let shown = format!("{}/{rel}", config.static_display);
                    let message = format!("cannot copy into the site: {e}");
                    diagnostics.push(Diagnostic::warning(shown, None, message).in_project());
                    continue;
                }
            };
            changed |= !taken && self.files.get(&rel) != Some(&bytes);
            if let Some(stamp) = stamp {
                stamps.insert(rel.clone(), stamp);
            }
            files.insert(rel, bytes);
        }
        crate::diag::sort(&mut diagnostics);
        changed |= diagnostics != self.diagnostics;
        (StaticFiles { dir: found.dir, files, diagnostics, stamps }, changed)
    }

    /// A warning for each static file at a path the site makes (`made`) other than a
    /// hosting file's: it replaces the portal's own file there.
    pub fn replacing(&self, config: &Config, made: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
        self.files
            .keys()
            .filter(|path| made(path) && !is_hosting(path))
            .map(|path| {
                let shown = format!("{}/{path}", config.static_display);
                Diagnostic::warning(shown, None, format!("replaces the portal's own {path}")).in_project()
            })
            .collect()
    }
}

/// Whether the site path is a hosting file's ([`HOSTING`]) or its `.gz`.
fn is_hosting(path: &str) -> bool {
    HOSTING.contains(&path.strip_suffix(".gz").unwrap_or(path))
}

/// Names the static folder's walk skips: what a file browser leaves, an editor's scratch
/// files, and a `.git` (a folder, or a worktree's file) that must never be published.
/// Every other name is copied, dotfiles included.
pub fn is_skipped(name: &str) -> bool {
    name == ".git" || discover::is_folder_litter(name) || discover::is_editor_scratch(name)
}

/// The static folder, absolute, when there is one: it exists as a folder and stands
/// apart from the docs and build folders. `Err` when a configured one does not.
fn folder(config: &Config) -> Result<Option<PathBuf>, Diagnostic> {
    if let Some(clash) = clash(config) {
        return match config.static_line {
            Some(line) => Err(Diagnostic::error("book.toml", Some(line), clash).in_project()),
            None => Ok(None),
        };
    }
    Ok(config.static_dir.is_dir().then(|| config.static_dir.clone()))
}

/// Where a static folder is or may appear, for `serve`'s watcher: the configured (or
/// default) one, unless it clashes with the docs or build folder.
pub fn watched(config: &Config) -> Option<PathBuf> {
    clash(config).is_none().then(|| config.static_dir.clone())
}

/// The warning for a configured static folder that is not there (a default one missing
/// is simply no static files).
fn missing(config: &Config) -> Option<Diagnostic> {
    let line = config.static_line?;
    let problem = match fs::metadata(&config.static_dir) {
        Ok(meta) if meta.is_dir() => return None,
        Ok(_) => "is not a folder".to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist".to_string(),
        Err(e) => format!("cannot be read ({e})"),
    };
    let message = format!("static-dir `{}` {problem}; no static files are copied", config.static_display);
    Some(Diagnostic::warning("book.toml", Some(line), message).in_project())
}

/// Why the static folder cannot be one: it is, holds or is inside the docs folder or the
/// build folder. Compared by real paths, so a symlink does not hide a clash.
fn clash(config: &Config) -> Option<String> {
    let here = real_path(&config.static_dir);
    let folders = [
        (&config.src_dir, "docs folder", "the docs would be published as they are, beside their pages"),
        (&config.build_dir, "build folder", "each build would copy the last one's output"),
    ];
    for (other, name, why) in folders {
        let other_real = real_path(other);
        let how = if here == other_real {
            "is"
        } else if here.starts_with(&other_real) {
            "is inside"
        } else if other_real.starts_with(&here) {
            "holds"
        } else {
            continue;
        };
        let shown = config.shown(other);
        return Some(format!(
            "static-dir `{}` {how} the {name} `{shown}`: {why}; choose a folder apart from the docs and build folders",
            config.static_display
        ));
    }
    None
}

/// `path` with symlinks resolved as far as it exists: a folder not created yet (a build
/// folder before the first build) is placed below the real path of its nearest
/// existing ancestor.
fn real_path(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        if let Ok(real) = at.canonicalize() {
            return rest.iter().rev().fold(real, |p, name| p.join(name));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(root: &Path, book: &str) -> Config {
        crate::config::from_str(root, book).unwrap().0
    }

    fn write(path: &Path, bytes: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn hosting_files_and_their_gz_are_replaced_silently() {
        for path in ["robots.txt", "404.html", ".nojekyll", "sitemap.xml.gz", "feed.xml"] {
            assert!(is_hosting(path), "{path}");
        }
        for path in ["index.html", "docs.json", "assets/robots.txt", "robots.txt.bak", "search/manifest.js"] {
            assert!(!is_hosting(path), "{path}");
        }
    }

    #[test]
    fn only_litter_scratch_files_and_git_are_skipped() {
        for name in [".DS_Store", "Thumbs.db", ".git", ".a.txt.swp", "a.txt~", "4913", ".#a.txt", "#a.txt#"] {
            assert!(is_skipped(name), "{name}");
        }
        for name in [".nojekyll", ".well-known", ".gitignore", "_headers", "CNAME", "robots.txt"] {
            assert!(!is_skipped(name), "{name}");
        }
    }

    /// Configured inside, around or equal to the docs or the build folder: an error
    /// naming book.toml and the line. The default so placed is no static folder.
    #[test]
    fn a_static_folder_must_stand_apart_from_the_docs_and_build_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("content/img")).unwrap();
        for (value, says) in [
            ("content", "is the docs folder `content`"),
            ("content/img", "is inside the docs folder `content`"),
            (".", "holds the docs folder `content`"),
            ("book", "is the build folder `book`"),
            ("book/static", "is inside the build folder `book`"),
        ] {
            let cfg = config(root, &format!("[book]\ntitle = \"T\"\n\n[build]\nstatic-dir = \"{value}\"\n"));
            let err = find(&cfg).err().unwrap_or_else(|| panic!("{value} is refused"));
            assert_eq!((err.source.as_str(), err.line, err.is_error()), ("book.toml", Some(5), true), "{value}");
            assert!(err.message.contains(says), "{value}: {}", err.message);
        }
        let around = config(root, "[build]\nbuild-dir = \"site/out\"\nstatic-dir = \"site\"\n");
        assert!(find(&around).err().unwrap().message.contains("holds the build folder `site/out`"));
        // A build folder moved by `--dest-dir` is compared as moved.
        let moved = config(root, "[build]\nstatic-dir = \"public\"\n").with_build_dir(&root.join("public/site"));
        assert!(find(&moved).is_err());

        fs::create_dir_all(root.join("static")).unwrap();
        let default_is_build = config(root, "[build]\nbuild-dir = \"static\"\n");
        let found = find(&default_is_build).unwrap();
        assert!(found.dir.is_none() && found.diagnostics.is_empty());
        assert!(find(&config(root, "")).unwrap().dir.is_some());
    }

    #[test]
    fn a_configured_folder_that_is_missing_warns_with_its_line_and_the_default_does_not() {
        let tmp = tempfile::tempdir().unwrap();
        let found = find(&config(tmp.path(), "")).unwrap();
        assert!(found.dir.is_none() && found.diagnostics.is_empty());
        let found = find(&config(tmp.path(), "[build]\nbuild-dir = \"out\"\nstatic-dir = \"public/\"\n")).unwrap();
        let shown: Vec<String> = found.diagnostics.iter().map(|d| d.render_human("content")).collect();
        assert_eq!(shown, ["book.toml:3: warning: static-dir `public` does not exist; no static files are copied"]);
        write(&tmp.path().join("public"), b"a file");
        let found = find(&config(tmp.path(), "[build]\nstatic-dir = \"public\"\n")).unwrap();
        assert!(found.diagnostics[0].message.contains("`public` is not a folder"), "{:?}", found.diagnostics);
    }

    /// Every file comes back at its path, bytes as they are; what a file browser or an
    /// editor leaves and a `.git` do not; the manifest's name is refused.
    #[test]
    fn files_are_read_as_they_are_dotfiles_included() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("static");
        for (rel, bytes) in [
            ("CNAME", &b"docs.acme.example\n"[..]),
            (".nojekyll", b""),
            (".well-known/security.txt", b"Contact: mailto:security@acme.example\n"),
            ("_headers", b"/*\n  X-Frame-Options: DENY\n"),
            ("img/logo.png", b"\x89PNG\r\n\x1a\n\0\xff"),
            (".DS_Store", b"x"),
            ("img/Thumbs.db", b"x"),
            (".robots.txt.swp", b"x"),
            ("notes.txt~", b"x"),
            (".git/HEAD", b"ref: refs/heads/main\n"),
            (".docportal-manifest", b"index.html\n"),
        ] {
            write(&dir.join(rel), bytes);
        }
        let statics = read(&config(tmp.path(), "")).unwrap();
        assert_eq!(
            statics.files.keys().collect::<Vec<_>>(),
            [".nojekyll", ".well-known/security.txt", "CNAME", "_headers", "img/logo.png"]
        );
        assert_eq!(statics.files["img/logo.png"], b"\x89PNG\r\n\x1a\n\0\xff");
        let shown: Vec<String> = statics.diagnostics.iter().map(|d| d.render_human("content")).collect();
        assert_eq!(
            shown,
            ["static/.docportal-manifest: warning: not copied: docportal keeps its list of the site's files under this name"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_folder_are_not_followed_and_odd_names_are_not_copied() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("static");
        write(&dir.join("a.txt"), b"a");
        write(&tmp.path().join("secret/key"), b"secret");
        std::os::unix::fs::symlink(tmp.path().join("secret/key"), dir.join("key")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret"), dir.join("keys")).unwrap();
        std::os::unix::fs::symlink("a.txt", dir.join("alias.txt")).unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
        write(&dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")), b"x");
        write(&dir.join("back\\slash.txt"), b"x");
        let statics = read(&config(tmp.path(), "")).unwrap();
        assert_eq!(statics.files.keys().collect::<Vec<_>>(), ["a.txt", "alias.txt"]);
        let shown: Vec<String> = statics.diagnostics.iter().map(|d| d.render_human("content")).collect();
        assert_eq!(
            shown,
            [
                "static/back\\slash.txt: warning: not copied: `back\\slash.txt` cannot be a path in the site",
                "static/caf\u{FFFD}.txt: warning: the name is not valid UTF-8; not copied (rename it)",
                "static/key: warning: symlink points outside the static folder; not followed",
                "static/keys: warning: symlink points outside the static folder; not followed",
                "static/loop: warning: symlink loop; not followed",
            ]
        );
    }

    /// A file that cannot be read (here gone between the walk and the read) is a
    /// warning naming it; the others are read.
    #[test]
    fn a_file_that_cannot_be_read_is_a_warning_and_the_rest_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path(), "");
        write(&cfg.static_dir.join("a.txt"), b"a");
        write(&cfg.static_dir.join("b.txt"), b"b");
        let found = find(&cfg).unwrap();
        fs::remove_file(cfg.static_dir.join("a.txt")).unwrap();
        let statics = found.read(&cfg);
        assert_eq!(statics.files.keys().collect::<Vec<_>>(), ["b.txt"]);
        let shown: Vec<String> = statics.diagnostics.iter().map(|d| d.render_human("content")).collect();
        assert_eq!(shown.len(), 1);
        assert!(shown[0].starts_with("static/a.txt: warning: cannot copy into the site: "), "{shown:?}");
    }

    /// A refresh reads only what moved or what the watcher named, and says whether
    /// anything differs.
    #[test]
    fn a_refresh_reads_again_only_what_moved_and_says_what_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path(), "");
        let a = cfg.static_dir.join("a.txt");
        write(&a, b"one");
        let first = read(&cfg).unwrap();
        // Poisoned, with its stamp as recorded: taken as it is, not read.
        let mut poisoned = first;
        poisoned.files.insert("a.txt".into(), b"old".to_vec());
        let refresh =
            |statics: StaticFiles, hinted: &dyn Fn(&Path) -> bool| statics.update(&cfg, find(&cfg).unwrap(), hinted);
        let (same, changed) = refresh(poisoned, &|_| false);
        assert_eq!((same.files["a.txt"].as_slice(), changed), (&b"old"[..], false));
        let (named, changed) = refresh(same, &|p| p == a);
        assert_eq!((named.files["a.txt"].as_slice(), changed), (&b"one"[..], true), "named by the watcher: read");
        write(&cfg.static_dir.join("b.txt"), b"two");
        let (more, changed) = refresh(named, &|_| false);
        assert!(changed && more.files.len() == 2);
        fs::remove_file(cfg.static_dir.join("b.txt")).unwrap();
        let (fewer, changed) = refresh(more, &|_| false);
        assert!(changed && fewer.files.len() == 1);
        let (_, changed) = refresh(fewer, &|_| false);
        assert!(!changed);
    }
}
