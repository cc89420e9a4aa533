/* docportal search client (readable source; the theme ships it minified as
   theme/assets/search.js, rebuilt with
   (echo "// docportal search, minified from src/search/client.js"; npx terser@5 src/search/client.js -c -m --ecma 2018) > theme/assets/search.js
   and the node test checks both give the same results). Loads search/manifest.js, then only the term shards a
   query needs (as <script> tags, so it works from file:// and under any prefix);
   ranks with BM25 plus id/title/heading boosts, prefix completion of the last word and
   one-typo tolerance; facets by status, kind and author. Stemmer and tokenizer mirror
   src/search/{stem,text}.rs. Data is only ever shown via textContent. */
(function (W) {
  "use strict";
  var A = "!#$%()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  var CODE = [], i;
  for (i = 0; i < A.length; i++) CODE[A.charCodeAt(i)] = i;
  var WORD = /[\p{Alphabetic}\p{N}]+/gu, TF = [0, 1, 2, 3, 4.5, 7.5, 14], K1 = 1.2, B = 0.75;

  /* ---- Porter stemmer ---- */
  function cons(w, i) {
    var c = w[i];
    return c === "a" || c === "e" || c === "i" || c === "o" || c === "u" ? false : c === "y" ? i === 0 || !cons(w, i - 1) : true;
  }
  function measure(w) {
    var m = 0, i = 0, n = w.length;
    while (i < n && cons(w, i)) i++;
    for (;;) {
      while (i < n && !cons(w, i)) i++;
      if (i >= n) return m;
      while (i < n && cons(w, i)) i++;
      m++;
    }
  }
  function vowel(w) { for (var i = 0; i < w.length; i++) if (!cons(w, i)) return true; return false; }
  function dbl(w) { var n = w.length; return n > 1 && w[n - 1] === w[n - 2] && cons(w, n - 1); }
  function cvc(w) {
    var n = w.length;
    return n > 2 && cons(w, n - 3) && !cons(w, n - 2) && cons(w, n - 1) && "wxy".indexOf(w[n - 1]) < 0;
  }
  function ends(w, s) { return w.length >= s.length && w.slice(w.length - s.length) === s; }
  function rules(list) { return list.split(" ").map(function (r) { return r.split(":"); }); }
  var S2 = rules("ational:ate ization:ize iveness:ive fulness:ful ousness:ous tional:tion biliti:ble entli:ent ousli:ous ation:ate alism:al aliti:al iviti:ive enci:ence anci:ance izer:ize abli:able alli:al ator:ate eli:e"),
    S3 = rules("icate:ic ative: alize:al iciti:ic ical:ic ful: ness:"),
    S4 = "ement ance ence able ible ment ant ent ion ism ate iti ous ive ize al er ic ou".split(" ");
  function replace(w, list) {
    for (var i = 0; i < list.length; i++) {
      var s = list[i][0];
      if (ends(w, s)) {
        var st = w.slice(0, w.length - s.length);
        return measure(st) > 0 ? st + list[i][1] : w;
      }
    }
    return w;
  }
  function stem(w) {
    if (w.length < 3 || !/^[a-z]+$/.test(w)) return w;
    if (ends(w, "sses") || ends(w, "ies")) w = w.slice(0, -2);
    else if (!ends(w, "ss") && ends(w, "s")) w = w.slice(0, -1);
    if (ends(w, "eed")) { if (measure(w.slice(0, -3)) > 0) w = w.slice(0, -1); }
    else {
      var cut = ends(w, "ed") ? 2 : ends(w, "ing") ? 3 : 0;
      if (cut && vowel(w.slice(0, -cut))) {
        w = w.slice(0, -cut);
        if (ends(w, "at") || ends(w, "bl") || ends(w, "iz")) w += "e";
        else if (dbl(w) && "lsz".indexOf(w[w.length - 1]) < 0) w = w.slice(0, -1);
        else if (measure(w) === 1 && cvc(w)) w += "e";
      }
    }
    if (ends(w, "y") && vowel(w.slice(0, -1))) w = w.slice(0, -1) + "i";
    w = replace(replace(w, S2), S3);
    for (var i = 0; i < S4.length; i++) {
      if (ends(w, S4[i])) {
        var st = w.slice(0, w.length - S4[i].length);
        if (measure(st) > 1 && (S4[i] !== "ion" || /[st]$/.test(st))) w = st;
        break;
      }
    }
    if (ends(w, "e")) { var s5 = w.slice(0, -1), m = measure(s5); if (m > 1 || (m === 1 && !cvc(s5))) w = s5; }
    if (measure(w) > 1 && dbl(w) && ends(w, "l")) w = w.slice(0, -1);
    return w;
  }

  /* ---- tokenizer: words, then terms (ids, stop words, stems) ---- */
  function words(text) {
    var out = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) out.push({ s: m.index, e: m.index + m[0].length, w: m[0].toLowerCase() });
    return out;
  }
  function idTerm(kind, digits) {
    var d = digits.replace(/^0+/, "") || "0";
    while (d.length < 4) d = "0" + d;
    return kind + "-" + d;
  }
  function isNum(s) { return /^[0-9]{1,6}$/.test(s); }
  /* Terms of text, each {t: term, w: the word typed}; mirrors text::terms in Rust. */
  function terms(text, M) {
    var ws = words(text), out = [], i = 0, k, x, w, n;
    for (; i < ws.length; i++) {
      w = ws[i].w;
      n = ws[i + 1];
      if (M.kinds.indexOf(w) >= 0 && n && isNum(n.w) && /^[-_#]?[ \t\r\n]*$/.test(text.slice(ws[i].e, n.s))) {
        out.push({ t: idTerm(w, n.w), w: w + n.w, id: 1 }, { t: w, w: w });
        i++;
        continue;
      }
      for (k = 0, x = null; k < M.kinds.length && !x; k++)
        if (w.length > M.kinds[k].length && w.indexOf(M.kinds[k]) === 0 && isNum(w.slice(M.kinds[k].length))) x = M.kinds[k];
      if (x) out.push({ t: idTerm(x, w.slice(x.length)), w: w, id: 1 }, { t: x, w: x });
      else if ([].concat(w.match(/[\s\S]/gu)).length <= M.maxTerm && M.stop.indexOf(w) < 0) out.push({ t: stem(w), w: w });
    }
    return out;
  }

  /* ---- files: each search file is a script that calls one of these ---- */
  var api = (W.docportalSearch = W.docportalSearch || {}), M = null, T = null, shards = [], groups = [], pending = {};
  function got(key, value) { var p = pending[key]; if (p) p.ok(value); }
  function need(key, file) {
    if (!pending[key]) {
      var p = (pending[key] = {});
      p.promise = new Promise(function (ok, fail) { p.ok = ok; p.fail = fail; });
      api.load(file, function () { p.fail(new Error("cannot load search/" + file)); });
    }
    return pending[key].promise;
  }
  function readNum(s, pos) {
    var n = 0, c;
    for (;;) {
      c = CODE[s.charCodeAt(pos[0]++)];
      if (c === undefined) throw new Error("bad search data");
      if (c < 60) return n * 60 + c;
      n = n * 28 + c - 60;
    }
  }
  api.manifest = function (m) { M = m; got("m", m); };
  api.table = function (t) {
    var n = M.n, r = { len: [], st: [], ki: [], au: [], values: t }, a = t.au.split(" "), d, j;
    function fixed(s, at, w) { for (var v = 0, k = 0; k < w; k++) v = v * 60 + CODE[s.charCodeAt(at + k)]; return v; }
    for (d = 0; d < n; d++) {
      r.len.push(Math.pow(1.2, CODE[t.len.charCodeAt(d)]) - 1);
      r.st.push(fixed(t.st, d * t.sw, t.sw) - 1);
      r.ki.push(fixed(t.ki, d * t.kw, t.kw) - 1);
      var mine = [];
      for (j = 0; a[d] && j < a[d].length; j += t.aw) mine.push(fixed(a[d], j, t.aw));
      r.au.push(mine);
    }
    T = r;
    got("t", r);
  };
  api.shard = function (n, dict, post) {
    var list = dict.split(" "), prev = "", map = new Map(), sorted = [], pos = [0], j, c;
    for (j = 0; j < list.length - 1; j++) {
      prev = prev.slice(0, CODE[list[j].charCodeAt(0)]) + list[j].slice(1);
      map.set(prev, pos[0]);
      sorted.push(prev);
      c = readNum(post, pos);
      if (c & 1) readNum(post, pos);
      for (c >>= 1; c > 0; c--) if (readNum(post, pos) & 1) readNum(post, pos);
    }
    shards[n] = { map: map, terms: sorted, post: post };
    got("s" + n, shards[n]);
  };
  api.group = function (n, heads, docs) { groups[n] = { heads: heads, docs: docs }; got("g" + n, groups[n]); };
  /* Default loader: a <script> tag beside the page's search box; tests replace it. */
  api.load = function (file, fail) {
    var s = document.createElement("script");
    s.src = api.root + "search/" + file;
    s.onerror = fail;
    document.head.appendChild(s);
  };
  api.root = "";

  function shardOf(term) {
    var lo = 0, hi = M.shards.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (M.shards[mid] <= term) lo = mid + 1; else hi = mid; }
    return Math.max(0, lo - 1);
  }
  function file(prefix, n, hashes) { return prefix + n + "." + hashes.substr(n * M.hashLen, M.hashLen) + ".js"; }
  function loadShard(n) { return need("s" + n, file("t", n, M.shardHashes)); }
  /* {post: [doc, payload, …], df}. Header: 2 × listed, + 1 when the term's body-only
     postings were pruned (it is in most docs), then followed by its true doc count. */
  function postings(sh, term) {
    var at = sh.map.get(term), out = [], pos, n, d = 0, df;
    if (at === undefined) return { post: out, df: 0 };
    pos = [at];
    n = readNum(sh.post, pos);
    df = n & 1 ? readNum(sh.post, pos) : n >> 1;
    /* per doc: 2 × gap, + 1 when a payload follows (else the payload is 8: once in the body) */
    for (n >>= 1; n > 0; n--) { var v = readNum(sh.post, pos); d += v >> 1; out.push(d, v & 1 ? readNum(sh.post, pos) : 8); d++; }
    return { post: out, df: df };
  }
  /* Every word one edit away from w (for typos), stemmed. */
  function edits(w) {
    var out = new Set(), abc = "abcdefghijklmnopqrstuvwxyz", i, j;
    for (i = 0; i <= w.length; i++) {
      if (i < w.length) out.add(w.slice(0, i) + w.slice(i + 1));
      if (i < w.length - 1) out.add(w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2));
      for (j = 0; j < 26; j++) {
        out.add(w.slice(0, i) + abc[j] + w.slice(i));
        if (i < w.length) out.add(w.slice(0, i) + abc[j] + w.slice(i + 1));
      }
    }
    out.delete(w);
    return Array.from(out, stem);
  }

  /* The files a query needs: manifest, table, and the shards of its terms. */
  function plan(q) {
    var ts = terms(q, M), last = /[\p{Alphabetic}\p{N}]$/u.test(q) ? words(q).pop() : null, need = new Set();
    ts.forEach(function (t) { need.add(shardOf(t.t)); });
    var pre = [];
    if (last && /^[0-9]+$/.test(last.w)) last = null;
    if (last && last.w.length > 1) {
      for (var n = shardOf(last.w), k = 0; n < M.shards.length && k < 3; n++, k++) {
        if (k && M.shards[n].slice(0, last.w.length) !== last.w) break;
        need.add(n);
      }
      /* a half-typed word ("replica") may extend a stem ("replic"): looked up in the shards loaded anyway */
      for (k = Math.max(4, last.w.length - 3); k < last.w.length; k++) pre.push(last.w.slice(0, k));
    }
    return { terms: ts, last: last && last.w, pre: pre, shards: Array.from(need) };
  }

  /* Ranks docs for query q under filters {status, kind, author} (value strings or "").
     Resolves to {hits: [doc numbers], facets, marks: {stems, prefix}}. */
  api.search = function (q, filters) {
    filters = filters || {};
    return need("m", "manifest.js").then(function () {
      var p = plan(q || "");
      return Promise.all([need("t", M.table)].concat(p.shards.map(loadShard))).then(function () { return rank(p, filters); });
    });
  };
  function rank(p, filters) {
    var score = new Map(), count = new Map(), marks = new Set(), groupsOf = [], seen = new Set(), N = M.n;
    p.terms.forEach(function (t) {
      if (seen.has(t.t)) return;
      seen.add(t.t);
      var sh = shards[shardOf(t.t)], vars = [[t.t, 1]], j;
      if (p.last && t.w === p.last && !t.id) {
        for (j = shardOf(p.last); j < M.shards.length && shards[j]; j++) {
          var ts = shards[j].terms, found = 0;
          for (var x = 0; x < ts.length; x++) if (ts[x] !== t.t && ts[x].slice(0, p.last.length) === p.last) { vars.push([ts[x], 0.7]); found++; }
          if (!found && j > shardOf(p.last)) break;
        }
        if (vars.length > 24) vars = vars.slice(0, 24);
        p.pre.forEach(function (x) { var s = shards[shardOf(x)]; if (x !== t.t && s && s.map.has(x)) vars.push([x, 0.7]); });
      }
      if (vars.length === 1 && sh && !sh.map.has(t.t) && t.w.length >= 5 && !t.id)
        edits(t.w).forEach(function (e) { var s = shards[shardOf(e)]; if (s && s.map.has(e) && !vars.some(function (v) { return v[0] === e; })) vars.push([e, 0.5]); });
      groupsOf.push(vars);
    });
    groupsOf.forEach(function (vars) {
      var best = new Map();
      vars.forEach(function (v) {
        var sh = shards[shardOf(v[0])], found = sh ? postings(sh, v[0]) : { post: [], df: 0 }, post = found.post, df = found.df, idf, j;
        if (!df) return;
        marks.add(v[0]);
        idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
        for (j = 0; j < post.length; j += 2) {
          var d = post[j], pl = post[j + 1], f = TF[pl >> 3] + (pl & 1 ? 4 : 0) + (pl & 2 ? 2 : 0);
          var s = (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * T.len[d]) / M.avg)) + (pl & 4 ? idf * 3 : 0);
          s *= v[1];
          if (!(best.get(d) >= s)) best.set(d, s);
        }
      });
      best.forEach(function (s, d) { score.set(d, (score.get(d) || 0) + s); count.set(d, (count.get(d) || 0) + 1); });
    });
    var filtered = filters.status || filters.kind || filters.author, docs = [], d;
    if (groupsOf.length) docs = Array.from(score.keys());
    else for (d = 0; d < N; d++) docs.push(d);
    var hits = groupsOf.length || filtered ? docs.filter(function (d) { return pass(d, filters, ""); }) : [];
    hits.sort(function (a, b) { return (count.get(b) || 0) - (count.get(a) || 0) || (score.get(b) || 0) - (score.get(a) || 0) || a - b; });
    return { hits: hits, facets: facets(docs, filters), marks: { stems: marks, prefix: p.last } };
  }
  function valueOf(facet, d) {
    var v = T.values;
    return facet === "status" ? [v.status[T.st[d]]] : facet === "kind" ? [v.kind[T.ki[d]]] : T.au[d].map(function (a) { return v.author[a]; });
  }
  function pass(d, filters, except) {
    return ["status", "kind", "author"].every(function (f) { return f === except || !filters[f] || valueOf(f, d).indexOf(filters[f]) >= 0; });
  }
  /* Counts per facet value over docs passing the other facets' filters. */
  function facets(docs, filters) {
    var out = {};
    ["status", "kind", "author"].forEach(function (f) {
      var c = new Map();
      docs.forEach(function (d) { if (pass(d, filters, f)) valueOf(f, d).forEach(function (v) { if (v !== undefined) c.set(v, (c.get(v) || 0) + 1); }); });
      out[f] = Array.from(c).sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); });
    });
    return out;
  }
  /* Id, title, href, and the best section for a doc: {id, title, href, anchor, heading, text, status, kind}. */
  api.details = function (d, marks) {
    var g = Math.floor(d / M.groupSize);
    return need("g" + g, file("g", g, M.groupHashes)).then(function (grp) {
      /* [id, title, href, intro, [[heading number, text, anchor if not the plain one]]] */
      var e = grp.docs[d - g * M.groupSize], best = null, head = "", top = hits(e[3], marks);
      e[4].forEach(function (s) {
        var h = grp.heads[s[0]], n = hits(h, marks) * 2 + hits(s[1], marks);
        if (n > top) { best = s; head = h; top = n; }
      });
      return {
        id: e[0], title: e[1], href: e[2], anchor: best ? best[2] || anchorOf(head) : "", heading: head,
        text: best ? best[1] : e[3], status: T.values.status[T.st[d]] || "", kind: T.values.kind[T.ki[d]] || ""
      };
    });
  };
  /* A heading's plain anchor, as ids::heading_anchor makes it. */
  function anchorOf(h) {
    var o = "";
    for (var c of h.trim()) o += /[\p{Alphabetic}\p{N}_-]/u.test(c) ? c.toLowerCase() : c === " " ? "-" : "";
    return o;
  }
  function matches(w, marks) { return marks.stems.has(stem(w)) || (marks.prefix && marks.prefix.length > 1 && w.indexOf(marks.prefix) === 0); }
  function hits(text, marks) { return words(text).filter(function (x) { return matches(x.w, marks); }).length; }
  /* Text split into [piece, marked] runs. */
  api.highlight = function (text, marks) {
    var out = [], at = 0;
    words(text).forEach(function (x) {
      if (matches(x.w, marks)) { if (x.s > at) out.push([text.slice(at, x.s), 0]); out.push([text.slice(x.s, x.e), 1]); at = x.e; }
    });
    if (at < text.length) out.push([text.slice(at), 0]);
    return out;
  };
  api.stem = stem;
  api.terms = function (text) { return terms(text, M); };

  /* ---- UI ---- */
  if (!W.document) return;
  var doc = W.document;
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function marked(parent, text, marks) {
    api.highlight(text, marks).forEach(function (r) { parent.appendChild(r[1] ? el("mark", "", r[0]) : doc.createTextNode(r[0])); });
  }
  function start() {
    var form = doc.querySelector(".dp-search");
    highlightPage();
    if (!form) return;
    var input = form.querySelector("input"), panel = form.querySelector(".dp-search-panel"), list = el("ul", "dp-results"),
      status = el("p", "dp-search-status"), bar = el("div", "dp-facets"), filters = {}, timer = null, active = -1, shown = [], run = 0, hits = [], lastMarks, current = null;
    api.root = form.getAttribute("data-root") || "";
    list.id = "dp-results";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Search results");
    status.setAttribute("role", "status");
    panel.append(bar, status, list);
    function open(on) { panel.hidden = !on; input.setAttribute("aria-expanded", on ? "true" : "false"); }
    function setActive(i) {
      var items = list.children;
      if (!items.length) return;
      active = (i + items.length) % items.length;
      for (var j = 0; j < items.length; j++) items[j].setAttribute("aria-selected", j === active ? "true" : "false");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function facetBar(f) {
      bar.textContent = "";
      ["status", "kind", "author"].forEach(function (name) {
        var label = el("label", "", name + " "), sel = el("select");
        sel.append(new Option("any", ""));
        f[name].forEach(function (v) { sel.append(new Option(v[0] + " (" + v[1] + ")", v[0])); });
        if (filters[name] && !f[name].some(function (v) { return v[0] === filters[name]; })) sel.append(new Option(filters[name] + " (0)", filters[name]));
        sel.value = filters[name] || "";
        sel.onchange = function () { filters[name] = sel.value; go(); };
        label.append(sel);
        bar.append(label);
      });
    }
    /* A result's link: its page (and section), with the query's words to mark there. */
    function hrefOf(r) {
      var hl = api.terms(input.value).filter(function (t) { return !t.id; }).map(function (t) { return t.w; }).join(" ");
      return api.root + r.href + (hl ? "?hl=" + encodeURIComponent(hl) : "") + (r.anchor ? "#" + encodeURIComponent(r.anchor) : "");
    }
    function item(d, n) {
      var li = el("li", "dp-result"), a = el("a");
      li.id = "dp-r" + n;
      li.setAttribute("role", "option");
      a.href = "#";
      li.append(a);
      api.details(d, lastMarks).then(function (r) {
        var top = el("span", "dp-result-head");
        a.href = hrefOf(r);
        top.append(el("span", "dp-id", r.id), el("span", "dp-title", r.title));
        if (r.status) top.append(el("span", "dp-badge dp-status-" + r.status.replace(/[^a-z0-9-]/g, ""), r.status));
        if (r.kind) top.append(el("span", "dp-kind", r.kind));
        a.append(top);
        if (r.heading) a.append(el("span", "dp-section", r.heading));
        var ex = el("span", "dp-excerpt");
        marked(ex, r.text, lastMarks);
        a.append(ex);
      });
      return li;
    }
    function more() {
      var from = shown.length;
      hits.slice(from, from + (from ? 10 : 6)).forEach(function (d, k) { shown.push(d); list.append(item(d, from + k)); });
      var rest = hits.length - shown.length;
      if (rest > 0) {
        var b = el("button", "dp-more", "Show " + Math.min(rest, 10) + " more");
        b.type = "button";
        b.onclick = function () { b.remove(); more(); };
        list.append(b);
      }
    }
    /* Searches for what is typed now; the promise settles once the list shows the answer. */
    function go() {
      clearTimeout(timer);
      timer = null;
      var mine = ++run, asked = input.value;
      return (current = api.search(asked, filters).then(function (r) {
        if (mine !== run) return;
        /* Which text the list answers: typing outruns the debounce on a slow machine. */
        list.setAttribute("data-query", asked);
        hits = r.hits;
        lastMarks = r.marks;
        shown = [];
        active = -1;
        list.textContent = "";
        input.removeAttribute("aria-activedescendant");
        facetBar(r.facets);
        status.textContent = hits.length ? hits.length + " result" + (hits.length > 1 ? "s" : "") : input.value.trim() ? "No results" : "Type to search, or pick a filter";
        more();
        open(true);
      }, function (e) { status.textContent = "Search is unavailable: " + e.message; open(true); }));
    }
    /* Settles when the newest search has answered: one still debounced runs now. */
    function settled() {
      var p = timer || !current ? go() : current;
      return p.then(function () { return p === current ? null : settled(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(go, 120); });
    input.addEventListener("focus", function () { if (!M || input.value) go(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); setActive(active + (e.key === "ArrowDown" ? 1 : -1)); }
      else if (e.key === "Enter") {
        e.preventDefault();
        /* Enter may come before the debounced search has run or answered: the chosen
           result is taken from the answer for what is typed, not from the list on screen. */
        settled().then(function () {
          var d = shown[active < 0 ? 0 : active], marks = lastMarks;
          if (d !== undefined) api.details(d, marks).then(function (r) { W.location.href = hrefOf(r); });
        });
      } else if (e.key === "Escape") { if (panel.hidden) input.blur(); open(false); }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    doc.addEventListener("keydown", function (e) {
      var t = e.target, typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if ((e.key === "/" && !typing) || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k")) { e.preventDefault(); input.focus(); input.select(); }
    });
    doc.addEventListener("click", function (e) { if (!form.contains(e.target)) open(false); });
  }
  /* On a page opened from a result: mark the searched words in the article. */
  function highlightPage() {
    var hl = new URLSearchParams(W.location.search).get("hl"), root = doc.querySelector("main");
    if (!hl || !root) return;
    var stems = new Set(words(hl).map(function (x) { return stem(x.w); })), marks = { stems: stems, prefix: "" }, walker = doc.createTreeWalker(root, 4), nodes = [], n, first;
    while ((n = walker.nextNode())) if (!/^(SCRIPT|STYLE|MARK)$/.test(n.parentNode.nodeName)) nodes.push(n);
    nodes.forEach(function (t) {
      var runs = api.highlight(t.nodeValue, marks);
      if (runs.length < 2 && !(runs[0] && runs[0][1])) return;
      var frag = doc.createDocumentFragment();
      runs.forEach(function (r) { var m = r[1] ? el("mark", "dp-hl", r[0]) : doc.createTextNode(r[0]); if (r[1] && !first) first = m; frag.append(m); });
      t.parentNode.replaceChild(frag, t);
    });
    if (first && !W.location.hash) first.scrollIntoView({ block: "center" });
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : globalThis);
