//! File watching for `serve`: notify events → debounced, classified [`Change`]s.
//!
//! In: the config's folders (docs, theme, project root for `book.toml`). Out: one
//! [`Change`] per burst of edits, saying which areas changed (content, theme, config)
//! and which paths. The only notify user in the crate.
//!
//! Invariants: `Access` events are dropped (notify reports file opens since v7, and
//! the build opens every doc: rebuilding on them would loop forever); so are metadata-
//! only changes, anything under the build folder, dotfiles and dot-folders, and editor
//! swap and backup files (`.x.swp`, `x~`, vim's `4913` probe, emacs's `.#x` and `#x#`).
//! Editors' other ways of saving (atomic rename, write in place) and bulk changes (a
//! `git checkout`) all reach the builder as plain path changes; the builder re-walks
//! the docs folder anyway, so a rename or a new folder needs nothing special here.
//! Folders that appear after start (a theme folder created later, a docs folder
//! deleted and restored) are (re-)watched after every burst. In a git repository the
//! git dir is watched too (not recursively), for the files that move when HEAD does
//! (`HEAD`, `packed-refs`, `shallow`, the HEAD reflog): a commit or a checkout changes
//! the dates and authors git gives docs, so it is a change of its own ([`Area::Git`]).
//!
//! Debouncing is done here, not by a debouncer crate: a burst ends after [`QUIET`]
//! without a relevant event, so a save reaches the builder about 10 ms after it lands,
//! and nothing wakes up while no file changes. A [`Change`] says when the backend may
//! have lost events (`lossy`); otherwise its paths are every path that changed.

use crate::config::Config;
use notify::event::{EventKind, ModifyKind};
use notify::{Event, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A burst ends after this much quiet. Paid on every save, so short: an atomic save (write
/// a temp file, rename it over) or a write in place arrives within a millisecond or
/// two. A burst split in two (a slow `git checkout`) costs one extra rebuild, never a
/// wrong one: each rebuild reads the files as they are then, and the next one catches up.
const QUIET: Duration = Duration::from_millis(10);
/// A stream of events that never goes quiet is still built this often.
const MAX_BURST: Duration = Duration::from_millis(500);
const POLL_INTERVAL: Duration = Duration::from_millis(300);

/// Which part of the portal a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Content,
    Theme,
    Config,
    /// The repository's HEAD moved (a commit, a checkout): git dates may have changed.
    Git,
}

/// One debounced burst of relevant changes.
#[derive(Debug, Default)]
pub struct Change {
    pub content: bool,
    pub theme: bool,
    pub config: bool,
    /// HEAD moved; the paths of git's files are not listed in `paths`.
    pub git: bool,
    /// Every relevant path named by an event, absolute.
    pub paths: BTreeSet<PathBuf>,
    /// False when the backend lost events (queue overflow, rescan): `paths` may then
    /// miss changes, and the builder must look at every file.
    pub lossy: bool,
}

impl Change {
    fn is_empty(&self) -> bool {
        !(self.content || self.theme || self.config || self.git)
    }

    /// Merges a later burst into this one.
    pub fn absorb(&mut self, other: Change) {
        self.content |= other.content;
        self.theme |= other.theme;
        self.config |= other.config;
        self.git |= other.git;
        self.lossy |= other.lossy;
        self.paths.extend(other.paths);
    }
}

/// The folders and file the watcher cares about, from the config.
#[derive(Debug, Clone)]
pub struct Targets {
    pub root: PathBuf,
    pub src: PathBuf,
    pub theme: PathBuf,
    pub build: PathBuf,
    /// The repository's git dir, when the docs are in one.
    pub git: Option<PathBuf>,
}

/// Files in the git dir that change when HEAD moves (`logs/HEAD` is matched apart).
const GIT_HEAD_FILES: [&str; 3] = ["HEAD", "packed-refs", "shallow"];

impl Targets {
    pub fn of(config: &Config) -> Targets {
        Targets {
            root: config.root.clone(),
            src: config.src_dir.clone(),
            theme: config.theme_dir.clone(),
            build: config.build_dir.clone(),
            git: crate::git::git_dirs(&config.src_dir).map(|d| d.git_dir),
        }
    }

    /// Where `path` belongs, or `None` when a change there cannot affect the site.
    pub fn classify(&self, path: &Path) -> Option<Area> {
        if let Some(git) = &self.git {
            if let Ok(rel) = path.strip_prefix(git) {
                let head_file = GIT_HEAD_FILES.iter().any(|f| rel == Path::new(f)) || rel == Path::new("logs/HEAD");
                return head_file.then_some(Area::Git);
            }
        }
        if path.starts_with(&self.build) || is_ignored_name(path, &self.root) {
            return None;
        }
        if path == self.root.join("book.toml") {
            return Some(Area::Config);
        }
        if path.starts_with(&self.theme) {
            return Some(Area::Theme);
        }
        if path.starts_with(&self.src) {
            return Some(Area::Content);
        }
        None
    }

    /// `(folder, mode)` pairs to watch. The root is watched on its own (not recursively)
    /// for `book.toml` and for the docs and theme folders appearing.
    fn wanted(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut out = Vec::new();
        if self.src == self.root {
            out.push((self.root.clone(), RecursiveMode::Recursive));
        } else {
            out.push((self.root.clone(), RecursiveMode::NonRecursive));
            out.push((self.src.clone(), RecursiveMode::Recursive));
        }
        if !self.theme.starts_with(&self.src) {
            out.push((self.theme.clone(), RecursiveMode::Recursive));
        }
        if let Some(git) = &self.git {
            out.push((git.clone(), RecursiveMode::NonRecursive));
            out.push((git.join("logs"), RecursiveMode::NonRecursive));
        }
        out
    }
}

/// Dotfiles, dot-folders (`.git`) and editor scratch files, anywhere below the root.
pub fn is_ignored_name(path: &Path, root: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut components = rel.components().peekable();
    while let Some(c) = components.next() {
        let name = c.as_os_str().to_string_lossy();
        if name.starts_with('.') {
            return true;
        }
        if components.peek().is_none() {
            return name.ends_with('~')
                || name.ends_with(".swp")
                || name.ends_with(".swx")
                || name.ends_with(".swo")
                || name == "4913"
                || (name.starts_with('#') && name.ends_with('#'));
        }
    }
    false
}

enum Backend {
    Native(RecommendedWatcher),
    Poll(PollWatcher),
}

impl Backend {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Backend::Native(w) => w.watch(path, mode),
            Backend::Poll(w) => w.watch(path, mode),
        }
    }

    fn unwatch(&mut self, path: &Path) {
        let _ = match self {
            Backend::Native(w) => w.unwatch(path),
            Backend::Poll(w) => w.unwatch(path),
        };
    }
}

pub struct Watcher {
    backend: Backend,
    events: Receiver<notify::Result<Event>>,
    targets: Targets,
    watched: HashSet<PathBuf>,
}

impl Watcher {
    /// Starts watching; `poll` uses notify's polling watcher (network drives,
    /// containers with bind mounts, where native events do not arrive).
    pub fn start(config: &Config, poll: bool) -> Result<Watcher, String> {
        let (tx, events) = channel();
        let backend = if poll {
            let cfg = notify::Config::default().with_poll_interval(POLL_INTERVAL);
            Backend::Poll(PollWatcher::new(tx, cfg).map_err(|e| e.to_string())?)
        } else {
            Backend::Native(RecommendedWatcher::new(tx, notify::Config::default()).map_err(|e| e.to_string())?)
        };
        let mut watcher = Watcher { backend, events, targets: Targets::of(config), watched: HashSet::new() };
        watcher.refresh_watches()?;
        Ok(watcher)
    }

    /// Points the watcher at a new config's folders (after a book.toml change).
    pub fn retarget(&mut self, config: &Config) -> Result<(), String> {
        for path in std::mem::take(&mut self.watched) {
            self.backend.unwatch(&path);
        }
        self.targets = Targets::of(config);
        self.refresh_watches()
    }

    /// Watches wanted folders that exist and are not watched yet; forgets ones that
    /// vanished, so they are watched again when they come back.
    fn refresh_watches(&mut self) -> Result<(), String> {
        for (path, mode) in self.targets.wanted() {
            let exists = path.is_dir();
            if self.watched.contains(&path) && !exists {
                self.backend.unwatch(&path);
                self.watched.remove(&path);
            } else if !self.watched.contains(&path) && exists {
                match self.backend.watch(&path, mode) {
                    Ok(()) => {
                        self.watched.insert(path);
                    }
                    Err(e) if path == self.targets.root => {
                        return Err(format!("cannot watch {}: {e}", path.display()));
                    }
                    Err(_) => {}
                }
            }
        }
        Ok(())
    }

    /// Blocks until a relevant change arrives (or `timeout` passes: `None`), then
    /// gathers events until [`QUIET`] passes without a relevant one (at most
    /// [`MAX_BURST`]). No thread ticks while nothing happens.
    pub fn next_change(&mut self, timeout: Duration) -> Result<Option<Change>, String> {
        let deadline = Instant::now() + timeout;
        let mut change = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => {
                    let change = self.classify(event);
                    if !change.is_empty() {
                        break change;
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => return Err("the file watcher stopped".into()),
            }
        };
        let burst_end = Instant::now() + MAX_BURST;
        let mut quiet_until = Instant::now() + QUIET;
        loop {
            let wait = quiet_until.min(burst_end).saturating_duration_since(Instant::now());
            match self.events.recv_timeout(wait) {
                Ok(event) => {
                    let more = self.classify(event);
                    if !more.is_empty() {
                        quiet_until = Instant::now() + QUIET;
                        change.absorb(more);
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return Err("the file watcher stopped".into()),
            }
        }
        self.refresh_watches()?;
        Ok(Some(change))
    }

    fn classify(&mut self, event: notify::Result<Event>) -> Change {
        let mut change = Change::default();
        let event = match event {
            Ok(event) => event,
            Err(_) => {
                // The backend lost track (queue overflow, a watched folder gone): treat
                // everything as changed; the builder re-checks every file.
                change.content = true;
                change.theme = true;
                change.lossy = true;
                return change;
            }
        };
        if event.need_rescan() {
            change.content = true;
            change.theme = true;
            change.lossy = true;
        }
        if matches!(event.kind, EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))) {
            return change;
        }
        for path in &event.paths {
            if matches!(event.kind, EventKind::Remove(_)) && self.watched.contains(path) {
                // A watched folder itself went away; inotify drops the watch with it.
                self.backend.unwatch(path);
                self.watched.remove(path);
            }
            match self.targets.classify(path) {
                Some(Area::Content) => change.content = true,
                Some(Area::Theme) => change.theme = true,
                Some(Area::Config) => change.config = true,
                Some(Area::Git) => {
                    change.git = true;
                    continue;
                }
                None => continue,
            }
            change.paths.insert(path.clone());
        }
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        Targets {
            root: PathBuf::from("/p"),
            src: PathBuf::from("/p/content"),
            theme: PathBuf::from("/p/theme"),
            build: PathBuf::from("/p/book"),
            git: Some(PathBuf::from("/p/.git")),
        }
    }

    #[test]
    fn head_movements_in_the_git_dir_are_git_changes_and_the_rest_of_it_is_ignored() {
        let t = targets();
        for p in ["/p/.git/HEAD", "/p/.git/logs/HEAD", "/p/.git/packed-refs", "/p/.git/shallow"] {
            assert_eq!(t.classify(Path::new(p)), Some(Area::Git), "{p}");
        }
        for p in ["/p/.git/index", "/p/.git/HEAD.lock", "/p/.git/objects/ab/cdef", "/p/.git/logs/refs/heads/main"] {
            assert_eq!(t.classify(Path::new(p)), None, "{p}");
        }
    }

    #[test]
    fn paths_are_classified_by_area() {
        let t = targets();
        assert_eq!(t.classify(Path::new("/p/content/trd/a.md")), Some(Area::Content));
        assert_eq!(t.classify(Path::new("/p/content/new-folder")), Some(Area::Content));
        // Sidecar metadata beside a folder doc is content too (the builder maps it to the doc).
        assert_eq!(t.classify(Path::new("/p/content/keps/1672-x/kep.yaml")), Some(Area::Content));
        assert_eq!(t.classify(Path::new("/p/content/keps/1672-x/metadata.json")), Some(Area::Content));
        assert_eq!(t.classify(Path::new("/p/theme/templates/doc.html")), Some(Area::Theme));
        assert_eq!(t.classify(Path::new("/p/book.toml")), Some(Area::Config));
        assert_eq!(t.classify(Path::new("/p/README.md")), None);
        assert_eq!(t.classify(Path::new("/p/book/index.html")), None);
    }

    #[test]
    fn editor_scratch_files_and_dotfiles_are_ignored() {
        let t = targets();
        for p in [
            "/p/content/.a.md.swp",
            "/p/content/a.md~",
            "/p/content/4913",
            "/p/content/.#a.md",
            "/p/content/#a.md#",
            "/p/content/.git/index",
            "/p/.book.toml.swp",
        ] {
            assert_eq!(t.classify(Path::new(p)), None, "{p}");
        }
    }

    #[test]
    fn a_build_folder_inside_the_docs_folder_is_ignored() {
        let t = Targets { build: PathBuf::from("/p/content/_site"), ..targets() };
        assert_eq!(t.classify(Path::new("/p/content/_site/a.html")), None);
        assert_eq!(t.classify(Path::new("/p/content/a.md")), Some(Area::Content));
    }
}
