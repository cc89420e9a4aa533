//! The whole per-doc path on arbitrary bytes: decode → metadata → references → index →
//! links → render → docs.json, search files and graph data. Anything that panics here
//! would panic on a user's file; a live `<script` in the output would run in a reader's
//! browser.
#![no_main]

use docportal::config::Config;
use docportal::{discover, index, links, render, search, site};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static CONFIG: LazyLock<Config> = LazyLock::new(|| Config::default_at(Path::new("/fuzz")));

fuzz_target!(|data: &[u8]| {
    let config = &*CONFIG;
    let file =
        discover::decode(PathBuf::from("/fuzz/content/adr/ADR-0001-x.md"), "adr/ADR-0001-x.md".into(), data.to_vec());
    let doc = docportal::parse::parse(&file, config);
    // A second doc with the same text under another id, so references between docs resolve.
    let mut other = doc.clone();
    other.source = "trd/TRD-0002-y.md".into();
    other.id = "TRD-0002".into();
    let (index, _) = index::build(vec![doc, other], config);
    let (graph, _) = links::build(&index, config);
    let mut rendered = Vec::new();
    for pos in 0..index.len() {
        let out = render::render(&index, &graph, pos, config);
        assert!(!out.html.contains("<script"), "user text became a live script element");
        rendered.push(out);
    }
    let json = site::docs_json::render(&index, &graph, &[], config);
    assert!(serde_json::from_slice::<serde_json::Value>(&json).is_ok(), "docs.json is not JSON");
    assert!(!json.windows(2).any(|w| w == b"</"), "docs.json can close an inline script");
    for (name, bytes) in search::build(&index, &rendered, config) {
        assert!(!bytes.windows(2).any(|w| w == b"</"), "search file {name} can close an inline script");
    }
    for focus in [None, Some(0)] {
        let graph_text = links::graph_mermaid(&index, &graph, focus, "graph.html");
        assert!(!graph_text.contains('<'), "graph data carries a raw `<`");
    }
});
