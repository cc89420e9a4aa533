//! Document ids: the one place that decides what `ADR 7`, `adr-0007` and `ADR-7` mean.
//!
//! A numbered id is a kind from `[portal] kinds` followed by a number; its canonical
//! form is the upper-case kind, a hyphen and the number padded to four digits
//! (`ADR-0007`). Docs without a number get a slug of their path (`specs-search`).
//! Both functions are total: any input gives `None` or a valid id, never a panic.

/// Canonical `KIND-NNNN` for a written id such as `adr 7`, `TRD_0101`, `prd-40`, `RFC0015`.
///
/// The whole input must be the id (surrounding spaces allowed). Numbers of more than
/// six digits are not ids (they are usually dates or ticket numbers).
pub fn normalize(raw: &str, kinds: &[String]) -> Option<String> {
    let raw = raw.trim();
    let (kind, rest) = split_kind(raw, kinds)?;
    let rest = rest.strip_prefix(['-', '_', ' ', '#']).unwrap_or(rest).trim_start();
    if rest.is_empty() || rest.len() > 6 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(canonical(kind, rest))
}

/// Canonical form of a kind and its digits: `("adr", "7")` → `ADR-0007`.
pub fn canonical(kind: &str, digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    let number = if trimmed.is_empty() { "0" } else { trimmed };
    format!("{}-{:0>4}", kind.to_ascii_uppercase(), number)
}

/// The kind of a canonical numbered id (`ADR-0007` → `ADR`), if it has one.
pub fn kind_of<'a>(id: &'a str, kinds: &[String]) -> Option<&'a str> {
    let (kind, rest) = id.split_once('-')?;
    if rest.bytes().all(|b| b.is_ascii_digit()) && kinds.iter().any(|k| k.eq_ignore_ascii_case(kind)) {
        Some(kind)
    } else {
        None
    }
}

/// Matches a configured kind at the start of `raw`, case-insensitively, longest kind first.
fn split_kind<'a>(raw: &'a str, kinds: &'a [String]) -> Option<(&'a str, &'a str)> {
    kinds
        .iter()
        .filter(|k| raw.len() >= k.len() && raw.is_char_boundary(k.len()) && raw[..k.len()].eq_ignore_ascii_case(k))
        .max_by_key(|k| k.len())
        .map(|k| (k.as_str(), &raw[k.len()..]))
}

/// A URL- and id-safe slug of a relative path: `specs/Search Reindexing.md` → `specs-search-reindexing`.
pub fn slug_of_path(rel_path: &str) -> String {
    let stem = rel_path.strip_suffix(".md").or_else(|| rel_path.strip_suffix(".markdown")).unwrap_or(rel_path);
    slugify(stem)
}

/// Lower-case letters and digits (any script), runs of anything else folded to one hyphen.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("doc");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<String> {
        ["TRD", "TDD", "PRD", "ADR", "RFC", "SPEC"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_spelling_of_an_id_normalizes_to_one_form() {
        for raw in ["ADR-7", "adr-0007", "ADR 0007", "ADR 7", "adr_07", "ADR0007", " ADR-007 "] {
            assert_eq!(normalize(raw, &kinds()).as_deref(), Some("ADR-0007"), "{raw}");
        }
        assert_eq!(normalize("TRD-0101", &kinds()).as_deref(), Some("TRD-0101"));
        assert_eq!(normalize("spec-12345", &kinds()).as_deref(), Some("SPEC-12345"));
    }

    #[test]
    fn placeholders_and_strangers_are_not_ids() {
        for raw in ["PRD-{NUMBER}", "ADR-", "ADR-x1", "FOO-12", "ADR-1234567", "", "ADR-7 and more"] {
            assert_eq!(normalize(raw, &kinds()), None, "{raw}");
        }
    }

    #[test]
    fn slugs_fold_punctuation_and_keep_letters() {
        assert_eq!(slug_of_path("specs/Search Reindexing.md"), "specs-search-reindexing");
        assert_eq!(slug_of_path("adr/Übersicht_2.md"), "adr-übersicht-2");
        assert_eq!(slugify("***"), "doc");
    }

    #[test]
    fn kind_of_reads_canonical_ids_only() {
        assert_eq!(kind_of("ADR-0007", &kinds()), Some("ADR"));
        assert_eq!(kind_of("specs-search", &kinds()), None);
    }
}

/// The anchor id of a heading, GitHub-style: lower-case, punctuation dropped, spaces
/// to hyphens (`2.1 High-Level Design` → `21-high-level-design`). Duplicates within a
/// page get `-1`, `-2` from [`AnchorSet`].
pub fn heading_anchor(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            out.extend(c.to_lowercase());
        } else if c == ' ' {
            out.push('-');
        }
    }
    out
}

/// Hands out unique anchors within one page, in document order.
#[derive(Debug, Default)]
pub struct AnchorSet {
    seen: std::collections::HashMap<String, u32>,
}

impl AnchorSet {
    /// The anchor for the next heading with this text.
    pub fn next(&mut self, text: &str) -> String {
        let base = heading_anchor(text);
        let base = if base.is_empty() { "section".to_string() } else { base };
        let mut candidate = base.clone();
        while let Some(n) = self.seen.get_mut(&candidate) {
            *n += 1;
            candidate = format!("{base}-{n}");
            if !self.seen.contains_key(&candidate) {
                break;
            }
        }
        self.seen.insert(candidate.clone(), 0);
        candidate
    }
}

#[cfg(test)]
mod anchor_tests {
    use super::*;

    #[test]
    fn anchors_follow_github_rules_and_dedupe() {
        assert_eq!(heading_anchor("2.1 High-Level Design"), "21-high-level-design");
        assert_eq!(heading_anchor("What's `new`?"), "whats-new");
        let mut set = AnchorSet::default();
        assert_eq!(set.next("Overview"), "overview");
        assert_eq!(set.next("Overview"), "overview-1");
        assert_eq!(set.next("Overview"), "overview-2");
        assert_eq!(set.next("!!!"), "section");
    }
}
