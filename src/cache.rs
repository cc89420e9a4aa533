//! The persistent render cache: rendered doc bodies kept between builds, content-addressed.
//!
//! In: the inputs of one `render::render` call — the doc, its link context, the
//! configuration, the theme and the docportal build. Out: the [`RenderedDoc`] a
//! previous build made from exactly those inputs, or a miss. Each entry is one file,
//! `.docportal-cache/render-v2/<key>.bin` in the project folder, named by a 128-bit
//! SipHash of everything that can change the rendered body:
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
//! Entries are written through a temporary file and a rename and carry a checksum, so
//! a torn or corrupt entry is a miss, never wrong output. The cache is an optimisation
//! only: any read or write failure is a miss, and a build never fails because of it.
//! After a build, entries that build did not use are deleted, so the folder holds one
//! build's worth. `DOCPORTAL_CACHE=off` in the environment turns it off.

use crate::config::Config;
use crate::diag::{Base, Diagnostic, Severity};
use crate::index::Index;
use crate::links::{Backlink, Link, LinkGraph};
use crate::model::{Doc, RenderedDoc, TocEntry};
use crate::search::{DocAnalysis, ExcerptSection};
use crate::theme::Theme;
use siphasher::sip128::{Hasher128, SipHasher13};
use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::fs;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The cache folder, relative to the project root.
pub const DIR: &str = ".docportal-cache";
/// Bump when the entry format or the key's makeup changes (v2: the search analysis).
pub const FORMAT: &str = "render-v2";
const MAGIC: &[u8; 8] = b"DPRCACHE";

/// A 128-bit content key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(u128);

impl Key {
    fn file_name(self) -> String {
        format!("{:032x}.bin", self.0)
    }
}

/// An open render cache for one build.
pub struct RenderCache {
    /// `None` when the cache is off.
    dir: Option<PathBuf>,
    /// Hash of what every entry of this build shares: build identity, config, theme.
    build_context: u128,
    used: Mutex<HashSet<Key>>,
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

/// The hasher of every key and checksum (also [`crate::fresh`]'s).
pub(crate) fn hasher() -> SipHasher13 {
    SipHasher13::new_with_keys(0x646f_6370_6f72_7461, 0x6c2d_7265_6e64_6572)
}

/// Length-prefixed, so adjacent fields cannot run into each other.
pub(crate) fn hash_str(h: &mut SipHasher13, s: &str) {
    h.write_u64(s.len() as u64);
    h.write(s.as_bytes());
}

pub(crate) fn hash_debug(h: &mut SipHasher13, value: &impl fmt::Debug) {
    let _ = write!(HashWriter(h), "{value:?}");
    h.write_u8(0xff);
}

/// The whole parsed doc. The body is hashed as bytes (its `{:?}` escapes every
/// character, which was a fifth of a no-change rebuild); every other field, present
/// or added later, through `{:?}` of a copy without the body and the raw references
/// (rendering reads what they resolved to, the links hashed in [`RenderCache::key_for_body`];
/// `docportal build` drops them after the links stage, and must find `check`'s keys).
fn hash_doc(h: &mut SipHasher13, doc: &Doc, body: &str) {
    hash_str(h, body);
    if doc.body.is_empty() && doc.refs.is_empty() {
        hash_debug(h, doc);
    } else {
        hash_debug(h, &Doc { body: String::new(), refs: Vec::new(), ..doc.clone() });
    }
}

/// What identifies a linked doc on this doc's page.
fn hash_doc_identity(h: &mut SipHasher13, doc: &Doc) {
    let Doc { source, id, numbered, kind, title, status, status_raw, .. } = doc;
    hash_str(h, source);
    hash_str(h, id);
    h.write_u8(u8::from(*numbered));
    hash_debug(h, &(kind, title, status, status_raw));
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

/// False when `DOCPORTAL_CACHE=off` (or `0`) turns every cache off: the render cache
/// and the up-to-date check of [`crate::fresh`].
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
        RenderCache { dir, build_context: h.finish128().as_u128(), used: Mutex::new(HashSet::new()) }
    }

    /// The key of the doc at `pos`: every input its rendered body depends on.
    pub fn key(&self, index: &Index, graph: &LinkGraph, pos: usize) -> Key {
        let body = index.docs.get(pos).map_or("", |d| d.body.as_str());
        self.key_for_body(index, graph, pos, body)
    }

    /// [`RenderCache::key`] of a doc whose Markdown is `body` rather than its `Doc::body`
    /// (a streaming build moves the bodies out of the index).
    pub fn key_for_body(&self, index: &Index, graph: &LinkGraph, pos: usize, body: &str) -> Key {
        // Destructured in full: a new field of the graph must be considered here.
        // `probed` is left out: rendering reads neither it nor the disk (the files
        // among it are `assets`, hashed below all the same).
        let LinkGraph { outgoing, incoming, missing_anchors, assets, probed: _ } = graph;
        let mut h = hasher();
        h.write_u128(self.build_context);
        let Some(doc) = index.docs.get(pos) else { return Key(h.finish128().as_u128()) };
        hash_doc(&mut h, doc, body);
        for link in outgoing.get(pos).map(Vec::as_slice).unwrap_or_default() {
            let Link { relation, written, target, anchor, line, declared } = link;
            hash_debug(&mut h, &(relation, written, anchor, line, declared));
            match target.and_then(|t| index.docs.get(t)) {
                Some(target_doc) => {
                    h.write_u8(1);
                    hash_doc_identity(&mut h, target_doc);
                }
                None => h.write_u8(0),
            }
        }
        h.write_u8(0xfe);
        for backlink in incoming.get(pos).map(Vec::as_slice).unwrap_or_default() {
            let Backlink { relation, from } = backlink;
            hash_debug(&mut h, relation);
            if let Some(from_doc) = index.docs.get(*from) {
                hash_doc_identity(&mut h, from_doc);
            }
        }
        h.write_u8(0xfd);
        hash_debug(&mut h, &missing_anchors.get(pos));
        // Which non-doc files exist decides whether a link to one is live.
        hash_debug(&mut h, assets);
        Key(h.finish128().as_u128())
    }

    /// The cached body for `key`, if a valid entry exists. Marks the key used.
    pub fn get(&self, key: Key) -> Option<RenderedDoc> {
        let dir = self.dir.as_ref()?;
        self.mark_used(key);
        let bytes = fs::read(dir.join(key.file_name())).ok()?;
        decode_entry(&bytes, key)
    }

    /// Stores `rendered` under `key`. Failures are ignored: the next build misses.
    pub fn put(&self, key: Key, rendered: &RenderedDoc) {
        let Some(dir) = &self.dir else { return };
        self.mark_used(key);
        if fs::create_dir_all(dir).is_err() {
            return;
        }
        store(dir, &key.file_name(), &encode_entry(key, rendered));
    }

    /// The cached body of the doc at `pos`, or `render()`'s, stored for next time.
    pub fn render_with(
        &self,
        index: &Index,
        graph: &LinkGraph,
        pos: usize,
        render: impl FnOnce() -> RenderedDoc,
    ) -> RenderedDoc {
        let body = index.docs.get(pos).map_or("", |d| d.body.as_str());
        self.render_body_with(index, graph, pos, body, render)
    }

    /// [`RenderCache::render_with`] for a doc whose Markdown is `body` (see
    /// [`RenderCache::key_for_body`]).
    pub fn render_body_with(
        &self,
        index: &Index,
        graph: &LinkGraph,
        pos: usize,
        body: &str,
        render: impl FnOnce() -> RenderedDoc,
    ) -> RenderedDoc {
        if self.dir.is_none() {
            return render();
        }
        let key = self.key_for_body(index, graph, pos, body);
        if let Some(hit) = self.get(key) {
            return hit;
        }
        let rendered = render();
        self.put(key, &rendered);
        rendered
    }

    /// Deletes entries this build did not use (and stray temporary files).
    pub fn prune(&self) {
        let Some(dir) = &self.dir else { return };
        let Ok(entries) = fs::read_dir(dir) else { return };
        let used: HashSet<String> = match self.used.lock() {
            Ok(used) => used.iter().map(|k| k.file_name()).collect(),
            Err(_) => return,
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !used.contains(&name) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn mark_used(&self, key: Key) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key);
        }
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

fn encode_payload(rendered: &RenderedDoc) -> Vec<u8> {
    // Destructured in full so a new field cannot be silently left out of the cache.
    let RenderedDoc { html, toc, has_mermaid, has_code, text, diagnostics, search } = rendered;
    let mut out = Vec::with_capacity(html.len() + text.len() + 256);
    put_str(&mut out, html);
    put_u32(&mut out, toc.len() as u32);
    for TocEntry { level, anchor, text } in toc {
        out.push(*level);
        put_str(&mut out, anchor);
        put_str(&mut out, text);
    }
    out.push(u8::from(*has_mermaid) | u8::from(*has_code) << 1);
    put_str(&mut out, text);
    put_diagnostics(&mut out, diagnostics);
    match search {
        Some(analysis) => {
            out.push(1);
            encode_analysis(&mut out, analysis);
        }
        None => out.push(0),
    }
    out
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
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
    // One count per term, or the entry is not one this code wrote.
    (terms.split_terminator('\n').count() == counts.len()).then_some(DocAnalysis {
        terms,
        counts,
        length,
        intro,
        sections,
    })
}

fn checksum(payload: &[u8]) -> u64 {
    let mut h = hasher();
    h.write(payload);
    h.finish()
}

/// Frames `payload`: magic, key, length and checksum, so [`unseal`] can tell a whole
/// file written for `key` from a torn, corrupt or foreign one.
pub(crate) fn seal(magic: &[u8; 8], key: u128, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 40);
    out.extend_from_slice(magic);
    out.extend_from_slice(&key.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
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

fn encode_entry(key: Key, rendered: &RenderedDoc) -> Vec<u8> {
    seal(MAGIC, key.0, &encode_payload(rendered))
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

fn decode_entry(bytes: &[u8], key: Key) -> Option<RenderedDoc> {
    let mut r = Reader::new(unseal(MAGIC, key.0, bytes)?);
    let html = r.string()?;
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
    r.is_empty().then_some(RenderedDoc {
        html,
        toc,
        has_mermaid: flags & 1 != 0,
        has_code: flags & 2 != 0,
        text,
        diagnostics,
        search,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let decoded = decode_entry(&encode_entry(key, &sample()), key).unwrap();
        assert!(same(&decoded, &sample()));
        let without_search = RenderedDoc { search: None, ..sample() };
        assert!(same(&decode_entry(&encode_entry(key, &without_search), key).unwrap(), &without_search));
    }

    #[test]
    fn torn_or_foreign_entries_are_misses() {
        let key = Key(42);
        let bytes = encode_entry(key, &sample());
        for cut in [0, 7, 8, 30, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode_entry(&bytes[..cut], key).is_none(), "cut at {cut}");
        }
        assert!(decode_entry(&bytes, Key(43)).is_none());
        let mut flipped = bytes.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x20;
        assert!(decode_entry(&flipped, key).is_none());
    }

    #[test]
    fn a_stored_body_is_served_until_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let theme = Theme { files: Default::default(), overridden: vec![] };
        let dir = tmp.path().join(DIR).join(FORMAT);
        let cache = RenderCache::with_identity(Some(dir.clone()), "test", &config, &theme);
        cache.put(Key(7), &sample());
        assert!(same(&cache.get(Key(7)).unwrap(), &sample()));
        let next = RenderCache::with_identity(Some(dir.clone()), "test", &config, &theme);
        next.prune();
        assert!(next.get(Key(7)).is_none());
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
    }

    #[test]
    fn build_identity_config_and_theme_change_every_key() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let theme = Theme { files: [("page.html".to_string(), b"a".to_vec())].into(), overridden: vec![] };
        let index = crate::index::build(vec![], &config).0;
        let graph = LinkGraph::default();
        let key = |identity: &str, config: &Config, theme: &Theme| {
            RenderCache::with_identity(None, identity, config, theme).key(&index, &graph, 0)
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
