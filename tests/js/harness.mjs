// Loads the real search client into a bare vm context (no DOM), with its script
// loader replaced by one that evaluates the search files from disk and records them.
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

/** A fresh client loaded from `clientFile`, reading search files from `site`/search. */
export function loadClient(site, clientFile) {
  const sandbox = {};
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(clientFile, "utf8"), sandbox, { filename: clientFile });
  const api = sandbox.docportalSearch;
  const fetched = [];
  api.load = (file, fail) => {
    const full = path.join(site, "search", file);
    let text;
    try {
      text = fs.readFileSync(full, "utf8");
    } catch {
      return fail();
    }
    fetched.push({ file, bytes: Buffer.byteLength(text) });
    vm.runInContext(text, sandbox, { filename: full });
  };
  return { api, fetched };
}

export function siteClient(site) {
  const assets = fs.readdirSync(path.join(site, "assets")).filter((f) => /^search\.[0-9a-f]+\.js$/.test(f));
  if (assets.length !== 1) throw new Error("expected one hashed search.js asset in the site");
  return path.join(site, "assets", assets[0]);
}

