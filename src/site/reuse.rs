//! The site stage of an incremental rebuild (`serve`): the same files as
//! [`super::build`], byte for byte, but a doc page whose inputs did not change since the
//! previous build is taken from that build instead of going through tera again.
//!
//! In: this build's [`SiteInput`], one render key per doc, and the [`Previous`] build
//! (its site and the [`Memo`] of what its pages were made from). Out: a [`Rebuilt`]:
//! the whole new site, the memo for next time, which files were carried over
//! unchanged, and what is left of the previous site, for the writer to compare with.
//!
//! A doc page's key ([`doc_page::input_key`]) hashes everything its template context
//! is made of: the doc, its position, its rendered article, its diagnostics, and the
//! listing fields (id, title, status, path, …) of every doc it links to or is linked
//! from. The portal-wide pages (dashboard, docs table, status pages, graph, 404) and
//! `docs.json` share one key over what they read of every doc (metadata, links and
//! diagnostics, not bodies), so a body edit leaves them alone. The search files are
//! always rewritten, from each doc's analysis (made with its render) and, for a doc
//! whose render key, id, title and authors are unchanged, the numbered terms the memo
//! kept. A doc page is reused only when its key is equal, the previous site has its file,
//! and no other doc or other part of the site writes to the same path (a later part
//! overwrites an earlier one in a clean build, and must here too).
//!
//! The caller vouches for what the keys cannot see: `salt` must change whenever the
//! config or the theme does, and equal render keys must mean equal `RenderedDoc`s. A
//! caller that puts files over the site after this stage (the static files,
//! `pipeline::assemble_reusing`) writes bytes no key made at those paths: it records
//! them in [`Memo::shadowed`], and [`Previous::unshadow`] puts back what the site had
//! made there before the next build carries anything over.

use super::{asset_files, doc_page, docs_json, pages, Builder, Site, SiteInput};
use crate::diag::Diagnostic;
use crate::{search, urls};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

/// What the pages of one build were made from.
#[derive(Default)]
pub struct Memo {
    salt: u64,
    /// The theme's templates, compiled once per salt.
    tera: Option<tera::Tera>,
    /// Logical asset path → site path (content-hashed), valid for `salt`.
    assets: BTreeMap<String, String>,
    /// Site path of each doc page → its input key.
    doc_pages: HashMap<String, u64>,
    /// The key of the portal-wide pages and docs.json, and their paths.
    portal: Option<(u64, Vec<String>)>,
    /// Files the caller adds after this stage from no more than the portal key covers
    /// (`publish::extras`), so they can be carried over with the portal pages. The
    /// caller fills it when it makes them; it is kept while the portal pages are.
    pub extras: Vec<String>,
    /// Each doc's numbered search terms, by render key ([`search::build_reusing`]).
    search: search::Memo,
    /// The paths where the caller put static files over the site after this stage
    /// ([`crate::static_files`]), with what the site itself had made there (`None`:
    /// nothing). The caller fills it; [`Previous::unshadow`] reads it.
    pub shadowed: BTreeMap<String, Option<Vec<u8>>>,
}

/// The build before this one, exactly as it was written to disk.
pub struct Previous {
    pub site: Site,
    pub memo: Memo,
}

impl Previous {
    /// Puts back into the site what it had made where static files stood
    /// ([`Memo::shadowed`]): the keys vouch for those bytes, not for the static files',
    /// and a page carried over from a static file's bytes would outlive it. Gives what
    /// the disk holds at each of those paths, for the caller's writer to compare with.
    pub fn unshadow(&mut self) -> BTreeMap<String, Option<Vec<u8>>> {
        std::mem::take(&mut self.memo.shadowed)
            .into_iter()
            .map(|(path, made)| {
                let on_disk = match made {
                    Some(bytes) => self.site.files.insert(path.clone(), bytes),
                    None => self.site.files.remove(&path),
                };
                (path, on_disk)
            })
            .collect()
    }
}

/// What the caller knows beyond the [`SiteInput`].
pub struct Reuse<'a> {
    /// Changes whenever the config or the theme does.
    pub salt: u64,
    /// One per doc (positions of `index.docs`); equal only when the `RenderedDoc` is.
    pub render_keys: &'a [u64],
    pub previous: Option<Previous>,
}

pub struct Rebuilt {
    pub site: Site,
    pub diagnostics: Vec<Diagnostic>,
    pub memo: Memo,
    /// Files moved over from the previous site: same path, same bytes.
    pub reused: HashSet<String>,
    /// The previous site's other files, for comparing against.
    pub leftover: Site,
    /// Doc pages that went through tera.
    pub rendered_pages: usize,
    /// The portal-wide pages were carried over: nothing they read changed.
    pub portal_carried: bool,
    /// How long each part took, in order (for `DOCPORTAL_TRACE`).
    pub phases: Vec<(&'static str, Duration)>,
}

/// Builds the site, reusing the previous build's doc pages wherever their keys allow.
pub fn build(input: &SiteInput, reuse: Reuse) -> Rebuilt {
    let Reuse { salt, render_keys, previous } = reuse;
    let mut phases = Vec::new();
    let mut last = Instant::now();
    let mut mark = |name: &'static str| {
        let now = Instant::now();
        phases.push((name, now - last));
        last = now;
    };
    let (mut old, memo) = match previous {
        Some(p) if p.memo.salt == salt => (p.site, p.memo),
        Some(p) => (p.site, Memo::default()),
        None => (Site::default(), Memo::default()),
    };
    let tera = match memo.tera.filter(|_| memo.salt == salt) {
        Some(t) => t,
        None => match input.theme.tera() {
            Ok(t) => t,
            Err(d) => {
                return Rebuilt {
                    site: Site::default(),
                    diagnostics: vec![d],
                    memo: Memo::default(),
                    reused: HashSet::new(),
                    leftover: old,
                    rendered_pages: 0,
                    portal_carried: false,
                    phases: Vec::new(),
                }
            }
        },
    };
    let mut reused = HashSet::new();
    let mut site = Site::default();

    // Assets: same salt, same theme, same hashed names and bytes.
    let carried_assets =
        memo.salt == salt && !memo.assets.is_empty() && memo.assets.values().all(|path| old.files.contains_key(path));
    let assets = if carried_assets {
        for path in memo.assets.values() {
            if let Some(bytes) = old.files.remove(path) {
                site.files.insert(path.clone(), bytes);
                reused.insert(path.clone());
            }
        }
        memo.assets
    } else {
        let (assets, files) = asset_files(input.theme);
        site.files.extend(files);
        assets
    };
    let builder = Builder::new(input, &tera, assets);
    mark("site: theme+assets");

    let docs = &input.index.docs;
    let doc_keys = super::DocKeys::of(input.index, input.graph);
    let common = doc_page::common_key(&builder, salt);

    // The portal-wide pages and docs.json: all carried over, or all made afresh. Made
    // before the doc pages so their paths are known.
    let portal_key = portal_key(input, &doc_keys, common);
    let carried_portal = memo
        .portal
        .filter(|(key, paths)| *key == portal_key && paths.iter().all(|p| old.files.contains_key(p)))
        .map(|(_, paths)| paths);
    let portal_carried = carried_portal.is_some();
    let (portal_files, portal_memo) = match carried_portal {
        Some(paths) => {
            let files: Vec<(String, Vec<u8>)> =
                paths.iter().filter_map(|p| old.files.remove(p).map(|bytes| (p.clone(), bytes))).collect();
            (files.into_iter().map(|(p, b)| (p, Ok(b))).collect::<Vec<_>>(), Some((portal_key, paths)))
        }
        None => {
            let mut files: Vec<(String, Result<Vec<u8>, Diagnostic>)> =
                pages::render_all(&builder).into_iter().map(|(p, r)| (p, r.map(String::into_bytes))).collect();
            files.push((
                "docs.json".into(),
                Ok(docs_json::render(input.index, input.graph, input.diagnostics, input.config)),
            ));
            // Remembered only when every page rendered: a template error must be reported again.
            let memo = files
                .iter()
                .all(|(_, r)| r.is_ok())
                .then(|| (portal_key, files.iter().map(|(p, _)| p.clone()).collect()));
            (files, memo)
        }
    };
    mark("site: portal pages");
    // Search: each doc's analysis comes with its render; the memo keeps each doc's
    // numbered terms, so only changed docs are merged afresh.
    let mut search_memo = memo.search;
    let search = search::build_reusing(input.index, input.rendered, input.config, &mut search_memo, render_keys);
    mark("site: search");
    let mut taken: HashSet<&str> = site.files.keys().map(String::as_str).collect();
    taken.extend(portal_files.iter().map(|(p, _)| p.as_str()));
    taken.extend(search.keys().map(String::as_str));

    let paths: Vec<String> = docs.iter().map(|d| urls::page_path(&d.source)).collect();
    let mut doc_count: HashMap<&str, usize> = HashMap::new();
    for p in &paths {
        *doc_count.entry(p.as_str()).or_default() += 1;
    }
    let keys: Vec<u64> = (0..docs.len())
        .into_par_iter()
        .map(|pos| {
            let render_key = render_keys.get(pos).copied().unwrap_or_else(|| crate::cache::key_of(&(u64::MAX, pos)));
            doc_page::input_key(&builder, pos, &doc_keys, render_key, common)
        })
        .collect();
    mark("site: page keys");
    // Pages at a path no other doc and no other part of the site writes: only their
    // keys are remembered, only they are ever reused.
    let sole: Vec<bool> =
        paths.iter().map(|p| doc_count.get(p.as_str()) == Some(&1) && !taken.contains(p.as_str())).collect();
    drop(taken);
    let reusable: Vec<bool> = (0..docs.len())
        .map(|pos| {
            sole[pos] && memo.doc_pages.get(&paths[pos]) == Some(&keys[pos]) && old.files.contains_key(&paths[pos])
        })
        .collect();
    // One page per task, so that the few pages an edit touches are made side by side.
    let stale: Vec<usize> = (0..docs.len()).filter(|&pos| !reusable[pos]).collect();
    let fresh: Vec<(String, Result<String, Diagnostic>)> =
        stale.into_par_iter().with_max_len(1).filter_map(|pos| doc_page::render(&builder, pos)).collect();
    let rendered_pages = fresh.len();
    mark("site: doc pages");

    let mut doc_pages = HashMap::with_capacity(docs.len());
    for (pos, path) in paths.into_iter().enumerate() {
        if reusable[pos] {
            if let Some(bytes) = old.files.remove(&path) {
                site.files.insert(path.clone(), bytes);
                reused.insert(path.clone());
            }
        }
        if sole[pos] {
            doc_pages.insert(path, keys[pos]);
        }
    }
    // Same order as a clean build, so a later part overwrites an earlier one alike.
    let mut diagnostics = Vec::new();
    for (path, result) in fresh {
        match result {
            Ok(html) => {
                reused.remove(&path);
                site.files.insert(path, html.into_bytes());
            }
            Err(d) => diagnostics.push(d),
        }
    }
    for (path, result) in portal_files {
        match result {
            Ok(bytes) => {
                if portal_carried {
                    reused.insert(path.clone());
                } else {
                    reused.remove(&path);
                }
                site.files.insert(path, bytes);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    for path in search.keys() {
        reused.remove(path);
    }
    site.files.extend(search);
    let assets = builder.assets;
    mark("site: assemble");
    Rebuilt {
        site,
        diagnostics,
        memo: Memo {
            salt,
            tera: Some(tera),
            assets,
            doc_pages,
            portal: portal_memo,
            extras: if portal_carried { memo.extras } else { Vec::new() },
            search: search_memo,
            shadowed: BTreeMap::new(),
        },
        reused,
        leftover: old,
        rendered_pages,
        portal_carried,
        phases,
    }
}

/// Hash of everything the portal-wide pages and docs.json read: every doc's metadata
/// (not its body), the whole link graph, every diagnostic, and `common`.
pub(super) fn portal_key(input: &SiteInput, doc_keys: &super::DocKeys, common: u64) -> u64 {
    // The other end of each link is hashed as its own doc: no need for its signature.
    crate::cache::key_of(&(common, &doc_keys.metadata, input.diagnostics))
}
