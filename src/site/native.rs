//! The built-in theme's doc page and link item, written out in Rust.
//!
//! In: a doc page's values ([`DocPage`]) and shell, or a link's [`LinkView`]. Out: the
//! bytes tera makes of the built-in `doc.html` or `link_item.html` with the same values.
//! tera looks every value up by its dotted path and calls macros through new frames,
//! which made doc pages and link items a tenth of a cold build's CPU, more than writing
//! them; these functions write the same markup directly. They are used only while the
//! portal overrides none of the templates the page is made from ([`DOC_PAGE_TEMPLATES`],
//! [`LINK_ITEM_TEMPLATES`]); otherwise tera renders the theme as it is.
//!
//! Only `doc.html`'s own blocks are written here: everything `base.html` makes around
//! them (head, top bar, footer) is still rendered by tera, from `theme::DOC_FRAME`, once
//! per folder of doc pages and set of scripts ([`Frame`]), and the title and main block
//! are written between its markers. Keep this module in step with `doc.html` and
//! `macros.html`: `tests/site.rs` builds every fixture portal both ways and compares
//! every file.

use super::context::{LinkGroup, LinkItem, LinkView, StatusView};
use super::doc_page::{Banner, DocPage};
use crate::theme::{escape_html_into as escaped, FRAME_MAIN, FRAME_TITLE};

/// The templates a doc page is made from; with any of them overridden, tera renders it.
pub const DOC_PAGE_TEMPLATES: &[&str] = &["doc.html", "base.html", "macros.html", "search_box.html"];
/// The templates a link item is made from.
pub const LINK_ITEM_TEMPLATES: &[&str] = &["link_item.html", "macros.html"];

/// `base.html` rendered for one folder and set of scripts, cut where `doc.html`'s title
/// and main block go.
pub struct Frame {
    head: String,
    middle: String,
    tail: String,
}

impl Frame {
    /// Cuts the rendered `theme::DOC_FRAME` at its markers; `None` unless each occurs
    /// exactly once, title first (a value of the shell could spell one).
    pub fn cut(rendered: &str) -> Option<Frame> {
        let once = |text: &str, marker: &str| text.matches(marker).count() == 1;
        if !once(rendered, FRAME_TITLE) || !once(rendered, FRAME_MAIN) {
            return None;
        }
        let (head, rest) = rendered.split_once(FRAME_TITLE)?;
        let (middle, tail) = rest.split_once(FRAME_MAIN)?;
        Some(Frame { head: head.to_string(), middle: middle.to_string(), tail: tail.to_string() })
    }
}

/// The frame's three parts: before the title, between it and the main block, after.
#[cfg(test)]
pub fn frame_parts(frame: &Frame) -> [String; 3] {
    [frame.head.clone(), frame.middle.clone(), frame.tail.clone()]
}

/// The doc page of `page` in `frame`: `doc.html`'s title block and main block.
pub fn doc_page(frame: &Frame, site_title: &str, page: &DocPage) -> String {
    let mut out =
        String::with_capacity(frame.head.len() + frame.middle.len() + frame.tail.len() + page.content.len() * 5 / 4);
    out.push_str(&frame.head);
    escaped(&mut out, page.doc.id);
    out.push_str(": ");
    escaped(&mut out, page.doc.title);
    out.push_str(" · ");
    escaped(&mut out, site_title);
    out.push_str(&frame.middle);
    main_block(&mut out, page);
    out.push_str(&frame.tail);
    out
}

/// `link_item.html`: the `link_item` macro of `macros.html`.
pub fn link_item(link: &LinkView) -> String {
    let mut out = String::with_capacity(256);
    match &link.doc {
        Some(doc) => {
            out.push_str("<li class=\"link-item\"><a class=\"doclink\" href=\"");
            escaped(&mut out, &doc.href);
            out.push_str("\" title=\"");
            escaped(&mut out, doc.title);
            out.push_str(" · ");
            escaped(&mut out, &doc.status.label);
            out.push_str("\"><span class=\"doc-id\">");
            escaped(&mut out, doc.id);
            out.push_str("</span> <span class=\"doclink-title\">");
            escaped(&mut out, doc.title);
            out.push_str("</span></a> ");
            badge(&mut out, &doc.status);
            out.push_str("</li>");
        }
        None => {
            out.push_str("<li class=\"link-item\"><span class=\"unresolved\" title=\"Unresolved reference");
            if let Some(line) = link.line.filter(|&l| l != 0) {
                out.push_str(&format!(" (line {line})"));
            }
            out.push_str(": no doc matches\">");
            escaped(&mut out, link.written);
            out.push_str("</span> <span class=\"unresolved-note\">not found</span></li>");
        }
    }
    out
}

/// The `badge` macro of `macros.html`.
fn badge(out: &mut String, status: &StatusView) {
    out.push_str("<a class=\"badge tone-");
    escaped(out, status.tone);
    out.push_str("\" href=\"");
    escaped(out, &status.href);
    out.push('"');
    if let Some(raw) = truthy(status.raw) {
        out.push_str(" title=\"");
        escaped(out, raw);
        out.push('"');
    }
    out.push('>');
    escaped(out, &status.label);
    out.push_str("</a>");
}

/// A string as a tera `{% if %}` sees it: absent and empty are both false.
fn truthy(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

fn push_items(out: &mut String, items: &[LinkItem]) {
    for item in items {
        out.push_str(&item.html);
    }
}

fn push_groups(out: &mut String, groups: &[LinkGroup]) {
    for group in groups {
        out.push_str("<h3 class=\"link-group\">");
        escaped(out, group.label);
        out.push_str("</h3>\n<ul class=\"link-list\" data-relation=\"");
        escaped(out, group.relation);
        out.push_str("\">");
        push_items(out, &group.links);
        out.push_str("</ul>\n");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `doc.html`'s `main` block.
fn main_block(out: &mut String, page: &DocPage) {
    let doc = &page.doc;
    let (kind, created, updated) = (truthy(doc.kind), truthy(doc.created), truthy(doc.updated));
    out.push_str(
        "\n<div class=\"doc-page\">\n<header class=\"doc-head\">\n<p class=\"eyebrow\"><span class=\"doc-id\">",
    );
    escaped(out, doc.id);
    out.push_str("</span>");
    if let Some(kind) = kind {
        out.push_str(" <span class=\"kind\">");
        escaped(out, kind);
        out.push_str("</span>");
    }
    out.push_str("</p>\n<h1 class=\"doc-title\">");
    escaped(out, doc.title);
    out.push_str("</h1>\n<p class=\"doc-byline\">");
    badge(out, &doc.status);
    if !doc.authors.is_empty() {
        out.push_str(" <span>");
        escaped(out, &doc.authors.join(", "));
        out.push_str("</span>");
    }
    for (label, date) in [("Updated", updated), ("Created", created)] {
        if let Some(date) = date {
            out.push_str(" <span>");
            out.push_str(label);
            out.push(' ');
            push_time(out, date);
            out.push_str("</span>");
            break;
        }
    }
    out.push_str("</p>\n");
    banners(out, page.banner.as_ref());
    if !page.diagnostics.is_empty() {
        out.push_str("\n<aside class=\"callout callout-");
        escaped(out, page.problem_tone);
        out.push_str("\" aria-label=\"Problems in this document\">\n<p class=\"callout-title\">");
        let n = page.diagnostics.len();
        out.push_str(&format!("{n} problem{} found in <code>", plural(n)));
        escaped(out, doc.source);
        out.push_str("</code></p>\n<ul class=\"diag-list\">\n");
        for d in &page.diagnostics {
            out.push_str("<li class=\"diag diag-");
            escaped(out, d.severity);
            out.push_str("\"><span class=\"diag-severity\">");
            escaped(out, d.severity);
            out.push_str("</span>");
            if let Some(line) = d.line.filter(|&l| l != 0) {
                out.push_str(&format!(" <span class=\"diag-line\">line {line}</span>"));
            }
            out.push(' ');
            escaped(out, d.message);
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n</aside>\n");
    }
    out.push_str("\n</header>\n\n<aside class=\"doc-aside\">\n<section class=\"meta-card\" aria-label=\"Document metadata\">\n<dl class=\"meta\">\n<div><dt>ID</dt><dd><span class=\"doc-id\">");
    escaped(out, doc.id);
    out.push_str("</span></dd></div>\n");
    if let Some(kind) = kind {
        out.push_str("<div><dt>Kind</dt><dd>");
        escaped(out, kind);
        out.push_str("</dd></div>");
    }
    out.push_str("\n<div><dt>Status</dt><dd>");
    badge(out, &doc.status);
    out.push_str("</dd></div>\n");
    for (label, people) in [("Author", doc.authors), ("Reviewer", doc.reviewers)] {
        if !people.is_empty() {
            out.push_str("<div><dt>");
            out.push_str(label);
            out.push_str(if people.len() > 1 { "s" } else { "" });
            out.push_str("</dt><dd>");
            escaped(out, &people.join(", "));
            out.push_str("</dd></div>");
        }
        out.push('\n');
    }
    for (label, date) in [("Created", created), ("Updated", updated)] {
        if let Some(date) = date {
            out.push_str("<div><dt>");
            out.push_str(label);
            out.push_str("</dt><dd>");
            push_time(out, date);
            out.push_str("</dd></div>");
        }
        out.push('\n');
    }
    if let Some(version) = truthy(doc.version) {
        out.push_str("<div><dt>Version</dt><dd>");
        escaped(out, version);
        out.push_str("</dd></div>");
    }
    out.push('\n');
    for field in &doc.fields {
        out.push_str("<div class=\"meta-extra\"><dt>");
        escaped(out, &field.label);
        out.push_str("</dt><dd>");
        escaped(out, &field.value);
        out.push_str("</dd></div>\n");
    }
    out.push_str("\n</dl>\n");
    if let Some(url) = truthy(page.edit_url.as_deref()) {
        out.push_str("<p class=\"edit-link\"><a href=\"");
        escaped(out, url);
        out.push_str("\" rel=\"noopener\">Edit this page</a></p>");
    }
    out.push_str("\n</section>\n");
    if !page.toc.is_empty() {
        out.push_str("\n<nav class=\"toc\" aria-label=\"On this page\">\n<details open data-toc>\n<summary>On this page</summary>\n<ol>\n");
        for t in &page.toc {
            out.push_str(&format!("<li class=\"toc-depth-{}\"><a href=\"", t.depth.min(3)));
            escaped(out, &t.href);
            out.push_str("\">");
            escaped(out, t.text);
            out.push_str("</a></li>\n");
        }
        out.push_str("</ol>\n</details>\n</nav>\n");
    }
    out.push_str("\n</aside>\n\n<div class=\"doc-main\">\n<article class=\"prose\">\n");
    out.push_str(page.content);
    out.push_str("\n</article>\n\n");
    if !page.relations.is_empty() || !page.referenced_by.is_empty() {
        out.push_str("\n<section class=\"doc-links\" aria-label=\"Related documents\">\n");
        if !page.relations.is_empty() {
            out.push_str("\n<div class=\"link-block\">\n<h2>Relations</h2>\n");
            push_groups(out, &page.relations);
            out.push_str("\n</div>\n");
        }
        out.push('\n');
        if !page.referenced_by.is_empty() {
            out.push_str("\n<div class=\"link-block\" id=\"referenced-by\">\n<h2>Referenced by</h2>\n");
            push_groups(out, &page.referenced_by);
            out.push_str("\n</div>\n");
        }
        out.push_str("\n</section>\n");
    }
    out.push_str("\n\n");
    if let Some(graph) = truthy(page.neighbourhood.as_deref()) {
        out.push_str("\n<details class=\"neighbourhood\" data-lazy-diagram>\n<summary>Neighbourhood graph</summary>\n<div class=\"graph-frame\"><pre class=\"mermaid\">");
        escaped(out, graph);
        out.push_str("</pre></div>\n</details>\n");
    }
    out.push_str("\n</div>\n</div>\n");
}

/// `<time datetime="D">D</time>`.
fn push_time(out: &mut String, date: &str) {
    out.push_str("<time datetime=\"");
    escaped(out, date);
    out.push_str("\">");
    escaped(out, date);
    out.push_str("</time>");
}

/// The supersession banners of `doc.html`.
fn banners(out: &mut String, banner: Option<&Banner>) {
    if let Some(banner) = banner.filter(|b| b.superseded) {
        out.push_str("\n<div class=\"banner banner-superseded\" role=\"note\">\n<strong>Superseded.</strong>\n");
        if banner.successors.is_empty() {
            out.push_str("This document is marked superseded; no successor is named.");
        } else {
            out.push_str("This document has been replaced by\n<ul class=\"inline-list\">");
            push_items(out, &banner.successors);
            out.push_str("</ul>\n");
        }
        out.push_str("\n</div>\n");
    }
    out.push('\n');
    if let Some(banner) = banner.filter(|b| !b.predecessors.is_empty()) {
        out.push_str("\n<div class=\"banner banner-supersedes\" role=\"note\">\n<strong>Supersedes</strong>\n<ul class=\"inline-list\">");
        push_items(out, &banner.predecessors);
        out.push_str("</ul>\n</div>\n");
    }
    out.push('\n');
}
