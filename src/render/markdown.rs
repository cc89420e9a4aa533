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
//!   also when raw HTML is allowed; so are relative links and image sources that climb
//!   above the site root ([`Xrefs::leaves_site`]).
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
    /// Whether a relative link target, resolved against this page, lands above the site
    /// root (`../../etc/passwd`). Such links are never written as live links.
    fn leaves_site(&self, _dest: &str) -> bool {
        false
    }
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

/// The fenced code blocks [`render`] highlights, in document order: each one's
/// language tag and text (Mermaid blocks are drawn, not highlighted, so left out).
pub fn highlighted_blocks(markdown: &str) -> Vec<(String, String)> {
    let options = comrak_options(MarkdownOptions::default());
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, markdown, &options);
    root.descendants()
        .filter_map(|node| match &node.data().value {
            NodeValue::CodeBlock(block) if block.fenced => {
                let lang = language_of(&block.info);
                (!lang.eq_ignore_ascii_case("mermaid")).then(|| (lang.to_string(), block.literal.clone()))
            }
            _ => None,
        })
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
    // Before doc links: a path that climbs above the site root is never live, even
    // when it looks like a folder link.
    if ctx.user.xrefs.leaves_site(url) {
        // A doc link that climbs out is already reported by the links stage.
        if !is_relative_doc_link(url) || !crate::links::is_markdown_path(url) {
            let message = format!("link `{url}` points outside the site; removed (only its text is shown)");
            ctx.user.out.notes.push(Note { line: line_of(node), message });
        }
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
        } else if ctx.user.xrefs.leaves_site(&link.url) {
            let message = format!("image `{}` points outside the site; its source was removed", link.url);
            ctx.user.out.notes.push(Note { line: line_of(node), message });
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
    if block.fenced && !block.closed {
        let fence = String::from(char::from(block.fence_char)).repeat(block.fence_length.clamp(3, 16));
        let message = format!("code fence opened with {fence} is never closed: the rest of its block is shown as code");
        ctx.user.out.notes.push(Note { line, message });
    }
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

/// A link that may name another doc of the portal (a `.md` path or a folder, relative
/// or from the repository root; see `body_refs::doc_link_target`), not a bare fragment.
fn is_relative_doc_link(url: &str) -> bool {
    !url.starts_with('#') && crate::parse::body_refs::doc_link_target(url).is_some()
}

fn line_of<'a>(node: &'a AstNode<'a>) -> u32 {
    u32::try_from(node.data().sourcepos.start.line).unwrap_or(u32::MAX)
}

/// Runs of whitespace become one space; the ends are trimmed: `text`'s words, as
/// `split_whitespace` cuts them, joined by single spaces. Byte by byte, decoding only
/// non-ASCII characters: this runs over every doc's visible text, and
/// `split_whitespace` decoded every character (1% of a cold build's CPU).
fn fold_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = None;
    let mut i = 0;
    while let Some(&b) = text.as_bytes().get(i) {
        let (space, len) = if b.is_ascii() {
            (matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c), 1)
        } else {
            text[i..].chars().next().map_or((false, 1), |c| (c.is_whitespace(), c.len_utf8()))
        };
        match (space, word_start) {
            (true, Some(start)) => {
                push_word(&mut out, &text[start..i]);
                word_start = None;
            }
            (false, None) => word_start = Some(i),
            _ => {}
        }
        i += len;
    }
    if let Some(start) = word_start {
        push_word(&mut out, &text[start..]);
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    proptest::proptest! {
        // The byte-wise fold must cut words exactly where `split_whitespace` does.
        #[test]
        fn folding_whitespace_joins_the_words_split_whitespace_finds(
            text in "[a \t\n\r\u{b}\u{c}\u{85}\u{a0}\u{2003}\u{3000}é日-]{0,40}"
        ) {
            let words: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(fold_whitespace(&text), words.join(" "));
        }
    }

    /// Knows one doc, `ADR-0007`, reachable as `../adr/ADR-0007-x.md` or by the bare id.
    struct OneDoc;

    impl Xrefs for OneDoc {
        fn doc_link(&self, dest: &str) -> DocLink {
            match dest.split_once('#') {
                Some(("../adr/ADR-0007-x.md", anchor)) => DocLink::Resolved(xref(Some(anchor))),
                None if dest == "../adr/ADR-0007-x.md" => DocLink::Resolved(xref(None)),
                _ => DocLink::Unresolved,
            }
        }
        fn bare_ids(&self, text: &str) -> Vec<(Range<usize>, Xref)> {
            text.match_indices("ADR-0007").map(|(at, id)| (at..at + id.len(), xref(None))).collect()
        }
    }

    fn xref(anchor: Option<&str>) -> Xref {
        let href = match anchor {
            Some(a) => format!("../adr/ADR-0007-x.html#{a}"),
            None => "../adr/ADR-0007-x.html".to_string(),
        };
        Xref { href, title: "ADR-0007: Use <Postgres> (accepted)".to_string() }
    }

    fn html_of(markdown: &str) -> Output {
        render(markdown, MarkdownOptions::default(), &OneDoc)
    }

    #[test]
    fn highlighted_blocks_are_the_blocks_the_render_highlights() {
        let markdown = "# Blocks\n\n```rust,ignore\nfn a() {}\n```\n\n~~~ {.python}\nprint(1)\n~~~\n\n\
            ```mermaid\ngraph TD; A-->B\n```\n\n    indented = 1\n\n- in a list:\n\n  ```yaml\n  key: [1, 2]\n  ```\n\n\
            > ```json\n> {\"quoted\": true}\n> ```\n\n```nosuchlanguage\nplain\n```\n\n```sql\nSELECT 1;\n";
        let blocks = highlighted_blocks(markdown);
        let langs: Vec<&str> = blocks.iter().map(|(lang, _)| lang.as_str()).collect();
        assert_eq!(langs, ["rust", "python", "yaml", "json", "nosuchlanguage", "sql"]);
        let html = html_of(markdown).html;
        // Blocks with a language tag (an indented block has none and is never highlighted).
        let rendered: Vec<&str> = html
            .split("<div class=\"code-block\" data-lang=")
            .skip(1)
            .map(|rest| rest.split_once("<pre class=\"hl\"><code>").expect("code").1)
            .map(|rest| rest.split_once("</code></pre>").expect("closed").0)
            .collect();
        let expected: Vec<String> = blocks
            .iter()
            .map(|(lang, code)| match highlight::syntax_for(lang) {
                Some(syntax) => highlight::highlight(syntax, code).expect("highlights"),
                None => crate::theme::escape_html(code),
            })
            .collect();
        assert_eq!(rendered, expected);
    }

    fn select<'h>(doc: &'h Html, css: &str) -> Vec<scraper::ElementRef<'h>> {
        doc.select(&Selector::parse(css).expect("valid selector")).collect()
    }

    fn text_of(el: &scraper::ElementRef<'_>) -> String {
        el.text().collect()
    }

    #[test]
    fn heading_ids_are_exactly_heading_anchors_and_fill_the_toc() {
        let md = "# Title\n\n## 2.1 High-Level *Design*\n\ntext\n\n## Overview\n\n### `code` & more\n\nSetext\n------\n\n## Overview\n\n> ## Quoted\n\n- ## In a list\n\n```\n## not a heading\n```\n";
        let out = html_of(md);
        let page = Html::parse_fragment(&out.html);
        let ids: Vec<String> = select(&page, "h1, h2, h3, h4, h5, h6")
            .iter()
            .map(|h| h.value().attr("id").expect("every heading has an id").to_string())
            .collect();
        assert_eq!(ids, heading_anchors(md));
        assert_eq!(
            ids,
            ["title", "21-high-level-design", "overview", "code--more", "setext", "overview-1", "quoted", "in-a-list"]
        );
        let toc: Vec<(u8, &str, &str)> =
            out.toc.iter().map(|t| (t.level, t.anchor.as_str(), t.text.as_str())).collect();
        assert_eq!(toc[1], (2, "21-high-level-design", "2.1 High-Level Design"));
        assert_eq!(toc[3], (3, "code--more", "code & more"));
        assert_eq!(toc.len(), 8);
        for h in select(&page, "h2") {
            let id = h.value().attr("id").expect("id");
            let anchor = select(&Html::parse_fragment(&h.html()), "a.anchor").len();
            assert_eq!(anchor, 1, "{id}: one visible anchor link");
            assert!(h.html().contains(&format!("href=\"#{id}\"")), "{}", h.html());
        }
    }

    #[test]
    fn raw_html_is_escaped_by_default_and_kept_when_allowed() {
        let md = "<div class=\"x\">block</div>\n\nInline <b onclick=\"x()\">bold</b> text.\n";
        let escaped = html_of(md);
        let page = Html::parse_fragment(&escaped.html);
        assert!(select(&page, "div.x").is_empty() && select(&page, "b").is_empty(), "{}", escaped.html);
        assert!(escaped.html.contains("&lt;div class=&quot;x&quot;&gt;"), "{}", escaped.html);
        assert!(escaped.text.contains("<b onclick=\"x()\">"), "escaped markup is visible text: {}", escaped.text);

        let allowed = render(md, MarkdownOptions { allow_html: true, ..Default::default() }, &OneDoc);
        let page = Html::parse_fragment(&allowed.html);
        assert_eq!(select(&page, "div.x").len(), 1, "{}", allowed.html);
        assert_eq!(select(&page, "b").len(), 1, "{}", allowed.html);
    }

    #[test]
    fn script_urls_never_become_links_even_with_raw_html_allowed() {
        let md = "[one](javascript:alert(1)) [two](JaVaScRiPt:alert(2)) [three](vbscript:x) \
                  [four](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(5)> [ok](https://example.com/a?b=1&c=2)\n\n\
                  ![img](javascript:alert(6))\n";
        for allow_html in [false, true] {
            let out = render(md, MarkdownOptions { allow_html, ..Default::default() }, &OneDoc);
            let page = Html::parse_fragment(&out.html);
            let hrefs: Vec<&str> = select(&page, "a").iter().filter_map(|a| a.value().attr("href")).collect();
            assert_eq!(hrefs, ["https://example.com/a?b=1&c=2"], "allow_html={allow_html}: {}", out.html);
            for img in select(&page, "img") {
                assert_eq!(img.value().attr("src"), Some(""), "{}", out.html);
            }
            for word in ["one", "two", "three", "four"] {
                assert!(out.text.contains(word), "text kept: {}", out.text);
            }
            assert!(out.notes.iter().any(|n| n.line == 1 && n.message.contains("javascript")), "{:?}", out.notes);
        }
    }

    #[test]
    fn relative_doc_links_resolve_or_are_marked_unresolved() {
        let md = "See [the ADR](../adr/ADR-0007-x.md#context) and [gone](../adr/ADR-0099-gone.md) \
                  and [external](https://example.com/x.md) and [local](#intro).\n";
        let out = html_of(md);
        let page = Html::parse_fragment(&out.html);
        let xrefs = select(&page, "a.xref");
        assert_eq!(xrefs.len(), 1, "{}", out.html);
        assert_eq!(xrefs[0].value().attr("href"), Some("../adr/ADR-0007-x.html#context"));
        assert_eq!(xrefs[0].value().attr("title"), Some("ADR-0007: Use <Postgres> (accepted)"));
        assert_eq!(text_of(&xrefs[0]), "the ADR");
        let unresolved = select(&page, "span.xref-unresolved");
        assert_eq!(unresolved.len(), 1);
        assert_eq!(text_of(&unresolved[0]), "gone");
        assert_eq!(unresolved[0].value().attr("title"), Some("unresolved reference: ../adr/ADR-0099-gone.md"));
        let hrefs: Vec<&str> = select(&page, "a").iter().filter_map(|a| a.value().attr("href")).collect();
        assert!(!hrefs.iter().any(|h| h.contains("ADR-0099")), "no dead link: {hrefs:?}");
        assert!(hrefs.contains(&"https://example.com/x.md") && hrefs.contains(&"#intro"), "{hrefs:?}");
    }

    #[test]
    fn bare_ids_link_in_prose_but_not_in_code_or_links() {
        let md = "Per ADR-0007, we agree.\n\n`ADR-0007` in code, [ADR-0007 label](https://x.io), **ADR-0007**.\n\n```\nADR-0007\n```\n";
        let out = html_of(md);
        let page = Html::parse_fragment(&out.html);
        let xrefs = select(&page, "a.xref");
        assert_eq!(xrefs.len(), 2, "prose and bold: {}", out.html);
        assert!(xrefs.iter().all(|a| text_of(a) == "ADR-0007"));
        assert!(select(&page, "code a").is_empty(), "{}", out.html);
        assert!(out.html.contains("<p>Per <a class=\"xref\""), "{}", out.html);
    }

    #[test]
    fn mermaid_blocks_are_escaped_and_untouched() {
        let source = "graph LR\n  A[\"<script>alert(1)</script>\"] --> B{x & y}\n  B -.-> C\n";
        let md = format!("Intro\n\n```mermaid\n{source}```\n");
        let out = html_of(&md);
        assert!(out.has_mermaid);
        assert!(!out.has_code, "a diagram is not a code block");
        assert!(!out.html.contains("<script>"), "{}", out.html);
        let page = Html::parse_fragment(&out.html);
        let diagrams = select(&page, "pre.mermaid");
        assert_eq!(diagrams.len(), 1);
        assert_eq!(text_of(&diagrams[0]), source, "source byte for byte");
        assert!(select(&page, "pre.mermaid span").is_empty(), "never highlighted");
        assert!(out.html.contains("--&gt; B{x &amp; y}"), "{}", out.html);
    }

    #[test]
    fn code_blocks_are_wrapped_highlighted_or_plain() {
        let md = "```rust\nfn main() {}\n```\n\n```no-such-lang\n<script>x</script>\n```\n\n    indented <b>\n";
        let out = html_of(md);
        assert!(out.has_code && !out.has_mermaid);
        let page = Html::parse_fragment(&out.html);
        let blocks = select(&page, "div.code-block");
        assert_eq!(blocks.len(), 3, "{}", out.html);
        assert_eq!(blocks[0].value().attr("data-lang"), Some("rust"));
        assert!(blocks[0].html().contains("class=\"hl-"), "{}", out.html);
        assert_eq!(blocks[1].value().attr("data-lang"), Some("no-such-lang"));
        assert!(!blocks[1].html().contains("hl-"), "unknown language is plain: {}", out.html);
        assert_eq!(text_of(&select(&page, "div.code-block pre.hl code")[1]), "<script>x</script>\n");
        assert_eq!(blocks[2].value().attr("data-lang"), None);
        assert!(out.text.contains("fn main() {}") && out.text.contains("<script>x</script>"), "{}", out.text);
    }

    #[test]
    fn line_numbers_are_a_separate_column_when_asked_for() {
        let md = "```sql\nSELECT 1;\nSELECT 2;\nSELECT 3;\n```\n";
        let plain = html_of(md);
        assert!(!plain.html.contains("line-numbers"));
        let numbered = render(md, MarkdownOptions { line_numbers: true, ..Default::default() }, &OneDoc);
        let page = Html::parse_fragment(&numbered.html);
        let gutter = select(&page, "div.code-block > pre.line-numbers");
        assert_eq!(gutter.len(), 1, "{}", numbered.html);
        assert_eq!(text_of(&gutter[0]), "1\n2\n3\n");
        assert_eq!(text_of(&select(&page, "pre.hl code")[0]), "SELECT 1;\nSELECT 2;\nSELECT 3;\n");
    }

    #[test]
    fn fence_info_strings_yield_the_language_word() {
        assert_eq!(language_of("rust,ignore"), "rust");
        assert_eq!(language_of("{.python} title=x"), "python");
        assert_eq!(language_of("  ts  "), "ts");
        assert_eq!(language_of(""), "");
    }

    #[test]
    fn unclosed_code_fence_is_reported_at_its_opening_line() {
        let out = html_of("Intro\n\n```rust\nfn f() {}\n\n## Not a heading\n");
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        assert_eq!(out.notes[0].line, 3);
        assert_eq!(
            out.notes[0].message,
            "code fence opened with ``` is never closed: the rest of its block is shown as code"
        );
        assert!(out.toc.is_empty(), "the heading inside the open fence is code");
        assert!(html_of("```\nclosed\n```\n").notes.is_empty());
        assert!(html_of("- item\n\n  ```\n  code\n  ```\n").notes.is_empty());
    }

    #[test]
    fn links_above_the_site_root_are_not_live() {
        struct Nested;
        impl Xrefs for Nested {
            fn doc_link(&self, _dest: &str) -> DocLink {
                DocLink::Unresolved
            }
            fn bare_ids(&self, _text: &str) -> Vec<(Range<usize>, Xref)> {
                Vec::new()
            }
            fn leaves_site(&self, dest: &str) -> bool {
                crate::urls::climbs_out("links/page.html", dest)
            }
        }
        let out =
            render("[p](../../etc/passwd) ![i](../../x.png) [ok](../other/file.txt)\n", Default::default(), &Nested);
        assert!(!out.html.contains("etc/passwd"), "{}", out.html);
        assert!(!out.html.contains("x.png"), "{}", out.html);
        assert!(out.html.contains("href=\"../other/file.txt\""), "{}", out.html);
        assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
    }

    #[test]
    fn gfm_tables_task_lists_strikethrough_autolinks_and_footnotes_render() {
        let md = "| a | b |\n|---|:-:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~old~~ www.example.com\n\nClaim.[^1]\n\n[^1]: Source.\n";
        let out = html_of(md);
        let page = Html::parse_fragment(&out.html);
        assert_eq!(select(&page, "table td").len(), 2, "{}", out.html);
        let boxes = select(&page, "li.task-list-item input[type=checkbox][disabled]");
        assert_eq!(boxes.len(), 2, "{}", out.html);
        assert!(boxes[0].value().attr("checked").is_some() && boxes[1].value().attr("checked").is_none());
        assert_eq!(select(&page, "del").len(), 1);
        assert!(select(&page, "a").iter().any(|a| a.value().attr("href") == Some("http://www.example.com")));
        assert_eq!(select(&page, "section.footnotes li").len(), 1, "{}", out.html);
        assert_eq!(select(&page, "sup.footnote-ref a").len(), 1, "{}", out.html);
    }

    #[test]
    fn search_text_is_visible_text_with_whitespace_folded() {
        let out = html_of("## Goals\n\nFast   and\n*correct*  `code`.\n\n| x |\n|---|\n| cell |\n");
        assert_eq!(out.text, "Goals Fast and correct code. x cell");
    }

    #[test]
    fn hostile_input_renders_without_panicking() {
        let inputs = [
            "\0\u{feff}# \u{0}\n".to_string(),
            "[".repeat(10_000),
            "> ".repeat(2_000) + "x",
            "```rust\n".to_string() + &"\"".repeat(5_000),
            "# ".to_string() + &"é".repeat(1000),
            "- ".repeat(500) + "x",
        ];
        for input in &inputs {
            let out = html_of(input);
            assert!(!out.html.is_empty() || input.trim().is_empty());
        }
    }
}
