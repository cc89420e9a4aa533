// Runs the real search client against a built index, with no browser: the client's
// engine works without a DOM, and its script loader is swapped for one that evaluates
// the search files from disk (recording which files a query needed).
//
//   node search.test.mjs fixture <site dir> <stems.json> <client source>
//   node search.test.mjs shards  <site dir> <expect.json>
//
// Run by tests/search.rs; exits non-zero with a message on the first failure.
import fs from "node:fs";
import path from "node:path";
import { loadClient, siteClient } from "./harness.mjs";
import assert from "node:assert/strict";

async function top(api, q, filters) {
  const r = await api.search(q, filters);
  const ids = [];
  for (const d of r.hits) ids.push((await api.details(d, r.marks)).id);
  return { ids, r };
}

async function fixture(site, stemsFile, sourceFile) {
  const minified = siteClient(site);
  const results = {};
  for (const clientFile of [minified, sourceFile]) {
    const { api } = loadClient(site, clientFile);
    const pairs = JSON.parse(fs.readFileSync(stemsFile, "utf8"));
    const wrong = pairs.filter(([w, s]) => api.stem(w) !== s);
    assert.deepEqual(wrong.slice(0, 5).map(([w, s]) => [w, s, api.stem(w)]), [], `${clientFile}: JS stems differ from Rust`);

    const first = async (q, id, filters) => {
      const { ids } = await top(api, q, filters);
      assert.equal(ids[0], id, `${path.basename(clientFile)}: "${q}" ranks ${ids.join(", ")}`);
      return ids;
    };
    const log = {};
    log.adr7 = await first("adr 7", "ADR-0007");
    log.adr0007 = await first("ADR-0007", "ADR-0007");
    assert.ok(log.adr7.includes("ADR-0012"), "a doc mentioning ADR-0007 also matches");
    log.trd = await first("TRD-0101", "TRD-0101");
    log.title = await first("distributed rate limiter", "TRD-0101");
    log.phrase = await first("sunset header", "RFC-0015");
    log.typo = await first("replcation", "TRD-0101");
    log.typo2 = await first("invalidaton", "TRD-0102");
    log.prefix = await first("cach", "TRD-0102");
    log.prefix2 = await first("checko", "PRD-0040");
    log.unnumbered = await first("reindexing", "specs-search-reindexing");

    // Excerpt: points into the matching section and marks the words.
    const { r } = await top(api, "token bucket");
    const d = await api.details(r.hits[0], r.marks);
    assert.equal(d.id, "TRD-0101");
    assert.equal(d.anchor, "token-bucket-algorithm");
    const runs = api.highlight(d.text, r.marks);
    assert.ok(runs.some(([t, m]) => m && /bucket/i.test(t)), "excerpt marks the matched word: " + JSON.stringify(runs));
    assert.ok(d.href.endsWith("trd/TRD-0101-rate-limiter.html"), d.href);
    assert.ok(!d.href.startsWith("/"), "hrefs are relative to the site root");

    // Facets: an empty query with a kind lists those docs, by id; combined with a query it filters.
    const adrs = await top(api, "", { kind: "ADR" });
    log.facetEmpty = adrs.ids;
    assert.deepEqual(adrs.ids, ["ADR-0007", "ADR-0012", "ADR-0020"]);
    const kinds = Object.fromEntries(adrs.r.facets.kind);
    assert.equal(kinds.ADR, 3);
    assert.equal(kinds.TRD, 2, "the kind facet counts ignore its own filter");
    const ledger = await top(api, "ledger", { kind: "ADR" });
    log.facetQuery = ledger.ids;
    assert.deepEqual([...ledger.ids].sort(), ["ADR-0007", "ADR-0012"]);
    assert.deepEqual((await top(api, "ledger", { kind: "TRD" })).ids, []);
    assert.deepEqual((await top(api, "")).ids, [], "no query and no filter lists nothing");

    // Escaping: the title arrives as the literal text, for textContent.
    const x = await first("quotes in titles", "ADR-0020");
    assert.ok(x);
    const esc = await api.details((await api.search("ADR-0020")).hits[0], { stems: new Set(), prefix: "" });
    // (the title may keep its "ADR-0020: " prefix, depending on the parser)
    assert.ok(esc.title.endsWith('<script>alert("x")</script> & "quotes" in titles'), esc.title);
    results[clientFile] = log;
  }
  const [a, b] = Object.values(results);
  assert.deepEqual(a, b, "the minified client and its source rank alike");
}

async function shards(site, expectFile) {
  const expect = JSON.parse(fs.readFileSync(expectFile, "utf8"));
  const manifest = fs.readFileSync(path.join(site, "search", "manifest.js"), "utf8");
  const m = JSON.parse(manifest.slice(manifest.indexOf("(") + 1, manifest.lastIndexOf(")")));
  assert.ok(m.shards.length >= 4, `several shards expected, got ${m.shards.length}`);
  const shardFile = (n) => `t${n}.${m.shardHashes.substr(n * m.hashLen, m.hashLen)}.js`;
  for (const c of expect.cases) {
    const { api, fetched } = loadClient(site, expect.client);
    const { ids, r } = await top(api, c.query, c.filters || {});
    assert.equal(ids[0], c.first, `"${c.query}" ranks ${ids.slice(0, 5).join(", ")}`);
    const shardFiles = fetched.map((f) => f.file).filter((f) => /^t\d+\./.test(f));
    const want = [...new Set(c.shards)].map(shardFile);
    assert.deepEqual(shardFiles.sort(), want.sort(), `"${c.query}" loaded ${shardFiles.join(", ")}`);
    if (c.count !== undefined) assert.equal(r.hits.length, c.count, `"${c.query}" hit count`);
    for (const [facet, value, n] of c.facetCounts || []) {
      assert.equal(Object.fromEntries(r.facets[facet])[value], n, `${facet}=${value} count`);
    }
  }
}

const [mode, ...args] = process.argv.slice(2);
const run = mode === "fixture" ? fixture(...args) : mode === "shards" ? shards(...args) : Promise.reject(new Error("mode?"));
run.then(
  () => console.log(`search.test.mjs ${mode}: ok`),
  (e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  },
);
