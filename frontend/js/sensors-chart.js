// Territoire — sensor charts. Each element with data-chart="<id>" gets a Chart.js chart of
// the JSON in <script type="application/json" id="<id>"> (labels, values, label, unit,
// type). The same numbers are in a table on the page: without JavaScript, or for a screen
// reader, the table is the chart, so the canvas is described as an image pointing to it.
(function () {
  "use strict";

  var BRAND = "#1d3f6e"; // 10:1 on white: the line and bars stand out (WCAG 1.4.11)
  var GRID = "#767676";

  function formatter(unit) {
    var number = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });
    return function (value) {
      return number.format(value) + (unit ? "\u00a0" + unit : "");
    };
  }

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.values || !data.values.length) {
      return;
    }
    var format = formatter(data.unit);
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      "Graphique : " + data.label + ". Les valeurs sont dans le tableau qui suit le graphique."
    );
    container.appendChild(canvas);
    container.hidden = false;
    var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: data.type === "bar" ? "bar" : "line",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.label,
            data: data.values,
            borderColor: BRAND,
            backgroundColor: data.type === "bar" ? BRAND : "rgba(29, 63, 110, 0.12)",
            borderWidth: 2,
            pointRadius: data.values.length > 60 ? 0 : 3,
            fill: data.type !== "bar",
            tension: 0
          }
        ]
      },
      options: {
        locale: "fr-FR",
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (context) {
                return format(context.parsed.y);
              }
            }
          }
        },
        scales: {
          x: { ticks: { color: "#1b1b1f", autoSkip: true, maxRotation: 0 }, grid: { display: false } },
          y: {
            beginAtZero: data.type === "bar",
            ticks: { color: "#1b1b1f", callback: format },
            grid: { color: GRID, lineWidth: 0.5 }
          }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var containers = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < containers.length; i += 1) {
      draw(containers[i]);
    }
  });
})();
