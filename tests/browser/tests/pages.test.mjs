// Every kind of page loads clean (no console error, no failed or off-machine request),
// from file:// and over http, fits a phone screen without sideways scrolling, and
// leaves screenshots behind to look at.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileUrl, launch, openPage, screenshot, site, staticServer } from "../lib/harness.mjs";

const PAGES = {
  dashboard: "index.html",
  "all-docs": "docs.html",
  graph: "graph.html",
  "doc-with-diagram": "trd/TRD-0140-webhook-delivery.html",
  "doc-in-subfolder": "specs/customs-declarations/spec.html",
  "not-found": "404.html",
};
// 404.html links its assets from the site root (a server sends it for any missing
// path, at any depth), so it is only meaningful over http.
const HTTP_ONLY = new Set(["not-found"]);

let browser;
let server;
before(async () => {
  browser = await launch();
  server = await staticServer(site("DOCPORTAL_SAMPLE_SITE"));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function settle(page) {
  await page.waitForLoadState("load");
  // Diagrams render after load; a page is settled once none is left to render.
  await page.waitForFunction(
    () => Array.from(document.querySelectorAll("pre.mermaid")).every((el) => el.hasAttribute("data-rendered")),
    null,
    { timeout: 30000 },
  );
}

for (const [name, rel] of Object.entries(PAGES)) {
  test(`${name} loads without console errors or failed requests over file://`, { skip: HTTP_ONLY.has(name) }, async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(fileUrl(site("DOCPORTAL_SAMPLE_SITE"), rel));
    await settle(page);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test(`${name} loads without console errors or failed requests over http`, async () => {
    const { context, page, problems } = await openPage(browser);
    await page.goto(server.url + rel);
    await settle(page);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test("a missing page over http shows the site's 404 page with working styles", async () => {
  const { context, page, problems } = await openPage(browser, { expectStatus: [404] });
  const res = await page.goto(server.url + "trd/no-such-doc.html");
  assert.equal(res.status(), 404);
  await settle(page);
  assert.deepEqual(problems, []);
  // The 404 page is served from any depth, so its links and styles must not be relative.
  const styled = await page.evaluate(() => getComputedStyle(document.querySelector(".topbar")).position);
  assert.notEqual(styled, "static", "the stylesheet applied on a 404 served from a subfolder");
  await context.close();
});

for (const [name, rel] of Object.entries({ dashboard: "index.html", doc: "trd/TRD-0140-webhook-delivery.html", "all-docs": "docs.html" })) {
  test(`${name} has no horizontal overflow on a 390x844 phone`, async () => {
    const { context, page, problems } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    await page.goto(server.url + rel);
    await settle(page);
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    await screenshot(page, `mobile-${name}`);
    assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test("screenshots: home, doc page light and dark", async () => {
  for (const scheme of ["light", "dark"]) {
    const { context, page } = await openPage(browser, { colorScheme: scheme });
    await page.goto(server.url + "trd/TRD-0140-webhook-delivery.html");
    await settle(page);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    const light = (r + g + b) / 3 > 128;
    assert.equal(light, scheme === "light", `body background ${bg} follows prefers-color-scheme: ${scheme}`);
    await screenshot(page, `doc-${scheme}`);
    if (scheme === "light") {
      await page.goto(server.url + "index.html");
      await screenshot(page, "home");
      await page.goto(server.url + "graph.html");
      await settle(page);
      await screenshot(page, "graph");
    }
    await context.close();
  }
});
