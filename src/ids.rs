//! Document ids: the one place that decides what `ADR 7`, `adr-0007`, `ADR-7` and
//! `gRFC A27` mean.
//!
//! A numbered id is a kind from `[portal] kinds` followed by the kind's *id part*. By
//! default the id part is a number, canonically padded to four digits (`ADR-0007`);
//! `[portal.kind.NAME] id = "..."` in book.toml gives a kind its own [`IdPattern`]:
//! letters before the number (`A27`, or one of several: `[AGLP]{n}`) and the padding
//! (`{n}` keeps the number as written, less leading zeros: `EIP-20`). The canonical form
//! is the kind as configured, a hyphen and the id part with upper-case letters
//! (`gRFC-A27`). An id part that starts with letters is distinctive enough to stand
//! alone (`A27` names `gRFC-A27`), but only written in upper case, so `a4 paper` is
//! never an id. Docs without a number get a slug of their path (`specs-search`).
//! Every function is total: any input gives `None` or a valid id, never a panic.

/// How one kind writes the part of its ids after the kind: letters, each a fixed
/// letter or a choice of letters, then a number of at most six digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdPattern {
    /// One entry per letter before the number: the upper-case letters allowed there.
    letters: Vec<Vec<u8>>,
    /// Digits of the canonical number, zero-padded (1: the number without leading zeros).
    width: usize,
}

impl Default for IdPattern {
    /// `{nnnn}`: a number, padded to four digits.
    fn default() -> IdPattern {
        IdPattern { letters: Vec::new(), width: 4 }
    }
}

/// Longest number that is an id: longer ones are dates, tickets or phone numbers.
const MAX_DIGITS: usize = 6;

impl IdPattern {
    /// Reads a pattern as written in book.toml for `kind`: letters (`A`), choices of
    /// letters (`[AGLP]`, `[A-Z]`) and last a number, `{n}` (unpadded) or `{nnnn}`
    /// (padded to as many digits as there are `n`s, at most six). The kind and a
    /// separator may open the pattern (`EIP-{n}`, `gRFC A{n}`): they are read in every
    /// spelling anyway. Letters are matched and shown in upper case.
    pub fn parse(kind: &str, text: &str) -> Result<IdPattern, String> {
        let written = text.trim();
        let mut rest = written;
        if rest.len() > kind.len() && rest.is_char_boundary(kind.len()) && rest[..kind.len()].eq_ignore_ascii_case(kind)
        {
            if let Some(after) = rest[kind.len()..].strip_prefix(['-', '_', ' ']) {
                rest = after.trim_start();
            }
        }
        if rest.len() > kind.len() && rest.is_char_boundary(kind.len()) && rest[..kind.len()].eq_ignore_ascii_case(kind)
        {
            // `SE{nnnn}`: the kind glued to the number slot.
            if rest[kind.len()..].starts_with('{') {
                rest = &rest[kind.len()..];
            }
        }
        let example = "e.g. \"{n}\", \"{nnnn}\", \"A{n}\" or \"[AGLP]{n}\"";
        let mut letters = Vec::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                c if c.is_ascii_alphabetic() => letters.push(vec![c.to_ascii_uppercase() as u8]),
                '[' => {
                    let inner: String = chars.by_ref().take_while(|&c| c != ']').collect();
                    letters.push(letter_choice(&inner).map_err(|m| format!("id pattern `{written}`: {m}"))?);
                }
                '{' => {
                    let inner: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    if inner.is_empty() || inner.len() > MAX_DIGITS || !inner.bytes().all(|b| b == b'n') {
                        return Err(format!(
                            "id pattern `{written}`: the number is `{{n}}`, or `{{nnnn}}` for one padded to four digits (at most six `n`s), not `{{{inner}}}`"
                        ));
                    }
                    if !chars.as_str().is_empty() {
                        return Err(format!(
                            "id pattern `{written}`: the number must come last (`{}` follows it)",
                            chars.as_str()
                        ));
                    }
                    if letters.len() > 8 {
                        return Err(format!("id pattern `{written}`: at most eight letters before the number"));
                    }
                    return Ok(IdPattern { letters, width: inner.len() });
                }
                other => {
                    return Err(format!(
                        "id pattern `{written}`: `{other}` is not allowed; write letters, [letter choices] and a number, {example}"
                    ))
                }
            }
        }
        Err(format!("id pattern `{written}` has no number; end it with `{{n}}` or `{{nnnn}}`, {example}"))
    }

    /// Whether ids of this pattern start with letters (and so may stand without the kind).
    pub fn has_letters(&self) -> bool {
        !self.letters.is_empty()
    }

    /// Whether some id part reads as both patterns.
    fn overlaps(&self, other: &IdPattern) -> bool {
        self.letters.len() == other.letters.len()
            && self.letters.iter().zip(&other.letters).all(|(a, b)| a.iter().any(|c| b.contains(c)))
    }

    /// Reads an id part at the start of `b`: its length and canonical form. `exact`:
    /// letters only in upper case (prose spellings without a hyphen). What follows
    /// the number is the caller's business.
    fn read(&self, b: &[u8], exact: bool) -> Option<(usize, String)> {
        let mut out = String::with_capacity(self.letters.len() + self.width.max(MAX_DIGITS));
        for (i, allowed) in self.letters.iter().enumerate() {
            let c = *b.get(i)?;
            let upper = c.to_ascii_uppercase();
            if !allowed.contains(&upper) || (exact && c != upper) {
                return None;
            }
            out.push(char::from(upper));
        }
        let digits = &b[self.letters.len()..];
        let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > MAX_DIGITS {
            return None;
        }
        push_number(&mut out, &digits[..n], self.width);
        Some((self.letters.len() + n, out))
    }

    /// The id part for a bare number (`7` → `0007`), when the pattern needs no letter
    /// or only fixed ones (`A{n}`: `A7`).
    fn part_for_number(&self, digits: &str) -> Option<String> {
        let digits = digits.trim();
        if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut out = String::new();
        for allowed in &self.letters {
            match allowed.as_slice() {
                [only] => out.push(char::from(*only)),
                _ => return None,
            }
        }
        push_number(&mut out, digits.as_bytes(), self.width);
        Some(out)
    }
}

/// `AGLP` or `A-Z` (ranges allowed) → the upper-case letters.
fn letter_choice(inner: &str) -> Result<Vec<u8>, String> {
    let b = inner.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !c.is_ascii_alphabetic() {
            return Err(format!("`[{inner}]` may hold letters and ranges like `A-Z` only"));
        }
        if b.get(i + 1) == Some(&b'-') && b.get(i + 2).is_some_and(u8::is_ascii_alphabetic) {
            let (from, to) = (c.to_ascii_uppercase(), b[i + 2].to_ascii_uppercase());
            if from > to {
                return Err(format!("`[{inner}]`: the range `{}-{}` runs backwards", c as char, b[i + 2] as char));
            }
            out.extend(from..=to);
            i += 3;
        } else {
            out.push(c.to_ascii_uppercase());
            i += 1;
        }
    }
    if out.is_empty() {
        return Err("`[]` must hold at least one letter".into());
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Appends ASCII `digits` without leading zeros, zero-padded to `width`.
fn push_number(out: &mut String, digits: &[u8], width: usize) {
    let start = digits.iter().position(|&d| d != b'0').unwrap_or(digits.len().saturating_sub(1));
    let significant = &digits[start.min(digits.len())..];
    for _ in significant.len()..width {
        out.push('0');
    }
    out.extend(significant.iter().map(|&d| char::from(d)));
}

/// The configured kinds, each with its [`IdPattern`]. Derefs to the kinds' names (as
/// configured: `ADR`, `gRFC`), which is all most stages need.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Kinds {
    names: Vec<String>,
    patterns: Vec<IdPattern>,
    /// Indices of `names`, longest name first, so `SPEC` wins over a kind `SP`.
    by_length: Vec<usize>,
}

impl std::ops::Deref for Kinds {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.names
    }
}

impl<S: Into<String>> FromIterator<S> for Kinds {
    /// Kinds with the default pattern.
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Kinds {
        Kinds::new(names.into_iter().map(|n| (n.into(), IdPattern::default())).collect())
    }
}

impl Kinds {
    /// Kinds in the given order (names as they are to be shown). Validation (distinct
    /// names, patterns that do not overlap) is [`Kinds::check`]'s.
    pub fn new(kinds: Vec<(String, IdPattern)>) -> Kinds {
        let (names, patterns): (Vec<String>, Vec<IdPattern>) = kinds.into_iter().unzip();
        let mut by_length: Vec<usize> = (0..names.len()).collect();
        by_length.sort_by(|&a, &b| names[b].len().cmp(&names[a].len()).then_with(|| names[a].cmp(&names[b])));
        Kinds { names, patterns, by_length }
    }

    /// Why these kinds cannot work together: two ids with letters that read alike
    /// without their kind (`A27` for two kinds), or one that reads as another kind
    /// glued to its number (`A{n}` beside a kind `A`).
    pub fn check(&self) -> Result<(), String> {
        for (i, p) in self.patterns.iter().enumerate().filter(|(_, p)| p.has_letters()) {
            for (j, q) in self.patterns.iter().enumerate().skip(i + 1).filter(|(_, q)| q.has_letters()) {
                if p.overlaps(q) {
                    return Err(format!(
                        "kinds `{}` and `{}` have id patterns that read the same ids without the kind; give them different letters",
                        self.names[i], self.names[j]
                    ));
                }
            }
            for name in &self.names {
                let glued =
                    IdPattern { letters: name.bytes().map(|c| vec![c.to_ascii_uppercase()]).collect(), width: 1 };
                if name.bytes().all(|c| c.is_ascii_alphabetic()) && p.overlaps(&glued) {
                    return Err(format!(
                        "the id pattern of kind `{}` reads `{name}7` as its own id, but `{name}` is a kind too",
                        self.names[i]
                    ));
                }
            }
        }
        Ok(())
    }

    /// The configured spelling of a kind written in any case.
    pub fn find(&self, kind: &str) -> Option<&str> {
        self.position(kind).map(|i| self.names[i].as_str())
    }

    fn position(&self, kind: &str) -> Option<usize> {
        self.names.iter().position(|k| k.eq_ignore_ascii_case(kind.trim()))
    }

    /// The pattern of a kind written in any case.
    pub fn pattern(&self, kind: &str) -> Option<&IdPattern> {
        self.position(kind).map(|i| &self.patterns[i])
    }

    /// Canonical id for a kind and a bare number (`("adr", "7")` → `ADR-0007`), when the
    /// kind's ids need no letter choice. `None` for unknown kinds and non-numbers.
    pub fn number(&self, kind: &str, digits: &str) -> Option<String> {
        let i = self.position(kind)?;
        Some(format!("{}-{}", self.names[i], self.patterns[i].part_for_number(digits)?))
    }

    /// An id at the very start of `text`: a kind in any case, an optional separator
    /// (`-`, `_`, `#`, spaces) and the kind's id part; else, for kinds whose ids start
    /// with letters, the id part alone in upper case (`A27`). Returns the canonical id
    /// and the bytes read. What follows is not checked.
    pub fn read_leading(&self, text: &str) -> Option<(String, usize)> {
        let b = text.as_bytes();
        for &k in &self.by_length {
            let name = &self.names[k];
            let Some(written) = b.get(..name.len()) else { continue };
            if !written.eq_ignore_ascii_case(name.as_bytes()) {
                continue;
            }
            let mut at = name.len();
            if matches!(b.get(at), Some(b'-' | b'_' | b' ' | b'#')) {
                at += 1;
            }
            while b.get(at) == Some(&b' ') {
                at += 1;
            }
            if let Some((len, part)) = self.patterns[k].read(&b[at..], false) {
                return Some((format!("{name}-{part}"), at + len));
            }
        }
        self.read_bare(b).map(|(_, len, id)| (id, len))
    }

    /// The id part of a kind whose ids start with letters, alone and in upper case, at
    /// the start of `b` (`A27` → `gRFC-A27`): the kind's index, bytes read, canonical id.
    pub fn read_bare(&self, b: &[u8]) -> Option<(usize, usize, String)> {
        self.patterns.iter().enumerate().filter(|(_, p)| p.has_letters()).find_map(|(k, p)| {
            let (len, part) = p.read(b, true)?;
            Some((k, len, format!("{}-{part}", self.names[k])))
        })
    }

    /// The kind name at index `k` and its id part read at the start of `b` (after the
    /// kind and its separator): the canonical id and bytes read.
    pub fn read_part(&self, k: usize, b: &[u8], exact: bool) -> Option<(usize, String)> {
        let (len, part) = self.patterns.get(k)?.read(b, exact)?;
        Some((len, format!("{}-{part}", self.names[k])))
    }

    /// Kind indices, longest name first.
    pub fn longest_first(&self) -> &[usize] {
        &self.by_length
    }

    /// Upper-case letters an id without its kind can start with.
    pub fn bare_first_letters(&self) -> impl Iterator<Item = u8> + '_ {
        self.patterns.iter().filter_map(|p| p.letters.first()).flatten().copied()
    }
}

/// Canonical id for a written id such as `adr 7`, `TRD_0101`, `prd-40`, `RFC0015`,
/// `gRFC A27` or (for a kind whose ids start with letters) `A27`.
///
/// The whole input must be the id (surrounding spaces allowed). Numbers of more than
/// six digits are not ids (they are usually dates or ticket numbers).
pub fn normalize(raw: &str, kinds: &Kinds) -> Option<String> {
    let raw = raw.trim();
    kinds.read_leading(raw).filter(|(_, len)| *len == raw.len()).map(|(id, _)| id)
}

/// The default canonical form of a kind and its digits: `("adr", "7")` → `ADR-0007`.
/// Search terms use it for every kind (so `EIP 20` and the id `EIP-20` meet as
/// `eip-0020`); docs get theirs from [`Kinds::number`], which follows the kind's pattern.
pub fn canonical(kind: &str, digits: &str) -> String {
    let mut out = kind.to_ascii_uppercase();
    out.push('-');
    push_number(&mut out, digits.as_bytes(), IdPattern::default().width);
    out
}

/// The kind of a canonical numbered id (`ADR-0007` → `ADR`, `gRFC-A27` → `gRFC`), as
/// configured, if it has one.
pub fn kind_of<'k>(id: &str, kinds: &'k Kinds) -> Option<&'k str> {
    let (kind, rest) = id.split_once('-')?;
    let k = kinds.position(kind)?;
    let (len, _) = kinds.patterns[k].read(rest.as_bytes(), false)?;
    (len == rest.len()).then(|| kinds.names[k].as_str())
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
            // `İ` lower-cases to `i` and a combining dot: keep the letter only.
            out.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
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

    /// Regression (found by `path_slugs_are_clean_and_stable`): `İ` made the slug
    /// `i` + U+0307, a combining mark in a URL segment.
    #[test]
    fn slug_of_a_dotted_capital_i_is_a_plain_i() {
        assert_eq!(slugify("İstanbul Rollout"), "istanbul-rollout");
        assert_eq!(slug_of_path("İ.md"), "i");
    }

    fn kinds() -> Kinds {
        ["TRD", "TDD", "PRD", "ADR", "RFC", "SPEC"].into_iter().collect()
    }

    /// gRPC proposals (`A27`, `L5`), EIPs without padding, Swift Evolution by default.
    fn pattern_kinds() -> Kinds {
        let kind = |name: &str, pattern: &str| (name.to_string(), IdPattern::parse(name, pattern).unwrap());
        Kinds::new(vec![
            kind("gRFC", "[AGLP]{n}"),
            kind("EIP", "EIP-{n}"),
            kind("SE", "{nnnn}"),
            kind("RFC", "RFC {n}"),
            kind("KEP", "KEP-{n}"),
        ])
    }

    #[test]
    fn patterns_canonicalise_letters_and_padding() {
        let k = pattern_kinds();
        for (raw, id) in [
            ("gRFC A27", "gRFC-A27"),
            ("grfc-a27", "gRFC-A27"),
            ("GRFC_L5", "gRFC-L5"),
            ("A27", "gRFC-A27"),
            ("A027", "gRFC-A27"),
            ("P4", "gRFC-P4"),
            ("EIP-1559", "EIP-1559"),
            ("eip 20", "EIP-20"),
            ("EIP-0020", "EIP-20"),
            ("SE-0296", "SE-0296"),
            ("se 296", "SE-0296"),
            ("RFC 1238", "RFC-1238"),
            ("KEP-2400", "KEP-2400"),
        ] {
            assert_eq!(normalize(raw, &k).as_deref(), Some(id), "{raw}");
            assert_eq!(normalize(id, &k).as_deref(), Some(id), "{id} is a fixed point");
        }
        for raw in ["a27", "B27", "gRFC 27", "gRFC-AB27", "A", "A1234567", "EIP-x", "SE-A27"] {
            assert_eq!(normalize(raw, &k), None, "{raw}");
        }
        assert_eq!(kind_of("gRFC-A27", &k), Some("gRFC"));
        assert_eq!(kind_of("GRFC-A27", &k), Some("gRFC"));
        assert_eq!(kind_of("EIP-20", &k), Some("EIP"));
        assert_eq!(kind_of("gRFC-27", &k), None);
        assert_eq!(k.number("eip", "0020").as_deref(), Some("EIP-20"));
        assert_eq!(k.number("SE", "7").as_deref(), Some("SE-0007"));
        assert_eq!(k.number("gRFC", "27"), None, "a letter must be chosen");
        let fixed = Kinds::new(vec![("X".into(), IdPattern::parse("X", "A{nn}").unwrap())]);
        assert_eq!(fixed.number("x", "7").as_deref(), Some("X-A07"));
    }

    #[test]
    fn pattern_syntax_errors_say_what_is_wrong() {
        for (pattern, says) in [
            ("A", "has no number"),
            ("A{m}", "not `{m}`"),
            ("{nnnnnnn}", "at most six"),
            ("{n}A", "must come last"),
            ("A-{n}", "`-` is not allowed"),
            ("[]{n}", "at least one letter"),
            ("[A1]{n}", "letters and ranges"),
            ("[Z-A]{n}", "runs backwards"),
            ("\\d+", "is not allowed"),
        ] {
            let err = IdPattern::parse("K", pattern).unwrap_err();
            assert!(err.contains(says), "{pattern}: {err}");
        }
        assert_eq!(IdPattern::parse("SE", "SE{nnnn}").unwrap(), IdPattern::default());
        assert_eq!(IdPattern::parse("SE", "se-{nnnn}").unwrap(), IdPattern::default());
        assert_eq!(IdPattern::parse("K", "[A-C]{n}").unwrap().letters, vec![b"ABC".to_vec()]);
    }

    #[test]
    fn overlapping_patterns_are_refused() {
        let kind = |name: &str, pattern: &str| (name.to_string(), IdPattern::parse(name, pattern).unwrap());
        assert!(pattern_kinds().check().is_ok());
        let err = Kinds::new(vec![kind("X", "[AB]{n}"), kind("Y", "[BC]{n}")]).check().unwrap_err();
        assert!(err.contains("`X` and `Y`"), "{err}");
        let err = Kinds::new(vec![kind("A", "{nnnn}"), kind("gRFC", "A{n}")]).check().unwrap_err();
        assert!(err.contains("`A7`"), "{err}");
        assert!(Kinds::new(vec![kind("X", "A{n}"), kind("Y", "AB{n}")]).check().is_ok());
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
