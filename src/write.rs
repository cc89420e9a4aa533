//! `Site` → disk, safely.
//!
//! A build writes the whole site into a staging folder beside the destination, then
//! swaps it in (on Linux in one atomic exchange, so the site folder is never absent;
//! elsewhere with two renames), so an interrupted or failed build never leaves a
//! half-written site and never loses the previous one. A manifest
//! (`.docportal-manifest`) records what docportal wrote, and docportal replaces or
//! deletes only the regular files it lists: every other entry in the destination (a
//! `CNAME`, a `.git`, symlinks) is the user's and is moved across the swap as it is.
//! That holds at the paths the site writes too: what the user put at one (their own
//! `robots.txt` where the manifest lists none, a folder or a symlink where docportal
//! wrote a file, a file where the site needs a folder) is kept, docportal's own file
//! there is neither published nor listed, so the path stays the user's on every later
//! build, and each build warns about it ([`Kept`]). A file the manifest lists is
//! docportal's, even when edited by hand, and is replaced. (A file meant to be
//! published at such a path goes in the static folder instead, [`crate::static_files`]:
//! the site then writes it, and lists it, like any of its files.) Destinations that would
//! clobber the sources (the docs folder, the project root, or a folder holding either)
//! are refused, and so is a non-empty folder docportal never wrote (no manifest): the
//! swap replaces the folder itself, which must not be a home folder. [`update_in_place`]
//! and [`update_from`] are the serve mode, by the same rule: they rewrite only files
//! whose bytes changed, and list a file in the manifest before writing it, so an
//! interrupted update never leaves a file of docportal's that the next one would take
//! for the user's. [`Staging`] lets a build write its pages as it makes them
//! (`pipeline::build_into`), so the site is never held in memory whole.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::lock;
use crate::site::Site;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const MANIFEST: &str = ".docportal-manifest";

#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

fn err(path: &Path, e: impl std::fmt::Display) -> WriteError {
    WriteError { path: path.to_path_buf(), message: e.to_string() }
}

/// Refuses destinations that are, or contain, the docs folder or the project root.
pub fn check_destination(dest: &Path, config: &Config) -> Result<(), WriteError> {
    let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let dest_real = real(dest);
    let src = real(&config.src_dir);
    let root = real(&config.root);
    let reason = if dest_real == src {
        Some("is the docs folder")
    } else if dest_real == root {
        Some("is the project root")
    } else if src.starts_with(&dest_real) {
        Some("contains the docs folder")
    } else if root.starts_with(&dest_real) {
        Some("contains the project folder")
    } else if dest_real.parent().is_none() {
        Some("is the file-system root")
    } else {
        None
    };
    if let Some(r) = reason {
        return Err(err(dest, format!("refusing to write the site here: the destination {r}")));
    }
    if let Some(found) = foreign_content(dest) {
        return Err(err(
            dest,
            format!(
                "refusing to write the site here: the folder holds {found} that docportal did not write (it has no {MANIFEST}); build into a new or empty folder (a `.git` alone is fine), or empty this one if it is an old build (files added after docportal's first build, a CNAME say, are kept)"
            ),
        ));
    }
    Ok(())
}

/// What makes `dest` a folder docportal must not take over: it exists, docportal never
/// wrote it (no manifest), and it holds something (`.DS_Store` and the like aside, and
/// a `.git`: a `gh-pages` checkout to build into for the first time).
/// Says what, for the message. A site is swapped in whole, so taking over a home
/// folder or another project would replace the folder itself.
fn foreign_content(dest: &Path) -> Option<String> {
    if dest.join(MANIFEST).exists() {
        return None;
    }
    let entries = fs::read_dir(dest).ok()?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !crate::discover::is_folder_litter(n) && n != ".git")
        .collect();
    if names.is_empty() {
        return None;
    }
    names.sort();
    let count = names.len();
    let shown: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
    let more = if count > 3 { format!(" and {} more", count - 3) } else { String::new() };
    Some(format!("{}{more}", shown.join(", ")))
}

/// Writes `site` to `dest` through a staging folder and an atomic swap. Gives what the
/// user had put where the site writes, kept.
pub fn write_swap(site: &Site, dest: &Path, config: &Config) -> Result<Kept, WriteError> {
    use rayon::prelude::*;
    let staging = Staging::begin(dest, config)?;
    site.files.par_iter().try_for_each(|(rel, bytes)| staging.put(rel, bytes))?;
    staging.commit().map(|(_, kept)| kept)
}

/// What the user put at a site path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    File,
    Folder,
    Symlink,
}

impl Entry {
    fn of(kind: fs::FileType) -> Entry {
        if kind.is_symlink() {
            Entry::Symlink
        } else if kind.is_dir() {
            Entry::Folder
        } else {
            Entry::File
        }
    }
}

/// The user's entries found where the site writes, and left there: by site path, what
/// each is and the site paths of docportal's files it stands in for (its own path, or
/// the files below it when the site needs a folder there). None of those is published
/// or listed in the manifest, so the next write finds the entry the user's again.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Kept(BTreeMap<String, (Entry, BTreeSet<String>)>);

impl Kept {
    fn add(&mut self, spot: &str, entry: Entry, ours: impl IntoIterator<Item = String>) {
        self.0.entry(spot.to_string()).or_insert_with(|| (entry, BTreeSet::new())).1.extend(ours);
    }

    /// The user's entry at site path `rel` or at a folder above it: its site path and kind.
    fn spot_of(&self, rel: &str) -> Option<(&str, Entry)> {
        let above = rel.match_indices('/').map(|(i, _)| &rel[..i]);
        above.chain([rel]).find_map(|p| self.0.get_key_value(p)).map(|(spot, (entry, _))| (spot.as_str(), *entry))
    }

    /// True when docportal's file at site path `rel` is not published: the user's entry
    /// stands there.
    pub fn holds(&self, rel: &str) -> bool {
        self.spot_of(rel).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The site paths of the user's entries.
    pub fn spots(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// A warning for each entry, which names it from the project root (in full when
    /// `dest` is outside it).
    pub fn warnings(&self, dest: &Path, config: &Config) -> Vec<Diagnostic> {
        self.0
            .iter()
            .map(|(spot, (entry, ours))| {
                let shown = config.shown(&dest.join(spot));
                let what = match entry {
                    Entry::File => "file",
                    Entry::Folder => "folder",
                    Entry::Symlink => "symlink",
                };
                let theirs = match ours.first() {
                    Some(only) if ours.len() == 1 && only == spot => {
                        let name = spot.rsplit('/').next().unwrap_or(spot);
                        format!("docportal's own `{name}` is not published")
                    }
                    Some(only) if ours.len() == 1 => format!("docportal's `{only}` is not published"),
                    _ => format!("docportal's {} files under `{spot}/` are not published", ours.len()),
                };
                let message =
                    format!("kept the {what} you put here; {theirs} (delete or move yours to publish docportal's)");
                Diagnostic::warning(shown, None, message).in_project()
            })
            .collect()
    }
}

/// The user's entry at site path `rel` in `dest`, or above it, that a write there must
/// leave alone: whatever stands at `rel` unless it is a regular file `listed` in the
/// manifest (docportal's), and above it anything but a folder (a symlink would take the
/// write out of the site) unless a listed file. Gives its site path and kind.
/// `folders`: paths found to be folders already, not looked at again.
fn users_entry(
    dest: &Path,
    rel: &str,
    listed: &impl Fn(&str) -> bool,
    folders: &mut HashSet<String>,
) -> Option<(String, Entry)> {
    for (i, _) in rel.match_indices('/') {
        let above = &rel[..i];
        if folders.contains(above) {
            continue;
        }
        // Nothing there: nothing below it either.
        let kind = fs::symlink_metadata(dest.join(above)).ok()?.file_type();
        if !kind.is_dir() {
            return (!(kind.is_file() && listed(above))).then(|| (above.to_string(), Entry::of(kind)));
        }
        folders.insert(above.to_string());
    }
    let kind = fs::symlink_metadata(dest.join(rel)).ok()?.file_type();
    (!(kind.is_file() && listed(rel))).then(|| (rel.to_string(), Entry::of(kind)))
}

/// A site being written file by file into a staging folder beside `dest`, swapped in by
/// [`Staging::commit`]; dropped without a commit, it leaves `dest` as it was. A build
/// can stream its pages here and keep none of them in memory.
///
/// A file whose bytes equal those of the same path in the current `dest` is hard-linked
/// from there instead of written: a rebuild that changes little writes little, and an
/// unchanged file keeps its modification time (good for rsync and HTTP caches). The
/// old site is deleted after the swap, so no inode stays shared with anything. A path
/// put twice holds the later bytes.
pub struct Staging {
    dest: PathBuf,
    dir: PathBuf,
    /// `dest` when it is a folder already: where unchanged files are linked from.
    previous: Option<PathBuf>,
    /// Site paths written so far.
    written: Mutex<BTreeSet<String>>,
    /// Folders already created under `dir`.
    folders: Mutex<HashSet<PathBuf>>,
    committed: bool,
}

impl Staging {
    pub fn begin(dest: &Path, config: &Config) -> Result<Staging, WriteError> {
        check_destination(dest, config)?;
        let parent = dest.parent().ok_or_else(|| err(dest, "destination has no parent folder"))?;
        fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
        // A new folder, never one left behind: an interrupted build may have moved
        // the user's files into its staging folder (see `commit`).
        let dir = new_folder_beside(dest, "staging")?;
        Ok(Staging {
            dest: dest.to_path_buf(),
            previous: dest.is_dir().then(|| dest.to_path_buf()),
            dir,
            written: Mutex::default(),
            folders: Mutex::default(),
            committed: false,
        })
    }

    /// Writes (or replaces) the file at site path `rel`.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let path = self.claim(rel)?;
        let linked = self.previous_file(rel).is_some_and(|(old, len)| {
            len == bytes.len() as u64
                && fs::read(&old).is_ok_and(|held| held == bytes)
                && fs::hard_link(&old, &path).is_ok()
        });
        if linked {
            return Ok(());
        }
        fs::write(&path, bytes).map_err(|e| err(&path, e))
    }

    /// Carries the file at site path `rel` over from the current destination without
    /// reading it (a hard link), for a caller that knows it would write the same bytes
    /// and has just found it, by its `lstat`, to be the regular file it recorded
    /// ([`crate::fresh::PreviousPages::holds`]): it is not looked at again (one `statx`
    /// less per carried page). False when it cannot be linked (gone since): the caller
    /// writes it.
    pub fn keep_previous(&self, rel: &str) -> Result<bool, WriteError> {
        let Some(old) = self.previous.as_ref().and_then(|p| safe_join(p, rel).ok()) else { return Ok(false) };
        let path = self.claim(rel)?;
        Ok(fs::hard_link(&old, &path).is_ok())
    }

    /// The regular file at site path `rel` in the current destination, if any, and its
    /// length: what an unchanged file is hard-linked from.
    fn previous_file(&self, rel: &str) -> Option<(PathBuf, u64)> {
        let old = safe_join(self.previous.as_ref()?, rel).ok()?;
        let meta = fs::symlink_metadata(&old).ok().filter(fs::Metadata::is_file)?;
        Some((old, meta.len()))
    }

    /// The staging path of site path `rel`, ready to be created: its folder exists and
    /// a file put there before is gone.
    fn claim(&self, rel: &str) -> Result<PathBuf, WriteError> {
        let path = safe_join(&self.dir, rel)?;
        let again = !lock(&self.written).insert(rel.to_string());
        if again {
            // It may be a hard link into the old site: replace the link, never write
            // through it. Missing, it was claimed by a link that failed.
            match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(err(&path, e)),
                _ => {}
            }
        } else if let Some(folder) = path.parent() {
            if !lock(&self.folders).contains(folder) {
                fs::create_dir_all(folder).map_err(|e| err(folder, e))?;
                lock(&self.folders).insert(folder.to_path_buf());
            }
        }
        Ok(path)
    }

    /// [`Staging::put`] for a file too big to hold in memory: `write` streams it out.
    /// Returns the file's path in the staging folder, for a caller that reads it back.
    pub fn put_with(
        &self,
        rel: &str,
        write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<PathBuf, WriteError> {
        let path = self.claim(rel)?;
        let mut out = io::BufWriter::new(fs::File::create(&path).map_err(|e| err(&path, e))?);
        write(&mut out).and_then(|()| io::Write::flush(&mut out)).map_err(|e| err(&path, e))?;
        drop(out);
        let old = self.previous.as_ref().and_then(|p| safe_join(p, rel).ok());
        if let Some(old) = old.filter(|old| same_file_content(old, &path)) {
            let linked = path.with_extension("docportal-link");
            if fs::hard_link(&old, &linked).is_ok() && fs::rename(&linked, &path).is_err() {
                let _ = fs::remove_file(&linked);
            }
        }
        Ok(path)
    }

    /// Takes back the file at site path `rel`, if one was put.
    pub fn remove(&self, rel: &str) -> Result<(), WriteError> {
        if lock(&self.written).remove(rel) {
            let path = safe_join(&self.dir, rel)?;
            fs::remove_file(&path).map_err(|e| err(&path, e))?;
        }
        Ok(())
    }

    pub fn contains(&self, rel: &str) -> bool {
        lock(&self.written).contains(rel)
    }

    /// Carries over the files the user put in `dest`, writes the manifest and swaps the
    /// staging folder in ([`swap_in`]). The site it replaced is deleted when the
    /// [`ReplacedSite`] returned is dropped, so the caller can let that run beside other
    /// work; the [`Kept`] says where the user's entries took the place of the site's.
    pub fn commit(mut self) -> Result<(ReplacedSite, Kept), WriteError> {
        let mut written = std::mem::take(&mut *lock(&self.written));
        let dest = self.dest.clone();
        if !dest.exists() {
            write_manifest(written.iter(), &self.dir)?;
            fs::rename(&self.dir, &dest).map_err(|e| err(&dest, e))?;
            self.committed = true;
            return Ok((ReplacedSite(None), Kept::default()));
        }
        if !dest.is_dir() {
            return Err(err(&dest, "destination exists and is not a folder"));
        }
        check_destination_content(&dest)?;
        let (moved, kept) = self.carry_over_foreign_entries(&written)?;
        written.retain(|rel| !kept.holds(rel));
        let swapped = write_manifest(written.iter(), &self.dir).and_then(|()| swap_in(&self.dir, &dest));
        match swapped {
            Ok(old) => {
                self.committed = true;
                Ok((ReplacedSite(Some(old)), kept))
            }
            Err(e) => Err(self.put_back(&moved).map_or(e, |kept| kept)),
        }
    }

    /// Moves the entries the user put in the destination (all but the regular files the
    /// old manifest lists) into the staging folder, so the swap keeps them as they are:
    /// symlinks, permissions, hard links and whole folders (a `.git`) move, nothing is
    /// copied. One at a path the new site writes takes the place of docportal's file (or
    /// folder) there. Gives each move, for [`Staging::put_back`], and the places taken.
    /// A folder holding no site file moves whole; one holding some is entered.
    fn carry_over_foreign_entries(
        &mut self,
        written: &BTreeSet<String>,
    ) -> Result<(Vec<(PathBuf, PathBuf)>, Kept), WriteError> {
        let dest = self.dest.clone();
        let ours = read_manifest(&dest);
        let mut site_folders: HashSet<&str> = HashSet::new();
        for rel in ours.iter().chain(written) {
            let mut rest = rel.as_str();
            while let Some((folder, _)) = rest.rsplit_once('/') {
                if !site_folders.insert(folder) {
                    break;
                }
                rest = folder;
            }
        }
        let mut moved = Vec::new();
        let mut kept = Kept::default();
        let mut walk = walkdir::WalkDir::new(&dest).min_depth(1).sort_by_file_name().into_iter();
        while let Some(entry) = walk.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let e = err(&dest, e);
                    return Err(self.put_back(&moved).map_or(e, |kept| kept));
                }
            };
            let rel = crate::discover::rel_path(&dest, entry.path());
            let kind = entry.file_type();
            if kind.is_dir() && site_folders.contains(rel.as_str()) {
                continue;
            }
            if kind.is_dir() {
                walk.skip_current_dir();
            } else if rel == MANIFEST || kind.is_file() && ours.contains(&rel) {
                continue;
            }
            let target = self.dir.join(&rel);
            let made = self.make_room(&rel, written).and_then(|taken| {
                if let Some((spot, ours)) = taken {
                    // Above `rel`, the folder the walk entered.
                    let entry = if spot == rel { Entry::of(kind) } else { Entry::Folder };
                    kept.add(&spot, entry, ours);
                }
                match target.parent() {
                    Some(p) => fs::create_dir_all(p).map_err(|e| err(p, e)),
                    None => Ok(()),
                }
            });
            if let Err(e) = made.and_then(|()| fs::rename(entry.path(), &target).map_err(|e| err(entry.path(), e))) {
                return Err(self.put_back(&moved).map_or(e, |stuck| stuck));
            }
            moved.push((entry.path().to_path_buf(), target));
        }
        Ok((moved, kept))
    }

    /// Clears the staging path of site path `rel` for the user's entry to move in: what
    /// docportal staged there, or a file of its where `rel` needs a folder, is taken
    /// out. Gives the site path it stood at and the site paths it held, if any. Only
    /// docportal's files can be there: the walk moves an entry before what is below it.
    fn make_room(&self, rel: &str, written: &BTreeSet<String>) -> Result<Option<(String, Vec<String>)>, WriteError> {
        let mut spot = rel;
        for (i, _) in rel.match_indices('/') {
            match fs::symlink_metadata(self.dir.join(&rel[..i])) {
                Ok(meta) if meta.is_dir() => continue,
                Ok(_) => spot = &rel[..i],
                Err(_) => {}
            }
            break;
        }
        let path = self.dir.join(spot);
        let removed = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(&path),
            Ok(_) => fs::remove_file(&path),
            Err(_) => Ok(()),
        };
        removed.map_err(|e| err(&path, e))?;
        let below = format!("{spot}/");
        let ours =
            written.get(spot).into_iter().chain(written.range(below.clone()..).take_while(|p| p.starts_with(&below)));
        let ours: Vec<String> = ours.cloned().collect();
        Ok((!ours.is_empty()).then(|| (spot.to_string(), ours)))
    }

    /// Undoes [`Staging::carry_over_foreign_entries`]'s moves, latest first. An entry
    /// that cannot go back is left in the staging folder, which is then kept: the
    /// error says where.
    fn put_back(&mut self, moved: &[(PathBuf, PathBuf)]) -> Option<WriteError> {
        let stuck = moved.iter().rev().filter(|(home, there)| fs::rename(there, home).is_err()).count();
        if stuck == 0 {
            return None;
        }
        self.committed = true;
        Some(err(
            &self.dest,
            format!(
                "the build failed, and {stuck} of the files you put in this folder could not be moved back: they are in {}",
                self.dir.display()
            ),
        ))
    }
}

/// [`check_destination`]'s look inside, for a destination that appeared after the
/// build began.
fn check_destination_content(dest: &Path) -> Result<(), WriteError> {
    match foreign_content(dest) {
        Some(found) => Err(err(dest, format!("refusing to replace a folder that holds {found} and no {MANIFEST}"))),
        None => Ok(()),
    }
}

/// Puts the folder `new` in place of the folder `dest` and gives where the site it
/// replaced now is. On Linux one `renameat2(RENAME_EXCHANGE)` swaps the two at once,
/// so `dest` is never missing: not to a web server reading it during the build, nor
/// after a crash. Elsewhere, or on a file system that cannot exchange, two renames,
/// between which `dest` is briefly absent.
fn swap_in(new: &Path, dest: &Path) -> Result<PathBuf, WriteError> {
    #[cfg(target_os = "linux")]
    match exchange(new, dest) {
        Ok(()) => return Ok(new.to_path_buf()),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)) => {}
        Err(e) => return Err(err(dest, e)),
    }
    let old = new_folder_beside(dest, "old")?;
    fs::remove_dir(&old).map_err(|e| err(&old, e))?;
    fs::rename(dest, &old).map_err(|e| err(dest, e))?;
    if let Err(e) = fs::rename(new, dest) {
        let _ = fs::rename(&old, dest);
        return Err(err(dest, e));
    }
    Ok(old)
}

/// Swaps the entries at paths `a` and `b` atomically (both must exist).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (a, b) = (CString::new(a.as_os_str().as_bytes())?, CString::new(b.as_os_str().as_bytes())?);
    // SAFETY: both are NUL-terminated paths that outlive the call; nothing else is passed.
    let done =
        unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The site a [`Staging::commit`] replaced, moved aside beside the destination; deleted
/// when dropped, a folder per thread (at 10,000 docs, unlinking its files one by one
/// took 0.12 s).
pub struct ReplacedSite(Option<PathBuf>);

impl Drop for ReplacedSite {
    fn drop(&mut self) {
        use rayon::prelude::*;
        let Some(old) = self.0.take() else { return };
        if let Ok(entries) = fs::read_dir(&old) {
            entries.flatten().map(|e| e.path()).collect::<Vec<_>>().par_iter().for_each(|path| {
                if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
                    let _ = fs::remove_dir_all(path);
                } else {
                    let _ = fs::remove_file(path);
                }
            });
        }
        let _ = fs::remove_dir_all(old);
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Creates `.NAME.WHAT-PID` beside `dest` (`-PID-2`, `-PID-3`… when that exists).
fn new_folder_beside(dest: &Path, what: &str) -> Result<PathBuf, WriteError> {
    let parent = dest.parent().ok_or_else(|| err(dest, "destination has no parent folder"))?;
    let base = format!(".{}.{what}-{}", folder_name(dest), std::process::id());
    for n in 1..1000 {
        let dir = if n == 1 { parent.join(&base) } else { parent.join(format!("{base}-{n}")) };
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(err(&dir, e)),
        }
    }
    Err(err(parent, format!("cannot create a {what} folder: too many `{base}-N` left behind")))
}

fn folder_name(dest: &Path) -> String {
    dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "site".into())
}

/// What an in-place update did.
#[derive(Debug, Default)]
pub struct Written {
    /// Site paths whose file was written or deleted.
    pub changed: Vec<String>,
    /// Where the user's entries stand in for docportal's files, left as they were.
    pub kept: Kept,
}

/// Updates `dest` in place: writes files whose bytes differ (each through a temp file
/// and a rename), deletes files the previous manifest listed that the site no longer
/// has, and leaves what the user put where the site writes (see the module's rule).
pub fn update_in_place(site: &Site, dest: &Path, config: &Config) -> Result<Written, WriteError> {
    check_destination(dest, config)?;
    fs::create_dir_all(dest).map_err(|e| err(dest, e))?;
    let previous = read_manifest(dest);
    let listed = |rel: &str| previous.contains(rel);
    let mut kept = Kept::default();
    let mut folders = HashSet::new();
    let mut to_write = Vec::new();
    for (rel, bytes) in &site.files {
        if let Some((spot, entry)) = users_entry(dest, rel, &listed, &mut folders) {
            kept.add(&spot, entry, [rel.clone()]);
            continue;
        }
        let path = safe_join(dest, rel)?;
        if !fs::read(&path).is_ok_and(|old| &old == bytes) {
            to_write.push((rel, bytes));
        }
    }
    let going: Vec<&String> = previous.iter().filter(|rel| !site.files.contains_key(*rel)).collect();
    let new_paths = to_write.iter().any(|(rel, _)| !listed(rel));
    write_in_place(site, dest, kept, to_write, going, (new_paths, true))
}

/// What the previous [`update_in_place`] or [`update_from`] left in the destination,
/// split the way an incremental build knows it.
pub struct OnDisk<'a> {
    /// Paths whose bytes are known to be on disk already, unchanged.
    pub unchanged: &'a HashSet<String>,
    /// Every other file the previous site had, with its bytes.
    pub others: &'a Site,
    /// Where that write found the user's entries: the site's files there are not on disk.
    pub kept: &'a Kept,
}

/// [`update_in_place`] for a destination whose content is known (`on_disk`), so nothing
/// is read back: writes the files of `site` that are new or differ from `on_disk.others`,
/// deletes the files of `on_disk.others` that `site` no longer has, and rewrites the
/// manifest when the set of paths changed. Only a new path, and one the user's entry
/// held, is looked at on disk: the user may have put something there, or taken theirs
/// away (docportal's is then written).
pub fn update_from(site: &Site, on_disk: OnDisk, dest: &Path, config: &Config) -> Result<Written, WriteError> {
    check_destination(dest, config)?;
    let listed = |rel: &str| {
        (on_disk.unchanged.contains(rel) || on_disk.others.files.contains_key(rel)) && !on_disk.kept.holds(rel)
    };
    let mut kept = Kept::default();
    let mut folders = HashSet::new();
    let mut new_paths = false;
    let mut to_write: Vec<(&String, &Vec<u8>)> = Vec::new();
    for (rel, bytes) in &site.files {
        if let Some((spot, entry)) = on_disk.kept.spot_of(rel) {
            if fs::symlink_metadata(dest.join(spot)).is_ok() {
                kept.add(spot, entry, [rel.clone()]);
                continue;
            }
            new_paths = true;
        } else if !listed(rel) {
            if let Some((spot, entry)) = users_entry(dest, rel, &listed, &mut folders) {
                kept.add(&spot, entry, [rel.clone()]);
                continue;
            }
            new_paths = true;
        } else if on_disk.unchanged.contains(rel) || on_disk.others.files.get(rel).is_some_and(|old| old == bytes) {
            continue;
        }
        to_write.push((rel, bytes));
    }
    let going: Vec<&String> =
        on_disk.others.files.keys().filter(|rel| !site.files.contains_key(*rel) && listed(rel)).collect();
    write_in_place(site, dest, kept, to_write, going, (new_paths, false))
}

/// The writing half of [`update_in_place`] and [`update_from`], in the order that keeps
/// the manifest true at every step: when `new_paths`, it first lists the site's paths
/// (but those `kept`) and the files `going`, so an interrupted update never leaves a
/// file of docportal's unlisted; then `to_write` is written, docportal's files `going`
/// are deleted, and the manifest is written as the site now is (when anything went,
/// or when `rewrite`).
fn write_in_place(
    site: &Site,
    dest: &Path,
    kept: Kept,
    to_write: Vec<(&String, &Vec<u8>)>,
    going: Vec<&String>,
    (new_paths, rewrite): (bool, bool),
) -> Result<Written, WriteError> {
    use rayon::prelude::*;
    let ours = || site.files.keys().filter(|rel| !kept.holds(rel));
    if new_paths {
        write_manifest(ours().chain(going.iter().copied()).collect::<BTreeSet<_>>().into_iter(), dest)?;
    }
    to_write.par_iter().try_for_each(|(rel, bytes)| write_atomically(&safe_join(dest, rel)?, bytes))?;
    let mut changed: Vec<String> = to_write.into_iter().map(|(rel, _)| rel.clone()).collect();
    changed.extend(going.iter().filter(|rel| remove_ours(dest, rel)).map(|rel| (*rel).clone()));
    if rewrite || !going.is_empty() {
        write_manifest(ours(), dest)?;
    }
    Ok(Written { changed, kept })
}

/// Deletes docportal's file at site path `rel` and the folders it leaves empty; true
/// when there was one. Anything but a regular file there is the user's, and stays.
fn remove_ours(dest: &Path, rel: &str) -> bool {
    let Ok(path) = safe_join(dest, rel) else { return false };
    let ours = fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file());
    if !(ours && fs::remove_file(&path).is_ok()) {
        return false;
    }
    remove_empty_parents(dest, &path);
    true
}

/// True when `old` is a regular file (not a link) with the bytes of the file `new`,
/// compared a block at a time.
fn same_file_content(old: &Path, new: &Path) -> bool {
    use std::io::Read;
    let (Ok(a), Ok(b)) = (fs::symlink_metadata(old), fs::metadata(new)) else { return false };
    if !a.is_file() || a.len() != b.len() {
        return false;
    }
    let (Ok(mut a), Ok(mut b)) = (fs::File::open(old), fs::File::open(new)) else { return false };
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = match a.read(&mut x) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 {
            return true;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
    }
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|e| err(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        err(path, e)
    })
}

/// Joins a site path to a folder, refusing anything that could leave it.
pub(crate) fn safe_join(dir: &Path, rel: &str) -> Result<PathBuf, WriteError> {
    let mut out = dir.to_path_buf();
    for seg in rel.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\') || seg.contains(':') && cfg!(windows) {
            return Err(err(dir, format!("refusing to write outside the site: `{rel}`")));
        }
        out.push(seg);
    }
    Ok(out)
}

/// The site paths the last write into `dir` recorded (empty when there is no manifest).
pub fn read_manifest(dir: &Path) -> BTreeSet<String> {
    fs::read_to_string(dir.join(MANIFEST))
        .map(|t| t.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect())
        .unwrap_or_default()
}

fn write_manifest<'a>(paths: impl Iterator<Item = &'a String>, dir: &Path) -> Result<(), WriteError> {
    let mut text = String::from("# Files written by docportal; it deletes only these.\n");
    for rel in paths {
        text.push_str(rel);
        text.push('\n');
    }
    write_atomically(&dir.join(MANIFEST), text.as_bytes())
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

impl From<WriteError> for io::Error {
    fn from(e: WriteError) -> io::Error {
        io::Error::other(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> Site {
        Site { files: files.iter().map(|(p, b)| (p.to_string(), b.as_bytes().to_vec())).collect() }
    }

    fn config(root: &Path) -> Config {
        Config::default_at(root)
    }

    /// The names in `dir`, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn swap_replaces_our_files_and_keeps_foreign_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        write_swap(&site(&[("a.html", "1"), ("x/b.html", "2")]), &dest, &cfg).unwrap();
        fs::write(dest.join("CNAME"), "docs.acme.io").unwrap();
        write_swap(&site(&[("a.html", "3")]), &dest, &cfg).unwrap();
        assert_eq!(fs::read_to_string(dest.join("a.html")).unwrap(), "3");
        assert!(!dest.join("x/b.html").exists());
        assert_eq!(fs::read_to_string(dest.join("CNAME")).unwrap(), "docs.acme.io");
        assert_eq!(names_in(tmp.path()), ["book"]);
    }

    /// The replaced site stays beside the destination, out of the way, until the value
    /// the commit returns is dropped; then nothing but the new site is left.
    #[test]
    fn the_replaced_site_is_deleted_when_its_handle_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        write_swap(&site(&[("a.html", "1")]), &dest, &cfg).unwrap();
        let staging = Staging::begin(&dest, &cfg).unwrap();
        staging.put("a.html", b"2").unwrap();
        let replaced = staging.commit().unwrap();
        assert_eq!(fs::read_to_string(dest.join("a.html")).unwrap(), "2");
        let entries = || fs::read_dir(tmp.path()).unwrap().count();
        assert_eq!(entries(), 2, "the new site and the old one, moved aside");
        drop(replaced);
        assert_eq!(entries(), 1, "only the new site");
    }

    #[test]
    #[cfg(unix)]
    fn swap_reuses_unchanged_files_and_rewrites_changed_ones() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        write_swap(&site(&[("same.html", "kept"), ("x/edit.html", "old")]), &dest, &cfg).unwrap();
        let inode = |rel: &str| fs::metadata(dest.join(rel)).unwrap().ino();
        let (same_before, edit_before) = (inode("same.html"), inode("x/edit.html"));
        write_swap(&site(&[("same.html", "kept"), ("x/edit.html", "new")]), &dest, &cfg).unwrap();
        assert_eq!(inode("same.html"), same_before, "unchanged file is the same file");
        assert_ne!(inode("x/edit.html"), edit_before);
        assert_eq!(fs::read_to_string(dest.join("x/edit.html")).unwrap(), "new");
        assert_eq!(fs::metadata(dest.join("same.html")).unwrap().nlink(), 1, "the old site is gone");
    }

    /// Everything a user put in a site folder survives a rebuild as it was, moved rather
    /// than copied: a symlink (it was dropped when only regular files were copied), an
    /// empty folder, a folder holding a symlink (a `.git`), a file beside site files.
    #[cfg(unix)]
    #[test]
    fn what_the_user_added_is_kept_exactly_symlinks_and_folders_too() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        write_swap(&site(&[("index.html", "1"), ("assets/a.css", "2")]), &dest, &cfg).unwrap();
        std::os::unix::fs::symlink("index.html", dest.join("home.html")).unwrap();
        fs::create_dir_all(dest.join("empty")).unwrap();
        fs::create_dir_all(dest.join(".git/refs")).unwrap();
        fs::write(dest.join(".git/HEAD"), "ref: refs/heads/gh-pages\n").unwrap();
        std::os::unix::fs::symlink("../HEAD", dest.join(".git/refs/link")).unwrap();
        fs::write(dest.join("assets/custom.css"), "mine").unwrap();
        let inode = fs::metadata(dest.join(".git/HEAD")).unwrap().ino();

        write_swap(&site(&[("index.html", "3"), ("assets/b.css", "4")]), &dest, &cfg).unwrap();
        assert_eq!(fs::read_to_string(dest.join("index.html")).unwrap(), "3");
        assert!(!dest.join("assets/a.css").exists());
        assert_eq!(fs::read_link(dest.join("home.html")).unwrap(), Path::new("index.html"));
        assert!(dest.join("empty").is_dir());
        assert_eq!(fs::read_link(dest.join(".git/refs/link")).unwrap(), Path::new("../HEAD"));
        assert_eq!(fs::metadata(dest.join(".git/HEAD")).unwrap().ino(), inode, "moved, not copied");
        assert_eq!(fs::read_to_string(dest.join("assets/custom.css")).unwrap(), "mine");
        assert_eq!(names_in(tmp.path()), ["book"], "no staging or old folder left behind");
    }

    /// A commit that fails after carrying the user's files over puts them back.
    #[cfg(unix)]
    #[test]
    fn carried_over_entries_go_back_when_the_swap_fails() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        write_swap(&site(&[("index.html", "1")]), &dest, &cfg).unwrap();
        fs::write(dest.join("CNAME"), "docs.acme.io").unwrap();
        std::os::unix::fs::symlink("index.html", dest.join("home.html")).unwrap();
        fs::create_dir_all(dest.join("img")).unwrap();
        fs::write(dest.join("img/logo.svg"), "<svg/>").unwrap();
        let mut staging = Staging::begin(&dest, &cfg).unwrap();
        staging.put("index.html", b"2").unwrap();
        let written = std::mem::take(&mut *lock(&staging.written));
        let (moved, kept) = staging.carry_over_foreign_entries(&written).unwrap();
        assert_eq!(moved.len(), 3, "{moved:?}");
        assert!(kept.is_empty());
        assert!(!dest.join("CNAME").exists());
        assert!(staging.put_back(&moved).is_none());
        drop(staging);
        assert_eq!(fs::read_to_string(dest.join("CNAME")).unwrap(), "docs.acme.io");
        assert_eq!(fs::read_link(dest.join("home.html")).unwrap(), Path::new("index.html"));
        assert_eq!(fs::read_to_string(dest.join("img/logo.svg")).unwrap(), "<svg/>");
        assert_eq!(fs::read_to_string(dest.join("index.html")).unwrap(), "1");
        assert_eq!(names_in(tmp.path()), ["book"]);
    }

    /// A folder docportal did not write is never taken over: `-d ~` by mistake once
    /// replaced a home folder with a copy of its regular files. An empty one, or one
    /// holding only what a file browser leaves, is fine.
    #[test]
    fn a_folder_docportal_did_not_write_is_refused_unless_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(&tmp.path().join("portal"));
        let home = tmp.path().join("home");
        fs::create_dir_all(home.join(".cargo")).unwrap();
        fs::write(home.join(".bashrc"), "x").unwrap();
        fs::write(home.join("notes.txt"), "x").unwrap();
        let refused = write_swap(&site(&[("index.html", "1")]), &home, &cfg).unwrap_err();
        assert!(refused.message.contains("`.bashrc`, `.cargo`, `notes.txt`"), "{refused}");
        assert!(refused.message.contains("no .docportal-manifest"), "{refused}");
        assert!(!home.join("index.html").exists() && home.join(".bashrc").exists());
        assert_eq!(names_in(tmp.path()), ["home"], "nothing staged beside it");

        let finder = tmp.path().join("finder");
        fs::create_dir_all(&finder).unwrap();
        fs::write(finder.join(".DS_Store"), "x").unwrap();
        write_swap(&site(&[("index.html", "1")]), &finder, &cfg).unwrap();
        assert!(finder.join("index.html").exists() && finder.join(".DS_Store").exists());
        let empty = tmp.path().join("empty");
        fs::create_dir_all(&empty).unwrap();
        write_swap(&site(&[("index.html", "1")]), &empty, &cfg).unwrap();
        assert!(empty.join("index.html").exists());
        // A `gh-pages` worktree, built into for the first time: its `.git` file stays.
        let pages = tmp.path().join("pages");
        fs::create_dir_all(&pages).unwrap();
        fs::write(pages.join(".git"), "gitdir: /repo/.git/worktrees/pages\n").unwrap();
        write_swap(&site(&[("index.html", "1")]), &pages, &cfg).unwrap();
        assert!(pages.join("index.html").exists());
        assert_eq!(fs::read_to_string(pages.join(".git")).unwrap(), "gitdir: /repo/.git/worktrees/pages\n");
    }

    #[test]
    fn dangerous_destinations_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        fs::create_dir_all(tmp.path().join("content")).unwrap();
        for dest in [tmp.path().to_path_buf(), tmp.path().join("content"), tmp.path().parent().unwrap().to_path_buf()] {
            assert!(write_swap(&site(&[("a.html", "1")]), &dest, &cfg).is_err(), "{}", dest.display());
        }
    }

    #[test]
    fn in_place_update_touches_only_changed_files() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        update_in_place(&site(&[("a.html", "1"), ("b.html", "2")]), &dest, &cfg).unwrap();
        let changed = update_in_place(&site(&[("a.html", "1"), ("c/d.html", "4")]), &dest, &cfg).unwrap().changed;
        assert_eq!(changed, vec!["c/d.html".to_string(), "b.html".to_string()]);
        assert!(!dest.join("b.html").exists());
    }

    #[test]
    fn update_from_known_content_writes_only_what_differs_and_deletes_what_is_gone() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        let first = site(&[("a.html", "1"), ("b.html", "2"), ("c.html", "3")]);
        update_in_place(&first, &dest, &cfg).unwrap();
        // `a.html` is declared unchanged, so even a wrong byte on disk is left alone:
        // nothing is read back.
        fs::write(dest.join("a.html"), "hand-edited").unwrap();
        let next = site(&[("a.html", "1"), ("b.html", "2"), ("d/e.html", "5")]);
        let unchanged = HashSet::from(["a.html".to_string()]);
        let others = site(&[("b.html", "2"), ("c.html", "3")]);
        let on_disk = OnDisk { unchanged: &unchanged, others: &others, kept: &Kept::default() };
        let changed = update_from(&next, on_disk, &dest, &cfg).unwrap().changed;
        assert_eq!(changed, vec!["d/e.html".to_string(), "c.html".to_string()]);
        assert_eq!(fs::read_to_string(dest.join("a.html")).unwrap(), "hand-edited");
        assert!(!dest.join("c.html").exists());
        assert_eq!(fs::read_to_string(dest.join("d/e.html")).unwrap(), "5");
        let manifest = read_manifest(&dest);
        assert!(manifest.contains("d/e.html") && !manifest.contains("c.html"), "{manifest:?}");
    }

    /// A web server reading the site folder while builds replace it always finds it.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_site_folder_is_never_missing_while_a_build_swaps_it_in() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        write_swap(&site(&[("index.html", "0")]), &dest, &cfg).unwrap();
        let probe = tmp.path().join("probe");
        fs::create_dir(&probe).unwrap();
        if let Err(e) = exchange(&probe, &dest) {
            eprintln!("skipped: this file system cannot exchange two folders ({e}); the two renames are used");
            return;
        }
        exchange(&probe, &dest).unwrap();
        fs::remove_dir(&probe).unwrap();
        let before = names_in(tmp.path());
        let (stop, looks, missing) = (AtomicBool::new(false), AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Relaxed) {
                    looks.fetch_add(1, Relaxed);
                    if fs::symlink_metadata(dest.join("index.html")).is_err() {
                        missing.fetch_add(1, Relaxed);
                    }
                }
            });
            for build in 1..=200 {
                write_swap(&site(&[("index.html", &build.to_string())]), &dest, &cfg).unwrap();
            }
            stop.store(true, Relaxed);
        });
        assert!(looks.load(Relaxed) > 200, "the reader ran");
        assert_eq!(missing.load(Relaxed), 0, "the site folder was missing");
        assert_eq!(fs::read_to_string(dest.join("index.html")).unwrap(), "200");
        assert_eq!(names_in(tmp.path()), before, "every replaced site is deleted");
    }

    fn messages(kept: &Kept, dest: &Path, cfg: &Config) -> Vec<String> {
        kept.warnings(dest, cfg).iter().map(|d| d.render_human("content")).collect()
    }

    /// A `robots.txt` of the user's where the site starts writing one (the manifest does
    /// not list it) is theirs: kept as it is, build after build, with a warning, and
    /// left out of the manifest; deleted, docportal's comes back.
    #[cfg(unix)]
    #[test]
    fn a_file_the_user_put_where_the_site_writes_is_kept_and_not_listed() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        write_swap(&site(&[("index.html", "1")]), &dest, &cfg).unwrap();
        fs::write(dest.join("robots.txt"), "User-agent: *\nDisallow: /drafts/\n").unwrap();
        let inode = fs::metadata(dest.join("robots.txt")).unwrap().ino();
        let next = site(&[("index.html", "2"), ("robots.txt", "User-agent: *\nAllow: /\n")]);
        for build in 1..=2 {
            let kept = write_swap(&next, &dest, &cfg).unwrap();
            assert_eq!(
                fs::read(dest.join("robots.txt")).unwrap(),
                b"User-agent: *\nDisallow: /drafts/\n",
                "build {build}"
            );
            assert_eq!(fs::metadata(dest.join("robots.txt")).unwrap().ino(), inode, "moved, not copied");
            assert_eq!(fs::read_to_string(dest.join("index.html")).unwrap(), "2");
            assert_eq!(read_manifest(&dest), BTreeSet::from(["index.html".to_string()]), "build {build}");
            assert_eq!(
                messages(&kept, &dest, &cfg),
                ["book/robots.txt: warning: kept the file you put here; docportal's own `robots.txt` is not published (delete or move yours to publish docportal's)"]
            );
        }
        assert_eq!(names_in(tmp.path()), ["book"]);
        fs::remove_file(dest.join("robots.txt")).unwrap();
        assert!(write_swap(&next, &dest, &cfg).unwrap().is_empty());
        assert_eq!(fs::read_to_string(dest.join("robots.txt")).unwrap(), "User-agent: *\nAllow: /\n");
        assert!(read_manifest(&dest).contains("robots.txt"));
    }

    /// What the manifest lists is docportal's, even edited by hand: replaced, no warning.
    #[test]
    fn a_file_the_manifest_lists_is_replaced_even_when_edited_by_hand() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        let ours = site(&[("index.html", "1"), ("robots.txt", "ours")]);
        write_swap(&ours, &dest, &cfg).unwrap();
        fs::write(dest.join("robots.txt"), "edited").unwrap();
        assert!(write_swap(&ours, &dest, &cfg).unwrap().is_empty());
        assert_eq!(fs::read_to_string(dest.join("robots.txt")).unwrap(), "ours");
        assert!(read_manifest(&dest).contains("robots.txt"));
    }

    /// A folder or a symlink where the site writes a file, a file where it needs a folder:
    /// each is kept as it was, docportal's files there are not published, and the build
    /// says so. Nothing of the user's is lost, and nothing is left beside the site.
    #[cfg(unix)]
    #[test]
    fn a_folder_or_a_symlink_where_the_site_writes_a_file_is_kept_and_the_reverse_too() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        let first = [("index.html", "1"), ("404.html", "2"), ("assets/a.css", "3"), ("guide/index.html", "4")];
        write_swap(&site(&first), &dest, &cfg).unwrap();
        // A symlink in place of a file docportal wrote.
        fs::remove_file(dest.join("404.html")).unwrap();
        std::os::unix::fs::symlink("index.html", dest.join("404.html")).unwrap();
        // A folder where the site is about to write a file.
        fs::create_dir_all(dest.join("feed.xml")).unwrap();
        fs::write(dest.join("feed.xml/notes.txt"), "mine").unwrap();
        // A file in place of a folder of the site.
        fs::remove_dir_all(dest.join("assets")).unwrap();
        fs::write(dest.join("assets"), "my assets").unwrap();
        // Something of the user's in a folder that the site turns into a file.
        fs::write(dest.join("guide/notes.txt"), "my guide").unwrap();

        let next = [
            ("index.html", "5"),
            ("404.html", "6"),
            ("feed.xml", "7"),
            ("assets/a.css", "8"),
            ("assets/b.css", "9"),
            ("guide", "10"),
        ];
        let kept = write_swap(&site(&next), &dest, &cfg).unwrap();
        assert_eq!(fs::read_link(dest.join("404.html")).unwrap(), Path::new("index.html"));
        assert_eq!(fs::read_to_string(dest.join("feed.xml/notes.txt")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(dest.join("assets")).unwrap(), "my assets");
        assert_eq!(fs::read_to_string(dest.join("guide/notes.txt")).unwrap(), "my guide");
        assert!(!dest.join("guide/index.html").exists(), "docportal's old page goes");
        assert_eq!(fs::read_to_string(dest.join("index.html")).unwrap(), "5");
        assert_eq!(read_manifest(&dest), BTreeSet::from(["index.html".to_string()]));
        assert_eq!(
            messages(&kept, &dest, &cfg),
            [
                "book/404.html: warning: kept the symlink you put here; docportal's own `404.html` is not published (delete or move yours to publish docportal's)",
                "book/assets: warning: kept the file you put here; docportal's 2 files under `assets/` are not published (delete or move yours to publish docportal's)",
                "book/feed.xml: warning: kept the folder you put here; docportal's own `feed.xml` is not published (delete or move yours to publish docportal's)",
                "book/guide: warning: kept the folder you put here; docportal's own `guide` is not published (delete or move yours to publish docportal's)",
            ]
        );
        assert_eq!(names_in(tmp.path()), ["book"]);
        // The next build finds them all the user's again.
        let again = write_swap(&site(&next), &dest, &cfg).unwrap();
        assert_eq!(again, kept);
        assert_eq!(fs::read_to_string(dest.join("assets")).unwrap(), "my assets");
    }

    /// Serve's writes keep the rule: a file the user put where the site writes is left
    /// as it is and not listed, by the first write (which looks at every path) and by
    /// the incremental ones (which look only at new paths and at the kept ones).
    #[test]
    fn in_place_updates_leave_what_the_user_put_where_the_site_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg = config(tmp.path());
        let dest = tmp.path().join("book");
        update_in_place(&site(&[("a.html", "1"), ("b.html", "2")]), &dest, &cfg).unwrap();
        fs::write(dest.join("b.html"), "edited").unwrap();
        fs::write(dest.join("c.html"), "mine").unwrap();
        let first = site(&[("a.html", "1"), ("b.html", "2"), ("c.html", "3")]);
        let written = update_in_place(&first, &dest, &cfg).unwrap();
        assert_eq!(written.changed, ["b.html"], "docportal's own file, edited, is replaced");
        assert_eq!(fs::read_to_string(dest.join("c.html")).unwrap(), "mine");
        assert!(written.kept.holds("c.html") && !written.kept.holds("b.html"));
        assert_eq!(read_manifest(&dest), BTreeSet::from(["a.html".to_string(), "b.html".to_string()]));

        // Incremental: `c.html` changes and `d.html` is new, and the user has both.
        fs::write(dest.join("d.html"), "mine too").unwrap();
        let unchanged = HashSet::from(["a.html".to_string()]);
        let next = site(&[("a.html", "1"), ("b.html", "2"), ("c.html", "4"), ("d.html", "5")]);
        let on_disk = OnDisk { unchanged: &unchanged, others: &first, kept: &written.kept };
        let written = update_from(&next, on_disk, &dest, &cfg).unwrap();
        assert!(written.changed.is_empty(), "{:?}", written.changed);
        assert_eq!(fs::read_to_string(dest.join("c.html")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(dest.join("d.html")).unwrap(), "mine too");
        assert_eq!(written.kept.spots().collect::<Vec<_>>(), ["c.html", "d.html"]);
        assert_eq!(read_manifest(&dest).len(), 2);

        // The user takes `c.html` away: docportal's comes back, listed. The site drops
        // `d.html`: the user's file there stays.
        fs::remove_file(dest.join("c.html")).unwrap();
        let last = site(&[("a.html", "1"), ("b.html", "2"), ("c.html", "4")]);
        let on_disk = OnDisk { unchanged: &unchanged, others: &next, kept: &written.kept };
        let written = update_from(&last, on_disk, &dest, &cfg).unwrap();
        assert_eq!(written.changed, ["c.html"]);
        assert!(written.kept.is_empty());
        assert_eq!(fs::read_to_string(dest.join("c.html")).unwrap(), "4");
        assert_eq!(fs::read_to_string(dest.join("d.html")).unwrap(), "mine too");
        assert!(read_manifest(&dest).contains("c.html") && !read_manifest(&dest).contains("d.html"));
    }

    #[test]
    fn site_paths_cannot_escape() {
        assert!(safe_join(Path::new("/x"), "../etc/passwd").is_err());
        assert!(safe_join(Path::new("/x"), "a//b").is_err());
        assert!(safe_join(Path::new("/x"), "a/b.html").is_ok());
    }
}
