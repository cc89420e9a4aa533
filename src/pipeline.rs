//! The whole build, stage after stage: config → discover → parse → index → links →
//! render → site, the static folder's files last over it ([`crate::static_files`]).
//! Returns every intermediate value, so `check` can stop after the links stage and
//! `serve` can keep what it needs for an incremental rebuild.
//! Writing to disk is the caller's choice: [`build`] returns the whole site in memory
//! (`serve`), [`build_into`] streams it into a `write::Staging` (`docportal build`);
//! both make the same bytes.

use crate::bodies::{Bodies, Recipe};
use crate::config::Config;
use crate::diag::{self, Diagnostic};
use crate::fresh::{DocRead, DocReader, DocsRead, PreviousPages};
use crate::index::{self, Index};
use crate::links::kept_headings::KeptHeadings;
use crate::links::kept_links::{self, KeptLinks};
use crate::links::{self, LinkGraph};
use crate::model::{Doc, RenderedDoc, SourceFile};
use crate::parse::kept::{self, Kept};
use crate::search::kept_terms::KeptTerms;
use crate::serve::trace::Trace;
use crate::site::{self, Site, SiteInput};
use crate::static_files::{self, StaticFiles};
use crate::{cache, discover, git, parse, publish, render, theme, write};
use rayon::prelude::*;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The result of the checking stages (no HTML).
pub struct Checked {
    pub index: Index,
    pub graph: LinkGraph,
    /// Sorted, every stage's diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// A whole build, ready to write.
pub struct Built {
    pub checked: Checked,
    pub rendered: Vec<RenderedDoc>,
    pub site: Site,
}

/// Reads, parses, indexes and links the portal. `Err` only when the docs folder
/// itself cannot be read.
pub fn check(config: &Config) -> Result<Checked, Diagnostic> {
    Ok(check_traced(config, false, &DocReader::default(), &mut Trace::new(false))?.0)
}

/// [`check`], with a span per stage in `trace`, each doc read by `reader`. With
/// `leave_bodies`, each doc's body is dropped once parsed and its [`Recipe`] kept
/// instead (the bodies are then read back from the files: [`Bodies::OnDisk`]); else
/// the docs keep them ([`Bodies::Held`]). Also gives how many docs' links were taken
/// as the last build resolved them ([`KeptLinks`], whose files this build rewrites).
fn check_traced(
    config: &Config,
    leave_bodies: bool,
    reader: &DocReader,
    trace: &mut Trace,
) -> Result<(Checked, Bodies, DocsRead, usize), Diagnostic> {
    let (paths, mut diags) = reader.walk(config)?;
    let walk = diags.clone();
    let keeping = leave_bodies && reader.is_on();
    let mut kept = if keeping { Kept::open(config) } else { Kept::off() };
    let kept_headings = if keeping { KeptHeadings::open(config) } else { KeptHeadings::off() };
    let kept_links = if keeping { KeptLinks::open(config) } else { KeptLinks::off() };
    let taken = take_kept(&paths, leave_bodies, &kept, reader);
    kept.release_loaded();
    trace.count("docs as parsed last build", taken.iter().filter(|t| t.is_some()).count());
    let unread: Vec<&discover::FoundFile> =
        paths.iter().zip(&taken).filter(|(_, t)| t.is_none()).map(|(p, _)| p).collect();
    let ((docs, bodies, reads, entries), (history, git_diags)) = std::thread::scope(|s| {
        s.spawn(|| discover::prefetch(unread.iter().copied()));
        // `git log` is another process: it runs while the docs are parsed.
        let git = s.spawn(|| git::read(config));
        let parsed = read_and_parse(&paths, taken, config, (leave_bodies, &kept), reader, &mut diags);
        (parsed, git.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    trace.mark("discover+parse");
    let links_done = AtomicBool::new(false);
    let (checked, linked_before, ahead) = std::thread::scope(|s| {
        // Written while the docs are linked: nothing reads it before the next build.
        s.spawn(|| kept.store(entries));
        // The links stage leaves a core mostly idle: a thread at the lowest priority
        // highlights the code of the docs parsed afresh (a doc kept from the last build
        // most likely has its render kept too) for the render to take; what no render
        // takes is dropped with the highlighting memo once the doc pages are written.
        let ahead = keeping.then(|| {
            let fresh = unread.iter().filter_map(|(_, rel)| bodies.on_disk(rel, config)).map(|body| body.text);
            s.spawn(|| render::highlight_ahead(fresh, &links_done))
        });
        let known = |source: &str| kept_headings.get(bodies.body_hash_of(source)?);
        let known: links::KnownHeadings = &known;
        // Worked out by the first doc the links stage asks about, once the index exists.
        let shape = OnceLock::new();
        let earlier = |index: &Index, pos: usize| {
            kept_links.get(*shape.get_or_init(|| kept_links::shape_of(index)), index, pos, &bodies)
        };
        let earlier: Option<links::EarlierLinks> = if kept_links.is_on() { Some(&earlier) } else { None };
        let (checked, fresh, headings) =
            index_and_link_with(docs, config, &mut diags, (&history, &git_diags), (&bodies, Some(known), earlier));
        let targets: Vec<(u128, Vec<String>)> =
            headings.into_iter().map(|(pos, anchors)| (bodies.body_hash(&checked.index, pos), anchors)).collect();
        let kept_headings = &kept_headings;
        s.spawn(move || kept_headings.store(targets.iter().map(|(hash, anchors)| (*hash, &anchors[..]))));
        let shape = shape.get().copied().unwrap_or_else(|| kept_links::shape_of(&checked.index));
        let linked_before = if kept_links.is_on() { checked.index.len() - fresh.len() } else { 0 };
        let to_store = kept_links.to_store(shape, &checked.index, &bodies, fresh);
        // Written now, not beside the render: the last build's links and this one's
        // (21 MB and more at 10,000 docs) are dropped before the render's peak.
        let kept_links = &kept_links;
        s.spawn(move || kept_links.store(to_store));
        links_done.store(true, Ordering::Relaxed);
        (checked, linked_before, ahead.map_or(0, |ahead| ahead.join().unwrap_or(0)))
    });
    trace.mark("git+index+links");
    trace.count("code blocks highlighted ahead", ahead);
    trace.count("docs linked as last build", linked_before);
    Ok((checked, bodies, DocsRead::new(walk, reads), linked_before))
}

/// A doc kept from the last build: what the record keeps of its file, the doc, its entry.
type Taken = (DocRead, kept::KeptDoc, kept::Entry);

/// For each of `paths`, the doc `kept` holds for it when its file still holds the bytes
/// the last build parsed ([`DocReader::known`]); all `None` unless a streaming build
/// keeps docs.
fn take_kept(paths: &[discover::FoundFile], leave_bodies: bool, kept: &Kept, reader: &DocReader) -> Vec<Option<Taken>> {
    if !(leave_bodies && kept.is_on()) {
        return paths.iter().map(|_| None).collect();
    }
    paths
        .par_iter()
        .with_max_len(64)
        .map(|(abs, rel)| {
            let read = reader.known(abs, rel)?;
            let (doc, entry) = kept.get(rel, read.hash())?;
            Some((read, doc, entry))
        })
        .collect()
}

/// Each file is read and parsed in one step, so no more than one source text per
/// thread is held at once ([`discover::discover`] would read them all first). With
/// `kept` on (and `leave_bodies`), a doc whose file still holds the bytes the last build
/// parsed ([`DocReader::known`]) is taken from there without a read, and every doc
/// parsed or taken comes back as an entry for the next build.
fn read_and_parse(
    paths: &[discover::FoundFile],
    taken: Vec<Option<Taken>>,
    config: &Config,
    (leave_bodies, kept): (bool, &Kept),
    reader: &DocReader,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Doc>, Bodies, Vec<Option<DocRead>>, Vec<kept::Entry>) {
    type Parsed = (Result<(Doc, Option<Recipe>), Diagnostic>, Option<DocRead>, Option<kept::Entry>);
    let keeping = leave_bodies && kept.is_on();
    // A few docs per task, so that no long run of them is left to one thread at the end.
    let parsed: Vec<Parsed> = paths
        .par_iter()
        .zip(taken)
        .with_max_len(16)
        .map(|((abs, rel), taken)| {
            if let Some((read, kept, entry)) = taken {
                let recipe = Recipe::kept(abs.clone(), &kept);
                return (Ok((kept.doc, Some(recipe))), Some(read), Some(entry));
            }
            let (file, read) = reader.read(abs, rel);
            let mut entry = None;
            let parsed = file.map(|file| {
                if !leave_bodies {
                    return (parse::parse(&file, config), None);
                }
                let (mut doc, blank) = parse::parse_blanking(&file, config);
                let body = std::mem::take(&mut doc.body);
                let recipe = Recipe::new(&file, blank, &body);
                if let Some(read) = read.as_ref().filter(|r| keeping && r.of_bytes_alone()) {
                    let (blank, text_hash, body_hash) = recipe.parts();
                    let kept = kept::KeptDoc { doc, blank: blank.to_vec(), text_hash, body_hash };
                    entry = Some(kept::Entry::new(rel, read.hash(), &kept));
                    return (kept.doc, Some(recipe));
                }
                (doc, Some(recipe))
            });
            (parsed, read, entry)
        })
        .collect();
    let mut docs = Vec::with_capacity(parsed.len());
    let mut recipes = HashMap::new();
    let mut reads = Vec::with_capacity(parsed.len());
    let mut entries = Vec::new();
    for (doc, read, entry) in parsed {
        reads.push(read);
        entries.extend(entry);
        match doc {
            Ok((doc, recipe)) => {
                if let Some(recipe) = recipe {
                    recipes.insert(doc.source.clone(), recipe);
                }
                docs.push(doc);
            }
            Err(d) => diags.push(d),
        }
    }
    (docs, if leave_bodies { Bodies::OnDisk(recipes) } else { Bodies::Held }, reads, entries)
}

pub fn parse_all(files: &[SourceFile], config: &Config) -> Vec<Doc> {
    files.par_iter().map(|f| parse::parse(f, config)).collect()
}

/// Indexes and links parsed docs, collecting every diagnostic into `diags`.
pub fn index_and_link(docs: Vec<Doc>, config: &Config, diags: &mut Vec<Diagnostic>) -> Checked {
    let (history, git_diags) = git::read(config);
    index_and_link_with(docs, config, diags, (&history, &git_diags), (&Bodies::Held, None, None)).0
}

/// [`index_and_link`] with the git history already read (`serve` keeps it between
/// builds); the links stage reads the bodies it needs from `bodies`, unless `known`
/// has their headings, and takes the docs' links from `earlier` where it can (see
/// [`links::build_reusing`], which also gives back the links it resolved afresh and the
/// headings of the `#anchor` targets).
pub fn index_and_link_with(
    docs: Vec<Doc>,
    config: &Config,
    diags: &mut Vec<Diagnostic>,
    (history, git_diags): (&git::GitHistory, &[Diagnostic]),
    (bodies, known, earlier): (&Bodies, Option<links::KnownHeadings>, Option<links::EarlierLinks>),
) -> (Checked, Vec<(usize, links::DocLinks)>, links::TargetHeadings) {
    diags.extend(docs.iter().flat_map(|d| d.diagnostics.iter().cloned()));
    diags.extend(parse::portal_diagnostics(&docs, config));
    diags.extend(git_diags.iter().cloned());
    let docs = git::apply(docs, history);
    let (index, index_diags) = index::build(docs, config);
    diags.extend(index_diags);
    let (graph, link_diags, fresh, headings) = links::build_reusing(&index, config, (bodies, known), earlier);
    diags.extend(link_diags);
    let mut diagnostics = std::mem::take(diags);
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    (Checked { index, graph, diagnostics }, fresh, headings)
}

/// What the streaming build keeps of a doc between its render and its page.
struct StreamedDoc {
    pos: usize,
    /// The key its render missed under, stored with the render once the page is written.
    missed: Cell<Option<cache::Lookup>>,
    /// Its article, when the render cache left it in the last site's page.
    pending: Option<cache::PendingArticle>,
}

/// Runs every stage up to the finished site (in memory).
pub fn build(config: &Config) -> Result<Built, Diagnostic> {
    let theme = theme::load(config)?;
    // A template that does not compile stops the build before anything is written.
    theme.tera()?;
    let statics = static_files::read(config)?;
    let checked = check(config)?;
    Ok(build_from(checked, &theme, &statics, config))
}

/// Renders and assembles the site from already-checked docs, `statics` over it.
pub fn build_from(checked: Checked, theme: &theme::Theme, statics: &StaticFiles, config: &Config) -> Built {
    let (index, graph) = (&checked.index, &checked.graph);
    let (cache, linked) = (cache::RenderCache::open(config, theme), cache::LinkContext::new(index, graph));
    let rendered: Vec<RenderedDoc> = (0..index.len())
        .into_par_iter()
        .with_max_len(1)
        .map(|i| cache.render_with(&linked, i, || render::render(index, graph, i, config)))
        .collect();
    cache.finish();
    assemble(checked, rendered, theme, statics, config)
}

/// [`build`], written to `staging` as it goes ([`site::build_streaming`]): a doc's page
/// is written and its article dropped as soon as it is rendered, and no Markdown body is
/// held from parse to render (each is read back from its file: [`Bodies::OnDisk`]), so
/// peak memory holds the index, the link graph and each doc's search analysis rather
/// than the whole site. The files are those [`build`] makes, byte for byte (unless a
/// doc's file changes during the build: see [`crate::bodies`]). The caller commits
/// `staging` (or drops it, which leaves the destination as it was). Returns the
/// checked docs (without their Markdown bodies and raw references) with every
/// diagnostic of the build; `trace` gets a span per stage.
///
/// A doc page the last build of the destination wrote from the same inputs (`previous`,
/// from [`crate::fresh`]) is hard-linked from there instead of rendered again; the key
/// of every doc page written comes back with the checked docs, for the next build, and
/// so does what `reader` noted of the docs it read.
pub fn build_into(
    config: &Config,
    staging: &write::Staging,
    (previous, reader): (&PreviousPages, &DocReader),
    trace: &mut Trace,
) -> Result<Result<BuiltInto, write::WriteError>, Diagnostic> {
    let theme = theme::load(config)?;
    // A template that does not compile stops the build before anything is written.
    let tera = theme.tera()?;
    // Nor does a static folder that cannot be one; its files are read once the pages
    // are written, not held through the render.
    let statics = static_files::find(config)?;
    trace.mark("theme");
    let (mut checked, bodies, read, _) = check_traced(config, true, reader, trace)?;
    // Resolved into the link graph, the raw references are read by nothing after the
    // links stage (at 10,000 docs they were 50 MB).
    for doc in &mut checked.index.docs {
        doc.refs = Default::default();
    }
    // With them the links stage's working set (the last build's kept links and this
    // one's, written by now), before the render's peak.
    crate::release_free_memory();
    let streamed = stream_from(checked, &bodies, (&theme, &tera), config, (staging, previous, statics), trace);
    Ok(streamed.map(|(checked, page_keys)| BuiltInto { checked, page_keys, read }))
}

/// What [`build_into`] returns once the site is in the staging folder.
pub struct BuiltInto {
    /// The checked docs, without their bodies and raw references, with every diagnostic.
    pub checked: Checked,
    /// Each doc page's path and input key.
    pub page_keys: site::PageKeys,
    /// What was read of each doc, for the up-to-date record.
    pub read: DocsRead,
}

fn stream_from(
    checked: Checked,
    bodies: &Bodies,
    (theme, tera): (&theme::Theme, &tera::Tera),
    config: &Config,
    (staging, previous, statics): (&write::Staging, &PreviousPages, static_files::Found),
    trace: &mut Trace,
) -> Result<(Checked, site::PageKeys), write::WriteError> {
    // With `precompress`, the `.gz` of a file written at `path` (or none, when it would not pay).
    let compressed = |path: &str, bytes: &[u8]| -> Result<(), write::WriteError> {
        if config.precompress {
            let gz_path = format!("{path}.gz");
            match publish::gzip(path, bytes) {
                Some(gz) => staging.put(&gz_path, &gz)?,
                None => staging.remove(&gz_path)?,
            }
        }
        Ok(())
    };
    let put = |path: &str, bytes: &[u8]| -> Result<(), write::WriteError> {
        staging.put(path, bytes)?;
        compressed(path, bytes)
    };
    // Not with `precompress`: the carried-over page's `.gz` would have to come too.
    let keep = |path: &str, key: u64| -> Result<bool, write::WriteError> {
        Ok(!config.precompress && previous.holds(path, key) && staging.keep_previous(path)?)
    };
    let (index, graph) = (&checked.index, &checked.graph);
    let (cache, linked) = (cache::RenderCache::open(config, theme), cache::LinkContext::new(index, graph));
    let input = site_input(&checked, &[], theme, config, &checked.diagnostics);
    // docs.json and the hosting files, written while the search files and portal pages
    // are made: neither takes a path of theirs.
    let index_files = |diagnostics: &[Diagnostic], docs_json: bool| -> Result<(), write::WriteError> {
        if docs_json {
            let written = staging.put_with(site::docs_json::PATH, |out| {
                site::docs_json::write(out, index, graph, diagnostics, config)
            })?;
            if config.precompress {
                let bytes =
                    std::fs::read(&written).map_err(|e| write::WriteError { path: written, message: e.to_string() })?;
                compressed(site::docs_json::PATH, &bytes)?;
            }
        }
        for (path, bytes) in publish::extras(config, index) {
            put(&path, &bytes)?;
        }
        Ok(())
    };
    // A doc's render: cached (with `reuse`) or made now, with its key (`None` when the
    // cache is off or the file changed during the build: such a page is never carried
    // over, nor cached).
    let render_doc = |i: usize, reuse: bool| -> (RenderedDoc, Option<cache::Lookup>, Option<cache::PendingArticle>) {
        // Keyed by the body's hash from the parse: the file is read only to render it.
        let body_hash = bodies.body_hash(index, i);
        let mut warning = None;
        let mut render = || {
            let body = bodies.get(index, i, config);
            warning = body.warning;
            render::render_body(index, graph, i, &body.text, config)
        };
        let (mut rendered, lookup, pending) = if reuse {
            cache.render_body_with(&linked, i, body_hash, render)
        } else {
            (render(), Some(cache::Lookup { key: cache.key_for_body_hash(&linked, i, body_hash), hit: false }), None)
        };
        // A doc whose file changed during the build warns on its page (the warning joins
        // its render's diagnostics).
        let lookup = lookup.filter(|_| warning.is_none());
        rendered.diagnostics.extend(warning);
        (rendered, lookup, pending)
    };
    let (streamed, ()) = site::build_streaming(
        &input,
        tera,
        (
            |i| {
                let (rendered, lookup, pending) = render_doc(i, true);
                let missed = lookup.filter(|l| !l.hit);
                (rendered, lookup.map(|l| l.key.short()), StreamedDoc { pos: i, missed: Cell::new(missed), pending })
            },
            // The page is rendered after all: the article left in the last site's page is
            // read now, or, when that page no longer holds it, the doc is rendered again.
            |doc: &StreamedDoc, rendered: &mut RenderedDoc| {
                let Some(pending) = &doc.pending else { return };
                match cache.article(pending) {
                    Some(html) => rendered.html = html,
                    None => {
                        let (fresh, lookup, _) = render_doc(doc.pos, false);
                        doc.missed.set(lookup);
                        *rendered = fresh;
                    }
                }
            },
            // A miss is stored once its page is written, so the entry can point into it.
            |doc: StreamedDoc, rendered, page| {
                if let Some(cache::Lookup { key, .. }) = doc.missed.get() {
                    cache.put(key, rendered, page);
                }
            },
        ),
        put,
        cache.context().map(|salt| site::CarryOver { salt, keep: &keep, terms: KeptTerms::open(config) }),
        index_files,
        trace,
    )?;
    cache.finish();
    let mut diagnostics = streamed.diagnostics;
    // After the portal pages: a linked file never takes a page's path.
    let (assets, asset_diags) = discover::read_assets(config, &graph.assets);
    for (path, bytes) in assets {
        if !staging.contains(&path) {
            put(&path, &bytes)?;
        }
    }
    diagnostics.extend(asset_diags);
    diagnostics.extend(streamed.site_diagnostics);
    // Last, over whatever the site made at their paths.
    let statics = statics.read(config);
    diagnostics.extend(statics.diagnostics.iter().cloned());
    diagnostics.extend(statics.replacing(config, |path| staging.contains(path)));
    for (path, bytes) in &statics.files {
        put(path, bytes)?;
    }
    // A page a static file stands in for is not on disk to be carried over next time.
    let mut page_keys = streamed.page_keys;
    page_keys.retain(|(path, _)| !statics.files.contains_key(path));
    trace.mark("docs.json+extras+assets+static");
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    Ok((Checked { diagnostics, ..checked }, page_keys))
}

/// The site stage on already-rendered docs (`rendered` has the positions of
/// `checked.index.docs`). `serve` calls it with renders reused from its cache, so a
/// clean build and an incremental one share every step after rendering.
pub fn assemble(
    checked: Checked,
    rendered: Vec<RenderedDoc>,
    theme: &theme::Theme,
    statics: &StaticFiles,
    config: &Config,
) -> Built {
    let mut diagnostics = checked.diagnostics.clone();
    diagnostics.extend(rendered.iter().flat_map(|r| r.diagnostics.iter().cloned()));
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    let input = site_input(&checked, &rendered, theme, config, &diagnostics);
    let (mut site, site_diags) = site::build(&input);
    site.files.extend(publish::extras(config, &checked.index));
    // Files the docs link to (images), at their docs-relative path; never over a page.
    let (assets, asset_diags) = discover::read_assets(config, &checked.graph.assets);
    for (path, bytes) in assets {
        site.files.entry(path).or_insert(bytes);
    }
    diagnostics.extend(asset_diags);
    if config.precompress {
        let gz = publish::precompressed(&site.files);
        site.files.extend(gz);
    }
    diagnostics.extend(put_static_files(&mut site, statics, config, |_, _| {}));
    diagnostics.extend(site_diags);
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    Built { checked: Checked { diagnostics, ..checked }, rendered, site }
}

/// [`assemble`] for `serve`: the same files, byte for byte, but unchanged doc pages (and
/// their `.gz`) are carried over from the previous build ([`site::reuse`]). The
/// returned `Rebuilt` has an empty `site`: the files are in `Built::site`.
pub fn assemble_reusing(
    mut checked: Checked,
    rendered: Vec<RenderedDoc>,
    (theme, statics): (&theme::Theme, &StaticFiles),
    config: &Config,
    mut reuse: site::reuse::Reuse,
) -> (Built, site::reuse::Rebuilt, Vec<Diagnostic>) {
    // Where the last build's static files stood, the previous site as made goes back
    // for the carrying over below; what the disk holds there is put back after.
    let shadowed_before = reuse.previous.as_mut().map(site::reuse::Previous::unshadow).unwrap_or_default();
    let checked_diagnostics = std::mem::take(&mut checked.diagnostics);
    let mut diagnostics = checked_diagnostics.clone();
    diagnostics.extend(rendered.iter().flat_map(|r| r.diagnostics.iter().cloned()));
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    let input = site_input(&checked, &rendered, theme, config, &diagnostics);
    let mut rebuilt = site::reuse::build(&input, reuse);
    let mut site = std::mem::take(&mut rebuilt.site);
    // The hosting files read nothing the portal pages' key does not cover.
    let extras = &rebuilt.memo.extras;
    if rebuilt.portal_carried && !extras.is_empty() && extras.iter().all(|p| rebuilt.leftover.files.contains_key(p)) {
        for path in extras {
            if let Some(bytes) = rebuilt.leftover.files.remove(path) {
                rebuilt.reused.insert(path.clone());
                site.files.insert(path.clone(), bytes);
            }
        }
    } else {
        let extras = publish::extras(config, &checked.index);
        rebuilt.memo.extras = extras.keys().cloned().collect();
        for path in extras.keys() {
            rebuilt.reused.remove(path);
        }
        site.files.extend(extras);
    }
    // As in `assemble`: the files the docs link to, read afresh, never over a page.
    let (assets, asset_diags) = discover::read_assets(config, &checked.graph.assets);
    for (path, bytes) in assets {
        site.files.entry(path).or_insert(bytes);
    }
    diagnostics.extend(asset_diags);
    if config.precompress {
        // A reused file's `.gz` is reused with it; the rest are compressed afresh.
        let mut fresh = Site::default();
        let paths: Vec<String> = site.files.keys().filter(|p| !rebuilt.reused.contains(*p)).cloned().collect();
        for path in paths {
            if let Some(bytes) = site.files.remove(&path) {
                fresh.files.insert(path, bytes);
            }
        }
        let mut gz = publish::precompressed(&fresh.files);
        site.files.append(&mut fresh.files);
        let carried: Vec<String> = rebuilt.reused.iter().map(|p| format!("{p}.gz")).collect();
        for path in carried {
            if let Some(bytes) = rebuilt.leftover.files.remove(&path) {
                rebuilt.reused.insert(path.clone());
                site.files.insert(path, bytes);
            }
        }
        site.files.append(&mut gz);
    }
    // As in `assemble`, last. A path the static files change is not the previous site's
    // file any more: what was there is compared against, and remembered as made.
    let mut shadowed = std::collections::BTreeMap::new();
    diagnostics.extend(put_static_files(&mut site, statics, config, |path, made| {
        if rebuilt.reused.remove(path) {
            if let Some(bytes) = &made {
                rebuilt.leftover.files.insert(path.to_string(), bytes.clone());
            }
        }
        shadowed.entry(path.to_string()).or_insert(made);
    }));
    rebuilt.memo.shadowed = shadowed;
    for (path, on_disk) in shadowed_before {
        rebuilt.reused.remove(&path);
        match on_disk {
            Some(bytes) => rebuilt.leftover.files.insert(path, bytes),
            None => rebuilt.leftover.files.remove(&path),
        };
    }
    diagnostics.extend(std::mem::take(&mut rebuilt.diagnostics));
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    (Built { checked: Checked { diagnostics, ..checked }, rendered, site }, rebuilt, checked_diagnostics)
}

/// Puts the static files into an in-memory site over what it made, as the streamed
/// build's `put` does ([`stream_from`]): each with its `.gz` under `precompress`, or with
/// none there. `touched` is given each path changed and what the site had there. Gives
/// the static folder's warnings, and one for each file that replaces the portal's own.
fn put_static_files(
    site: &mut Site,
    statics: &StaticFiles,
    config: &Config,
    mut touched: impl FnMut(&str, Option<Vec<u8>>),
) -> Vec<Diagnostic> {
    let mut diagnostics = statics.diagnostics.clone();
    diagnostics.extend(statics.replacing(config, |path| site.files.contains_key(path)));
    for (path, bytes) in &statics.files {
        touched(path, site.files.insert(path.clone(), bytes.clone()));
        if config.precompress {
            let gz_path = format!("{path}.gz");
            let made = match publish::gzip(path, bytes) {
                Some(gz) => site.files.insert(gz_path.clone(), gz),
                None => site.files.remove(&gz_path),
            };
            touched(&gz_path, made);
        }
    }
    diagnostics
}

fn site_input<'a>(
    checked: &'a Checked,
    rendered: &'a [RenderedDoc],
    theme: &'a theme::Theme,
    config: &'a Config,
    diagnostics: &'a [Diagnostic],
) -> SiteInput<'a> {
    SiteInput { config, index: &checked.index, graph: &checked.graph, rendered, theme, diagnostics }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::Path;

    fn files_under(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| (discover::rel_path(dir, e.path()), fs::read(e.path()).unwrap()))
            .filter(|(rel, _)| rel != write::MANIFEST)
            .collect()
    }

    fn build_and_commit(config: &Config, previous: &PreviousPages) -> site::PageKeys {
        let staging = write::Staging::begin(&config.build_dir, config).unwrap();
        let reader = DocReader::default();
        let built = build_into(config, &staging, (previous, &reader), &mut Trace::new(false)).unwrap().unwrap();
        staging.commit().unwrap();
        built.page_keys
    }

    /// A page is carried over only when its key matches and its file is the one the
    /// last build wrote: a page whose doc changed, or whose file changed on disk, is
    /// rendered again.
    #[test]
    fn doc_pages_are_carried_over_only_with_their_key_and_their_file_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::write(root.join("book.toml"), "[book]\ntitle = \"T\"\n").unwrap();
        fs::create_dir_all(root.join("content/adr")).unwrap();
        fs::write(root.join("content/adr/a.md"), "# ADR-0001: A\n\nFirst.\n").unwrap();
        fs::write(root.join("content/adr/b.md"), "# ADR-0002: B\n\nSecond.\n").unwrap();
        let (config, _) = crate::config::load(root).unwrap();
        let doc_pages = |keys: site::PageKeys| -> site::PageKeys {
            keys.into_iter().filter(|(path, _)| path.starts_with("adr/")).collect()
        };
        let keys = doc_pages(build_and_commit(&config, &PreviousPages::default()));
        let paths: Vec<&str> = keys.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["adr/a.html", "adr/b.html"]);

        // Marked pages, recorded as they are now: carried over as they are.
        let (a, b) = (config.build_dir.join("adr/a.html"), config.build_dir.join("adr/b.html"));
        fs::write(&a, "CARRIED A").unwrap();
        fs::write(&b, "CARRIED B").unwrap();
        let previous = PreviousPages::as_on_disk(&config.build_dir, &keys);
        fs::write(root.join("content/adr/b.md"), "# ADR-0002: B\n\nSecond, edited.\n").unwrap();
        let next = doc_pages(build_and_commit(&config, &previous));
        assert_eq!(fs::read_to_string(&a).unwrap(), "CARRIED A", "same key, same file: linked, not rendered");
        assert!(fs::read_to_string(&b).unwrap().contains("Second, edited."), "its doc changed: rendered");
        assert_eq!(next[0], keys[0]);
        assert_ne!(next[1], keys[1]);

        // The same key, but the file was changed after the record was made.
        let previous = PreviousPages::as_on_disk(&config.build_dir, &next);
        fs::write(&a, "CHANGED BY HAND").unwrap();
        build_and_commit(&config, &previous);
        assert!(fs::read_to_string(&a).unwrap().contains("First."), "a changed file is rendered again");
    }

    /// The portal pages share one key over what they read of every doc: a body edit
    /// carries them all over (a page changed on disk since is rendered again); a change
    /// they show (a title) renders them all.
    #[test]
    fn portal_pages_are_carried_over_while_no_doc_listing_changes() {
        let (_tmp, config) = project(
            "[book]\ntitle = \"T\"\n",
            &[
                ("adr/a.md", "---\nstatus: accepted\n---\n# ADR-0001: A\n\nFirst.\n".into()),
                ("adr/b.md", "# ADR-0002: B\n\nSecond.\n".into()),
            ],
        );
        let portal = ["index.html", "docs.html", "graph.html", "404.html", "status/accepted.html"];
        let keys = build_and_commit(&config, &PreviousPages::default());
        for path in portal {
            assert!(keys.iter().any(|(p, _)| p == path), "{path} has a key: {keys:?}");
        }
        let mark = |text: &str| {
            for path in portal {
                fs::write(config.build_dir.join(path), format!("{text} {path}")).unwrap();
            }
        };
        let page = |path: &str| fs::read_to_string(config.build_dir.join(path)).unwrap();
        let b = config.src_dir.join("adr/b.md");

        mark("CARRIED");
        let previous = PreviousPages::as_on_disk(&config.build_dir, &keys);
        fs::write(config.build_dir.join("graph.html"), "CHANGED BY HAND").unwrap();
        fs::write(&b, "# ADR-0002: B\n\nSecond, edited.\n").unwrap();
        let next = build_and_commit(&config, &previous);
        for path in portal.iter().filter(|p| **p != "graph.html") {
            assert_eq!(page(path), format!("CARRIED {path}"), "a body edit carries {path} over");
        }
        assert!(page("graph.html").contains("ADR-0002"), "a page changed on disk is rendered again");
        assert!(page("adr/b.html").contains("Second, edited."));

        mark("CARRIED");
        let previous = PreviousPages::as_on_disk(&config.build_dir, &next);
        fs::write(&b, "# ADR-0002: B renamed\n\nSecond, edited.\n").unwrap();
        build_and_commit(&config, &previous);
        for path in ["index.html", "docs.html", "graph.html", "404.html"] {
            assert!(!page(path).starts_with("CARRIED"), "a new title renders {path} again");
        }
        assert!(page("docs.html").contains("B renamed"));
    }

    /// A project with `book_toml` and, under `content/`, `files` (path, text).
    fn project(book_toml: &str, files: &[(&str, String)]) -> (tempfile::TempDir, Config) {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("book.toml"), book_toml).unwrap();
        for (rel, text) in files {
            let path = tmp.path().join("content").join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let (config, _) = crate::config::load(tmp.path()).unwrap();
        (tmp, config)
    }

    /// The streamed build and the in-memory one (`serve`'s) must agree to the byte, also
    /// where files collide: a doc whose page is the dashboard's path, two docs with one
    /// page path, a linked image, precompressed copies; and where the links stage reads
    /// a target's headings (bodies read back from the files there).
    #[test]
    fn streamed_build_writes_exactly_the_in_memory_site() {
        let long = "Enough prose to be worth compressing. ".repeat(20);
        let (_tmp, config) = project(
            "[book]\ntitle = \"T\"\n[output.html]\nprecompress = true\n",
            &[
                ("index.md", format!("# Home page doc\n\n[Goals](adr/a.md#goals), [none](adr/a.md#nope).\n\n{long}\n")),
                (
                    "adr/a.md",
                    format!("---\nstatus: accepted\n---\n# ADR-0001: A\n\nSee [pic](pic.svg) and ADR-0002.\n\n## Goals\n\n{long}\n"),
                ),
                ("adr/a.markdown", "# ADR-0002: Same page path\n\nShort.\n".into()),
                ("adr/pic.svg", format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><!-- {long} --></svg>")),
            ],
        );
        // Static files over a page, a linked file, a hosting file and a `.gz` the site
        // makes, with and without a `.gz` of their own.
        for (rel, text) in [
            ("adr/a.html", format!("<p>mine {long}</p>")),
            ("graph.html", "<p>no graph</p>".to_string()),
            ("robots.txt", "User-agent: *\n".to_string()),
            ("docs.json.gz", "not gzip".to_string()),
            (".well-known/security.txt", format!("Contact: mailto:s@acme.example\n{long}")),
        ] {
            let path = config.static_dir.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }

        let in_memory = build(&config).unwrap();
        let staging = write::Staging::begin(&config.build_dir, &config).unwrap();
        let reader = DocReader::default();
        let streamed = build_into(&config, &staging, (&PreviousPages::default(), &reader), &mut Trace::new(false))
            .unwrap()
            .unwrap()
            .checked;
        staging.commit().unwrap();

        assert_eq!(streamed.diagnostics, in_memory.checked.diagnostics);
        let anchor_warnings: Vec<&str> =
            streamed.diagnostics.iter().filter(|d| d.message.contains("#nope")).map(|d| d.source.as_str()).collect();
        assert_eq!(anchor_warnings, ["index.md"]);
        let replacing: Vec<&str> = streamed
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("replaces"))
            .map(|d| d.source.as_str())
            .collect();
        assert_eq!(replacing, ["static/adr/a.html", "static/docs.json.gz", "static/graph.html"]);
        let on_disk = files_under(&config.build_dir);
        let expected = &in_memory.site.files;
        assert!(
            expected.contains_key("adr/pic.svg.gz") && expected.contains_key("index.html.gz"),
            "{:?}",
            expected.keys()
        );
        assert_eq!(on_disk.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
        for (path, bytes) in expected {
            assert!(on_disk[path] == *bytes, "{path} differs");
        }
        assert_eq!(expected["graph.html"], b"<p>no graph</p>");
        assert!(!expected.contains_key("graph.html.gz"), "too small to compress: the page's `.gz` goes");
        assert_eq!(expected["docs.json.gz"], b"not gzip");
        assert!(expected.contains_key(".well-known/security.txt.gz") && expected.contains_key("adr/a.html.gz"));
    }

    /// An `#anchor` target whose body is unchanged since the last build is not read for
    /// its headings: they are the ones that build found ([`KeptHeadings`]). Poisoned,
    /// the kept headings show in the next build's warnings; once the target is edited,
    /// its body has a new hash and its headings are read again.
    #[test]
    fn anchor_targets_headings_come_from_the_last_build_while_their_body_is_unchanged() {
        let (tmp, config) = project(
            "[book]\ntitle = \"T\"\n",
            &[("a.md", "# A\n\nSee [the goals](b.md#goals).\n".into()), ("b.md", "# B\n\n## Goals\n\nFast.\n".into())],
        );
        let goals_warnings = || -> Vec<String> {
            let reader = crate::fresh::check(&config).doc_reader();
            assert!(reader.is_on());
            let (checked, _, _, _) = check_traced(&config, true, &reader, &mut Trace::new(false)).unwrap();
            checked.diagnostics.iter().filter(|d| d.message.contains("#goals")).map(|d| d.message.clone()).collect()
        };
        assert_eq!(goals_warnings(), Vec::<String>::new());

        let b = tmp.path().join("content/b.md");
        let body_hash = |config: &Config| {
            let (doc, _) = parse::parse_blanking(&discover::read_source(&b, "b.md").unwrap(), config);
            cache::content_hash(doc.body.as_bytes())
        };
        KeptHeadings::open(&config).store([(body_hash(&config), &["risks".to_string()][..])]);
        // Else a.md's links are taken as they were, and no anchor is looked at.
        fs::remove_dir_all(tmp.path().join(cache::DIR).join(kept_links::FORMAT)).unwrap();
        assert_eq!(goals_warnings(), ["`b.md` has no heading `#goals` (its headings: `#risks`)"]);

        fs::write(&b, "# B\n\n## Goals\n\nFaster.\n").unwrap();
        assert_eq!(goals_warnings(), Vec::<String>::new());
    }

    /// A doc whose links are taken from the last build ([`KeptLinks`]) reads no anchor
    /// target, yet its targets stay this build's: their kept headings survive a build
    /// that resolved nothing, for the next one that must.
    #[test]
    fn docs_linked_as_last_build_keep_their_anchor_targets_headings() {
        let (tmp, config) = project(
            "[book]\ntitle = \"T\"\n",
            &[
                ("a.md", "# A\n\nSee [the goals](b.md#goals).\n".into()),
                ("b.md", "# B\n\n## Goals\n\nFast.\n".into()),
                ("c.md", "# C\n\nPlain.\n".into()),
            ],
        );
        let build = || -> usize {
            let reader = crate::fresh::check(&config).doc_reader();
            check_traced(&config, true, &reader, &mut Trace::new(false)).unwrap().3
        };
        assert_eq!(build(), 0);
        fs::write(tmp.path().join("content/c.md"), "# C\n\nPlainer.\n").unwrap();
        assert_eq!(build(), 3, "no doc's references or anchor targets changed");

        let b = tmp.path().join("content/b.md");
        let (doc, _) = parse::parse_blanking(&discover::read_source(&b, "b.md").unwrap(), &config);
        let kept = KeptHeadings::open(&config).get(cache::content_hash(doc.body.as_bytes()));
        assert_eq!(kept, Some(vec!["goals".to_string()]));
    }

    /// A doc edited after it was parsed, before its page is rendered: the page shows the
    /// file as it is now (its new header blanked as a parse of it would), and a warning
    /// names the file; the other pages are untouched.
    #[test]
    fn a_doc_edited_during_the_build_is_rendered_from_its_new_text_with_a_warning() {
        let (tmp, config) = project(
            "[book]\ntitle = \"T\"\n",
            &[("a.md", "# A\n\nOld words.\n".into()), ("b.md", "# B\n\nSee [A](a.md).\n".into())],
        );
        let theme = theme::load(&config).unwrap();
        let tera = theme.tera().unwrap();
        let mut trace = Trace::new(false);
        let (checked, bodies, _, _) = check_traced(&config, true, &DocReader::default(), &mut trace).unwrap();
        assert!(checked.index.docs.iter().all(|d| d.body.is_empty()), "no body is held");

        fs::write(tmp.path().join("content/a.md"), "---\nstatus: draft\n---\n# A\n\nNew words.\n").unwrap();
        let staging = write::Staging::begin(&config.build_dir, &config).unwrap();
        let previous = PreviousPages::default();
        let statics = static_files::find(&config).unwrap();
        let (built, _) =
            stream_from(checked, &bodies, (&theme, &tera), &config, (&staging, &previous, statics), &mut trace)
                .unwrap();
        staging.commit().unwrap();

        let page = fs::read_to_string(config.build_dir.join("a.html")).unwrap();
        assert!(page.contains("New words.") && !page.contains("Old words."));
        assert!(!page.contains("status: draft"), "the new front-matter is not shown as text");
        let changed: Vec<(&str, Option<u32>)> = built
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("changed while the site was being built"))
            .map(|d| (d.source.as_str(), d.line))
            .collect();
        assert_eq!(changed, [("a.md", None)]);
        assert!(fs::read_to_string(config.build_dir.join("b.html")).unwrap().contains("a.html"));
    }
}
