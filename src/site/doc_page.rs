//! One doc → its page: title, metadata card, table of contents, article, relations,
//! backlinks, supersession banner, neighbourhood graph and the doc's own diagnostics.
//!
//! The article HTML comes from the render stage already escaped and is inserted as is;
//! every other value goes through tera's autoescaping (or, with the built-in templates,
//! the same escaping in [`super::native`]). Relations are read from both
//! sides of the link graph (a doc's own links and its backlinks), so a supersession
//! declared on either doc shows on both pages even where the links stage did not
//! mirror it. Template: `doc.html`; its values are [`DocPage`].

use super::context::{incoming_label, outgoing_label, DiagView, LinkGroup, LinkItem, StatusView};
use super::{Builder, DocKeys, Needs};
use crate::diag::Diagnostic;
use crate::links::Link;
use crate::model::{Doc, MetaField, Relation, RenderedDoc, TocEntry};
use crate::urls;
use serde::Serialize;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

/// Metadata keys the card shows in its own rows (or that are relations, listed elsewhere),
/// so they are not repeated among the other fields.
const CARD_KEYS: &[&str] = &[
    "id",
    "title",
    "kind",
    "type",
    "status",
    "author",
    "authors",
    "reviewer",
    "reviewers",
    "created",
    "date",
    "updated",
    "version",
];

#[derive(Serialize)]
pub(super) struct DocPage<'a> {
    pub doc: DocCard<'a>,
    pub toc: Vec<TocItem<'a>>,
    pub content: &'a str,
    pub banner: Option<Banner>,
    pub relations: Vec<LinkGroup>,
    pub referenced_by: Vec<LinkGroup>,
    /// Mermaid source of the one-hop neighbourhood; `None` when the doc has no links.
    pub neighbourhood: Option<String>,
    pub diagnostics: Vec<DiagView<'a>>,
    /// `error` when any of the doc's diagnostics is an error, else `warning`.
    pub problem_tone: &'static str,
    pub edit_url: Option<String>,
}

#[derive(Serialize)]
pub(super) struct DocCard<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub kind: Option<&'a str>,
    pub status: StatusView<'a>,
    pub authors: &'a [String],
    pub reviewers: &'a [String],
    pub created: Option<&'a str>,
    pub updated: Option<&'a str>,
    pub version: Option<&'a str>,
    pub source: &'a str,
    /// Fields the card has no dedicated row for, in document order.
    pub fields: Vec<&'a MetaField>,
}

#[derive(Serialize)]
pub(super) struct TocItem<'a> {
    /// 0 for the shallowest heading level present.
    pub depth: u8,
    pub href: String,
    pub text: &'a str,
}

/// The supersession story of a doc: who replaces it, what it replaces.
#[derive(Serialize)]
pub(super) struct Banner {
    pub superseded: bool,
    pub successors: Vec<LinkItem>,
    pub predecessors: Vec<LinkItem>,
}

/// Renders the page of the doc at `pos`: `(site path, html or template error)`.
pub fn render(builder: &Builder, pos: usize) -> Option<(String, Result<String, Diagnostic>)> {
    let doc = builder.portal.doc(pos)?;
    render_with(builder, pos, builder.rendered.get(pos)?, builder.portal.diagnostics_of(doc))
}

/// [`render`] given the doc's rendered body and its own diagnostics (sorted), for a
/// build that streams pages and never holds every rendered doc at once.
pub fn render_with(
    builder: &Builder,
    pos: usize,
    rendered: &RenderedDoc,
    own_diagnostics: &[&Diagnostic],
) -> Option<(String, Result<String, Diagnostic>)> {
    let portal = &builder.portal;
    let doc = portal.doc(pos)?;
    let page = urls::page_path(&doc.source);
    let no_links = Vec::new();
    let outgoing = portal.graph.outgoing.get(pos).unwrap_or(&no_links);
    let no_backlinks = Vec::new();
    let incoming = portal.graph.incoming.get(pos).unwrap_or(&no_backlinks);

    let has_graph =
        outgoing.iter().any(|l| l.target.is_some_and(|t| t != pos)) || incoming.iter().any(|b| b.from != pos);
    let neighbourhood =
        has_graph.then(|| crate::links::graph_mermaid_with(&portal.node_labels, portal.graph, Some(pos), &page));
    let needs = Needs { code: rendered.has_code, mermaid: rendered.has_mermaid || neighbourhood.is_some() };
    let shell = builder.shell(&page, "doc", needs);

    // Backlinks become links seen from this page; the inverse relation tells the banner
    // what the other doc declared (A `supersedes` B shows on B as "superseded by A").
    let mirrored: Vec<Link> = incoming
        .iter()
        .map(|b| Link {
            relation: b.relation,
            written: portal.doc(b.from).map(|d| d.id.clone()).unwrap_or_default(),
            target: Some(b.from),
            anchor: None,
            line: None,
            declared: false,
        })
        .collect();

    let successors = supersession(builder, outgoing, &mirrored, Relation::SupersededBy, Relation::Supersedes);
    let predecessors = supersession(builder, outgoing, &mirrored, Relation::Supersedes, Relation::SupersededBy);
    let superseded = doc.status.as_deref() == Some("superseded") || !successors.is_empty();
    let relations = group(builder, outgoing.iter().filter(|l| l.declared && l.target != Some(pos)));
    let referenced_by = group(builder, mirrored.iter().filter(|l| l.target != Some(pos)));

    let items = |links: Vec<&Link>| builder.link_items(&page, &links);
    let groups = |groups: Vec<(Relation, Vec<&Link>)>, label: fn(Relation) -> &'static str| {
        let group = |(relation, links)| {
            Ok(LinkGroup { relation: Relation::as_str(relation), label: label(relation), links: items(links)? })
        };
        groups.into_iter().map(group).collect::<Result<Vec<_>, Diagnostic>>()
    };
    let lists = (|| {
        let banner = (superseded || !predecessors.is_empty())
            .then(|| Ok(Banner { superseded, successors: items(successors)?, predecessors: items(predecessors)? }))
            .transpose()?;
        Ok((banner, groups(relations, outgoing_label)?, groups(referenced_by, incoming_label)?))
    })();
    let (banner, relations, referenced_by) = match lists {
        Ok(lists) => lists,
        Err(e) => return Some((page, Err(e))),
    };

    let min_level = rendered.toc.iter().map(|t| t.level).min().unwrap_or(1);
    let toc = rendered.toc.iter().map(|t: &TocEntry| toc_item(t, min_level, &page)).collect();

    let fields = doc.fields.iter().filter(|f| !is_card_key(&f.key)).collect();
    let card = DocCard {
        id: &doc.id,
        title: &doc.title,
        kind: doc.kind.as_deref(),
        status: portal.status_view(doc.status.as_deref(), doc.status_raw.as_deref(), &page),
        authors: &doc.authors,
        reviewers: &doc.reviewers,
        created: doc.created.as_deref(),
        updated: doc.updated.as_deref(),
        version: doc.version.as_deref(),
        source: &doc.source,
        fields,
    };
    let values = DocPage {
        doc: card,
        toc,
        content: &rendered.html,
        banner,
        relations,
        referenced_by,
        neighbourhood,
        diagnostics: own_diagnostics.iter().map(|d| DiagView::from(*d)).collect(),
        problem_tone: if own_diagnostics.iter().any(|d| d.is_error()) { "error" } else { "warning" },
        edit_url: edit_url(builder, &doc.source),
    };
    // The built-in templates are written out in Rust (`native`), around the frame of
    // `base.html` that tera rendered for this folder and set of scripts.
    let html = match builder.doc_frame(&page, needs, &shell) {
        Some(frame) => Ok(super::native::doc_page(&frame, shell.site.title, &values)),
        None => builder.render("doc.html", &shell, &values),
    };
    Some((page, html))
}

/// What a page shows of another doc it links to or is linked from (and, for its own
/// page, the card's main rows): id, title, kind, status, authors, dates and path.
pub fn listing_signature(doc: &Doc) -> u64 {
    let mut h = crate::cache::key_hasher();
    (&doc.id, doc.numbered, &doc.kind, &doc.title, &doc.status, &doc.status_raw).hash(&mut h);
    (&doc.authors, &doc.created, &doc.updated, &doc.source).hash(&mut h);
    h.finish()
}

/// The part of every doc page's key ([`input_key`]) that all pages share: `salt` (which
/// changes whenever docportal, the config or the theme does), the status pages and the
/// asset names.
pub fn common_key(builder: &Builder, salt: u64) -> u64 {
    let mut h = crate::cache::key_hasher();
    (salt, &builder.portal.status_pages, &builder.assets).hash(&mut h);
    h.finish()
}

/// Hash of everything [`render`] reads for the doc at `pos`, given `common` (the hash of
/// what every page shares: [`common_key`]), `doc_keys` (of every doc, by position) and
/// `render_key` (equal only when the doc's `RenderedDoc` is). Equal keys, equal page
/// bytes: keep it in step with [`render`]. The position itself is part of it, since the
/// neighbourhood graph names its nodes by position.
pub fn input_key(builder: &Builder, pos: usize, doc_keys: &DocKeys, render_key: u64, common: u64) -> u64 {
    let mut h = crate::cache::key_hasher();
    (common, pos, render_key).hash(&mut h);
    let portal = &builder.portal;
    let Some(doc) = portal.doc(pos) else { return h.finish() };
    portal.diagnostics_of(doc).hash(&mut h);
    doc_keys.metadata(pos).hash(&mut h);
    // The page shows the title and status of each doc on the other end of a link.
    let signature = |at: usize| doc_keys.signatures.get(at);
    for l in portal.graph.outgoing.get(pos).into_iter().flatten() {
        l.target.map(signature).hash(&mut h);
    }
    for b in portal.graph.incoming.get(pos).into_iter().flatten() {
        signature(b.from).hash(&mut h);
    }
    h.finish()
}

fn is_card_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace([' ', '-'], "_");
    CARD_KEYS.contains(&k.as_str()) || k.starts_with("related") || k.starts_with("supersede") || k == "replaces"
}

fn toc_item<'a>(entry: &'a TocEntry, min_level: u8, page: &str) -> TocItem<'a> {
    TocItem {
        depth: entry.level.saturating_sub(min_level),
        href: urls::href_fragment(page, page, &entry.anchor),
        text: &entry.text,
    }
}

/// Docs on the other end of a supersession: declared here as `own`, or declared by the
/// other doc as `theirs` (seen here through its backlink). Deduplicated by target.
fn supersession<'l>(
    builder: &Builder,
    outgoing: &'l [Link],
    mirrored: &'l [Link],
    own: Relation,
    theirs: Relation,
) -> Vec<&'l Link> {
    let portal = &builder.portal;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for link in outgoing.iter().filter(|l| l.relation == own) {
        if link.target.is_none() || seen.insert(link.target) {
            out.push(link);
        }
    }
    for back in mirrored.iter().filter(|l| l.relation == theirs) {
        if let Some(from) = back.target {
            if portal.doc(from).is_some() && seen.insert(Some(from)) {
                out.push(back);
            }
        }
    }
    out
}

/// Groups links by relation (in the relation's declared order), one entry per target:
/// resolved first, by id; unresolved after, as written. Only the links: their views
/// are built when [`Builder::link_items`] has not rendered the same item already.
fn group<'l>(builder: &Builder, links: impl Iterator<Item = &'l Link>) -> Vec<(Relation, Vec<&'l Link>)> {
    let portal = &builder.portal;
    let mut by_relation: Vec<(Relation, Vec<&Link>)> = Vec::new();
    for link in links {
        match by_relation.iter_mut().find(|(r, _)| *r == link.relation) {
            Some((_, v)) => v.push(link),
            None => by_relation.push((link.relation, vec![link])),
        }
    }
    by_relation.sort_by_key(|(r, _)| *r);
    let target_id = |link: &Link| link.target.and_then(|t| portal.doc(t)).map(|d| d.id.as_str());
    for (_, links) in &mut by_relation {
        let mut seen = BTreeSet::new();
        links.retain(|l| seen.insert((l.target, if l.target.is_some() { "" } else { l.written.as_str() })));
        links.sort_by(|a, b| {
            let (a_id, b_id) = (target_id(a), target_id(b));
            (a_id.is_none(), a_id, a.written.as_str()).cmp(&(b_id.is_none(), b_id, b.written.as_str()))
        });
    }
    by_relation
}

/// `{repo}/edit/{branch}/{src}/{source}` when `git-repository-url` is set; each path
/// segment percent-encoded.
fn edit_url(builder: &Builder, source: &str) -> Option<String> {
    let repo = builder.config.git_repository_url.as_deref()?;
    let mut url = format!("{repo}/edit/{}", urls::encode_segment(&builder.config.git_branch));
    let src = builder.config.src_display.as_str();
    for segment in src.split('/').chain(source.split('/')).filter(|s| !s.is_empty() && *s != ".") {
        url.push('/');
        url.push_str(&urls::encode_segment(segment));
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::links::{Backlink, LinkGraph};
    use crate::model::RenderedDoc;
    use crate::site::{Site, SiteInput};
    use scraper::{Html, Selector};
    use std::path::Path;

    #[test]
    fn relation_fields_are_not_repeated_on_the_card() {
        assert!(is_card_key("Related PRD"));
        assert!(is_card_key("superseded_by"));
        assert!(is_card_key("Authors"));
        assert!(!is_card_key("Team"));
    }

    fn doc(source: &str, id: &str, status: Option<&str>) -> Doc {
        Doc {
            source: source.into(),
            id: id.into(),
            numbered: true,
            listed: true,
            kind: Some("TRD".into()),
            title: format!("Title of {id}"),
            status: status.map(String::from),
            status_raw: status.map(String::from),
            authors: vec![],
            reviewers: vec![],
            created: None,
            updated: None,
            version: None,
            fields: Default::default(),
            refs: Default::default(),
            body: String::new(),
            diagnostics: vec![],
        }
    }

    fn link(relation: Relation, written: &str, target: Option<usize>, declared: bool) -> Link {
        Link { relation, written: written.into(), target, anchor: None, line: Some(3), declared }
    }

    /// Builds the site of three docs: `old` (0, superseded by `new`), `new` (1), `prd` (2).
    fn site_with(outgoing: Vec<Vec<Link>>, incoming: Vec<Vec<Backlink>>) -> Site {
        let config = Config::default_at(Path::new("/nonexistent-portal"));
        let docs = vec![
            doc("trd/old.md", "TRD-0010", Some("superseded")),
            doc("trd/new.md", "TRD-0011", Some("approved")),
            doc("prd/p.md", "TRD-0012", None),
        ];
        let (index, _) = crate::index::build(docs, &config);
        let graph = LinkGraph { outgoing, incoming, ..Default::default() };
        let rendered = vec![RenderedDoc::default(); index.len()];
        let theme = crate::theme::load(&config).unwrap();
        let input = SiteInput {
            config: &config,
            index: &index,
            graph: &graph,
            rendered: &rendered,
            theme: &theme,
            diagnostics: &[],
        };
        let (site, diags) = crate::site::build(&input);
        assert!(diags.is_empty(), "{diags:?}");
        site
    }

    fn page(site: &Site, path: &str) -> Html {
        Html::parse_document(&String::from_utf8_lossy(site.files.get(path).expect(path)))
    }

    fn hrefs(html: &Html, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).unwrap();
        html.select(&sel).filter_map(|a| a.value().attr("href").map(String::from)).collect()
    }

    #[test]
    fn supersession_declared_on_one_side_shows_on_both_pages() {
        let outgoing = vec![
            vec![],
            vec![link(Relation::Supersedes, "TRD-10", Some(0), true), link(Relation::Related, "PRD-0999", None, true)],
            vec![],
        ];
        let incoming = vec![vec![Backlink { relation: Relation::Supersedes, from: 1 }], vec![], vec![]];
        let site = site_with(outgoing, incoming);

        let old = page(&site, "trd/old.html");
        assert_eq!(hrefs(&old, ".banner-superseded a.doclink"), ["new.html"]);
        assert_eq!(hrefs(&old, "#referenced-by a.doclink"), ["new.html"]);

        let new = page(&site, "trd/new.html");
        assert_eq!(hrefs(&new, ".banner-supersedes a.doclink"), ["old.html"]);
        assert!(new.select(&Selector::parse(".banner-superseded").unwrap()).next().is_none());
        let unresolved: Vec<String> =
            new.select(&Selector::parse(".link-list .unresolved").unwrap()).map(|e| e.text().collect()).collect();
        assert_eq!(unresolved, ["PRD-0999"], "an unresolved reference is shown, not linked");
        assert!(hrefs(&new, ".link-list a").iter().all(|h| !h.contains("0999")));
    }

    #[test]
    fn mirrored_supersession_names_each_successor_once() {
        let outgoing = vec![
            vec![link(Relation::SupersededBy, "TRD-0011", Some(1), false)],
            vec![link(Relation::Supersedes, "TRD-0010", Some(0), true)],
            vec![],
        ];
        let incoming = vec![
            vec![Backlink { relation: Relation::Supersedes, from: 1 }],
            vec![Backlink { relation: Relation::SupersededBy, from: 0 }],
            vec![],
        ];
        let site = site_with(outgoing, incoming);
        assert_eq!(hrefs(&page(&site, "trd/old.html"), ".banner-superseded a.doclink"), ["new.html"]);
        assert_eq!(hrefs(&page(&site, "trd/new.html"), ".banner-supersedes a.doclink"), ["old.html"]);
    }

    #[test]
    fn a_doc_without_links_gets_no_neighbourhood_graph_and_no_mermaid() {
        let site = site_with(vec![vec![], vec![], vec![]], vec![vec![], vec![], vec![]]);
        let raw = String::from_utf8_lossy(&site.files["prd/p.html"]).into_owned();
        assert!(!raw.contains("neighbourhood"), "no graph for an unlinked doc");
        assert!(!raw.contains("mermaid"), "no Mermaid script for an unlinked doc");
        assert!(!raw.contains("banner"), "an unset status is not a supersession");
    }
}
