//! What an author wrote → the doc it names (or why it names none).
//!
//! A target is an id in any spelling (`ADR-7`, `adr 0007`), a slug id, or a path with
//! an optional `#anchor` (percent-decoded). Paths are tried, in order, relative to the
//! doc's folder, to the docs folder, and relative to the project root: the first
//! segment is dropped when it is not a folder of the docs, so `docs/specs/x/prd.md`
//! finds `specs/x/prd.md` whatever the docs folder is called. A leading `/` is the
//! repository root as GitHub reads it: `/keps/sig-x/1-y` finds `sig-x/1-y` when the
//! docs folder is `keps`, and `x.md` when the docs folder is the root (mdBook's reading,
//! `/` as the docs folder, is the same path then). A path naming a folder names the doc
//! inside it (`README.md`, then `index.md`). A `..` that climbs above the docs folder
//! names nothing. Nothing is matched by file name alone (that would guess); file names
//! only feed the "did you mean" hint of a miss. A path that names no doc comes back
//! with the docs-relative paths tried, so the caller can tell an existing non-doc file
//! (an image) from a missing one.

use crate::ids;
use crate::index::Index;
use crate::parse::body_refs;
use crate::urls;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// The outcome of resolving one written target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    Doc {
        pos: usize,
        anchor: Option<String>,
    },
    /// An absolute URL (`https:`, `mailto:`, `//host`): not a doc reference.
    External,
    /// A relative path whose `..` climbs above the docs folder.
    OutsideDocs,
    /// A path that names no doc; the docs-relative readings that were tried, in order.
    MissingFile {
        tried: Vec<String>,
    },
    /// Looks like an id of a configured kind, but no doc has it.
    UnknownId,
    /// Neither an id nor a path (free text in a metadata field).
    Unknown,
}

pub(crate) fn resolve_written(index: &Index, from: usize, written: &str) -> Resolution {
    let written = written.trim();
    let written = written.strip_prefix('<').and_then(|w| w.strip_suffix('>')).unwrap_or(written);
    if written.starts_with("//") || body_refs::has_scheme(written) {
        return Resolution::External;
    }
    let (target, anchor) = split_anchor(written);
    if target.is_empty() {
        return match anchor {
            Some(anchor) if from < index.len() => Resolution::Doc { pos: from, anchor: Some(anchor) },
            _ => Resolution::Unknown,
        };
    }
    if !looks_like_path(target) {
        if let Some(pos) = index.find_id(target) {
            return Resolution::Doc { pos, anchor };
        }
        return if ids::normalize(target, index.kinds()).is_some() {
            Resolution::UnknownId
        } else {
            Resolution::Unknown
        };
    }
    let decoded = urls::percent_decode(target).unwrap_or_else(|| target.to_string()).replace('\\', "/");
    let from_dir = index.docs.get(from).map(|d| parent_dir(&d.source)).unwrap_or("");
    let candidates = candidates(index, from_dir, &decoded);
    for path in candidates.iter().flatten() {
        if let Some(pos) = find_doc_at(index, path) {
            return Resolution::Doc { pos, anchor };
        }
    }
    // Only the first reading (from the doc, or from the docs folder for `/…`) says
    // whether the author climbed out; later readings are fallbacks.
    if candidates.first().is_some_and(Option::is_none) {
        Resolution::OutsideDocs
    } else {
        Resolution::MissingFile { tried: candidates.into_iter().flatten().collect() }
    }
}

/// The doc at a docs-relative path, or the folder doc a folder path stands for.
fn find_doc_at(index: &Index, path: &str) -> Option<usize> {
    if let Some(pos) = index.find_source(path) {
        return Some(pos);
    }
    let folder = path.trim_end_matches('/');
    let prefix = if folder.is_empty() { String::new() } else { format!("{folder}/") };
    ["README.md", "readme.md", "Readme.md", "index.md", "README.markdown"]
        .iter()
        .find_map(|name| index.find_source(&format!("{prefix}{name}")))
}

/// Docs-folder paths to try for `path`, in order; `None` for one that climbs out.
fn candidates(index: &Index, from_dir: &str, path: &str) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(4);
    let rooted = path.trim_start_matches('/');
    if !path.starts_with('/') {
        out.push(normalize_path(&format!("{from_dir}/{path}")));
    } else if let Some(in_docs) = rooted.strip_prefix(index.docs_prefix()).and_then(|r| r.strip_prefix('/')) {
        // `/docs/adr/x.md` with the docs folder `docs`: the project root's reading first.
        if !index.docs_prefix().is_empty() {
            out.push(normalize_path(in_docs));
        }
    }
    out.push(normalize_path(rooted));
    if !rooted.starts_with('.') {
        if let Some((first, rest)) = rooted.split_once('/') {
            let folder = format!("{first}/");
            if !rest.is_empty() && !index.docs.iter().any(|d| d.source.starts_with(&folder)) {
                out.push(normalize_path(rest));
            }
        }
    }
    out
}

/// `#anchor` split off (percent-decoded) and any `?query` dropped.
pub(crate) fn split_anchor(written: &str) -> (&str, Option<String>) {
    let (path, anchor) = match written.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (written, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let anchor = anchor.filter(|a| !a.is_empty()).map(|a| urls::percent_decode(a).unwrap_or_else(|| a.to_string()));
    (path, anchor)
}

pub(crate) fn looks_like_path(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    target.contains(['/', '\\']) || lower.ends_with(".md") || lower.ends_with(".markdown") || has_extension(target)
}

/// `diagram.png`, `spec.pdf`: a file name with a short extension (not `v1.2`, not an id).
fn has_extension(target: &str) -> bool {
    let Some((stem, ext)) = target.rsplit_once('.') else { return false };
    !stem.is_empty()
        && (1..=5).contains(&ext.len())
        && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        && ext.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Folder part of a docs-relative path (`adr/x.md` → `adr`, `x.md` → ``).
pub(crate) fn parent_dir(source: &str) -> &str {
    source.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
}

/// Lexically resolves `.` and `..`; `None` when `..` climbs above the start.
fn normalize_path(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The relative link from a doc in folder `from_dir` to the docs-relative path `to`.
pub(crate) fn relative_link(from_dir: &str, to: &str) -> String {
    let from: Vec<&str> = from_dir.split('/').filter(|s| !s.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from.iter().zip(&to_parts[..to_parts.len().saturating_sub(1)]).take_while(|(a, b)| a == b).count();
    let mut out = "../".repeat(from.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string
/// alignment), over chars; used only for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    osa_within(&a, &b, usize::MAX).unwrap_or(usize::MAX)
}

/// [`edit_distance`] when it is at most `limit`, else `None`; stops as soon as every
/// alignment costs more, so comparing a name with a thousand others stays cheap.
pub(crate) fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit * 4 {
        // More bytes apart than `limit` edits of 4-byte characters can make up.
        return None;
    }
    if a.is_ascii() && b.is_ascii() {
        osa_within(a.as_bytes(), b.as_bytes(), limit)
    } else {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        osa_within(&a, &b, limit)
    }
}

/// Optimal string alignment distance (adjacent swaps count one edit) over three
/// rolling rows: i-2, i-1, i.
fn osa_within<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![0usize; 3 * width];
    let (before, rest) = rows.split_at_mut(width);
    let (prev, cur) = rest.split_at_mut(width);
    let (mut before, mut prev, mut cur) = (before, prev, cur);
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            cur[j] = best;
            row_min = row_min.min(best);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

/// The part of a canonical id after its first `-` (`0007` of `ADR-0007`); empty when
/// there is none.
fn number_part(id: &str) -> &str {
    id.split_once('-').map_or("", |(_, n)| n)
}

/// Calls `f` with every string one edit from `s` ([`edit_distance`]'s edits: delete,
/// insert or substitute a character from `alphabet`, or swap two neighbours), some
/// more than once; one buffer serves them all, filled from slices of `s` (a miss has
/// hundreds of variants, and pushing them a character at a time was most of a
/// "did you mean").
fn for_each_one_edit_variant(s: &str, alphabet: &[char], mut f: impl FnMut(&str)) {
    let mut buf = String::with_capacity(s.len() + 8);
    let mut emit = |head: &str, mid: &str, rest: &str| {
        buf.clear();
        buf.push_str(head);
        buf.push_str(mid);
        buf.push_str(rest);
        f(&buf);
    };
    let mut encoded = [0u8; 4];
    let mut swapped = String::with_capacity(8);
    for at in s.char_indices().map(|(i, _)| i).chain([s.len()]) {
        let (head, tail) = s.split_at(at);
        let mut chars = tail.chars();
        let first = chars.next();
        let after_first = chars.as_str();
        for &c in alphabet {
            let mid = c.encode_utf8(&mut encoded);
            emit(head, mid, tail);
            if first.is_some_and(|t| t != c) {
                emit(head, mid, after_first);
            }
        }
        if first.is_some() {
            emit(head, "", after_first);
        }
        if let (Some(a), Some(b)) = (first, chars.next()) {
            if a != b {
                swapped.clear();
                swapped.extend([b, a]);
                emit(head, &swapped, chars.as_str());
            }
        }
    }
}

/// "Did you mean" hints for misses, built once per links run. A portal with thousands
/// of broken references stays fast: each distinct miss is looked up once, exact file
/// names come from a map, and edit distances are computed only for names of a close length.
pub(crate) struct Hints<'a> {
    index: &'a Index,
    /// Lower-cased file name → docs-relative sources with that name.
    by_name: HashMap<String, Vec<&'a str>>,
    /// The same names, for the ones a couple of edits from a miss.
    near_names: NearNames<'a>,
    /// Ids of the numbered docs, the number part of each, and every character they use:
    /// a miss's one-edit neighbours are generated and looked up rather than compared
    /// with every doc, which was quadratic in portals with many broken references.
    numbered_ids: crate::cache::FastSet<&'a str>,
    by_number: HashMap<&'a str, Vec<&'a str>>,
    id_alphabet: Vec<char>,
    id_cache: Mutex<HashMap<String, Option<String>>>,
    path_cache: Mutex<HashMap<(String, String), Option<String>>>,
}

impl<'a> Hints<'a> {
    pub(crate) fn new(index: &'a Index) -> Self {
        let mut by_name: HashMap<String, Vec<&str>> = HashMap::new();
        for d in &index.docs {
            by_name.entry(file_name(&d.source).to_lowercase()).or_default().push(&d.source);
        }
        let mut numbered_ids = crate::cache::FastSet::default();
        let mut by_number: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut alphabet = BTreeSet::new();
        for d in index.docs.iter().filter(|d| d.numbered) {
            numbered_ids.insert(d.id.as_str());
            by_number.entry(number_part(&d.id)).or_default().push(&d.id);
            alphabet.extend(d.id.chars());
        }
        let near_names = NearNames::new(&by_name);
        Hints {
            index,
            by_name,
            near_names,
            numbered_ids,
            by_number,
            id_alphabet: alphabet.into_iter().collect(),
            id_cache: Mutex::default(),
            path_cache: Mutex::default(),
        }
    }

    /// For an id no doc has: the nearest numbered id (one edit away, a swap of two
    /// digits included), or the same number under another kind (`ADR-0040` when only
    /// `PRD-0040` exists).
    pub(crate) fn id(&self, written: &str) -> Option<String> {
        let canonical = ids::normalize(written, self.index.kinds())?;
        if let Some(hit) = crate::lock(&self.id_cache).get(&canonical) {
            return hit.clone();
        }
        let mut close: Vec<&str> = self.numbered_ids.get(canonical.as_str()).copied().into_iter().collect();
        for_each_one_edit_variant(&canonical, &self.id_alphabet, |v| close.extend(self.numbered_ids.get(v).copied()));
        let same_number = self
            .by_number
            .get(number_part(&canonical))
            .into_iter()
            .flatten()
            .copied()
            .filter(|id| id.len().abs_diff(canonical.len()) <= 1);
        let hint = close
            .into_iter()
            .chain(same_number)
            .map(|id| (edit_distance(&canonical, id), id))
            .min()
            .map(|(_, id)| id.to_string());
        crate::lock(&self.id_cache).insert(canonical, hint.clone());
        hint
    }

    /// For a path that names no doc: the link to write, from the doc's folder, to the
    /// doc with the same file name (case-insensitively; the nearest folder wins when
    /// several share it) or with a file name one or two edits away.
    pub(crate) fn path(&self, from: usize, written: &str) -> Option<String> {
        let from_dir = self.index.docs.get(from).map(|d| parent_dir(&d.source)).unwrap_or("");
        let (path, _) = split_anchor(written);
        let decoded = urls::percent_decode(path).unwrap_or_else(|| path.to_string()).replace('\\', "/");
        let name = file_name(&decoded).to_lowercase();
        let key = (from_dir.to_string(), name);
        if let Some(hit) = crate::lock(&self.path_cache).get(&key) {
            return hit.clone();
        }
        let name = &key.1;
        let best = match self.by_name.get(name) {
            Some(sources) => sources.iter().min_by_key(|s| relative_link(from_dir, s).len()).copied(),
            None => self.near_names.nearest(name),
        };
        let hint = best.map(|s| relative_link(from_dir, s));
        crate::lock(&self.path_cache).insert(key, hint.clone());
        hint
    }
}

/// File names within two edits of a miss, found without comparing the miss with every
/// name (at 10,000 docs each of ~15,000 broken file links was compared with 10,000
/// names: quadratic). Each name of `L >= PIECES` characters is cut into [`PIECES`]
/// pieces; two edits (an adjacent swap across a cut touches two pieces) leave one
/// piece whole, and insertions and deletions before it shift it by at most two
/// characters, so looking up the miss's substrings at those few places finds every
/// name within two edits. Candidates are then measured exactly.
struct NearNames<'a> {
    /// Each name and the first source with it.
    names: Vec<(String, &'a str)>,
    /// (name length in chars, piece number, hash of the piece's chars) → names.
    pieces: HashMap<(usize, usize, u64), Vec<usize>>,
    /// Names too short to cut: always candidates.
    short: Vec<usize>,
}

const PIECES: usize = 5;
const NEAR: usize = 2;

impl<'a> NearNames<'a> {
    fn new(by_name: &HashMap<String, Vec<&'a str>>) -> Self {
        let mut names: Vec<(String, &'a str)> =
            by_name.iter().map(|(n, sources)| (n.clone(), sources.first().copied().unwrap_or_default())).collect();
        names.sort_unstable();
        let mut pieces: HashMap<(usize, usize, u64), Vec<usize>> = HashMap::new();
        let mut short = Vec::new();
        for (k, (name, _)) in names.iter().enumerate() {
            let chars: Vec<char> = name.chars().collect();
            let len = chars.len();
            if len < PIECES {
                short.push(k);
                continue;
            }
            for piece in 0..PIECES {
                let (start, end) = piece_bounds(len, piece);
                pieces.entry((len, piece, hash_chars(&chars[start..end]))).or_default().push(k);
            }
        }
        NearNames { names, pieces, short }
    }

    /// The first source of the nearest name within two edits of `name` (ties: the
    /// smaller source), as comparing `name` with every name would find.
    fn nearest(&self, name: &str) -> Option<&'a str> {
        self.within(name).into_iter().min().map(|(_, source)| source)
    }

    /// Every name within two edits of `name` (and at most two bytes longer or
    /// shorter): its distance and first source, in no particular order.
    fn within(&self, name: &str) -> Vec<(usize, &'a str)> {
        let query: Vec<char> = name.chars().collect();
        let mut candidates = self.short.clone();
        for len in query.len().saturating_sub(NEAR).max(PIECES)..=query.len() + NEAR {
            for piece in 0..PIECES {
                let (start, end) = piece_bounds(len, piece);
                let width = end - start;
                for at in start.saturating_sub(NEAR)..=start + NEAR {
                    let Some(chars) = query.get(at..at + width) else { break };
                    candidates.extend(self.pieces.get(&(len, piece, hash_chars(chars))).into_iter().flatten());
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter_map(|k| {
                let (n, source) = &self.names[k];
                if n.len().abs_diff(name.len()) > NEAR {
                    return None;
                }
                Some((edit_distance_within(name, n, NEAR)?, *source))
            })
            .collect()
    }
}

/// Where piece `piece` of a `len`-character name starts and ends.
fn piece_bounds(len: usize, piece: usize) -> (usize, usize) {
    (piece * len / PIECES, (piece + 1) * len / PIECES)
}

fn hash_chars(chars: &[char]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    chars.hash(&mut h);
    h.finish()
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Up to three anchors near `wanted`, or the first few when none is near.
pub(crate) fn nearby_anchors<'a>(anchors: &'a [String], wanted: &str) -> (bool, Vec<&'a str>) {
    let wanted = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut near: Vec<(usize, &str)> = anchors
        .iter()
        .filter_map(|a| {
            let distance = edit_distance_within(&wanted, a, limit).or_else(|| {
                let contained = a.contains(wanted.as_str()) || wanted.contains(a.as_str());
                contained.then(|| edit_distance(&wanted, a))
            })?;
            Some((distance, a.as_str()))
        })
        .collect();
    near.sort();
    if near.is_empty() {
        (false, anchors.iter().take(5).map(String::as_str).collect())
    } else {
        (true, near.into_iter().take(3).map(|(_, a)| a).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    proptest::proptest! {
        // The piece index must find every name that measuring every name finds. Queries
        // are often a name with up to two characters put in front and one taken out, so
        // that near names (pieces shifted by two) are common.
        #[test]
        fn near_names_find_every_name_that_comparing_every_name_finds(
            names in proptest::collection::vec("[abé-]{0,9}", 1..40),
            base in 0..40usize,
            prefix in "[abé-]{0,2}",
            cut in proptest::option::of(0..9usize),
            random in proptest::option::of("[abé-]{0,11}"),
        ) {
            let query = random.unwrap_or_else(|| {
                let mut chars: Vec<char> = names[base % names.len()].chars().collect();
                if let Some(cut) = cut.filter(|&c| c < chars.len()) {
                    chars.remove(cut);
                }
                prefix.chars().chain(chars).collect()
            });
            let by_name: HashMap<String, Vec<&str>> =
                names.iter().map(|n| (n.clone(), vec![n.as_str()])).collect();
            let mut every: Vec<(usize, &str)> = by_name
                .iter()
                .filter(|(n, _)| n.len().abs_diff(query.len()) <= 2)
                .filter_map(|(n, sources)| Some((edit_distance_within(&query, n, 2)?, sources[0])))
                .collect();
            every.sort_unstable();
            let index = NearNames::new(&by_name);
            let mut found = index.within(&query);
            found.sort_unstable();
            proptest::prop_assert_eq!(index.nearest(&query), every.first().map(|(_, s)| *s));
            proptest::prop_assert_eq!(found, every);
        }
    }

    #[test]
    fn paths_normalise_and_refuse_to_climb_out() {
        assert_eq!(normalize_path("adr/../prd/./x.md").as_deref(), Some("prd/x.md"));
        assert_eq!(normalize_path("adr/../../x.md"), None);
    }

    #[test]
    fn relative_links_climb_only_as_needed() {
        assert_eq!(relative_link("trd", "adr/x.md"), "../adr/x.md");
        assert_eq!(relative_link("trd/sub", "trd/x.md"), "../x.md");
        assert_eq!(relative_link("", "adr/x.md"), "adr/x.md");
        assert_eq!(relative_link("adr", "adr/x.md"), "x.md");
    }

    #[test]
    fn anchors_split_off_decoded_and_queries_drop() {
        assert_eq!(split_anchor("x.md?plain=1#a%20b"), ("x.md", Some("a b".to_string())));
        assert_eq!(split_anchor("x.md#"), ("x.md", None));
    }

    #[test]
    fn one_edit_variants_are_exactly_the_strings_one_edit_away() {
        let alphabet = ['A', '0', '1', '-'];
        let mut all = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                all.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            all.extend(longer);
        }
        all.sort();
        all.dedup();
        for word in ["A0-", "00", "A-01"] {
            let mut variants = HashSet::new();
            for_each_one_edit_variant(word, &alphabet, |v| {
                variants.insert(v.to_string());
            });
            for other in &all {
                let one_away = edit_distance(word, other) == 1;
                assert_eq!(variants.contains(other), one_away, "{word} → {other}");
            }
        }
    }

    #[test]
    fn bounded_edit_distance_agrees_with_the_full_one() {
        let words = ["goals", "goal", "gaols", "ADR-0070", "ADR-0007", "", "abc", "ünïcode", "unicode", "x-goals-y"];
        for a in words {
            for b in words {
                for limit in 0..4 {
                    let full = edit_distance(a, b);
                    assert_eq!(edit_distance_within(a, b, limit), (full <= limit).then_some(full), "{a} {b} {limit}");
                }
            }
        }
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("goals", "goal"), 1);
        assert_eq!(edit_distance("ADR-0070", "ADR-0007"), 1);
        assert_eq!(edit_distance("ADR-0009", "ADR-0900"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
