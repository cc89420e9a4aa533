//! Real-world repository styles: builds fixture portals written the way public
//! design-doc collections are (adr-tools ADRs, Swift Evolution, EIPs, KEPs, Rust RFCs,
//! and a grab-bag of other forms) and checks the bar from docs.json and the dashboard:
//! no panic, every doc that states a status gets the one expected, every unresolved
//! in-repository reference is reported on its line, and the dashboard groups listed
//! docs exactly as docs.json does.
//!
//! Each fixture under `tests/fixtures/realworld-*/` holds the hand-written odd cases;
//! the bulk (several hundred docs in all) is written into the temp copy by a small
//! deterministic generator per style below, which also says what each doc should
//! parse to. Nothing is random: the same docs on every run.

mod common;

use common::{build_in, fixture_copy, texts, Build};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What a doc should come out as. `status: None` means the doc states no status.
struct Expect {
    source: String,
    status: Option<&'static str>,
    title: Option<String>,
    id: Option<String>,
}

impl Expect {
    fn new(source: impl Into<String>, status: Option<&'static str>) -> Expect {
        Expect { source: source.into(), status, title: None, id: None }
    }
    fn title(mut self, title: impl Into<String>) -> Expect {
        self.title = Some(title.into());
        self
    }
    fn id(mut self, id: impl Into<String>) -> Expect {
        self.id = Some(id.into());
        self
    }
}

/// A tiny deterministic sequence (a 64-bit LCG), so generated docs vary but never change.
struct Seq(u64);

impl Seq {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create folder");
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

const PEOPLE: [&str; 8] =
    ["Ada Park", "Bo Chen", "Cleo Diaz", "Dev Rao", "Eun Seo", "Finn Walsh", "Gia Russo", "Hal Moreau"];
const TOPICS: [&str; 10] = [
    "caching",
    "queues",
    "auth tokens",
    "schema migrations",
    "rate limits",
    "feature flags",
    "observability",
    "retries",
    "pagination",
    "tenancy",
];

// ---------------------------------------------------------------------------------------
// Generators: each writes docs into `root` (the portal folder) and returns expectations.

/// adr-tools: `# N. Title`, `Date:`, `## Status` with `Superseded by [..](..)` and
/// `Supersedes` lines, some `✅ Accepted`.
fn generate_adr(root: &Path, count: usize) -> Vec<Expect> {
    let mut seq = Seq(7);
    let mut out = Vec::new();
    let name = |n: usize| format!("{n:04}-decision-{n}.md");
    for n in 1..=count {
        let topic = TOPICS[seq.next(TOPICS.len())];
        let title = format!("Decide on {topic} ({n})");
        let superseded = n > 4 && n % 9 == 0 && n < count;
        let (status_text, status) = if superseded {
            (format!("Superseded by [{}. Next](0{:03}-decision-{}.md)", n + 1, n + 1, n + 1), "superseded")
        } else {
            match seq.next(5) {
                0 => ("Proposed".to_string(), "proposed"),
                1 => ("✅ Accepted".to_string(), "accepted"),
                2 => ("Deprecated".to_string(), "deprecated"),
                _ => ("Accepted".to_string(), "accepted"),
            }
        };
        let mut text = format!(
            "# {n}. {title}\n\nDate: 2020-{:02}-{:02}\n\n## Status\n\n{status_text}\n\n",
            1 + n % 12,
            1 + n % 28
        );
        if n > 1 && (n - 1) % 9 == 0 && n - 1 > 4 {
            text.push_str(&format!("Supersedes [{}. Previous]({})\n\n", n - 1, name(n - 1)));
        }
        text.push_str("## Context\n\n");
        text.push_str(&format!("We need a rule for {topic}. "));
        if n > 2 {
            let earlier = 1 + seq.next(n - 1);
            text.push_str(&format!("This follows ADR-{earlier:04} and [decision {earlier}]({}).", name(earlier)));
        }
        if n % 25 == 0 {
            text.push_str(" It also cites ADR-0999, which was never written.");
        }
        text.push_str("\n\n## Decision\n\nWe will do it.\n\n## Consequences\n\nSome.\n");
        let source = format!("doc/adr/{}", name(n));
        write(root, &format!("content/{source}"), &text);
        out.push(Expect::new(source, Some(status)).title(title).id(format!("ADR-{n:04}")));
    }
    out
}

/// Swift Evolution: `* Proposal: [SE-NNNN](..)`, `* Status: **Implemented (Swift 5.5)**`.
fn generate_swift(root: &Path, count: usize) -> Vec<Expect> {
    let mut seq = Seq(11);
    let mut out = Vec::new();
    for n in 1..=count {
        let (written, status) = match seq.next(8) {
            0 => (format!("Implemented (Swift 5.{})", n % 10), "implemented"),
            1 => ("Accepted".to_string(), "accepted"),
            2 => ("Accepted with revisions".to_string(), "accepted"),
            3 => ("Rejected".to_string(), "rejected"),
            4 => ("Awaiting review".to_string(), "in-review"),
            5 => ("Returned for revision".to_string(), "returned-for-revision"),
            6 => ("Withdrawn".to_string(), "withdrawn"),
            _ => (format!("Implemented (Swift 4.{})", n % 3), "implemented"),
        };
        let topic = TOPICS[seq.next(TOPICS.len())];
        let a = PEOPLE[seq.next(PEOPLE.len())];
        let b = PEOPLE[seq.next(PEOPLE.len())];
        let title = format!("Language support for {topic} {n}");
        let file = format!("{n:04}-proposal-{n}.md");
        let mut text = format!(
            "# {title}\n\n* Proposal: [SE-{n:04}]({file})\n* Authors: [{a}](https://github.com/a{n}), [{b}](https://github.com/b{n})\n* Review Manager: [{b}](https://github.com/b{n})\n* Status: **{written}**\n"
        );
        if n > 3 && n % 4 == 0 {
            text.push_str(&format!("* Previous Proposal: [SE-{:04}]({:04}-proposal-{}.md)\n", n - 3, n - 3, n - 3));
        }
        text.push_str(&format!(
            "* Implementation: [swiftlang/swift#{}](https://github.com/swiftlang/swift/pull/{})\n\n## Introduction\n\n",
            40_000 + n,
            40_000 + n
        ));
        if n > 1 {
            let earlier = 1 + seq.next(n - 1);
            text.push_str(&format!(
                "Extends SE-{earlier:04}; see also [SE-{earlier:04}]({earlier:04}-proposal-{earlier}.md). "
            ));
        }
        if n % 30 == 0 {
            text.push_str("A future SE-0998 will follow.");
        }
        text.push_str("\n\n## Motivation\n\nCode is clearer.\n");
        let source = format!("proposals/{file}");
        write(root, &format!("content/{source}"), &text);
        out.push(Expect::new(source, Some(status)).title(title).id(format!("SE-{n:04}")));
    }
    out
}

/// EIPs: YAML front-matter with `eip:`, `status:`, `requires:` (numbers, as a list or a
/// comma-separated string), `created:`; `eip-N.md` files; links `./eip-N.md`.
fn generate_eip(root: &Path, count: usize) -> Vec<Expect> {
    let mut seq = Seq(13);
    let mut numbers: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let mut n = 1;
    for i in 0..count {
        let (written, status) = match seq.next(9) {
            0 => ("Draft", "draft"),
            1 => ("Review", "in-review"),
            2 => ("Last Call", "in-review"),
            3 => ("Stagnant", "stagnant"),
            4 => ("Withdrawn", "withdrawn"),
            5 => ("Living", "living"),
            _ => ("Final", "final"),
        };
        let topic = TOPICS[seq.next(TOPICS.len())];
        let title = format!("Standard for {topic} {n}");
        let mut text = format!(
            "---\neip: {n}\ntitle: {title}\ndescription: Defines {topic}\nauthor: {} (@p{n}), {} <p{n}@example.org>\ndiscussions-to: https://forum.example.org/t/{n}\nstatus: {written}\ntype: Standards Track\ncategory: Core\ncreated: 20{:02}-{:02}-{:02}\n",
            PEOPLE[seq.next(PEOPLE.len())],
            PEOPLE[seq.next(PEOPLE.len())],
            15 + i % 9,
            1 + i % 12,
            1 + i % 28
        );
        let mut body = String::from("\n## Abstract\n\n");
        if numbers.len() > 2 {
            let r1 = numbers[seq.next(numbers.len())];
            let r2 = numbers[seq.next(numbers.len())];
            if i % 2 == 0 {
                text.push_str(&format!("requires: {r1}, {r2}\n"));
            } else {
                text.push_str(&format!("requires:\n  - {r1}\n"));
            }
            body.push_str(&format!("Uses [EIP-{r1}](./eip-{r1}.md) and EIP-{r2}. "));
        }
        if i % 40 == 39 {
            body.push_str("Compare [the draft](./eip-99999.md).");
        }
        text.push_str("---\n");
        text.push_str(&body);
        text.push_str("\n\n## Specification\n\nMUST and SHOULD as in RFC 2119.\n");
        let source = format!("EIPS/eip-{n}.md");
        write(root, &format!("content/{source}"), &text);
        out.push(Expect::new(source, Some(status)).title(title).id(format!("EIP-{n:04}")));
        numbers.push(n);
        n += 1 + seq.next(60);
    }
    out
}

const SIGS: [&str; 5] = ["sig-apps", "sig-network", "sig-node", "sig-storage", "sig-auth"];

fn kep_folder(n: usize) -> String {
    format!("{}/{n:04}-enhancement-{n}", SIGS[n % SIGS.len()])
}

/// KEPs: a folder per doc with `README.md` and `kep.yaml` (status, stage, see-also from
/// the repository root, replaces), links between folders.
fn generate_kep(root: &Path, count: usize) -> Vec<Expect> {
    let mut seq = Seq(17);
    let mut out = Vec::new();
    for n in 1..=count {
        let (written, status) = match seq.next(6) {
            0 => ("provisional", "proposed"),
            1 => ("implementable", "approved"),
            2 => ("implemented", "implemented"),
            3 => ("deferred", "deferred"),
            4 => ("withdrawn", "withdrawn"),
            _ => ("implementable", "approved"),
        };
        let folder = kep_folder(n);
        let topic = TOPICS[seq.next(TOPICS.len())];
        let title = format!("Enhance {topic} {n}");
        let mut yaml = format!(
            "title: {title}\nkep-number: {n}\nauthors:\n  - \"@{}\"\nowning-sig: {}\nstatus: {written}\ncreation-date: 2022-{:02}-{:02}\nreviewers:\n  - \"@{}\"\napprovers:\n  - \"@{}\"\n",
            PEOPLE[seq.next(PEOPLE.len())].to_lowercase().replace(' ', ""),
            SIGS[n % SIGS.len()],
            1 + n % 12,
            1 + n % 28,
            PEOPLE[seq.next(PEOPLE.len())].to_lowercase().replace(' ', ""),
            PEOPLE[seq.next(PEOPLE.len())].to_lowercase().replace(' ', ""),
        );
        let mut readme = format!(
            "# KEP-{n}: {title}\n\n<!-- toc -->\n- [Summary](#summary)\n- [Motivation](#motivation)\n<!-- /toc -->\n\n## Summary\n\n"
        );
        if n > 2 {
            let other = 1 + seq.next(n - 1);
            yaml.push_str(&format!("see-also:\n  - \"/keps/{}\"\n", kep_folder(other)));
            let rel = if SIGS[n % SIGS.len()] == SIGS[other % SIGS.len()] {
                format!("../{n2:04}-enhancement-{n2}", n2 = other)
            } else {
                format!("../../{}", kep_folder(other))
            };
            readme.push_str(&format!("Related to [KEP-{other}]({rel}) and KEP-{other}. "));
        }
        if n % 20 == 0 {
            yaml.push_str("replaces:\n  - \"/keps/sig-apps/0404-gone\"\n");
        }
        yaml.push_str(&format!(
            "stage: {}\nlatest-milestone: \"v1.{}\"\n",
            ["alpha", "beta", "stable"][n % 3],
            20 + n % 10
        ));
        readme.push_str("\n\n## Motivation\n\nUsers asked.\n\n### Goals\n\nFewer surprises.\n");
        write(root, &format!("keps/{folder}/kep.yaml"), &yaml);
        write(root, &format!("keps/{folder}/README.md"), &readme);
        out.push(Expect::new(format!("{folder}/README.md"), Some(status)).title(title).id(format!("KEP-{n:04}")));
    }
    out
}

/// Rust RFCs: `- Feature Name:` / `- Start Date:` header lists, H1 sections, no status.
fn generate_rfcs(root: &Path, count: usize) -> Vec<Expect> {
    let mut seq = Seq(19);
    let mut out = Vec::new();
    for n in 1..=count {
        let feature = format!("{}_{n}", TOPICS[seq.next(TOPICS.len())].replace(' ', "_"));
        let mut text = format!(
            "- Feature Name: `{feature}`\n- Start Date: 2016-{:02}-{:02}\n- RFC PR: [rust-lang/rfcs#{n}](https://github.com/rust-lang/rfcs/pull/{n})\n- Rust Issue: [rust-lang/rust#{}](https://github.com/rust-lang/rust/issues/{})\n\n# Summary\n[summary]: #summary\n\n",
            1 + n % 12,
            1 + n % 28,
            30_000 + n,
            30_000 + n
        );
        if n > 1 {
            let earlier = 1 + seq.next(n - 1);
            text.push_str(&format!("Builds on RFC {earlier} ([RFC {earlier}]({earlier:04}-feature-{earlier}.md)). "));
        }
        if n % 33 == 0 {
            text.push_str("Unlike [the lost RFC](9999-lost.md). ");
        }
        text.push_str(
            "\n\n# Motivation\n[motivation]: #motivation\n\nErgonomics.\n\n# Guide-level explanation\n\nUse it.\n",
        );
        let source = format!("text/{n:04}-feature-{n}.md");
        write(root, &format!("content/{source}"), &text);
        out.push(Expect::new(source, None).title(feature).id(format!("RFC-{n:04}")));
    }
    out
}

// ---------------------------------------------------------------------------------------
// The checks

/// Builds a fixture (after `generate` adds its docs) and checks the bar. Returns the
/// build and `(listed docs, with status, relations, resolved)` for the report line.
fn build_and_check(name: &str, docs_dir: &str, generate: impl Fn(&Path) -> Vec<Expect>, hand: Vec<Expect>) -> Build {
    let dir = fixture_copy(name);
    let mut expects = generate(dir.path());
    expects.extend(hand);
    let build = build_in(dir);
    assert!(
        !build.run.stderr.contains("panicked") && build.run.code != 101,
        "{name}: docportal crashed (exit {}):\n{}",
        build.run.code,
        build.run.stderr
    );
    assert!(build.run.code == 0 || build.run.code == 1, "{name}: exit {}\n{}", build.run.code, build.run.stderr);

    for e in &expects {
        let doc = build.doc_at(&e.source);
        assert_eq!(doc["status"].as_str(), e.status, "{name}: status of {} (raw {:?})", e.source, doc["status_raw"]);
        if let Some(t) = &e.title {
            assert_eq!(doc["title"].as_str(), Some(t.as_str()), "{name}: title of {}", e.source);
        }
        if let Some(id) = &e.id {
            assert_eq!(doc["id"].as_str(), Some(id.as_str()), "{name}: id of {}", e.source);
        }
    }

    // Every unresolved reference is reported: on its line, or (from a sidecar file)
    // naming the target.
    for doc in build.docs() {
        let source = doc["source"].as_str().unwrap_or_default();
        for r in doc["relations"].as_array().into_iter().flatten().filter(|r| r["resolved"] == false) {
            let target = r["target"].as_str().unwrap_or_default();
            let reported = build.diagnostics().iter().any(|d| {
                d["source"] == source
                    && d["line"] == r["line"]
                    && d["message"].as_str().is_some_and(|m| m.contains(&format!("`{target}`")))
            });
            assert!(reported, "{name}: unresolved `{target}` of {source} (line {}) not reported", r["line"]);
        }
    }

    // Every diagnostic also reaches stderr as `path:line: severity: message`.
    for d in build.diagnostics() {
        let line = d["line"].as_u64().map(|l| format!(":{l}")).unwrap_or_default();
        let shown = match d["source"].as_str() {
            Some("") | None => {
                format!("{}: {}", d["severity"].as_str().unwrap_or(""), d["message"].as_str().unwrap_or(""))
            }
            Some(s) => format!(
                "{docs_dir}/{s}{line}: {}: {}",
                d["severity"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            ),
        };
        assert!(build.run.stderr.contains(&shown), "{name}: stderr lacks `{shown}`");
    }

    check_dashboard(name, &build);
    report(name, &build);
    build
}

/// The dashboard's total, status tiles and kind tiles count exactly the listed docs.
fn check_dashboard(name: &str, build: &Build) {
    let listed: Vec<&Value> = build.docs().iter().filter(|d| d["listed"] == true).collect();
    let page = build.page("index.html");
    let total: Vec<String> = texts(&page, ".stats .stat-n");
    assert_eq!(total.first().map(String::as_str), Some(listed.len().to_string().as_str()), "{name}: dashboard total");

    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for d in &listed {
        *by_status.entry(d["status"].as_str().unwrap_or("~none").to_string()).or_default() += 1;
    }
    let mut expected: Vec<usize> = by_status.values().copied().collect();
    let mut shown: Vec<usize> =
        texts(&page, "#by-status .tile-n").iter().map(|t| t.trim().parse().expect("tile count")).collect();
    expected.sort_unstable();
    shown.sort_unstable();
    assert_eq!(shown, expected, "{name}: status tiles vs docs.json {by_status:?}");
    let labels = texts(&page, "#by-status .tile-l");
    assert_eq!(labels.len(), by_status.len(), "{name}: one tile per status");

    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for d in &listed {
        *by_kind.entry(d["kind"].as_str().unwrap_or("Other").to_string()).or_default() += 1;
    }
    let tiles: BTreeMap<String, usize> = texts(&page, "#by-kind .tile-l")
        .into_iter()
        .zip(texts(&page, "#by-kind .tile-n"))
        .map(|(k, n)| (k.trim().to_string(), n.trim().parse().expect("tile count")))
        .collect();
    assert_eq!(tiles, by_kind, "{name}: kind tiles");

    let rows = texts(&build.page("docs.html"), "tbody tr").len();
    assert_eq!(rows, listed.len(), "{name}: docs table rows are the listed docs");
}

/// One line per fixture for the closing note: docs with a status, references resolved.
fn report(name: &str, build: &Build) {
    let listed: Vec<&Value> = build.docs().iter().filter(|d| d["listed"] == true).collect();
    let with_status = listed.iter().filter(|d| !d["status"].is_null()).count();
    let relations: Vec<&Value> =
        build.docs().iter().flat_map(|d| d["relations"].as_array().into_iter().flatten()).collect();
    let resolved = relations.iter().filter(|r| r["resolved"] == true).count();
    let mut missing: Vec<&str> =
        relations.iter().filter(|r| r["resolved"] == false).filter_map(|r| r["target"].as_str()).collect();
    missing.sort_unstable();
    missing.dedup();
    eprintln!("REPORT {name}: unresolved targets (all planted in the fixture): {missing:?}");
    eprintln!(
        "REPORT {name}: {} docs listed ({} pages), status {with_status}/{} = {:.0}%, references resolved {resolved}/{} = {:.1}%",
        listed.len(),
        build.docs().len(),
        listed.len(),
        100.0 * with_status as f64 / listed.len().max(1) as f64,
        relations.len(),
        100.0 * resolved as f64 / relations.len().max(1) as f64
    );
}

fn diag_containing<'a>(build: &'a Build, source: &str, needle: &str) -> Option<&'a Value> {
    build
        .diagnostics()
        .iter()
        .find(|d| d["source"] == source && d["message"].as_str().is_some_and(|m| m.contains(needle)))
}

// ---------------------------------------------------------------------------------------
// The fixture repositories

#[test]
fn adr_tools_log_reads_status_sections_tables_and_front_matter() {
    let hand = vec![
        Expect::new("doc/adr/0061-metadata-table-without-header.md", Some("accepted"))
            .title("Keep metadata in a table"),
        Expect::new("doc/adr/0062-empty-header-row.md", Some("proposed")),
        Expect::new("doc/adr/0063-metadata-value-table.md", Some("rejected")),
        Expect::new("doc/adr/0064-setext-title.md", Some("deprecated")).title("Prefer setext titles").id("ADR-0064"),
        Expect::new("doc/adr/0065-alert-before-title.md", Some("accepted")).title("Cache sessions in Redis"),
        Expect::new("doc/adr/0066-date-and-authors-sections.md", Some("accepted")),
        Expect::new("doc/adr/0067-diagrams-and-references.md", Some("accepted")),
        Expect::new("doc/adr/0068-old-queue.md", Some("superseded")),
        Expect::new("doc/adr/0069-new-queue.md", Some("accepted")),
        Expect::new("doc/adr/0070-front-matter-keys.md", Some("accepted")).id("ADR-0070"),
    ];
    let build = build_and_check("realworld-adr", "content", |root| generate_adr(root, 60), hand);

    let sections = build.doc_at("doc/adr/0066-date-and-authors-sections.md");
    assert_eq!(sections["created"], "2021-06-01");
    assert_eq!(sections["authors"], serde_json::json!(["Dana Li", "Eli Moss"]));
    let table = build.doc_at("doc/adr/0061-metadata-table-without-header.md");
    assert_eq!(table["authors"], serde_json::json!(["Ana Ruiz", "Ben Ode"]));
    let old = build.doc_at("doc/adr/0068-old-queue.md");
    assert_eq!(build.relations(old, "superseded_by")[0]["target"], "ADR-0069");

    // README and template are pages, not entries.
    for source in ["doc/adr/README.md", "doc/adr/template.md"] {
        assert_eq!(build.doc_at(source)["listed"], false, "{source}");
        assert!(build.site().join(source.replace(".md", ".html")).is_file());
    }
    assert!(build.diags("doc/adr/template.md", "warning").is_empty(), "a template's placeholders are not warned about");

    // The image and the PDF are copied and not reported; the missing doc is, on its line.
    let diagrams = "doc/adr/0067-diagrams-and-references.md";
    assert!(build.site().join("doc/adr/images/architecture.png").is_file());
    assert!(build.site().join("doc/adr/files/deck.pdf").is_file());
    assert!(diag_containing(&build, diagrams, "architecture.png").is_none());
    let line = build.line_of(diagrams, "[the old cache");
    assert!(build.expect_diag(diagrams, line, "warning").contains("0099-never-written.md"));
    // `/doc/adr/README.md` is read from the repository root; `[ADR 65][sessions]` through its definition.
    let targets: Vec<&str> =
        build.relations(build.doc_at(diagrams), "mentions").iter().filter_map(|r| r["target"].as_str()).collect();
    assert!(targets.contains(&"doc-adr-readme") && targets.contains(&"ADR-0065"), "{targets:?}");
}

#[test]
fn swift_evolution_header_lists_and_extended_statuses() {
    let hand = vec![
        Expect::new("proposals/0901-returned-proposal.md", Some("returned-for-revision")).id("SE-0901"),
        Expect::new("proposals/0902-withdrawn-proposal.md", Some("withdrawn")),
        Expect::new("proposals/0903-active-review.md", Some("in-review")).title("Regex literals, revised"),
        Expect::new("proposals/0904-previewing.md", Some("previewing")),
        Expect::new("proposals/0905-previewing-too.md", Some("previewing")),
    ];
    let build = build_and_check("realworld-swift", "content", |root| generate_swift(root, 120), hand);
    let active = build.doc_at("proposals/0903-active-review.md");
    assert_eq!(active["status_raw"], "Active review (January 5...19, 2024)");
    assert_eq!(active["authors"], serde_json::json!(["Sam Hu", "Tia Roy"]));
    // One warning for the unknown status shared by two docs, none for the extended ones.
    let unknown: Vec<&Value> = build
        .diagnostics()
        .iter()
        .filter(|d| d["message"].as_str().is_some_and(|m| m.starts_with("unknown status")))
        .collect();
    assert_eq!(unknown.len(), 1, "{unknown:#?}");
    assert!(unknown[0]["message"].as_str().unwrap_or("").contains("`Previewing`"));
    assert_eq!(build.doc_at("proposal-templates/0000-swift-template.md")["listed"], false);
    let returned = build.doc_at("proposals/0901-returned-proposal.md");
    let related: Vec<&Value> = build.relations(returned, "related");
    assert_eq!(related[0]["target"], "SE-0012", "`Previous Proposal` is a relation");
}

#[test]
fn eip_front_matter_numbers_lists_and_assets() {
    let hand = vec![
        Expect::new("EIPS/eip-7001.md", Some("draft")).id("EIP-7001"),
        Expect::new("EIPS/eip-7002.md", Some("in-review")),
        Expect::new("EIPS/eip-7003.md", Some("living")),
    ];
    let build = build_and_check("realworld-eip", "content", |root| generate_eip(root, 150), hand);
    let impossible = build.doc_at("EIPS/eip-7001.md");
    assert!(impossible["created"].is_null(), "month 14 is not guessed");
    build.expect_diag("EIPS/eip-7001.md", build.line_of("EIPS/eip-7001.md", "created:"), "warning");
    // `requires: 1, 9999`: bare numbers of the doc's own kind.
    let required: Vec<(&str, bool)> = build
        .relations(impossible, "related")
        .iter()
        .map(|r| (r["target"].as_str().unwrap_or(""), r["resolved"] == true))
        .collect();
    assert_eq!(required, [("EIP-0001", true), ("EIP-9999", false)]);
    assert!(build.site().join("assets/eip-7002/flow.png").is_file(), "linked image copied");
    let assets = "EIPS/eip-7002.md";
    assert!(diag_containing(&build, assets, "flow.png").is_none());
    assert!(diag_containing(&build, assets, "missing.svg").is_some());
    assert_eq!(build.doc_at("eip-template.md")["listed"], false);
    assert_eq!(build.doc_at("README.md")["listed"], false);
}

#[test]
fn kep_folders_with_sidecar_metadata_and_root_links() {
    let hand = vec![
        Expect::new("sig-network/9001-odd-dates/README.md", Some("approved")).id("KEP-9001"),
        Expect::new("sig-node/9002-replaces-old/README.md", Some("implemented"))
            .id("KEP-9002")
            .title("Replace an older enhancement"),
    ];
    let build = build_and_check("realworld-kep", "keps", |root| generate_kep(root, 80), hand);
    let replaces = build.doc_at("sig-node/9002-replaces-old/README.md");
    assert_eq!(replaces["authors"], serde_json::json!(["bo", "cy"]));
    assert_eq!(replaces["created"], "2024-01-15");
    assert_eq!(replaces["updated"], "2024-05-01");
    let supersedes: Vec<&Value> = build.relations(replaces, "supersedes");
    assert_eq!(supersedes[0]["target"], "KEP-0001", "`/keps/...` is read from the repository root");
    assert_eq!(supersedes[0]["resolved"], true);
    // The invalid date is reported in kep.yaml, at its line; the missing see-also names kep.yaml.
    let odd = "sig-network/9001-odd-dates";
    let date = build.diagnostics().iter().find(|d| d["source"] == format!("{odd}/kep.yaml"));
    assert_eq!(date.map(|d| d["line"].clone()), Some(serde_json::json!(7)), "{:#?}", build.diagnostics());
    assert!(diag_containing(&build, &format!("{odd}/README.md"), "kep.yaml line").is_some());
    // The template folder and the index README are pages, not entries.
    assert_eq!(build.doc_at("NNNN-kep-template/README.md")["listed"], false);
    assert_eq!(build.doc_at("README.md")["listed"], false);
}

#[test]
fn rust_rfcs_header_lists_without_status_and_section_h1s() {
    let hand = vec![
        Expect::new("text/3001-no-feature-name.md", None).title("No feature name").id("RFC-3001"),
        Expect::new("text/3002-nested-authors.md", None).title("nested_lists"),
    ];
    let build = build_and_check("realworld-rfcs", "content", |root| generate_rfcs(root, 100), hand);
    let nested = build.doc_at("text/3002-nested-authors.md");
    assert_eq!(nested["authors"], serde_json::json!(["Ida Vos", "Jon Lee"]));
    assert_eq!(nested["created"], "2021-03-04");
    let mentions: Vec<&str> = build.relations(nested, "mentions").iter().filter_map(|r| r["target"].as_str()).collect();
    assert!(mentions.contains(&"RFC-3001") && mentions.contains(&"9998-missing.md"), "{mentions:?}");
    let no_name = build.doc_at("text/3001-no-feature-name.md");
    assert!(build.relations(no_name, "mentions").iter().any(|r| r["target"] == "RFC-0002"), "reference definition");
    assert_eq!(build.doc_at("0000-template.md")["listed"], false);
}

#[test]
fn mixed_forms_sidecars_stage_and_status_vocabularies() {
    let hand = vec![
        Expect::new("grpc/A27-xds-global-load-balancing.md", Some("final"))
            .id("A-0027")
            .title("xDS-Based Global Load Balancing"),
        Expect::new("grpc/A28-stable-status.md", Some("stable")),
        Expect::new("stage-only.md", Some("beta")).title("Only a stage"),
        Expect::new("mapped-status.md", Some("approved")),
        Expect::new("unknown-1.md", Some("parked")),
        Expect::new("unknown-2.md", Some("parked")),
        Expect::new("unknown-3.md", Some("parked")),
        Expect::new("experimental-feature.md", Some("experimental")).title("experimental_thing"),
        Expect::new("no-heading-at-all.md", Some("implemented")).title("No heading at all"),
        Expect::new("design/0001-folder-yaml/README.md", Some("accepted")).id("DESIGN-0001"),
        Expect::new("design/0002-folder-json/README.md", Some("withdrawn"))
            .id("DESIGN-0002")
            .title("Folder doc with JSON metadata"),
        Expect::new("id-typed.md", Some("accepted")).id("ADR-0007"),
    ];
    let build = build_and_check("realworld-mixed", "content", |_| Vec::new(), hand);
    let unknown: Vec<&Value> = build
        .diagnostics()
        .iter()
        .filter(|d| d["message"].as_str().is_some_and(|m| m.starts_with("unknown status")))
        .collect();
    assert_eq!(unknown.len(), 1, "one warning for three docs: {unknown:#?}");
    assert!(unknown[0]["message"].as_str().unwrap_or("").contains("2 other docs"));
    let stage = build.doc_at("stage-only.md");
    assert_eq!(stage["authors"], serde_json::json!(["Oli Pratt", "Pia Sand"]));
    assert!(stage["relations"].as_array().is_some_and(Vec::is_empty), "`n/a` and `TBD` are no references");
    let yaml = build.doc_at("design/0001-folder-yaml/README.md");
    assert_eq!(yaml["authors"], serde_json::json!(["Rae Kim"]));
    assert_eq!(build.relations(yaml, "related")[0]["target"], "DESIGN-0002");
    let mapped = build.doc_at("mapped-status.md");
    assert!(build.relations(mapped, "mentions").iter().any(|r| r["target"] == "DESIGN-0002"), "folder link");
    assert!(build.site().join("design/0001-folder-yaml/diagram.png").is_file());
    let json = build.doc_at("design/0002-folder-json/README.md");
    assert_eq!(build.relations(json, "supersedes")[0]["target"], "DESIGN-0001");
    let a28 = build.doc_at("grpc/A28-stable-status.md");
    assert!(build.relations(a28, "mentions").iter().any(|r| r["target"] == "A-0027" && r["resolved"] == true));
    assert_eq!(build.doc_at("drafts/scratch.md")["listed"], false, "custom exclude-from-index");
    assert_eq!(build.doc_at("README.md")["listed"], false);
}

/// Targets of a doc's relations of one type, with whether each resolved.
fn targets<'a>(build: &'a Build, doc: &'a Value, kind: &str) -> Vec<(&'a str, bool)> {
    build.relations(doc, kind).iter().map(|r| (r["target"].as_str().unwrap_or(""), r["resolved"] == true)).collect()
}

#[test]
fn grpc_proposals_with_letter_ids_from_a_kind_pattern() {
    let hand = vec![
        Expect::new("A1-http-connect-proxy-support.md", Some("implemented")).id("gRFC-A1"),
        Expect::new("A6-client-retries.md", Some("implemented")).id("gRFC-A6").title("gRPC Retry Design"),
        Expect::new("A27-xds-global-load-balancing.md", Some("final"))
            .id("gRFC-A27")
            .title("xDS-Based Global Load Balancing"),
        Expect::new("A28-xds-traffic-splitting-and-routing.md", Some("implemented")).id("gRFC-A28"),
        Expect::new("A31-xds-timeout-support.md", Some("in-review")).id("gRFC-A31"),
        Expect::new("L5-node-client-interceptors.md", Some("approved")).id("gRFC-L5"),
        Expect::new("G1-true-binary-metadata.md", Some("draft")).id("gRFC-G1"),
        Expect::new("P4-grpc-web-protocol.md", Some("implemented")).id("gRFC-P4").title("gRPC-Web Protocol Notes"),
        Expect::new("GRFC-TEMPLATE.md", None),
    ];
    let build = build_and_check("realworld-grpc", "content", |_| Vec::new(), hand);
    for doc in build.docs().iter().filter(|d| d["listed"] == true) {
        assert_eq!(doc["kind"], "gRFC", "the kind keeps its spelling: {}", doc["source"]);
    }

    // `gRFC A1` in prose; `[A6](A6-client-retries.md)`; nothing from the code block.
    let a27 = build.doc_at("A27-xds-global-load-balancing.md");
    assert_eq!(targets(&build, a27, "mentions"), [("gRFC-A1", true), ("gRFC-A6", true)]);
    // `[gRFC A27][A27]` through its definition, a bare `A6`; `gRFC-A99` and a missing
    // file are reported on their lines.
    let a28 = "A28-xds-traffic-splitting-and-routing.md";
    let mut mentions = targets(&build, build.doc_at(a28), "mentions");
    mentions.sort_unstable();
    assert_eq!(mentions, [("A98-never-written.md", false), ("gRFC-A27", true), ("gRFC-A6", true), ("gRFC-A99", false)]);
    assert!(build.expect_diag(a28, build.line_of(a28, "gRFC-A99"), "warning").contains("`gRFC-A99`"));
    assert!(build.expect_diag(a28, build.line_of(a28, "A98-never"), "warning").contains("A98-never-written.md"));
    // Bare `A27 and A28` in prose, not the one in a code span.
    let a31 = build.doc_at("A31-xds-timeout-support.md");
    assert_eq!(targets(&build, a31, "mentions"), [("gRFC-A27", true), ("gRFC-A28", true)]);
    // `See also: gRFC G1, A6` in the header list; `gRFC L4` names nothing here and is prose.
    let l5 = build.doc_at("L5-node-client-interceptors.md");
    assert_eq!(targets(&build, l5, "related"), [("gRFC-G1", true), ("gRFC-A6", true)]);
    assert!(targets(&build, l5, "mentions").is_empty());
    // `P4` resolves; `A4 paper` is not an id of this portal and is not reported.
    let g1 = "G1-true-binary-metadata.md";
    assert_eq!(targets(&build, build.doc_at(g1), "mentions"), [("gRFC-P4", true)]);
    assert!(diag_containing(&build, g1, "A4").is_none());
    // Lower case with a hyphen: `grfc-a27`.
    assert_eq!(targets(&build, build.doc_at("P4-grpc-web-protocol.md"), "mentions"), [("gRFC-A27", true)]);
    let back: Vec<&str> = a27["referenced_by"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for from in ["gRFC-A28", "gRFC-A31", "gRFC-P4"] {
        assert!(back.contains(&from), "{from} in {back:?}");
    }

    // The page links the bare ids in prose to their docs, and leaves `A4 paper` alone.
    let page = build.page("A31-xds-timeout-support.html");
    let selector = scraper::Selector::parse("a.xref").unwrap();
    let hrefs: Vec<&str> = page.select(&selector).filter_map(|a| a.value().attr("href")).collect();
    assert!(hrefs.contains(&"A27-xds-global-load-balancing.html"), "{hrefs:?}");
    assert!(hrefs.contains(&"A28-xds-traffic-splitting-and-routing.html"), "{hrefs:?}");
    let g1_page = build.page("G1-true-binary-metadata.html");
    let xrefs: Vec<String> = g1_page.select(&selector).map(|a| a.text().collect()).collect();
    assert_eq!(xrefs, ["P4"]);
    assert_eq!(build.doc_at("README.md")["listed"], false);
}

#[test]
fn a_bad_kind_pattern_stops_the_build_naming_book_toml_and_its_line() {
    let dir = fixture_copy("realworld-grpc");
    let book = dir.path().join("book.toml");
    let text = std::fs::read_to_string(&book).unwrap().replace("\"[AGLP]{n}\"", "\"[AGLP]\\\\d+\"");
    std::fs::write(&book, &text).unwrap();
    let line = text.lines().position(|l| l.starts_with("id = ")).unwrap() + 1;
    let build = build_in(dir);
    assert_eq!(build.run.code, 2, "{}", build.run.stderr);
    assert!(
        build.run.stderr.contains(&format!("book.toml:{line}: error: [portal.kind.gRFC] id pattern")),
        "{}",
        build.run.stderr
    );
}
