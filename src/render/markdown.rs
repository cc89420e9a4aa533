//! The one comrak wrapper: Markdown text → article HTML, TOC, search text and flags.
//!
//! In: a doc body, [`MarkdownOptions`] and an [`Xrefs`] that knows which written
//! references name which pages. Out: [`Output`]. Parsing is comrak's, GitHub-flavoured
//! (tables, task lists, strikethrough, autolinks, footnotes, alerts); the HTML comes
//! from comrak's formatter with our own rules for the nodes where docportal differs:
//!
//! - headings get ids from [`AnchorSet`] (the one anchor algorithm; [`heading_anchors`]
//!   walks the same AST, so its ids are the page's ids) and a visible anchor link;
//! - fenced code goes to [`highlight`]; ```` ```mermaid ```` becomes a `<pre class="mermaid">`
//!   holding the escaped source, untouched, for the browser;
//! - relative `.md` links and bare ids in prose become cross-reference links, or an
//!   unresolved marker, never a dead link;
//! - `javascript:`, `vbscript:` and `data:` link targets are dropped (the text stays),
//!   also when raw HTML is allowed.
//!
//! Raw HTML is shown escaped unless `allow_html`. Nothing here panics on any input:
//! comrak is total, and a grammar failure falls back to plain escaped code.

use super::highlight;
use crate::ids::AnchorSet;
use crate::model::TocEntry;
use comrak::html::{format_document_with_formatter, format_node_default, ChildRendering, Context};
use comrak::nodes::{AstNode, NodeCodeBlock, NodeLink, NodeValue};
use comrak::options::Plugins;
use comrak::{Arena, Options};
use std::fmt::{self, Write as _};
use std::ops::Range;

/// Rendering switches from `[output.html]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownOptions {
    /// Pass raw HTML through instead of escaping it.
    pub allow_html: bool,
    /// Add a line-number column to code blocks.
    pub line_numbers: bool,
}

/// A link to another doc's page, ready for the `<a>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xref {
    /// Relative, encoded href from this page (`../adr/ADR-0007-x.html#context`).
    pub href: String,
    /// Tooltip: `ADR-0007: Title (status)`.
    pub title: String,
}

/// What a relative `.md` link in the body turned out to name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocLink {
    Resolved(Xref),
    Unresolved,
}

/// The doc-level knowledge the renderer needs to turn references into links.
pub trait Xrefs {
    /// Resolves a relative `.md` link destination as written.
    fn doc_link(&self, dest: &str) -> DocLink;
    /// Bare ids in a run of plain text that name another doc: byte range and link.
    fn bare_ids(&self, text: &str) -> Vec<(Range<usize>, Xref)>;
}

/// An [`Xrefs`] that knows no docs: `.md` links are unresolved, bare ids stay text.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoXrefs;

impl Xrefs for NoXrefs {
    fn doc_link(&self, _dest: &str) -> DocLink {
        DocLink::Unresolved
    }
    fn bare_ids(&self, _text: &str) -> Vec<(Range<usize>, Xref)> {
        Vec::new()
    }
}

/// Something worth a warning, at a 1-based line of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: u32,
    pub message: String,
}

/// The rendered article and what the page around it needs to know.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Visible text, whitespace folded to single spaces.
    pub text: String,
    pub has_code: bool,
    pub has_mermaid: bool,
    pub notes: Vec<Note>,
}

/// comrak options for both parsing and rendering. Parsing does not depend on
/// `allow_html`, so [`heading_anchors`] sees the same tree as [`render`].
fn comrak_options(opts: MarkdownOptions) -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.tasklist = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    options.extension.alerts = true;
    options.render.tasklist_classes = true;
    options.render.r#unsafe = opts.allow_html;
    options.render.escape = !opts.allow_html;
    options
}

/// Renders a Markdown body.
pub fn render(markdown: &str, opts: MarkdownOptions, xrefs: &dyn Xrefs) -> Output {
    let options = comrak_options(opts);
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, markdown, &options);
    let state = State {
        opts,
        xrefs,
        anchors: AnchorSet::default(),
        open_headings: Vec::new(),
        open_links: Vec::new(),
        out: Output::default(),
    };
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
    let plugins = Plugins::default();
    // Writing into a String cannot fail, and no rule below returns an error of its own.
    let mut out = match format_document_with_formatter(root, &options, &mut html, &plugins, format_node, state) {
        Ok(state) => state.out,
        Err(fmt::Error) => Output::default(),
    };
    out.html = html;
    out.text = fold_whitespace(&out.text);
    out
}

/// Anchor ids of every heading, in document order: the ids [`render`] gives them.
pub fn heading_anchors(markdown: &str) -> Vec<String> {
    let options = comrak_options(MarkdownOptions::default());
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, markdown, &options);
    let mut anchors = AnchorSet::default();
    root.descendants()
        .filter(|node| matches!(node.data().value, NodeValue::Heading(_)))
        .map(|node| anchors.next(&heading_text(node)))
        .collect()
}

/// The plain text of a heading, the input of the anchor algorithm and the TOC label:
/// text and code spans, breaks as spaces, markup and raw HTML dropped.
fn heading_text<'a>(node: &'a AstNode<'a>) -> String {
    fold_whitespace(&node.collect_text())
}

/// Renderer state carried through comrak's formatter.
struct State<'s> {
    opts: MarkdownOptions,
    xrefs: &'s dyn Xrefs,
    anchors: AnchorSet,
    /// Anchors of the headings being written (headings do not nest; a stack is simply safe).
    open_headings: Vec<String>,
    /// How each open link is closed; non-empty means "inside a link".
    open_links: Vec<&'static str>,
    out: Output,
}

type Ctx<'o, 'c, 's> = Context<'o, 'c, State<'s>>;

fn format_node<'a>(
    ctx: &mut Ctx<'_, '_, '_>,
    node: &'a AstNode<'a>,
    entering: bool,
) -> Result<ChildRendering, fmt::Error> {
    let data = node.data();
    if data.value.block() {
        ctx.user.out.text.push(' ');
    }
    match &data.value {
        NodeValue::Heading(heading) => {
            if entering {
                let text = heading_text(node);
                let anchor = ctx.user.anchors.next(&text);
                ctx.cr()?;
                write!(ctx, "<h{} id=\"", heading.level)?;
                ctx.escape(&anchor)?;
                ctx.write_str("\">")?;
                ctx.user.out.toc.push(TocEntry { level: heading.level, anchor: anchor.clone(), text });
                ctx.user.open_headings.push(anchor);
            } else {
                let anchor = ctx.user.open_headings.pop().unwrap_or_default();
                ctx.write_str("<a class=\"anchor\" href=\"#")?;
                ctx.escape(&anchor)?;
                write!(ctx, "\" aria-label=\"Link to this section\">#</a></h{}>", heading.level)?;
                ctx.lf()?;
            }
            Ok(ChildRendering::HTML)
        }
        NodeValue::CodeBlock(block) => {
            if entering {
                code_block(ctx, block, line_of(node))?;
            }
            Ok(ChildRendering::Skip)
        }
        NodeValue::Link(link) => {
            if entering {
                open_link(ctx, node, link)?;
            } else {
                let close = ctx.user.open_links.pop().unwrap_or("");
                ctx.write_str(close)?;
            }
            Ok(ChildRendering::HTML)
        }
        NodeValue::Image(link) => image(ctx, node, link, entering),
        NodeValue::Text(text) => {
            if entering {
                ctx.user.out.text.push_str(text);
                write_text(ctx, text)?;
            }
            Ok(ChildRendering::HTML)
        }
        NodeValue::Code(code) => {
            if entering {
                ctx.user.out.text.push_str(&code.literal);
            }
            format_node_default(ctx, node, entering)
        }
        NodeValue::SoftBreak | NodeValue::LineBreak => {
            ctx.user.out.text.push(' ');
            format_node_default(ctx, node, entering)
        }
        NodeValue::HtmlInline(raw) | NodeValue::HtmlBlock(comrak::nodes::NodeHtmlBlock { literal: raw, .. }) => {
            // Escaped HTML is visible text; HTML passed through is markup.
            if entering && !ctx.user.opts.allow_html {
                ctx.user.out.text.push_str(raw);
            }
            format_node_default(ctx, node, entering)
        }
        _ => format_node_default(ctx, node, entering),
    }
}

/// Text outside links gets bare ids linked; everything is escaped.
fn write_text(ctx: &mut Ctx<'_, '_, '_>, text: &str) -> fmt::Result {
    if !ctx.user.open_links.is_empty() {
        return ctx.escape(text);
    }
    let mut last = 0;
    for (range, xref) in ctx.user.xrefs.bare_ids(text) {
        let (Some(before), Some(id)) = (text.get(last..range.start), text.get(range.clone())) else { continue };
        ctx.escape(before)?;
        write_xref_open(ctx, &xref)?;
        ctx.escape(id)?;
        ctx.write_str("</a>")?;
        last = range.end;
    }
    ctx.escape(text.get(last..).unwrap_or_default())
}

fn write_xref_open(ctx: &mut Ctx<'_, '_, '_>, xref: &Xref) -> fmt::Result {
    ctx.write_str("<a class=\"xref\" href=\"")?;
    ctx.escape_href(&xref.href)?;
    ctx.write_str("\" title=\"")?;
    ctx.escape(&xref.title)?;
    ctx.write_str("\">")
}

fn open_link<'a>(ctx: &mut Ctx<'_, '_, '_>, node: &'a AstNode<'a>, link: &NodeLink) -> fmt::Result {
    let url = link.url.trim();
    if let Some(scheme) = forbidden_scheme(url) {
        let line = line_of(node);
        ctx.user
            .out
            .notes
            .push(Note { line, message: format!("link to a `{scheme}:` URL removed (only its text is shown)") });
        ctx.user.open_links.push("");
        return Ok(());
    }
    if is_relative_doc_link(url) {
        match ctx.user.xrefs.doc_link(url) {
            DocLink::Resolved(xref) => {
                write_xref_open(ctx, &xref)?;
                ctx.user.open_links.push("</a>");
            }
            DocLink::Unresolved => {
                ctx.write_str("<span class=\"xref-unresolved\" title=\"unresolved reference: ")?;
                ctx.escape(url)?;
                ctx.write_str("\">")?;
                ctx.user.open_links.push("</span>");
            }
        }
        return Ok(());
    }
    ctx.write_str("<a href=\"")?;
    ctx.escape_href(url)?;
    if !link.title.is_empty() {
        ctx.write_str("\" title=\"")?;
        ctx.escape(&link.title)?;
    }
    ctx.write_str("\">")?;
    ctx.user.open_links.push("</a>");
    Ok(())
}

fn image<'a>(
    ctx: &mut Ctx<'_, '_, '_>,
    node: &'a AstNode<'a>,
    link: &NodeLink,
    entering: bool,
) -> Result<ChildRendering, fmt::Error> {
    if entering {
        ctx.user.out.text.push_str(&node.collect_text());
        ctx.write_str("<img src=\"")?;
        // comrak's check allows only raster `data:image/…` sources; apply it even when
        // raw HTML is allowed (comrak itself skips it then).
        if comrak::html::dangerous_url(&link.url) {
            ctx.user.out.notes.push(Note {
                line: line_of(node),
                message: "image with an unsafe URL: its source was removed".to_string(),
            });
        } else {
            ctx.escape_href(&link.url)?;
        }
        ctx.write_str("\" alt=\"")?;
        Ok(ChildRendering::Plain)
    } else {
        if !link.title.is_empty() {
            ctx.write_str("\" title=\"")?;
            ctx.escape(&link.title)?;
        }
        ctx.write_str("\" loading=\"lazy\" />")?;
        Ok(ChildRendering::HTML)
    }
}

fn code_block(ctx: &mut Ctx<'_, '_, '_>, block: &NodeCodeBlock, line: u32) -> fmt::Result {
    let lang = if block.fenced { language_of(&block.info) } else { "" };
    ctx.cr()?;
    if lang.eq_ignore_ascii_case("mermaid") {
        ctx.user.out.has_mermaid = true;
        ctx.write_str("<pre class=\"mermaid\">")?;
        ctx.escape(&block.literal)?;
        ctx.write_str("</pre>")?;
        return ctx.lf();
    }
    ctx.user.out.has_code = true;
    ctx.user.out.text.push_str(&block.literal);
    ctx.user.out.text.push(' ');
    ctx.write_str("<div class=\"code-block\"")?;
    if !lang.is_empty() {
        ctx.write_str(" data-lang=\"")?;
        ctx.escape(lang)?;
        ctx.write_str("\"")?;
    }
    ctx.write_str(">")?;
    if ctx.user.opts.line_numbers {
        let lines = block.literal.lines().count().max(1);
        ctx.write_str("<pre class=\"line-numbers\" aria-hidden=\"true\">")?;
        for n in 1..=lines {
            writeln!(ctx, "{n}")?;
        }
        ctx.write_str("</pre>")?;
    }
    ctx.write_str("<pre class=\"hl\"><code>")?;
    match highlight::syntax_for(lang).map(|syntax| highlight::highlight(syntax, &block.literal)) {
        Some(Ok(html)) => ctx.write_str(&html)?,
        Some(Err(message)) => {
            ctx.user.out.notes.push(Note {
                line,
                message: format!("could not highlight a `{lang}` block ({message}); shown as plain text"),
            });
            ctx.escape(&block.literal)?;
        }
        None => ctx.escape(&block.literal)?,
    }
    ctx.write_str("</code></pre></div>")?;
    ctx.lf()
}

/// The language tag of a fence's info string: its first word, without rustdoc-style
/// attributes (`rust,ignore`) or Pandoc braces (`{.python}`).
fn language_of(info: &str) -> &str {
    let word = info.split_whitespace().next().unwrap_or("");
    let word = word.split(',').next().unwrap_or("");
    word.trim_start_matches('{').trim_start_matches('.').trim_end_matches('}')
}

/// The scheme of a URL that must never become a link target, if it has one. Browsers
/// ignore ASCII whitespace and control characters inside a scheme, so those are
/// skipped before matching (`java\tscript:`).
fn forbidden_scheme(url: &str) -> Option<&'static str> {
    let compact: String =
        url.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control()).take(16).collect::<String>();
    let compact = compact.to_ascii_lowercase();
    ["javascript", "vbscript", "data"]
        .into_iter()
        .find(|scheme| compact.strip_prefix(scheme).is_some_and(|rest| rest.starts_with(':')))
}

/// A link to another Markdown file in the portal: no scheme, not site-absolute, not a
/// bare fragment, with a path ending in `.md` / `.markdown`.
fn is_relative_doc_link(url: &str) -> bool {
    if url.starts_with('/') || url.starts_with('#') || has_scheme(url) {
        return false;
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// `scheme:` per RFC 3986 (a letter, then letters, digits, `+`, `-`, `.`).
fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn line_of<'a>(node: &'a AstNode<'a>) -> u32 {
    u32::try_from(node.data().sourcepos.start.line).unwrap_or(u32::MAX)
}

/// Runs of whitespace become one space; the ends are trimmed.
fn fold_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
