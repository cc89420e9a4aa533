use super::mermaid::MAX_EDGES;
use super::*;
use crate::config::Config;
use crate::index::{self, Index};
use crate::model::{Doc, MetaField, RawRef, Relation};
use std::path::Path;

fn config() -> Config {
    Config::default_at(Path::new("/p"))
}

pub(super) fn doc(source: &str, id: &str, body: &str) -> Doc {
    let kind = crate::ids::kind_of(id, &config().kinds).map(str::to_string);
    Doc {
        source: source.into(),
        id: id.into(),
        numbered: kind.is_some(),
        listed: true,
        kind,
        title: format!("Title of {id}"),
        status: None,
        status_raw: None,
        authors: vec![],
        reviewers: vec![],
        created: None,
        updated: None,
        version: None,
        fields: Default::default(),
        refs: crate::parse::body_refs::scan(body, &config()).into(),
        body: body.into(),
        diagnostics: vec![],
    }
}

fn meta(relation: Relation, target: &str, field: &str, line: u32) -> RawRef {
    RawRef { relation, target: target.into(), label: None, line: Some(line), field: Some(field.into()) }
}

fn with_meta(mut d: Doc, mut refs: Vec<RawRef>) -> Doc {
    refs.extend(d.refs.iter().cloned());
    d.refs = refs.into();
    d
}

fn with_status(mut d: Doc, status: &str, line: u32) -> Doc {
    d.status = Some(status.to_lowercase());
    d.status_raw = Some(status.into());
    d.fields = d
        .fields
        .iter()
        .cloned()
        .chain([MetaField { key: "status".into(), label: "Status".into(), value: status.into(), line }])
        .collect();
    d
}

fn index_of(docs: Vec<Doc>) -> Index {
    index::build(docs, &config()).0
}

fn pos(index: &Index, id: &str) -> usize {
    index.find_id(id).unwrap_or_else(|| panic!("no doc {id}"))
}

fn messages(diags: &[crate::diag::Diagnostic]) -> Vec<String> {
    let mut m: Vec<String> =
        diags.iter().map(|d| format!("{}:{}: {}", d.source, d.line.unwrap_or(0), d.message)).collect();
    m.sort();
    m
}

fn sample() -> Index {
    index_of(vec![
        doc("adr/ADR-0007-cache.md", "ADR-0007", "# Cache\n\n## Context\n\n## Decision Outcome\n"),
        doc("prd/PRD-0040-search.md", "PRD-0040", "## Goals\n"),
        doc("specs/x/prd.md", "specs-x-prd", "## Scope\n"),
        doc("trd/TRD-0101-limiter.md", "TRD-0101", ""),
        doc("trd/deep/notes file.md", "trd-deep-notes-file", ""),
    ])
}

// ---------------------------------------------------------------------------------
// resolve

#[test]
fn ids_resolve_in_any_spelling() {
    let index = sample();
    let from = pos(&index, "TRD-0101");
    let adr = pos(&index, "ADR-0007");
    for written in ["ADR-0007", "ADR-7", "adr-0007", "ADR 7", "adr_7", " ADR-007 "] {
        assert_eq!(resolve(&index, from, written), Some((adr, None)), "{written}");
    }
    assert_eq!(resolve(&index, from, "specs-x-prd"), Some((pos(&index, "specs-x-prd"), None)));
    assert_eq!(resolve(&index, from, "ADR-0008"), None);
}

#[test]
fn paths_resolve_from_the_doc_the_docs_folder_and_the_project_root() {
    let index = sample();
    let from = pos(&index, "TRD-0101");
    let prd = pos(&index, "PRD-0040");
    let spec = pos(&index, "specs-x-prd");
    assert_eq!(resolve(&index, from, "../prd/PRD-0040-search.md"), Some((prd, None)));
    assert_eq!(resolve(&index, from, "prd/PRD-0040-search.md"), Some((prd, None)));
    assert_eq!(resolve(&index, from, "/prd/PRD-0040-search.md"), Some((prd, None)));
    // Seed 004 writes project-root paths whatever the docs folder is called.
    assert_eq!(resolve(&index, from, "docs/specs/x/prd.md"), Some((spec, None)));
    assert_eq!(resolve(&index, from, "content/specs/x/prd.md#scope"), Some((spec, Some("scope".into()))));
    assert_eq!(resolve(&index, from, "./deep/notes%20file.md"), Some((pos(&index, "trd-deep-notes-file"), None)));
    assert_eq!(resolve(&index, from, "<../prd/PRD-0040-search.md>"), Some((prd, None)));
}

#[test]
fn anchors_are_split_off_and_percent_decoded() {
    let index = sample();
    let from = pos(&index, "TRD-0101");
    let adr = pos(&index, "ADR-0007");
    assert_eq!(
        resolve(&index, from, "../adr/ADR-0007-cache.md#decision%20outcome"),
        Some((adr, Some("decision outcome".into())))
    );
    assert_eq!(resolve(&index, from, "#local"), Some((from, Some("local".into()))));
}

#[test]
fn climbing_above_the_docs_folder_resolves_to_nothing() {
    let index = sample();
    let from = pos(&index, "TRD-0101");
    assert_eq!(resolve(&index, from, "../../prd/PRD-0040-search.md"), None);
    assert_eq!(resolve(&index, from, "../../../etc/passwd.md"), None);
}

#[test]
fn project_root_stripping_never_drops_a_docs_folder() {
    // `prd/specs/x/prd.md` is a docs-relative path that is missing; it must not be
    // mistaken for a project-root path to `specs/x/prd.md`.
    let index = sample();
    let from = pos(&index, "TRD-0101");
    assert_eq!(resolve(&index, from, "prd/specs/x/prd.md"), None);
}

#[test]
fn urls_and_file_names_alone_do_not_resolve() {
    let index = sample();
    let from = pos(&index, "TRD-0101");
    assert_eq!(resolve(&index, from, "https://x.io/prd/PRD-0040-search.md"), None);
    assert_eq!(resolve(&index, from, "//x.io/prd.md"), None);
    assert_eq!(resolve(&index, from, "PRD-0040-search.md"), None);
}

// ---------------------------------------------------------------------------------
// build

#[test]
fn metadata_relation_wins_over_a_body_mention_of_the_same_target() {
    let trd = with_meta(
        doc("trd/TRD-0101-limiter.md", "TRD-0101", "Body mentions ADR-7 and PRD-40 and ADR-7 again.\n"),
        vec![meta(Relation::Related, "ADR-0007", "Related ADR", 3)],
    );
    let index = index_of(vec![trd, doc("adr/a.md", "ADR-0007", ""), doc("prd/p.md", "PRD-0040", "")]);
    let (graph, diags) = build(&index, &config());
    assert!(diags.is_empty(), "{:?}", messages(&diags));
    let from = pos(&index, "TRD-0101");
    let out: Vec<(Relation, Option<usize>, Option<u32>)> =
        graph.outgoing[from].iter().map(|l| (l.relation, l.target, l.line)).collect();
    assert_eq!(
        out,
        [
            (Relation::Related, Some(pos(&index, "ADR-0007")), Some(3)),
            (Relation::Mentions, Some(pos(&index, "PRD-0040")), Some(1))
        ]
    );
}

#[test]
fn supersessions_are_mirrored_on_the_other_side() {
    let new = with_meta(doc("adr/b.md", "ADR-0002", ""), vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 4)]);
    let other =
        with_meta(doc("adr/c.md", "ADR-0003", ""), vec![meta(Relation::SupersededBy, "ADR-0004", "Superseded by", 5)]);
    let index = index_of(vec![doc("adr/a.md", "ADR-0001", ""), new, other, doc("adr/d.md", "ADR-0004", "")]);
    let (graph, _) = build(&index, &config());
    let (a, b, c, d) = (pos(&index, "ADR-1"), pos(&index, "ADR-2"), pos(&index, "ADR-3"), pos(&index, "ADR-4"));
    let mirrored = &graph.outgoing[a][0];
    assert_eq!(
        (mirrored.relation, mirrored.target, mirrored.declared, mirrored.line),
        (Relation::SupersededBy, Some(b), false, None)
    );
    assert!(graph.outgoing[b][0].declared);
    let mirrored = &graph.outgoing[d][0];
    assert_eq!((mirrored.relation, mirrored.target, mirrored.declared), (Relation::Supersedes, Some(c), false));
    assert_eq!(supersession(&graph, a), Supersession { successors: vec![b], predecessors: vec![] });
    assert_eq!(supersession(&graph, b), Supersession { successors: vec![], predecessors: vec![a] });
    assert_eq!(supersession(&graph, d).predecessors, vec![c]);
    // Backlinks exist on both sides, whichever side declared.
    assert_eq!(graph.incoming[a], vec![Backlink { relation: Relation::Supersedes, from: b }]);
    assert_eq!(graph.incoming[b], vec![Backlink { relation: Relation::SupersededBy, from: a }]);
}

#[test]
fn a_supersession_declared_on_both_sides_is_not_doubled() {
    let a = with_meta(doc("adr/a.md", "ADR-0001", ""), vec![meta(Relation::SupersededBy, "ADR-2", "Superseded by", 2)]);
    let b = with_meta(doc("adr/b.md", "ADR-0002", ""), vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 2)]);
    let index = index_of(vec![a, b]);
    let (graph, diags) = build(&index, &config());
    assert!(diags.is_empty());
    assert!(graph.outgoing.iter().all(|links| links.len() == 1 && links[0].declared));
}

#[test]
fn backlinks_are_grouped_by_relation_then_source() {
    let target = doc("adr/t.md", "ADR-0009", "");
    let x = with_meta(doc("trd/x.md", "TRD-0002", "See ADR-9."), vec![]);
    let y = with_meta(doc("trd/y.md", "TRD-0001", ""), vec![meta(Relation::Related, "ADR-9", "Related ADR", 2)]);
    let z = doc("prd/z.md", "PRD-0001", "per ADR-0009");
    let index = index_of(vec![target, x, y, z]);
    let (graph, _) = build(&index, &config());
    let t = pos(&index, "ADR-9");
    let got: Vec<(Relation, &str)> =
        graph.incoming[t].iter().map(|b| (b.relation, index.docs[b.from].id.as_str())).collect();
    assert_eq!(
        got,
        [(Relation::Related, "TRD-0001"), (Relation::Mentions, "PRD-0001"), (Relation::Mentions, "TRD-0002")]
    );
    let groups = backlinks_by_relation(&graph, t);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[1].1.len(), 2);
}

#[test]
fn unresolved_ids_warn_once_with_a_suggestion_and_every_line() {
    let trd = doc("trd/t.md", "TRD-0001", "ADR-0070 here\nand ADR-70 there\n\nand adr-0070.\n");
    let index = index_of(vec![trd, doc("adr/a.md", "ADR-0007", "")]);
    let (graph, diags) = build(&index, &config());
    assert_eq!(
        messages(&diags),
        ["trd/t.md:1: unresolved reference `ADR-0070` (no doc has this id; did you mean `ADR-0007`?); also on lines 2, 4"]
    );
    let from = pos(&index, "TRD-1");
    assert_eq!(graph.outgoing[from].len(), 1);
    assert_eq!(graph.outgoing[from][0].target, None);
}

#[test]
fn same_number_under_another_kind_is_suggested() {
    let trd = with_meta(doc("trd/t.md", "TRD-0001", ""), vec![meta(Relation::Related, "ADR-0040", "Related PRD", 6)]);
    let index = index_of(vec![trd, doc("prd/p.md", "PRD-0040", "")]);
    let (_, diags) = build(&index, &config());
    assert_eq!(
        messages(&diags),
        ["trd/t.md:6: unresolved reference `ADR-0040` in `Related PRD` (no doc has this id; did you mean `PRD-0040`?)"]
    );
}

#[test]
fn loosely_written_ids_that_resolve_nowhere_are_prose() {
    let trd = doc("trd/t.md", "TRD-0001", "Per RFC 2119, MUST means must. ADR 7 is real.\n");
    let index = index_of(vec![trd, doc("adr/a.md", "ADR-0007", "")]);
    let (graph, diags) = build(&index, &config());
    assert!(diags.is_empty(), "{:?}", messages(&diags));
    assert_eq!(graph.outgoing[pos(&index, "TRD-1")].len(), 1);
}

#[test]
fn missing_files_warn_with_the_link_to_write() {
    let trd = doc("trd/t.md", "TRD-0001", "See [search](../prd/PRD-0040-serch.md) and [x](../nope.md).\n");
    let index = index_of(vec![trd, doc("prd/PRD-0040-search.md", "PRD-0040", "")]);
    let (_, diags) = build(&index, &config());
    assert_eq!(
        messages(&diags),
        [
            "trd/t.md:1: link to missing file `../nope.md`",
            "trd/t.md:1: link to missing file `../prd/PRD-0040-serch.md` (did you mean `../prd/PRD-0040-search.md`?)",
        ]
    );
}

#[test]
fn links_that_climb_out_of_the_docs_folder_are_named() {
    let trd = doc("trd/t.md", "TRD-0001", "[up](../../README.md)\n");
    let (_, diags) = build(&index_of(vec![trd]), &config());
    assert_eq!(messages(&diags), ["trd/t.md:1: link `../../README.md` points outside the docs folder"]);
}

#[test]
fn missing_anchors_list_nearby_headings() {
    let adr = doc("adr/a.md", "ADR-0007", "## Context\n\n## Decision Outcome\n\n## Consequences\n");
    let trd = doc(
        "trd/t.md",
        "TRD-0001",
        "[ok](../adr/a.md#context) [top](../adr/a.md#title-of-adr-0007) [gh](../adr/a.md#adr-0007-title-of-adr-0007)\n[typo](../adr/a.md#decision-outcom)\n[far](../adr/a.md#zzzzzzzzzz)\n\n## Local\n\n[self](#locl)\n",
    );
    let index = index_of(vec![adr, trd]);
    let (graph, diags) = build(&index, &config());
    assert_eq!(
        messages(&diags),
        [
            "trd/t.md:2: `adr/a.md` has no heading `#decision-outcom` (did you mean `#decision-outcome`?)",
            "trd/t.md:3: `adr/a.md` has no heading `#zzzzzzzzzz` (its headings: `#context`, `#decision-outcome`, `#consequences`)",
            "trd/t.md:7: no heading `#locl` in this doc (did you mean `#local`?)",
        ]
    );
    // One link per target; the first anchor is kept; self links are not links.
    let out = &graph.outgoing[pos(&index, "TRD-1")];
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].anchor.as_deref(), Some("context"));
}

#[test]
fn metadata_naming_the_doc_itself_warns_but_prose_does_not() {
    let adr = with_meta(
        doc("adr/a.md", "ADR-0007", "This is ADR-0007, see [me](a.md).\n"),
        vec![meta(Relation::Supersedes, "ADR-7", "Supersedes", 3)],
    );
    let index = index_of(vec![adr]);
    let (graph, diags) = build(&index, &config());
    assert_eq!(messages(&diags), ["adr/a.md:3: `Supersedes` refers to this doc itself"]);
    assert!(graph.outgoing[0].is_empty() && graph.incoming[0].is_empty());
}

#[test]
fn supersedes_cycles_name_the_chain_once() {
    let a = with_meta(doc("adr/a.md", "ADR-0001", ""), vec![meta(Relation::Supersedes, "ADR-2", "Supersedes", 2)]);
    let b = with_meta(doc("adr/b.md", "ADR-0002", ""), vec![meta(Relation::Supersedes, "ADR-3", "Supersedes", 2)]);
    let c = with_meta(doc("adr/c.md", "ADR-0003", ""), vec![meta(Relation::SupersededBy, "ADR-2", "Superseded by", 2)]);
    let d = with_meta(doc("adr/d.md", "ADR-0004", ""), vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 2)]);
    // ADR-3 is superseded by ADR-2 (declared twice) and also supersedes ADR-1: cycle 1 → 2 → 3 → 1.
    let c = with_meta(c, vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 3)]);
    let index = index_of(vec![a, b, c, d]);
    let (_, diags) = build(&index, &config());
    assert_eq!(messages(&diags), ["adr/a.md:2: supersedes cycle: ADR-0001 → ADR-0002 → ADR-0003 → ADR-0001"]);
}

#[test]
fn a_two_doc_cycle_is_reported() {
    let a = with_meta(doc("adr/a.md", "ADR-0001", ""), vec![meta(Relation::Supersedes, "ADR-2", "Supersedes", 5)]);
    let b = with_meta(doc("adr/b.md", "ADR-0002", ""), vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 6)]);
    let (_, diags) = build(&index_of(vec![a, b]), &config());
    assert_eq!(messages(&diags), ["adr/a.md:5: supersedes cycle: ADR-0001 → ADR-0002 → ADR-0001"]);
}

#[test]
fn a_superseded_doc_whose_status_disagrees_is_warned_once() {
    let old = with_status(doc("adr/a.md", "ADR-0001", ""), "Accepted", 4);
    let new1 = with_meta(doc("adr/b.md", "ADR-0002", ""), vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 2)]);
    let new2 = with_meta(doc("adr/c.md", "ADR-0003", ""), vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 2)]);
    let fine = with_status(doc("adr/d.md", "ADR-0004", ""), "Superseded", 3);
    let new3 = with_meta(doc("adr/e.md", "ADR-0005", ""), vec![meta(Relation::Supersedes, "ADR-4", "Supersedes", 2)]);
    // Superseded without a named successor is fine.
    let lonely = with_status(doc("adr/f.md", "ADR-0006", ""), "Superseded", 3);
    let (_, diags) = build(&index_of(vec![old, new1, new2, fine, new3, lonely]), &config());
    assert_eq!(messages(&diags), ["adr/a.md:4: superseded by ADR-0002, ADR-0003 but its status is `Accepted`"]);
}

#[test]
fn external_metadata_links_are_not_references() {
    let trd = with_meta(
        doc("trd/t.md", "TRD-0001", ""),
        vec![meta(Relation::Related, "https://notion.so/prd", "Related PRD", 2)],
    );
    let (graph, diags) = build(&index_of(vec![trd]), &config());
    assert!(diags.is_empty());
    assert!(graph.outgoing[0].is_empty());
}

#[test]
fn free_text_in_metadata_is_reported_as_unresolved() {
    let trd =
        with_meta(doc("trd/t.md", "TRD-0001", ""), vec![meta(Relation::Related, "Payments PRD", "Related PRD", 2)]);
    let (graph, diags) = build(&index_of(vec![trd]), &config());
    assert_eq!(
        messages(&diags),
        ["trd/t.md:2: unresolved reference `Payments PRD` in `Related PRD` (not an id or a path to a doc)"]
    );
    assert_eq!(graph.outgoing[0][0].written, "Payments PRD");
}

// ---------------------------------------------------------------------------------
// graph_mermaid

fn graph_sample() -> (Index, LinkGraph) {
    let mut evil = doc("adr/evil.md", "ADR-0001", "");
    evil.title = "Use \"quotes\" <script>alert(1)</script> #1; [x] `y`".into();
    evil.status = Some("in-review".into());
    let new = with_meta(
        doc("adr/new.md", "ADR-0002", "mentions TRD-1"),
        vec![meta(Relation::Supersedes, "ADR-1", "Supersedes", 2)],
    );
    let trd = with_meta(doc("trd/t.md", "TRD-0001", ""), vec![meta(Relation::Related, "ADR-2", "Related ADR", 2)]);
    let lonely = doc("notes.md", "notes", "");
    let index = index_of(vec![evil, new, trd, lonely]);
    let (graph, _) = build(&index, &config());
    (index, graph)
}

#[test]
fn mermaid_labels_cannot_break_out() {
    let (index, graph) = graph_sample();
    let src = graph_mermaid(&index, &graph, None, "graph.html");
    let node = src.lines().find(|l| l.contains("Use")).expect("evil node");
    assert_eq!(
        node.trim(),
        format!(
            "n{}[\"ADR-0001: Use #quot;quotes#quot; #lt;script#gt;alert(1)#lt;/script#gt; #35;1#59; [x] #96;y#96;\"]",
            pos(&index, "ADR-1")
        )
    );
    for line in src.lines() {
        assert!(!line.contains('<') && !line.contains('>') || line.contains("==>") || line.contains("-.->"), "{line}");
    }
}

#[test]
fn whole_graph_groups_by_kind_with_classes_and_relative_clicks() {
    let (index, graph) = graph_sample();
    let src = graph_mermaid(&index, &graph, None, "graph/index.html");
    let (evil, new, trd, notes) =
        (pos(&index, "ADR-1"), pos(&index, "ADR-2"), pos(&index, "TRD-1"), pos(&index, "notes"));
    assert!(src.starts_with("graph LR\n"));
    assert!(src.contains("  subgraph kind_ADR[\"ADR\"]\n"), "{src}");
    assert!(src.contains("  subgraph kind_TRD[\"TRD\"]\n"));
    assert!(src.contains("  subgraph kind_other[\"Other docs\"]\n"));
    assert!(src.contains(&format!("  n{new} ==> n{evil}\n")), "{src}");
    assert!(src.contains(&format!("  n{} --- n{}\n", new.min(trd), new.max(trd))), "{src}");
    // TRD-1 and ADR-2 are related and ADR-2 also mentions TRD-1: one edge, the stronger.
    assert!(!src.contains("-.->"), "{src}");
    assert!(src.contains(&format!("  class n{evil} statusInReview\n")));
    assert!(src.contains(&format!("  click n{evil} href \"../adr/evil.html\"\n")));
    assert!(src.contains(&format!("  click n{notes} href \"../notes.html\"\n")));
    assert!(src.contains("classDef statusInReview"));
}

#[test]
fn focused_graph_is_the_one_hop_neighbourhood_with_labels() {
    let (index, graph) = graph_sample();
    let (evil, new, trd) = (pos(&index, "ADR-1"), pos(&index, "ADR-2"), pos(&index, "TRD-1"));
    let src = graph_mermaid(&index, &graph, Some(evil), "adr/evil.html");
    assert!(src.contains(&format!("  n{new} ==>|supersedes| n{evil}\n")), "{src}");
    assert!(!src.contains(&format!("n{trd}[")), "{src}");
    assert!(src.contains(&format!("  style n{evil} stroke-width:3px")));
    assert!(src.contains(&format!("  click n{new} href \"new.html\"\n")));
    let src = graph_mermaid(&index, &graph, Some(new), "adr/new.html");
    assert!(src.contains(&format!("n{trd}[")) && src.contains(&format!("n{evil}[")));
    assert!(!src.contains("subgraph"));
}

#[test]
fn shared_node_labels_give_each_page_the_graph_it_would_get_alone() {
    let (index, graph) = graph_sample();
    let labels = NodeLabels::new(&index);
    let pages = [(Some(pos(&index, "ADR-1")), "adr/evil.html"), (Some(pos(&index, "ADR-2")), "adr/new.html")];
    for (focus, page) in pages.into_iter().chain([(None, "graph.html"), (Some(pos(&index, "TRD-1")), "trd/t.html")]) {
        assert_eq!(
            graph_mermaid_with(&labels, &graph, focus, page),
            graph_mermaid(&index, &graph, focus, page),
            "{page}"
        );
    }
}

#[test]
fn large_portals_leave_out_unconnected_docs_with_a_note() {
    let mut docs: Vec<Doc> =
        (1..=FULL_GRAPH_MAX_DOCS + 10).map(|n| doc(&format!("adr/{n}.md"), &format!("ADR-{n:04}"), "")).collect();
    docs.push(doc("trd/t.md", "TRD-0001", "See ADR-1 and ADR-2."));
    let index = index_of(docs);
    let (graph, _) = build(&index, &config());
    let src = graph_mermaid(&index, &graph, None, "graph.html");
    assert!(src.contains(&format!("  %% {} docs without relations are left out\n", FULL_GRAPH_MAX_DOCS + 8)), "{src}");
    assert_eq!(src.lines().filter(|l| l.contains("click ")).count(), 3);
    // Large graphs label nodes by id alone.
    assert!(src.contains(&format!("n{}[\"TRD-0001\"]", pos(&index, "TRD-1"))), "{src}");
}

#[test]
fn dense_mentions_give_way_to_metadata_relations_within_the_edge_budget() {
    let n = 70;
    let mut docs: Vec<Doc> = (1..=n)
        .map(|i| {
            let body: Vec<String> = (1..=n).filter(|j| *j != i).map(|j| format!("ADR-{j}")).collect();
            doc(&format!("adr/{i}.md"), &format!("ADR-{i:04}"), &body.join(" "))
        })
        .collect();
    docs.push(with_meta(doc("trd/t.md", "TRD-0001", ""), vec![meta(Relation::Related, "ADR-1", "Related ADR", 2)]));
    let index = index_of(docs);
    let (graph, _) = build(&index, &config());
    let src = graph_mermaid(&index, &graph, None, "graph.html");
    let pairs = n * (n - 1) / 2 + 1;
    let edges = src.lines().filter(|l| l.contains(" --- ") || l.contains(" -.-> ")).count();
    assert_eq!(edges, MAX_EDGES);
    assert!(src.contains(&format!("  %% {} relations left out (mentions first) to stay readable\n", pairs - MAX_EDGES)));
    let (trd, adr1) = (pos(&index, "TRD-1"), pos(&index, "ADR-1"));
    assert!(src.contains(&format!("  n{} --- n{}\n", adr1.min(trd), adr1.max(trd))), "{src}");
    // Around ADR-1: 69 mention pairs and one related doc; the related edge is kept.
    let focus = graph_mermaid(&index, &graph, Some(adr1), "adr/1.html");
    let edges = focus.lines().filter(|l| l.contains("|mentions|") || l.contains("|related|")).count();
    assert_eq!(edges, super::mermaid::FOCUS_MAX_EDGES);
    assert!(focus.contains("|related|"));
}

#[test]
fn status_classes_cover_canonical_and_other_statuses() {
    assert_eq!(mermaid::status_class(Some("in-progress")), "statusInProgress");
    assert_eq!(mermaid::status_class(Some("on-hold")), "statusOther");
    assert_eq!(mermaid::status_class(None), "statusNone");
}

#[test]
fn title_anchors_work_with_or_without_the_id_in_the_title() {
    assert_eq!(title_anchors("TRD-0101", "TRD-0101: Rate Limiter"), ["trd-0101-rate-limiter", "rate-limiter"]);
    assert_eq!(title_anchors("TRD-0101", "Rate Limiter"), ["trd-0101-rate-limiter", "rate-limiter"]);
}

#[test]
fn resolving_arbitrary_text_never_panics() {
    let index = sample();
    for written in [
        "",
        "#",
        "%",
        "%zz.md",
        "%ff%fe.md",
        "../",
        "/",
        "//",
        "..",
        "a/../../b.md#x",
        "<",
        "<>",
        "é/日本.md#ü",
        "ADR-",
        "ADR-9999999",
        "\u{0}",
        "docs/",
        "x.md?#",
        "?q",
        "C:\\docs\\x.md",
        "mailto:",
        "a:b",
    ] {
        for from in [0, index.len() - 1, index.len() + 5] {
            let _ = resolve(&index, from, written);
            let _ = resolve::Hints::new(&index).path(from, written);
        }
    }
}

#[test]
fn folder_links_name_the_doc_inside_and_rooted_paths_read_from_the_project_root() {
    // The test config's docs folder is `content` under the project root `/p`.
    let index = index_of(vec![
        doc("sig-x/1672-endpoints/README.md", "KEP-slug-a", ""),
        doc("sig-y/1234-other/README.md", "KEP-slug-b", ""),
    ]);
    let from = index.find_source("sig-y/1234-other/README.md").expect("doc");
    let target = index.find_source("sig-x/1672-endpoints/README.md");
    for written in [
        "../../sig-x/1672-endpoints",
        "../../sig-x/1672-endpoints/",
        "/content/sig-x/1672-endpoints",
        "/sig-x/1672-endpoints#summary",
    ] {
        assert_eq!(resolve(&index, from, written).map(|(pos, _)| pos), target, "{written}");
    }
    assert_eq!(resolve(&index, from, "../../sig-x/9999-missing"), None);
}

#[test]
fn links_to_missing_non_doc_files_are_reported_and_not_assets() {
    let index = index_of(vec![doc("a.md", "a", "![d](img/diagram.png) and [f](files/x.pdf)\n")]);
    let (graph, diags) = build(&index, &config());
    assert!(graph.assets.is_empty(), "nothing exists under /p/content");
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("img/diagram.png")) && messages.iter().any(|m| m.contains("files/x.pdf")),
        "{messages:?}"
    );
}

/// The links stage resolves docs in parallel: the graph and the warnings, in their
/// order, must not depend on how many threads there are or which doc ran first.
#[test]
fn links_resolved_in_parallel_come_out_as_on_one_thread() {
    let mut docs = Vec::new();
    for n in 0..240 {
        let id = format!("ADR-{:04}", n + 1);
        let body = format!(
            "# Title of {id}\n\n## Goals {n}\n\nSee ADR-{:04}, [the plan](adr-{:04}.md#goals-{}), \
             [gone](adr-{:04}.md#nowhere), ADR-{:04} and [a file](missing-{}.png).\n",
            (n * 7) % 240 + 1,
            (n * 13) % 240 + 1,
            (n * 13) % 240,
            (n * 5) % 240 + 1,
            n + 900,
            n % 3,
        );
        let mut d = doc(&format!("adr-{:04}.md", n + 1), &id, &body);
        if n % 4 == 0 {
            d = with_meta(
                d,
                vec![meta(Relation::Supersedes, &format!("ADR-{:04}", (n + 1) % 240 + 1), "Supersedes", 3)],
            );
        }
        docs.push(d);
    }
    let index = index_of(docs);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        let (graph, diags) = pool.install(|| build(&index, &config()));
        format!("{graph:?}\n{diags:?}")
    };
    let one = on(1);
    assert!(one.contains("has no heading `#nowhere`") && one.contains("ADR-0901"), "the fixture exercises warnings");
    for _ in 0..3 {
        assert_eq!(on(4), one);
    }
}
