// Door mode: filter the list as the recorder types (name or pinyin initials, e.g. "zxy").
// Without JavaScript the same search is a GET form answered by the server.
(function () {
  "use strict";

  function normalise(text) { return (text || "").toLowerCase().replace(/\s+/g, ""); }

  function matches(search, query) {
    if (!query) return true;
    return search.split(" ").some(function (part) {
      return part.indexOf(query) === 0 || part.indexOf(query) !== -1;
    });
  }

  function filterRows() {
    var input = document.querySelector("[data-door-search]");
    var query = normalise(input && input.value);
    var shown = 0;
    document.querySelectorAll("[data-door-list] > li[data-search]").forEach(function (row) {
      var hit = matches(row.getAttribute("data-search"), query);
      row.hidden = !hit;
      if (hit) shown++;
    });
    var none = document.querySelector("[data-door-none]");
    if (none) none.hidden = shown > 0;
  }

  function search() {
    var input = document.querySelector("[data-door-search]");
    if (!input) return;
    input.addEventListener("input", filterRows);
    input.form.addEventListener("submit", function (event) { event.preventDefault(); filterRows(); });
    // A swapped row keeps the filter (htmx replaces it after a tap).
    document.body.addEventListener("htmx:afterSwap", filterRows);
  }

  window.partyappDoor = { filterRows: filterRows };

  function init() { search(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
