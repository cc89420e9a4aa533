//! The benchmark floor: the least work any portal builder with our crates must do.
//!
//! `cargo run --release --example floor -- CONTENT_DIR OUT_DIR [--threads N]` reads
//! every `.md` file under `CONTENT_DIR`, renders it with comrak (GFM tables, task
//! lists, strikethrough, autolinks, front-matter skipped), highlights fenced code with
//! syntect (the two-face grammar set, CSS classes, loaded once) on `N` threads
//! (default 2), and writes one HTML file per doc under `OUT_DIR`. `--no-highlight`
//! skips syntect and `--default-grammars` uses syntect's own grammars only, to show
//! what highlighting, and bat's extra grammars, cost. No metadata, links,
//! templates, index or search: `bench/run` compares docportal's cold build with this.
//! It lives in the bench, never in the product.

use comrak::adapters::SyntaxHighlighterAdapter;
use comrak::options::Plugins;
use comrak::{markdown_to_html_with_plugins, Options};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

// The same allocator as the `docportal` binary, so that the ratio measures the work,
// not malloc.
#[global_allocator]
static ALLOCATOR: docportal::Allocator = docportal::ALLOCATOR;

struct Highlighter {
    syntaxes: SyntaxSet,
}

fn escape_into(output: &mut dyn fmt::Write, text: &str) -> fmt::Result {
    for c in text.chars() {
        match c {
            '<' => output.write_str("&lt;")?,
            '>' => output.write_str("&gt;")?,
            '&' => output.write_str("&amp;")?,
            '"' => output.write_str("&quot;")?,
            _ => output.write_char(c)?,
        }
    }
    Ok(())
}

impl SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(&self, output: &mut dyn fmt::Write, lang: Option<&str>, code: &str) -> fmt::Result {
        let Some(syntax) = lang.and_then(|l| self.syntaxes.find_syntax_by_token(l)) else {
            return escape_into(output, code);
        };
        let mut html = ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, ClassStyle::Spaced);
        for line in LinesWithEndings::from(code) {
            if html.parse_html_for_line_which_includes_newline(line).is_err() {
                return escape_into(output, code);
            }
        }
        output.write_str(&html.finalize())
    }

    fn write_pre_tag(&self, output: &mut dyn fmt::Write, _: HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
        output.write_str("<pre class=\"code\">")
    }

    fn write_code_tag(&self, output: &mut dyn fmt::Write, attrs: HashMap<&'static str, Cow<'_, str>>) -> fmt::Result {
        match attrs.get("class") {
            Some(class) => {
                output.write_str("<code class=\"")?;
                escape_into(output, class)?;
                output.write_str("\">")
            }
            None => output.write_str("<code>"),
        }
    }
}

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// What to highlight with: `two-face` (syntect's grammars plus bat's: TypeScript, TOML,
/// HCL, Dockerfile…), `default` (syntect's own; those languages stay plain), or none.
#[derive(Clone, Copy, PartialEq)]
enum Grammars {
    TwoFace,
    Default,
    None,
}

fn run(content: &Path, out: &Path, threads: usize, grammars: Grammars) -> Result<usize, String> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| e.to_string())?;
    let files = markdown_files(content);
    let syntaxes = match grammars {
        Grammars::TwoFace => two_face::syntax::extra_newlines(),
        Grammars::Default => SyntaxSet::load_defaults_newlines(),
        Grammars::None => SyntaxSet::new(),
    };
    let highlighter = Highlighter { syntaxes };
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.tasklist = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.front_matter_delimiter = Some("---".into());
    let mut plugins = Plugins::default();
    if grammars != Grammars::None {
        plugins.render.codefence_syntax_highlighter = Some(&highlighter);
    }
    pool.install(|| {
        files.par_iter().try_for_each(|path| {
            let markdown = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let html = markdown_to_html_with_plugins(&markdown, &options, &plugins);
            let rel = path.strip_prefix(content).unwrap_or(path).with_extension("html");
            let target = out.join(rel);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            fs::write(&target, html).map_err(|e| format!("{}: {e}", target.display()))
        })
    })?;
    Ok(files.len())
}

fn main() -> ExitCode {
    let mut positional = Vec::new();
    let mut threads = 2;
    let mut grammars = Grammars::TwoFace;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--no-highlight" {
            grammars = Grammars::None;
        } else if arg == "--default-grammars" {
            grammars = Grammars::Default;
        } else if arg == "--threads" {
            match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => threads = n,
                None => {
                    eprintln!("floor: --threads needs a number");
                    return ExitCode::from(2);
                }
            }
        } else {
            positional.push(PathBuf::from(arg));
        }
    }
    let [content, out] = positional.as_slice() else {
        eprintln!("usage: floor CONTENT_DIR OUT_DIR [--threads N] [--no-highlight | --default-grammars]");
        return ExitCode::from(2);
    };
    match run(content, out, threads, grammars) {
        Ok(n) => {
            println!("floor: rendered {n} docs into {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("floor: {e}");
            ExitCode::FAILURE
        }
    }
}
