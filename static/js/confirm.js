/* Confirm page: a small map of the pin, and one click sends once. */
(function () {
  "use strict";
  var element = document.getElementById("confirm-map");
  if (element && typeof L !== "undefined") {
    var point = [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lon"))];
    var map = L.map(element, {
      center: point, zoom: 16, dragging: false, scrollWheelZoom: false, doubleClickZoom: false,
      boxZoom: false, keyboard: false, touchZoom: false, zoomControl: false
    });
    L.tileLayer(element.getAttribute("data-tiles"), { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
    L.marker(point, {
      icon: L.divIcon({ className: "map-pin", html: "<span></span>", iconSize: [30, 42], iconAnchor: [15, 37] })
    }).addTo(map);
  }
  var form = document.querySelector("[data-confirm-form]");
  if (form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      }, 0);
    });
  }
})();
