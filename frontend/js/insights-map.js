// Territoire — insights map. Points on a plain background; a tile layer only when a tile
// URL is configured (off by default: no network at run time). The same points are listed
// in a table after the map, so the map itself is decorative for assistive technologies.
(function () {
  "use strict";

  var COLOURS = { ok: "#18753c", silent: "#767676", alert: "#b0141c", building: "#1d3f6e" };

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.querySelector("[data-map]");
    if (!container || typeof window.L === "undefined") {
      return;
    }
    var config = JSON.parse(document.getElementById(container.getAttribute("data-map")).textContent);
    var map = window.L.map(container, { attributionControl: Boolean(config.tiles) });
    if (config.tiles) {
      window.L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    var bounds = [];
    config.points.forEach(function (p) {
      var marker = window.L.circleMarker([p.lat, p.lon], {
        radius: p.state === "building" ? 9 : 7,
        color: "#1b1b1f",
        weight: 2,
        fillColor: COLOURS[p.state] || "#767676",
        fillOpacity: 0.9
      });
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.name;
      var box = document.createElement("div");
      box.appendChild(link);
      box.appendChild(document.createTextNode(" — " + p.commune + " — " + p.label));
      marker.bindPopup(box);
      marker.addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
    } else {
      map.setView([50.29, 2.78], 12);
    }
  });
})();
