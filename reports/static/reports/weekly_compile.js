// "Compile this week now": follow the worker's progress (reports.progress) until the report is ready.
(function () {
  "use strict";
  var box = document.getElementById("rp-compile-progress");
  if (!box) return;
  var bar = box.querySelector("progress");
  var label = document.getElementById("rp-compile-label");
  var link = box.querySelector(".rp-progress-link");
  var button = document.querySelector(".rp-compile-form button");

  function show(data) {
    box.dataset.state = data.state;
    if (data.state === "none") return;
    box.hidden = false;
    bar.value = data.percent;
    label.textContent = data.label;
    var busy = data.state === "queued" || data.state === "compiling";
    if (button) button.disabled = busy;
    if (data.state === "done" && data.url) {
      link.href = data.url;
      link.hidden = false;
    }
    if (busy) window.setTimeout(poll, 1500);
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  var state = box.dataset.state;
  if (state === "queued" || state === "compiling") window.setTimeout(poll, 1000);
})();
