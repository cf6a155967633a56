// The interactive premises map (场所分布), loaded only when a tile server is
// configured. Data come from data-* attributes of #premises-leaflet (the CSP
// forbids inline script); every text is set with textContent, never as HTML.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("premises-leaflet");
  if (!el || !window.L) {
    return;
  }
  var points = JSON.parse(el.getAttribute("data-points") || "[]");
  var colours = { broker: "#1d5fa8", rental: "#d9822b", other: "#5b8c2a" };
  var map = L.map(el, { preferCanvas: true });
  var tiles = L.tileLayer(el.getAttribute("data-tiles"), { maxZoom: 19 });
  var attribution = el.getAttribute("data-attribution");
  if (attribution) {
    // Leaflet renders attributions as HTML: escape the parameter's text.
    var span = document.createElement("span");
    span.textContent = attribution;
    tiles.options.attribution = span.innerHTML;
  }
  map.attributionControl.setPrefix(false);
  tiles.addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    // [lat, lng, type, agency ID, label, link, cancelled]
    var colour = colours[p[2]] || "#555";
    var m = L.circleMarker([p[0], p[1]], {
      radius: 6, weight: p[6] ? 2 : 1, color: p[6] ? "#6b7280" : "#fff",
      fillColor: p[6] ? "#fff" : colour, fillOpacity: 0.9
    });
    var tip = document.createElement("span");
    tip.textContent = p[4];
    m.bindTooltip(tip);
    m.on("click", function () {
      window.location.href = p[5];
    });
    m.addTo(map);
    bounds.push([p[0], p[1]]);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  }
});
