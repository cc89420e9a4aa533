//! Rendered docs → the inverted index, in two steps.
//!
//! 1. [`analyse`] (per doc, pure): a rendered doc's headings and visible text →
//!    a [`DocAnalysis`]: its distinct terms with their body frequency and heading
//!    flag, its BM25 length and the trimmed section texts a result shows. It reads
//!    only the `RenderedDoc` and the configured kinds, so it is worked out once, when
//!    the doc is rendered, and kept with the render: in the persistent render cache of
//!    `docportal build` and in the render memo of `serve`. An unchanged doc is never
//!    analysed again.
//! 2. [`invert`] (per build): every doc's analysis plus its id, title and authors
//!    (read here, not in step 1: git history can fill in authors after parsing) →
//!    every term, sorted as the client compares strings (by UTF-16 units), with its
//!    postings (doc number, payload).
//!
//! Built for speed. Step 1 runs on every rendering thread with a word cache of its
//! own that outlives the doc (a thread-local [`Worker`]): each distinct lower-cased
//! word is classified and stemmed once per thread, and within a doc terms are tallied
//! by number, with no string work per occurrence. Step 2 interns each doc's distinct
//! terms (short ones keyed by their packed bytes) and inverts flat arrays. Nothing
//! that leaves either step depends on thread timing: a doc's terms are listed in the
//! order they first occur, and the index is ordered by term text and doc number.

use super::sections;
use super::text::{self, Packed, Token, WordTerms};
use super::{IN_HEADING, IN_ID, IN_TITLE};
use crate::index::Index;
use crate::model::RenderedDoc;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Postings of one term: (doc number, payload), doc numbers ascending.
pub type Postings = Vec<(u32, u8)>;

/// What the index keeps of one rendered doc: a pure function of the `RenderedDoc`
/// (its `text` and `toc`) and the configured kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocAnalysis {
    /// The distinct terms of the headings and text, in order of first occurrence, each
    /// followed by a newline (terms never hold whitespace).
    pub terms: String,
    /// Per term, in the same order: occurrences in the text (headings count 0; counting
    /// stops at 65,535) and flags ([`IN_HEADING`]).
    pub counts: Vec<(u32, u8)>,
    /// Terms in the headings and text, repeats included (the BM25 length).
    pub length: u32,
    /// The text before the first heading, trimmed for a result's excerpt.
    pub intro: String,
    /// The first headed sections, their text trimmed, for a result's excerpt.
    pub sections: Vec<ExcerptSection>,
}

/// One section as a search result may show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExcerptSection {
    pub heading: String,
    /// Empty when it is the heading's plain anchor (the client derives that one).
    pub anchor: String,
    pub text: String,
}

impl DocAnalysis {
    /// (term, occurrences in the text, flags), in order of first occurrence.
    pub fn terms(&self) -> impl Iterator<Item = (&str, u32, u8)> {
        self.terms_at().map(|(_, t, tf, flags)| (t, tf, flags))
    }

    /// [`DocAnalysis::terms`] with each term's offset in `terms`. Terms are a few bytes
    /// long: a plain byte loop finds their ends faster than a `memchr` call per term.
    fn terms_at(&self) -> impl Iterator<Item = (usize, &str, u32, u8)> {
        let bytes = self.terms.as_bytes();
        let mut at = 0;
        self.counts.iter().map_while(move |&(tf, flags)| {
            let len = bytes.get(at..)?.iter().position(|&b| b == b'\n')?;
            let term = self.terms.get(at..at + len)?;
            let start = at;
            at += len + 1;
            Some((start, term, tf, flags))
        })
    }
}

/// Analyses one rendered doc. `kinds` are the configured kinds, lower-cased.
pub fn analyse(rendered: &RenderedDoc, kinds: &[String]) -> DocAnalysis {
    WORKER.with(|cell| {
        let mut fresh = Worker::default();
        // Borrowed already only if analysing called itself back: a fresh worker gives
        // the same answer.
        let mut borrowed = cell.try_borrow_mut();
        let worker = borrowed.as_deref_mut().unwrap_or(&mut fresh);
        worker.prepare(kinds);
        worker.analyse(rendered)
    })
}

thread_local! {
    /// The word cache of this thread's analyses, kept from doc to doc.
    static WORKER: RefCell<Worker> = RefCell::new(Worker::default());
}

/// A thread's word cache and the tally of the doc it is analysing. Its term numbers
/// never leave it.
#[derive(Default)]
struct Worker {
    /// The kinds the cache was filled with (a word's terms depend on them).
    kinds: Vec<String>,
    dictionary: Dictionary,
    scratch: String,
    tally: Tally,
}

/// Terms a worker remembers before it starts afresh (a long `serve` session must not
/// grow without bound).
const MAX_WORKER_TERMS: usize = 1 << 21;

impl Worker {
    fn prepare(&mut self, kinds: &[String]) {
        if self.kinds != kinds || self.dictionary.terms.len() > MAX_WORKER_TERMS {
            *self = Worker { kinds: kinds.to_vec(), ..Worker::default() };
        }
    }

    fn add(&mut self, text: &str, tf: u32, flag: u8) -> usize {
        let Worker { kinds, dictionary, scratch, tally } = self;
        tally_text(text, tf, flag, kinds, dictionary, tally, scratch)
    }

    fn analyse(&mut self, rendered: &RenderedDoc) -> DocAnalysis {
        let sections = sections::of(rendered);
        let mut length = 0;
        for section in &sections {
            length += self.add(section.heading, 0, IN_HEADING);
            length += self.add(section.text, 1, 0);
        }
        let mut terms = String::new();
        let mut counts = Vec::with_capacity(self.tally.touched.len());
        for (term, tf, flags) in self.tally.drain() {
            if let Some(t) = self.dictionary.terms.get(term as usize) {
                terms.push_str(t);
                terms.push('\n');
                counts.push((tf, flags));
            }
        }
        let (intro, sections) = super::excerpt_of(&sections);
        DocAnalysis { terms, counts, length: length as u32, intro, sections }
    }
}

/// The inverted index of a portal.
pub struct Inverted {
    /// Terms in client order, each with its postings: doc numbers ascending, one
    /// payload each (quantised body frequency × 8 + flags).
    pub terms: Vec<(Box<str>, Postings)>,
}

/// Inverts the analyses of every doc of `index` (`analyses` in the same positions),
/// adding each doc's id, title and authors.
pub fn invert(index: &Index, analyses: &[&DocAnalysis], kinds: &[String]) -> Inverted {
    let mut dictionary = Dictionary::default();
    let mut tally = Tally::default();
    let mut analysed: Vec<Vec<(u32, u8)>> = Vec::with_capacity(index.docs.len());
    let mut scratch = String::new();
    for (doc, analysis) in index.docs.iter().zip(analyses) {
        let mut add = |text: &str, tf: u32, flag: u8| {
            tally_text(text, tf, flag, kinds, &mut dictionary, &mut tally, &mut scratch)
        };
        if doc.numbered {
            add(&doc.id, 0, IN_ID);
        }
        add(&doc.title, 0, IN_TITLE);
        for author in &doc.authors {
            add(author, 1, 0);
        }
        for (at, term, tf, flags) in analysis.terms_at() {
            // Packed straight from the doc's term list (see `text::packed`).
            tally.add(
                dictionary.number_keyed(text::packed(analysis.terms.as_bytes(), at, term.len()), term),
                tf,
                flags,
            );
        }
        analysed.push(tally.drain().map(|(term, tf, flags)| (term, payload(tf, flags))).collect());
    }

    // Inversion: count, then fill in doc order, so every postings list comes out sorted.
    let mut counts = vec![0usize; dictionary.terms.len()];
    for terms in &analysed {
        for &(term, _) in terms {
            if let Some(c) = counts.get_mut(term as usize) {
                *c += 1;
            }
        }
    }
    let mut postings: Vec<Postings> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    for (doc, terms) in analysed.into_iter().enumerate() {
        for (term, payload) in terms {
            if let Some(list) = postings.get_mut(term as usize) {
                list.push((doc as u32, payload));
            }
        }
    }
    let mut terms: Vec<(Box<str>, Postings)> =
        dictionary.terms.into_iter().zip(postings).filter(|(_, p)| !p.is_empty()).collect();
    use rayon::slice::ParallelSliceMut;
    terms.par_sort_unstable_by(|a, b| client_order(&a.0, &b.0));
    Inverted { terms }
}

/// String order of the client (JS compares UTF-16 code units); for ASCII it is byte order.
pub fn client_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// A term number, or none.
const NO_TERM: u32 = u32::MAX;

/// The terms one lower-cased word adds wherever it stands alone: up to two numbers.
type WordIds = [u32; 2];

/// Words and terms, numbered: those of one build, or one worker's.
#[derive(Default)]
struct Dictionary {
    words: ShortKeyMap<WordIds>,
    numbers: ShortKeyMap<u32>,
    terms: Vec<Box<str>>,
}

impl Dictionary {
    fn number(&mut self, term: &str) -> u32 {
        self.number_keyed(text::packed(term.as_bytes(), 0, term.len()), term)
    }

    /// [`Dictionary::number`] with the term's [`text::packed`] key worked out already.
    fn number_keyed(&mut self, key: Packed, term: &str) -> u32 {
        if let Some(n) = self.numbers.get(key, term) {
            return n;
        }
        let n = self.terms.len() as u32;
        self.terms.push(term.into());
        self.numbers.insert(key, term, n);
        n
    }

    /// The terms of a lower-cased word; `key` is its [`text::packed`] key, if any.
    fn word(&mut self, lower: &str, key: Packed, kinds: &[String]) -> WordIds {
        if let Some(ids) = self.words.get(key, lower) {
            return ids;
        }
        let ids = match text::classify(lower, kinds) {
            WordTerms::Dropped => [NO_TERM, NO_TERM],
            WordTerms::GluedId(id, kind) => [self.number(&id), self.number(&kind)],
            WordTerms::Stem(stem) => [self.number(&stem), NO_TERM],
        };
        self.words.insert(key, lower, ids);
        ids
    }
}

/// Tallies the terms of `text`, each adding `tf` to its frequency and `flag` to its
/// flags; returns how many terms it had.
fn tally_text(
    text: &str,
    tf: u32,
    flag: u8,
    kinds: &[String],
    dictionary: &mut Dictionary,
    tally: &mut Tally,
    scratch: &mut String,
) -> usize {
    let mut count = 0;
    text::scan(text, kinds, scratch, |token| {
        let ids = match token {
            Token::Word(lower, key) => dictionary.word(lower, key, kinds),
            Token::Id { id, kind } => [dictionary.number(&id), dictionary.number(kind)],
        };
        for term in ids.into_iter().filter(|&t| t != NO_TERM) {
            tally.add(term, tf, flag);
            count += 1;
        }
    });
    count
}

/// Per term number: (body frequency, flags) in the doc being tallied. Four bytes a
/// slot, so more of them stay in the cache: frequencies stop at 65,535, far past the
/// highest level [`quantise_tf`] tells apart.
#[derive(Default)]
struct Tally {
    slots: Vec<(u16, u8)>,
    /// Term numbers the doc has touched, in order of first touch.
    touched: Vec<u32>,
}

/// Tally flag: the term occurred in the doc (apart from the posting flags).
const TOUCHED: u8 = 0x80;

impl Tally {
    fn add(&mut self, term: u32, tf: u32, flag: u8) {
        let i = term as usize;
        if i >= self.slots.len() {
            self.slots.resize(i + 1024, (0, 0));
        }
        if let Some(slot) = self.slots.get_mut(i) {
            if slot.1 & TOUCHED == 0 {
                self.touched.push(term);
            }
            // Title and heading words carry tf 0: the flag marks them as touched.
            let tf = u16::try_from(tf).unwrap_or(u16::MAX);
            *slot = (slot.0.saturating_add(tf), slot.1 | flag | TOUCHED);
        }
    }

    /// The tallied (term, frequency, flags), in order of first touch; clears the tally.
    fn drain(&mut self) -> impl Iterator<Item = (u32, u32, u8)> + '_ {
        let slots = &mut self.slots;
        self.touched.drain(..).filter_map(move |term| {
            let slot = slots.get_mut(term as usize)?;
            let (tf, flags) = std::mem::take(slot);
            Some((term, u32::from(tf), flags & !TOUCHED))
        })
    }
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

/// String keys → small values. Most words and terms fit in 16 bytes: those are keyed
/// by their [`Packed`] bytes, so a lookup hashes and compares two machine words instead
/// of calling `memcmp` on a heap key.
struct ShortKeyMap<V> {
    short: FastMap<Packed, V>,
    long: FastMap<Box<str>, V>,
}

impl<V> Default for ShortKeyMap<V> {
    fn default() -> Self {
        ShortKeyMap { short: FastMap::default(), long: FastMap::default() }
    }
}

impl<V: Copy> ShortKeyMap<V> {
    /// `key` is the [`text::packed`] form of `s`, or [`Packed::NONE`] (then `s` is the key).
    fn get(&self, key: Packed, s: &str) -> Option<V> {
        if key.is_none() {
            self.long.get(s).copied()
        } else {
            self.short.get(&key).copied()
        }
    }

    fn insert(&mut self, key: Packed, s: &str, value: V) {
        if key.is_none() {
            self.long.insert(s.into(), value);
        } else {
            self.short.insert(key, value);
        }
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

    fn rendered(text: &str, headings: &[(&str, &str)]) -> RenderedDoc {
        let toc = headings
            .iter()
            .map(|(anchor, text)| crate::model::TocEntry {
                level: 2,
                anchor: anchor.to_string(),
                text: text.to_string(),
            })
            .collect();
        RenderedDoc { text: text.into(), toc, ..Default::default() }
    }

    fn kinds() -> Vec<String> {
        vec!["adr".into(), "trd".into()]
    }

    #[test]
    fn a_doc_analysis_lists_terms_frequencies_heading_flags_and_excerpts() {
        let doc = rendered(
            "Intro on caching. Goals Caches cache ADR 7 and the cache. Custom title Fast.",
            &[("goals", "Goals"), ("custom", "Custom title")],
        );
        let a = analyse(&doc, &kinds());
        let terms: Vec<(&str, u32, u8)> = a.terms().collect();
        assert_eq!(
            terms,
            [
                ("intro", 1, 0),
                ("cach", 4, 0),
                ("goal", 0, IN_HEADING),
                ("adr-0007", 1, 0),
                ("adr", 1, 0),
                ("custom", 0, IN_HEADING),
                ("titl", 0, IN_HEADING),
                ("fast", 1, 0)
            ]
        );
        // Stop words ("on", "and", "the") are not counted; the id counts as two terms.
        assert_eq!(a.length, 11);
        assert_eq!(a.intro, "Intro on caching.");
        let sections: Vec<(&str, &str, &str)> =
            a.sections.iter().map(|s| (s.heading.as_str(), s.anchor.as_str(), s.text.as_str())).collect();
        assert_eq!(sections, [("Goals", "", "Caches cache ADR 7 and the cache."), ("Custom title", "custom", "Fast.")]);
    }

    /// Each thread keeps its word cache from doc to doc: what it analysed before, and
    /// with which kinds, must never show in the result.
    #[test]
    fn an_analysis_does_not_depend_on_what_the_thread_analysed_before() {
        let doc = rendered("Replicated caches for ADR 7 and trd0009, adr4 rollout.", &[]);
        let fresh = std::thread::spawn({
            let doc = doc.clone();
            move || analyse(&doc, &kinds())
        })
        .join()
        .unwrap();
        let other = rendered("Unrelated words, ADR 7 again, and rollouts of replication.", &[]);
        analyse(&other, &["rollout".to_string()]);
        analyse(&other, &kinds());
        assert_eq!(analyse(&doc, &kinds()), fresh);
        // The same words with other kinds are other terms.
        let no_kinds = analyse(&doc, &[]);
        assert!(no_kinds.terms().all(|(t, _, _)| t != "adr-0007"), "{:?}", no_kinds.terms);
        assert_eq!(analyse(&doc, &kinds()), fresh);
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
