/* docportal's page behaviour, plain JS with no dependencies, working from file://.
   - Theme toggle: auto → light → dark, remembered in localStorage ("docportal-theme").
     Sets <html data-theme>, and fires `docportal:themechange` on document with
     detail.theme = the effective theme ("light" | "dark"), also when the system theme
     changes while on auto, so diagrams can re-render.
   - Docs table (docs.html): sort by any column, filter by kind, status, author, date
     range and free text. All data is in the rows' data- attributes; the filter state
     lives in the URL fragment (#kind=TRD&status=draft) so filtered views can be linked.
   - Table of contents: collapsed on narrow screens; the current section is marked.
   Everything here is progressive enhancement: without JS, every page is complete. */
(function () {
  "use strict";

  var STORAGE_KEY = "docportal-theme";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function savedTheme() {
    var t = root.getAttribute("data-theme");
    return t === "light" || t === "dark" ? t : "auto";
  }

  function effectiveTheme() {
    var t = savedTheme();
    if (t !== "auto") return t;
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function announceTheme() {
    var event;
    try {
      event = new CustomEvent("docportal:themechange", { detail: { theme: effectiveTheme() } });
    } catch (e) {
      return;
    }
    document.dispatchEvent(event);
  }

  var THEME_LABELS = {
    auto: "Colour theme: follows the system (select for light)",
    light: "Colour theme: light (select for dark)",
    dark: "Colour theme: dark (select to follow the system)"
  };

  function labelToggle(button) {
    var label = THEME_LABELS[savedTheme()];
    button.setAttribute("aria-label", label);
    button.setAttribute("title", label);
  }

  function setupThemeToggle() {
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      labelToggle(button);
      button.addEventListener("click", function () {
        var next = { auto: "light", light: "dark", dark: "auto" }[savedTheme()];
        if (next === "auto") {
          root.removeAttribute("data-theme");
        } else {
          root.setAttribute("data-theme", next);
        }
        try {
          if (next === "auto") window.localStorage.removeItem(STORAGE_KEY);
          else window.localStorage.setItem(STORAGE_KEY, next);
        } catch (e) {
          /* Not remembered, still applied. */
        }
        Array.prototype.forEach.call(buttons, labelToggle);
        announceTheme();
      });
    });
    if (darkQuery) {
      var onSystemChange = function () {
        if (savedTheme() === "auto") announceTheme();
      };
      if (darkQuery.addEventListener) darkQuery.addEventListener("change", onSystemChange);
      else if (darkQuery.addListener) darkQuery.addListener(onSystemChange);
    }
  }

  /* ---------- Docs table ---------- */

  function parseFragment() {
    var state = {};
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) return state;
    hash.split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i < 0) return;
      try {
        state[decodeURIComponent(pair.slice(0, i))] = decodeURIComponent(pair.slice(i + 1).replace(/\+/g, " "));
      } catch (e) {
        /* A malformed fragment is ignored. */
      }
    });
    return state;
  }

  function authorsOf(row) {
    try {
      var list = JSON.parse(row.getAttribute("data-authors") || "[]");
      return Array.isArray(list) ? list.map(String) : [];
    } catch (e) {
      return [];
    }
  }

  var collator = window.Intl && Intl.Collator ? new Intl.Collator(undefined, { numeric: true, sensitivity: "base" }) : null;

  function compareText(a, b) {
    return collator ? collator.compare(a, b) : a < b ? -1 : a > b ? 1 : 0;
  }

  function sortValue(row, key) {
    if (key === "authors") return (authorsOf(row)[0] || "");
    return row.getAttribute("data-" + key) || "";
  }

  function setupDocTable() {
    var table = document.querySelector("[data-doc-table]");
    if (!table || !table.tBodies.length) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var form = document.querySelector("[data-doc-filters]");
    var countOut = document.querySelector("[data-filter-count]");
    var noMatch = document.querySelector("[data-no-match]");
    var headers = table.querySelectorAll("th[data-sort]");
    var sort = { key: "", dir: 1 };

    rows.forEach(function (row) {
      row._authors = authorsOf(row);
      row._text = [row.getAttribute("data-id"), row.getAttribute("data-title"), row._authors.join(" ")]
        .join(" ")
        .toLowerCase();
    });

    function applySort() {
      Array.prototype.forEach.call(headers, function (th) {
        if (th.getAttribute("data-sort") === sort.key) {
          th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
        } else {
          th.removeAttribute("aria-sort");
        }
      });
      var ordered = rows.slice();
      if (sort.key) {
        var numeric = sort.key === "status-rank";
        ordered.sort(function (a, b) {
          var va = sortValue(a, sort.key);
          var vb = sortValue(b, sort.key);
          /* Empty values go last whichever the direction. */
          if (!va && vb) return 1;
          if (va && !vb) return -1;
          var c = numeric ? Number(va) - Number(vb) : compareText(va, vb);
          if (c === 0) c = compareText(a.getAttribute("data-id") || "", b.getAttribute("data-id") || "");
          return c * sort.dir;
        });
      }
      var fragment = document.createDocumentFragment();
      ordered.forEach(function (row) {
        fragment.appendChild(row);
      });
      body.appendChild(fragment);
    }

    function readForm() {
      var state = {};
      if (!form) return state;
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.value) state[el.name] = el.value;
      });
      return state;
    }

    function applyFilter(state) {
      var terms = (state.q || "").toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var ok = true;
        if (state.kind && row.getAttribute("data-kind") !== state.kind) ok = false;
        if (ok && state.status && row.getAttribute("data-status") !== state.status) ok = false;
        if (ok && state.author && row._authors.indexOf(state.author) < 0) ok = false;
        var date = row.getAttribute("data-date") || "";
        if (ok && state.from && (!date || date < state.from)) ok = false;
        if (ok && state.to && (!date || date > state.to)) ok = false;
        for (var i = 0; ok && i < terms.length; i++) {
          if (row._text.indexOf(terms[i]) < 0) ok = false;
        }
        row.hidden = !ok;
        if (ok) shown++;
      });
      if (countOut) {
        countOut.textContent = shown === rows.length ? "" : "Showing " + shown + " of " + rows.length + " documents";
      }
      if (noMatch) noMatch.hidden = shown !== 0;
      table.hidden = shown === 0 && rows.length > 0;
    }

    function writeFragment(state) {
      var parts = [];
      ["q", "kind", "status", "author", "from", "to"].forEach(function (k) {
        if (state[k]) parts.push(k + "=" + encodeURIComponent(state[k]));
      });
      if (sort.key) parts.push("sort=" + encodeURIComponent(sort.key + (sort.dir < 0 ? ":desc" : "")));
      var hash = parts.length ? "#" + parts.join("&") : "";
      if (window.location.hash !== hash && window.history && history.replaceState) {
        try {
          history.replaceState(null, "", hash || window.location.pathname + window.location.search);
        } catch (e) {
          /* Some file:// contexts refuse replaceState; the view still works. */
        }
      }
    }

    function loadState() {
      var state = parseFragment();
      if (form) {
        Array.prototype.forEach.call(form.elements, function (el) {
          if (!el.name || el.type === "reset" || el.type === "button") return;
          var value = state[el.name] || "";
          if (el.tagName === "SELECT" && value) {
            var known = Array.prototype.some.call(el.options, function (o) {
              return o.value === value;
            });
            if (!known) value = "";
          }
          el.value = value;
        });
      }
      var s = (state.sort || "").split(":");
      sort.key = s[0] || "";
      sort.dir = s[1] === "desc" ? -1 : 1;
      applySort();
      applyFilter(readForm());
    }

    Array.prototype.forEach.call(headers, function (th) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var key = th.getAttribute("data-sort");
        if (sort.key === key) {
          sort.dir = -sort.dir;
        } else {
          sort.key = key;
          /* Dates read best newest first. */
          sort.dir = key === "created" || key === "updated" ? -1 : 1;
        }
        applySort();
        writeFragment(readForm());
      });
    });

    if (form) {
      form.hidden = false;
      form.addEventListener("submit", function (e) {
        e.preventDefault();
      });
      var onChange = function () {
        var state = readForm();
        applyFilter(state);
        writeFragment(state);
      };
      form.addEventListener("input", onChange);
      form.addEventListener("change", onChange);
      form.addEventListener("reset", function () {
        window.setTimeout(onChange, 0);
      });
    }
    window.addEventListener("hashchange", loadState);
    loadState();
  }

  /* ---------- Table of contents ---------- */

  function setupToc() {
    var details = document.querySelector("[data-toc]");
    if (!details) return;
    if (window.matchMedia && window.matchMedia("(max-width: 960px)").matches) details.open = false;
    if (!("IntersectionObserver" in window)) return;
    var links = details.querySelectorAll("a[href*='#']");
    var byId = {};
    var targets = [];
    Array.prototype.forEach.call(links, function (a) {
      var id;
      try {
        id = decodeURIComponent(a.getAttribute("href").split("#")[1] || "");
      } catch (e) {
        return;
      }
      var target = id && document.getElementById(id);
      if (target) {
        byId[id] = a;
        targets.push(target);
      }
    });
    var current = null;
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          var link = byId[entry.target.id];
          if (!link || link === current) return;
          if (current) current.removeAttribute("aria-current");
          link.setAttribute("aria-current", "true");
          current = link;
        });
      },
      { rootMargin: "-10% 0px -75% 0px" }
    );
    targets.forEach(function (t) {
      observer.observe(t);
    });
  }

  setupThemeToggle();
  setupDocTable();
  setupToc();
})();
