//! The portal-wide pages: the status dashboard (`index.html`), the all-docs table
//! (`docs.html`), one page per status (`status/*.html`), the relationship graph
//! (`graph.html`) and `404.html`.
//!
//! Each is a template (of the same name; status pages use `status.html`) fed a
//! borrowed view built here. The docs table carries every value it filters or sorts
//! by in `data-` attributes of its rows, so `portal.js` works from `file://` with no
//! data file, and the table is complete without JavaScript.

use super::context::{status_rank, DiagView, DocView, Portal, StatusView};
use super::{Builder, Needs};
use crate::diag::Diagnostic;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many docs the dashboard lists as recently updated.
const RECENT: usize = 10;
/// How many docs the dashboard lists as needing attention before "and N more".
const ATTENTION: usize = 25;
/// Filter value meaning "no kind" / "no status" (statuses and kinds never contain `~`).
const NONE: &str = "~none";

type Page = fn(&Builder) -> Result<String, Diagnostic>;
const FIXED_PAGES: [(&str, Page); 4] =
    [("index.html", dashboard), ("docs.html", docs_table), ("graph.html", graph), ("404.html", not_found)];

/// Renders every portal-wide page: `(site path, html or template error)`.
pub fn render_all(builder: &Builder) -> Vec<(String, Result<String, Diagnostic>)> {
    render_all_but(builder, |_| false)
}

/// The site path of every portal-wide page, in [`render_all`]'s order.
pub fn paths(builder: &Builder) -> Vec<String> {
    let statuses = builder.portal.status_pages.values();
    FIXED_PAGES.iter().map(|(path, _)| path.to_string()).chain(statuses.cloned()).collect()
}

/// [`render_all`] without the pages whose site path is `skip`ped.
pub fn render_all_but(
    builder: &Builder,
    skip: impl Fn(&str) -> bool + Sync,
) -> Vec<(String, Result<String, Diagnostic>)> {
    // Each lists every doc (the docs table, the status pages together): worth a thread each.
    let mut out: Vec<(String, Result<String, Diagnostic>)> = FIXED_PAGES
        .par_iter()
        .filter(|(path, _)| !skip(path))
        .map(|(path, page)| (path.to_string(), page(builder)))
        .collect();
    let statuses: Vec<(&Option<String>, &String)> =
        builder.portal.status_pages.iter().filter(|(_, path)| !skip(path)).collect();
    out.par_extend(
        statuses.par_iter().map(|(status, path)| (path.to_string(), status_page(builder, status.as_deref(), path))),
    );
    out
}

#[derive(Serialize)]
struct StatusCount<'a> {
    status: StatusView<'a>,
    count: usize,
}

#[derive(Serialize)]
struct KindCount<'a> {
    kind: Option<&'a str>,
    count: usize,
    /// The docs table, filtered to this kind.
    href: String,
}

#[derive(Serialize)]
struct Reason {
    label: String,
    /// `error`, `warning` or `info`: the chip's colour.
    tone: &'static str,
}

#[derive(Serialize)]
struct Attention<'a> {
    doc: DocView<'a>,
    reasons: Vec<Reason>,
}

#[derive(Serialize)]
struct Dashboard<'a> {
    total: usize,
    by_status: Vec<StatusCount<'a>>,
    by_kind: Vec<KindCount<'a>>,
    recent: Vec<DocView<'a>>,
    attention: Vec<Attention<'a>>,
    /// Docs needing attention beyond those listed.
    attention_more: usize,
    warnings: usize,
    errors: usize,
    /// Problems that belong to no doc (book.toml, theme).
    other_diagnostics: Vec<DiagView<'a>>,
}

fn status_counts<'a>(portal: &Portal<'a>, page: &str) -> Vec<StatusCount<'a>> {
    let mut counts: BTreeMap<(usize, &str), (Option<&'a str>, usize)> = BTreeMap::new();
    for doc in portal.index.docs.iter().filter(|d| d.listed) {
        let status = doc.status.as_deref();
        counts.entry(status_rank(status)).or_insert((status, 0)).1 += 1;
    }
    counts
        .into_values()
        .map(|(status, count)| StatusCount { status: portal.status_view(status, None, page), count })
        .collect()
}

fn dashboard(builder: &Builder) -> Result<String, Diagnostic> {
    let page = "index.html";
    let portal = &builder.portal;
    let docs = &portal.index.docs;

    let mut kinds: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    for doc in docs.iter().filter(|d| d.listed) {
        *kinds.entry(doc.kind.as_deref()).or_default() += 1;
    }
    // Kinds in the configured order, unknown kinds after, docs without a kind last.
    let configured = portal.index.kinds();
    let mut by_kind: Vec<KindCount> = kinds
        .into_iter()
        .map(|(kind, count)| KindCount {
            kind,
            count,
            href: crate::urls::href_fragment(page, "docs.html", &format!("kind={}", kind.unwrap_or(NONE))),
        })
        .collect();
    by_kind.sort_by_key(|k| match k.kind {
        Some(kind) => (configured.iter().position(|c| c == kind).unwrap_or(configured.len()), 0),
        None => (configured.len(), 1),
    });

    let mut dated: Vec<usize> = portal.positions(|d| d.listed && (d.updated.is_some() || d.created.is_some()));
    dated.sort_by(|&a, &b| {
        let date = |i: usize| docs.get(i).and_then(|d| d.updated.as_deref().or(d.created.as_deref()));
        date(b).cmp(&date(a)).then(a.cmp(&b))
    });
    let recent = dated.into_iter().take(RECENT).filter_map(|i| portal.doc_view(i, page)).collect();

    let mut flagged: Vec<(u8, usize, Vec<Reason>)> = Vec::new();
    for (pos, doc) in docs.iter().enumerate().filter(|(_, d)| d.listed) {
        let mut reasons = Vec::new();
        let mut weight = 0;
        let diags = portal.diagnostics_of(doc);
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        if errors > 0 {
            weight = weight.max(4);
            reasons.push(Reason { label: plural(errors, "error"), tone: "error" });
        }
        if warnings > 0 {
            weight = weight.max(3);
            reasons.push(Reason { label: plural(warnings, "warning"), tone: "warning" });
        }
        let unresolved = portal.unresolved_count(pos);
        if unresolved > 0 {
            weight = weight.max(3);
            reasons.push(Reason { label: plural(unresolved, "unresolved reference"), tone: "warning" });
        }
        match doc.status.as_deref() {
            None => {
                weight = weight.max(2);
                reasons.push(Reason { label: "no status".into(), tone: "info" });
            }
            Some("draft") => {
                weight = weight.max(1);
                reasons.push(Reason { label: "draft".into(), tone: "info" });
            }
            _ => {}
        }
        if !reasons.is_empty() {
            flagged.push((weight, pos, reasons));
        }
    }
    flagged.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let attention_more = flagged.len().saturating_sub(ATTENTION);
    let attention = flagged
        .into_iter()
        .take(ATTENTION)
        .filter_map(|(_, pos, reasons)| Some(Attention { doc: portal.doc_view(pos, page)?, reasons }))
        .collect();

    let all_diags = portal.diagnostics_by_source.values().flatten().chain(portal.other_diagnostics.iter());
    let (errors, warnings) = all_diags.fold((0, 0), |(e, w), d| if d.is_error() { (e + 1, w) } else { (e, w + 1) });

    let values = Dashboard {
        total: docs.iter().filter(|d| d.listed).count(),
        by_status: status_counts(portal, page),
        by_kind,
        recent,
        attention,
        attention_more,
        warnings,
        errors,
        other_diagnostics: portal.other_diagnostics.iter().map(|d| DiagView::from(*d)).collect(),
    };
    builder.render("index.html", &builder.shell(page, "home", Needs::default()), &values)
}

#[derive(Serialize)]
struct Row<'a> {
    doc: DocView<'a>,
    /// The authors as a JSON array, for the author filter (`data-authors`).
    authors_json: String,
    /// Filter value of the kind and status columns (`~none` when unset).
    kind_key: &'a str,
    status_key: &'a str,
    /// Position of the status in lifecycle order, so the status column sorts sensibly.
    status_order: usize,
}

#[derive(Serialize)]
struct FilterOption<'a> {
    value: &'a str,
    label: String,
}

#[derive(Serialize)]
struct DocsTable<'a> {
    rows: Vec<Row<'a>>,
    kinds: Vec<FilterOption<'a>>,
    statuses: Vec<FilterOption<'a>>,
    authors: Vec<&'a str>,
}

fn docs_table(builder: &Builder) -> Result<String, Diagnostic> {
    let page = "docs.html";
    let portal = &builder.portal;
    let docs = &portal.index.docs;
    let mut statuses: Vec<Option<&str>> = docs.iter().filter(|d| d.listed).map(|d| d.status.as_deref()).collect();
    statuses.sort_by(|a, b| status_rank(*a).cmp(&status_rank(*b)));
    statuses.dedup();
    let rows = portal
        .positions(|d| d.listed)
        .into_iter()
        .filter_map(|pos| {
            let doc = portal.doc_view(pos, page)?;
            Some(Row {
                authors_json: serde_json::to_string(doc.authors).unwrap_or_else(|_| "[]".into()),
                kind_key: doc.kind.unwrap_or(NONE),
                status_key: doc.status.value.unwrap_or(NONE),
                status_order: statuses.iter().position(|s| *s == doc.status.value).unwrap_or(statuses.len()),
                doc,
            })
        })
        .collect();

    let mut kinds: Vec<Option<&str>> = docs.iter().filter(|d| d.listed).map(|d| d.kind.as_deref()).collect();
    kinds.sort_by_key(|k| (k.is_none(), *k));
    kinds.dedup();
    let kinds = kinds
        .into_iter()
        .map(|k| FilterOption { value: k.unwrap_or(NONE), label: k.unwrap_or("(no kind)").to_string() })
        .collect();

    let statuses = statuses
        .into_iter()
        .map(|s| FilterOption { value: s.unwrap_or(NONE), label: super::context::status_label(s) })
        .collect();

    let mut authors: Vec<&str> =
        docs.iter().filter(|d| d.listed).flat_map(|d| d.authors.iter().map(String::as_str)).collect();
    authors.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)));
    authors.dedup();

    let values = DocsTable { rows, kinds, statuses, authors };
    builder.render("docs.html", &builder.shell(page, "docs", Needs::default()), &values)
}

#[derive(Serialize)]
struct StatusPage<'a> {
    status: StatusView<'a>,
    docs: Vec<DocView<'a>>,
    /// Every status with its count, to move between status pages.
    statuses: Vec<StatusCount<'a>>,
}

fn status_page(builder: &Builder, status: Option<&str>, page: &str) -> Result<String, Diagnostic> {
    let portal = &builder.portal;
    let positions = portal.positions(|d| d.listed && d.status.as_deref() == status);
    let docs = positions.into_iter().filter_map(|pos| portal.doc_view(pos, page)).collect();
    let values =
        StatusPage { status: portal.status_view(status, None, page), docs, statuses: status_counts(portal, page) };
    builder.render("status.html", &builder.shell(page, "status", Needs::default()), &values)
}

#[derive(Serialize)]
struct GraphPage {
    /// Mermaid source of the whole portal's graph.
    mermaid: String,
    docs: usize,
    links: usize,
}

fn graph(builder: &Builder) -> Result<String, Diagnostic> {
    let page = "graph.html";
    let portal = &builder.portal;
    let values = GraphPage {
        mermaid: crate::links::graph_mermaid_with(&portal.node_labels, portal.graph, None, page),
        docs: portal.index.len(),
        links: portal.graph.outgoing.iter().flatten().filter(|l| l.declared && l.target.is_some()).count(),
    };
    builder.render("graph.html", &builder.shell(page, "graph", Needs { code: false, mermaid: true }), &values)
}

#[derive(Serialize)]
struct NotFound {}

fn not_found(builder: &Builder) -> Result<String, Diagnostic> {
    builder.render("404.html", &builder.absolute_shell("404.html", "none"), &NotFound {})
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
