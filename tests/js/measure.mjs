// Bytes and time per query for the benchmark (examples/bench_search.rs):
//   node measure.mjs <site dir> <query> [<query> …]
// The first query starts from an empty cache and counts the client itself; each later
// query counts only the files it adds. A query "fetches" the files its ranking needs
// plus the doc groups of its first 6 results (what the results panel first shows).
// Compute time is measured on a second run of the same query, all files cached.
import fs from "node:fs";
import { loadClient, siteClient } from "./harness.mjs";

const [site, ...queries] = process.argv.slice(2);
const clientFile = siteClient(site);
const { api, fetched } = loadClient(site, clientFile);
let seen = 0;
const rows = [];
for (const [n, q] of queries.entries()) {
  const r = await api.search(q, {});
  const shown = r.hits.slice(0, 6);
  await Promise.all(shown.map((d) => api.details(d, r.marks)));
  const added = fetched.slice(seen);
  seen = fetched.length;
  const bytes = added.reduce((s, f) => s + f.bytes, 0) + (n === 0 ? fs.statSync(clientFile).size : 0);
  const t0 = process.hrtime.bigint();
  const again = await api.search(q, {});
  await Promise.all(again.hits.slice(0, 6).map((d) => api.details(d, again.marks)));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const top = shown.length ? (await api.details(shown[0], r.marks)).id : "-";
  rows.push({ query: q, hits: r.hits.length, top, files: added.length, kb: +(bytes / 1024).toFixed(1), ms: +ms.toFixed(1) });
}
console.log(JSON.stringify(rows));
