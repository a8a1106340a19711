/* The report form, one step at a time. Without this script the page is one long form that works. */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) return;
  var text = JSON.parse(document.getElementById("citizen-text").textContent);
  var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var stepper = document.querySelector("[data-stepper]");
  var stepperItems = stepper ? Array.prototype.slice.call(stepper.querySelectorAll("li")) : [];
  var latInput = document.getElementById("id_lat");
  var lonInput = document.getElementById("id_lon");
  var current = 1;
  var reached = 1;
  var map = null;
  var marker = null;

  form.classList.add("stepped");
  if (stepper) stepper.hidden = false;

  function $(selector, root) { return (root || form).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || form).querySelectorAll(selector)); }
  function checked(name) { return $('input[name="' + name + '"]:checked'); }

  // ------------------------------------------------------------------ steps

  function clientError(step, message) {
    var section = steps[step - 1];
    var box = $(".client-error", section);
    if (!box) {
      box = document.createElement("p");
      box.className = "client-error";
      box.setAttribute("role", "alert");
      var nav = $(".step-nav", section);
      section.insertBefore(box, nav);
    }
    box.textContent = message || "";
    box.hidden = !message;
    markStep(step, !!message || (section.classList.contains("has-error") && !section.dataset.cleared));
  }

  // The step bar shows which steps need attention (the server's errors, then the browser's own checks).
  function markStep(step, bad) {
    var item = stepperItems[step - 1];
    if (!item) return;
    item.classList.toggle("has-error", bad);
    var note = item.querySelector(".step-error-note");
    if (bad && !note) {
      note = document.createElement("span");
      note.className = "visually-hidden step-error-note";
      note.textContent = " " + text.needsAttention;
      item.appendChild(note);
    } else if (!bad && note) {
      note.remove();
    }
  }

  function show(step, focus) {
    current = Math.max(1, Math.min(steps.length, step));
    reached = Math.max(reached, current);
    steps.forEach(function (section, i) {
      section.classList.toggle("is-current", i + 1 === current);
    });
    stepperItems.forEach(function (item, i) {
      item.classList.toggle("is-current", i + 1 === current);
      item.classList.toggle("is-done", i + 1 < current || (i + 1 <= reached && i + 1 !== current));
      item.classList.toggle("is-reachable", i + 1 <= reached);
    });
    if (current === 3) initMap();
    if (focus !== false) {
      var heading = $("h2", steps[current - 1]);
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
      var top = (stepper || form).getBoundingClientRect().top + window.pageYOffset - 12;
      if (window.pageYOffset > top) window.scrollTo(0, top);
    }
  }

  function validate(step) {
    var message = "";
    if (step === 1 && !checked("main_type")) message = text.chooseType;
    if (step === 2 && !checked("category")) message = text.chooseSub;
    if (step === 3 && !(latInput.value && lonInput.value)) message = text.putPin;
    if (step === 4) {
      var description = $("#id_description").value.trim();
      var sub = checked("category");
      var photos = $("#id_photos").files.length + $all(".photo-list.kept li").length;
      if (description.length < 10) message = text.describe;
      else if (photoProblems().length) message = photoProblems().join(" ");
      else if (sub && sub.getAttribute("data-photo") === "1" && photos === 0) message = text.photoNeeded;
      if (!message) steps[3].dataset.cleared = "1";
    }
    if (!message && step !== 4) steps[step - 1].dataset.cleared = "1";
    clientError(step, message);
    return !message;
  }

  $all("[data-next]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (validate(current)) show(current + 1);
    });
  });
  $all("[data-back]").forEach(function (button) {
    button.addEventListener("click", function () { show(current - 1); });
  });
  stepperItems.forEach(function (item, i) {
    item.addEventListener("click", function () {
      if (i + 1 <= reached) show(i + 1);
    });
  });

  // ------------------------------------------------------------------ type → sub-type

  function filterSubtypes() {
    var main = checked("main_type");
    var mainId = main ? main.value : null;
    $all(".subtype-group").forEach(function (group) {
      group.hidden = mainId !== null && group.getAttribute("data-main") !== mainId;
    });
    var sub = checked("category");
    if (sub && mainId !== null && sub.getAttribute("data-main") !== mainId) sub.checked = false;
    updateAnonymous();
  }

  function updateAnonymous() {
    var sub = checked("category");
    var box = $("[data-anonymous-box]");
    var allowed = !!sub && sub.getAttribute("data-anonymous") === "1";
    box.hidden = !allowed;
    var anonymous = $("#id_is_anonymous");
    if (!allowed && anonymous.checked) $("#id_is_anonymous_no").checked = true;
    $("[data-contact-fields]").hidden = allowed && anonymous.checked;
  }

  $all('input[name="main_type"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      filterSubtypes();
      clientError(1, "");
      show(2);
    });
  });
  $all('input[name="category"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      updateAnonymous();
      clientError(2, "");
      show(3);
    });
  });
  $all('input[name="is_anonymous"]').forEach(function (radio) { radio.addEventListener("change", updateAnonymous); });

  // ------------------------------------------------------------------ map

  var mapStatus = $("[data-map-status]");

  function setPin(lat, lon, message) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (map) {
      if (!marker) {
        marker = L.marker([lat, lon], {
          draggable: true,
          keyboard: true,
          icon: L.divIcon({ className: "map-pin", html: "<span></span>", iconSize: [30, 42], iconAnchor: [15, 37] })
        }).addTo(map);
        marker.on("dragend", function () {
          var point = marker.getLatLng();
          setPin(point.lat, point.lng, text.pinned);
        });
      } else {
        marker.setLatLng([lat, lon]);
      }
    }
    mapStatus.textContent = message || text.pinned;
    clientError(3, "");
  }

  function initMap() {
    if (map) {
      map.invalidateSize();
      return;
    }
    var element = document.getElementById("report-map");
    if (!element || typeof L === "undefined") return;
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    var hasPin = !isNaN(lat) && !isNaN(lon);
    var centre = hasPin ? [lat, lon] : [parseFloat(element.getAttribute("data-center-lat")), parseFloat(element.getAttribute("data-center-lon"))];
    map = L.map(element, { center: centre, zoom: hasPin ? 16 : 13, zoomControl: false });
    // Leaflet's own tooltips are English: the page's language instead.
    L.control.zoom({ zoomInTitle: text.zoomIn, zoomOutTitle: text.zoomOut }).addTo(map);
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap"
    }).addTo(map);
    map.on("click", function (event) { setPin(event.latlng.lat, event.latlng.lng); });
    // Without a mouse: the arrow keys move the map (Leaflet), Enter or Space puts the pin in its centre.
    map.getContainer().addEventListener("keydown", function (event) {
      if (event.target !== map.getContainer() || (event.key !== "Enter" && event.key !== " ")) return;
      event.preventDefault();
      var point = map.getCenter();
      setPin(point.lat, point.lng, text.pinnedCentre);
    });
    if (hasPin) setPin(lat, lon, " ");
    window.balaghReportMap = map;
  }

  var locate = $("[data-locate]");
  if (locate) {
    if (!("geolocation" in navigator)) locate.hidden = true;
    locate.addEventListener("click", function () {
      mapStatus.textContent = text.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          initMap();
          var lat = position.coords.latitude, lon = position.coords.longitude;
          if (map) map.setView([lat, lon], 17);
          setPin(lat, lon, text.located);
        },
        function () { mapStatus.textContent = text.noLocation; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // ------------------------------------------------------------------ description and photos

  var description = $("#id_description");
  var counter = $("[data-count]");
  function count() { counter.textContent = description.value.length; }
  description.addEventListener("input", count);
  count();

  var photoInput = $("#id_photos");
  var previews = $("[data-previews]");
  var warning = $("[data-photo-warning]");
  var maxPhotos = parseInt(form.getAttribute("data-max-photos"), 10);
  var maxBytes = parseInt(form.getAttribute("data-max-photo-mb"), 10) * 1024 * 1024;
  function keptPhotos() {
    return $all(".photo-list.kept li").length - $all('input[name="remove_photos"]:checked').length;
  }
  // What is wrong with the current selection: recomputed whenever it changes.
  function photoProblems() {
    var messages = [];
    Array.prototype.forEach.call(photoInput.files, function (file) {
      if (file.size > maxBytes) messages.push(file.name + ": " + text.tooBig);
    });
    return messages;
  }
  function showPhotoProblems(extra) {
    var messages = (extra ? [extra] : []).concat(photoProblems());
    warning.textContent = messages.join(" ");
    warning.hidden = !messages.length;
    if (!messages.length) clientError(4, "");
  }
  $all('input[name="remove_photos"]').forEach(function (box) {
    box.addEventListener("change", function () { showPhotoProblems(""); });
  });
  photoInput.addEventListener("change", function () {
    previews.innerHTML = "";
    if (keptPhotos() + photoInput.files.length > maxPhotos) {
      // Refused here, before anything is sent: the citizen chooses again.
      photoInput.value = "";
      showPhotoProblems(text.tooMany);
      return;
    }
    Array.prototype.forEach.call(photoInput.files, function (file) {
      var item = document.createElement("li");
      if (file.type.indexOf("image/") === 0) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        item.appendChild(img);
      }
      if (file.size > maxBytes) item.className = "is-bad";
      previews.appendChild(item);
    });
    showPhotoProblems("");
  });

  form.addEventListener("submit", function () {
    var button = $('button[name="review"]');
    window.setTimeout(function () { button.disabled = true; }, 0);
  });

  // ------------------------------------------------------------------ start

  filterSubtypes();
  var hasValues = !!checked("main_type") || !!checked("category");
  if (hasValues) reached = steps.length;
  var firstError = steps.filter(function (section) { return section.classList.contains("has-error"); })[0];
  steps.forEach(function (section, i) { if (section.classList.contains("has-error")) markStep(i + 1, true); });
  var start = firstError ? steps.indexOf(firstError) + 1 : 1;
  if (firstError) reached = steps.length;
  show(start, !!firstError);
})();
