//! Docs folder → `Vec<SourceFile>`: every Markdown file, read and normalised.
//!
//! The walk (walkdir) skips dotfiles and dot-folders, the build folder, editor swap
//! files and symlinks that lead outside the docs folder (a folder one is not entered)
//! or loop. Files are read in parallel (rayon); a UTF-8 BOM is dropped, CRLF and lone
//! CR become LF, and invalid UTF-8 is decoded lossily with a warning. The result is
//! sorted by path, so every later stage sees the same order on every run. [`prefetch`]
//! asks the OS to start reading a whole list of docs at once, for a build whose docs
//! are not in memory.
//!
//! A *folder doc* is a `README.md` (or `index.md`) whose folder is the document
//! (`keps/sig-x/1672-name/README.md`); a metadata file beside it ([`SIDECAR_NAMES`]) is
//! read with it into [`SourceFile::sidecar`]. Files that are not docs (images, PDFs)
//! are *assets*: [`asset_at`] tells the links stage whether a linked path exists, and
//! [`read_assets`] reads the linked ones for the site, never outside the docs folder.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Sidecar, SourceFile};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Finds and reads the docs. An unreadable docs folder is an error; per-file
/// problems are diagnostics and the walk goes on.
pub fn discover(config: &Config) -> Result<(Vec<SourceFile>, Vec<Diagnostic>), Diagnostic> {
    let (paths, mut diags) = find_markdown(config)?;
    let files: Vec<Result<SourceFile, Diagnostic>> = paths.par_iter().map(|(abs, rel)| read_source(abs, rel)).collect();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        match f {
            Ok(f) => out.push(f),
            Err(d) => diags.push(d),
        }
    }
    Ok((out, diags))
}

/// `(absolute path, path relative to the docs folder)` of one doc.
pub type FoundFile = (PathBuf, String);

/// The sorted list of every doc's paths, with warnings about what was skipped.
pub fn find_markdown(config: &Config) -> Result<(Vec<FoundFile>, Vec<Diagnostic>), Diagnostic> {
    let src = &config.src_dir;
    if !src.is_dir() {
        return Err(Diagnostic::error(
            config.src_display.clone(),
            None,
            format!("the docs folder `{}` does not exist (set `src` under [book] in book.toml)", config.src_display),
        )
        .in_project());
    }
    let build_dir = config.build_dir.canonicalize().ok();
    let enter = |e: &walkdir::DirEntry, _: &mut Vec<Diagnostic>| {
        let name = e.file_name().to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') && e.file_type().is_dir() || name.ends_with('~') {
            return false;
        }
        !(e.file_type().is_dir()
            && build_dir.as_ref().is_some_and(|build| e.path().canonicalize().is_ok_and(|here| here == *build)))
    };
    let take = |e: &walkdir::DirEntry, diags: &mut Vec<Diagnostic>| {
        if is_markdown(e.path()) {
            return true;
        }
        if let Some(ext) = markdown_extension_in_other_case(e.path()) {
            let renamed = e.path().with_extension(ext.to_ascii_lowercase());
            let renamed = renamed.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            diags.push(Diagnostic::warning(
                rel_path(src, e.path()),
                None,
                format!("not built: docs end in `.md` or `.markdown`, in lower case (rename it `{renamed}`)"),
            ));
        }
        false
    };
    Ok(walk_inside(src, "docs folder", enter, take))
}

/// Every regular file under `root` that `enter` lets the walk reach and `take` wants, as
/// `(absolute, relative)` paths sorted by the relative one, with warnings (their paths
/// relative to `root`) about what was left out. `enter` sees every entry below `root`,
/// folders and files, and keeps a folder it turns away from being walked at all; `take`
/// sees each file the walk reaches. Both may add warnings.
///
/// Symlinks are followed while they stay inside `root`: one leading out of it (a folder
/// one is not entered) or into a loop is not followed, with a warning naming it
/// (`symlink points outside the {what}; not followed`). A folder that cannot be read is
/// a warning, and the walk goes on.
pub(crate) fn walk_inside(
    root: &Path,
    what: &str,
    mut enter: impl FnMut(&walkdir::DirEntry, &mut Vec<Diagnostic>) -> bool,
    mut take: impl FnMut(&walkdir::DirEntry, &mut Vec<Diagnostic>) -> bool,
) -> (Vec<FoundFile>, Vec<Diagnostic>) {
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let outside = format!("symlink points outside the {what}; not followed");
    let mut diags = Vec::new();
    let mut paths = Vec::new();
    let mut turned_away = Vec::new();
    let walker = WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
        if e.depth() == 0 {
            return true;
        }
        if !enter(e, &mut turned_away) {
            return false;
        }
        // Not walked at all: a link to `/` or a home folder would be read through to
        // the end before each file in it was turned away.
        if e.file_type().is_dir()
            && e.path_is_symlink()
            && !e.path().canonicalize().is_ok_and(|real| real.starts_with(&canonical_root))
        {
            turned_away.push(Diagnostic::warning(rel_path(root, e.path()), None, outside.clone()));
            return false;
        }
        true
    });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e.path().map(|p| rel_path(root, p)).unwrap_or_default();
                let message = if e.loop_ancestor().is_some() {
                    "symlink loop; not followed".to_string()
                } else {
                    format!("cannot read: {}", e.io_error().map(|io| io.to_string()).unwrap_or_else(|| e.to_string()))
                };
                diags.push(Diagnostic::warning(rel, None, message));
                continue;
            }
        };
        if !entry.file_type().is_file() || !take(&entry, &mut diags) {
            continue;
        }
        let rel = rel_path(root, entry.path());
        if entry.path_is_symlink() || has_symlink_ancestor(root, entry.path()) {
            match entry.path().canonicalize() {
                Ok(real) if real.starts_with(&canonical_root) => {}
                _ => {
                    diags.push(Diagnostic::warning(rel, None, outside.clone()));
                    continue;
                }
            }
        }
        paths.push((entry.path().to_path_buf(), rel));
    }
    diags.extend(turned_away);
    paths.sort_by(|a, b| a.1.cmp(&b.1));
    (paths, diags)
}

/// Asks the OS to start reading `paths` from disk now, all at once, so that the reads
/// that follow find them in memory. Docs not in the page cache (after a reboot, or
/// pushed out by a big site written since) were read one at a time per render thread,
/// each waiting on the disk: the parse stage of 10,000 docs ran at 1.4 cores out of 2.
/// A hint only: errors are ignored, and where there is no such call it does nothing.
pub fn prefetch<'a>(paths: impl IntoIterator<Item = &'a FoundFile>) {
    #[cfg(target_os = "linux")]
    for (abs, _) in paths {
        use std::os::fd::AsRawFd;
        if let Ok(file) = std::fs::File::open(abs) {
            // SAFETY: `file` is open for the duration of the call; the call only reads
            // its arguments.
            unsafe {
                libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = paths;
}

/// Reads one file into a normalised [`SourceFile`].
pub fn read_source(abs: &Path, rel: &str) -> Result<SourceFile, Diagnostic> {
    read_source_seeing(abs, rel, |_| ())
}

/// [`read_source`], showing `see` the file's bytes as read, before they are decoded.
pub fn read_source_seeing(abs: &Path, rel: &str, see: impl FnOnce(&[u8])) -> Result<SourceFile, Diagnostic> {
    let bytes = std::fs::read(abs).map_err(|e| Diagnostic::error(rel, None, format!("cannot read: {e}")))?;
    see(&bytes);
    let mut file = decode(abs.to_path_buf(), rel.to_string(), bytes);
    if is_folder_doc_file(rel) {
        file.sidecar = read_sidecar(abs, rel, &mut file.diagnostics);
    }
    Ok(file)
}

/// Metadata files read beside a folder doc, first found wins.
pub const SIDECAR_NAMES: [&str; 4] = ["kep.yaml", "metadata.yaml", "metadata.yml", "metadata.json"];

/// `README.md` or `index.md`: the file that stands for its folder.
pub fn is_folder_doc_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    matches!(name.as_str(), "readme.md" | "index.md" | "readme.markdown")
}

fn read_sidecar(abs: &Path, rel: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<Sidecar> {
    let dir = abs.parent()?;
    let rel_dir = rel.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
    for name in SIDECAR_NAMES {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        let rel_path = format!("{rel_dir}{name}");
        match std::fs::read(&path) {
            Ok(bytes) => {
                let decoded = decode(path, rel_path.clone(), bytes);
                diagnostics.extend(decoded.diagnostics);
                return Some(Sidecar { rel_path, text: decoded.text });
            }
            Err(e) => diagnostics.push(Diagnostic::warning(rel_path, None, format!("cannot read: {e}"))),
        }
    }
    None
}

/// What a docs-relative path names on disk, when it is not a doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    File,
    Folder,
}

/// Whether `rel` (docs-relative, already normalised: no `..`) names a file or folder
/// inside the docs folder. Dotfiles and symlinks leading out of the docs folder count
/// as absent, as they do for the walk.
pub fn asset_at(config: &Config, rel: &str) -> Option<AssetKind> {
    if rel.split('/').any(|s| s.starts_with('.') || s.is_empty()) && !rel.is_empty() {
        return None;
    }
    let path = config.src_dir.join(rel);
    // One stat answers for the many paths that do not exist (most links tried as
    // files are not); only a path that does is resolved and checked for escaping.
    let meta = std::fs::metadata(&path).ok()?;
    let real = path.canonicalize().ok()?;
    let src = config.src_dir.canonicalize().ok()?;
    if !real.starts_with(&src) {
        return None;
    }
    if meta.is_file() {
        Some(AssetKind::File)
    } else if meta.is_dir() {
        Some(AssetKind::Folder)
    } else {
        None
    }
}

/// Reads linked asset files for the site: docs-relative path → bytes. Paths that are
/// not files inside the docs folder are skipped with a warning.
pub fn read_assets(config: &Config, paths: &BTreeSet<String>) -> (BTreeMap<String, Vec<u8>>, Vec<Diagnostic>) {
    let mut files = BTreeMap::new();
    let mut diags = Vec::new();
    for rel in paths {
        if asset_at(config, rel) != Some(AssetKind::File) {
            continue;
        }
        match std::fs::read(config.src_dir.join(rel)) {
            Ok(bytes) => {
                files.insert(rel.clone(), bytes);
            }
            Err(e) => diags.push(Diagnostic::warning(rel.clone(), None, format!("cannot copy into the site: {e}"))),
        }
    }
    (files, diags)
}

/// Decodes bytes as UTF-8 (lossily, with a warning naming the first bad line),
/// strips a BOM and normalises line endings.
pub fn decode(abs_path: PathBuf, rel_path: String, bytes: Vec<u8>) -> SourceFile {
    let mut diagnostics = Vec::new();
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            diagnostics.push(Diagnostic::warning(
                rel_path.clone(),
                Some(line),
                "file is not valid UTF-8; undecodable bytes are shown as \u{FFFD} (save the file as UTF-8)",
            ));
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    let text = if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text };
    SourceFile { rel_path, abs_path, text, diagnostics, sidecar: None }
}

/// What a file browser leaves in the folders it shows (`.DS_Store`, `Thumbs.db`,
/// `desktop.ini`): never something a user means to publish or to keep.
pub fn is_folder_litter(name: &str) -> bool {
    matches!(name, ".DS_Store" | "Thumbs.db" | "desktop.ini")
}

/// An editor's swap, backup or lock file (`.x.swp`, `x~`, vim's `4913` probe, emacs's
/// `.#x` and `#x#`): there while a file is being edited, never content.
pub fn is_editor_scratch(name: &str) -> bool {
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name == "4913"
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
}

fn is_markdown(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "markdown"))
}

/// `MD`, `Md`, `MARKDOWN`…: what a Windows or macOS editor may have saved, and GitHub
/// shows as Markdown, but every link and id rule here reads lower case.
fn markdown_extension_in_other_case(p: &Path) -> Option<&str> {
    let ext = p.extension()?.to_str()?;
    (ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("markdown")).then_some(ext)
}

fn has_symlink_ancestor(root: &Path, p: &Path) -> bool {
    p.ancestors()
        .skip(1)
        .take_while(|a| *a != root)
        .any(|a| a.symlink_metadata().map(|m| m.file_type().is_symlink()).unwrap_or(false))
}

/// Path of `p` relative to `root`, forward slashes.
pub fn rel_path(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap_or(p);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_crlf_are_normalised() {
        let f = decode(PathBuf::new(), "a.md".into(), b"\xEF\xBB\xBF# T\r\nx\ry\n".to_vec());
        assert_eq!(f.text, "# T\nx\ny\n");
        assert!(f.diagnostics.is_empty());
    }

    #[test]
    fn invalid_utf8_warns_with_the_line() {
        let f = decode(PathBuf::new(), "a.md".into(), b"ok\ncaf\xe9\n".to_vec());
        assert_eq!(f.text, "ok\ncaf\u{FFFD}\n");
        assert_eq!(f.diagnostics[0].line, Some(2));
    }

    #[cfg(unix)]
    #[test]
    fn asset_at_sees_files_and_folders_inside_the_docs_folder_only() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("content");
        std::fs::create_dir_all(src.join("img")).unwrap();
        std::fs::write(src.join("img/a.png"), b"png").unwrap();
        std::fs::write(src.join(".hidden"), b"x").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), b"x").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), src.join("out.txt")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), src.join("up")).unwrap();
        std::os::unix::fs::symlink(src.join("img/a.png"), src.join("alias.png")).unwrap();
        let mut config = Config::default_at(tmp.path());
        config.src_dir = src;
        let at = |rel: &str| asset_at(&config, rel);
        assert_eq!(at("img/a.png"), Some(AssetKind::File));
        assert_eq!(at("img"), Some(AssetKind::Folder));
        assert_eq!(at("alias.png"), Some(AssetKind::File), "a symlink within the folder is followed");
        assert_eq!(at("img/b.png"), None);
        assert_eq!(at("missing/b.png"), None);
        assert_eq!(at(".hidden"), None);
        assert_eq!(at("out.txt"), None, "a symlink out of the docs folder is absent");
        assert_eq!(at("up/secret.txt"), None, "so is a file reached through one");
    }
}
