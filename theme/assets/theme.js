/* Applies the reader's saved light/dark choice before first paint. Loaded as a blocking
   script in <head> (an inline script would need a CSP exception); portal.js owns the
   toggle. No saved choice: the page follows prefers-color-scheme through CSS alone. */
(function () {
  try {
    var saved = window.localStorage.getItem("docportal-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) {
    /* Storage can be disabled (privacy modes, some file:// setups): follow the system. */
  }
})();
