/* graphtool map page: draws the embedded graph with vis-network, offline.
 *
 * Every string that came from imported data reaches the page through textContent, a form
 * control's value or vis-network's canvas labels: never innerHTML, never a URL, never code.
 * The only URLs navigated to are drill-down file names the generator wrote (checked below).
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var meta = data.meta;
  var byId = function (id) { return document.getElementById(id); };
  var LOCAL_PAGE = /^[^\/\\:?#]+\.html$/;  // a file name beside this one: no folder, scheme or query

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function status(text) { byId("status").textContent = text; }

  // ---- data and filters --------------------------------------------------------------------
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var filter = { hidden: new Set(), from: -Infinity, to: Infinity, min: -Infinity };

  function inRange(t0, t1) {
    if (t0 === null || t0 === undefined) { return true; }  // untimed items are never filtered out
    if (t1 === null || t1 === undefined) { t1 = t0; }
    return t1 >= filter.from && t0 <= filter.to;
  }
  function nodeShown(n) {
    var g = n.gt;
    if (g.platform !== null && g.platform !== undefined && filter.hidden.has(g.platform)) { return false; }
    if (g.score !== null && g.score !== undefined && g.score < filter.min) { return false; }
    return inRange(g.t0, g.t1);
  }
  function edgeShown(e) { return inRange(e.gt.t0, e.gt.t1); }

  var nodeView = new vis.DataView(nodes, { filter: nodeShown });
  var edgeView = new vis.DataView(edges, { filter: edgeShown });

  // ---- the network -------------------------------------------------------------------------
  var started = performance.now();
  var network = new vis.Network(byId("map"), { nodes: nodeView, edges: edgeView }, data.options);
  var api = {
    network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView,
    meta: meta, stable: false, stableMs: null, stableAt: null, search: search, refresh: refresh
  };
  window.graphtoolMap = api;
  // The canvas draws labels with whatever font is loaded at the time: once the page's embedded
  // CJK subset (a data: URL in the stylesheet) is ready, draw again so CJK labels use it.
  if (document.fonts && document.fonts.load) {
    document.fonts.load("12px graphtool-cjk", "\u4e00").then(function () { network.redraw(); }, function () {});
  }

  function settled() {
    if (api.stable) { return; }
    network.setOptions({ physics: { enabled: false } });  // stop: the layout stays put from here on
    api.stable = true;
    api.stableMs = performance.now() - started;  // since the network was created
    api.stableAt = performance.now();  // since navigation started: parsing and drawing included
    document.body.setAttribute("data-stable", "1");
    shownCount();
  }
  network.on("stabilizationProgress", function (p) {
    status("Laying out… " + Math.round(100 * p.iterations / Math.max(p.total, 1)) + "%");
  });
  network.once("stabilizationIterationsDone", settled);
  network.once("stabilized", settled);
  if (!data.options.physics || !data.options.physics.enabled || data.nodes.length === 0) { settled(); }

  function shownCount() {
    var n = nodeView.length, total = nodes.length;
    status((n === total ? "Showing all " + total : "Showing " + n + " of " + total) + " nodes" +
           (api.stable ? "." : "; laying out…"));
  }

  // ---- facts: tooltips and the details panel ----------------------------------------------
  function factsBlock(item) {
    var box = document.createElement("div");
    box.appendChild(el("div", item.gt.head, "head"));
    var reasons = item.gt.reasons || [];
    if (reasons.length) {  // the why first: it is what an analyst has to defend
      box.appendChild(el("div", "Why affiliated:"));
      var ul = el("ul", null, "reasons");
      reasons.forEach(function (r) { ul.appendChild(el("li", r)); });
      box.appendChild(ul);
    }
    var dl = el("dl", null, "facts");
    var facts = (item.gt.facts || []).slice();
    if (item.from !== undefined) {  // an edge: name its ends
      facts.splice(1, 0, ["from", nodes.get(item.from).gt.head], ["to", nodes.get(item.to).gt.head]);
    }
    facts.forEach(function (kv) {
      dl.appendChild(el("dt", kv[0]));
      dl.appendChild(el("dd", kv[1]));
    });
    box.appendChild(dl);
    if (item.gt.href && LOCAL_PAGE.test(item.gt.href)) {
      var a = el("a", "Open this community's map");
      a.href = encodeURIComponent(item.gt.href);
      box.appendChild(a);
    }
    return box;
  }

  var tip = byId("tip");
  function showTip(item, pointer) {
    tip.replaceChildren(factsBlock(item));
    var rect = byId("map").getBoundingClientRect();
    tip.style.left = Math.min(rect.left + pointer.x + 14, window.innerWidth - 370) + "px";
    tip.style.top = Math.min(rect.top + pointer.y + 14, window.innerHeight - 40) + "px";
    tip.style.display = "block";
  }
  function hideTip() { tip.style.display = "none"; }
  function showDetails(item) { byId("details").replaceChildren(factsBlock(item)); }

  network.on("hoverNode", function (p) { showTip(nodes.get(p.node), p.pointer.DOM); });
  network.on("hoverEdge", function (p) { showTip(edges.get(p.edge), p.pointer.DOM); });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);
  network.on("click", function (p) {
    if (p.nodes.length) { showDetails(nodes.get(p.nodes[0])); }
    else if (p.edges.length) { showDetails(edges.get(p.edges[0])); }
  });
  network.on("doubleClick", function (p) {
    if (!p.nodes.length) { return; }
    var href = nodes.get(p.nodes[0]).gt.href;
    if (href && LOCAL_PAGE.test(href)) { window.location.href = encodeURIComponent(href); }
  });

  // ---- search ------------------------------------------------------------------------------
  var names = byId("names");
  var seen = new Set();
  nodes.forEach(function (n) {
    if (seen.size >= 5000 || seen.has(n.label)) { return; }
    seen.add(n.label);
    var o = document.createElement("option");
    o.value = n.label;
    names.appendChild(o);
  });

  /** Select and focus the first shown node whose label or key equals the query, else contains it. */
  function search(query) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) { return null; }
    var exact = null, partial = null;
    nodeView.forEach(function (n) {
      if (exact) { return; }
      var label = String(n.label || "").toLowerCase(), key = String(n.gt.key || "").toLowerCase();
      if (label === q || key === q) { exact = n; }
      else if (!partial && (label.indexOf(q) >= 0 || key.indexOf(q) >= 0)) { partial = n; }
    });
    var hit = exact || partial;
    if (!hit) { status("No shown node matches “" + query + "”."); return null; }
    network.selectNodes([hit.id]);
    network.focus(hit.id, { scale: 1.3, animation: false });
    showDetails(hit);
    status("Found: " + hit.label);
    return hit.id;
  }
  byId("go").addEventListener("click", function () { search(byId("search").value); });
  byId("search").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); search(byId("search").value); }
  });

  // ---- filters -----------------------------------------------------------------------------
  function refresh() {
    nodeView.refresh();
    edgeView.refresh();
    shownCount();
  }

  var platforms = data.platforms || [];
  if (platforms.length) {
    platforms.forEach(function (name) {
      var lab = el("label", null, "check");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = name;
      box.addEventListener("change", function () {
        if (box.checked) { filter.hidden.delete(name); } else { filter.hidden.add(name); }
        refresh();
      });
      lab.appendChild(box);
      lab.appendChild(document.createTextNode(" " + name));
      byId("platforms").appendChild(lab);
    });
  } else {
    byId("platforms").appendChild(el("span", "No platforms to filter.", "note"));
  }

  function day(ts) { return new Date(ts * 1000).toISOString().slice(0, 10); }
  if (data.timeRange) {
    byId("from").min = byId("to").min = day(data.timeRange[0]);
    byId("from").max = byId("to").max = day(data.timeRange[1]);
    byId("from").addEventListener("change", function (e) {
      filter.from = e.target.value ? Date.parse(e.target.value + "T00:00:00Z") / 1000 : -Infinity;
      refresh();
    });
    byId("to").addEventListener("change", function (e) {
      filter.to = e.target.value ? Date.parse(e.target.value + "T23:59:59Z") / 1000 : Infinity;
      refresh();
    });
  } else {
    byId("dates").replaceChildren(el("span", "No dates to filter.", "note"));
  }

  // The score slider moves by percentile, so that skewed scores (PageRank) stay usable.
  var scores = [];
  nodes.forEach(function (n) { if (typeof n.gt.score === "number") { scores.push(n.gt.score); } });
  scores.sort(function (a, b) { return a - b; });
  var slider = byId("minscore");
  function sliderLabel() {
    var p = Number(slider.value);
    filter.min = p === 0 || !scores.length ? -Infinity : scores[Math.min(scores.length - 1, Math.floor(p / 100 * scores.length))];
    byId("minscore-label").textContent = "minimum " + meta.score_name + ": " +
      (filter.min === -Infinity ? "any" : filter.min.toPrecision(3) + " (percentile " + p + ")");
  }
  if (scores.length) {
    sliderLabel();
    slider.addEventListener("input", function () { sliderLabel(); refresh(); });
  } else {
    byId("scores").replaceChildren(el("span", "No scores to filter.", "note"));
  }

  // ---- legend and links --------------------------------------------------------------------
  var legend = byId("legend");
  (data.legend || []).forEach(function (item) {
    var li = document.createElement("li");
    if (item.heading) {
      li.appendChild(el("strong", item.heading));
    } else {
      var g = el("span", item.glyph, "glyph");
      g.style.color = item.color;
      if (item.bold) { g.style.fontWeight = "bold"; }
      li.appendChild(g);
      li.appendChild(document.createTextNode(item.text));
    }
    legend.appendChild(li);
  });
  (data.links || []).forEach(function (link) {
    if (!LOCAL_PAGE.test(link.href)) { return; }
    var li = document.createElement("li");
    var a = el("a", link.text);
    a.href = encodeURIComponent(link.href);
    li.appendChild(a);
    byId("links").appendChild(li);
  });

  shownCount();
})();
