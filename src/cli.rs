//! The command line: `build`, `check`, `serve`, `init`, `new`.
//!
//! Each command returns an exit code (0 ok, 1 errors in the docs or warnings under
//! `--strict`, 2 usage or I/O failure); only `main` exits. Progress and the summary
//! go to stderr in cargo's style (a right-aligned green verb), diagnostics as
//! `path:line: severity: message`; colour only when stderr is a terminal and
//! `NO_COLOR` is unset.

use crate::config::{self, Config};
use crate::diag::{self, Diagnostic};
use crate::{discover, fresh, pipeline, scaffold, static_files, write};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "docportal",
    version,
    about = "Publish a folder of design docs (TRDs, TDDs, PRDs, ADRs, RFCs, specs) as a portal"
)]
pub struct Cli {
    /// Print only warnings and errors: no progress lines, no summary
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the portal into the build folder (default: book/)
    Build {
        /// The portal folder, holding book.toml
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write the site here instead of [build] build-dir
        #[allow(rustdoc::broken_intra_doc_links)] // `[build]` is book.toml's table, in --help
        #[arg(long, short = 'd')]
        dest_dir: Option<PathBuf>,
        /// Serve the site under this prefix or URL (overrides [output.html] site-url)
        #[arg(long)]
        site_url: Option<String>,
        /// Treat warnings as errors (exit 1 when any is found)
        #[arg(long)]
        strict: bool,
        /// Record the docportal version and build time in docs.json
        #[arg(long)]
        build_info: bool,
    },
    /// Check metadata and links without writing anything
    Check {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// How to print diagnostics
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors
        #[arg(long)]
        strict: bool,
    },
    /// Create a starter portal: book.toml, an example doc per kind, .gitignore
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The portal's title
        #[arg(long)]
        title: Option<String>,
        /// Overwrite existing files
        #[arg(long)]
        force: bool,
    },
    /// Create the next doc of a kind from its template (or renumber a colliding doc)
    New {
        /// The kind (TRD, TDD, PRD, ADR, RFC, SPEC, or one from [portal] kinds)
        #[allow(rustdoc::broken_intra_doc_links)] // `[portal]` is book.toml's table, in --help
        #[arg(required_unless_present = "renumber")]
        kind: Option<String>,
        /// The title
        #[arg(required_unless_present = "renumber")]
        title: Option<String>,
        /// The portal folder, holding book.toml
        #[arg(long, short = 'C', default_value = ".")]
        dir: PathBuf,
        #[arg(long, default_value = "draft")]
        status: String,
        /// Author (default: git config user.name)
        #[arg(long)]
        author: Option<String>,
        /// Id of a doc this one supersedes (marked superseded, with a link back)
        #[arg(long)]
        supersedes: Vec<String>,
        /// Ids of related docs
        #[arg(long, num_args = 1..)]
        related: Vec<String>,
        /// Print the new doc instead of writing it
        #[arg(long)]
        dry_run: bool,
        /// Give one of the docs sharing this id the next free number, and follow links to it
        #[arg(long, conflicts_with_all = ["kind", "title", "supersedes", "related"])]
        renumber: Option<String>,
    },
    /// Build, serve and rebuild on every change, reloading open pages
    Serve {
        /// The portal folder, holding book.toml
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Port to listen on (0 picks a free one)
        #[arg(long, short = 'p', default_value_t = 3000)]
        port: u16,
        /// Address to listen on
        #[arg(long, short = 'b', default_value = "127.0.0.1")]
        bind: String,
        /// Open the portal in the default browser
        #[arg(long, short = 'o')]
        open: bool,
        /// Poll for changes instead of using the OS's file events (network drives, containers)
        #[arg(long)]
        poll: bool,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Parses `std::env::args` and runs the command.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    run(cli)
}

pub fn run(cli: Cli) -> i32 {
    let term = Term::stderr(cli.quiet);
    match cli.command {
        Command::Build { dir, dest_dir, site_url, strict, build_info } => {
            cmd_build(&term, &dir, dest_dir.as_deref(), site_url.as_deref(), strict, build_info)
        }
        Command::Check { dir, format, strict } => cmd_check(&term, &dir, format, strict),
        Command::Init { dir, title, force } => cmd_init(&term, &dir, title.as_deref(), force),
        Command::New { kind, title, dir, status, author, supersedes, related, dry_run, renumber } => {
            let request = scaffold::NewDoc {
                kind: kind.unwrap_or_default(),
                title: title.unwrap_or_default(),
                status,
                authors: author.or_else(|| scaffold::git_user_name(&dir)).into_iter().collect(),
                supersedes,
                related,
                today: crate::clock::today(),
            };
            cmd_new(&term, &dir, &request, dry_run, renumber.as_deref())
        }
        Command::Serve { dir, port, bind, open, poll } => {
            crate::serve::run(term, &crate::serve::Options { dir, port, bind, open, poll })
        }
    }
}

/// Terminal styling for status lines.
pub struct Term {
    color: bool,
    /// `--quiet`: status lines are not printed; diagnostics and errors are.
    quiet: bool,
}

impl Term {
    pub fn stderr(quiet: bool) -> Term {
        Term { color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(), quiet }
    }

    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// `   Finished message`, cargo-style: the verb right-aligned in 12 columns. Not
    /// printed under `--quiet`.
    pub fn status(&self, verb: &str, message: &str) {
        if !self.quiet {
            self.announce(verb, message);
        }
    }

    /// A status line printed even under `--quiet`: what the command is for (the
    /// address `serve` listens on).
    pub fn announce(&self, verb: &str, message: &str) {
        if self.color {
            eprintln!("\x1b[1;32m{verb:>12}\x1b[0m {message}");
        } else {
            eprintln!("{verb:>12} {message}");
        }
    }

    pub fn diagnostic(&self, d: &Diagnostic, content_prefix: &str) {
        self.diagnostics([d], content_prefix);
    }

    /// Prints each of `diagnostics`, one line each, through one lock on stderr and a
    /// buffer: a portal with thousands of warnings took two `write` calls a line.
    pub fn diagnostics<'d>(&self, diagnostics: impl IntoIterator<Item = &'d Diagnostic>, content_prefix: &str) {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr().lock());
        for d in diagnostics {
            // A closed stderr is no reason to stop the build.
            let _ = writeln!(out, "{}", self.diagnostic_line(d, content_prefix));
        }
        let _ = out.flush();
    }

    fn diagnostic_line(&self, d: &Diagnostic, content_prefix: &str) -> String {
        let line = d.render_human(content_prefix);
        if !self.color {
            return line;
        }
        let label = d.severity.to_string();
        let colored =
            if d.is_error() { format!("\x1b[1;31m{label}\x1b[0m") } else { format!("\x1b[1;33m{label}\x1b[0m") };
        line.replacen(&format!(": {label}: "), &format!(": {colored}: "), 1)
    }

    /// `warning: message`, for a problem with how the command was asked for (not with a
    /// doc: those are diagnostics). Printed even under `--quiet`.
    pub fn warning(&self, message: &str) {
        if self.color {
            eprintln!("\x1b[1;33mwarning\x1b[0m: {message}");
        } else {
            eprintln!("warning: {message}");
        }
    }

    pub fn error(&self, message: &str) {
        if self.color {
            eprintln!("\x1b[1;31merror\x1b[0m: {message}");
        } else {
            eprintln!("error: {message}");
        }
    }
}

/// Loads book.toml from `dir`, printing config warnings. `None` after printing a fatal error.
pub fn load_config(term: &Term, dir: &Path) -> Option<(Config, Vec<Diagnostic>)> {
    if !dir.is_dir() {
        term.error(&format!("`{}` is not a folder", dir.display()));
        return None;
    }
    match config::load(dir) {
        Ok(ok) => Some(ok),
        Err(d) => {
            term.diagnostic(&d, "");
            None
        }
    }
}

fn cmd_build(
    term: &Term,
    dir: &Path,
    dest: Option<&Path>,
    site_url: Option<&str>,
    strict: bool,
    build_info: bool,
) -> i32 {
    let started = Instant::now();
    let mut trace = crate::serve::trace::Trace::from_env();
    let Some((mut config, config_diags)) = load_config(term, dir) else { return 2 };
    if let Some(url) = site_url {
        config = match config.with_site_url(url) {
            Ok(c) => c,
            Err(m) => {
                term.error(&format!("--site-url: {m}"));
                return 2;
            }
        };
    }
    if let Some(d) = dest {
        config = config.with_build_dir(d);
    }
    config.build_info |= build_info;
    if let Err(e) = write::check_destination(&config.build_dir, &config) {
        term.error(&e.to_string());
        return 2;
    }
    trace.mark("config");
    let freshness = fresh::check(&config);
    trace.mark("up-to-date check");
    if let Some(last) = freshness.up_to_date() {
        term.diagnostics(last.diagnostics, &config.src_display);
        let summary = summary(last.docs, started, last.diagnostics, &config);
        if trace.enabled() {
            term.status("Trace", &trace.summary());
        }
        term.status("Fresh", &format!("{summary} (up to date: nothing changed since the last build)"));
        let (warnings, errors) = diag::count(last.diagnostics);
        return exit_code(errors, warnings, strict);
    }
    term.status("Building", &format!("{} ({})", config.title, display_relative(&config.src_dir)));
    let staging = match write::Staging::begin(&config.build_dir, &config) {
        Ok(s) => s,
        Err(e) => {
            term.error(&format!("cannot write the site: {e}"));
            return 2;
        }
    };
    let previous = freshness.previous_pages(&config);
    trace.mark("staging");
    let reader = freshness.doc_reader();
    let built = match pipeline::build_into(&config, &staging, (&previous, &reader), &mut trace) {
        Ok(Ok(built)) => built,
        Ok(Err(e)) => {
            term.error(&format!("cannot write the site: {e}"));
            return 2;
        }
        Err(d) => {
            term.diagnostic(&d, &config.src_display);
            return 2;
        }
    };
    let pipeline::BuiltInto { checked, page_keys, read } = built;
    let mut diagnostics = config_diags;
    diagnostics.extend(checked.diagnostics.iter().cloned());
    diag::sort(&mut diagnostics);
    // Printed once the site is in: where it kept the user's files is known only then.
    let (replaced, kept) = match staging.commit() {
        Ok(committed) => committed,
        Err(e) => {
            term.diagnostics(&diagnostics, &config.src_display);
            term.error(&format!("cannot write the site: {e}"));
            return 2;
        }
    };
    // Deleted before the record stamps the new site: a page carried over is a hard link
    // into the old one, and unlinking the old name moves the file's ctime.
    drop(replaced);
    trace.mark("commit");
    if !kept.is_empty() {
        diagnostics.extend(kept.warnings(&config.build_dir, &config));
        diag::sort(&mut diagnostics);
    }
    term.diagnostics(&diagnostics, &config.src_display);
    freshness.record(&config, (checked.index.len(), &checked.graph), &diagnostics, page_keys, &read, &kept);
    trace.mark("record");
    if trace.enabled() {
        term.status("Trace", &trace.summary());
    }
    term.status("Finished", &summary(checked.index.len(), started, &diagnostics, &config));
    let (warnings, errors) = diag::count(&diagnostics);
    exit_code(errors, warnings, strict)
}

/// `4 docs in 0.12s: 1 warning, 0 errors → book`
fn summary(docs: usize, started: Instant, diagnostics: &[Diagnostic], config: &Config) -> String {
    let (warnings, errors) = diag::count(diagnostics);
    format!(
        "{} in {:.2}s: {}, {} → {}",
        plural(docs, "doc"),
        started.elapsed().as_secs_f64(),
        plural(warnings, "warning"),
        plural(errors, "error"),
        display_relative(&config.build_dir)
    )
}

fn cmd_check(term: &Term, dir: &Path, format: Format, strict: bool) -> i32 {
    let started = Instant::now();
    let Some((config, config_diags)) = load_config(term, dir) else { return 2 };
    // The static folder is walked as a build would, not read: its problems are the
    // build's, the bytes are not needed.
    let found = static_files::find(&config).and_then(|statics| Ok((statics, pipeline::check(&config)?)));
    let (statics, checked) = match found {
        Ok(found) => found,
        Err(d) => {
            term.diagnostic(&d, &config.src_display);
            return 2;
        }
    };
    let mut diagnostics = config_diags;
    diagnostics.extend(checked.diagnostics);
    diagnostics.extend(statics.diagnostics);
    diag::sort(&mut diagnostics);
    let (warnings, errors) = diag::count(&diagnostics);
    match format {
        Format::Human => {
            term.diagnostics(&diagnostics, &config.src_display);
            term.status(
                "Checked",
                &format!(
                    "{} in {:.2}s: {}, {}",
                    plural(checked.index.len(), "doc"),
                    started.elapsed().as_secs_f64(),
                    plural(warnings, "warning"),
                    plural(errors, "error")
                ),
            );
        }
        Format::Github => {
            for d in &diagnostics {
                println!("{}", d.render_github(&config.src_display));
            }
        }
        Format::Json => {
            let list: Vec<serde_json::Value> = diagnostics
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "severity": d.severity,
                        "file": d.display_path(&config.src_display),
                        "source": d.source,
                        "line": d.line,
                        "message": d.message,
                    })
                })
                .collect();
            let report = serde_json::json!({
                "docs": checked.index.len(),
                "warnings": warnings,
                "errors": errors,
                "diagnostics": list,
            });
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
    }
    exit_code(errors, warnings, strict)
}

fn exit_code(errors: usize, warnings: usize, strict: bool) -> i32 {
    if errors > 0 || (strict && warnings > 0) {
        1
    } else {
        0
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A path as the user would type it from the current folder, when it is below it.
pub fn display_relative(p: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(|r| r.display().to_string()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| p.display().to_string());
    shown.strip_prefix("./").map(str::to_string).unwrap_or(shown)
}

fn cmd_init(term: &Term, dir: &Path, title: Option<&str>, force: bool) -> i32 {
    let title = title.map(str::to_string).unwrap_or_else(|| {
        let name = std::fs::canonicalize(dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "Design".into());
        format!("{name} design docs")
    });
    let author = scaffold::git_user_name(dir);
    let plan = match scaffold::plan_init(dir, &title, &crate::clock::today(), author.as_deref()) {
        Ok(p) => p,
        Err(m) => {
            term.error(&m);
            return 2;
        }
    };
    let existing: Vec<String> =
        plan.writes.iter().filter(|w| w.path.exists()).map(|w| display_relative(&w.path)).collect();
    if !existing.is_empty() && !force {
        term.error(&format!(
            "refusing to overwrite existing files (use --force to replace them): {}",
            existing.join(", ")
        ));
        return 2;
    }
    if let Err(e) = plan.apply() {
        term.error(&format!("cannot write the starter portal: {e}"));
        return 2;
    }
    for w in &plan.writes {
        term.status("Created", &display_relative(&w.path));
    }
    let shown = display_relative(dir);
    let cd = if shown == "." || shown.is_empty() { String::new() } else { format!("cd {shown} && ") };
    if term.quiet() {
        return 0;
    }
    eprintln!("\nNext:\n  {cd}docportal serve          # preview at http://127.0.0.1:3000/\n  {cd}docportal new ADR \"Title\"  # write the next decision\n  {cd}docportal build          # publish into book/");
    0
}

fn cmd_new(term: &Term, dir: &Path, request: &scaffold::NewDoc, dry_run: bool, renumber: Option<&str>) -> i32 {
    let Some((config, _)) = load_config(term, dir) else { return 2 };
    let (files, _) = match discover::discover(&config) {
        Ok(found) => found,
        Err(d) if renumber.is_none() && !config.src_dir.exists() => {
            let _ = d;
            (Vec::new(), Vec::new())
        }
        Err(d) => {
            term.diagnostic(&d, &config.src_display);
            return 2;
        }
    };
    let docs = pipeline::parse_all(&files, &config);
    let plan = match renumber {
        Some(id) => {
            let texts = files.iter().map(|f| (f.rel_path.clone(), f.text.clone())).collect();
            scaffold::plan_renumber(&config, &docs, &texts, id)
        }
        None => scaffold::plan_new(&config, &docs, request),
    };
    let plan = match plan {
        Ok(p) => p,
        Err(m) => {
            term.error(&m);
            return 2;
        }
    };
    if dry_run {
        for w in &plan.writes {
            println!("--- {}", display_relative(&w.path));
            print!("{}", w.text);
        }
        return 0;
    }
    if let Err(e) = plan.apply() {
        term.error(&format!("cannot write: {e}"));
        return 2;
    }
    for note in &plan.notes {
        term.status("Note", note);
    }
    for (i, w) in plan.writes.iter().enumerate() {
        let verb = if i == 0 && renumber.is_none() { "Created" } else { "Updated" };
        term.status(verb, &display_relative(&w.path));
    }
    if let Some(first) = plan.writes.first() {
        println!("{}", display_relative(&first.path));
    }
    0
}
