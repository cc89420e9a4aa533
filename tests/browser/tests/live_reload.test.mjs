// `docportal serve` live reload in a real browser: an edit on disk shows up in the open
// page within seconds with the scroll position kept, a doc with broken front-matter
// brings up the error overlay naming file and line, and fixing it clears the overlay.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { launch, openPage, screenshot, startServe, waitFor } from "../lib/harness.mjs";

const DOC = "trd/TRD-0001-long-document";
let browser;
let serve;
before(async () => {
  browser = await launch();
  serve = await startServe("browser-basic");
});
after(async () => {
  await browser?.close();
  serve?.stop();
});

/** Evaluates `fn` in the page, treating "the page is mid-reload" as not yet. */
async function inPage(page, fn, arg) {
  try {
    return await page.evaluate(fn, arg);
  } catch {
    return undefined;
  }
}

function editDoc(change) {
  const file = path.join(serve.dir, "content", DOC + ".md");
  fs.writeFileSync(file, change(fs.readFileSync(file, "utf8")));
}

test("an edited doc reloads in the open page, keeping the scroll position", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(serve.url + DOC + ".html");
  await page.waitForLoadState("load");
  assert.match(await page.locator("main").innerText(), /LIVE-MARKER: original text/);
  const height = await page.evaluate(() => document.scrollingElement.scrollHeight);
  assert.ok(height > 3000, `the doc is long enough to scroll (${height}px)`);
  await page.evaluate(() => window.scrollTo(0, 1800));
  await page.evaluate(() => (window.__beforeEdit = true));
  const started = Date.now();
  editDoc((text) => text.replace("LIVE-MARKER: original text", "LIVE-MARKER: edited text"));
  await waitFor(
    () => inPage(page, () => !window.__beforeEdit && document.readyState === "complete" && document.body.innerText.includes("LIVE-MARKER: edited text")),
    20000,
    "the page to reload with the edit",
  );
  const seconds = (Date.now() - started) / 1000;
  assert.ok(seconds < 10, `the edit showed within ${seconds}s`);
  const y = await waitFor(() => inPage(page, () => window.scrollY || undefined), 5000, "the scroll position to be restored");
  assert.ok(Math.abs(y - 1800) <= 2, `the reloaded page is scrolled to ${y}, not 1800`);
  await screenshot(page, "live-reload-after-edit");
  assert.deepEqual(problems, []);
  await context.close();
});

test("broken front-matter shows the error overlay, and fixing it clears the overlay", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(serve.url + DOC + ".html");
  await page.waitForLoadState("load");
  const overlay = page.locator("#docportal-error-overlay");
  assert.equal(await overlay.count(), 0, "no overlay on a good build");
  editDoc((text) => text.replace('status: Draft', 'status: [Draft'));
  const message = await waitFor(
    () => inPage(page, () => document.getElementById("docportal-error-overlay")?.innerText),
    20000,
    "the error overlay",
  );
  assert.match(message, /1 error/);
  assert.match(message, /TRD-0001-long-document\.md:\d+/, "the overlay names file and line");
  assert.match(message, /front-matter is not valid YAML/);
  await screenshot(page, "live-reload-error-overlay", { fullPage: false });
  editDoc((text) => text.replace('status: [Draft', 'status: Draft'));
  await waitFor(
    () => inPage(page, () => document.readyState === "complete" && !document.getElementById("docportal-error-overlay")),
    20000,
    "the overlay to clear",
  );
  // Stays cleared once the poll that follows the reload has answered.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await overlay.count(), 0, "the overlay stays away after the fix");
  assert.deepEqual(problems, []);
  await context.close();
});
