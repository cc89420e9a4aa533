//! The whole build, stage after stage: config → discover → parse → index → links →
//! render → site. Returns every intermediate value, so `check` can stop after the
//! links stage and `serve` can keep what it needs for an incremental rebuild.
//! Writing to disk is the caller's choice.

use crate::config::Config;
use crate::diag::{self, Diagnostic};
use crate::index::{self, Index};
use crate::links::{self, LinkGraph};
use crate::model::{Doc, RenderedDoc, SourceFile};
use crate::site::{self, Site, SiteInput};
use crate::{discover, git, parse, publish, render, theme};
use rayon::prelude::*;

/// The result of the checking stages (no HTML).
pub struct Checked {
    pub index: Index,
    pub graph: LinkGraph,
    /// Sorted, every stage's diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// A whole build, ready to write.
pub struct Built {
    pub checked: Checked,
    pub rendered: Vec<RenderedDoc>,
    pub site: Site,
}

/// Reads, parses, indexes and links the portal. `Err` only when the docs folder
/// itself cannot be read.
pub fn check(config: &Config) -> Result<Checked, Diagnostic> {
    let (files, mut diags) = discover::discover(config)?;
    let docs = parse_all(&files, config);
    Ok(index_and_link(docs, config, &mut diags))
}

pub fn parse_all(files: &[SourceFile], config: &Config) -> Vec<Doc> {
    files.par_iter().map(|f| parse::parse(f, config)).collect()
}

/// Indexes and links parsed docs, collecting every diagnostic into `diags`.
pub fn index_and_link(docs: Vec<Doc>, config: &Config, diags: &mut Vec<Diagnostic>) -> Checked {
    diags.extend(docs.iter().flat_map(|d| d.diagnostics.iter().cloned()));
    diags.extend(parse::portal_diagnostics(&docs, config));
    let (history, git_diags) = git::read(config);
    diags.extend(git_diags);
    let docs = git::apply(docs, &history);
    let (index, index_diags) = index::build(docs, config);
    diags.extend(index_diags);
    let (graph, link_diags) = links::build(&index, config);
    diags.extend(link_diags);
    let mut diagnostics = std::mem::take(diags);
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    Checked { index, graph, diagnostics }
}

/// Runs every stage up to the finished site (in memory).
pub fn build(config: &Config) -> Result<Built, Diagnostic> {
    let theme = theme::load(config)?;
    // A template that does not compile stops the build before anything is written.
    theme.tera()?;
    let checked = check(config)?;
    Ok(build_from(checked, &theme, config))
}

/// Renders and assembles the site from already-checked docs.
pub fn build_from(checked: Checked, theme: &theme::Theme, config: &Config) -> Built {
    let rendered: Vec<RenderedDoc> = (0..checked.index.len())
        .into_par_iter()
        .map(|i| render::render(&checked.index, &checked.graph, i, config))
        .collect();
    assemble(checked, rendered, theme, config)
}

/// The site stage on already-rendered docs (`rendered` has the positions of
/// `checked.index.docs`). `serve` calls it with renders reused from its cache, so a
/// clean build and an incremental one share every step after rendering.
pub fn assemble(checked: Checked, rendered: Vec<RenderedDoc>, theme: &theme::Theme, config: &Config) -> Built {
    let mut diagnostics = checked.diagnostics.clone();
    diagnostics.extend(rendered.iter().flat_map(|r| r.diagnostics.iter().cloned()));
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    let input = SiteInput {
        config,
        index: &checked.index,
        graph: &checked.graph,
        rendered: &rendered,
        theme,
        diagnostics: &diagnostics,
    };
    let (mut site, site_diags) = site::build(&input);
    site.files.extend(publish::extras(config, &checked.index));
    // Files the docs link to (images), at their docs-relative path; never over a page.
    let (assets, asset_diags) = discover::read_assets(config, &checked.graph.assets);
    for (path, bytes) in assets {
        site.files.entry(path).or_insert(bytes);
    }
    diagnostics.extend(asset_diags);
    if config.precompress {
        let gz = publish::precompressed(&site.files);
        site.files.extend(gz);
    }
    diagnostics.extend(site_diags);
    diag::sort(&mut diagnostics);
    diagnostics.dedup();
    Built { checked: Checked { diagnostics, ..checked }, rendered, site }
}
