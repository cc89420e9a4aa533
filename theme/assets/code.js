// docportal: a copy button on every code block (<div class="code-block">).
//
// Copies the code's text only (never the line-number column). Uses the Clipboard API
// where the page may (https, localhost, file:) and a hidden selection otherwise.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  function flash(button, label) {
    button.textContent = label;
    button.classList.add("copied");
    clearTimeout(button._docportalTimer);
    button._docportalTimer = setTimeout(function () {
      button.textContent = "Copy";
      button.classList.remove("copied");
    }, 1500);
  }

  function addButton(block) {
    var code = block.querySelector("pre.hl > code");
    if (!code || block.querySelector(".copy-code")) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code to clipboard");
    button.addEventListener("click", function () {
      copy(code.textContent.replace(/\n$/, "")).then(
        function () {
          flash(button, "Copied");
        },
        function () {
          // Leave the code selected so the reader can copy it by hand.
          var selection = window.getSelection();
          if (selection) {
            selection.selectAllChildren(code);
          }
          flash(button, "Press Ctrl+C");
        }
      );
    });
    block.appendChild(button);
  }

  function start() {
    document.querySelectorAll(".code-block").forEach(addButton);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
