//! The incremental build behind `serve`: the same stages as `pipeline::build`, with an
//! explicit cache from the previous build so a one-file edit costs one parse and a
//! handful of renders.
//!
//! In: the config, the theme, and hints (paths the watcher saw change). Out: a whole
//! [`Site`] plus every diagnostic, exactly what a clean build of the same files makes
//! — that equality is the invariant everything here serves (tests compare the two
//! byte for byte).
//!
//! What is cached, and why reuse is safe:
//! - per source file: its stamp (length, mtime), text, parsed `Doc` and heading
//!   anchors (so the links stage does not parse `#anchor` targets again). A file is
//!   re-read when the watcher named it or its stamp moved, and re-parsed only when its
//!   text changed. `parse` reads nothing but the file, a folder doc's sidecar metadata
//!   file (`kep.yaml` beside `README.md`) and the config: a sidecar is part of its
//!   doc's stamp and text, and a watcher report naming one names the doc beside it. The
//!   config is fixed for the life of an [`Incremental`] (book.toml changes build a new one).
//! - per doc: its `RenderedDoc`, keyed by a hash of everything the renderer can see
//!   of the portal: the doc itself, its final id, the config, and for every doc it
//!   references or is referenced by (raw references resolved with `links::resolve`,
//!   and both directions of the link graph) that doc's id, title, status, kind, path
//!   and heading anchors. Equal key → reuse.
//!
//! - on a server's first build (and for a doc it has not rendered yet), the render
//!   cache `docportal build` keeps on disk ([`crate::cache::RenderCache`]), read only:
//!   its key covers the same inputs (the doc, its link context, the config, the theme
//!   and the docportal build), so a server started on a portal built before renders
//!   only what changed since.
//!
//! - per build: the site last written to disk and the keys its pages were made from
//!   (`site::reuse`): a doc page whose inputs are unchanged is carried over, not
//!   re-rendered, and the writer compares new files with the old ones in memory
//!   instead of reading the destination back. The salt of those keys changes with the
//!   config and with every theme reload.
//!
//! - per doc: its links as the links stage resolved them ([`links::DocLinks`]), kept
//!   under a hash of its parse and of everything resolution reads of the other docs
//!   (ids, paths, kinds, numbering, titles, heading anchors); the links stage itself
//!   checks that every file the doc looked up on disk is still what it was. A doc's
//!   resolved references for its render key are kept the same way.
//! - the files the last build's links looked up (images, folders): a build where no
//!   doc changed still runs when one of them was named by the watcher or changed.
//! - the static folder's files ([`crate::static_files`]): walked on every build, read
//!   again only where a file's length or modification time moved or the watcher named
//!   it; a change there rebuilds though no doc changed. No doc reads them, so they are
//!   in no render or page key: they go over the site after it is made, and the pages
//!   they stood in for are carried over as the site made them
//!   ([`reuse::Previous::unshadow`]).
//!
//! The index and the graph-wide link passes (backlinks, supersessions) are redone
//! whenever a doc changed more than its body: they are where one doc's change reaches
//! the others. A save that changes only bodies (each changed doc's parse but its body,
//! and its heading anchors, as they were; no doc added or removed; the watcher trusted;
//! the history unmoved) takes the last build's index and graph instead, and the other
//! docs' render keys with them: nothing those read has changed. Cached docs are cloned
//! into the build without their bodies; cached renders are moved in and back out.

use super::trace::Trace;
use crate::config::Config;
use crate::diag::{self, Diagnostic};
use crate::discover;
use crate::fresh::DocRead;
use crate::links::{self, LinkGraph};
use crate::model::{Doc, RenderedDoc, Sidecar, SourceFile};
use crate::parse::kept::Kept;
use crate::pipeline;
use crate::site::{reuse, Site};
use crate::static_files::{self, StaticFiles};
use crate::theme::{self, Theme};
use crate::{cache, git, index::Index, parse, render, urls};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// What a file looked like when it was last read: cheap to compare on every build, so
/// a change the watcher missed is still picked up.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// For a folder doc (`README.md`), a hash of the stamps of the sidecar files that may
    /// sit beside it (`kep.yaml`, …; absent ones too): a sidecar that changes, appears or
    /// goes makes the doc stale. 0 for other docs.
    sidecars: u64,
}

fn stamp_of(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    let is_folder_doc = path.file_name().is_some_and(|n| discover::is_folder_doc_file(&n.to_string_lossy()));
    let sidecars = match path.parent() {
        Some(dir) if is_folder_doc => {
            let stamps: Vec<Option<(u64, Option<SystemTime>)>> = discover::SIDECAR_NAMES
                .iter()
                .map(|name| std::fs::metadata(dir.join(name)).ok().map(|m| (m.len(), m.modified().ok())))
                .collect();
            cache::key_of(&stamps)
        }
        _ => 0,
    };
    Some(Stamp { len: meta.len(), modified: meta.modified().ok(), sidecars })
}

/// The watcher's paths with each sidecar file (`kep.yaml` beside a folder doc) replaced
/// by the folder doc files next to it, which are what a sidecar change re-reads. A
/// sidecar without a folder doc stays as it is (and so takes the full walk).
fn doc_hints(hints: &HashSet<PathBuf>) -> HashSet<PathBuf> {
    let mut out = HashSet::with_capacity(hints.len());
    for hint in hints {
        let is_sidecar = hint.file_name().is_some_and(|n| discover::SIDECAR_NAMES.iter().any(|s| n == *s));
        let docs: Vec<PathBuf> = match hint.parent().filter(|_| is_sidecar).map(std::fs::read_dir) {
            Some(Ok(entries)) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| discover::is_folder_doc_file(&n.to_string_lossy())))
                .collect(),
            _ => Vec::new(),
        };
        if docs.is_empty() {
            out.insert(hint.clone());
        }
        out.extend(docs);
    }
    out
}

struct CachedDoc {
    stamp: Option<Stamp>,
    /// [`cache::content_hash`] of the file's text, which is not kept: the body is (and
    /// at 10,000 docs the texts were 200 MB more of the server's memory).
    text_hash: u128,
    /// The folder doc's sidecar as read with it: part of what the doc was parsed from.
    sidecar: Option<Sidecar>,
    file_diagnostics: Vec<Diagnostic>,
    doc: Doc,
    /// Hash of the whole parsed doc (body, metadata, refs, diagnostics).
    fingerprint: u64,
    /// Hash of the parsed doc but its body: what the index and the links read of it.
    shape: u64,
    /// The doc's heading anchors (what a `#anchor` link into it depends on), and their hash.
    headings: Vec<String>,
    anchors: u64,
}

/// The docs folder as last walked: what a build that trusts the watcher reuses.
struct Walk {
    /// `(absolute, relative)` paths of every doc, sorted, as `discover` gives them.
    paths: Vec<discover::FoundFile>,
    /// The walk's warnings (skipped symlinks and the like).
    diagnostics: Vec<Diagnostic>,
    /// The absolute paths, for looking hints up.
    known: HashSet<PathBuf>,
}

/// A re-read file: its path, new stamp, and the new cache entry (`None`: same text).
type Reread = (String, Option<Stamp>, Result<Option<CachedDoc>, Diagnostic>);

struct CachedRender {
    key: u64,
    rendered: RenderedDoc,
}

/// What a doc's raw references resolve to, as much of it as its render key needs. It
/// holds while the doc's parse and every doc's id and path (all that resolution reads,
/// with the config) are unchanged, so a rebuild resolves only the edited doc's.
struct ResolvedRefs {
    /// [`index_shape`] of the index they were resolved in.
    shape: u64,
    /// The doc's parse fingerprint when they were resolved.
    fingerprint: u64,
    /// Hash of every reference's written target, anchor and target position, in order.
    digest: u64,
    /// The docs they resolve to, in order of first mention.
    targets: Vec<usize>,
}

impl ResolvedRefs {
    fn of(index: &Index, pos: usize, shape: u64, fingerprint: u64) -> ResolvedRefs {
        let mut h = cache::key_hasher();
        let mut targets = Vec::new();
        for r in index.docs.get(pos).map(|d| &d.refs[..]).unwrap_or_default() {
            r.target.hash(&mut h);
            let resolved = links::resolve(index, pos, &r.target);
            resolved.hash(&mut h);
            if let Some((target, _)) = resolved {
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
        ResolvedRefs { shape, fingerprint, digest: h.finish(), targets }
    }
}

/// Brings `resolved` (by source) up to date with `index`: only docs whose parse changed
/// are resolved again, unless a doc's id or path did (then all are).
fn resolve_refs(
    resolved: &mut HashMap<String, ResolvedRefs>,
    sources: &HashMap<String, CachedDoc>,
    (index, shape): (&Index, Shapes),
) {
    let shape = shape.index;
    let fingerprint = |source: &str| sources.get(source).map_or(0, |c| c.fingerprint);
    let known = &*resolved;
    let stale: Vec<usize> = (0..index.len())
        .filter(|&pos| {
            let source = &index.docs[pos].source;
            !known.get(source).is_some_and(|r| r.shape == shape && r.fingerprint == fingerprint(source))
        })
        .collect();
    let fresh: Vec<(String, ResolvedRefs)> = stale
        .par_iter()
        .map(|&pos| {
            let source = &index.docs[pos].source;
            (source.clone(), ResolvedRefs::of(index, pos, shape, fingerprint(source)))
        })
        .collect();
    resolved.extend(fresh);
    // Every doc of the index now has its entry: any more are docs that went.
    if resolved.len() > index.len() {
        resolved.retain(|source, _| index.find_source(source).is_some());
    }
}

/// Hash of everything the links stage reads of the docs besides the one being linked
/// (with the config, fixed here, and the disk, which it checks itself): the index's
/// shape, and each doc's title and heading anchors (the `#anchor`s it has).
fn links_shape_of(index_shape: u64, index: &Index, sources: &HashMap<String, CachedDoc>) -> u64 {
    let mut h = cache::key_hasher();
    index_shape.hash(&mut h);
    for d in &index.docs {
        (&d.title, sources.get(&d.source).map(|c| c.anchors)).hash(&mut h);
    }
    h.finish()
}

/// [`index_shape`] and [`links_shape_of`] of one build's index, worked out once.
#[derive(Clone, Copy)]
struct Shapes {
    index: u64,
    links: u64,
}

impl Shapes {
    fn of(index: &Index, sources: &HashMap<String, CachedDoc>) -> Shapes {
        let index_shape = index_shape(index);
        Shapes { index: index_shape, links: links_shape_of(index_shape, index, sources) }
    }
}

/// The key a doc's links are kept under: the links shape and the doc's own parse.
fn links_key(shape: u64, doc: &CachedDoc) -> u64 {
    cache::key_of(&(shape, doc.fingerprint))
}

/// Hash of everything reference resolution reads of the docs: each one's id, path,
/// kind and numbering, in index order.
fn index_shape(index: &Index) -> u64 {
    let mut h = cache::key_hasher();
    for d in &index.docs {
        (&d.id, &d.source, &d.kind, d.numbered).hash(&mut h);
    }
    h.finish()
}

/// What the destination holds before an [`Outcome`] is written, when known.
pub struct Baseline {
    /// Paths carried over from the previous site: already on disk, same bytes.
    pub unchanged: HashSet<String>,
    /// The previous site's other files.
    pub others: Site,
}

/// One finished build, ready to write.
pub struct Outcome {
    pub site: Site,
    /// `None` after a first build or a failed one: compare with the disk.
    pub on_disk: Option<Baseline>,
    /// The config's warnings and every stage's diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
    pub docs: usize,
    /// Sources (relative to the docs folder) that were added or whose text changed.
    pub changed: Vec<String>,
    /// Sources that disappeared.
    pub removed: Vec<String>,
    /// How many docs were rendered afresh (the rest came from the cache).
    pub rendered: usize,
    /// Of the docs not rendered afresh, how many came from the render cache a
    /// `docportal build` keeps on disk (on a server's first build, as a rule).
    pub from_disk: usize,
    /// How many doc pages went through the templates (the rest were carried over).
    pub pages: usize,
}

pub struct Incremental {
    config: Config,
    config_diagnostics: Vec<Diagnostic>,
    config_hash: u64,
    theme: Theme,
    sources: HashMap<String, CachedDoc>,
    renders: HashMap<String, CachedRender>,
    /// By source, for render keys.
    resolved: HashMap<String, ResolvedRefs>,
    /// By source: each doc's links as last resolved, under their [`links_key`].
    links: HashMap<String, (u64, links::DocLinks)>,
    /// The last build's index and link graph (without its probes: `probed` has them),
    /// with the diagnostics of the stages up to the links and the build's shapes. A build
    /// that trusts the watcher and where only bodies changed (each changed doc's shape
    /// and heading anchors as they were, no doc added or removed, the history as it
    /// was) would make them again byte for byte: it takes them from here.
    checked: Option<(pipeline::Checked, Shapes)>,
    /// What the last build's links looked up on disk (images, folders), with what was there.
    probed: BTreeMap<String, Option<discover::AssetKind>>,
    /// Bumped by every theme reload; part of the site salt.
    theme_generation: u64,
    /// The last site known to be on disk, and what its pages were made from.
    written: Option<Site>,
    memo: Option<reuse::Memo>,
    walk: Option<Arc<Walk>>,
    /// A file could not be read last time: the next build walks and retries them all.
    read_errors: bool,
    /// False until the first build succeeds; a build with nothing changed is skipped
    /// only after one.
    built_once: bool,
    /// The docs folder's git history (dates and authors for docs without them), read
    /// again only when the repository moves (a commit, a checkout).
    history: git::HistoryCache,
    /// The history changed since the last successful build: rebuild even if no doc did.
    history_moved: bool,
    /// The static folder's files as last read ([`crate::static_files`]).
    statics: StaticFiles,
    /// They changed since the last successful build: rebuild even if no doc did.
    statics_moved: bool,
}

impl Incremental {
    /// Loads the theme (templates must compile) for a fresh cache.
    pub fn new(config: Config, config_diagnostics: Vec<Diagnostic>) -> Result<Incremental, Diagnostic> {
        let theme = load_theme(&config)?;
        let config_hash = cache::key_of(&format!("{config:?}"));
        Ok(Incremental {
            config,
            config_diagnostics,
            config_hash,
            theme,
            sources: HashMap::new(),
            renders: HashMap::new(),
            resolved: HashMap::new(),
            links: HashMap::new(),
            checked: None,
            probed: BTreeMap::new(),
            theme_generation: 0,
            written: None,
            memo: None,
            walk: None,
            read_errors: false,
            built_once: false,
            history: git::HistoryCache::default(),
            history_moved: false,
            statics: StaticFiles::default(),
            statics_moved: false,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Re-reads the theme folder. On error the previous theme stays in use.
    pub fn reload_theme(&mut self) -> Result<(), Diagnostic> {
        self.theme = load_theme(&self.config)?;
        self.theme_generation += 1;
        self.built_once = false;
        Ok(())
    }

    /// Builds the site, reusing what the cache allows. `hints` are absolute paths the
    /// watcher reported. When `complete` (the watcher lost nothing, so `hints` name
    /// every file changed since the last build) and every hint is a doc already known,
    /// the docs folder is not walked again and only the hinted files are read: the
    /// fast path for a save. Otherwise the folder is walked and every file whose stamp
    /// moved is re-read too. `Ok(None)` when nothing changed since the last build.
    /// `Err` when the build cannot produce a site (docs folder gone, templates
    /// failing): the caller keeps the last good one.
    pub fn build(
        &mut self,
        hints: &HashSet<PathBuf>,
        complete: bool,
        trace: &mut Trace,
    ) -> Result<Option<Outcome>, Diagnostic> {
        self.history_moved |= self.history.refresh(&self.config);
        trace.mark("git state");
        // Walked every build (a static folder is small), read again only where a file
        // moved or the watcher named it.
        let found = static_files::find(&self.config)?;
        let (statics, statics_changed) =
            std::mem::take(&mut self.statics).update(&self.config, found, |path| hints.contains(path));
        self.statics = statics;
        self.statics_moved |= statics_changed;
        trace.mark("static files");
        let in_static = |path: &PathBuf| self.statics.dir.as_ref().is_some_and(|dir| path.starts_with(dir));
        let changed_any = !hints.is_empty();
        let hints = &doc_hints(&hints.iter().filter(|path| !in_static(path)).cloned().collect());
        // A deleted or renamed doc, a new one, a folder: anything but saves of known
        // docs (or of their sidecar files, or of static files) takes the full walk.
        let walk = self.walk.as_ref().filter(|w| {
            complete
                && self.built_once
                && !self.read_errors
                && changed_any
                && hints.iter().all(|h| w.known.contains(h) && h.is_file())
        });
        let trusted = walk.is_some();
        let (walk, mut removed, stale) = match walk {
            Some(walk) => {
                let walk = Arc::clone(walk);
                let stale: Vec<(PathBuf, String, Option<Stamp>)> = walk
                    .paths
                    .iter()
                    .filter(|(abs, _)| hints.contains(abs))
                    .map(|(abs, rel)| (abs.clone(), rel.clone(), stamp_of(abs)))
                    .collect();
                trace.mark("hinted files");
                (walk, Vec::new(), stale)
            }
            None => {
                self.walk = None;
                let (paths, diags) = discover::find_markdown(&self.config)?;
                trace.mark("discover");
                let present: HashSet<&str> = paths.iter().map(|(_, rel)| rel.as_str()).collect();
                let mut removed: Vec<String> =
                    self.sources.keys().filter(|rel| !present.contains(rel.as_str())).cloned().collect();
                removed.sort();
                for rel in &removed {
                    self.sources.remove(rel);
                    self.renders.remove(rel);
                }
                let sources = &self.sources;
                let stale: Vec<(PathBuf, String, Option<Stamp>)> = paths
                    .par_iter()
                    .filter_map(|(abs, rel)| {
                        let stamp = stamp_of(abs);
                        let fresh = sources.get(rel).is_some_and(|c| c.stamp.is_some() && c.stamp == stamp)
                            && !hints.contains(abs);
                        (!fresh).then(|| (abs.clone(), rel.clone(), stamp))
                    })
                    .collect();
                trace.mark("stamps");
                let known = paths.iter().map(|(abs, _)| abs.clone()).collect();
                (Arc::new(Walk { paths, diagnostics: diags, known }), removed, stale)
            }
        };
        self.walk = Some(Arc::clone(&walk));
        let mut diags = walk.diagnostics.clone();
        let config = &self.config;
        let sources = &self.sources;
        // The first build reads every doc: those `docportal build` parsed from the same
        // bytes (with the same docportal and config) are taken as it parsed them.
        let kept = (!self.built_once).then(|| Kept::open(config));
        let reread: Vec<Reread> = stale
            .par_iter()
            .map(|(abs, rel, stamp)| {
                let mut bytes_hash = None;
                let read = discover::read_source_seeing(abs, rel, |bytes| {
                    bytes_hash = kept.as_ref().filter(|k| k.is_on()).map(|_| DocRead::hash_of(bytes));
                });
                let result = read.map(|file| {
                    let text_hash = cache::content_hash(file.text.as_bytes());
                    let unchanged = sources.get(rel.as_str()).is_some_and(|c| {
                        c.text_hash == text_hash && c.sidecar == file.sidecar && c.file_diagnostics == file.diagnostics
                    });
                    if unchanged {
                        return None;
                    }
                    let taken = kept.as_ref().zip(bytes_hash).and_then(|(kept, hash)| take_kept(kept, &file, hash));
                    let mut doc = taken.unwrap_or_else(|| parse::parse(&file, config));
                    let headings = render::heading_anchors(&doc.body);
                    let (fingerprint, shape) = parse_fingerprints(&mut doc);
                    Some(CachedDoc {
                        stamp: *stamp,
                        fingerprint,
                        shape,
                        anchors: cache::key_of(&headings),
                        headings,
                        text_hash,
                        sidecar: file.sidecar,
                        file_diagnostics: file.diagnostics,
                        doc,
                    })
                });
                (rel.clone(), *stamp, result)
            })
            .collect();
        // 20 MB at 10,000 docs, not needed past the reads.
        drop(kept);

        let mut changed = Vec::new();
        let mut shapes_moved = false;
        self.read_errors = reread.iter().any(|(_, _, r)| r.is_err());
        for (rel, stamp, result) in reread {
            match result {
                Ok(Some(entry)) => {
                    shapes_moved |=
                        !self.sources.get(&rel).is_some_and(|c| c.shape == entry.shape && c.anchors == entry.anchors);
                    changed.push(rel.clone());
                    self.sources.insert(rel, entry);
                }
                Ok(None) => {
                    if let Some(c) = self.sources.get_mut(&rel) {
                        c.stamp = stamp;
                    }
                }
                Err(d) => {
                    // Unreadable now: drop it, as a clean build (which skips it) would.
                    if self.sources.remove(&rel).is_some() {
                        removed.push(rel.clone());
                    }
                    self.renders.remove(&rel);
                    diags.push(d);
                }
            }
        }
        changed.sort();
        trace.mark("read+parse");
        if self.built_once
            && changed.is_empty()
            && removed.is_empty()
            && !self.history_moved
            && !self.statics_moved
            && !self.linked_files_moved(hints)
        {
            return Ok(None);
        }

        // Only bodies changed: the index and the links are those of the last build.
        let hints_name_probed = self.names_a_probed_file(hints);
        let bodies_only = self.checked.is_some()
            && trusted
            && removed.is_empty()
            && !self.read_errors
            && !shapes_moved
            && !self.history_moved
            && !hints_name_probed;
        let kept = std::mem::take(&mut self.checked);
        let kept = match kept {
            Some(kept) if bodies_only => Some(kept),
            Some(stale) => {
                // 10,000 docs and their graph take tens of milliseconds to free: not while
                // the edit waits to be served. (Should no thread start, they are freed here.)
                let _ = std::thread::Builder::new().name("free-last-links".into()).spawn(move || drop(stale));
                None
            }
            None => None,
        };
        let (checked, shapes) = match kept {
            Some(kept) => {
                trace.mark("index+links kept");
                kept
            }
            None => {
                let (checked, shapes) = self.index_and_link(&walk.paths, diags, trace);
                trace.mark("index+links");
                (checked, shapes)
            }
        };
        let (sources, config) = (&self.sources, &self.config);

        resolve_refs(&mut self.resolved, &self.sources, (&checked.index, shapes));
        let signatures = self.signatures(&checked.index);
        // Where only bodies changed, what any other doc's render key reads is as it was.
        let kept_key = |source: &String| {
            let unchanged = bodies_only && changed.binary_search(source).is_err();
            unchanged.then(|| self.renders.get(source).map(|c| c.key)).flatten()
        };
        let keys: Vec<u64> = (0..checked.index.len())
            .into_par_iter()
            .map(|pos| {
                kept_key(&checked.index.docs[pos].source)
                    .unwrap_or_else(|| self.render_key(&checked.index, &checked.graph, pos, &signatures))
            })
            .collect();
        trace.mark("render keys");
        // Cached renders are moved into this build and moved back after it: no copies.
        let renders = &self.renders;
        let stale: Vec<usize> = (0..checked.index.len())
            .filter(|&pos| renders.get(&checked.index.docs[pos].source).is_none_or(|c| c.key != keys[pos]))
            .collect();
        // A doc this server has not rendered yet (all of them on its first build) may be
        // in the render cache `docportal build` keeps on disk: the same render under the
        // same key. Only read: a build owns what that cache keeps.
        let unseen = |pos: usize| !renders.contains_key(&checked.index.docs[pos].source);
        let on_disk = stale.iter().any(|&pos| unseen(pos)).then(|| cache::RenderCache::open(config, &self.theme));
        let linked = cache::LinkContext::new(&checked.index, &checked.graph);
        // One doc per task, so that the few docs an edit touches render side by side.
        let fresh: Vec<(RenderedDoc, bool)> = stale
            .par_iter()
            .with_max_len(1)
            .map(|&pos| {
                let body = sources.get(&checked.index.docs[pos].source).map_or("", |c| c.doc.body.as_str());
                let cached = on_disk.as_ref().filter(|_| unseen(pos));
                match cached.and_then(|disk| disk.get(disk.key_for_body(&linked, pos, body))) {
                    Some(rendered) => (rendered, true),
                    None => (render::render_body(&checked.index, &checked.graph, pos, body, config), false),
                }
            })
            .collect();
        let from_disk = fresh.iter().filter(|(_, hit)| *hit).count();
        let rendered_count = stale.len() - from_disk;
        let fresh = fresh.into_iter().map(|(rendered, _)| rendered);
        let mut fresh = stale.into_iter().zip(fresh).peekable();
        let mut rendered = Vec::with_capacity(checked.index.len());
        for pos in 0..checked.index.len() {
            rendered.push(match fresh.next_if(|(stale_pos, _)| *stale_pos == pos) {
                Some((_, made)) => made,
                None => self.renders.remove(&checked.index.docs[pos].source).map(|c| c.rendered).unwrap_or_default(),
            });
        }
        trace.mark("render");

        let docs = checked.index.len();
        let sources: Vec<String> = checked.index.docs.iter().map(|d| d.source.clone()).collect();
        let previous = match (self.written.take(), self.memo.take()) {
            (Some(site), Some(memo)) => Some(reuse::Previous { site, memo }),
            _ => None,
        };
        let baseline = previous.is_some();
        let reuse = reuse::Reuse { salt: self.site_salt(), render_keys: &keys, previous };
        let (mut built, rebuilt, checked_diagnostics) =
            pipeline::assemble_reusing(checked, rendered, (&self.theme, &self.statics), &self.config, reuse);
        trace.mark_split(&rebuilt.phases, "site: extras");
        for ((source, key), rendered) in sources.iter().zip(&keys).zip(built.rendered) {
            self.renders.insert(source.clone(), CachedRender { key: *key, rendered });
        }
        let page_paths: Vec<String> = sources.iter().map(|s| urls::page_path(s)).collect();
        if let Some(fatal) = fatal_site_problem(&built.site, &built.checked.diagnostics, &page_paths) {
            // Nothing is written, so the next build must not be skipped as "unchanged",
            // and has no known site on disk to reuse pages from.
            self.built_once = false;
            return Err(fatal);
        }
        self.memo = Some(rebuilt.memo);
        if !bodies_only {
            self.probed = std::mem::take(&mut built.checked.graph.probed);
        }
        let mut diagnostics = self.config_diagnostics.clone();
        diagnostics.extend(std::mem::take(&mut built.checked.diagnostics));
        diag::sort(&mut diagnostics);
        let pipeline::Checked { index, graph, .. } = built.checked;
        self.checked = Some((pipeline::Checked { index, graph, diagnostics: checked_diagnostics }, shapes));
        self.built_once = true;
        self.history_moved = false;
        self.statics_moved = false;
        trace.mark("finish");
        let on_disk = baseline.then_some(Baseline { unchanged: rebuilt.reused, others: rebuilt.leftover });
        Ok(Some(Outcome {
            site: built.site,
            on_disk,
            diagnostics,
            docs,
            changed,
            removed,
            rendered: rendered_count,
            from_disk,
            pages: rebuilt.rendered_pages,
        }))
    }

    /// The index and the link graph of the docs at `paths` as cached, with every
    /// diagnostic up to the links stage (`diags` first); each doc's links are taken
    /// from the last build's where what they read is unchanged, and kept for the next.
    fn index_and_link(
        &mut self,
        paths: &[discover::FoundFile],
        mut diags: Vec<Diagnostic>,
        trace: &mut Trace,
    ) -> (pipeline::Checked, Shapes) {
        // Same order as `discover` gives `parse_all`: by path.
        let sources = &self.sources;
        // Without their bodies: the links stage has the headings, and a doc is rendered
        // from the body kept here.
        let docs: Vec<Doc> =
            paths.par_iter().filter_map(|(_, rel)| sources.get(rel).map(|c| c.doc.clone_without_body())).collect();
        trace.mark("clone docs");
        let headings = |source: &str| sources.get(source).map(|c| c.headings.clone());
        // Worked out by the first doc the links stage asks about, once the index exists.
        let shapes = OnceLock::new();
        let earlier_links = &self.links;
        let earlier = |index: &Index, pos: usize| {
            let shape = shapes.get_or_init(|| Shapes::of(index, sources)).links;
            let source = &index.docs.get(pos)?.source;
            let (key, links) = earlier_links.get(source)?;
            (*key == links_key(shape, sources.get(source)?)).then(|| links.clone())
        };
        let (checked, fresh_links, _) = pipeline::index_and_link_with(
            docs,
            &self.config,
            &mut diags,
            (self.history.history(), self.history.diagnostics()),
            (&crate::bodies::Bodies::Held, Some(&headings), Some(&earlier)),
        );
        let shapes = shapes.get().copied().unwrap_or_else(|| Shapes::of(&checked.index, &self.sources));
        for (pos, links) in fresh_links {
            if let Some(cached) = self.sources.get(&checked.index.docs[pos].source) {
                self.links.insert(checked.index.docs[pos].source.clone(), (links_key(shapes.links, cached), links));
            }
        }
        if self.links.len() > checked.index.len() {
            self.links.retain(|source, _| checked.index.find_source(source).is_some());
        }
        (checked, shapes)
    }

    /// Whether a file the last build's links looked up on disk (an image a doc shows, a
    /// folder it links to) was named by the watcher, or now holds something else: the
    /// site copies such files and warns about missing ones, so it must be built again
    /// even when no doc changed.
    fn linked_files_moved(&self, hints: &HashSet<PathBuf>) -> bool {
        self.names_a_probed_file(hints)
            || self.probed.par_iter().any(|(path, kind)| discover::asset_at(&self.config, path) != *kind)
    }

    /// Whether the watcher named a file the last build's links looked up on disk.
    fn names_a_probed_file(&self, hints: &HashSet<PathBuf>) -> bool {
        hints.iter().any(|hint| {
            let rel = hint.strip_prefix(&self.config.src_dir).ok().and_then(Path::to_str);
            rel.is_some_and(|rel| self.probed.contains_key(&rel.replace(std::path::MAIN_SEPARATOR, "/")))
        })
    }

    /// Hands back the site of the last [`Outcome`] once it is on disk, so the next build
    /// can carry its unchanged pages over. A site that was not written must not be
    /// handed back: the next build then compares with the disk instead.
    pub fn written(&mut self, site: Site) {
        self.written = Some(site);
    }

    /// Changes whenever the config or the theme does: page keys from an older salt
    /// never match.
    fn site_salt(&self) -> u64 {
        cache::key_of(&(self.config_hash, self.theme_generation))
    }

    /// Hash of everything `render::render` can read for the doc at `pos`, given the
    /// [`Incremental::signatures`] of every doc.
    fn render_key(&self, index: &Index, graph: &LinkGraph, pos: usize, signatures: &[u64]) -> u64 {
        let mut h = cache::key_hasher();
        self.config_hash.hash(&mut h);
        let signature = |target: usize| signatures.get(target).copied().unwrap_or(u64::MAX);
        let Some(doc) = index.docs.get(pos) else { return h.finish() };
        signature(pos).hash(&mut h);
        self.sources.get(&doc.source).map(|c| c.fingerprint).hash(&mut h);
        let refs = self.resolved.get(&doc.source);
        refs.map(|r| r.digest).hash(&mut h);
        for &target in refs.map(|r| r.targets.as_slice()).unwrap_or_default() {
            signature(target).hash(&mut h);
        }
        for link in graph.outgoing.get(pos).into_iter().flatten() {
            (link.relation, &link.written, &link.anchor, link.line, link.declared).hash(&mut h);
            link.target.map(signature).hash(&mut h);
        }
        for back in graph.incoming.get(pos).into_iter().flatten() {
            (back.relation, signature(back.from)).hash(&mut h);
        }
        h.finish()
    }

    /// Per doc (index positions): what a page shows of another doc when it links to it
    /// — id, kind, title, status, path and heading anchors.
    fn signatures(&self, index: &Index) -> Vec<u64> {
        index
            .docs
            .par_iter()
            .map(|d| {
                let mut h = cache::key_hasher();
                (&d.id, d.numbered, &d.kind, &d.title, &d.status, &d.status_raw, &d.source).hash(&mut h);
                self.sources.get(&d.source).map(|c| c.anchors).hash(&mut h);
                h.finish()
            })
            .collect()
    }
}

fn load_theme(config: &Config) -> Result<Theme, Diagnostic> {
    let theme = theme::load(config)?;
    theme.tera()?;
    Ok(theme)
}

/// A site that must not replace the last good one: the theme failed (a template that
/// compiles but fails to render), or pages are missing.
fn fatal_site_problem(site: &Site, diagnostics: &[Diagnostic], page_paths: &[String]) -> Option<Diagnostic> {
    if let Some(d) =
        diagnostics.iter().find(|d| d.is_error() && d.base == diag::Base::Project && d.source.starts_with("theme"))
    {
        return Some(d.clone());
    }
    let missing: BTreeSet<&String> = page_paths.iter().filter(|p| !site.files.contains_key(*p)).collect();
    if let Some(first) = missing.first() {
        let cause = diagnostics.iter().find(|d| d.is_error()).map(|d| d.message.as_str()).unwrap_or("unknown cause");
        return Some(
            Diagnostic::error(
                "theme",
                None,
                format!("{} page(s) were not produced (first: {first}): {cause}", missing.len()),
            )
            .in_project(),
        );
    }
    if !site.files.contains_key("index.html") {
        return Some(Diagnostic::error("theme", None, "the portal index page was not produced").in_project());
    }
    None
}

/// The doc `kept` holds as parsed from `file`, whose bytes hash to `hash`, with its
/// body made again from the file's text; `None` for a doc of a folder of its own (its
/// sidecar is part of its parse) or when anything does not match.
fn take_kept(kept: &Kept, file: &SourceFile, hash: u128) -> Option<Doc> {
    if discover::is_folder_doc_file(&file.rel_path) || file.sidecar.is_some() {
        return None;
    }
    let kept = kept.doc(&file.rel_path, hash)?;
    if kept.text_hash != cache::content_hash(file.text.as_bytes()) {
        return None;
    }
    let body = parse::blank_lines(&file.text, &kept.blank);
    (cache::content_hash(body.as_bytes()) == kept.body_hash).then_some(Doc { body, ..kept.doc })
}

/// Digests of a doc's parse: of everything it holds, and of everything but its body
/// (the doc's shape). The body goes in as its content hash: its `Debug` text, escaped
/// character by character, was most of the digest's cost (200 MB of bodies on a
/// server's first build at 10,000 docs). The body is lent out of `doc` while the rest
/// is hashed, and put back.
fn parse_fingerprints(doc: &mut Doc) -> (u64, u64) {
    let body = std::mem::take(&mut doc.body);
    let mut h = cache::hasher();
    cache::hash_debug(&mut h, doc);
    let shape = h.finish();
    h.write_u128(cache::content_hash(body.as_bytes()));
    doc.body = body;
    (h.finish(), shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn portal() -> (tempfile::TempDir, Config) {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("content/adr")).unwrap();
        fs::write(tmp.path().join("content/adr/ADR-0001-first.md"), "# ADR-0001: First\n\nSee ADR-0002.\n").unwrap();
        fs::write(tmp.path().join("content/adr/ADR-0002-second.md"), "# ADR-0002: Second\n\nBody.\n").unwrap();
        fs::write(tmp.path().join("content/notes.md"), "# Notes\n\nPlain.\n").unwrap();
        let config = Config::default_at(tmp.path());
        (tmp, config)
    }

    fn assert_same_as_clean_build(site: &Site, config: &Config) {
        let clean = pipeline::build(config).unwrap().site;
        assert_eq!(site.files.keys().collect::<Vec<_>>(), clean.files.keys().collect::<Vec<_>>());
        for (path, bytes) in &clean.files {
            assert!(site.files.get(path) == Some(bytes), "{path} differs from a clean build");
        }
    }

    #[test]
    fn editing_one_doc_reparses_and_rerenders_only_what_depends_on_it() {
        let (tmp, config) = portal();
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        let first = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        assert_eq!(first.rendered, 3);
        let notes = tmp.path().join("content/notes.md");
        fs::write(&notes, "# Notes\n\nEdited.\n").unwrap();
        let second = inc.build(&HashSet::from([notes]), false, &mut Trace::new(false)).unwrap().unwrap();
        assert_eq!(second.changed, vec!["notes.md".to_string()]);
        assert_eq!(second.rendered, 1);
        assert_same_as_clean_build(&second.site, &config);
    }

    /// A server's first build takes the renders a `docportal build` left in the render
    /// cache on disk instead of rendering every doc again, and still makes what a clean
    /// build makes.
    #[test]
    fn a_first_build_takes_the_renders_a_build_left_on_disk() {
        let (_tmp, config) = portal();
        // `pipeline::build` keeps every render in the cache, as `docportal build` does.
        let clean = pipeline::build(&config).unwrap();
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        let first = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        assert_eq!((first.rendered, first.from_disk), (0, 3), "every doc from the cache");
        assert_same_as_clean_build(&first.site, &config);

        // An entry changed under the doc's key shows that it is the cache that served it.
        let theme = theme::load(&config).unwrap();
        let checked = pipeline::check(&config).unwrap();
        let linked = cache::LinkContext::new(&checked.index, &checked.graph);
        let disk = cache::RenderCache::open(&config, &theme);
        for pos in 0..checked.index.len() {
            assert!(disk.get(disk.key(&linked, pos)).is_some(), "every doc is cached");
        }
        let notes = checked.index.find_source("notes.md").unwrap();
        let poisoned = RenderedDoc { html: "<p>FROM-THE-CACHE</p>".into(), ..clean.rendered[notes].clone() };
        disk.put(disk.key(&linked, notes), &poisoned, None);
        disk.finish();
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        let first = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        let page = String::from_utf8_lossy(&first.site.files["notes.html"]).into_owned();
        assert!(page.contains("FROM-THE-CACHE"), "the server's first build read the cache");
        let other = String::from_utf8_lossy(&first.site.files["adr/ADR-0001-first.html"]).into_owned();
        assert!(other.contains("See"), "{other}");
    }

    /// A server's first build takes each doc `docportal build` kept as parsed from the
    /// same bytes, with its body made again from the file, and makes what a clean build
    /// makes; a doc whose bytes changed since is parsed.
    #[test]
    fn a_first_build_takes_the_docs_a_build_kept_parsed() {
        let (tmp, config) = portal();
        let keep = |title_of_second: &str| {
            let entries = ["adr/ADR-0001-first.md", "adr/ADR-0002-second.md", "notes.md"].map(|rel| {
                let bytes = fs::read(config.src_dir.join(rel)).unwrap();
                let file = discover::read_source(&config.src_dir.join(rel), rel).unwrap();
                let (mut doc, blank) = parse::parse_blanking(&file, &config);
                let body = std::mem::take(&mut doc.body);
                if rel.contains("0002") {
                    doc.title = title_of_second.into();
                }
                let kept = crate::parse::kept::KeptDoc {
                    doc,
                    blank,
                    text_hash: cache::content_hash(file.text.as_bytes()),
                    body_hash: cache::content_hash(body.as_bytes()),
                };
                crate::parse::kept::Entry::new(rel, DocRead::hash_of(&bytes), &kept)
            });
            Kept::open(&config).store(entries.into());
        };
        keep("Second");
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        let first = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        assert_same_as_clean_build(&first.site, &config);

        // A title only the kept parse has shows that the server took it.
        keep("KEPT-TITLE");
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        let first = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        let page = String::from_utf8_lossy(&first.site.files["adr/ADR-0002-second.html"]).into_owned();
        assert!(page.contains("KEPT-TITLE"), "the first build took the kept parse");

        // Bytes that changed since are parsed, whatever was kept for the old ones.
        fs::write(tmp.path().join("content/adr/ADR-0002-second.md"), "# ADR-0002: Second\n\nEdited.\n").unwrap();
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        let first = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        let page = String::from_utf8_lossy(&first.site.files["adr/ADR-0002-second.html"]).into_owned();
        assert!(!page.contains("KEPT-TITLE") && page.contains("Edited."));
        assert_same_as_clean_build(&first.site, &config);
    }

    #[test]
    fn an_unchanged_tree_is_not_rebuilt() {
        let (_tmp, config) = portal();
        let mut inc = Incremental::new(config, vec![]).unwrap();
        inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap();
        assert!(inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().is_none());
    }

    #[test]
    fn retitling_a_doc_changes_the_render_key_of_docs_that_reference_it() {
        let (tmp, config) = portal();
        let inc = Incremental::new(config.clone(), vec![]).unwrap();
        let doc = |rel: &str, text: &str| {
            let file = discover::decode(tmp.path().join(rel), rel.to_string(), text.as_bytes().to_vec());
            parse::parse(&file, &config)
        };
        let key_of_first = |second_title: &str, notes_text: &str| {
            let mut first = doc(
                "adr/ADR-0001-a.md",
                "# ADR-0001: A
",
            );
            first.refs = [crate::model::RawRef {
                relation: crate::model::Relation::Mentions,
                target: "ADR-0002".into(),
                label: None,
                line: Some(3),
                field: None,
            }]
            .into();
            let docs = vec![
                first,
                doc(
                    "adr/ADR-0002-b.md",
                    &format!(
                        "# ADR-0002: {second_title}
"
                    ),
                ),
                doc("notes.md", notes_text),
            ];
            let (index, _) = crate::index::build(docs, &config);
            let (graph, _) = links::build(&index, &config);
            let pos = index.find_source("adr/ADR-0001-a.md").unwrap();
            inc.render_key(&index, &graph, pos, &inc.signatures(&index))
        };
        let base = key_of_first(
            "B", "# Notes
",
        );
        assert_eq!(
            base,
            key_of_first(
                "B",
                "# Notes

An unrelated edit.
"
            )
        );
        assert_ne!(
            base,
            key_of_first(
                "B renamed",
                "# Notes
"
            )
        );
    }

    #[test]
    fn adds_and_deletes_match_a_clean_build() {
        let (tmp, config) = portal();
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap();
        fs::remove_file(tmp.path().join("content/notes.md")).unwrap();
        fs::create_dir_all(tmp.path().join("content/new/deep")).unwrap();
        fs::write(tmp.path().join("content/new/deep/ADR-0003-third.md"), "# ADR-0003: Third\n").unwrap();
        let out = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        assert_eq!(out.removed, vec!["notes.md".to_string()]);
        assert_eq!(out.changed, vec!["new/deep/ADR-0003-third.md".to_string()]);
        assert_same_as_clean_build(&out.site, &config);
    }

    /// The search memo keeps each doc's numbered terms and every term it ever numbered:
    /// a word that is gone must leave the index, and shifted positions must not mix
    /// docs up.
    #[test]
    fn search_files_follow_added_and_removed_words_and_shifted_docs() {
        let (tmp, config) = portal();
        let mut inc = Incremental::new(config, vec![]).unwrap();
        let notes = tmp.path().join("content/notes.md");
        let search_text = |inc: &Incremental| -> String {
            let site = inc.written.as_ref().expect("a written site");
            site.files
                .iter()
                .filter(|(p, _)| p.starts_with("search/"))
                .map(|(_, b)| String::from_utf8_lossy(b))
                .collect()
        };
        build_written(&mut inc, &[]);
        fs::write(
            &notes,
            "# Notes

A zebracorn grazes.
",
        )
        .unwrap();
        build_written(&mut inc, std::slice::from_ref(&notes));
        assert!(search_text(&inc).contains("zebracorn"));
        fs::write(
            &notes,
            "# Notes

Nothing grazes.
",
        )
        .unwrap();
        build_written(&mut inc, std::slice::from_ref(&notes));
        assert!(!search_text(&inc).contains("zebracorn"), "a removed word leaves the index");
        fs::remove_file(tmp.path().join("content/adr/ADR-0001-first.md")).unwrap();
        build_written(&mut inc, &[]);
        fs::write(
            &notes,
            "# Notes

Nothing grazes here.
",
        )
        .unwrap();
        build_written(&mut inc, std::slice::from_ref(&notes));
        // The same words, weighed differently: more often, then in a heading.
        fs::write(&notes, "# Notes\n\nNothing grazes here, nothing grazes there.\n").unwrap();
        build_written(&mut inc, std::slice::from_ref(&notes));
        fs::write(&notes, "# Notes\n\n## Grazes\n\nNothing here, nothing there.\n").unwrap();
        build_written(&mut inc, std::slice::from_ref(&notes));
    }

    /// With many docs the excerpts are split into group files; a group none of whose
    /// docs changed is kept from the last build, the others are made again.
    #[test]
    fn search_groups_of_unchanged_docs_are_kept_and_the_rest_follow_edits() {
        let (tmp, config) = portal();
        let doc = |n: usize, words: &str| {
            let path = tmp.path().join(format!("content/many/note-{n:03}.md"));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = format!("# Note {n}\n\nThe {words} of note {n}, long enough to fill an excerpt with several words.\n\n## Detail\n\nMore.\n");
            fs::write(&path, text).unwrap();
            path
        };
        for n in 0..150 {
            doc(n, "plain words");
        }
        let mut inc = Incremental::new(config, vec![]).unwrap();
        build_written(&mut inc, &[]);
        let groups = |inc: &Incremental| -> Vec<String> {
            let site = inc.written.as_ref().expect("a written site");
            site.files.keys().filter(|p| p.starts_with("search/g")).cloned().collect()
        };
        let before = groups(&inc);
        assert!(before.len() >= 3, "{before:?}");
        let edited = doc(75, "zebracorn grazing");
        build_written(&mut inc, &[edited]);
        let after = groups(&inc);
        assert_eq!(after.len(), before.len());
        assert_eq!(after.iter().filter(|g| !before.contains(g)).count(), 1, "{before:?} {after:?}");
        let edited = doc(0, "first words moved");
        build_written(&mut inc, &[edited]);
    }

    /// Builds, checks the site against a clean build, and hands it back as written,
    /// the way `serve` does. Returns how many doc pages went through the templates.
    fn build_written(inc: &mut Incremental, hints: &[PathBuf]) -> usize {
        let hints: HashSet<PathBuf> = hints.iter().cloned().collect();
        let out = inc.build(&hints, true, &mut Trace::new(false)).unwrap().unwrap();
        assert_same_as_clean_build(&out.site, inc.config());
        let pages = out.pages;
        inc.written(out.site);
        pages
    }

    fn page_text(inc: &Incremental, page: &str) -> String {
        let dest = inc.written.as_ref().expect("a written site");
        String::from_utf8_lossy(dest.files.get(page).expect(page)).into_owned()
    }

    fn linked_portal(precompress: bool) -> (tempfile::TempDir, Incremental) {
        let (tmp, mut config) = portal();
        config.precompress = precompress;
        fs::create_dir_all(tmp.path().join("content/trd")).unwrap();
        fs::write(
            tmp.path().join("content/trd/TRD-0001-limits.md"),
            "# TRD-0001: Limits\n\n| **Field** | Value |\n|---|---|\n| **Status** | Draft |\n| **Related** | ADR-0002 |\n\n## Design\n\nSee [the second](../adr/ADR-0002-second.md#body).\n",
        )
        .unwrap();
        let inc = Incremental::new(config, vec![]).unwrap();
        (tmp, inc)
    }

    #[test]
    fn pages_carried_over_from_the_previous_build_match_a_clean_build_after_every_kind_of_edit() {
        for precompress in [false, true] {
            let (tmp, mut inc) = linked_portal(precompress);
            let path = |rel: &str| tmp.path().join("content").join(rel);
            let edit = |rel: &str, text: &str| {
                let p = path(rel);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(&p, text).unwrap();
                p
            };
            assert_eq!(build_written(&mut inc, &[]), 4);

            // A body edit in an unlinked doc re-renders its page only.
            let p = edit("notes.md", "# Notes\n\nEdited.\n");
            assert_eq!(build_written(&mut inc, &[p]), 1);

            // A new title reaches every page that links to the doc or is linked from it.
            let p = edit("adr/ADR-0002-second.md", "# ADR-0002: Second, renamed\n\n## Body\n\nText.\n");
            assert!(build_written(&mut inc, &[p]) >= 3);
            assert!(page_text(&inc, "adr/ADR-0001-first.html").contains("Second, renamed"));
            assert!(page_text(&inc, "trd/TRD-0001-limits.html").contains("Second, renamed"));

            // A status nobody had before: a new status page, new badges on linking pages.
            let p = edit(
                "adr/ADR-0002-second.md",
                "# ADR-0002: Second, renamed\n\n**Status**: On Hold\n\n## Body\n\nText.\n",
            );
            build_written(&mut inc, &[p]);

            // An unlinked doc sorting between two linked ones moves one of them: its
            // neighbourhood graph names nodes by position.
            let p = edit("adr/ADR-0004-plain.md", "# ADR-0004: Plain\n\n**Status**: Draft\n");
            build_written(&mut inc, &[p]);

            // A new status takes the status page path `on-hold` had, so every `On Hold`
            // badge points elsewhere.
            let p = edit("adr/ADR-0005-held.md", "# ADR-0005: Held\n\n**Status**: On (hold)\n");
            build_written(&mut inc, &[p]);
            assert!(page_text(&inc, "adr/ADR-0002-second.html").contains("on-hold-2.html"));

            // The anchor another doc points at disappears.
            let p = edit("adr/ADR-0002-second.md", "# ADR-0002: Second, renamed\n\n## Other\n\nText.\n");
            build_written(&mut inc, &[p]);

            // A doc sorting first shifts every position (graph node names).
            let p = edit("adr/ADR-0000-zero.md", "# ADR-0000: Zero\n\nSupersedes ADR-0001.\n");
            build_written(&mut inc, &[p]);

            // Pages that other parts of the site overwrite, and two docs on one page.
            let a = edit("index.md", "# Index doc\n\nSee ADR-0001.\n");
            let b = edit("notes.markdown", "# Notes again\n\nSame page path.\n");
            build_written(&mut inc, &[a, b]);
            let b = edit("notes.markdown", "# Notes again\n\nEdited.\n");
            build_written(&mut inc, &[b]);
            fs::remove_file(path("notes.markdown")).unwrap();
            build_written(&mut inc, &[]);

            // A duplicate id, then a rename and a delete.
            let p = edit("adr/ADR-0001-copy.md", "# ADR-0001: Copy\n\nSee ADR-0002.\n");
            build_written(&mut inc, &[p]);
            fs::rename(path("adr/ADR-0001-copy.md"), path("adr/ADR-0003-third.md")).unwrap();
            build_written(&mut inc, &[]);
            fs::remove_file(path("adr/ADR-0002-second.md")).unwrap();
            build_written(&mut inc, &[]);

            // A theme reload re-renders every page.
            inc.reload_theme().unwrap();
            let out = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
            assert_eq!(out.pages, out.docs);
            assert_same_as_clean_build(&out.site, inc.config());
        }
    }

    #[test]
    fn links_kept_from_the_last_build_follow_the_files_and_headings_they_point_at() {
        let (tmp, mut inc) = linked_portal(false);
        let path = |rel: &str| tmp.path().join("content").join(rel);
        fs::write(path("adr/ADR-0001-first.md"), "# ADR-0001: First\n\nSee ADR-0002 and ![flow](flow.png).\n").unwrap();
        build_written(&mut inc, &[]);

        // The image appears, then goes: the doc linking to it is unchanged both times.
        let png = path("adr/flow.png");
        fs::write(&png, b"\x89PNG").unwrap();
        build_written(&mut inc, std::slice::from_ref(&png));
        assert!(inc.written.as_ref().unwrap().files.contains_key("adr/flow.png"));
        fs::write(&png, b"\x89PNG, redrawn").unwrap();
        build_written(&mut inc, std::slice::from_ref(&png));
        fs::remove_file(&png).unwrap();
        build_written(&mut inc, &[png]);

        // The heading TRD-0001 links to is renamed in its target, which alone changes.
        let adr = path("adr/ADR-0002-second.md");
        fs::write(&adr, "# ADR-0002: Second\n\n## Renamed\n\nBody.\n").unwrap();
        build_written(&mut inc, std::slice::from_ref(&adr));
        assert!(page_text(&inc, "trd/TRD-0001-limits.html").contains("has no heading"));
        fs::write(&adr, "# ADR-0002: Second\n\n## Body\n\nBody.\n").unwrap();
        build_written(&mut inc, &[adr]);

        // A body edit elsewhere keeps every other doc's links as they were.
        let notes = path("notes.md");
        fs::write(&notes, "# Notes\n\nEdited, see ADR-0001.\n").unwrap();
        build_written(&mut inc, &[notes]);
    }

    /// A save that changes only a doc's body (its metadata, references and their lines,
    /// headings and diagnostics as they were) takes the last build's index and links;
    /// anything more builds them again. Either way the site and the diagnostics are a
    /// clean build's.
    #[test]
    fn a_body_only_edit_keeps_the_index_and_links_and_still_matches_a_clean_build() {
        let (tmp, mut inc) = linked_portal(false);
        let path = |rel: &str| tmp.path().join("content").join(rel);
        let step = |inc: &mut Incremental, rel: &str, text: &str, lost: bool| {
            let file = path(rel);
            if text.is_empty() {
                fs::remove_file(&file).unwrap();
            } else {
                fs::write(&file, text).unwrap();
            }
            let mut trace = Trace::new(true);
            let out = inc.build(&HashSet::from([file]), !lost, &mut trace).unwrap().unwrap();
            let clean = pipeline::build(inc.config()).unwrap();
            assert_same_as_clean_build(&out.site, inc.config());
            assert_eq!(out.diagnostics, clean.checked.diagnostics, "after writing {rel}");
            inc.written(out.site);
            trace.summary().contains("index+links kept")
        };
        build_written(&mut inc, &[]);
        let adr_text = |body: &str| format!("# ADR-0002: Second\n\n## Body\n\n{body}\n");
        assert!(!step(&mut inc, "adr/ADR-0002-second.md", &adr_text("Body. See ADR-0404."), false));
        // Words change on a line: the links stay, the page shows the new words.
        assert!(step(&mut inc, "adr/ADR-0002-second.md", &adr_text("Body, reworded. See ADR-0404."), false));
        assert!(page_text(&inc, "adr/ADR-0002-second.html").contains("reworded"));
        assert!(step(&mut inc, "adr/ADR-0002-second.md", &adr_text("Body, again. See ADR-0404."), false));
        // A line added before a reference moves its line: its warning must move too.
        assert!(!step(&mut inc, "adr/ADR-0002-second.md", &adr_text("Above.\n\nBody. See ADR-0404."), false));
        // A reference added, a heading renamed, a title changed: all relink.
        assert!(!step(&mut inc, "adr/ADR-0002-second.md", &adr_text("Above.\n\nBody. See ADR-0001."), false));
        assert!(!step(&mut inc, "adr/ADR-0002-second.md", "# ADR-0002: Second\n\n## Renamed\n\nBody.\n", false));
        assert!(page_text(&inc, "trd/TRD-0001-limits.html").contains("has no heading"));
        assert!(!step(&mut inc, "trd/TRD-0001-limits.md", "# TRD-0001: Limits, renamed\n\nSee ADR-0002.\n", false));
        // The body of a linked doc changes: pages linking to it are as a clean build's.
        assert!(step(&mut inc, "trd/TRD-0001-limits.md", "# TRD-0001: Limits, renamed\n\nSee ADR-0002!\n", false));
        // A watcher that lost events, or a doc gone, relinks.
        assert!(!step(&mut inc, "trd/TRD-0001-limits.md", "# TRD-0001: Limits, renamed\n\nSee ADR-0002?\n", true));
        assert!(!step(&mut inc, "notes.md", "", false));
        assert!(step(&mut inc, "adr/ADR-0001-first.md", "# ADR-0001: First\n\nSee ADR-0002, still.\n", false));
    }

    #[test]
    fn a_sidecar_change_alone_rebuilds_its_folder_doc_with_or_without_a_hint() {
        let (tmp, config) = portal();
        let folder = tmp.path().join("content/keps/1672-endpoints");
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join("README.md"), "# Endpoints\n\nBody.\n").unwrap();
        let kep = folder.join("kep.yaml");
        fs::write(&kep, "status: provisional\n").unwrap();
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        build_written(&mut inc, &[]);
        let status = |out: &Outcome| String::from_utf8_lossy(&out.site.files["docs.json"]).contains("\"implemented\"");

        // The watcher names only kep.yaml: the fast path re-reads the README beside it.
        fs::write(&kep, "status: implemented\n").unwrap();
        let mut trace = Trace::new(true);
        let out = inc.build(&HashSet::from([kep.clone()]), true, &mut trace).unwrap().unwrap();
        assert!(trace.summary().contains("hinted files"), "no walk: {}", trace.summary());
        assert_eq!(out.changed, ["keps/1672-endpoints/README.md"]);
        assert!(status(&out));
        assert_same_as_clean_build(&out.site, &config);
        inc.written(out.site);

        // No hint at all (a lost event, the idle audit): the stamp covers the sidecar, and
        // a new metadata.json that appears is seen too once kep.yaml goes.
        fs::remove_file(&kep).unwrap();
        fs::write(folder.join("metadata.json"), "{\"status\": \"rejected\"}\n").unwrap();
        let out = inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().unwrap();
        assert_eq!(out.changed, ["keps/1672-endpoints/README.md"]);
        assert!(!status(&out));
        assert_same_as_clean_build(&out.site, &config);
    }

    /// Runs git in `dir` as a fixed author at a fixed date; false when git is missing.
    fn git(dir: &Path, date: &str, args: &[&str]) -> bool {
        let who = ["-c", "user.name=Ada Park", "-c", "user.email=ada@example.org", "-c", "commit.gpgsign=false"];
        let dates = [("GIT_AUTHOR_DATE", date), ("GIT_COMMITTER_DATE", date)];
        let run = std::process::Command::new("git").arg("-C").arg(dir).args(who).args(args).envs(dates).output();
        run.is_ok_and(|o| o.status.success())
    }

    #[test]
    fn git_history_is_read_once_per_repository_state_and_dates_match_a_clean_build() {
        let (tmp, config) = portal();
        let root = tmp.path();
        if !git(root, "2020-01-02T10:00:00Z", &["init", "-q"]) {
            eprintln!("git is not installed; skipping");
            return;
        }
        assert!(git(root, "2020-01-02T10:00:00Z", &["add", "-A"]));
        assert!(git(root, "2020-01-02T10:00:00Z", &["commit", "-q", "-m", "first"]));
        let mut inc = Incremental::new(config.clone(), vec![]).unwrap();
        build_written(&mut inc, &[]);
        assert_eq!(inc.history.reads, 1);
        assert!(page_text(&inc, "docs.json").contains("2020-01-02"));

        // Saves do not touch the history: it is not read again.
        let notes = root.join("content/notes.md");
        for text in ["# Notes\n\nOne.\n", "# Notes\n\nTwo.\n"] {
            fs::write(&notes, text).unwrap();
            build_written(&mut inc, std::slice::from_ref(&notes));
        }
        assert_eq!(inc.history.reads, 1);

        // A commit of what is already saved changes no file, but `updated` moves: the
        // next build notices the new HEAD, reads the history again and rebuilds.
        assert!(git(root, "2021-05-06T10:00:00Z", &["commit", "-q", "-am", "second"]));
        build_written(&mut inc, &[]);
        assert_eq!(inc.history.reads, 2);
        assert!(page_text(&inc, "docs.json").contains("2021-05-06"));
        assert!(inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap().is_none());
        assert_eq!(inc.history.reads, 2);

        // A branch switch (HEAD moves to another ref) is seen too.
        assert!(git(root, "2022-07-08T10:00:00Z", &["checkout", "-q", "-b", "other"]));
        fs::write(&notes, "# Notes\n\nThree.\n").unwrap();
        assert!(git(root, "2022-07-08T10:00:00Z", &["commit", "-q", "-am", "third"]));
        assert!(git(root, "2022-07-08T10:00:00Z", &["checkout", "-q", "-"]));
        fs::write(&notes, "# Notes\n\nFour.\n").unwrap();
        build_written(&mut inc, std::slice::from_ref(&notes));
        assert_eq!(inc.history.reads, 3, "checking out back and forth moved HEAD's reflog");
        assert!(!page_text(&inc, "docs.json").contains("2022-07-08"));
    }

    #[test]
    fn a_vanished_docs_folder_is_an_error_not_an_empty_site() {
        let (tmp, config) = portal();
        let mut inc = Incremental::new(config, vec![]).unwrap();
        inc.build(&HashSet::new(), false, &mut Trace::new(false)).unwrap();
        fs::remove_dir_all(tmp.path().join("content")).unwrap();
        assert!(inc.build(&HashSet::new(), false, &mut Trace::new(false)).is_err());
    }
}

#[cfg(test)]
mod static_tests {
    use super::*;
    use std::fs;

    /// Every file under `dir` but the manifest, as the site holds them.
    fn on_disk(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| (discover::rel_path(dir, e.path()), fs::read(e.path()).unwrap()))
            .filter(|(rel, _)| rel != crate::write::MANIFEST)
            .collect()
    }

    /// One rebuild written as `serve` writes it (in place the first time, then from
    /// what the last build says is on disk); the site must equal a clean build's and
    /// the destination must hold it exactly. Gives the outcome's page count, or `None`
    /// when nothing changed.
    fn serve_once(inc: &mut Incremental, hints: &[PathBuf], kept: &mut crate::write::Kept) -> Option<usize> {
        let config = inc.config().clone();
        let hints: HashSet<PathBuf> = hints.iter().cloned().collect();
        let out = inc.build(&hints, true, &mut Trace::new(false)).unwrap()?;
        let clean = pipeline::build(&config).unwrap().site;
        assert_eq!(out.site.files, clean.files, "the same files as a clean build");
        let written = match &out.on_disk {
            Some(b) => {
                let on_disk = crate::write::OnDisk { unchanged: &b.unchanged, others: &b.others, kept };
                crate::write::update_from(&out.site, on_disk, &config.build_dir, &config)
            }
            None => crate::write::update_in_place(&out.site, &config.build_dir, &config),
        };
        *kept = written.unwrap().kept;
        assert!(on_disk(&config.build_dir) == out.site.files, "the destination holds the site");
        let pages = out.pages;
        inc.written(out.site);
        Some(pages)
    }

    /// Static files over the site through a run of serve's rebuilds: one replacing a
    /// doc page and the 404 page, edited, then deleted (the site's own pages come back,
    /// though the keys that made them never changed), with and without `.gz` twins; and a
    /// static-only change rebuilds although no doc changed.
    #[test]
    fn static_files_over_the_site_follow_every_change_on_disk() {
        for precompress in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path();
            let write = |rel: &str, text: &str| {
                let path = root.join(rel);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, text).unwrap();
                path
            };
            write("content/adr/ADR-0001-first.md", "# ADR-0001: First\n\nSee ADR-0002.\n");
            write("content/adr/ADR-0002-second.md", "# ADR-0002: Second\n\nBody.\n");
            let mut config = Config::default_at(root);
            config.precompress = precompress;
            let mut inc = Incremental::new(config, vec![]).unwrap();
            let mut kept = crate::write::Kept::default();
            let long = "Disallow: /drafts/\n".repeat(30);
            let robots = write("static/robots.txt", &format!("User-agent: *\n{long}"));
            write("static/.well-known/security.txt", "Contact: mailto:security@acme.example\n");
            serve_once(&mut inc, &[], &mut kept).unwrap();
            let site = |rel: &str| fs::read_to_string(root.join("book").join(rel)).unwrap_or_default();
            assert!(site("robots.txt").contains("drafts"));

            let page = write("static/adr/ADR-0001-first.html", "<p>mine</p>\n");
            let missing = write("static/404.html", &format!("<p>lost {long}</p>\n"));
            assert!(serve_once(&mut inc, &[page.clone(), missing.clone()], &mut kept).is_some(), "no doc changed");
            assert_eq!(site("adr/ADR-0001-first.html"), "<p>mine</p>\n");
            // The doc behind the page changes while the static file stands in for it.
            let second = write("content/adr/ADR-0002-second.md", "# ADR-0002: Second, renamed\n\nBody.\n");
            serve_once(&mut inc, &[second], &mut kept).unwrap();
            let notes = write("content/notes.md", "# Notes\n\nPlain.\n");
            serve_once(&mut inc, &[notes], &mut kept).unwrap();
            write("static/adr/ADR-0001-first.html", "<p>mine, edited</p>\n");
            serve_once(&mut inc, std::slice::from_ref(&page), &mut kept).unwrap();

            fs::remove_file(&page).unwrap();
            fs::remove_file(&missing).unwrap();
            serve_once(&mut inc, &[page, missing], &mut kept).unwrap();
            assert!(site("adr/ADR-0001-first.html").contains("Second, renamed"), "the doc's page is back");
            assert!(site("404.html").contains("<html"));
            fs::remove_file(&robots).unwrap();
            serve_once(&mut inc, &[robots], &mut kept).unwrap();
            assert_eq!(site("robots.txt"), "User-agent: *\nAllow: /\n");
            assert!(serve_once(&mut inc, &[], &mut kept).is_none());
            assert!(kept.is_empty());
        }
    }
}
