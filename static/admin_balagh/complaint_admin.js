/* Balagh admin: the report's map, and the pin picker on the "file a report" page. */
(function () {
  "use strict";

  function readPoint() {
    var node = document.getElementById("complaint-point");
    return node ? JSON.parse(node.textContent) : null;
  }

  // Change page: one pin where the citizen put it.
  window.balaghComplaintMap = function (map) {
    var point = readPoint();
    if (!point) { return; }
    var latlng = [point.lat, point.lon];
    L.marker(latlng, { title: point.label }).addTo(map).bindPopup(point.label);
    map.setView(latlng, 16);
  };

  // Add page: click to put the pin; typing coordinates moves it.
  window.balaghPickerMap = function (map) {
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    if (!lat || !lon) { return; }
    var marker = null;

    function place(latlng, pan) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
      if (pan) { map.setView(latlng, Math.max(map.getZoom(), 15)); }
    }
    function fromInputs() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (!isNaN(a) && !isNaN(b)) { place([a, b], true); }
    }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      place(event.latlng, false);
    });
    lat.addEventListener("change", fromInputs);
    lon.addEventListener("change", fromInputs);
    fromInputs();
  };

  // Move the picker next to the location fields (before Leaflet draws it on "load").
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("report-picker-holder");
    var fieldset = document.querySelector("fieldset.balagh-location");
    if (holder && fieldset) {
      fieldset.appendChild(holder);
    }
    if (holder) { holder.hidden = false; }
  });
})();
