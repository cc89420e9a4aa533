//! The link graph as other tools see it: `docportal build` on fixture portals, then
//! assertions on `docs.json` (`relations` with type, target, resolved flag and line;
//! `referenced_by`).

mod common;

use serde_json::Value;
use std::process::Command;

/// Builds a copy of a fixture (its render cache must not land in the repository) into
/// a temporary folder and returns its `docs.json`.
fn docs_json(name: &str) -> Value {
    let portal = common::fixture_copy(name);
    let out_dir = portal.path().join("site");
    let out = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .arg("build")
        .arg(portal.path())
        .arg("--dest-dir")
        .arg(&out_dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run docportal");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(out_dir.join("docs.json")).expect("docs.json written");
    serde_json::from_str(&text).expect("docs.json is JSON")
}

fn doc<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["docs"].as_array().and_then(|d| d.iter().find(|d| d["id"] == id)).unwrap_or_else(|| panic!("no doc {id}"))
}

/// `(type, target, resolved, line)` of each relation of a doc.
fn relations(json: &Value, id: &str) -> Vec<(String, String, bool, Option<u64>)> {
    doc(json, id)["relations"]
        .as_array()
        .map(|rels| {
            rels.iter()
                .map(|r| {
                    (
                        r["type"].as_str().unwrap_or_default().to_string(),
                        r["target"].as_str().unwrap_or_default().to_string(),
                        r["resolved"].as_bool().unwrap_or(false),
                        r["line"].as_u64(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn referenced_by(json: &Value, id: &str) -> Vec<String> {
    doc(json, id)["referenced_by"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn rel(kind: &str, target: &str, resolved: bool, line: Option<u64>) -> (String, String, bool, Option<u64>) {
    (kind.into(), target.into(), resolved, line)
}

#[test]
fn body_references_become_relations_once_per_target_in_document_order() {
    let json = docs_json("links-portal");
    assert_eq!(
        relations(&json, "TRD-0101"),
        [
            rel("mentions", "PRD-0040", true, Some(3)),
            rel("mentions", "ADR-0007", true, Some(3)),
            rel("mentions", "../specs/storage.md", false, Some(7)),
            rel("mentions", "ADR-0070", false, Some(9)),
            rel("mentions", "specs-search", true, Some(19)),
        ]
    );
    // `PRD 40` is loose prose but resolves, so it is a link.
    assert_eq!(
        relations(&json, "specs-search"),
        [rel("mentions", "PRD-0040", true, Some(3)), rel("mentions", "TRD-0101", true, Some(3))]
    );
}

#[test]
fn referenced_by_lists_every_doc_pointing_here() {
    let json = docs_json("links-portal");
    assert_eq!(referenced_by(&json, "PRD-0040"), ["TRD-0101", "specs-search"]);
    assert_eq!(referenced_by(&json, "TRD-0101"), ["ADR-0007", "specs-search"]);
    assert_eq!(referenced_by(&json, "ADR-0007"), ["TRD-0101"]);
}

#[test]
fn docs_json_carries_the_link_diagnostics() {
    let json = docs_json("links-portal");
    let messages: Vec<(&str, u64)> = json["diagnostics"]
        .as_array()
        .map(|d| d.iter().map(|d| (d["source"].as_str().unwrap_or(""), d["line"].as_u64().unwrap_or(0))).collect())
        .unwrap_or_default();
    let trd = "trd/TRD-0101-rate-limiter.md";
    assert_eq!(messages, [(trd, 7), (trd, 9), (trd, 11)]);
}

#[test]
fn supersessions_appear_on_both_sides() {
    let json = docs_json("links-supersedes");
    let line = relations(&json, "ADR-0002")[0].3;
    assert_eq!(relations(&json, "ADR-0002"), [rel("supersedes", "ADR-0001", true, line)]);
    assert_eq!(relations(&json, "ADR-0001"), [rel("superseded_by", "ADR-0002", true, None)]);
    assert_eq!(referenced_by(&json, "ADR-0001"), ["ADR-0002"]);
    assert_eq!(referenced_by(&json, "ADR-0002"), ["ADR-0001"]);
    assert!(relations(&json, "ADR-0005").is_empty());
}
