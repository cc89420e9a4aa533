//! The carrier types that flow between pipeline stages.
//!
//! Each stage takes borrowed values of the stage before it and returns a new value
//! (plus its diagnostics): `SourceFile` (discover) → `Doc` (parse) → `Index` (index)
//! → `LinkGraph` (links) → `RenderedDoc` (render) → `Site` (site). Nothing here is
//! mutated after the stage that made it returns.

use crate::diag::Diagnostic;
use serde::Serialize;
use std::path::PathBuf;

/// A Markdown file read from the docs folder, decoded and normalised.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the docs folder, with forward slashes (`trd/TRD-0101-x.md`).
    pub rel_path: String,
    pub abs_path: PathBuf,
    /// UTF-8 text with any BOM removed and CRLF / lone CR turned into LF, so line
    /// numbers match what an editor shows.
    pub text: String,
    /// Problems met while reading (invalid UTF-8 decoded lossily, and so on).
    pub diagnostics: Vec<Diagnostic>,
    /// The metadata file beside a folder doc's `README.md` (`kep.yaml`, `metadata.json`).
    pub sidecar: Option<Sidecar>,
}

/// A metadata file next to a folder doc, read as text (YAML or JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    /// Path relative to the docs folder (`keps/sig-x/1672-y/kep.yaml`).
    pub rel_path: String,
    pub text: String,
}

/// How one document relates to another. Serialised names are the `docs.json` contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Related-document metadata (`Related PRD`, `relatedPRD`, `Related Documents`).
    Related,
    /// `Supersedes`, `Replaces`.
    Supersedes,
    /// `Superseded by`, `Replaced by`.
    SupersededBy,
    /// A link or bare id in the body text.
    Mentions,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Related => "related",
            Relation::Supersedes => "supersedes",
            Relation::SupersededBy => "superseded_by",
            Relation::Mentions => "mentions",
        }
    }

    /// The relation as seen from the target's side.
    pub fn inverse(self) -> Relation {
        match self {
            Relation::Supersedes => Relation::SupersededBy,
            Relation::SupersededBy => Relation::Supersedes,
            other => other,
        }
    }
}

/// A reference exactly as written in a document, before the links stage resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawRef {
    pub relation: Relation,
    /// What the author wrote as the target: an id (`ADR-7`), a path (`../prd/x.md#goals`),
    /// or a URL. Markdown link syntax is already removed; the label is kept apart.
    pub target: String,
    /// Link text, when the reference was a Markdown link.
    pub label: Option<String>,
    /// 1-based line in the source file; `None` when the position is unknown.
    pub line: Option<u32>,
    /// The metadata field it came from (`Related PRD`), or `None` for body references.
    pub field: Option<String>,
}

/// One metadata field as found in the document, for display on the metadata card.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MetaField {
    /// Canonical field name (`status`, `authors`, `created`, …) or, for fields docportal
    /// does not interpret, the name as written.
    pub key: String,
    /// The name as the author wrote it (`Last Updated`).
    pub label: String,
    pub value: String,
    pub line: u32,
}

/// A parsed document: its metadata, its references and its Markdown body.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Path relative to the docs folder, forward slashes.
    pub source: String,
    /// Canonical id: `TRD-0101` for numbered docs, else the slug of the path.
    pub id: String,
    /// True when `id` is a `KIND-NNNN` id (from metadata, title or file name).
    pub numbered: bool,
    /// False for pages that are not entries of the status index (a README, a template):
    /// `[portal] exclude-from-index`. They are still built and linkable.
    pub listed: bool,
    /// Upper-case kind (`TRD`), from the id, metadata, title prefix or folder.
    pub kind: Option<String>,
    pub title: String,
    /// Canonical status (`in-review`), or the lower-cased, hyphenated raw value.
    pub status: Option<String>,
    /// The status as written (`In Review`).
    pub status_raw: Option<String>,
    pub authors: Vec<String>,
    pub reviewers: Vec<String>,
    /// ISO `YYYY-MM-DD`.
    pub created: Option<String>,
    /// ISO `YYYY-MM-DD`.
    pub updated: Option<String>,
    pub version: Option<String>,
    /// Every metadata field found, in document order. Shared when a doc is cloned,
    /// as `refs` is.
    pub fields: std::sync::Arc<[MetaField]>,
    /// Metadata references and body references, in document order. Shared, not
    /// copied, when a doc is cloned: `serve` copies every parsed doc into each rebuild
    /// (at 10,000 docs, 320,000 references).
    pub refs: std::sync::Arc<[RawRef]>,
    /// The Markdown to render. It has exactly as many lines as the source file:
    /// front-matter, the title H1 and metadata blocks that went into the metadata
    /// card are blanked, so comrak's line numbers are the file's line numbers.
    pub body: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Doc {
    /// A copy of everything but the body, for stages that do not read it (at 10,000
    /// docs the bodies are 200 MB, and `serve` copies its parsed docs into every build).
    pub fn clone_without_body(&self) -> Doc {
        let Doc {
            source,
            id,
            numbered,
            listed,
            kind,
            title,
            status,
            status_raw,
            authors,
            reviewers,
            created,
            updated,
            version,
            fields,
            refs,
            body: _,
            diagnostics,
        } = self;
        Doc {
            source: source.clone(),
            id: id.clone(),
            numbered: *numbered,
            listed: *listed,
            kind: kind.clone(),
            title: title.clone(),
            status: status.clone(),
            status_raw: status_raw.clone(),
            authors: authors.clone(),
            reviewers: reviewers.clone(),
            created: created.clone(),
            updated: updated.clone(),
            version: version.clone(),
            fields: fields.clone(),
            refs: refs.clone(),
            body: String::new(),
            diagnostics: diagnostics.clone(),
        }
    }
}

/// A heading of a rendered doc, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    /// The heading's anchor id in the page.
    pub anchor: String,
    pub text: String,
}

/// A doc rendered to an HTML fragment (the article body; the page shell comes later).
#[derive(Debug, Clone, Default)]
pub struct RenderedDoc {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub has_mermaid: bool,
    pub has_code: bool,
    /// Visible text of the body, whitespace-folded, for search and excerpts. Emptied
    /// once `search` is worked out from it (`render::render_body`).
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    /// What the search index keeps of `text` and `toc`, worked out by the renderer so
    /// that it is cached with the body. `None` in a render made some other way: the
    /// search stage then works it out itself.
    pub search: Option<crate::search::DocAnalysis>,
}
