// The channel configuration page's script, a static asset (no inline script under the pages'
// Content-Security-Policy): a chosen certificate, key or .pfx file is read into the form's text
// field — PEM files as text, a .pfx as base64, as the configuration API takes them — and posted
// with the form and its CSRF token. The engine bounds the body and checks every field; the size
// check here only spares a useless post.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.classList || !input.classList.contains("pem-file") || !input.files || input.files.length !== 1) {
      return;
    }
    var file = input.files[0];
    var target = document.getElementById(input.getAttribute("data-target"));
    if (!target) {
      return;
    }
    if (file.size > Number(input.getAttribute("data-size-max"))) {
      target.value = "";
      input.setCustomValidity("too large");
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    var reader = new FileReader();
    if (input.getAttribute("data-read") === "base64") {
      reader.onload = function () {
        var url = String(reader.result);
        target.value = url.substring(url.indexOf(",") + 1);
      };
      reader.readAsDataURL(file);
    } else {
      reader.onload = function () {
        target.value = String(reader.result);
      };
      reader.readAsText(file, "UTF-8");
    }
  });
})();
