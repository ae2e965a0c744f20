// The small map of the OGC API HTML pages: draws the GeoJSON of the page's data block
// (<script type="application/geo+json" id="ogc-data">) on a Leaflet map without a base
// layer (no outside requests), zoomed to the features.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("ogc-map");
    var data = document.getElementById("ogc-data");
    if (!el || !data || typeof L === "undefined") { return; }
    var doc = JSON.parse(data.textContent);
    var map = L.map(el, { attributionControl: false });
    var layer = L.geoJSON(doc, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 5, color: "#1a4f8b", weight: 2, fillOpacity: 0.6 });
      },
      style: function () { return { color: "#1a4f8b", weight: 2, fillOpacity: 0.15 }; },
      onEachFeature: function (f, l) {
        var name = (f.properties && f.properties.name) || String(f.id);
        l.bindTooltip(name);
      }
    }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) { map.fitBounds(b, { maxZoom: 15, padding: [10, 10] }); }
    else { map.setView([37.4, 122.1], 8); }
    el.setAttribute("data-features", String(doc.features.length));
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); }
  else { draw(); }
})();
