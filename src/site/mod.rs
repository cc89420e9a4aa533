//! Rendered docs → [`Site`]: every output file of the portal, as bytes, by site path.
//!
//! Pages come from the theme's tera templates (compiled once per build, autoescaped);
//! assets are copied under content-hashed names; `docs.json` is the machine-readable
//! index; the search helper adds its files. Nothing is written to disk here: the
//! `write` stage does that, so a failed build never touches the previous site.
//! [`build`] returns every file; [`build_streaming`] hands each to a callback as soon
//! as it is made (in an order where a later file at a path wins, as in [`build`]), so
//! `docportal build` never holds the whole site.
//!
//! The pages: `index.html` (status dashboard), `docs.html` (every doc in a sortable,
//! filterable table), one page per doc at [`urls::page_path`], `status/<status>.html`
//! per status present (and `status/unset.html`), `graph.html` (the relationship graph)
//! and `404.html`. Every href is relative to its page, so the site works at `/`, under
//! a prefix and from `file://`; the 404 page alone uses absolute URLs, since a server
//! may show it at any depth. Output is deterministic: same input, same bytes.
//!
//! Template context (every page): `site` (title, description), `page` (its site path),
//! `root` (prefix back to the site root), `asset` (logical asset path → href, e.g.
//! `asset["style.css"]`), `stylesheets`, `head_scripts` and `scripts` (hrefs the base
//! template loads), `nav` (hrefs of the main pages) and `section` (which nav entry is
//! current). Each page adds its own values; see [`pages`] and [`doc_page`].

pub mod context;
pub mod doc_page;
pub mod docs_json;
mod native;
pub mod pages;
pub mod reuse;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::links::{Link, LinkGraph};
use crate::model::RenderedDoc;
use crate::theme::Theme;
use crate::urls;
use context::{LinkItem, Portal};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The whole output: site path → bytes.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Everything the site stage reads.
pub struct SiteInput<'a> {
    pub config: &'a Config,
    pub index: &'a Index,
    pub graph: &'a LinkGraph,
    /// Same positions as `index.docs`.
    pub rendered: &'a [RenderedDoc],
    pub theme: &'a Theme,
    /// Every diagnostic of the build so far, sorted; listed in `docs.json`.
    pub diagnostics: &'a [Diagnostic],
}

/// Builds every page and asset.
pub fn build(input: &SiteInput) -> (Site, Vec<Diagnostic>) {
    let mut site = Site::default();
    let tera = match input.theme.tera() {
        Ok(t) => t,
        Err(d) => return (site, vec![d]),
    };
    let (assets, asset_files) = asset_files(input.theme);
    site.files.extend(asset_files);
    let builder = Builder::new(input, &tera, assets);

    let doc_pages: Vec<(String, Result<String, Diagnostic>)> = (0..input.index.len())
        .into_par_iter()
        .with_max_len(1)
        .filter_map(|pos| doc_page::render(&builder, pos))
        .collect();
    let mut diags = Vec::new();
    add_pages(&mut site, &mut diags, doc_pages);
    add_pages(&mut site, &mut diags, pages::render_all(&builder));
    site.files.extend(crate::search::build(input.index, input.rendered, input.config));
    site.files
        .insert(docs_json::PATH.into(), docs_json::render(input.index, input.graph, input.diagnostics, input.config));
    (site, diags)
}

/// What [`build_streaming`] keeps once every page is written.
pub struct Streamed {
    /// The diagnostics of `input` and of every render, sorted: what [`build`] is given.
    pub diagnostics: Vec<Diagnostic>,
    /// The site stage's own diagnostics (template errors), as [`build`] returns them.
    pub site_diagnostics: Vec<Diagnostic>,
    /// With a [`CarryOver`]: each doc page written (or carried over) and its key.
    pub page_keys: PageKeys,
}

/// Doc pages by site path, each with its [`doc_page::input_key`].
pub type PageKeys = Vec<(String, u64)>;

/// How a streaming build carries over the doc pages an earlier build wrote from the
/// same inputs, instead of rendering them again.
pub struct CarryOver<'a, E> {
    /// Changes whenever docportal, the config or the theme does.
    pub salt: u64,
    /// Carries over the page at a site path if the earlier build made it from inputs
    /// with this key ([`doc_page::input_key`]) and it is still as written; true when done.
    pub keep: &'a (dyn Fn(&str, u64) -> Result<bool, E> + Sync),
    /// Each doc's numbered search terms as the earlier build left them (taken by the
    /// search index, which writes them again for the next build).
    pub terms: crate::search::kept_terms::KeptTerms,
}

/// [`build`] for a build that writes as it goes: each doc is rendered by `render_doc`
/// (which also gives its render key when it has one: equal only for equal renders, and
/// a token of its own; it may leave the render's `html` out, for `complete` to fill in
/// with the token when the page is rendered rather than carried over), its page handed
/// to `put`, then `page_done` given the token, the
/// render and the page's path and HTML when it was written, and the render handed to
/// the search index
/// ([`crate::search::Collector`], which keeps only what the index needs), so no more
/// than a page per thread is held at once. `put` sees the files of [`build`] in an
/// order where, as there, a later file at the same path replaces an earlier one. With
/// `carry_over`, a doc page whose key is unchanged is carried over instead, and so is
/// each portal page while their shared key (what they read of every doc: listings,
/// links, diagnostics; not bodies) is.
/// `input.rendered` is not read; `input.diagnostics` are those known before rendering;
/// `tera` is the theme's compiled templates (the caller stops on a template that does
/// not compile). `docs.json` is left to the caller ([`docs_json::write`] streams it; no
/// other file of the site takes its path): `alongside` is given the build's diagnostics
/// once every doc is rendered, and whether to write `docs.json` (not when it was
/// carried over: it reads only what the portal pages' key covers), and runs while the
/// search files and portal pages are made, so it must not write a path they may take
/// (search files and pages).
pub fn build_streaming<E: Send, R: Send, T>(
    input: &SiteInput,
    tera: &tera::Tera,
    (render_doc, complete, page_done): (
        impl Fn(usize) -> (RenderedDoc, Option<u64>, T) + Sync,
        impl Fn(&T, &mut RenderedDoc) + Sync,
        impl Fn(T, &RenderedDoc, Option<(&str, &str)>) + Sync,
    ),
    put: impl Fn(&str, &[u8]) -> Result<(), E> + Sync,
    mut carry_over: Option<CarryOver<E>>,
    alongside: impl FnOnce(&[Diagnostic], bool) -> Result<R, E> + Send,
    trace: &mut crate::serve::trace::Trace,
) -> Result<(Streamed, R), E> {
    let kept_terms = carry_over.as_mut().map(|c| std::mem::take(&mut c.terms)).unwrap_or_default();
    let (assets, asset_files) = asset_files(input.theme);
    for (path, bytes) in &asset_files {
        put(path, bytes)?;
    }
    let builder = Builder::new(input, tera, assets.clone());
    // Where two docs share a page path, the later one's page is the one kept.
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (pos, doc) in input.index.docs.iter().enumerate() {
        owner.insert(urls::page_path(&doc.source), pos);
    }
    let doc_keys = match &carry_over {
        Some(_) => DocKeys::of(input.index, input.graph),
        None => DocKeys::default(),
    };
    let common = carry_over.as_ref().map(|c| doc_page::common_key(&builder, c.salt));
    let doc_pages = DocPages {
        builder: &builder,
        owner: &owner,
        doc_keys: &doc_keys,
        common,
        put: &put,
        carry_over: carry_over.as_ref(),
        carried: AtomicUsize::new(0),
    };
    let search = crate::search::Collector::keeping(input.index, input.config, kept_terms);
    type Outcome = (Vec<Diagnostic>, Option<Diagnostic>, Option<(String, u64)>);
    // One doc per task: a rayon leaf of many docs cannot be split once begun, and its
    // last docs rendered on one thread while the other had nothing left (half a
    // second at 10,000 docs).
    let per_doc: Vec<Outcome> = (0..input.index.len())
        .into_par_iter()
        .with_max_len(1)
        .map(|pos| {
            let (mut rendered, render_key, token) = render_doc(pos);
            let (page_error, page_key, page) =
                doc_pages.write(pos, &mut rendered, render_key, |rendered| complete(&token, rendered))?;
            page_done(token, &rendered, page.as_ref().map(|(path, html)| (path.as_str(), html.as_str())));
            let diagnostics = std::mem::take(&mut rendered.diagnostics);
            search.add(pos, rendered);
            Ok((diagnostics, page_error, page_key))
        })
        .collect::<Result<_, E>>()?;
    let pages_carried = doc_pages.carried.load(Ordering::Relaxed);
    // With it its rendered link items (16 MB at 10,000 docs), and the highlighting
    // memo's lines (about 10 MB), before search needs memory.
    drop(builder);
    crate::render::highlight::forget_lines();
    crate::release_free_memory();
    trace.mark("render+doc pages");
    let mut site_diagnostics = Vec::new();
    let mut page_keys = Vec::new();
    let mut diagnostics = input.diagnostics.to_vec();
    for (doc_diagnostics, page_error, page_key) in per_doc {
        site_diagnostics.extend(page_error);
        diagnostics.extend(doc_diagnostics);
        page_keys.extend(page_key);
    }
    crate::diag::sort(&mut diagnostics);
    diagnostics.dedup();

    let whole = SiteInput { diagnostics: &diagnostics, ..*input };
    // The portal pages and docs.json share one key over what they read of every doc
    // (not bodies), so a body edit carries them over rather than listing every doc again.
    let carry = carry_over.as_ref().zip(common);
    let key = carry.map(|(_, common)| reuse::portal_key(&whole, &doc_keys, common));
    let docs_json_carried = match (carry, key) {
        (Some((carry, _)), Some(key)) => (carry.keep)(docs_json::PATH, key)?,
        _ => false,
    };
    page_keys.extend(key.map(|key| (docs_json::PATH.to_string(), key)));
    let site_files = || -> Result<(Vec<Diagnostic>, PageKeys), E> {
        trace.count("doc pages carried over", pages_carried);
        trace.count("docs indexed as last build", search.reused());
        // Before the portal pages (no search file shares a path with a page), so what
        // the index kept of every doc is freed before they are made.
        for (path, bytes) in search.files() {
            put(&path, &bytes)?;
        }
        crate::release_free_memory();
        trace.mark("search");
        let builder = Builder::new(&whole, tera, assets);
        let mut carried = HashSet::new();
        let mut keys = Vec::new();
        if let (Some((carry, _)), Some(key)) = (carry, key) {
            for path in pages::paths(&builder) {
                if (carry.keep)(&path, key)? {
                    carried.insert(path.clone());
                    keys.push((path, key));
                }
            }
        }
        let mut page_errors = Vec::new();
        for (path, page) in pages::render_all_but(&builder, |path| carried.contains(path)) {
            match page {
                Ok(html) => {
                    put(&path, html.as_bytes())?;
                    keys.extend(key.map(|key| (path, key)));
                }
                Err(d) => page_errors.push(d),
            }
        }
        trace.mark("portal pages");
        Ok((page_errors, keys))
    };
    let (portal, beside) = rayon::join(site_files, || alongside(&diagnostics, !docs_json_carried));
    let (page_errors, portal_keys) = portal?;
    site_diagnostics.extend(page_errors);
    page_keys.extend(portal_keys);
    Ok((Streamed { diagnostics, site_diagnostics, page_keys }, beside?))
}

/// A doc page's template error, if any, its path and key when it is remembered, and its
/// path and HTML when this build wrote it.
type PageOutcome = (Option<Diagnostic>, Option<(String, u64)>, Option<(String, String)>);

/// What a streaming build needs to write (or carry over) each doc page.
struct DocPages<'a, E, P> {
    builder: &'a Builder<'a>,
    /// Page path → the doc whose page it is (the last of several sharing it).
    owner: &'a HashMap<String, usize>,
    /// [`DocKeys`] of every doc, with a carry-over (empty without one).
    doc_keys: &'a DocKeys,
    /// [`doc_page::common_key`], with a carry-over.
    common: Option<u64>,
    put: &'a P,
    carry_over: Option<&'a CarryOver<'a, E>>,
    /// Pages carried over so far.
    carried: AtomicUsize,
}

impl<E, P: Fn(&str, &[u8]) -> Result<(), E>> DocPages<'_, E, P> {
    /// Writes the page of the doc at `pos` where no later doc takes its path, or
    /// carries it over when its key allows; `complete` fills in what `rendered` left
    /// out, before a page is rendered.
    fn write(
        &self,
        pos: usize,
        rendered: &mut RenderedDoc,
        render_key: Option<u64>,
        complete: impl FnOnce(&mut RenderedDoc),
    ) -> Result<PageOutcome, E> {
        let builder = self.builder;
        let Some(doc) = builder.portal.doc(pos) else { return Ok((None, None, None)) };
        let path = urls::page_path(&doc.source);
        let owned = self.owner.get(&path) == Some(&pos);
        let key = render_key
            .filter(|_| owned)
            .zip(self.common)
            .map(|(render_key, common)| doc_page::input_key(builder, pos, self.doc_keys, render_key, common));
        let carried = match (self.carry_over, key) {
            (Some(carry_over), Some(key)) => (carry_over.keep)(&path, key)?,
            _ => false,
        };
        let mut page_error = None;
        let mut written = None;
        if carried {
            self.carried.fetch_add(1, Ordering::Relaxed);
        } else {
            complete(rendered);
            let mut own: Vec<Diagnostic> = builder.portal.diagnostics_of(doc).iter().map(|d| (*d).clone()).collect();
            own.extend(rendered.diagnostics.iter().cloned());
            crate::diag::sort(&mut own);
            own.dedup();
            let own: Vec<&Diagnostic> = own.iter().collect();
            match doc_page::render_with(builder, pos, rendered, &own) {
                Some((_, Ok(html))) if owned => {
                    (self.put)(&path, html.as_bytes())?;
                    written = Some((path.clone(), html));
                }
                Some((_, Err(d))) => page_error = Some(d),
                _ => {}
            }
        }
        // A page that did not render is not remembered: its error must show again.
        let page_key = key.filter(|_| page_error.is_none()).map(|key| (path, key));
        Ok((page_error, page_key, written))
    }
}

/// Logical asset path (relative to `assets/`) → site path of its content-hashed copy.
type AssetNames = BTreeMap<String, String>;

/// The theme's assets under content-hashed names: their names, and the files.
fn asset_files(theme: &Theme) -> (AssetNames, Vec<(String, Vec<u8>)>) {
    let mut assets = BTreeMap::new();
    let mut files = Vec::new();
    for (rel, bytes) in theme.assets() {
        let path = format!("assets/{}", hashed_name(rel, bytes));
        assets.insert(rel.to_string(), path.clone());
        files.push((path, bytes.to_vec()));
    }
    (assets, files)
}

/// Adds rendered pages to the site; a template error becomes a diagnostic instead.
fn add_pages(
    site: &mut Site,
    diags: &mut Vec<Diagnostic>,
    pages: impl IntoIterator<Item = (String, Result<String, Diagnostic>)>,
) {
    for (path, result) in pages {
        match result {
            Ok(html) => {
                site.files.insert(path, html.into_bytes());
            }
            Err(d) => diags.push(d),
        }
    }
}

/// Per doc (by position), what page keys read of it apart from its body: its
/// [`doc_page::listing_signature`], and a hash of its metadata and links. Worked out
/// once a build, for the doc page keys and the portal key alike.
#[derive(Default)]
pub struct DocKeys {
    signatures: Vec<u64>,
    metadata: Vec<u64>,
}

impl DocKeys {
    pub fn of(index: &crate::index::Index, graph: &LinkGraph) -> DocKeys {
        let signatures: Vec<u64> = index.docs.par_iter().map(doc_page::listing_signature).collect();
        let metadata =
            index.docs.par_iter().enumerate().map(|(pos, doc)| metadata_key(doc, pos, graph, &signatures)).collect();
        DocKeys { signatures, metadata }
    }

    /// The [`metadata_key`] of the doc at `pos`.
    fn metadata(&self, pos: usize) -> Option<u64> {
        self.metadata.get(pos).copied()
    }
}

/// Hash of what pages read of doc `pos` apart from its body: its signature, reviewers,
/// version and fields, and its links both ways (the doc at the other end by position).
/// The one definition of "the doc's metadata" for the doc page key and the portal key.
fn metadata_key(doc: &crate::model::Doc, pos: usize, graph: &LinkGraph, signatures: &[u64]) -> u64 {
    let mut h = crate::cache::key_hasher();
    (signatures.get(pos), &doc.reviewers, &doc.version, doc.fields.len()).hash(&mut h);
    for f in doc.fields.iter() {
        (&f.key, &f.label, &f.value, f.line).hash(&mut h);
    }
    let outgoing = graph.outgoing.get(pos).map(Vec::as_slice).unwrap_or_default();
    outgoing.len().hash(&mut h);
    for l in outgoing {
        (l.relation, &l.written, l.target, &l.anchor, l.line, l.declared).hash(&mut h);
    }
    let incoming = graph.incoming.get(pos).map(Vec::as_slice).unwrap_or_default();
    incoming.len().hash(&mut h);
    for b in incoming {
        (b.relation, b.from).hash(&mut h);
    }
    h.finish()
}

/// Shared by every page of one build: compiled templates, asset names, portal facts.
pub struct Builder<'a> {
    pub config: &'a Config,
    pub tera: &'a tera::Tera,
    /// Logical asset path (relative to `assets/`) → site path of its hashed copy.
    pub assets: BTreeMap<String, String>,
    pub portal: Portal<'a>,
    pub rendered: &'a [RenderedDoc],
    /// Link items rendered so far: [`Builder::link_items`] renders each once,
    /// not once per page.
    link_items: Mutex<LinkItems>,
    /// With the built-in doc page templates: `base.html` around a doc page, by folder and
    /// scripts, for [`native::doc_page`] (`None` where it could not be cut).
    doc_frames: Option<Mutex<DocFrames>>,
    /// With the built-in link item templates: link items are written by [`native::link_item`].
    native_link_items: bool,
}

/// Frames of doc pages by (folder, needs code, needs Mermaid); `None` where the frame
/// could not be cut.
type DocFrames = HashMap<(String, bool, bool), Option<Arc<native::Frame>>>;

/// Rendered link items by folder of the linking page and linked doc, their text in one
/// buffer: freed at the end of the doc pages, one large block goes back to the system
/// where 50,000 small strings (at 10,000 docs) left their memory resident and raised
/// the build's peak by 18 MiB.
#[derive(Default)]
struct LinkItems {
    text: String,
    /// By folder, then by the linked doc's position: where its item is in `text`.
    spans: HashMap<String, HashMap<usize, (u32, u32)>>,
}

impl LinkItems {
    /// The items of `folder` already rendered, by linked doc position.
    fn of(&self, folder: &str) -> Option<&HashMap<usize, (u32, u32)>> {
        self.spans.get(folder)
    }

    fn item(&self, span: Option<&(u32, u32)>) -> Option<String> {
        let &(start, end) = span?;
        self.text.get(start as usize..end as usize).map(str::to_string)
    }

    fn insert(&mut self, folder: &str, target: usize, html: &str) {
        let start = self.text.len();
        self.text.push_str(html);
        let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(self.text.len())) else { return };
        let by_target = match self.spans.get_mut(folder) {
            Some(by_target) => by_target,
            None => self.spans.entry(folder.to_string()).or_default(),
        };
        by_target.insert(target, (start, end));
    }
}

/// What a page needs beyond the always-loaded stylesheet and scripts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    pub code: bool,
    pub mermaid: bool,
}

#[derive(Serialize)]
pub struct SiteInfo<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Nav {
    pub home: String,
    pub docs: String,
    pub graph: String,
    pub docs_json: String,
}

/// The template of one entry of a doc page's link lists ([`Builder::link_items`]).
const LINK_ITEM: &str = "link_item.html";

/// The part of every page's context that the base template uses.
#[derive(Serialize)]
pub struct Shell<'a> {
    pub site: SiteInfo<'a>,
    pub page: &'a str,
    pub root: String,
    pub asset: BTreeMap<&'a str, String>,
    pub stylesheets: Vec<String>,
    /// Blocking scripts in `<head>` (the theme setter, so the theme applies before first paint).
    pub head_scripts: Vec<String>,
    /// Deferred scripts, in execution order.
    pub scripts: Vec<String>,
    pub nav: Nav,
    pub section: &'static str,
}

impl<'a> Builder<'a> {
    fn new(input: &SiteInput<'a>, tera: &'a tera::Tera, assets: BTreeMap<String, String>) -> Builder<'a> {
        Builder {
            config: input.config,
            tera,
            assets,
            portal: Portal::new(input.index, input.graph, input.diagnostics),
            rendered: input.rendered,
            link_items: Mutex::default(),
            doc_frames: input.theme.uses_built_in(native::DOC_PAGE_TEMPLATES).then(Mutex::default),
            native_link_items: input.theme.uses_built_in(native::LINK_ITEM_TEMPLATES),
        }
    }

    /// The frame of `base.html` for the doc page at `page` with `shell`, when the
    /// portal uses the built-in doc page templates. The shell differs between pages only
    /// in hrefs relative to the page's folder and in the scripts the page needs: one
    /// frame serves a folder's pages with the same needs.
    pub(super) fn doc_frame(&self, page: &str, needs: Needs, shell: &Shell) -> Option<Arc<native::Frame>> {
        let frames = self.doc_frames.as_ref()?;
        let folder = page.rsplit_once('/').map_or("", |(folder, _)| folder);
        let key = (folder.to_string(), needs.code, needs.mermaid);
        if let Some(frame) = crate::lock(frames).get(&key) {
            return frame.clone();
        }
        // Rendered outside the lock; a template error leaves the page to tera, which reports it.
        let rendered = tera::Context::from_serialize(shell)
            .ok()
            .and_then(|ctx| self.tera.render(crate::theme::DOC_FRAME, &ctx).ok());
        let frame = rendered.and_then(|r| native::Frame::cut(&r)).map(Arc::new);
        crate::lock(frames).insert(key, frame.clone());
        frame
    }

    /// The links as the page at `page` lists them: `link_item.html` rendered with each.
    /// A resolved link without an `#anchor` shows only its target and hrefs relative to
    /// the page's folder, so its HTML is rendered once per target and folder and reused;
    /// the rest (unresolved, anchored) are rendered each time. Rendering a tera macro
    /// per link was two thirds of a doc page's template time.
    pub fn link_items(&self, page: &str, links: &[&Link]) -> Result<Vec<LinkItem>, Diagnostic> {
        let folder = page.rsplit_once('/').map_or("", |(folder, _)| folder);
        let reusable = |link: &Link| link.target.filter(|&t| link.anchor.is_none() && self.portal.doc(t).is_some());
        // One lock for the lookups, none while rendering the rest.
        let known: Vec<Option<String>> = match self.link_items.lock() {
            Ok(items) => {
                let of_folder = items.of(folder);
                links.iter().map(|&link| items.item(of_folder?.get(&reusable(link)?))).collect()
            }
            Err(_) => vec![None; links.len()],
        };
        let mut items = Vec::with_capacity(links.len());
        for (&link, known) in links.iter().zip(known) {
            let html = match known {
                Some(html) => html,
                None => {
                    let view = self.portal.link_view(link, page);
                    let html = if self.native_link_items {
                        native::link_item(&view)
                    } else {
                        let mut ctx = tera::Context::new();
                        ctx.insert("link", &view);
                        self.tera.render(LINK_ITEM, &ctx).map_err(|e| self.template_error(LINK_ITEM, &e))?
                    };
                    if let (Some(target), Ok(mut known)) = (reusable(link), self.link_items.lock()) {
                        known.insert(folder, target, &html);
                    }
                    html
                }
            };
            items.push(LinkItem { html });
        }
        Ok(items)
    }

    /// The shell of the page at site path `page`, with every href relative to it.
    pub fn shell(&'a self, page: &'a str, section: &'static str, needs: Needs) -> Shell<'a> {
        self.shell_with(page, section, needs, |to| urls::href(page, to), urls::root_prefix(page))
    }

    /// The shell of a page that may be served at any depth (`404.html`): absolute URLs
    /// built from `site-url`, since a relative href would resolve against the missing
    /// page's address, not this file's.
    pub fn absolute_shell(&'a self, page: &'a str, section: &'static str) -> Shell<'a> {
        let base = &self.config.site_url;
        self.shell_with(page, section, Needs::default(), |to| urls::absolute(base, to), base.clone())
    }

    fn shell_with(
        &'a self,
        page: &'a str,
        section: &'static str,
        needs: Needs,
        url: impl Fn(&str) -> String,
        root: String,
    ) -> Shell<'a> {
        let asset: BTreeMap<&str, String> = self.assets.iter().map(|(k, v)| (k.as_str(), url(v))).collect();
        let pick = |names: &[&str]| -> Vec<String> { names.iter().filter_map(|n| asset.get(n).cloned()).collect() };
        let stylesheets = pick(&["style.css", "syntax.css"]);
        let head_scripts = pick(&["theme.js"]);
        let mut scripts = pick(&["portal.js"]);
        if needs.code {
            scripts.extend(pick(&["code.js"]));
        }
        if needs.mermaid {
            match &self.config.mermaid_url {
                Some(u) => scripts.push(u.clone()),
                None => scripts.extend(pick(&["mermaid/mermaid.min.js"])),
            }
            scripts.extend(pick(&["mermaid/init.js"]));
        }
        Shell {
            site: SiteInfo { title: &self.config.title, description: self.config.description.as_deref() },
            page,
            root,
            stylesheets,
            head_scripts,
            scripts,
            nav: Nav {
                home: url("index.html"),
                docs: url("docs.html"),
                graph: url("graph.html"),
                docs_json: url("docs.json"),
            },
            section,
            asset,
        }
    }

    /// Renders `template` with the shell and the page's own values.
    pub fn render(&self, template: &str, shell: &Shell, page: &impl Serialize) -> Result<String, Diagnostic> {
        let mut ctx = tera::Context::from_serialize(shell).map_err(|e| self.template_error(template, &e))?;
        ctx.extend(tera::Context::from_serialize(page).map_err(|e| self.template_error(template, &e))?);
        self.tera.render(template, &ctx).map_err(|e| self.template_error(template, &e))
    }

    fn template_error(&self, template: &str, e: &tera::Error) -> Diagnostic {
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        Diagnostic::error(format!("theme/templates/{template}"), None, format!("template error: {msg}")).in_project()
    }
}

/// `style.css` → `style.1a2b3c4d5e.css`: the name changes whenever the content does.
/// The project's content hash (XXH3, stable across platforms and releases): every build
/// hashes every asset (the Mermaid bundle alone is 3 MB), on one thread before the docs
/// render, and a byte-wise FNV-1a took 4 ms of that.
pub fn hashed_name(rel: &str, bytes: &[u8]) -> String {
    let hash = format!("{:032x}", crate::cache::content_hash(bytes));
    let short = &hash[..10];
    match rel.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !stem.ends_with('/') && !ext.contains('/') => {
            format!("{stem}.{short}.{ext}")
        }
        _ => format!("{rel}.{short}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_folder_and_extension() {
        let a = hashed_name("mermaid/mermaid.min.js", b"x");
        assert!(a.starts_with("mermaid/mermaid.min.") && a.ends_with(".js"), "{a}");
        assert_ne!(a, hashed_name("mermaid/mermaid.min.js", b"y"));
        let dotted_dir = hashed_name("v1.2/LICENSE", b"x");
        assert!(dotted_dir.starts_with("v1.2/LICENSE."), "{dotted_dir}");
    }

    /// tests/site.rs shows pages written without tera equal tera's; this shows they are
    /// written without tera at all: with the built-in templates the frame of `base.html`
    /// cuts, and an overridden template turns the frame off.
    #[test]
    fn doc_pages_are_framed_only_with_the_built_in_templates() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::default_at(dir.path());
        let (index, _) = crate::index::build(Vec::new(), &config);
        let graph = crate::links::LinkGraph::default();
        let built_in = Theme { files: crate::theme::load(&config).unwrap().files, overridden: Vec::new() };
        let overridden = Theme { overridden: vec!["templates/base.html".to_string()], ..built_in.clone() };
        let framed = |theme: &Theme| {
            let input =
                SiteInput { config: &config, index: &index, graph: &graph, rendered: &[], theme, diagnostics: &[] };
            let tera = theme.tera().unwrap();
            let builder = Builder::new(&input, &tera, asset_files(theme).0);
            let needs = Needs { code: true, mermaid: false };
            let shell = builder.shell("adr/a.html", "doc", needs);
            let frame = builder.doc_frame("adr/a.html", needs, &shell);
            frame.map(|f| native::frame_parts(&f))
        };
        let [head, middle, tail] = framed(&built_in).expect("the built-in base.html cuts into a frame");
        assert!(head.ends_with("<title>"), "{head}");
        assert!(middle.starts_with("</title>") && middle.contains("src=\"../assets/code."), "{middle}");
        assert!(tail.contains("</main>") && tail.ends_with("</html>\n"), "{tail}");
        assert!(framed(&overridden).is_none());
    }
}
