//! Parsed docs kept between `docportal build`s, so a rebuild parses only what changed.
//!
//! In: each doc a build parsed, with its source path and the hash of its bytes (from
//! [`crate::fresh::DocReader`]). Out: next build, for a doc whose file still holds those
//! bytes (its trusted stamp is unchanged: [`crate::fresh::DocReader::known`]), the doc
//! as parsed then, its blanked lines and its text's and body's hashes, without reading
//! the file: at 10,000 docs, parsing every doc was a quarter of a one-doc rebuild.
//!
//! Entries live in one file per parse context (`.docportal-cache/parse-v1/<context>.bin`):
//! the context is the docportal build and the whole effective config, everything but
//! the file that parsing reads. A build rewrites its context's file with an entry for
//! each doc it parsed or took from it, so deleted docs leave with it; the
//! `KEEP` most recent contexts are kept.
//!
//! Invariants: an entry is found only under the path, bytes hash and context it was
//! made from, so the doc it gives is the doc parsing those bytes gives (its body left
//! out, as a streaming build leaves it). A missing, torn or foreign file is a miss for
//! every doc, never an error; a file that cannot be written only costs the next build
//! its parse.

use crate::cache::{self, Reader};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Doc, MetaField, RawRef, Relation};
use siphasher::sip128::Hasher128;
use std::collections::HashMap;
use std::hash::Hasher;
use std::ops::Range;
use std::path::PathBuf;

/// Bump when the entry format or what a parse depends on changes.
pub const FORMAT: &str = "parse-v1";
const MAGIC: &[u8; 8] = b"DPPARSE1";
/// Parse contexts kept (a project built with several configs or destinations).
const KEEP: usize = 4;

/// A doc as a build parsed it, without its body, and how to make the body again.
#[derive(Debug, Clone)]
pub struct KeptDoc {
    /// `Doc::body` is empty.
    pub doc: Doc,
    /// The lines parsing blanked ([`super::parse_blanking`]).
    pub blank: Vec<bool>,
    /// The `cache::content_hash` of the file's text as parsed.
    pub text_hash: u128,
    /// The `cache::content_hash` of the doc's body.
    pub body_hash: u128,
}

/// The kept docs of one parse context, as the last build of it left them.
pub struct Kept {
    /// The context's file; `None` when the cache is off.
    file: Option<PathBuf>,
    context: u128,
    /// The file's payload, and where each entry's bytes are in it.
    bytes: Vec<u8>,
    entries: HashMap<u128, Range<usize>>,
}

/// One entry, encoded, ready for [`Kept::store`].
pub struct Entry {
    key: u128,
    bytes: Vec<u8>,
}

impl Kept {
    /// The kept docs of `config`'s context for the running docportal.
    pub fn open(config: &Config) -> Kept {
        let identity = std::env::current_exe().ok().map(|exe| cache::build_identity(&exe));
        Kept::open_for(config, identity.as_deref())
    }

    /// Keeps nothing, and finds nothing.
    pub fn off() -> Kept {
        Kept { file: None, context: 0, bytes: Vec::new(), entries: HashMap::new() }
    }

    /// The kept docs of `config`'s context, for the docportal build `identity`; none
    /// when `identity` is `None` (a build that cannot name its binary keeps nothing).
    pub fn open_for(config: &Config, identity: Option<&str>) -> Kept {
        let mut h = cache::hasher();
        cache::hash_str(&mut h, FORMAT);
        cache::hash_str(&mut h, identity.unwrap_or_default());
        cache::hash_debug(&mut h, config);
        let context = h.finish128().as_u128();
        let file = identity
            .filter(|_| cache::enabled())
            .map(|_| config.root.join(cache::DIR).join(FORMAT).join(format!("{context:032x}.bin")));
        let mut kept = Kept { file, context, bytes: Vec::new(), entries: HashMap::new() };
        if let Some(bytes) = kept.file.as_deref().and_then(|f| std::fs::read(f).ok()) {
            if let Some(entries) = index_entries(&bytes, context) {
                kept.bytes = bytes;
                kept.entries = entries;
            }
        }
        kept
    }

    /// Whether docs are kept at all (the cache is on and the build knows its binary).
    pub fn is_on(&self) -> bool {
        self.file.is_some()
    }

    /// The entry kept for the doc at `rel` whose bytes hash to `hash`, decoded, with
    /// its bytes (to carry into this build's file).
    pub fn get(&self, rel: &str, hash: u128) -> Option<(KeptDoc, Entry)> {
        let (key, bytes) = self.entry(rel, hash)?;
        let doc = decode(bytes).filter(|d| d.doc.source == rel)?;
        Some((doc, Entry { key, bytes: bytes.to_vec() }))
    }

    /// [`Kept::get`] without the entry (for a reader that keeps nothing: `serve`).
    pub fn doc(&self, rel: &str, hash: u128) -> Option<KeptDoc> {
        decode(self.entry(rel, hash)?.1).filter(|d| d.doc.source == rel)
    }

    fn entry(&self, rel: &str, hash: u128) -> Option<(u128, &[u8])> {
        let key = entry_key(rel, hash);
        Some((key, self.bytes.get(self.entries.get(&key)?.clone())?))
    }

    /// Lets go of the last build's entries (20 MB at 10,000 docs), once every doc that
    /// can be taken from them has been: [`Kept::store`] needs only the entries given.
    pub fn release_loaded(&mut self) {
        self.bytes = Vec::new();
        self.entries = HashMap::new();
    }

    /// Replaces the context's file with `entries` (the docs of this build). Failures
    /// are ignored: the next build parses again.
    pub fn store(&self, entries: Vec<Entry>) {
        let Some(file) = &self.file else { return };
        let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else { return };
        let size: usize = entries.iter().map(|e| e.bytes.len() + 20).sum();
        // Framed in place: the payload is 20 MB at 10,000 docs.
        let sealed = cache::seal_with(MAGIC, self.context, size + 4, |payload| {
            cache::put_u32(payload, entries.len() as u32);
            for Entry { key, bytes } in &entries {
                payload.extend_from_slice(&key.to_le_bytes());
                cache::put_u32(payload, bytes.len() as u32);
                payload.extend_from_slice(bytes);
            }
        });
        drop(entries);
        let name = name.to_string_lossy();
        if std::fs::create_dir_all(dir).is_ok() && cache::store(dir, &name, &sealed) {
            cache::keep_newest(dir, &name, KEEP);
            cache::remove_other_formats(dir, "parse-v");
        }
    }
}

impl Entry {
    /// The entry for a doc just parsed from the file at `rel` whose bytes hash to `hash`.
    pub fn new(rel: &str, hash: u128, kept: &KeptDoc) -> Entry {
        Entry { key: entry_key(rel, hash), bytes: encode(kept) }
    }
}

fn entry_key(rel: &str, hash: u128) -> u128 {
    let mut h = cache::hasher();
    cache::hash_str(&mut h, rel);
    h.write_u128(hash);
    h.finish128().as_u128()
}

/// Where each entry of a context's sealed file is; `None` for a torn or foreign file.
fn index_entries(file: &[u8], context: u128) -> Option<HashMap<u128, Range<usize>>> {
    let payload = cache::unseal(MAGIC, context, file)?;
    // Offsets into `file`: the payload is its tail.
    let start = file.len() - payload.len();
    let mut r = Reader::new(payload);
    let count = r.u32()?;
    let mut entries = HashMap::with_capacity(count as usize);
    let mut at = start + 4;
    for _ in 0..count {
        let key = r.u128()?;
        let len = r.u32()? as usize;
        r.take(len)?;
        at += 20;
        entries.insert(key, at..at + len);
        at += len;
    }
    r.is_empty().then_some(entries)
}

fn put_opt(out: &mut Vec<u8>, s: &Option<String>) {
    match s {
        Some(s) => {
            out.push(1);
            cache::put_str(out, s);
        }
        None => out.push(0),
    }
}

fn put_list(out: &mut Vec<u8>, items: &[String]) {
    cache::put_u32(out, items.len() as u32);
    for item in items {
        cache::put_str(out, item);
    }
}

fn encode(kept: &KeptDoc) -> Vec<u8> {
    let KeptDoc { doc, blank, text_hash, body_hash } = kept;
    // Destructured in full: a new field of `Doc` must be considered here.
    let Doc {
        source,
        id,
        numbered,
        listed,
        kind,
        title,
        status,
        status_raw,
        authors,
        reviewers,
        created,
        updated,
        version,
        fields,
        refs,
        body: _,
        diagnostics,
    } = doc;
    let mut out = Vec::with_capacity(256 + refs.len() * 48);
    out.extend_from_slice(&text_hash.to_le_bytes());
    out.extend_from_slice(&body_hash.to_le_bytes());
    cache::put_u32(&mut out, blank.len() as u32);
    out.extend(blank.chunks(8).map(|bits| bits.iter().rev().fold(0u8, |byte, &b| byte << 1 | u8::from(b))));
    for s in [source, id, title] {
        cache::put_str(&mut out, s);
    }
    out.push(u8::from(*numbered) | u8::from(*listed) << 1);
    for s in [kind, status, status_raw, created, updated, version] {
        put_opt(&mut out, s);
    }
    put_list(&mut out, authors);
    put_list(&mut out, reviewers);
    cache::put_u32(&mut out, fields.len() as u32);
    for MetaField { key, label, value, line } in fields.iter() {
        for s in [key, label, value] {
            cache::put_str(&mut out, s);
        }
        cache::put_u32(&mut out, *line);
    }
    cache::put_u32(&mut out, refs.len() as u32);
    for RawRef { relation, target, label, line, field } in refs.iter() {
        out.push(match relation {
            Relation::Related => 0,
            Relation::Supersedes => 1,
            Relation::SupersededBy => 2,
            Relation::Mentions => 3,
        });
        cache::put_str(&mut out, target);
        put_opt(&mut out, label);
        match line {
            Some(n) => {
                out.push(1);
                cache::put_u32(&mut out, *n);
            }
            None => out.push(0),
        }
        put_opt(&mut out, field);
    }
    cache::put_diagnostics(&mut out, diagnostics);
    out
}

fn opt(r: &mut Reader) -> Option<Option<String>> {
    match r.u8()? {
        0 => Some(None),
        1 => Some(Some(r.string()?)),
        _ => None,
    }
}

fn list(r: &mut Reader) -> Option<Vec<String>> {
    (0..r.u32()?).map(|_| r.string()).collect()
}

fn decode(bytes: &[u8]) -> Option<KeptDoc> {
    let mut r = Reader::new(bytes);
    let text_hash = r.u128()?;
    let body_hash = r.u128()?;
    let lines = r.u32()? as usize;
    let packed = r.take(lines.div_ceil(8))?;
    let blank = (0..lines).map(|i| packed[i / 8] >> (i % 8) & 1 == 1).collect();
    let (source, id, title) = (r.string()?, r.string()?, r.string()?);
    let flags = r.u8()?;
    let (kind, status, status_raw) = (opt(&mut r)?, opt(&mut r)?, opt(&mut r)?);
    let (created, updated, version) = (opt(&mut r)?, opt(&mut r)?, opt(&mut r)?);
    let (authors, reviewers) = (list(&mut r)?, list(&mut r)?);
    let fields = (0..r.u32()?)
        .map(|_| Some(MetaField { key: r.string()?, label: r.string()?, value: r.string()?, line: r.u32()? }))
        .collect::<Option<Vec<_>>>()?;
    let refs = (0..r.u32()?)
        .map(|_| {
            let relation = match r.u8()? {
                0 => Relation::Related,
                1 => Relation::Supersedes,
                2 => Relation::SupersededBy,
                3 => Relation::Mentions,
                _ => return None,
            };
            let target = r.string()?;
            let label = opt(&mut r)?;
            let line = match r.u8()? {
                0 => None,
                1 => Some(r.u32()?),
                _ => return None,
            };
            Some(RawRef { relation, target, label, line, field: opt(&mut r)? })
        })
        .collect::<Option<Vec<_>>>()?;
    let diagnostics: Vec<Diagnostic> = r.diagnostics()?;
    let doc = Doc {
        source,
        id,
        numbered: flags & 1 == 1,
        listed: flags & 2 == 2,
        kind,
        title,
        status,
        status_raw,
        authors,
        reviewers,
        created,
        updated,
        version,
        fields: fields.into(),
        refs: refs.into(),
        body: String::new(),
        diagnostics,
    };
    r.is_empty().then_some(KeptDoc { doc, blank, text_hash, body_hash })
}

/// Where `config`'s kept docs live (for tests and tools).
pub fn folder(config: &Config) -> PathBuf {
    config.root.join(cache::DIR).join(FORMAT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover;
    use std::fs;

    /// Each doc of `files` in a fresh project: parsed, and kept as a build keeps it.
    fn parsed(files: &[(&str, &str)]) -> (tempfile::TempDir, Config, Vec<(String, u128, KeptDoc)>) {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let mut docs = Vec::new();
        for (rel, text) in files {
            let abs = config.src_dir.join(rel);
            fs::create_dir_all(abs.parent().unwrap()).unwrap();
            fs::write(&abs, text).unwrap();
            let file = discover::read_source(&abs, rel).unwrap();
            let (mut doc, blank) = super::super::parse_blanking(&file, &config);
            let body_hash = cache::content_hash(doc.body.as_bytes());
            doc.body = String::new();
            let text_hash = cache::content_hash(file.text.as_bytes());
            docs.push((
                rel.to_string(),
                cache::content_hash(text.as_bytes()),
                KeptDoc { doc, blank, text_hash, body_hash },
            ));
        }
        (tmp, config, docs)
    }

    const DOCS: &[(&str, &str)] = &[
        (
            "adr/0007-queue.md",
            "---\ntitle: Queue choice\nstatus: Accepted\nauthors: [Ana, Bo]\nrelated: [PRD-0002, \"../prd/missing.md\"]\nsupersedes: ADR-0003\ndate: 2026-02-30\n---\n# Queue choice\n\nSee ADR-0001 and [the PRD](../prd/PRD-0002-x.md#goals).\n\n```rust\nfn main() {}\n```\n",
        ),
        (
            "prd/PRD-0002-x.md",
            "# PRD-0002: Checkout\n\n| Field | Value |\n|---|---|\n| Status | In Review |\n| Owner | [TBD] |\n| Reviewers | Cy, Dee |\n\n## Goals\n\nNothing yet; TRD-9 later.\n",
        ),
        ("notes/plain.md", "Just text with no heading at all.\n\nA second paragraph mentioning RFC 2119.\n"),
    ];

    #[test]
    fn a_stored_doc_is_found_again_as_parsed() {
        let (_tmp, config, docs) = parsed(DOCS);
        assert!(docs.iter().any(|(_, _, k)| !k.doc.diagnostics.is_empty()), "a doc with warnings is among them");
        assert!(docs.iter().any(|(_, _, k)| k.doc.refs.iter().any(|r| r.label.is_some())), "and a labelled link");
        let kept = Kept::open_for(&config, Some("test-build"));
        assert!(kept.is_on());
        kept.store(docs.iter().map(|(rel, hash, k)| Entry::new(rel, *hash, k)).collect());
        let again = Kept::open_for(&config, Some("test-build"));
        for (rel, hash, k) in &docs {
            let (found, entry) = again.get(rel, *hash).expect("kept");
            assert_eq!(format!("{found:?}"), format!("{k:?}"), "{rel}");
            assert_eq!(entry.bytes, encode(k));
        }
    }

    #[test]
    fn a_doc_is_found_only_under_its_path_bytes_and_context() {
        let (_tmp, config, docs) = parsed(DOCS);
        Kept::open_for(&config, Some("test-build")).store(docs.iter().map(|(r, h, k)| Entry::new(r, *h, k)).collect());
        let (rel, hash, _) = &docs[0];
        let kept = Kept::open_for(&config, Some("test-build"));
        assert!(kept.get(rel, *hash).is_some());
        assert!(kept.get(rel, hash ^ 1).is_none(), "other bytes");
        assert!(kept.get(&docs[1].0, *hash).is_none(), "another path");
        assert!(Kept::open_for(&config, Some("another-build")).get(rel, *hash).is_none(), "another docportal");
        let mut other = config.clone();
        other.title = "Another portal".into();
        assert!(Kept::open_for(&other, Some("test-build")).get(rel, *hash).is_none(), "another config");
        assert!(Kept::open_for(&config, None).get(rel, *hash).is_none(), "an unknown binary");
    }

    #[test]
    fn a_torn_or_corrupt_file_is_a_miss() {
        let (_tmp, config, docs) = parsed(DOCS);
        let kept = Kept::open_for(&config, Some("test-build"));
        kept.store(docs.iter().map(|(r, h, k)| Entry::new(r, *h, k)).collect());
        let file = kept.file.clone().unwrap();
        let bytes = fs::read(&file).unwrap();
        let (rel, hash, _) = &docs[0];
        fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
        assert!(Kept::open_for(&config, Some("test-build")).get(rel, *hash).is_none(), "torn");
        let mut flipped = bytes.clone();
        let last = flipped.len() - 10;
        flipped[last] ^= 0x40;
        fs::write(&file, &flipped).unwrap();
        assert!(Kept::open_for(&config, Some("test-build")).get(rel, *hash).is_none(), "corrupt");
        fs::write(&file, &bytes).unwrap();
        assert!(Kept::open_for(&config, Some("test-build")).get(rel, *hash).is_some(), "intact again");
    }

    #[test]
    fn a_build_keeps_only_its_own_docs_and_a_few_contexts() {
        let (_tmp, config, docs) = parsed(DOCS);
        let kept = Kept::open_for(&config, Some("test-build"));
        kept.store(docs.iter().map(|(r, h, k)| Entry::new(r, *h, k)).collect());
        // The next build has the first doc only.
        let (rel, hash, _) = &docs[0];
        let (_, entry) = Kept::open_for(&config, Some("test-build")).get(rel, *hash).unwrap();
        Kept::open_for(&config, Some("test-build")).store(vec![entry]);
        let again = Kept::open_for(&config, Some("test-build"));
        assert!(again.get(rel, *hash).is_some());
        assert!(again.get(&docs[1].0, docs[1].1).is_none(), "a doc the last build did not have is gone");
        for n in 0..KEEP + 2 {
            Kept::open_for(&config, Some(&format!("build-{n}"))).store(Vec::new());
        }
        assert_eq!(fs::read_dir(folder(&config)).unwrap().count(), KEEP);
    }
}
