// Territoire — live feed of the insights pages. Polls the JSON feed every 2 s (a few
// indexed queries; see docs/benchmarks.md) and adds new alerts to a polite live region,
// so they appear without reloading, within 5 s of the uplink that raised them.
(function () {
  "use strict";

  var PERIOD_MS = 2000;

  function start(section) {
    var url = section.getAttribute("data-live-url");
    var lastId = parseInt(section.getAttribute("data-last-id") || "0", 10);
    var list = section.querySelector("[data-live-alerts]");
    var reading = section.querySelector("[data-live-reading]");
    var active = section.querySelector("[data-live-active]");

    function tick() {
      if (document.hidden) {
        window.setTimeout(tick, PERIOD_MS);
        return;
      }
      var request = new XMLHttpRequest();
      request.open("GET", url + "?apres=" + lastId);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status === 200) {
          var data = JSON.parse(request.responseText);
          reading.textContent = data.newest_reading || "aucune";
          active.textContent = String(data.active);
          for (var i = data.alerts.length - 1; i >= 0; i -= 1) {
            var alert = data.alerts[i];
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = alert.url;
            link.textContent = "Nouvelle alerte : " + alert.title + " — " + alert.subject;
            item.appendChild(link);
            item.appendChild(document.createTextNode(" (" + alert.commune + ", " + alert.opened_at + ")"));
            list.insertBefore(item, list.firstChild);
          }
          lastId = data.last_id;
        }
        window.setTimeout(tick, PERIOD_MS);
      };
      request.onerror = function () {
        window.setTimeout(tick, PERIOD_MS * 3);
      };
      request.send();
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var sections = document.querySelectorAll("[data-live-url]");
    for (var i = 0; i < sections.length; i += 1) {
      start(sections[i]);
    }
  });
})();
