/* Balagh staff pages: make the Leaflet maps written by {% staff_map %} (no inline script, for the CSP),
   then hand each map to its page's callback (window[data-callback]). */
(function () {
  "use strict";
  function init() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-staff-map]").forEach(function (element) {
      if (element._balaghMap) { return; }
      var map = L.map(element, {
        center: [parseFloat(element.getAttribute("data-center-lat")), parseFloat(element.getAttribute("data-center-lon"))],
        zoom: parseInt(element.getAttribute("data-zoom"), 10) || 13,
        zoomControl: false
      });
      L.control.zoom({
        zoomInTitle: element.getAttribute("data-zoom-in") || "+",
        zoomOutTitle: element.getAttribute("data-zoom-out") || "−"
      }).addTo(map);
      L.tileLayer(element.getAttribute("data-tiles"), { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
      element._balaghMap = map;
      var callback = window[element.getAttribute("data-callback")];
      if (typeof callback === "function") { callback(map); }
    });
  }
  window.addEventListener("load", init);
})();
