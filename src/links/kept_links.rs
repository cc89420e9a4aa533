//! Each doc's resolved links, kept between `docportal build`s, so a rebuild resolves
//! again only the docs whose references, or what resolving them read, changed.
//!
//! In: the links stage's [`DocLinks`] per doc, with what resolving them read of the
//! portal: the doc's own references (its key), every doc's id, path, kind and
//! numbering (the index's shape; ids and paths also feed the "did you mean" hints),
//! and the title and body of each doc an `#anchor` was checked against. Out: the next
//! build, for a doc whose key, shape and anchor targets are as they were, the same
//! `DocLinks` without resolving anything. What they looked up on disk (a linked image,
//! a missing file) is checked again by the links stage itself
//! ([`super::build_reusing`]). At 10,000 docs, resolving every doc again was a fifth of
//! the CPU of a rebuild after one doc's edit.
//!
//! Entries live in one folder per docportal build and config
//! (`.docportal-cache/links-v1/<context>/`: the binary and the config are the rest of
//! what resolution reads), spread over [`cache::SHARDS`] files by a hash of the doc's path.
//! A build rewrites each file that no longer holds exactly its docs' entries (copying
//! the entries it reused as they were), so none holds docs that are gone, and an edit
//! of one doc rewrites one file.
//!
//! Invariants: an entry is used only under the context, shape and key it was made
//! under, and while every anchor target's title and body hash are the ones recorded
//! with it. A missing, torn or foreign file is a miss for every doc, never an error; a
//! file that cannot be written only costs the next build the resolving.

use super::{DocLinks, Link};
use crate::bodies::Bodies;
use crate::cache::{self, Reader};
use crate::config::Config;
use crate::index::Index;
use crate::model::{Doc, Relation};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// Bump when the entry format or what resolution reads changes.
pub const FORMAT: &str = "links-v1";
const MAGIC: &[u8; 8] = b"DPLINK01";
/// Context folders kept (one per docportal binary and config that built the project lately).
const KEEP: usize = 2;
/// The docs' links as the last build of this context resolved them.
pub struct KeptLinks {
    /// The context's folder; `None` when the cache is off.
    dir: Option<PathBuf>,
    context: u128,
    /// By [`cache::shard_of`] of the doc's path; each file's header is the shape of the
    /// index its entries were resolved against.
    shards: Vec<cache::Shard>,
}

/// What a build leaves for [`KeptLinks::store`]: per doc of its index, in order, its
/// entry copied from the last build's file or made from the links resolved afresh.
pub struct ToStore {
    shape: u128,
    docs: Vec<(String, Option<FreshEntry>)>,
}

struct FreshEntry {
    key: u128,
    /// (position, [`anchor_target_hash`]) of each anchor target.
    anchor_targets: Vec<(u32, u128)>,
    links: DocLinks,
}

impl KeptLinks {
    /// The kept links of `config`'s project for the running docportal.
    pub fn open(config: &Config) -> KeptLinks {
        let identity = std::env::current_exe().ok().map(|exe| cache::build_identity(&exe));
        KeptLinks::open_for(config, identity.as_deref())
    }

    /// Keeps nothing, and finds nothing.
    pub fn off() -> KeptLinks {
        KeptLinks { dir: None, context: 0, shards: Vec::new() }
    }

    /// The kept links of `config`'s project for the docportal build `identity`; none
    /// when `identity` is `None` (a build that cannot name its binary keeps nothing).
    pub fn open_for(config: &Config, identity: Option<&str>) -> KeptLinks {
        let Some(identity) = identity.filter(|_| cache::enabled()) else { return KeptLinks::off() };
        let (context, dir) = cache::config_context(FORMAT, identity, config);
        let shards = cache::read_shards(&dir, MAGIC, context, 16);
        KeptLinks { dir: Some(dir), context, shards }
    }

    /// Whether links are kept at all (the cache is on and the build knows its binary).
    pub fn is_on(&self) -> bool {
        self.dir.is_some()
    }

    /// The links the last build resolved for the doc at `pos`, when `shape` (this
    /// index's [`shape_of`]), the doc's references and its anchor targets' titles and
    /// bodies are as they were then.
    pub fn get(&self, shape: u128, index: &Index, pos: usize, bodies: &Bodies) -> Option<DocLinks> {
        let doc = index.docs.get(pos)?;
        let shard = self.shards.get(cache::shard_of(&doc.source))?;
        if shard.header.as_deref() != Some(&shape.to_le_bytes()[..]) {
            return None;
        }
        let mut r = Reader::new(shard.entry(&doc.source)?);
        if r.u128()? != doc_key(doc) {
            return None;
        }
        let mut anchor_targets = Vec::new();
        for _ in 0..r.u32()? {
            let (target, hash) = (r.u32()? as usize, r.u128()?);
            if target >= index.len() || anchor_target_hash(index, bodies, target) != hash {
                return None;
            }
            anchor_targets.push(target);
        }
        let links = decode_links(&mut r, index.len(), anchor_targets)?;
        r.is_empty().then_some(links)
    }

    /// What [`KeptLinks::store`] needs of this build, worked out while the docs still
    /// have their references: `fresh` holds the links resolved afresh, by position (the
    /// other docs' were taken from the kept files).
    pub fn to_store(&self, shape: u128, index: &Index, bodies: &Bodies, fresh: Vec<(usize, DocLinks)>) -> ToStore {
        if !self.is_on() {
            return ToStore { shape, docs: Vec::new() };
        }
        let mut fresh: HashMap<usize, DocLinks> = fresh.into_iter().collect();
        let docs = index
            .docs
            .iter()
            .enumerate()
            .map(|(pos, doc)| (doc.source.clone(), fresh.remove(&pos)))
            .collect::<Vec<_>>()
            .into_par_iter()
            .enumerate()
            .map(|(pos, (source, links))| {
                let entry = links.map(|links| {
                    let anchor_targets = links
                        .anchor_targets
                        .iter()
                        .map(|&target| (target as u32, anchor_target_hash(index, bodies, target)))
                        .collect();
                    FreshEntry { key: doc_key(&index.docs[pos]), anchor_targets, links }
                });
                (source, entry)
            })
            .collect();
        ToStore { shape, docs }
    }

    /// Rewrites each file that no longer holds exactly this build's entries. Failures
    /// are ignored: the next build resolves those docs again.
    pub fn store(&self, to_store: ToStore) {
        let Some(dir) = &self.dir else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let shape = to_store.shape.to_le_bytes();
        let still_good = |n: usize| self.shards.get(n).is_some_and(|s| s.header.as_deref() == Some(&shape[..]));
        cache::write_shards((dir, MAGIC, self.context), &shape, &self.shards, still_good, &to_store.docs);
        if let (Some(formats), Some(name)) = (dir.parent(), dir.file_name()) {
            cache::keep_newest(formats, &name.to_string_lossy(), KEEP);
            cache::remove_other_formats(formats, "links-v");
        }
    }
}

/// Hash of everything resolution reads of every doc but the one resolved (besides
/// anchor targets, checked one by one): each doc's id, path, kind and numbering, in
/// index order. Positions in entries are positions of an index of this shape.
pub fn shape_of(index: &Index) -> u128 {
    let mut bytes = Vec::with_capacity(index.len() * 64);
    for doc in &index.docs {
        cache::put_str(&mut bytes, &doc.id);
        cache::put_str(&mut bytes, &doc.source);
        cache::put_str(&mut bytes, doc.kind.as_deref().unwrap_or(""));
        bytes.push(u8::from(doc.kind.is_some()) | u8::from(doc.numbered) << 1);
    }
    cache::content_hash(&bytes)
}

/// Hash of what resolving reads of the doc itself: its path and its raw references.
fn doc_key(doc: &Doc) -> u128 {
    let mut bytes = Vec::with_capacity(64 + doc.refs.len() * 48);
    cache::put_str(&mut bytes, &doc.source);
    for raw in doc.refs.iter() {
        bytes.push(relation_code(raw.relation));
        cache::put_str(&mut bytes, &raw.target);
        put_opt_str(&mut bytes, raw.label.as_deref());
        put_opt_u32(&mut bytes, raw.line);
        put_opt_str(&mut bytes, raw.field.as_deref());
    }
    cache::content_hash(&bytes)
}

/// Hash of what checking an `#anchor` reads of its target: its title (the title's own
/// anchors) and its body (the headings).
fn anchor_target_hash(index: &Index, bodies: &Bodies, pos: usize) -> u128 {
    let mut bytes = Vec::with_capacity(64);
    cache::put_str(&mut bytes, &index.docs[pos].title);
    bytes.extend_from_slice(&bodies.body_hash(index, pos).to_le_bytes());
    cache::content_hash(&bytes)
}

fn relation_code(relation: Relation) -> u8 {
    match relation {
        Relation::Related => 0,
        Relation::Supersedes => 1,
        Relation::SupersededBy => 2,
        Relation::Mentions => 3,
    }
}

fn relation_of(code: u8) -> Option<Relation> {
    Some(match code {
        0 => Relation::Related,
        1 => Relation::Supersedes,
        2 => Relation::SupersededBy,
        3 => Relation::Mentions,
        _ => return None,
    })
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            cache::put_str(out, s);
        }
        None => out.push(0),
    }
}

fn put_opt_u32(out: &mut Vec<u8>, n: Option<u32>) {
    match n {
        Some(n) => {
            out.push(1);
            cache::put_u32(out, n);
        }
        None => out.push(0),
    }
}

fn opt_string(r: &mut Reader) -> Option<Option<String>> {
    match r.u8()? {
        0 => Some(None),
        1 => Some(Some(r.string()?)),
        _ => None,
    }
}

fn opt_u32(r: &mut Reader) -> Option<Option<u32>> {
    match r.u8()? {
        0 => Some(None),
        1 => Some(Some(r.u32()?)),
        _ => None,
    }
}

fn encode_entry(fresh: &FreshEntry) -> Vec<u8> {
    // Destructured in full so a new field cannot be silently left out of the entry.
    let FreshEntry { key, anchor_targets, links } = fresh;
    let DocLinks { links, missing_anchors, diagnostics, probes, anchor_targets: _ } = links;
    let mut out = Vec::with_capacity(256 + links.len() * 64);
    out.extend_from_slice(&key.to_le_bytes());
    cache::put_u32(&mut out, anchor_targets.len() as u32);
    for (target, hash) in anchor_targets {
        cache::put_u32(&mut out, *target);
        out.extend_from_slice(&hash.to_le_bytes());
    }
    cache::put_u32(&mut out, links.len() as u32);
    for Link { relation, written, target, anchor, line, declared } in links {
        out.push(relation_code(*relation) | u8::from(*declared) << 7);
        cache::put_str(&mut out, written);
        put_opt_u32(&mut out, target.map(|t| t as u32));
        put_opt_str(&mut out, anchor.as_deref());
        put_opt_u32(&mut out, *line);
    }
    cache::put_u32(&mut out, missing_anchors.len() as u32);
    for missing in missing_anchors {
        cache::put_str(&mut out, missing);
    }
    cache::put_diagnostics(&mut out, diagnostics);
    cache::put_u32(&mut out, probes.len() as u32);
    for (path, kind) in probes {
        cache::put_str(&mut out, path);
        cache::put_asset_kind(&mut out, *kind);
    }
    out
}

/// The [`DocLinks`] after an entry's key and anchor targets; `None` for one that does
/// not decode, or names a position past the index (`len` docs).
fn decode_links(r: &mut Reader, len: usize, anchor_targets: Vec<usize>) -> Option<DocLinks> {
    let links = (0..r.u32()?)
        .map(|_| {
            let code = r.u8()?;
            let (relation, declared) = (relation_of(code & 0x7f)?, code & 0x80 != 0);
            let written = r.string()?;
            let target = opt_u32(r)?.map(|t| t as usize);
            if target.is_some_and(|t| t >= len) {
                return None;
            }
            Some(Link { relation, written, target, anchor: opt_string(r)?, line: opt_u32(r)?, declared })
        })
        .collect::<Option<Vec<Link>>>()?;
    let missing_anchors = (0..r.u32()?).map(|_| r.string()).collect::<Option<_>>()?;
    let diagnostics = r.diagnostics()?;
    let probes = (0..r.u32()?)
        .map(|_| {
            let path = r.string()?;
            let kind = r.asset_kind()?;
            Some((path, kind))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(DocLinks { links, missing_anchors, diagnostics, probes, anchor_targets })
}

/// A doc's entry to store: made from the links resolved afresh, or (`None`) copied
/// from the last build's file.
impl cache::ShardEntry for (String, Option<FreshEntry>) {
    fn name(&self) -> &str {
        &self.0
    }

    fn reused(&self) -> bool {
        self.1.is_none()
    }

    fn encode(&self) -> Option<Vec<u8>> {
        self.1.as_ref().map(encode_entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostic;
    use crate::links::build_reusing;

    /// [`crate::links::tests::doc`] with its own title (its references read the default
    /// kinds, which every config here has).
    fn doc(source: &str, id: &str, title: &str, body: &str) -> Doc {
        Doc { title: title.into(), ..crate::links::tests::doc(source, id, body) }
    }

    /// Links every doc, taking what `kept` holds; gives the warnings, how many docs were
    /// resolved afresh, and what to store.
    fn link(docs: Vec<Doc>, config: &Config, kept: &KeptLinks) -> (Vec<String>, usize, ToStore) {
        let index = crate::index::build(docs, config).0;
        let shape = shape_of(&index);
        let earlier = |index: &Index, pos: usize| kept.get(shape, index, pos, &Bodies::Held);
        let (_, diags, fresh, _) = build_reusing(&index, config, (&Bodies::Held, None), Some(&earlier));
        let fresh_count = fresh.len();
        (
            diags.into_iter().map(|d| d.message).collect(),
            fresh_count,
            kept.to_store(shape, &index, &Bodies::Held, fresh),
        )
    }

    /// Stores, for the doc at `source`, links that carry one made-up warning (and read
    /// the anchors of the docs it really looks into), as if the last build had found them.
    fn poison(docs: Vec<Doc>, config: &Config, source: &str) {
        let kept = KeptLinks::open_for(config, Some("v1:1:1"));
        let index = crate::index::build(docs, config).0;
        let pos = index.find_source(source).unwrap();
        let shape = shape_of(&index);
        let earlier = |index: &Index, pos: usize| kept.get(shape, index, pos, &Bodies::Held);
        let (_, _, _, _) = build_reusing(&index, config, (&Bodies::Held, None), Some(&earlier));
        let mut found = DocLinks::default();
        let anchors = crate::links::AnchorCache::new(index.len(), &Bodies::Held, config);
        let hints = crate::links::resolve::Hints::new(&index);
        let files = crate::links::Files { config, looked: Default::default() };
        found.links = crate::links::declared_links(&index, pos, (&anchors, &hints, &files), &mut found);
        found.diagnostics = vec![Diagnostic::warning(source, Some(1), "poisoned")];
        kept.store(kept.to_store(shape, &index, &Bodies::Held, vec![(pos, found)]));
    }

    #[test]
    fn a_doc_s_links_are_kept_while_its_references_the_ids_and_its_anchor_targets_are_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let a = |body: &str| doc("a.md", "ADR-0001", "A", body);
        let b = |title: &str, body: &str| doc("b.md", "ADR-0002", title, body);
        let c = doc("c.md", "ADR-0003", "C", "Nothing to link.\n");
        let linking = "See [the goals](b.md#goals) and ADR-0777.\n";
        let docs = || vec![a(linking), b("B", "## Goals\n"), c.clone()];
        let kept = || KeptLinks::open_for(&config, Some("v1:1:1"));

        let (warnings, fresh, to_store) = link(docs(), &config, &kept());
        assert_eq!(fresh, 3, "nothing kept yet");
        assert_eq!(warnings, ["unresolved reference `ADR-0777` (no doc has this id)"]);
        kept().store(to_store);
        let (warnings_again, fresh, _) = link(docs(), &config, &kept());
        assert_eq!((warnings_again, fresh), (warnings.clone(), 0), "every doc kept, same warnings");

        // Made-up links for a.md show: they are what the next build takes.
        poison(docs(), &config, "a.md");
        let (warnings, fresh, _) = link(docs(), &config, &kept());
        assert_eq!((warnings, fresh), (vec!["poisoned".to_string()], 0));

        // Its anchor target's body or title changed: resolved again.
        let (warnings, fresh, _) = link(vec![a(linking), b("B", "## Risks\n"), c.clone()], &config, &kept());
        assert_eq!(fresh, 1);
        assert!(warnings.iter().any(|w| w.starts_with("`b.md` has no heading `#goals`")), "{warnings:?}");
        assert!(!warnings.contains(&"poisoned".to_string()));
        let (warnings, fresh, _) = link(vec![a(linking), b("B two", "## Goals\n"), c.clone()], &config, &kept());
        assert_eq!(fresh, 1);
        assert!(!warnings.contains(&"poisoned".to_string()));

        // Its own references changed: resolved again.
        let (warnings, fresh, _) = link(vec![a("See ADR-0777.\n"), b("B", "## Goals\n"), c.clone()], &config, &kept());
        assert_eq!((warnings, fresh), (vec!["unresolved reference `ADR-0777` (no doc has this id)".to_string()], 1));

        // A doc with the id it names appeared: every doc is resolved again.
        let mut more = docs();
        more.push(doc("d.md", "ADR-0777", "D", ""));
        let (warnings, fresh, _) = link(more, &config, &kept());
        assert_eq!((warnings, fresh), (Vec::<String>::new(), 4));

        // Another docportal build, or the cache off, keeps nothing.
        let (_, fresh, _) = link(docs(), &config, &KeptLinks::open_for(&config, Some("v1:2:2")));
        assert_eq!(fresh, 3);
        let (_, fresh, _) = link(docs(), &config, &KeptLinks::open_for(&config, None));
        assert_eq!(fresh, 3);
    }

    #[cfg(unix)]
    #[test]
    fn a_store_rewrites_only_the_files_whose_docs_changed_and_a_torn_file_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let config = Config::default_at(tmp.path());
        let docs = |edited: &str| -> Vec<Doc> {
            (1..=40)
                .map(|n| {
                    let body = if n == 7 { edited.to_string() } else { format!("See ADR-{:04}.\n", n % 40 + 1) };
                    doc(&format!("adr/{n:02}.md"), &format!("ADR-{n:04}"), "T", &body)
                })
                .collect()
        };
        let kept = || KeptLinks::open_for(&config, Some("v1:1:1"));
        kept().store(link(docs("See ADR-0001.\n"), &config, &kept()).2);
        let dir = kept().dir.unwrap();
        // A rewritten file is a new file (written beside it, then renamed over it).
        let files = || -> Vec<(PathBuf, u64)> {
            use std::os::unix::fs::MetadataExt;
            let mut files: Vec<(PathBuf, u64)> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap())
                .map(|e| (e.path(), e.metadata().unwrap().ino()))
                .collect();
            files.sort();
            files
        };
        let before = files();
        assert!(before.len() > 10, "40 docs spread over many files: {}", before.len());

        let (_, fresh, to_store) = link(docs("See ADR-0002.\n"), &config, &kept());
        assert_eq!(fresh, 1);
        kept().store(to_store);
        let after = files();
        let changed: Vec<&PathBuf> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(_, a)| &a.0).collect();
        assert_eq!(changed, [&dir.join(cache::shard_name(cache::shard_of("adr/07.md")))]);
        assert_eq!(link(docs("See ADR-0002.\n"), &config, &kept()).1, 0, "the rewritten file holds every doc it held");

        let torn = changed[0];
        let bytes = std::fs::read(torn).unwrap();
        std::fs::write(torn, &bytes[..bytes.len() - 1]).unwrap();
        let in_torn =
            (1..=40).filter(|n| cache::shard_of(&format!("adr/{n:02}.md")) == cache::shard_of("adr/07.md")).count();
        let (_, fresh, to_store) = link(docs("See ADR-0002.\n"), &config, &kept());
        assert_eq!(fresh, in_torn, "the docs of the torn file only");
        kept().store(to_store);
        assert_eq!(link(docs("See ADR-0002.\n"), &config, &kept()).1, 0, "and the next build keeps them again");
    }
}
