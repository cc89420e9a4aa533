//! `docs.json`: the portal's index for other tools, exactly as the design's contract says.
//!
//! Docs sorted by id; every relation with type, target, resolved flag and line;
//! `referenced_by`; and every diagnostic. Serialised with serde_json, so every user
//! string is JSON-escaped; `<`, `>` and `&` are escaped too so the file is safe to
//! inline in a page. Laid out as the contract shows it: a doc's fields one per line,
//! and each relation, each diagnostic and each list of names on a line of its own
//! (`{ "type": "related", "target": "PRD-0040", "resolved": true, "line": 12 }`), so a
//! `grep` for a target finds whole relations. At 10,000 docs the file has 0.5 million
//! lines where a fully indented one had 2.7 million, and 46 MB instead of 65.

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::links::LinkGraph;
use crate::urls;
use serde::Serialize;

/// Where in the site the file is.
pub const PATH: &str = "docs.json";

#[derive(Serialize)]
struct DocsJson<'a> {
    /// Only with `[output.html] build-info` / `--build-info`: a timestamp would make
    /// every build differ, so it is opt-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    generator: Option<Generator>,
    docs: Docs<'a>,
    diagnostics: Diags<'a>,
}

/// Every doc's entry, made as it is written: at 10,000 docs the entries (320,000
/// relations) were ~40 MiB when collected first.
struct Docs<'a> {
    index: &'a Index,
    graph: &'a LinkGraph,
}

impl Serialize for Docs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((0..self.index.docs.len()).map(|pos| doc_entry(self.index, self.graph, pos)))
    }
}

struct Diags<'a>(&'a [Diagnostic]);

impl Serialize for Diags<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0.iter().map(|d| {
                OneLine(DiagEntry { severity: d.severity, source: &d.source, line: d.line, message: &d.message })
            }),
        )
    }
}

/// A value written on one line inside the indented file ([`Spaced`] layout).
struct OneLine<T>(T);

impl<T: Serialize> Serialize for OneLine<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let mut text = Vec::new();
        self.0.serialize(&mut serde_json::Serializer::with_formatter(&mut text, Spaced)).map_err(S::Error::custom)?;
        let text = String::from_utf8(text).map_err(S::Error::custom)?;
        serde_json::value::RawValue::from_string(text).map_err(S::Error::custom)?.serialize(serializer)
    }
}

/// serde_json's compact layout with a space after each `:` and `,`, and inside braces.
struct Spaced;

/// The `, ` before every element or member but the first.
fn comma_unless_first<W: ?Sized + std::io::Write>(w: &mut W, first: bool) -> std::io::Result<()> {
    if first {
        Ok(())
    } else {
        w.write_all(b", ")
    }
}

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        comma_unless_first(w, first)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"{ ")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b" }")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        comma_unless_first(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

#[derive(Serialize)]
struct DocEntry<'a> {
    id: &'a str,
    kind: Option<&'a str>,
    title: &'a str,
    status: Option<&'a str>,
    status_raw: Option<&'a str>,
    authors: OneLine<&'a [String]>,
    created: Option<&'a str>,
    updated: Option<&'a str>,
    version: Option<&'a str>,
    source: &'a str,
    url: String,
    /// False for pages that are not entries of the status index (`exclude-from-index`).
    listed: bool,
    relations: Vec<OneLine<RelationEntry<'a>>>,
    referenced_by: OneLine<Vec<&'a str>>,
}

#[derive(Serialize)]
struct RelationEntry<'a> {
    #[serde(rename = "type")]
    relation: &'static str,
    /// The target's canonical id when resolved, else the target as written.
    target: &'a str,
    resolved: bool,
    line: Option<u32>,
}

#[derive(Serialize)]
struct DiagEntry<'a> {
    severity: crate::diag::Severity,
    source: &'a str,
    line: Option<u32>,
    message: &'a str,
}

/// The entry of the doc at `pos`.
fn doc_entry<'a>(index: &'a Index, graph: &'a LinkGraph, pos: usize) -> DocEntry<'a> {
    let d = &index.docs[pos];
    let relations = graph
        .outgoing
        .get(pos)
        .map(|links| {
            links
                .iter()
                .map(|l| {
                    OneLine(RelationEntry {
                        relation: l.relation.as_str(),
                        target: resolved_id(index, l.target).unwrap_or(&l.written),
                        resolved: resolved_id(index, l.target).is_some(),
                        line: l.line,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut referenced_by: Vec<&str> = graph
        .incoming
        .get(pos)
        .map(|b| b.iter().filter_map(|b| resolved_id(index, Some(b.from))).collect())
        .unwrap_or_default();
    referenced_by.sort_unstable();
    referenced_by.dedup();
    DocEntry {
        id: &d.id,
        kind: d.kind.as_deref(),
        title: &d.title,
        status: d.status.as_deref(),
        status_raw: d.status_raw.as_deref(),
        authors: OneLine(&d.authors),
        created: d.created.as_deref(),
        updated: d.updated.as_deref(),
        version: d.version.as_deref(),
        source: &d.source,
        url: urls::page_path(&d.source),
        listed: d.listed,
        relations,
        referenced_by: OneLine(referenced_by),
    }
}

fn resolved_id(index: &Index, pos: Option<usize>) -> Option<&str> {
    pos.and_then(|p| index.docs.get(p)).map(|d| d.id.as_str())
}

#[derive(Serialize)]
struct Generator {
    name: &'static str,
    version: &'static str,
    built_at: String,
}

/// Serialises the index, link graph and diagnostics (pretty-printed, trailing newline).
pub fn render(index: &Index, graph: &LinkGraph, diagnostics: &[Diagnostic], config: &Config) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, index, graph, diagnostics, config).unwrap_or_default();
    out
}

/// [`render`] into a writer, so a large portal's file is never held in memory whole.
pub fn write(
    out: &mut dyn std::io::Write,
    index: &Index,
    graph: &LinkGraph,
    diagnostics: &[Diagnostic],
    config: &Config,
) -> std::io::Result<()> {
    let generator = config.build_info.then(|| Generator {
        name: "docportal",
        version: env!("CARGO_PKG_VERSION"),
        built_at: crate::clock::now_rfc3339(),
    });
    // serde_json writes a token at a time: buffered before the escaping, which then
    // scans whole buffers rather than being called for every comma and indent (a
    // third of the CPU of a one-doc rebuild's docs.json at 10,000 docs).
    let mut json = std::io::BufWriter::with_capacity(1 << 16, HtmlSafe(out));
    let (docs, diagnostics) = (Docs { index, graph }, Diags(diagnostics));
    serde_json::to_writer_pretty(&mut json, &DocsJson { generator, docs, diagnostics })?;
    std::io::Write::write_all(&mut json, b"\n")?;
    std::io::Write::flush(&mut json)
}

/// Writes JSON text with `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`. JSON has
/// those characters only inside strings, where the escapes mean the same.
struct HtmlSafe<'a>(&'a mut dyn std::io::Write);

impl std::io::Write for HtmlSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|b| matches!(b, b'<' | b'>' | b'&')) {
            self.0.write_all(&rest[..at])?;
            self.0.write_all(match rest[at] {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                _ => b"\\u0026",
            })?;
            rest = &rest[at + 1..];
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
