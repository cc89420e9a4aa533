//! `book.toml` → [`Config`]: the raw serde shape, validated into resolved paths and values.
//!
//! Every key is optional; a missing `book.toml` gives the defaults (docs in `content/`,
//! output in `book/`, files published as they are in `static/`). A file that is not
//! valid TOML, or a key of the wrong type, is an error naming `book.toml` and the line.
//! Unknown keys are warnings, so a typo never passes silently. The result is immutable
//! and shared by every stage.

use crate::diag::Diagnostic;
use crate::ids::{IdPattern, Kinds};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_KINDS: [&str; 6] = ["TRD", "TDD", "PRD", "ADR", "RFC", "SPEC"];

/// Pages that are not design docs, by default: repository furniture and templates. A
/// pattern without `/` matches a file (or folder doc) name at any depth.
pub const DEFAULT_EXCLUDE_FROM_INDEX: [&str; 16] = [
    "README.md",
    "index.md",
    "CONTRIBUTING.md",
    "CODE_OF_CONDUCT.md",
    "CHANGELOG.md",
    "SECURITY.md",
    "LICENSE.md",
    "SUMMARY.md",
    "template.md",
    "*-template.md",
    "*_template.md",
    "template-*.md",
    "0000-*",
    "NNNN-*",
    "*-template",
    "XXXX-*",
];

#[derive(Debug, Clone)]
pub struct Config {
    /// The project folder (holding `book.toml`), absolute.
    pub root: PathBuf,
    /// The docs folder, absolute.
    pub src_dir: PathBuf,
    /// The docs folder as written relative to the root (`content`), for messages.
    pub src_display: String,
    /// The output folder, absolute.
    pub build_dir: PathBuf,
    pub title: String,
    pub description: Option<String>,
    /// Normalised prefix the site is served under: `/` or `/docs/portal/`, or a full URL
    /// ending in `/` (`https://acme.github.io/design/`).
    pub site_url: String,
    pub git_repository_url: Option<String>,
    pub git_branch: String,
    pub allow_html: bool,
    pub line_numbers: bool,
    pub mermaid_url: Option<String>,
    pub precompress: bool,
    /// Put the docportal version and build time into `docs.json` (off: output stays
    /// byte-identical across builds).
    pub build_info: bool,
    /// The kinds (a name written all in lower case is upper-cased; others keep their
    /// spelling, `gRFC`) with their id patterns from `[portal.kind.NAME]`.
    pub kinds: Kinds,
    /// Extra status spellings (lower-cased) → canonical status.
    pub status_map: BTreeMap<String, String>,
    /// Kind → folder (relative to the docs folder) where `docportal new` puts it.
    pub folders: BTreeMap<String, String>,
    /// The portal's own theme folder; files there override the built-in theme.
    pub theme_dir: PathBuf,
    /// `[build] static-dir`, absolute: files copied into the site as they are
    /// ([`crate::static_files`]).
    pub static_dir: PathBuf,
    /// The static folder as written (`static`), for messages.
    pub static_display: String,
    /// The line of `static-dir` in book.toml, for messages; `None` for the default
    /// folder, which may be missing or misplaced without a word ([`crate::static_files`]).
    pub static_line: Option<u32>,
    /// `[portal] exclude-from-index`: pages matching one of these are built but are not
    /// entries of the dashboard, the status pages or the docs table.
    pub exclude_from_index: Vec<Glob>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawConfig {
    book: RawBook,
    build: RawBuild,
    output: RawOutput,
    portal: RawPortal,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawBook {
    title: Option<String>,
    description: Option<String>,
    src: Option<String>,
    authors: Option<Vec<String>>,
    language: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawBuild {
    build_dir: Option<String>,
    static_dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawOutput {
    html: RawHtml,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
struct RawHtml {
    site_url: Option<String>,
    git_repository_url: Option<String>,
    git_branch: Option<String>,
    allow_html: Option<bool>,
    line_numbers: Option<bool>,
    mermaid_url: Option<String>,
    precompress: Option<bool>,
    build_info: Option<bool>,
    theme: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPortal {
    kinds: Option<Vec<String>>,
    status: BTreeMap<String, String>,
    folders: BTreeMap<String, String>,
    #[serde(rename = "exclude-from-index")]
    exclude_from_index: Option<Vec<String>>,
    /// `[portal.kind.NAME]` tables.
    kind: BTreeMap<String, RawKind>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawKind {
    id: Option<toml::Spanned<String>>,
}

/// Keys docportal reads, per table, for the unknown-key warning.
const KNOWN_KEYS: &[(&str, &[&str])] = &[
    ("book", &["title", "description", "src", "authors", "language", "multilingual"]),
    ("build", &["build-dir", "static-dir", "create-missing", "use-default-preprocessors"]),
    (
        "output.html",
        &[
            "site-url",
            "git-repository-url",
            "git-branch",
            "allow-html",
            "line-numbers",
            "mermaid-url",
            "precompress",
            "build-info",
            "theme",
        ],
    ),
    ("portal", &["kinds", "status", "folders", "exclude-from-index", "kind"]),
    ("portal.kind.*", &["id"]),
];

/// Loads `root/book.toml` (defaults when absent). Errors are fatal for the build;
/// warnings come back beside the config.
pub fn load(root: &Path) -> Result<(Config, Vec<Diagnostic>), Diagnostic> {
    let path = root.join("book.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Diagnostic::error("book.toml", None, format!("cannot read: {e}")).in_project()),
    };
    from_str(root, &text)
}

/// Parses and validates config text as if it were `root/book.toml`.
pub fn from_str(root: &Path, text: &str) -> Result<(Config, Vec<Diagnostic>), Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        Diagnostic::error("book.toml", line, e.message().trim().to_string()).in_project()
    })?;
    let mut diags = unknown_key_warnings(text);

    let root = absolute(root);
    let src_rel = raw.book.src.unwrap_or_else(|| "content".to_string());
    let build_rel = raw.build.build_dir.unwrap_or_else(|| "book".to_string());
    let site_url = normalize_site_url(raw.output.html.site_url.as_deref().unwrap_or("/"))
        .map_err(|m| Diagnostic::error("book.toml", find_key_line(text, "site-url"), m).in_project())?;

    let kinds = kinds_of(text, raw.portal.kinds, raw.portal.kind)?;
    let mut status_map = BTreeMap::new();
    for (spelling, canonical) in raw.portal.status {
        status_map.insert(spelling.trim().to_lowercase(), canonical.trim().to_lowercase());
    }
    let folders = raw
        .portal
        .folders
        .into_iter()
        .map(|(k, v)| (kinds.find(&k).map(str::to_string).unwrap_or_else(|| k.trim().to_ascii_uppercase()), v))
        .collect();
    let theme_rel = raw.output.html.theme.unwrap_or_else(|| "theme".to_string());
    let static_line = raw.build.static_dir.as_ref().map(|_| find_key_line(text, "static-dir").unwrap_or(1));
    let static_rel = raw.build.static_dir.unwrap_or_else(|| "static".to_string());
    let exclude_from_index = match raw.portal.exclude_from_index {
        Some(patterns) => patterns.iter().map(|p| Glob::new(p)).collect(),
        None => DEFAULT_EXCLUDE_FROM_INDEX.iter().map(|p| Glob::new(p)).collect(),
    };

    let config = Config {
        src_dir: root.join(&src_rel),
        src_display: src_rel.trim_end_matches('/').to_string(),
        build_dir: root.join(&build_rel),
        theme_dir: root.join(theme_rel),
        static_dir: absolute(&root.join(&static_rel)),
        static_display: static_rel.trim_end_matches('/').to_string(),
        static_line,
        title: raw.book.title.unwrap_or_else(|| "Design docs".to_string()),
        description: raw.book.description,
        site_url,
        git_repository_url: raw.output.html.git_repository_url.map(|u| u.trim_end_matches('/').to_string()),
        git_branch: raw.output.html.git_branch.unwrap_or_else(|| "main".to_string()),
        allow_html: raw.output.html.allow_html.unwrap_or(false),
        line_numbers: raw.output.html.line_numbers.unwrap_or(false),
        mermaid_url: raw.output.html.mermaid_url,
        precompress: raw.output.html.precompress.unwrap_or(false),
        build_info: raw.output.html.build_info.unwrap_or(false),
        kinds,
        status_map,
        folders,
        exclude_from_index,
        root,
    };
    if config.src_dir == config.root {
        diags.push(
            Diagnostic::warning(
                "book.toml",
                find_key_line(text, "src"),
                "the docs folder is the project root; every Markdown file below it becomes a doc",
            )
            .in_project(),
        );
    }
    let _ = (raw.book.authors, raw.book.language);
    Ok((config, diags))
}

/// The kind list with its id patterns. A kind named only in a `[portal.kind.NAME]`
/// table is added after the listed ones. Errors name book.toml and the line.
fn kinds_of(text: &str, listed: Option<Vec<String>>, tables: BTreeMap<String, RawKind>) -> Result<Kinds, Diagnostic> {
    let error = |line: Option<u32>, message: String| Diagnostic::error("book.toml", line, message).in_project();
    let mut names: Vec<String> = Vec::new();
    let listed = listed.unwrap_or_else(|| DEFAULT_KINDS.iter().map(|s| s.to_string()).collect());
    for name in listed.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        if !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(error(find_key_line(text, "kinds"), format!("kind `{name}` must be letters and digits only")));
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(kind_spelling(name));
        }
    }
    let mut patterns: BTreeMap<usize, IdPattern> = BTreeMap::new();
    for (name, table) in tables {
        let header = find_table_line(text, &name);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(error(header, format!("[portal.kind.{name}]: a kind must be letters and digits only")));
        }
        let at = match names.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
            Some(at) => at,
            None => {
                names.push(kind_spelling(&name));
                names.len() - 1
            }
        };
        if let Some(id) = table.id {
            let line = Some(line_of_offset(text, id.span().start));
            let pattern =
                IdPattern::parse(&name, id.get_ref()).map_err(|m| error(line, format!("[portal.kind.{name}] {m}")))?;
            patterns.insert(at, pattern);
        }
    }
    let kinds =
        Kinds::new(names.into_iter().enumerate().map(|(i, n)| (n, patterns.remove(&i).unwrap_or_default())).collect());
    kinds.check().map_err(|m| error(find_key_line(text, "[portal.kind").or(find_key_line(text, "kinds")), m))?;
    Ok(kinds)
}

/// `adr` → `ADR`; a name with an upper-case letter keeps its spelling (`gRFC`).
fn kind_spelling(name: &str) -> String {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_string()
    } else {
        name.to_ascii_uppercase()
    }
}

/// The line of a `[portal.kind.NAME]` header (or of a `NAME = ` key under `[portal.kind]`).
fn find_table_line(text: &str, name: &str) -> Option<u32> {
    text.lines()
        .position(|l| {
            let t: String =
                l.split('#').next().unwrap_or("").chars().filter(|c| !c.is_whitespace() && *c != '"').collect();
            t == format!("[portal.kind.{name}]") || t.starts_with(&format!("{name}="))
        })
        .map(|i| i as u32 + 1)
}

impl Config {
    /// `path` as a message names it: relative to the project root (with `/`), or in full
    /// when it is outside the project.
    pub fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .map_or_else(|_| path.display().to_string(), |p| p.to_string_lossy().replace('\\', "/"))
    }

    /// A config with every default, rooted at `root`; for tests and `check` without a book.toml.
    pub fn default_at(root: &Path) -> Config {
        from_str(root, "").expect("empty config is valid").0
    }

    /// Overrides the site URL from the command line, with the same validation as book.toml.
    pub fn with_site_url(mut self, raw: &str) -> Result<Config, String> {
        self.site_url = normalize_site_url(raw)?;
        Ok(self)
    }

    /// Whether the doc at `index_path` (docs-relative; a folder doc's folder) is an entry
    /// of the status index, i.e. matches no `exclude-from-index` pattern.
    pub fn is_listed(&self, index_path: &str) -> bool {
        !self.exclude_from_index.iter().any(|g| g.matches(index_path))
    }

    /// Overrides the build directory (relative paths are taken from the current directory).
    pub fn with_build_dir(mut self, dir: &Path) -> Config {
        self.build_dir = absolute(dir);
        self
    }
}

/// `docs`, `/docs`, `/docs/` → `/docs/`; `https://x.io/a` → `https://x.io/a/`.
/// Rejects values that cannot be a URL prefix (spaces, `..`, query strings).
pub fn normalize_site_url(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() || value == "/" {
        return Ok("/".to_string());
    }
    if value.contains(char::is_whitespace) || value.contains(['?', '#', '\\', '"', '<', '>']) {
        return Err(format!("site-url `{raw}` must be a path like `/docs/` or a URL like `https://example.com/docs/`"));
    }
    let (scheme_host, path) = match value.find("://") {
        Some(i) => {
            let scheme = &value[..i];
            if scheme != "http" && scheme != "https" {
                return Err(format!("site-url `{raw}`: only http and https URLs are supported"));
            }
            let after = &value[i + 3..];
            let slash = after.find('/').unwrap_or(after.len());
            if slash == 0 {
                return Err(format!("site-url `{raw}` has no host"));
            }
            (Some(&value[..i + 3 + slash]), &after[slash..])
        }
        None => (None, value),
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    if segments.contains(&"..") {
        return Err(format!("site-url `{raw}` must not contain `..`"));
    }
    let mut path = String::from("/");
    for s in segments {
        path.push_str(s);
        path.push('/');
    }
    Ok(match scheme_host {
        Some(prefix) => format!("{prefix}{path}"),
        None => path,
    })
}

/// A path pattern: `*` matches within one segment, `**` any number of segments, `?`
/// one character; matching ignores ASCII case. A pattern without `/` matches the last
/// segment of a path at any depth (as in `.gitignore`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    segments: Vec<String>,
    anywhere: bool,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let trimmed = pattern.trim().trim_start_matches("./");
        let anywhere = !trimmed.trim_end_matches('/').contains('/');
        let segments =
            trimmed.trim_matches('/').split('/').filter(|s| !s.is_empty()).map(str::to_ascii_lowercase).collect();
        Glob { segments, anywhere }
    }

    /// Whether the docs-relative path (forward slashes) matches.
    pub fn matches(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
        if self.segments.is_empty() {
            return false;
        }
        if self.anywhere {
            return parts.last().is_some_and(|last| segment_matches(self.segments[0].as_bytes(), last.as_bytes()));
        }
        let pattern: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        path_matches(&pattern, &parts)
    }
}

fn path_matches(pattern: &[&str], parts: &[&str]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((&"**", rest)) => (0..=parts.len()).any(|skip| path_matches(rest, &parts[skip..])),
        Some((seg, rest)) => match parts.split_first() {
            Some((part, more)) => segment_matches(seg.as_bytes(), part.as_bytes()) && path_matches(rest, more),
            None => false,
        },
    }
}

/// `*` and `?` within one segment; iterative with one backtrack point, so linear-ish.
fn segment_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    // Lexical clean-up only: the folder may not exist yet (a fresh build dir).
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn line_of_offset(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() as u32 + 1
}

fn find_key_line(text: &str, key: &str) -> Option<u32> {
    text.lines().position(|l| l.trim_start().starts_with(key)).map(|i| i as u32 + 1)
}

/// Walks the TOML tables by hand to warn about keys docportal does not know.
fn unknown_key_warnings(text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut table = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            table = rest.trim_start_matches('[').split(']').next().unwrap_or("").trim().to_string();
            continue;
        }
        let Some((key, _)) = line.split_once('=') else { continue };
        let key = key.trim().trim_matches('"');
        let pattern_table = if table.starts_with("portal.kind.") { "portal.kind.*" } else { table.as_str() };
        let known = KNOWN_KEYS.iter().find(|(t, _)| *t == pattern_table);
        if let Some((_, keys)) = known {
            if !keys.contains(&key) {
                let hint = suggest(key, keys).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                out.push(
                    Diagnostic::warning(
                        "book.toml",
                        Some(i as u32 + 1),
                        format!("unknown key `{key}` in [{table}]{hint}"),
                    )
                    .in_project(),
                );
            }
        }
    }
    out
}

fn suggest<'a>(key: &str, keys: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.replace(['_', '-'], "").to_lowercase();
    keys.iter().copied().find(|k| norm(k) == norm(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_keys_are_missing() {
        let (c, d) = from_str(Path::new("/p"), "").unwrap();
        assert!(d.is_empty());
        assert_eq!(c.src_dir, PathBuf::from("/p/content"));
        assert_eq!(c.build_dir, PathBuf::from("/p/book"));
        assert_eq!(c.site_url, "/");
        assert_eq!(c.kinds[..], DEFAULT_KINDS);
        assert_eq!((c.static_dir, c.static_line), (PathBuf::from("/p/static"), None));
    }

    #[test]
    fn a_configured_static_dir_is_known_and_remembers_its_line() {
        let text = "[build]\nbuild-dir = \"out\"\nstatic-dir = \"./site/public/\"\n";
        let (c, d) = from_str(Path::new("/p"), text).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.static_dir, PathBuf::from("/p/site/public"));
        assert_eq!((c.static_display.as_str(), c.static_line), ("./site/public", Some(3)));
    }

    #[test]
    fn site_url_is_normalised_or_rejected() {
        assert_eq!(normalize_site_url("docs").unwrap(), "/docs/");
        assert_eq!(normalize_site_url("/docs/portal").unwrap(), "/docs/portal/");
        assert_eq!(normalize_site_url("https://a.io/x").unwrap(), "https://a.io/x/");
        assert_eq!(normalize_site_url("https://a.io").unwrap(), "https://a.io/");
        assert!(normalize_site_url("/a/../b").is_err());
        assert!(normalize_site_url("ftp://a").is_err());
        assert!(normalize_site_url("/a b/").is_err());
    }

    #[test]
    fn type_errors_name_the_line() {
        let err = from_str(Path::new("/p"), "[book]\ntitle = \"x\"\nsrc = 5\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert_eq!(err.source, "book.toml");
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let (_, d) = from_str(Path::new("/p"), "[output.html]\nsite_url = \"/\"\n").unwrap();
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("did you mean `site-url`"), "{}", d[0].message);
        assert_eq!(d[0].line, Some(2));
    }

    #[test]
    fn exclude_from_index_defaults_and_overrides() {
        let c = Config::default_at(Path::new("/p"));
        for unlisted in ["README.md", "adr/readme.md", "CONTRIBUTING.md", "text/0000-template.md", "eip-template.md"] {
            assert!(!c.is_listed(unlisted), "{unlisted}");
        }
        for listed in
            ["adr/0005-use-template-engine.md", "keps/sig-x/1672-y", "text/0001-x.md", "proposals/index-v2.md"]
        {
            assert!(c.is_listed(listed), "{listed}");
        }
        assert!(!c.is_listed("keps/NNNN-kep-template"));
        let (c, d) = from_str(Path::new("/p"), "[portal]\nexclude-from-index = [\"drafts/**\"]\n").unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert!(c.is_listed("README.md"), "an explicit list replaces the defaults");
        assert!(!c.is_listed("drafts/a/b.md"));
        assert!(c.is_listed("adr/drafts.md"));
    }

    #[test]
    fn globs_match_segments_and_stars() {
        assert!(Glob::new("adr/*.md").matches("adr/0001-x.md"));
        assert!(!Glob::new("adr/*.md").matches("adr/sub/0001-x.md"));
        assert!(Glob::new("**/draft-*").matches("a/b/draft-x.md"));
        assert!(Glob::new("a/**/x.md").matches("a/x.md"));
        assert!(Glob::new("?.md").matches("z/a.md"));
        assert!(!Glob::new("*-template.md").matches("template.md"));
        assert!(Glob::new("*a*b*c").matches("xaxxbxxc"));
        assert!(!Glob::new("").matches("a"));
    }

    #[test]
    fn status_spellings_are_lowercased() {
        let (c, _) = from_str(Path::new("/p"), "[portal.status]\n\"Ready for Review\" = \"in-review\"\n").unwrap();
        assert_eq!(c.status_map.get("ready for review").map(String::as_str), Some("in-review"));
    }

    #[test]
    fn kind_tables_give_id_patterns_and_keep_mixed_case_names() {
        let text = "[portal]\nkinds = [\"adr\", \"SE\"]\n\n[portal.kind.gRFC]\nid = \"[AGLP]{n}\"\n\n[portal.kind.se]\nid = \"SE-{nnnn}\"\n";
        let (c, d) = from_str(Path::new("/p"), text).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.kinds[..], ["ADR", "SE", "gRFC"]);
        assert_eq!(crate::ids::normalize("gRFC A27", &c.kinds).as_deref(), Some("gRFC-A27"));
        assert_eq!(crate::ids::normalize("L5", &c.kinds).as_deref(), Some("gRFC-L5"));
        assert_eq!(crate::ids::normalize("se 296", &c.kinds).as_deref(), Some("SE-0296"));
        let (c, _) = from_str(Path::new("/p"), "[portal.kind]\nEIP = { id = \"EIP-{n}\" }\n").unwrap();
        assert_eq!(crate::ids::normalize("eip-0020", &c.kinds).as_deref(), Some("EIP-20"));
    }

    #[test]
    fn bad_id_patterns_are_errors_naming_book_toml_and_the_line() {
        let err =
            from_str(Path::new("/p"), "[book]\ntitle = \"x\"\n\n[portal.kind.gRFC]\nid = \"A\\\\d+\"\n").unwrap_err();
        assert_eq!((err.source.as_str(), err.line), ("book.toml", Some(5)));
        assert!(
            err.message.contains("[portal.kind.gRFC]") && err.message.contains("is not allowed"),
            "{}",
            err.message
        );
        let err = from_str(Path::new("/p"), "[portal.kind.X]\nid = \"[AB]{n}\"\n[portal.kind.Y]\nid = \"B{n}\"\n")
            .unwrap_err();
        assert!(err.message.contains("`X` and `Y`"), "{}", err.message);
        assert_eq!(err.line, Some(1));
        let err = from_str(Path::new("/p"), "[portal.kind.\"a-b\"]\nid = \"{n}\"\n").unwrap_err();
        assert_eq!(err.line, Some(1), "{}", err.message);
        let (_, d) = from_str(Path::new("/p"), "[portal.kind.SE]\npattern = \"{n}\"\n").unwrap();
        assert!(d.len() == 1 && d[0].message.contains("unknown key `pattern`"), "{d:?}");
    }
}
