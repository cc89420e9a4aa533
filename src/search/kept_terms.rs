//! Each doc's numbered search terms, kept between `docportal build`s, so a rebuild
//! numbers again only the docs whose analysis or listing changed.
//!
//! In: the last build's [`Merger`] state (every term by number, and their client
//! order) and, per doc, its numbered terms ([`PackedTerms`]) under a key of what they
//! were numbered from: the doc's analysis, id, numbering, title and authors. Out: a
//! merger that goes on from those numbers, and for a doc whose key is unchanged its
//! terms as they were. Numbering every doc's terms again (a hash lookup per distinct
//! term of every doc, under one lock) was about half the render stage's CPU in a
//! rebuild after one doc's edit at 10,000 docs.
//!
//! Files live in one folder per docportal build and config
//! (`.docportal-cache/terms-v1/<context>/`: the stemmer, the stop words and the kinds
//! are the rest of what numbering reads): `terms.bin` holds the dictionary, and
//! [`cache::SHARDS`] files hold the docs, spread by a hash of the doc's path
//! ([`cache::write_shards`]). A build rewrites the dictionary when it numbered new
//! terms, and each docs file that no longer holds exactly its docs' entries, so an edit
//! of one doc rewrites one docs file.
//!
//! Numbers mean something only with the dictionary they were given under, and the
//! files are written one at a time (by builds that may run side by side). So each docs
//! file names the dictionary it was written with by its length and a hash chained over
//! its terms in number order; it is used only while the dictionary read has that prefix
//! (a dictionary only ever grows, or starts over). A missing, torn or foreign file is a
//! miss, never an error, and the index built is the same either way.

use super::analyse::{DocAnalysis, Merger, PackedTerms};
use crate::cache::{self, Reader};
use crate::config::Config;
use crate::model::Doc;
use std::collections::HashMap;
use std::path::PathBuf;

/// Bump when a file's format or what numbering reads changes.
pub const FORMAT: &str = "terms-v1";
const DICTIONARY_MAGIC: &[u8; 8] = b"DPTDICT1";
const DOCS_MAGIC: &[u8; 8] = b"DPTDOCS1";
const DICTIONARY: &str = "terms.bin";
/// Context folders kept (one per docportal binary and config that built the project lately).
const KEEP: usize = 2;
/// Terms a dictionary may hold beyond twice those the last index used before a build
/// starts a new one: edits leave old terms behind.
const STALE_TERMS: usize = 100_000;

/// What the last build of this context left.
#[derive(Default)]
pub struct KeptTerms {
    /// The context's folder; `None` when the cache is off.
    dir: Option<PathBuf>,
    context: u128,
    /// The merger the last build left, to go on from (taken by [`KeptTerms::merger`]).
    merger: Option<Merger>,
    /// The dictionary as read: its length and chained hash (see [`chain`]).
    read: (usize, u128),
    /// The docs files, by [`cache::shard_of`] of the doc's path; each file's header is
    /// the length of the dictionary its numbers came from and that prefix's chained hash.
    shards: Vec<cache::Shard>,
    /// By docs file: that length, when the file's numbers came from a prefix of the
    /// dictionary read (else the file is not used).
    limits: Vec<Option<u32>>,
}

/// One doc of the index being stored: its path, its key and its numbered terms, and
/// whether they were taken from the kept files (then they are copied as they were).
pub struct StoredDoc<'a> {
    pub source: &'a str,
    pub key: u128,
    pub terms: &'a PackedTerms,
    pub reused: bool,
}

impl KeptTerms {
    /// The kept terms of `config`'s project for the running docportal.
    pub fn open(config: &Config) -> KeptTerms {
        let identity = std::env::current_exe().ok().map(|exe| cache::build_identity(&exe));
        KeptTerms::open_for(config, identity.as_deref())
    }

    /// The kept terms of `config`'s project for the docportal build `identity`; none
    /// when `identity` is `None` or the cache is off.
    pub fn open_for(config: &Config, identity: Option<&str>) -> KeptTerms {
        let Some(identity) = identity.filter(|_| cache::enabled()) else { return KeptTerms::default() };
        let (context, dir) = cache::config_context(FORMAT, identity, config);
        let (dictionary, shards) = rayon::join(
            || read_dictionary(&std::fs::read(dir.join(DICTIONARY)).unwrap_or_default(), context),
            || cache::read_shards(&dir, DOCS_MAGIC, context, 20),
        );
        let unused = |shards| KeptTerms { dir: Some(dir.clone()), context, shards, ..KeptTerms::default() };
        let Some((terms, order)) = dictionary else { return unused(shards) };
        let headers: Vec<Option<(u32, u128)>> =
            shards.iter().map(|s| s.header.as_deref().and_then(prefix_of)).collect();
        let wanted: Vec<usize> = headers.iter().flatten().map(|&(limit, _)| limit as usize).collect();
        let (read, prefixes) = chain(&terms, 0, initial_chain(), &wanted);
        let Some(merger) = Merger::resume(terms, order) else { return unused(shards) };
        let limits = headers
            .into_iter()
            .map(|header| {
                let (limit, hash) = header?;
                (prefixes.get(&(limit as usize)) == Some(&hash)).then_some(limit)
            })
            .collect();
        KeptTerms { dir: Some(dir), context, merger: Some(merger), read, shards, limits }
    }

    /// Whether terms are kept at all (the cache is on and the build knows its binary).
    pub fn is_on(&self) -> bool {
        self.dir.is_some()
    }

    /// The merger to number this build's docs with: the last build's, going on from
    /// its numbers, or a new one.
    pub fn merger(&mut self) -> Merger {
        self.merger.take().unwrap_or_default()
    }

    /// The terms the last build numbered for the doc at `source`, when it numbered them
    /// from what has the key `key` now ([`key_of`]).
    pub fn get(&self, source: &str, key: u128) -> Option<PackedTerms> {
        let n = cache::shard_of(source);
        let limit = (*self.limits.get(n)?)?;
        let mut r = Reader::new(self.shards.get(n)?.entry(source)?);
        if r.u128()? != key {
            return None;
        }
        PackedTerms::from_bytes(r.take(r.remaining())?, limit)
    }

    /// Writes what the next build needs: the dictionary of `merger` (the one
    /// [`KeptTerms::merger`] gave, with all its terms sorted) when it grew or is new,
    /// and each docs file that no longer holds exactly `docs`. `live` is how many terms
    /// the index used: a dictionary holding far more is not kept, so the next build
    /// starts a new one. Failures are ignored: the next build numbers those docs again.
    pub fn store(&self, merger: &Merger, live: usize, docs: &[StoredDoc]) {
        let Some(dir) = &self.dir else { return };
        let terms = merger.terms();
        if terms.len() > 2 * live + STALE_TERMS || merger.order().len() != terms.len() {
            let _ = std::fs::remove_file(dir.join(DICTIONARY));
            return;
        }
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        // A dictionary was read only if the merger went on from it ([`KeptTerms::merger`]):
        // then its first terms are those read, and only the rest need chaining.
        let (read_len, read_hash) = self.read;
        let ((_, now), _) = if read_len > 0 && read_len <= terms.len() {
            chain(terms, read_len, read_hash, &[])
        } else {
            chain(terms, 0, initial_chain(), &[])
        };
        if read_len == 0 || read_len != terms.len() {
            let size: usize = terms.iter().map(|t| t.len() + 4).sum::<usize>() + terms.len() * 4 + 16;
            let sealed = cache::seal_with(DICTIONARY_MAGIC, self.context, size, |out| {
                cache::put_u32(out, terms.len() as u32);
                for term in terms {
                    cache::put_str(out, term);
                }
                for &n in merger.order() {
                    cache::put_u32(out, n);
                }
            });
            if !cache::store(dir, DICTIONARY, &sealed) {
                return;
            }
        }
        let mut header = (terms.len() as u32).to_le_bytes().to_vec();
        header.extend_from_slice(&now.to_le_bytes());
        let still_good = |n: usize| self.limits.get(n).is_some_and(Option::is_some);
        cache::write_shards((dir, DOCS_MAGIC, self.context), &header, &self.shards, still_good, docs);
        if let (Some(formats), Some(name)) = (dir.parent(), dir.file_name()) {
            cache::keep_newest(formats, &name.to_string_lossy(), KEEP);
            cache::remove_other_formats(formats, "terms-v");
        }
    }
}

/// The key of what a doc's numbered terms are made from: its analysis's terms and their
/// counts, and the id (when numbered), title and authors the index adds to them.
pub fn key_of(doc: &Doc, analysis: &DocAnalysis) -> u128 {
    let mut bytes = Vec::with_capacity(analysis.terms.len() + analysis.counts.len() * 3 + 128);
    cache::put_str(&mut bytes, &analysis.terms);
    for &(tf, flags) in &analysis.counts {
        bytes.extend_from_slice(&tf.to_le_bytes());
        bytes.push(flags);
    }
    bytes.push(u8::from(doc.numbered));
    cache::put_str(&mut bytes, &doc.id);
    cache::put_str(&mut bytes, &doc.title);
    cache::put_u32(&mut bytes, doc.authors.len() as u32);
    for author in &doc.authors {
        cache::put_str(&mut bytes, author);
    }
    cache::content_hash(&bytes)
}

/// The chained hash of a dictionary with no terms.
fn initial_chain() -> u128 {
    cache::content_hash(FORMAT.as_bytes())
}

/// Chains `terms[from..]` onto `hash` (the chained hash of `terms[..from]`): the hash
/// of the first n terms is that of the first n − 1 and the nth. Gives the chained hash
/// of all of `terms`, with that of each length in `wanted`.
fn chain(terms: &[Box<str>], from: usize, mut hash: u128, wanted: &[usize]) -> ((usize, u128), HashMap<usize, u128>) {
    let mut wanted = wanted.to_vec();
    wanted.sort_unstable();
    let mut prefixes = HashMap::new();
    let mut bytes = Vec::with_capacity(64);
    for n in from..=terms.len() {
        if wanted.binary_search(&n).is_ok() {
            prefixes.insert(n, hash);
        }
        if let Some(term) = terms.get(n) {
            bytes.clear();
            bytes.extend_from_slice(&hash.to_le_bytes());
            bytes.extend_from_slice(term.as_bytes());
            hash = cache::content_hash(&bytes);
        }
    }
    ((terms.len(), hash), prefixes)
}

/// The terms (by number) and order a dictionary file holds, if it is whole and ours.
fn read_dictionary(file: &[u8], context: u128) -> Option<(Vec<Box<str>>, Vec<u32>)> {
    let mut r = Reader::new(cache::unseal(DICTIONARY_MAGIC, context, file)?);
    let count = r.u32()? as usize;
    // Each term takes at least its length's 4 bytes, and its place in the order 4 more.
    if count > r.remaining() / 8 {
        return None;
    }
    let terms = (0..count).map(|_| r.string().map(String::into_boxed_str)).collect::<Option<Vec<_>>>()?;
    let order = (0..count).map(|_| r.u32()).collect::<Option<Vec<_>>>()?;
    r.is_empty().then_some((terms, order))
}

/// The dictionary length and chained hash a docs file's header names.
fn prefix_of(header: &[u8]) -> Option<(u32, u128)> {
    let mut r = Reader::new(header);
    Some((r.u32()?, r.u128()?))
}

impl cache::ShardEntry for StoredDoc<'_> {
    fn name(&self) -> &str {
        self.source
    }

    fn reused(&self) -> bool {
        self.reused
    }

    /// The doc's key, then its packed terms.
    fn encode(&self) -> Option<Vec<u8>> {
        let mut bytes = Vec::with_capacity(16 + self.terms.bytes().len());
        bytes.extend_from_slice(&self.key.to_le_bytes());
        bytes.extend_from_slice(self.terms.bytes());
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::portal;
    use super::super::{build, Collector};
    use super::*;
    use crate::index::Index;
    use crate::model::RenderedDoc;
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The search files of a collector going on from what `root` keeps for build
    /// `identity` (adding the docs in `order`), and how many docs took kept terms.
    fn collect(
        (config, index, rendered): (&Config, &Index, &[RenderedDoc]),
        root: &Path,
        identity: &str,
        order: &[usize],
    ) -> (BTreeMap<String, Vec<u8>>, usize) {
        let config = Config { root: root.to_path_buf(), ..config.clone() };
        let collector = Collector::keeping(index, &config, KeptTerms::open_for(&config, Some(identity)));
        for &pos in order {
            collector.add(pos, rendered[pos].clone());
        }
        let reused = collector.reused();
        (collector.files(), reused)
    }

    fn context_dir(root: &Path) -> PathBuf {
        let formats = root.join(cache::DIR).join(FORMAT);
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(formats).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(dirs.len(), 1, "one context: {dirs:?}");
        dirs.remove(0)
    }

    #[cfg(unix)]
    fn inodes(dir: &Path) -> BTreeMap<String, u64> {
        use std::os::unix::fs::MetadataExt;
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().ino()))
            .collect()
    }

    /// Kept terms serve a doc while its analysis, id, title and authors are what they
    /// were numbered from; a doc whose text or title changed is numbered again, a new
    /// term goes on from the kept numbers, and the files are always [`build`]'s. Only
    /// the docs files holding changed docs (and the dictionary, when it grew) are
    /// written again.
    #[test]
    #[cfg(unix)]
    fn a_doc_s_terms_are_kept_while_its_analysis_and_listing_are_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let (config, mut index, mut rendered) = portal(120);
        let all: Vec<usize> = (0..120).collect();
        let (first, reused) = collect((&config, &index, &rendered), tmp.path(), "build-1", &all);
        assert_eq!(reused, 0, "nothing kept yet");
        assert!(first == build(&index, &rendered, &config), "the first build's files are build's");
        let dir = context_dir(tmp.path());
        let before = inodes(&dir);
        assert_eq!(before.len(), cache::SHARDS + 1, "a dictionary and every docs file: {before:?}");

        let (second, reused) = collect((&config, &index, &rendered), tmp.path(), "build-1", &all);
        assert_eq!(reused, 120, "every doc is as it was");
        assert!(second == first, "the files are those of the build before");
        assert_eq!(inodes(&dir), before, "nothing changed, nothing written");

        // A new word in one doc's text, another doc's title edited.
        rendered[5] = RenderedDoc { text: format!("{} Quokkas everywhere.", rendered[5].text), ..rendered[5].clone() };
        rendered[5].search = None;
        index.docs[8].title = "Doc eight, renamed".into();
        let (third, reused) = collect((&config, &index, &rendered), tmp.path(), "build-1", &all);
        assert_eq!(reused, 118, "the two changed docs are numbered again");
        assert!(third == build(&index, &rendered, &config), "the files are build's");
        assert!(String::from_utf8_lossy(&third.values().flatten().copied().collect::<Vec<u8>>()).contains("quokka"));
        let after = inodes(&dir);
        let rewritten: Vec<&String> = after.keys().filter(|name| after[*name] != before[*name]).collect();
        let changed = [
            cache::shard_name(cache::shard_of(&index.docs[5].source)),
            cache::shard_name(cache::shard_of(&index.docs[8].source)),
        ];
        let expected: Vec<&str> = std::iter::once(DICTIONARY).chain(changed.iter().map(String::as_str)).collect();
        assert!(rewritten.iter().all(|name| expected.contains(&name.as_str())), "rewritten: {rewritten:?}");
        assert!(rewritten.iter().any(|name| *name == DICTIONARY), "a new term grows the dictionary");

        let (_, reused) = collect((&config, &index, &rendered), tmp.path(), "build-1", &all);
        assert_eq!(reused, 120, "and the next build keeps them all again");
        let (other, reused) = collect((&config, &index, &rendered), tmp.path(), "build-2", &all);
        assert_eq!(reused, 0, "another docportal build keeps nothing of this one's");
        assert!(other == third);
    }

    /// A docs file is used only with a dictionary its numbers were given by: one written
    /// beside another dictionary (another build numbering in another order), or beside
    /// a torn one, is a miss for every doc, and the files are still [`build`]'s.
    #[test]
    fn docs_files_are_used_only_with_the_dictionary_that_numbered_them() {
        let tmp = tempfile::tempdir().unwrap();
        let (config, index, rendered) = portal(90);
        let forward: Vec<usize> = (0..90).collect();
        let backward: Vec<usize> = (0..90).rev().collect();
        let expected = build(&index, &rendered, &config);
        collect((&config, &index, &rendered), tmp.path(), "build-1", &forward);
        let dir = context_dir(tmp.path());
        let docs_files: Vec<(PathBuf, Vec<u8>)> = (0..cache::SHARDS)
            .map(|n| dir.join(cache::shard_name(n)))
            .map(|path| (path.clone(), std::fs::read(&path).unwrap()))
            .collect();
        let forward_dictionary = std::fs::read(dir.join(DICTIONARY)).unwrap();

        // Numbered afresh in the other order: the same terms under other numbers.
        std::fs::remove_dir_all(&dir).unwrap();
        let (files, _) = collect((&config, &index, &rendered), tmp.path(), "build-1", &backward);
        assert!(files == expected);
        assert!(std::fs::read(dir.join(DICTIONARY)).unwrap() != forward_dictionary, "other numbers");
        for (path, bytes) in &docs_files {
            std::fs::write(path, bytes).unwrap();
        }
        let (files, reused) = collect((&config, &index, &rendered), tmp.path(), "build-1", &forward);
        assert_eq!(reused, 0, "no docs file matches the dictionary beside it");
        assert!(files == expected);

        let (_, reused) = collect((&config, &index, &rendered), tmp.path(), "build-1", &forward);
        assert_eq!(reused, 90, "written again, they are used");
        let dictionary = std::fs::read(dir.join(DICTIONARY)).unwrap();
        std::fs::write(dir.join(DICTIONARY), &dictionary[..dictionary.len() - 3]).unwrap();
        let (files, reused) = collect((&config, &index, &rendered), tmp.path(), "build-1", &forward);
        assert_eq!(reused, 0, "a torn dictionary is a miss for every doc");
        assert!(files == expected);
    }

    #[test]
    fn packed_terms_read_back_only_when_whole_ascending_and_below_the_limit() {
        let terms = PackedTerms::new(vec![(300, 9), (2, 1), (40_000, 3)]);
        let bytes = terms.bytes();
        let back = PackedTerms::from_bytes(bytes, 40_001).unwrap();
        assert_eq!(back.bytes(), bytes);
        assert!(PackedTerms::from_bytes(bytes, 40_000).is_none(), "a number at the limit");
        assert!(PackedTerms::from_bytes(&bytes[..bytes.len() - 1], 50_000).is_none(), "no payload");
        assert!(PackedTerms::from_bytes(&[0, 1], 50_000).is_none(), "a zero gap repeats a term");
        assert!(PackedTerms::from_bytes(&[0x80], 50_000).is_none(), "cut inside a number");
    }
}
