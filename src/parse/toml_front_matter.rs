//! TOML front-matter (`+++` … `+++` at the top of a file, as Hugo and Zola write it) →
//! the same [`FrontMatter`] the YAML reader gives.
//!
//! Only the top-level keys become fields, in file order, each with the line it is
//! written on; arrays give one item per element and tables give `key: value` items,
//! like YAML. The `toml` crate limits nesting itself, so a hostile block is an error,
//! never a stack overflow. A block that is not valid TOML is an error naming the file
//! line, and the doc is still listed (its title then comes from the H1 or file name).

use super::fields::{classify, RawField};
use super::front_matter::FrontMatter;
use super::lines::Lines;
use crate::diag::Diagnostic;

/// The fence line that opens and closes a TOML block.
pub const FENCE: &str = "+++";

/// Reads the `+++` block at the top of the file (the caller checked line 1 is `+++`).
pub fn read(lines: &mut Lines, source: &str, kinds: &[String]) -> FrontMatter {
    let mut out = FrontMatter::default();
    let mut block = Vec::new();
    let mut close = None;
    while let Some(line) = lines.get(block.len() + 1) {
        if line.trim_end() == FENCE {
            close = Some(block.len() + 1);
            break;
        }
        block.push(line);
    }
    let Some(close) = close else {
        out.diagnostics.push(Diagnostic::error(
            source,
            Some(1),
            "front-matter opened with `+++` on line 1 is never closed (no second `+++` line); it was read as Markdown",
        ));
        return out;
    };
    out.lines = close + 1;
    let text = block.join("\n");
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => {
            let mut fields: Vec<RawField> = table
                .iter()
                .map(|(key, value)| {
                    let line = key_line(&block, key);
                    let mut items = Vec::new();
                    flatten(value, line, &mut items);
                    RawField { key: classify(key, kinds), label: key.clone(), line, items }
                })
                .collect();
            fields.sort_by_key(|f| f.line);
            out.fields = fields;
        }
        Err(e) => {
            // The block starts on file line 2.
            let line = e.span().map_or(2, |span| line_at(&text, span.start) + 2).min(close as u32);
            let message = e.message().lines().next().unwrap_or("").trim().trim_end_matches('.').to_string();
            out.diagnostics.push(Diagnostic::error(
                source,
                Some(line),
                format!("front-matter is not valid TOML: {message}"),
            ));
        }
    }
    out
}

/// 0-based line of byte offset `at` in `text`.
fn line_at(text: &str, at: usize) -> u32 {
    let before = text.get(..at).unwrap_or(text);
    u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX - 2)
}

/// File line of a top-level key: its `key =` line or `[key]` header (quoted or bare),
/// else the block's first line.
fn key_line(block: &[&str], key: &str) -> u32 {
    let spellings = [key.to_string(), format!("\"{key}\""), format!("'{key}'")];
    let position = block.iter().position(|line| {
        let line = line.trim_start();
        let header = line.trim_start_matches('[').trim_start();
        spellings.iter().any(|k| {
            line.strip_prefix(k.as_str()).is_some_and(|rest| rest.trim_start().starts_with('='))
                || line.starts_with('[')
                    && header.strip_prefix(k.as_str()).is_some_and(|rest| rest.trim_start().starts_with(['.', ']']))
        })
    });
    position.map_or(2, |i| u32::try_from(i).unwrap_or(u32::MAX - 2).saturating_add(2))
}

/// Text items of a value: scalars as written by TOML's own formatting (dates stay ISO).
fn flatten(value: &toml::Value, line: u32, out: &mut Vec<(String, u32)>) {
    match value {
        toml::Value::String(s) => out.push((s.clone(), line)),
        toml::Value::Integer(i) => out.push((i.to_string(), line)),
        toml::Value::Float(f) => out.push((f.to_string(), line)),
        toml::Value::Boolean(b) => out.push((b.to_string(), line)),
        toml::Value::Datetime(d) => out.push((d.to_string(), line)),
        toml::Value::Array(items) => {
            for item in items {
                flatten(item, line, out);
            }
        }
        toml::Value::Table(table) => {
            if let Some(name) = table.iter().find(|(k, _)| k.eq_ignore_ascii_case("name")).map(|(_, v)| v) {
                flatten(name, line, out);
                return;
            }
            for (key, v) in table {
                let mut inner = Vec::new();
                flatten(v, line, &mut inner);
                let joined = inner.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>().join(", ");
                out.push((format!("{key}: {joined}"), line));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::fields::Key;

    fn kinds() -> Vec<String> {
        crate::config::DEFAULT_KINDS.iter().map(|s| s.to_string()).collect()
    }

    fn read_text(text: &str) -> FrontMatter {
        read(&mut Lines::new(text), "x.md", &kinds())
    }

    #[test]
    fn toml_fields_keep_file_order_and_lines() {
        let fm = read_text(
            "+++\ntitle = \"Limiter\"\nstatus = \"in-review\"\nauthors = [\"Priya\", \"Sam\"]\ndate = 2026-03-02\n\n[extra]\nteam = \"core\"\n+++\n# T\n",
        );
        assert!(fm.diagnostics.is_empty(), "{:?}", fm.diagnostics);
        assert_eq!(fm.lines, 9);
        let labels: Vec<(&str, u32)> = fm.fields.iter().map(|f| (f.label.as_str(), f.line)).collect();
        assert_eq!(labels, [("title", 2), ("status", 3), ("authors", 4), ("date", 5), ("extra", 7)]);
        assert_eq!(fm.fields[1].key, Key::Status);
        assert_eq!(fm.fields[2].items, [("Priya".to_string(), 4), ("Sam".to_string(), 4)]);
        assert_eq!(fm.fields[3].items[0].0, "2026-03-02");
        assert_eq!(fm.fields[4].items[0].0, "team: core");
    }

    #[test]
    fn invalid_toml_is_an_error_on_its_file_line() {
        let fm = read_text("+++\ntitle = \"ok\"\nstatus = draft\n+++\n");
        assert_eq!(fm.lines, 4);
        assert_eq!(fm.diagnostics.len(), 1, "{:?}", fm.diagnostics);
        assert_eq!(fm.diagnostics[0].line, Some(3));
        assert!(fm.diagnostics[0].message.starts_with("front-matter is not valid TOML: "), "{:?}", fm.diagnostics);
    }

    #[test]
    fn unclosed_toml_front_matter_consumes_nothing() {
        let fm = read_text("+++\ntitle = \"x\"\n# Heading\n");
        assert_eq!(fm.lines, 0);
        assert_eq!(fm.diagnostics[0].line, Some(1));
    }

    #[test]
    fn deeply_nested_toml_is_an_error_not_a_stack_overflow() {
        let text = format!("+++\na = {}{}\n+++\n", "[".repeat(100_000), "]".repeat(100_000));
        let fm = read_text(&text);
        assert_eq!(fm.diagnostics.len(), 1);
    }
}
