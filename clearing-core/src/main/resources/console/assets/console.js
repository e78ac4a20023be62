// The console's own script, loaded from a hashed URL with its integrity hash (no inline script:
// the pages' Content-Security-Policy allows scripts from the engine only).
(function () {
  "use strict";
  // Every htmx request carries the session's CSRF token, as every form does in a hidden field.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
    }
  });
  // "Tick all" ticks every line of the table it heads; it lives in the swapped part, so listen on the document.
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (all && all.id === "tick-all") {
      var table = all.closest("table");
      table.querySelectorAll('input[type="checkbox"][name="line"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });
})();
