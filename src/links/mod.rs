//! `&Index` → [`LinkGraph`]: every reference resolved to a doc (or reported), with backlinks.
//!
//! In: each doc's [`RawRef`]s (metadata relations from the
//! parse stage, `Mentions` from the body scan). Out: per doc, its outgoing [`Link`]s
//! in document order and its incoming [`Backlink`]s, plus warnings naming file and line.
//!
//! Invariants of the graph:
//! - One link per (relation, target) per doc: the first wins, and a metadata relation
//!   wins over a body mention of the same target. Unresolved targets are kept (the
//!   page shows them as unresolved) and deduplicated by their canonical spelling.
//! - A supersession declared on one side appears on both: `A supersedes B` gives B a
//!   `superseded_by` link to A with `declared: false` (and the other way round).
//! - `incoming[t]` holds one backlink per (relation, source) for every link pointing at
//!   `t`, declared or mirrored, sorted by relation then source position. So `related`
//!   reads both ways in backlinks, and mentions show up as backlinks only.
//! - Self-references never become links.
//!
//! Links to files that exist but are not docs (images, a folder of code) are no links
//! between docs and no warning; the files among them are listed in
//! [`LinkGraph::assets`] for the site to copy.
//!
//! Warnings: unresolved ids and paths (with a "did you mean" when one is close), links
//! to missing files or climbing out of the docs folder, `#anchor`s missing from the
//! target, metadata naming the doc itself, supersedes cycles, and a doc superseded by
//! another whose status says otherwise. A bare id written loosely (`RFC 2119`) that
//! resolves to nothing is prose, not a reference: no link, no warning.

pub mod kept_headings;
pub mod kept_links;
mod mermaid;
mod resolve;

pub use mermaid::{graph_mermaid, graph_mermaid_with, NodeLabels, FULL_GRAPH_MAX_DOCS};

use crate::bodies::Bodies;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::ids;
use crate::index::Index;
use crate::model::{RawRef, Relation};
use crate::parse::body_refs;
use crate::{discover, render};
use rayon::prelude::*;
use resolve::Resolution;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Mutex, OnceLock, RwLock};

/// One resolved (or unresolved) reference from a doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub relation: Relation,
    /// The target as written.
    pub written: String,
    /// Index of the target doc, when it resolved.
    pub target: Option<usize>,
    /// `#anchor` kept from a path reference.
    pub anchor: Option<String>,
    pub line: Option<u32>,
    /// False when the relation was declared by the other doc and mirrored here.
    pub declared: bool,
}

/// A doc that points at this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlink {
    pub relation: Relation,
    pub from: usize,
}

#[derive(Debug, Clone, Default)]
pub struct LinkGraph {
    /// Per doc (same positions as `Index::docs`): its references, in document order,
    /// then the links mirrored from other docs.
    pub outgoing: Vec<Vec<Link>>,
    /// Per doc: who points at it, sorted by relation then source doc.
    pub incoming: Vec<Vec<Backlink>>,
    /// Per doc: references (as written) whose target doc exists but has no such
    /// `#anchor`; the renderer shows them as unresolved rather than as a dead link.
    pub missing_anchors: Vec<std::collections::BTreeSet<String>>,
    /// Files that are not docs (images, PDFs) that some doc links to and that exist in
    /// the docs folder: docs-relative paths, copied into the site at the same path.
    pub assets: std::collections::BTreeSet<String>,
    /// Every docs-relative path a link made the links stage look up on disk, with what
    /// it found (`None`: nothing there). Creating, deleting or replacing one of these
    /// changes the build's warnings or its copied files, so `fresh` re-checks them.
    pub probed: BTreeMap<String, Option<discover::AssetKind>>,
}

impl LinkGraph {
    /// True when `written`, from the doc at `pos`, names an anchor its target lacks.
    pub fn anchor_missing(&self, pos: usize, written: &str) -> bool {
        self.missing_anchors.get(pos).is_some_and(|set| set.contains(written))
    }
}

/// A doc's place in supersession chains, for the page banner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Supersession {
    /// Docs that supersede this one, by position.
    pub successors: Vec<usize>,
    /// Docs this one supersedes, by position.
    pub predecessors: Vec<usize>,
}

/// Resolves every doc's raw references.
pub fn build(index: &Index, config: &Config) -> (LinkGraph, Vec<Diagnostic>) {
    build_reading(index, config, &Bodies::Held, None)
}

/// A doc's heading anchors (as [`render::heading_anchors`] gives them for its body)
/// by the doc's source path, where they are already known: `serve` keeps each doc's
/// from its parse, and `docportal build` the last build's ([`kept_headings`]), so a
/// rebuild does not parse every `#anchor` target's body again.
pub type KnownHeadings<'a> = &'a (dyn Fn(&str) -> Option<Vec<String>> + Sync);

/// The heading anchors of every doc an `#anchor` pointed into, by position, as the
/// links stage found them (read from its body or known).
pub type TargetHeadings = Vec<(usize, Vec<String>)>;

/// [`build`], reading the bodies of `#anchor` targets from `bodies`, unless `known`
/// has their headings.
pub fn build_reading(
    index: &Index,
    config: &Config,
    bodies: &Bodies,
    known: Option<KnownHeadings>,
) -> (LinkGraph, Vec<Diagnostic>) {
    let (graph, diags, _, _) = build_reusing(index, config, (bodies, known), None);
    (graph, diags)
}

/// What resolving one doc's references found, before the passes over the whole graph
/// (supersessions mirrored, backlinks): a later build may take it again instead of
/// resolving them, while nothing they were resolved against has changed.
#[derive(Debug, Clone, Default)]
pub struct DocLinks {
    links: Vec<Link>,
    missing_anchors: BTreeSet<String>,
    diagnostics: Vec<Diagnostic>,
    /// Every docs-relative path looked up on disk, with what was there.
    probes: Vec<(String, Option<discover::AssetKind>)>,
    /// Positions of the docs whose heading anchors an `#anchor` was checked against
    /// (this doc's own too, for a bare `#anchor`), each once, in the order first met.
    anchor_targets: Vec<usize>,
}

/// The [`DocLinks`] an earlier build resolved for the doc at a position of this index,
/// when the caller knows the doc's references and every doc's id, path, kind,
/// numbering, title and heading anchors (all resolution reads, with the config) are
/// as they were then. What the doc looked up on disk is checked here.
pub type EarlierLinks<'a> = &'a (dyn Fn(&Index, usize) -> Option<DocLinks> + Sync);

/// [`build_reading`], taking each doc's links from `earlier` where it has them and what
/// they looked up on disk is unchanged; also gives back, by position, the [`DocLinks`]
/// resolved afresh (only when there is an `earlier`: a one-shot build keeps none) and
/// the headings of the `#anchor` targets the docs resolved here looked into.
pub fn build_reusing(
    index: &Index,
    config: &Config,
    (bodies, known): (&Bodies, Option<KnownHeadings>),
    earlier: Option<EarlierLinks>,
) -> (LinkGraph, Vec<Diagnostic>, Vec<(usize, DocLinks)>, TargetHeadings) {
    let anchors = AnchorCache { known, ..AnchorCache::new(index.len(), bodies, config) };
    let hints = resolve::Hints::new(index);
    let files = Files { config, looked: RwLock::default() };
    // Docs resolve independently (the caches they share are filled once per entry), so
    // they resolve in parallel; results are collected in doc order.
    let per_doc: Vec<(DocLinks, bool)> = (0..index.len())
        .into_par_iter()
        .with_max_len(16)
        .map(|pos| {
            let reused = earlier.and_then(|earlier| earlier(index, pos)).filter(|was| files.still_hold(&was.probes));
            if let Some(was) = reused {
                // Their headings are still this build's anchor targets (for a caller that
                // keeps those between builds); `known` has them, unless it lost them.
                for &target in &was.anchor_targets {
                    anchors.of(index, target);
                }
                return (was, false);
            }
            let mut found = DocLinks::default();
            found.links = declared_links(index, pos, (&anchors, &hints, &files), &mut found);
            (found, true)
        })
        .collect();
    let (mut diags, target_headings) = anchors.into_parts();
    let mut outgoing = Vec::with_capacity(per_doc.len());
    let mut missing_anchors = Vec::with_capacity(per_doc.len());
    let mut fresh = Vec::new();
    // What the docs probed: the paths their links looked up, each with what was there.
    let mut probed = BTreeMap::new();
    for (pos, (found, is_fresh)) in per_doc.into_iter().enumerate() {
        if is_fresh && earlier.is_some() {
            fresh.push((pos, found.clone()));
        }
        let DocLinks { links, missing_anchors: missing, diagnostics, probes, anchor_targets: _ } = found;
        outgoing.push(links);
        missing_anchors.push(missing);
        diags.extend(diagnostics);
        probed.extend(probes);
    }
    mirror_supersessions(&mut outgoing);
    let incoming = backlinks(&outgoing);
    // Every file `Files::exists` met was a link's target: those are the site's assets.
    let assets =
        probed.iter().filter(|(_, kind)| **kind == Some(discover::AssetKind::File)).map(|(p, _)| p.clone()).collect();
    let graph = LinkGraph { outgoing, incoming, missing_anchors, assets, probed };
    diags.extend(supersedes_cycles(index, &graph));
    diags.extend(status_mismatches(index, &graph));
    (graph, diags, fresh, target_headings)
}

/// Resolves what an author wrote (an id in any spelling, or a path relative to the doc,
/// the docs folder or the project root, with an optional `#anchor`) from the doc at
/// position `from`. `Some((target position, anchor))` when it names a doc. A bare
/// `#anchor` names the doc itself.
pub fn resolve(index: &Index, from: usize, written: &str) -> Option<(usize, Option<String>)> {
    match resolve::resolve_written(index, from, written) {
        Resolution::Doc { pos, anchor } => Some((pos, anchor)),
        _ => None,
    }
}

/// True when a written link names a Markdown file (`x.md#a`), not a folder or another file.
pub fn is_markdown_path(written: &str) -> bool {
    let (path, _) = resolve::split_anchor(written.trim());
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// Successors and predecessors of the doc at `pos` (declared on either side), sorted.
pub fn supersession(graph: &LinkGraph, pos: usize) -> Supersession {
    let mut out = Supersession::default();
    for link in graph.outgoing.get(pos).into_iter().flatten() {
        let Some(target) = link.target.filter(|&t| t != pos) else { continue };
        match link.relation {
            Relation::SupersededBy => out.successors.push(target),
            Relation::Supersedes => out.predecessors.push(target),
            _ => {}
        }
    }
    for list in [&mut out.successors, &mut out.predecessors] {
        list.sort_unstable();
        list.dedup();
    }
    out
}

/// Backlinks of the doc at `pos` grouped by relation (in `Relation` order), each group
/// listing source positions in index order.
pub fn backlinks_by_relation(graph: &LinkGraph, pos: usize) -> Vec<(Relation, Vec<usize>)> {
    let mut groups: Vec<(Relation, Vec<usize>)> = Vec::new();
    for b in graph.incoming.get(pos).into_iter().flatten() {
        match groups.last_mut() {
            Some((rel, list)) if *rel == b.relation => list.push(b.from),
            _ => groups.push((b.relation, vec![b.from])),
        }
    }
    groups
}

/// Anchors a doc's page has: its body headings, and its title (lifted out of the body
/// into the page header; a link to it, `#rate-limiter` or GitHub's
/// `#trd-0101-rate-limiter`, rightly lands at the top of the page).
struct PageAnchors {
    /// In page order, for the "did you mean" hints.
    headings: Vec<String>,
    /// Every heading and title anchor, for lookups: a doc with thousands of headings
    /// and as many `#anchor` links must not cost headings × links comparisons.
    all: HashSet<String>,
}

impl PageAnchors {
    fn new(headings: Vec<String>, title: Vec<String>) -> Self {
        let all = headings.iter().cloned().chain(title).collect();
        PageAnchors { headings, all }
    }

    fn contains(&self, anchor: &str) -> bool {
        self.all.contains(anchor)
    }
}

/// The title's anchor with and without the id in front (`TRD-0101: Rate Limiter` was
/// the H1 whether or not the parse stage kept the id in the title).
fn title_anchors(id: &str, title: &str) -> Vec<String> {
    let plain = ids::heading_anchor(title);
    let id_prefix = format!("{}-", ids::heading_anchor(id));
    match plain.strip_prefix(&id_prefix) {
        Some(rest) => vec![plain.clone(), rest.to_string()],
        None => vec![format!("{id_prefix}{plain}"), plain],
    }
}

/// Page anchors of target docs, computed once per doc that an `#anchor` points at, by
/// whichever thread needs them first.
struct AnchorCache<'a> {
    anchors: Vec<OnceLock<PageAnchors>>,
    bodies: &'a Bodies,
    known: Option<KnownHeadings<'a>>,
    config: &'a Config,
    /// Warnings about reading a target's body, once per target.
    warnings: Mutex<Vec<Diagnostic>>,
}

impl<'a> AnchorCache<'a> {
    fn new(len: usize, bodies: &'a Bodies, config: &'a Config) -> Self {
        let anchors = (0..len).map(|_| OnceLock::new()).collect();
        AnchorCache { anchors, bodies, known: None, config, warnings: Mutex::default() }
    }

    /// The anchors of the doc at `pos`.
    fn of(&self, index: &Index, pos: usize) -> &PageAnchors {
        self.anchors[pos].get_or_init(|| {
            let doc = &index.docs[pos];
            let headings = self.known.and_then(|known| known(&doc.source)).unwrap_or_else(|| {
                let body = self.bodies.get(index, pos, self.config);
                if let Some(warning) = body.warning {
                    crate::lock(&self.warnings).push(warning);
                }
                render::heading_anchors(&body.text)
            });
            PageAnchors::new(headings, title_anchors(&doc.id, &doc.title))
        })
    }

    /// The warnings, and the headings of every doc whose anchors were looked at.
    fn into_parts(self) -> (Vec<Diagnostic>, TargetHeadings) {
        let headings = self
            .anchors
            .into_iter()
            .enumerate()
            .filter_map(|(pos, anchors)| Some((pos, anchors.into_inner()?.headings)))
            .collect();
        (crate::unwrap_mutex(self.warnings), headings)
    }
}

/// Paths on disk that are not docs, each looked up once per build. What each doc
/// probed is in its [`DocLinks::probes`].
struct Files<'a> {
    config: &'a Config,
    /// Every path looked up, with what was there.
    looked: RwLock<HashMap<String, Option<discover::AssetKind>>>,
}

impl Files<'_> {
    /// True when one of the docs-relative readings `tried` names a file or folder that
    /// exists (it is then not a broken link). Each path looked at goes into `probes`.
    fn exists(&self, tried: &[String], probes: &mut Vec<(String, Option<discover::AssetKind>)>) -> bool {
        tried.iter().any(|path| self.kind(path, probes).is_some())
    }

    /// What is at `path` (looked up once per build), recorded as probed in `probes`.
    fn kind(&self, path: &str, probes: &mut Vec<(String, Option<discover::AssetKind>)>) -> Option<discover::AssetKind> {
        let kind = self.look(path);
        probes.push((path.to_string(), kind));
        kind
    }

    /// What is at `path`, looked up once per build.
    fn look(&self, path: &str) -> Option<discover::AssetKind> {
        let known = self.looked.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(path).copied();
        known.unwrap_or_else(|| {
            let kind = discover::asset_at(self.config, path);
            self.looked.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(path.to_string(), kind);
            kind
        })
    }

    /// Whether every path of an earlier build's `probes` still holds what it held then.
    fn still_hold(&self, probes: &[(String, Option<discover::AssetKind>)]) -> bool {
        probes.iter().all(|(path, kind)| self.look(path) == *kind)
    }
}

/// An unresolved target: where it was first met, and the lines it was met again on.
struct Unresolved<'a> {
    first: &'a RawRef,
    resolution: Resolution,
    more_lines: Vec<u32>,
}

/// The doc's own references, resolved and deduplicated; their missing anchors,
/// diagnostics and lookups on disk go into `found`.
fn declared_links(
    index: &Index,
    pos: usize,
    (anchors, hints, files): (&AnchorCache, &resolve::Hints, &Files),
    found: &mut DocLinks,
) -> Vec<Link> {
    let DocLinks { missing_anchors, diagnostics: diags, probes, anchor_targets, .. } = found;
    let doc = &index.docs[pos];
    let mut links: Vec<Link> = Vec::new();
    let mut seen: HashSet<(Relation, Key)> = HashSet::new();
    let mut unresolved: BTreeMap<Key, Unresolved> = BTreeMap::new();
    for raw in doc.refs.iter() {
        let resolution = resolve::resolve_written(index, pos, &raw.target);
        let is_metadata = raw.relation != Relation::Mentions;
        match resolution {
            Resolution::Doc { pos: target, anchor } => {
                if let Some(anchor) = &anchor {
                    if !anchor_targets.contains(&target) {
                        anchor_targets.push(target);
                    }
                    if !check_anchor(index, anchors, pos, target, raw, anchor, diags) {
                        missing_anchors.insert(raw.target.clone());
                    }
                }
                if target == pos {
                    if is_metadata {
                        diags.push(Diagnostic::warning(
                            &doc.source,
                            raw.line,
                            format!("{} refers to this doc itself", field_name(raw)),
                        ));
                    }
                    continue;
                }
                if seen.insert((raw.relation, Key::Doc(target))) {
                    links.push(link_from(raw, Some(target), anchor));
                }
            }
            Resolution::External => {}
            Resolution::MissingFile { ref tried } if files.exists(tried, probes) => {}
            Resolution::UnknownId if !is_metadata && body_refs::is_loose_spelling(&raw.target) => {}
            other => {
                let key = Key::Written(canonical_written(index, &raw.target));
                match unresolved.get_mut(&key) {
                    Some(u) => u.more_lines.extend(raw.line),
                    None => {
                        unresolved
                            .insert(key.clone(), Unresolved { first: raw, resolution: other, more_lines: vec![] });
                    }
                }
                if seen.insert((raw.relation, key)) {
                    links.push(link_from(raw, None, None));
                }
            }
        }
    }
    for u in unresolved.values() {
        diags.push(unresolved_diagnostic(index, hints, pos, u.first, &u.resolution, &u.more_lines));
    }
    // A metadata relation wins over a body mention of the same target.
    let by_metadata: HashSet<Key> =
        links.iter().filter(|l| l.relation != Relation::Mentions).map(|l| link_key(index, l)).collect();
    links.retain(|l| l.relation != Relation::Mentions || !by_metadata.contains(&link_key(index, l)));
    links
}

/// What two references must share to be "the same target".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Doc(usize),
    Written(String),
}

fn link_key(index: &Index, link: &Link) -> Key {
    match link.target {
        Some(t) => Key::Doc(t),
        None => Key::Written(canonical_written(index, &link.written)),
    }
}

/// An unresolved target in a form that makes spellings of one id, or one path, equal.
fn canonical_written(index: &Index, written: &str) -> String {
    let (path, _) = resolve::split_anchor(written.trim());
    ids::normalize(path, index.kinds()).unwrap_or_else(|| path.trim_start_matches("./").to_string())
}

fn link_from(raw: &RawRef, target: Option<usize>, anchor: Option<String>) -> Link {
    Link { relation: raw.relation, written: raw.target.clone(), target, anchor, line: raw.line, declared: true }
}

fn field_name(raw: &RawRef) -> String {
    match &raw.field {
        Some(f) => format!("`{f}`"),
        None => match raw.relation {
            Relation::Mentions => "this link".to_string(),
            other => format!("`{}`", other.as_str()),
        },
    }
}

fn unresolved_diagnostic(
    index: &Index,
    hints: &resolve::Hints,
    pos: usize,
    raw: &RawRef,
    resolution: &Resolution,
    more_lines: &[u32],
) -> Diagnostic {
    let w = &raw.target;
    let place = raw.field.as_ref().map(|f| format!(" in `{f}`")).unwrap_or_default();
    let mut message = match resolution {
        Resolution::OutsideDocs => format!("link `{w}`{place} points outside the docs folder"),
        Resolution::MissingFile { .. } => {
            let hint = hints.path(pos, w).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            format!("link to missing file `{w}`{place}{hint}")
        }
        Resolution::UnknownId => {
            let hint = match hints.id(w) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => String::new(),
            };
            format!("unresolved reference `{w}`{place} (no doc has this id{hint})")
        }
        _ => format!("unresolved reference `{w}`{place} (not an id or a path to a doc)"),
    };
    if !more_lines.is_empty() {
        let lines: Vec<String> = more_lines.iter().map(u32::to_string).collect();
        let noun = if lines.len() == 1 { "line" } else { "lines" };
        message.push_str(&format!("; also on {noun} {}", lines.join(", ")));
    }
    Diagnostic::warning(&index.docs[pos].source, raw.line, message)
}

fn check_anchor(
    index: &Index,
    anchors: &AnchorCache,
    from: usize,
    target: usize,
    raw: &RawRef,
    anchor: &str,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let page = anchors.of(index, target);
    if page.contains(anchor) {
        return true;
    }
    let headings = &page.headings;
    let (near, shown) = resolve::nearby_anchors(headings, anchor);
    let shown: Vec<String> = shown.iter().map(|a| format!("`#{a}`")).collect();
    let hint = match (headings.is_empty(), near) {
        (true, _) => " (it has no headings)".to_string(),
        (false, true) => format!(" (did you mean {}?)", shown.join(", ")),
        (false, false) => format!(" (its headings: {})", shown.join(", ")),
    };
    let message = if from == target {
        format!("no heading `#{anchor}` in this doc{hint}")
    } else {
        format!("`{}` has no heading `#{anchor}`{hint}", index.docs[target].source)
    };
    diags.push(Diagnostic::warning(&index.docs[from].source, raw.line, message));
    false
}

/// Adds the other side of every declared supersession that the other doc did not declare.
fn mirror_supersessions(outgoing: &mut [Vec<Link>]) {
    let mut additions: Vec<(usize, Link)> = Vec::new();
    // What `additions` holds, looked up here: a portal of thousands of supersessions
    // would otherwise scan the list once per link.
    let mut queued: HashSet<(usize, Relation, usize)> = HashSet::new();
    for (from, links) in outgoing.iter().enumerate() {
        for link in links {
            let Some(target) = link.target else { continue };
            if !matches!(link.relation, Relation::Supersedes | Relation::SupersededBy) || target == from {
                continue;
            }
            let inverse = link.relation.inverse();
            let present = outgoing[target].iter().any(|l| l.relation == inverse && l.target == Some(from));
            if !present && queued.insert((target, inverse, from)) {
                additions.push((
                    target,
                    Link {
                        relation: inverse,
                        written: String::new(),
                        target: Some(from),
                        anchor: None,
                        line: None,
                        declared: false,
                    },
                ));
            }
        }
    }
    for (target, link) in additions {
        outgoing[target].push(link);
    }
}

fn backlinks(outgoing: &[Vec<Link>]) -> Vec<Vec<Backlink>> {
    let mut incoming: Vec<Vec<Backlink>> = vec![Vec::new(); outgoing.len()];
    for (from, links) in outgoing.iter().enumerate() {
        for link in links {
            if let Some(target) = link.target.filter(|&t| t != from) {
                incoming[target].push(Backlink { relation: link.relation, from });
            }
        }
    }
    for list in &mut incoming {
        list.sort_by_key(|b| (b.relation, b.from));
        list.dedup();
    }
    incoming
}

/// Successor → predecessors edges of the supersedes relation (both declaring sides).
fn supersedes_edges(graph: &LinkGraph) -> Vec<Vec<usize>> {
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); graph.outgoing.len()];
    for (from, links) in graph.outgoing.iter().enumerate() {
        for link in links {
            if let (Relation::Supersedes, Some(t)) = (link.relation, link.target) {
                if t != from && !edges[from].contains(&t) {
                    edges[from].push(t);
                }
            }
        }
    }
    edges
}

/// One warning per supersedes cycle, on its first doc (by id), naming the chain.
fn supersedes_cycles(index: &Index, graph: &LinkGraph) -> Vec<Diagnostic> {
    let edges = supersedes_edges(graph);
    let mut has_incoming = vec![false; edges.len()];
    for targets in &edges {
        for &t in targets {
            has_incoming[t] = true;
        }
    }
    let mut in_reported_cycle = vec![false; edges.len()];
    let mut diags = Vec::new();
    for start in 0..edges.len() {
        if in_reported_cycle[start] || edges[start].is_empty() || !has_incoming[start] {
            continue;
        }
        let Some(cycle) = shortest_cycle_through(&edges, start) else { continue };
        if cycle.iter().any(|&n| in_reported_cycle[n]) {
            continue;
        }
        for &n in &cycle {
            in_reported_cycle[n] = true;
        }
        let chain: Vec<&str> = cycle.iter().chain(cycle.first()).map(|&n| index.docs[n].id.as_str()).collect();
        let next = cycle.get(1).copied().unwrap_or(start);
        let line = graph.outgoing[start]
            .iter()
            .find(|l| l.relation == Relation::Supersedes && l.target == Some(next) && l.declared)
            .and_then(|l| l.line);
        diags.push(Diagnostic::warning(
            &index.docs[start].source,
            line,
            format!("supersedes cycle: {}", chain.join(" → ")),
        ));
    }
    diags
}

/// The shortest path `start → … → start` along `edges`, without repeating `start`.
fn shortest_cycle_through(edges: &[Vec<usize>], start: usize) -> Option<Vec<usize>> {
    let mut parent: Vec<Option<usize>> = vec![None; edges.len()];
    let mut visited = vec![false; edges.len()];
    let mut queue = VecDeque::from([start]);
    visited[start] = true;
    while let Some(node) = queue.pop_front() {
        for &next in &edges[node] {
            if next == start {
                let mut path = vec![node];
                let mut cur = node;
                while let Some(p) = parent[cur] {
                    path.push(p);
                    cur = p;
                }
                path.reverse();
                return Some(path);
            }
            if !visited[next] {
                visited[next] = true;
                parent[next] = Some(node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// A doc superseded by another whose status is set to something other than `superseded`.
fn status_mismatches(index: &Index, graph: &LinkGraph) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (pos, doc) in index.docs.iter().enumerate() {
        let Some(status) = doc.status.as_deref() else { continue };
        if status == "superseded" {
            continue;
        }
        let successors = supersession(graph, pos).successors;
        if successors.is_empty() {
            continue;
        }
        let names: Vec<&str> = successors.iter().map(|&s| index.docs[s].id.as_str()).collect();
        let line = doc.fields.iter().find(|f| f.key == "status").map(|f| f.line).filter(|&l| l > 0);
        let shown = doc.status_raw.as_deref().unwrap_or(status);
        diags.push(Diagnostic::warning(
            &doc.source,
            line,
            format!("superseded by {} but its status is `{shown}`", names.join(", ")),
        ));
    }
    diags
}

#[cfg(test)]
mod tests;
