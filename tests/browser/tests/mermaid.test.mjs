// Mermaid in a real browser: every diagram of the sample portal becomes an SVG in light
// and in dark mode, a diagram follows the theme toggle without a page reload, a broken
// diagram shows Mermaid's message and its source, and graph nodes open their docs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileUrl, launch, openPage, screenshot, site } from "../lib/harness.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Site-relative paths of every page of `dir` that holds a Mermaid block. */
function pagesWithDiagrams(dir) {
  const found = [];
  const walk = (sub) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith(".html") && fs.readFileSync(path.join(dir, rel), "utf8").includes('class="mermaid"')) found.push(rel);
    }
  };
  walk("");
  return found.sort();
}

async function renderedDiagrams(page) {
  await page.waitForFunction(
    () => Array.from(document.querySelectorAll("pre.mermaid")).every((el) => el.hasAttribute("data-rendered")),
    null,
    { timeout: 30000 },
  );
  return page.$$eval("pre.mermaid", (els) =>
    els.map((el) => ({
      state: el.getAttribute("data-rendered"),
      svg: !!el.querySelector(":scope > svg"),
      width: el.querySelector(":scope > svg")?.getBoundingClientRect().width || 0,
      error: el.querySelector(".mermaid-error-message")?.textContent || "",
    })),
  );
}

/** Mean brightness (0–255) of the fill of the first flowchart node box. */
function nodeBrightness(page) {
  return page.$eval("pre.mermaid svg", (svg) => {
    const shape = svg.querySelector(".node rect, .node polygon, rect.actor");
    const [r, g, b] = getComputedStyle(shape).fill.match(/\d+/g).map(Number);
    return (r + g + b) / 3;
  });
}

for (const scheme of ["light", "dark"]) {
  test(`every Mermaid block of the sample portal becomes an SVG in ${scheme} mode`, async () => {
    const dir = site("DOCPORTAL_SAMPLE_SITE");
    const pages = pagesWithDiagrams(dir);
    assert.ok(pages.length >= 10, `the sample has diagrams on many pages (found ${pages.length})`);
    const { context, page, problems } = await openPage(browser, { colorScheme: scheme });
    for (const rel of pages) {
      await page.goto(fileUrl(dir, rel));
      const diagrams = await renderedDiagrams(page);
      for (const d of diagrams) {
        assert.equal(d.state, "", `${rel}: diagram rendered (error: ${d.error})`);
        assert.ok(d.svg && d.width > 50, `${rel}: the diagram is a visible SVG`);
      }
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test("a diagram re-renders in the dark theme when the toggle is pressed, without a reload", async () => {
  const { context, page, problems } = await openPage(browser, { colorScheme: "light" });
  await page.goto(fileUrl(site("DOCPORTAL_FIXTURE_SITE"), "adr/ADR-0001-diagrams.html"));
  await renderedDiagrams(page);
  const light = await nodeBrightness(page);
  assert.ok(light > 128, `a light-theme node is light (brightness ${light})`);
  await page.evaluate(() => (window.__sameDocument = true));
  const toggle = page.locator("[data-theme-toggle]");
  // auto → light → dark
  await toggle.click();
  await toggle.click();
  assert.equal(await page.getAttribute("html", "data-theme"), "dark");
  await page.waitForFunction(() => {
    const shape = document.querySelector("pre.mermaid svg .node rect, pre.mermaid svg .node polygon");
    const [r, g, b] = getComputedStyle(shape).fill.match(/\d+/g).map(Number);
    return (r + g + b) / 3 < 128;
  }, null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
  const diagrams = await renderedDiagrams(page);
  assert.equal(diagrams[0].state, "", "the good diagram is still an SVG after the switch");
  assert.equal(diagrams[1].state, "error", "the broken diagram still shows its error");
  const messageBrightness = await page.$eval(".mermaid-error-message", (el) => {
    const [r, g, b] = getComputedStyle(el).color.match(/\d+/g).map(Number);
    return (r + g + b) / 3;
  });
  assert.ok(messageBrightness > 128, `the error message is light on the dark page (brightness ${messageBrightness})`);
  await screenshot(page, "diagrams-dark");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a diagram with a syntax error shows Mermaid's message and its source, nothing else", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(fileUrl(site("DOCPORTAL_FIXTURE_SITE"), "adr/ADR-0001-diagrams.html"));
  const diagrams = await renderedDiagrams(page);
  assert.deepEqual(
    diagrams.map((d) => d.state),
    ["", "error"],
    "the first diagram renders and the broken one is marked as an error",
  );
  const box = page.locator("pre.mermaid .mermaid-error");
  assert.ok(await box.isVisible(), "the error box is visible");
  assert.match(await box.locator(".mermaid-error-message").innerText(), /Mermaid could not render this diagram: .*\S/);
  assert.match(await box.locator(".mermaid-error-source").innerText(), /Intake -->> -- Review \(\(/);
  // Mermaid's own "Syntax error" bomb graphic must not be left anywhere on the page.
  const stray = await page.evaluate(() =>
    Array.from(document.querySelectorAll("body > div, body > svg")).filter((el) => /Syntax error/i.test(el.textContent)).length,
  );
  assert.equal(stray, 0, "no stray Mermaid error graphic outside the diagram");
  await screenshot(page, "diagram-error");
  assert.deepEqual(problems, []);
  await context.close();
});

test("selecting a node on the graph page opens its document", async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(fileUrl(site("DOCPORTAL_SAMPLE_SITE"), "graph.html"));
  await renderedDiagrams(page);
  const node = page.locator("pre.mermaid svg a", { hasText: "TRD-0140" }).first();
  await Promise.all([page.waitForURL(/TRD-0140-webhook-delivery\.html$/, { timeout: 15000 }), node.click()]);
  assert.match(await page.locator("h1").first().innerText(), /Customer Webhook Delivery/);
  assert.deepEqual(problems, []);
  await context.close();
});
