//! Edit-to-served latency of `docportal serve`.
//!
//! Generates a portal of N simple docs in a temp folder, starts `docportal serve` on a
//! free port, then edits one doc many times. Each sample is the time from the file
//! write to the moment the edited page, fetched over HTTP, shows the new text (the
//! client waits on the reload long-poll, as a browser tab does). Prints p50/p95/max.
//!
//!     cargo build && cargo run --example serve_latency -- 1000 10000
//!
//! Options: doc counts as arguments (default 1000); `EDITS=40`; `DOCPORTAL_BIN` to
//! measure another binary (default: `target/release/docportal` if built, else debug);
//! `DOCPORTAL_TRACE=1` (passed on to the server) adds the median time of each rebuild
//! phase; `CORPUS=DIR` serves a copy of an existing portal instead (for instance one
//! from `gen_corpus`, whose docs are 15–25 KB each) and edits its first doc, adding a
//! line at its end (the doc count argument is then only a label). `EDIT=heading` makes
//! each edit a new heading instead of a new paragraph line: a change beyond the body's
//! text (the doc's heading anchors), which `serve` answers by linking every doc again
//! rather than keeping the last build's links.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KINDS: [&str; 5] = ["ADR", "TRD", "TDD", "PRD", "RFC"];

fn main() {
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1000] } else { counts };
    let edits: usize = std::env::var("EDITS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let bin = binary();
    println!("binary: {}", bin.display());
    for n in counts {
        run(&bin, n, edits);
    }
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

fn generate(root: &Path, n: usize) -> PathBuf {
    std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Latency bench\"\n").unwrap();
    let mut first = None;
    for i in 0..n {
        let kind = KINDS[i % KINDS.len()];
        let number = i / KINDS.len() + 1;
        let dir = root.join("content").join(kind.to_lowercase());
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{kind}-{number:04}-generated-doc-{i}.md"));
        let other = KINDS[(i + 1) % KINDS.len()];
        let text = format!(
            "# {kind}-{number:04}: Generated doc {i}\n\n\
             | **Field** | Value |\n|---|---|\n| **Status** | Draft |\n| **Author** | Bench |\n\n\
             ## Context\n\nThis doc relates to {other}-{:04} and explains part {i} of the system.\n\n\
             ## Design\n\n- point one\n- point two\n\n```rust\nfn f{i}() -> u32 {{ {i} }}\n```\n\n\
             ## Notes\n\nEDIT-MARKER-0\n",
            (number % (n / KINDS.len()).max(1)) + 1
        );
        std::fs::write(&path, text).unwrap();
        first.get_or_insert(path);
    }
    first.unwrap()
}

struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Copies the portal at `from` into `root`; returns its first doc (by path).
fn copy_corpus(from: &Path, root: &Path) -> PathBuf {
    let mut docs = Vec::new();
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            let rel = path.strip_prefix(from).unwrap();
            if rel.starts_with("book") || rel.starts_with(".docportal-cache") {
                continue;
            }
            let target = root.join(rel);
            if path.is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                stack.push(path);
            } else {
                std::fs::copy(&path, &target).unwrap();
                if rel.starts_with("content") && rel.extension().is_some_and(|e| e == "md") {
                    docs.push(target);
                }
            }
        }
    }
    docs.sort();
    docs.into_iter().next().expect("the corpus has a doc")
}

fn run(bin: &Path, n: usize, edits: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = std::env::var_os("CORPUS").map(PathBuf::from);
    let doc = match &corpus {
        Some(from) => copy_corpus(from, tmp.path()),
        None => generate(tmp.path(), n),
    };
    let page = format!("/{}", doc.strip_prefix(tmp.path().join("content")).unwrap().with_extension("html").display());
    let started = Instant::now();
    let mut child = Command::new(bin)
        .args(["serve", "--port", "0"])
        .arg(tmp.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let guard = Guard(child);
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("serve exited").unwrap();
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break url.trim_start_matches("http://").trim_end_matches('/').to_string();
        }
    };
    let (tx, rebuilds) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.contains("Rebuilt") || line.contains("Trace") {
                let _ = tx.send(line);
            }
        }
    });
    println!("{n} docs: initial build + start {} ms", started.elapsed().as_millis());

    let mut original = std::fs::read_to_string(&doc).unwrap();
    if corpus.is_some() {
        original.push_str("\n\nEDIT-MARKER-0\n");
    }
    let heading = std::env::var("EDIT").is_ok_and(|v| v == "heading");
    let mut samples = Vec::new();
    for k in 1..=edits {
        let build = current_build(&addr);
        let marker = format!("EDIT-MARKER-{k}");
        let written = if heading { format!("## {marker}") } else { marker.clone() };
        let t0 = Instant::now();
        std::fs::write(&doc, original.replace("EDIT-MARKER-0", &written)).unwrap();
        let mut since = build;
        loop {
            since = wait_build(&addr, since);
            if get(&addr, &page).contains(&marker) {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(60), "edit {k} never served");
        }
        samples.push(t0.elapsed());
        std::thread::sleep(Duration::from_millis(150));
    }
    samples.sort();
    let lines: Vec<String> = rebuilds.try_iter().collect();
    let mut build_ms: Vec<u64> = lines
        .iter()
        .filter(|l| l.contains("Rebuilt"))
        .filter_map(|l| l.rsplit_once(" in ").and_then(|(_, t)| t.split("ms").next()?.parse().ok()))
        .collect();
    build_ms.sort();
    let build_p50 = build_ms.get(build_ms.len() / 2).copied().unwrap_or(0);
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    println!(
        "{n} docs, {} edits: edit-to-served p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (rebuild alone p50 {build_p50} ms)",
        samples.len(),
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    if let Some(last) = lines.iter().rev().find(|l| l.contains("Rebuilt")) {
        println!("  last rebuild: {}", last.trim());
    }
    let profile = span_medians(lines.iter().filter(|l| l.contains("Trace")));
    if !profile.is_empty() {
        println!("  rebuild profile (median per span): {profile}");
    }
    drop(guard);
}

/// `DOCPORTAL_TRACE=1` makes the server print `Trace discover 2.1ms · site 9.0ms …` after
/// each rebuild, a part reading `name 12.3ms`, `name 12.3ms cpu 20.1ms` or `name 12.3ms
/// (peak 40 MiB)`; this is the median wall time of each span over the run, in first-seen
/// order.
fn span_medians<'a>(lines: impl Iterator<Item = &'a String>) -> String {
    let mut spans: Vec<(String, Vec<f64>)> = Vec::new();
    for line in lines {
        let Some((_, rest)) = line.split_once("Trace") else { continue };
        for part in rest.split('·') {
            let part = part.split(" (peak").next().unwrap_or(part);
            let part = part.split(" cpu ").next().unwrap_or(part);
            let Some((name, ms)) = part.trim().rsplit_once(' ') else { continue };
            let Some(Ok(ms)) = ms.strip_suffix("ms").map(str::parse::<f64>) else { continue };
            match spans.iter_mut().find(|(n, _)| n == name) {
                Some((_, v)) => v.push(ms),
                None => spans.push((name.to_string(), vec![ms])),
            }
        }
    }
    spans
        .into_iter()
        .map(|(name, mut v)| {
            v.sort_by(f64::total_cmp);
            format!("{name} {:.1}ms", v[v.len() / 2])
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn current_build(addr: &str) -> u64 {
    build_of(&get(addr, "/__docportal/reload?since=0"))
}

fn wait_build(addr: &str, since: u64) -> u64 {
    build_of(&get(addr, &format!("/__docportal/reload?since={since}")))
}

fn build_of(json: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["build"].as_u64().unwrap()
}

fn get(addr: &str, target: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    text.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default()
}
