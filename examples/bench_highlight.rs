//! Highlighting benchmark: `cargo run --example bench_highlight [MEGABYTES]` (default 1).
//!
//! Prints the time to load the grammar set, the first-use cost of each grammar (syntect
//! compiles a grammar's regexes lazily), and highlighting throughput in MB/s on a
//! generated corpus of code blocks in the languages design docs use most, on one
//! thread and on all threads (rayon, as the build renders docs). Also the end-to-end
//! Markdown render rate of docs made from those blocks, and the memo's cost on blocks it
//! cannot help (heredocs, raw strings). Not a test: it asserts nothing.

use docportal::render::highlight;
use docportal::render::markdown::{self, MarkdownOptions, NoXrefs};
use rayon::prelude::*;
use std::time::Instant;

// The `docportal` binary's allocator, so that the figures are the product's.
#[global_allocator]
static ALLOCATOR: docportal::Allocator = docportal::ALLOCATOR;

/// Templates of realistic blocks; `NAME` and `N` are replaced per copy so no two are identical.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "rust",
        r#"/// Token bucket for tenant NAME.
pub struct BucketNAME {
    capacity: u64,
    tokens: f64,
    refill_per_sec: f64,
    last: std::time::Instant,
}

impl BucketNAME {
    pub fn try_acquire(&mut self, cost: u64) -> Result<(), RateLimited> {
        let now = std::time::Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.refill_per_sec).min(self.capacity as f64);
        self.last = now;
        if self.tokens >= cost as f64 {
            self.tokens -= cost as f64;
            Ok(())
        } else {
            Err(RateLimited { retry_after_ms: N })
        }
    }
}
"#,
    ),
    (
        "sql",
        r#"CREATE TABLE rate_limits_NAME (
    tenant_id     UUID        NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    route         TEXT        NOT NULL,
    limit_per_min INTEGER     NOT NULL CHECK (limit_per_min > 0),
    burst         INTEGER     NOT NULL DEFAULT N,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, route)
);

CREATE INDEX idx_rate_limits_NAME_route ON rate_limits_NAME (route) WHERE burst > 10;

SELECT t.name, r.route, r.limit_per_min
FROM rate_limits_NAME r
JOIN tenants t ON t.id = r.tenant_id
WHERE r.updated_at > now() - interval 'N days'
ORDER BY r.limit_per_min DESC
LIMIT 50;
"#,
    ),
    (
        "json",
        r#"{
  "tenant": "NAME",
  "limits": [
    { "route": "/v1/search", "perMinute": N, "burst": 20, "enabled": true },
    { "route": "/v1/index", "perMinute": 60, "burst": 5, "enabled": false }
  ],
  "owner": { "team": "platform", "oncall": "NAME@example.com" },
  "tags": ["tier-1", "eu-west-1", null]
}
"#,
    ),
    (
        "yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: limiter-NAME
  labels:
    app: limiter
spec:
  replicas: N
  template:
    spec:
      containers:
        - name: limiter
          image: registry.internal/limiter:1.4.N
          ports:
            - containerPort: 8080
          env:
            - name: REDIS_URL
              value: "redis://redis-NAME:6379/0"
          resources:
            limits: { cpu: "500m", memory: "256Mi" }
"#,
    ),
    (
        "typescript",
        r#"export interface LimitNAME {
  route: string;
  perMinute: number;
  burst?: number;
}

export async function fetchLimitsNAME(client: HttpClient, tenant: string): Promise<LimitNAME[]> {
  const res = await client.get(`/v1/tenants/${encodeURIComponent(tenant)}/limits?page=N`);
  if (!res.ok) {
    throw new Error(`limits for ${tenant}: HTTP ${res.status}`);
  }
  const body = (await res.json()) as { limits: LimitNAME[] };
  return body.limits.filter((l) => l.perMinute > 0).sort((a, b) => a.route.localeCompare(b.route));
}
"#,
    ),
    (
        "toml",
        r#"[limiter.NAME]
enabled = true
default-per-minute = N
burst = 20
routes = ["/v1/search", "/v1/index"]

[limiter.NAME.redis]
url = "redis://redis-NAME:6379/0"
timeout-ms = 50
"#,
    ),
    (
        "hcl",
        r#"resource "aws_elasticache_cluster" "limiter_NAME" {
  cluster_id           = "limiter-NAME"
  engine               = "redis"
  node_type            = "cache.t4g.small"
  num_cache_nodes      = N
  parameter_group_name = "default.redis7"
  tags = {
    team = "platform"
  }
}

variable "limiter_NAME_burst" {
  type    = number
  default = 20
}
"#,
    ),
    (
        "python",
        r#"class LimiterNAME:
    """Sliding-window limiter for NAME."""

    def __init__(self, redis, window_s: int = 60, limit: int = N) -> None:
        self.redis = redis
        self.window_s = window_s
        self.limit = limit

    async def allow(self, key: str) -> bool:
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - self.window_s)
            pipe.zadd(key, {f"{now}": now})
            pipe.zcard(key)
            _, _, count = await pipe.execute()
        return count <= self.limit
"#,
    ),
    (
        "go",
        r#"package limiter

// AllowNAME reports whether the request may proceed.
func (l *Limiter) AllowNAME(ctx context.Context, key string) (bool, error) {
	n, err := l.rdb.Incr(ctx, "rl:"+key).Result()
	if err != nil {
		return false, fmt.Errorf("incr %s: %w", key, err)
	}
	if n == 1 {
		l.rdb.Expire(ctx, "rl:"+key, N*time.Second)
	}
	return n <= l.limit, nil
}
"#,
    ),
    (
        "bash",
        r#"#!/usr/bin/env bash
set -euo pipefail
for tenant in $(kubectl get configmap limiter-NAME -o jsonpath='{.data.tenants}'); do
  echo "checking ${tenant}" >&2
  curl -fsS -H "X-Tenant: ${tenant}" "https://api.internal/v1/limits?page=N" | jq '.limits[] | select(.burst > 10)'
done
"#,
    ),
    (
        "dockerfile",
        r#"FROM rust:1.85 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin limiter-NAME

FROM debian:12-slim
COPY --from=build /src/target/release/limiter-NAME /usr/local/bin/limiter
EXPOSE 8080
ENV LIMITER_BURST=N
ENTRYPOINT ["/usr/local/bin/limiter"]
"#,
    ),
];

/// A deterministic corpus of about `megabytes` MB: `(language, code)` blocks.
fn corpus(megabytes: usize) -> Vec<(&'static str, String)> {
    let target = megabytes * 1024 * 1024;
    let mut blocks = Vec::new();
    let mut size = 0;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    while size < target {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let (lang, template) = TEMPLATES[(seed >> 33) as usize % TEMPLATES.len()];
        let name = format!("t{:x}", seed >> 44);
        let code = template.replace("NAME", &name).replace('N', &((seed >> 20) % 997).to_string());
        size += code.len();
        blocks.push((lang, code));
    }
    blocks
}

/// Highlights every block once, timing each language: `(language, bytes, seconds)`.
fn highlight_by_language(blocks: &[(&'static str, String)]) -> Vec<(&'static str, usize, f64)> {
    let mut per_lang: Vec<(&'static str, usize, f64)> = Vec::new();
    for (lang, code) in blocks {
        let syntax = highlight::syntax_for(lang).expect("benchmark languages have grammars");
        let start = Instant::now();
        let _ = highlight::highlight(syntax, code);
        let took = start.elapsed().as_secs_f64();
        match per_lang.iter_mut().find(|(l, _, _)| l == lang) {
            Some(entry) => {
                entry.1 += code.len();
                entry.2 += took;
            }
            None => per_lang.push((lang, code.len(), took)),
        }
    }
    per_lang
}

fn highlight_all(blocks: &[(&str, String)]) -> usize {
    blocks
        .iter()
        .map(|(lang, code)| {
            let syntax = highlight::syntax_for(lang).expect("benchmark languages have grammars");
            highlight::highlight(syntax, code).map(|html| html.len()).unwrap_or(0)
        })
        .sum()
}

/// CPU seconds this process has used (Linux `/proc`; 0 elsewhere). On a busy machine
/// wall-clock rates mostly measure the neighbours, so the report gives both.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let megabytes: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);

    let start = Instant::now();
    let set = highlight::syntax_set();
    let load = start.elapsed();
    println!("grammar set load: {:.1} ms ({} grammars)", load.as_secs_f64() * 1e3, set.syntaxes().len());

    let mut first_use = Vec::new();
    // The first block of each language pays for compiling that grammar's regexes.
    for (lang, template) in TEMPLATES {
        let start = Instant::now();
        let syntax = highlight::syntax_for(lang).expect("grammar");
        let _ = highlight::highlight(syntax, template);
        first_use.push(format!("{lang} {:.0} ms", start.elapsed().as_secs_f64() * 1e3));
    }
    println!("first use per grammar (lazy regex compilation): {}", first_use.join(", "));
    println!("load average: {}", std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim());

    let blocks = corpus(megabytes);
    let bytes: usize = blocks.iter().map(|(_, c)| c.len()).sum();
    let mb = bytes as f64 / (1024.0 * 1024.0);
    println!("corpus: {} blocks, {mb:.2} MB", blocks.len());

    let cpu = cpu_seconds();
    let per_lang = highlight_by_language(&blocks);
    let cpu = cpu_seconds() - cpu;
    let one: f64 = per_lang.iter().map(|(_, _, s)| s).sum();
    println!(
        "highlight, 1 thread: {one:.2} s wall, {:.3} MB/s; {cpu:.2} CPU s, {:.3} MB per CPU second",
        mb / one,
        mb / cpu
    );
    let rates: Vec<String> =
        per_lang.iter().map(|(lang, b, s)| format!("{lang} {:.3}", *b as f64 / (1024.0 * 1024.0) / s)).collect();
    println!("  by language (MB/s): {}", rates.join(", "));

    let threads = rayon::current_num_threads();
    let cpu = cpu_seconds();
    let start = Instant::now();
    let chunks: Vec<&[(&str, String)]> = blocks.chunks(64).collect();
    let _: usize = chunks.par_iter().map(|chunk| highlight_all(chunk)).sum();
    let all = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!("highlight, {threads} threads: {all:.2} s wall, {:.3} MB/s; {cpu:.2} CPU s", mb / all);

    // Whole docs: 8 blocks with prose between them, through the Markdown renderer.
    let docs: Vec<String> = blocks
        .chunks(8)
        .map(|chunk| {
            let mut doc = String::from("## Design\n\nThe limiter keeps **one bucket per tenant** and route.\n\n");
            for (lang, code) in chunk {
                doc.push_str(&format!("```{lang}\n{code}```\n\nSee the table below for the defaults.\n\n"));
            }
            doc
        })
        .collect();
    let doc_bytes: usize = docs.iter().map(String::len).sum();
    let start = Instant::now();
    let _: usize =
        docs.par_iter().map(|doc| markdown::render(doc, MarkdownOptions::default(), &NoXrefs).html.len()).sum();
    let render = start.elapsed().as_secs_f64();
    println!(
        "markdown render, {} docs, {threads} threads: {:.2} s, {:.3} MB/s",
        docs.len(),
        render,
        doc_bytes as f64 / (1024.0 * 1024.0) / render
    );

    captured_text_blocks();
}

/// Lines inside a heredoc or a raw string start in a state holding captured text (the
/// delimiter), which the memo can never find again: they should cost about what they
/// cost without a memo, not more.
fn captured_text_blocks() {
    let mut heredoc = String::from("cat <<EOF > /etc/app.conf\n");
    let mut raw = String::from("let s = r#\"\n");
    for i in 0..4000 {
        heredoc.push_str(&format!("key_{} = value {}\n", i % 50, i % 7));
        raw.push_str(&format!("  line {} of the raw string\n", i % 50));
    }
    heredoc.push_str("EOF\necho done\n");
    raw.push_str("\"#;\n");
    for (lang, code) in [("bash", &heredoc), ("rust", &raw)] {
        let syntax = highlight::syntax_for(lang).expect("grammar");
        let time = |f: &dyn Fn()| {
            f();
            let start = Instant::now();
            for _ in 0..5 {
                f();
            }
            start.elapsed().as_secs_f64() / 5.0 * 1e3
        };
        let memo = time(&|| {
            highlight::highlight(syntax, code).expect("highlights");
        });
        let plain = time(&|| {
            let style = syntect::html::ClassStyle::SpacedPrefixed { prefix: "hl-" };
            let mut html =
                syntect::html::ClassedHTMLGenerator::new_with_class_style(syntax, highlight::syntax_set(), style);
            for line in syntect::util::LinesWithEndings::from(code) {
                html.parse_html_for_line_which_includes_newline(line).expect("highlights");
            }
            html.finalize();
        });
        println!("captured-text block ({lang}, 4,000 lines): {memo:.2} ms with the memo, {plain:.2} ms without");
    }
}
