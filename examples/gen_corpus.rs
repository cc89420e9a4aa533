//! A deterministic generator of design-doc portals, for benchmarks.
//!
//! `cargo run --release --example gen_corpus -- --docs N --seed S --out DIR` writes
//! `DIR/book.toml` and `DIR/content/{trd,tdd,prd,adr,specs}/…`: N Markdown docs of
//! 15–25 KB each, shaped like the templates real teams use — every metadata style
//! docportal reads (YAML front-matter, `| **Field** | Value |` tables, `**Status**: X`
//! lines, `**Status:** X  ` Document Information blocks, `**Related Documents:**`
//! lists, MADR front-matter on ADRs), prose built from a few hundred domain words,
//! about eight fenced code blocks in eleven languages, about two Mermaid diagrams,
//! tables, and references between docs (bare ids, relative `.md` links, related
//! fields), of which about one in ten points at nothing.
//!
//! Invariants: the output is a pure function of `(N, seed)` — byte-identical on every
//! run and on every machine — because every random choice comes from a SplitMix64
//! stream seeded per doc (so docs can be generated in parallel), and nothing iterates
//! a hash map. `DIR` is replaced only when it is empty or was written by this tool
//! (it carries a `.gen_corpus` marker); anything else is refused.

use rayon::prelude::*;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const MARKER: &str = ".gen_corpus";

/// SplitMix64: tiny, fast, and good enough to make text look varied.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words.get(self.below(words.len())).copied().unwrap_or("")
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

// ---------------------------------------------------------------------------------
// Vocabulary. Several hundred words, so a search index sees a realistic spread.

const NOUNS: &[&str] = &[
    "request",
    "response",
    "service",
    "gateway",
    "client",
    "server",
    "database",
    "table",
    "index",
    "query",
    "schema",
    "migration",
    "replica",
    "shard",
    "partition",
    "cluster",
    "node",
    "pod",
    "container",
    "image",
    "registry",
    "deployment",
    "rollout",
    "canary",
    "release",
    "pipeline",
    "build",
    "artifact",
    "cache",
    "queue",
    "topic",
    "stream",
    "consumer",
    "producer",
    "event",
    "message",
    "payload",
    "header",
    "token",
    "session",
    "credential",
    "secret",
    "certificate",
    "key",
    "policy",
    "role",
    "permission",
    "tenant",
    "account",
    "user",
    "operator",
    "team",
    "owner",
    "reviewer",
    "budget",
    "quota",
    "limit",
    "threshold",
    "latency",
    "throughput",
    "error",
    "failure",
    "outage",
    "incident",
    "alert",
    "dashboard",
    "metric",
    "trace",
    "span",
    "log",
    "audit",
    "report",
    "snapshot",
    "backup",
    "restore",
    "checkpoint",
    "journal",
    "ledger",
    "invoice",
    "payment",
    "order",
    "cart",
    "catalog",
    "inventory",
    "shipment",
    "warehouse",
    "customer",
    "subscription",
    "plan",
    "feature",
    "flag",
    "experiment",
    "cohort",
    "segment",
    "funnel",
    "conversion",
    "notification",
    "webhook",
    "callback",
    "endpoint",
    "route",
    "handler",
    "middleware",
    "adapter",
    "driver",
    "connector",
    "worker",
    "scheduler",
    "job",
    "task",
    "batch",
    "window",
    "interval",
    "deadline",
    "timeout",
    "retry",
    "backoff",
    "circuit",
    "breaker",
    "fallback",
    "bulkhead",
    "lease",
    "lock",
    "quorum",
    "leader",
    "follower",
    "election",
    "heartbeat",
    "watermark",
    "offset",
    "cursor",
    "page",
    "filter",
    "projection",
    "aggregate",
    "document",
    "record",
    "field",
    "column",
    "row",
    "blob",
    "bucket",
    "object",
    "volume",
    "disk",
    "region",
    "zone",
    "network",
    "subnet",
    "firewall",
    "proxy",
    "balancer",
    "resolver",
    "certificate",
    "contract",
    "interface",
    "protocol",
    "format",
    "encoding",
    "compression",
    "checksum",
    "signature",
    "version",
    "dependency",
    "library",
    "module",
    "component",
    "boundary",
    "domain",
    "context",
    "workflow",
    "state",
    "transition",
    "saga",
    "compensation",
    "invariant",
    "constraint",
    "requirement",
    "decision",
    "tradeoff",
    "risk",
    "mitigation",
    "assumption",
    "milestone",
    "estimate",
    "capacity",
    "forecast",
];

const VERBS: &[&str] = &[
    "validate",
    "route",
    "cache",
    "persist",
    "replicate",
    "partition",
    "shard",
    "throttle",
    "reject",
    "accept",
    "retry",
    "publish",
    "consume",
    "emit",
    "record",
    "aggregate",
    "index",
    "query",
    "serialize",
    "encode",
    "compress",
    "encrypt",
    "decrypt",
    "sign",
    "verify",
    "authorize",
    "authenticate",
    "rotate",
    "expire",
    "refresh",
    "invalidate",
    "evict",
    "schedule",
    "dispatch",
    "batch",
    "debounce",
    "coalesce",
    "merge",
    "split",
    "migrate",
    "backfill",
    "snapshot",
    "restore",
    "provision",
    "deploy",
    "roll",
    "promote",
    "monitor",
    "alert",
    "page",
    "escalate",
    "trace",
    "sample",
    "measure",
    "report",
    "expose",
    "document",
    "deprecate",
    "replace",
    "supersede",
    "own",
    "review",
    "approve",
    "block",
    "unblock",
    "reconcile",
    "compensate",
    "acknowledge",
    "buffer",
    "stream",
    "fan",
    "shed",
    "degrade",
    "recover",
    "isolate",
    "drain",
    "reserve",
    "allocate",
    "release",
    "track",
    "detect",
    "prevent",
    "guarantee",
    "bound",
    "limit",
    "tolerate",
];

const ADJECTIVES: &[&str] = &[
    "distributed",
    "idempotent",
    "durable",
    "eventual",
    "strong",
    "consistent",
    "stale",
    "fresh",
    "hot",
    "cold",
    "warm",
    "regional",
    "global",
    "local",
    "remote",
    "upstream",
    "downstream",
    "internal",
    "external",
    "public",
    "private",
    "shared",
    "dedicated",
    "elastic",
    "static",
    "dynamic",
    "synchronous",
    "asynchronous",
    "transactional",
    "append-only",
    "immutable",
    "mutable",
    "versioned",
    "signed",
    "encrypted",
    "compressed",
    "partial",
    "complete",
    "pending",
    "active",
    "inactive",
    "degraded",
    "healthy",
    "unhealthy",
    "slow",
    "fast",
    "expensive",
    "cheap",
    "critical",
    "optional",
    "mandatory",
    "legacy",
    "modern",
    "new",
    "existing",
    "primary",
    "secondary",
    "standby",
    "read-only",
    "write-heavy",
    "read-heavy",
    "bursty",
    "steady",
    "multi-tenant",
    "single-tenant",
    "observable",
    "auditable",
    "reversible",
    "backward-compatible",
    "breaking",
    "experimental",
    "stable",
    "deterministic",
    "lossy",
    "lossless",
    "bounded",
    "unbounded",
];

const ADVERBS: &[&str] = &[
    "quickly",
    "safely",
    "eventually",
    "atomically",
    "lazily",
    "eagerly",
    "periodically",
    "independently",
    "transparently",
    "explicitly",
    "implicitly",
    "gradually",
    "immediately",
    "asynchronously",
    "reliably",
    "predictably",
    "cheaply",
    "rarely",
    "always",
    "only",
    "never",
    "once",
    "twice",
    "first",
    "later",
];

const PREPOSITIONS: &[&str] = &[
    "across", "behind", "before", "after", "within", "between", "through", "around", "against", "per", "inside",
    "outside", "under", "over", "beside", "via",
];

const SYSTEMS: &[&str] = &[
    "Postgres",
    "Redis",
    "Kafka",
    "NATS",
    "S3",
    "Envoy",
    "Kubernetes",
    "Terraform",
    "Vault",
    "Consul",
    "Prometheus",
    "Grafana",
    "OpenTelemetry",
    "Jaeger",
    "Elasticsearch",
    "ClickHouse",
    "BigQuery",
    "Snowflake",
    "Airflow",
    "Temporal",
    "gRPC",
    "GraphQL",
    "Nginx",
    "HAProxy",
    "Cloudflare",
    "Fastly",
    "Stripe",
    "Auth0",
    "Okta",
    "Keycloak",
    "Sentry",
    "PagerDuty",
    "Datadog",
    "Loki",
    "Tempo",
    "MinIO",
    "etcd",
    "CockroachDB",
    "DynamoDB",
    "Spanner",
    "Pulsar",
    "RabbitMQ",
    "Flink",
    "Spark",
    "Trino",
    "dbt",
    "ArgoCD",
    "Helm",
    "Istio",
];

const UNITS: &[&str] = &["ms", "seconds", "minutes", "requests per second", "MB", "GB", "percent", "nodes", "days"];

const FIRST_NAMES: &[&str] = &[
    "Priya", "Marcus", "Elena", "Tomasz", "Aiko", "Samuel", "Fatima", "Jonas", "Lucia", "Kwame", "Ingrid", "Rahul",
    "Mei", "Diego", "Olga", "Hamid", "Chloe", "Ravi", "Sofia", "Nikolai", "Amara", "Bruno", "Yuki", "Leila", "Oskar",
    "Nadia", "Tariq", "Greta", "Mateo", "Zanele",
];

const LAST_NAMES: &[&str] = &[
    "Natarajan",
    "Okafor",
    "Lindqvist",
    "Kowalski",
    "Tanaka",
    "Brennan",
    "Haddad",
    "Becker",
    "Romero",
    "Mensah",
    "Johansson",
    "Iyer",
    "Chen",
    "Alvarez",
    "Petrova",
    "Karimi",
    "Dubois",
    "Sharma",
    "Rossi",
    "Volkov",
    "Adeyemi",
    "Costa",
    "Sato",
    "Nasser",
    "Berg",
    "Morozova",
    "Aziz",
    "Hoffmann",
    "Silva",
    "Dlamini",
];

const SECTION_NAMES: &[&str] = &[
    "Background",
    "Problem Statement",
    "Goals",
    "Non-Goals",
    "Proposed Solution",
    "System Architecture",
    "Component Design",
    "Data Model",
    "API Design",
    "Data Flow",
    "Security Considerations",
    "Performance",
    "Scalability",
    "Observability",
    "Error Handling",
    "Testing Strategy",
    "Rollout Plan",
    "Migration",
    "Backward Compatibility",
    "Dependencies",
    "Risks and Mitigations",
    "Alternatives Considered",
    "Operational Readiness",
    "Capacity Planning",
    "Cost Analysis",
    "Open Questions",
    "Timeline",
];

const STATUSES: &[&str] = &[
    "Draft",
    "In Review",
    "Approved",
    "In Progress",
    "Complete",
    "Implemented",
    "Superseded",
    "Deprecated",
    "Proposed",
    "Accepted",
    "Rejected",
];

const LANGUAGES: &[&str] =
    &["rust", "typescript", "sql", "yaml", "json", "go", "python", "toml", "hcl", "bash", "dockerfile"];

// ---------------------------------------------------------------------------------
// The corpus plan: every doc's kind, number, path and title, fixed before any body is
// written, so references can point at real (and deliberately missing) docs.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Trd,
    Tdd,
    Prd,
    Adr,
    Spec,
}

impl Kind {
    fn folder(self) -> &'static str {
        match self {
            Kind::Trd => "trd",
            Kind::Tdd => "tdd",
            Kind::Prd => "prd",
            Kind::Adr => "adr",
            Kind::Spec => "specs",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Trd => "TRD",
            Kind::Tdd => "TDD",
            Kind::Prd => "PRD",
            Kind::Adr => "ADR",
            Kind::Spec => "SPEC",
        }
    }
}

/// One in twenty docs of each cycle: 5 TRDs, 4 TDDs, 4 PRDs, 4 ADRs, 3 specs.
const KIND_CYCLE: [Kind; 20] = [
    Kind::Trd,
    Kind::Tdd,
    Kind::Prd,
    Kind::Adr,
    Kind::Spec,
    Kind::Trd,
    Kind::Tdd,
    Kind::Prd,
    Kind::Adr,
    Kind::Trd,
    Kind::Spec,
    Kind::Tdd,
    Kind::Prd,
    Kind::Adr,
    Kind::Trd,
    Kind::Tdd,
    Kind::Prd,
    Kind::Adr,
    Kind::Spec,
    Kind::Trd,
];

struct Planned {
    kind: Kind,
    number: usize,
    title: String,
    /// Relative to the content folder: `trd/TRD-0007-rate-limiter.md`.
    path: String,
}

impl Planned {
    fn id(&self) -> String {
        format!("{}-{:04}", self.kind.prefix(), self.number)
    }

    fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

fn plan(docs: usize, seed: u64) -> Vec<Planned> {
    let mut rng = Rng::new(seed, u64::MAX);
    let mut counters = [0usize; 5];
    (0..docs)
        .map(|i| {
            let kind = KIND_CYCLE[i % KIND_CYCLE.len()];
            let counter = &mut counters[kind as usize];
            *counter += 1;
            let number = *counter;
            let title = format!(
                "{} {} {}",
                title_case(rng.pick(ADJECTIVES)),
                title_case(rng.pick(NOUNS)),
                title_case(rng.pick(NOUNS))
            );
            let slug = slugify(&title);
            let path = match kind {
                Kind::Adr => format!("adr/{number:04}-{slug}.md"),
                Kind::Spec => format!("specs/{slug}-{number}.md"),
                _ => format!("{}/{}-{number:04}-{slug}.md", kind.folder(), kind.prefix()),
            };
            Planned { kind, number, title, path }
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// One doc.

struct Writer<'a> {
    rng: Rng,
    plan: &'a [Planned],
    /// Indexes into `plan`, per `Kind as usize`.
    by_kind: &'a [Vec<usize>; 5],
    me: usize,
    out: String,
}

impl Writer<'_> {
    fn doc(&self) -> &Planned {
        &self.plan[self.me]
    }

    fn person(&mut self) -> String {
        format!("{} {}", self.rng.pick(FIRST_NAMES), self.rng.pick(LAST_NAMES))
    }

    fn date(&mut self) -> String {
        format!("{}-{:02}-{:02}", self.rng.between(2022, 2026), self.rng.between(1, 12), self.rng.between(1, 28))
    }

    fn status(&mut self) -> &'static str {
        self.rng.pick(STATUSES)
    }

    fn identifier(&mut self) -> String {
        format!("{}_{}", self.rng.pick(NOUNS), self.rng.pick(NOUNS)).replace('-', "_")
    }

    fn camel(&mut self) -> String {
        format!("{}{}", title_case(self.rng.pick(NOUNS)), title_case(self.rng.pick(NOUNS))).replace('-', "")
    }

    /// Another doc of `kind` (any kind when `None`): about nine in ten exist.
    fn target(&mut self, kind: Option<Kind>) -> Target {
        if self.rng.chance(10) {
            let kind = kind.unwrap_or(KIND_CYCLE[self.rng.below(KIND_CYCLE.len())]);
            let number = self.plan.len() + self.rng.between(100, 900);
            return Target::Missing { kind, number };
        }
        let pool: &[usize] = match kind {
            Some(k) => &self.by_kind[k as usize],
            None => &[],
        };
        for _ in 0..4 {
            let other =
                if pool.is_empty() { self.rng.below(self.plan.len()) } else { pool[self.rng.below(pool.len())] };
            if other != self.me {
                return Target::Doc(other);
            }
        }
        Target::Doc((self.me + 1) % self.plan.len())
    }

    /// A relative link from this doc to `other`, both one folder deep.
    fn relative(&self, other: &Planned) -> String {
        if other.kind == self.doc().kind {
            other.file_name().to_string()
        } else {
            format!("../{}", other.path)
        }
    }

    /// A reference as an author would write it in prose.
    fn reference(&mut self) -> String {
        let wants_link = self.rng.chance(45);
        match self.target(None) {
            Target::Doc(i) => {
                let other = &self.plan[i];
                if other.kind == Kind::Spec {
                    let anchor = if self.rng.chance(30) { "#goals" } else { "" };
                    format!("[{}]({}{anchor})", other.title, self.relative(other))
                } else if wants_link {
                    format!("[{}]({})", other.id(), self.relative(other))
                } else {
                    other.id()
                }
            }
            Target::Missing { kind, number } => {
                if wants_link || kind == Kind::Spec {
                    format!("[the retired design](../{}/{}-{number:04}-retired.md)", kind.folder(), kind.prefix())
                } else {
                    format!("{}-{number:04}", kind.prefix())
                }
            }
        }
    }

    /// `[PRD-0004](../prd/PRD-0004-x.md)` for a related-document field.
    fn related_link(&mut self, kind: Kind) -> String {
        match self.target(Some(kind)) {
            Target::Doc(i) => {
                let other = &self.plan[i];
                format!("[{}]({})", other.id(), self.relative(other))
            }
            Target::Missing { kind, number } => format!("{}-{number:04}", kind.prefix()),
        }
    }

    fn related_id(&mut self, kind: Kind) -> String {
        match self.target(Some(kind)) {
            Target::Doc(i) => self.plan[i].id(),
            Target::Missing { kind, number } => format!("{}-{number:04}", kind.prefix()),
        }
    }

    fn sentence(&mut self) -> String {
        let r = &mut self.rng;
        let (a1, a2, a3) = (r.pick(ADJECTIVES), r.pick(ADJECTIVES), r.pick(ADJECTIVES));
        let (n1, n2, n3) = (r.pick(NOUNS), r.pick(NOUNS), r.pick(NOUNS));
        let (v1, v2) = (r.pick(VERBS), r.pick(VERBS));
        let (adv, prep) = (r.pick(ADVERBS), r.pick(PREPOSITIONS));
        let system = r.pick(SYSTEMS);
        let number = r.between(2, 500);
        let unit = r.pick(UNITS);
        match r.below(12) {
            0 => format!("The {a1} {n1} {} the {n2} {prep} the {a2} {n3}.", third_person(v1)),
            1 => format!("Every {n1} must {v1} its {a1} {n2} before the {n3} {}.", third_person(v2)),
            2 => format!(
                "When {} {n1} {} {} {a1} {n2}, the {n3} {} {adv}.",
                article(n1),
                third_person(v1),
                article(a1),
                third_person(v2)
            ),
            3 => format!("We {v1} the {n1} {prep} {system} so that the {n2} stays under {number} {unit}."),
            4 => format!("This keeps the {n1} {a1} and the {n2} {a2}, at the cost of {} {a3} {n3}.", article(a3)),
            5 => format!("The `{}` {n1} {} {adv} {prep} each {n2}.", self.identifier(), third_person(v1)),
            6 => format!("See {} for the {a1} {n1} and how it {} the {n2}.", self.reference(), third_person(v1)),
            7 => format!("As decided in {}, the {n1} {} {prep} {system}.", self.reference(), third_person(v1)),
            8 => format!(
                "{} {a1} {n1} is **not** {} {n2}: it {} only the {a2} {n3}.",
                title_case(article(a1)),
                article(n2),
                third_person(v1)
            ),
            9 => {
                format!("If {system} is {a1}, the {n1} falls back to {} {a2} {n2} within {number} {unit}.", article(a2))
            }
            10 => format!("Operators {v1} the {n1} {adv}, and the {n2} {} the {a1} {n3}.", third_person(v2)),
            _ => format!("The {n1} and the {n2} {v1} *{a1}* {n3} records {prep} {number} {unit}."),
        }
    }

    fn paragraph(&mut self) {
        let count = self.rng.between(3, 7);
        for i in 0..count {
            if i > 0 {
                self.out.push(' ');
            }
            let s = self.sentence();
            self.out.push_str(&s);
        }
        self.out.push_str("\n\n");
    }

    fn bullets(&mut self) {
        let ordered = self.rng.chance(30);
        let tasks = !ordered && self.rng.chance(25);
        for i in 1..=self.rng.between(3, 6) {
            let s = self.sentence();
            if ordered {
                let _ = writeln!(self.out, "{i}. {s}");
            } else if tasks {
                let mark = if self.rng.chance(40) { "x" } else { " " };
                let _ = writeln!(self.out, "- [{mark}] {s}");
            } else {
                let _ = writeln!(self.out, "- {s}");
            }
        }
        self.out.push('\n');
    }

    fn table(&mut self) {
        let r = &mut self.rng;
        match r.below(4) {
            0 => {
                self.out.push_str(
                    "| Component | Responsibility | Technology |\n|-----------|----------------|------------|\n",
                );
                for _ in 0..r.between(3, 6) {
                    let _ = writeln!(
                        self.out,
                        "| {} {} | {} the {} {} | {} |",
                        title_case(r.pick(ADJECTIVES)),
                        title_case(r.pick(NOUNS)),
                        title_case(r.pick(VERBS)),
                        r.pick(ADJECTIVES),
                        r.pick(NOUNS),
                        r.pick(SYSTEMS)
                    );
                }
            }
            1 => {
                self.out.push_str("| ID | Requirement | Priority | Acceptance Criteria |\n|----|-------------|----------|---------------------|\n");
                for i in 1..=r.between(3, 7) {
                    let _ = writeln!(
                        self.out,
                        "| TR-{i:03} | The {} must {} the {} {} | {} | p95 below {} {} |",
                        r.pick(NOUNS),
                        r.pick(VERBS),
                        r.pick(ADJECTIVES),
                        r.pick(NOUNS),
                        r.pick(&["Must", "Should", "Could"]),
                        r.between(5, 900),
                        r.pick(UNITS)
                    );
                }
            }
            2 => {
                self.out.push_str(
                    "| Risk | Likelihood | Impact | Mitigation |\n|------|------------|--------|------------|\n",
                );
                for _ in 0..r.between(2, 5) {
                    let _ = writeln!(
                        self.out,
                        "| {} {} {} | {} | {} | {} the {} {} |",
                        title_case(r.pick(ADJECTIVES)),
                        r.pick(NOUNS),
                        r.pick(&["outage", "regression", "drift", "overload", "leak"]),
                        r.pick(&["High", "Medium", "Low"]),
                        r.pick(&["High", "Medium", "Low"]),
                        title_case(r.pick(VERBS)),
                        r.pick(ADJECTIVES),
                        r.pick(NOUNS)
                    );
                }
            }
            _ => {
                self.out.push_str("| Metric | Target | Measurement |\n|--------|--------|-------------|\n");
                for _ in 0..r.between(3, 5) {
                    let _ = writeln!(
                        self.out,
                        "| {} {} | < {} {} | `{}` |",
                        title_case(r.pick(NOUNS)),
                        r.pick(&["latency (p95)", "error rate", "throughput", "lag", "size"]),
                        r.between(1, 2000),
                        r.pick(UNITS),
                        format!("{}_{}_total", r.pick(NOUNS), r.pick(NOUNS)).replace('-', "_")
                    );
                }
            }
        }
        self.out.push('\n');
    }

    fn mermaid(&mut self) {
        self.out.push_str("```mermaid\n");
        match self.rng.below(3) {
            0 => {
                let dir = self.rng.pick(&["LR", "TD"]);
                let _ = writeln!(self.out, "graph {dir}");
                let nodes: Vec<String> = (0..self.rng.between(4, 8))
                    .map(|_| format!("{} {}", title_case(self.rng.pick(ADJECTIVES)), title_case(self.rng.pick(NOUNS))))
                    .collect();
                for (i, name) in nodes.iter().enumerate() {
                    let _ = writeln!(self.out, "    N{i}[{name}]");
                }
                for i in 1..nodes.len() {
                    let from = self.rng.below(i);
                    let _ = writeln!(self.out, "    N{from} --> N{i}");
                }
            }
            1 => {
                self.out.push_str("sequenceDiagram\n");
                let parts: Vec<String> = (0..self.rng.between(3, 4)).map(|_| self.camel()).collect();
                for p in &parts {
                    let _ = writeln!(self.out, "    participant {p}");
                }
                for _ in 0..self.rng.between(4, 8) {
                    let a = &parts[self.rng.below(parts.len())];
                    let b = &parts[self.rng.below(parts.len())];
                    let arrow = self.rng.pick(&["->>", "-->>"]);
                    let _ = writeln!(self.out, "    {a}{arrow}{b}: {} {}", self.rng.pick(VERBS), self.rng.pick(NOUNS));
                }
            }
            _ => {
                self.out.push_str("stateDiagram-v2\n    [*] --> Pending\n");
                for state in ["Pending", "Active", "Draining"] {
                    let next = self.rng.pick(&["Active", "Draining", "Failed", "Done"]);
                    let _ = writeln!(self.out, "    {state} --> {next}: {}", self.rng.pick(VERBS));
                }
                self.out.push_str("    Done --> [*]\n");
            }
        }
        self.out.push_str("```\n\n");
    }

    fn code(&mut self) {
        let lang = self.rng.pick(LANGUAGES);
        let body = match lang {
            "rust" => self.rust(),
            "typescript" => self.typescript(),
            "sql" => self.sql(),
            "yaml" => self.yaml(),
            "json" => self.json(),
            "go" => self.go(),
            "python" => self.python(),
            "toml" => self.toml(),
            "hcl" => self.hcl(),
            "bash" => self.bash(),
            _ => self.dockerfile(),
        };
        let _ = write!(self.out, "```{lang}\n{body}```\n\n");
    }

    fn rust(&mut self) -> String {
        let ty = self.camel();
        let mut s =
            format!("/// The {} {} of a {}.\n", self.rng.pick(ADJECTIVES), self.rng.pick(NOUNS), self.rng.pick(NOUNS));
        let _ = writeln!(s, "#[derive(Debug, Clone, PartialEq)]\npub struct {ty} {{");
        let fields: Vec<String> = (0..self.rng.between(3, 6)).map(|_| self.identifier()).collect();
        for f in &fields {
            let _ =
                writeln!(s, "    pub {f}: {},", self.rng.pick(&["u64", "String", "Option<u32>", "Vec<u8>", "bool"]));
        }
        let _ = writeln!(s, "}}\n\nimpl {ty} {{");
        let f = self.identifier();
        let _ = writeln!(s, "    pub fn {f}(&self, limit: usize) -> Result<usize, Error> {{");
        let _ = writeln!(s, "        let mut total = 0usize;");
        let _ = writeln!(s, "        for item in self.{}.iter().take(limit) {{", fields[0]);
        let _ = writeln!(
            s,
            "            if item.is_empty() {{\n                return Err(Error::{});\n            }}",
            self.camel()
        );
        let _ = writeln!(s, "            total += {};", self.rng.between(1, 64));
        let _ = writeln!(s, "        }}\n        Ok(total)\n    }}\n}}");
        s
    }

    fn typescript(&mut self) -> String {
        let ty = self.camel();
        let mut s = format!("export interface {ty} {{\n");
        for _ in 0..self.rng.between(3, 6) {
            let _ = writeln!(
                s,
                "  {}: {};",
                self.camel().to_lowercase(),
                self.rng.pick(&["string", "number", "boolean", "Date", "string[]"])
            );
        }
        let f = self.camel();
        let _ = writeln!(s, "}}\n\nexport async function load{f}(id: string): Promise<{ty}> {{");
        let _ = writeln!(
            s,
            "  const res = await fetch(`/api/v{}/{}/${{id}}`);",
            self.rng.between(1, 3),
            self.rng.pick(NOUNS)
        );
        let _ = writeln!(
            s,
            "  if (!res.ok) {{\n    throw new Error(`{} failed: ${{res.status}}`);\n  }}",
            self.rng.pick(VERBS)
        );
        let _ = writeln!(s, "  return (await res.json()) as {ty};\n}}");
        s
    }

    fn sql(&mut self) -> String {
        let table = format!("{}s", self.identifier());
        let mut s = format!("CREATE TABLE {table} (\n    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n");
        for _ in 0..self.rng.between(3, 6) {
            let _ = writeln!(
                s,
                "    {:<11} {} NOT NULL,",
                self.identifier(),
                self.rng.pick(&["VARCHAR(255)", "BIGINT", "TIMESTAMPTZ", "JSONB", "BOOLEAN", "NUMERIC(12,2)"])
            );
        }
        let col = self.identifier();
        let _ = writeln!(s, "    {col:<11} VARCHAR(50) NOT NULL DEFAULT 'active',");
        let _ = writeln!(s, "    created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()\n);\n");
        let _ = writeln!(s, "CREATE INDEX idx_{table}_{col} ON {table}({col});");
        let _ = writeln!(
            s,
            "SELECT {col}, COUNT(*) FROM {table} WHERE created_at > NOW() - INTERVAL '{} days' GROUP BY {col};",
            self.rng.between(1, 90)
        );
        s
    }

    fn yaml(&mut self) -> String {
        let name = self.identifier().replace('_', "-");
        let mut s = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    team: {}\n",
            self.rng.pick(NOUNS)
        );
        let _ = writeln!(
            s,
            "spec:\n  replicas: {}\n  template:\n    spec:\n      containers:\n        - name: {name}",
            self.rng.between(2, 12)
        );
        let _ = writeln!(
            s,
            "          image: registry.example.com/{name}:{}.{}.{}",
            self.rng.between(0, 4),
            self.rng.between(0, 20),
            self.rng.between(0, 9)
        );
        let _ = writeln!(
            s,
            "          resources:\n            limits:\n              memory: {}Mi\n              cpu: {}m",
            self.rng.between(64, 2048),
            self.rng.between(100, 2000)
        );
        let _ = writeln!(
            s,
            "          env:\n            - name: {}\n              value: \"{}\"",
            self.identifier().to_uppercase(),
            self.rng.pick(ADJECTIVES)
        );
        s
    }

    fn json(&mut self) -> String {
        let mut s = String::from("{\n");
        let n = self.rng.between(3, 7);
        for i in 0..n {
            let comma = if i + 1 < n { "," } else { "" };
            let key = self.identifier();
            match self.rng.below(4) {
                0 => {
                    let _ =
                        writeln!(s, "  \"{key}\": \"{} {}\"{comma}", self.rng.pick(ADJECTIVES), self.rng.pick(NOUNS));
                }
                1 => {
                    let _ = writeln!(s, "  \"{key}\": {}{comma}", self.rng.between(0, 100000));
                }
                2 => {
                    let _ =
                        writeln!(s, "  \"{key}\": [\"{}\", \"{}\"]{comma}", self.rng.pick(NOUNS), self.rng.pick(NOUNS));
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "  \"{key}\": {{ \"enabled\": {}, \"ttl_seconds\": {} }}{comma}",
                        self.rng.chance(50),
                        self.rng.between(1, 3600)
                    );
                }
            }
        }
        s.push_str("}\n");
        s
    }

    fn go(&mut self) -> String {
        let ty = self.camel();
        let mut s =
            format!("package {}\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\n", self.rng.pick(NOUNS).replace('-', ""));
        let _ = writeln!(s, "type {ty} struct {{");
        for _ in 0..self.rng.between(2, 5) {
            let _ = writeln!(
                s,
                "\t{} {}",
                self.camel(),
                self.rng.pick(&["string", "int64", "time.Duration", "[]byte", "bool"])
            );
        }
        let _ = writeln!(s, "}}\n\nfunc (x *{ty}) {}(ctx context.Context) error {{", self.camel());
        let _ = writeln!(
            s,
            "\tctx, cancel := context.WithTimeout(ctx, {}*time.Millisecond)\n\tdefer cancel()",
            self.rng.between(50, 5000)
        );
        let _ = writeln!(
            s,
            "\tselect {{\n\tcase <-ctx.Done():\n\t\treturn ctx.Err()\n\tdefault:\n\t\treturn nil\n\t}}\n}}"
        );
        s
    }

    fn python(&mut self) -> String {
        let f = self.identifier();
        let mut s = format!("from dataclasses import dataclass\n\n\n@dataclass\nclass {}:\n", self.camel());
        for _ in 0..self.rng.between(2, 5) {
            let _ = writeln!(
                s,
                "    {}: {}",
                self.identifier(),
                self.rng.pick(&["int", "str", "float", "bool", "list[str]"])
            );
        }
        let _ = writeln!(
            s,
            "\n\ndef {f}(items, limit={}):\n    \"\"\"{} the {} {}.\"\"\"",
            self.rng.between(10, 1000),
            title_case(self.rng.pick(VERBS)),
            self.rng.pick(ADJECTIVES),
            self.rng.pick(NOUNS)
        );
        let _ = writeln!(s, "    seen = set()\n    for item in items[:limit]:\n        if item.key in seen:\n            continue\n        seen.add(item.key)\n        yield item");
        s
    }

    fn toml(&mut self) -> String {
        let mut s = format!("[{}]\n", self.identifier());
        let _ = writeln!(
            s,
            "enabled = {}\nmax_{} = {}",
            self.rng.chance(70),
            self.identifier(),
            self.rng.between(1, 10000)
        );
        let _ = writeln!(s, "endpoint = \"https://{}.internal.example.com\"", self.rng.pick(NOUNS));
        let _ = writeln!(
            s,
            "\n[{}.retry]\nattempts = {}\nbackoff_ms = [{}, {}, {}]",
            self.identifier(),
            self.rng.between(1, 8),
            self.rng.between(10, 99),
            self.rng.between(100, 999),
            self.rng.between(1000, 9999)
        );
        s
    }

    fn hcl(&mut self) -> String {
        let name = self.identifier();
        let mut s = format!(
            "resource \"aws_s3_bucket\" \"{name}\" {{\n  bucket = \"acme-{}-{}\"\n",
            self.rng.pick(NOUNS),
            self.rng.between(1, 999)
        );
        let _ = writeln!(
            s,
            "  tags = {{\n    Team        = \"{}\"\n    Environment = \"{}\"\n  }}\n}}\n",
            self.rng.pick(NOUNS),
            self.rng.pick(&["prod", "staging", "dev"])
        );
        let _ = writeln!(
            s,
            "variable \"{}\" {{\n  type    = number\n  default = {}\n}}",
            self.identifier(),
            self.rng.between(1, 500)
        );
        s
    }

    fn bash(&mut self) -> String {
        let mut s = String::from("#!/usr/bin/env bash\nset -euo pipefail\n\n");
        let _ = writeln!(s, "NAMESPACE=\"${{NAMESPACE:-{}}}\"", self.rng.pick(NOUNS));
        let _ = writeln!(
            s,
            "kubectl -n \"$NAMESPACE\" rollout status deploy/{} --timeout={}s",
            self.identifier().replace('_', "-"),
            self.rng.between(30, 600)
        );
        let _ = writeln!(
            s,
            "for shard in $(seq 1 {}); do\n  curl -fsS \"http://localhost:{}/{}?shard=$shard\" | jq '.{}'\ndone",
            self.rng.between(2, 16),
            self.rng.between(3000, 9999),
            self.rng.pick(NOUNS),
            self.identifier()
        );
        s
    }

    fn dockerfile(&mut self) -> String {
        let mut s = format!("FROM rust:1.{} AS build\nWORKDIR /src\nCOPY . .\n", self.rng.between(70, 85));
        let bin = self.identifier().replace('_', "-");
        let _ = writeln!(s, "RUN cargo build --release --bin {bin}\n\nFROM debian:bookworm-slim");
        let _ = writeln!(
            s,
            "COPY --from=build /src/target/release/{bin} /usr/local/bin/{bin}\nEXPOSE {}",
            self.rng.between(3000, 9999)
        );
        let _ = writeln!(
            s,
            "ENV {}={}\nENTRYPOINT [\"/usr/local/bin/{bin}\"]",
            self.identifier().to_uppercase(),
            self.rng.between(1, 64)
        );
        s
    }

    fn ascii_diagram(&mut self) {
        let a = title_case(self.rng.pick(NOUNS));
        let b = title_case(self.rng.pick(NOUNS));
        let _ = write!(
            self.out,
            "```\n┌─────────────┐\n│ {a:^11.11} │\n└──────┬──────┘\n       │ HTTPS\n┌──────▼──────┐\n│ {b:^11.11} │\n└─────────────┘\n```\n\n"
        );
    }

    // -- metadata styles ----------------------------------------------------------

    /// Seed style: `| **Field** | Value |` table under `## Metadata`.
    fn meta_table(&mut self) {
        let d = self.doc();
        let (id, title) = (d.id(), d.title.clone());
        let _ = writeln!(self.out, "# {id}: {title}\n\n> **Technical Requirements Document**\n\n## Metadata\n");
        self.out.push_str("| Field | Value |\n|-------|-------|\n");
        let (author, date, status) = (self.person(), self.date(), self.status());
        let _ = writeln!(self.out, "| **Author** | {author} |\n| **Date** | {date} |\n| **Status** | {status} |");
        let _ = writeln!(self.out, "| **Version** | {}.{} |", self.rng.between(0, 3), self.rng.between(0, 9));
        let prd = self.related_link(Kind::Prd);
        let adr = self.related_link(Kind::Adr);
        let _ = writeln!(self.out, "| **Related PRD** | {prd} |\n| **Related ADR** | {adr} |\n");
    }

    /// Seed style: `**Status**: X` lines, colon outside the bold.
    fn meta_bold_outside(&mut self) {
        let d = self.doc();
        let (id, title) = (d.id(), d.title.clone());
        let _ = writeln!(self.out, "# {id}: {title}\n");
        let (status, author, created, updated) = (self.status(), self.person(), self.date(), self.date());
        let prd = self.related_link(Kind::Prd);
        let _ = writeln!(
            self.out,
            "**Status**: {status}\n**Author**: {author}\n**Created**: {created}\n**Last Updated**: {updated}\n**Related PRD**: {prd}\n\n---\n"
        );
    }

    /// Seed style: `## Document Information` with `**Field:** value  ` lines.
    fn meta_document_information(&mut self) {
        let d = self.doc();
        let (id, title) = (d.id(), d.title.clone());
        let _ = writeln!(self.out, "# {id}: {title}\n\n## Document Information");
        let project = format!("{} {}", title_case(self.rng.pick(ADJECTIVES)), title_case(self.rng.pick(NOUNS)));
        let (date, author, status) = (self.date(), self.person(), self.status());
        let _ = writeln!(
            self.out,
            "**Project:** {project}  \n**Version:** {}.{}  ",
            self.rng.between(0, 3),
            self.rng.between(0, 9)
        );
        let _ = writeln!(self.out, "**Date:** {date}  \n**Author:** {author}  \n**Status:** {status}  ");
        let prd = self.related_id(Kind::Prd);
        let adr = self.related_link(Kind::Adr);
        let _ = writeln!(self.out, "**Related PRD:** {prd}  \n**Related ADR:** {adr}\n");
    }

    /// Seed style: `**Status:** X` lines and a `**Related Documents:**` list.
    fn meta_related_documents(&mut self) {
        let d = self.doc();
        let (id, title) = (d.id(), d.title.clone());
        let _ = writeln!(self.out, "# {id}: {title}\n");
        if self.rng.chance(50) {
            self.out.push_str("<!-- Reviewers: check the data model against the platform standards. -->\n\n");
        }
        let (status, author, created, updated) = (self.status(), self.person(), self.date(), self.date());
        let _ = writeln!(
            self.out,
            "**Status:** {status}\n**Author:** {author}\n**Created:** {created}\n**Last Updated:** {updated}\n"
        );
        let prd = self.related_link(Kind::Prd);
        let trd = self.related_link(Kind::Trd);
        let adr1 = self.related_id(Kind::Adr);
        let adr2 = self.related_link(Kind::Adr);
        let _ =
            writeln!(self.out, "**Related Documents:**\n- PRD: {prd}\n- TRD: {trd}\n- ADRs: {adr1}, {adr2}\n\n---\n");
    }

    /// Seed style: YAML front-matter (specs).
    fn meta_front_matter(&mut self) {
        let title = self.doc().title.clone();
        let (status, created, modified, author) =
            (self.status().to_lowercase(), self.date(), self.date(), self.person());
        let _ = writeln!(
            self.out,
            "---\ntitle: \"{title} - Technical Specification\"\nstatus: {status}\ncreated: {created}\nlastModified: {modified}\nauthor: \"{author}\"\nreviewers:"
        );
        for _ in 0..self.rng.between(1, 3) {
            let r = self.person();
            let _ = writeln!(self.out, "  - \"{r}\"");
        }
        let _ = writeln!(self.out, "version: \"0.{}.{}\"", self.rng.between(1, 9), self.rng.between(0, 9));
        let prd = match self.target(Some(Kind::Prd)) {
            Target::Doc(i) => self.plan[i].path.clone(),
            Target::Missing { number, .. } => format!("prd/PRD-{number:04}-retired.md"),
        };
        let _ = writeln!(self.out, "relatedPRD: \"{prd}\"\n---\n\n# {title} - Technical Specification\n");
    }

    /// MADR: front-matter with status, date, deciders and sometimes supersedes.
    fn meta_madr(&mut self) {
        let d = self.doc();
        let (id, title, number) = (d.id(), d.title.clone(), d.number);
        let status = self.rng.pick(&["proposed", "accepted", "accepted", "rejected", "deprecated", "superseded"]);
        let date = self.date();
        let deciders: Vec<String> = (0..self.rng.between(1, 3)).map(|_| self.person()).collect();
        let _ = writeln!(self.out, "---\nstatus: {status}\ndate: {date}\ndeciders: [{}]", deciders.join(", "));
        if number > 1 && self.rng.chance(25) {
            let _ = writeln!(self.out, "supersedes: [\"ADR-{:04}\"]", self.rng.between(1, number - 1));
        }
        if self.rng.chance(50) {
            let prd = self.related_id(Kind::Prd);
            let trd = self.related_id(Kind::Trd);
            let _ = writeln!(self.out, "related: [\"{prd}\", \"{trd}\"]");
        }
        let _ = writeln!(self.out, "---\n\n# {id}: {title}\n");
    }

    fn metadata(&mut self) {
        let kind = self.doc().kind;
        match kind {
            Kind::Adr => self.meta_madr(),
            Kind::Spec => {
                if self.rng.chance(80) {
                    self.meta_front_matter()
                } else {
                    self.meta_document_information()
                }
            }
            Kind::Trd => match self.rng.below(3) {
                0 => self.meta_table(),
                1 => self.meta_bold_outside(),
                _ => self.meta_document_information(),
            },
            Kind::Tdd => {
                if self.rng.chance(75) {
                    self.meta_related_documents()
                } else {
                    self.meta_bold_outside()
                }
            }
            Kind::Prd => match self.rng.below(3) {
                0 => self.meta_table(),
                1 => self.meta_document_information(),
                _ => self.meta_related_documents(),
            },
        }
    }

    /// The whole doc: metadata, then numbered sections until the size target is
    /// met, spreading the code blocks, diagrams and tables across them.
    fn write(mut self) -> String {
        let target_bytes = self.rng.between(15_500, 24_500);
        self.metadata();
        #[derive(Clone, Copy)]
        enum Feature {
            Code,
            Mermaid,
            Table,
            List,
            Ascii,
        }
        let mut features = Vec::new();
        features.extend(std::iter::repeat_n(Feature::Code, self.rng.between(6, 10)));
        features.extend(std::iter::repeat_n(Feature::Mermaid, self.rng.between(1, 3)));
        features.extend(std::iter::repeat_n(Feature::Table, self.rng.between(2, 4)));
        features.extend(std::iter::repeat_n(Feature::List, self.rng.between(2, 5)));
        if self.rng.chance(15) {
            features.push(Feature::Ascii);
        }
        for i in (1..features.len()).rev() {
            features.swap(i, self.rng.below(i + 1));
        }
        let mut section = 0;
        let mut sections_left: usize = (target_bytes / 2_200).max(4);
        while self.out.len() < target_bytes || !features.is_empty() {
            section += 1;
            let name = self.rng.pick(SECTION_NAMES);
            let _ = writeln!(self.out, "## {section}. {name}\n");
            if self.out.len() < target_bytes {
                self.paragraph();
            }
            let take = if sections_left <= 1 { features.len() } else { features.len().div_ceil(sections_left) };
            for sub in 1..=take {
                let Some(feature) = features.pop() else { break };
                if (sub > 1 || self.rng.chance(40)) && self.out.len() < target_bytes {
                    let heading =
                        format!("{} {}", title_case(self.rng.pick(ADJECTIVES)), title_case(self.rng.pick(NOUNS)));
                    let _ = writeln!(self.out, "### {section}.{sub} {heading}\n");
                    self.paragraph();
                }
                match feature {
                    Feature::Code => self.code(),
                    Feature::Mermaid => self.mermaid(),
                    Feature::Table => self.table(),
                    Feature::List => self.bullets(),
                    Feature::Ascii => self.ascii_diagram(),
                }
            }
            if self.out.len() < target_bytes {
                self.paragraph();
            }
            sections_left = sections_left.saturating_sub(1);
        }
        self.out
    }
}

enum Target {
    Doc(usize),
    Missing { kind: Kind, number: usize },
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn third_person(verb: &str) -> String {
    if verb.ends_with('s') || verb.ends_with("sh") || verb.ends_with("ch") || verb.ends_with('x') {
        format!("{verb}es")
    } else {
        format!("{verb}s")
    }
}

fn book_toml(docs: usize, seed: u64) -> String {
    format!(
        "# Generated by `cargo run --release --example gen_corpus -- --docs {docs} --seed {seed}`.\n\
         [book]\ntitle = \"Benchmark portal ({docs} docs, seed {seed})\"\nsrc = \"content\"\n\n\
         [build]\nbuild-dir = \"book\"\n\n\
         [portal]\nkinds = [\"TRD\", \"TDD\", \"PRD\", \"ADR\", \"RFC\", \"SPEC\"]\n"
    )
}

// ---------------------------------------------------------------------------------

struct Args {
    docs: usize,
    seed: u64,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut docs = 1000;
    let mut seed = 1;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().map_err(|e| format!("--docs: {e}"))?,
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    if docs == 0 {
        return Err("--docs must be at least 1".into());
    }
    Ok(Args { docs, seed, out })
}

fn prepare_out(out: &Path) -> Result<(), String> {
    if out.exists() {
        let empty = fs::read_dir(out).map_err(|e| format!("{}: {e}", out.display()))?.next().is_none();
        if !empty && !out.join(MARKER).exists() {
            return Err(format!("{} exists and was not written by gen_corpus; refusing to replace it", out.display()));
        }
        fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))
}

fn run(args: &Args) -> Result<u64, String> {
    prepare_out(&args.out)?;
    let planned = plan(args.docs, args.seed);
    let mut by_kind: [Vec<usize>; 5] = Default::default();
    for (i, p) in planned.iter().enumerate() {
        by_kind[p.kind as usize].push(i);
    }
    let content = args.out.join("content");
    for kind in [Kind::Trd, Kind::Tdd, Kind::Prd, Kind::Adr, Kind::Spec] {
        fs::create_dir_all(content.join(kind.folder())).map_err(|e| e.to_string())?;
    }
    fs::write(args.out.join(MARKER), "").map_err(|e| e.to_string())?;
    fs::write(args.out.join("book.toml"), book_toml(args.docs, args.seed)).map_err(|e| e.to_string())?;
    fs::write(args.out.join(".gitignore"), "book/\n.docportal-cache/\n").map_err(|e| e.to_string())?;
    (0..planned.len())
        .into_par_iter()
        .map(|me| {
            let writer = Writer {
                rng: Rng::new(args.seed, me as u64),
                plan: &planned,
                by_kind: &by_kind,
                me,
                out: String::new(),
            };
            let text = writer.write();
            let path = content.join(&planned[me].path);
            fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(text.len() as u64)
        })
        .sum()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("gen_corpus: {message}");
            }
            eprintln!("usage: gen_corpus --docs N --seed S --out DIR");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(bytes) => {
            println!(
                "wrote {} docs, {:.1} MB of Markdown, to {}",
                args.docs,
                bytes as f64 / 1_000_000.0,
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            ExitCode::FAILURE
        }
    }
}
