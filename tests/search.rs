//! Search end to end: the real binary builds a fixture portal, and the real client
//! (`search.js`, minified and source) answers queries against it under node; a larger
//! generated index checks that a query loads only the shards its terms fall in.
//! Tests that need node print a note and pass when node is not installed.

mod common;

use docportal::model::{Doc, RenderedDoc};
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn node_available() -> bool {
    let ok = Command::new("node").arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("note: node is not installed; skipping the JS client test");
    }
    ok
}

fn run_node(args: &[&Path]) {
    let out = Command::new("node")
        .arg(manifest_dir().join("tests/js/search.test.mjs"))
        .args(args)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "node failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds a copy of the fixture in `tmp/portal` (its render cache must not land in the
/// repository) to `tmp/site`, and returns the site's folder.
fn build_fixture(tmp: &Path) -> PathBuf {
    let portal = tmp.join("portal");
    common::copy_dir(&common::fixture_dir("search-basic"), &portal);
    let out = tmp.join("site");
    let status = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .arg("build")
        .arg(&portal)
        .arg("--dest-dir")
        .arg(&out)
        .status()
        .expect("docportal runs");
    assert!(status.code() == Some(0) || status.code() == Some(1), "build failed: {status}");
    assert!(out.join("search/manifest.js").is_file(), "the build wrote the search manifest");
    out
}

/// Words whose stems the JS stemmer must reproduce: every word of the fixture plus
/// each common English suffix on a few bases.
fn stem_word_list() -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let content = manifest_dir().join("tests/fixtures/search-basic/content");
    for entry in walk(&content) {
        let text = std::fs::read_to_string(entry).expect("fixture readable");
        words.extend(docportal::search::text::words(&text).into_iter().map(|w| w.lower));
    }
    let bases = ["relat", "condit", "hop", "general", "electr", "control", "happ", "agre", "feed", "sens", "troubl"];
    let suffixes = [
        "", "s", "es", "ed", "ing", "ation", "ational", "ness", "ful", "fulness", "ly", "li", "ize", "izer", "ization",
        "ement", "ment", "ence", "enci", "ance", "able", "ible", "abli", "ive", "iveness", "ous", "ousli", "al",
        "ality", "aliti", "alism", "ism", "iti", "er", "ic", "ical", "icate", "iciti", "ative", "alize", "y", "ies",
        "eed", "sses", "ll", "e", "ate", "ator", "bli", "ent", "entli", "eli",
    ];
    for b in bases {
        for s in suffixes {
            words.push(format!("{b}{s}"));
        }
    }
    words.sort();
    words.dedup();
    words
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir readable").flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn js_client_ranks_ids_titles_phrases_typos_prefixes_and_facets_on_the_fixture() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = build_fixture(tmp.path());
    if !node_available() {
        return;
    }
    let pairs: Vec<(String, String)> =
        stem_word_list().into_iter().map(|w| (w.clone(), docportal::search::stem::stem(&w))).collect();
    let stems = tmp.path().join("stems.json");
    std::fs::write(&stems, serde_json::to_string(&pairs).expect("json")).expect("write");
    run_node(&[Path::new("fixture"), &site, &stems, &manifest_dir().join("src/search/client.js")]);
}

#[test]
fn search_files_keep_script_titles_inert() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = build_fixture(tmp.path());
    let mut saw_title = false;
    for file in walk(&site.join("search")) {
        let text = std::fs::read_to_string(&file).expect("readable");
        assert!(!text.contains('<') && !text.contains('>'), "{} has raw markup characters", file.display());
        // The call's argument list is JSON (number, headings, docs); the title must come
        // back unchanged.
        if let Some(args) = text.strip_prefix("docportalSearch.group(") {
            let args = args.trim_end().trim_end_matches(';').trim_end_matches(')');
            let value: serde_json::Value = serde_json::from_str(&format!("[{args}]")).expect("group data is JSON");
            saw_title |= value[2].as_array().expect("docs array").iter().any(|doc| {
                doc[1].as_str().is_some_and(|t| t.ends_with(r#"<script>alert("x")</script> & "quotes" in titles"#))
            });
        }
    }
    assert!(saw_title, "the hostile title survives the round trip");
}

fn synthetic_doc(n: usize, words: &[String]) -> (Doc, RenderedDoc) {
    let id = format!("ADR-{n:04}");
    let statuses = ["approved", "draft", "rejected"];
    let doc = Doc {
        source: format!("adr/{id}.md"),
        id: id.clone(),
        numbered: true,
        listed: true,
        kind: Some(if n % 2 == 0 { "ADR" } else { "TRD" }.into()),
        title: if n == 7 {
            "Decision everywhere".into()
        } else {
            format!("Decision {} {}", words[n % words.len()], words[(n * 7) % words.len()])
        },
        status: Some(statuses[n % 3].into()),
        status_raw: None,
        authors: vec![format!("Author {}", n % 5)],
        reviewers: vec![],
        created: None,
        updated: None,
        version: None,
        fields: Default::default(),
        refs: Default::default(),
        body: String::new(),
        diagnostics: vec![],
    };
    // A deterministic spread of vocabulary, one word every doc has, and one word only
    // doc 42 has.
    let mut state = n as u64 * 2_654_435_761 + 1;
    let mut text: Vec<&str> = (0..300)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            words[(state >> 33) as usize % words.len()].as_str()
        })
        .collect();
    text.push("everywhere");
    if n == 42 {
        text.push("quixotic");
    }
    (doc, RenderedDoc { text: text.join(" "), ..Default::default() })
}

#[test]
fn a_query_loads_only_the_shards_of_its_terms_and_common_words_match_titles() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (config, _) = docportal::config::from_str(tmp.path(), "").expect("default config");
    let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bo", "du", "fe"];
    let vocabulary: Vec<String> = (0..3000)
        .map(|i| format!("{}{}{}", syllables[i % 12], syllables[(i / 12) % 12], syllables[(i / 144) % 12]))
        .collect();
    let (docs, rendered): (Vec<Doc>, Vec<RenderedDoc>) = (1..=600).map(|n| synthetic_doc(n, &vocabulary)).unzip();
    assert!(docs.len() >= docportal::search::PRUNE_MIN_DOCS, "large enough to prune common words");
    let (index, _) = docportal::index::build(docs, &config);
    // index::build sorts by id; the synthetic ids are already in order, so rendered lines up.
    let files = docportal::search::build(&index, &rendered, &config);
    let site = tmp.path().join("site");
    for (path, bytes) in &files {
        let full = site.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, bytes).expect("write");
    }
    let manifest = String::from_utf8(files["search/manifest.js"].clone()).expect("utf8");
    let json = &manifest[manifest.find('(').expect("call") + 1..manifest.rfind(')').expect("call")];
    let manifest: serde_json::Value = serde_json::from_str(json).expect("manifest JSON");
    let firsts: Vec<&str> =
        manifest["shards"].as_array().expect("shards").iter().map(|v| v.as_str().expect("term")).collect();
    let shard = |term: &str| docportal::search::shard_of(&firsts, term);
    let expect = serde_json::json!({
        "client": manifest_dir().join("src/search/client.js"),
        "cases": [
            { "query": "quixotic ", "first": "ADR-0042", "shards": [shard("quixot")], "count": 1 },
            { "query": "ADR-0042", "first": "ADR-0042", "shards": [shard("adr-0042"), shard("adr")] },
            { "query": "", "filters": { "status": "draft" }, "first": "ADR-0001", "shards": [], "count": 200,
              "facetCounts": [["status", "approved", 200], ["author", "Author 1", 40], ["kind", "TRD", 100]] },
            { "query": "", "filters": { "status": "draft", "author": "Author 1" }, "first": "ADR-0001", "shards": [],
              "count": 40, "facetCounts": [["author", "Author 2", 40], ["status", "approved", 40]] },
            // In every body: only the doc with it in its title is listed.
            { "query": "everywhere ", "first": "ADR-0007", "shards": [shard("everywher")], "count": 1 },
        ]
    });
    if !node_available() {
        return;
    }
    let expect_file = tmp.path().join("expect.json");
    std::fs::write(&expect_file, expect.to_string()).expect("write");
    run_node(&[Path::new("shards"), &site, &expect_file]);
}
