//! References in a doc's body: relative `.md` links and bare ids in prose.
//!
//! In: the Markdown body (it keeps the file's line numbering) and the configured kinds.
//! Out: [`RawRef`]s with relation `Mentions`, in document order, each with its 1-based
//! file line. Links, images and reference definitions count when their destination is
//! local: a path relative to the doc or starting with `/` (any file: a doc, a folder
//! holding one, an image), with any `#anchor` kept, or a same-page `#anchor`; absolute
//! URLs, `mailto:`, `javascript:` and other schemes are not references, nor are template
//! placeholders (`(link)`, `(url)`). The links stage decides what a path names. Bare ids (`see ADR-0007`,
//! `per PRD 40`, `adr-7`) count only in prose: never inside fenced or indented code,
//! code spans, HTML comments or blocks, URLs, or the text or destination of a link.
//!
//! This is a small hand-written Markdown lexer, not comrak (comrak lives in
//! `render/` only). It follows CommonMark's block and inline rules closely enough to
//! agree with the renderer on real documents, and runs in two linear passes: blocks
//! (which also collects link reference definitions, since a `[label]` may use a
//! definition written further down), then inlines of each paragraph. Openers that
//! close late or never (`[`, backtick runs, `<!--`, `<tag`, a link's `(`, `<` or
//! title quote) are searched for once per paragraph ([`Lookahead`]), so no run of them
//! makes a paragraph's scan quadratic.
//! Bare ids are found by one [`IdMatcher`], which the renderer also runs on comrak's
//! text nodes (one matcher per doc), so both always agree on what an id is.
//!
//! Word boundaries: an id must not touch letters, digits or path punctuation on
//! either side (`XADR-7`, `ADR-7x`, `docs/ADR-7`, `ADR-7.md`, `adr-7@x.io` are not
//! ids), and a number followed by `-digits` is a date or version (`TRD-2024-01-02`),
//! not an id. Kind and number may be joined by `-` or `_` in any case (`adr-0007`);
//! a space or no separator (`ADR 7`, `ADR0007`, `gRFC A27`) is accepted only with the
//! kind spelled as configured, and the id part of a kind whose ids start with letters
//! may stand alone in upper case (`A27`, see [`crate::ids`]). Such *loose* spellings are
//! only links when they resolve (see [`is_loose_spelling`]), because prose like
//! `RFC 2119` or `A4 paper` usually means something outside the portal.

use crate::config::Config;
use crate::ids::Kinds;
use crate::model::{RawRef, Relation};
use std::collections::HashSet;
use std::ops::Range;

/// Every body reference, with its line (1-based, in the file: the body keeps the
/// file's line numbering).
pub fn scan(body: &str, config: &Config) -> Vec<RawRef> {
    let matcher = IdMatcher::new(&config.kinds);
    let blocks = scan_blocks(body);
    let mut refs = blocks.definition_refs;
    for para in &blocks.paragraphs {
        scan_inlines(body, para, &blocks.definitions, &matcher, &mut refs);
    }
    // Definitions were collected in the block pass; restore document order.
    refs.sort_by_key(|r| r.line);
    refs
}

/// Bare ids in a run of plain text (no Markdown): byte range and canonical id.
/// URLs and e-mail addresses in the text are skipped.
pub fn find_ids_in_text(text: &str, kinds: &Kinds) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    IdMatcher::new(kinds).find(text, |range, id| out.push((range, id)));
    out
}

/// True for an id written with a space or without a separator (`RFC 2119`, `ADR0007`),
/// or without its kind (`A27`). Such a mention is a link only when it resolves;
/// unresolved, it is ordinary prose (no warning, no "unresolved" styling).
pub fn is_loose_spelling(written: &str) -> bool {
    let w = written.trim();
    let letters = w.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    !matches!(w.as_bytes().get(letters), Some(b'-' | b'_'))
}

/// Finds bare ids in plain text. Built once per scan; matching allocates only the
/// canonical id of each hit.
pub struct IdMatcher<'k> {
    kinds: &'k Kinds,
    /// Bytes an id without its kind can start with: an id part's first letter in upper case.
    bare_first: [bool; 256],
    /// By the lower-cased first byte of a kind's name: the lower-cased second bytes it
    /// can go on with, one bit per ASCII byte (all bits for a one-letter or non-ASCII
    /// name). Words starting with `th`, `to`, `an`, … are rejected on these two bytes.
    kind_second: [u128; 128],
}

impl<'k> IdMatcher<'k> {
    pub fn new(kinds: &'k Kinds) -> IdMatcher<'k> {
        let mut kind_second = [0u128; 128];
        for k in kinds.iter() {
            let name = k.as_bytes();
            let Some(&first) = name.first().filter(|b| b.is_ascii()) else { continue };
            let seconds = &mut kind_second[usize::from(first.to_ascii_lowercase())];
            match name.get(1) {
                Some(&second) if second.is_ascii() => *seconds |= 1 << second.to_ascii_lowercase(),
                _ => *seconds = u128::MAX,
            }
        }
        let mut bare_first = [false; 256];
        for b in kinds.bare_first_letters() {
            bare_first[usize::from(b)] = true;
        }
        IdMatcher { kinds, bare_first, kind_second }
    }

    /// Whether the word at `i` (its first byte an ASCII letter) can be an id.
    fn may_be_id(&self, b: &[u8], i: usize) -> bool {
        let seconds = self.kind_second[usize::from(b[i].to_ascii_lowercase() & 0x7f)];
        let kind_may_follow = match b.get(i + 1) {
            _ if seconds == u128::MAX => true,
            Some(&n) if n.is_ascii() => seconds >> n.to_ascii_lowercase() & 1 == 1,
            _ => false,
        };
        kind_may_follow || self.bare_first[usize::from(b[i])]
    }
    /// Calls `hit(range, canonical id)` for every id in `text`, left to right.
    pub fn find(&self, text: &str, mut hit: impl FnMut(Range<usize>, String)) {
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if !c.is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            let mut word_end = i + 1;
            while word_end < b.len() && b[word_end].is_ascii_alphanumeric() {
                word_end += 1;
            }
            // Cheap rejections first: this runs at every word of every doc. A URL's
            // scheme (or `www`) is a word followed by `:`, `+`, `.` or `-`.
            let may_be_url = matches!(b.get(word_end), Some(b':' | b'+' | b'.' | b'-'));
            let may_be_id = self.may_be_id(b, i);
            if !may_be_id && !may_be_url {
                i = word_end;
                continue;
            }
            if joined_before(text, i) {
                i = word_end;
                continue;
            }
            if may_be_url {
                if let Some(end) = url_end(b, i) {
                    i = end;
                    continue;
                }
            }
            if may_be_id {
                if let Some((end, id)) = self.match_at(text, i) {
                    hit(i..end, id);
                    i = end;
                    continue;
                }
            }
            i = word_end;
        }
    }

    /// An id starting exactly at `i` (already known to be a word start): a kind and its
    /// id part, else an id part that stands alone (`A27`).
    fn match_at(&self, text: &str, i: usize) -> Option<(usize, String)> {
        let b = text.as_bytes();
        for &k in self.kinds.longest_first() {
            let kind = &self.kinds[k];
            if !kind.as_bytes().first().is_some_and(|c| c.eq_ignore_ascii_case(&b[i])) {
                continue;
            }
            let k_end = i + kind.len();
            let Some(written_kind) = b.get(i..k_end) else { continue };
            if !written_kind.eq_ignore_ascii_case(kind.as_bytes()) {
                continue;
            }
            // A space or no separator only with the kind spelled as configured, and
            // then the id part's letters in upper case too (`gRFC A27`).
            let as_configured = written_kind == kind.as_bytes();
            let (part_start, exact) = match b.get(k_end) {
                Some(b'-' | b'_') => (k_end + 1, false),
                Some(b' ') if as_configured => (k_end + 1, true),
                Some(c) if c.is_ascii_alphanumeric() && as_configured => (k_end, true),
                _ => continue,
            };
            let Some((len, id)) = self.kinds.read_part(k, &b[part_start..], exact) else { continue };
            let end = part_start + len;
            if joined_after(text, end) {
                continue;
            }
            return Some((end, id));
        }
        let (_, len, id) = self.kinds.read_bare(&b[i..])?;
        (!joined_after(text, i + len)).then_some((i + len, id))
    }
}

/// Whether the character before `i` glues the word at `i` to something (a letter,
/// a path, an e-mail address). `_`, `*` and `~` count only inside a word, so that
/// emphasis like `_ADR-7_` still finds the id.
fn joined_before(text: &str, i: usize) -> bool {
    let before = &text[..i];
    let Some(prev) = before.chars().next_back() else { return false };
    if prev.is_alphanumeric() || matches!(prev, '-' | '.' | '/' | '\\' | '@' | '$' | '%' | '+' | '&' | '=') {
        return true;
    }
    if matches!(prev, '_' | '*' | '~') {
        let rest = before.trim_end_matches(['_', '*', '~']);
        return rest.chars().next_back().is_some_and(char::is_alphanumeric);
    }
    false
}

/// Whether the id ending at `end` runs on into a longer token (`ADR-7x`, `ADR-7.md`,
/// `TRD-2024-01-02`, `adr-7@x.io`).
fn joined_after(text: &str, end: usize) -> bool {
    let mut rest = text[end..].chars();
    match rest.next() {
        None => false,
        Some(c) if c.is_alphanumeric() => true,
        Some('-' | '.' | '/' | '\\' | '@' | '_' | '+') => rest.next().is_some_and(|n| n.is_alphanumeric() || n == '_'),
        Some(_) => false,
    }
}

/// End of a bare URL starting at `i` (`https://…`, `mailto:…`, `www.…`), if one starts there.
fn url_end(b: &[u8], i: usize) -> Option<usize> {
    let scheme_len = b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')).count();
    let after = &b[i + scheme_len..];
    let scheme = &b[i..i + scheme_len];
    let is_url = after.starts_with(b"://")
        || (after.first() == Some(&b':') && scheme.eq_ignore_ascii_case(b"mailto"))
        || (scheme_len >= 4 && b[i..].len() > 4 && b[i..i + 4].eq_ignore_ascii_case(b"www."));
    if !is_url {
        return None;
    }
    let len = b[i..].iter().take_while(|c| !c.is_ascii_whitespace() && **c != b'<').count();
    Some(i + len)
}

// ---------------------------------------------------------------------------------
// Block pass

/// A run of lines whose inline content is scanned: byte range in the body and the
/// 1-based line of its first byte.
struct Paragraph {
    range: Range<usize>,
    line: u32,
}

#[derive(Default)]
struct Blocks {
    paragraphs: Vec<Paragraph>,
    /// Normalised labels of link reference definitions (`[label]: dest`).
    definitions: HashSet<String>,
    /// References made by definitions whose destination is a doc.
    definition_refs: Vec<RawRef>,
}

enum BlockState {
    Normal,
    Fence {
        marker: u8,
        len: usize,
    },
    HtmlComment,
    /// Raw HTML up to a closing tag (`</pre>`, `</script>`, …) or, when `None`, a blank line.
    Html {
        until: Option<&'static str>,
    },
    FrontMatter,
}

fn scan_blocks(body: &str) -> Blocks {
    let mut out = Blocks::default();
    let mut state = BlockState::Normal;
    let mut para: Option<Paragraph> = None;
    let mut prev_blank = true;
    let mut prev_code = false;
    let mut prev_definition = false;
    let mut in_list = false;
    let mut offset = 0;
    for (n, raw_line) in body.split_inclusive('\n').enumerate() {
        let line_no = n as u32 + 1;
        let start = offset;
        offset += raw_line.len();
        let line = strip_line_end(raw_line);
        let (content, indent) = block_content(line);
        let blank = content.bytes().all(|c| c == b' ' || c == b'\t');

        match state {
            BlockState::Fence { marker, len } => {
                let run = content.bytes().take_while(|&c| c == marker).count();
                if run >= len && content[run..].trim().is_empty() {
                    state = BlockState::Normal;
                }
                continue;
            }
            BlockState::HtmlComment => {
                if line.contains("-->") {
                    state = BlockState::Normal;
                }
                continue;
            }
            BlockState::Html { until } => {
                match until {
                    Some(close) if contains_ignore_case(line, close) => state = BlockState::Normal,
                    None if blank => state = BlockState::Normal,
                    _ => {}
                }
                prev_blank = blank;
                continue;
            }
            BlockState::FrontMatter => {
                if matches!(line.trim_end(), "---" | "...") {
                    state = BlockState::Normal;
                }
                continue;
            }
            BlockState::Normal => {}
        }

        if n == 0 && line.trim_end() == "---" {
            state = BlockState::FrontMatter;
            continue;
        }
        if blank {
            flush(&mut para, &mut out);
            prev_blank = true;
            prev_definition = false;
            continue;
        }
        let in_paragraph = para.is_some();
        if indent >= 4 && !in_paragraph && !in_list && (prev_blank || prev_code) {
            prev_code = true;
            prev_blank = false;
            continue;
        }
        prev_code = false;
        let trimmed = skip_blanks(content);
        if let Some((marker, len)) = fence_open(trimmed) {
            flush(&mut para, &mut out);
            state = BlockState::Fence { marker, len };
            prev_blank = false;
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix("<!--") {
            flush(&mut para, &mut out);
            if !comment.contains("-->") {
                state = BlockState::HtmlComment;
            }
            prev_blank = false;
            continue;
        }
        if let Some(until) = html_block_start(trimmed, in_paragraph) {
            flush(&mut para, &mut out);
            state = BlockState::Html { until };
            if until.is_some_and(|close| contains_ignore_case(trimmed, close)) {
                state = BlockState::Normal;
            }
            prev_blank = false;
            continue;
        }
        if indent < 4 && (!in_paragraph || prev_definition) {
            if let Some(def) = parse_definition(trimmed) {
                out.definitions.insert(normalize_label(def.label));
                if let Some(target) = local_target(def.dest) {
                    out.definition_refs.push(mention(target, Some(def.label), line_no));
                }
                prev_definition = true;
                prev_blank = false;
                continue;
            }
        }
        prev_definition = false;
        if starts_list_item(trimmed) {
            in_list = true;
        } else if indent == 0 && prev_blank {
            in_list = false;
        }
        let end = start + line.len();
        if trimmed.starts_with('#') {
            // An ATX heading is a block of its own.
            flush(&mut para, &mut out);
            out.paragraphs.push(Paragraph { range: start..end, line: line_no });
        } else {
            match &mut para {
                Some(p) => p.range.end = end,
                None => para = Some(Paragraph { range: start..end, line: line_no }),
            }
        }
        prev_blank = false;
    }
    flush(&mut para, &mut out);
    out
}

fn flush(para: &mut Option<Paragraph>, out: &mut Blocks) {
    if let Some(p) = para.take() {
        out.paragraphs.push(p);
    }
}

fn strip_line_end(line: &str) -> &str {
    let b = line.as_bytes();
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &line[..end]
}

/// `s` without leading spaces and tabs.
fn skip_blanks(s: &str) -> &str {
    let n = s.bytes().take_while(|&c| c == b' ' || c == b'\t').count();
    &s[n..]
}

/// The line without block-quote markers, and the indentation (in columns, tabs to 4)
/// of what follows them.
fn block_content(line: &str) -> (&str, usize) {
    let mut rest = line;
    loop {
        let t = skip_blanks(rest);
        match t.strip_prefix('>') {
            Some(after) if rest.len() - t.len() <= 3 => rest = after.strip_prefix(' ').unwrap_or(after),
            _ => break,
        }
    }
    let mut cols = 0;
    for c in rest.bytes() {
        match c {
            b' ' => cols += 1,
            b'\t' => cols += 4 - cols % 4,
            _ => break,
        }
    }
    (rest, cols)
}

/// A code fence opener: at least three backticks (info string without backticks) or tildes.
fn fence_open(t: &str) -> Option<(u8, usize)> {
    let marker = *t.as_bytes().first()?;
    if marker != b'`' && marker != b'~' {
        return None;
    }
    let len = t.bytes().take_while(|&c| c == marker).count();
    if len < 3 || (marker == b'`' && t[len..].contains('`')) {
        return None;
    }
    Some((marker, len))
}

/// Tags that open an HTML block even in the middle of a paragraph (CommonMark types 1 and 6).
const HTML_BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "dialog",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Tags whose block runs to the closing tag, blank lines included.
const HTML_RAW_TAGS: &[(&str, &str)] =
    &[("pre", "</pre>"), ("script", "</script>"), ("style", "</style>"), ("textarea", "</textarea>")];

/// `Some(end marker)` when the line opens an HTML block; the marker is `None` for
/// blocks that end at a blank line.
fn html_block_start(t: &str, in_paragraph: bool) -> Option<Option<&'static str>> {
    let rest = t.strip_prefix('<')?;
    let closing = rest.starts_with('/');
    let name_part = rest.trim_start_matches('/');
    let name_len = name_part.bytes().take_while(|c| c.is_ascii_alphanumeric()).count();
    if name_len == 0 || !name_part.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let name = name_part[..name_len].to_ascii_lowercase();
    let after = name_part.as_bytes().get(name_len).copied();
    if !matches!(after, None | Some(b' ' | b'\t' | b'>' | b'/')) {
        return None; // `<http://…>` autolinks, `<a@b.c>`
    }
    if !closing {
        if let Some((_, close)) = HTML_RAW_TAGS.iter().find(|(tag, _)| *tag == name) {
            return Some(Some(close));
        }
    }
    if HTML_BLOCK_TAGS.contains(&name.as_str()) {
        return Some(None);
    }
    // Any other lone tag opens a block only outside a paragraph (CommonMark type 7).
    (!in_paragraph && t.trim_end().ends_with('>')).then_some(None)
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn starts_list_item(t: &str) -> bool {
    let b = t.as_bytes();
    if matches!(b.first(), Some(b'-' | b'*' | b'+')) {
        return matches!(b.get(1), None | Some(b' ' | b'\t'));
    }
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    (1..=9).contains(&digits)
        && matches!(b.get(digits), Some(b'.' | b')'))
        && matches!(b.get(digits + 1), None | Some(b' ' | b'\t'))
}

struct Definition<'a> {
    label: &'a str,
    dest: &'a str,
}

/// `[label]: destination "optional title"` on one line. Footnote definitions
/// (`[^1]: …`) are not link definitions: their text is prose.
fn parse_definition(t: &str) -> Option<Definition<'_>> {
    let rest = t.strip_prefix('[')?;
    let close = find_label_end(rest.as_bytes(), 0)?;
    let label = &rest[..close];
    if label.trim().is_empty() || label.starts_with('^') || is_too_long_for_a_label(label) {
        return None;
    }
    let after = rest[close + 1..].strip_prefix(':')?.trim_start();
    let dest = if let Some(inner) = after.strip_prefix('<') {
        &inner[..inner.find('>')?]
    } else {
        after.split_whitespace().next()?
    };
    Some(Definition { label, dest })
}

/// Position of the `]` closing a label that starts at `from` (after the `[`), honouring
/// backslash escapes and nested brackets.
fn find_label_end(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => depth += 1,
            b']' if depth == 0 => return Some(i),
            b']' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn normalize_label(label: &str) -> String {
    label.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

// ---------------------------------------------------------------------------------
// Inline pass

fn scan_inlines(
    body: &str,
    para: &Paragraph,
    definitions: &HashSet<String>,
    matcher: &IdMatcher,
    refs: &mut Vec<RawRef>,
) {
    let s = &body[para.range.clone()];
    let b = s.as_bytes();
    let mut ahead = Lookahead::new(b);
    let mut lines = LineCursor { text: s, pos: 0, line: para.line };
    let mut text_start = 0;
    let mut i = 0;
    while i < b.len() {
        let (end, link_ref) = match b[i] {
            b'\\' => {
                i += if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) { 2 } else { 1 };
                continue;
            }
            b'`' => match ahead.code_span_end(i) {
                Some(end) => (end, None),
                None => {
                    i += b[i..].iter().take_while(|&&c| c == b'`').count();
                    continue;
                }
            },
            b'<' => match ahead.angle_end(i) {
                Some(end) => (end, None),
                None => {
                    i += 1;
                    continue;
                }
            },
            b'!' | b'[' => {
                let bracket = if b[i] == b'!' { i + 1 } else { i };
                match (b.get(bracket) == Some(&b'[')).then(|| parse_link(s, bracket, definitions, &mut ahead)).flatten()
                {
                    // An image's source is a reference to a file (copied into the site when
                    // it exists); its text and source hide ids all the same.
                    Some(link) => {
                        let target = link.dest.and_then(local_target);
                        let _ = bracket;
                        (link.end, target.map(|t| (t, s[link.text].trim().to_string())))
                    }
                    None => {
                        i += 1;
                        continue;
                    }
                }
            }
            _ => {
                i += 1;
                continue;
            }
        };
        ids_in(s, text_start..i, matcher, &mut lines, refs);
        if let Some((target, label)) = link_ref {
            refs.push(mention(target, Some(&label), lines.line_at(i)));
        }
        i = end;
        text_start = end;
    }
    ids_in(s, text_start..b.len(), matcher, &mut lines, refs);
}

fn ids_in(s: &str, run: Range<usize>, matcher: &IdMatcher, lines: &mut LineCursor, refs: &mut Vec<RawRef>) {
    let Some(text) = s.get(run.clone()) else { return };
    matcher.find(text, |range, _| {
        let at = run.start + range.start;
        refs.push(mention(&s[at..run.start + range.end], None, lines.line_at(at)));
    });
}

/// Turns byte offsets (visited in increasing order) into file lines.
struct LineCursor<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
}

impl LineCursor<'_> {
    fn line_at(&mut self, at: usize) -> u32 {
        let at = at.min(self.text.len());
        if at > self.pos {
            self.line += self.text.as_bytes()[self.pos..at].iter().filter(|&&c| c == b'\n').count() as u32;
            self.pos = at;
        }
        self.line
    }
}

/// What the inline scan of one paragraph has learnt about the text ahead, so that an
/// opener that never closes (a run of `[`, backtick runs without a partner, `<!--`
/// without `-->`, `[a](` without a `)` or a space) costs one search of the rest of the
/// paragraph, not one per opener: a paragraph of 100,000 `[` took 4 s to scan. Every
/// answer is the one the plain search ([`code_span_end`], [`angle_end`],
/// [`find_text_end`], [`find_label_end`], [`destination_end`], [`title_end`]) gives;
/// only the work differs.
struct Lookahead<'a> {
    b: &'a [u8],
    /// By backtick run length: a position from which no closing run of that length
    /// follows (the earliest seen).
    no_code_close: Vec<(usize, usize)>,
    /// A position from which no `-->` follows.
    no_comment_close: Option<usize>,
    /// A position from which neither `>` nor `<` follows.
    no_angle_close: Option<usize>,
    /// The last search for the end of a `<destination>`: where it started, and the
    /// `>` or line break it found (`None`: neither follows). Any start between the two
    /// finds the same.
    angle_destination_seen: Option<(usize, Option<usize>)>,
    /// By closer (`"`, `'`, `)`): the last search for a title's end, as (start, end).
    title_seen: [Option<(usize, usize)>; 3],
    /// Where the destination after each `(` ends, worked out in one pass on first use.
    destination_ends: Option<Closers>,
    /// By [`Bracketed`]: the `]` closing each `[` of the paragraph, worked out in one
    /// pass on the first search.
    closers: [Option<Closers>; 2],
}

/// For each position of a paragraph: [`Closers::NOT_OPENER`] unless the one-pass scan
/// met a `[` there; then the position of its `]`, or [`Closers::UNCLOSED`].
struct Closers(Vec<u32>);

impl Closers {
    const NOT_OPENER: u32 = u32::MAX;
    const UNCLOSED: u32 = u32::MAX - 1;

    /// Pairs every `[` with its `]` the way a search from just after it would: escapes
    /// skip a byte, nested brackets count, and with `code_spans` a code span (or an
    /// unmatched backtick run) is passed over whole.
    fn of(ahead: &mut Lookahead, code_spans: bool) -> Closers {
        let b = ahead.b;
        Closers::paired(b, |k| match b[k] {
            b'\\' => (Pairing::Other, k + 2),
            b'`' if code_spans => {
                let run = b[k..].iter().take_while(|&&c| c == b'`').count();
                (Pairing::Other, ahead.code_span_end(k).unwrap_or(k + run))
            }
            b'[' => (Pairing::Open, k + 1),
            b']' => (Pairing::Close, k + 1),
            _ => (Pairing::Other, k + 1),
        })
    }

    /// For every `(` of a paragraph, where the destination right after it ends
    /// ([`destination_end`]): its balancing `)`, or the first whitespace or control
    /// character after it, or the paragraph's end ([`Closers::UNCLOSED`]).
    fn destination_ends(b: &[u8]) -> Closers {
        Closers::paired(b, |k| match b[k] {
            b'\\' if b.get(k + 1).is_some_and(u8::is_ascii_punctuation) => (Pairing::Other, k + 2),
            b'(' => (Pairing::Open, k + 1),
            b')' => (Pairing::Close, k + 1),
            c if ends_a_destination(c) => (Pairing::Break, k + 1),
            _ => (Pairing::Other, k + 1),
        })
    }

    /// One pass over `b`, pairing openers with closers on a stack; `token` says what
    /// the byte at a position is and where the scan goes next.
    fn paired(b: &[u8], mut token: impl FnMut(usize) -> (Pairing, usize)) -> Closers {
        let mut out = vec![Closers::NOT_OPENER; b.len()];
        let mut open = Vec::new();
        let mut k = 0;
        while k < b.len() {
            let (what, next) = token(k);
            match what {
                Pairing::Open => {
                    out[k] = Closers::UNCLOSED;
                    open.push(k);
                }
                Pairing::Close => {
                    if let Some(opener) = open.pop() {
                        out[opener] = k as u32;
                    }
                }
                Pairing::Break => {
                    for opener in open.drain(..) {
                        out[opener] = k as u32;
                    }
                }
                Pairing::Other => {}
            }
            k = next;
        }
        Closers(out)
    }

    /// The answer for a `[` at `at`, when the scan met one there.
    fn close_of(&self, at: usize) -> Option<Option<usize>> {
        match self.0.get(at).copied()? {
            Closers::NOT_OPENER => None,
            Closers::UNCLOSED => Some(None),
            close => Some(Some(close as usize)),
        }
    }
}

impl<'a> Lookahead<'a> {
    /// Paragraphs shorter than this are searched plainly: even all-brackets, a few
    /// million steps at most.
    const SHORT: usize = 2048;

    fn new(b: &'a [u8]) -> Lookahead<'a> {
        Lookahead {
            b,
            no_code_close: Vec::new(),
            no_comment_close: None,
            no_angle_close: None,
            angle_destination_seen: None,
            title_seen: [None; 3],
            destination_ends: None,
            closers: [None, None],
        }
    }

    /// Whether bracket searches go through [`Closers`] (which numbers positions in `u32`).
    fn is_long(&self) -> bool {
        (Self::SHORT..Closers::UNCLOSED as usize).contains(&self.b.len())
    }

    /// [`code_span_end`], remembering runs that found no partner.
    fn code_span_end(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        let n = b[i..].iter().take_while(|&&c| c == b'`').count();
        // The search starts after the whole run, never inside another run, so one
        // that found nothing from `from` finds nothing from any later start either.
        let from = i + n;
        if self.no_code_close.iter().any(|&(len, at)| len == n && from >= at) {
            return None;
        }
        let end = code_span_end(b, i);
        if end.is_none() {
            match self.no_code_close.iter_mut().find(|(len, _)| *len == n) {
                Some(known) => known.1 = known.1.min(from),
                None => self.no_code_close.push((n, from)),
            }
        }
        end
    }

    /// [`angle_end`], remembering where `-->`, `>` and `<` no longer occur.
    fn angle_end(&mut self, i: usize) -> Option<usize> {
        let rest = &self.b[i..];
        let comment = rest.starts_with(b"<!--");
        let tag = !comment && rest.get(1).is_some_and(|&c| c.is_ascii_alphabetic() || c == b'/');
        let passed = |known: Option<usize>| known.is_some_and(|at| i >= at);
        if (comment && passed(self.no_comment_close)) || (tag && passed(self.no_angle_close)) {
            return None;
        }
        let end = angle_end(self.b, i);
        if end.is_none() {
            // A comment fails only when no `-->` follows; a tag also when a `<` comes
            // before its `>`, which says nothing about later tags.
            if comment {
                self.no_comment_close = Some(i);
            } else if tag && !rest[1..].iter().any(|&c| c == b'>' || c == b'<') {
                self.no_angle_close = Some(i);
            }
        }
        end
    }

    /// [`find_text_end`] for the link text after the `[` at `open`.
    fn text_end(&mut self, open: usize) -> Option<usize> {
        self.close_of(open, Bracketed::Text).unwrap_or_else(|| find_text_end(self.b, open + 1))
    }

    /// [`find_label_end`] for the label after the `[` at `open`.
    fn label_end(&mut self, open: usize) -> Option<usize> {
        self.close_of(open, Bracketed::Label).unwrap_or_else(|| find_label_end(self.b, open + 1))
    }

    /// The `]` of the `[` at `open` from the paragraph's [`Closers`] (made on first use),
    /// or `None` when the paragraph is short or the one-pass scan met no `[` there.
    fn close_of(&mut self, open: usize, what: Bracketed) -> Option<Option<usize>> {
        if !self.is_long() {
            return None;
        }
        if self.closers[what as usize].is_none() {
            self.closers[what as usize] = Some(Closers::of(self, what == Bracketed::Text));
        }
        self.closers[what as usize].as_ref()?.close_of(open)
    }
}

impl Lookahead<'_> {
    /// The length of a `<destination>` whose text starts at `from`: up to the first `>`
    /// or line break, `None` when neither follows.
    fn angle_destination_len(&mut self, from: usize) -> Option<usize> {
        let found = match self.angle_destination_seen {
            Some((start, found)) if start <= from && found.is_none_or(|at| from <= at) => found,
            _ => {
                let found = self.b[from..].iter().position(|&c| c == b'>' || c == b'\n').map(|len| from + len);
                self.angle_destination_seen = Some((from, found));
                found
            }
        };
        found.map(|at| at - from)
    }

    /// [`destination_end`] for a destination right after the `(` at `open`, from the
    /// paragraph's one-pass pairing of parentheses; `None` when the paragraph is short.
    fn destination_end(&mut self, open: usize) -> Option<usize> {
        if !self.is_long() {
            return None;
        }
        let len = self.b.len();
        let ends = self.destination_ends.get_or_insert_with(|| Closers::destination_ends(self.b));
        // Every `(` is met by the pairing: only a backslash could hide one, and the
        // caller's `(` follows a `]`.
        Some(ends.close_of(open)?.unwrap_or(len))
    }

    /// [`title_end`], remembering each closer's last search.
    fn title_end(&mut self, from: usize, closer: u8) -> usize {
        let slot = match closer {
            b'"' => 0,
            b'\'' => 1,
            _ => 2,
        };
        // A title starts after its quote, never on a byte an earlier search skipped as
        // escaped, so a start between an earlier search's start and end finds that end.
        match self.title_seen[slot] {
            Some((start, end)) if start <= from && from <= end => end,
            _ => {
                let end = title_end(self.b, from, closer);
                self.title_seen[slot] = Some((from, end));
                end
            }
        }
    }
}

/// A byte as [`Closers::paired`] sees it: an opener, a closer, a byte that ends every
/// open pair (a destination stops at whitespace), or anything else.
enum Pairing {
    Open,
    Close,
    Break,
    Other,
}

/// What a `[` opens: link text, where code spans hide brackets, or a reference label.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bracketed {
    Text = 0,
    Label = 1,
}

/// End of the code span opening at `i`, or `None` when the backtick run has no
/// closing run of the same length (then the whole run is literal text).
fn code_span_end(b: &[u8], i: usize) -> Option<usize> {
    let n = b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut j = i + n;
    while j < b.len() {
        if b[j] == b'`' {
            let m = b[j..].iter().take_while(|&&c| c == b'`').count();
            if m == n {
                return Some(j + m);
            }
            j += m;
        } else {
            j += 1;
        }
    }
    None
}

/// End of an HTML comment, inline tag or autolink opening at `i`.
fn angle_end(b: &[u8], i: usize) -> Option<usize> {
    let rest = &b[i..];
    if rest.starts_with(b"<!--") {
        let close = rest[4..].windows(3).position(|w| w == b"-->")?;
        return Some(i + 4 + close + 3);
    }
    let first = *rest.get(1)?;
    if !(first.is_ascii_alphabetic() || first == b'/') {
        return None;
    }
    let close = rest.iter().skip(1).position(|&c| c == b'>' || c == b'<')? + 1;
    (rest[close] == b'>').then_some(i + close + 1)
}

struct LinkParse {
    /// Byte range of the link text.
    text: Range<usize>,
    /// Destination of an inline link; `None` for reference links (their definition
    /// was already counted).
    dest: Option<String>,
    end: usize,
}

/// A link whose `[` is at `i`: inline `[text](dest "title")`, full `[text][label]`,
/// collapsed `[label][]` or shortcut `[label]` with a known definition.
fn parse_link(s: &str, i: usize, definitions: &HashSet<String>, ahead: &mut Lookahead) -> Option<LinkParse> {
    let b = s.as_bytes();
    let close = ahead.text_end(i)?;
    let text = i + 1..close;
    let after = close + 1;
    if b.get(after) == Some(&b'(') {
        if let Some((dest, end)) = inline_destination(s, after + 1, ahead) {
            return Some(LinkParse { text, dest: Some(dest), end });
        }
    }
    if b.get(after) == Some(&b'[') {
        if let Some(label_close) = ahead.label_end(after) {
            let label = &s[after + 1..label_close];
            let key = if label.trim().is_empty() { &s[text.clone()] } else { label };
            if is_defined(definitions, key) {
                return Some(LinkParse { text, dest: None, end: label_close + 1 });
            }
        }
    }
    is_defined(definitions, &s[text.clone()]).then_some(LinkParse { text, dest: None, end: after })
}

/// Whether `label` names a link reference definition. CommonMark (and comrak) take no
/// label longer than 999 characters, which also keeps nested brackets from normalising
/// ever longer texts over and over.
fn is_defined(definitions: &HashSet<String>, label: &str) -> bool {
    !is_too_long_for_a_label(label) && definitions.contains(&normalize_label(label))
}

fn is_too_long_for_a_label(label: &str) -> bool {
    const LONGEST_LABEL: usize = 999;
    label.len() > 4 * LONGEST_LABEL || label.chars().count() > LONGEST_LABEL
}

/// Like [`find_label_end`], but code spans inside link text hide their brackets.
fn find_text_end(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'`' => {
                if let Some(end) = code_span_end(b, i) {
                    i = end;
                    continue;
                }
                i += b[i..].iter().take_while(|&&c| c == b'`').count();
                continue;
            }
            b'[' => depth += 1,
            b']' if depth == 0 => return Some(i),
            b']' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Destination (unescaped) and end of `dest "title")` starting at `i` (after the `(`).
fn inline_destination(s: &str, i: usize, ahead: &mut Lookahead) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut j = i + b[i..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    // Unescaped only once the link is known to close: a failed attempt must not cost
    // the length of a destination that runs to the paragraph's end.
    let dest;
    if b.get(j) == Some(&b'<') {
        let len = ahead.angle_destination_len(j + 1)?;
        if b[j + 1 + len] != b'>' {
            return None;
        }
        dest = j + 1..j + 1 + len;
        j += len + 2;
    } else {
        let start = j;
        // Right after the `(`, the paragraph's one-pass pairing knows where it stops.
        j = (j == i).then(|| ahead.destination_end(i - 1)).flatten().unwrap_or_else(|| destination_end(b, j));
        dest = start..j;
    }
    j += b[j..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    if let Some(&quote @ (b'"' | b'\'' | b'(')) = b.get(j) {
        let closer = if quote == b'(' { b')' } else { quote };
        j = (ahead.title_end(j + 1, closer) + 1).min(b.len());
        j += b[j..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    }
    (b.get(j) == Some(&b')')).then(|| (unescape(&s[dest]), j + 1))
}

/// Where a destination written without `<>` and starting at `j` ends: at whitespace, a
/// control character or the `)` that balances its parentheses (escapes skip a byte).
fn destination_end(b: &[u8], mut j: usize) -> usize {
    let mut depth = 0usize;
    while j < b.len() {
        match b[j] {
            b'\\' if b.get(j + 1).is_some_and(u8::is_ascii_punctuation) => j += 1,
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            c if ends_a_destination(c) => break,
            _ => {}
        }
        j += 1;
    }
    j
}

fn ends_a_destination(c: u8) -> bool {
    c.is_ascii_whitespace() || c.is_ascii_control()
}

/// The position of a link title's `closer` from `k` on (a backslash skips the byte
/// after it), or a position at or past the end when there is none.
fn title_end(b: &[u8], mut k: usize, closer: u8) -> usize {
    while k < b.len() && b[k] != closer {
        k += if b[k] == b'\\' { 2 } else { 1 };
    }
    k
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_punctuation) {
            continue;
        }
        out.push(c);
    }
    out
}

/// The destination when it may name a doc: a `.md` / `.markdown` path, a folder (a
/// path ending in `/` or whose last segment has no extension, which names the doc
/// inside it), relative or from the root (`/`), query and `#anchor` allowed; or a
/// same-page `#anchor`. Absolute URLs, `//host` links, any scheme (`mailto:`,
/// `javascript:`) and links to other files (`x.png`) are not doc links.
pub fn doc_link_target<S: AsRef<str>>(dest: S) -> Option<S> {
    let d = dest.as_ref().trim();
    if d.is_empty() || d.starts_with("//") || has_scheme(d) {
        return None;
    }
    if d.starts_with('#') {
        return (d.len() > 1).then_some(dest);
    }
    let path = d.split(['#', '?']).next().unwrap_or(d).to_ascii_lowercase();
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let is_folder = path.ends_with('/') || !last.contains('.') || last == "..";
    (path.ends_with(".md") || path.ends_with(".markdown") || (is_folder && !path.is_empty())).then_some(dest)
}

/// The destination when it is local to the repository: no scheme, not `//host`, not
/// empty and not a template placeholder. Docs, folders and other files alike.
pub fn local_target<S: AsRef<str>>(dest: S) -> Option<S> {
    let d = dest.as_ref().trim();
    if d.is_empty() || d.starts_with("//") || has_scheme(d) || d == "#" {
        return None;
    }
    let placeholder = matches!(d.to_ascii_lowercase().as_str(), "link" | "url" | "todo" | "tbd" | "path" | "...")
        || d.contains(['{', '}', '[', ']', '<', '>']);
    (!placeholder).then_some(dest)
}

/// `scheme:` at the start (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`), or
/// any `:` in the first segment: RFC 3986 forbids it in a relative path, and browsers
/// read `jav&#x09;ascript:` (an entity or tab inside the scheme) as a scheme too.
pub fn has_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    let n = b.iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')).count();
    // `&#x09;` is a character reference, not a fragment.
    let unreferenced = s.replace("&#", "&");
    let first_segment = unreferenced.split(['/', '?', '#']).next().unwrap_or("");
    (n >= 1 && b[0].is_ascii_alphabetic() && b.get(n) == Some(&b':')) || first_segment.contains(':')
}

fn mention(target: impl AsRef<str>, label: Option<&str>, line: u32) -> RawRef {
    RawRef {
        relation: Relation::Mentions,
        target: target.as_ref().trim().to_string(),
        label: label.map(str::to_string),
        line: Some(line),
        field: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config() -> Config {
        Config::default_at(Path::new("/p"))
    }

    fn kinds() -> Kinds {
        config().kinds
    }

    fn ids(text: &str) -> Vec<String> {
        find_ids_in_text(text, &kinds()).into_iter().map(|(_, id)| id).collect()
    }

    fn targets(body: &str) -> Vec<(String, u32)> {
        scan(body, &config()).into_iter().map(|r| (r.target, r.line.unwrap_or(0))).collect()
    }

    #[test]
    fn bare_ids_in_every_spelling_are_found_with_ranges() {
        let text = "see ADR-0007, per PRD 40 and adr-7; also TRD_101 (SPEC-3).";
        let found = find_ids_in_text(text, &kinds());
        let written: Vec<&str> = found.iter().map(|(r, _)| &text[r.clone()]).collect();
        assert_eq!(written, ["ADR-0007", "PRD 40", "adr-7", "TRD_101", "SPEC-3"]);
        let canon: Vec<&str> = found.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(canon, ["ADR-0007", "PRD-0040", "ADR-0007", "TRD-0101", "SPEC-0003"]);
    }

    #[test]
    fn word_boundaries_reject_glued_ids() {
        for text in
            ["XADR-7", "ADR-7x", "ADR-7.md", "docs/ADR-7", "TRD-2024-01-02", "adr-7@x.io", "foo_ADR-7", "ADR-1234567"]
        {
            assert_eq!(ids(text), Vec::<String>::new(), "{text}");
        }
        for text in ["ADR-7.", "(ADR-7)", "ADR-7's", "_ADR-7_", "**ADR-7**:", "“ADR-7”", "—ADR-7"] {
            assert_eq!(ids(text), ["ADR-0007"], "{text}");
        }
    }

    #[test]
    fn lower_case_ids_need_a_hyphen_or_underscore() {
        assert_eq!(ids("the spec 2 weeks ago, adr 7, Adr7"), Vec::<String>::new());
        assert_eq!(ids("Adr-7"), ["ADR-0007"]);
        assert_eq!(ids("ADR0007"), ["ADR-0007"]);
    }

    #[test]
    fn loose_spellings_are_told_apart() {
        assert!(is_loose_spelling("RFC 2119"));
        assert!(is_loose_spelling("ADR0007"));
        assert!(!is_loose_spelling("ADR-7"));
        assert!(!is_loose_spelling("adr_0007"));
    }

    #[test]
    fn urls_hide_ids() {
        assert_eq!(ids("https://x.io/ADR-7 and www.x.io/ADR-8 mailto:ADR-9@x.io but ADR-10"), ["ADR-0010"]);
    }

    #[test]
    fn longest_kind_wins() {
        let kinds: Kinds = ["SP", "SPEC"].into_iter().collect();
        let found = find_ids_in_text("SPEC-4 SP-5", &kinds);
        let canon: Vec<&str> = found.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(canon, ["SPEC-0004", "SP-0005"]);
    }

    fn grpc_config() -> Config {
        let text = "[portal]\nkinds = [\"gRFC\", \"EIP\"]\n[portal.kind.gRFC]\nid = \"[AGLP]{n}\"\n[portal.kind.EIP]\nid = \"{n}\"\n";
        crate::config::from_str(Path::new("/p"), text).unwrap().0
    }

    #[test]
    fn kind_patterns_find_letter_ids_with_and_without_the_kind() {
        let kinds = grpc_config().kinds;
        let text = "Per gRFC A27, A28 and grfc-l5 (also gRFC-P4), see EIP-20; not a27, A4-paper, gRFC 27 or GRFC 9.";
        let found = find_ids_in_text(text, &kinds);
        let written: Vec<&str> = found.iter().map(|(r, _)| &text[r.clone()]).collect();
        assert_eq!(written, ["gRFC A27", "A28", "grfc-l5", "gRFC-P4", "EIP-20"]);
        let canon: Vec<&str> = found.iter().map(|(_, id)| id.as_str()).collect();
        assert_eq!(canon, ["gRFC-A27", "gRFC-A28", "gRFC-L5", "gRFC-P4", "EIP-20"]);
        assert!(is_loose_spelling("A27") && is_loose_spelling("gRFC A27") && !is_loose_spelling("gRFC-A27"));
    }

    #[test]
    fn kind_pattern_ids_in_links_and_code_are_not_prose() {
        let body = "See [A27](A27-xds.md), `A28`, and [gRFC A29][a29] then A30.\n\n[a29]: A29-x.md\n";
        let found: Vec<String> = scan(body, &grpc_config()).into_iter().map(|r| r.target).collect();
        assert_eq!(found, ["A27-xds.md", "A30", "A29-x.md"], "in line order; the definition is on line 3");
    }

    #[test]
    fn non_ascii_text_is_handled_on_char_boundaries() {
        assert_eq!(ids("Übersicht ADR-7 ünd ÄDR-8 日本ADR-9"), ["ADR-0007"]);
    }

    #[test]
    fn relative_md_links_are_found_with_anchor_and_label() {
        let body = "Intro [the PRD](../prd/x.md#goals) and [ref][r].\n\n[r]: ./y.md\n";
        let refs = scan(body, &config());
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].target, "../prd/x.md#goals");
        assert_eq!(refs[0].label.as_deref(), Some("the PRD"));
        assert_eq!(refs[0].line, Some(1));
        assert_eq!(refs[0].relation, Relation::Mentions);
        assert_eq!(refs[1].target, "./y.md");
        assert_eq!(refs[1].line, Some(3));
    }

    #[test]
    fn absolute_links_are_ignored_and_local_files_kept() {
        let body = "[a](https://x.io/a.md) [b](mailto:x@y.md) [c](javascript:alert(1)) [d](//h/x.md) \
                    [e](img.png) [f](x.md?plain=1) [g](<with space.md>) [h](#local) [i](link) [j](#)";
        let expected = [("img.png", 1), ("x.md?plain=1", 1), ("with space.md", 1), ("#local", 1)];
        assert_eq!(targets(body), expected.map(|(t, l)| (t.to_string(), l)));
    }

    #[test]
    fn doc_links_include_folders_and_rooted_paths_but_not_other_files() {
        for d in ["x.md", "../1672-endpoints", "../1672-endpoints/", "/keps/sig-x/1-y", "/a/b.md#c", "#top"] {
            assert!(doc_link_target(d).is_some(), "{d}");
        }
        for d in ["img.png", "../a/diagram.svg", "https://x.io/a", "//h/x", ""] {
            assert!(doc_link_target(d).is_none(), "{d}");
        }
    }

    #[test]
    fn link_text_and_destination_hide_ids() {
        let body =
            "[ADR-7](https://x.io/ADR-8) and [see ADR-9][d] and ![ADR-10](ADR-11.png) but ADR-12\n\n[d]: ../x.md\n";
        let expected = [("ADR-11.png", 1), ("ADR-12", 1), ("../x.md", 3)];
        assert_eq!(targets(body), expected.map(|(t, l)| (t.to_string(), l)), "the image is a file reference");
    }

    #[test]
    fn code_spans_blocks_and_comments_hide_ids() {
        let body = "\
Use `ADR-1` or ``x ADR-2 ` y`` here, ADR-3.
<!-- ADR-4 -->
```text
ADR-5
```

    ADR-6 indented code

<!--
ADR-7
-->
~~~~
ADR-8
~~~
still code ADR-9
~~~~
> ```
> ADR-10
> ```
<div>
ADR-11
</div>

<pre>

ADR-12
</pre>
after ADR-13 <span title=\"ADR-14\">x</span>
";
        assert_eq!(targets(body), [("ADR-3".to_string(), 1), ("ADR-13".to_string(), 28)]);
    }

    #[test]
    fn list_continuations_are_not_indented_code() {
        let body = "- item\n\n    continued ADR-1\n\npara\n\n    code ADR-2\n";
        assert_eq!(targets(body), [("ADR-1".to_string(), 3)]);
    }

    #[test]
    fn unmatched_backticks_are_literal() {
        assert_eq!(targets("a ` ADR-1 and ADR-2"), [("ADR-1".to_string(), 1), ("ADR-2".to_string(), 1)]);
    }

    #[test]
    fn lines_are_file_lines_across_multi_line_paragraphs() {
        let body = "\n\nfirst line\nsecond ADR-1 [x](\na.md)\n# Head ADR-2\n";
        assert_eq!(targets(body), [("ADR-1".to_string(), 4), ("a.md".into(), 4), ("ADR-2".into(), 6)]);
    }

    #[test]
    fn shortcut_references_hide_ids_only_when_defined() {
        let body = "[ADR-1] and [ADR-2]\n\n[adr-1]: ../adr/one.md\n";
        assert_eq!(targets(body), [("ADR-2".to_string(), 1), ("../adr/one.md".into(), 3)]);
    }

    #[test]
    fn footnotes_are_prose() {
        let body = "Text[^1].\n\n[^1]: See ADR-4.\n";
        assert_eq!(targets(body), [("ADR-4".to_string(), 3)]);
    }

    #[test]
    fn front_matter_left_in_the_body_is_skipped() {
        let body = "---\nsupersedes: ADR-1\n---\nBody ADR-2\n";
        assert_eq!(targets(body), [("ADR-2".to_string(), 4)]);
    }

    #[test]
    fn escaped_brackets_are_text() {
        assert_eq!(targets(r"\[ADR-1\](x.md)"), [("ADR-1".to_string(), 1)]);
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use std::path::Path;

    /// Markdown-significant pieces, multi-byte chars and id fragments, glued at random.
    const PIECES: &[&str] = &[
        "[", "]", "(", ")", "<", ">", "`", "``", "```", "~~~", "\\", "!", "#", "*", "_", "-", ".", "/", "@", ":", "\n",
        "\n\n", "    ", "\t", "> ", "- ", "1. ", "<!--", "-->", "http://", "www.", "ADR", "ADR-", "adr_", "7", "0007",
        " ", "x.md", "#a", "\"", "'", "é", "日本", "—", "\u{200b}", "[^1]: ", "[l]: ", "<div>", "</pre>",
    ];

    /// `count` of `pieces` glued together, chosen by xorshift64 from `state`:
    /// deterministic, no dependency.
    fn glued(state: &mut u64, pieces: &[&str], count: usize) -> String {
        let mut text = String::new();
        for _ in 0..count {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            text.push_str(pieces[(*state % pieces.len() as u64) as usize]);
        }
        text
    }

    #[test]
    fn scanning_arbitrary_markdown_never_panics() {
        let config = Config::default_at(Path::new("/p"));
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let text = glued(&mut state, PIECES, 40);
            for r in scan(&text, &config) {
                assert!(r.line.is_some_and(|l| l as usize <= text.lines().count() + 1), "{text:?}");
            }
            for (range, _) in find_ids_in_text(&text, &config.kinds) {
                assert!(text.get(range).is_some());
            }
        }
    }

    /// Every answer of the paragraph's look-ahead memory is the plain search's, asked in
    /// any order, on text dense with openers that close late, never, or in code spans.
    #[test]
    fn the_lookahead_memory_answers_exactly_as_the_plain_searches() {
        const OPENERS: &[&str] = &[
            "[", "[", "]", "`", "``", "\\", "a", " ", "<", ">", "<a", "<!--", "-->", "!", "(", ")", "é", "\n", "](",
            "](<", "\"", "'", "\t", "\\)",
        ];
        let mut state: u64 = 0x0123_4567_89ab_cdef;
        let mut openers = 0;
        for _ in 0..60 {
            // Long enough for bracket searches to go through the paragraph's closers.
            let mut text = String::new();
            while text.len() < Lookahead::SHORT {
                text.push_str(&glued(&mut state, OPENERS, 40));
            }
            let b = text.as_bytes();
            let mut ahead = Lookahead::new(b);
            // Far positions first, so a memory made by a late search is used early too.
            let mut positions: Vec<usize> = (0..b.len()).collect();
            positions.rotate_left(b.len() / 2);
            for &i in &positions {
                if let Some(closer) = i.checked_sub(1).and_then(|q| match b[q] {
                    b'"' | b'\'' => Some(b[q]),
                    b'(' => Some(b')'),
                    _ => None,
                }) {
                    let (remembered, plain) = (ahead.title_end(i, closer), title_end(b, i, closer));
                    assert_eq!(remembered.min(b.len()), plain.min(b.len()), "title of {text:?} at {i}");
                }
                match b[i] {
                    b'`' => assert_eq!(ahead.code_span_end(i), code_span_end(b, i), "{text:?} at {i}"),
                    b'<' => {
                        assert_eq!(ahead.angle_end(i), angle_end(b, i), "{text:?} at {i}");
                        let plain = b[i + 1..].iter().position(|&c| c == b'>' || c == b'\n');
                        assert_eq!(ahead.angle_destination_len(i + 1), plain, "<destination> of {text:?} at {i}");
                    }
                    b'(' if i > 0 && b[i - 1] == b']' => {
                        let end = ahead.destination_end(i);
                        assert_eq!(end, Some(destination_end(b, i + 1)), "destination of {text:?} at {i}");
                    }
                    b'[' => {
                        assert_eq!(ahead.text_end(i), find_text_end(b, i + 1), "text of {text:?} at {i}");
                        assert_eq!(ahead.label_end(i), find_label_end(b, i + 1), "label of {text:?} at {i}");
                        let answered = |c: &Option<Closers>| c.as_ref().and_then(|c| c.close_of(i)).is_some();
                        openers += usize::from(ahead.closers.iter().all(answered));
                    }
                    _ => {}
                }
            }
        }
        assert!(openers > 1_500, "only {openers} brackets were checked");
    }

    /// Long paragraphs scan through the look-ahead memory and short ones plainly: both
    /// find the same references in the same text.
    #[test]
    fn a_long_paragraph_yields_the_references_its_pieces_yield_alone() {
        let config = Config::default_at(Path::new("/p"));
        let piece = "See [ADR-1](../adr/one.md), [x] `[ADR-2` and ADR-3 [[y]](b.md) <a href=\"c\">ADR-4</a> [l]. ";
        let body = format!("{}\n\n[l]: ../adr/two.md\n", piece.repeat(60));
        assert!(body.len() > 2 * Lookahead::SHORT);
        let found: Vec<String> = scan(&body, &config).into_iter().map(|r| r.target).collect();
        let one: Vec<String> =
            scan(&format!("{piece}\n\n[l]: ../adr/two.md\n"), &config).into_iter().map(|r| r.target).collect();
        let (definition, per_piece): (Vec<String>, Vec<String>) = one.into_iter().partition(|t| t == "../adr/two.md");
        assert_eq!(definition.len(), 1);
        assert!(per_piece.len() >= 4, "{per_piece:?}");
        let expected: Vec<String> = std::iter::repeat_n(per_piece, 60).flatten().chain(definition).collect();
        assert_eq!(found, expected);
    }

    /// Openers that never close are searched for once per paragraph, not once each: at
    /// one search per opener, each of these megabyte paragraphs would take hours.
    #[test]
    fn paragraphs_of_unclosed_openers_are_scanned_in_one_pass() {
        let config = Config::default_at(Path::new("/p"));
        for opener in ["[", "[a][", "<!--", "<a", "`` ` ", "[[b]", "![", "[`", "[a](", "[a](<x", "[a](x (", "[a](x \""]
        {
            let body = format!("{} ADR-7\n", opener.repeat(1_000_000 / opener.len()));
            let found: Vec<String> = scan(&body, &config).into_iter().map(|r| r.target).collect();
            assert!(found.len() <= 1, "{opener}: {found:?}");
        }
    }

    /// Regression guard for the two-byte filter: a word it turns away is never an id,
    /// with the default kinds, a one-letter kind, a non-ASCII one, and ids of letters.
    #[test]
    fn words_the_two_byte_filter_rejects_never_read_as_ids() {
        const WORDS: &[&str] = &[
            "the ", "to ", "A", "A-", "a_", "SP", "sp-", "SPEC", "Ü", "Üx-", "gRFC", "grfc-", "GRFC ", "A27", "L5",
            "EIP", "eip_", "ADR", "adr-", "TRD ", "Trd0", "7", "0007", "27", " ", "-", "_", ".", "é", "\n",
        ];
        let grpc = "[portal]\nkinds = [\"gRFC\", \"EIP\"]\n[portal.kind.gRFC]\nid = \"[AGLP]{n}\"\n";
        let configs: [Kinds; 3] = [
            Config::default_at(Path::new("/p")).kinds,
            ["A", "SP", "SPEC", "Üx"].into_iter().collect(),
            crate::config::from_str(Path::new("/p"), grpc).unwrap().0.kinds,
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut checked = 0;
        for _ in 0..4000 {
            let text = glued(&mut state, WORDS, 12);
            let b = text.as_bytes();
            for kinds in &configs {
                let matcher = IdMatcher::new(kinds);
                for i in (0..b.len()).filter(|&i| b[i].is_ascii_alphabetic()) {
                    if !matcher.may_be_id(b, i) {
                        checked += 1;
                        assert_eq!(matcher.match_at(&text, i), None, "{text:?} at {i}");
                    }
                }
            }
        }
        assert!(checked > 10_000, "the filter turned away only {checked} words");
    }
}
