//! Titles and file names: the id, kind and clean title hidden in `# TRD-0101: Rate Limiter`,
//! `# Technical Design Document (TDD): X`, `# 7. Use X` or `adr/0007-use-x.md`.
//!
//! Templates prefix (or suffix) titles with the document type; the portal shows the kind
//! as a badge, so the prefix is removed from the title and becomes the kind. Only kinds
//! in `[portal] kinds` are returned; an unconfigured kind's prefix is still removed.

use crate::config::Config;
use crate::ids::{self, Kinds};

/// What a title line says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TitleParts {
    /// The title without its prefix; empty when nothing is left.
    pub title: String,
    /// Canonical id from a leading `KIND-NNNN`.
    pub id: Option<String>,
    /// Kind from the prefix or suffix (configured kinds only).
    pub kind: Option<String>,
    /// The digits of an adr-tools `7. Use X` title.
    pub number: Option<String>,
}

/// Long document-type names and the kind they stand for.
const LONG_NAMES: [(&str, &str); 17] = [
    ("technical requirements document", "TRD"),
    ("technical requirements", "TRD"),
    ("technical design document", "TDD"),
    ("technical design", "TDD"),
    ("technical specification", "SPEC"),
    ("technical spec", "SPEC"),
    ("specification", "SPEC"),
    ("product requirements document", "PRD"),
    ("product requirement document", "PRD"),
    ("product requirements", "PRD"),
    ("architecture decision record", "ADR"),
    ("architectural decision record", "ADR"),
    ("architecture decision", "ADR"),
    ("decision record", "ADR"),
    ("request for comments", "RFC"),
    ("request for comment", "RFC"),
    ("design document", "TDD"),
];

/// The kind a long or short document-type name stands for, if configured:
/// `Technical Specification` → `SPEC`, `adr` → `ADR`.
pub fn kind_of_name(name: &str, kinds: &[String]) -> Option<String> {
    let folded: String = name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let folded = folded.trim();
    if let Some(k) = configured(folded, kinds) {
        return Some(k);
    }
    let single = folded.strip_suffix('s').unwrap_or(folded);
    LONG_NAMES.iter().find(|(long, _)| *long == folded || *long == single).and_then(|(_, k)| configured(k, kinds))
}

fn configured(kind: &str, kinds: &[String]) -> Option<String> {
    kinds.iter().find(|k| k.eq_ignore_ascii_case(kind)).cloned()
}

/// Splits a title into its id / kind prefix and the title proper.
pub fn split_title(raw: &str, kinds: &Kinds) -> TitleParts {
    let text = inline_text(raw);
    let text = text.trim();
    let mut parts = TitleParts::default();
    let mut rest = text;

    if let Some((id, after)) = leading_id(rest, kinds) {
        parts.kind = ids::kind_of(&id, kinds).map(str::to_string);
        parts.id = Some(id);
        rest = after;
    } else if let Some((kind, after)) = leading_type_name(rest, kinds) {
        parts.kind = kind;
        rest = after;
    } else if let Some((digits, after)) = leading_number(rest) {
        parts.number = Some(digits.to_string());
        rest = after;
    }
    if parts.kind.is_none() || parts.id.is_none() {
        if let Some((kind, before)) = trailing_type_name(rest, kinds) {
            if parts.kind.is_none() {
                parts.kind = kind;
            }
            rest = before;
        }
    }
    parts.title = rest.trim().to_string();
    parts
}

/// `KIND-NNNN` (or an id part that stands alone, `A27`) at the start of `text`, ended
/// by a separator or the end: returns the canonical id and what follows the separator.
pub fn leading_id<'a>(text: &'a str, kinds: &Kinds) -> Option<(String, &'a str)> {
    let t = text.trim_start();
    let (bracketed, t) = match t.strip_prefix('[') {
        Some(inner) => (true, inner),
        None => (false, t),
    };
    let (id, len) = kinds.read_leading(t)?;
    let mut rest = &t[len..];
    if bracketed {
        rest = rest.strip_prefix(']')?;
    }
    match rest.chars().next() {
        None => {}
        Some(c) if c.is_alphanumeric() => return None,
        _ => {}
    }
    Some((id, strip_separator(rest)))
}

/// `TRD: X`, `Technical Specification: X`, `Technical Design Document (TDD): X`, `ADR - X`.
fn leading_type_name<'a>(text: &'a str, kinds: &[String]) -> Option<(Option<String>, &'a str)> {
    let (head, after) = split_at_separator(text)?;
    let head = head.trim();
    let (name, abbr) = match head.strip_suffix(')').and_then(|h| h.rsplit_once('(')) {
        Some((name, abbr)) => (name.trim(), Some(abbr.trim())),
        None => (head, None),
    };
    let is_type_name = configured(name, kinds).is_some()
        || LONG_NAMES.iter().any(|(long, _)| long.eq_ignore_ascii_case(name))
        || (name.eq_ignore_ascii_case("ADR") || name.eq_ignore_ascii_case("RFC"));
    if !is_type_name {
        return None;
    }
    let kind = abbr.and_then(|a| configured(a, kinds)).or_else(|| kind_of_name(name, kinds));
    Some((kind, after))
}

/// `X - Technical Specification`, `X (TRD)`.
fn trailing_type_name<'a>(text: &'a str, kinds: &[String]) -> Option<(Option<String>, &'a str)> {
    let t = text.trim_end();
    if let Some(inner) = t.strip_suffix(')') {
        if let Some((before, name)) = inner.rsplit_once('(') {
            if !before.trim().is_empty() && is_type_word(name, kinds) {
                return Some((kind_of_name(name, kinds), before.trim_end()));
            }
        }
    }
    for sep in [" - ", " — ", " – ", " | "] {
        if let Some((before, name)) = t.rsplit_once(sep) {
            if !before.trim().is_empty() && is_type_word(name, kinds) {
                return Some((kind_of_name(name, kinds), before.trim_end()));
            }
        }
    }
    None
}

fn is_type_word(name: &str, kinds: &[String]) -> bool {
    let name = name.trim();
    configured(name, kinds).is_some() || LONG_NAMES.iter().any(|(long, _)| long.eq_ignore_ascii_case(name))
}

/// `7. Use X` (adr-tools): the number and the rest.
fn leading_number(text: &str) -> Option<(&str, &str)> {
    let digits_len = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits_len == 0 || digits_len > 6 {
        return None;
    }
    let rest = text[digits_len..].strip_prefix('.')?;
    if !rest.starts_with(char::is_whitespace) || rest.trim().is_empty() {
        return None;
    }
    Some((&text[..digits_len], rest.trim_start()))
}

/// Splits `head: rest` or `head - rest` at the first such separator.
fn split_at_separator(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(':');
    let dash = [" - ", " — ", " – "].iter().filter_map(|s| text.find(s).map(|i| (i, s.len()))).min();
    match (colon, dash) {
        (Some(c), Some((d, _))) if c < d => Some((&text[..c], &text[c + 1..])),
        (_, Some((d, len))) => Some((&text[..d], &text[d + len..])),
        (Some(c), None) => Some((&text[..c], &text[c + 1..])),
        (None, None) => None,
    }
}

fn strip_separator(text: &str) -> &str {
    let t = text.trim_start();
    let t = t.strip_prefix([':', '-', '—', '–', '.', '|']).unwrap_or(t);
    t.trim_start()
}

/// Heading text without inline Markdown: emphasis, code marks, links (their text) and
/// a closing `#` sequence.
pub fn inline_text(raw: &str) -> String {
    let t = raw.trim();
    let t = t.trim_end_matches('#');
    let t = if t.len() < raw.trim().len() && !t.ends_with(' ') && !t.is_empty() { raw.trim() } else { t };
    super::values::plain_text(t.trim())
}

/// The id a file name gives: `TRD-0101-x.md`, or `adr/0007-x.md` where the folder names a kind.
pub fn id_from_path(rel_path: &str, config: &Config) -> Option<String> {
    let (dir, file) = rel_path.rsplit_once('/').unwrap_or(("", rel_path));
    let stem = file_stem(file);
    if let Some((id, _)) = leading_id(stem, &config.kinds) {
        return Some(id);
    }
    let digits_len = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits_len == 0 || digits_len > 6 {
        return None;
    }
    if stem[digits_len..].chars().next().is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    let kind = kind_of_folder(dir, config)?;
    config.kinds.number(&kind, &stem[..digits_len])
}

/// The kind a folder stands for: `[portal.folders]`, else its name is a kind or its
/// plural (`adr`, `ADRs`), else `decisions` (MADR's default) for ADR.
pub fn kind_of_folder(dir: &str, config: &Config) -> Option<String> {
    let dir = dir.trim_matches('/');
    if dir.is_empty() {
        return None;
    }
    if let Some((kind, _)) = config.folders.iter().find(|(_, folder)| folder.trim_matches('/') == dir) {
        return configured(kind, &config.kinds);
    }
    for segment in dir.rsplit('/') {
        let lower = segment.to_lowercase();
        let single = lower.strip_suffix('s').unwrap_or(&lower);
        if let Some(k) = configured(&lower, &config.kinds).or_else(|| configured(single, &config.kinds)) {
            return Some(k);
        }
        let by_name = match lower.as_str() {
            "decisions" | "decision-records" | "architecture-decisions" => configured("ADR", &config.kinds),
            "specifications" => configured("SPEC", &config.kinds),
            _ => None,
        };
        if by_name.is_some() {
            return by_name;
        }
    }
    None
}

fn file_stem(file: &str) -> &str {
    file.strip_suffix(".md").or_else(|| file.strip_suffix(".markdown")).unwrap_or(file)
}

/// A readable title from a file name: `TRD-0101-rate-limiter.md` → `Rate limiter`;
/// `search/README.md` → `Search`.
pub fn humanize_path(rel_path: &str, kinds: &Kinds) -> String {
    let mut segments = rel_path.rsplit('/');
    let file = segments.next().unwrap_or(rel_path);
    let mut stem = file_stem(file);
    if stem.eq_ignore_ascii_case("readme") || stem.eq_ignore_ascii_case("index") || stem.eq_ignore_ascii_case("_index")
    {
        if let Some(dir) = segments.next() {
            stem = dir;
        }
    }
    let without_id = match leading_id(stem, kinds) {
        Some((id, rest)) if rest.trim().is_empty() => return id,
        Some((_, rest)) => rest,
        None => stem.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches(['-', '_', '.', ' ']),
    };
    let words: Vec<&str> = without_id.split(['-', '_', ' ']).filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return stem.to_string();
    }
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn kinds() -> Kinds {
        crate::config::DEFAULT_KINDS.into_iter().collect()
    }

    fn split(t: &str) -> (String, Option<String>, Option<String>, Option<String>) {
        let p = split_title(t, &kinds());
        (p.title, p.id, p.kind, p.number)
    }

    #[test]
    fn kind_patterns_read_letter_ids_in_titles_and_file_names() {
        let text = "[portal]\nkinds = [\"gRFC\"]\n[portal.kind.gRFC]\nid = \"[AGLP]{n}\"\n[portal.folders]\ngRFC = \"proposals\"\n";
        let config = crate::config::from_str(Path::new("/p"), text).unwrap().0;
        let p = split_title("A27: xDS-Based Global Load Balancing", &config.kinds);
        assert_eq!((p.id.as_deref(), p.kind.as_deref()), (Some("gRFC-A27"), Some("gRFC")));
        assert_eq!(p.title, "xDS-Based Global Load Balancing");
        assert_eq!(split_title("gRFC L5: Node interceptors", &config.kinds).id.as_deref(), Some("gRFC-L5"));
        assert_eq!(split_title("Aardvark: not an id", &config.kinds).id, None);
        assert_eq!(id_from_path("A27-xds-global-load-balancing.md", &config).as_deref(), Some("gRFC-A27"));
        assert_eq!(id_from_path("proposals/G1-true-binary.md", &config).as_deref(), Some("gRFC-G1"));
        assert_eq!(id_from_path("proposals/0027-x.md", &config), None, "a number alone needs its letter");
        assert_eq!(id_from_path("a27-lower.md", &config), None);
        assert_eq!(humanize_path("A27-xds-global-load-balancing.md", &config.kinds), "Xds global load balancing");
    }

    #[test]
    fn id_prefix_gives_id_kind_and_title() {
        assert_eq!(
            split("TRD-0101: Rate Limiter"),
            ("Rate Limiter".into(), Some("TRD-0101".into()), Some("TRD".into()), None)
        );
        assert_eq!(split("ADR 7: Use Postgres").1.as_deref(), Some("ADR-0007"));
        assert_eq!(split("ADR 7: Use Postgres").0, "Use Postgres");
        assert_eq!(split("[RFC-15] Streaming").0, "Streaming");
        assert_eq!(split("rfc-0015 — Streaming").1.as_deref(), Some("RFC-0015"));
        assert_eq!(split("**TRD-0101**: Rate *Limiter*").1.as_deref(), Some("TRD-0101"));
    }

    #[test]
    fn type_prefixes_are_removed_and_give_the_kind() {
        assert_eq!(split("TRD: Checkout"), ("Checkout".into(), None, Some("TRD".into()), None));
        assert_eq!(split("Technical Specification: Search"), ("Search".into(), None, Some("SPEC".into()), None));
        assert_eq!(split("Technical Design Document (TDD): Ledger"), ("Ledger".into(), None, Some("TDD".into()), None));
        assert_eq!(split("Technical Requirements Document: Quotas").2.as_deref(), Some("TRD"));
        assert_eq!(split("Product Requirements: Wallet").2.as_deref(), Some("PRD"));
        assert_eq!(split("Architecture Decision: Use Kafka").2.as_deref(), Some("ADR"));
    }

    #[test]
    fn adr_tools_numbers_and_type_suffixes_are_removed() {
        assert_eq!(split("7. Use PostgreSQL"), ("Use PostgreSQL".into(), None, None, Some("7".into())));
        assert_eq!(
            split("[Feature Name] - Technical Specification"),
            ("[Feature Name]".into(), None, Some("SPEC".into()), None)
        );
        assert_eq!(split("Search Reindexing (TDD)").0, "Search Reindexing");
        // Not prefixes: ordinary titles stay whole.
        assert_eq!(split("Rate limiting: a primer").0, "Rate limiting: a primer");
        assert_eq!(split("1.2 Overview").0, "1.2 Overview");
        assert_eq!(split("ADRIAN-12 notes").1, None);
    }

    #[test]
    fn file_names_give_ids_in_kind_folders() {
        let c = Config::default_at(Path::new("/p"));
        assert_eq!(id_from_path("trd/TRD-0101-rate-limiter.md", &c).as_deref(), Some("TRD-0101"));
        assert_eq!(id_from_path("adr/0007-use-postgres.md", &c).as_deref(), Some("ADR-0007"));
        assert_eq!(id_from_path("docs/ADRs/12_x.md", &c).as_deref(), Some("ADR-0012"));
        assert_eq!(id_from_path("notes/0007-x.md", &c), None);
        assert_eq!(id_from_path("adr/2026plan.md", &c), None);
        let (c, _) = crate::config::from_str(Path::new("/p"), "[portal.folders]\nADR = \"arch/records\"\n").unwrap();
        assert_eq!(id_from_path("arch/records/0003-x.md", &c).as_deref(), Some("ADR-0003"));
    }

    #[test]
    fn humanized_file_names() {
        assert_eq!(humanize_path("trd/TRD-0101-rate-limiter.md", &kinds()), "Rate limiter");
        assert_eq!(humanize_path("adr/0007-use_postgres.md", &kinds()), "Use postgres");
        assert_eq!(humanize_path("specs/search/README.md", &kinds()), "Search");
        assert_eq!(humanize_path("ADR-0007.md", &kinds()), "ADR-0007");
    }
}
