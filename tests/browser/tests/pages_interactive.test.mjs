// What a reader does on the dashboard and the all-docs table: the numbers match
// docs.json, a kind tile opens the table filtered, headers sort, the filters narrow
// the rows, the theme choice survives a reload, and a code block's Copy button copies.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileUrl, launch, openPage, site, staticServer } from "../lib/harness.mjs";

let browser;
let server;
let docs;
before(async () => {
  browser = await launch();
  server = await staticServer(site("DOCPORTAL_FIXTURE_SITE"));
  docs = JSON.parse(fs.readFileSync(path.join(site("DOCPORTAL_SAMPLE_SITE"), "docs.json"), "utf8")).docs;
});
after(async () => {
  await browser?.close();
  await server?.close();
});

function visibleRows(page) {
  return page.$$eval("[data-doc-table] tbody tr", (rows) =>
    rows
      .filter((r) => !r.hidden && r.offsetParent !== null)
      .map((r) => ({ id: r.dataset.id, title: r.dataset.title, kind: r.dataset.kind, status: r.dataset.status })),
  );
}

const byText = (a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });

test("the dashboard's counts match docs.json and a kind tile opens the filtered table", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(fileUrl(site("DOCPORTAL_SAMPLE_SITE"), "index.html"));
  const total = await page.locator(".stats .stat-n").first().innerText();
  assert.equal(Number(total), docs.length);
  const adrs = docs.filter((d) => d.kind === "ADR").length;
  const tile = page.locator("#by-kind .tile", { hasText: "ADR" });
  assert.equal(Number(await tile.locator("[data-count]").innerText()), adrs);
  await tile.locator("a").click();
  await page.waitForURL(/docs\.html#kind=ADR$/);
  const rows = await visibleRows(page);
  assert.equal(rows.length, adrs);
  assert.ok(rows.every((r) => r.kind === "ADR"));
  assert.equal(await page.locator("select[name=kind]").inputValue(), "ADR", "the filter shows the state it applies");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the all-docs table sorts on a header click, both ways", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(fileUrl(site("DOCPORTAL_SAMPLE_SITE"), "docs.html"));
  const header = page.locator("th[data-sort=title] button");
  await header.click();
  let titles = (await visibleRows(page)).map((r) => r.title);
  assert.equal(titles.length, docs.length);
  assert.deepEqual(titles, [...titles].sort(byText), "ascending by title");
  assert.equal(await page.getAttribute("th[data-sort=title]", "aria-sort"), "ascending");
  await header.click();
  titles = (await visibleRows(page)).map((r) => r.title);
  assert.deepEqual(titles, [...titles].sort(byText).reverse(), "descending by title");
  assert.equal(await page.getAttribute("th[data-sort=title]", "aria-sort"), "descending");
  // Status sorts by lifecycle order, not alphabetically: drafts come before rejected.
  await page.locator("th[data-sort=status-rank] button").click();
  const statuses = (await visibleRows(page)).map((r) => r.status);
  assert.ok(statuses.indexOf("draft") < statuses.indexOf("rejected"), statuses.join(","));
  assert.deepEqual(problems, []);
  await context.close();
});

test("the all-docs filters narrow the rows by kind, status and text, and the view survives a reload", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(fileUrl(site("DOCPORTAL_SAMPLE_SITE"), "docs.html"));
  await page.selectOption("select[name=kind]", "TRD");
  let rows = await visibleRows(page);
  assert.equal(rows.length, docs.filter((d) => d.kind === "TRD").length);
  await page.selectOption("select[name=status]", "in-progress");
  rows = await visibleRows(page);
  const expected = docs.filter((d) => d.kind === "TRD" && d.status === "in-progress").map((d) => d.id);
  assert.ok(expected.length > 0);
  assert.deepEqual(rows.map((r) => r.id).sort(), expected.sort());
  assert.match(await page.locator("[data-filter-count]").innerText(), new RegExp(`Showing ${expected.length} of ${docs.length}`));
  await page.selectOption("select[name=kind]", "");
  await page.selectOption("select[name=status]", "");
  await page.fill("input[name=q]", "webhook");
  rows = await visibleRows(page);
  assert.deepEqual(rows.map((r) => r.id), ["TRD-0140"]);
  await page.reload();
  assert.deepEqual((await visibleRows(page)).map((r) => r.id), ["TRD-0140"], "the filter lives in the URL");
  await page.fill("input[name=q]", "no document says zzyzx");
  assert.equal((await visibleRows(page)).length, 0);
  assert.ok(await page.locator("[data-no-match]").isVisible(), "an empty result says so");
  await page.click("button[type=reset]");
  await page.waitForFunction((n) => document.querySelectorAll("[data-doc-table] tbody tr:not([hidden])").length === n, docs.length);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the theme toggle's choice persists across reloads and pages", async () => {
  const { context, page, problems } = await openPage(browser, { colorScheme: "light" });
  await page.goto(server.url + "index.html");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const isDark = async () => {
    const [r, g, b] = (await background()).match(/\d+/g).map(Number);
    return (r + g + b) / 3 < 128;
  };
  assert.equal(await isDark(), false);
  const toggle = page.locator("[data-theme-toggle]");
  await toggle.click(); // auto → light
  await toggle.click(); // light → dark
  assert.equal(await isDark(), true, "the page turns dark at once");
  await page.reload();
  assert.equal(await page.getAttribute("html", "data-theme"), "dark");
  assert.equal(await isDark(), true, "dark after a reload");
  await page.goto(server.url + "docs.html");
  assert.equal(await isDark(), true, "dark on another page");
  await page.locator("[data-theme-toggle]").click(); // dark → auto (follows the light system)
  await page.reload();
  assert.equal(await page.getAttribute("html", "data-theme"), null);
  assert.equal(await isDark(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a code block's Copy button copies the code and says so", async () => {
  const { context, page, problems } = await openPage(browser, { permissions: ["clipboard-read", "clipboard-write"] });
  await page.goto(server.url + "adr/ADR-0001-diagrams.html");
  const block = page.locator(".code-block", { hasText: "fn answer" });
  const button = block.locator("button.copy-code");
  await block.hover();
  assert.ok(await button.isVisible(), "the Copy button shows on hover");
  assert.equal(await button.innerText(), "Copy");
  await button.click();
  await page.waitForFunction(() => document.querySelector("button.copy-code.copied") !== null, null, { timeout: 5000 });
  assert.equal(await button.innerText(), "Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, "fn answer() -> u32 {\n    42\n}");
  await page.waitForFunction(() => document.querySelector("button.copy-code").textContent === "Copy", null, { timeout: 5000 });
  assert.deepEqual(problems, []);
  await context.close();
});

test("code blocks are highlighted", async () => {
  const { context, page } = await openPage(browser);
  await page.goto(server.url + "adr/ADR-0001-diagrams.html");
  const colours = await page.$$eval(".code-block pre.hl code span", (spans) =>
    Array.from(new Set(spans.map((s) => getComputedStyle(s).color))),
  );
  assert.ok(colours.length >= 3, `tokens take several colours (got ${colours.join(" ")})`);
  await context.close();
});
