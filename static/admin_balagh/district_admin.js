/* Balagh admin: draw a district's GeoJSON boundary (and its neighbours) on a small map. */
(function () {
  "use strict";
  window.balaghDistrictMap = function (map) {
    var others = [];
    try { others = JSON.parse(document.getElementById("other-districts").textContent); } catch (e) { others = []; }
    var bounds = null;
    others.forEach(function (d) {
      var layer = L.geoJSON(d.polygon, { style: { color: "#777", weight: 1, fillOpacity: 0.05 } }).bindTooltip(d.name).addTo(map);
      bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
    });
    var area = document.getElementById("id_polygon");
    var current = null;
    function draw() {
      if (current) { map.removeLayer(current); current = null; }
      var geometry;
      try { geometry = JSON.parse(area.value); } catch (e) { area.classList.add("balagh-invalid"); return; }
      area.classList.remove("balagh-invalid");
      try {
        current = L.geoJSON(geometry, { style: { color: "#1565c0", weight: 2, fillOpacity: 0.2 } }).addTo(map);
        map.fitBounds(current.getBounds(), { maxZoom: 16 });
      } catch (e) { area.classList.add("balagh-invalid"); }
    }
    if (area) {
      area.addEventListener("input", draw);
      draw();
    }
    if (!current && bounds) { map.fitBounds(bounds); }
  };
})();
