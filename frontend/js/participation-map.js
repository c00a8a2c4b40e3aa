// Territoire — participation maps. Each element with data-map="<id>" gets a Leaflet map of
// the JSON in <script type="application/json" id="<id>">: {points: [{title, url, lat, lng}],
// communes: [{name, lat, lng}], tiles, attribution}. Without a tile URL the points are drawn
// on a plain background (commune centres in grey for orientation): nothing is fetched from
// outside. The same proposals are listed as links next to the map, for keyboards and screen
// readers; the map itself is an extra.
(function () {
  "use strict";

  var BRAND = "#1d3f6e";
  var GREY = "#767676";

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-map"));
    if (!source || typeof window.L === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.points || !data.points.length) {
      return;
    }
    var L = window.L;
    container.hidden = false;
    var map = L.map(container, {
      zoomControl: false,
      attributionControl: Boolean(data.tiles),
      scrollWheelZoom: false
    });
    L.control
      .zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" })
      .addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    if (data.tiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 19 }).addTo(map);
    }
    var communes = data.communes || [];
    // A few commune names stay written on the map (a commune's process); for the whole
    // territory they show on hover only, or the map would be unreadable.
    var labelled = communes.length <= 5;
    communes.forEach(function (commune) {
      L.circleMarker([commune.lat, commune.lng], {
        radius: 3,
        color: GREY,
        weight: 1,
        fillOpacity: 0.6,
        interactive: true
      })
        .bindTooltip(commune.name, {
          className: "map-commune",
          permanent: labelled,
          direction: "right"
        })
        .addTo(map);
    });
    var bounds = [];
    data.points.forEach(function (point) {
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.title;
      L.circleMarker([point.lat, point.lng], {
        radius: 7,
        color: "#ffffff",
        weight: 2,
        fillColor: BRAND,
        fillOpacity: 1
      })
        .bindPopup(link)
        .addTo(map);
      bounds.push([point.lat, point.lng]);
    });
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  }

  // A map on the proposal form: a click fills the latitude and longitude fields (which stay
  // the way to give a place without a pointer) and moves the marker; typed values show too.
  function picker(container) {
    var source = document.getElementById(container.getAttribute("data-map-picker"));
    var lat = document.getElementById("id_latitude");
    var lng = document.getElementById("id_longitude");
    if (!source || !lat || !lng || typeof window.L === "undefined") {
      return;
    }
    var L = window.L;
    var data = JSON.parse(source.textContent);
    container.hidden = false;
    var map = L.map(container, {
      zoomControl: false,
      attributionControl: Boolean(data.tiles),
      scrollWheelZoom: false
    });
    L.control
      .zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" })
      .addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    if (data.tiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(data.tiles, { attribution: data.attribution || "", maxZoom: 19 }).addTo(map);
    }
    (data.communes || []).forEach(function (commune) {
      L.circleMarker([commune.lat, commune.lng], { radius: 3, color: GREY, weight: 1 })
        .bindTooltip(commune.name, { className: "map-commune", direction: "right" })
        .addTo(map);
    });
    map.setView(data.centre, data.zoom || 13);
    var marker = null;
    function show() {
      var y = parseFloat(lat.value.replace(",", "."));
      var x = parseFloat(lng.value.replace(",", "."));
      if (isNaN(y) || isNaN(x)) {
        return;
      }
      if (marker) {
        marker.setLatLng([y, x]);
      } else {
        marker = L.circleMarker([y, x], {
          radius: 8,
          color: "#ffffff",
          weight: 2,
          fillColor: BRAND,
          fillOpacity: 1
        }).addTo(map);
      }
    }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(5);
      lng.value = event.latlng.lng.toFixed(5);
      show();
    });
    lat.addEventListener("change", show);
    lng.addEventListener("change", show);
    show();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), draw);
    Array.prototype.forEach.call(document.querySelectorAll("[data-map-picker]"), picker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
