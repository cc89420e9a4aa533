//! File watching for `serve`: notify events → debounced, classified [`Change`]s.
//!
//! In: the config's folders (docs, theme, static files, project root for `book.toml`).
//! Out: one [`Change`] per burst of edits, saying which areas changed (content, theme,
//! static files, config) and which paths. The only notify user in the crate.
//!
//! Invariants: `Access` events are dropped (notify reports file opens since v7, and
//! the build opens every doc: rebuilding on them would loop forever); so are metadata-
//! only changes other than a new write time (how the polling backend reports an edit),
//! anything under the build folder, dotfiles and dot-folders, and editor swap and
//! backup files (`.x.swp`, `x~`, vim's `4913` probe, emacs's `.#x` and `#x#`). In the
//! static folder dotfiles count (`.well-known/`, `.nojekyll` are published): there only
//! what its walk skips is dropped ([`crate::static_files::is_skipped`]).
//! Editors' other ways of saving (atomic rename, write in place) and bulk changes (a
//! `git checkout`) all reach the builder as plain path changes; the builder re-walks
//! the docs folder anyway, so a rename or a new folder needs nothing special here.
//! Symlinks are not followed, so a symlinked folder leading out of the portal (to `/`,
//! a home folder) is never watched; each watched folder is watched by its real path,
//! and events name paths as the config does (a symlinked docs folder works).
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
use notify::event::{EventKind, MetadataKind, ModifyKind};
use notify::{Event, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};
use std::collections::{BTreeSet, HashMap};
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
    /// The static folder ([`crate::static_files`]).
    Static,
    Config,
    /// The repository's HEAD moved (a commit, a checkout): git dates may have changed.
    Git,
}

/// One debounced burst of relevant changes.
#[derive(Debug, Default)]
pub struct Change {
    pub content: bool,
    pub theme: bool,
    pub statics: bool,
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
        !(self.content || self.theme || self.statics || self.config || self.git)
    }

    /// Merges a later burst into this one.
    pub fn absorb(&mut self, other: Change) {
        self.content |= other.content;
        self.theme |= other.theme;
        self.statics |= other.statics;
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
    /// The static folder, unless it clashes with the docs or build folder (no such
    /// folder then).
    pub statics: Option<PathBuf>,
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
            statics: crate::static_files::watched(config),
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
        if path.starts_with(&self.build) {
            return None;
        }
        if let Some(rel) = self.statics.as_ref().and_then(|dir| path.strip_prefix(dir).ok()) {
            let skipped = rel.components().any(|c| crate::static_files::is_skipped(&c.as_os_str().to_string_lossy()));
            // The theme and book.toml have areas of their own even inside it.
            if !(skipped || path.starts_with(&self.theme) || path == self.root.join("book.toml")) {
                return Some(Area::Static);
            }
        }
        if is_ignored_name(path, &self.root) {
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
        let folders: Vec<&PathBuf> = [&self.src, &self.theme].into_iter().chain(&self.statics).collect();
        let mut whole: Vec<&PathBuf> = Vec::new();
        let mut out = Vec::new();
        if folders.contains(&&self.root) {
            out.push((self.root.clone(), RecursiveMode::Recursive));
            whole.push(&self.root);
        } else {
            out.push((self.root.clone(), RecursiveMode::NonRecursive));
        }
        // A folder inside one watched whole is watched with it.
        for folder in folders {
            if !whole.iter().any(|w| folder.starts_with(w)) {
                out.push((folder.clone(), RecursiveMode::Recursive));
                whole.push(folder);
            }
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
            return crate::discover::is_editor_scratch(&name);
        }
    }
    false
}

/// Opens, and metadata changes other than a new write time. notify's polling backend
/// reports a changed file as a new write time, and only as that: dropping it with the
/// rest of metadata (chmod, `touch -a`) made `--poll` miss every edit.
fn is_irrelevant(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(_) => true,
        EventKind::Modify(ModifyKind::Metadata(what)) => *what != MetadataKind::WriteTime,
        _ => false,
    }
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
    watched: Watched,
}

/// The folders watched: each wanted folder as the config names it, and the real path
/// (symlinks resolved) the backend watches it by and names in events.
#[derive(Default)]
struct Watched(HashMap<PathBuf, PathBuf>);

impl Watched {
    /// `real`, a path an event names, as the config's folders name it: below the
    /// deepest watched real folder holding it, put below that folder's configured path.
    fn configured(&self, real: &Path) -> PathBuf {
        let deepest = self
            .0
            .iter()
            .filter(|(_, watched)| real.starts_with(watched))
            .max_by_key(|(_, watched)| watched.components().count());
        match deepest {
            Some((path, watched)) if path != watched => match real.strip_prefix(watched) {
                Ok(rest) if rest.as_os_str().is_empty() => path.clone(),
                Ok(rest) => path.join(rest),
                Err(_) => real.to_path_buf(),
            },
            _ => real.to_path_buf(),
        }
    }

    /// Forgets the folder watched by `real`, if one is; gives the path to unwatch.
    fn forget_real(&mut self, real: &Path) -> Option<PathBuf> {
        let path = self.0.iter().find(|(_, watched)| *watched == real).map(|(path, _)| path.clone())?;
        self.0.remove(&path)
    }
}

impl Watcher {
    /// Starts watching; `poll` uses notify's polling watcher (network drives,
    /// containers with bind mounts, where native events do not arrive).
    pub fn start(config: &Config, poll: bool) -> Result<Watcher, String> {
        let (tx, events) = channel();
        // notify follows symlinked folders by default: one in the docs folder leading to
        // `/` or a home folder would put a watch on every folder there, though the walk
        // never enters it (`discover`). Not following, notify would also skip a watched
        // folder that is itself a symlink, so each folder is watched by its real path
        // ([`Watcher::refresh_watches`]) and events are mapped back ([`Watched::configured`]).
        let cfg = notify::Config::default().with_follow_symlinks(false);
        let backend = if poll {
            Backend::Poll(PollWatcher::new(tx, cfg.with_poll_interval(POLL_INTERVAL)).map_err(|e| e.to_string())?)
        } else {
            Backend::Native(RecommendedWatcher::new(tx, cfg).map_err(|e| e.to_string())?)
        };
        let mut watcher = Watcher { backend, events, targets: Targets::of(config), watched: Watched::default() };
        watcher.refresh_watches()?;
        Ok(watcher)
    }

    /// Points the watcher at a new config's folders (after a book.toml change).
    pub fn retarget(&mut self, config: &Config) -> Result<(), String> {
        for real in std::mem::take(&mut self.watched).0.into_values() {
            self.backend.unwatch(&real);
        }
        self.targets = Targets::of(config);
        self.refresh_watches()
    }

    /// Watches wanted folders that exist and are not watched yet, each by its real
    /// path; forgets ones that vanished, so they are watched again when they come back,
    /// and moves the watch of a symlinked folder whose link now leads elsewhere.
    fn refresh_watches(&mut self) -> Result<(), String> {
        for (path, mode) in self.targets.wanted() {
            let real = path.canonicalize().ok().filter(|real| real.is_dir());
            let watched = self.watched.0.get(&path);
            if watched.is_some() && watched != real.as_ref() {
                if let Some(old) = self.watched.0.remove(&path) {
                    self.backend.unwatch(&old);
                }
            }
            let Some(real) = real.filter(|_| !self.watched.0.contains_key(&path)) else { continue };
            match self.backend.watch(&real, mode) {
                Ok(()) => {
                    self.watched.0.insert(path, real);
                }
                Err(e) if path == self.targets.root => {
                    return Err(format!("cannot watch {}: {e}", path.display()));
                }
                Err(_) => {}
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
                change.statics = true;
                change.lossy = true;
                return change;
            }
        };
        if event.need_rescan() {
            change.content = true;
            change.theme = true;
            change.statics = true;
            change.lossy = true;
        }
        if is_irrelevant(&event.kind) {
            return change;
        }
        for real in &event.paths {
            if matches!(event.kind, EventKind::Remove(_)) {
                // A watched folder itself went away; inotify drops the watch with it.
                if let Some(gone) = self.watched.forget_real(real) {
                    self.backend.unwatch(&gone);
                }
            }
            let path = self.watched.configured(real);
            let path = &path;
            match self.targets.classify(path) {
                Some(Area::Content) => change.content = true,
                Some(Area::Theme) => change.theme = true,
                Some(Area::Static) => change.statics = true,
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
            statics: Some(PathBuf::from("/p/static")),
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

    /// Static files are published dotfiles and all, so their changes count; what the
    /// static folder's walk skips does not.
    #[test]
    fn the_static_folder_is_an_area_of_its_own_dotfiles_included() {
        let t = targets();
        for p in ["/p/static", "/p/static/robots.txt", "/p/static/.nojekyll", "/p/static/.well-known/x.txt"] {
            assert_eq!(t.classify(Path::new(p)), Some(Area::Static), "{p}");
        }
        for p in ["/p/static/.robots.txt.swp", "/p/static/a.txt~", "/p/static/.DS_Store", "/p/static/.git/HEAD"] {
            assert_eq!(t.classify(Path::new(p)), None, "{p}");
        }
        assert!(t.wanted().contains(&(PathBuf::from("/p/static"), RecursiveMode::Recursive)));
        let none = Targets { statics: None, ..targets() };
        assert_eq!(none.classify(Path::new("/p/static/robots.txt")), None);
        assert!(!none.wanted().iter().any(|(path, _)| path.ends_with("static")));
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
    fn event_paths_below_a_folder_watched_by_its_real_path_are_named_as_the_config_does() {
        let watched = Watched(HashMap::from([
            (PathBuf::from("/home/u/p"), PathBuf::from("/data/p")),
            (PathBuf::from("/home/u/p/content"), PathBuf::from("/data/docs")),
            (PathBuf::from("/home/u/p/theme"), PathBuf::from("/data/p/theme")),
        ]));
        for (real, named) in [
            ("/data/docs/trd/a.md", "/home/u/p/content/trd/a.md"),
            ("/data/docs", "/home/u/p/content"),
            ("/data/p/book.toml", "/home/u/p/book.toml"),
            // The deepest watched folder holding the path decides.
            ("/data/p/theme/doc.html", "/home/u/p/theme/doc.html"),
            ("/elsewhere/a.md", "/elsewhere/a.md"),
        ] {
            assert_eq!(watched.configured(Path::new(real)), PathBuf::from(named), "{real}");
        }
    }

    /// Waits for the next burst naming `path`, skipping others; panics after 10 s.
    fn next_change_naming(watcher: &mut Watcher, path: &Path) -> Change {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(change) = watcher.next_change(Duration::from_millis(200)).unwrap() {
                if change.paths.contains(path) {
                    return change;
                }
            }
        }
        panic!("no change named {}", path.display());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_docs_folder_pointed_elsewhere_is_watched_where_it_now_leads() {
        let root = tempfile::tempdir().unwrap();
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        let content = root.path().join("content");
        std::os::unix::fs::symlink(first.path(), &content).unwrap();
        let mut watcher = Watcher::start(&Config::default_at(root.path()), false).unwrap();
        std::fs::write(first.path().join("a.md"), "# A\n").unwrap();
        let change = next_change_naming(&mut watcher, &content.join("a.md"));
        assert!(change.content);
        // The link is replaced (as `ln -sfn` does): the root's event moves the watch.
        let swap = root.path().join("content.new");
        std::os::unix::fs::symlink(second.path(), &swap).unwrap();
        std::fs::rename(&swap, &content).unwrap();
        next_change_naming(&mut watcher, &content);
        std::fs::write(second.path().join("b.md"), "# B\n").unwrap();
        next_change_naming(&mut watcher, &content.join("b.md"));
    }

    /// notify's poller reports an edit only as a new write time (in whole seconds).
    #[test]
    fn the_polling_watcher_reports_an_edit() {
        let root = tempfile::tempdir().unwrap();
        let notes = root.path().join("content/notes.md");
        std::fs::create_dir_all(notes.parent().unwrap()).unwrap();
        std::fs::write(&notes, "# Notes\n").unwrap();
        let mut watcher = Watcher::start(&Config::default_at(root.path()), true).unwrap();
        std::thread::sleep(POLL_INTERVAL * 2);
        std::fs::write(&notes, "# Notes\n\nEdited.\n").unwrap();
        let later = std::time::SystemTime::now() + Duration::from_secs(2);
        std::fs::File::options().write(true).open(&notes).unwrap().set_modified(later).unwrap();
        assert!(next_change_naming(&mut watcher, &notes).content);
    }

    #[test]
    fn a_build_folder_inside_the_docs_folder_is_ignored() {
        let t = Targets { build: PathBuf::from("/p/content/_site"), ..targets() };
        assert_eq!(t.classify(Path::new("/p/content/_site/a.html")), None);
        assert_eq!(t.classify(Path::new("/p/content/a.md")), Some(Area::Content));
    }
}
