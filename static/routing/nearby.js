/* Balagh: show open reports of the same sub-type near the pin before the citizen submits.
   Works with any form that has a checked input[name=category] and inputs named lat and lon. */
(function () {
  "use strict";
  var box = document.querySelector("[data-nearby]");
  if (!box || !window.fetch) { return; }
  var form = box.closest("form") || document;
  var list = box.querySelector("[data-nearby-list]");
  var last = "";
  var timer = null;

  function value(name) {
    var el = form.querySelector("input[name=" + name + "]:checked") || form.querySelector("input[name=" + name + "]");
    return el ? (el.value || "").trim() : "";
  }

  function render(results) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    results.forEach(function (item) {
      var li = document.createElement("li");
      var head = document.createElement("strong");
      head.textContent = item.category + " · " + item.status_label;
      var dist = document.createElement("span");
      dist.className = "muted";
      dist.textContent = " — " + box.getAttribute("data-text-meters").replace("{m}", item.distance_m);
      var age = document.createElement("p");
      age.className = "muted";
      age.textContent = box.getAttribute("data-text-age").replace("{d}", item.age_days);
      var link = document.createElement("a");
      link.className = "btn btn-secondary";
      link.href = item.follow_url;
      link.textContent = box.getAttribute("data-text-follow");
      li.appendChild(head); li.appendChild(dist); li.appendChild(age); li.appendChild(link);
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }

  function check() {
    var category = value("category"), lat = value("lat"), lon = value("lon");
    var key = category + "|" + lat + "|" + lon;
    if (key === last) { return; }
    last = key;
    if (!category || !lat || !lon) { render([]); return; }
    var url = box.getAttribute("data-url") + "?" + new URLSearchParams({ category: category, lat: lat, lon: lon });
    // The page's language, not the browser's: the API negotiates by Accept-Language.
    fetch(url, { headers: { "Accept": "application/json", "Accept-Language": document.documentElement.lang || "ar" }, credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { if (key === last) { render(data.results || []); } })
      .catch(function () { render([]); });
  }

  function soon() { clearTimeout(timer); timer = setTimeout(check, 300); }
  form.addEventListener("change", soon);
  form.addEventListener("input", soon);
  // The map sets lat/lon from script without events: look again now and then.
  setInterval(check, 1500);
  check();
})();
