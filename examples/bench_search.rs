//! Search benchmark: generates a portal of realistic design docs (default 10,000, each
//! 15–25 KB of Markdown with front-matter, sections, lists and code), builds it with
//! the library, and prints what the search index costs: its size and file count, the
//! share of build time spent on it, and — through the real client under node
//! (`tests/js/measure.mjs`) — the bytes a session of representative queries fetches
//! and the time ranking takes once the files are there.
//!
//!     cargo run --release --example bench_search [DOCS [DIR]]
//!
//! The portal is generated in a temporary folder, or in `DIR` when given (kept, so
//! other tools can build it too).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

// The `docportal` binary's allocator, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: docportal::Allocator = docportal::ALLOCATOR;

const COMMON: &str = "system service request response data user client server cache database query index write read \
latency throughput error failure retry timeout queue event message stream batch job worker node cluster region zone \
replica replication consistency availability partition shard leader follower election consensus lock transaction \
commit rollback schema migration version deploy release rollout feature flag config secret token auth permission \
role policy audit log metric trace alert dashboard incident oncall runbook capacity scale load balancer gateway proxy \
endpoint api contract payload field record table column key value storage disk memory cpu network bandwidth packet \
connection pool thread process container pod image build pipeline test coverage review approval owner team customer \
tenant account billing invoice payment order checkout catalog search ranking recommendation notification email \
mobile web frontend backend store bucket object blob file upload download export import sync async callback webhook \
idempotent backpressure throttle quota limit budget cost estimate milestone risk mitigation dependency assumption \
constraint requirement goal scope decision alternative tradeoff proposal option benefit drawback impact summary";
const GLUE: &str = "the a an of to in for on with by from as is are be will should must can may that this these \
which when where while each every all any no not only also then than but and or if so because however therefore";
const HEADINGS: &[&str] = &[
    "Overview",
    "Background",
    "Goals",
    "Non-goals",
    "Requirements",
    "Architecture",
    "Data model",
    "API design",
    "Security considerations",
    "Performance",
    "Testing strategy",
    "Rollout plan",
    "Alternatives considered",
    "Open questions",
    "Risks",
    "Monitoring",
    "Migration",
    "Appendix",
];
const KINDS: &[&str] = &["TRD", "TDD", "PRD", "ADR", "RFC", "SPEC"];
const STATUSES: &[&str] = &["Draft", "Proposed", "In Review", "Approved", "Accepted", "Implemented", "Deprecated"];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Zipf-ranked vocabulary: the common technical words first, then 6,000 made-up names
/// (services, libraries, teams) that make up the long tail real portals have.
fn vocabulary() -> (Vec<String>, Vec<f64>) {
    let syllables = ["ka", "ro", "mi", "tel", "zan", "vor", "qui", "pex", "lum", "dra", "fen", "gos", "hy", "jun"];
    let mut words: Vec<String> = COMMON.split_whitespace().map(str::to_string).collect();
    for i in 0..6000 {
        let name: String = [i % 14, (i / 14) % 14, (i / 196) % 14].iter().map(|&s| syllables[s]).collect();
        words.push(name);
    }
    let mut cumulative = Vec::with_capacity(words.len());
    let mut sum = 0.0;
    for rank in 0..words.len() {
        sum += 1.0 / (rank as f64 + 3.0);
        cumulative.push(sum);
    }
    (words, cumulative)
}

fn pick<'a>(rng: &mut Rng, words: &'a [String], cumulative: &[f64]) -> &'a str {
    let total = cumulative.last().copied().unwrap_or(1.0);
    let x = (rng.next() % 1_000_000) as f64 / 1_000_000.0 * total;
    let i = cumulative.partition_point(|&c| c < x).min(words.len() - 1);
    &words[i]
}

fn sentence(rng: &mut Rng, words: &[String], cumulative: &[f64], glue: &[&str]) -> String {
    let len = 8 + rng.below(14);
    let mut s = String::new();
    for k in 0..len {
        let w = if rng.below(3) == 0 { glue[rng.below(glue.len())] } else { pick(rng, words, cumulative) };
        if k == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn generate(root: &Path, docs: usize) -> std::io::Result<u64> {
    let (words, cumulative) = vocabulary();
    let glue: Vec<&str> = GLUE.split_whitespace().collect();
    let names = ["Priya Natarajan", "Ken Adams", "Mei Chen", "Tomás Ruiz", "Ola Nordmann", "Sam Okafor"];
    std::fs::write(root.join("book.toml"), "[book]\ntitle = \"Bench\"\nsrc = \"content\"\n")?;
    let mut total = 0;
    for n in 0..docs {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (n as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
        let kind = KINDS[n % KINDS.len()];
        let number = n / KINDS.len() + 1;
        let title: Vec<&str> = (0..3 + rng.below(4)).map(|_| pick(&mut rng, &words, &cumulative)).collect();
        let title = title.join(" ");
        let mut md = format!(
            "---\nid: {kind}-{number:04}\ntitle: {title}\nstatus: {}\nauthors: [{}, {}{}]\n---\n# {kind}-{number:04}: {title}\n\n",
            STATUSES[rng.below(STATUSES.len())],
            names[rng.below(names.len())],
            "Author ",
            rng.below(300)
        );
        let target = 15_000 + rng.below(10_000);
        let mut section = 0;
        while md.len() < target {
            let heading = HEADINGS[section % HEADINGS.len()];
            section += 1;
            let _ = writeln!(md, "## {section}. {heading}\n");
            for _ in 0..2 + rng.below(3) {
                let para: Vec<String> =
                    (0..3 + rng.below(4)).map(|_| sentence(&mut rng, &words, &cumulative, &glue)).collect();
                let _ = writeln!(md, "{}\n", para.join(" "));
            }
            match rng.below(4) {
                0 => {
                    for _ in 0..3 {
                        let _ = writeln!(md, "- {}", sentence(&mut rng, &words, &cumulative, &glue));
                    }
                    md.push('\n');
                }
                1 => {
                    let _ = writeln!(
                        md,
                        "```yaml\n{}: {}\nreplicas: {}\n```\n\nSee {}-{:04}.\n",
                        pick(&mut rng, &words, &cumulative),
                        pick(&mut rng, &words, &cumulative),
                        rng.below(9),
                        KINDS[rng.below(KINDS.len())],
                        1 + rng.below(docs / KINDS.len() + 1)
                    );
                }
                _ => {}
            }
        }
        let dir = root.join("content").join(kind.to_lowercase());
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("{kind}-{number:04}-{}.md", title.replace(' ', "-"))), &md)?;
        total += md.len() as u64;
    }
    Ok(total)
}

/// One cold build of the portal at `root` (as `docportal build` runs it: every stage,
/// then writing the site; the render cache off), then its search work timed again on
/// its own. Prints the
/// figures; returns the build and the search share of its (wall, CPU) time.
fn measure(root: &Path, run: usize) -> (docportal::pipeline::Built, docportal::config::Config, (f64, f64)) {
    let _ = std::fs::remove_dir_all(root.join("book"));
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let (config, _) = docportal::config::load(root).expect("config");
    let built = docportal::pipeline::build(&config).expect("build");
    let (memory_time, memory_cpu) = (t.elapsed(), cpu_seconds() - cpu);
    docportal::write::write_swap(&built.site, &config.build_dir, &config).expect("write the site");
    let (build_time, build_cpu) = (t.elapsed(), cpu_seconds() - cpu);
    // The search work of a build is in two places: each doc is analysed when it is
    // rendered (cached with the render after that), and `search::build` merges the
    // analyses into the index files. Both are timed again here: the analyses on fresh
    // threads, so their word caches start cold as in a cold build.
    let kinds = docportal::search::kinds_of(&config);
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let chunk = built.rendered.len().div_ceil(threads).max(1);
    let t = Instant::now();
    let analyse_cpu: f64 = std::thread::scope(|scope| {
        let workers: Vec<_> = built
            .rendered
            .chunks(chunk)
            .map(|docs| {
                let kinds = &kinds;
                scope.spawn(move || {
                    let cpu = thread_cpu_seconds();
                    for r in docs {
                        std::hint::black_box(docportal::search::analyse::analyse(r, kinds));
                    }
                    thread_cpu_seconds() - cpu
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("analysis thread")).sum()
    });
    let analyse_time = t.elapsed();
    let (t, cpu) = (Instant::now(), cpu_seconds());
    std::hint::black_box(docportal::search::build(&built.checked.index, &built.rendered, &config));
    let (merge_time, merge_cpu) = (t.elapsed(), cpu_seconds() - cpu);
    let (search_time, search_cpu) = (analyse_time + merge_time, analyse_cpu + merge_cpu);
    // The whole build already contains this work once; the share is of that whole.
    let share = |part: f64, whole: f64| 100.0 * part / whole.max(1e-9);
    let (wall_share, cpu_share) =
        (share(search_time.as_secs_f64(), build_time.as_secs_f64()), share(search_cpu, build_cpu));
    println!(
        "run {run}: whole build {build_time:.2?} wall, {build_cpu:.2}s CPU (before writing the site: \
         {memory_time:.2?}, {memory_cpu:.2}s CPU); search {search_time:.2?} wall, {search_cpu:.3}s CPU (analysing \
         docs {analyse_time:.2?}, {analyse_cpu:.3}s CPU; index files {merge_time:.2?}, {merge_cpu:.3}s CPU) = \
         {wall_share:.1}% of the wall time, {cpu_share:.1}% of the CPU time ({:.1}% and {:.1}% before writing)",
        share(search_time.as_secs_f64(), memory_time.as_secs_f64()),
        share(search_cpu, memory_cpu)
    );
    (built, config, (wall_share, cpu_share))
}

/// CPU time this process has used, all threads: the sum of each thread's time on a
/// CPU from `/proc/self/task/*/schedstat` (nanoseconds; exited threads are gone from
/// it, so threads that come and go measure themselves with [`thread_cpu_seconds`]),
/// else `/proc/self/stat` in ticks. On a shared machine it tells a stage's cost better
/// than wall time. 0 where unknown.
fn cpu_seconds() -> f64 {
    let tasks = std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten();
    let ns: Option<Vec<f64>> = tasks.map(|t| schedstat_seconds(&t.path().join("schedstat"))).collect();
    match ns {
        Some(threads) if !threads.is_empty() => threads.iter().sum(),
        _ => stat_seconds(),
    }
}

/// This thread's time on a CPU.
fn thread_cpu_seconds() -> f64 {
    schedstat_seconds(Path::new("/proc/thread-self/schedstat")).unwrap_or(0.0)
}

fn schedstat_seconds(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// User + system time of the whole process from `/proc/self/stat`, in 10 ms ticks.
fn stat_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at its closing paren.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 (1-based, counting pid and comm), in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let docs: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = std::env::args().nth(2).map_or_else(|| tmp.path().to_path_buf(), std::path::PathBuf::from);
    std::fs::create_dir_all(&root).expect("portal folder");
    let t = Instant::now();
    let markdown = generate(&root, docs).expect("generate the portal");
    println!("generated {docs} docs, {:.1} MB of Markdown, in {:.1?}", markdown as f64 / 1e6, t.elapsed());

    // Cold builds, each followed by the search work timed on its own; the share is the
    // median of the runs (a shared machine's load moves both figures from run to run).
    // The render cache is off: writing its entries (one file per doc) would add to the
    // build's time and make the share look smaller than the work it measures.
    std::env::set_var("DOCPORTAL_CACHE", "off");
    let runs: usize = std::env::var("RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let mut shares = Vec::new();
    let mut last = None;
    for run in 1..=runs {
        let (built, config, share) = measure(&root, run);
        shares.push(share);
        last = Some((built, config));
    }
    let Some((built, config)) = last else { return };
    shares.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (wall, cpu) = shares[shares.len() / 2];
    println!("search share, median of {runs} cold builds: {wall:.1}% of the wall time, {cpu:.1}% of the CPU time");
    let files = docportal::search::build(&built.checked.index, &built.rendered, &config);

    // `search/t3.<hash>.js` is a shard, `search/table.<hash>.js` is not.
    let size = |prefix: &str| -> (usize, usize, usize) {
        let of_kind = |p: &str| {
            p.strip_prefix(prefix)
                .is_some_and(|rest| prefix.ends_with(".") || rest.starts_with(|c: char| c.is_ascii_digit()))
        };
        let sizes: Vec<usize> = files.iter().filter(|(p, _)| of_kind(p)).map(|(_, b)| b.len()).collect();
        (sizes.len(), sizes.iter().sum(), sizes.iter().copied().max().unwrap_or(0))
    };
    println!("search files: {} ({:.1} MB)", files.len(), files.values().map(Vec::len).sum::<usize>() as f64 / 1e6);
    for (label, prefix) in [
        ("manifest", "search/manifest."),
        ("doc table", "search/table."),
        ("term shards", "search/t"),
        ("doc groups", "search/g"),
    ] {
        let (count, total, max) = size(prefix);
        println!(
            "  {label:12} {count:4} files, {:8.1} KB total, largest {:6.1} KB",
            total as f64 / 1024.0,
            max as f64 / 1024.0
        );
    }

    let site = root.join("site");
    for (path, bytes) in files.iter().chain(built.site.files.iter().filter(|(p, _)| p.starts_with("assets/search."))) {
        let full = site.join(path);
        std::fs::create_dir_all(full.parent().expect("a parent folder")).expect("mkdir");
        std::fs::write(full, bytes).expect("write");
    }
    let queries =
        ["latency", "replication consistency", "adr 7", "replic", "consistnecy", "kamitel", "rollout plan risk"];
    let measure = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/measure.mjs");
    match std::process::Command::new("node").arg(measure).arg(&site).args(queries).output() {
        Ok(out) if out.status.success() => {
            let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("measure.mjs prints JSON");
            println!("queries (one session; the first counts the client; KB = uncompressed bytes fetched):");
            for row in rows.as_array().into_iter().flatten() {
                println!(
                    "  {:28} {:6} hits, top {:10} {:3} files {:7.1} KB  ranking {:5.1} ms",
                    format!("{:?}", row["query"].as_str().unwrap_or("")),
                    row["hits"],
                    row["top"].as_str().unwrap_or("-"),
                    row["files"],
                    row["kb"].as_f64().unwrap_or(0.0),
                    row["ms"].as_f64().unwrap_or(0.0)
                );
            }
        }
        Ok(out) => println!("measure.mjs failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("node not available ({e}); no per-query figures"),
    }
}
