//! The theme: tera templates and static assets, built into the binary and overridable.
//!
//! Every file under the repository's `theme/` folder is embedded at compile time. A
//! portal overrides any of them by putting a file at the same relative path under its
//! own theme folder (`[output.html] theme`, default `theme/`). Loading the theme
//! returns the merged file set; templates are compiled once per build.

use crate::config::Config;
use crate::diag::Diagnostic;
use std::collections::BTreeMap;

/// Built-in theme files: (path relative to `theme/`, contents).
pub const BUILTIN: &[(&str, &[u8])] = &[
    ("templates/base.html", include_bytes!("../theme/templates/base.html")),
    ("templates/doc.html", include_bytes!("../theme/templates/doc.html")),
    ("templates/index.html", include_bytes!("../theme/templates/index.html")),
    ("templates/search_box.html", include_bytes!("../theme/templates/search_box.html")),
    ("assets/style.css", include_bytes!("../theme/assets/style.css")),
];

/// The merged theme: built-in files with the portal's overrides applied.
#[derive(Debug, Clone)]
pub struct Theme {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Paths that came from the portal's theme folder, for messages.
    pub overridden: Vec<String>,
}

/// Loads the built-in theme and applies overrides from `config.theme_dir`.
pub fn load(config: &Config) -> Result<Theme, Diagnostic> {
    let mut files: BTreeMap<String, Vec<u8>> = BUILTIN.iter().map(|(p, b)| (p.to_string(), b.to_vec())).collect();
    let mut overridden = Vec::new();
    if config.theme_dir.is_dir() {
        for entry in walkdir::WalkDir::new(&config.theme_dir).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                Diagnostic::error("theme", None, format!("cannot read the theme folder: {e}")).in_project()
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = crate::discover::rel_path(&config.theme_dir, entry.path());
            if rel.split('/').any(|s| s.starts_with('.')) {
                continue;
            }
            let bytes = std::fs::read(entry.path()).map_err(|e| {
                Diagnostic::error(format!("theme/{rel}"), None, format!("cannot read: {e}")).in_project()
            })?;
            files.insert(rel.clone(), bytes);
            overridden.push(rel);
        }
    }
    Ok(Theme { files, overridden })
}

impl Theme {
    /// Every template (`templates/*.html`), compiled into one tera instance with
    /// autoescaping on for `.html`.
    pub fn tera(&self) -> Result<tera::Tera, Diagnostic> {
        let mut tera = tera::Tera::default();
        let mut templates = Vec::new();
        for (path, bytes) in &self.files {
            if let Some(name) = path.strip_prefix("templates/") {
                let text = String::from_utf8(bytes.clone()).map_err(|_| {
                    Diagnostic::error(format!("theme/{path}"), None, "template is not UTF-8").in_project()
                })?;
                templates.push((name.to_string(), text));
            }
        }
        tera.add_raw_templates(templates).map_err(|e| {
            let mut msg = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                source = s.source();
            }
            Diagnostic::error("theme/templates", None, msg).in_project()
        })?;
        tera.autoescape_on(vec![".html"]);
        Ok(tera)
    }

    /// Static assets (everything under `assets/`), by path relative to `assets/`.
    pub fn assets(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().filter_map(|(p, b)| p.strip_prefix("assets/").map(|rel| (rel, b.as_slice())))
    }
}
