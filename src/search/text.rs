//! Text → index terms: the tokenizer the index is built with, mirrored by `terms` in
//! `theme/assets/search.js` so a query is cut into the same terms as the docs.
//!
//! A word is a maximal run of letters and digits (Unicode), lower-cased. Stop words
//! (shipped to the browser in the manifest, so both sides use one list) and words
//! longer than [`MAX_TERM_CHARS`] are dropped; the rest are stemmed. A configured kind
//! followed by a number (`ADR 7`, `adr-0007`, `RFC0015`) becomes one id term in
//! canonical form, lower-cased (`adr-0007`), plus the kind word itself, so `adr 7` in a
//! query meets `ADR-0007` in a doc. Offsets are byte offsets into the input and always
//! fall on char boundaries.

use super::stem::stem;
use crate::ids;

/// Words longer than this are hashes, URLs or base64, not something anyone types.
pub const MAX_TERM_CHARS: usize = 32;

/// Dropped from the index and from queries: they occur in every doc and rank nothing.
/// Kept sorted (looked up by binary search).
pub const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "for", "from", "has", "have", "if", "in",
    "into", "is", "it", "its", "of", "on", "or", "our", "so", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "we", "were", "which", "will", "with",
];

/// The longest stop word has five letters: longer words skip the lookup.
fn is_stopword(word: &str) -> bool {
    word.len() <= 5 && STOPWORDS.binary_search(&word).is_ok()
}

/// A word of the input: `text[start..end]` lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub lower: String,
}

/// Every word of `text`, in order.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let is_word = c.is_alphanumeric();
        match (is_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word { start: s, end: i, lower: text[s..i].to_lowercase() });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word { start: s, end: text.len(), lower: text[s..].to_lowercase() });
    }
    out
}

/// The index terms of `text`, in order (repeats kept, for term frequencies).
/// `kinds` are the configured kinds, lower-cased.
pub fn terms(text: &str, kinds: &[String]) -> Vec<String> {
    unstemmed_terms(text, kinds).into_iter().map(|(t, needs_stem)| if needs_stem { stem(&t) } else { t }).collect()
}

/// [`terms`] before stemming: each with `true` when it still needs [`stem`] (ids and
/// kind words do not). Lets the index stem each distinct word of a doc once.
pub fn unstemmed_terms(text: &str, kinds: &[String]) -> Vec<(String, bool)> {
    let ws = words(text);
    let mut out = Vec::with_capacity(ws.len());
    let mut i = 0;
    while let Some(w) = ws.get(i) {
        if kinds.contains(&w.lower) {
            if let Some(next) = ws.get(i + 1) {
                if is_id_number(&next.lower) && is_id_gap(&text[w.end..next.start]) {
                    out.push((id_term(&w.lower, &next.lower), false));
                    out.push((w.lower.clone(), false));
                    i += 2;
                    continue;
                }
            }
        }
        if let Some((id, kind)) = glued_id(&w.lower, kinds) {
            out.push((id, false));
            out.push((kind.to_string(), false));
        } else if w.lower.chars().count() <= MAX_TERM_CHARS && !is_stopword(&w.lower) {
            out.push((w.lower.clone(), true));
        }
        i += 1;
    }
    out
}

/// The id term of a canonical id (`ADR-0007` → `adr-0007`).
pub fn id_term_of(canonical_id: &str) -> String {
    canonical_id.to_lowercase()
}

fn id_term(kind: &str, digits: &str) -> String {
    ids::canonical(kind, digits).to_lowercase()
}

/// What may stand between a kind and its number, as `ids::normalize` accepts it.
fn is_id_gap(gap: &str) -> bool {
    let rest = gap.strip_prefix(['-', '_', '#']).unwrap_or(gap);
    rest.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn is_id_number(s: &str) -> bool {
    !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `rfc0015` → `rfc-0015`, when a kind is glued to its number.
fn glued_id<'a>(word: &str, kinds: &'a [String]) -> Option<(String, &'a str)> {
    kinds
        .iter()
        .filter(|k| word.len() > k.len() && word.starts_with(k.as_str()))
        .find_map(|k| word.get(k.len()..).filter(|d| is_id_number(d)).map(|d| (id_term(k, d), k.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<String> {
        ["trd", "tdd", "prd", "adr", "rfc", "spec"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn words_split_on_punctuation_and_keep_offsets() {
        let text = "Rate-limiting (Übersicht) p99!";
        let ws = words(text);
        let lowers: Vec<&str> = ws.iter().map(|w| w.lower.as_str()).collect();
        assert_eq!(lowers, ["rate", "limiting", "übersicht", "p99"]);
        assert_eq!(&text[ws[2].start..ws[2].end], "Übersicht");
    }

    #[test]
    fn terms_are_stemmed_without_stop_words() {
        assert_eq!(terms("The caching of replicated Indexes", &kinds()), ["cach", "replic", "index"]);
    }

    #[test]
    fn every_spelling_of_an_id_gives_one_term() {
        for text in ["ADR-0007", "adr 7", "ADR_07", "ADR#7", "ADR0007", "Adr-7"] {
            assert_eq!(terms(text, &kinds()), ["adr-0007", "adr"], "{text}");
        }
        assert_eq!(terms("see TRD-0101, then", &kinds()), ["see", "trd-0101", "trd"]);
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|p| p[0] < p[1]));
        assert!(STOPWORDS.iter().all(|w| w.len() <= 5 && is_stopword(w)));
    }

    #[test]
    fn long_numbers_and_long_words_are_not_ids() {
        assert_eq!(terms("ADR 1234567", &kinds()), ["adr", "1234567"]);
        assert!(terms(&"x".repeat(40), &kinds()).is_empty());
    }
}
