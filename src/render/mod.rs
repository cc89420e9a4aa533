//! `(&Index, &LinkGraph, doc position, &Config)` → [`RenderedDoc`]: the article HTML of one doc.
//!
//! This stage is the only user of comrak ([`markdown`]) and syntect ([`highlight`]).
//! GitHub-flavoured Markdown (tables, task lists, strikethrough, autolinks, footnotes);
//! raw HTML is escaped unless `allow-html`; fenced code is highlighted with CSS classes
//! (`theme/assets/syntax.css`); Mermaid blocks are left, escaped, for the browser
//! (`theme/assets/mermaid/`). References in the body become links to the other docs'
//! pages through [`links::resolve`] and [`Index::find_id`]; what resolves to nothing is
//! marked unresolved on the page (the links stage reports it). The output depends only
//! on the inputs, so docs render in parallel and identically on every run.

pub mod highlight;
pub mod markdown;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::links::{self, LinkGraph};
use crate::model::RenderedDoc;
use crate::parse::body_refs;
use crate::urls;
use markdown::{DocLink, MarkdownOptions, Xref, Xrefs};
use std::ops::Range;

/// Renders the doc at `doc_pos` of the index.
pub fn render(index: &Index, graph: &LinkGraph, doc_pos: usize, config: &Config) -> RenderedDoc {
    let _ = graph;
    let Some(doc) = index.docs.get(doc_pos) else { return RenderedDoc::default() };
    let xrefs = DocXrefs { index, doc_pos, page: urls::page_path(&doc.source) };
    let options = MarkdownOptions { allow_html: config.allow_html, line_numbers: config.line_numbers };
    let out = markdown::render(&doc.body, options, &xrefs);
    let diagnostics = out
        .notes
        .into_iter()
        .map(|note| Diagnostic::warning(doc.source.clone(), Some(note.line).filter(|&l| l > 0), note.message))
        .collect();
    RenderedDoc {
        html: out.html,
        toc: out.toc,
        has_mermaid: out.has_mermaid,
        has_code: out.has_code,
        text: out.text,
        diagnostics,
    }
}

/// Anchor ids of every heading of a Markdown body, in document order, exactly as the
/// rendered page has them (the links stage checks `#anchor` references against this).
pub fn heading_anchors(markdown: &str) -> Vec<String> {
    markdown::heading_anchors(markdown)
}

/// Cross-references as seen from one doc's page.
struct DocXrefs<'a> {
    index: &'a Index,
    doc_pos: usize,
    /// Site path of this doc's page; hrefs are relative to it.
    page: String,
}

impl DocXrefs<'_> {
    fn xref(&self, target: usize, anchor: Option<&str>) -> Option<Xref> {
        let doc = self.index.docs.get(target)?;
        let mut to = urls::page_path(&doc.source);
        if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
            to.push('#');
            to.push_str(anchor);
        }
        let title = match &doc.status {
            Some(status) => format!("{}: {} ({status})", doc.id, doc.title),
            None => format!("{}: {}", doc.id, doc.title),
        };
        Some(Xref { href: urls::href(&self.page, &to), title })
    }
}

impl Xrefs for DocXrefs<'_> {
    fn doc_link(&self, dest: &str) -> DocLink {
        links::resolve(self.index, self.doc_pos, dest)
            .and_then(|(target, anchor)| self.xref(target, anchor.as_deref()))
            .map_or(DocLink::Unresolved, DocLink::Resolved)
    }

    /// A doc naming itself is left as text: a link to the page you are on helps nobody.
    fn bare_ids(&self, text: &str) -> Vec<(Range<usize>, Xref)> {
        body_refs::find_ids_in_text(text, self.index.kinds())
            .into_iter()
            .filter_map(|(range, id)| {
                let target = self.index.find_id(&id).filter(|&t| t != self.doc_pos)?;
                Some((range, self.xref(target, None)?))
            })
            .collect()
    }
}
