//! YAML front-matter (`---` … `---` at the top of a file) → [`RawField`]s with file lines
//! (TOML `+++` blocks are handed to [`toml_front_matter`](super::toml_front_matter)).
//!
//! The YAML is parsed with serde-saphyr under a small budget, so an alias bomb or deep
//! nesting in one doc is refused in microseconds instead of exhausting memory. Values
//! keep their text as written: `version: 1.10` stays `1.10`, not the float `1.1`. A block
//! that is not valid YAML gives an error naming the file line, and its simple top-level
//! `key: value` lines are still salvaged so the doc keeps what can be read.

use super::fields::{classify, RawField};
use super::lines::Lines;
use crate::diag::Diagnostic;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, Options, Spanned};
use std::fmt;

/// The front-matter block of a file.
#[derive(Debug, Default)]
pub struct FrontMatter {
    /// Number of leading lines the block occupies (both fences included); 0 when absent.
    pub lines: usize,
    pub fields: Vec<RawField>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the front-matter at the top of the file.
pub fn read(lines: &mut Lines, source: &str, kinds: &[String]) -> FrontMatter {
    let mut out = FrontMatter::default();
    match lines.get(0).map(str::trim_end) {
        Some("---") => {}
        Some(super::toml_front_matter::FENCE) => return super::toml_front_matter::read(lines, source, kinds),
        _ => return out,
    }
    let mut block = Vec::new();
    let mut close = None;
    while let Some(line) = lines.get(block.len() + 1) {
        if matches!(line.trim_end(), "---" | "...") {
            close = Some(block.len() + 1);
            break;
        }
        block.push(line);
    }
    let Some(close) = close else {
        // A lone `---` on line 1 with no closing fence: most likely unfinished front-matter.
        // Nothing is consumed; the rest of the doc is read as Markdown.
        out.diagnostics.push(Diagnostic::error(
            source,
            Some(1),
            "front-matter opened with `---` on line 1 is never closed (no second `---` line); it was read as Markdown",
        ));
        return out;
    };
    out.lines = close + 1;
    let yaml = block.join("\n");
    if yaml.trim().is_empty() {
        return out;
    }
    // The YAML text starts on file line 2.
    let (fields, diagnostics) = mapping(&yaml, &block, 1, close as u32, "front-matter", source, kinds);
    out.fields = fields;
    out.diagnostics = diagnostics;
    out
}

/// A sidecar metadata file (`kep.yaml`, `metadata.json`: JSON is YAML too) → its fields,
/// with lines of that file.
pub fn read_sidecar(text: &str, source: &str, kinds: &[String]) -> (Vec<RawField>, Vec<Diagnostic>) {
    if text.trim().is_empty() {
        return (Vec::new(), Vec::new());
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let last = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    mapping(text, &lines, 0, last, "metadata file", source, kinds)
}

/// Parses a YAML mapping whose first line is file line `offset + 1`; `what` names the
/// block in messages and `last_line` caps error lines.
fn mapping(
    yaml: &str,
    block: &[&str],
    offset: u32,
    last_line: u32,
    what: &str,
    source: &str,
    kinds: &[String],
) -> (Vec<RawField>, Vec<Diagnostic>) {
    let mut fields = Vec::new();
    let mut diagnostics = Vec::new();
    let to_file_line =
        |yaml_line: u64| -> u32 { u32::try_from(yaml_line).unwrap_or(u32::MAX - offset).saturating_add(offset) };
    let parse = |text: &str| serde_saphyr::from_str_with_options::<Option<Node>>(text, options());
    // A template's unfilled `status: {{STATUS}}` is a flow mapping keyed by a mapping,
    // which no front-matter means: when the block does not parse, such values are read
    // as the text they are (the placeholder check then warns about each).
    let mut parsed = parse(yaml);
    let quoted;
    let mut yaml = yaml;
    if parsed.is_err() {
        if let Some(text) = quote_template_values(yaml) {
            if let Ok(node) = parse(&text) {
                parsed = Ok(node);
                quoted = text;
                yaml = &quoted;
            }
        }
    }
    match parsed {
        Ok(Some(Node::Map(entries))) => {
            for (key, key_line, value) in entries {
                let line = to_file_line(key_line);
                let mut items = Vec::new();
                flatten(&value, yaml, &to_file_line, &mut items);
                fields.push(RawField { key: classify(&key, kinds), label: key, line, items });
            }
        }
        Ok(None | Some(Node::Null)) => {}
        Ok(Some(_)) => diagnostics.push(Diagnostic::warning(
            source,
            Some(offset + 1),
            format!("{what} is not a `key: value` mapping; it was ignored"),
        )),
        Err(e) => {
            let line = e.location().map(|l| to_file_line(l.line())).filter(|l| *l > offset).unwrap_or(offset + 1);
            diagnostics.push(Diagnostic::error(
                source,
                Some(line.min(last_line.max(offset + 1))),
                format!("{what} is not valid YAML: {}", short_message(&e)),
            ));
            fields = salvage(block, offset + 1, kinds);
        }
    }
    (fields, diagnostics)
}

/// `yaml` with every value that is one template expression (`key: {{STATUS}}`,
/// `- {{ reviewer }}`) single-quoted, on the same lines; `None` when there is none.
fn quote_template_values(yaml: &str) -> Option<String> {
    let mut changed = false;
    let lines: Vec<String> = yaml
        .split('\n')
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            let item = if line[indent..].starts_with("- ") { indent + 2 } else { indent };
            let value_at = match line[item..].find(": ") {
                Some(colon) => item + colon + 2,
                None if item > indent => item,
                None => return line.to_string(),
            };
            let value = line[value_at..].trim();
            if !crate::parse::values::is_template_expression(value) {
                return line.to_string();
            }
            changed = true;
            format!("{}'{}'", &line[..value_at], value.replace('\'', "''"))
        })
        .collect();
    changed.then(|| lines.join("\n"))
}

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_events = 20_000;
    budget.max_nodes = 10_000;
    budget.max_aliases = 100;
    budget.max_anchors = 100;
    budget.max_depth = 24;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = 1 << 20;
    budget.max_recorded_anchor_events = 10_000;
    budget.max_recorded_anchor_bytes = 1 << 20;
    budget.max_merge_keys = 100;
    let mut opts = Options::default();
    opts.budget = Some(budget);
    opts.alias_limits.max_total_replayed_events = 10_000;
    opts.alias_limits.max_replay_stack_depth = 16;
    opts.with_snippet = false;
    opts.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::FirstWins;
    opts
}

/// The error's message without its position (the diagnostic carries the file line).
/// A breached budget is said in words (serde-saphyr shows its internal counter).
fn short_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    if let Some(breach) = first.strip_prefix("budget breached: ") {
        let limit = match breach.split([' ', '{']).next().unwrap_or("") {
            "Depth" => "nested more than 24 levels deep",
            "Aliases"
            | "Anchors"
            | "RecordedAnchorEvents"
            | "RecordedAnchorBytes"
            | "AliasAnchorRatio"
            | "MergeKeys" => "too many anchors or aliases (an alias bomb expands without bound)",
            "ScalarBytes" | "InputBytes" => "values larger than 1 MiB in total",
            _ => "too many values",
        };
        return format!("over docportal's safety limits: {limit}");
    }
    let cut = first.find(" at line ").map(|i| &first[..i]).unwrap_or(first);
    cut.trim_end_matches([',', '.', ':']).to_string()
}

/// Top-level `key: value` lines of a broken block, taken literally.
fn salvage(lines: &[&str], first_line: u32, kinds: &[String]) -> Vec<RawField> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim().trim_matches(['"', '\'']);
        let value = value.trim();
        if key.is_empty() || value.is_empty() || key.contains(' ') && key.split(' ').count() > 4 {
            continue;
        }
        let value = value.trim_matches(['"', '\'']);
        out.push(RawField::scalar(key, value, i as u32 + first_line, kinds));
    }
    out
}

/// Scalars of a YAML value, each with its file line. Sequences give one item per element;
/// a mapping nested in a list (`- name: Priya`) gives its `name`, else `key: value` pairs.
fn flatten(value: &Spanned<Node>, yaml: &str, to_file_line: &dyn Fn(u64) -> u32, out: &mut Vec<(String, u32)>) {
    let line = to_file_line(value.referenced.line());
    match &value.value {
        Node::Null => {}
        Node::Str(s) => out.push((s.clone(), line)),
        Node::Typed(shown) => out.push((raw_text(value, yaml).unwrap_or_else(|| shown.clone()), line)),
        Node::Seq(items) => {
            for item in items {
                flatten(item, yaml, to_file_line, out);
            }
        }
        Node::Map(entries) => {
            if let Some((_, _, name)) = entries.iter().find(|(k, _, _)| k.eq_ignore_ascii_case("name")) {
                flatten(name, yaml, to_file_line, out);
                return;
            }
            for (key, key_line, v) in entries {
                let mut inner = Vec::new();
                flatten(v, yaml, to_file_line, &mut inner);
                let joined = inner.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>().join(", ");
                out.push((format!("{key}: {joined}"), to_file_line(*key_line)));
            }
        }
    }
}

/// The scalar exactly as written in the YAML source, when its span is known.
fn raw_text(value: &Spanned<Node>, yaml: &str) -> Option<String> {
    let span = value.referenced.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let text = yaml.get(start..start.checked_add(len)?)?.trim();
    (!text.is_empty() && !text.contains('\n')).then(|| text.to_string())
}

/// A YAML value, keeping mapping order and each key's line.
#[derive(Debug)]
enum Node {
    Null,
    Str(String),
    /// A number or boolean, with its display form (the source text is preferred).
    Typed(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(String, u64, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Typed(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Typed(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Typed(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Typed(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Typed(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Typed(v.to_string()))
    }
    fn visit_char<E>(self, v: char) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            let name = match key.value {
                Node::Str(s) | Node::Typed(s) => s,
                Node::Null => "null".to_string(),
                Node::Seq(_) | Node::Map(_) => return Err(de::Error::custom("a mapping key must be plain text")),
            };
            entries.push((name, key.referenced.line(), value));
        }
        Ok(Node::Map(entries))
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
    fn fields_keep_order_lines_and_written_text() {
        let fm = read_text(
            "---\ntitle: \"Rate Limiter\"\nStatus: draft\nversion: 1.10\nreviewers:\n  - Sam\n  - Kim\napproved: true\n---\n# T\n",
        );
        assert!(fm.diagnostics.is_empty(), "{:?}", fm.diagnostics);
        assert_eq!(fm.lines, 9);
        let labels: Vec<&str> = fm.fields.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["title", "Status", "version", "reviewers", "approved"]);
        assert_eq!(fm.fields[1].key, Key::Status);
        assert_eq!(fm.fields[1].line, 3);
        assert_eq!(fm.fields[2].items, [("1.10".to_string(), 4)]);
        assert_eq!(fm.fields[3].items, [("Sam".to_string(), 6), ("Kim".to_string(), 7)]);
        assert_eq!(fm.fields[4].items[0].0, "true");
    }

    #[test]
    fn unfilled_template_expressions_are_read_as_text_not_as_broken_yaml() {
        let fm = read_text(
            "---\ntitle: Quotas\nstatus: {{STATUS}}\nowner: {{ cookiecutter.owner }}\nreviewers:\n  - {{ reviewer }}\n  - name: {{ second }}\n---\n",
        );
        assert!(fm.diagnostics.is_empty(), "{:?}", fm.diagnostics);
        let items: Vec<(&str, Vec<(String, u32)>)> =
            fm.fields.iter().map(|f| (f.label.as_str(), f.items.clone())).collect();
        assert_eq!(
            items,
            [
                ("title", vec![("Quotas".to_string(), 2)]),
                ("status", vec![("{{STATUS}}".to_string(), 3)]),
                ("owner", vec![("{{ cookiecutter.owner }}".to_string(), 4)]),
                ("reviewers", vec![("{{ reviewer }}".to_string(), 6), ("{{ second }}".to_string(), 7)]),
            ]
        );
        // Other broken YAML still is broken.
        let broken = read_text("---\ntitle: [unclosed\nstatus: {{STATUS}}\n---\n");
        assert_eq!(broken.diagnostics.len(), 1, "{:?}", broken.diagnostics);
    }

    #[test]
    fn broken_yaml_reports_the_file_line_and_salvages_simple_keys() {
        let fm = read_text("---\ntitle: Ok\nstatus: draft\nbad: [unclosed\nauthor: Priya\n---\nbody\n");
        assert_eq!(fm.lines, 6);
        assert_eq!(fm.diagnostics.len(), 1);
        let d = &fm.diagnostics[0];
        assert!(d.is_error());
        assert!(d.message.starts_with("front-matter is not valid YAML"), "{}", d.message);
        let line = d.line.unwrap();
        assert!((4..=6).contains(&line), "line {line}");
        assert!(fm.fields.iter().any(|f| f.label == "status" && f.items[0].0 == "draft"));
    }

    #[test]
    fn colon_in_plain_value_is_a_yaml_error_on_its_line() {
        let fm = read_text("---\nstatus: draft\ntitle: TRD-1: Limits: v2\n---\n");
        assert_eq!(fm.diagnostics.len(), 1, "{:?}", fm.diagnostics);
        assert_eq!(fm.diagnostics[0].line, Some(3));
    }

    #[test]
    fn unclosed_front_matter_is_an_error_and_consumes_nothing() {
        let fm = read_text("---\ntitle: x\n# Heading\n");
        assert_eq!(fm.lines, 0);
        assert_eq!(fm.diagnostics[0].line, Some(1));
        assert!(fm.diagnostics[0].is_error());
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut yaml = String::from("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in "bcdefghijklmnop".chars() {
            yaml.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = name;
        }
        yaml.push_str("---\n# Title\n");
        // 10^16 expansions: returning at all proves the expansion was refused.
        let fm = read_text(&yaml);
        assert_eq!(fm.diagnostics.len(), 1, "{:?}", fm.diagnostics);
        assert!(fm.diagnostics[0].is_error());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let yaml = format!("---\na: {}{}\n---\n", "[".repeat(5000), "]".repeat(5000));
        let fm = read_text(&yaml);
        assert_eq!(fm.diagnostics.len(), 1);
    }

    #[test]
    fn non_mapping_front_matter_warns() {
        let fm = read_text("---\n- a\n- b\n---\n");
        assert_eq!(fm.diagnostics.len(), 1);
        assert!(!fm.diagnostics[0].is_error());
        assert!(fm.fields.is_empty());
    }
}
