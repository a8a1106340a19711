/* Hotspot circles on the committee's map; data comes from a json_script element. */
window.rpHotspots = function (map) {
  var node = document.getElementById("rp-hotspots");
  if (!node || !window.L) { return; }
  var cells = JSON.parse(node.textContent || "[]");
  var max = 1, points = [];
  cells.forEach(function (c) { if (c.count > max) { max = c.count; } });
  cells.forEach(function (c) {
    var radius = 5 + 20 * Math.sqrt(c.count / max);
    L.circleMarker([c.lat, c.lon], {radius: radius, color: "#b3261e", weight: 1, fillColor: "#d9534f", fillOpacity: 0.45})
      .bindTooltip(String(c.count) + " / " + String(c.open))
      .addTo(map);
    points.push([c.lat, c.lon]);
  });
  if (points.length) { map.fitBounds(points, {padding: [24, 24], maxZoom: 15}); }
};
