//! [`LinkGraph`] → Mermaid `graph LR` source, for the portal graph page and each doc's
//! neighbourhood.
//!
//! Node ids are `n<position>` (never user text); labels are `ID: Title`, truncated and
//! escaped with Mermaid's `#name;` entities, so no quote, bracket, `<script>` or `;`
//! in a title can end the label or the statement. Each node carries a status class
//! (`statusDraft`, `statusInReview`, …, `statusOther`, `statusNone`) and a `click …
//! href` relative to the page the graph sits on (Mermaid honours clicks only with
//! `securityLevel: 'loose'`; under `strict` they are ignored, and pages can attach
//! their own handlers to the `n<position>` nodes instead).
//!
//! Edges: a supersession is drawn once, successor `==>` predecessor; `related` is an
//! undirected `---`; a mention is a dotted `-.->`. Between one pair of docs only the
//! strongest relation is drawn, and no graph has more than [`MAX_EDGES`] edges
//! ([`FOCUS_MAX_EDGES`] around one doc)
//! (metadata relations first, prose mentions while they fit; a `%%` comment counts the
//! rest). The whole-portal graph groups docs in one `subgraph` per kind; above
//! [`FULL_GRAPH_MAX_DOCS`] docs it leaves out docs with no drawn relation and labels
//! nodes by id alone (comment lines say how many were left out). A focused graph shows
//! the doc and its one-hop neighbours with labelled edges, read from that doc's own
//! links and backlinks only, so rendering every page's graph stays linear; what a graph
//! shows of each doc is worked out once per build ([`NodeLabels`]).

use super::LinkGraph;
use crate::index::Index;
use crate::model::Relation;
use crate::urls;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, OnceLock};

/// Above this many docs the whole-portal graph shows only docs with a drawn relation,
/// labelled by id alone.
pub const FULL_GRAPH_MAX_DOCS: usize = 300;

/// Most edges drawn in one graph. Mermaid refuses more than 500 by default, and a
/// denser picture is unreadable anyway: metadata relations come first, prose mentions
/// only while they fit; a comment line counts what was left out.
pub const MAX_EDGES: usize = 450;

/// Most edges around one doc: a neighbourhood wider than this is a list, not a picture
/// (the page's backlinks list has them all).
pub const FOCUS_MAX_EDGES: usize = 60;

/// Longest label title, in chars, before it is cut with `…`.
const MAX_TITLE_CHARS: usize = 60;

/// Canonical statuses with a colour: (status, class name, fill, stroke, extra style).
const STATUS_STYLES: &[(&str, &str, &str, &str, &str)] = &[
    ("draft", "statusDraft", "#f1f3f5", "#868e96", ""),
    ("proposed", "statusProposed", "#fff4e6", "#f08c00", ""),
    ("in-review", "statusInReview", "#fff9db", "#f59f00", ""),
    ("approved", "statusApproved", "#ebfbee", "#2f9e44", ""),
    ("accepted", "statusAccepted", "#ebfbee", "#2f9e44", ""),
    ("in-progress", "statusInProgress", "#e7f5ff", "#1971c2", ""),
    ("implemented", "statusImplemented", "#e6fcf5", "#0c8599", ""),
    ("complete", "statusComplete", "#e6fcf5", "#0c8599", ""),
    ("rejected", "statusRejected", "#fff5f5", "#e03131", ""),
    ("deprecated", "statusDeprecated", "#f8f9fa", "#adb5bd", ",stroke-dasharray:4 3,color:#868e96"),
    ("superseded", "statusSuperseded", "#f8f9fa", "#adb5bd", ",stroke-dasharray:4 3,color:#868e96"),
];

/// What a graph shows of each doc (its escaped `ID: Title` label, status class and page
/// path), worked out the first time a graph needs it and then shared by every page
/// built from the same index: a doc sits in the neighbourhood graph of each doc it
/// links or is linked from (~60 pages), and reading its title, status and source from
/// the index again for each was 4% of a 10,000-doc build's CPU.
pub struct NodeLabels<'a> {
    index: &'a Index,
    nodes: Vec<OnceLock<Node>>,
}

struct Node {
    label: Box<str>,
    class: &'static str,
    page: Box<str>,
}

impl<'a> NodeLabels<'a> {
    /// Room for the docs of `index`; nothing is worked out yet.
    pub fn new(index: &'a Index) -> NodeLabels<'a> {
        NodeLabels { index, nodes: std::iter::repeat_with(OnceLock::new).take(index.len()).collect() }
    }

    fn get(&self, n: usize) -> &Node {
        self.nodes[n].get_or_init(|| {
            let doc = &self.index.docs[n];
            let label = if doc.numbered && doc.title != doc.id {
                format!("{}: {}", doc.id, truncate(&doc.title, MAX_TITLE_CHARS))
            } else {
                truncate(&doc.title, MAX_TITLE_CHARS)
            };
            Node {
                label: escape_label(&label).into(),
                class: status_class(doc.status.as_deref()),
                page: urls::page_path(&doc.source).into(),
            }
        })
    }
}

/// Mermaid `graph` source for the relationship graph: the whole portal when `focus` is
/// `None`, else the one-hop neighbourhood of that doc. Node labels are escaped for
/// Mermaid; nodes carry a status class and a click target (relative to `from_page`).
pub fn graph_mermaid(index: &Index, graph: &LinkGraph, focus: Option<usize>, from_page: &str) -> String {
    graph_mermaid_with(&NodeLabels::new(index), graph, focus, from_page)
}

/// [`graph_mermaid`] of the index `labels` were made for, sharing them with its other graphs.
pub fn graph_mermaid_with(labels: &NodeLabels, graph: &LinkGraph, focus: Option<usize>, from_page: &str) -> String {
    let index = labels.index;
    // The same for every graph: written once per process.
    static HEADER: LazyLock<String> = LazyLock::new(|| {
        let mut out = String::from("graph LR\n");
        for (_, class, fill, stroke, extra) in STATUS_STYLES {
            let _ = writeln!(out, "  classDef {class} fill:{fill},stroke:{stroke}{extra}");
        }
        out.push_str("  classDef statusOther fill:#f3f0ff,stroke:#7048e8\n");
        out.push_str("  classDef statusNone fill:#ffffff,stroke:#ced4da\n");
        out
    });
    let mut out = String::with_capacity(4096);
    out.push_str(&HEADER);
    let nodes = match focus.filter(|&f| f < index.len()) {
        Some(f) => neighbourhood(&mut out, labels, graph, f),
        None => whole_portal(&mut out, labels, graph),
    };
    classes_and_clicks(&mut out, labels, &nodes, from_page);
    out
}

/// The doc, its one-hop neighbours and the labelled edges between it and them.
fn neighbourhood(out: &mut String, labels: &NodeLabels, graph: &LinkGraph, f: usize) -> Vec<usize> {
    let outgoing = graph.outgoing.get(f).into_iter().flatten();
    let outgoing = outgoing.filter_map(|link| Some(edge(f, link.relation, link.target?)));
    let incoming = graph.incoming.get(f).into_iter().flatten().map(|back| edge(back.from, back.relation, f));
    let (edges, left_out) = within_budget(strongest_per_pair(outgoing.chain(incoming)), FOCUS_MAX_EDGES);
    if left_out > 0 {
        let _ = writeln!(out, "  %% {left_out} relations left out (mentions first) to stay readable");
    }
    let mut nodes: Vec<usize> = edges.iter().filter_map(|e| e.other_end(f)).collect();
    nodes.push(f);
    nodes.sort_unstable();
    nodes.dedup();
    for &n in &nodes {
        node_line(out, labels, n, "  ", true);
    }
    for e in &edges {
        edge_line(out, e, true);
    }
    let _ = writeln!(out, "  style n{f} stroke-width:3px");
    nodes
}

/// Every doc (or, in a large portal, every doc with a drawn relation) in one subgraph per kind.
fn whole_portal(out: &mut String, labels: &NodeLabels, graph: &LinkGraph) -> Vec<usize> {
    let index = labels.index;
    let all = graph
        .outgoing
        .iter()
        .enumerate()
        .flat_map(|(a, links)| links.iter().filter_map(move |link| Some(edge(a, link.relation, link.target?))));
    let (edges, left_out) = within_budget(strongest_per_pair(all), MAX_EDGES);
    if left_out > 0 {
        let _ = writeln!(out, "  %% {left_out} relations left out (mentions first) to stay readable");
    }
    let mut connected = vec![false; index.len()];
    for e in &edges {
        connected[e.from] = true;
        connected[e.to] = true;
    }
    let large = index.len() > FULL_GRAPH_MAX_DOCS;
    let nodes: Vec<usize> = if large {
        let unconnected = connected.iter().filter(|c| !**c).count();
        let _ = writeln!(out, "  %% {unconnected} docs without relations are left out");
        (0..index.len()).filter(|&n| connected[n]).collect()
    } else {
        (0..index.len()).collect()
    };
    subgraphs(out, labels, &nodes, !large);
    for e in &edges {
        edge_line(out, e, false);
    }
    nodes
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    // Weakest first: the strongest relation of a pair is the maximum.
    Mentions,
    Related,
    Supersedes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edge {
    from: usize,
    to: usize,
    kind: EdgeKind,
}

impl Edge {
    /// The two docs, lower position first: the same for both directions.
    fn pair(&self) -> (usize, usize) {
        (self.from.min(self.to), self.from.max(self.to))
    }

    fn other_end(&self, node: usize) -> Option<usize> {
        if self.from == node {
            Some(self.to)
        } else if self.to == node {
            Some(self.from)
        } else {
            None
        }
    }
}

/// The drawn edge for `a —relation→ b`: supersessions point successor → predecessor,
/// `related` is undirected (smaller position first).
fn edge(a: usize, relation: Relation, b: usize) -> Edge {
    match relation {
        Relation::Supersedes => Edge { from: a, to: b, kind: EdgeKind::Supersedes },
        Relation::SupersededBy => Edge { from: b, to: a, kind: EdgeKind::Supersedes },
        Relation::Related => Edge { from: a.min(b), to: a.max(b), kind: EdgeKind::Related },
        Relation::Mentions => Edge { from: a, to: b, kind: EdgeKind::Mentions },
    }
}

/// One edge per pair of docs, the strongest relation between them (of equals, the first
/// in `edges`), in pair order; no edge from a doc to itself. A stable sort and one pass:
/// the whole-portal graph of 10,000 docs has 318,000 links, and a tree insertion per
/// link took ~100 ms of each build's CPU.
fn strongest_per_pair(edges: impl Iterator<Item = Edge>) -> Vec<Edge> {
    let mut edges: Vec<Edge> = edges.filter(|e| e.from != e.to).collect();
    edges.sort_by_key(|e| (e.pair(), std::cmp::Reverse(e.kind)));
    edges.dedup_by_key(|e| e.pair());
    edges
}

/// At most `budget` edges, strongest kinds first, then by pair (stable); and how many
/// were left out.
fn within_budget(mut edges: Vec<Edge>, budget: usize) -> (Vec<Edge>, usize) {
    if edges.len() <= budget {
        return (edges, 0);
    }
    edges.sort_by_key(|e| (std::cmp::Reverse(e.kind), e.pair()));
    let left_out = edges.len() - budget;
    edges.truncate(budget);
    edges.sort_by_key(Edge::pair);
    (edges, left_out)
}

fn subgraphs(out: &mut String, labels: &NodeLabels, nodes: &[usize], with_titles: bool) {
    let index = labels.index;
    let mut groups: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
    for &n in nodes {
        let kind = index.docs[n].kind.clone();
        let order = kind.as_ref().and_then(|k| index.kinds().iter().position(|x| x == k)).unwrap_or(usize::MAX);
        groups.entry((order, kind.unwrap_or_default())).or_default().push(n);
    }
    for ((_, kind), members) in groups {
        let (id, label) = if kind.is_empty() {
            ("kind_other".to_string(), "Other docs".to_string())
        } else {
            (format!("kind_{}", safe_ident(&kind)), kind.clone())
        };
        let _ = writeln!(out, "  subgraph {id}[\"{}\"]", escape_label(&label));
        for n in members {
            node_line(out, labels, n, "    ", with_titles);
        }
        out.push_str("  end\n");
    }
}

/// A node; `ID: Title`, or the id alone (the title for unnumbered docs) in a large graph.
fn node_line(out: &mut String, labels: &NodeLabels, n: usize, indent: &str, with_title: bool) {
    let doc = &labels.index.docs[n];
    if with_title || !doc.numbered {
        let _ = writeln!(out, "{indent}n{n}[\"{}\"]", labels.get(n).label);
    } else {
        let _ = writeln!(out, "{indent}n{n}[\"{}\"]", escape_label(&doc.id));
    }
}

fn edge_line(out: &mut String, e: &Edge, labelled: bool) {
    let (arrow, label) = match e.kind {
        EdgeKind::Supersedes => ("==>", "supersedes"),
        EdgeKind::Related => ("---", "related"),
        EdgeKind::Mentions => ("-.->", "mentions"),
    };
    if labelled {
        let _ = writeln!(out, "  n{} {arrow}|{label}| n{}", e.from, e.to);
    } else {
        let _ = writeln!(out, "  n{} {arrow} n{}", e.from, e.to);
    }
}

fn classes_and_clicks(out: &mut String, labels: &NodeLabels, nodes: &[usize], from_page: &str) {
    let mut by_class: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for &n in nodes {
        by_class.entry(labels.get(n).class).or_default().push(format!("n{n}"));
    }
    for (class, members) in by_class {
        let _ = writeln!(out, "  class {} {class}", members.join(","));
    }
    for &n in nodes {
        let href = urls::href(from_page, &labels.get(n).page);
        // `urls::href` percent-encodes every segment: no quote or space can appear.
        let _ = writeln!(out, "  click n{n} href \"{href}\"");
    }
}

/// The Mermaid class of a status (`in-review` → `statusInReview`).
pub fn status_class(status: Option<&str>) -> &'static str {
    match status {
        None => "statusNone",
        Some(s) => {
            STATUS_STYLES.iter().find(|(name, ..)| *name == s).map(|(_, class, ..)| *class).unwrap_or("statusOther")
        }
    }
}

fn safe_ident(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

fn truncate(s: &str, max: usize) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{}…", head.trim_end())
    } else {
        head
    }
}

/// Escapes text for a double-quoted Mermaid label. Mermaid decodes `#name;` / `#N;`
/// entities itself; control characters and newlines become spaces.
pub fn escape_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            ';' => out.push_str("#59;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(k: u8) -> EdgeKind {
        [EdgeKind::Mentions, EdgeKind::Related, EdgeKind::Supersedes][usize::from(k % 3)]
    }

    /// The plain way: one map by pair, an edge replacing another only when stronger.
    fn keep_strongest(best: &mut BTreeMap<(usize, usize), Edge>, e: Edge) {
        if e.from == e.to {
            return;
        }
        let pair = e.pair();
        if best.get(&pair).is_none_or(|old| old.kind < e.kind) {
            best.insert(pair, e);
        }
    }

    proptest::proptest! {
        // The sort-based pass keeps, for every pair, the very edge one map filled by
        // `keep_strongest` keeps: the strongest kind, and the first of equals.
        #[test]
        fn strongest_per_pair_keeps_what_a_map_of_strongest_keeps(
            links in proptest::collection::vec((0usize..6, 0usize..6, 0u8..3), 0..60)
        ) {
            let edges: Vec<Edge> = links.iter().map(|&(from, to, k)| Edge { from, to, kind: kind(k) }).collect();
            let mut best = BTreeMap::new();
            for e in &edges {
                keep_strongest(&mut best, *e);
            }
            let by_map: Vec<Edge> = best.into_values().collect();
            proptest::prop_assert_eq!(strongest_per_pair(edges.into_iter()), by_map);
        }
    }
}
