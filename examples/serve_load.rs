//! Load and soak test of `docportal serve`, on loopback only, bounded in requests and time.
//!
//! Generates a portal of `DOCS` docs in a temp folder, starts `docportal serve --port 0`
//! and then, all at once:
//! - `CLIENTS` threads GET pages, search files and assets (one connection per request)
//!   until `REQUESTS` requests are done or `SECONDS` have passed;
//! - `POLLERS` threads sit on the live-reload long-poll, as open browser tabs do;
//! - one editor rewrites a doc every `EDIT_MS` milliseconds.
//!
//! A request fails on an I/O error, a status other than 200 (a hashed search file
//! renamed by a rebuild since the client listed it is counted apart, as a browser with
//! an old page would see it), or a body shorter than its Content-Length or an HTML
//! page cut short. After the load, one last edit must show up in the served page
//! within 30 s (no stale page). Then the soak: `SOAK_EDITS` edits `SOAK_EDIT_MS` apart
//! with a request after each, sampling the server's RSS and open file descriptors
//! (from /proc) every `SOAK_EDITS / 10` edits.
//!
//! Prints throughput, latency percentiles, failures, and RSS / descriptor counts; exits
//! non-zero when any request failed, the last edit was not served, or memory or
//! descriptors grew past the bounds (`MAX_RSS_GROWTH_MB`, default 64; 32 descriptors).
//!
//!     cargo build && cargo run --example serve_load
//!     DOCS=300 CLIENTS=32 REQUESTS=50000 SECONDS=120 SOAK_EDITS=10000 cargo run --example serve_load
//!
//! `DOCPORTAL_BIN` picks the binary (default: target/release/docportal if built, else
//! target/debug/docportal).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

const KINDS: [&str; 5] = ["ADR", "TRD", "TDD", "PRD", "RFC"];

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn binary() -> PathBuf {
    if let Some(b) = std::env::var_os("DOCPORTAL_BIN") {
        return PathBuf::from(b);
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let release = target.join("release/docportal");
    if release.exists() {
        release
    } else {
        target.join("debug/docportal")
    }
}

/// Writes `n` docs that link to each other, with code and a diagram; returns their paths.
fn generate(root: &Path, n: usize) -> Vec<PathBuf> {
    std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Load test\"\nsrc = \"content\"\n").expect("temp dir");
    (0..n)
        .map(|i| {
            let kind = KINDS[i % KINDS.len()];
            let number = i / KINDS.len() + 1;
            let dir = root.join("content").join(kind.to_lowercase());
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join(format!("{kind}-{number:04}-doc-{i}.md"));
            std::fs::write(&path, doc_text(i, n, 0)).expect("temp dir");
            path
        })
        .collect()
}

fn doc_text(i: usize, n: usize, edit: u64) -> String {
    let kind = KINDS[i % KINDS.len()];
    let number = i / KINDS.len() + 1;
    let other = KINDS[(i + 1) % KINDS.len()];
    let other_number = number % (n / KINDS.len()).max(1) + 1;
    format!(
        "---\ntitle: \"{kind}-{number:04}: Generated doc {i}\"\nstatus: Draft\nauthor: Load Test\n---\n\n\
         # {kind}-{number:04}: Generated doc {i}\n\n## Context\n\nThis relates to {other}-{other_number:04}; \
         shipment routing, carrier selection and label rendering for part {i}.\n\n\
         ```rust\nfn part_{i}() -> u32 {{ {i} }}\n```\n\n```mermaid\nflowchart LR\n  A{i} --> B{i}\n```\n\n\
         ## Notes\n\nEDIT-MARKER-{edit}\n"
    )
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(bin: &Path, dir: &Path) -> Server {
    let mut child = Command::new(bin)
        .args(["serve", "--port", "0", "--bind", "127.0.0.1"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docportal serve starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Serving") {
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                    let _ = tx.send(url.trim_start_matches("http://").trim_end_matches('/').to_string());
                }
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(300)).expect("serve printed its address");
    Server { child, addr }
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

/// One GET on a fresh connection. Err on I/O trouble or a body cut short.
fn get(addr: &str, path: &str, timeout: Duration) -> Result<Reply, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("bad status line")?;
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_ascii_lowercase())
        })
    };
    // tiny_http answers HTTP/1.1 clients in chunks once a body passes 32 KiB.
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        return dechunk(&body)
            .map(|body| Reply { status, body })
            .ok_or_else(|| format!("{path}: chunked body cut short"));
    }
    if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        if body.len() != length {
            return Err(format!("{path}: body {} bytes, Content-Length {length}", body.len()));
        }
    }
    Ok(Reply { status, body })
}

/// The body of a chunked response; None unless it ends with the zero-size chunk.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

/// Site-relative URLs worth fetching: every page, search file and asset on disk now.
fn list_urls(site: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![site.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(site) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                // Dotfiles are the writer's temporary files and its manifest, not the site.
                let hidden = rel.split('/').any(|part| part.starts_with('.'));
                if !hidden && !rel.contains("mermaid.min") {
                    out.push(format!("/{rel}"));
                }
            }
        }
    }
    out.sort();
    out
}

fn is_hashed(url: &str) -> bool {
    url.starts_with("/search/") && url != "/search/manifest.js" || url.starts_with("/assets/")
}

/// (RSS in KiB, open descriptors) of a running process, from /proc.
fn usage(pid: u32) -> (u64, usize) {
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0);
    (rss, fds)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    failures: Vec<String>,
    renamed_404: u64,
    bytes: u64,
}

fn main() {
    let docs = setting("DOCS", 200) as usize;
    let clients = setting("CLIENTS", 16);
    let pollers = setting("POLLERS", 8);
    let max_requests = setting("REQUESTS", 20_000);
    let seconds = setting("SECONDS", 60);
    let edit_ms = setting("EDIT_MS", 250);
    let soak_edits = setting("SOAK_EDITS", 1000);
    let soak_edit_ms = setting("SOAK_EDIT_MS", 5);
    let max_growth_kib = setting("MAX_RSS_GROWTH_MB", 64) * 1024;

    let bin = binary();
    let tmp = tempfile::tempdir().expect("temp dir");
    let files = generate(tmp.path(), docs);
    let site = tmp.path().join("book");
    println!("binary {}, {docs} docs, {clients} clients, {pollers} long-polls, edit every {edit_ms} ms", bin.display());
    let started = Instant::now();
    let server = start(&bin, tmp.path());
    let pid = server.child.id();
    let addr = server.addr.clone();
    println!("initial build and start: {:.1}s, serving on {addr}", started.elapsed().as_secs_f64());

    let urls = Arc::new(RwLock::new(list_urls(&site)));
    let count = urls.read().map(|u| u.len()).unwrap_or(0);
    // Warm up so the baseline includes what every server holds once it has answered.
    for url in urls.read().expect("url list").iter().take(200) {
        let _ = get(&addr, url, Duration::from_secs(30));
    }
    let (rss_before, fds_before) = usage(pid);
    println!("{count} URLs; before load: RSS {} MiB, {fds_before} descriptors", rss_before / 1024);

    let done = Arc::new(AtomicBool::new(false));
    let issued = Arc::new(AtomicU64::new(0));
    let poll_answers = Arc::new(AtomicU64::new(0));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let load_start = Instant::now();
    let builds_before = current_build(&addr);

    let mut workers = Vec::new();
    for c in 0..clients {
        let (urls, done, issued, tally, addr) =
            (urls.clone(), done.clone(), issued.clone(), tally.clone(), addr.clone());
        workers.push(std::thread::spawn(move || {
            let mut mine = Tally::default();
            let mut k = c as usize * 7919;
            while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                if issued.fetch_add(1, Ordering::Relaxed) >= max_requests {
                    break;
                }
                let url = {
                    let list = urls.read().expect("url list");
                    k = k.wrapping_add(31);
                    list[k % list.len()].clone()
                };
                let t = Instant::now();
                let reply = get(&addr, &url, Duration::from_secs(30));
                mine.latencies_us.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                match reply {
                    Ok(r) if r.status == 200 => {
                        mine.bytes += r.body.len() as u64;
                        if url.ends_with(".html") && !String::from_utf8_lossy(&r.body).trim_end().ends_with("</html>") {
                            mine.failures.push(format!("{url}: HTML page cut short"));
                        }
                    }
                    Ok(r) if r.status == 404 && is_hashed(&url) => mine.renamed_404 += 1,
                    Ok(r) => mine.failures.push(format!("{url}: HTTP {}", r.status)),
                    Err(e) => mine.failures.push(format!("{url}: {e}")),
                }
            }
            let mut all = tally.lock().expect("tally");
            all.latencies_us.extend(mine.latencies_us);
            all.failures.extend(mine.failures);
            all.renamed_404 += mine.renamed_404;
            all.bytes += mine.bytes;
        }));
    }
    for _ in 0..pollers {
        let (done, poll_answers, tally, addr) = (done.clone(), poll_answers.clone(), tally.clone(), addr.clone());
        workers.push(std::thread::spawn(move || {
            let mut since = 0u64;
            while !done.load(Ordering::Relaxed) {
                match get(&addr, &format!("/__docportal/reload?since={since}"), Duration::from_secs(120)) {
                    Ok(r) if r.status == 200 => {
                        poll_answers.fetch_add(1, Ordering::Relaxed);
                        let text = String::from_utf8_lossy(&r.body).into_owned();
                        since = json_number(&text, "build").unwrap_or(since);
                    }
                    Ok(r) => tally.lock().expect("tally").failures.push(format!("long-poll: HTTP {}", r.status)),
                    Err(e) => tally.lock().expect("tally").failures.push(format!("long-poll: {e}")),
                }
            }
        }));
    }

    // The editor, on this thread: rewrite a doc every edit_ms while the clients run.
    let mut edit = 0u64;
    let mut peak_rss = rss_before;
    while Instant::now() < deadline && issued.load(Ordering::Relaxed) < max_requests {
        std::thread::sleep(Duration::from_millis(edit_ms));
        edit += 1;
        let i = (edit as usize * 13) % files.len();
        std::fs::write(&files[i], doc_text(i, docs, edit)).expect("edit");
        if edit % 4 == 0 {
            let fresh = list_urls(&site);
            if !fresh.is_empty() {
                *urls.write().expect("url list") = fresh;
            }
        }
        peak_rss = peak_rss.max(usage(pid).0);
    }
    let load_time = load_start.elapsed().as_secs_f64();

    // Stop the clients; the pollers are released by the final edit's rebuild.
    done.store(true, Ordering::Relaxed);
    let final_marker = edit + 1_000_000;
    std::fs::write(&files[0], doc_text(0, docs, final_marker)).expect("final edit");
    let page = format!(
        "/{}",
        files[0].strip_prefix(tmp.path().join("content")).expect("in content").with_extension("html").to_string_lossy()
    );
    let wait = Instant::now();
    let mut fresh = false;
    while wait.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = get(&addr, &page, Duration::from_secs(10)) {
            if String::from_utf8_lossy(&r.body).contains(&format!("EDIT-MARKER-{final_marker}")) {
                fresh = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let final_latency = wait.elapsed().as_secs_f64();
    for w in workers {
        let _ = w.join();
    }
    let (rss_after, fds_after) = usage(pid);

    let mut t = std::mem::take(&mut *tally.lock().expect("tally"));
    t.latencies_us.sort_unstable();
    let n = t.latencies_us.len();
    println!(
        "\n== load: {n} requests in {load_time:.1}s = {:.0} req/s, {:.1} MiB",
        n as f64 / load_time,
        t.bytes as f64 / 1048576.0
    );
    println!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&t.latencies_us, 0.5),
        percentile(&t.latencies_us, 0.9),
        percentile(&t.latencies_us, 0.99),
        percentile(&t.latencies_us, 1.0)
    );
    println!(
        "{edit} edits during the load ({} rebuilds); {} long-poll answers",
        current_build(&addr).saturating_sub(builds_before),
        poll_answers.load(Ordering::Relaxed)
    );
    println!("failed requests: {}; hashed files renamed by a rebuild (404): {}", t.failures.len(), t.renamed_404);
    for f in t.failures.iter().take(10) {
        println!("  {f}");
    }
    println!(
        "last edit served: {} ({final_latency:.2}s after the write)",
        if fresh { "yes" } else { "NO, the page is stale" }
    );
    println!(
        "RSS MiB: before {}, peak {}, after {}; descriptors: before {fds_before}, after {fds_after}",
        rss_before / 1024,
        peak_rss.max(rss_after) / 1024,
        rss_after / 1024
    );

    // The soak: many edits, a request after each, memory and descriptors sampled.
    let mut soak_ok = true;
    if soak_edits > 0 {
        println!("\n== soak: {soak_edits} edits, {soak_edit_ms} ms apart");
        let every = (soak_edits / 10).max(1);
        let (rss_start, fds_start) = usage(pid);
        let builds_start = current_build(&addr);
        let mut samples = vec![(0, rss_start, fds_start)];
        let soak_start = Instant::now();
        let mut soak_failures = 0u64;
        for e in 1..=soak_edits {
            let i = (e as usize * 17) % files.len();
            std::fs::write(&files[i], doc_text(i, docs, final_marker + e)).expect("edit");
            std::thread::sleep(Duration::from_millis(soak_edit_ms));
            match get(&addr, "/index.html", Duration::from_secs(30)) {
                Ok(r) if r.status == 200 => {}
                _ => soak_failures += 1,
            }
            if e % every == 0 {
                let (rss, fds) = usage(pid);
                samples.push((e, rss, fds));
            }
        }
        // Let the last burst settle, then sample once more.
        std::thread::sleep(Duration::from_secs(3));
        let (rss_end, fds_end) = usage(pid);
        samples.push((soak_edits, rss_end, fds_end));
        println!(
            "{soak_edits} edits in {:.1}s ({} rebuilds); failed requests: {soak_failures}",
            soak_start.elapsed().as_secs_f64(),
            current_build(&addr).saturating_sub(builds_start)
        );
        for (e, rss, fds) in &samples {
            println!("  after {e:>6} edits: RSS {:>5.1} MiB, {fds} descriptors", *rss as f64 / 1024.0);
        }
        // Growth in the second half shows a leak; the first half includes caches filling.
        let half = samples.get(samples.len() / 2).map(|s| s.1).unwrap_or(rss_start);
        let growth = rss_end.saturating_sub(half);
        println!("RSS growth over the second half: {:.1} MiB", growth as f64 / 1024.0);
        soak_ok = soak_failures == 0 && growth <= max_growth_kib / 2 && fds_end <= fds_start + 32;
    }

    let ok = t.failures.is_empty()
        && fresh
        && rss_after.saturating_sub(rss_before) <= max_growth_kib
        && fds_after <= fds_before + 32
        && soak_ok;
    println!("\n{}", if ok { "PASS" } else { "FAIL" });
    drop(server);
    if !ok {
        std::process::exit(1);
    }
}

/// The server's build counter now (`since=0` answers at once).
fn current_build(addr: &str) -> u64 {
    get(addr, "/__docportal/reload?since=0", Duration::from_secs(10))
        .ok()
        .and_then(|r| json_number(&String::from_utf8_lossy(&r.body), "build"))
        .unwrap_or(0)
}

/// The number after `"key":` in a flat JSON object.
fn json_number(text: &str, key: &str) -> Option<u64> {
    let at = text.find(&format!("\"{key}\":"))? + key.len() + 3;
    let digits: String =
        text[at..].chars().skip_while(|c| c.is_whitespace()).take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
