//! Rendered docs → the static search index: a manifest, term shards, a doc table and
//! doc groups, as `search/*.js` files that register themselves with `search.js`.
//!
//! The files are scripts, not JSON, so they load with a `<script>` tag: that works
//! from `file://` (where `fetch` is blocked), under any site-url prefix (the client
//! resolves them relative to the page) and in `serve`. Each calls one function of
//! `window.docportalSearch`:
//!
//! - `search/manifest.js` (fixed name, so pages never change when the index does): the
//!   doc count, mean doc length, stop words and kinds (the client must cut queries
//!   exactly as the docs were cut), the first term of every shard and every other
//!   file's content-hashed name.
//! - `search/table.<hash>.js`: one row per doc, packed into strings: length code,
//!   status, kind, authors — what ranking and the facets need for every doc.
//! - `search/t<N>.<hash>.js`: a contiguous range of the sorted term dictionary
//!   (front-coded) with its postings: per term a header (doc count, see
//!   [`encode_postings`]), then per doc the gap from the previous doc and one payload
//!   character (quantised body term frequency × 8 + title/heading/id flags), numbers in
//!   the [`encode`] alphabet. A query loads only the shards its terms fall in; ranges
//!   keep a word's prefix completions and most of its one-typo neighbours in the same
//!   shard. In a large portal a term found in most docs keeps only its title, heading
//!   and id postings, so common words cost a query little.
//! - `search/g<N>.<hash>.js`: id, title, page href and trimmed section texts of a run
//!   of consecutive docs (their headings listed once per file), fetched only for the
//!   results on screen.
//!
//! The terms come from [`analyse`]: each doc is analysed once, when it is rendered
//! (the analysis is kept with the render, in the persistent render cache and in
//! `serve`'s memory), and [`build`] only merges the analyses into the files;
//! `docportal build` merges each as soon as its doc is rendered ([`Collector`]), so
//! it never holds every analysis.
//! Sizes are bounded by construction: at most [`MAX_SHARDS`] shards and [`MAX_GROUPS`]
//! groups whatever the portal size. The output depends only on the input (sorted
//! everywhere), and every user string goes through [`encode::js_safe_json`].

pub mod analyse;
pub mod encode;
pub mod kept_terms;
pub mod sections;
pub mod stem;
pub mod text;

use crate::config::Config;
use crate::index::Index;
use crate::model::{Doc, RenderedDoc};
use crate::urls;
pub use analyse::{DocAnalysis, ExcerptSection};
use kept_terms::KeptTerms;
use rayon::prelude::*;
use sections::Section;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Posting flag: the term is in the doc's title.
pub const IN_TITLE: u8 = 1;
/// Posting flag: the term is in one of the doc's headings.
pub const IN_HEADING: u8 = 2;
/// Posting flag: the term is the doc's id (or its kind word).
pub const IN_ID: u8 = 4;

/// Upper bound on term shards (the search files must stay well under 1,000).
pub const MAX_SHARDS: usize = 450;
/// Shards smaller than this are not worth a request of their own.
const MIN_SHARD_BYTES: usize = 12_000;
/// Upper bound on doc groups.
pub const MAX_GROUPS: usize = 520;
/// Preferred size of a doc group, so small portals need few files.
const GROUP_TARGET_BYTES: usize = 8_000;
/// Characters kept of the text before the first heading, and of each section after it.
/// A result costs its whole group, so these stay small; the page itself scrolls to
/// the first highlighted match when the section is not among those kept.
const INTRO_CHARS: usize = 110;
const SECTION_CHARS: usize = 36;
/// Section text kept per doc in all; headings past it are kept with no text.
const EXCERPT_CHARS: usize = 180;
const MAX_SECTIONS: usize = 8;
/// From this many docs on, a term found in more than half of them keeps only its
/// title, heading and id postings, or fewer (see [`encode_postings`]). Below it the whole index
/// is small, and every posting is kept.
pub const PRUNE_MIN_DOCS: usize = 500;

/// The configured kinds as the index uses them (lower-cased).
pub fn kinds_of(config: &Config) -> Vec<String> {
    config.kinds.iter().map(|k| k.to_lowercase()).collect()
}

/// What `serve` keeps of one build's search index for the next ([`build_reusing`]):
/// the merger, with every term numbered so far, and each doc's numbered terms with
/// the key of what they were made from.
#[derive(Default)]
pub struct Memo {
    merger: analyse::Merger,
    /// Source path → (key of the doc's render and listing, its numbered terms).
    docs: HashMap<String, (u64, analyse::NumberedTerms)>,
    /// Terms in the last index built.
    live: usize,
    /// The last index built, patched where docs changed while the docs stay the same.
    postings: Option<KeptPostings>,
    /// The last build's group files, by group number.
    groups: Vec<KeptGroup>,
}

/// A group file: the key of what it was made from (its number, the group size, and
/// each of its docs' key and source), its name and its bytes.
type KeptGroup = (u64, String, Vec<u8>);

/// An inverted index `serve` keeps from one build to the next: each term's postings
/// (by term number in the [`Memo`]'s merger) and their encoding, for the docs of
/// `sources` (a doc's number is its position there). While the docs are the same
/// ones in the same order, a rebuild moves only the postings of the docs that changed
/// and encodes again only the terms those had or have: at 10,000 docs, inverting every
/// doc's terms and encoding every term was a quarter of an edit's rebuild.
struct KeptPostings {
    sources: Vec<String>,
    by_term: Vec<TermPostings>,
}

/// One term's postings, doc numbers ascending, and [`encode_postings`] of them once made.
#[derive(Default)]
struct TermPostings {
    docs: Vec<u32>,
    payloads: Vec<u8>,
    encoded: Option<String>,
}

impl KeptPostings {
    /// The index of `lists` (each doc's numbered terms by `merger`, by doc number) for
    /// the docs of `sources`, nothing encoded yet.
    fn invert(sources: Vec<String>, merger: &analyse::Merger, lists: &[&[(u32, u8)]]) -> KeptPostings {
        let postings = merger.postings_by_number(lists);
        let by_term = (0..merger.len() as u32)
            .map(|term| {
                let (docs, payloads) = postings.of(term);
                TermPostings { docs: docs.to_vec(), payloads: payloads.to_vec(), encoded: None }
            })
            .collect();
        KeptPostings { sources, by_term }
    }

    /// Moves doc `doc`'s postings from the terms of `before` to those of `after`. A
    /// term the doc has with the same payload before and after keeps its postings and
    /// their encoding: an edit to a paragraph leaves most of a doc's terms as they were,
    /// and a common term's encoding covers thousands of docs.
    fn replace(&mut self, doc: u32, before: &[(u32, u8)], after: &[(u32, u8)]) {
        let had: HashMap<u32, u8> = before.iter().copied().collect();
        let kept: HashSet<u32> =
            after.iter().filter(|&&(term, payload)| had.get(&term) == Some(&payload)).map(|&(term, _)| term).collect();
        let after: Vec<(u32, u8)> = after.iter().copied().filter(|(term, _)| !kept.contains(term)).collect();
        for &(term, _) in before.iter().filter(|(term, _)| !kept.contains(term)) {
            if let Some(t) = self.by_term.get_mut(term as usize) {
                if let Ok(at) = t.docs.binary_search(&doc) {
                    t.docs.remove(at);
                    t.payloads.remove(at);
                }
                t.encoded = None;
            }
        }
        let needed = after.iter().map(|&(term, _)| term as usize + 1).max().unwrap_or(0);
        if self.by_term.len() < needed {
            self.by_term.resize_with(needed, TermPostings::default);
        }
        for &(term, payload) in &after {
            if let Some(t) = self.by_term.get_mut(term as usize) {
                match t.docs.binary_search(&doc) {
                    Ok(at) => t.payloads[at] = payload,
                    Err(at) => {
                        t.docs.insert(at, doc);
                        t.payloads.insert(at, payload);
                    }
                }
                t.encoded = None;
            }
        }
    }

    /// Every term with postings, in client order (`order`, from the merger), with its
    /// encoding for `doc_count` docs, made now where it is not kept.
    fn encoded<'a>(&'a mut self, order: &[u32], terms: &'a [Box<str>], doc_count: usize) -> Vec<(&'a str, &'a str)> {
        self.by_term.par_iter_mut().filter(|t| t.encoded.is_none() && !t.docs.is_empty()).for_each(|t| {
            t.encoded = Some(encode_postings(analyse::Postings::new(&t.docs, &t.payloads), doc_count));
        });
        let by_term = &self.by_term;
        order
            .iter()
            .filter_map(|&n| {
                let encoded = by_term.get(n as usize)?.encoded.as_deref()?;
                Some((terms.get(n as usize).map_or("", |t| &**t), encoded))
            })
            .collect()
    }
}

/// Changed docs a rebuild patches [`KeptPostings`] for; past this it inverts afresh
/// (a theme edit changes every doc's render key): moving a doc's postings shifts
/// the lists of its common terms, thousands of entries each in a large portal.
const PATCH_MAX_DOCS: usize = 64;

/// Terms a [`Memo`]'s merger may hold beyond twice those in use before it starts
/// afresh: edits leave old terms behind.
const STALE_TERMS: usize = 100_000;

/// Every search file, by site path. Each doc's [`DocAnalysis`] is taken from its
/// render (`rendered` in the positions of `index.docs`) when the renderer made one, and
/// worked out here otherwise.
pub fn build(index: &Index, rendered: &[RenderedDoc], config: &Config) -> BTreeMap<String, Vec<u8>> {
    build_reusing(index, rendered, config, &mut Memo::default(), &[])
}

/// [`build`], byte for byte, reusing what `memo` kept of the previous build: a doc
/// whose render key (`render_keys`, positions of `index.docs`; equal only when the
/// renders are), id, title and authors are unchanged keeps its numbered terms.
/// Without a render key a doc is numbered afresh.
pub fn build_reusing(
    index: &Index,
    rendered: &[RenderedDoc],
    config: &Config,
    memo: &mut Memo,
    render_keys: &[u64],
) -> BTreeMap<String, Vec<u8>> {
    let kinds = kinds_of(config);
    let missing: Vec<Option<DocAnalysis>> = (0..index.docs.len())
        .into_par_iter()
        .with_max_len(1)
        .map(|i| match rendered.get(i) {
            Some(RenderedDoc { search: Some(_), .. }) => None,
            Some(r) => Some(analyse::analyse(r, &kinds)),
            None => Some(DocAnalysis::default()),
        })
        .collect();
    let analyses: Vec<&DocAnalysis> = missing
        .iter()
        .enumerate()
        .filter_map(|(i, own)| own.as_ref().or_else(|| rendered.get(i).and_then(|r| r.search.as_ref())))
        .collect();

    if memo.merger.len() > 2 * memo.live + STALE_TERMS {
        *memo = Memo::default();
    }
    let Memo { merger, docs: numbered, live, postings, groups } = memo;
    let present: HashSet<&str> = index.docs.iter().map(|d| d.source.as_str()).collect();
    numbered.retain(|source, _| present.contains(source.as_str()));
    let mut todo: Vec<(usize, u64, &Doc, &DocAnalysis)> = Vec::new();
    // What each doc's excerpt is made from, for the group files: only with every render key.
    let keyed = render_keys.len() == index.docs.len();
    let mut excerpt_keys = Vec::with_capacity(if keyed { index.docs.len() } else { 0 });
    for (pos, (doc, analysis)) in index.docs.iter().zip(&analyses).enumerate() {
        let key = render_keys.get(pos).map(|render| {
            let mut h = crate::cache::key_hasher();
            (render, &doc.id, doc.numbered, &doc.title, &doc.authors).hash(&mut h);
            h.finish()
        });
        if let Some(key) = key.filter(|_| keyed) {
            excerpt_keys.push(crate::cache::key_of(&(key, &doc.source)));
        }
        if key.is_none() || numbered.get(&doc.source).map(|(k, _)| *k) != key {
            todo.push((pos, key.unwrap_or(0), doc, analysis));
        }
    }
    // Doc numbers are positions: kept postings hold while the docs are those they
    // were made for, in the same order.
    let same_docs = postings.as_ref().is_some_and(|kept| {
        kept.sources.len() == index.docs.len() && kept.sources.iter().zip(&index.docs).all(|(s, d)| *s == d.source)
    });
    if !same_docs || todo.len() > PATCH_MAX_DOCS {
        *postings = None;
    }
    let pairs: Vec<(&Doc, &DocAnalysis)> = todo.iter().map(|&(_, _, doc, analysis)| (doc, analysis)).collect();
    for ((pos, key, doc, _), terms) in todo.iter().zip(merger.number_all(&pairs, &kinds)) {
        match (postings.as_mut(), numbered.get(&doc.source)) {
            (Some(kept), Some((_, before))) => kept.replace(*pos as u32, before, &terms),
            // Not reached while the docs are the same ones (each was numbered when the
            // postings were made); should it be, the postings lack this doc: drop them.
            (Some(_), None) => *postings = None,
            (None, _) => {}
        }
        numbered.insert(doc.source.clone(), (*key, terms));
    }
    merger.sort();
    let kept = postings.get_or_insert_with(|| {
        let lists: Vec<&[(u32, u8)]> =
            index.docs.iter().map(|d| numbered.get(&d.source).map_or(&[][..], |(_, t)| t.as_slice())).collect();
        KeptPostings::invert(index.docs.iter().map(|d| d.source.clone()).collect(), merger, &lists)
    });
    let encoded = kept.encoded(merger.order(), merger.terms(), index.docs.len());
    *live = encoded.len();
    let excerpt_keys = (excerpt_keys.len() == index.docs.len()).then_some(excerpt_keys.as_slice());
    files_of(index, &analyses, &encoded, &kinds, excerpt_keys.map(|keys| (keys, groups)))
}

/// [`build`] for a build that renders its docs one at a time and keeps none of them
/// (`docportal build`): [`Collector::add`] numbers a doc's terms as soon as it is
/// rendered and keeps only those numbers with its length and excerpt, not its whole
/// analysis; [`Collector::files`] then makes the files [`build`] makes, byte for byte
/// (the index does not depend on the order docs were numbered in, nor on the numbers).
/// With [`KeptTerms`] from the last build, a doc whose analysis and listing are
/// unchanged takes its numbered terms from there, and the files for the next build
/// are written beside the search files.
pub struct Collector<'a> {
    index: &'a Index,
    kinds: Vec<String>,
    merger: Mutex<analyse::Merger>,
    /// By doc position: its numbered terms, and its analysis without its terms.
    docs: Vec<OnceLock<Indexed>>,
    kept: KeptTerms,
    reused: AtomicUsize,
}

/// What a [`Collector`] keeps of one doc until the files are made.
struct Indexed {
    terms: analyse::PackedTerms,
    /// Without its terms.
    analysis: DocAnalysis,
    /// [`kept_terms::key_of`] the doc (0 when terms are not kept), and whether its
    /// terms came from [`KeptTerms`].
    key: u128,
    reused: bool,
}

impl<'a> Collector<'a> {
    pub fn new(index: &'a Index, config: &Config) -> Self {
        Collector::keeping(index, config, KeptTerms::default())
    }

    /// A collector going on from what the last build left in `kept`.
    pub fn keeping(index: &'a Index, config: &Config, mut kept: KeptTerms) -> Self {
        let docs = (0..index.docs.len()).map(|_| OnceLock::new()).collect();
        let merger = Mutex::new(kept.merger());
        Collector { index, kinds: kinds_of(config), merger, docs, kept, reused: AtomicUsize::new(0) }
    }

    /// Adds the doc at `pos` of the index, as rendered. A doc added twice keeps its
    /// first render.
    pub fn add(&self, pos: usize, rendered: RenderedDoc) {
        let (Some(doc), Some(slot)) = (self.index.docs.get(pos), self.docs.get(pos)) else { return };
        let analysis = match rendered.search {
            Some(analysis) => analysis,
            None => analyse::analyse(&rendered, &self.kinds),
        };
        let key = if self.kept.is_on() { kept_terms::key_of(doc, &analysis) } else { 0 };
        let kept = self.kept.get(&doc.source, key);
        let reused = kept.is_some();
        let terms = kept.unwrap_or_else(|| {
            let local = analyse::local_terms(&analysis);
            let terms = crate::lock(&self.merger).number_with(doc, &analysis, local.as_ref(), &self.kinds);
            analyse::PackedTerms::new(terms)
        });
        let DocAnalysis { length, intro, sections, .. } = analysis;
        let analysis = DocAnalysis { length, intro, sections, ..DocAnalysis::default() };
        if slot.set(Indexed { terms, analysis, key, reused }).is_ok() && reused {
            self.reused.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How many docs added so far took their numbered terms from the last build.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// Every search file, by site path. A doc never added counts as one with no text.
    pub fn files(self) -> BTreeMap<String, Vec<u8>> {
        let Collector { index, kinds, merger, docs, kept, .. } = self;
        let mut merger = crate::unwrap_mutex(merger);
        let mut indexed = Vec::with_capacity(docs.len());
        for (doc, slot) in index.docs.iter().zip(docs) {
            indexed.push(slot.into_inner().unwrap_or_else(|| {
                let analysis = DocAnalysis::default();
                let terms = analyse::PackedTerms::new(merger.number(doc, &analysis, &kinds));
                let key = if kept.is_on() { kept_terms::key_of(doc, &analysis) } else { 0 };
                Indexed { terms, analysis, key, reused: false }
            }));
        }
        merger.sort();
        let lists: Vec<&analyse::PackedTerms> = indexed.iter().map(|d| &d.terms).collect();
        let inverted = merger.inverted(&lists);
        let analyses: Vec<&DocAnalysis> = indexed.iter().map(|d| &d.analysis).collect();
        let store = || {
            let stored: Vec<kept_terms::StoredDoc> = index
                .docs
                .iter()
                .zip(&indexed)
                .map(|(doc, d)| kept_terms::StoredDoc {
                    source: &doc.source,
                    key: d.key,
                    terms: &d.terms,
                    reused: d.reused,
                })
                .collect();
            kept.store(&merger, inverted.terms.len(), &stored);
        };
        let files = || {
            let encoded = encoded_in_order(&inverted, analyses.len());
            let encoded: Vec<(&str, &str)> = encoded.iter().map(|(term, post)| (*term, post.as_str())).collect();
            files_of(index, &analyses, &encoded, &kinds, None)
        };
        let (files, ()) = rayon::join(files, store);
        files
    }
}

/// The search files of `index`, from each doc's analysis (only its length and excerpt
/// are read: its terms are in `inverted`) in the positions of `index.docs`.
///
/// With `kept`, each doc's excerpt key (what its excerpt is made from, by position) and
/// the group files of the last build: a group whose docs' keys are unchanged is taken
/// from there, and the groups made here are kept for the next build.
fn files_of(
    index: &Index,
    analyses: &[&DocAnalysis],
    encoded: &[(&str, &str)],
    kinds: &[String],
    kept: Option<(&[u64], &mut Vec<KeptGroup>)>,
) -> BTreeMap<String, Vec<u8>> {
    let doc_count = analyses.len();
    let mut files = BTreeMap::new();
    let (shard_firsts, shard_bodies) = cut_shards(encoded);
    let shard_files: Vec<(String, Vec<u8>)> = shard_bodies
        .par_iter()
        .enumerate()
        .map(|(n, terms)| {
            let bytes = shard_script(n, terms).into_bytes();
            (crate::site::hashed_name(&format!("t{n}.js"), &bytes), bytes)
        })
        .collect();

    let excerpts: Vec<Excerpt> =
        index.docs.par_iter().zip(analyses).map(|(doc, analysis)| Excerpt::of(doc, analysis)).collect();
    let group_size = group_size(&excerpts);
    let (keys, kept) = kept.unzip();
    let earlier = kept.as_deref().map(Vec::as_slice).unwrap_or_default();
    let group_files: Vec<KeptGroup> = excerpts
        .par_chunks(group_size)
        .enumerate()
        .map(|(n, docs)| {
            let key = keys.map_or(0, |keys| {
                let first = n * group_size;
                crate::cache::key_of(&(n, group_size, keys.get(first..first + docs.len())))
            });
            match earlier.get(n) {
                Some((was, name, bytes)) if keys.is_some() && *was == key => (key, name.clone(), bytes.clone()),
                _ => {
                    let bytes = group_script(n, docs).into_bytes();
                    (key, crate::site::hashed_name(&format!("g{n}.js"), &bytes), bytes)
                }
            }
        })
        .collect();
    let group_files: Vec<(String, Vec<u8>)> = match kept {
        Some(kept) => {
            *kept = group_files;
            kept.iter().map(|(_, name, bytes)| (name.clone(), bytes.clone())).collect()
        }
        None => group_files.into_iter().map(|(_, name, bytes)| (name, bytes)).collect(),
    };

    let table = table_script(&index.docs, analyses).into_bytes();
    let table_name = crate::site::hashed_name("table.js", &table);
    let total_length: usize = analyses.iter().map(|a| a.length as usize).sum();
    let manifest = json!({
        "v": 2,
        "n": doc_count,
        "avg": if doc_count == 0 { 1.0 } else { (total_length as f64 / doc_count as f64).max(1.0) },
        "kinds": kinds,
        "stop": text::STOPWORDS,
        "maxTerm": text::MAX_TERM_CHARS,
        "table": table_name,
        "shards": shard_firsts,
        "hashLen": shard_files.first().and_then(|(name, _)| name.split('.').nth(1)).map_or(0, str::len),
        "shardHashes": hashes_of(&shard_files),
        "groupSize": group_size,
        "groupHashes": hashes_of(&group_files),
    });
    files.insert(
        "search/manifest.js".to_string(),
        format!("docportalSearch.manifest({});\n", encode::js_safe_json(&manifest)).into_bytes(),
    );
    files.insert(format!("search/{table_name}"), table);
    for (name, bytes) in shard_files.into_iter().chain(group_files) {
        files.insert(format!("search/{name}"), bytes);
    }
    files
}

/// The excerpt facts of a doc's sections: the text before the first heading, and the
/// first words of some sections after it, trimmed.
pub(crate) fn excerpt_of(sections: &[Section]) -> (String, Vec<ExcerptSection>) {
    let intro = sections.first().filter(|s| s.heading.is_empty()).map_or("", |s| s.text);
    let mut budget = EXCERPT_CHARS;
    let mut out = Vec::new();
    for s in sections.iter().filter(|s| !s.heading.is_empty()).take(MAX_SECTIONS) {
        let text = trim_to_word(s.text, SECTION_CHARS.min(budget));
        budget = budget.saturating_sub(text.chars().count());
        let anchor = if s.anchor == crate::ids::heading_anchor(s.heading) { "" } else { s.anchor };
        out.push(ExcerptSection { heading: s.heading.to_string(), anchor: anchor.to_string(), text });
    }
    (trim_to_word(intro, INTRO_CHARS), out)
}

/// What a result shows of a doc: id, title, page href, and its excerpt facts.
struct Excerpt<'a> {
    id: &'a str,
    title: &'a str,
    href: String,
    intro: &'a str,
    sections: &'a [ExcerptSection],
}

impl<'a> Excerpt<'a> {
    fn of(doc: &'a Doc, analysis: &'a DocAnalysis) -> Self {
        Excerpt {
            id: &doc.id,
            title: &doc.title,
            href: urls::href("index.html", &urls::page_path(&doc.source)),
            intro: &analysis.intro,
            sections: &analysis.sections,
        }
    }

    /// Roughly its bytes in a group file.
    fn size(&self) -> usize {
        let sections: usize =
            self.sections.iter().map(|s| s.heading.len() / 2 + s.anchor.len() + s.text.len() + 8).sum();
        self.id.len() + self.title.len() + self.href.len() + self.intro.len() + sections + 16
    }
}

/// `docportalSearch.group(n, headings, docs)`: the headings of the group's docs once
/// each (docs of one portal share many: "Context", "Decision"…), and per doc
/// `[id, title, href, intro, [[heading number, text, anchor?], …]]`, the anchor present
/// only when it is not the heading's plain anchor (the client derives that one).
///
/// Written straight into the string (no JSON value tree): the same text as
/// [`encode::js_safe_json`] of those values, strings through [`encode::push_js_string`].
fn group_script(n: usize, docs: &[Excerpt]) -> String {
    let mut headings: Vec<&str> = Vec::new();
    let mut numbers: HashMap<&str, usize> = HashMap::new();
    let size: usize = docs.iter().map(Excerpt::size).sum();
    let mut entries = String::with_capacity(size + 64);
    entries.push('[');
    for (i, e) in docs.iter().enumerate() {
        if i > 0 {
            entries.push(',');
        }
        entries.push('[');
        for field in [e.id, e.title, &e.href, e.intro] {
            encode::push_js_string(&mut entries, field);
            entries.push(',');
        }
        entries.push('[');
        for (k, ExcerptSection { heading, anchor, text }) in e.sections.iter().enumerate() {
            let h = *numbers.entry(heading).or_insert_with(|| {
                headings.push(heading);
                headings.len() - 1
            });
            if k > 0 {
                entries.push(',');
            }
            let _ = write!(entries, "[{h},");
            encode::push_js_string(&mut entries, text);
            if !anchor.is_empty() {
                entries.push(',');
                encode::push_js_string(&mut entries, anchor);
            }
            entries.push(']');
        }
        entries.push_str("]]");
    }
    entries.push(']');
    let mut out = format!("docportalSearch.group({n},[");
    for (i, heading) in headings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        encode::push_js_string(&mut out, heading);
    }
    let _ = writeln!(out, "],{entries});");
    out
}

/// At most `max_chars` characters of `s`, cut after a whole word, with `…` when cut.
pub fn trim_to_word(s: &str, max_chars: usize) -> String {
    let Some((end, _)) = s.char_indices().nth(max_chars) else { return s.to_string() };
    let head = &s[..end];
    let cut = head.rfind(' ').filter(|&i| i > end / 2).unwrap_or(end);
    format!("{}…", head[..cut].trim_end())
}

/// The payload of most postings (once in the body, no flags): written as one bit.
const PLAIN_PAYLOAD: u8 = 8;

/// One term's postings: a header, then per doc `2 × gap` for a plain posting or
/// `2 × gap + 1` followed by its payload.
///
/// The header is `2 × count` when every posting is listed. A term in more than half
/// of a large portal's docs ranks almost nothing by its body occurrences, yet would
/// cost every query that names it a posting per doc: it keeps only the docs with the
/// term in their title, a heading or the id — or, when that is still more than half
/// (a heading every template has), in their title or id. The header is then
/// `2 × listed + 1` followed by the true doc count (for the idf).
fn encode_postings(postings: analyse::Postings, doc_count: usize) -> String {
    let common = |n: usize| doc_count >= PRUNE_MIN_DOCS && n * 2 > doc_count;
    let keep = if !common(postings.len()) {
        None
    } else if common(postings.iter().filter(|p| p.1 & (IN_TITLE | IN_HEADING | IN_ID) != 0).count()) {
        Some(IN_TITLE | IN_ID)
    } else {
        Some(IN_TITLE | IN_HEADING | IN_ID)
    };
    let listed = |&(_, payload): &(u32, u8)| keep.is_none_or(|flags| payload & flags != 0);
    let mut out = String::with_capacity(postings.len() * 2);
    if keep.is_some() {
        encode::push_number(&mut out, postings.iter().filter(listed).count() as u32 * 2 + 1);
        encode::push_number(&mut out, postings.len() as u32);
    } else {
        encode::push_number(&mut out, postings.len() as u32 * 2);
    }
    let mut next = 0;
    for (doc, payload) in postings.iter().filter(listed) {
        let gap = doc - next;
        if payload == PLAIN_PAYLOAD {
            encode::push_number(&mut out, gap * 2);
        } else {
            encode::push_number(&mut out, gap * 2 + 1);
            encode::push_number(&mut out, u32::from(payload));
        }
        next = doc + 1;
    }
    out
}

/// Each term of `inverted` with its encoded postings ([`encode_postings`]), in client order.
fn encoded_in_order<'a>(inverted: &'a analyse::Inverted, doc_count: usize) -> Vec<(&'a str, String)> {
    inverted.iter().collect::<Vec<_>>().into_par_iter().map(|(t, p)| (t, encode_postings(p, doc_count))).collect()
}

/// A term and its encoded postings ([`encode_postings`]).
type EncodedTerm<'a> = (&'a str, &'a str);

/// Splits the sorted terms (each with its encoded postings) into contiguous shards of
/// roughly equal size. Returns each shard's first term and its terms.
fn cut_shards<'a, 'b>(encoded: &'b [EncodedTerm<'a>]) -> (Vec<&'a str>, Vec<&'b [EncodedTerm<'a>]>) {
    let total: usize = encoded.iter().map(|(t, p)| t.len() + p.len() + 2).sum();
    let target = (total / MAX_SHARDS + 1).max(MIN_SHARD_BYTES);
    let (mut firsts, mut shards) = (Vec::new(), Vec::new());
    let (mut start, mut size) = (0, usize::MAX);
    for (i, (term, post)) in encoded.iter().enumerate() {
        if size >= target {
            if i > start {
                shards.push(&encoded[start..i]);
            }
            firsts.push(*term);
            (start, size) = (i, 0);
        }
        size += term.len() + post.len() + 2;
    }
    if encoded.len() > start {
        shards.push(&encoded[start..]);
    }
    (firsts, shards)
}

/// The content hashes of `t<N>.<hash>.js` names, concatenated (all the same length):
/// the client rebuilds each name from its number, keeping the manifest small.
fn hashes_of(files: &[(String, Vec<u8>)]) -> String {
    files.iter().filter_map(|(name, _)| name.split('.').nth(1)).collect()
}

/// Index of the shard a term belongs to: the last shard whose first term is not after it.
/// `search.js` does the same binary search over the manifest's `shards`.
pub fn shard_of(firsts: &[&str], term: &str) -> usize {
    firsts.partition_point(|f| analyse::client_order(f, term).is_le()).saturating_sub(1)
}

/// `docportalSearch.shard(n, dictionary, postings)`: the dictionary front-coded (per
/// term: shared-prefix length in UTF-16 units as one code, the rest, a space).
/// Postings are written from the [`encode`] alphabet, which needs no escaping.
fn shard_script(n: usize, terms: &[(&str, &str)]) -> String {
    let mut dict = String::new();
    let mut all_postings = String::with_capacity(terms.iter().map(|(_, p)| p.len()).sum());
    let mut previous = "";
    for (term, post) in terms {
        let (mut shared_bytes, mut shared_units) = (0, 0);
        for (a, b) in previous.chars().zip(term.chars()) {
            if a != b || shared_units + a.len_utf16() >= encode::LAST_BASE as usize {
                break;
            }
            shared_bytes += a.len_utf8();
            shared_units += a.len_utf16();
        }
        dict.push(encode::small(shared_units));
        dict.push_str(term.get(shared_bytes..).unwrap_or(""));
        dict.push(' ');
        all_postings.push_str(post);
        previous = term;
    }
    format!("docportalSearch.shard({n},{},\"{all_postings}\");\n", encode::js_safe_json(&json!(dict)))
}

/// Docs per group: small groups for big portals (a result costs one group), yet never
/// more than [`MAX_GROUPS`] files.
fn group_size(excerpts: &[Excerpt]) -> usize {
    if excerpts.is_empty() {
        return 1;
    }
    let total: usize = excerpts.iter().map(Excerpt::size).sum();
    let mean = (total / excerpts.len()).max(1);
    (GROUP_TARGET_BYTES / mean).max(excerpts.len().div_ceil(MAX_GROUPS)).max(1)
}

/// The per-doc table: `len` (one length code per doc), `status` and `kind` (fixed-width
/// codes, 0 = none, else 1 + position in the value list), `authors` (fixed-width
/// codes per doc, docs separated by spaces).
fn table_script(docs: &[Doc], analysed: &[&DocAnalysis]) -> String {
    let statuses: BTreeSet<&str> = docs.iter().filter_map(|d| d.status.as_deref()).collect();
    let kinds: BTreeSet<&str> = docs.iter().filter_map(|d| d.kind.as_deref()).collect();
    let authors: BTreeSet<&str> =
        docs.iter().flat_map(|d| d.authors.iter().map(|a| a.trim())).filter(|a| !a.is_empty()).collect();
    let statuses: Vec<&str> = statuses.into_iter().collect();
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let authors: Vec<&str> = authors.into_iter().collect();
    let (sw, kw, aw) = (code_width(statuses.len() + 1), code_width(kinds.len() + 1), code_width(authors.len()));
    let mut len = String::new();
    let mut status = String::new();
    let mut kind = String::new();
    let mut author = String::new();
    for (doc, a) in docs.iter().zip(analysed) {
        len.push(encode::small(length_code(a.length as usize)));
        let pos = |list: &[&str], v: Option<&str>| v.and_then(|v| list.binary_search(&v).ok()).map_or(0, |p| p + 1);
        push_fixed(&mut status, pos(&statuses, doc.status.as_deref()), sw);
        push_fixed(&mut kind, pos(&kinds, doc.kind.as_deref()), kw);
        let mut mine: Vec<usize> = doc.authors.iter().filter_map(|x| authors.binary_search(&x.trim()).ok()).collect();
        mine.sort_unstable();
        mine.dedup();
        for p in mine {
            push_fixed(&mut author, p, aw);
        }
        author.push(' ');
    }
    let table = json!({
        "status": statuses, "kind": kinds, "author": authors,
        "sw": sw, "kw": kw, "aw": aw,
        "len": len, "st": status, "ki": kind, "au": author,
    });
    format!("docportalSearch.table({});\n", encode::js_safe_json(&table))
}

/// Characters needed to write numbers below `count` in base 60.
fn code_width(count: usize) -> usize {
    let mut width = 1;
    let mut cap = encode::LAST_BASE as usize;
    while count > cap {
        width += 1;
        cap = cap.saturating_mul(encode::LAST_BASE as usize);
    }
    width
}

fn push_fixed(out: &mut String, n: usize, width: usize) {
    let base = encode::LAST_BASE as usize;
    for k in (0..width).rev() {
        out.push(encode::small(n / base.pow(k as u32) % base));
    }
}

/// A doc length as one code: round(log₁.₂(1 + length)), so 1.2^code − 1 recovers it
/// within 10%.
fn length_code(length: usize) -> usize {
    ((1.0 + length as f64).ln() / 1.2f64.ln()).round() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A portal of `n` docs (numbered or not, several authors) and a render of each:
    /// words shared by many docs and words of one doc, headings, and half of the
    /// renders carrying their analysis.
    pub(super) fn portal(n: usize) -> (Config, Index, Vec<RenderedDoc>) {
        let config = Config::default_at(std::path::Path::new("/p"));
        let docs = (0..n)
            .map(|i| {
                let id = if i % 3 == 0 { format!("id: ADR-{i:04}\n") } else { String::new() };
                let text = format!("---\n{id}title: Doc {i} on caching\nauthors: [Author {}]\n---\n", i % 4);
                let file = crate::discover::decode(format!("/p/{i}.md").into(), format!("d/{i}.md"), text.into_bytes());
                crate::parse::parse(&file, &config)
            })
            .collect();
        let (index, _) = crate::index::build(docs, &config);
        let kinds = kinds_of(&config);
        let rendered = (0..n)
            .map(|i| {
                let toc = vec![crate::model::TocEntry { level: 2, anchor: "goals".into(), text: "Goals".into() }];
                let text = format!("Intro {i} of rollouts, see ADR-{:04}. Goals Cache warming unique{i} words.", i / 2);
                let mut r = RenderedDoc { text, toc, ..RenderedDoc::default() };
                if i % 2 == 0 {
                    r.search = Some(analyse::analyse(&r, &kinds));
                }
                r
            })
            .collect();
        (config, index, rendered)
    }

    /// The streaming build adds docs as threads finish them: in any order, the files
    /// are those of [`build`]; a doc never added is one with no text, as in [`build`].
    #[test]
    fn a_collector_makes_the_files_build_makes_whatever_the_order_docs_come_in() {
        let (config, index, rendered) = portal(150);
        let expected = build(&index, &rendered[..149], &config);
        let collector = Collector::new(&index, &config);
        for pos in (0..149).rev() {
            collector.add(pos, rendered[pos].clone());
        }
        collector.add(3, RenderedDoc::default());
        let files = collector.files();
        assert_eq!(files.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
        for (path, bytes) in &expected {
            assert!(files[path] == *bytes, "{path} differs");
        }
        let all = String::from_utf8_lossy(&files.values().flatten().copied().collect::<Vec<u8>>()).into_owned();
        assert!(all.contains("unique148") && !all.contains("unique149"), "the last doc was never added");
    }

    /// `serve` keeps the index from one build to the next and patches the postings of
    /// the docs that changed: after every kind of edit the files are those a fresh
    /// build makes, byte for byte. The portal is large enough for common words to lose
    /// their body postings, so an edit that makes a word common is among them.
    #[test]
    fn a_kept_index_patched_edit_after_edit_makes_the_files_a_fresh_build_makes() {
        let (config, mut index, mut rendered) = portal(PRUNE_MIN_DOCS + 21);
        let kinds = kinds_of(&config);
        let mut memo = Memo::default();
        let mut step = |index: &Index, rendered: &[RenderedDoc], what: &str| {
            let keys: Vec<u64> = rendered.iter().map(|r| crate::cache::key_of(&r.text)).collect();
            let patched = build_reusing(index, rendered, &config, &mut memo, &keys);
            let fresh = build(index, rendered, &config);
            assert_eq!(patched.keys().collect::<Vec<_>>(), fresh.keys().collect::<Vec<_>>(), "{what}: file names");
            for (path, bytes) in &fresh {
                assert!(patched[path] == *bytes, "{what}: {path} differs from a fresh build");
            }
            patched
        };
        let edit = |rendered: &mut [RenderedDoc], pos: usize, text: String| {
            rendered[pos].text = text;
            rendered[pos].search = (pos % 2 == 0).then(|| analyse::analyse(&rendered[pos], &kinds));
        };
        step(&index, &rendered, "first build");

        edit(&mut rendered, 7, "Intro 7 now mentions a zebracorn and caching.".into());
        let files = step(&index, &rendered, "a word added");
        assert!(files.values().any(|f| String::from_utf8_lossy(f).contains("zebracorn")));
        edit(&mut rendered, 7, "Intro 7 without it.".into());
        let files = step(&index, &rendered, "the word removed");
        assert!(!files.values().any(|f| String::from_utf8_lossy(f).contains("zebracorn")), "a word no doc has is gone");
        edit(&mut rendered, 8, String::new());
        step(&index, &rendered, "a doc emptied");
        // Many docs at once, and a word that was in none becomes common (its body
        // postings are then left out).
        for pos in 0..index.docs.len() / 2 + 5 {
            let text = format!("{} quokka", rendered[pos].text);
            edit(&mut rendered, pos, text);
            if pos % PATCH_MAX_DOCS == PATCH_MAX_DOCS - 1 {
                step(&index, &rendered, "a batch of docs patched");
            }
        }
        let files = step(&index, &rendered, "a word made common");
        assert!(files.values().any(|f| String::from_utf8_lossy(f).contains("quokka")));
        for pos in 0..index.docs.len() {
            let text = format!("{} wombat", rendered[pos].text);
            edit(&mut rendered, pos, text);
        }
        step(&index, &rendered, "every doc changed");
        edit(&mut rendered, 9, "Intro 9 shares unique100 with another doc.".into());
        step(&index, &rendered, "a word another doc has");
        index.docs[11].title = "Doc eleven renamed about quokka".into();
        step(&index, &rendered, "a title changed");
        let (_, fewer, fewer_rendered) = portal(PRUNE_MIN_DOCS + 20);
        step(&fewer, &fewer_rendered, "a doc removed");
        step(&index, &rendered, "a doc added back");
        index.docs[12].source = "d/moved.md".into();
        step(&index, &rendered, "a doc moved");
        step(&index, &rendered, "nothing changed");
    }

    #[test]
    fn shard_of_finds_the_covering_range() {
        let firsts = ["a", "cach", "m", "zz"];
        assert_eq!(shard_of(&firsts, "0007"), 0);
        assert_eq!(shard_of(&firsts, "a"), 0);
        assert_eq!(shard_of(&firsts, "cac"), 0);
        assert_eq!(shard_of(&firsts, "cach"), 1);
        assert_eq!(shard_of(&firsts, "lz"), 1);
        assert_eq!(shard_of(&firsts, "zzz"), 3);
        assert_eq!(shard_of(&firsts, "übersicht"), 3);
    }

    #[test]
    fn trimming_cuts_after_a_word() {
        assert_eq!(trim_to_word("alpha beta gamma", 12), "alpha beta…");
        assert_eq!(trim_to_word("short", 12), "short");
        assert_eq!(trim_to_word("ééééééé", 3), "ééé…");
    }

    /// Decodes a postings string: (listed docs with payloads, true doc count).
    fn decode_postings(s: &str) -> (Vec<(u32, u8)>, u32) {
        let mut numbers = Vec::new();
        let mut acc = 0;
        for c in s.chars() {
            let i = encode::ALPHABET.find(c).expect("alphabet char") as u32;
            if i >= encode::LAST_BASE {
                acc = acc * encode::MORE_BASE + (i - encode::LAST_BASE);
            } else {
                numbers.push(acc * encode::LAST_BASE + i);
                acc = 0;
            }
        }
        let mut it = numbers.into_iter();
        let header = it.next().expect("header");
        let df = if header & 1 == 1 { it.next().expect("true count") } else { header / 2 };
        let (mut out, mut next) = (Vec::new(), 0);
        for _ in 0..header / 2 {
            let v = it.next().expect("gap");
            let doc = next + v / 2;
            let payload = if v & 1 == 1 { it.next().expect("payload") as u8 } else { PLAIN_PAYLOAD };
            out.push((doc, payload));
            next = doc + 1;
        }
        assert!(it.next().is_none(), "nothing after the postings");
        (out, df)
    }

    fn encode_postings(postings: &[(u32, u8)], doc_count: usize) -> String {
        let (docs, payloads): (Vec<u32>, Vec<u8>) = postings.iter().copied().unzip();
        super::encode_postings(analyse::Postings::new(&docs, &payloads), doc_count)
    }

    #[test]
    fn common_terms_keep_title_heading_and_id_postings_in_large_portals() {
        let n = PRUNE_MIN_DOCS as u32;
        // In every doc's body; in the title of doc 3 and a heading of doc 7.
        let everywhere: Vec<(u32, u8)> = (0..n)
            .map(|d| {
                (
                    d,
                    PLAIN_PAYLOAD
                        | if d == 3 {
                            IN_TITLE
                        } else if d == 7 {
                            IN_HEADING
                        } else {
                            0
                        },
                )
            })
            .collect();
        assert_eq!(decode_postings(&encode_postings(&everywhere, n as usize)), (vec![(3, 9), (7, 10)], n));
        // The same list in a small portal is kept whole.
        let small: Vec<(u32, u8)> = everywhere.iter().copied().take(100).collect();
        assert_eq!(decode_postings(&encode_postings(&small, 100)), (small.clone(), 100));
        // A heading in every doc: only the title and id postings stay.
        let heading: Vec<(u32, u8)> = (0..n).map(|d| (d, if d == 5 { IN_ID } else { IN_HEADING })).collect();
        assert_eq!(decode_postings(&encode_postings(&heading, n as usize)), (vec![(5, IN_ID)], n));
        // A term in under half the docs is kept whole.
        let rare: Vec<(u32, u8)> = (0..n / 2).map(|d| (d * 2, PLAIN_PAYLOAD)).collect();
        assert_eq!(decode_postings(&encode_postings(&rare, n as usize)), (rare.clone(), n / 2));
    }

    #[test]
    fn postings_are_gap_coded() {
        let s = encode_postings(&[(0, 9), (1, 8), (70, 1)], 100);
        // count 3; doc 0 gap 0 + payload; doc 1 gap 0, plain; doc 70 gap 68 (137: two chars) + payload
        assert_eq!(s.chars().count(), 1 + 2 + 1 + 3);
    }
}
