// The tax console's script, a static asset (no inline script under the pages' Content-Security-Policy):
// a chosen CSV file is read into the form's text field, and the report page draws its chart.
(function () {
  "use strict";
  // The file is read here and posted as text with the form and its CSRF token; the engine bounds
  // the body and checks every row, so this check of the size only spares a useless post.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.id !== "csv-file" || !input.files || input.files.length !== 1) {
      return;
    }
    var file = input.files[0];
    var target = document.getElementById(input.getAttribute("data-target"));
    if (file.size > Number(input.getAttribute("data-size-max"))) {
      target.value = "";
      input.setCustomValidity("too large");
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    var reader = new FileReader();
    reader.onload = function () {
      target.value = String(reader.result);
    };
    reader.readAsText(file, "UTF-8");
  });

  function yuan(fen) {
    return (fen / 100).toFixed(2);
  }

  function drawChart() {
    var node = document.getElementById("collections-chart");
    if (!node || typeof echarts === "undefined") {
      return;
    }
    fetch(node.getAttribute("data-source"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.json(); })
      .then(function (data) {
        var names = data.kinds.map(function (k) { return k.name; });
        var chart = echarts.init(node, null, { renderer: "svg" });
        chart.setOption({
          animation: false,
          tooltip: { trigger: "axis" },
          legend: { data: [node.getAttribute("data-day-label"), node.getAttribute("data-month-label")] },
          xAxis: { type: "category", data: names },
          yAxis: { type: "value", name: "¥" },
          series: [
            { name: node.getAttribute("data-day-label"), type: "bar",
              data: data.kinds.map(function (k) { return yuan(k.day_fen); }) },
            { name: node.getAttribute("data-month-label"), type: "bar",
              data: data.kinds.map(function (k) { return yuan(k.month_fen); }) }
          ]
        });
        document.getElementById("collections-totals").textContent =
          data.date + ": " + yuan(data.day_fen) + " · " + data.month + ": " + yuan(data.month_fen);
        node.setAttribute("data-drawn", String(data.kinds.length));
        window.addEventListener("resize", function () { chart.resize(); });
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawChart);
  } else {
    drawChart();
  }
})();
