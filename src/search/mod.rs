//! Rendered docs → the static search index: a manifest, term shards, a doc table and
//! doc groups, as `search/*.js` files that register themselves with `search.js`.
//!
//! The files are scripts, not JSON, so they load with a `<script>` tag: that works
//! from `file://` (where `fetch` is blocked), under any site-url prefix (the client
//! resolves them relative to the page) and in `serve`. Each calls one function of
//! `window.docportalSearch`:
//!
//! - `search/manifest.js` (fixed name, so pages never change when the index does): the
//!   doc count, mean doc length, stop words and kinds (the client must cut queries
//!   exactly as the docs were cut), the first term of every shard and every other
//!   file's content-hashed name.
//! - `search/table.<hash>.js`: one row per doc, packed into strings: length code,
//!   status, kind, authors — what ranking and the facets need for every doc.
//! - `search/t<N>.<hash>.js`: a contiguous range of the sorted term dictionary
//!   (front-coded) with its postings: per term the doc count, then per doc the gap
//!   from the previous doc and one payload character (quantised body term frequency ×
//!   8 + title/heading/id flags), numbers in the [`encode`] alphabet. A query loads
//!   only the shards its terms fall in; ranges keep a word's prefix completions and
//!   most of its one-typo neighbours in the same shard.
//! - `search/g<N>.<hash>.js`: id, title, page href and trimmed section texts of a run
//!   of consecutive docs, fetched only for the results on screen.
//!
//! Sizes are bounded by construction: at most [`MAX_SHARDS`] shards and [`MAX_GROUPS`]
//! groups whatever the portal size. The output depends only on the input (sorted
//! everywhere), and every user string goes through [`encode::js_safe_json`].

pub mod encode;
pub mod sections;
pub mod stem;
pub mod text;

use crate::config::Config;
use crate::index::Index;
use crate::model::{Doc, RenderedDoc};
use crate::urls;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Posting flag: the term is in the doc's title.
pub const IN_TITLE: u8 = 1;
/// Posting flag: the term is in one of the doc's headings.
pub const IN_HEADING: u8 = 2;
/// Posting flag: the term is the doc's id (or its kind word).
pub const IN_ID: u8 = 4;

/// Upper bound on term shards (the search files must stay well under 1,000).
pub const MAX_SHARDS: usize = 450;
/// Shards smaller than this are not worth a request of their own.
const MIN_SHARD_BYTES: usize = 12_000;
/// Upper bound on doc groups.
pub const MAX_GROUPS: usize = 520;
/// Preferred size of a doc group, so small portals need few files.
const GROUP_TARGET_BYTES: usize = 8_000;
/// Characters kept of the text before the first heading, and of each section after it.
/// A result costs its whole group, so these stay small; the page itself scrolls to
/// the first highlighted match when the section is not among those kept.
const INTRO_CHARS: usize = 110;
const SECTION_CHARS: usize = 36;
/// Section text kept per doc in all; headings past it are kept with no text.
const EXCERPT_CHARS: usize = 180;
const MAX_SECTIONS: usize = 8;

/// One doc, cut into terms and trimmed for excerpts.
struct Analysed {
    /// (term, payload), sorted by term, one entry per distinct term.
    terms: Vec<(String, u8)>,
    /// Terms in the body and headings (the BM25 length).
    length: usize,
    /// `[id, title, href, [[anchor, heading, text], …]]` for its doc group (the anchor
    /// is empty when it is the heading's plain anchor: the client derives it), already
    /// through [`encode::js_safe_json`]: a group is these joined by commas in brackets,
    /// byte for byte what serialising the array would give.
    entry_json: String,
    /// Length of the entry as plain JSON (before escaping), for sizing groups.
    entry_len: usize,
}

/// Every search file, by site path.
pub fn build(index: &Index, rendered: &[RenderedDoc], config: &Config) -> BTreeMap<String, Vec<u8>> {
    let fallback = RenderedDoc::default();
    let analysed: Vec<DocTerms> = index
        .docs
        .par_iter()
        .enumerate()
        .map(|(i, doc)| analyse_doc(doc, rendered.get(i).unwrap_or(&fallback), config))
        .collect();
    let analysed: Vec<&DocTerms> = analysed.iter().collect();
    build_from(index, &analysed, config)
}

/// One doc's share of the index. It depends only on the doc, its `RenderedDoc` and
/// the config's kinds, so `serve` keeps it between builds and re-analyses only the
/// docs that changed.
pub struct DocTerms(Analysed);

/// Cuts one doc into terms and excerpts.
pub fn analyse_doc(doc: &Doc, rendered: &RenderedDoc, config: &Config) -> DocTerms {
    let kinds: Vec<String> = config.kinds.iter().map(|k| k.to_lowercase()).collect();
    DocTerms(analyse(doc, rendered, &kinds))
}

/// Every search file, from each doc's [`DocTerms`] (same positions as `index.docs`).
pub fn build_from(index: &Index, analysed: &[&DocTerms], config: &Config) -> BTreeMap<String, Vec<u8>> {
    let kinds: Vec<String> = config.kinds.iter().map(|k| k.to_lowercase()).collect();
    let analysed: Vec<&Analysed> = analysed.iter().map(|d| &d.0).collect();
    let mut files = BTreeMap::new();
    let postings = invert(&analysed);
    let (shard_firsts, shard_bodies) = cut_shards(&postings);
    let shard_files: Vec<(String, Vec<u8>)> = shard_bodies
        .par_iter()
        .enumerate()
        .map(|(n, terms)| {
            let bytes = shard_script(n, terms).into_bytes();
            (crate::site::hashed_name(&format!("t{n}.js"), &bytes), bytes)
        })
        .collect();

    let group_size = group_size(&analysed);
    let group_files: Vec<(String, Vec<u8>)> = analysed
        .par_chunks(group_size)
        .enumerate()
        .map(|(n, docs)| {
            let entries: Vec<&str> = docs.iter().map(|d| d.entry_json.as_str()).collect();
            let bytes = format!("docportalSearch.group({n},[{}]);\n", entries.join(","));
            (crate::site::hashed_name(&format!("g{n}.js"), bytes.as_bytes()), bytes.into_bytes())
        })
        .collect();

    let table = table_script(&index.docs, &analysed).into_bytes();
    let table_name = crate::site::hashed_name("table.js", &table);
    let total_length: usize = analysed.iter().map(|a| a.length).sum();
    let manifest = json!({
        "v": 1,
        "n": analysed.len(),
        "avg": if analysed.is_empty() { 1.0 } else { (total_length as f64 / analysed.len() as f64).max(1.0) },
        "kinds": kinds,
        "stop": text::STOPWORDS,
        "maxTerm": text::MAX_TERM_CHARS,
        "table": table_name,
        "shards": shard_firsts,
        "hashLen": shard_files.first().and_then(|(name, _)| name.split('.').nth(1)).map_or(0, str::len),
        "shardHashes": hashes_of(&shard_files),
        "groupSize": group_size,
        "groupHashes": hashes_of(&group_files),
    });
    files.insert(
        "search/manifest.js".to_string(),
        format!("docportalSearch.manifest({});\n", encode::js_safe_json(&manifest)).into_bytes(),
    );
    files.insert(format!("search/{table_name}"), table);
    for (name, bytes) in shard_files.into_iter().chain(group_files) {
        files.insert(format!("search/{name}"), bytes);
    }
    files
}

fn analyse(doc: &Doc, rendered: &RenderedDoc, kinds: &[String]) -> Analysed {
    let sections = sections::of(doc, rendered);
    // (word before stemming, needs stemming) → (body frequency, flags): each distinct
    // word of the doc is stemmed once.
    let mut found: HashMap<(String, bool), (u32, u8)> = HashMap::new();
    let mut mark = |text: &str, tf: u32, flag: u8| {
        let mut count = 0;
        for term in text::unstemmed_terms(text, kinds) {
            let e = found.entry(term).or_insert((0, 0));
            e.0 += tf;
            e.1 |= flag;
            count += 1;
        }
        count
    };
    if doc.numbered {
        mark(&doc.id, 0, IN_ID);
    }
    mark(&doc.title, 0, IN_TITLE);
    for author in &doc.authors {
        mark(author, 1, 0);
    }
    let mut length = 0;
    for section in &sections {
        length += mark(&section.heading, 0, IN_HEADING);
        length += mark(&section.text, 1, 0);
    }
    let mut stemmed: HashMap<String, (u32, u8)> = HashMap::with_capacity(found.len());
    for ((word, needs_stem), (tf, flags)) in found {
        let term = if needs_stem { stem::stem(&word) } else { word };
        let e = stemmed.entry(term).or_insert((0, 0));
        e.0 += tf;
        e.1 |= flags;
    }
    let mut terms: Vec<(String, u8)> =
        stemmed.into_iter().map(|(term, (tf, flags))| (term, quantise_tf(tf) * 8 + flags)).collect();
    terms.sort_unstable();
    let href = urls::href("index.html", &urls::page_path(&doc.source));
    let entry = excerpt_entry(doc, &href, &sections);
    Analysed { terms, length, entry_len: entry.to_string().len(), entry_json: encode::js_safe_json(&entry) }
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

/// `[id, title, href, intro, [[anchor, heading, text], …]]`.
fn excerpt_entry(doc: &Doc, href: &str, sections: &[sections::Section]) -> Value {
    let intro = sections.first().filter(|s| s.heading.is_empty()).map_or("", |s| s.text.as_str());
    let mut budget = EXCERPT_CHARS;
    let mut out = Vec::new();
    for s in sections.iter().filter(|s| !s.heading.is_empty()).take(MAX_SECTIONS) {
        let text = trim_to_word(&s.text, SECTION_CHARS.min(budget));
        budget = budget.saturating_sub(text.chars().count());
        let anchor = if s.anchor == crate::ids::heading_anchor(&s.heading) { "" } else { s.anchor.as_str() };
        out.push(json!([anchor, s.heading, text]));
    }
    json!([doc.id, doc.title, href, trim_to_word(intro, INTRO_CHARS), out])
}

/// At most `max_chars` characters of `s`, cut after a whole word, with `…` when cut.
pub fn trim_to_word(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let end = s.char_indices().nth(max_chars).map_or(s.len(), |(i, _)| i);
    let head = &s[..end];
    let cut = head.rfind(' ').filter(|&i| i > end / 2).unwrap_or(end);
    format!("{}…", head[..cut].trim_end())
}

/// term → postings (doc number, payload), in the client's string order (UTF-16).
fn invert<'a>(analysed: &[&'a Analysed]) -> Vec<(&'a str, Vec<(u32, u8)>)> {
    let mut by_term: HashMap<&str, Vec<(u32, u8)>> = HashMap::new();
    for (doc, a) in analysed.iter().enumerate() {
        for (term, payload) in &a.terms {
            by_term.entry(term.as_str()).or_default().push((doc as u32, *payload));
        }
    }
    let mut terms: Vec<(&str, Vec<(u32, u8)>)> = by_term.into_iter().collect();
    terms.par_sort_unstable_by(|a, b| utf16_order(a.0, b.0));
    terms
}

/// The client's string order (UTF-16 code units). Without characters beyond U+FFFF
/// (UTF-8 lead byte 0xF0 or above) it is the byte order, which is much cheaper.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    let astral = |s: &str| s.bytes().any(|byte| byte >= 0xF0);
    if astral(a) || astral(b) {
        a.encode_utf16().cmp(b.encode_utf16())
    } else {
        a.cmp(b)
    }
}

/// The payload of most postings (once in the body, no flags): written as one bit.
const PLAIN_PAYLOAD: u8 = 8;

/// One term's postings: doc count, then per doc `2 × gap` for a plain posting or
/// `2 × gap + 1` followed by its payload.
fn encode_postings(postings: &[(u32, u8)]) -> String {
    let mut out = String::with_capacity(postings.len() * 2);
    encode::push_number(&mut out, postings.len() as u32);
    let mut next = 0;
    for &(doc, payload) in postings {
        let gap = doc - next;
        if payload == PLAIN_PAYLOAD {
            encode::push_number(&mut out, gap * 2);
        } else {
            encode::push_number(&mut out, gap * 2 + 1);
            encode::push_number(&mut out, u32::from(payload));
        }
        next = doc + 1;
    }
    out
}

/// Splits the sorted terms into contiguous shards of roughly equal size. Returns each
/// shard's first term and its (term, encoded postings) list.
#[allow(clippy::type_complexity)]
fn cut_shards<'a>(postings: &[(&'a str, Vec<(u32, u8)>)]) -> (Vec<&'a str>, Vec<Vec<(&'a str, String)>>) {
    let encoded: Vec<(&str, String)> = postings.par_iter().map(|(t, p)| (*t, encode_postings(p))).collect();
    let total: usize = encoded.iter().map(|(t, p)| t.len() + p.len() + 2).sum();
    let target = (total / MAX_SHARDS + 1).max(MIN_SHARD_BYTES);
    let mut firsts = Vec::new();
    let mut shards: Vec<Vec<(&str, String)>> = Vec::new();
    let mut size = usize::MAX;
    for (term, post) in encoded {
        if size >= target {
            firsts.push(term);
            shards.push(Vec::new());
            size = 0;
        }
        size += term.len() + post.len() + 2;
        if let Some(shard) = shards.last_mut() {
            shard.push((term, post));
        }
    }
    (firsts, shards)
}

/// The content hashes of `t<N>.<hash>.js` names, concatenated (all the same length):
/// the client rebuilds each name from its number, keeping the manifest small.
fn hashes_of(files: &[(String, Vec<u8>)]) -> String {
    files.iter().filter_map(|(name, _)| name.split('.').nth(1)).collect()
}

/// Index of the shard a term belongs to: the last shard whose first term is not after it.
/// `search.js` does the same binary search over the manifest's `shards`.
pub fn shard_of(firsts: &[&str], term: &str) -> usize {
    let key: Vec<u16> = term.encode_utf16().collect();
    firsts.partition_point(|f| f.encode_utf16().le(key.iter().copied())).saturating_sub(1)
}

/// `docportalSearch.shard(n, dictionary, postings)`: the dictionary front-coded (per
/// term: shared-prefix length in UTF-16 units as one code, the rest, a space).
fn shard_script(n: usize, terms: &[(&str, String)]) -> String {
    let mut dict = String::new();
    let mut all_postings = String::new();
    let mut previous = "";
    for (term, post) in terms {
        let (mut shared_chars, mut shared_units) = (0, 0);
        for (a, b) in previous.chars().zip(term.chars()) {
            if a != b || shared_units + a.len_utf16() >= encode::LAST_BASE as usize {
                break;
            }
            shared_chars += 1;
            shared_units += a.len_utf16();
        }
        let rest: String = term.chars().skip(shared_chars).collect();
        dict.push(encode::small(shared_units));
        dict.push_str(&rest);
        dict.push(' ');
        all_postings.push_str(post);
        previous = term;
    }
    format!(
        "docportalSearch.shard({n},{},{});\n",
        encode::js_safe_json(&Value::String(dict)),
        encode::js_safe_json(&Value::String(all_postings))
    )
}

/// Docs per group: small groups for big portals (a result costs one group), yet never
/// more than [`MAX_GROUPS`] files.
fn group_size(analysed: &[&Analysed]) -> usize {
    if analysed.is_empty() {
        return 1;
    }
    let total: usize = analysed.iter().map(|a| a.entry_len).sum();
    let mean = (total / analysed.len()).max(1);
    (GROUP_TARGET_BYTES / mean).max(analysed.len().div_ceil(MAX_GROUPS)).max(1)
}

/// The per-doc table: `len` (one length code per doc), `status` and `kind` (fixed-width
/// codes, 0 = none, else 1 + position in the value list), `authors` (fixed-width
/// codes per doc, docs separated by spaces).
fn table_script(docs: &[Doc], analysed: &[&Analysed]) -> String {
    let statuses: BTreeSet<&str> = docs.iter().filter_map(|d| d.status.as_deref()).collect();
    let kinds: BTreeSet<&str> = docs.iter().filter_map(|d| d.kind.as_deref()).collect();
    let authors: BTreeSet<&str> =
        docs.iter().flat_map(|d| d.authors.iter().map(|a| a.trim())).filter(|a| !a.is_empty()).collect();
    let statuses: Vec<&str> = statuses.into_iter().collect();
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let authors: Vec<&str> = authors.into_iter().collect();
    let (sw, kw, aw) = (code_width(statuses.len() + 1), code_width(kinds.len() + 1), code_width(authors.len()));
    let mut len = String::new();
    let mut status = String::new();
    let mut kind = String::new();
    let mut author = String::new();
    for (doc, a) in docs.iter().zip(analysed) {
        len.push(encode::small(length_code(a.length)));
        let pos = |list: &[&str], v: Option<&str>| v.and_then(|v| list.binary_search(&v).ok()).map_or(0, |p| p + 1);
        push_fixed(&mut status, pos(&statuses, doc.status.as_deref()), sw);
        push_fixed(&mut kind, pos(&kinds, doc.kind.as_deref()), kw);
        let mut mine: Vec<usize> = doc.authors.iter().filter_map(|x| authors.binary_search(&x.trim()).ok()).collect();
        mine.sort_unstable();
        mine.dedup();
        for p in mine {
            push_fixed(&mut author, p, aw);
        }
        author.push(' ');
    }
    let table = json!({
        "status": statuses, "kind": kinds, "author": authors,
        "sw": sw, "kw": kw, "aw": aw,
        "len": len, "st": status, "ki": kind, "au": author,
    });
    format!("docportalSearch.table({});\n", encode::js_safe_json(&table))
}

/// Characters needed to write numbers below `count` in base 60.
fn code_width(count: usize) -> usize {
    let mut width = 1;
    let mut cap = encode::LAST_BASE as usize;
    while count > cap {
        width += 1;
        cap = cap.saturating_mul(encode::LAST_BASE as usize);
    }
    width
}

fn push_fixed(out: &mut String, n: usize, width: usize) {
    let base = encode::LAST_BASE as usize;
    for k in (0..width).rev() {
        out.push(encode::small(n / base.pow(k as u32) % base));
    }
}

/// A doc length as one code: round(log₁.₂(1 + length)), so 1.2^code − 1 recovers it
/// within 10%.
fn length_code(length: usize) -> usize {
    ((1.0 + length as f64).ln() / 1.2f64.ln()).round() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_string_order_is_utf16_order() {
        let words = ["a", "é", "\u{e000}", "\u{ffff}", "\u{10000}", "😀", "z", "ab", "", "\u{f900}x"];
        for a in words {
            for b in words {
                assert_eq!(utf16_order(a, b), a.encode_utf16().cmp(b.encode_utf16()), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn shard_of_finds_the_covering_range() {
        let firsts = ["a", "cach", "m", "zz"];
        assert_eq!(shard_of(&firsts, "0007"), 0);
        assert_eq!(shard_of(&firsts, "a"), 0);
        assert_eq!(shard_of(&firsts, "cac"), 0);
        assert_eq!(shard_of(&firsts, "cach"), 1);
        assert_eq!(shard_of(&firsts, "lz"), 1);
        assert_eq!(shard_of(&firsts, "zzz"), 3);
        assert_eq!(shard_of(&firsts, "übersicht"), 3);
    }

    #[test]
    fn trimming_cuts_after_a_word() {
        assert_eq!(trim_to_word("alpha beta gamma", 12), "alpha beta…");
        assert_eq!(trim_to_word("short", 12), "short");
        assert_eq!(trim_to_word("ééééééé", 3), "ééé…");
    }

    #[test]
    fn postings_are_gap_coded() {
        let s = encode_postings(&[(0, 9), (1, 8), (70, 1)]);
        // count 3; doc 0 gap 0 + payload; doc 1 gap 0, plain; doc 70 gap 68 (137: two chars) + payload
        assert_eq!(s.chars().count(), 1 + 2 + 1 + 3);
    }
}
