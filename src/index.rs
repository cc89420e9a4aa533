//! `Vec<Doc>` → [`Index`]: every doc under one canonical id, in a stable order.
//!
//! Docs are sorted by id (then by path, so the order is total). Two docs with the same
//! id are an error naming both files; the first keeps the id and the later ones are
//! indexed under their path slug so the portal still builds and each page stays
//! reachable. Lookups accept any spelling of an id (`adr 7`, `ADR-0007`).

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::ids;
use crate::model::Doc;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Index {
    /// Sorted by id, then source path.
    pub docs: Vec<Doc>,
    by_id: HashMap<String, usize>,
    by_source: HashMap<String, usize>,
    kinds: ids::Kinds,
    /// The docs folder relative to the project root (`docs/design`), empty when they are
    /// one folder: links starting with `/` are read from the project root.
    docs_prefix: String,
}

/// Builds the index. Duplicate ids are reported once per extra file.
pub fn build(mut docs: Vec<Doc>, config: &Config) -> (Index, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    docs.sort_by(|a, b| a.source.cmp(&b.source));
    // The doc that keeps a contested id is the first by path: stable across runs.
    let mut owner: HashMap<String, String> = HashMap::new();
    for doc in &mut docs {
        match owner.get(&doc.id) {
            None => {
                owner.insert(doc.id.clone(), doc.source.clone());
            }
            Some(first) => {
                diags.push(Diagnostic::error(
                    doc.source.clone(),
                    None,
                    format!(
                        "duplicate id `{}`: also used by `{first}`; this doc is listed as `{}`",
                        doc.id,
                        unique_slug(doc, &owner)
                    ),
                ));
                let slug = unique_slug(doc, &owner);
                owner.insert(slug.clone(), doc.source.clone());
                doc.id = slug;
                doc.numbered = false;
            }
        }
    }
    docs.sort_by(|a, b| (&a.id, &a.source).cmp(&(&b.id, &b.source)));
    let by_id = docs.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    let by_source = docs.iter().enumerate().map(|(i, d)| (d.source.clone(), i)).collect();
    let docs_prefix = config.src_dir.strip_prefix(&config.root).map(|p| crate::discover::rel_path(Path::new(""), p));
    let docs_prefix = docs_prefix.unwrap_or_default();
    (Index { docs, by_id, by_source, kinds: config.kinds.clone(), docs_prefix }, diags)
}

fn unique_slug(doc: &Doc, taken: &HashMap<String, String>) -> String {
    let base = ids::slug_of_path(&doc.source);
    let mut slug = base.clone();
    let mut n = 2;
    while taken.get(&slug).is_some_and(|s| s != &doc.source) {
        slug = format!("{base}-{n}");
        n += 1;
    }
    slug
}

impl Index {
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Position of the doc with this id, in any spelling (`adr 7` finds `ADR-0007`).
    pub fn find_id(&self, written: &str) -> Option<usize> {
        if let Some(&i) = self.by_id.get(written) {
            return Some(i);
        }
        let canonical = ids::normalize(written, &self.kinds)?;
        self.by_id.get(&canonical).copied()
    }

    /// Position of the doc at this path relative to the docs folder.
    pub fn find_source(&self, rel_path: &str) -> Option<usize> {
        self.by_source.get(rel_path).copied()
    }

    pub fn kinds(&self) -> &ids::Kinds {
        &self.kinds
    }

    /// The docs folder relative to the project root; empty when it is the root.
    pub fn docs_prefix(&self) -> &str {
        &self.docs_prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(source: &str, id: &str) -> Doc {
        Doc {
            source: source.into(),
            id: id.into(),
            numbered: true,
            listed: true,
            kind: None,
            title: id.into(),
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

    #[test]
    fn duplicate_ids_are_an_error_naming_both_files() {
        let config = Config::default_at(Path::new("/p"));
        let (index, diags) = build(vec![doc("b/x.md", "ADR-0001"), doc("a/y.md", "ADR-0001")], &config);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].is_error());
        assert_eq!(diags[0].source, "b/x.md");
        assert!(diags[0].message.contains("a/y.md"));
        assert_eq!(index.find_id("adr 1").map(|i| index.docs[i].source.as_str()), Some("a/y.md"));
        assert_eq!(index.find_id("b-x").map(|i| index.docs[i].source.as_str()), Some("b/x.md"));
    }

    #[test]
    fn lookups_accept_any_spelling() {
        let config = Config::default_at(Path::new("/p"));
        let (index, _) = build(vec![doc("x.md", "TRD-0101")], &config);
        for w in ["TRD-0101", "trd 101", "TRD-101", "trd_0101"] {
            assert_eq!(index.find_id(w), Some(0), "{w}");
        }
        assert_eq!(index.find_source("x.md"), Some(0));
    }
}
