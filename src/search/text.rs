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
    for_each_word(text, &mut String::new(), |start, end, lower, _| {
        out.push(Word { start, end, lower: lower.to_string() })
    });
    out
}

/// A word or term of at most 16 bytes packed into two machine words (see [`packed`]),
/// or [`Packed::NONE`]. Passed by value in registers, where an `Option` of it would go
/// through memory on every word.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Packed(u64, u64);

/// Both words compared without short-circuit: which of them differs is too varied to
/// predict. Equal exactly when both words are, as derived equality would be.
impl PartialEq for Packed {
    fn eq(&self, other: &Self) -> bool {
        (self.0 == other.0) & (self.1 == other.1)
    }
}

impl std::hash::Hash for Packed {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
        state.write_u64(self.1);
    }
}

impl Packed {
    /// No key: the text is longer than 16 bytes (or not ASCII, for a word). No word or
    /// term is empty, so no key is all zeros.
    pub const NONE: Packed = Packed(0, 0);

    pub fn is_none(self) -> bool {
        self == Packed::NONE
    }

    /// The packed bytes, zero-padded to 16.
    pub fn to_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.0.to_le_bytes());
        out[8..].copy_from_slice(&self.1.to_le_bytes());
        out
    }

    /// The two words: the first eight bytes, the next eight.
    fn words(self) -> (u64, u64) {
        (self.0, self.1)
    }
}

/// `bytes[start..start + len]` packed little-endian and zero-padded into a [`Packed`]
/// when `len` is at most 16 (else [`Packed::NONE`]): a key that hashes and compares as
/// two machine words. Text holds no zero byte inside a word or term, so keys of
/// different lengths differ.
pub fn packed(bytes: &[u8], start: usize, len: usize) -> Packed {
    if len > 16 || len == 0 {
        return Packed::NONE;
    }
    let (lo_mask, hi_mask) = masks(len);
    // Loaded straight from the text when 16 bytes are there (copying a short slice
    // into a buffer first stalls the loads that follow).
    if let Some(chunk) = bytes.get(start..start + 16) {
        let word = |at: usize| chunk.get(at..at + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes);
        return Packed(word(0) & lo_mask, word(8) & hi_mask);
    }
    let mut buf = [0u8; 16];
    let Some(text) = bytes.get(start..start + len) else { return Packed::NONE };
    buf[..len].copy_from_slice(text);
    let (lo, hi) = buf.split_at(8);
    let word = |b: &[u8]| b.try_into().map_or(0, u64::from_le_bytes);
    Packed(word(lo), word(hi))
}

/// The masks keeping the first `len` bytes (at most 16) of a [`Packed`].
fn masks(len: usize) -> (u64, u64) {
    let keep = |n: usize| if n >= 8 { u64::MAX } else { (1u64 << (8 * n)) - 1 };
    (keep(len), keep(len.saturating_sub(8)))
}

impl Packed {
    /// Setting bit 0x20 of each byte lower-cases an ASCII letter and leaves a digit as
    /// it is: the key of an ASCII word's lower-case form.
    fn lower_alnum(self, len: usize) -> Packed {
        let (lo_mask, hi_mask) = masks(len);
        const BIT: u64 = u64::from_le_bytes([0x20; 8]);
        Packed(self.0 | (BIT & lo_mask), self.1 | (BIT & hi_mask))
    }
}

/// Calls `f(start, end, lower, key)` for every word of `text`, in order; `lower`
/// borrows `text` when the word is already lower case, else `scratch`, and `key` is
/// [`packed`] `lower` for an ASCII word of at most 16 bytes, else [`Packed::NONE`]. Allocates only for words
/// outside ASCII that have upper-case letters.
///
/// Word boundaries are found in bitmaps of 64 bytes at a time ([`Blocks`]) rather than
/// by testing byte after byte: a branch per byte mispredicts at every word's end, and
/// that was most of the tokenizer's time.
#[inline(always)]
pub fn for_each_word(text: &str, scratch: &mut String, mut f: impl FnMut(usize, usize, &str, Packed)) {
    let bytes = text.as_bytes();
    let mut blocks = Blocks::new(bytes);
    let mut i = 0;
    while let Some(start) = blocks.next_start(i) {
        let mut end = blocks.run_end(start);
        let mut ascii = true;
        // The ASCII run stopped at a byte outside ASCII: the word goes on while the
        // chars there are letters or digits.
        while bytes.get(end).is_some_and(|&b| !b.is_ascii()) {
            let Some(c) = text.get(end..).and_then(|rest| rest.chars().next()) else { break };
            if !c.is_alphanumeric() {
                break;
            }
            ascii = false;
            end = blocks.run_end(end + c.len_utf8());
        }
        if end == start {
            // A char outside ASCII that is neither letter nor digit.
            i = start + text.get(start..).and_then(|rest| rest.chars().next()).map_or(1, char::len_utf8);
            continue;
        }
        i = end;
        let word = &text[start..end];
        if !ascii {
            // str::to_lowercase, not per char: it knows a word-final sigma, as JS does.
            f(start, end, &word.to_lowercase(), Packed::NONE);
            continue;
        }
        let key = packed(bytes, start, end - start);
        let (upper, key) = if key.is_none() {
            (word.bytes().any(|b| b.is_ascii_uppercase()), key)
        } else {
            // Only an upper-case letter lacks bit 0x20 among ASCII letters and digits.
            let lower = key.lower_alnum(end - start);
            (key != lower, lower)
        };
        if upper && !key.is_none() {
            // The lower-case bytes are in the key: copied as all 16 and cut back, a copy
            // of fixed size (one of the word's size branches on it).
            scratch.clear();
            scratch.push_str(std::str::from_utf8(&key.to_bytes()).unwrap_or_default());
            scratch.truncate(end - start);
            f(start, end, scratch, key);
        } else if upper {
            scratch.clear();
            scratch.push_str(word);
            scratch.make_ascii_lowercase();
            f(start, end, scratch, key);
        } else {
            f(start, end, word, key);
        }
    }
}

/// Bitmaps of a text, 64 bytes at a time: which bytes are ASCII letters or digits,
/// and which are outside ASCII. One block is kept; words rarely span two.
struct Blocks<'a> {
    bytes: &'a [u8],
    /// The block in `alnum` and `high` (`usize::MAX`: none yet).
    index: usize,
    alnum: u64,
    high: u64,
}

/// [`classify_eight`] over a block: bit `i` of each mask for byte `i`.
fn classify_block(block: &[u8; 64]) -> (u64, u64) {
    let (mut alnum, mut high) = (0u64, 0u64);
    for (n, eight) in block.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(eight);
        let (a, h) = classify_eight(u64::from_le_bytes(word));
        alnum |= a << (8 * n);
        high |= h << (8 * n);
    }
    (alnum, high)
}

/// Eight bytes at once (SWAR): bit `i` of the first mask is set when byte `i` is an
/// ASCII letter or digit, of the second when it is outside ASCII.
fn classify_eight(x: u64) -> (u64, u64) {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    // With the high bits cleared, `y + (0x80 - lo)` per byte cannot carry into the next
    // byte, and its high bit says `y >= lo`.
    let low7 = x & !HIGH;
    let at_least = |y: u64, lo: u8| y + ONES * u64::from(0x80 - lo);
    let in_range = |y: u64, lo: u8, hi: u8| at_least(y, lo) & !at_least(y, hi + 1);
    let folded = low7 | (ONES * 0x20);
    let alnum = (in_range(low7, b'0', b'9') | in_range(folded, b'a', b'z')) & !x & HIGH;
    // Gathers the high bit of each byte into the top byte, byte 0 first.
    let gather = |m: u64| ((m >> 7) & ONES).wrapping_mul(0x0102_0408_1020_4080) >> 56;
    (gather(alnum), gather(x & HIGH))
}

impl<'a> Blocks<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Blocks { bytes, index: usize::MAX, alnum: 0, high: 0 }
    }

    /// Makes block `k` current. Bytes past the end count as neither.
    fn load(&mut self, k: usize) {
        if k == self.index {
            return;
        }
        let from = k.saturating_mul(64).min(self.bytes.len());
        let (alnum, high) = match self.bytes.get(from..from + 64).and_then(|b| <&[u8; 64]>::try_from(b).ok()) {
            Some(full) => classify_block(full),
            None => {
                // The last block, padded with zeros, which are neither.
                let mut tail = [0u8; 64];
                let rest = self.bytes.get(from..).unwrap_or_default();
                tail[..rest.len()].copy_from_slice(rest);
                classify_block(&tail)
            }
        };
        (self.index, self.alnum, self.high) = (k, alnum, high);
    }

    /// The first byte at or after `from` that is an ASCII letter or digit or outside
    /// ASCII (where a word may start), if any.
    #[inline(always)]
    fn next_start(&mut self, from: usize) -> Option<usize> {
        let (mut k, mut bit) = (from / 64, from % 64);
        while k.saturating_mul(64) < self.bytes.len() {
            self.load(k);
            let found = (self.alnum | self.high) >> bit;
            if found != 0 {
                return Some(k * 64 + bit + found.trailing_zeros() as usize);
            }
            (k, bit) = (k + 1, 0);
        }
        None
    }

    /// The first byte at or after `from` that is not an ASCII letter or digit (the
    /// text's length when there is none).
    #[inline(always)]
    fn run_end(&mut self, from: usize) -> usize {
        let (mut k, mut bit) = (from / 64, from % 64);
        while k.saturating_mul(64) < self.bytes.len() {
            self.load(k);
            let found = !self.alnum >> bit;
            if found != 0 {
                return (k * 64 + bit + found.trailing_zeros() as usize).min(self.bytes.len());
            }
            (k, bit) = (k + 1, 0);
        }
        self.bytes.len()
    }
}

/// A piece of text as the index sees it, before per-word rules.
#[derive(Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// A lower-cased word ([`classify`] says what it becomes) and its [`packed`] key
    /// when it has one.
    Word(&'a str, Packed),
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
#[inline(always)]
pub fn scan(text: &str, kinds: &[String], scratch: &mut String, mut emit: impl FnMut(Token)) {
    // A kind word waiting to see whether a number follows: (its index in kinds, its end).
    let mut pending: Option<(usize, usize)> = None;
    let kind = |k: usize| kinds.get(k).map_or("", String::as_str);
    let kind_word = |k: usize| {
        let kind = kind(k);
        Token::Word(kind, packed(kind.as_bytes(), 0, kind.len()))
    };
    // Up to eight kinds of at most eight ASCII bytes (the usual case): their keys.
    let mut kind_keys = [0u64; 8];
    let mut short_kinds = kinds.len() <= kind_keys.len();
    for (slot, k) in kind_keys.iter_mut().zip(kinds) {
        match packed(k.as_bytes(), 0, k.len()).words() {
            (lo, 0) if lo != 0 && k.is_ascii() => *slot = lo,
            _ => short_kinds = false,
        }
    }
    for_each_word(text, scratch, |start, end, lower, key| {
        if let Some((k, kind_end)) = pending.take() {
            if is_id_number(lower) && text.get(kind_end..start).is_some_and(is_id_gap) {
                emit(Token::Id { id: id_term(kind(k), lower), kind: kind(k) });
                return;
            }
            emit(kind_word(k));
        }
        // Most words are not kinds: with short ASCII kinds, a word's key is compared
        // with all of theirs at once (no branch per kind) before any string is.
        // Bitwise, not short-circuit: word lengths vary too much to predict a branch.
        let (lo, hi) = key.words();
        let maybe_kind =
            !short_kinds | key.is_none() | ((hi == 0) & kind_keys.iter().fold(false, |hit, &k| hit | (k == lo)));
        let is_kind = if maybe_kind { kinds.iter().position(|k| k == lower) } else { None };
        match is_kind {
            Some(k) => pending = Some((k, end)),
            None => emit(Token::Word(lower, key)),
        }
    });
    if let Some((k, _)) = pending {
        emit(kind_word(k));
    }
}

/// The index terms of `text`, in order (repeats kept, for term frequencies).
/// `kinds` are the configured kinds, lower-cased.
pub fn terms(text: &str, kinds: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    scan(text, kinds, &mut String::new(), |token| match token {
        Token::Id { id, kind } => out.extend([id, kind.to_string()]),
        Token::Word(w, _) => match classify(w, kinds) {
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
