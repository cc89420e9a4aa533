// docportal serve: live reload client. Injected into pages only by `docportal serve`.
// The script URL carries the site build the page was served from (?build=N); the
// client long-polls `reload?since=...` next to this script (so it works under any
// site-url prefix), reloads when a newer site build exists (keeping the scroll
// position in sessionStorage), and shows build errors in an overlay built with
// textContent only.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var src = new URL(script.src, location.href);
  var servedSite = parseInt(src.searchParams.get("build") || "0", 10) || 0;
  var endpoint = new URL("reload", src);
  var scrollKey = "docportal-scroll:" + location.pathname;
  var overlayId = "docportal-error-overlay";

  try {
    var saved = sessionStorage.getItem(scrollKey);
    if (saved !== null) {
      sessionStorage.removeItem(scrollKey);
      var pos = JSON.parse(saved);
      var restore = function () { window.scrollTo(pos.x || 0, pos.y || 0); };
      if (document.readyState === "complete") restore();
      else window.addEventListener("load", restore);
    }
  } catch (e) { /* storage disabled: reload without keeping the position */ }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, JSON.stringify({ x: window.scrollX, y: window.scrollY }));
    } catch (e) { /* ignore */ }
    location.reload();
  }

  function hideOverlay() {
    var old = document.getElementById(overlayId);
    if (old) old.remove();
  }

  function showOverlay(errors) {
    hideOverlay();
    var box = document.createElement("div");
    box.id = overlayId;
    box.setAttribute("role", "alert");
    box.style.cssText =
      "position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:50vh;overflow:auto;z-index:2147483647;" +
      "background:#2b0d0d;color:#ffe9e9;border:2px solid #e5484d;border-radius:8px;padding:1rem 1.25rem;" +
      "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 8px 30px rgba(0,0,0,.4)";
    var head = document.createElement("div");
    head.style.cssText = "display:flex;justify-content:space-between;gap:1rem;font-weight:bold;margin-bottom:.5rem";
    var title = document.createElement("span");
    title.textContent = "docportal: the last build has " + errors.length + " error" + (errors.length === 1 ? "" : "s");
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Dismiss");
    close.style.cssText = "background:none;border:0;color:inherit;font-size:1.2rem;cursor:pointer";
    close.addEventListener("click", hideOverlay);
    head.appendChild(title);
    head.appendChild(close);
    box.appendChild(head);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.2rem";
    errors.forEach(function (err) {
      var item = document.createElement("li");
      var where = document.createElement("strong");
      where.textContent = (err.file || "") + (err.line ? ":" + err.line : "");
      item.appendChild(where);
      item.appendChild(document.createTextNode((where.textContent ? ": " : "") + (err.message || "")));
      list.appendChild(item);
    });
    box.appendChild(list);
    (document.body || document.documentElement).appendChild(box);
  }

  function apply(state) {
    if (state.site > servedSite) {
      reload();
      return false;
    }
    if (state.ok) hideOverlay();
    else showOverlay(state.errors || []);
    return true;
  }

  function poll(since, delay) {
    fetch(endpoint.href + "?since=" + since, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (apply(state)) poll(state.build, 0);
      })
      .catch(function () {
        // Server restarting or gone: back off, then ask for the current state.
        setTimeout(function () { poll(0, Math.min(delay * 2 || 500, 5000)); }, delay || 500);
      });
  }

  // since=0 answers at once with the current state: catches a build that finished
  // while this page loaded, and shows the overlay if the current build is broken.
  poll(0, 0);
})();
