//! The persistent render cache: rendered doc bodies kept between builds, content-addressed.
//!
//! In: the inputs of one `render::render` call — the doc, its link context, the
//! configuration, the theme and the docportal build. Entries live in pack files under
//! `.docportal-cache/render-v4/` in the project folder: each build appends the bodies
//! it renders to one new `pack-*.bin`, and `index.bin` maps every entry the last build
//! used to its pack and place. One file per build, not one per doc, since creating
//! thousands of small files was a tenth of a cold build's CPU. An entry whose article
//! the build also wrote into the doc's page holds no copy of it, only where it sits in
//! that page (path, offset, length, CRC-32): the site is the cache's store of articles,
//! which halves what a cold build writes. A page changed or gone since is a miss. An
//! entry's key is a
//! 128-bit SipHash of everything that can change the rendered body:
//!
//! - the docportal build: its version and the running binary's size and modification
//!   time, so a rebuilt or upgraded docportal never reads a stale body;
//! - the whole configuration (any `book.toml` change) and every theme file;
//! - the doc as parsed (its source path, metadata, references and body);
//! - its link context: each outgoing link with the id, source, kind, title and status of
//!   the doc it resolves to, each backlink with the same facts about the doc it comes
//!   from, and the links stage's verdict on which of its `#anchor` references miss.
//!   Docs are named by identity, never by position, so adding a doc does not shift
//!   every key.
//!
//! Invariants: a hit is byte-identical to what rendering would return now, provided
//! `render::render` reads only the inputs above (it is given the index, the link graph
//! and the config; if it starts reading more, that must join [`RenderCache::key`]).
//! Every entry carries its key and a checksum and the index is replaced through a
//! rename, so a torn, corrupt or missing entry is a miss, never wrong output. The cache
//! is an optimisation only: any read or write failure is a miss, and a build never fails
//! because of it. [`RenderCache::finish`] indexes only what the build used and deletes
//! packs nothing points into; a pack less than half alive has its live entries copied
//! into the new pack first, so the folder stays under about twice one build's worth.
//! `DOCPORTAL_CACHE=off` in the environment turns it off.

use crate::config::Config;
use crate::diag::{Base, Diagnostic, Severity};
use crate::index::Index;
use crate::links::{Backlink, Link, LinkGraph};
use crate::model::{Doc, RenderedDoc, TocEntry};
use crate::search::{DocAnalysis, ExcerptSection};
use crate::theme::Theme;
use siphasher::sip128::{Hasher128, SipHasher13};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::fs;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io::{Read, Seek, SeekFrom, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The cache folder, relative to the project root.
pub const DIR: &str = ".docportal-cache";
/// Bump when the entry format or the key's makeup changes (v2: the search analysis;
/// v3: pack files and an index instead of a file per entry; v4: articles left in the
/// site's pages). Folders of other versions are deleted by [`RenderCache::finish`].
pub const FORMAT: &str = "render-v4";
const MAGIC: &[u8; 8] = b"DPRCACHE";
const INDEX_MAGIC: &[u8; 8] = b"DPRINDEX";
const INDEX: &str = "index.bin";

/// A 128-bit content key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(u128);

impl Key {
    /// The key folded to 64 bits, for hashes that carry it on.
    pub fn short(self) -> u64 {
        fold(self.0)
    }
}

fn fold(n: u128) -> u64 {
    (n as u64) ^ ((n >> 64) as u64)
}

/// Where an entry is: pack (a position in [`Stored::packs`]), offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    pack: u32,
    offset: u64,
    len: u64,
}

/// What the index of the previous build said.
#[derive(Debug, Default)]
struct Stored {
    /// Pack file names, by [`Place::pack`].
    packs: Vec<String>,
    entries: HashMap<Key, Place>,
}

/// The pack this build appends to, created at its first entry.
struct NewPack {
    name: String,
    file: fs::File,
    len: u64,
    /// A write failed: nothing this pack holds is indexed.
    failed: bool,
}

/// A key [`RenderCache::render_body_with`] looked up, and whether its entry was there.
#[derive(Debug, Clone, Copy)]
pub struct Lookup {
    pub key: Key,
    pub hit: bool,
}

/// Where an in-page entry's article is: a byte range of a page of the site, and the
/// CRC-32 of the bytes that were there.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PageSlice {
    path: String,
    offset: u64,
    len: u64,
    crc: u32,
}

impl PageSlice {
    /// Where `article` sits in the page `bytes` at site path `path`; `None` when the
    /// template did not copy it in verbatim (or it is empty: nothing to save then).
    fn find(path: &str, page: &str, article: &str) -> Option<PageSlice> {
        if article.is_empty() {
            return None;
        }
        // Find a short head of the article, then compare the rest where it is found: a
        // search for the whole article is much slower.
        let mut head = article.len().min(64);
        while !article.is_char_boundary(head) {
            head -= 1;
        }
        let (start, _) = page.match_indices(&article[..head]).find(|(at, _)| page[*at..].starts_with(article))?;
        let crc = crc32fast::hash(article.as_bytes());
        Some(PageSlice { path: path.to_string(), offset: start as u64, len: article.len() as u64, crc })
    }

    /// The article, read from the page under `site`, if it still holds the same bytes.
    fn read(&self, site: &Path) -> Option<String> {
        let path = crate::write::safe_join(site, &self.path).ok()?;
        let bytes = read_range(&path, self.offset, self.len)?;
        (crc32fast::hash(&bytes) == self.crc).then(|| String::from_utf8(bytes).ok())?
    }
}

/// The article of a cache hit, still in the page of the last site that holds it.
#[derive(Debug)]
pub struct PendingArticle(PageSlice);

/// What an entry holds in place of its article: the article itself or where it is.
#[derive(Debug, PartialEq, Eq)]
enum Article {
    Inline(String),
    InPage(PageSlice),
}

/// An open render cache for one build.
pub struct RenderCache {
    /// `None` when the cache is off.
    dir: Option<PathBuf>,
    /// The site folder whose pages hold the articles of in-page entries.
    site: PathBuf,
    /// Hash of what every entry of this build shares: build identity, config, theme.
    build_context: u128,
    stored: Stored,
    /// Entries this build read or wrote, and where: the next index. New entries point
    /// at pack number `stored.packs.len()`, this build's own.
    used: Mutex<HashMap<Key, Place>>,
    new_pack: Mutex<Option<NewPack>>,
}

/// An index and its link graph as keys read them: what a doc's render depends on
/// beyond its own Markdown.
pub struct LinkContext<'a> {
    pub index: &'a Index,
    pub graph: &'a LinkGraph,
    /// [`identity_digest`] of every doc, worked out on first use: each doc is linked
    /// from ~50 others, and hashing its identity afresh for each was 1.5% of a
    /// 10,000-doc build's CPU.
    identities: OnceLock<Vec<u128>>,
    /// A digest of the graph's non-doc files, the same for every doc: hashed once, not
    /// once per key (a portal with hundreds of images would pay for them per doc).
    assets: OnceLock<u128>,
}

impl<'a> LinkContext<'a> {
    pub fn new(index: &'a Index, graph: &'a LinkGraph) -> Self {
        LinkContext { index, graph, identities: OnceLock::new(), assets: OnceLock::new() }
    }

    fn assets_digest(&self) -> u128 {
        *self.assets.get_or_init(|| {
            let mut h = hasher();
            hash_debug(&mut h, &self.graph.assets);
            h.finish128().as_u128()
        })
    }

    /// [`identity_digest`] of the doc at `pos`, if there is one.
    fn identity(&self, pos: usize) -> Option<u128> {
        self.identities.get_or_init(|| self.index.docs.iter().map(identity_digest).collect()).get(pos).copied()
    }
}

/// Feeds formatted text straight into a hasher, so `{:?}` of a large value hashes
/// without building the string.
struct HashWriter<'a>(&'a mut SipHasher13);

impl fmt::Write for HashWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

/// Deletes all but the `count` newest entries of `dir` (files, or folders of files; by
/// mtime), `keep` always among them, so building with many destinations or configs
/// does not grow a cache folder without end. What is deleted is only built again.
pub(crate) fn keep_newest(dir: &Path, keep: &str, count: usize) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_name() != keep)
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, path) in files.iter().skip(count.saturating_sub(1)) {
        if fs::remove_file(path).is_err() {
            let _ = fs::remove_dir_all(path);
        }
    }
}

/// Deletes the folders beside `dir` (the folder of the current format) whose names
/// start with `prefix` but are not `dir`'s: what an older docportal wrote there is
/// never read again.
pub(crate) fn remove_other_formats(dir: &Path, prefix: &str) {
    let (Some(parent), Some(current)) = (dir.parent(), dir.file_name()) else { return };
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let other = name != current && name.to_string_lossy().starts_with(prefix);
        if other && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Hash maps keyed by short strings (search terms, doc ids), hashed with a fast
/// non-cryptographic hash: the keys are the portal's own words and ids, and nobody
/// gains from colliding them.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;
/// A set of short strings (or other small keys), hashed as in [`FastMap`].
pub(crate) type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<WordHasher>>;

/// FxHash-style multiply-rotate hashing, eight bytes at a time.
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.mix(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.mix(u64::from_le_bytes(tail) ^ rest.len() as u64);
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The hasher of the render cache's 128-bit keys and of every checksum (also
/// [`crate::fresh`]'s). The 64-bit keys of pages and of `serve` use [`key_hasher`].
pub(crate) fn hasher() -> SipHasher13 {
    SipHasher13::new_with_keys(0x646f_6370_6f72_7461, 0x6c2d_7265_6e64_6572)
}

/// The hasher of the 64-bit keys that decide, within a build and between one build
/// and the next, whether something is reused: doc page keys, the portal pages' key,
/// `serve`'s render and link keys. XXH3 rather than std's SipHash: a derived `Hash`
/// makes many writes of a few bytes each, which SipHash compresses one by one; with
/// 10,000 docs every edit in `serve` hashes every doc's fields, links and diagnostics
/// several times over, and SipHash was a fifth of the server's CPU. Nobody picks these
/// inputs to collide.
pub(crate) fn key_hasher() -> KeyHasher {
    KeyHasher { xxh3: xxhash_rust::xxh3::Xxh3Default::new(), buffer: [0; KEY_BUFFER], len: 0 }
}

/// The [`key_hasher`] digest of one value.
pub(crate) fn key_of(value: &impl Hash) -> u64 {
    let mut h = key_hasher();
    value.hash(&mut h);
    h.finish()
}

const KEY_BUFFER: usize = 256;

/// XXH3 of the bytes written, gathered here first: the numbers a derived `Hash` writes
/// become fixed-size stores instead of one call per write into XXH3's own buffer.
/// Same digest as writing every piece to XXH3 directly.
pub(crate) struct KeyHasher {
    xxh3: xxhash_rust::xxh3::Xxh3Default,
    buffer: [u8; KEY_BUFFER],
    len: usize,
}

impl KeyHasher {
    #[inline(always)]
    fn push<const N: usize>(&mut self, bytes: [u8; N]) {
        if self.len + N > KEY_BUFFER {
            self.flush();
        }
        self.buffer[self.len..self.len + N].copy_from_slice(&bytes);
        self.len += N;
    }

    fn flush(&mut self) {
        self.xxh3.update(&self.buffer[..self.len]);
        self.len = 0;
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        let mut xxh3 = self.xxh3.clone();
        xxh3.update(&self.buffer[..self.len]);
        xxh3.digest()
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > KEY_BUFFER {
            self.flush();
            if bytes.len() >= KEY_BUFFER {
                self.xxh3.update(bytes);
                return;
            }
        }
        self.buffer[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn write_u8(&mut self, n: u8) {
        self.push(n.to_le_bytes());
    }

    fn write_u16(&mut self, n: u16) {
        self.push(n.to_le_bytes());
    }

    fn write_u32(&mut self, n: u32) {
        self.push(n.to_le_bytes());
    }

    fn write_u64(&mut self, n: u64) {
        self.push(n.to_le_bytes());
    }

    fn write_usize(&mut self, n: usize) {
        self.push((n as u64).to_le_bytes());
    }
}

/// Length-prefixed, so adjacent fields cannot run into each other.
pub(crate) fn hash_str(h: &mut SipHasher13, s: &str) {
    h.write_u64(s.len() as u64);
    h.write(s.as_bytes());
}

/// A 128-bit hash of some bytes: what tells a file's content from an edited one
/// ([`crate::fresh`]'s inputs, [`crate::bodies`]' re-read files, a doc's body in its
/// key). XXH3, not SipHash: every doc's text goes through it three or four times a
/// build, and nobody picks these inputs to collide (SipHash took 0.2 s of CPU a
/// build at 10,000 docs, XXH3 a tenth of that).
pub(crate) fn content_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

pub(crate) fn hash_debug(h: &mut SipHasher13, value: &impl fmt::Debug) {
    let _ = write!(HashWriter(h), "{value:?}");
    h.write_u8(0xff);
}

/// The whole parsed doc, through `Hash` (hashing its `{:?}` text, with the linked docs',
/// was 3% of a cold build's CPU), except its raw references: rendering reads them only as the
/// links stage resolved them (hashed with the link context), and a streaming build
/// drops them once linked, so with them the same doc would have two keys. `Hash` is
/// stable within one binary, and the build context names the binary.
fn hash_doc(h: &mut SipHasher13, doc: &Doc, body_hash: u128) {
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
        refs: _,
        body: _,
        diagnostics,
    } = doc;
    h.write_u128(body_hash);
    (source, id, numbered, listed, kind, title, status, status_raw).hash(h);
    (authors, reviewers, created, updated, version, fields).hash(h);
    hash_debug(h, diagnostics);
}

/// A digest of what identifies a linked doc on this doc's page.
fn identity_digest(doc: &Doc) -> u128 {
    let Doc { source, id, numbered, kind, title, status, status_raw, .. } = doc;
    let mut h = hasher();
    (source, id, numbered, kind, title, status, status_raw).hash(&mut h);
    h.finish128().as_u128()
}

/// A docportal binary's identity: version, size and modification time, so a rebuilt
/// or upgraded binary never reads bodies an older one rendered.
pub fn build_identity(exe: &Path) -> String {
    let stamp = fs::metadata(exe)
        .map(|m| {
            let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            format!("{}:{}", m.len(), mtime.map(|d| d.as_nanos()).unwrap_or(0))
        })
        .unwrap_or_default();
    format!("{}:{stamp}", env!("CARGO_PKG_VERSION"))
}

/// False when `DOCPORTAL_CACHE=off` (or `0`) turns every cache off: the render cache,
/// the up-to-date check of [`crate::fresh`], the parsed docs of [`crate::parse::kept`]
/// and the heading anchors of [`crate::links::kept_headings`].
pub fn enabled() -> bool {
    !std::env::var("DOCPORTAL_CACHE").is_ok_and(|v| v == "off" || v == "0")
}

impl RenderCache {
    /// Opens the cache of `config`'s project for a build with `theme`.
    pub fn open(config: &Config, theme: &Theme) -> RenderCache {
        let off = !enabled();
        // Without knowing which binary runs, a stale body could be served: no cache then.
        let identity = std::env::current_exe().ok().map(|exe| build_identity(&exe));
        let dir = identity.as_ref().filter(|_| !off).map(|_| config.root.join(DIR).join(FORMAT));
        RenderCache::with_identity(dir, identity.as_deref().unwrap_or_default(), config, theme)
    }

    /// A cache in `dir` (or none) for a given build identity; `open` uses the running binary's.
    pub fn with_identity(dir: Option<PathBuf>, identity: &str, config: &Config, theme: &Theme) -> RenderCache {
        let mut h = hasher();
        hash_str(&mut h, FORMAT);
        hash_str(&mut h, identity);
        hash_debug(&mut h, config);
        for (path, bytes) in &theme.files {
            hash_str(&mut h, path);
            h.write_u64(bytes.len() as u64);
            h.write(bytes);
        }
        let stored = dir.as_deref().map(read_index).unwrap_or_default();
        RenderCache {
            dir,
            site: config.build_dir.clone(),
            build_context: h.finish128().as_u128(),
            stored,
            used: Mutex::new(HashMap::new()),
            new_pack: Mutex::new(None),
        }
    }

    /// The key of the doc at `pos`: every input its rendered body depends on.
    pub fn key(&self, linked: &LinkContext, pos: usize) -> Key {
        let body = linked.index.docs.get(pos).map_or("", |d| d.body.as_str());
        self.key_for_body(linked, pos, body)
    }

    /// [`RenderCache::key`] of a doc whose Markdown is `body` rather than its `Doc::body`
    /// (a streaming build moves the bodies out of the index).
    pub fn key_for_body(&self, linked: &LinkContext, pos: usize, body: &str) -> Key {
        self.key_for_body_hash(linked, pos, content_hash(body.as_bytes()))
    }

    /// [`RenderCache::key_for_body`] of a body known by its `content_hash` only (a
    /// streaming build knows it from the parse, and reads the body only on a miss).
    pub fn key_for_body_hash(&self, linked: &LinkContext, pos: usize, body_hash: u128) -> Key {
        // Destructured in full: a new field of the graph must be considered here.
        // `probed` is left out: rendering reads neither it nor the disk (the files
        // among it are `assets`, hashed below all the same).
        let LinkGraph { outgoing, incoming, missing_anchors, assets: _, probed: _ } = linked.graph;
        let mut h = hasher();
        h.write_u128(self.build_context);
        let Some(doc) = linked.index.docs.get(pos) else { return Key(h.finish128().as_u128()) };
        hash_doc(&mut h, doc, body_hash);
        for link in outgoing.get(pos).map(Vec::as_slice).unwrap_or_default() {
            let Link { relation, written, target, anchor, line, declared } = link;
            (relation, written, anchor, line, declared).hash(&mut h);
            match target.and_then(|t| linked.identity(t)) {
                Some(identity) => {
                    h.write_u8(1);
                    h.write_u128(identity);
                }
                None => h.write_u8(0),
            }
        }
        h.write_u8(0xfe);
        for backlink in incoming.get(pos).map(Vec::as_slice).unwrap_or_default() {
            let Backlink { relation, from } = backlink;
            relation.hash(&mut h);
            if let Some(identity) = linked.identity(*from) {
                h.write_u128(identity);
            }
        }
        h.write_u8(0xfd);
        hash_debug(&mut h, &missing_anchors.get(pos));
        // Which non-doc files exist decides whether a link to one is live.
        h.write_u128(linked.assets_digest());
        Key(h.finish128().as_u128())
    }

    /// The cached body for `key`, if a valid entry exists (and, for an in-page entry,
    /// its page still holds the article). Marks the key used.
    pub fn get(&self, key: Key) -> Option<RenderedDoc> {
        let (place, article, mut rendered) = self.entry(key)?;
        rendered.html = match article {
            Article::Inline(html) => html,
            Article::InPage(at) => at.read(&self.site)?,
        };
        self.mark_used(key, place);
        Some(rendered)
    }

    /// [`RenderCache::get`], leaving an in-page article in its page: the render without
    /// its `html`, and where the article is ([`RenderCache::article`] reads it). A page
    /// carried over from the last site never needs its article, and reading them all
    /// back was a sixth of a one-doc rebuild's CPU at 10,000 docs. Marks the key used:
    /// a caller whose article then fails to read renders the doc and stores it again.
    fn get_leaving_article(&self, key: Key) -> Option<(RenderedDoc, Option<PendingArticle>)> {
        let (place, article, mut rendered) = self.entry(key)?;
        let pending = match article {
            Article::Inline(html) => {
                rendered.html = html;
                None
            }
            Article::InPage(at) => Some(PendingArticle(at)),
        };
        self.mark_used(key, place);
        Some((rendered, pending))
    }

    /// The article left in its page by a hit of [`RenderCache::render_body_with`], if
    /// the page still holds the same bytes.
    pub fn article(&self, pending: &PendingArticle) -> Option<String> {
        pending.0.read(&self.site)
    }

    /// The entry stored for `key`, where it is, and its article (or where that is).
    fn entry(&self, key: Key) -> Option<(Place, Article, RenderedDoc)> {
        let dir = self.dir.as_ref()?;
        let place = *self.stored.entries.get(&key)?;
        let name = self.stored.packs.get(place.pack as usize)?;
        let (article, rendered) = decode_entry(&read_at(&dir.join(name), place)?, key)?;
        Some((place, article, rendered))
    }

    /// Stores `rendered` under `key` in this build's pack. With `page` (the site path
    /// and bytes of the page this build wrote for the doc) and the article found in it,
    /// the entry points there instead of holding the article. Failures are ignored: the
    /// next build misses.
    pub fn put(&self, key: Key, rendered: &RenderedDoc, page: Option<(&str, &str)>) {
        let Some(dir) = &self.dir else { return };
        let in_page = page.and_then(|(path, page)| PageSlice::find(path, page, &rendered.html));
        let entry = encode_entry(key, rendered, in_page.as_ref());
        let Ok(mut slot) = self.new_pack.lock() else { return };
        if slot.is_none() {
            *slot = create_pack(dir);
        }
        let Some(pack) = slot.as_mut().filter(|p| !p.failed) else { return };
        if pack.file.write_all(&entry).is_err() {
            pack.failed = true;
            return;
        }
        let place = Place { pack: self.stored.packs.len() as u32, offset: pack.len, len: entry.len() as u64 };
        pack.len += entry.len() as u64;
        drop(slot);
        self.mark_used(key, place);
    }

    /// The cached body of the doc at `pos`, or `render()`'s, stored for next time.
    pub fn render_with(&self, linked: &LinkContext, pos: usize, render: impl FnOnce() -> RenderedDoc) -> RenderedDoc {
        if self.dir.is_none() {
            return render();
        }
        let key = self.key(linked, pos);
        self.get(key).unwrap_or_else(|| {
            let rendered = render();
            self.put(key, &rendered, None);
            rendered
        })
    }

    /// The cached body of a doc whose Markdown hashes to `body_hash` (see
    /// [`RenderCache::key_for_body_hash`]), or `render()`'s, with its key and whether it was a
    /// hit (`None` when the cache is off: the key is not worked out then). A miss is
    /// not stored: the caller [`RenderCache::put`]s it, once it knows the page. A hit
    /// whose article sits in a page of the last site comes without its `html` and with
    /// a [`PendingArticle`]: the caller reads it ([`RenderCache::article`]) only if it
    /// renders the page again.
    pub fn render_body_with(
        &self,
        linked: &LinkContext,
        pos: usize,
        body_hash: u128,
        render: impl FnOnce() -> RenderedDoc,
    ) -> (RenderedDoc, Option<Lookup>, Option<PendingArticle>) {
        if self.dir.is_none() {
            return (render(), None, None);
        }
        let key = self.key_for_body_hash(linked, pos, body_hash);
        match self.get_leaving_article(key) {
            Some((cached, pending)) => (cached, Some(Lookup { key, hit: true }), pending),
            None => (render(), Some(Lookup { key, hit: false }), None),
        }
    }

    /// What every key of this build shares (build identity, config, theme), folded to
    /// 64 bits; `None` when the cache is off.
    pub fn context(&self) -> Option<u64> {
        self.dir.as_ref().map(|_| fold(self.build_context))
    }

    /// Ends the build's use of the cache: writes the index of the entries it used and
    /// deletes every pack (and stray file) the index does not point into. Live entries
    /// of a pack that is mostly dead are first copied into this build's pack.
    pub fn finish(&self) {
        let Some(dir) = &self.dir else { return };
        let (Ok(mut used), Ok(mut slot)) = (self.used.lock(), self.new_pack.lock()) else { return };
        let own = self.stored.packs.len() as u32;
        self.compact(dir, &mut used, &mut slot, own);
        let mut names: Vec<String> = self.stored.packs.clone();
        match slot.take() {
            Some(pack) if !pack.failed => names.push(pack.name),
            _ => used.retain(|_, place| place.pack != own),
        }
        // Only the packs still pointed into are named, renumbered in order.
        let mut live: Vec<u32> = used.values().map(|p| p.pack).collect();
        live.sort_unstable();
        live.dedup();
        let renumber: HashMap<u32, u32> = live.iter().enumerate().map(|(i, &p)| (p, i as u32)).collect();
        let packs: Vec<&str> = live.iter().filter_map(|&p| names.get(p as usize).map(String::as_str)).collect();
        let entries: Vec<(Key, Place)> =
            used.iter().map(|(k, p)| (*k, Place { pack: renumber[&p.pack], ..*p })).collect();
        // Unwritten, the old index still holds: it and its packs stay as they are.
        if !store(dir, INDEX, &encode_index(&packs, &entries)) {
            return;
        }
        let Ok(listing) = fs::read_dir(dir) else { return };
        for entry in listing.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != INDEX && !packs.contains(&name.as_str()) {
                let _ = fs::remove_file(entry.path());
            }
        }
        remove_other_formats(dir, "render-v");
    }

    /// Copies the used entries of every previous pack that is less than half used into
    /// this build's pack, so dead bytes cannot pile up build after build.
    fn compact(&self, dir: &Path, used: &mut HashMap<Key, Place>, slot: &mut Option<NewPack>, own: u32) {
        let mut live_bytes: HashMap<u32, u64> = HashMap::new();
        for place in used.values().filter(|p| p.pack != own) {
            *live_bytes.entry(place.pack).or_default() += place.len;
        }
        for (pack, live) in live_bytes {
            let Some(name) = self.stored.packs.get(pack as usize) else { continue };
            let size = fs::metadata(dir.join(name)).map(|m| m.len()).unwrap_or(0);
            if live.saturating_mul(2) >= size {
                continue;
            }
            if slot.is_none() {
                *slot = create_pack(dir);
            }
            let Some(new) = slot.as_mut().filter(|p| !p.failed) else { return };
            for place in used.values_mut().filter(|p| p.pack == pack) {
                let Some(bytes) = read_at(&dir.join(name), *place) else { continue };
                if new.file.write_all(&bytes).is_err() {
                    new.failed = true;
                    return;
                }
                *place = Place { pack: own, offset: new.len, len: bytes.len() as u64 };
                new.len += bytes.len() as u64;
            }
        }
    }

    fn mark_used(&self, key: Key, place: Place) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, place);
        }
    }

    /// How many entries the index of the cache in `dir` names (0 when there is none).
    pub fn indexed_entries(dir: &Path) -> usize {
        read_index(dir).entries.len()
    }

    /// Where entries live (`None` when the cache is off).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }
}

// ---------------------------------------------------------------------------------
// Entry format: MAGIC, key (16 bytes LE), payload length (u64 LE), payload SipHash
// (u64 LE), payload. Strings are a u32 LE length and UTF-8 bytes. The framing, the
// atomic store and the diagnostic encoding are shared with `fresh`'s build record.

/// Writes `bytes` to `dir/name` through a temporary file and a rename, so a reader
/// sees the old file or the whole new one. Failures are ignored (and return false):
/// a missing entry is only a miss.
pub(crate) fn store(dir: &Path, name: &str, bytes: &[u8]) -> bool {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    if fs::write(&tmp, bytes).is_err() || fs::rename(&tmp, &path).is_err() {
        let _ = fs::remove_file(&tmp);
        return false;
    }
    true
}

/// A new, empty pack in `dir`, named so that no other build (nor process) picks the
/// same name; `None` when it cannot be created.
fn create_pack(dir: &Path) -> Option<NewPack> {
    fs::create_dir_all(dir).ok()?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = format!("pack-{nanos:x}-{}.bin", std::process::id());
    let file = fs::OpenOptions::new().write(true).create_new(true).open(dir.join(&name)).ok()?;
    Some(NewPack { name, file, len: 0, failed: false })
}

/// The bytes of the entry at `place` in the pack at `path`.
fn read_at(path: &Path, place: Place) -> Option<Vec<u8>> {
    read_range(path, place.offset, place.len)
}

/// `len` bytes at `offset` of the file at `path`; `None` unless the file holds them all.
fn read_range(path: &Path, offset: u64, len: u64) -> Option<Vec<u8>> {
    let mut file = fs::File::open(path).ok()?;
    // A file cut short (or an index from elsewhere) must not size the read.
    if offset.checked_add(len)? > file.metadata().ok()?.len() {
        return None;
    }
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut bytes = vec![0; usize::try_from(len).ok()?];
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

// Index format, sealed with key 0: packs (u32 LE) then each name; entries (u32 LE) then
// each key (u128 LE), pack (u32 LE), offset (u64 LE), length (u64 LE).

fn encode_index(packs: &[&str], entries: &[(Key, Place)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 36 + 64);
    put_u32(&mut out, packs.len() as u32);
    for name in packs {
        put_str(&mut out, name);
    }
    put_u32(&mut out, entries.len() as u32);
    for (key, Place { pack, offset, len }) in entries {
        out.extend_from_slice(&key.0.to_le_bytes());
        put_u32(&mut out, *pack);
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
    }
    seal(INDEX_MAGIC, 0, &out)
}

/// The index in `dir`; empty when it is missing, torn or names a pack out of range.
fn read_index(dir: &Path) -> Stored {
    let decode = |bytes: &[u8]| -> Option<Stored> {
        let mut r = Reader::new(unseal(INDEX_MAGIC, 0, bytes)?);
        let packs = (0..r.u32()?).map(|_| r.string()).collect::<Option<Vec<_>>>()?;
        // Only names this code gives packs: the index never leads a read out of `dir`.
        if !packs.iter().all(|n| n.starts_with("pack-") && !n.contains(['/', '\\'])) {
            return None;
        }
        let mut entries = HashMap::new();
        for _ in 0..r.u32()? {
            let key = Key(r.u128()?);
            let place = Place { pack: r.u32()?, offset: r.u64()?, len: r.u64()? };
            if place.pack as usize >= packs.len() {
                return None;
            }
            entries.insert(key, place);
        }
        r.is_empty().then_some(Stored { packs, entries })
    };
    fs::read(dir.join(INDEX)).ok().and_then(|b| decode(&b)).unwrap_or_default()
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

pub(crate) fn put_diagnostics(out: &mut Vec<u8>, diagnostics: &[Diagnostic]) {
    put_u32(out, diagnostics.len() as u32);
    for Diagnostic { severity, source, base, line, message } in diagnostics {
        out.push(match severity {
            Severity::Warning => 0,
            Severity::Error => 1,
        });
        put_str(out, source);
        out.push(match base {
            Base::Content => 0,
            Base::Project => 1,
        });
        match line {
            Some(n) => {
                out.push(1);
                put_u32(out, *n);
            }
            None => out.push(0),
        }
        put_str(out, message);
    }
}

fn encode_payload(out: &mut Vec<u8>, rendered: &RenderedDoc, in_page: Option<&PageSlice>) {
    // Destructured in full so a new field cannot be silently left out of the cache.
    let RenderedDoc { html, toc, has_mermaid, has_code, text, diagnostics, search } = rendered;
    match in_page {
        None => {
            out.push(0);
            put_str(out, html);
        }
        Some(PageSlice { path, offset, len, crc }) => {
            out.push(1);
            put_str(out, path);
            out.extend_from_slice(&offset.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            put_u32(out, *crc);
        }
    }
    put_u32(out, toc.len() as u32);
    for TocEntry { level, anchor, text } in toc {
        out.push(*level);
        put_str(out, anchor);
        put_str(out, text);
    }
    out.push(u8::from(*has_mermaid) | u8::from(*has_code) << 1);
    put_str(out, text);
    put_diagnostics(out, diagnostics);
    match search {
        Some(analysis) => {
            out.push(1);
            encode_analysis(out, analysis);
        }
        None => out.push(0),
    }
}

/// What a probe found at a path: nothing, a file or a folder (read by [`Reader::asset_kind`]).
pub(crate) fn put_asset_kind(out: &mut Vec<u8>, kind: Option<crate::discover::AssetKind>) {
    out.push(match kind {
        None => 0,
        Some(crate::discover::AssetKind::File) => 1,
        Some(crate::discover::AssetKind::Folder) => 2,
    });
}

pub(crate) fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn encode_analysis(out: &mut Vec<u8>, analysis: &DocAnalysis) {
    let DocAnalysis { terms, counts, length, intro, sections } = analysis;
    put_str(out, terms);
    put_u32(out, counts.len() as u32);
    for &(tf, flags) in counts {
        out.extend_from_slice(&tf.to_le_bytes());
        out.push(flags);
    }
    put_u32(out, *length);
    put_str(out, intro);
    put_u32(out, sections.len() as u32);
    for ExcerptSection { heading, anchor, text } in sections {
        put_str(out, heading);
        put_str(out, anchor);
        put_str(out, text);
    }
}

fn decode_analysis(r: &mut Reader) -> Option<DocAnalysis> {
    let terms = r.string()?;
    let counts = (0..r.u32()?).map(|_| Some((r.u16()?, r.u8()?))).collect::<Option<Vec<_>>>()?;
    let length = r.u32()?;
    let intro = r.string()?;
    let sections = (0..r.u32()?)
        .map(|_| Some(ExcerptSection { heading: r.string()?, anchor: r.string()?, text: r.string()? }))
        .collect::<Option<Vec<_>>>()?;
    // One count per term, or the entry is not one this code wrote. Counted as bytes
    // (a `split_terminator` count was 2% of a one-doc rebuild's CPU at 10,000 docs).
    let unterminated = usize::from(!terms.is_empty() && !terms.ends_with('\n'));
    let term_count = terms.bytes().filter(|&b| b == b'\n').count() + unterminated;
    (term_count == counts.len()).then_some(DocAnalysis { terms, counts, length, intro, sections })
}

/// What tells an intact frame from a torn or corrupt one. A CRC, not the keyed hash:
/// the key already names the content, and SipHash over every entry (75 MB at 1,000
/// docs) took 24 ms of a cold build's CPU, where CRC-32 (SIMD, the crate flate2 uses)
/// takes about one.
fn checksum(payload: &[u8]) -> u64 {
    u64::from(crc32fast::hash(payload))
}

/// Frames `payload`: magic, key, length and checksum, so [`unseal`] can tell a whole
/// file written for `key` from a torn, corrupt or foreign one.
pub(crate) fn seal(magic: &[u8; 8], key: u128, payload: &[u8]) -> Vec<u8> {
    seal_with(magic, key, payload.len(), |out| out.extend_from_slice(payload))
}

/// [`seal`] of the payload `write` appends (about `size_hint` bytes), made in place
/// rather than copied in: a render-cache entry is a whole article.
pub(crate) fn seal_with(magic: &[u8; 8], key: u128, size_hint: usize, write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    const HEADER: usize = 8 + 16 + 8 + 8;
    let mut out = Vec::with_capacity(HEADER + size_hint);
    out.extend_from_slice(magic);
    out.extend_from_slice(&key.to_le_bytes());
    out.resize(HEADER, 0);
    write(&mut out);
    let (header, payload) = out.split_at_mut(HEADER);
    header[24..32].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    header[32..40].copy_from_slice(&checksum(payload).to_le_bytes());
    out
}

/// The context of a cache kept per docportal build (`identity`) and config: its key,
/// and the folder `.docportal-cache/<format>/<key>` of the project it holds.
pub(crate) fn config_context(format: &str, identity: &str, config: &Config) -> (u128, PathBuf) {
    let mut h = hasher();
    hash_str(&mut h, format);
    hash_str(&mut h, identity);
    hash_debug(&mut h, config);
    let context = h.finish128().as_u128();
    (context, config.root.join(DIR).join(format).join(format!("{context:032x}")))
}

/// A sealed file of named entries, as the per-doc caches spread over many files keep
/// them (`links::kept_links`, `search::kept_terms`): `header` (fixed length, what the
/// entries were made under), then each entry's name and bytes. [`named_entries`]
/// reads it back.
fn seal_named(magic: &[u8; 8], key: u128, header: &[u8], entries: &[(&str, Cow<[u8]>)]) -> Vec<u8> {
    let size: usize =
        header.len() + 4 + entries.iter().map(|(name, entry)| name.len() + entry.len() + 8).sum::<usize>();
    seal_with(magic, key, size, |out| {
        out.extend_from_slice(header);
        put_u32(out, entries.len() as u32);
        for (name, entry) in entries {
            put_str(out, name);
            put_u32(out, entry.len() as u32);
            out.extend_from_slice(entry);
        }
    })
}

/// Where each entry of a [`seal_named`] file lies in it, by name.
type EntryPlaces = HashMap<String, Range<usize>>;

/// The header (`header_len` bytes) of a file [`seal_named`] made and where each entry
/// lies in `file`, by name; `None` unless the file is whole and sealed with `magic`
/// and `key`.
fn named_entries<'a>(magic: &[u8; 8], key: u128, file: &'a [u8], header_len: usize) -> Option<(&'a [u8], EntryPlaces)> {
    let payload = unseal(magic, key, file)?;
    let start = file.len() - payload.len();
    let mut r = Reader::new(payload);
    let header = r.take(header_len)?;
    let count = r.u32()? as usize;
    let mut entries = HashMap::with_capacity(count.min(r.remaining()));
    for _ in 0..count {
        let name = r.string()?;
        let len = r.u32()? as usize;
        let at = start + payload.len() - r.remaining();
        r.take(len)?;
        entries.insert(name, at..at + len);
    }
    r.is_empty().then_some((header, entries))
}

/// Files a per-doc cache spreads its entries over, by a hash of each entry's name (the
/// doc's path): an edit rewrites the file holding its doc, not every doc's entry.
pub(crate) const SHARDS: usize = 64;

/// One of the [`SHARDS`] files of a per-doc cache (`links::kept_links`,
/// `search::kept_terms`), as read.
#[derive(Default)]
pub(crate) struct Shard {
    /// What its entries were made under; `None` when the file is missing, torn or foreign.
    pub(crate) header: Option<Vec<u8>>,
    /// The file, which `entries` points into.
    bytes: Vec<u8>,
    entries: EntryPlaces,
}

impl Shard {
    /// The entry named `name`, as stored.
    pub(crate) fn entry(&self, name: &str) -> Option<&[u8]> {
        self.bytes.get(self.entries.get(name)?.clone())
    }
}

/// One entry a per-doc cache stores, by name: made afresh, or taken as it was from the
/// file that held it.
pub(crate) trait ShardEntry: Sync {
    fn name(&self) -> &str;
    /// Whether it is the last build's entry, copied from the file as it was.
    fn reused(&self) -> bool;
    /// Its bytes made afresh; `None` for one that can only be reused (it is then left
    /// out when the old file no longer holds it).
    fn encode(&self) -> Option<Vec<u8>>;
}

/// Which of [`SHARDS`] files holds the entry named `name`.
pub(crate) fn shard_of(name: &str) -> usize {
    (content_hash(name.as_bytes()) % SHARDS as u128) as usize
}

pub(crate) fn shard_name(n: usize) -> String {
    format!("{n:02x}.bin")
}

/// Every shard file in `dir`, sealed with `magic` and `key`, each with a header of
/// `header_len` bytes; read in parallel.
pub(crate) fn read_shards(dir: &Path, magic: &[u8; 8], key: u128, header_len: usize) -> Vec<Shard> {
    use rayon::prelude::*;
    (0..SHARDS)
        .into_par_iter()
        .map(|n| {
            let bytes = fs::read(dir.join(shard_name(n))).unwrap_or_default();
            let Some((header, entries)) = named_entries(magic, key, &bytes, header_len) else {
                return Shard::default();
            };
            Shard { header: Some(header.to_vec()), bytes, entries }
        })
        .collect()
}

/// Writes the shard files of `entries` into `dir` under `header`: each file that does
/// not already hold exactly its entries, reused ones all, in a file `still_good` (by
/// its number) says may stay as it is. A reused entry is copied once, from the old file
/// (`old`, as [`read_shards`] gave it) into the new one. Failures are ignored: the next
/// build makes those entries again.
pub(crate) fn write_shards<E: ShardEntry>(
    (dir, magic, key): (&Path, &[u8; 8], u128),
    header: &[u8],
    old: &[Shard],
    still_good: impl Fn(usize) -> bool + Sync,
    entries: &[E],
) {
    use rayon::prelude::*;
    let mut by_shard: Vec<Vec<&E>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for entry in entries {
        by_shard[shard_of(entry.name())].push(entry);
    }
    by_shard.par_iter().enumerate().for_each(|(n, entries)| {
        let old = old.get(n);
        let unchanged = still_good(n)
            && old.is_some_and(|old| {
                old.entries.len() == entries.len()
                    && entries.iter().all(|e| e.reused() && old.entries.contains_key(e.name()))
            });
        if unchanged {
            return;
        }
        let bytes: Vec<(&str, Cow<[u8]>)> = entries
            .iter()
            .filter_map(|e| {
                let kept = old.filter(|_| e.reused()).and_then(|old| old.entry(e.name()));
                let bytes = match kept {
                    Some(bytes) => Cow::Borrowed(bytes),
                    None => Cow::Owned(e.encode()?),
                };
                Some((e.name(), bytes))
            })
            .collect();
        store(dir, &shard_name(n), &seal_named(magic, key, header, &bytes));
    });
}

/// The payload [`seal`] framed, or `None` unless `bytes` is exactly one whole, intact
/// frame with this magic and key.
pub(crate) fn unseal<'a>(magic: &[u8; 8], key: u128, bytes: &'a [u8]) -> Option<&'a [u8]> {
    let mut r = Reader::new(bytes);
    if r.take(magic.len())? != magic || r.u128()? != key {
        return None;
    }
    let len = usize::try_from(r.u64()?).ok()?;
    let sum = r.u64()?;
    let payload = r.take(len)?;
    (r.is_empty() && checksum(payload) == sum).then_some(payload)
}

fn encode_entry(key: Key, rendered: &RenderedDoc, in_page: Option<&PageSlice>) -> Vec<u8> {
    let article = if in_page.is_some() { 0 } else { rendered.html.len() };
    let size_hint = article + rendered.text.len() + 256;
    seal_with(MAGIC, key.0, size_hint, |out| encode_payload(out, rendered, in_page))
}

/// A bounds-checked cursor: every read is `None` past the end.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(crate) fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    pub(crate) fn string(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }

    /// What [`put_asset_kind`] wrote; `None` for a byte it does not write.
    pub(crate) fn asset_kind(&mut self) -> Option<Option<crate::discover::AssetKind>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(crate::discover::AssetKind::File)),
            2 => Some(Some(crate::discover::AssetKind::Folder)),
            _ => None,
        }
    }

    pub(crate) fn diagnostics(&mut self) -> Option<Vec<Diagnostic>> {
        (0..self.u32()?)
            .map(|_| {
                let severity = if self.u8()? == 0 { Severity::Warning } else { Severity::Error };
                let source = self.string()?;
                let base = if self.u8()? == 0 { Base::Content } else { Base::Project };
                let line = if self.u8()? == 1 { Some(self.u32()?) } else { None };
                Some(Diagnostic { severity, source, base, line, message: self.string()? })
            })
            .collect()
    }
}

/// An entry's article (or where it is) and the rest of the body, `html` left empty.
fn decode_entry(bytes: &[u8], key: Key) -> Option<(Article, RenderedDoc)> {
    let mut r = Reader::new(unseal(MAGIC, key.0, bytes)?);
    let article = match r.u8()? {
        0 => Article::Inline(r.string()?),
        1 => Article::InPage(PageSlice { path: r.string()?, offset: r.u64()?, len: r.u64()?, crc: r.u32()? }),
        _ => return None,
    };
    let toc = (0..r.u32()?)
        .map(|_| Some(TocEntry { level: r.u8()?, anchor: r.string()?, text: r.string()? }))
        .collect::<Option<Vec<_>>>()?;
    let flags = r.u8()?;
    let text = r.string()?;
    let diagnostics = r.diagnostics()?;
    let search = match r.u8()? {
        0 => None,
        _ => Some(decode_analysis(&mut r)?),
    };
    r.is_empty().then_some((
        article,
        RenderedDoc {
            html: String::new(),
            toc,
            has_mermaid: flags & 1 != 0,
            has_code: flags & 2 != 0,
            text,
            diagnostics,
            search,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The key hasher gathers writes in its own buffer before XXH3 sees them: the
        /// digest must be XXH3's of the bytes written, however they were cut.
        #[test]
        fn key_hasher_digest_is_xxh3_of_everything_written(
            pieces in proptest::collection::vec((0u8..6, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)), 0..40),
        ) {
            let mut hasher = key_hasher();
            let mut written = Vec::new();
            for (how, bytes) in &pieces {
                let n = bytes.iter().fold(0u64, |n, b| n.rotate_left(8) ^ u64::from(*b));
                match how {
                    0 => { hasher.write_u8(n as u8); written.push(n as u8); }
                    1 => { hasher.write_u16(n as u16); written.extend((n as u16).to_le_bytes()); }
                    2 => { hasher.write_u32(n as u32); written.extend((n as u32).to_le_bytes()); }
                    3 => { hasher.write_u64(n); written.extend(n.to_le_bytes()); }
                    4 => { hasher.write_usize(n as usize); written.extend((n as usize as u64).to_le_bytes()); }
                    _ => { hasher.write(bytes); written.extend(bytes); }
                }
            }
            proptest::prop_assert_eq!(hasher.finish(), xxhash_rust::xxh3::xxh3_64(&written));
        }
    }

    fn sample() -> RenderedDoc {
        RenderedDoc {
            html: "<h2 id=\"goals\">Goals ✓</h2>\n<pre><code>x</code></pre>".into(),
            toc: vec![TocEntry { level: 2, anchor: "goals".into(), text: "Goals ✓".into() }],
            has_mermaid: true,
            has_code: false,
            text: "Goals ✓ x".into(),
            diagnostics: vec![
                Diagnostic::warning("trd/a.md", Some(12), "unknown language `foo`"),
                Diagnostic::error("trd/a.md", None, "bad").in_project(),
            ],
            search: Some(DocAnalysis {
                terms: "goal\nx\n".into(),
                counts: vec![(0, 2), (65_535, 0)],
                length: 2,
                intro: "".into(),
                sections: vec![ExcerptSection {
                    heading: "Goals ✓".into(), anchor: "goals".into(), text: "x".into()
                }],
            }),
        }
    }

    fn same(a: &RenderedDoc, b: &RenderedDoc) -> bool {
        a.html == b.html
            && a.toc == b.toc
            && a.has_mermaid == b.has_mermaid
            && a.has_code == b.has_code
            && a.text == b.text
            && a.diagnostics == b.diagnostics
            && a.diagnostics.iter().zip(&b.diagnostics).all(|(x, y)| x.base == y.base)
            && a.search == b.search
    }

    #[test]
    fn entries_round_trip_every_field() {
        let key = Key(0x1234_5678_9abc_def0_1122_3344_5566_7788);
        let inline = |rendered: &RenderedDoc| {
            let (article, mut decoded) = decode_entry(&encode_entry(key, rendered, None), key).unwrap();
            let Article::Inline(html) = article else { panic!("an inline entry decodes inline") };
            decoded.html = html;
            decoded
        };
        assert!(same(&inline(&sample()), &sample()));
        let without_search = RenderedDoc { search: None, ..sample() };
        assert!(same(&inline(&without_search), &without_search));
        let at = PageSlice { path: "trd/a.html".into(), offset: 7, len: 9, crc: 0xdead_beef };
        let (article, decoded) = decode_entry(&encode_entry(key, &sample(), Some(&at)), key).unwrap();
        assert_eq!(article, Article::InPage(at));
        assert!(same(&decoded, &RenderedDoc { html: String::new(), ..sample() }), "all but the article is held");
    }

    /// An analysis is decoded only with one count per term: terms end in a newline each,
    /// and a list whose last term lacks its newline still counts that term.
    #[test]
    fn an_analysis_decodes_only_with_one_count_per_term() {
        let decoded = |terms: &str, counts: usize| {
            let analysis = DocAnalysis { terms: terms.into(), counts: vec![(1, 0); counts], ..Default::default() };
            let mut out = Vec::new();
            encode_analysis(&mut out, &analysis);
            decode_analysis(&mut Reader::new(&out)).map(|a| a.counts.len())
        };
        assert_eq!(decoded("queue\nlease\n", 2), Some(2));
        assert_eq!(decoded("", 0), Some(0));
        assert_eq!(decoded("queue\n\n", 2), Some(2), "an empty term is a term");
        assert_eq!(decoded("queue\nlease\n", 3), None);
        assert_eq!(decoded("queue\nlease\n", 1), None);
        assert_eq!(decoded("queue\nlease", 2), Some(2));
        assert_eq!(decoded("queue\nlease", 1), None);
        assert_eq!(decoded("", 1), None);
    }

    #[test]
    fn torn_or_foreign_entries_are_misses() {
        let key = Key(42);
        let bytes = encode_entry(key, &sample(), None);
        for cut in [0, 7, 8, 30, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode_entry(&bytes[..cut], key).is_none(), "cut at {cut}");
        }
        assert!(decode_entry(&bytes, Key(43)).is_none());
        let mut flipped = bytes.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x20;
        assert!(decode_entry(&flipped, key).is_none());
    }

    fn open(dir: &Path) -> RenderCache {
        let config = Config::default_at(dir);
        let theme = Theme { files: Default::default(), overridden: vec![] };
        RenderCache::with_identity(Some(dir.to_path_buf()), "test", &config, &theme)
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    fn numbered(n: u8) -> RenderedDoc {
        RenderedDoc { html: format!("<p>body {n}</p>").repeat(50), ..sample() }
    }

    #[test]
    fn a_stored_body_is_served_by_later_builds_until_one_does_not_use_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(DIR).join(FORMAT);
        let first = open(&dir);
        first.put(Key(7), &sample(), None);
        first.put(Key(8), &numbered(8), None);
        first.finish();
        assert_eq!(RenderCache::indexed_entries(&dir), 2);
        assert_eq!(files_in(&dir).len(), 2, "one pack and the index: {:?}", files_in(&dir));

        let second = open(&dir);
        assert!(same(&second.get(Key(7)).unwrap(), &sample()));
        assert!(same(&second.get(Key(8)).unwrap(), &numbered(8)));
        assert!(second.get(Key(9)).is_none());
        second.finish();
        assert_eq!(files_in(&dir).len(), 2, "a build that only reads adds no pack");

        let third = open(&dir);
        third.finish();
        assert!(open(&dir).get(Key(7)).is_none(), "unused by the third build, so gone");
        assert_eq!(files_in(&dir), [INDEX], "the pack nothing points into is deleted");
    }

    #[test]
    fn a_mostly_dead_pack_is_compacted_into_the_new_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(FORMAT);
        let first = open(&dir);
        for n in 0..4 {
            first.put(Key(u128::from(n)), &numbered(n), None);
        }
        first.finish();
        let old_pack = files_in(&dir).into_iter().find(|n| n.starts_with("pack-")).unwrap();

        // One of four entries used and one new: the old pack is three quarters dead.
        let second = open(&dir);
        assert!(second.get(Key(2)).is_some());
        second.put(Key(10), &numbered(10), None);
        second.finish();
        let files = files_in(&dir);
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(!files.contains(&old_pack), "the old pack is gone once its live entry moved");

        let third = open(&dir);
        assert!(same(&third.get(Key(2)).unwrap(), &numbered(2)));
        assert!(same(&third.get(Key(10)).unwrap(), &numbered(10)));
        assert!(third.get(Key(1)).is_none());
    }

    /// A cache folder after one build that stored entries `1..=n`, and its pack's name.
    fn one_pack(n: u8) -> (tempfile::TempDir, PathBuf, String) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(FORMAT);
        let first = open(&dir);
        for i in 1..=n {
            first.put(Key(u128::from(i)), &numbered(i), None);
        }
        first.finish();
        let pack = files_in(&dir).into_iter().find(|name| name.starts_with("pack-")).unwrap();
        (tmp, dir, pack)
    }

    #[test]
    fn a_torn_index_or_pack_is_a_miss() {
        let (_tmp, dir, pack) = one_pack(2);
        let pack = dir.join(pack);
        let bytes = fs::read(&pack).unwrap();
        fs::write(&pack, &bytes[..bytes.len() - 10]).unwrap();
        let torn = open(&dir);
        assert!(torn.get(Key(1)).is_some(), "the whole entry before the tear is served");
        assert!(torn.get(Key(2)).is_none(), "the torn one is a miss");

        let index = fs::read(dir.join(INDEX)).unwrap();
        fs::write(dir.join(INDEX), &index[..index.len() / 2]).unwrap();
        assert!(open(&dir).get(Key(1)).is_none());
        assert_eq!(RenderCache::indexed_entries(&dir), 0);
    }

    #[test]
    fn an_index_claiming_more_bytes_than_its_pack_holds_is_a_miss() {
        let (_tmp, dir, pack) = one_pack(1);
        let huge = Place { pack: 0, offset: 8, len: u64::MAX / 2 };
        fs::write(dir.join(INDEX), encode_index(&[pack.as_str()], &[(Key(1), huge)])).unwrap();
        assert!(open(&dir).get(Key(1)).is_none());
    }

    #[test]
    fn an_index_naming_a_file_outside_the_cache_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(FORMAT);
        fs::create_dir_all(&dir).unwrap();
        fs::write(tmp.path().join("secret"), encode_entry(Key(1), &sample(), None)).unwrap();
        let place = Place { pack: 0, offset: 0, len: fs::metadata(tmp.path().join("secret")).unwrap().len() };
        fs::write(dir.join(INDEX), encode_index(&["../secret"], &[(Key(1), place)])).unwrap();
        assert!(open(&dir).get(Key(1)).is_none());
    }

    /// A page holding `article` between a head and a tail, as a doc page does.
    fn page_with(article: &str) -> String {
        format!("<!DOCTYPE html><main><article>{article}</article><ul><li>{article}</li></ul></main>")
    }

    #[test]
    fn an_entry_points_into_the_page_that_holds_its_article_while_the_page_is_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(DIR).join(FORMAT);
        let site = Config::default_at(&dir).build_dir;
        let body = numbered(3);
        let page = page_with(&body.html);
        fs::create_dir_all(site.join("trd")).unwrap();
        fs::write(site.join("trd/a.html"), &page).unwrap();
        let first = open(&dir);
        first.put(Key(1), &body, Some(("trd/a.html", &page)));
        first.put(Key(2), &sample(), Some(("trd/b.html", "<p>a page that does not hold it</p>")));
        first.finish();
        let pack = files_in(&dir).into_iter().find(|n| n.starts_with("pack-")).unwrap();
        let pack = fs::read(dir.join(pack)).unwrap();
        let held = |needle: &str| pack.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!held(&body.html), "the pack holds no copy of an article its page holds");
        assert!(held(&sample().html), "an article its page does not hold is kept inline");

        assert!(same(&open(&dir).get(Key(1)).unwrap(), &body), "read back from the page");
        assert!(same(&open(&dir).get(Key(2)).unwrap(), &sample()));

        // Same length, one byte changed inside the article: the CRC no longer matches.
        fs::write(site.join("trd/a.html"), page.replacen("body 3", "body 4", 1)).unwrap();
        assert!(open(&dir).get(Key(1)).is_none(), "an edited page is a miss");
        fs::remove_file(site.join("trd/a.html")).unwrap();
        assert!(open(&dir).get(Key(1)).is_none(), "a missing page is a miss");
    }

    #[test]
    fn an_in_page_entry_never_reads_outside_the_site() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(DIR).join(FORMAT);
        let body = numbered(5);
        // The article sits in a file beside the site, named as if it were a page.
        let at = PageSlice::find("../secret.html", &page_with(&body.html), &body.html).unwrap();
        let first = open(&dir);
        first.put(Key(1), &body, None);
        first.finish();
        let site = Config::default_at(&dir).build_dir;
        fs::create_dir_all(&site).unwrap();
        fs::write(site.parent().unwrap().join("secret.html"), page_with(&body.html)).unwrap();
        let mut index = read_index(&dir);
        let place = index.entries.remove(&Key(1)).unwrap();
        let pack = dir.join(&index.packs[place.pack as usize]);
        let entry = encode_entry(Key(1), &body, Some(&at));
        fs::write(&pack, &entry).unwrap();
        let whole = Place { pack: 0, offset: 0, len: entry.len() as u64 };
        fs::write(dir.join(INDEX), encode_index(&[&index.packs[place.pack as usize]], &[(Key(1), whole)])).unwrap();
        assert!(open(&dir).get(Key(1)).is_none());
    }

    #[test]
    fn an_older_formats_folder_goes_at_the_end_of_a_build() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(DIR).join(FORMAT);
        let old = tmp.path().join(DIR).join("render-v3");
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join("pack-1.bin"), b"old").unwrap();
        let fresh = tmp.path().join(DIR).join("fresh-v2");
        fs::create_dir_all(&fresh).unwrap();
        let cache = open(&dir);
        cache.put(Key(1), &sample(), None);
        cache.finish();
        assert!(!old.exists(), "the render-v3 folder is deleted");
        assert!(fresh.exists(), "what is not a render cache stays");
    }

    fn linked_doc(source: &str, id: &str, title: &str) -> Doc {
        let (source, id, title) = (source.into(), id.into(), title.into());
        Doc { body: format!("See {id}."), source, id, title, numbered: true, listed: true, ..Default::default() }
    }

    /// Two docs, the first linking to the second (whose title is `title`).
    fn linked_pair(title: &str) -> (Index, LinkGraph) {
        let config = Config::default_at(Path::new("/p"));
        let docs = vec![linked_doc("a.md", "A-1", "A"), linked_doc("b.md", "B-1", title)];
        let index = crate::index::build(docs, &config).0;
        let (a, b) = (index.find_id("A-1").unwrap(), index.find_id("B-1").unwrap());
        let mut graph = LinkGraph { outgoing: vec![vec![]; 2], incoming: vec![vec![]; 2], ..Default::default() };
        let relation = crate::model::Relation::Mentions;
        graph.outgoing[a].push(Link {
            relation,
            written: "B-1".into(),
            target: Some(b),
            anchor: None,
            line: Some(1),
            declared: true,
        });
        graph.incoming[b].push(Backlink { relation, from: a });
        (index, graph)
    }

    #[test]
    fn a_key_follows_the_linked_docs_identity_whichever_index_came_first() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = open(tmp.path());
        let (before, before_graph) = linked_pair("Old title");
        let (after, after_graph) = linked_pair("New title");
        let a = before.find_id("A-1").unwrap();
        let (before, after) = (LinkContext::new(&before, &before_graph), LinkContext::new(&after, &after_graph));
        let key_before = cache.key(&before, a);
        // The same cache, another index: its digests are not the first index's.
        let key_after = cache.key(&after, a);
        assert_ne!(key_before, key_after, "the linked doc's title is part of the key");
        assert_eq!(key_after, open(tmp.path()).key(&after, a), "as a fresh cache works it out");
        let b = before.index.find_id("B-1").unwrap();
        assert_ne!(cache.key(&before, b), cache.key(&after, b), "and of the backlink's");
    }

    #[test]
    fn a_key_follows_the_body_and_which_linked_files_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = open(tmp.path());
        let (index, graph) = linked_pair("B");
        let a = index.find_id("A-1").unwrap();
        let linked = LinkContext::new(&index, &graph);
        let key = cache.key_for_body(&linked, a, "See B-1.\n");
        assert_eq!(key, cache.key_for_body(&linked, a, "See B-1.\n"));
        assert_ne!(key, cache.key_for_body(&linked, a, "See B-1!\n"), "the body is part of the key");
        let mut with_image = graph.clone();
        with_image.assets.insert("img/flow.png".into());
        let with_image = LinkContext::new(&index, &with_image);
        assert_ne!(key, cache.key_for_body(&with_image, a, "See B-1.\n"), "and so are the linked files");
        let b = index.find_id("B-1").unwrap();
        assert_ne!(cache.key_for_body(&linked, b, ""), cache.key_for_body(&with_image, b, ""), "for every doc");
    }

    #[test]
    fn build_identity_config_and_theme_change_every_key() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let theme = Theme { files: [("page.html".to_string(), b"a".to_vec())].into(), overridden: vec![] };
        let index = crate::index::build(vec![], &config).0;
        let graph = LinkGraph::default();
        let key = |identity: &str, config: &Config, theme: &Theme| {
            RenderCache::with_identity(None, identity, config, theme).key(&LinkContext::new(&index, &graph), 0)
        };
        let base = key("1", &config, &theme);
        assert_eq!(base, key("1", &config, &theme));
        assert_ne!(base, key("2", &config, &theme));
        let mut other_config = config.clone();
        other_config.line_numbers = !other_config.line_numbers;
        assert_ne!(base, key("1", &other_config, &theme));
        let other_theme = Theme { files: [("page.html".to_string(), b"b".to_vec())].into(), overridden: vec![] };
        assert_ne!(base, key("1", &config, &other_theme));
    }
}
