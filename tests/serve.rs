//! `docportal serve` end to end: the real binary on `--port 0` against a temp copy of
//! `tests/fixtures/serve-basic`, spoken to over raw TCP (so no client normalises the
//! paths we send). Every wait is bounded; the server is killed when a test ends.

use scraper::{Html, Selector};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(40);

struct Server {
    child: Child,
    addr: String,
    url: String,
    dir: tempfile::TempDir,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn html(&self) -> Html {
        Html::parse_document(&self.text())
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.clone());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

fn start(fixture: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture), dir.path());
    start_in(dir)
}

fn start_in(dir: tempfile::TempDir) -> Server {
    start_with(dir, &[])
}

/// `docportal serve --port 0 DIR` with `args` after it.
fn start_with(dir: tempfile::TempDir, args: &[&str]) -> Server {
    start_with_env(dir, args, &[])
}

fn start_with_env(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .args(["serve", "--port", "0"])
        .arg(dir.path())
        .args(args)
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .env("DOCPORTAL_SERVE_VERIFY", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let pipe = child.stderr.take().unwrap();
    let sink = Arc::clone(&stderr);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                if line.contains("Serving") {
                    let _ = tx.send(url.to_string());
                }
            }
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    let url = match rx.recv_timeout(WAIT) {
        Ok(url) => url,
        Err(_) => {
            let _ = child.kill();
            panic!("serve did not print its URL; stderr:\n{}", stderr.lock().unwrap());
        }
    };
    let addr = url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    Server { child, addr, url, dir, stderr }
}

impl Server {
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends `request_line` (e.g. `GET /x HTTP/1.1`) as is, over a fresh connection.
    fn raw(&self, request_line: &str) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let request = format!("{request_line}\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr);
        stream.write_all(request.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a full HTTP response");
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Reply { status, headers, body: bytes[split + 4..].to_vec() }
    }

    fn get(&self, target: &str) -> Reply {
        self.raw(&format!("GET {target} HTTP/1.1"))
    }

    fn reload(&self, since: u64) -> serde_json::Value {
        let reply = self.get(&format!("/__docportal/reload?since={since}"));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("Content-Type"), Some("application/json"));
        serde_json::from_slice(&reply.body).unwrap()
    }

    fn build(&self) -> u64 {
        self.reload(0)["build"].as_u64().unwrap()
    }

    /// Waits, build after build, until `done` holds for the latest reload state.
    fn wait_until(&self, what: &str, done: impl Fn(&Server, &serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + WAIT;
        let mut state = self.reload(0);
        loop {
            if done(self, &state) {
                return state;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; last state {state}; stderr:\n{}",
                self.log()
            );
            state = self.reload(state["build"].as_u64().unwrap());
        }
    }

    fn page_text(&self, target: &str) -> Option<String> {
        let reply = self.get(target);
        (reply.status == 200).then(|| {
            let html = reply.html();
            let body = Selector::parse("body").unwrap();
            html.select(&body).flat_map(|b| b.text()).collect::<String>()
        })
    }

    fn assert_no_incremental_mismatch(&self) {
        let log = self.log();
        assert!(!log.contains("differs from a clean build"), "{log}");
        assert!(!log.contains("panicked"), "{log}");
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn pages_are_served_with_the_reload_script_injected_and_clean_files_on_disk() {
    let srv = start("serve-basic");
    assert!(srv.url.starts_with("http://127.0.0.1:") && srv.url.ends_with('/'), "{}", srv.url);
    let reply = srv.get("/");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(reply.header("Cache-Control"), Some("no-cache"));
    let html = reply.html();
    let script = Selector::parse("script[src*='__docportal/reload.js']").unwrap();
    let src = html.select(&script).next().expect("reload script injected").value().attr("src").unwrap().to_string();
    let site = srv.reload(0)["site"].as_u64().unwrap();
    assert_eq!(src, format!("/__docportal/reload.js?build={site}"));
    let on_disk = std::fs::read_to_string(srv.path("book/index.html")).unwrap();
    assert!(!on_disk.contains("__docportal"), "built files stay clean");

    let js = srv.get(&src);
    assert_eq!(js.status, 200);
    assert_eq!(js.header("Content-Type"), Some("text/javascript; charset=utf-8"));
    assert!(js.text().contains("sessionStorage"));

    let page = srv.get("/trd/TRD-0101-rate-limiter.html");
    assert_eq!(page.status, 200);
    let css = Selector::parse("link[rel=stylesheet]").unwrap();
    let href = page.html().select(&css).next().unwrap().value().attr("href").unwrap().to_string();
    let css_reply = srv.get(&format!("/trd/{href}").replace("/trd/../", "/"));
    assert_eq!(css_reply.status, 200, "{href}");
    assert_eq!(css_reply.header("Content-Type"), Some("text/css; charset=utf-8"));

    let json = srv.get("/docs.json");
    assert_eq!(json.header("Content-Type"), Some("application/json"));
    assert!(json.text().trim_start().starts_with(['{', '[']));
    srv.assert_no_incremental_mismatch();
}

#[test]
fn quiet_serve_prints_its_address_and_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let srv = start_with(dir, &["--quiet"]);
    assert_eq!(srv.get("/").status, 200);
    let log = srv.log();
    assert_eq!(log.lines().count(), 1, "only the Serving line: {log}");
    assert!(log.trim_start().starts_with("Serving http://127.0.0.1:"), "{log}");
}

#[test]
fn head_gets_headers_without_a_body() {
    let srv = start("serve-basic");
    let get = srv.get("/notes.html");
    let head = srv.raw("HEAD /notes.html HTTP/1.1");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(head.header("Content-Length"), Some(get.body.len().to_string().as_str()));
    assert_eq!(srv.raw("POST /notes.html HTTP/1.1").status, 405);
}

#[test]
fn missing_pages_get_404_and_the_portal_404_page_when_there_is_one() {
    let srv = start("serve-basic");
    let plain = srv.get("/no/such/page.html");
    assert_eq!(plain.status, 404);
    // A 404.html in the build folder (the site's own, or one the user put there) is used.
    write(&srv.path("book/404.html"), "<html><body><h1>Lost in the docs</h1></body></html>");
    let page = srv.get("/no/such/page.html");
    assert_eq!(page.status, 404);
    assert_eq!(page.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert!(page.text().contains("Lost in the docs"));
    assert!(page.text().contains("__docportal/reload.js"));
    // A folder without a trailing slash redirects, so relative links keep working.
    let folder = srv.get("/trd");
    assert_eq!(folder.status, 301);
    assert_eq!(folder.header("Location"), Some("/trd/"));
}

#[test]
fn traversal_attempts_over_raw_tcp_never_leave_the_site() {
    let srv = start("serve-basic");
    // A symlink inside the build folder that leads out of it.
    #[cfg(unix)]
    std::os::unix::fs::symlink(srv.path("book.toml"), srv.path("book/leak.txt")).unwrap();
    for target in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fbook.toml",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/assets/..\\..\\book.toml",
        "/%2fetc/passwd",
        "//etc/passwd",
        "/notes.html%00.txt",
        "http://127.0.0.1/../book.toml",
        "/leak.txt",
    ] {
        let reply = srv.get(target);
        assert!(matches!(reply.status, 400 | 404), "{target}: {}", reply.status);
        let text = reply.text();
        assert!(!text.contains("root:") && !text.contains("[book]"), "{target} leaked: {text}");
    }
    assert_eq!(srv.get("/notes.html").status, 200, "the server is still up");
}

#[test]
fn an_edit_is_served_after_the_reload_signal() {
    let srv = start("serve-basic");
    let before = srv.reload(0);
    // Write in place.
    write(&srv.path("content/notes.md"), "# Team notes\n\nFirst fresh paragraph.\n");
    let state = srv.wait_until("the in-place edit", |s, _| {
        s.page_text("/notes.html").is_some_and(|t| t.contains("First fresh paragraph"))
    });
    assert!(state["site"].as_u64() > before["site"].as_u64());
    // Atomic rename, the way vim and most IDEs save.
    write(&srv.path("content/.notes.md.tmp"), "# Team notes\n\nSecond fresh paragraph.\n");
    std::fs::rename(srv.path("content/.notes.md.tmp"), srv.path("content/notes.md")).unwrap();
    srv.wait_until("the atomic save", |s, _| {
        s.page_text("/notes.html").is_some_and(|t| t.contains("Second fresh paragraph"))
    });
    // Swap files and dotfiles do not trigger builds.
    let build = srv.build();
    write(&srv.path("content/.notes.md.swp"), "junk");
    write(&srv.path("content/4913"), "");
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(srv.build(), build, "scratch files must not rebuild");
    assert!(srv.log().contains("Rebuilt"), "{}", srv.log());
    srv.assert_no_incremental_mismatch();
}

#[test]
fn docs_can_be_added_renamed_and_deleted() {
    let srv = start("serve-basic");
    write(&srv.path("content/new/deep/ADR-0003-queues.md"), "# ADR-0003: Queues\n\nUse a queue.\n");
    srv.wait_until("the new doc", |s, _| s.page_text("/new/deep/ADR-0003-queues.html").is_some());
    let index = srv.get("/index.html").text();
    assert!(index.contains("ADR-0003"), "{index}");

    std::fs::rename(srv.path("content/notes.md"), srv.path("content/team-notes.md")).unwrap();
    srv.wait_until("the rename", |s, _| s.get("/notes.html").status == 404 && s.get("/team-notes.html").status == 200);

    std::fs::remove_dir_all(srv.path("content/new")).unwrap();
    srv.wait_until("the delete", |s, _| s.get("/new/deep/ADR-0003-queues.html").status == 404);
    assert!(!srv.path("book/new").exists(), "deleted pages leave no folders behind");
    srv.assert_no_incremental_mismatch();
}

/// A rebuild prints the warnings it did not print before, once each: those that still
/// hold are not repeated, whichever doc changed.
#[test]
fn a_rebuild_prints_only_the_warnings_that_are_new() {
    let srv = start("serve-basic");
    let rebuilt = |what: &str, since: u64| srv.wait_until(what, |_, state| state["build"].as_u64() > Some(since));
    let build = srv.build();
    write(&srv.path("content/notes.md"), "# Team notes\n\nSee ADR-0404 and ADR-0405.\n");
    rebuilt("the first broken references", build);
    let build = srv.build();
    write(&srv.path("content/notes.md"), "# Team notes\n\nSee ADR-0404 and ADR-0405.\n\nAnd ADR-0406.\n");
    rebuilt("a third one", build);
    let build = srv.build();
    write(&srv.path("content/adr/ADR-0001-use-postgres.md"), "# ADR-0001: Use Postgres\n\nStill true.\n");
    rebuilt("an edit elsewhere", build);
    let log = srv.log();
    for id in ["ADR-0404", "ADR-0405", "ADR-0406"] {
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("notes.md") && l.contains(id)).collect();
        assert_eq!(lines.len(), 1, "{id} once:\n{log}");
    }
    srv.assert_no_incremental_mismatch();
}

/// A page of the user's where a new doc's page goes is theirs: left as it is through
/// rebuilds, with one warning, not one a rebuild; deleted, docportal's page is written
/// at the next rebuild.
#[test]
fn a_file_the_user_put_where_a_new_page_goes_is_kept_with_one_warning() {
    let srv = start("serve-basic");
    let mine = "<p>my plans</p>\n";
    write(&srv.path("book/plans.html"), mine);
    let rebuilt = |what: &str, since: u64| srv.wait_until(what, |_, state| state["build"].as_u64() > Some(since));
    let build = srv.build();
    write(&srv.path("content/plans.md"), "# Plans\n\nFirst.\n");
    rebuilt("the new doc", build);
    let build = srv.build();
    write(&srv.path("content/plans.md"), "# Plans\n\nSecond.\n");
    rebuilt("the edit", build);
    assert_eq!(std::fs::read_to_string(srv.path("book/plans.html")).unwrap(), mine);
    let warning = "book/plans.html: warning: kept the file you put here; docportal's own `plans.html` is not published";
    assert_eq!(srv.log().matches(warning).count(), 1, "{}", srv.log());

    std::fs::remove_file(srv.path("book/plans.html")).unwrap();
    write(&srv.path("content/plans.md"), "# Plans\n\nThird.\n");
    srv.wait_until("docportal's page", |s, _| s.page_text("/plans.html").is_some_and(|t| t.contains("Third.")));
    srv.assert_no_incremental_mismatch();
}

#[test]
fn an_image_a_doc_shows_is_served_when_it_appears_changes_and_goes() {
    let srv = start("serve-basic");
    write(&srv.path("content/adr/ADR-0009-flow.md"), "# ADR-0009: Flow\n\nThe flow: ![flow](flow.png).\n");
    srv.wait_until("the doc", |s, _| s.page_text("/adr/ADR-0009-flow.html").is_some());
    assert_eq!(srv.get("/adr/flow.png").status, 404);

    // Only the image changes each time: the doc showing it stays as it is.
    let png = srv.path("content/adr/flow.png");
    std::fs::write(&png, b"first drawing").unwrap();
    srv.wait_until("the image", |s, _| s.get("/adr/flow.png").body == b"first drawing");
    std::fs::write(&png, b"second drawing").unwrap();
    srv.wait_until("the redrawn image", |s, _| s.get("/adr/flow.png").body == b"second drawing");
    std::fs::remove_file(&png).unwrap();
    srv.wait_until("the image to go", |s, _| s.get("/adr/flow.png").status == 404);
    srv.assert_no_incremental_mismatch();
}

/// A static folder made after the server started is watched: its files are served at
/// their paths (dotted ones too) as they appear, change and go, though no doc changed,
/// and a static `robots.txt` replaces docportal's without a warning.
#[test]
fn static_files_are_served_as_they_appear_change_and_go() {
    let srv = start("serve-basic");
    let file = srv.path("static/.well-known/security.txt");
    write(&file, "Contact: mailto:one@example.com\n");
    srv.wait_until("the new static file", |s, _| {
        s.get("/.well-known/security.txt").body == b"Contact: mailto:one@example.com\n"
    });
    write(&file, "Contact: mailto:two@example.com\n");
    srv.wait_until("the edit", |s, _| s.get("/.well-known/security.txt").body == b"Contact: mailto:two@example.com\n");
    write(&srv.path("static/robots.txt"), "User-agent: *\nDisallow: /\n");
    srv.wait_until("the static robots.txt", |s, _| s.get("/robots.txt").body == b"User-agent: *\nDisallow: /\n");
    std::fs::remove_file(&file).unwrap();
    srv.wait_until("the delete", |s, _| s.get("/.well-known/security.txt").status == 404);
    assert!(!srv.path("book/.well-known").exists(), "its folder goes with it");
    assert!(!srv.log().contains("static/robots.txt: warning"), "{}", srv.log());
    srv.assert_no_incremental_mismatch();
}

#[test]
fn a_broken_doc_keeps_the_server_up_and_the_error_clears_when_fixed() {
    let srv = start("serve-basic");
    assert_eq!(srv.reload(0)["ok"], true);
    // Two docs claiming one id is an error naming the file.
    let copy = srv.path("content/adr/ADR-0001-copy.md");
    write(&copy, "# ADR-0001: Copy\n");
    let state = srv.wait_until("the error to be reported", |_, st| st["ok"] == false);
    let errors = state["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["file"].as_str().unwrap_or("").contains("ADR-0001")), "{state}");
    assert!(errors.iter().all(|e| e["message"].is_string()));
    assert_eq!(srv.get("/notes.html").status, 200);

    std::fs::remove_file(&copy).unwrap();
    let state = srv.wait_until("the error to clear", |_, st| st["ok"] == true);
    assert_eq!(state["errors"].as_array().unwrap().len(), 0);

    // Front-matter that is not YAML: still served, and fixed again.
    let doc = srv.path("content/adr/ADR-0002-use-redis.md");
    write(&doc, "---\ntitle: [unclosed\nstatus: : :\n---\n\n# ADR-0002: Broken\n\nStill here.\n");
    srv.wait_until("the broken doc", |s, _| {
        s.page_text("/adr/ADR-0002-use-redis.html").is_some_and(|t| t.contains("Still here"))
    });
    write(&doc, "---\nstatus: Accepted\n---\n\n# ADR-0002: Fixed\n\nRepaired.\n");
    srv.wait_until("the fixed doc", |s, st| {
        st["ok"] == true && s.page_text("/adr/ADR-0002-use-redis.html").is_some_and(|t| t.contains("Repaired"))
    });
    srv.assert_no_incremental_mismatch();
}

#[test]
fn theme_changes_apply_and_a_broken_template_keeps_the_last_good_site() {
    let srv = start("serve-basic");
    write(&srv.path("theme/assets/style.css"), "body { color: #123456 }\n");
    srv.wait_until("the new stylesheet", |s, _| {
        let page = s.get("/notes.html");
        let css = Selector::parse("link[rel=stylesheet]").unwrap();
        let href = page.html().select(&css).next().and_then(|l| l.value().attr("href")).unwrap_or("").to_string();
        s.get(&format!("/{href}")).text().contains("#123456")
    });
    let good = srv.get("/notes.html").text();

    write(&srv.path("theme/templates/doc.html"), "{% if %}\n");
    let state = srv.wait_until("the template error", |_, st| st["ok"] == false);
    assert!(state["errors"][0]["file"].as_str().unwrap().starts_with("theme"), "{state}");
    assert_eq!(srv.get("/notes.html").text(), good, "the last good site stays up");

    std::fs::remove_file(srv.path("theme/templates/doc.html")).unwrap();
    srv.wait_until("the template fix", |_, st| st["ok"] == true);
    srv.assert_no_incremental_mismatch();
}

#[test]
fn book_toml_changes_rebuild_everything_and_move_the_site_prefix() {
    let srv = start("serve-basic");
    let toml = std::fs::read_to_string(srv.path("book.toml")).unwrap();
    write(
        &srv.path("book.toml"),
        &format!("{}\n[output.html]\nsite-url = \"/design/\"\n", toml.replace("Serve fixture", "Renamed portal")),
    );
    srv.wait_until("the new title", |s, _| {
        s.page_text("/design/index.html").is_some_and(|t| t.contains("Renamed portal"))
    });
    let root = srv.get("/");
    assert_eq!(root.status, 302);
    assert_eq!(root.header("Location"), Some("/design/"));
    let page = srv.get("/design/notes.html");
    let script = Selector::parse("script[src^='/design/__docportal/reload.js?build=']").unwrap();
    assert!(page.html().select(&script).next().is_some(), "{}", page.text());
    assert_eq!(srv.get("/design/__docportal/reload?since=0").status, 200);
    assert_eq!(srv.get("/notes.html").status, 404);

    write(&srv.path("book.toml"), "[book]\ntitle = 5\n");
    let state = srv.wait_until("the config error", |_, st| st["ok"] == false);
    assert_eq!(state["errors"][0]["file"], "book.toml");
    assert_eq!(srv.get("/design/notes.html").status, 200, "the last good site stays up");
}

/// One named edit applied to a running server's portal.
type EditStep<'a> = (&'a str, Box<dyn Fn(&Server)>);

#[test]
fn output_after_a_sequence_of_edits_is_byte_identical_to_a_clean_build() {
    let srv = start("serve-basic");
    let steps: Vec<EditStep> = vec![
        ("edit", Box::new(|s| write(&s.path("content/notes.md"), "# Team notes\n\nEdited once.\n"))),
        ("add", Box::new(|s| write(&s.path("content/adr/ADR-0009-new.md"), "# ADR-0009: New\n\nSee ADR-0001.\n"))),
        (
            "retitle",
            Box::new(|s| {
                write(&s.path("content/adr/ADR-0001-use-postgres.md"), "# ADR-0001: Use Postgres 16\n\nSee ADR-0009.\n")
            }),
        ),
        (
            "rename",
            Box::new(|s| {
                std::fs::rename(
                    s.path("content/trd/TRD-0101-rate-limiter.md"),
                    s.path("content/trd/TRD-0101-limits.md"),
                )
                .unwrap()
            }),
        ),
        ("delete", Box::new(|s| std::fs::remove_file(s.path("content/adr/ADR-0002-use-redis.md")).unwrap())),
        ("theme", Box::new(|s| write(&s.path("theme/assets/style.css"), "main { max-width: 40rem }\n"))),
    ];
    for (name, step) in &steps {
        let build = srv.build();
        step(&srv);
        srv.wait_until(name, |_, st| st["build"].as_u64().unwrap() > build);
    }
    // Let any trailing burst settle.
    std::thread::sleep(Duration::from_millis(500));
    assert_served_files_match_a_clean_build(&srv);
}

/// Builds the served portal afresh with `docportal build` and compares every file with
/// what `serve` wrote, byte for byte.
fn assert_served_files_match_a_clean_build(srv: &Server) {
    let clean = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .args(["build", "--dest-dir"])
        .arg(clean.path().join("out"))
        .arg(srv.dir.path())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.code() == Some(0) || status.code() == Some(1));
    let served_root = srv.path("book");
    let clean_root = clean.path().join("out");
    let files = |root: &Path| -> Vec<PathBuf> {
        walkdir(root).into_iter().filter(|p| p.is_file()).map(|p| p.strip_prefix(root).unwrap().to_path_buf()).collect()
    };
    assert_eq!(files(&served_root), files(&clean_root));
    for rel in files(&clean_root) {
        assert!(
            std::fs::read(served_root.join(&rel)).unwrap() == std::fs::read(clean_root.join(&rel)).unwrap(),
            "{} differs from a clean build",
            rel.display()
        );
    }
    srv.assert_no_incremental_mismatch();
}

#[test]
fn a_new_title_shows_on_the_pages_that_link_to_the_doc_byte_identical_to_a_clean_build() {
    let srv = start("serve-basic");
    let trd = "content/trd/TRD-0101-rate-limiter.md";
    let original = std::fs::read_to_string(srv.path(trd)).unwrap();
    for title in ["Token bucket limiter", "Sliding window limiter"] {
        let build = srv.build();
        write(&srv.path(trd), &original.replace("Rate limiter", title));
        srv.wait_until(title, |s, st| {
            st["build"].as_u64().unwrap() > build
                && s.page_text("/adr/ADR-0001-use-postgres.html").is_some_and(|t| t.contains(title))
        });
        let linking = srv.get("/adr/ADR-0001-use-postgres.html").html();
        let titles: Vec<String> = linking
            .select(&Selector::parse("a.doclink .doclink-title").unwrap())
            .map(|e| e.text().collect::<String>())
            .collect();
        assert!(titles.iter().any(|t| t == title), "{titles:?}");
        assert!(!titles.iter().any(|t| t == "Rate limiter"), "{titles:?}");
        let docs_table = srv.page_text("/docs.html").unwrap();
        assert!(docs_table.contains(title), "the docs table lists the new title");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_served_files_match_a_clean_build(&srv);
}

#[test]
fn a_port_in_use_is_a_clear_error_with_exit_code_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_docportal"))
        .args(["serve", "--port", &port])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve kept running on a taken port");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("already in use") && err.contains("--port 0"), "{err}");
}

/// The status of the doc from `source` in the served `docs.json`.
fn served_status(srv: &Server, source: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(&srv.get("/docs.json").body).ok()?;
    let doc = json["docs"].as_array()?.iter().find(|d| d["source"] == source)?.clone();
    doc["status"].as_str().map(str::to_string)
}

#[test]
fn an_edit_to_only_a_sidecar_metadata_file_rebuilds_the_folder_doc() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let folder = dir.path().join("content/keps/1672-endpoints");
    write(
        &folder.join("README.md"),
        "# Tracking terminating endpoints\n\n## Summary\n\nEndpoints say when they stop.\n",
    );
    write(&folder.join("kep.yaml"), "title: Tracking terminating endpoints\nstatus: provisional\n");
    let srv = start_in(dir);
    let source = "keps/1672-endpoints/README.md";
    let page = "/keps/1672-endpoints/README.html";
    assert_eq!(served_status(&srv, source).as_deref(), Some("proposed"));
    assert!(srv.page_text(page).is_some_and(|t| t.contains("Proposed")));

    // Write in place: only kep.yaml changes.
    write(&folder.join("kep.yaml"), "title: Tracking terminating endpoints\nstatus: implemented\n");
    srv.wait_until("the sidecar edit", |s, _| served_status(s, source).as_deref() == Some("implemented"));
    assert!(srv.page_text(page).is_some_and(|t| t.contains("Implemented") && !t.contains("Proposed")));
    assert_served_files_match_a_clean_build(&srv);

    // An atomic save of a metadata.json beside it changes nothing while kep.yaml wins;
    // once kep.yaml is gone, metadata.json's status shows.
    write(&folder.join(".metadata.json.tmp"), "{\"status\": \"rejected\"}\n");
    std::fs::rename(folder.join(".metadata.json.tmp"), folder.join("metadata.json")).unwrap();
    std::fs::remove_file(folder.join("kep.yaml")).unwrap();
    srv.wait_until("the sidecar swap", |s, _| served_status(s, source).as_deref() == Some("rejected"));
    std::thread::sleep(Duration::from_millis(300));
    assert_served_files_match_a_clean_build(&srv);
}

/// Runs git in `dir` with a fixed identity and date; false when git is missing.
fn git(dir: &Path, date: &str, args: &[&str]) -> bool {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Ada Park", "-c", "user.email=ada@example.org", "-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A field of the doc from `source` in the served `docs.json`.
fn served_field(srv: &Server, source: &str, field: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_slice(&srv.get("/docs.json").body).unwrap_or_default();
    let docs = json["docs"].as_array().cloned().unwrap_or_default();
    docs.iter().find(|d| d["source"] == source).map(|d| d[field].clone()).unwrap_or_default()
}

#[test]
fn a_commit_that_changes_no_file_still_updates_git_dates() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    write(&dir.path().join(".gitignore"), "/book/\n");
    if !git(dir.path(), "2020-01-02T10:00:00Z", &["init", "-q"]) {
        eprintln!("git is not installed; skipping");
        return;
    }
    assert!(git(dir.path(), "2020-01-02T10:00:00Z", &["add", "-A"]));
    assert!(git(dir.path(), "2020-01-02T10:00:00Z", &["commit", "-q", "-m", "first"]));
    let srv = start_in(dir);
    assert_eq!(served_field(&srv, "notes.md", "created"), "2020-01-02");

    write(&srv.path("content/notes.md"), "# Team notes\n\nRevised.\n");
    srv.wait_until("the edit", |s, _| s.page_text("/notes.html").is_some_and(|t| t.contains("Revised")));
    assert!(served_field(&srv, "notes.md", "updated").is_null());
    // Committing the saved file changes nothing on disk but HEAD: the dates move.
    assert!(git(srv.dir.path(), "2021-05-06T10:00:00Z", &["commit", "-q", "-am", "second"]));
    srv.wait_until("the commit", |s, _| served_field(s, "notes.md", "updated") == "2021-05-06");
    std::thread::sleep(Duration::from_millis(300));
    assert_served_files_match_a_clean_build(&srv);
    assert!(srv.log().contains("git HEAD moved"), "{}", srv.log());
}

/// `--poll` (network drives, containers) serves an edit made in the same second as the
/// file's write before the server started: notify's poller compares write times in
/// whole seconds and never sees it, so when polling, serve walks the docs folder a
/// second after the first build too (and after every build that changed the site).
#[test]
fn an_edit_in_the_second_of_the_last_write_is_served_when_polling() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let srv = start_with(dir, &["--poll"]);
    let notes = srv.path("content/notes.md");
    let copied = std::fs::metadata(&notes).unwrap().modified().unwrap();
    let since_epoch = copied.duration_since(std::time::UNIX_EPOCH).unwrap();
    let nanos = if since_epoch.subsec_nanos() == 123_456_789 { 987_654_321 } else { 123_456_789 };
    write(&notes, "# Team notes\n\nSaved on a network drive.\n");
    let same_second = std::time::UNIX_EPOCH + Duration::new(since_epoch.as_secs(), nanos);
    std::fs::File::options().write(true).open(&notes).unwrap().set_modified(same_second).unwrap();
    srv.wait_until("the polled edit", |s, _| {
        s.page_text("/notes.html").is_some_and(|t| t.contains("Saved on a network drive"))
    });
}

/// A docs folder that is a symlink (`content -> ../docs`) is watched through it: edits
/// made through either path are served. (Guards the watcher's notify config: without
/// following symlinks, notify skips a watched folder that is itself a symlink; the
/// watcher watches it by its real path and maps events back.)
#[cfg(unix)]
#[test]
fn a_docs_folder_that_is_a_symlink_is_watched() {
    let dir = tempfile::tempdir().unwrap();
    let real = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic");
    copy_dir(&fixture, dir.path());
    std::fs::remove_dir_all(dir.path().join("content")).unwrap();
    copy_dir(&fixture.join("content"), real.path());
    std::os::unix::fs::symlink(real.path(), dir.path().join("content")).unwrap();
    let srv = start_in(dir);
    write(&real.path().join("notes.md"), "# Team notes\n\nEdited through the real path.\n");
    srv.wait_until("the edit through the real path", |s, _| {
        s.page_text("/notes.html").is_some_and(|t| t.contains("Edited through the real path"))
    });
    write(&srv.path("content/notes.md"), "# Team notes\n\nEdited through the link.\n");
    srv.wait_until("the edit through the link", |s, _| {
        s.page_text("/notes.html").is_some_and(|t| t.contains("Edited through the link"))
    });
}

/// Inode numbers of the folders the server's inotify instances watch (Linux:
/// `/proc/PID/fdinfo` lists each watch with its inode).
#[cfg(target_os = "linux")]
fn watched_inodes(pid: u32) -> std::collections::HashSet<u64> {
    let mut inodes = std::collections::HashSet::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fdinfo")).unwrap().flatten() {
        let info = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in info.lines().filter(|l| l.starts_with("inotify wd:")) {
            let ino = line.split_whitespace().find_map(|w| w.strip_prefix("ino:"));
            inodes.extend(ino.and_then(|hex| u64::from_str_radix(hex, 16).ok()));
        }
    }
    inodes
}

#[cfg(target_os = "linux")]
#[test]
fn a_symlinked_folder_leading_out_of_the_docs_is_not_watched() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let outside = tempfile::tempdir().unwrap();
    let mut folders = vec![outside.path().to_path_buf()];
    for i in 0..20 {
        let folder = outside.path().join(format!("f{i}/g{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        write(&folder.join("secret.md"), "# Outside\n");
        folders.extend([folder.parent().unwrap().to_path_buf(), folder]);
    }
    std::os::unix::fs::symlink(outside.path(), dir.path().join("content/outside")).unwrap();
    let srv = start_in(dir);
    let watched = watched_inodes(srv.child.id());
    let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
    assert!(watched.contains(&ino(&srv.path("content"))), "the docs folder is not watched: {watched:?}");
    let reached: Vec<&PathBuf> = folders.iter().filter(|f| watched.contains(&ino(f))).collect();
    assert!(reached.is_empty(), "folders outside the portal are watched: {reached:?}");
    assert!(srv.log().contains("symlink points outside the docs folder; not followed"), "{}", srv.log());
}

/// `--bind 0.0.0.0` warns that the portal is open to the network, and shows an address
/// a browser here can open (the loopback one, on the port it listens on).
#[test]
fn serving_on_every_interface_warns_and_shows_a_loopback_url() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let srv = start_with(dir, &["--bind", "0.0.0.0"]);
    assert!(srv.url.starts_with("http://127.0.0.1:"), "{}", srv.url);
    assert_eq!(srv.get("/").status, 200);
    wait_for_log(&srv, "warning: listening on every network interface (0.0.0.0)");
    // The default says nothing of the kind (its "Watching" line comes after the warning).
    let loopback = start("serve-basic");
    wait_for_log(&loopback, "Watching");
    assert!(!loopback.log().contains("warning: listening"), "{}", loopback.log());
}

/// Waits until the server has printed `text`.
fn wait_for_log(srv: &Server, text: &str) {
    let deadline = Instant::now() + WAIT;
    while !srv.log().contains(text) {
        assert!(Instant::now() < deadline, "{text:?} never printed: {}", srv.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `--open` starts the desktop's browser (`xdg-open`) on the served URL, and says so
/// when there is none, rather than failing silently.
#[cfg(target_os = "linux")]
#[test]
fn open_starts_the_browser_on_the_url_or_warns_when_it_cannot() {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().unwrap();
    let opened = bin.path().join("opened");
    let script = bin.path().join("xdg-open");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut path = std::ffi::OsString::from(bin.path());
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let srv = start_with_env(dir, &["--open"], &[("PATH", &path)]);
    let deadline = Instant::now() + WAIT;
    while std::fs::read_to_string(&opened).unwrap_or_default().trim() != srv.url {
        assert!(
            Instant::now() < deadline,
            "xdg-open was not run on {}: {:?}",
            srv.url,
            std::fs::read_to_string(&opened)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!srv.log().contains("cannot open a browser"), "{}", srv.log());

    let empty = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve-basic"), dir.path());
    let srv = start_with_env(dir, &["--open"], &[("PATH", empty.path().as_os_str())]);
    wait_for_log(&srv, "warning: cannot open a browser (xdg-open: ");
    assert!(srv.log().contains(&format!("open {} yourself", srv.url)), "{}", srv.log());
}
