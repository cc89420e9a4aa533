//! `(&Index, &LinkGraph, doc position, &Config)` → [`RenderedDoc`]: the article HTML of one doc.
//!
//! This stage is the only user of comrak ([`markdown`]) and syntect ([`highlight`]).
//! GitHub-flavoured Markdown (tables, task lists, strikethrough, autolinks, footnotes);
//! raw HTML is escaped unless `allow-html`; fenced code is highlighted with CSS classes
//! (`theme/assets/syntax.css`); Mermaid blocks are left, escaped, for the browser
//! (`theme/assets/mermaid/`). References in the body become links to the other docs'
//! pages through [`links::resolve`] and [`Index::find_id`]; what resolves to nothing is
//! marked unresolved on the page (the links stage reports it). The output depends only
//! on the inputs, so docs render in parallel and identically on every run. Each
//! render also carries its doc's search analysis ([`search::analyse`]), worked out
//! from the visible text here so that every cache of renders keeps it too.

pub mod highlight;
pub mod markdown;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::links::{self, LinkGraph};
use crate::model::RenderedDoc;
use crate::parse::body_refs;
use crate::{search, urls};
use markdown::{DocLink, MarkdownOptions, Xref, Xrefs};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// The vendored Mermaid release (`theme/assets/mermaid/mermaid.min.js`, from the npm
/// package `mermaid`, MIT, licence beside it).
pub const MERMAID_VERSION: &str = "11.17.2";

/// Renders the doc at `doc_pos` of the index.
pub fn render(index: &Index, graph: &LinkGraph, doc_pos: usize, config: &Config) -> RenderedDoc {
    let Some(doc) = index.docs.get(doc_pos) else { return RenderedDoc::default() };
    render_body(index, graph, doc_pos, &doc.body, config)
}

/// [`render`] with the doc's Markdown given apart (a streaming build moves the bodies
/// out of the index, to free each once it is rendered).
pub fn render_body(index: &Index, graph: &LinkGraph, doc_pos: usize, body: &str, config: &Config) -> RenderedDoc {
    let Some(doc) = index.docs.get(doc_pos) else { return RenderedDoc::default() };
    let xrefs = DocXrefs::new(index, Some(graph), doc_pos);
    let options = MarkdownOptions { allow_html: config.allow_html, line_numbers: config.line_numbers };
    let out = markdown::render(body, options, &xrefs);
    let diagnostics = out
        .notes
        .into_iter()
        .map(|note| Diagnostic::warning(doc.source.clone(), Some(note.line).filter(|&l| l > 0), note.message))
        .collect();
    let mut rendered = RenderedDoc {
        html: out.html,
        toc: out.toc,
        has_mermaid: out.has_mermaid,
        has_code: out.has_code,
        text: out.text,
        diagnostics,
        search: None,
    };
    // Done here, once per render, so the render caches keep it with the body.
    rendered.search = Some(search::analyse::analyse(&rendered, &search::kinds_of(config)));
    // The analysis is all search reads of the text from here on; not keeping the text
    // spares a copy of every doc's words in memory and in the render cache.
    rendered.text = String::new();
    rendered
}

/// Anchor ids of every heading of a Markdown body, in document order, exactly as the
/// rendered page has them (the links stage checks `#anchor` references against this).
pub fn heading_anchors(markdown: &str) -> Vec<String> {
    markdown::heading_anchors(markdown)
}

/// Highlights the code blocks of `bodies`, one body after the other, ahead of the
/// render ([`highlight::highlight_ahead`]) until `stop` is set or enough are held;
/// gives how many. Runs only on a core the build leaves idle ([`crate::run_in_idle_time`]:
/// call it on a thread of its own, whose priority stays lowered), and not at all where
/// that cannot be had; what the render then makes is unchanged.
pub fn highlight_ahead<'a>(bodies: impl Iterator<Item = Cow<'a, str>>, stop: &AtomicBool) -> usize {
    if !crate::run_in_idle_time() {
        // At normal priority it would slow the links stage it is meant to wait on.
        return 0;
    }
    let mut done = 0;
    for body in bodies {
        for (lang, code) in markdown::highlighted_blocks(&body) {
            if stop.load(Ordering::Relaxed) {
                return done;
            }
            if let Some(syntax) = highlight::syntax_for(&lang) {
                done += 1;
                if !highlight::highlight_ahead(syntax, &code) {
                    return done;
                }
            }
        }
    }
    done
}

/// Cross-references as seen from one doc's page.
struct DocXrefs<'a> {
    index: &'a Index,
    /// Knows which `#anchor` references point at missing headings.
    graph: Option<&'a LinkGraph>,
    doc_pos: usize,
    /// Site path of this doc's page; hrefs are relative to it.
    page: String,
    /// Built once per doc, not once per text node (its tables cost more than most nodes' scan).
    ids: body_refs::IdMatcher<'a>,
}

impl<'a> DocXrefs<'a> {
    fn new(index: &'a Index, graph: Option<&'a LinkGraph>, doc_pos: usize) -> Self {
        let page = index.docs.get(doc_pos).map(|d| urls::page_path(&d.source)).unwrap_or_default();
        DocXrefs { index, graph, doc_pos, page, ids: body_refs::IdMatcher::new(index.kinds()) }
    }

    fn xref(&self, target: usize, anchor: Option<&str>) -> Option<Xref> {
        let doc = self.index.docs.get(target)?;
        let to = urls::page_path(&doc.source);
        let href = match anchor.filter(|a| !a.is_empty()) {
            Some(anchor) => urls::href_fragment(&self.page, &to, anchor),
            None => urls::href(&self.page, &to),
        };
        let title = match &doc.status {
            Some(status) => format!("{}: {} ({status})", doc.id, doc.title),
            None => format!("{}: {}", doc.id, doc.title),
        };
        Some(Xref { href, title })
    }
}

impl Xrefs for DocXrefs<'_> {
    fn doc_link(&self, dest: &str) -> DocLink {
        if self.graph.is_some_and(|g| g.anchor_missing(self.doc_pos, dest)) {
            return DocLink::Unresolved;
        }
        match links::resolve(self.index, self.doc_pos, dest) {
            Some((target, anchor)) => {
                self.xref(target, anchor.as_deref()).map_or(DocLink::Unresolved, DocLink::Resolved)
            }
            // A folder link naming no doc is an ordinary link (the links stage reports it if missing).
            None if !links::is_markdown_path(dest) => {
                DocLink::Resolved(Xref { href: dest.to_string(), title: String::new() })
            }
            None => DocLink::Unresolved,
        }
    }

    fn leaves_site(&self, dest: &str) -> bool {
        urls::climbs_out(&self.page, dest)
    }

    /// A doc naming itself is left as text: a link to the page you are on helps nobody.
    fn bare_ids(&self, text: &str) -> Vec<(Range<usize>, Xref)> {
        let mut found = Vec::new();
        self.ids.find(text, |range, id| {
            let target = self.index.find_id(&id).filter(|&t| t != self.doc_pos);
            if let Some(xref) = target.and_then(|t| self.xref(t, None)) {
                found.push((range, xref));
            }
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Doc;
    use std::path::Path;

    fn doc(source: &str, id: &str, title: &str, status: Option<&str>, body: &str) -> Doc {
        Doc {
            source: source.into(),
            id: id.into(),
            numbered: true,
            listed: true,
            kind: None,
            title: title.into(),
            status: status.map(str::to_string),
            status_raw: None,
            authors: vec![],
            reviewers: vec![],
            created: None,
            updated: None,
            version: None,
            fields: Default::default(),
            refs: Default::default(),
            body: body.into(),
            diagnostics: vec![],
        }
    }

    fn portal(body: &str) -> (Index, Config) {
        let config = Config::default_at(Path::new("/p"));
        let docs = vec![
            doc("trd/TRD-0101-limiter.md", "TRD-0101", "Rate Limiter", Some("in-review"), body),
            doc("adr/ADR-0007-store.md", "ADR-0007", "Use <Postgres>", Some("accepted"), ""),
            doc("specs/search.md", "specs-search", "Search", None, ""),
        ];
        let (index, _) = crate::index::build(docs, &config);
        (index, config)
    }

    #[test]
    fn xrefs_point_from_this_page_and_name_id_title_and_status() {
        let (index, _) = portal("");
        let from = index.find_id("TRD-0101").expect("indexed");
        let xrefs = DocXrefs::new(&index, None, from);
        let adr = index.find_id("ADR-0007").expect("indexed");
        let to_adr = xrefs.xref(adr, Some("decision outcome")).expect("doc exists");
        assert_eq!(to_adr.href, "../adr/ADR-0007-store.html#decision%20outcome");
        assert_eq!(to_adr.title, "ADR-0007: Use <Postgres> (accepted)");
        let spec = index.find_id("specs-search").expect("indexed");
        let to_spec = xrefs.xref(spec, None).expect("doc exists");
        assert_eq!((to_spec.href.as_str(), to_spec.title.as_str()), ("../specs/search.html", "specs-search: Search"));
        assert!(xrefs.xref(99, None).is_none());
        assert_eq!(xrefs.doc_link("../nowhere/missing.md"), DocLink::Unresolved);
    }

    #[test]
    fn rendering_a_doc_reports_problems_at_its_file_and_line() {
        let (index, config) = portal("\n\n## Design\n\nClick [here](javascript:alert(1)).\n");
        let pos = index.find_id("TRD-0101").expect("indexed");
        let rendered = render(&index, &LinkGraph::default(), pos, &config);
        assert_eq!(rendered.toc.len(), 1);
        assert_eq!(rendered.toc[0].anchor, heading_anchors(&index.docs[pos].body)[0]);
        assert_eq!(rendered.diagnostics.len(), 1);
        let diag = &rendered.diagnostics[0];
        assert_eq!((diag.source.as_str(), diag.line), ("trd/TRD-0101-limiter.md", Some(5)));
        assert!(!rendered.html.contains("javascript"), "{}", rendered.html);
    }

    /// The search analysis is made with the render, so the render caches keep it.
    #[test]
    fn a_render_carries_the_search_analysis_of_its_text() {
        let (index, config) = portal("\n\n## Design\n\nSharded counters.\n");
        let pos = index.find_id("TRD-0101").expect("indexed");
        let rendered = render(&index, &LinkGraph::default(), pos, &config);
        let analysis = rendered.search.as_ref().expect("analysed");
        let body = &index.docs[pos].body;
        let options = MarkdownOptions { allow_html: config.allow_html, line_numbers: config.line_numbers };
        let text = markdown::render(body, options, &markdown::NoXrefs).text;
        let with_text = RenderedDoc { text, ..rendered.clone() };
        assert_eq!(analysis, &crate::search::analyse::analyse(&with_text, &crate::search::kinds_of(&config)));
        assert!(analysis.terms().any(|(term, tf, _)| term == "shard" && tf == 1), "{:?}", analysis.terms);
        assert!(rendered.text.is_empty(), "the text is not kept once analysed");
    }

    #[test]
    fn a_position_outside_the_index_renders_nothing() {
        let (index, config) = portal("");
        let rendered = render(&index, &LinkGraph::default(), index.len(), &config);
        assert!(rendered.html.is_empty() && rendered.diagnostics.is_empty());
    }

    /// The site loads these by exactly these names; Mermaid stays the pinned 11.x release.
    #[test]
    fn browser_assets_ship_under_the_names_the_site_loads() {
        let asset = |path: &str| crate::theme::BUILTIN.iter().find(|(p, _)| *p == path).map(|(_, bytes)| *bytes);
        for path in ["assets/code.js", "assets/syntax.css", "assets/mermaid/init.js"] {
            assert!(asset(path).is_some_and(|b| !b.is_empty()), "{path} is embedded");
        }
        let bundle = asset("assets/mermaid/mermaid.min.js").expect("mermaid is vendored");
        let pinned = format!("version:\"{MERMAID_VERSION}\"");
        assert!(bundle.windows(pinned.len()).any(|w| w == pinned.as_bytes()), "mermaid {MERMAID_VERSION}");
        let licence = asset("assets/mermaid/LICENSE").expect("licence beside the bundle");
        assert!(licence.starts_with(b"The MIT License"));
    }
}
