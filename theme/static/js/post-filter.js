/* Instant filtering of the service-post catalogue. Without JavaScript the chips are plain links to
   /posts/category/<CODE>/ and /posts/community/<id>/; with it, a click filters the list in place and
   the search box narrows any list further. No network, no dependencies. */
(function () {
  "use strict";
  var box = document.querySelector("[data-post-filter]");
  var list = document.querySelector("[data-filter-items]");
  if (!box || !list) return;
  var items = Array.prototype.slice.call(list.children);
  var counter = box.querySelector("[data-filter-count]");
  var search = box.querySelector("[data-filter-search]");
  var state = { category: "", community: "", text: "" };

  function initialState() {
    var current = box.querySelectorAll("[aria-current=page]");
    Array.prototype.forEach.call(current, function (chip) {
      if (chip.hasAttribute("data-filter-category")) state.category = chip.getAttribute("data-filter-category");
      if (chip.hasAttribute("data-filter-community")) state.community = chip.getAttribute("data-filter-community");
    });
  }

  function matches(item) {
    if (state.category && item.getAttribute("data-category") !== state.category) return false;
    if (state.community && item.getAttribute("data-community") !== state.community) return false;
    if (state.text && (item.getAttribute("data-text") || "").indexOf(state.text) < 0) return false;
    return true;
  }

  function markChips(attribute, value) {
    Array.prototype.forEach.call(box.querySelectorAll("[" + attribute + "]"), function (chip) {
      var on = chip.getAttribute(attribute) === value && (value !== "" || attribute === "data-filter-category");
      if (on) chip.setAttribute("aria-current", "page"); else chip.removeAttribute("aria-current");
    });
  }

  function apply() {
    var shown = 0;
    items.forEach(function (item) {
      var ok = matches(item);
      item.hidden = !ok;
      if (ok) shown += 1;
    });
    markChips("data-filter-category", state.category);
    markChips("data-filter-community", state.community);
    if (counter) counter.textContent = "共" + shown + "个岗位";
  }

  box.addEventListener("click", function (event) {
    var chip = event.target.closest("a[data-filter-category], a[data-filter-community]");
    // Only the complete catalogue holds every post; on a filtered page the chips stay plain links.
    if (!box.hasAttribute("data-complete")) return;
    if (!chip || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (chip.hasAttribute("data-filter-category")) {
      var category = chip.getAttribute("data-filter-category");
      state.category = state.category === category ? "" : category;
      if (category === "") state.community = "";
    } else {
      var community = chip.getAttribute("data-filter-community");
      state.community = state.community === community ? "" : community;
    }
    apply();
  });

  if (search) {
    box.querySelector("[data-filter-search-row]").hidden = false;
    search.addEventListener("input", function () {
      state.text = search.value.trim();
      apply();
    });
  }
  initialState();
  apply();
})();
