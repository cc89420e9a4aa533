//! Rendered docs → the inverted index, in two steps.
//!
//! 1. [`analyse`] (per doc, pure): a rendered doc's headings and visible text →
//!    a [`DocAnalysis`]: its distinct terms with their body frequency and heading
//!    flag, its BM25 length and the trimmed section texts a result shows. It reads
//!    only the `RenderedDoc` and the configured kinds, so it is worked out once, when
//!    the doc is rendered, and kept with the render: in the persistent render cache of
//!    `docportal build` and in the render memo of `serve`. An unchanged doc is never
//!    analysed again.
//! 2. [`Merger`] (per build): every doc's analysis plus its id, title and authors
//!    (read here, not in step 1: git history can fill in authors after parsing) →
//!    numbered terms per doc → every term, sorted as the client compares strings (by
//!    UTF-16 units), with its postings (doc number, payload).
//!
//! Built for speed. Step 1 runs on every rendering thread with a word cache of its
//! own that outlives the doc (a thread-local [`Worker`]): each distinct lower-cased
//! word is classified and stemmed once per thread, and within a doc terms are tallied
//! by number, with no string work per occurrence. Step 2 interns each doc's distinct
//! terms (short ones keyed by their packed bytes) and inverts flat arrays; `serve`
//! keeps its merger, so only changed docs are interned again. Where a doc is indexed
//! right after the same thread analysed it (`docportal build`), step 2 translates the
//! worker's own term numbers ([`LocalTerms`]) instead, each once per worker. Nothing
//! that leaves either step depends on thread timing: a doc's terms are listed in the
//! order they first occur, and the index is ordered by term text and doc number.

use super::sections;
use super::text::{self, Packed, Token, WordTerms};
use super::{IN_HEADING, IN_ID, IN_TITLE};
use crate::cache::FastMap;
use crate::model::{Doc, RenderedDoc};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the index keeps of one rendered doc: a pure function of the `RenderedDoc`
/// (its `text` and `toc`) and the configured kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocAnalysis {
    /// The distinct terms of the headings and text, in order of first occurrence, each
    /// followed by a newline (terms never hold whitespace).
    pub terms: String,
    /// Per term, in the same order: occurrences in the text (headings count 0; counting
    /// stops at 65,535) and flags ([`IN_HEADING`]).
    pub counts: Vec<(u16, u8)>,
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
            let tf = u32::from(tf);
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
        let analyse = |worker: &mut Worker| {
            worker.prepare(kinds);
            worker.analyse(rendered)
        };
        match cell.try_borrow_mut() {
            Ok(mut worker) => analyse(&mut worker),
            // Borrowed already only if analysing called itself back: a fresh worker
            // gives the same answer.
            Err(_) => analyse(&mut Worker::default()),
        }
    })
}

thread_local! {
    /// The word cache of this thread's analyses, kept from doc to doc.
    static WORKER: RefCell<Worker> = RefCell::new(Worker::default());
}

/// A thread's word cache and the tally of the doc it is analysing. Its term numbers
/// leave it only as [`LocalTerms`], named by the worker's `id`.
struct Worker {
    /// Unique in the process: a worker started afresh takes a new one, so numbers
    /// from before never pass for its own.
    id: u64,
    /// The kinds the cache was filled with (a word's terms depend on them).
    kinds: Vec<String>,
    dictionary: Dictionary,
    scratch: String,
    tally: Tally,
    /// The terms of the doc analysed last, and their numbers here, in the same order
    /// (for [`local_terms`]).
    last_terms: String,
    last_numbers: Vec<u32>,
}

impl Default for Worker {
    fn default() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Worker {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            kinds: Vec::new(),
            dictionary: Dictionary::default(),
            scratch: String::new(),
            tally: Tally::default(),
            last_terms: String::new(),
            last_numbers: Vec::new(),
        }
    }
}

/// A doc's terms as numbered by the worker that analysed it, in the order of its
/// [`DocAnalysis::terms`]: [`Merger::number_with`] translates each number once per
/// worker instead of looking every term up by its text (a doc's few hundred distinct
/// terms are spread over the whole dictionary, and most lookups missed the cache).
#[derive(Debug)]
pub struct LocalTerms {
    worker: u64,
    numbers: Vec<u32>,
}

/// The [`LocalTerms`] of `analysis`, when it is what this thread analysed last (as
/// when a doc is rendered and then indexed by the same task); taken, so a second call
/// answers `None`.
pub fn local_terms(analysis: &DocAnalysis) -> Option<LocalTerms> {
    WORKER.with(|cell| {
        let mut worker = cell.try_borrow_mut().ok()?;
        // Equal terms, equal numbers: whoever made `analysis`, this worker numbered
        // exactly these terms so.
        if worker.last_terms != analysis.terms || worker.last_numbers.len() != analysis.counts.len() {
            return None;
        }
        worker.last_terms.clear();
        Some(LocalTerms { worker: worker.id, numbers: std::mem::take(&mut worker.last_numbers) })
    })
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
        let Worker { kinds, dictionary, scratch, tally, .. } = self;
        tally_text(text, tf, flag, kinds, dictionary, tally, scratch)
    }

    fn analyse(&mut self, rendered: &RenderedDoc) -> DocAnalysis {
        let sections = sections::of(rendered);
        let mut length = 0;
        for section in &sections {
            length += self.add(section.heading, 0, IN_HEADING);
            length += self.add(section.text, 1, 0);
        }
        let mut terms = Vec::with_capacity(self.tally.touched() * 10);
        let mut counts = Vec::with_capacity(self.tally.touched());
        let mut numbers = std::mem::take(&mut self.last_numbers);
        numbers.clear();
        let Dictionary { terms: names, keys, .. } = &self.dictionary;
        for (term, tf, flags) in self.tally.drain() {
            let (Some(name), Some(key)) = (names.get(term as usize), keys.get(term as usize)) else { continue };
            // A short term is copied as its 16 packed bytes and cut back: a copy of
            // fixed size, where one of the term's size would branch on it.
            if key.is_none() {
                terms.extend_from_slice(name.as_bytes());
            } else {
                let end = terms.len() + name.len();
                terms.extend_from_slice(&key.to_bytes());
                terms.truncate(end);
            }
            terms.push(b'\n');
            counts.push((u16::try_from(tf).unwrap_or(u16::MAX), flags));
            numbers.push(term);
        }
        // Whole terms, each valid UTF-8: this cannot fail.
        let terms = String::from_utf8(terms).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.last_terms.clone_from(&terms);
        self.last_numbers = numbers;
        let (intro, sections) = super::excerpt_of(&sections);
        DocAnalysis { terms, counts, length: length as u32, intro, sections }
    }
}

/// The merge step's state: every term numbered so far, and a tally. A clean build
/// makes a fresh one; `serve` keeps one from build to build (in [`super::Memo`]), so a
/// doc whose analysis and listing did not change keeps its numbered terms and is not
/// looked up again. Numbers are private to the merger and never leave it.
#[derive(Default)]
pub struct Merger {
    dictionary: Dictionary,
    /// By worker ([`LocalTerms`]): the worker's term number → this merger's
    /// ([`NO_TERM`] where not yet known).
    translations: HashMap<u64, Vec<u32>>,
    /// Term numbers in client order (all of them, once [`Merger::sort`] has run).
    order: Vec<u32>,
    tally: Tally,
    scratch: String,
}

/// Docs a parallel run of [`Merger::number_all`] takes at least.
const PARALLEL_MIN_DOCS: usize = 64;

/// One doc's terms as (term number in its [`Merger`], payload), one entry per term.
pub type NumberedTerms = Vec<(u32, u8)>;

/// One doc's numbered terms as [`Merger::inverted`] reads them.
pub trait TermList {
    /// (term number, payload), one per term.
    fn each(&self) -> impl Iterator<Item = (u32, u8)> + '_;
}

impl TermList for &[(u32, u8)] {
    fn each(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        self.iter().copied()
    }
}

/// [`NumberedTerms`] to keep until the index is built, a streaming build keeping every
/// doc's until all are rendered: ascending by term number, each term as the gap from
/// the one before (LEB128: 7 bits a byte) followed by its payload byte. About 2 bytes a
/// term (2.1 on the 10,000-doc bench corpus) where apart numbers and payloads take 5
/// (and a `(u32, u8)` 8): a doc's terms are a few hundred numbers out of the whole
/// portal's, so most gaps fit in one byte.
#[derive(Debug, Clone, Default)]
pub struct PackedTerms {
    bytes: Box<[u8]>,
}

impl PackedTerms {
    /// The packed form, as [`PackedTerms::from_bytes`] reads it back.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Terms packed by [`PackedTerms::bytes`], when they are: whole entries, term
    /// numbers strictly ascending from 1 and all below `limit`.
    pub fn from_bytes(bytes: &[u8], limit: u32) -> Option<PackedTerms> {
        let mut at = bytes.iter().copied();
        let mut last = 0u32;
        while let Some(mut byte) = at.next() {
            let (mut gap, mut shift) = (0u32, 0u32);
            loop {
                gap |= u32::from(byte & 0x7f).checked_shl(shift)?;
                shift += 7;
                if byte < 0x80 {
                    break;
                }
                byte = at.next()?;
            }
            last = last.checked_add(gap).filter(|&term| gap > 0 && term < limit)?;
            at.next()?;
        }
        Some(PackedTerms { bytes: bytes.into() })
    }

    pub fn new(mut terms: NumberedTerms) -> Self {
        terms.sort_unstable_by_key(|&(term, _)| term);
        let mut bytes = Vec::with_capacity(terms.len() * 3);
        let mut last = 0;
        for (term, payload) in terms {
            let mut gap = term - last;
            last = term;
            while gap >= 0x80 {
                bytes.push((gap & 0x7f) as u8 | 0x80);
                gap >>= 7;
            }
            bytes.push(gap as u8);
            bytes.push(payload);
        }
        PackedTerms { bytes: bytes.into() }
    }
}

impl TermList for &PackedTerms {
    fn each(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        (**self).each()
    }
}

impl TermList for PackedTerms {
    /// In ascending term order (the order [`Merger::inverted`] does not depend on).
    fn each(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        let mut bytes = self.bytes.iter().copied();
        let mut last = 0u32;
        std::iter::from_fn(move || {
            let (mut gap, mut shift) = (0u32, 0u32);
            loop {
                let byte = bytes.next()?;
                gap |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
                shift += 7;
                if byte < 0x80 {
                    break;
                }
            }
            last = last.wrapping_add(gap);
            Some((last, bytes.next()?))
        })
    }
}

impl Merger {
    /// A merger that goes on from terms an earlier one numbered (`terms`, by number,
    /// [`Merger::terms`]) and sorted (`order`, [`Merger::order`]), so the docs it numbered
    /// keep their numbers; `None` unless `terms` starts with the placeholder, holds no
    /// term twice and `order` lists each number once.
    pub fn resume(terms: Vec<Box<str>>, order: Vec<u32>) -> Option<Merger> {
        if terms.first().is_none_or(|t| !t.is_empty()) || order.len() != terms.len() {
            return None;
        }
        let mut seen = vec![false; terms.len()];
        for &n in &order {
            let slot = seen.get_mut(n as usize)?;
            if std::mem::replace(slot, true) {
                return None;
            }
        }
        let mut numbers = ShortKeyMap::default();
        let mut keys = Vec::with_capacity(terms.len());
        keys.push(Packed::NONE);
        for (n, term) in terms.iter().enumerate().skip(1) {
            let key = text::packed(term.as_bytes(), 0, term.len());
            if term.is_empty() || numbers.get(key, term).is_some() {
                return None;
            }
            numbers.insert(key, term, n as u32);
            keys.push(key);
        }
        let dictionary = Dictionary { words: ShortKeyMap::default(), numbers, terms, keys };
        Some(Merger { dictionary, order, ..Merger::default() })
    }

    /// Every term numbered so far, by number: the first is an empty placeholder.
    pub fn terms(&self) -> &[Box<str>] {
        &self.dictionary.terms
    }

    /// The numbers of the terms sorted so far, in client order (every term, once
    /// [`Merger::sort`] has run).
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// Terms numbered so far (those of earlier builds included).
    pub fn len(&self) -> usize {
        self.dictionary.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dictionary.terms.is_empty()
    }

    /// The terms of `doc`: its analysis plus its id (when numbered), title and authors.
    pub fn number(&mut self, doc: &Doc, analysis: &DocAnalysis, kinds: &[String]) -> NumberedTerms {
        self.number_with(doc, analysis, None, kinds)
    }

    /// [`Merger::number`], given the analysing worker's own numbers for the terms
    /// when it has them ([`local_terms`]); the result is the same either way.
    pub fn number_with(
        &mut self,
        doc: &Doc,
        analysis: &DocAnalysis,
        local: Option<&LocalTerms>,
        kinds: &[String],
    ) -> NumberedTerms {
        let Merger { dictionary, translations, tally, scratch, .. } = self;
        let mut add = |text: &str, tf: u32, flag: u8| tally_text(text, tf, flag, kinds, dictionary, tally, scratch);
        if doc.numbered {
            add(&doc.id, 0, IN_ID);
        }
        add(&doc.title, 0, IN_TITLE);
        for author in &doc.authors {
            add(author, 1, 0);
        }
        let mut translation = local.map(|local| (translations.entry(local.worker).or_default(), &local.numbers));
        for (i, (at, term, tf, flags)) in analysis.terms_at().enumerate() {
            let known = translation.as_mut().and_then(|(own, numbers)| {
                let local = *numbers.get(i)? as usize;
                if own.len() <= local {
                    own.resize(local + 1024, NO_TERM);
                }
                own.get_mut(local)
            });
            let number = match known {
                Some(&mut n) if n != NO_TERM => n,
                slot => {
                    // Packed straight from the doc's term list (see `text::packed`).
                    let key = text::packed(analysis.terms.as_bytes(), at, term.len());
                    let n = dictionary.number_keyed(key, term);
                    if let Some(slot) = slot {
                        *slot = n;
                    }
                    n
                }
            };
            tally.add(number, tf, flags);
        }
        tally.drain().map(|(term, tf, flags)| (term, payload(tf, flags))).collect()
    }

    /// [`Merger::number`] for each doc, in order. Many docs (a clean build) are
    /// numbered in parallel, each run by a merger of its own, whose terms are then
    /// numbered here once each rather than once per doc.
    pub fn number_all(&mut self, docs: &[(&Doc, &DocAnalysis)], kinds: &[String]) -> Vec<NumberedTerms> {
        let chunk = docs.len().div_ceil(rayon::current_num_threads() * 2).max(PARALLEL_MIN_DOCS);
        if docs.len() <= chunk {
            return docs.iter().map(|(doc, analysis)| self.number(doc, analysis, kinds)).collect();
        }
        let runs: Vec<(Merger, Vec<NumberedTerms>)> = docs
            .par_chunks(chunk)
            .map(|run| {
                let mut local = Merger::default();
                let lists = run.iter().map(|(doc, analysis)| local.number(doc, analysis, kinds)).collect();
                (local, lists)
            })
            .collect();
        let mut out = Vec::with_capacity(docs.len());
        for (local, mut lists) in runs {
            let Dictionary { terms, keys, .. } = &local.dictionary;
            // Local number → this merger's ([`NO_TERM`] stays itself).
            let own: Vec<u32> = std::iter::once(NO_TERM)
                .chain(terms.iter().zip(keys).skip(1).map(|(term, &key)| self.dictionary.number_keyed(key, term)))
                .collect();
            lists.par_iter_mut().for_each(|list| {
                for entry in list.iter_mut() {
                    entry.0 = own.get(entry.0 as usize).copied().unwrap_or(NO_TERM);
                }
            });
            out.extend(lists);
        }
        out
    }

    /// The inverted index of docs numbered by this merger (`docs` in doc order): every
    /// term some doc has, in client order, with its postings (doc numbers ascending),
    /// all of them slices of two arrays. The merger's terms must all be sorted
    /// ([`Merger::sort`]); terms not sorted yet are left out.
    pub fn inverted(&self, docs: &[impl TermList]) -> Inverted<'_> {
        let ByNumber { starts, docs: doc_numbers, payloads } = self.postings_by_number(docs);
        let terms = self
            .order
            .iter()
            .filter_map(|&term| {
                let (from, to) = (*starts.get(term as usize)?, *starts.get(term as usize + 1)?);
                Some((&**self.dictionary.terms.get(term as usize)?, from..to)).filter(|_| to > from)
            })
            .collect();
        Inverted { terms, docs: doc_numbers, payloads }
    }

    /// The postings of docs numbered by this merger (`docs` in doc order), by term number.
    pub fn postings_by_number(&self, docs: &[impl TermList]) -> ByNumber {
        // Count, then fill in doc order, so every postings list comes out sorted.
        let mut starts = vec![0usize; self.dictionary.terms.len() + 1];
        for terms in docs {
            for (term, _) in terms.each() {
                if let Some(c) = starts.get_mut(term as usize + 1) {
                    *c += 1;
                }
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let total = starts.last().copied().unwrap_or(0);
        let (mut doc_numbers, mut payloads) = (vec![0u32; total], vec![0u8; total]);
        for (doc, terms) in docs.iter().enumerate() {
            for (term, payload) in terms.each() {
                if let Some(at) = next.get_mut(term as usize) {
                    if let (Some(d), Some(p)) = (doc_numbers.get_mut(*at), payloads.get_mut(*at)) {
                        (*d, *p) = (doc as u32, payload);
                    }
                    *at += 1;
                }
            }
        }
        ByNumber { starts, docs: doc_numbers, payloads }
    }

    /// Every term numbered so far, in client order. The order is kept and new terms are
    /// merged into it, so a `serve` rebuild (or a resumed merger) sorts only the terms
    /// it added.
    pub fn sort(&mut self) {
        let terms = &self.dictionary.terms;
        let done = self.order.len();
        if done < terms.len() {
            let mut added: Vec<u32> = (done as u32..terms.len() as u32).collect();
            sort_terms(&mut added, terms);
            let old = std::mem::take(&mut self.order);
            let term = |n: u32| terms.get(n as usize).map_or("", |t| &**t);
            let (mut a, mut b) = (old.into_iter().peekable(), added.into_iter().peekable());
            let mut merged = Vec::with_capacity(terms.len());
            loop {
                let next = match (a.peek(), b.peek()) {
                    (Some(&x), Some(&y)) if client_order(term(x), term(y)).is_le() => a.next(),
                    (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                    (Some(_), None) => a.next(),
                    (None, None) => break,
                };
                merged.extend(next);
            }
            self.order = merged;
        }
    }
}

/// Sorts term numbers by their terms in client order. UTF-8 byte order is code point
/// order, which differs from UTF-16 order only for chars beyond U+FFFF (four-byte
/// sequences): without those, a plain byte comparison does.
fn sort_terms(numbers: &mut [u32], terms: &[Box<str>]) {
    let mut keyed: Vec<(&str, u32)> =
        numbers.iter().map(|&n| (terms.get(n as usize).map_or("", |t| &**t), n)).collect();
    if keyed.iter().any(|(t, _)| t.bytes().any(|b| b >= 0xF0)) {
        keyed.par_sort_unstable_by(|a, b| client_order(a.0, b.0));
    } else {
        keyed.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
    }
    for (slot, (_, n)) in numbers.iter_mut().zip(keyed) {
        *slot = n;
    }
}

/// Postings by term number ([`Merger::postings_by_number`]): term `t`'s doc numbers
/// and payloads are `starts[t]..starts[t + 1]` of `docs` and `payloads`.
pub struct ByNumber {
    starts: Vec<usize>,
    docs: Vec<u32>,
    payloads: Vec<u8>,
}

impl ByNumber {
    /// Term `term`'s doc numbers (ascending) and their payloads; empty for a term no doc has.
    pub fn of(&self, term: u32) -> (&[u32], &[u8]) {
        let range = match (self.starts.get(term as usize), self.starts.get(term as usize + 1)) {
            (Some(&from), Some(&to)) => from..to,
            _ => 0..0,
        };
        (self.docs.get(range.clone()).unwrap_or_default(), self.payloads.get(range).unwrap_or_default())
    }
}

/// An inverted index: terms in client order, each with the range of its postings.
pub struct Inverted<'a> {
    pub terms: Vec<(&'a str, std::ops::Range<usize>)>,
    /// Doc numbers and their payloads, term after term: apart, 5 bytes a posting where
    /// a `(u32, u8)` takes 8 (millions of them in a large portal).
    docs: Vec<u32>,
    payloads: Vec<u8>,
}

impl Inverted<'_> {
    /// Each term with its postings, in client order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Postings<'_>)> {
        self.terms.iter().map(|(t, range)| {
            let docs = self.docs.get(range.clone()).unwrap_or_default();
            (*t, Postings { docs, payloads: self.payloads.get(range.clone()).unwrap_or_default() })
        })
    }
}

/// One term's postings: doc numbers ascending, each with its payload.
#[derive(Debug, Clone, Copy)]
pub struct Postings<'a> {
    docs: &'a [u32],
    payloads: &'a [u8],
}

impl<'a> Postings<'a> {
    /// `docs[i]` with `payloads[i]`; the longer of the two is cut to the other.
    pub fn new(docs: &'a [u32], payloads: &'a [u8]) -> Self {
        let n = docs.len().min(payloads.len());
        Postings { docs: &docs[..n], payloads: &payloads[..n] }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// (doc number, payload), doc numbers ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u8)> + Clone + 'a {
        self.docs.iter().copied().zip(self.payloads.iter().copied())
    }
}

/// String order of the client (JS compares UTF-16 code units); for ASCII it is byte order.
pub fn client_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// No term: number 0, which every [`Dictionary`] keeps for it (a [`Tally`] adds to
/// its slot without a branch and never reports it).
const NO_TERM: u32 = 0;

/// The terms one lower-cased word adds wherever it stands alone: up to two numbers.
type WordIds = [u32; 2];

/// Words and terms, numbered: those of one build, or one worker's.
struct Dictionary {
    words: ShortKeyMap<WordIds>,
    numbers: ShortKeyMap<u32>,
    /// By number; [`NO_TERM`] has an empty placeholder.
    terms: Vec<Box<str>>,
    /// Each term's [`text::packed`] key, by number.
    keys: Vec<Packed>,
}

impl Default for Dictionary {
    fn default() -> Self {
        Dictionary {
            words: ShortKeyMap::default(),
            numbers: ShortKeyMap::default(),
            terms: vec![Box::from("")],
            keys: vec![Packed::NONE],
        }
    }
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
        self.keys.push(key);
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
        // The first number is added even when it is none (a stop word): a branch there
        // would mispredict on every stop word. A second number is rare.
        let [first, second] = ids;
        tally.add(first, tf, flag);
        if second != NO_TERM {
            tally.add(second, tf, flag);
        }
        count += usize::from(first != NO_TERM) + usize::from(second != NO_TERM);
    });
    count
}

/// Per term number: (body frequency, flags) in the doc being tallied. Four bytes a
/// slot, so more of them stay in the cache: frequencies stop at 65,535, far past the
/// highest level [`quantise_tf`] tells apart.
struct Tally {
    /// The slot of [`NO_TERM`] is marked touched for good, so it is never reported.
    slots: Vec<(u16, u8)>,
    /// Term numbers the doc has touched, in order of first touch: the first `len`
    /// entries. One entry per slot, so a term can always be written.
    touched: Vec<u32>,
    len: usize,
}

impl Default for Tally {
    fn default() -> Self {
        Tally { slots: vec![(0, TOUCHED)], touched: vec![0], len: 0 }
    }
}

/// Tally flag: the term occurred in the doc (apart from the posting flags).
const TOUCHED: u8 = 0x80;

impl Tally {
    fn add(&mut self, term: u32, tf: u32, flag: u8) {
        let i = term as usize;
        if i >= self.slots.len() {
            self.slots.resize(i + 1024, (0, 0));
            self.touched.resize(self.slots.len(), 0);
        }
        let Some(slot) = self.slots.get_mut(i) else { return };
        let first = slot.1 & TOUCHED == 0;
        // Title and heading words carry tf 0: the flag marks them as touched.
        let tf = u16::try_from(tf).unwrap_or(u16::MAX);
        *slot = (slot.0.saturating_add(tf), slot.1 | flag | TOUCHED);
        // Written every time, kept only on a first touch: no branch to mispredict.
        if let Some(entry) = self.touched.get_mut(self.len) {
            *entry = term;
        }
        self.len += usize::from(first);
    }

    /// The tallied (term, frequency, flags), in order of first touch; clears the tally.
    fn drain(&mut self) -> impl Iterator<Item = (u32, u32, u8)> + '_ {
        let slots = &mut self.slots;
        let touched = self.touched.get(..self.len).unwrap_or_default();
        self.len = 0;
        touched.iter().filter_map(move |&term| {
            let slot = slots.get_mut(term as usize)?;
            let (tf, flags) = std::mem::take(slot);
            Some((term, u32::from(tf), flags & !TOUCHED))
        })
    }

    /// Terms touched so far in this doc.
    fn touched(&self) -> usize {
        self.len
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every term `merger` numbered for `lists` (sorted first), with its postings.
    fn inverted_terms(merger: &mut Merger, lists: &[NumberedTerms]) -> Vec<(String, Vec<(u32, u8)>)> {
        let lists: Vec<&[(u32, u8)]> = lists.iter().map(Vec::as_slice).collect();
        merger.sort();
        merger.inverted(&lists).iter().map(|(t, p)| (t.to_string(), p.iter().collect())).collect()
    }

    #[test]
    fn packed_terms_give_back_every_term_and_payload_in_term_order() {
        let list: NumberedTerms =
            vec![(300, 7), (0, 1), (u32::MAX, 255), (127, 2), (128, 3), (16_384, 4), (1 << 28, 5), (5, 0)];
        let mut sorted = list.clone();
        sorted.sort_unstable();
        assert_eq!(PackedTerms::new(list).each().collect::<Vec<_>>(), sorted);
        assert_eq!(PackedTerms::new(vec![]).each().count(), 0);
        // Gaps below 128 take one byte: a doc's few hundred terms pack into ~2 bytes each.
        let dense: NumberedTerms = (0..500).map(|n| (n * 100, (n % 7) as u8)).collect();
        let packed = PackedTerms::new(dense.clone());
        assert_eq!(packed.bytes.len(), 500 * 2);
        assert_eq!(packed.each().collect::<Vec<_>>(), dense);
    }

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

    /// Doc `n` of a portal, parsed from front-matter: numbered or not, with a title and
    /// an author.
    fn doc(n: usize, title: &str) -> Doc {
        let numbered = if n % 2 == 0 { format!("id: ADR-{n:04}\n") } else { String::new() };
        let text = format!("---\n{numbered}title: {title}\nauthors: [Author {}]\n---\n", n % 3);
        let file = crate::discover::decode(format!("/p/{n}.md").into(), format!("{n}.md"), text.into_bytes());
        crate::parse::parse(&file, &crate::config::Config::default_at(std::path::Path::new("/p")))
    }

    /// A clean build numbers its docs in parallel runs, each with a merger of its own:
    /// the index must be the one a single merger makes.
    #[test]
    fn numbering_docs_in_parallel_runs_gives_the_index_one_merger_gives() {
        let words = ["alpha", "Beta", "gammas", "delta", "ADR", "7", "epsilon", "zeta", "Übersicht", "theta"];
        let docs: Vec<(Doc, DocAnalysis)> = (0..300)
            .map(|n| {
                let mut text: Vec<String> = (0..40).map(|k| words[(n * 7 + k * 3) % words.len()].to_string()).collect();
                text.push(format!("unique{n}"));
                let title = format!("Title {n} {}", words[n % words.len()]);
                (doc(n, &title), analyse(&rendered(&text.join(" "), &[]), &kinds()))
            })
            .collect();
        let pairs: Vec<(&Doc, &DocAnalysis)> = docs.iter().map(|(d, a)| (d, a)).collect();
        let mut parallel = Merger::default();
        let runs = parallel.number_all(&pairs, &kinds());
        let mut single = Merger::default();
        let one: Vec<NumberedTerms> = pairs.iter().map(|(d, a)| single.number(d, a, &kinds())).collect();
        let expected = inverted_terms(&mut single, &one);
        assert!(expected.iter().any(|(t, p)| t == "unique299" && p == &[(299, 8)]), "{expected:?}");
        assert_eq!(inverted_terms(&mut parallel, &runs), expected);
    }

    /// `docportal build` numbers a doc's terms through the numbers of the worker that
    /// just analysed it: only for the analysis that worker made last, and to the index
    /// a merger makes from the terms' text.
    #[test]
    fn a_worker_s_own_term_numbers_serve_only_its_last_analysis_and_give_the_same_index() {
        let texts = [
            "Replicated caches for ADR 7 and rollouts.",
            "Rollouts of caches, unique words here, ADR 7.",
            "Other words: zebra quota, replicated again.",
        ];
        let docs: Vec<Doc> = (0..texts.len()).map(|n| doc(n, &format!("Title {n}"))).collect();
        let (mut plain, mut translated) = (Merger::default(), Merger::default());
        let (mut expected, mut got) = (Vec::new(), Vec::new());
        for round in 0..2 {
            // Other kinds start the worker afresh: numbers from before are not its own,
            // and the docs, taken in the other order, are numbered otherwise.
            analyse(&rendered("zebra quota alpha beta", &[]), &["rfc".to_string()]);
            let order: Vec<usize> =
                if round == 0 { (0..texts.len()).collect() } else { (0..texts.len()).rev().collect() };
            for n in order {
                let text = texts[n];
                // The same terms in another order: another analysis, as long as the last.
                let reversed: Vec<&str> = text.split(' ').rev().collect();
                let first = analyse(&rendered(&reversed.join(" "), &[]), &kinds());
                let last = analyse(&rendered(text, &[]), &kinds());
                assert_eq!(first.counts.len(), last.counts.len());
                assert!(local_terms(&first).is_none(), "round {round}: {text} reversed was not analysed last");
                let local = local_terms(&last);
                assert!(local.is_some(), "round {round}: the last analysis has the worker's numbers");
                assert!(local_terms(&last).is_none(), "taken once");
                expected.push(plain.number(&docs[n], &last, &kinds()));
                got.push(translated.number_with(&docs[n], &last, local.as_ref(), &kinds()));
            }
        }
        let expected = inverted_terms(&mut plain, &expected);
        assert!(expected.iter().any(|(t, p)| t == "zebra" && p.len() == 2), "{expected:?}");
        assert_eq!(inverted_terms(&mut translated, &got), expected);
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
