// Search as a reader uses it, on the sample portal opened from file:// and served over
// http under a site-url subpath (/docs/portal/): `/` focuses the box, a title finds
// its doc first, a typo still finds it, arrow keys and Enter open a result, Escape
// closes the panel, a status facet narrows the results.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileUrl, launch, openPage, screenshot, site, staticServer } from "../lib/harness.mjs";

let browser;
let server;
let docs;
before(async () => {
  browser = await launch();
  server = await staticServer(site("DOCPORTAL_SUBPATH_SITE"), "/docs/portal/");
  docs = JSON.parse(fs.readFileSync(path.join(site("DOCPORTAL_SAMPLE_SITE"), "docs.json"), "utf8")).docs;
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const MODES = {
  "file://": (rel) => fileUrl(site("DOCPORTAL_SAMPLE_SITE"), rel),
  "http under /docs/portal/": (rel) => server.url + rel,
};

/** The results once the list answers what is in the box (not a prefix typed on the way)
 * and every item's details loaded. */
async function results(page) {
  await page.waitForFunction(
    () => {
      const list = document.getElementById("dp-results");
      const items = document.querySelectorAll("#dp-results .dp-result");
      return (
        list?.getAttribute("data-query") === document.getElementById("dp-search-input").value &&
        items.length > 0 &&
        Array.from(items).every((li) => !li.hasAttribute("data-stale") && li.querySelector(".dp-title"))
      );
    },
    null,
    { timeout: 15000 },
  );
  return page.$$eval("#dp-results .dp-result", (items) =>
    items.map((li) => ({
      id: li.querySelector(".dp-id").textContent,
      title: li.querySelector(".dp-title").textContent,
      status: li.querySelector(".dp-badge")?.textContent || "",
      href: li.querySelector("a").href,
    })),
  );
}

/** Marks the results on screen, so that `results` waits for the next answer. */
function markStale(page) {
  return page.evaluate(() => document.querySelectorAll("#dp-results .dp-result").forEach((li) => li.setAttribute("data-stale", "")));
}

async function search(page, query) {
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "dp-search-input", "`/` focuses the search box");
  await markStale(page);
  await page.keyboard.type(query);
  return results(page);
}

for (const [mode, url] of Object.entries(MODES)) {
  test(`search over ${mode}: a title finds its doc first, arrows and Enter open a result, Escape closes`, async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(url("docs.html"));
    let hits = await search(page, "Customer Webhook Delivery");
    assert.equal(hits[0].id, "TRD-0140", `first hit: ${JSON.stringify(hits[0])}`);
    await screenshot(page, `search-results-${mode.replace(/\W+/g, "-")}`);
    await page.keyboard.press("Escape");
    assert.equal(await page.locator(".dp-search-panel").isHidden(), true, "Escape closes the results");
    await page.keyboard.press("Escape");
    assert.notEqual(await page.evaluate(() => document.activeElement?.id), "dp-search-input", "a second Escape leaves the box");

    hits = await search(page, "tracking");
    assert.ok(hits.length >= 2, `several docs mention tracking (${hits.length})`);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.getAttribute("#dp-r1", "aria-selected"), "true", "the second result is selected");
    await Promise.all([page.waitForURL((u) => u.href.split("?")[0] === hits[1].href.split("?")[0]), page.keyboard.press("Enter")]);
    const opened = docs.find((d) => d.id === hits[1].id);
    assert.equal(await page.locator("main h1").first().innerText(), opened.title.replace(/^[A-Z]+-\d+:\s*/, ""));
    assert.ok((await page.locator("main mark.dp-hl").count()) > 0, "the searched word is marked on the opened page");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`search over ${mode}: a typo still finds the doc`, async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(url("index.html"));
    const hits = await search(page, "Custmer Webhook Delivery");
    assert.equal(hits[0].id, "TRD-0140", JSON.stringify(hits.slice(0, 3)));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`search over ${mode}: a status facet narrows the results`, async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(url("trd/TRD-0140-webhook-delivery.html"));
    const all = await search(page, "tracking");
    const statuses = new Set(all.map((h) => h.status));
    assert.ok(statuses.size > 1, `results span several statuses: ${[...statuses]}`);
    const count = Number((await page.locator(".dp-search-status").innerText()).match(/\d+/)[0]);
    const facet = page.locator(".dp-facets select").first();
    await markStale(page);
    await facet.selectOption("approved");
    const narrowed = await results(page);
    assert.ok(narrowed.length > 0 && narrowed.length < count);
    assert.ok(narrowed.every((h) => h.status === "approved"), JSON.stringify(narrowed));
    assert.deepEqual(problems, []);
    await context.close();
  });
}

// Regression: Enter pressed before the debounced search had answered did nothing (the
// list on screen was empty or answered an older text). It runs the pending search at
// once and opens the top hit for what was typed.
test("Enter pressed straight after typing opens the top hit for what was typed", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(server.url + "index.html");
  await page.keyboard.press("/");
  await page.keyboard.type("Customer Webhook Delivery");
  await Promise.all([page.waitForURL(/TRD-0140-webhook-delivery\.html/, { timeout: 10000 }), page.keyboard.press("Enter")]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("Enter straight after retyping opens the top hit for the new text, not one of the older list", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(server.url + "index.html");
  const older = await search(page, "Customer Webhook Delivery");
  assert.equal(older[0].id, "TRD-0140");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Control+A");
  const target = docs.find((d) => d.id !== "TRD-0140" && d.title.split(/\s+/).length >= 3);
  await page.keyboard.type(target.title);
  const expected = new RegExp(target.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(\\?|#|$)");
  await Promise.all([page.waitForURL(expected, { timeout: 10000 }), page.keyboard.press("Enter")]);
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a 390x844 phone the results panel fits on the screen", async () => {
  const { context, page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
  await page.goto(server.url + "index.html");
  await search(page, "tracking");
  const box = await page.locator(".dp-search-panel").boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `panel spans ${box.x}..${box.x + box.width} on a 390px screen`);
  assert.ok(box.width >= 300, `panel is usable (${box.width}px wide)`);
  await screenshot(page, "search-phone", { fullPage: false });
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [system, picked] of [["light", "dark"], ["dark", "light"]]) {
  test(`the results panel follows a ${picked} theme picked on a ${system} system`, async () => {
    const { context, page, problems } = await openPage(browser, { colorScheme: system });
    await page.goto(server.url + "index.html");
    await page.evaluate((t) => localStorage.setItem("docportal-theme", t), picked);
    await page.reload();
    await search(page, "tracking");
    const brightness = await page.$eval(".dp-search-panel", (el) => {
      const [r, g, b] = getComputedStyle(el).backgroundColor.match(/\d+/g).map(Number);
      return (r + g + b) / 3;
    });
    assert.equal(brightness > 128, picked === "light", `panel brightness ${brightness} under a ${picked} page`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test("search from a page two folders deep over http under a subpath finds its search files", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(server.url + "specs/customs-declarations/spec.html");
  const hits = await search(page, "webhook");
  assert.ok(hits.some((h) => h.id === "TRD-0140"));
  assert.ok(hits.every((h) => h.href.startsWith(server.url)), "result links stay under the subpath");
  assert.deepEqual(problems, []);
  await context.close();
});
