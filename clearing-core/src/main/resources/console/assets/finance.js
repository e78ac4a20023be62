// The finance pages' charts (ECharts, from its WebJar). The data comes as JSON from the engine,
// never inline: the pages' Content-Security-Policy allows scripts from the engine only.
(function () {
  "use strict";
  function draw(element, data) {
    var chart = echarts.init(element, null, {renderer: "canvas"});
    if (element.getAttribute("data-chart") === "hourly") {
      chart.setOption({
        animation: false,
        tooltip: {trigger: "axis"},
        legend: {top: 0},
        grid: {left: 60, right: 16, top: 32, bottom: 28},
        xAxis: {type: "category", data: data.hours},
        yAxis: {type: "value"},
        series: data.hourly.map(function (s) {
          return {name: s.name, type: "bar", stack: "yuan", data: s.values.map(Number)};
        })
      });
    } else {
      chart.setOption({
        animation: false,
        tooltip: {trigger: "item"},
        series: [{type: "pie", radius: ["35%", "65%"],
          data: data.accounts.map(function (a) { return {name: a.name, value: Number(a.value)}; })}]
      });
    }
    element.setAttribute("data-drawn", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  // A chosen CSV file is read here and its text put in the form's field: the engine receives the
  // rows, never a file to store.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.getAttribute && input.getAttribute("data-fills")) {
      var target = document.getElementById(input.getAttribute("data-fills"));
      if (input.files && input.files[0]) {
        input.files[0].text().then(function (text) { target.value = text; });
      }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".chart[data-src]").forEach(function (element) {
      fetch(element.getAttribute("data-src"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) { draw(element, data); })
        .catch(function (error) { element.textContent = String(error); element.classList.add("error"); });
    });
  });
})();
