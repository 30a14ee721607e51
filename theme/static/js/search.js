/* Residents' search on /search/ (docs/design.md, "Search"). The index comes in pieces written by
   site_builder/search.py: a small manifest (search/index.json, precached), index shards and result
   fragments whose names carry a hash of their bytes (the service worker keeps those it has fetched, so a
   search works offline with the pieces the phone already has). No segmenter and no dictionary: the query
   is split into CJK character pairs (a single character alone), Latin/digit words and codes, exactly as
   the builder split the text (queryTerms below mirrors search.py), and an entry matches when it holds
   every term. Non-story entries come first, then stories newest first. The query lives in ?q=. */
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var more = document.querySelector("[data-search-more]");
  var PAGE = 20;
  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
  var WORD = /[a-z0-9]+(?:-[a-z0-9]+)*/g;
  var FULLWIDTH = /[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g;
  var manifest = null;
  var pieces = {};
  var current = null;

  function normalise(text) {
    return text.toLowerCase().replace(FULLWIDTH, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).toLowerCase();
  }

  function queryTerms(query, prefixMax) {
    var text = normalise(query);
    var terms = [];
    (text.match(CJK) || []).forEach(function (run) {
      if (run.length === 1) terms.push(run);
      for (var i = 0; i + 1 < run.length; i++) terms.push(run.substr(i, 2));
    });
    (text.match(WORD) || []).forEach(function (word) {
      terms.push(word.slice(0, prefixMax).replace(/-+$/, ""));
    });
    return terms.filter(function (term, i) { return term && terms.indexOf(term) === i; });
  }

  var CRC_TABLE = (function () {
    var table = [];
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table.push(c >>> 0);
    }
    return table;
  })();

  function crc32(text) {
    var bytes = new TextEncoder().encode(text);
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  function getJSON(url) {
    if (!pieces[url]) {
      pieces[url] = fetch(url).then(function (response) {
        if (!response.ok) throw new Error(url + ": HTTP " + response.status);
        return response.json();
      });
      pieces[url].catch(function () { delete pieces[url]; });
    }
    return pieces[url];
  }

  function loadManifest() {
    if (!manifest) {
      var url = form.getAttribute("data-index");
      delete pieces[url];
      manifest = getJSON(url);
      manifest.catch(function () { manifest = null; });
    }
    return manifest;
  }

  function pieceUrl(m, folder, list, n) {
    return m.base + "search/" + folder + "/" + n + "." + list.substr(n * m.hash, m.hash) + ".json";
  }

  function decode(postings, m) {
    var ids = [];
    postings.split(";").forEach(function (piece) {
      var colon = piece.indexOf(":");
      var start = parseInt(piece.slice(0, colon), 36) * m.block;
      var body = piece.slice(colon + 1);
      if (body === "*") {
        for (var i = start; i < Math.min(start + m.block, m.end); i++) ids.push(i);
      } else if (body.charAt(0) === "~") {
        var b64 = body.slice(1).replace(/-/g, "+").replace(/_/g, "/");
        var bytes = atob(b64 + "===".slice((b64.length + 3) % 4));
        for (var j = 0; j < bytes.length; j++) {
          var byte = bytes.charCodeAt(j);
          for (var bit = 0; bit < 8; bit++) if (byte >> bit & 1) ids.push(start + j * 8 + bit);
        }
      } else {
        body.split(",").forEach(function (p) { ids.push(start + parseInt(p, 36)); });
      }
    });
    return ids;
  }

  /* Entry ids holding every term, in listing order: non-story entries first, then stories newest first. */
  function find(m, terms) {
    var shardCount = m.shards.length / m.hash;
    return Promise.all(terms.map(function (term) {
      return getJSON(pieceUrl(m, "i", m.shards, crc32(term) % shardCount)).then(function (shard) {
        return Object.prototype.hasOwnProperty.call(shard, term) ? decode(shard[term], m) : [];
      });
    })).then(function (lists) {
      lists.sort(function (a, b) { return a.length - b.length; });
      var found = lists[0];
      for (var i = 1; i < lists.length && found.length; i++) {
        var other = new Set(lists[i]);
        found = found.filter(function (id) { return other.has(id); });
      }
      return found.sort(function (a, b) {
        var sa = a >= m.stories, sb = b >= m.stories;
        if (sa !== sb) return sa ? 1 : -1;
        return sa ? b - a : a - b;
      });
    });
  }

  function item(row, m) {
    var li = document.createElement("li");
    var kind = document.createElement("span");
    kind.className = "tag";
    kind.textContent = m.kinds[row[0]];
    var link = document.createElement("a");
    link.href = m.base + row[1].replace(/^\//, "");
    link.textContent = row[2];
    var text = document.createElement("p");
    text.className = "meta";
    text.textContent = row[3];
    li.appendChild(kind);
    li.appendChild(link);
    li.appendChild(text);
    return li;
  }

  /* Shows the next PAGE results of the current search; resolves to how many could not be loaded. */
  function showMore(state) {
    var ids = state.ids.slice(state.shown, state.shown + PAGE);
    state.shown += ids.length;
    var m = state.manifest;
    return Promise.all(ids.map(function (id) {
      var n = Math.floor(id / m.group);
      return getJSON(pieceUrl(m, "f", m.fragments, n)).then(function (rows) {
        return rows[id % m.group];
      }, function () { return null; });
    })).then(function (rows) {
      if (state !== current) return;
      var missing = 0;
      rows.forEach(function (row) {
        if (row) list.appendChild(item(row, m)); else missing++;
      });
      state.missing += missing;
      var total = state.ids.length;
      status.textContent = "找到" + total + "条" + (state.shown < total ? "，显示前" + state.shown + "条" : "") +
        (state.missing ? "；另有" + state.missing + "条需要联网才能显示" : "");
      more.hidden = state.shown >= total;
    });
  }

  function show(query) {
    list.textContent = "";
    more.hidden = true;
    current = null;
    if (!query.trim()) { status.textContent = ""; return; }
    status.textContent = "正在搜索…";
    var state = {query: query, ids: [], shown: 0, missing: 0, manifest: null};
    current = state;
    function attempt(retry) {
      return loadManifest().then(function (m) {
        state.manifest = m;
        var terms = queryTerms(query, m.prefix_max);
        if (!terms.length) return [];
        return find(m, terms).catch(function () {
          // A piece is missing: the site may have been rebuilt since this page loaded the manifest
          // (old pieces are gone), so try once with a fresh one; else the phone is offline without it.
          if (retry) { manifest = null; return attempt(false); }
          state.offline = true;
          return [];
        });
      });
    }
    attempt(true).then(function (ids) {
      if (state !== current) return;
      state.ids = ids;
      if (state.offline) {
        status.textContent = "没有网络：这台手机上还没有搜索“" + query + "”所需的索引，请联网后再搜。";
      } else if (!ids.length) {
        status.textContent = "没有找到“" + query + "”，换个词试试。";
      } else {
        return showMore(state);
      }
    }).catch(function () {
      if (state === current) status.textContent = "搜索暂时不可用（可能没有网络），请按社区、岗位或活动浏览。";
    });
  }

  more.addEventListener("click", function () {
    if (current && current.manifest) showMore(current);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value.trim();
    history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    show(query);
  });
  var initial = new URLSearchParams(location.search).get("q") || "";
  if (initial) { input.value = initial; show(initial); }
})();
