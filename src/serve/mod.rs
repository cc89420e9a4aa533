//! `docportal serve`: build, serve, watch, rebuild incrementally, reload browsers.
//!
//! In: the portal folder and the serve options. Out: a running server (until the
//! process is stopped) and one terminal line per rebuild. The main thread owns the
//! watcher ([`watch`]) and the build cache ([`incremental`]); the HTTP threads
//! ([`http`]) only read [`Shared`]: the build counter, the last build's errors and
//! where the site is. Every rebuild bumps `build`; one that changed files on disk also
//! bumps `site`, which is what makes open pages reload. A failed build (docs folder
//! gone, a broken template, a bad book.toml) writes nothing: the last good site stays
//! up and the error is shown in the browser's overlay until a build succeeds.
//!
//! Git dates: the docs folder's history is read once and again only when HEAD moves
//! (see [`crate::git::HistoryCache`]); the watcher reports such moves, so a commit or a
//! checkout that changes no file still rebuilds with the new dates.
//!
//! Latency: a save of a known doc, or of a static file, is built without walking the
//! docs folder (the watcher's report is trusted when it lost nothing), and a second
//! after the last such build the folder is walked anyway, so a change the watcher
//! missed is built then. `DOCPORTAL_TRACE=1` prints where each rebuild's time went.

pub mod http;
pub mod incremental;
pub mod trace;
pub mod watch;

use crate::cli::{plural, Term};
use crate::config::{self, Config};
use crate::diag::Diagnostic;
use crate::{pipeline, static_files, write};
use incremental::{Incremental, Outcome};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use trace::Trace;

/// Quiet time after a build that trusted the watcher (or, when polling, any build that
/// changed the site) before the docs folder is walked for anything it missed.
const AUDIT_AFTER: Duration = Duration::from_secs(1);

/// Command-line options of `serve`.
#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    pub port: u16,
    pub bind: String,
    pub open: bool,
    pub poll: bool,
}

/// A problem as the browser overlay shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

/// What the HTTP threads know about the builds.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Counts every finished rebuild, successful or not.
    pub build: u64,
    /// The build that last changed the files on disk.
    pub site: u64,
    pub ok: bool,
    pub errors: Vec<Problem>,
    /// The folder being served.
    pub root: PathBuf,
    /// Path prefix the site is served under (`/` or `/docs/`).
    pub prefix: String,
}

/// State shared between the builder (writer) and the HTTP threads (readers).
pub struct Shared {
    state: Mutex<Snapshot>,
    changed: Condvar,
}

impl Shared {
    fn new(snapshot: Snapshot) -> Shared {
        Shared { state: Mutex::new(snapshot), changed: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        // A panicking reader cannot leave the snapshot half-updated: every update is
        // one assignment.
        crate::lock(&self.state)
    }

    pub fn snapshot(&self) -> Snapshot {
        self.lock().clone()
    }

    fn update(&self, f: impl FnOnce(&mut Snapshot)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }

    /// The state once `build > since`, or after `timeout` whatever it is then.
    pub fn wait_for_build(&self, since: u64, timeout: Duration) -> Snapshot {
        let deadline = Instant::now() + timeout;
        let mut guard = self.lock();
        while guard.build <= since {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            guard = self.changed.wait_timeout(guard, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        guard.clone()
    }
}

/// The path part of a normalised site URL: `/docs/` for `https://x.io/docs/`.
pub fn path_prefix(site_url: &str) -> String {
    match site_url.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| rest[i..].to_string()).unwrap_or_else(|| "/".into()),
        None => site_url.to_string(),
    }
}

/// Runs the server until the process is stopped. Returns an exit code only on failure
/// to start (2).
pub fn run(term: Term, options: &Options) -> i32 {
    let Some((config, config_diags)) = crate::cli::load_config(&term, &options.dir) else { return 2 };
    if let Err(e) = write::check_destination(&config.build_dir, &config) {
        term.error(&e.to_string());
        return 2;
    }
    let server = match http::bind(&options.bind, options.port) {
        Ok(s) => s,
        Err(http::BindError::InUse) => {
            term.error(&format!(
                "port {} on {} is already in use: stop the other server, pick another with --port, or use --port 0 for a free one",
                options.port, options.bind
            ));
            return 2;
        }
        Err(http::BindError::Other(e)) => {
            term.error(&format!("cannot listen on {}:{}: {e}", options.bind, options.port));
            return 2;
        }
    };
    let mut watcher = match watch::Watcher::start(&config, options.poll) {
        Ok(w) => w,
        Err(e) => {
            term.error(&format!("cannot watch the portal for changes: {e}"));
            return 2;
        }
    };

    let mut session = Session {
        term,
        shared: Arc::new(Shared::new(Snapshot {
            root: config.build_dir.clone(),
            prefix: path_prefix(&config.site_url),
            ..Snapshot::default()
        })),
        previous: Vec::new(),
        kept: write::Kept::default(),
        verify: std::env::var_os("DOCPORTAL_SERVE_VERIFY").is_some(),
        audit_due: false,
        polling: options.poll,
    };
    session.term.status("Building", &format!("{} ({})", config.title, config.src_dir.display()));
    let started = Instant::now();
    let mut builder = match Incremental::new(config.clone(), config_diags.clone()) {
        Ok(b) => Some(b),
        Err(d) => {
            session.fail(&d, &config, started, "initial build");
            None
        }
    };
    if let Some(b) = builder.as_mut() {
        session.rebuild(b, &HashSet::new(), false, started, "initial build");
    }

    let addr = server.addr;
    http::spawn(server, Arc::clone(&session.shared));
    let url = format!("http://{}{}", browsable(addr), path_prefix(&config.site_url));
    session.term.announce("Serving", &url);
    if !addr.ip().is_loopback() {
        let reach = if addr.ip().is_unspecified() {
            format!("on every network interface ({})", addr.ip())
        } else {
            format!("on {}", addr.ip())
        };
        session.term.warning(&format!(
            "listening {reach}: anyone who can reach this machine on port {} can read the portal, drafts included (the default, --bind 127.0.0.1, keeps it to this machine)",
            addr.port()
        ));
    }
    let statics = match static_files::watched(&config) {
        Some(dir) if dir.is_dir() => format!("{}, ", config.static_display),
        _ => String::new(),
    };
    session.term.status(
        "Watching",
        &format!("{}, {statics}theme and book.toml for changes (Ctrl-C to stop)", config.src_display),
    );
    if options.open {
        if let Err(e) = open_browser(&url) {
            session.term.warning(&format!("cannot open a browser ({e}); open {url} yourself"));
        }
    }

    let mut current_config = config;
    loop {
        // After a build that trusted the watcher, a quiet moment is used to walk the
        // docs folder anyway: a change the watcher missed shows up within a second.
        let wait = if session.audit_due { AUDIT_AFTER } else { Duration::from_secs(3600) };
        let change = match watcher.next_change(wait) {
            Ok(Some(c)) => c,
            Ok(None) => {
                if let (true, Some(b)) = (session.audit_due, builder.as_mut()) {
                    session.rebuild(b, &HashSet::new(), false, Instant::now(), "files changed unnoticed");
                }
                session.audit_due = false;
                continue;
            }
            Err(e) => {
                session.term.error(&e);
                return 2;
            }
        };
        let started = Instant::now();
        let what = describe(&change, &current_config);
        if change.config || builder.is_none() {
            match config::load(&current_config.root) {
                Ok((new_config, diags)) => {
                    if let Err(e) = write::check_destination(&new_config.build_dir, &new_config) {
                        let d = Diagnostic::error("book.toml", None, e.to_string()).in_project();
                        session.fail(&d, &current_config, started, &what);
                        continue;
                    }
                    if let Err(e) = watcher.retarget(&new_config) {
                        session.term.error(&e);
                    }
                    current_config = new_config;
                    session.shared.update(|s| {
                        s.root = current_config.build_dir.clone();
                        s.prefix = path_prefix(&current_config.site_url);
                    });
                    match Incremental::new(current_config.clone(), diags) {
                        Ok(b) => builder = Some(b),
                        Err(d) => {
                            builder = None;
                            session.fail(&d, &current_config, started, &what);
                            continue;
                        }
                    }
                }
                Err(d) => {
                    session.fail(&d, &current_config, started, &what);
                    continue;
                }
            }
        } else if change.theme {
            if let Some(b) = builder.as_mut() {
                if let Err(d) = b.reload_theme() {
                    session.fail(&d, &current_config, started, &what);
                    continue;
                }
            }
        }
        let hints: HashSet<PathBuf> = change.paths.iter().cloned().collect();
        if let Some(b) = builder.as_mut() {
            session.rebuild(b, &hints, !change.lossy, started, &what);
        }
    }
}

struct Session {
    term: Term,
    shared: Arc<Shared>,
    /// Diagnostics of the previous build (in [`crate::diag::sort`] order), so a rebuild
    /// prints only what is new.
    previous: Vec<Diagnostic>,
    /// Where the last write left the user's entries in place of the site's files: an
    /// incremental write ([`write::update_from`]) does not look for them again.
    kept: write::Kept,
    /// `DOCPORTAL_SERVE_VERIFY`: compare every incremental build with a clean one.
    verify: bool,
    /// The last build trusted the watcher's list of changed files; walk the docs
    /// folder once things are quiet.
    audit_due: bool,
    /// `--poll`: notify's poller compares write times in whole seconds, so it never
    /// sees a save made in the same second as the last write it saw.
    polling: bool,
}

impl Session {
    /// One rebuild; `complete`: the watcher lost nothing, `hints` are all that changed.
    fn rebuild(
        &mut self,
        builder: &mut Incremental,
        hints: &HashSet<PathBuf>,
        complete: bool,
        started: Instant,
        what: &str,
    ) {
        let config = builder.config().clone();
        let mut trace = Trace::from_env();
        self.audit_due = complete;
        let mut outcome = match builder.build(hints, complete, &mut trace) {
            Ok(Some(o)) => o,
            Ok(None) => return,
            Err(d) => return self.fail(&d, &config, started, what),
        };
        // A save in the same second as the one just built (or as the initial scan) is
        // invisible to the poller: the walk a second later finds it.
        self.audit_due |= self.polling;
        if self.verify {
            self.verify_against_clean_build(&outcome, &config);
            trace.mark("verify");
        }
        let written = match &outcome.on_disk {
            Some(b) => {
                let on_disk = write::OnDisk { unchanged: &b.unchanged, others: &b.others, kept: &self.kept };
                write::update_from(&outcome.site, on_disk, &config.build_dir, &config)
            }
            None => write::update_in_place(&outcome.site, &config.build_dir, &config),
        };
        let write::Written { changed: written, kept } = match written {
            Ok(w) => w,
            Err(e) => {
                let d = Diagnostic::error("", None, format!("cannot write the site: {e}"));
                return self.fail(&d, &config, started, what);
            }
        };
        trace.mark("write");
        // Among the build's diagnostics, so each is printed once, not on every rebuild.
        if !kept.is_empty() {
            outcome.diagnostics.extend(kept.warnings(&config.build_dir, &config));
            crate::diag::sort(&mut outcome.diagnostics);
        }
        self.kept = kept;
        let errors: Vec<Problem> =
            outcome.diagnostics.iter().filter(|d| d.is_error()).map(|d| problem(d, &config)).collect();
        let ok = errors.is_empty();
        let site_changed = !written.is_empty();
        self.shared.update(|s| {
            s.build += 1;
            if site_changed || s.site == 0 {
                s.site = s.build;
            }
            s.ok = ok;
            s.errors = errors;
        });
        self.term.diagnostics(crate::diag::not_in(&outcome.diagnostics, &self.previous), &config.src_display);
        self.term.status(
            if what == "initial build" { "Finished" } else { "Rebuilt" },
            &summary(&outcome, written.len(), what, started),
        );
        self.previous = std::mem::take(&mut outcome.diagnostics);
        if trace.enabled() {
            self.term.status("Trace", &trace.summary());
        }
        builder.written(outcome.site);
    }

    fn fail(&mut self, d: &Diagnostic, config: &Config, started: Instant, what: &str) {
        self.term.diagnostic(d, &config.src_display);
        let problem = problem(d, config);
        self.shared.update(|s| {
            s.build += 1;
            s.ok = false;
            s.errors = vec![problem];
        });
        self.previous.clear();
        self.term.error(&format!(
            "build failed ({what}) after {}ms; still serving the last good site",
            started.elapsed().as_millis()
        ));
    }

    fn verify_against_clean_build(&self, outcome: &Outcome, config: &Config) {
        let Ok(clean) = pipeline::build(config) else { return };
        let differing: Vec<&String> = clean
            .site
            .files
            .iter()
            .filter(|(p, b)| outcome.site.files.get(*p) != Some(*b))
            .map(|(p, _)| p)
            .chain(outcome.site.files.keys().filter(|p| !clean.site.files.contains_key(*p)))
            .collect();
        if let Some(first) = differing.first() {
            self.term.error(&format!(
                "incremental rebuild differs from a clean build in {} file(s), first {first}",
                differing.len()
            ));
        }
    }
}

fn problem(d: &Diagnostic, config: &Config) -> Problem {
    Problem { file: d.display_path(&config.src_display), line: d.line, message: d.message.clone() }
}

/// `1 doc of 40 (content/trd/x.md changed), 3 pages, 9 files written in 12ms`.
fn summary(outcome: &Outcome, written: usize, what: &str, started: Instant) -> String {
    let (warnings, errors) = crate::diag::count(&outcome.diagnostics);
    let mut counts = Vec::new();
    if warnings > 0 {
        counts.push(plural(warnings, "warning"));
    }
    if errors > 0 {
        counts.push(plural(errors, "error"));
    }
    let counts = if counts.is_empty() { String::new() } else { format!(", {}", counts.join(", ")) };
    let what = match outcome.from_disk {
        0 => what.to_string(),
        n => format!("{what}; {n} from the build's render cache"),
    };
    format!(
        "{} of {} ({what}), {}, {} written in {}ms{counts}",
        plural(outcome.rendered, "doc"),
        outcome.docs,
        plural(outcome.pages, "page"),
        plural(written, "file"),
        started.elapsed().as_millis()
    )
}

/// What changed, for the terminal: `content/trd/x.md changed`, `3 files changed`.
fn describe(change: &watch::Change, config: &Config) -> String {
    if change.config {
        return "book.toml changed".into();
    }
    let shown: Vec<String> = change.paths.iter().map(|p| display_path(p, &config.root)).collect();
    match shown.as_slice() {
        [] if change.theme => "theme changed".into(),
        [] if change.git => "git HEAD moved".into(),
        [] => "files changed".into(),
        [one] => format!("{one} changed"),
        [first, rest @ ..] => format!("{first} and {} changed", plural(rest.len(), "other file")),
    }
}

fn display_path(p: &Path, root: &Path) -> String {
    p.strip_prefix(root).map(|r| r.display().to_string()).unwrap_or_else(|_| p.display().to_string())
}

/// The address to show for `addr`: listening on every interface (`0.0.0.0`, `::`), the
/// same port on the loopback address, which a browser on this machine can open.
fn browsable(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    let ip: std::net::IpAddr = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    std::net::SocketAddr::new(ip, addr.port())
}

/// Starts the desktop's browser on `url`; the error says which program could not start.
fn open_browser(url: &str) -> Result<(), String> {
    let (program, mut command) = if cfg!(target_os = "macos") {
        ("open", std::process::Command::new("open"))
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        ("cmd", c)
    } else {
        ("xdg-open", std::process::Command::new("xdg-open"))
    };
    command
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|mut child| {
            // Reaped when it exits, rather than left a zombie for as long as serve runs.
            std::thread::spawn(move || child.wait());
        })
        .map_err(|e| format!("{program}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_is_shown_as_the_loopback_address_and_others_as_they_are() {
        let shown = |a: &str| browsable(a.parse().unwrap()).to_string();
        assert_eq!(shown("0.0.0.0:3000"), "127.0.0.1:3000");
        assert_eq!(shown("[::]:3000"), "[::1]:3000");
        assert_eq!(shown("192.168.1.7:3000"), "192.168.1.7:3000");
        assert_eq!(shown("127.0.0.1:3000"), "127.0.0.1:3000");
    }

    #[test]
    fn the_site_url_path_is_the_serving_prefix() {
        assert_eq!(path_prefix("/"), "/");
        assert_eq!(path_prefix("/docs/"), "/docs/");
        assert_eq!(path_prefix("https://acme.github.io/design/"), "/design/");
        assert_eq!(path_prefix("https://acme.io/"), "/");
    }

    #[test]
    fn a_long_poll_answers_at_once_when_a_newer_build_exists() {
        let shared = Shared::new(Snapshot { build: 3, ..Snapshot::default() });
        let started = Instant::now();
        assert_eq!(shared.wait_for_build(2, Duration::from_secs(5)).build, 3);
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(shared.wait_for_build(3, Duration::from_millis(50)).build, 3);
    }

    #[test]
    fn a_long_poll_wakes_when_the_build_finishes() {
        let shared = Arc::new(Shared::new(Snapshot::default()));
        let writer = Arc::clone(&shared);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            writer.update(|s| s.build = 1);
        });
        assert_eq!(shared.wait_for_build(0, Duration::from_secs(10)).build, 1);
        t.join().unwrap();
    }
}
