//! The up-to-date check of `docportal build`: skip the whole pipeline when nothing it
//! reads has changed and the site is still what the last build wrote.
//!
//! In: the effective [`Config`] of a build about to run. Out: either the diagnostics
//! and doc count of the last build of the same destination (the caller prints them and
//! stops: the site is up to date), or nothing, and then, after the caller has built and
//! written the site, a new record of that build. A record lives in
//! `.docportal-cache/fresh-v5/<destination hash>.bin` (the [`KEEP`] most recently
//! written are kept) and holds:
//!
//! - the *input fingerprint*, a 128-bit SipHash of everything a build reads before it
//!   knows which docs link where: the docportal build ([`cache::build_identity`]: version,
//!   binary size and mtime); `book.toml`'s bytes and the whole effective `Config` (so CLI
//!   overrides such as `--site-url` and `--dest-dir` count); the portal's theme override
//!   files (names and bytes); the git state [`crate::git`]'s history depends on (`git
//!   rev-parse --show-toplevel --is-shallow-repository HEAD` run in the docs folder, or
//!   its failure); the static folder's files ([`crate::static_files`]: paths, bytes and
//!   the walk's warnings, read by the check before the build reads them); the doc walk
//!   of [`discover::find_markdown`] (paths, in order, and its warnings); each doc's
//!   bytes and, for a folder doc, the state and bytes of every sidecar name
//!   [`discover::SIDECAR_NAMES`]. The record's fingerprint is made from the pipeline's
//!   own reads of the docs ([`DocReader`]): the docs are read once, and the record
//!   describes exactly what the site was built from. The check makes the same
//!   fingerprint from the files, and only when there is a record to match (a doc's bytes
//!   are not read again while its stamp is the one recorded with their hash: see *seen
//!   docs* below);
//! - the *probes*: every path the links stage looked up on disk ([`LinkGraph::probed`])
//!   with what it found, and for a copied file the hash of the bytes the site holds, so
//!   creating a linked image or editing one is a change;
//! - the *outputs*: each file of the destination's manifest ([`write::read_manifest`])
//!   and the manifest itself, with the size, mtime, ctime, inode and device it had once
//!   written, so a deleted, edited or replaced file in the site means a real rebuild;
//!   and so does each file of the user's that the build kept where the site writes
//!   ([`write::Kept`]): deleted, it gives way to docportal's (a kept folder or symlink
//!   has no stamp, and leaves no record);
//! - the build's sorted diagnostics and doc count, printed again by an up-to-date build,
//!   so its warnings and its exit code (`--strict` included) are those of a real build;
//! - the *seen docs*: each doc file's stamp (as for outputs), taken before the pipeline
//!   read it, and hash, kept only when the stamp was [`TRUSTED_AGE`] old at the read,
//!   since file times tick coarsely and two writes within one tick can leave the same
//!   stamp. A no-change build at 10,000 docs then reads no doc: 0.8 s → 0.18 s with the
//!   files out of the page cache. A build that is not up to date does not read such a
//!   doc either when [`crate::parse::kept`] has it as parsed from those bytes
//!   ([`DocReader::known`]);
//! - the *page keys*: each doc page's path with the hash of everything its template
//!   context was made of ([`crate::site::doc_page::input_key`]), so a build that is not
//!   up to date still hard-links every doc page whose key is unchanged and whose file
//!   is still the one written, instead of rendering it again ([`PreviousPages`]).
//!
//! Invariants: up to date only when the fingerprint, every probe and every output stamp
//! match; anything unreadable or unexpected means "not up to date", never an error.
//! Every input is fingerprinted before or as the pipeline reads it, never after, so an
//! edit made during a build leaves a record that no longer matches. A check that fails
//! deletes the record before the site is rewritten, and a record is written only after
//! the site is swapped in, through a temporary file, a rename and a checksum: a torn
//! record is not fresh. `--build-info` (the build time goes into `docs.json`) and
//! `DOCPORTAL_CACHE=off` turn the check off. Not tracked: git configuration, grafts and
//! replace refs, which `git log` honours without changing `HEAD`.

use crate::cache::{self, Reader};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::discover::{self, AssetKind};
use crate::links::LinkGraph;
use crate::{static_files, theme, write};
use rayon::prelude::*;
use siphasher::sip128::Hasher128;
use std::collections::HashMap;
use std::fs;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Bump when the record format or the fingerprint's makeup changes (v2: page keys; v3:
/// the docs' stamps; v4: the docs hashed as the pipeline reads them; v5: the static
/// files). Folders of other versions are deleted when a record is written.
pub const FORMAT: &str = "fresh-v5";
const MAGIC: &[u8; 8] = b"DPFRESH5";

/// A doc file's stamp is trusted only when its mtime and ctime are at least this much
/// older than the check that saw it. File times come from a coarse clock (a tick is a
/// few ms), so a file written twice within one tick keeps the same stamp; a stamp this
/// old cannot be shared by a later write (git's "racily clean" entries, the same way).
const TRUSTED_AGE: std::time::Duration = std::time::Duration::from_secs(2);

/// The check of one build, made before it runs.
pub struct Check {
    /// The fingerprint of every input but the docs ([`settled_inputs`]); `None` when
    /// the check is off or such an input could not be read.
    settled: Option<u128>,
    /// Where the destination's record lives, and the key it is sealed with.
    record: (PathBuf, u128),
    /// The last build's record, when the site is up to date.
    fresh: Option<Record>,
    /// The last build's record, up to date or not, for the pages it can still lend.
    previous: Option<Record>,
    /// The docs folder's walk, when the check made one (it had a record to match).
    walked: Option<Walk>,
}

/// A walk of the docs folder: every doc found, and what it skipped.
pub type Walk = (Vec<discover::FoundFile>, Vec<Diagnostic>);

/// The doc pages the last build of a destination wrote: path → (page key, stamp).
#[derive(Default)]
pub struct PreviousPages {
    dest: PathBuf,
    pages: std::collections::HashMap<String, (u64, Stamp)>,
}

impl PreviousPages {
    /// True when the last build wrote the page at site path `rel` from inputs with this
    /// `key`, and the file there is still the very one it wrote.
    pub fn holds(&self, rel: &str, key: u64) -> bool {
        self.pages
            .get(rel)
            .is_some_and(|(k, stamped)| *k == key && stamp(&self.dest.join(rel)).as_ref() == Some(stamped))
    }

    /// Pages of `dest` as they are on disk now, with the keys given.
    #[cfg(test)]
    pub(crate) fn as_on_disk(dest: &Path, keys: &[(String, u64)]) -> PreviousPages {
        let pages = keys.iter().filter_map(|(rel, key)| Some((rel.clone(), (*key, stamp(&dest.join(rel))?)))).collect();
        PreviousPages { dest: dest.to_path_buf(), pages }
    }
}

/// What an up-to-date build reports: the last real build's findings.
pub struct UpToDate<'a> {
    pub docs: usize,
    /// Sorted, as the last build printed them.
    pub diagnostics: &'a [Diagnostic],
}

/// What a build read and wrote, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    inputs: u128,
    docs: u32,
    diagnostics: Vec<Diagnostic>,
    probes: Vec<Probe>,
    /// The manifest first, then every site file it lists, then the user's files kept.
    outputs: Vec<(String, Stamp)>,
    /// Each doc page's site path and key.
    pages: crate::site::PageKeys,
    /// Doc files as the check saw them: the next check takes the hash of a doc whose
    /// stamp is unchanged from here rather than reading the file again.
    seen: Vec<SeenDoc>,
}

/// A doc file's path (docs-relative), its stamp and its [`doc_hash`], recorded only when
/// the stamp was old enough to trust ([`TRUSTED_AGE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SeenDoc {
    rel: String,
    stamp: Stamp,
    hash: u128,
}

/// One path the links stage looked up: what was there, and a copied file's bytes' hash.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Probe {
    path: String,
    kind: Option<AssetKind>,
    content: u128,
}

/// A written file's identity on disk: length, mtime (s, ns), ctime (s, ns), inode and
/// device. ctime cannot be set back by hand, so an edit restoring the mtime still shows.
type Stamp = [u64; 7];

/// Checks whether a build with `config` would rewrite the site it last wrote there.
/// When it would, the stale record is deleted (the build is about to replace the site),
/// with the check off too.
pub fn check(config: &Config) -> Check {
    let record = record_path(config);
    // The build time goes into docs.json: such a build never matches the last one.
    let on = cache::enabled() && !config.build_info;
    let identity = std::env::current_exe().ok().map(|exe| cache::build_identity(&exe)).filter(|_| on);
    let settled = identity.and_then(|identity| settled_inputs(config, &identity));
    let (path, key) = &record;
    let previous = settled.and_then(|_| read_record(path, *key));
    // Only a build with a record to match reads the docs here; any other build is
    // fingerprinted from the pipeline's own reads ([`DocReader`]).
    let mut walked = None;
    let fresh = previous.as_ref().zip(settled).is_some_and(|(r, settled)| {
        let seen = r.seen.iter().map(|doc| (doc.rel.as_str(), doc)).collect();
        walked = discover::find_markdown(config).ok();
        walked.as_ref().and_then(|walk| docs_fingerprint(walk, settled, &seen)) == Some(r.inputs)
            && probes_hold(config, &r.probes)
            && outputs_hold(config, &r.outputs)
    });
    if !fresh {
        let _ = fs::remove_file(path);
    }
    let (fresh, previous) = if fresh { (previous, None) } else { (None, previous) };
    Check { settled, record, fresh, previous, walked }
}

impl Check {
    /// The last build's findings when the site is up to date.
    pub fn up_to_date(&self) -> Option<UpToDate<'_>> {
        self.fresh.as_ref().map(|r| UpToDate { docs: r.docs as usize, diagnostics: &r.diagnostics })
    }

    /// The doc pages the last build of this destination wrote, for a build that is not
    /// up to date (empty when the check is off or there is no readable record).
    pub fn previous_pages(&self, config: &Config) -> PreviousPages {
        let Some(record) = &self.previous else { return PreviousPages::default() };
        let stamps: std::collections::HashMap<&str, &Stamp> =
            record.outputs.iter().map(|(rel, stamped)| (rel.as_str(), stamped)).collect();
        let pages = record
            .pages
            .iter()
            .filter_map(|(rel, key)| Some((rel.clone(), (*key, **stamps.get(rel.as_str())?))))
            .collect();
        PreviousPages { dest: config.build_dir.clone(), pages }
    }

    /// How the build about to run reads its docs: noting, while the check is on, what
    /// it read of each for the record.
    pub fn doc_reader(&self) -> DocReader {
        let trusted_before = std::time::SystemTime::now().checked_sub(TRUSTED_AGE);
        let on = self.settled.is_some();
        let seen = match (&self.previous, on) {
            (Some(record), true) => record.seen.iter().map(|doc| (doc.rel.clone(), (doc.stamp, doc.hash))).collect(),
            _ => HashMap::new(),
        };
        DocReader { on, trusted_before, seen, walked: self.walked.clone() }
    }

    /// Records the build that just wrote the site to `config.build_dir`: `docs` docs,
    /// `graph` its links, `diagnostics` everything it printed, `pages` the key of each
    /// doc page it wrote, `read` what it read of the docs, `kept` where the user's
    /// entries stand in for its files. Writes nothing when the check is off, a doc could
    /// not be read, or the site cannot be confirmed on disk.
    pub fn record(
        &self,
        config: &Config,
        (docs, graph): (usize, &LinkGraph),
        diagnostics: &[Diagnostic],
        pages: crate::site::PageKeys,
        read: &DocsRead,
        kept: &write::Kept,
    ) {
        let (Some(settled), (path, key)) = (self.settled, &self.record) else { return };
        let Some(reads) = read.docs.iter().map(Option::as_ref).collect::<Option<Vec<&DocRead>>>() else { return };
        let inputs = combine(settled, &read.walk, reads.iter().map(|doc| (doc.rel.as_str(), doc.hash)));
        let Some(mut record) = describe(config, inputs, (docs, graph), diagnostics, kept) else { return };
        // A kept file is the user's, never a page to carry over.
        record.pages = pages.into_iter().filter(|(rel, _)| !kept.holds(rel)).collect();
        record.seen = reads
            .iter()
            .filter_map(|doc| Some(SeenDoc { rel: doc.rel.clone(), stamp: doc.trusted?, hash: doc.hash }))
            .collect();
        if let Some(dir) = path.parent() {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if fs::create_dir_all(dir).is_ok() && cache::store(dir, &name, &encode(&record, *key)) {
                cache::keep_newest(dir, &name, KEEP);
                cache::remove_other_formats(dir, "fresh-v");
            }
        }
    }
}

/// Reads each doc for the pipeline ([`discover::read_source`]) and, while the check is
/// on, notes its stamp, taken before the read, and the hash of the bytes read: the
/// record of the build is then a fingerprint of exactly what it built from. The default
/// reader notes nothing.
#[derive(Default)]
pub struct DocReader {
    on: bool,
    trusted_before: Option<std::time::SystemTime>,
    /// The last record's seen docs: path → (trusted stamp, hash).
    seen: HashMap<String, (Stamp, u128)>,
    /// The walk the check made just before the build, which the build takes as its own
    /// (at 10,000 docs a walk, following symlinks, is 40 ms of `stat`s).
    walked: Option<Walk>,
}

/// What the pipeline read of one doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRead {
    rel: String,
    hash: u128,
    /// Its stamp, when old enough for the next check to trust ([`TRUSTED_AGE`]).
    trusted: Option<Stamp>,
}

/// What the pipeline read of the docs: the walk's findings, then each doc found, in
/// walk order (`None` for one it could not read, or with the check off).
#[derive(Debug, Default)]
pub struct DocsRead {
    walk: Vec<Diagnostic>,
    docs: Vec<Option<DocRead>>,
}

impl DocRead {
    /// The hash a read gives a doc (not one of a folder of its own) whose bytes are
    /// `bytes`: what [`crate::parse::kept`] files its parse under.
    pub fn hash_of(bytes: &[u8]) -> u128 {
        hash_of_bytes(cache::content_hash(bytes))
    }

    /// The hash of the doc's bytes (and, for a doc of a folder of its own, of its
    /// sidecars'; such a doc is never [`DocReader::known`]).
    pub fn hash(&self) -> u128 {
        self.hash
    }

    /// Whether the doc's bytes alone were hashed: not a doc of a folder of its own.
    pub fn of_bytes_alone(&self) -> bool {
        !discover::is_folder_doc_file(&self.rel)
    }
}

impl DocsRead {
    /// `walk`: the diagnostics of [`discover::find_markdown`]; `docs`: one per doc it found.
    pub fn new(walk: Vec<Diagnostic>, docs: Vec<Option<DocRead>>) -> DocsRead {
        DocsRead { walk, docs }
    }
}

impl DocReader {
    /// Whether it notes what it reads (the up-to-date check is on).
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// The docs to build: those the up-to-date check found just before, when it walked
    /// the docs folder, else a walk made now.
    pub fn walk(&self, config: &Config) -> Result<Walk, Diagnostic> {
        match &self.walked {
            Some(walk) => Ok(walk.clone()),
            None => discover::find_markdown(config),
        }
    }

    /// What the record keeps of the doc at `abs` (`rel`), without reading it: known when
    /// the last record saw it with the stamp it has now (a trusted one, so its bytes
    /// are still those hashed then). The pipeline may then take the doc as parsed
    /// from those bytes ([`crate::parse::kept`]).
    pub fn known(&self, abs: &Path, rel: &str) -> Option<DocRead> {
        let (seen_stamp, hash) = self.seen.get(rel)?;
        let now = stamp(abs)?;
        (now == *seen_stamp).then(|| DocRead { rel: rel.to_string(), hash: *hash, trusted: Some(now) })
    }

    /// The doc at `abs` (`rel` in the docs folder), read, and what the record keeps of it.
    pub fn read(&self, abs: &Path, rel: &str) -> (Result<crate::model::SourceFile, Diagnostic>, Option<DocRead>) {
        if !self.on {
            return (discover::read_source(abs, rel), None);
        }
        if discover::is_folder_doc_file(rel) {
            // Its sidecars count too, and have stamps of their own: hashed before the read,
            // so an edit after the hash is a change next time.
            let hash = doc_hash(abs, rel);
            let read = hash.map(|hash| DocRead { rel: rel.to_string(), hash, trusted: None });
            return (discover::read_source(abs, rel), read);
        }
        // Taken before the read: a write during it leaves a stamp that no longer matches.
        let stamped = stamp(abs);
        let mut bytes_hash = None;
        let file = discover::read_source_seeing(abs, rel, |bytes| bytes_hash = Some(cache::content_hash(bytes)));
        let read = bytes_hash.filter(|_| file.is_ok()).map(|bytes_hash| {
            let trusted = stamped.filter(|s| self.trusted_before.is_some_and(|before| stamp_is_older_than(s, before)));
            DocRead { rel: rel.to_string(), hash: hash_of_bytes(bytes_hash), trusted }
        });
        (file, read)
    }
}

/// Records kept per project: one per destination, the most recently written first.
const KEEP: usize = 8;

/// The record file of `config`'s destination and its key (the destination's hash).
fn record_path(config: &Config) -> (PathBuf, u128) {
    let mut h = cache::hasher();
    cache::hash_str(&mut h, &config.build_dir.to_string_lossy());
    let key = h.finish128().as_u128();
    (config.root.join(cache::DIR).join(FORMAT).join(format!("{key:032x}.bin")), key)
}

/// The fingerprint of the inputs a build reads before its docs (see the module notes):
/// the docportal build, `book.toml`, the effective config, the theme's override files,
/// the git state and the static files. `None` when one of them cannot be read.
fn settled_inputs(config: &Config, identity: &str) -> Option<u128> {
    let mut h = cache::hasher();
    cache::hash_str(&mut h, FORMAT);
    cache::hash_str(&mut h, identity);
    match fs::read(config.root.join("book.toml")) {
        Ok(bytes) => h.write_u128(cache::content_hash(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => h.write_u8(0),
        Err(_) => return None,
    }
    cache::hash_debug(&mut h, config);
    let theme = theme::load(config).ok()?;
    for rel in &theme.overridden {
        cache::hash_str(&mut h, rel);
        h.write_u128(cache::content_hash(theme.files.get(rel)?));
    }
    h.write_u8(0xfe);
    cache::hash_str(&mut h, &git_state(&config.src_dir));
    // Read here, before the build reads them: a file changed in between leaves a
    // record that no longer matches.
    let statics = static_files::read(config).ok()?;
    for (path, bytes) in &statics.files {
        cache::hash_str(&mut h, path);
        h.write_u128(cache::content_hash(bytes));
    }
    h.write_u8(0xfd);
    cache::hash_debug(&mut h, &statics.diagnostics);
    Some(h.finish128().as_u128())
}

/// The whole input fingerprint: `settled` ([`settled_inputs`]), the doc walk's
/// diagnostics, and each doc's path and [`doc_hash`], in walk order. The check and the
/// record ([`DocsRead`]) both come here, so equal inputs give equal fingerprints.
fn combine<'a>(settled: u128, walk: &[Diagnostic], docs: impl Iterator<Item = (&'a str, u128)>) -> u128 {
    let mut h = cache::hasher();
    h.write_u128(settled);
    cache::hash_debug(&mut h, &walk);
    for (rel, hash) in docs {
        cache::hash_str(&mut h, rel);
        h.write_u128(hash);
    }
    h.finish128().as_u128()
}

/// The input fingerprint of the docs `found` by a walk just made, on top of `settled`;
/// `None` when a doc cannot be read. A doc listed in `seen` with the stamp it has now
/// is not read: its hash is taken from there.
fn docs_fingerprint((found, walk): &Walk, settled: u128, seen: &HashMap<&str, &SeenDoc>) -> Option<u128> {
    let hashes: Vec<u128> = found.par_iter().map(|(abs, rel)| seen_doc(abs, rel, seen)).collect::<Option<_>>()?;
    Some(combine(settled, walk, found.iter().map(|(_, rel)| rel.as_str()).zip(hashes)))
}

/// The [`doc_hash`] of the doc at `abs`, taken from `seen` when its stamp is the one
/// recorded there. A folder doc is always read: its sidecars have stamps of their own.
fn seen_doc(abs: &Path, rel: &str, seen: &HashMap<&str, &SeenDoc>) -> Option<u128> {
    if !discover::is_folder_doc_file(rel) {
        if let Some(known) = stamp(abs).and_then(|now| seen.get(rel).filter(|known| known.stamp == now)) {
            return Some(known.hash);
        }
    }
    doc_hash(abs, rel)
}

/// Whether both the mtime and the ctime of `stamped` are before `before`.
fn stamp_is_older_than(stamped: &Stamp, before: std::time::SystemTime) -> bool {
    let Ok(before) = before.duration_since(std::time::UNIX_EPOCH) else { return false };
    let before = (before.as_secs(), u64::from(before.subsec_nanos()));
    (stamped[1], stamped[2]) < before && (stamped[3], stamped[4]) < before
}

/// One doc's bytes and, for a folder doc, every sidecar name's state: what
/// [`discover::read_source`] reads, and a little more (sidecars after the first found).
fn doc_hash(abs: &Path, rel: &str) -> Option<u128> {
    let bytes_hash = cache::content_hash(&fs::read(abs).ok()?);
    if !discover::is_folder_doc_file(rel) {
        return Some(hash_of_bytes(bytes_hash));
    }
    let mut h = cache::hasher();
    h.write_u128(bytes_hash);
    let dir = abs.parent()?;
    for name in discover::SIDECAR_NAMES {
        let path = dir.join(name);
        if path.is_file() {
            h.write_u128(cache::content_hash(&fs::read(&path).ok()?));
        } else {
            h.write_u8(0);
        }
    }
    Some(h.finish128().as_u128())
}

/// The [`doc_hash`] of a doc that is not a folder doc, from its bytes' content hash.
fn hash_of_bytes(bytes_hash: u128) -> u128 {
    let mut h = cache::hasher();
    h.write_u128(bytes_hash);
    h.finish128().as_u128()
}

/// What `git::read`'s answer depends on: whether the docs are in a repository, which
/// one, whether it is shallow, and its `HEAD` commit (which fixes the history `git log`
/// walks). Any failure, git missing included, is a state of its own.
fn git_state(src_dir: &Path) -> String {
    let args = ["rev-parse", "--show-toplevel", "--is-shallow-repository", "HEAD"];
    match Command::new("git").arg("-C").arg(src_dir).args(args).output() {
        Ok(out) => format!("{}\n{}", out.status.success(), String::from_utf8_lossy(&out.stdout)),
        Err(_) => "no git".to_string(),
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (mtime, ctime) =
            ((meta.mtime() as u64, meta.mtime_nsec() as u64), (meta.ctime() as u64, meta.ctime_nsec() as u64));
        Some([meta.len(), mtime.0, mtime.1, ctime.0, ctime.1, meta.ino(), meta.dev()])
    }
    #[cfg(not(unix))]
    {
        let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some([meta.len(), mtime.as_secs(), u64::from(mtime.subsec_nanos()), 0, 0, 0, 0])
    }
}

/// The record of a build that just wrote `config.build_dir`, read back from disk.
fn describe(
    config: &Config,
    inputs: u128,
    (docs, graph): (usize, &LinkGraph),
    diagnostics: &[Diagnostic],
    kept: &write::Kept,
) -> Option<Record> {
    let dest = &config.build_dir;
    // A copied file is hashed as the site holds it: that is what a later build must match.
    let probes = graph
        .probed
        .iter()
        .map(|(path, kind)| {
            let content = match kind {
                Some(AssetKind::File) => cache::content_hash(&fs::read(dest.join(path)).ok()?),
                _ => 0,
            };
            Some(Probe { path: path.clone(), kind: *kind, content })
        })
        .collect::<Option<Vec<_>>>()?;
    let manifest = write::read_manifest(dest);
    if manifest.is_empty() {
        return None;
    }
    let mut outputs = vec![(write::MANIFEST.to_string(), stamp(&dest.join(write::MANIFEST))?)];
    for rel in manifest.into_iter().chain(kept.spots().map(str::to_string)) {
        let stamped = stamp(&dest.join(&rel))?;
        outputs.push((rel, stamped));
    }
    let docs = u32::try_from(docs).ok()?;
    Some(Record {
        inputs,
        docs,
        diagnostics: diagnostics.to_vec(),
        probes,
        outputs,
        pages: Vec::new(),
        seen: Vec::new(),
    })
}

/// True when every looked-up path still holds what the build found there.
fn probes_hold(config: &Config, probes: &[Probe]) -> bool {
    probes.par_iter().all(|p| {
        let kind = discover::asset_at(config, &p.path);
        kind == p.kind
            && (kind != Some(AssetKind::File)
                || fs::read(config.src_dir.join(&p.path)).is_ok_and(|bytes| cache::content_hash(&bytes) == p.content))
    })
}

/// True when every file the build wrote is still the very file it wrote.
fn outputs_hold(config: &Config, outputs: &[(String, Stamp)]) -> bool {
    let dest = &config.build_dir;
    outputs.par_iter().all(|(rel, stamped)| stamp(&dest.join(rel)).as_ref() == Some(stamped))
}

// ---------------------------------------------------------------------------------
// Record format, sealed with `cache::seal`: inputs (u128 LE), docs (u32 LE),
// diagnostics, probes (count, then path, kind byte 0 none / 1 file / 2 folder, content
// u128), outputs (count, then path and seven u64 LE), pages (count, then path and key
// u64 LE), seen docs (count, then path, seven u64 LE and the hash u128 LE).

fn encode(record: &Record, key: u128) -> Vec<u8> {
    let Record { inputs, docs, diagnostics, probes, outputs, pages, seen } = record;
    let mut out = Vec::with_capacity(64 + outputs.len() * 96);
    out.extend_from_slice(&inputs.to_le_bytes());
    out.extend_from_slice(&docs.to_le_bytes());
    cache::put_diagnostics(&mut out, diagnostics);
    out.extend_from_slice(&(probes.len() as u32).to_le_bytes());
    for Probe { path, kind, content } in probes {
        cache::put_str(&mut out, path);
        cache::put_asset_kind(&mut out, *kind);
        out.extend_from_slice(&content.to_le_bytes());
    }
    out.extend_from_slice(&(outputs.len() as u32).to_le_bytes());
    for (path, stamped) in outputs {
        cache::put_str(&mut out, path);
        for n in stamped {
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
    out.extend_from_slice(&(pages.len() as u32).to_le_bytes());
    for (path, page_key) in pages {
        cache::put_str(&mut out, path);
        out.extend_from_slice(&page_key.to_le_bytes());
    }
    out.extend_from_slice(&(seen.len() as u32).to_le_bytes());
    for SeenDoc { rel, stamp, hash } in seen {
        cache::put_str(&mut out, rel);
        for n in stamp {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&hash.to_le_bytes());
    }
    cache::seal(MAGIC, key, &out)
}

fn decode(bytes: &[u8], key: u128) -> Option<Record> {
    let mut r = Reader::new(cache::unseal(MAGIC, key, bytes)?);
    let inputs = r.u128()?;
    let docs = r.u32()?;
    let diagnostics = r.diagnostics()?;
    let probes = (0..r.u32()?)
        .map(|_| {
            let path = r.string()?;
            let kind = r.asset_kind()?;
            Some(Probe { path, kind, content: r.u128()? })
        })
        .collect::<Option<Vec<_>>>()?;
    let outputs = (0..r.u32()?).map(|_| Some((r.string()?, read_stamp(&mut r)?))).collect::<Option<Vec<_>>>()?;
    let pages = (0..r.u32()?).map(|_| Some((r.string()?, r.u64()?))).collect::<Option<Vec<_>>>()?;
    let seen = (0..r.u32()?)
        .map(|_| Some(SeenDoc { rel: r.string()?, stamp: read_stamp(&mut r)?, hash: r.u128()? }))
        .collect::<Option<Vec<_>>>()?;
    r.is_empty().then_some(Record { inputs, docs, diagnostics, probes, outputs, pages, seen })
}

fn read_stamp(r: &mut Reader) -> Option<Stamp> {
    let mut stamped = [0u64; 7];
    for n in &mut stamped {
        *n = r.u64()?;
    }
    Some(stamped)
}

fn read_record(path: &Path, key: u128) -> Option<Record> {
    decode(&fs::read(path).ok()?, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            inputs: 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
            docs: 3,
            diagnostics: vec![
                Diagnostic::warning("trd/a.md", Some(4), "unresolved reference `TRD-9`"),
                Diagnostic::error("book.toml", None, "bad").in_project(),
            ],
            probes: vec![
                Probe { path: "img/a.png".into(), kind: Some(AssetKind::File), content: 99 },
                Probe { path: "code".into(), kind: Some(AssetKind::Folder), content: 0 },
                Probe { path: "gone.pdf".into(), kind: None, content: 0 },
            ],
            outputs: vec![(".docportal-manifest".into(), [1, 2, 3, 4, 5, 6, 7]), ("index.html".into(), [9; 7])],
            pages: vec![("trd/a.html".into(), 0xfeed_beef), ("trd/b.html".into(), 1)],
            seen: vec![SeenDoc { rel: "trd/a.md".into(), stamp: [8, 7, 6, 5, 4, 3, 2], hash: 77 }],
        }
    }

    #[test]
    fn a_doc_whose_stamp_is_unchanged_is_not_read_again() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let (rel, abs) = ("trd/a.md", config.src_dir.join("trd/a.md"));
        fs::create_dir_all(abs.parent().unwrap()).unwrap();
        fs::write(&abs, "# A\n").unwrap();
        let walk = || discover::find_markdown(&config).unwrap();
        let read = docs_fingerprint(&walk(), 7, &HashMap::new()).unwrap();
        // A recorded hash under the doc's current stamp is taken as it is, without reading
        // the file: a wrong one shows in the fingerprint.
        let recorded = SeenDoc { rel: rel.into(), stamp: stamp(&abs).unwrap(), hash: 42 };
        let known = HashMap::from([(rel, &recorded)]);
        assert_ne!(docs_fingerprint(&walk(), 7, &known).unwrap(), read);
        // Once the stamp moves, the file is read again.
        fs::write(&abs, "# A\n").unwrap();
        fs::File::options().write(true).open(&abs).unwrap().set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!(docs_fingerprint(&walk(), 7, &known).unwrap(), read);
    }

    /// The fingerprint recorded from the pipeline's reads is the one the next check
    /// computes from the files, for plain and folder docs alike; a doc edited after the
    /// pipeline read it makes the two differ, so the next build is a real one.
    #[test]
    fn the_record_fingerprints_what_the_pipeline_read_as_the_check_does() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let write = |rel: &str, text: &str| {
            let abs = config.src_dir.join(rel);
            fs::create_dir_all(abs.parent().unwrap()).unwrap();
            fs::write(abs, text).unwrap();
        };
        write("trd/a.md", "# A\n");
        write("keps/1-x/README.md", "# X\n");
        write("keps/1-x/kep.yaml", "title: X\n");
        let pipeline_reads = |reader: &DocReader| {
            let (found, walk) = discover::find_markdown(&config).unwrap();
            let reads = found.iter().map(|(abs, rel)| reader.read(abs, rel).1).collect();
            DocsRead::new(walk, reads)
        };
        let fingerprint_of = |read: &DocsRead| {
            let reads = read.docs.iter().map(|doc| doc.as_ref().unwrap());
            combine(7, &read.walk, reads.map(|doc| (doc.rel.as_str(), doc.hash)))
        };
        let reader = DocReader {
            on: true,
            trusted_before: std::time::SystemTime::now().checked_sub(TRUSTED_AGE),
            seen: HashMap::new(),
            walked: None,
        };
        let read = pipeline_reads(&reader);
        assert_eq!(read.docs.len(), 2);
        assert!(read.docs.iter().flatten().all(|doc| doc.trusted.is_none()), "docs written just now are not trusted");
        assert_eq!(
            Some(fingerprint_of(&read)),
            docs_fingerprint(&discover::find_markdown(&config).unwrap(), 7, &HashMap::new())
        );

        // Stamps older than the reader's cut-off are kept, but never a folder doc's.
        let later = DocReader {
            on: true,
            trusted_before: Some(std::time::SystemTime::now() + TRUSTED_AGE),
            seen: HashMap::new(),
            walked: None,
        };
        let later = pipeline_reads(&later);
        let trusted: Vec<&str> =
            later.docs.iter().flatten().filter(|d| d.trusted.is_some()).map(|d| d.rel.as_str()).collect();
        assert_eq!(trusted, ["trd/a.md"]);

        write("keps/1-x/kep.yaml", "title: Y\n");
        assert_ne!(
            Some(fingerprint_of(&read)),
            docs_fingerprint(&discover::find_markdown(&config).unwrap(), 7, &HashMap::new()),
            "a sidecar edit"
        );
        let read = pipeline_reads(&reader);
        write("trd/a.md", "# B\n");
        assert_ne!(
            Some(fingerprint_of(&read)),
            docs_fingerprint(&discover::find_markdown(&config).unwrap(), 7, &HashMap::new()),
            "a doc edit"
        );
        assert!(pipeline_reads(&DocReader::default()).docs.iter().all(Option::is_none), "a reader that is off");
    }

    #[test]
    fn only_stamps_older_than_the_check_are_trusted() {
        let now = std::time::SystemTime::now();
        let secs = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let old = [1, secs - 10, 0, secs - 10, 0, 1, 1];
        assert!(stamp_is_older_than(&old, now));
        let touched = [1, secs - 10, 0, secs + 1, 0, 1, 1];
        assert!(!stamp_is_older_than(&touched, now), "a recent ctime is not trusted");
        let written = [1, secs + 1, 0, secs - 10, 0, 1, 1];
        assert!(!stamp_is_older_than(&written, now), "nor a recent mtime");
    }

    #[test]
    fn records_round_trip_every_field() {
        let decoded = decode(&encode(&sample(), 5), 5).unwrap();
        assert_eq!(decoded, sample());
        assert_eq!(decoded.diagnostics[1].base, sample().diagnostics[1].base);
    }

    #[test]
    fn torn_corrupt_or_foreign_records_are_not_fresh() {
        let bytes = encode(&sample(), 5);
        for cut in [0, 8, 24, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(decode(&bytes[..cut], 5).is_none(), "cut at {cut}");
        }
        assert!(decode(&bytes, 6).is_none(), "another destination's record");
        let mut flipped = bytes.clone();
        let last = flipped.len() - 9;
        flipped[last] ^= 1;
        assert!(decode(&flipped, 5).is_none());
    }

    #[test]
    fn only_the_newest_records_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let base = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for i in 0..12u64 {
            let path = dir.join(format!("{i:02}.bin"));
            fs::write(&path, "r").unwrap();
            let when = base + std::time::Duration::from_secs(if i == 0 { 0 } else { 100 + i });
            fs::File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
        }
        cache::keep_newest(dir, "00.bin", KEEP);
        let mut left: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, ["00.bin", "05.bin", "06.bin", "07.bin", "08.bin", "09.bin", "10.bin", "11.bin"]);
    }

    #[test]
    fn destinations_have_records_of_their_own() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let other = config.clone().with_build_dir(&tmp.path().join("elsewhere"));
        assert_ne!(record_path(&config), record_path(&other));
        assert!(record_path(&config).0.starts_with(tmp.path().join(cache::DIR)));
    }
}
