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
//! strongest relation is drawn. The whole-portal graph groups docs in one `subgraph`
//! per kind and, above [`FULL_GRAPH_MAX_DOCS`] docs, leaves out docs with no relation
//! (a comment line says how many). A focused graph shows the doc and its one-hop
//! neighbours, with labelled edges.

use super::LinkGraph;
use crate::index::Index;
use crate::model::Relation;
use crate::urls;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Above this many docs the whole-portal graph shows only docs with relations.
pub const FULL_GRAPH_MAX_DOCS: usize = 300;

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

/// Mermaid `graph` source for the relationship graph: the whole portal when `focus` is
/// `None`, else the one-hop neighbourhood of that doc. Node labels are escaped for
/// Mermaid; nodes carry a status class and a click target (relative to `from_page`).
pub fn graph_mermaid(index: &Index, graph: &LinkGraph, focus: Option<usize>, from_page: &str) -> String {
    let edges = edges(graph);
    let mut out = String::from("graph LR\n");
    for (_, class, fill, stroke, extra) in STATUS_STYLES {
        let _ = writeln!(out, "  classDef {class} fill:{fill},stroke:{stroke}{extra}");
    }
    out.push_str("  classDef statusOther fill:#f3f0ff,stroke:#7048e8\n");
    out.push_str("  classDef statusNone fill:#ffffff,stroke:#ced4da\n");
    let nodes = match focus.filter(|&f| f < index.len()) {
        Some(f) => {
            let mut nodes: Vec<usize> = edges.iter().filter_map(|e| e.other_end(f)).collect();
            nodes.push(f);
            nodes.sort_unstable();
            nodes.dedup();
            for &n in &nodes {
                node_line(&mut out, index, n, "  ");
            }
            for e in edges.iter().filter(|e| e.from == f || e.to == f) {
                edge_line(&mut out, e, true);
            }
            let _ = writeln!(out, "  style n{f} stroke-width:3px");
            nodes
        }
        None => {
            let mut connected = vec![false; index.len()];
            for e in &edges {
                connected[e.from] = true;
                connected[e.to] = true;
            }
            let nodes: Vec<usize> = if index.len() > FULL_GRAPH_MAX_DOCS {
                let left_out = connected.iter().filter(|c| !**c).count();
                let _ = writeln!(out, "  %% {left_out} docs without relations are left out");
                (0..index.len()).filter(|&n| connected[n]).collect()
            } else {
                (0..index.len()).collect()
            };
            subgraphs(&mut out, index, &nodes);
            for e in &edges {
                edge_line(&mut out, e, false);
            }
            nodes
        }
    };
    classes_and_clicks(&mut out, index, &nodes, from_page);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    // Weakest first: the strongest relation of a pair is the maximum.
    Mentions,
    Related,
    Supersedes,
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    from: usize,
    to: usize,
    kind: EdgeKind,
}

impl Edge {
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

/// One edge per pair of docs, the strongest relation between them, in a stable order.
fn edges(graph: &LinkGraph) -> Vec<Edge> {
    let mut best: BTreeMap<(usize, usize), Edge> = BTreeMap::new();
    for (a, links) in graph.outgoing.iter().enumerate() {
        for link in links {
            let Some(b) = link.target.filter(|&b| b != a) else { continue };
            let edge = match link.relation {
                Relation::Supersedes => Edge { from: a, to: b, kind: EdgeKind::Supersedes },
                Relation::SupersededBy => Edge { from: b, to: a, kind: EdgeKind::Supersedes },
                Relation::Related => Edge { from: a.min(b), to: a.max(b), kind: EdgeKind::Related },
                Relation::Mentions => Edge { from: a, to: b, kind: EdgeKind::Mentions },
            };
            let pair = (a.min(b), a.max(b));
            match best.get(&pair) {
                Some(old) if old.kind >= edge.kind => {}
                _ => {
                    best.insert(pair, edge);
                }
            }
        }
    }
    best.into_values().collect()
}

fn subgraphs(out: &mut String, index: &Index, nodes: &[usize]) {
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
            node_line(out, index, n, "    ");
        }
        out.push_str("  end\n");
    }
}

fn node_line(out: &mut String, index: &Index, n: usize, indent: &str) {
    let doc = &index.docs[n];
    let title = truncate(&doc.title, MAX_TITLE_CHARS);
    let label = if doc.numbered && doc.title != doc.id { format!("{}: {title}", doc.id) } else { title };
    let _ = writeln!(out, "{indent}n{n}[\"{}\"]", escape_label(&label));
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

fn classes_and_clicks(out: &mut String, index: &Index, nodes: &[usize], from_page: &str) {
    let mut by_class: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for &n in nodes {
        by_class.entry(status_class(index.docs[n].status.as_deref())).or_default().push(format!("n{n}"));
    }
    for (class, members) in by_class {
        let _ = writeln!(out, "  class {} {class}", members.join(","));
    }
    for &n in nodes {
        let href = urls::href(from_page, &urls::page_path(&index.docs[n].source));
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
