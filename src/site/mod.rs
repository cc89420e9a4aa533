//! Rendered docs → [`Site`]: every output file of the portal, as bytes, by site path.
//!
//! Pages come from the theme's tera templates (autoescaped); assets are copied under
//! content-hashed names; `docs.json` is the machine-readable index. Nothing is written
//! to disk here: the `write` stage does that, so a failed build never touches the
//! previous site.

pub mod docs_json;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::links::LinkGraph;
use crate::model::RenderedDoc;
use crate::theme::Theme;
use crate::urls;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole output: site path → bytes.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Everything the site stage reads.
pub struct SiteInput<'a> {
    pub config: &'a Config,
    pub index: &'a Index,
    pub graph: &'a LinkGraph,
    /// Same positions as `index.docs`.
    pub rendered: &'a [RenderedDoc],
    pub theme: &'a Theme,
    /// Every diagnostic of the build so far, sorted; listed in `docs.json`.
    pub diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct SiteCtx<'a> {
    title: &'a str,
}

#[derive(Serialize)]
struct DocLink<'a> {
    id: &'a str,
    title: &'a str,
    href: String,
}

/// Builds every page and asset.
pub fn build(input: &SiteInput) -> (Site, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut site = Site::default();
    let tera = match input.theme.tera() {
        Ok(t) => t,
        Err(d) => return (site, vec![d]),
    };
    let mut asset_names = BTreeMap::new();
    for (rel, bytes) in input.theme.assets() {
        let hashed = hashed_name(rel, bytes);
        asset_names.insert(rel.to_string(), format!("assets/{hashed}"));
        site.files.insert(format!("assets/{hashed}"), bytes.to_vec());
    }
    let css = asset_names.get("style.css").cloned().unwrap_or_default();
    let site_ctx = SiteCtx { title: &input.config.title };

    for (pos, doc) in input.index.docs.iter().enumerate() {
        let path = urls::page_path(&doc.source);
        let mut ctx = tera::Context::new();
        ctx.insert("site", &site_ctx);
        ctx.insert("root", &urls::root_prefix(&path));
        ctx.insert("assets", &serde_json::json!({ "css": css }));
        ctx.insert("doc", &serde_json::json!({ "title": doc.title, "id": doc.id }));
        ctx.insert("content", &input.rendered[pos].html);
        match tera.render("doc.html", &ctx) {
            Ok(html) => {
                site.files.insert(path, html.into_bytes());
            }
            Err(e) => diags.push(Diagnostic::error(doc.source.clone(), None, format!("template error: {e}"))),
        }
    }
    let docs: Vec<DocLink> = input
        .index
        .docs
        .iter()
        .map(|d| DocLink { id: &d.id, title: &d.title, href: urls::href("index.html", &urls::page_path(&d.source)) })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("site", &site_ctx);
    ctx.insert("root", "");
    ctx.insert("assets", &serde_json::json!({ "css": css }));
    ctx.insert("docs", &docs);
    match tera.render("index.html", &ctx) {
        Ok(html) => {
            site.files.insert("index.html".into(), html.into_bytes());
        }
        Err(e) => diags
            .push(Diagnostic::error("theme/templates/index.html", None, format!("template error: {e}")).in_project()),
    }
    site.files.extend(crate::search::build(input.index, input.rendered, input.config));
    site.files.insert("docs.json".into(), docs_json::render(input.index, input.graph, input.diagnostics));
    (site, diags)
}

/// `style.css` → `style.1a2b3c4d.css`: the name changes whenever the content does.
pub fn hashed_name(rel: &str, bytes: &[u8]) -> String {
    let hash = format!("{:016x}", fnv1a(bytes));
    let short = &hash[..10];
    match rel.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !stem.ends_with('/') => format!("{stem}.{short}.{ext}"),
        _ => format!("{rel}.{short}"),
    }
}

/// FNV-1a, 64 bits: stable across platforms and releases, enough to bust caches.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
