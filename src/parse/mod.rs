//! `SourceFile` → [`Doc`]: metadata, title, id, status and raw references of one file.
//!
//! Metadata is read from whichever styles a doc uses: YAML front-matter
//! ([`front_matter`]), and in the Markdown header ([`header`]) metadata tables, bold key
//! lines, `## Document Information` sections, `**Related Documents:**` lists and adr-tools
//! `## Status` sections (and `## Date` / `## Authors` ones), header bullet lists
//! (`* Status: **Implemented (Swift 5.5)**`), and a folder doc's sidecar file
//! (`kep.yaml`, `metadata.json`; its fields come first and its problems name that file).
//! Field names are matched case-insensitively with their common spellings ([`fields`]);
//! values are interpreted by [`values`]; titles, ids and kinds by [`title`]. Template
//! placeholders are not values: the field stays unset and a warning names file and line.
//! Title: metadata, else a title H1 (not a section name such as `# Summary`), else
//! `Feature Name`, else the file name. A `stage` is the status when none is stated.
//! Unknown statuses are warned about once per portal ([`portal_diagnostics`]), not per
//! doc. A doc matching `[portal] exclude-from-index` (a folder doc by its folder) is
//! parsed as usual but not `listed`, and its metadata warnings are dropped.
//!
//! Invariants: parsing never fails and never panics (a broken doc still yields a `Doc`
//! with diagnostics, so it is listed with its problem shown); `Doc.body` has exactly the
//! file's lines, with only the lines that went into the metadata card blanked; metadata
//! references come first in `Doc.refs`, then the body's. Cost is one pass over the header
//! plus one copy of the text.

pub mod body_refs;
mod fields;
mod front_matter;
mod header;
pub mod kept;
mod lines;
mod title;
mod toml_front_matter;
mod values;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::ids;
use crate::model::{Doc, MetaField, RawRef, Relation, SourceFile};
use fields::{Key, RawField};
use std::collections::HashSet;
use title::TitleParts;
use values::{DateError, StatusValue};

pub use lines::blank_lines;
pub use values::CANONICAL_STATUSES;

/// Parses one source file.
pub fn parse(file: &SourceFile, config: &Config) -> Doc {
    parse_blanking(file, config).0
}

/// [`parse`], with the lines of the file that `Doc::body` blanked: the body is
/// `blank_lines(&file.text, &blanked)`, so a build may drop it and make it again from
/// the file ([`crate::bodies`]).
pub fn parse_blanking(file: &SourceFile, config: &Config) -> (Doc, Vec<bool>) {
    let mut lines = lines::Lines::new(&file.text);
    let mut consumed: Vec<bool> = Vec::new();
    let kinds = &config.kinds;

    let fm = front_matter::read(&mut lines, &file.rel_path, kinds);
    header::mark(&mut consumed, 0..fm.lines);
    let scan = header::scan(&mut lines, fm.lines, &mut consumed, kinds);

    let mut meta = Meta::new(&file.rel_path, config);
    meta.diagnostics = file.diagnostics.clone();
    if let Some(sidecar) = &file.sidecar {
        meta.apply_sidecar(sidecar);
    }
    meta.diagnostics.extend(fm.diagnostics);
    for field in fm.fields.iter().chain(&scan.fields) {
        meta.apply(field);
    }
    if meta.status.is_none() {
        if let Some((stage, label, line)) = meta.stage.take() {
            meta.apply_status(&label, &stage, line);
        }
    }
    let folder_doc = folder_doc_path(file, kinds);
    let index_path = folder_doc.as_deref().unwrap_or(&file.rel_path);

    let (dir, _) = file.rel_path.rsplit_once('/').unwrap_or(("", &file.rel_path));
    let h1 = scan.title.as_ref().map(|t| title::split_title(&t.text, kinds));
    let from_meta = meta.title.as_ref().map(|(t, _)| title::split_title(t, kinds));

    // Title: metadata, else the H1 without its prefix, else the file name.
    let usable = |p: &Option<TitleParts>| p.as_ref().map(|p| p.title.clone()).filter(|t| !t.is_empty());
    let mut title_from_h1 = false;
    let mut title = usable(&from_meta);
    let mut placeholder_title = None;
    if let (Some(t), Some((_, line))) = (&title, &meta.title) {
        if values::is_placeholder(t, kinds) {
            meta.warn_placeholder("title", *line, t);
            placeholder_title = title.take();
            meta.fields.retain(|f| f.key != "title");
        }
    }
    if title.is_none() {
        if let (Some(t), Some(line)) = (usable(&h1), &scan.title) {
            if !values::is_placeholder(&t, kinds) {
                title = Some(t);
                title_from_h1 = true;
            } else if placeholder_title.as_ref() != Some(&t) {
                meta.warn_placeholder("title", line.first as u32 + 1, &t);
            }
        }
    }
    let title = title
        .or_else(|| meta.alt_title.clone().filter(|t| !values::is_placeholder(t, kinds)))
        .unwrap_or_else(|| title::humanize_path(&file.rel_path, kinds));

    // The H1 is blanked when the card shows what it says.
    if let (Some(line), Some(parts)) = (&scan.title, &h1) {
        let same_title = parts.title.eq_ignore_ascii_case(&title) || line.text.trim().eq_ignore_ascii_case(&title);
        if title_from_h1 || same_title || values::is_placeholder(&parts.title, kinds) || parts.title.is_empty() {
            header::mark(&mut consumed, line.first..line.last + 1);
        }
    }
    if let Some((rule, prev)) = scan.rule {
        if consumed.get(prev).copied().unwrap_or(false) {
            header::mark(&mut consumed, rule..rule + 1);
        }
    }

    // Kind: id, metadata, title prefix, folder. Id: metadata, title, file name, slug.
    let title_kind =
        from_meta.as_ref().and_then(|p| p.kind.clone()).or_else(|| h1.as_ref().and_then(|p| p.kind.clone()));
    let context_kind = meta.kind.clone().or(title_kind).or_else(|| title::kind_of_folder(dir, config));
    let numbered_id = meta
        .id
        .as_ref()
        .and_then(|(raw, _)| {
            ids::normalize(raw, kinds).or_else(|| {
                let digits = raw.trim();
                let is_number = !digits.is_empty() && digits.len() <= 6 && digits.bytes().all(|b| b.is_ascii_digit());
                context_kind.as_deref().filter(|_| is_number).and_then(|k| kinds.number(k, digits))
            })
        })
        .or_else(|| {
            if meta.id.is_some() {
                return None;
            }
            from_meta
                .as_ref()
                .and_then(|p| p.id.clone())
                .or_else(|| h1.as_ref().and_then(|p| p.id.clone()))
                .or_else(|| title::id_from_path(index_path, config))
                .or_else(|| {
                    let number = h1.as_ref().and_then(|p| p.number.as_deref())?;
                    kinds.number(context_kind.as_deref()?, number)
                })
        });
    let id = match (&numbered_id, &meta.id) {
        (Some(id), _) => id.clone(),
        (None, Some((raw, _))) => ids::slugify(raw),
        (None, None) => ids::slug_of_path(&file.rel_path),
    };
    let kind = numbered_id.as_deref().and_then(|id| ids::kind_of(id, kinds)).map(str::to_string).or(context_kind);

    if file.text.trim().is_empty() {
        // Listed all the same (a link to it must resolve), but a reader finds a blank page.
        let message = format!(
            "the file is empty: it is listed as `{id}` with the title `{title}`, made from its file name; write the doc or delete the file"
        );
        meta.diagnostics.push(Diagnostic::warning(file.rel_path.as_str(), None, message));
    }
    let listed = config.is_listed(index_path);
    if !listed {
        // A template's `Date: DATE` is its point, not a mistake: only errors stay.
        meta.diagnostics.retain(|d| d.is_error() || file.diagnostics.contains(d));
    }
    let body = lines.with_blanked(&consumed);
    let mut refs = std::mem::take(&mut meta.refs);
    qualify_numbers(&mut refs, kind.as_deref(), kinds);
    refs.extend(body_refs::scan(&body, config));

    let doc = Doc {
        source: file.rel_path.clone(),
        numbered: numbered_id.is_some(),
        listed,
        id,
        kind,
        title,
        status: meta.status.as_ref().map(|(s, _, _)| s.clone()),
        status_raw: meta.status.map(|(_, raw, _)| raw),
        authors: meta.authors,
        reviewers: meta.reviewers,
        created: meta.created.map(|(d, _)| d),
        updated: meta.updated.map(|(d, _)| d),
        version: meta.version.map(|(v, _)| v),
        fields: meta.fields.into(),
        refs: refs.into(),
        body,
        diagnostics: meta.diagnostics,
    };
    (doc, consumed)
}

/// The folder a folder doc stands for (`keps/sig-x/1672-name`): a `README.md` or
/// `index.md` with a sidecar metadata file, or in a folder named by a number or an id.
fn folder_doc_path(file: &SourceFile, kinds: &ids::Kinds) -> Option<String> {
    if !crate::discover::is_folder_doc_file(&file.rel_path) {
        return None;
    }
    let (dir, _) = file.rel_path.rsplit_once('/')?;
    let name = dir.rsplit('/').next().unwrap_or(dir);
    let numbered = name.starts_with(|c: char| c.is_ascii_digit()) || title::leading_id(name, kinds).is_some();
    (file.sidecar.is_some() || numbered).then(|| dir.to_string())
}

/// Bare numbers in metadata references (`requires: 2718, 2930`) name docs of the doc's
/// own kind; without a kind (or when the kind's ids need a letter: `[AGLP]{n}`) they
/// stay as written (and are reported as unresolved).
fn qualify_numbers(refs: &mut [RawRef], kind: Option<&str>, kinds: &ids::Kinds) {
    let Some(kind) = kind else { return };
    for r in refs.iter_mut().filter(|r| r.field.is_some() && values::is_bare_number(&r.target)) {
        if let Some(id) = kinds.number(kind, r.target.trim_start_matches('#')) {
            r.target = id;
        }
    }
}

/// Portal-wide warnings from the parsed docs: one per distinct unknown status (not per
/// doc) among listed docs, on the first doc that uses it, with how many docs share it.
pub fn portal_diagnostics(docs: &[Doc], config: &Config) -> Vec<Diagnostic> {
    let mut by_status: std::collections::BTreeMap<String, Vec<&Doc>> = std::collections::BTreeMap::new();
    // Templates and READMEs (unlisted) hold placeholder statuses: not worth a warning.
    for doc in docs.iter().filter(|d| d.listed) {
        let Some(raw) = doc.status_raw.as_deref() else { continue };
        if let StatusValue::Unknown { status, .. } = values::status(raw, config) {
            by_status.entry(status).or_default().push(doc);
        }
    }
    let mut out = Vec::new();
    for (status, mut users) in by_status {
        users.sort_by(|a, b| a.source.cmp(&b.source));
        let Some(first) = users.first() else { continue };
        let raw = first.status_raw.as_deref().unwrap_or(&status);
        let line = first.fields.iter().find(|f| f.key == "status").map(|f| f.line).filter(|&l| l > 0);
        let others = match users.len() - 1 {
            0 => String::new(),
            1 => " (1 other doc uses it too)".to_string(),
            n => format!(" ({n} other docs use it too)"),
        };
        out.push(Diagnostic::warning(
            &first.source,
            line,
            format!(
                "unknown status `{raw}`, kept as `{status}`{others}; known statuses: {} (map other spellings under [portal.status] in book.toml)",
                CANONICAL_STATUSES.join(", ")
            ),
        ));
    }
    out
}

/// Metadata being gathered from the fields, in document order. The first value of a
/// field wins; a later, different value gets a warning.
struct Meta<'a> {
    source: &'a str,
    config: &'a Config,
    title: Option<(String, u32)>,
    /// `Feature Name`: the title when there is no other.
    alt_title: Option<String>,
    id: Option<(String, u32)>,
    kind: Option<String>,
    /// `stage` value, label and line: the status when none is stated.
    stage: Option<(String, String, u32)>,
    /// Canonical status, as written, line.
    status: Option<(String, String, u32)>,
    authors: Vec<String>,
    reviewers: Vec<String>,
    created: Option<(String, u32)>,
    updated: Option<(String, u32)>,
    version: Option<(String, u32)>,
    fields: Vec<MetaField>,
    refs: Vec<RawRef>,
    diagnostics: Vec<Diagnostic>,
    /// (label, line) of fields already warned about: one warning per field.
    warned: HashSet<(String, u32)>,
}

impl<'a> Meta<'a> {
    fn new(source: &'a str, config: &'a Config) -> Meta<'a> {
        Meta {
            source,
            config,
            title: None,
            alt_title: None,
            id: None,
            kind: None,
            stage: None,
            status: None,
            authors: Vec::new(),
            reviewers: Vec::new(),
            created: None,
            updated: None,
            version: None,
            fields: Vec::new(),
            refs: Vec::new(),
            diagnostics: Vec::new(),
            warned: HashSet::new(),
        }
    }

    fn warn(&mut self, label: &str, line: u32, message: String) {
        if self.warned.insert((label.to_string(), line)) {
            self.diagnostics.push(Diagnostic::warning(self.source, Some(line), message));
        }
    }

    fn warn_placeholder(&mut self, label: &str, line: u32, found: &str) {
        self.warn(label, line, format!("`{label}` is a template placeholder (`{found}`), so it is left unset"));
    }

    fn add_card_field(&mut self, field: &RawField, value: String) {
        let key = field.key.canonical_name().map(str::to_string).unwrap_or_else(|| field.label.clone());
        self.fields.push(MetaField { key, label: field.label.clone(), value, line: field.line });
    }

    /// Fields of a folder doc's sidecar file. They come first, so they win over the same
    /// fields in the README; problems are reported at the sidecar's own lines, and its
    /// references name the file and line in their field (their line is not a README line).
    fn apply_sidecar(&mut self, sidecar: &'a crate::model::Sidecar) {
        let (fields, diagnostics) = front_matter::read_sidecar(&sidecar.text, &sidecar.rel_path, &self.config.kinds);
        self.diagnostics.extend(diagnostics);
        let file_name = sidecar.rel_path.rsplit('/').next().unwrap_or(&sidecar.rel_path);
        let readme = self.source;
        self.source = &sidecar.rel_path;
        let (refs_before, fields_before) = (self.refs.len(), self.fields.len());
        for field in &fields {
            self.apply(field);
        }
        self.source = readme;
        for r in &mut self.refs[refs_before..] {
            let field = r.field.take().unwrap_or_default();
            r.field = Some(match r.line.take() {
                Some(line) => format!("{field} ({file_name} line {line})"),
                None => format!("{field} ({file_name})"),
            });
        }
        for f in &mut self.fields[fields_before..] {
            f.line = 0;
        }
        for (_, line) in [&mut self.title, &mut self.id, &mut self.created, &mut self.updated, &mut self.version]
            .into_iter()
            .flatten()
        {
            *line = 0;
        }
        if let Some((_, _, line)) = &mut self.status {
            *line = 0;
        }
    }

    /// Interprets one field and records it for the card unless it is empty or a placeholder.
    fn apply(&mut self, field: &RawField) {
        let kinds = &self.config.kinds;
        let cleaned: Vec<(String, u32)> = field
            .items
            .iter()
            .map(|(v, l)| (values::clean(v), *l))
            .filter(|(v, _)| !values::is_empty_value(v))
            .collect();
        if cleaned.is_empty() {
            return;
        }
        let label = field.label.as_str();
        // `eip: 1559`: a kind's name holding one number is the doc's own id.
        let folded = fields::fold_label(label);
        let key = match field.key {
            Key::Related if fields::is_single_kind(&folded, kinds) && cleaned.len() == 1 => {
                if values::is_bare_number(&cleaned[0].0) {
                    Key::Id
                } else {
                    Key::Related
                }
            }
            other => other,
        };
        if key == Key::Id && self.kind.is_none() {
            let named = ["number", "id", "no", ""]
                .iter()
                .find_map(|s| folded.strip_suffix(s).filter(|k| fields::is_single_kind(k, kinds)));
            self.kind = named.and_then(|k| title::kind_of_name(k, kinds));
        }
        match key {
            Key::Authors | Key::Reviewers => {
                let mut names = Vec::new();
                let mut placeholder = None;
                for (item, line) in &cleaned {
                    let (found, placeholders) = values::people(item, kinds);
                    if placeholder.is_none() {
                        placeholder = placeholders.into_iter().next().map(|p| (p, *line));
                    }
                    names.extend(found);
                }
                if let Some((p, line)) = placeholder {
                    self.warn_placeholder(label, line, &p);
                }
                if names.is_empty() {
                    return;
                }
                self.add_card_field(field, names.join(", "));
                let list = if field.key == Key::Authors { &mut self.authors } else { &mut self.reviewers };
                for n in names {
                    if !list.contains(&n) {
                        list.push(n);
                    }
                }
            }
            Key::Related | Key::Amends | Key::Supersedes | Key::SupersededBy => {
                let relation = match field.key {
                    Key::Supersedes => Relation::Supersedes,
                    Key::SupersededBy => Relation::SupersededBy,
                    _ => Relation::Related,
                };
                let mut shown = Vec::new();
                let mut placeholder = None;
                for (item, line) in &cleaned {
                    let (refs, placeholders) = values::references(item, *line, label, relation, kinds);
                    if !refs.is_empty() || placeholders.is_empty() {
                        shown.push(item.clone());
                    }
                    if placeholder.is_none() {
                        placeholder = placeholders.into_iter().next().map(|p| (p, *line));
                    }
                    self.refs.extend(refs);
                }
                if let Some((p, line)) = placeholder {
                    self.warn_placeholder(label, line, &p);
                }
                if !shown.is_empty() {
                    self.add_card_field(field, shown.join(", "));
                }
            }
            key => {
                let (value, line) = joined(&cleaned);
                if values::is_placeholder(&value, kinds) {
                    self.warn_placeholder(label, line, &value);
                    return;
                }
                if self.apply_scalar(key, label, &value, line) {
                    self.add_card_field(field, values::plain_text(&value));
                }
            }
        }
    }

    /// A single-valued field; false when the value was rejected (and warned about).
    fn apply_scalar(&mut self, key: Key, label: &str, value: &str, line: u32) -> bool {
        match key {
            Key::Title => set_first(&mut self.title, value.to_string(), line),
            Key::AltTitle => {
                if self.alt_title.is_none() {
                    self.alt_title = Some(values::plain_text(value));
                }
            }
            Key::Stage => {
                if self.stage.is_none() {
                    self.stage = Some((value.to_string(), label.to_string(), line));
                }
            }
            Key::Id => {
                // Only `id:` itself may hold free text (it becomes a slug); `Proposal:` or
                // `Number:` count only when they hold an id or a number.
                let plain = values::plain_text(value);
                let strict = matches!(fields::fold_label(label).as_str(), "id" | "docid" | "documentid" | "identifier");
                if strict || ids::normalize(&plain, &self.config.kinds).is_some() || values::is_bare_number(&plain) {
                    set_first(&mut self.id, plain.trim_start_matches('#').to_string(), line);
                }
            }
            Key::Kind => {
                if self.kind.is_none() {
                    self.kind = title::kind_of_name(&values::plain_text(value), &self.config.kinds);
                }
            }
            Key::Version => set_first(&mut self.version, values::plain_text(value), line),
            Key::Created | Key::Updated => {
                let iso = match values::parse_date(&values::plain_text(value)) {
                    Ok(iso) => iso,
                    Err(e) => {
                        let why = match e {
                            DateError::Impossible => "is not a real date",
                            DateError::Ambiguous => {
                                "is ambiguous (day and month could be swapped); write it as YYYY-MM-DD"
                            }
                            DateError::Unrecognised => "is not a date docportal reads; write it as YYYY-MM-DD",
                        };
                        self.warn(label, line, format!("`{label}` value `{value}` {why}, so it is left unset"));
                        return false;
                    }
                };
                let slot = if key == Key::Created { &mut self.created } else { &mut self.updated };
                set_first(slot, iso, line);
            }
            Key::Status => return self.apply_status(label, value, line),
            Key::Project | Key::Other | Key::Authors | Key::Reviewers => {}
            Key::Related | Key::Amends | Key::Supersedes | Key::SupersededBy => {}
        }
        true
    }

    fn apply_status(&mut self, label: &str, value: &str, line: u32) -> bool {
        let (status, raw) = match values::status(value, self.config) {
            StatusValue::Choices => {
                self.warn(
                    label,
                    line,
                    format!("`{label}` still lists the template's choices (`{value}`), so it is left unset"),
                );
                return false;
            }
            StatusValue::Known { status, raw, successor } => {
                if let Some(target) = successor {
                    let (refs, _) =
                        values::references(&target, line, label, Relation::SupersededBy, &self.config.kinds);
                    self.refs.extend(refs);
                }
                (status, raw)
            }
            // Warned about once per portal, not per doc: see `portal_diagnostics`.
            StatusValue::Unknown { status, raw } => (status, raw),
        };
        match &self.status {
            None => self.status = Some((status, raw, line)),
            Some((first, _, first_line)) if *first != status => {
                let message =
                    format!("`{label}` says `{raw}` but line {first_line} already gave `{first}`; using `{first}`");
                self.warn(label, line, message);
            }
            Some(_) => {}
        }
        true
    }
}

fn set_first(slot: &mut Option<(String, u32)>, value: String, line: u32) {
    if slot.is_none() {
        *slot = Some((value, line));
    }
}

/// A list given to a single-valued field is read as one comma-separated value.
fn joined(items: &[(String, u32)]) -> (String, u32) {
    let line = items.first().map(|(_, l)| *l).unwrap_or(0);
    let value = items.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>().join(", ");
    (value, line)
}

#[cfg(test)]
mod tests;
