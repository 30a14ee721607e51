/* Instant filtering of a page of the service-post catalogue. Without JavaScript the chips are plain links to
   /posts/category/<CODE>/ and /posts/community/<id>/; with it, a chip filters in place what the page holds
   completely: on a community's page (data-complete="community") the category chips narrow its posts, on a
   category's page (data-complete="category") the community chips do; other chips stay links. The search
   box narrows the list further. No network, no dependencies. */
(function () {
  "use strict";
  var box = document.querySelector("[data-post-filter]");
  var list = document.querySelector("[data-filter-items]");
  if (!box || !list) return;
  var items = Array.prototype.slice.call(list.children);
  var counter = box.querySelector("[data-filter-count]");
  var search = box.querySelector("[data-filter-search]");
  var complete = box.getAttribute("data-complete") || "";
  // The chips that filter in place: the other dimension than the one this page is made of.
  var inPlace = complete === "community" ? "data-filter-category" : complete === "category" ? "data-filter-community" : "";
  var state = { category: "", community: "", text: "" };

  function matches(item) {
    if (state.category && item.getAttribute("data-category") !== state.category) return false;
    if (state.community && item.getAttribute("data-community") !== state.community) return false;
    if (state.text && (item.getAttribute("data-text") || "").indexOf(state.text) < 0) return false;
    return true;
  }

  function markChips() {
    if (!inPlace) return;
    var value = inPlace === "data-filter-category" ? state.category : state.community;
    Array.prototype.forEach.call(box.querySelectorAll("[" + inPlace + "]"), function (chip) {
      var chipValue = chip.getAttribute(inPlace);
      if (chipValue === "" && inPlace === "data-filter-category") {
        // "全部" names the whole catalogue; on a community's page it means "every category here".
        if (value === "") chip.setAttribute("aria-current", "true"); else chip.removeAttribute("aria-current");
        return;
      }
      if (chipValue === value && value !== "") chip.setAttribute("aria-current", "true");
      else chip.removeAttribute("aria-current");
    });
  }

  function apply() {
    var shown = 0;
    items.forEach(function (item) {
      var ok = matches(item);
      item.hidden = !ok;
      if (ok) shown += 1;
    });
    markChips();
    if (counter) counter.textContent = "共" + shown + "个岗位";
  }

  box.addEventListener("click", function (event) {
    if (!inPlace) return;
    var chip = event.target.closest("a[" + inPlace + "]");
    if (!chip || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    var value = chip.getAttribute(inPlace);
    if (inPlace === "data-filter-category") state.category = state.category === value ? "" : value;
    else state.community = state.community === value ? "" : value;
    apply();
  });

  if (search) {
    box.querySelector("[data-filter-search-row]").hidden = false;
    search.addEventListener("input", function () {
      state.text = search.value.trim();
      apply();
    });
  }
  apply();
})();
