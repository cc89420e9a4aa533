//! A rendered doc → its sections: (heading anchor, heading text, body text), in order.
//!
//! The renderer gives the visible text of the body (`RenderedDoc::text`, whitespace
//! already folded) and the table of contents (`toc`); each heading's text is found in
//! the body text after the previous one, which cuts the text into sections that can
//! point a search result at `page.html#anchor`. The first section is the text before
//! any heading (anchor and heading empty). A heading not found in the text (the
//! renderer changed its words) is skipped, its text staying in the section before.
//! Sections borrow the rendered doc: cutting a doc allocates only the list.

use crate::model::RenderedDoc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// Empty for the text before the first heading.
    pub anchor: &'a str,
    pub heading: &'a str,
    /// Whitespace-folded visible text.
    pub text: &'a str,
}

/// The sections of one rendered doc.
pub fn of(rendered: &RenderedDoc) -> Vec<Section<'_>> {
    let text = rendered.text.as_str();
    let mut out = Vec::with_capacity(rendered.toc.len() + 1);
    let mut current = Section { anchor: "", heading: "", text: "" };
    let mut body_start = 0;
    for entry in &rendered.toc {
        let heading = entry.text.trim();
        if heading.is_empty() {
            continue;
        }
        let Some(found) = text.get(body_start..).and_then(|rest| find(rest, heading)) else { continue };
        let at = body_start + found;
        current.text = text.get(body_start..at).unwrap_or("").trim();
        out.push(current);
        current = Section { anchor: entry.anchor.as_str(), heading, text: "" };
        body_start = at + heading.len();
    }
    current.text = text.get(body_start..).unwrap_or("").trim();
    out.push(current);
    out
}

/// The first position of `needle` (not empty) in `hay`: `str::find`'s answer, found by
/// jumping between occurrences of the needle's first char (a `memchr` scan) instead of
/// a general substring search, which costs more per call than a short heading saves.
fn find(hay: &str, needle: &str) -> Option<usize> {
    let first = needle.chars().next()?;
    let mut from = 0;
    while let Some(at) = hay.get(from..).and_then(|rest| rest.find(first)) {
        let at = from + at;
        if hay.get(at..).is_some_and(|rest| rest.starts_with(needle)) {
            return Some(at);
        }
        from = at + first.len_utf8();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TocEntry;

    #[test]
    fn rendered_text_is_cut_at_each_heading() {
        let rendered = RenderedDoc {
            text: "Intro words. Goals We want speed. Non-goals Not this.".into(),
            toc: vec![
                TocEntry { level: 2, anchor: "goals".into(), text: "Goals".into() },
                TocEntry { level: 2, anchor: "missing".into(), text: "Not in the text".into() },
                TocEntry { level: 2, anchor: "non-goals".into(), text: "Non-goals".into() },
            ],
            ..Default::default()
        };
        let got: Vec<(&str, &str, &str)> = of(&rendered).iter().map(|s| (s.anchor, s.heading, s.text)).collect();
        assert_eq!(
            got,
            [("", "", "Intro words."), ("goals", "Goals", "We want speed."), ("non-goals", "Non-goals", "Not this.")]
        );
    }

    #[test]
    fn find_agrees_with_str_find() {
        let hay = "aab Goals Go Goal Goals ü Über Übersicht";
        for needle in ["Goals", "Go", "a", "aab", "Über", "Übersicht", "x", "Goals ü", "t"] {
            assert_eq!(find(hay, needle), hay.find(needle), "{needle}");
        }
    }

    #[test]
    fn a_doc_with_no_text_is_one_empty_section() {
        let rendered = RenderedDoc {
            toc: vec![TocEntry { level: 2, anchor: "goals".into(), text: "Goals".into() }],
            ..Default::default()
        };
        assert_eq!(of(&rendered), [Section { anchor: "", heading: "", text: "" }]);
    }
}
