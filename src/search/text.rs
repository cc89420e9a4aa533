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
    for_each_word(text, &mut String::new(), |start, end, lower| {
        out.push(Word { start, end, lower: lower.to_string() })
    });
    out
}

/// Calls `f(start, end, lower)` for every word of `text`, in order; `lower` borrows
/// `text` when the word is already lower case, else `scratch`. Allocates only for
/// words outside ASCII that have upper-case letters.
pub fn for_each_word(text: &str, scratch: &mut String, mut f: impl FnMut(usize, usize, &str)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Skip to the next word.
        let Some(start) = next_word_char(text, i) else { return };
        let (mut end, mut ascii, mut upper) = (start, true, false);
        while let Some(&b) = bytes.get(end) {
            if b.is_ascii() {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                upper |= b.is_ascii_uppercase();
                end += 1;
            } else {
                let Some(c) = text.get(end..).and_then(|rest| rest.chars().next()) else { break };
                if !c.is_alphanumeric() {
                    break;
                }
                ascii = false;
                end += c.len_utf8();
            }
        }
        let word = &text[start..end];
        if !upper && ascii {
            f(start, end, word);
        } else if ascii {
            scratch.clear();
            scratch.extend(word.bytes().map(|b| b.to_ascii_lowercase() as char));
            f(start, end, scratch);
        } else {
            // str::to_lowercase, not per char: it knows a word-final sigma, as JS does.
            f(start, end, &word.to_lowercase());
        }
        i = end;
    }
}

/// Byte offset of the first letter or digit at or after `from`.
fn next_word_char(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                return Some(i);
            }
            i += 1;
        } else {
            let c = text.get(i..)?.chars().next()?;
            if c.is_alphanumeric() {
                return Some(i);
            }
            i += c.len_utf8();
        }
    }
    None
}

/// A piece of text as the index sees it, before per-word rules.
#[derive(Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// A lower-cased word: [`classify`] says what it becomes.
    Word(&'a str),
    /// A kind and a number written apart (`ADR 7`, `adr-0007`): the id term, then the
    /// kind word; neither is stemmed.
    Id { id: String, kind: &'a str },
}

/// What a lone word becomes in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordTerms {
    /// A stop word or an over-long word.
    Dropped,
    /// A kind glued to its number (`rfc0015`): the id term and the kind word.
    GluedId(String, String),
    /// An ordinary word: its stem.
    Stem(String),
}

/// The rule for one lower-cased word seen on its own (not after a kind).
pub fn classify(lower: &str, kinds: &[String]) -> WordTerms {
    if let Some((id, kind)) = glued_id(lower, kinds) {
        WordTerms::GluedId(id, kind.to_string())
    } else if lower.len() <= MAX_TERM_CHARS || lower.chars().count() <= MAX_TERM_CHARS {
        if is_stopword(lower) {
            WordTerms::Dropped
        } else {
            WordTerms::Stem(stem(lower))
        }
    } else {
        WordTerms::Dropped
    }
}

/// Cuts `text` into [`Token`]s, in order, pairing a kind word with a number after it.
/// `kinds` are the configured kinds, lower-cased. A caller can cache [`classify`] per
/// distinct word, which is what makes indexing fast.
pub fn scan(text: &str, kinds: &[String], scratch: &mut String, mut emit: impl FnMut(Token)) {
    // A kind word waiting to see whether a number follows: (its index in kinds, its end).
    let mut pending: Option<(usize, usize)> = None;
    for_each_word(text, scratch, |start, end, lower| {
        if let Some((k, kind_end)) = pending.take() {
            let kind = kinds.get(k).map_or("", String::as_str);
            if is_id_number(lower) && text.get(kind_end..start).is_some_and(is_id_gap) {
                emit(Token::Id { id: id_term(kind, lower), kind });
                return;
            }
            emit(Token::Word(kind));
        }
        // Most words are not kinds: compare lengths and first bytes before the bytes.
        let first = lower.as_bytes().first();
        match kinds.iter().position(|k| k.len() == lower.len() && k.as_bytes().first() == first && k == lower) {
            Some(k) => pending = Some((k, end)),
            None => emit(Token::Word(lower)),
        }
    });
    if let Some((k, _)) = pending {
        emit(Token::Word(kinds.get(k).map_or("", String::as_str)));
    }
}

/// The index terms of `text`, in order (repeats kept, for term frequencies).
/// `kinds` are the configured kinds, lower-cased.
pub fn terms(text: &str, kinds: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    scan(text, kinds, &mut String::new(), |token| match token {
        Token::Id { id, kind } => out.extend([id, kind.to_string()]),
        Token::Word(w) => match classify(w, kinds) {
            WordTerms::Dropped => {}
            WordTerms::GluedId(id, kind) => out.extend([id, kind]),
            WordTerms::Stem(s) => out.push(s),
        },
    });
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
