// partyapp: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";
  // Buttons that need JavaScript start `hidden`; show those this browser can work.
  function revealCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy-target][hidden]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", revealCopyButtons);
  document.addEventListener("htmx:load", revealCopyButtons);
  // "复制通知" buttons: copy the text of the element named by data-copy-target.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) return;
    event.preventDefault();
    navigator.clipboard.writeText(source.innerText || source.value).then(function () {
      button.textContent = "已复制";
    });
  });
})();
