//! Diagnostics: the one type every stage uses to report a problem in the user's input.
//!
//! A [`Diagnostic`] names a file (relative to the content folder, or to the project
//! root for `book.toml` and theme files), an optional 1-based line, a severity and a
//! message. Stages never print: they return diagnostics beside their output, and
//! `main` decides how to show them (`human`, `json`, `github`). Rendering is stable
//! so the same input always prints the same report.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Which folder a diagnostic's `source` is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Base {
    /// The docs folder (`[book] src`); the usual case.
    #[default]
    Content,
    /// The project root (the folder holding `book.toml`).
    Project,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path with forward slashes, relative to `base`. Empty when no file applies.
    pub source: String,
    #[serde(skip)]
    pub base: Base,
    pub line: Option<u32>,
    pub message: String,
}

impl Diagnostic {
    pub fn warning(source: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, source, line, message)
    }

    pub fn error(source: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, source, line, message)
    }

    pub fn new(severity: Severity, source: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Diagnostic { severity, source: source.into(), base: Base::Content, line, message: message.into() }
    }

    /// Marks the diagnostic's path as relative to the project root rather than the docs folder.
    pub fn in_project(mut self) -> Self {
        self.base = Base::Project;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The path as a user in the project root would type it: `content/trd/x.md`.
    pub fn display_path(&self, content_prefix: &str) -> String {
        match self.base {
            Base::Project => self.source.clone(),
            Base::Content if content_prefix.is_empty() || content_prefix == "." => self.source.clone(),
            Base::Content => format!("{}/{}", content_prefix.trim_end_matches('/'), self.source),
        }
    }

    /// `path:line: severity: message`, the form editors and CI logs recognise.
    pub fn render_human(&self, content_prefix: &str) -> String {
        let path = self.display_path(content_prefix);
        match (path.is_empty(), self.line) {
            (true, _) => format!("{}: {}", self.severity, self.message),
            (false, Some(line)) => format!("{path}:{line}: {}: {}", self.severity, self.message),
            (false, None) => format!("{path}: {}: {}", self.severity, self.message),
        }
    }

    /// A GitHub Actions workflow command, shown as an annotation on pull requests.
    pub fn render_github(&self, content_prefix: &str) -> String {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        let mut props = Vec::new();
        let path = self.display_path(content_prefix);
        if !path.is_empty() {
            props.push(format!("file={}", escape_github_property(&path)));
        }
        if let Some(line) = self.line {
            props.push(format!("line={line}"));
        }
        let props = if props.is_empty() { String::new() } else { format!(" {}", props.join(",")) };
        format!("::{level}{props}::{}", escape_github_data(&self.message))
    }
}

/// Sorts diagnostics into the stable order every report uses: by file, line, then text.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(order);
}

/// The order of [`sort`]: by file, line, then text. It looks at every field, so
/// diagnostics it calls equal are equal.
pub fn order(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
    (a.base, &a.source, a.line, &a.message, a.severity).cmp(&(b.base, &b.source, b.line, &b.message, b.severity))
}

/// The diagnostics of `now` that `before` does not hold, both in [`sort`] order: one
/// walk along the two lists (a server compares tens of thousands on every rebuild).
pub fn not_in<'a>(now: &'a [Diagnostic], before: &'a [Diagnostic]) -> impl Iterator<Item = &'a Diagnostic> {
    let mut rest = before.iter().peekable();
    now.iter().filter(move |d| {
        // The lists are mostly the same: a step or two along `before` per diagnostic.
        while rest.next_if(|b| order(b, d).is_lt()).is_some() {}
        rest.peek().is_none_or(|b| *b != *d)
    })
}

pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (diags.len() - errors, errors)
}

fn escape_github_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_github_property(s: &str) -> String {
    escape_github_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_form_names_file_and_line() {
        let d = Diagnostic::warning("trd/a.md", Some(9), "status is a placeholder");
        assert_eq!(d.render_human("content"), "content/trd/a.md:9: warning: status is a placeholder");
        let p = Diagnostic::error("book.toml", Some(3), "bad key").in_project();
        assert_eq!(p.render_human("content"), "book.toml:3: error: bad key");
    }

    #[test]
    fn not_in_gives_what_the_earlier_sorted_list_lacks_counting_repeats_as_known() {
        let w = |source: &str, line: u32, message: &str| Diagnostic::warning(source, Some(line), message);
        let mut before = vec![w("b.md", 3, "x"), w("a.md", 1, "x"), w("c.md", 9, "gone"), w("a.md", 2, "y")];
        let mut now = vec![
            w("a.md", 2, "y"),
            w("a.md", 2, "y"),
            w("a.md", 1, "x"),
            w("a.md", 1, "z"),
            Diagnostic::error("b.md", Some(3), "x"),
            w("b.md", 3, "x"),
            w("d.md", 1, "new"),
            w("a.md", 1, "x").in_project(),
        ];
        sort(&mut before);
        sort(&mut now);
        let fresh: Vec<String> = not_in(&now, &before).map(|d| d.render_human("content")).collect();
        assert_eq!(
            fresh,
            [
                "content/a.md:1: warning: z",
                "content/b.md:3: error: x",
                "content/d.md:1: warning: new",
                "a.md:1: warning: x",
            ]
        );
        assert_eq!(not_in(&now, &now).count(), 0);
        assert_eq!(not_in(&now, &[]).count(), now.len());
    }

    #[test]
    fn github_form_escapes_separators() {
        let d = Diagnostic::error("a,b.md", Some(2), "50%\nnext");
        assert_eq!(d.render_github("docs"), "::error file=docs/a%2Cb.md,line=2::50%25%0Anext");
    }
}
