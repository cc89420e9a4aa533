//! The values templates see: borrowed, serialisable views of docs, statuses and links.
//!
//! Everything a template needs is computed here, in Rust, so templates stay plain
//! markup: hrefs are already relative to the page being rendered (through
//! [`crate::urls::href`]), statuses carry their label, tone and page, dates are ISO
//! strings. Views borrow from the index and the rendered docs; nothing copies a doc
//! body. Every list is sorted, so the same input renders the same bytes.

use crate::diag::Diagnostic;
use crate::ids;
use crate::index::Index;
use crate::links::{Link, LinkGraph};
use crate::model::{Doc, Relation};
use crate::urls;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Canonical statuses in lifecycle order; dashboards and filters list them this way.
pub const STATUS_ORDER: [&str; 11] = [
    "draft",
    "proposed",
    "in-review",
    "approved",
    "accepted",
    "in-progress",
    "implemented",
    "complete",
    "rejected",
    "deprecated",
    "superseded",
];

/// Site path of the page listing docs without a status.
pub const UNSET_STATUS_PAGE: &str = "status/unset.html";

/// Sort key putting canonical statuses in lifecycle order, then others by name, then unset.
pub fn status_rank(status: Option<&str>) -> (usize, &str) {
    match status {
        Some(s) => (STATUS_ORDER.iter().position(|c| *c == s).unwrap_or(STATUS_ORDER.len()), s),
        None => (STATUS_ORDER.len() + 1, ""),
    }
}

/// The colour family of a status badge; a fixed set, so user text never becomes a class name.
pub fn status_tone(status: Option<&str>) -> &'static str {
    match status {
        None => "unset",
        Some("draft") => "draft",
        Some("proposed") => "proposed",
        Some("in-review") => "review",
        Some("approved" | "accepted") => "approved",
        Some("in-progress") => "progress",
        Some("implemented" | "complete") => "done",
        Some("rejected") => "rejected",
        Some("deprecated" | "superseded") => "retired",
        Some(_) => "other",
    }
}

/// `in-review` → `In review`; unset → `No status`.
pub fn status_label(status: Option<&str>) -> String {
    let Some(s) = status else { return "No status".to_string() };
    let spaced = s.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "No status".to_string(),
    }
}

/// Assigns every status present (and "no status") a page under `status/`, collision-free.
pub fn status_pages(index: &Index) -> BTreeMap<Option<String>, String> {
    let mut statuses: Vec<Option<&str>> = index.docs.iter().filter(|d| d.listed).map(|d| d.status.as_deref()).collect();
    statuses.sort_by(|a, b| status_rank(*a).cmp(&status_rank(*b)));
    statuses.dedup();
    let mut taken: Vec<String> = vec![UNSET_STATUS_PAGE.to_string()];
    let mut pages = BTreeMap::new();
    for status in statuses {
        let path = match status {
            None => UNSET_STATUS_PAGE.to_string(),
            Some(s) => {
                let base = ids::slugify(s);
                let mut path = format!("status/{base}.html");
                let mut n = 2;
                while taken.contains(&path) {
                    path = format!("status/{base}-{n}.html");
                    n += 1;
                }
                taken.push(path.clone());
                path
            }
        };
        pages.insert(status.map(str::to_string), path);
    }
    pages
}

/// Read-only facts about the whole portal, computed once per build and shared by every page.
pub struct Portal<'a> {
    pub index: &'a Index,
    pub graph: &'a LinkGraph,
    pub status_pages: BTreeMap<Option<String>, String>,
    /// Diagnostics about each doc, by source path (docs-folder relative).
    pub diagnostics_by_source: HashMap<&'a str, Vec<&'a Diagnostic>>,
    /// Diagnostics that name no doc (book.toml, theme files).
    pub other_diagnostics: Vec<&'a Diagnostic>,
    /// What the relationship graphs show of each doc, shared by every page's graph.
    pub node_labels: crate::links::NodeLabels<'a>,
}

impl<'a> Portal<'a> {
    pub fn new(index: &'a Index, graph: &'a LinkGraph, diagnostics: &'a [Diagnostic]) -> Self {
        let mut diagnostics_by_source: HashMap<&str, Vec<&Diagnostic>> = HashMap::new();
        let mut other_diagnostics = Vec::new();
        for d in diagnostics {
            let is_doc = d.base == crate::diag::Base::Content && index.find_source(&d.source).is_some();
            if is_doc {
                diagnostics_by_source.entry(d.source.as_str()).or_default().push(d);
            } else {
                other_diagnostics.push(d);
            }
        }
        Portal {
            index,
            graph,
            status_pages: status_pages(index),
            diagnostics_by_source,
            other_diagnostics,
            node_labels: crate::links::NodeLabels::new(index),
        }
    }

    pub fn doc(&self, pos: usize) -> Option<&'a Doc> {
        self.index.docs.get(pos)
    }

    pub fn diagnostics_of(&self, doc: &Doc) -> &[&'a Diagnostic] {
        self.diagnostics_by_source.get(doc.source.as_str()).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Declared references of a doc that resolved to nothing.
    pub fn unresolved_count(&self, pos: usize) -> usize {
        self.graph
            .outgoing
            .get(pos)
            .map(|links| links.iter().filter(|l| l.declared && l.target.is_none()).count())
            .unwrap_or(0)
    }

    pub fn status_view(&self, status: Option<&'a str>, raw: Option<&'a str>, from_page: &str) -> StatusView<'a> {
        let page = self.status_pages.get(&status.map(str::to_string));
        StatusView {
            value: status,
            raw,
            label: status_label(status),
            tone: status_tone(status),
            href: page.map(|p| urls::href(from_page, p)).unwrap_or_default(),
        }
    }

    /// A doc as it appears in lists and links on the page at `from_page`.
    pub fn doc_view(&self, pos: usize, from_page: &str) -> Option<DocView<'a>> {
        let doc = self.doc(pos)?;
        Some(DocView {
            id: &doc.id,
            title: &doc.title,
            kind: doc.kind.as_deref(),
            status: self.status_view(doc.status.as_deref(), doc.status_raw.as_deref(), from_page),
            authors: &doc.authors,
            created: doc.created.as_deref(),
            updated: doc.updated.as_deref(),
            date: doc.updated.as_deref().or(doc.created.as_deref()),
            href: urls::href(from_page, &urls::page_path(&doc.source)),
        })
    }

    /// One reference, resolved or not, as a link view for the page at `from_page`.
    pub fn link_view(&self, link: &'a Link, from_page: &str) -> LinkView<'a> {
        let doc = link.target.and_then(|t| self.doc_view(t, from_page));
        let doc = doc.map(|mut d| {
            if let (Some(anchor), Some(target)) = (&link.anchor, link.target.and_then(|t| self.doc(t))) {
                d.href = urls::href_fragment(from_page, &urls::page_path(&target.source), anchor);
            }
            d
        });
        LinkView { written: &link.written, anchor: link.anchor.as_deref(), line: link.line, doc, target: link.target }
    }

    /// Doc positions sorted by id (the index order) that satisfy `keep`.
    pub fn positions(&self, keep: impl Fn(&Doc) -> bool) -> Vec<usize> {
        self.index.docs.iter().enumerate().filter(|(_, d)| keep(d)).map(|(i, _)| i).collect()
    }
}

#[derive(Serialize, Clone)]
pub struct StatusView<'a> {
    /// Canonical (or normalised) status; `None` when unset.
    pub value: Option<&'a str>,
    /// As the author wrote it.
    pub raw: Option<&'a str>,
    pub label: String,
    /// Badge colour family (fixed vocabulary, safe as a class name).
    pub tone: &'static str,
    /// The status page, relative to the current page.
    pub href: String,
}

#[derive(Serialize, Clone)]
pub struct DocView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub kind: Option<&'a str>,
    pub status: StatusView<'a>,
    pub authors: &'a [String],
    pub created: Option<&'a str>,
    pub updated: Option<&'a str>,
    /// Updated, else created: the date lists sort by.
    pub date: Option<&'a str>,
    /// The doc's page, relative to the current page.
    pub href: String,
}

#[derive(Serialize)]
pub struct LinkView<'a> {
    /// The target as the author wrote it (shown when unresolved).
    pub written: &'a str,
    pub anchor: Option<&'a str>,
    pub line: Option<u32>,
    /// The target doc, when the reference resolved.
    pub doc: Option<DocView<'a>>,
    /// Its position, when the reference resolved.
    #[serde(skip)]
    pub target: Option<usize>,
}

/// A link as a doc page shows it: `link_item.html` rendered with its [`LinkView`]
/// ([`super::Builder::link_items`]). Only the HTML: turning every field of every link
/// into template values took as long as rendering the rest of the page.
#[derive(Serialize)]
pub struct LinkItem {
    pub html: String,
}

/// A titled group of links (one relation type).
#[derive(Serialize)]
pub struct LinkGroup {
    pub relation: &'static str,
    pub label: &'static str,
    pub links: Vec<LinkItem>,
}

/// How a relation reads in a doc's own "Relations" list.
pub fn outgoing_label(relation: Relation) -> &'static str {
    match relation {
        Relation::Related => "Related",
        Relation::Supersedes => "Supersedes",
        Relation::SupersededBy => "Superseded by",
        Relation::Mentions => "Links to",
    }
}

/// How a backlink reads on the target's page: the relation seen from the other side.
pub fn incoming_label(relation: Relation) -> &'static str {
    match relation {
        Relation::Related => "Listed as related by",
        Relation::Supersedes => "Superseded by",
        Relation::SupersededBy => "Supersedes",
        Relation::Mentions => "Mentioned in",
    }
}

/// A diagnostic as shown on a page.
#[derive(Serialize)]
pub struct DiagView<'a> {
    pub severity: &'static str,
    pub source: &'a str,
    pub line: Option<u32>,
    pub message: &'a str,
}

impl<'a> From<&'a Diagnostic> for DiagView<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        DiagView {
            severity: if d.is_error() { "error" } else { "warning" },
            source: &d.source,
            line: d.line,
            message: &d.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_sort_in_lifecycle_order_then_by_name_then_unset() {
        let mut s = vec![None, Some("zeta"), Some("approved"), Some("draft"), Some("alpha")];
        s.sort_by(|a, b| status_rank(*a).cmp(&status_rank(*b)));
        assert_eq!(s, vec![Some("draft"), Some("approved"), Some("alpha"), Some("zeta"), None]);
    }

    #[test]
    fn status_labels_read_as_words() {
        assert_eq!(status_label(Some("in-review")), "In review");
        assert_eq!(status_label(None), "No status");
        assert_eq!(status_label(Some("été")), "Été");
    }

    #[test]
    fn unknown_statuses_get_a_fixed_tone_not_their_own_text() {
        assert_eq!(status_tone(Some("x\" onmouseover=\"y")), "other");
        assert_eq!(status_tone(Some("superseded")), "retired");
    }
}
