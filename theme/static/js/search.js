/* Residents' search on /search/: loads search.json once and matches every query term as a substring
   of an entry's title and text (Chinese needs no word segmentation for this). No network beyond
   this site, no dependencies. The query lives in ?q= so results can be shared and reloaded. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var LIMIT = 50;
  var index = null;

  function load() {
    if (index) return Promise.resolve(index);
    return fetch(form.getAttribute("data-index")).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (data) { index = data; return data; });
  }

  function matches(entry, terms) {
    var haystack = (entry.t + " " + entry.x + " " + entry.k).toLowerCase();
    return terms.every(function (term) { return haystack.indexOf(term) >= 0; });
  }

  function item(entry, base) {
    var li = document.createElement("li");
    var kind = document.createElement("span");
    kind.className = "tag";
    kind.textContent = entry.k;
    var link = document.createElement("a");
    link.href = base + entry.u.replace(/^\//, "");
    link.textContent = entry.t;
    var text = document.createElement("p");
    text.className = "meta";
    text.textContent = entry.x;
    li.appendChild(kind);
    li.appendChild(link);
    li.appendChild(text);
    return li;
  }

  function show(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!terms.length) { status.textContent = ""; return; }
    status.textContent = "正在搜索…";
    load().then(function (data) {
      var found = data.entries.filter(function (entry) { return matches(entry, terms); });
      found.slice(0, LIMIT).forEach(function (entry) { list.appendChild(item(entry, data.base)); });
      status.textContent = found.length ? "找到" + found.length + "条" + (found.length > LIMIT ? "，显示前" + LIMIT + "条" : "")
                                        : "没有找到“" + query + "”，换个词试试。";
    }).catch(function () {
      status.textContent = "搜索暂时不可用（可能没有网络），请按社区、岗位或活动浏览。";
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value.trim();
    history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    show(query);
  });
  var initial = new URLSearchParams(location.search).get("q") || "";
  if (initial) { input.value = initial; show(initial); }
})();
