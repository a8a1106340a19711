/* Small helpers shared by the citizen pages: copy the tracking number. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy"));
      var value = target.tagName === "INPUT" ? target.value : target.textContent.trim();
      var done = function () {
        var original = button.getAttribute("data-label") || button.textContent;
        button.setAttribute("data-label", original);
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = original; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(done, function () { selectText(target); });
      } else {
        selectText(target);
        try { document.execCommand("copy"); done(); } catch (e) { /* selected: the citizen copies by hand */ }
      }
    });
  });
  function selectText(element) {
    if (element.tagName === "INPUT") { element.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
})();
