//! The Markdown header of a doc: its title H1 and the metadata written in the body
//! (`| **Field** | Value |` tables, `**Key:** value` lines, `## Document Information`,
//! `**Related Documents:**` lists, adr-tools `## Status` sections).
//!
//! Input: the file's lines and where the body starts (after front-matter). Output: the
//! fields found, the title line, and which lines were consumed into the metadata card.
//! Metadata is only looked for in the *header zone*: from the top down to the first
//! heading that is not a metadata heading (or a `---` rule closing the header block), so
//! `**Purpose:** …` lines deep in a spec are never mistaken for metadata. Lines inside
//! fenced code blocks and HTML comments are never metadata. A block is consumed whole or
//! not at all: a run of key lines counts only if it names at least one known field.

use super::fields::{classify, fold_label, is_metadata_heading, Key, RawField};
use super::lines::Lines;

/// The title heading found in the header zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleLine {
    /// 0-based index of the heading's first line.
    pub first: usize,
    /// 0-based index of its last line (the `===` underline of a setext heading).
    pub last: usize,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct HeaderScan {
    pub fields: Vec<RawField>,
    pub title: Option<TitleLine>,
    /// A thematic break right after the header block: `(rule, previous non-blank line)`.
    /// Blanked when that previous line ends up consumed.
    pub rule: Option<(usize, usize)>,
}

/// A `label: value` line in one of its spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyLine<'a> {
    label: &'a str,
    value: &'a str,
    bold: bool,
}

struct Section {
    heading: usize,
    all_consumed: bool,
    has_metadata: bool,
}

/// Marks lines `range` as consumed, growing `consumed` as needed.
pub fn mark(consumed: &mut Vec<bool>, range: std::ops::Range<usize>) {
    if consumed.len() < range.end {
        consumed.resize(range.end, false);
    }
    consumed[range].iter_mut().for_each(|c| *c = true);
}

fn is_consumed(consumed: &[bool], i: usize) -> bool {
    consumed.get(i).copied().unwrap_or(false)
}

/// Scans the lines from `start` on, marking consumed lines in `consumed`.
pub fn scan(lines: &mut Lines, start: usize, consumed: &mut Vec<bool>, kinds: &[String]) -> HeaderScan {
    let mut out = HeaderScan::default();
    let mut section: Option<Section> = None;
    let mut fence: Option<(char, usize)> = None;
    let mut in_comment = false;
    let mut prev_nonblank: Option<usize> = None;
    // The first non-blank line of the body, when it is plain text (a title candidate).
    let mut first_text: Option<usize> = None;
    let mut i = start;

    while let Some(line) = lines.get(i) {
        let trimmed = line.trim();

        if let Some((ch, len)) = fence {
            if closes_fence(line, ch, len) {
                fence = None;
            }
            mark_unconsumed(&mut section, i, consumed);
            prev_nonblank = Some(i);
            i += 1;
            continue;
        }
        if in_comment {
            in_comment = !trimmed.contains("-->");
            i += 1;
            continue;
        }
        if trimmed.is_empty() {
            i += 1;
            continue;
        }
        if prev_nonblank.is_none() && first_text.is_none() && atx_heading(line).is_none() {
            first_text = Some(i);
        }
        if let Some(open) = opens_fence(line) {
            fence = Some(open);
            mark_unconsumed(&mut section, i, consumed);
            prev_nonblank = Some(i);
            i += 1;
            continue;
        }
        if trimmed.starts_with("<!--") {
            in_comment = !trimmed.contains("-->");
            i += 1;
            continue;
        }

        if let Some((level, text)) = atx_heading(line) {
            finish_section(section.take(), consumed);
            if level == 1 {
                // `# Summary`, `# Motivation`: a body written with H1 sections has no title line.
                if out.title.is_some() || is_section_name(text) {
                    break;
                }
                out.title = Some(TitleLine { first: i, last: i, text: text.to_string() });
            } else if is_metadata_heading(text) {
                section = Some(Section { heading: i, all_consumed: true, has_metadata: false });
            } else if let Some(key) = value_section_key(text, kinds) {
                match value_section(lines, i, text, key, kinds) {
                    Some((field, end)) => {
                        mark(consumed, i..end);
                        out.fields.push(field);
                        prev_nonblank = Some(end - 1);
                        i = end;
                        continue;
                    }
                    None => break,
                }
            } else if fold_label(text) == "status" {
                match status_section(lines, i, kinds) {
                    Some((fields, end)) => {
                        mark(consumed, i..end);
                        out.fields.extend(fields);
                        prev_nonblank = Some(end - 1);
                        i = end;
                        continue;
                    }
                    None => break,
                }
            } else {
                break;
            }
            prev_nonblank = Some(i);
            i += 1;
            continue;
        }

        if is_thematic_break(trimmed) {
            let after_text =
                i > 0 && lines.get(i - 1).is_some_and(|l| !l.trim().is_empty()) && Some(i - 1) == prev_nonblank;
            match prev_nonblank {
                Some(p) if is_consumed(consumed, p) => {
                    out.rule = Some((i, p));
                    break;
                }
                // `A27: Title` underlined by `---` as the doc's first line (gRPC proposals)
                // is its title; anywhere else a setext H2 ends the header.
                _ if after_text && trimmed.starts_with('-') && out.title.is_none() && first_text == Some(i - 1) => {
                    let text = lines.get(i - 1).unwrap_or("").trim().to_string();
                    out.title = Some(TitleLine { first: i - 1, last: i, text });
                    prev_nonblank = Some(i);
                    i += 1;
                    continue;
                }
                _ if after_text && trimmed.starts_with('-') => break,
                _ => {
                    prev_nonblank = Some(i);
                    i += 1;
                    continue;
                }
            }
        }

        // Setext title: a first paragraph line underlined with `===`.
        if out.title.is_none() && section.is_none() {
            if let Some(next) = lines.get(i + 1) {
                let n = next.trim();
                if !n.is_empty() && n.bytes().all(|b| b == b'=') && parse_key_line(line).is_none() {
                    out.title = Some(TitleLine { first: i, last: i + 1, text: trimmed.to_string() });
                    prev_nonblank = Some(i + 1);
                    i += 2;
                    continue;
                }
            }
        }

        if trimmed.starts_with('|') {
            let end = run_end(lines, i, |l| l.trim_start().starts_with('|'));
            let rows: Vec<&str> = (i..end).filter_map(|j| lines.get(j)).collect();
            let in_section = section.is_some();
            match metadata_table(&rows, i, in_section, kinds) {
                Some(fields) => {
                    mark(consumed, i..end);
                    if let Some(s) = section.as_mut() {
                        s.has_metadata = true;
                    }
                    out.fields.extend(fields);
                }
                None => mark_unconsumed(&mut section, i, consumed),
            }
            prev_nonblank = Some(end - 1);
            i = end;
            continue;
        }

        if parse_key_line(line).is_some() {
            let (fields, end, accepted) = key_block(lines, i, section.is_some(), kinds);
            if accepted {
                mark(consumed, i..end);
                if let Some(s) = section.as_mut() {
                    s.has_metadata = true;
                }
                out.fields.extend(fields);
            } else {
                for j in i..end {
                    mark_unconsumed(&mut section, j, consumed);
                }
            }
            prev_nonblank = Some(end - 1);
            i = end;
            continue;
        }

        mark_unconsumed(&mut section, i, consumed);
        prev_nonblank = Some(i);
        i += 1;
    }
    finish_section(section, consumed);
    out
}

fn mark_unconsumed(section: &mut Option<Section>, i: usize, consumed: &[bool]) {
    if let Some(s) = section.as_mut() {
        if !is_consumed(consumed, i) {
            s.all_consumed = false;
        }
    }
}

/// A metadata heading is blanked when everything under it went into the card.
fn finish_section(section: Option<Section>, consumed: &mut Vec<bool>) {
    if let Some(s) = section {
        if s.all_consumed && s.has_metadata {
            mark(consumed, s.heading..s.heading + 1);
        }
    }
}

/// The end (exclusive) of the run of lines from `start` satisfying `pred`.
fn run_end(lines: &mut Lines, start: usize, pred: impl Fn(&str) -> bool) -> usize {
    let mut end = start;
    while lines.get(end).is_some_and(&pred) {
        end += 1;
    }
    end
}

/// A run of key lines (with list values under empty keys). Returns its fields, where it
/// ends, and whether it is metadata: inside a metadata section, or naming a known field.
fn key_block(lines: &mut Lines, start: usize, in_section: bool, kinds: &[String]) -> (Vec<RawField>, usize, bool) {
    let mut fields = Vec::new();
    let mut i = start;
    let mut known = false;
    while let Some(line) = lines.get(i) {
        let Some(key) = parse_key_line(line) else { break };
        let line_no = i as u32 + 1;
        let key_kind = classify(key.label, kinds);
        known |= key_kind != Key::Other;
        i += 1;
        if !key.value.trim().is_empty() {
            fields.push(RawField::scalar(key.label, key.value.trim(), line_no, kinds));
            continue;
        }
        // An empty key followed by a list: `**Related Documents:**` then `- PRD: …`.
        let fields_before = fields.len();
        let mut items = Vec::new();
        while let Some(item) = lines.get(i).and_then(list_item) {
            let item_line = i as u32 + 1;
            match parse_key_line(item).filter(|k| !k.value.trim().is_empty()) {
                Some(sub) => {
                    let sub_kind = classify(sub.label, kinds);
                    let field_key =
                        if key_kind.is_reference() && !sub_kind.is_reference() { key_kind } else { sub_kind };
                    known |= field_key != Key::Other;
                    fields.push(RawField {
                        key: field_key,
                        label: sub.label.to_string(),
                        line: item_line,
                        items: vec![(sub.value.trim().to_string(), item_line)],
                    });
                }
                None => items.push((item.trim().to_string(), item_line)),
            }
            i += 1;
        }
        if !items.is_empty() || fields.len() == fields_before {
            fields.push(RawField { key: key_kind, label: key.label.to_string(), line: line_no, items });
        }
    }
    let accepted = in_section || known;
    (fields, i.max(start + 1), accepted)
}

/// `**Key:** value`, `**Key**: value`, `__Key__: value`, `- **Key:** value`, `Key: value`.
fn parse_key_line(line: &str) -> Option<KeyLine<'_>> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent >= 4 || line.starts_with('\t') {
        return None;
    }
    let t = line.trim();
    let t = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")).or_else(|| t.strip_prefix("+ ")).unwrap_or(t);
    let t = t.trim_start();
    for mark in ["**", "__"] {
        if let Some(after_open) = t.strip_prefix(mark) {
            let close = after_open.find(mark)?;
            let inner = &after_open[..close];
            let after = &after_open[close + mark.len()..];
            let (label, value) = if let Some(label) = inner.trim_end().strip_suffix(':') {
                (label, after)
            } else {
                (inner, after.trim_start().strip_prefix(':')?)
            };
            return is_label(label).then_some(KeyLine { label: label.trim(), value: trim_value(value), bold: true });
        }
    }
    let (label, value) = t.split_once(':')?;
    if !(value.is_empty() || value.starts_with([' ', '\t'])) || label.split_whitespace().count() > 4 {
        return None;
    }
    // `Title: …` in plain text is prose or stray YAML far more often than metadata.
    if fold_label(label) == "title" {
        return None;
    }
    is_label(label).then_some(KeyLine { label: label.trim(), value: trim_value(value), bold: false })
}

fn trim_value(value: &str) -> &str {
    let v = value.trim();
    v.strip_suffix("<br>").or_else(|| v.strip_suffix('\\')).unwrap_or(v).trim()
}

fn is_label(label: &str) -> bool {
    let l = label.trim();
    !l.is_empty()
        && l.len() <= 40
        && l.split_whitespace().count() <= 5
        && l.chars().next().is_some_and(char::is_alphabetic)
        && !l.contains(['[', ']', '`', '|', '*', '<', '>', '{', '}', '#', '"'])
}

/// The text of a list item line (`- x`, `* x`, `+ x`, `1. x`, `1) x`).
fn list_item(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")).or_else(|| t.strip_prefix("+ ")) {
        return Some(rest);
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits <= 9 {
        let rest = &t[digits..];
        return rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "));
    }
    None
}

/// A table in the header zone as metadata: a two- (or more) column table whose first
/// column holds field names, at least one known (any, inside a metadata section).
fn metadata_table(rows: &[&str], first: usize, in_section: bool, kinds: &[String]) -> Option<Vec<RawField>> {
    let mut fields = Vec::new();
    let mut known = false;
    for (offset, row) in rows.iter().enumerate() {
        let cells = split_cells(row);
        if cells.iter().all(|c| is_delimiter_cell(c)) {
            continue;
        }
        if cells.len() < 2 {
            return None;
        }
        let label = super::values::clean(&cells[0]);
        let value = cells[1].trim();
        if label.is_empty() && value.is_empty() {
            continue;
        }
        let is_header_row =
            offset == 0 && rows.get(1).is_some_and(|r| split_cells(r).iter().all(|c| is_delimiter_cell(c)));
        let key = classify(&label, kinds);
        if is_header_row && (key == Key::Other || classify(value, kinds) != Key::Other) {
            // `| Field | Value |`: a header, not a field.
            continue;
        }
        if !is_label(&label) {
            return None;
        }
        known |= key != Key::Other;
        let line = (first + offset) as u32 + 1;
        fields.push(RawField { key, label, line, items: vec![(value.to_string(), line)] });
    }
    (known || (in_section && !fields.is_empty())).then_some(fields)
}

fn is_delimiter_cell(cell: &str) -> bool {
    let c = cell.trim();
    !c.is_empty() && c.contains('-') && c.bytes().all(|b| matches!(b, b'-' | b':' | b' '))
}

/// Cells of a table row; `\|` and `|` inside code spans do not split.
fn split_cells(row: &str) -> Vec<String> {
    let t = row.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") { &t[..t.len() - 1] } else { t };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut in_code = false;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '`' => {
                in_code = !in_code;
                cell.push(c);
            }
            '|' if !in_code => cells.push(std::mem::take(&mut cell).trim().to_string()),
            _ => cell.push(c),
        }
    }
    cells.push(cell.trim().to_string());
    cells
}

/// Common section names that are never a document's title, even as an H1.
fn is_section_name(text: &str) -> bool {
    matches!(
        fold_label(&super::title::inline_text(text)).as_str(),
        "summary"
            | "abstract"
            | "motivation"
            | "introduction"
            | "overview"
            | "background"
            | "context"
            | "problemstatement"
            | "goals"
            | "nongoals"
            | "proposal"
            | "specification"
            | "rationale"
            | "guidelevelexplanation"
            | "referencelevelexplanation"
            | "detaileddesign"
            | "design"
            | "drawbacks"
            | "alternatives"
            | "tableofcontents"
            | "contents"
            | "toc"
    )
}

/// `## Date`, `## Authors`, `## Deciders`: a heading that names one field.
fn value_section_key(text: &str, kinds: &[String]) -> Option<Key> {
    let key = classify(text, kinds);
    let folded = fold_label(text);
    let named = matches!(
        folded.as_str(),
        "date" | "created" | "lastupdated" | "updated" | "author" | "authors" | "deciders" | "owner" | "owners"
    );
    (named && matches!(key, Key::Created | Key::Updated | Key::Authors)).then_some(key)
}

/// The value of a one-field section: a short line (`2026-03-02`) or a short list of
/// names. `None` when the section holds prose (then it stays in the body).
fn value_section(
    lines: &mut Lines,
    heading: usize,
    label: &str,
    key: Key,
    kinds: &[String],
) -> Option<(RawField, usize)> {
    let mut items = Vec::new();
    let mut i = heading + 1;
    while let Some(line) = lines.get(i) {
        let t = line.trim();
        if atx_heading(line).is_some() || is_thematic_break(t) || opens_fence(line).is_some() {
            break;
        }
        i += 1;
        if t.is_empty() {
            continue;
        }
        let item = list_item(t).unwrap_or(t).trim();
        let short = item.split_whitespace().count() <= 8 && !item.starts_with(['>', '|']);
        if !short || items.len() >= 12 || (key != Key::Authors && !items.is_empty()) {
            return None;
        }
        items.push((item.to_string(), i as u32));
    }
    if items.is_empty() {
        return None;
    }
    let mut end = i;
    while end > heading + 1 && lines.get(end - 1).is_some_and(|l| l.trim().is_empty()) {
        end -= 1;
    }
    let field =
        RawField { key: classify(label, kinds), label: label.trim().to_string(), line: heading as u32 + 1, items };
    Some((field, end))
}

/// An adr-tools `## Status` section: a status line and relation lines (`Supersedes
/// [5. X](0005-x.md)`). Returns its fields and the index after the section, or `None`
/// when the section holds anything else (then it is left as body text).
fn status_section(lines: &mut Lines, heading: usize, kinds: &[String]) -> Option<(Vec<RawField>, usize)> {
    const RELATIONS: [&str; 8] =
        ["superseded by", "supersedes", "amended by", "amends", "clarified by", "clarifies", "replaced by", "replaces"];
    let mut fields = Vec::new();
    let mut has_status = false;
    let mut i = heading + 1;
    while let Some(line) = lines.get(i) {
        let t = line.trim();
        if atx_heading(line).is_some() || is_thematic_break(t) || opens_fence(line).is_some() {
            break;
        }
        let line_no = i as u32 + 1;
        i += 1;
        if t.is_empty() {
            continue;
        }
        if let Some(key) = parse_key_line(t).filter(|k| classify(k.label, kinds) != Key::Other) {
            has_status |= classify(key.label, kinds) == Key::Status;
            fields.push(RawField::scalar(key.label, key.value, line_no, kinds));
            continue;
        }
        let lower = t.to_lowercase();
        let relation = RELATIONS.iter().find(|r| lower.starts_with(*r) && lower[r.len()..].starts_with([' ', ':']));
        match relation {
            // adr-tools rewrites a replaced ADR's status line to `Superseded by [..](..)`.
            Some(r) if !has_status && (*r == "superseded by" || *r == "replaced by") => {
                has_status = true;
                fields.push(RawField::scalar("Status", t, line_no, kinds));
            }
            Some(r) => {
                let label = &t[..r.len()];
                let value = t[r.len()..].trim_start_matches([' ', ':']);
                fields.push(RawField::scalar(label, value, line_no, kinds));
            }
            None if !has_status && t.split_whitespace().count() <= 6 && !t.starts_with(['-', '*', '>', '|']) => {
                has_status = true;
                fields.push(RawField::scalar("Status", t, line_no, kinds));
            }
            None => return None,
        }
    }
    let end = {
        // Trailing blank lines stay in the body.
        let mut e = i;
        while e > heading + 1 && lines.get(e - 1).is_some_and(|l| l.trim().is_empty()) {
            e -= 1;
        }
        e
    };
    has_status.then_some((fields, end))
}

/// `## Text` → `(2, "Text")`, with a closing `#` run removed.
pub fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent >= 4 {
        return None;
    }
    let t = &line[indent..];
    let level = t.bytes().take_while(|&b| b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &t[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim();
    let without_close = text.trim_end_matches('#');
    let text = if without_close.is_empty() || without_close.ends_with(' ') { without_close.trim_end() } else { text };
    Some((level, text))
}

fn is_thematic_break(trimmed: &str) -> bool {
    let Some(first) = trimmed.chars().next() else { return false };
    matches!(first, '-' | '*' | '_')
        && trimmed.chars().filter(|c| *c == first).count() >= 3
        && trimmed.chars().all(|c| c == first || c == ' ' || c == '\t')
}

/// ```` ``` ```` or `~~~` (3+), indented less than four spaces: the fence char and length.
pub fn opens_fence(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent >= 4 {
        return None;
    }
    let t = &line[indent..];
    let ch = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = t.chars().take_while(|c| *c == ch).count();
    if len < 3 || (ch == '`' && t[len..].contains('`')) {
        return None;
    }
    Some((ch, len))
}

fn closes_fence(line: &str, ch: char, len: usize) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent >= 4 {
        return false;
    }
    let t = line.trim();
    t.chars().take_while(|c| *c == ch).count() >= len && t.chars().all(|c| c == ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<String> {
        crate::config::DEFAULT_KINDS.iter().map(|s| s.to_string()).collect()
    }

    fn scan_text(text: &str) -> (HeaderScan, Vec<bool>) {
        let mut lines = Lines::new(text);
        let mut consumed = Vec::new();
        let s = scan(&mut lines, 0, &mut consumed, &kinds());
        consumed.resize(text.split('\n').count(), false);
        (s, consumed)
    }

    #[test]
    fn key_lines_in_every_spelling() {
        for line in [
            "**Status**: Draft",
            "**Status:** Draft",
            "**Status:** Draft  ",
            "__Status__: Draft",
            "- **Status:** Draft",
            "Status: Draft",
        ] {
            let k = parse_key_line(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!((k.label, k.value), ("Status", "Draft"), "{line}");
        }
        for line in
            ["See https://x.io: here", "**Bold** text", "10:30 meeting", "A very long sentence that has: a colon"]
        {
            assert_eq!(parse_key_line(line), None, "{line}");
        }
    }

    #[test]
    fn unknown_only_bold_runs_are_not_metadata() {
        let (s, consumed) = scan_text("# T\n\n**Note:** this is a draft\n\n## Overview\n");
        assert!(s.fields.is_empty());
        assert!(consumed.iter().all(|c| !c));
    }

    #[test]
    fn revision_history_tables_are_not_metadata() {
        let (s, _) = scan_text("# T\n\n| Version | Date | Author |\n|---|---|---|\n| 1.0 | 2026-01-01 | Kim |\n");
        assert!(s.fields.is_empty(), "{:?}", s.fields);
    }

    #[test]
    fn cells_split_on_unescaped_pipes_only() {
        assert_eq!(split_cells("| **Status** | Draft \\| Review |"), ["**Status**", "Draft | Review"]);
        assert_eq!(split_cells("| a | `x|y` |"), ["a", "`x|y`"]);
    }

    #[test]
    fn fences_are_recognised() {
        assert_eq!(opens_fence("```rust"), Some(('`', 3)));
        assert_eq!(opens_fence("~~~~"), Some(('~', 4)));
        assert_eq!(opens_fence("``not`"), None);
        assert!(closes_fence("```", '`', 3));
        assert!(!closes_fence("```rust", '`', 3));
    }

    #[test]
    fn adr_tools_status_section_with_relations() {
        let (s, consumed) = scan_text(
            "# 7. Use Kafka\n\nDate: 2026-03-02\n\n## Status\n\nAccepted\n\nSupersedes [5. Use RabbitMQ](0005-use-rabbitmq.md)\n\n## Context\n\nText\n",
        );
        let labels: Vec<&str> = s.fields.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["Date", "Status", "Supersedes"]);
        assert!(consumed[2] && consumed[4] && consumed[6] && consumed[8]);
        assert!(!consumed[10] && !consumed[12]);
    }

    #[test]
    fn prose_status_sections_are_left_alone() {
        let (s, consumed) =
            scan_text("# X\n\n## Status\n\nWe are still discussing this with the payments team and others.\n");
        assert!(s.fields.is_empty());
        assert!(!consumed[2]);
    }
}
