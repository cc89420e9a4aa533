// Shared helpers for the real-browser tests: launching Debian's chromium through
// playwright-core, pages that record every console error, failed request and request
// that tries to leave the machine, a tiny loopback static server (for site-url
// subpaths), and `docportal serve` started on a throw-away copy of a fixture.
//
// The sites under test come from environment variables that tests/browser.rs sets
// after building them with the real binary:
//   DOCPORTAL_BIN            the docportal executable
//   DOCPORTAL_SAMPLE_SITE    the sample portal built with site-url "/"
//   DOCPORTAL_SUBPATH_SITE   the sample portal built with --site-url /docs/portal/
//   DOCPORTAL_FIXTURE_SITE   tests/fixtures/browser-basic built
//   DOCPORTAL_ARTIFACTS      where screenshots go (default: <tmp>/docportal-browser)
// Every wait is bounded; nothing here talks to anything but 127.0.0.1 and file://.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CHROMIUM = process.env.DOCPORTAL_CHROMIUM || "/usr/bin/chromium";
export const ARTIFACTS = process.env.DOCPORTAL_ARTIFACTS || path.join(os.tmpdir(), "docportal-browser");
fs.mkdirSync(ARTIFACTS, { recursive: true });

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/** The path of a site the Rust side built, or a clear failure naming the variable. */
export function site(variable) {
  const dir = process.env[variable];
  if (!dir || !fs.existsSync(path.join(dir, "index.html"))) {
    throw new Error(`${variable} must name a built site (run these tests through \`cargo test --test browser\`)`);
  }
  return dir;
}

export function fileUrl(dir, rel) {
  return pathToFileURL(path.join(dir, rel)).href;
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
}

function isLocal(url) {
  if (/^(file|data|blob|about):/.test(url)) return true;
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

/**
 * A fresh context and page whose problems are recorded in `problems`: console errors,
 * uncaught exceptions, failed requests, HTTP errors (>= 400) other than those listed
 * in `expectStatus`, and any request to a host other than loopback (aborted).
 */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport || { width: 1280, height: 900 },
    colorScheme: options.colorScheme || "light",
    permissions: options.permissions || [],
  });
  const page = await context.newPage();
  const problems = [];
  const expectStatus = options.expectStatus || [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    problems.push(`request left the machine: ${url}`);
    return route.abort("blockedbyclient");
  });
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    // Chromium logs every HTTP error response; those the test expects are not problems.
    const status = /status of (\d+)/.exec(msg.text());
    if (status && expectStatus.includes(Number(status[1]))) return;
    problems.push(`console error: ${msg.text()} (${msg.location().url || "?"})`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    const why = req.failure() ? req.failure().errorText : "?";
    // Leaving a page cancels what it still had in flight (the live-reload long-poll,
    // a late favicon): a cancellation, not a failure of the site.
    if (why === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${req.url()} (${why})`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400 && !expectStatus.includes(res.status())) {
      problems.push(`HTTP ${res.status()}: ${res.url()}`);
    }
  });
  return { context, page, problems };
}

export async function screenshot(page, name, { fullPage = true } = {}) {
  const file = path.join(ARTIFACTS, name + ".png");
  await page.screenshot({ path: file, fullPage });
  return file;
}

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
  ".png": "image/png",
};

/**
 * Serves `dir` on 127.0.0.1 under `prefix` (like a CDN or GitHub Pages project site):
 * `/prefix/x` maps to `dir/x`, a folder to its index.html, anything else is the
 * site's 404.html with status 404. Resolves to { url, close }.
 */
export function staticServer(dir, prefix = "/") {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = null;
    if (pathname.startsWith(prefix)) {
      const candidate = path.resolve(root, "." + path.posix.normalize("/" + pathname.slice(prefix.length)));
      if (candidate === root || candidate.startsWith(root + path.sep)) {
        file = fs.existsSync(candidate) && fs.statSync(candidate).isDirectory() ? path.join(candidate, "index.html") : candidate;
      }
    }
    if (file && fs.existsSync(file)) {
      res.writeHead(200, { "content-type": MIME[path.extname(file)] || "application/octet-stream" });
      fs.createReadStream(file).pipe(res);
    } else {
      res.writeHead(404, { "content-type": MIME[".html"] });
      res.end(fs.readFileSync(path.join(root, "404.html")));
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}${prefix}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

export function copyDir(from, to) {
  fs.cpSync(from, to, { recursive: true });
}

/**
 * Runs `docportal serve --port 0` on a fresh copy of tests/fixtures/<fixture>.
 * Resolves to { url, dir, stop, log } once it prints the address it serves on.
 */
export function startServe(fixture) {
  const bin = process.env.DOCPORTAL_BIN;
  if (!bin) throw new Error("DOCPORTAL_BIN must name the docportal executable");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docportal-serve-"));
  copyDir(path.join(REPO, "tests/fixtures", fixture), dir);
  const child = spawn(bin, ["serve", "--port", "0", dir], {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const stop = () => {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error("docportal serve did not print its address within 60s:\n" + log));
    }, 60000);
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /Serving.*?(http:\/\/\S+)/.exec(log);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ url: m[1], dir, stop, log: () => log });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`docportal serve exited with ${code}:\n${log}`));
    });
  });
}

/** Polls `check` (async, truthy when done) every 100 ms for at most `ms`. */
export async function waitFor(check, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
