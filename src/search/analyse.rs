//! Rendered docs → the inverted index: every term (sorted as the client compares
//! strings, by UTF-16 units) with its postings (doc number, payload), plus each doc's
//! BM25 length and its sections for excerpts.
//!
//! Built for speed, since it runs on every build: docs are analysed in parallel in
//! chunks; each distinct lower-cased word is classified and stemmed once per build
//! (a shared [`Dictionary`] behind a lock, fronted by a lock-free cache per chunk);
//! terms are numbered, so a doc's terms are integers that are sorted and merged with
//! no string work, and inversion is two passes over flat arrays. The output does not
//! depend on thread timing: term numbers are private, and everything that leaves is
//! ordered by term text and doc number.

use super::sections::{self, Section};
use super::text::{self, Token, WordTerms};
use super::{IN_HEADING, IN_ID, IN_TITLE};
use crate::index::Index;
use crate::model::{Doc, RenderedDoc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

/// Postings of one term: (doc number, payload), doc numbers ascending.
pub type Postings = Vec<(u32, u8)>;

/// The inverted index of a portal.
pub struct Inverted<'a> {
    /// Terms in client order, each with its postings: doc numbers ascending, one
    /// payload each (quantised body frequency × 8 + flags).
    pub terms: Vec<(Box<str>, Postings)>,
    /// Per doc, in index order.
    pub docs: Vec<DocFacts<'a>>,
}

/// What the index keeps of one doc besides its postings.
pub struct DocFacts<'a> {
    /// Terms in the body and headings (the BM25 length).
    pub length: usize,
    pub sections: Vec<Section<'a>>,
}

/// Analyses every doc of `index` (`rendered` in the same positions; a missing render
/// counts as an empty body).
pub fn invert<'a>(index: &'a Index, rendered: &'a [RenderedDoc], kinds: &[String]) -> Inverted<'a> {
    static EMPTY: RenderedDoc = RenderedDoc {
        html: String::new(),
        toc: Vec::new(),
        has_mermaid: false,
        has_code: false,
        text: String::new(),
        diagnostics: Vec::new(),
    };
    let shared = Mutex::new(Dictionary::default());
    // One context per rayon job; jobs of at least a few dozen docs keep the number of
    // cold word caches small (each starts by locking the dictionary once per word).
    let min_docs = (index.docs.len() / (rayon::current_num_threads() * 4)).max(16);
    let analysed: Vec<Analysed> = index
        .docs
        .par_iter()
        .enumerate()
        .with_min_len(min_docs)
        .map_init(|| Context::new(kinds, &shared), |cx, (i, doc)| analyse(doc, rendered.get(i).unwrap_or(&EMPTY), cx))
        .collect();
    let dictionary = shared.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());

    // Inversion: count, then fill in doc order, so every postings list comes out sorted.
    let mut counts = vec![0usize; dictionary.terms.len()];
    for a in &analysed {
        for &(term, _) in &a.terms {
            if let Some(c) = counts.get_mut(term as usize) {
                *c += 1;
            }
        }
    }
    let mut postings: Vec<Postings> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    let mut docs = Vec::with_capacity(analysed.len());
    for (doc, a) in analysed.into_iter().enumerate() {
        for (term, payload) in a.terms {
            if let Some(list) = postings.get_mut(term as usize) {
                list.push((doc as u32, payload));
            }
        }
        docs.push(DocFacts { length: a.length, sections: a.sections });
    }
    let mut terms: Vec<(Box<str>, Postings)> =
        dictionary.terms.into_iter().zip(postings).filter(|(_, p)| !p.is_empty()).collect();
    terms.par_sort_unstable_by(|a, b| client_order(&a.0, &b.0));
    Inverted { terms, docs }
}

/// String order of the client (JS compares UTF-16 code units); for ASCII it is byte order.
pub fn client_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// One doc, cut into numbered terms.
struct Analysed<'a> {
    /// (term number, payload), one entry per distinct term.
    terms: Vec<(u32, u8)>,
    length: usize,
    sections: Vec<Section<'a>>,
}

/// A term number, or none.
const NO_TERM: u32 = u32::MAX;

/// The terms one lower-cased word adds wherever it stands alone: up to two numbers.
type WordIds = [u32; 2];

/// Terms and word rules of one build, shared by every chunk.
#[derive(Default)]
struct Dictionary {
    words: FastMap<Box<str>, WordIds>,
    numbers: FastMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
}

impl Dictionary {
    fn number(&mut self, term: &str) -> u32 {
        if let Some(&n) = self.numbers.get(term) {
            return n;
        }
        let n = self.terms.len() as u32;
        self.terms.push(term.into());
        self.numbers.insert(term.into(), n);
        n
    }

    fn word(&mut self, lower: &str, kinds: &[String]) -> WordIds {
        if let Some(&ids) = self.words.get(lower) {
            return ids;
        }
        let ids = match text::classify(lower, kinds) {
            WordTerms::Dropped => [NO_TERM, NO_TERM],
            WordTerms::GluedId(id, kind) => [self.number(&id), self.number(&kind)],
            WordTerms::Stem(stem) => [self.number(&stem), NO_TERM],
        };
        self.words.insert(lower.into(), ids);
        ids
    }
}

/// The state of one worker: its caches and the tally of the doc being analysed.
struct Context<'k, 'd> {
    kinds: &'k [String],
    shared: &'d Mutex<Dictionary>,
    /// Words this worker has seen, so the shared dictionary is locked once per word.
    cache: WordCache,
    scratch: String,
    /// Per term number: (body frequency, flags) in the current doc.
    tally: Vec<(u32, u8)>,
    /// Term numbers the current doc has touched in `tally`.
    touched: Vec<u32>,
}

impl<'k, 'd> Context<'k, 'd> {
    fn new(kinds: &'k [String], shared: &'d Mutex<Dictionary>) -> Self {
        Context {
            kinds,
            shared,
            cache: WordCache::default(),
            scratch: String::new(),
            tally: Vec::new(),
            touched: Vec::new(),
        }
    }

    /// Tallies the terms of `text`, each adding `tf` to its body frequency and `flag`
    /// to its flags; returns how many terms it had.
    fn add(&mut self, text: &str, tf: u32, flag: u8) -> usize {
        let mut count = 0;
        let mut scratch = std::mem::take(&mut self.scratch);
        let (tally, touched) = (&mut self.tally, &mut self.touched);
        let mut push = |term: u32| {
            if term == NO_TERM {
                return;
            }
            let i = term as usize;
            if i >= tally.len() {
                tally.resize(i + 1024, (0, 0));
            }
            if let Some(slot) = tally.get_mut(i) {
                if *slot == (0, 0) {
                    touched.push(term);
                }
                // Title and heading words carry tf 0: a flag marks them as touched.
                *slot = (slot.0 + tf, slot.1 | flag | TOUCHED);
            }
            count += 1;
        };
        let (cache, shared, kinds) = (&mut self.cache, self.shared, self.kinds);
        // The shared dictionary is locked only for words this worker has not seen.
        let lock = || shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        text::scan(text, kinds, &mut scratch, |token| match token {
            Token::Word(lower) => {
                let ids = match cache.get(lower) {
                    Some(ids) => ids,
                    None => {
                        let ids = lock().word(lower, kinds);
                        cache.insert(lower, ids);
                        ids
                    }
                };
                ids.into_iter().for_each(&mut push);
            }
            Token::Id { id, kind } => {
                let mut dictionary = lock();
                let ids = [dictionary.number(&id), dictionary.number(kind)];
                drop(dictionary);
                ids.into_iter().for_each(&mut push);
            }
        });
        self.scratch = scratch;
        count
    }

    /// The tallied terms as (term number, payload), in no particular order; clears the tally.
    fn take_terms(&mut self) -> Vec<(u32, u8)> {
        let mut terms = Vec::with_capacity(self.touched.len());
        for &term in &self.touched {
            if let Some(slot) = self.tally.get_mut(term as usize) {
                terms.push((term, payload(slot.0, slot.1 & !TOUCHED)));
                *slot = (0, 0);
            }
        }
        self.touched.clear();
        terms
    }
}

/// Tally flag: the term occurred in the doc (apart from the posting flags).
const TOUCHED: u8 = 0x80;

fn analyse<'a>(doc: &Doc, rendered: &'a RenderedDoc, cx: &mut Context) -> Analysed<'a> {
    let sections = sections::of(rendered);
    if doc.numbered {
        cx.add(&doc.id, 0, IN_ID);
    }
    cx.add(&doc.title, 0, IN_TITLE);
    for author in &doc.authors {
        cx.add(author, 1, 0);
    }
    let mut length = 0;
    for section in &sections {
        length += cx.add(section.heading, 0, IN_HEADING);
        length += cx.add(section.text, 1, 0);
    }
    Analysed { terms: cx.take_terms(), length, sections }
}

/// Quantised body term frequency × 8 + flags.
fn payload(tf: u32, flags: u8) -> u8 {
    quantise_tf(tf) * 8 + flags
}

/// Body term frequency in 7 levels (BM25 saturates, so the top levels are coarse).
fn quantise_tf(tf: u32) -> u8 {
    match tf {
        0..=3 => tf as u8,
        4..=5 => 4,
        6..=9 => 5,
        _ => 6,
    }
}

/// Word → term numbers. Most words fit in 16 bytes: those are keyed by their bytes
/// packed into one integer (zero-padded, and words hold no zero byte), so a lookup
/// hashes and compares two machine words instead of calling `memcmp` on a heap key.
#[derive(Default)]
struct WordCache {
    short: FastMap<u128, WordIds>,
    long: FastMap<Box<str>, WordIds>,
}

impl WordCache {
    fn packed(word: &str) -> Option<u128> {
        let bytes = word.as_bytes();
        let mut buf = [0u8; 16];
        buf.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(u128::from_le_bytes(buf))
    }

    fn get(&self, word: &str) -> Option<WordIds> {
        match Self::packed(word) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(word).copied(),
        }
    }

    fn insert(&mut self, word: &str, ids: WordIds) {
        match Self::packed(word) {
            Some(key) => self.short.insert(key, ids),
            None => self.long.insert(word.into(), ids),
        };
    }
}

/// Hash maps keyed by short strings, hashed with a fast non-cryptographic hash (the
/// keys are the portal's own words; nobody gains from colliding them).
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// FxHash-style multiply-rotate hashing, eight bytes at a time.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(tail) ^ rest.len() as u64).wrapping_mul(K);
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_levels_saturate() {
        let levels: Vec<u8> = [0, 1, 3, 4, 5, 6, 9, 10, 500].iter().map(|&tf| quantise_tf(tf)).collect();
        assert_eq!(levels, [0, 1, 3, 4, 4, 5, 5, 6, 6]);
    }

    #[test]
    fn client_order_is_utf16_order() {
        // U+FF21 sorts before U+10000 by bytes (and code points), after it in UTF-16
        // units (U+10000 is the surrogate pair D800 DC00).
        assert_eq!("\u{ff21}".cmp("\u{10000}"), std::cmp::Ordering::Less);
        assert_eq!(client_order("\u{ff21}", "\u{10000}"), std::cmp::Ordering::Greater);
        assert_eq!(client_order("cach", "cache"), std::cmp::Ordering::Less);
    }
}
