//! A rendered doc → its sections: (heading anchor, heading text, body text), in order.
//!
//! The renderer gives the visible text of the body (`RenderedDoc::text`) and the table
//! of contents (`toc`); each heading's text is found in the body text after the
//! previous one, which cuts the text into sections that can point a search result at
//! `page.html#anchor`. The first section is the text before any heading (anchor and
//! heading empty). A heading not found in the text (the renderer changed its words)
//! is skipped, its text staying in the section before.
//!
//! When the renderer supplied no text at all, the Markdown body is read directly in a
//! plain way (ATX headings, markup characters and link targets dropped), so search
//! still covers every doc.

use crate::ids::AnchorSet;
use crate::model::{Doc, RenderedDoc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Empty for the text before the first heading.
    pub anchor: String,
    pub heading: String,
    /// Whitespace-folded visible text.
    pub text: String,
}

/// The sections of one doc.
pub fn of(doc: &Doc, rendered: &RenderedDoc) -> Vec<Section> {
    if rendered.text.trim().is_empty() {
        return from_markdown(&doc.body);
    }
    let text = fold_whitespace(&rendered.text);
    let mut out = Vec::new();
    let mut current = Section { anchor: String::new(), heading: String::new(), text: String::new() };
    let mut body_start = 0;
    for entry in &rendered.toc {
        let heading = fold_whitespace(&entry.text);
        if heading.is_empty() {
            continue;
        }
        let Some(found) = text.get(body_start..).and_then(|rest| rest.find(&heading)) else { continue };
        let at = body_start + found;
        current.text = text.get(body_start..at).unwrap_or("").trim().to_string();
        out.push(current);
        current = Section { anchor: entry.anchor.clone(), heading: heading.clone(), text: String::new() };
        body_start = at + heading.len();
    }
    current.text = text.get(body_start..).unwrap_or("").trim().to_string();
    out.push(current);
    out
}

/// Runs of whitespace become one space; ends trimmed.
pub fn fold_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn from_markdown(body: &str) -> Vec<Section> {
    let mut anchors = AnchorSet::default();
    let mut out = Vec::new();
    let mut current = Section { anchor: String::new(), heading: String::new(), text: String::new() };
    let mut lines = Vec::new();
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let t = line.trim_start();
        if let Some(open) = fence {
            if t.starts_with(open) {
                fence = None;
            } else {
                lines.push(line.to_string());
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(if t.starts_with("```") { "```" } else { "~~~" });
            continue;
        }
        let hashes = t.bytes().take_while(|&b| b == b'#').count();
        if (1..=6).contains(&hashes) && t.get(hashes..).is_some_and(|r| r.starts_with(' ')) {
            let heading = t.get(hashes..).unwrap_or("").trim().trim_end_matches('#').trim();
            current.text = fold_whitespace(&lines.join(" "));
            lines.clear();
            out.push(current);
            let visible = strip_markup(heading);
            current =
                Section { anchor: anchors.next(heading), heading: fold_whitespace(&visible), text: String::new() };
            continue;
        }
        lines.push(strip_markup(line));
    }
    current.text = fold_whitespace(&lines.join(" "));
    out.push(current);
    out
}

/// Drops Markdown punctuation and the `(target)` of links, keeping the words.
fn strip_markup(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ']' if chars.peek() == Some(&'(') => {
                for d in chars.by_ref() {
                    if d == ')' {
                        break;
                    }
                }
                out.push(' ');
            }
            '#' | '*' | '_' | '`' | '>' | '|' | '[' | ']' | '<' | '!' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TocEntry;

    fn doc(body: &str) -> Doc {
        Doc {
            source: "a.md".into(),
            id: "a".into(),
            numbered: false,
            listed: true,
            kind: None,
            title: "A".into(),
            status: None,
            status_raw: None,
            authors: vec![],
            reviewers: vec![],
            created: None,
            updated: None,
            version: None,
            fields: vec![],
            refs: vec![],
            body: body.into(),
            diagnostics: vec![],
        }
    }

    #[test]
    fn rendered_text_is_cut_at_each_heading() {
        let rendered = RenderedDoc {
            text: "Intro words. Goals We want speed.\n Non-goals  Not this.".into(),
            toc: vec![
                TocEntry { level: 2, anchor: "goals".into(), text: "Goals".into() },
                TocEntry { level: 2, anchor: "missing".into(), text: "Not in the text".into() },
                TocEntry { level: 2, anchor: "non-goals".into(), text: "Non-goals".into() },
            ],
            ..Default::default()
        };
        let s = of(&doc(""), &rendered);
        let got: Vec<(&str, &str, &str)> =
            s.iter().map(|s| (s.anchor.as_str(), s.heading.as_str(), s.text.as_str())).collect();
        assert_eq!(
            got,
            [("", "", "Intro words."), ("goals", "Goals", "We want speed."), ("non-goals", "Non-goals", "Not this.")]
        );
    }

    #[test]
    fn markdown_fallback_reads_headings_and_skips_markup() {
        let body =
            "Intro [link](x.md) **bold**\n\n## Goals\n\nFast `code`.\n\n```\n## not a heading\n```\n## Goals\nAgain";
        let s = of(&doc(body), &RenderedDoc::default());
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].text, "Intro link bold");
        assert_eq!((s[1].anchor.as_str(), s[1].text.as_str()), ("goals", "Fast code . ## not a heading"));
        assert_eq!(s[2].anchor, "goals-1");
    }
}
