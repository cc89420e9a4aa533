//! `docportal init` and `docportal new`: a starter portal, and the next doc from a template.
//!
//! Templates are tera files with YAML front-matter (built in from `scaffold/templates/`,
//! overridden by the portal's `templates/<kind>.md`). `new` numbers a doc after the
//! highest id of its kind found anywhere in the portal (metadata, titles and file
//! names, not only file names), so gaps left by deleted docs are never reused, and
//! names its file the way most docs of that kind in its folder are named.
//! `--supersedes` edits the older doc in place, in the metadata style it already uses,
//! touching only its status line (and adding a link back). `--renumber` moves one of two
//! docs that took the same number to the next free one. Every function here plans its
//! edits first and writes nothing until the whole plan is known to be valid.

use crate::config::Config;
use crate::ids;
use crate::model::Doc;
use crate::urls;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("ADR", include_str!("../scaffold/templates/adr.md")),
    ("PRD", include_str!("../scaffold/templates/prd.md")),
    ("TRD", include_str!("../scaffold/templates/trd.md")),
    ("TDD", include_str!("../scaffold/templates/tdd.md")),
    ("SPEC", include_str!("../scaffold/templates/spec.md")),
];
const GENERIC_TEMPLATE: &str = include_str!("../scaffold/templates/generic.md");
const BOOK_TOML: &str = include_str!("../scaffold/book.toml");

/// A file to create or replace, with its full new contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    pub path: PathBuf,
    pub text: String,
    /// When set, the file at this path is removed after `path` is written (a rename).
    pub replaces: Option<PathBuf>,
}

/// Everything a command will do, computed before anything is written.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub writes: Vec<FileWrite>,
    /// Things the user should look at (printed, not errors).
    pub notes: Vec<String>,
}

impl Plan {
    /// Writes every file (each through a temp file and a rename), then removes replaced files.
    pub fn apply(&self) -> std::io::Result<()> {
        for w in &self.writes {
            if let Some(parent) = w.path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let tmp = w.path.with_extension("docportal-tmp");
            std::fs::write(&tmp, &w.text)?;
            std::fs::rename(&tmp, &w.path)?;
        }
        for w in &self.writes {
            if let Some(old) = &w.replaces {
                if old != &w.path {
                    std::fs::remove_file(old)?;
                }
            }
        }
        Ok(())
    }
}

/// What `docportal new` was asked for.
#[derive(Debug, Clone, Default)]
pub struct NewDoc {
    pub kind: String,
    pub title: String,
    pub status: String,
    pub authors: Vec<String>,
    pub supersedes: Vec<String>,
    pub related: Vec<String>,
    /// ISO date for `created`.
    pub today: String,
}

/// The kind as configured (`adr` → `ADR`), or an error listing the kinds.
pub fn check_kind(config: &Config, kind: &str) -> Result<String, String> {
    if let Some(configured) = config.kinds.find(kind) {
        if config.kinds.number(configured, "1").is_none() {
            return Err(format!(
                "ids of kind `{configured}` start with a letter to choose (its `id` pattern in book.toml); write the file by hand"
            ));
        }
        Ok(configured.to_string())
    } else {
        Err(format!(
            "unknown kind `{kind}`; this portal's kinds are {} (set `kinds` under [portal])",
            config.kinds.join(", ")
        ))
    }
}

/// The highest number used by a doc of `kind` (from its id in metadata, title or file name), plus one.
pub fn next_number(docs: &[Doc], kind: &str) -> u32 {
    docs.iter()
        .filter_map(|d| {
            let (k, n) = d.id.split_once('-')?;
            (d.numbered && k == kind).then(|| n.parse::<u32>().ok()).flatten()
        })
        .max()
        .map_or(1, |n| n.saturating_add(1))
}

/// The folder (relative to the docs folder) where docs of `kind` go: `[portal.folders]`,
/// else where most existing docs of that kind live, else the lower-cased kind.
pub fn kind_folder(config: &Config, docs: &[Doc], kind: &str) -> String {
    if let Some(f) = config.folders.get(kind) {
        return f.trim_matches('/').to_string();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in docs.iter().filter(|d| d.kind.as_deref() == Some(kind)) {
        let folder = d.source.rsplit_once('/').map_or("", |(f, _)| f);
        *counts.entry(folder).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(f, _)| f.to_string()).unwrap_or_else(|| kind.to_ascii_lowercase())
}

/// How the docs of a kind in one folder name their files, so a new doc is named like
/// its neighbours: `ADR-0007-use-x.md`, `0007-use-x.md` (adr-tools, log4brains),
/// `eip-20.md` (no title part). Only the kind (as written) and the number may come
/// before the title part, so a dated or otherwise decorated name is never copied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct FileNaming {
    /// What comes before the number: the kind as the file spells it and a separator, or nothing.
    prefix: String,
    /// Digits the number is zero-padded to; 0 when the names are not padded.
    width: usize,
    /// The separator before the title part, or `None` when names have no title part.
    title_separator: Option<char>,
}

impl FileNaming {
    /// The naming most docs of `kind` in `folder` share (ties go to the one of the
    /// highest-numbered doc); `None` when no file there names its number recognisably.
    fn of_folder(docs: &[Doc], kind: &str, folder: &str) -> Option<FileNaming> {
        let mut seen: BTreeMap<FileNaming, (usize, u32)> = BTreeMap::new();
        for doc in docs.iter().filter(|d| d.numbered && d.kind.as_deref() == Some(kind)) {
            let (doc_folder, file) = doc.source.rsplit_once('/').unwrap_or(("", &doc.source));
            let Some(number) = doc.id.split_once('-').and_then(|(_, n)| n.parse::<u32>().ok()) else { continue };
            let Some(stem) = file.strip_suffix(".md") else { continue };
            if doc_folder != folder {
                continue;
            }
            if let Some(naming) = FileNaming::of_stem(stem, kind, number) {
                let entry = seen.entry(naming).or_default();
                entry.0 += 1;
                entry.1 = entry.1.max(number);
            }
        }
        seen.into_iter().max_by_key(|(_, votes)| *votes).map(|(naming, _)| naming)
    }

    /// The naming of one file stem whose doc has `number`, when the stem starts with the
    /// number, or with the kind (any case, then `-`, `_` or nothing) and the number.
    fn of_stem(stem: &str, kind: &str, number: u32) -> Option<FileNaming> {
        let (prefix, rest) = match stem.get(..kind.len()) {
            Some(head) if head.eq_ignore_ascii_case(kind) => {
                let after = &stem[kind.len()..];
                let separator = after.chars().next().filter(|c| matches!(c, '-' | '_')).map_or(0, char::len_utf8);
                stem.split_at(kind.len() + separator)
            }
            _ => ("", stem),
        };
        let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let digits = &rest[..digits_end];
        if digits.is_empty() || digits.parse::<u32>().ok() != Some(number) {
            return None;
        }
        let width = if digits.len() > 1 && digits.starts_with('0') { digits.len() } else { 0 };
        let mut after = rest[digits_end..].chars();
        let title_separator = match (after.next(), after.next()) {
            (None, _) => None,
            (Some(c @ ('-' | '_')), Some(_)) => Some(c),
            _ => return None,
        };
        Some(FileNaming { prefix: prefix.to_string(), width, title_separator })
    }

    fn file_name(&self, number: u32, slug: &str) -> String {
        let FileNaming { prefix, width, title_separator } = self;
        match title_separator {
            Some(separator) if !slug.is_empty() => format!("{prefix}{number:0width$}{separator}{slug}.md"),
            _ => format!("{prefix}{number:0width$}.md"),
        }
    }
}

/// Plans a new doc (and, with supersedes, the edits to the older docs).
pub fn plan_new(config: &Config, docs: &[Doc], req: &NewDoc) -> Result<Plan, String> {
    let kind = check_kind(config, &req.kind)?;
    let title = req.title.trim();
    if title.is_empty() {
        return Err("the title is empty".into());
    }
    let number = next_number(docs, &kind);
    let id = config.kinds.number(&kind, &number.to_string()).ok_or_else(|| format!("cannot number a `{kind}`"))?;
    let slug: String = ids::slugify(title).chars().take(60).collect();
    let slug = slug.trim_end_matches('-');
    let folder = kind_folder(config, docs, &kind);
    let name = match FileNaming::of_folder(docs, &kind, &folder) {
        Some(naming) => naming.file_name(number, slug),
        None if slug.is_empty() => format!("{id}.md"),
        None => format!("{id}-{slug}.md"),
    };
    let rel = if folder.is_empty() { name } else { format!("{folder}/{name}") };
    let path = config.src_dir.join(&rel);
    if path.exists() {
        return Err(format!("{} already exists", path.display()));
    }
    let find = |written: &str| -> Result<&Doc, String> {
        let canonical = ids::normalize(written, &config.kinds).ok_or_else(|| format!("`{written}` is not a doc id"))?;
        docs.iter().find(|d| d.id == canonical).ok_or_else(|| format!("no doc has the id `{canonical}`"))
    };
    let mut supersedes = Vec::new();
    let mut plan = Plan::default();
    for s in &req.supersedes {
        let old = find(s)?;
        supersedes.push(old.id.clone());
        let old_path = config.src_dir.join(&old.source);
        let text = std::fs::read_to_string(&old_path).map_err(|e| format!("{}: {e}", old_path.display()))?;
        let link = urls::href(&old.source, &rel);
        plan.writes.push(FileWrite { path: old_path, text: mark_superseded(&text, old, &id, &link), replaces: None });
    }
    let related = req.related.iter().map(|r| find(r).map(|d| d.id.clone())).collect::<Result<Vec<_>, _>>()?;
    let template = load_template(config, &kind)?;
    let mut ctx = tera::Context::new();
    ctx.insert("id", &id);
    ctx.insert("kind", &kind);
    ctx.insert("title", title);
    ctx.insert("status", &req.status);
    ctx.insert("date", &req.today);
    ctx.insert("authors", &req.authors);
    ctx.insert("supersedes", &supersedes);
    ctx.insert("related", &related);
    let text =
        tera::Tera::one_off(&template, &ctx, false).map_err(|e| format!("template for {kind}: {}", error_chain(&e)))?;
    plan.writes.insert(0, FileWrite { path, text, replaces: None });
    Ok(plan)
}

fn load_template(config: &Config, kind: &str) -> Result<String, String> {
    let custom = config.root.join("templates").join(format!("{}.md", kind.to_ascii_lowercase()));
    if custom.is_file() {
        return std::fs::read_to_string(&custom).map_err(|e| format!("{}: {e}", custom.display()));
    }
    Ok(BUILTIN_TEMPLATES.iter().find(|(k, _)| *k == kind).map_or(GENERIC_TEMPLATE, |(_, t)| t).to_string())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// The text of `doc` with its status set to superseded and a link to `new_id`, in the
/// style its status is already written in. Only the status line changes (plus one
/// inserted line for styles that keep the successor in a field of its own).
pub fn mark_superseded(text: &str, doc: &Doc, new_id: &str, link: &str) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let fm_end = front_matter_end(&lines);
    let status_line = doc
        .fields
        .iter()
        .find(|f| f.key == "status")
        .map(|f| f.line as usize)
        .or_else(|| {
            // Front-matter the parser could not read still has a recognisable status key.
            let end = fm_end?;
            lines[..end].iter().position(|l| l.to_ascii_lowercase().starts_with("status:")).map(|i| i + 1)
        })
        .filter(|&l| l >= 1 && l <= lines.len());
    match status_line {
        Some(l) => {
            let i = l - 1;
            let line = lines[i].clone();
            if fm_end.is_some_and(|end| i < end) {
                let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
                let key = line.trim_start().split(':').next().unwrap_or("status").to_string();
                lines[i] = format!("{indent}{key}: superseded");
                lines.insert(i + 1, format!("{indent}superseded-by: {new_id}"));
            } else if line.trim_start().starts_with('|') {
                let cells: Vec<&str> = line.split('|').collect();
                if cells.len() >= 4 {
                    let label_cell = cells[1];
                    let bold = label_cell.contains("**");
                    let mut new_cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
                    new_cells[2] = " Superseded ".to_string();
                    lines[i] = new_cells.join("|");
                    let label = if bold { "**Superseded by**" } else { "Superseded by" };
                    lines.insert(i + 1, format!("| {label} | [{new_id}]({link}) |"));
                }
            } else if let Some((prefix, _value, trailing)) = split_key_value(&line) {
                let is_bullet = matches!(line.trim_start().chars().next(), Some('-' | '*' | '+'))
                    && !line.trim_start().starts_with("**");
                if is_bullet || !prefix.to_ascii_lowercase().contains("status") {
                    lines[i] = format!("{prefix}Superseded by [{new_id}]({link}){trailing}");
                } else {
                    lines[i] = format!("{prefix}Superseded{trailing}");
                    let label_prefix = replace_ci(&prefix, "status", "Superseded by");
                    lines.insert(i + 1, format!("{label_prefix}[{new_id}]({link}){trailing}"));
                }
            } else {
                // A `## Status` section: the line is the status paragraph itself.
                lines[i] = format!("Superseded by [{new_id}]({link})");
            }
        }
        None => match fm_end {
            Some(end) => {
                lines.insert(end, format!("superseded-by: {new_id}"));
                lines.insert(end, "status: superseded".to_string());
            }
            None => {
                let h1 = lines.iter().position(|l| l.starts_with("# ")).map_or(0, |p| p + 1);
                lines.insert(h1, String::new());
                lines.insert(h1 + 1, format!("**Status**: Superseded by [{new_id}]({link})"));
            }
        },
    }
    lines.join("\n")
}

/// Index of the closing `---` of YAML front-matter, if the text has one.
fn front_matter_end(lines: &[String]) -> Option<usize> {
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return None;
    }
    lines.iter().skip(1).position(|l| l.trim_end() == "---" || l.trim_end() == "...").map(|p| p + 1)
}

/// Splits `**Status**: Approved  ` into (`**Status**: `, `Approved`, `  `).
fn split_key_value(line: &str) -> Option<(String, String, String)> {
    let trimmed_end = line.trim_end();
    let trailing = &line[trimmed_end.len()..];
    let colon = trimmed_end.find(':')?;
    let mut split = colon + 1;
    // `**Status:** X`: the closing bold markers belong to the label.
    if trimmed_end[split..].starts_with("**") {
        split += 2;
    }
    let rest = &trimmed_end[split..];
    let value_start = split + (rest.len() - rest.trim_start().len());
    Some((trimmed_end[..value_start].to_string(), trimmed_end[value_start..].to_string(), trailing.to_string()))
}

fn replace_ci(haystack: &str, needle: &str, with: &str) -> String {
    match haystack.to_ascii_lowercase().find(needle) {
        Some(i) => format!("{}{}{}", &haystack[..i], with, &haystack[i + needle.len()..]),
        None => haystack.to_string(),
    }
}

/// Plans `new --renumber ID`: of the docs sharing `id`, the most recently created (then
/// the last by path) moves to the next free number. Its file is renamed when the name
/// carries the number, its own id is rewritten, and path links to it across the portal
/// follow. Bare-id mentions are ambiguous (they may mean either doc) and come back as notes.
pub fn plan_renumber(
    config: &Config,
    docs: &[Doc],
    texts: &BTreeMap<String, String>,
    written: &str,
) -> Result<Plan, String> {
    let id = ids::normalize(written, &config.kinds).ok_or_else(|| format!("`{written}` is not a doc id"))?;
    let mut holders: Vec<&Doc> = docs.iter().filter(|d| d.id == id).collect();
    if holders.len() < 2 {
        return Err(format!("only {} doc has the id `{id}`; nothing to renumber", holders.len()));
    }
    holders.sort_by(|a, b| (&a.created, &a.source).cmp(&(&b.created, &b.source)));
    let moving = holders[holders.len() - 1];
    let kind = id.split_once('-').map_or(id.as_str(), |(k, _)| k).to_string();
    let new_id = config
        .kinds
        .number(&kind, &next_number(docs, &kind).to_string())
        .ok_or_else(|| format!("`{kind}` ids need a letter: renumber `{id}` by hand"))?;
    let (folder, file) = moving.source.rsplit_once('/').map_or(("", moving.source.as_str()), |(f, n)| (f, n));
    let new_file = rewrite_ids(file, &id, &new_id, &config.kinds, true);
    let new_source = if folder.is_empty() { new_file.clone() } else { format!("{folder}/{new_file}") };
    let own_text = texts.get(&moving.source).ok_or_else(|| format!("cannot read {}", moving.source))?;
    let mut plan = Plan::default();
    let own_new = own_text
        .split('\n')
        .map(|l| {
            let is_id_line = l.starts_with("# ") || l.to_ascii_lowercase().trim_start().starts_with("id:") || {
                let lower = l.to_ascii_lowercase();
                lower.starts_with('|') && lower.contains(" id")
            };
            if is_id_line {
                rewrite_ids(l, &id, &new_id, &config.kinds, false)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    plan.writes.push(FileWrite {
        path: config.src_dir.join(&new_source),
        text: own_new,
        replaces: (new_source != moving.source).then(|| config.src_dir.join(&moving.source)),
    });
    if new_file != file {
        for (source, text) in texts {
            if source == &moving.source {
                continue;
            }
            let updated = replace_link_file_name(text, file, &new_file);
            if &updated != text {
                plan.writes.push(FileWrite { path: config.src_dir.join(source), text: updated, replaces: None });
            }
        }
    }
    for d in docs.iter().filter(|d| d.source != moving.source) {
        for r in d.refs.iter().filter(|r| ids::normalize(&r.target, &config.kinds).as_deref() == Some(id.as_str())) {
            plan.notes.push(format!(
                "{}/{}:{}: mentions `{}`, which may mean either doc; check it",
                config.src_display,
                d.source,
                r.line.unwrap_or(0),
                r.target
            ));
        }
    }
    plan.notes.insert(0, format!("{} moves from {id} to {new_id} ({} keeps {id})", moving.source, holders[0].source));
    Ok(plan)
}

/// Rewrites every spelling of `old` id in `text` to `new` (its canonical spelling, or
/// the old padding/separator style when `keep_style`, for file names).
fn rewrite_ids(text: &str, old: &str, new: &str, kinds: &[String], keep_style: bool) -> String {
    let (kind, number) = old.split_once('-').unwrap_or((old, ""));
    let number = number.trim_start_matches('0');
    let new_number = new.split_once('-').map_or("", |(_, n)| n).trim_start_matches('0');
    let pattern = format!(r"(?i)\b({}[-_ ]?)?(0*){}\b", regex::escape(kind), regex::escape(number));
    let Ok(re) = regex::Regex::new(&pattern) else { return text.to_string() };
    let _ = kinds;
    re.replace_all(text, |c: &regex::Captures| {
        let zeros = c.get(2).map_or("", |m| m.as_str());
        match c.get(1) {
            Some(prefix) if keep_style => {
                let width = zeros.len() + number.len();
                format!("{}{:0>width$}", prefix.as_str(), new_number)
            }
            Some(_) => new.to_string(),
            None if keep_style => {
                let width = zeros.len() + number.len();
                format!("{new_number:0>width$}")
            }
            None => c.get(0).map_or(String::new(), |m| m.as_str().to_string()),
        }
    })
    .into_owned()
}

/// Replaces `old_name` by `new_name` where it ends a link destination path.
fn replace_link_file_name(text: &str, old_name: &str, new_name: &str) -> String {
    let pattern = format!(r#"([(/"'\s:<])({})([#)"'\s>]|$)"#, regex::escape(old_name));
    match regex::Regex::new(&pattern) {
        Ok(re) => re.replace_all(text, |c: &regex::Captures| format!("{}{}{}", &c[1], new_name, &c[3])).into_owned(),
        Err(_) => text.to_string(),
    }
}

/// Plans `docportal init`: book.toml, .gitignore, and one example doc per built-in kind.
pub fn plan_init(dir: &Path, title: &str, today: &str, author: Option<&str>) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let mut ctx = tera::Context::new();
    ctx.insert("title", &title.replace('\\', "\\\\").replace('"', "\\\""));
    let book = tera::Tera::one_off(BOOK_TOML, &ctx, false).map_err(|e| error_chain(&e))?;
    plan.writes.push(FileWrite { path: dir.join("book.toml"), text: book, replaces: None });
    plan.writes.push(FileWrite {
        path: dir.join(".gitignore"),
        text: "/book/\n/.docportal-cache/\n".into(),
        replaces: None,
    });
    let config = crate::config::from_str(dir, BOOK_TOML).map_err(|d| d.message)?.0;
    let examples: [(&str, &str, &[&str]); 5] = [
        ("PRD", "Self-service team onboarding", &[]),
        ("ADR", "Record architecture decisions in the portal", &[]),
        ("TRD", "Onboarding service", &["PRD-0001", "ADR-0001"]),
        ("TDD", "Onboarding workflow engine", &["TRD-0001"]),
        ("SPEC", "Onboarding events API", &["TRD-0001"]),
    ];
    let mut docs: Vec<Doc> = Vec::new();
    for (kind, title, related) in examples {
        let req = NewDoc {
            kind: kind.into(),
            title: title.into(),
            status: "draft".into(),
            authors: author.map(|a| vec![a.to_string()]).unwrap_or_default(),
            supersedes: vec![],
            related: related.iter().map(|s| s.to_string()).collect(),
            today: today.into(),
        };
        let doc_plan = plan_new(&config, &docs, &req)?;
        for w in doc_plan.writes {
            let rel = crate::discover::rel_path(&config.src_dir, &w.path);
            let id = ids::canonical(kind, "1");
            docs.push(stub_doc(&rel, &id, kind));
            plan.writes.push(w);
        }
    }
    Ok(plan)
}

fn stub_doc(source: &str, id: &str, kind: &str) -> Doc {
    Doc {
        source: source.into(),
        id: id.into(),
        numbered: true,
        listed: true,
        kind: Some(kind.into()),
        title: String::new(),
        status: None,
        status_raw: None,
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

/// `git config user.name` in `dir`, if git knows one.
pub fn git_user_name(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git").arg("-C").arg(dir).args(["config", "user.name"]).output().ok()?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MetaField;

    fn doc_with_status_line(line: u32) -> Doc {
        let mut d = stub_doc("adr/ADR-0003-x.md", "ADR-0003", "ADR");
        d.fields = d
            .fields
            .iter()
            .cloned()
            .chain([MetaField { key: "status".into(), label: "Status".into(), value: "Accepted".into(), line }])
            .collect();
        d
    }

    #[test]
    fn superseding_edits_only_the_status_in_each_style() {
        let cases = [
            ("---\nstatus: accepted\ndate: 2026-01-01\n---\n# T\nbody\n", 2, "---\nstatus: superseded\nsuperseded-by: ADR-0009\ndate: 2026-01-01\n---\n# T\nbody\n"),
            ("# T\n\n**Status**: Accepted  \n**Author**: A\n", 3, "# T\n\n**Status**: Superseded  \n**Superseded by**: [ADR-0009](ADR-0009-y.md)  \n**Author**: A\n"),
            ("# T\n\n**Status:** Accepted\n", 3, "# T\n\n**Status:** Superseded\n**Superseded by:** [ADR-0009](ADR-0009-y.md)\n"),
            ("# T\n\n| Field | Value |\n|---|---|\n| **Status** | Accepted |\n", 5, "# T\n\n| Field | Value |\n|---|---|\n| **Status** | Superseded |\n| **Superseded by** | [ADR-0009](ADR-0009-y.md) |\n"),
            ("# T\n\n* Status: Accepted\n* Deciders: x\n", 3, "# T\n\n* Status: Superseded by [ADR-0009](ADR-0009-y.md)\n* Deciders: x\n"),
            ("# 3. T\n\n## Status\n\nAccepted\n\n## Context\n", 5, "# 3. T\n\n## Status\n\nSuperseded by [ADR-0009](ADR-0009-y.md)\n\n## Context\n"),
        ];
        for (input, line, expected) in cases {
            let out = mark_superseded(input, &doc_with_status_line(line), "ADR-0009", "ADR-0009-y.md");
            assert_eq!(out, expected, "for input:\n{input}");
        }
    }

    #[test]
    fn superseding_a_doc_without_status_adds_one() {
        let d = stub_doc("adr/x.md", "ADR-0003", "ADR");
        assert_eq!(
            mark_superseded("---\ndate: 2026-01-01\n---\n# T\n", &d, "ADR-0009", "y.md"),
            "---\ndate: 2026-01-01\nstatus: superseded\nsuperseded-by: ADR-0009\n---\n# T\n"
        );
    }

    #[test]
    fn numbering_takes_the_highest_of_the_kind() {
        let docs = vec![
            stub_doc("a.md", "ADR-0001", "ADR"),
            stub_doc("b.md", "ADR-0007", "ADR"),
            stub_doc("c.md", "TRD-0042", "TRD"),
        ];
        assert_eq!(next_number(&docs, "ADR"), 8);
        assert_eq!(next_number(&docs, "PRD"), 1);
    }

    #[test]
    fn new_docs_follow_the_kind_pattern_and_letter_kinds_are_refused() {
        let text =
            "[portal]\nkinds = [\"eip\"]\n[portal.kind.EIP]\nid = \"{n}\"\n[portal.kind.gRFC]\nid = \"[AGLP]{n}\"\n";
        let config = crate::config::from_str(Path::new("/p"), text).unwrap().0;
        let req = |kind: &str| NewDoc {
            kind: kind.into(),
            title: "Fee market".into(),
            status: "draft".into(),
            authors: vec![],
            supersedes: vec![],
            related: vec![],
            today: "2026-01-02".into(),
        };
        let docs = vec![stub_doc("EIPS/eip-20.md", "EIP-20", "EIP")];
        let plan = plan_new(&config, &docs, &req("eip")).unwrap();
        // Named like its neighbour (`eip-20.md`): lower-case kind, no title part.
        assert!(plan.writes[0].path.ends_with("EIPS/eip-21.md"), "{:?}", plan.writes[0].path);
        let err = plan_new(&config, &docs, &req("grfc")).unwrap_err();
        assert!(err.contains("`gRFC`") && err.contains("letter"), "{err}");
    }

    #[test]
    fn a_file_name_is_read_for_its_naming_only_when_the_number_leads_or_follows_the_kind() {
        let naming = |stem: &str, number: u32| FileNaming::of_stem(stem, "ADR", number);
        let named = |prefix: &str, width: usize, title_separator: Option<char>| {
            Some(FileNaming { prefix: prefix.into(), width, title_separator })
        };
        assert_eq!(naming("0007-use-kafka", 7), named("", 4, Some('-')));
        assert_eq!(naming("ADR-0007-use-kafka", 7), named("ADR-", 4, Some('-')));
        assert_eq!(naming("adr_7_use_kafka", 7), named("adr_", 0, Some('_')));
        assert_eq!(naming("adr7", 7), named("adr", 0, None));
        assert_eq!(naming("ADR-0010", 10), named("ADR-", 4, None));
        // Not this doc's number, a date first, or something other than a title after it.
        assert_eq!(naming("ADR-0008-use-kafka", 7), None);
        assert_eq!(naming("2024-01-07-adr-0007-use-kafka", 7), None);
        assert_eq!(naming("0007.draft", 7), None);
        assert_eq!(naming("use-kafka", 7), None);
    }

    #[test]
    fn a_new_doc_is_named_like_most_of_its_neighbours() {
        let docs = vec![
            stub_doc("adr/0001-record-decisions.md", "ADR-0001", "ADR"),
            stub_doc("adr/0002-use-postgres.md", "ADR-0002", "ADR"),
            stub_doc("adr/ADR-0003-use-kafka.md", "ADR-0003", "ADR"),
            stub_doc("other/ADR-0004-elsewhere.md", "ADR-0004", "ADR"),
            stub_doc("adr/TRD-0005-not-an-adr.md", "TRD-0005", "TRD"),
        ];
        let naming = FileNaming::of_folder(&docs, "ADR", "adr").expect("a naming");
        assert_eq!(naming.file_name(8, "use-redis"), "0008-use-redis.md");
        assert_eq!(naming.file_name(12345, "big"), "12345-big.md");
        assert_eq!(naming.file_name(9, ""), "0009.md", "no title part to add");
        // A tie goes to the naming of the highest-numbered doc, whichever sorts first.
        let tied = |newest: &str| {
            vec![stub_doc("adr/ADR-0002-use-kafka.md", "ADR-0002", "ADR"), stub_doc(newest, "ADR-0003", "ADR")]
        };
        let naming = FileNaming::of_folder(&tied("adr/0003-x.md"), "ADR", "adr").expect("a naming");
        assert_eq!(naming.file_name(8, "use-redis"), "0008-use-redis.md");
        let naming = FileNaming::of_folder(&tied("adr/adr-3-x.md"), "ADR", "adr").expect("a naming");
        assert_eq!(naming.file_name(8, "use-redis"), "adr-8-use-redis.md");
        assert_eq!(FileNaming::of_folder(&docs, "ADR", "decisions"), None, "no doc there");
    }

    #[test]
    fn ids_are_rewritten_in_any_spelling() {
        let kinds: Vec<String> = vec!["ADR".into()];
        assert_eq!(
            rewrite_ids("# ADR-4: X and adr 0004", "ADR-0004", "ADR-0012", &kinds, false),
            "# ADR-0012: X and ADR-0012"
        );
        assert_eq!(rewrite_ids("ADR-0004-foo.md", "ADR-0004", "ADR-0012", &kinds, true), "ADR-0012-foo.md");
        assert_eq!(rewrite_ids("0004-foo.md", "ADR-0004", "ADR-0012", &kinds, true), "0012-foo.md");
    }

    #[test]
    fn link_file_names_are_replaced_only_in_paths() {
        assert_eq!(
            replace_link_file_name("see [x](../adr/0004-foo.md#ctx) and 0004-foo.md.bak", "0004-foo.md", "0012-foo.md"),
            "see [x](../adr/0012-foo.md#ctx) and 0004-foo.md.bak"
        );
    }
}
