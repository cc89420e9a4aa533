// docportal: renders the page's Mermaid diagrams in the browser, offline.
//
// Loaded after mermaid.min.js (mermaid 11.17.2 from npm, MIT, see LICENSE beside it) on
// pages that have a diagram. Each diagram arrives as <pre class="mermaid"> holding its
// escaped source, which is what a reader without JavaScript sees. Here the source is
// kept in data-source, rendered with the current theme (the page's data-theme on
// <html>, else prefers-color-scheme), and rendered again whenever either changes. A
// diagram Mermaid cannot parse shows Mermaid's message and its source, never a blank.
(function () {
  "use strict";
  var mermaid = window.mermaid;
  if (!mermaid) {
    return; // The library did not load: the source stays visible as text.
  }
  // Mermaid would otherwise render on window load by itself, with its own error box.
  mermaid.startOnLoad = false;
  mermaid.initialize({ startOnLoad: false });

  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var renderedTheme = null;
  var queue = Promise.resolve();
  var counter = 0;

  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "dark" || chosen === "light") {
      return chosen;
    }
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function diagrams() {
    return Array.prototype.slice.call(document.querySelectorAll("pre.mermaid"));
  }

  function showError(el, source, err) {
    var message = (err && (err.message || err.str)) || String(err);
    var box = document.createElement("div");
    box.className = "mermaid-error";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.className = "mermaid-error-message";
    text.textContent = "Mermaid could not render this diagram: " + message;
    var code = document.createElement("pre");
    code.className = "mermaid-error-source";
    code.textContent = source;
    box.appendChild(text);
    box.appendChild(code);
    el.replaceChildren(box);
    el.setAttribute("data-rendered", "error");
  }

  async function renderOne(el) {
    if (!el.hasAttribute("data-source")) {
      el.setAttribute("data-source", el.textContent);
    }
    var source = el.getAttribute("data-source");
    var id = "docportal-mermaid-" + counter++;
    try {
      var result = await mermaid.render(id, source);
      el.innerHTML = result.svg;
      if (typeof result.bindFunctions === "function") {
        result.bindFunctions(el);
      }
      el.setAttribute("data-rendered", "");
    } catch (err) {
      showError(el, source, err);
    } finally {
      // Mermaid renders in a scratch element that a failed render can leave behind.
      ["d" + id, id].forEach(function (scratch) {
        var left = document.getElementById(scratch);
        if (left && !el.contains(left)) {
          left.remove();
        }
      });
    }
  }

  async function renderAll() {
    var theme = currentTheme();
    if (theme === renderedTheme) {
      return;
    }
    renderedTheme = theme;
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: theme === "dark" ? "dark" : "default",
    });
    var list = diagrams();
    for (var i = 0; i < list.length; i++) {
      await renderOne(list[i]);
    }
  }

  // Renders run one after another, so a theme switch mid-render cannot interleave.
  function schedule() {
    queue = queue.then(renderAll, renderAll);
  }

  function start() {
    schedule();
    new MutationObserver(schedule).observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    if (darkQuery) {
      if (darkQuery.addEventListener) {
        darkQuery.addEventListener("change", schedule);
      } else if (darkQuery.addListener) {
        darkQuery.addListener(schedule);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
