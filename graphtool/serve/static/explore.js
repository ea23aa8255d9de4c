// graphtool serve: the graph explorer. The store does the work (/api/overview, /api/community,
// /api/neighbours/counts, /api/neighbours: at most `cap` nodes here); sigma draws labels on the canvas;
// the side panel gets text through textContent only (imported data is never parsed as HTML).
"use strict";
(function () {
  const box = document.getElementById("graph");
  if (!box) return;
  const colors = JSON.parse(box.dataset.colors || "{}");
  const cap = Number(box.dataset.cap || 500);
  const Graph = graphology.Graph || graphology;
  const graph = new Graph({ multi: true, type: "mixed" });
  const expanded = new Set();
  const fetched = new Map();  // node -> its neighbours as fetched (what is on the page)
  const storeCounts = new Map();  // node -> its relationship counts in the store
  const filters = { platforms: null, from: null, to: null, score: 0, klass: "" };
  let renderer = null;
  let selected = null;
  const status = document.getElementById("status");
  const $ = function (id) { return document.getElementById(id); };

  function say(text) { status.textContent = text; }
  function item(text) { const li = document.createElement("li"); li.textContent = text; return li; }
  function short(text) { text = String(text); return text.length > 40 ? text.slice(0, 39) + "…" : text; }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) {
      let message = "the server answered " + response.status;
      try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response.json();
  }

  // --- nodes and where they go ---
  function attrsOf(row) {
    return { kind: row.label, platform: row.platform || null, ts: row.ts == null ? null : Number(row.ts),
             score: row.score == null ? null : Number(row.score), klass: row["class"] || null,
             stateMedia: row.state_media === true, community: row.community == null ? null : row.community };
  }

  function addNode(row, x, y, size) {
    if (graph.hasNode(row.id)) return false;
    const text = String(row.name || row.id);
    graph.addNode(row.id, Object.assign({ x: x, y: y, size: size || 6, color: colors[row.label] || "#999999",
                                          label: short(text), full: text }, attrsOf(row)));
    return true;
  }

  function spiral(i, cx, cy, radius) {
    // a golden-angle spiral from 45 degrees: never all on one line (sigma rescales each axis to fit)
    const angle = Math.PI / 4 + i * 2.399963;
    const r = radius * Math.sqrt(i + 1);
    return [cx + r * Math.cos(angle), cy + r * Math.sin(angle)];
  }

  function addEdge(src, type, dst, size) {
    if (!graph.hasNode(src) || !graph.hasNode(dst)) return;
    const key = src + "|" + type + "|" + dst;
    if (!graph.hasEdge(key)) graph.addDirectedEdgeWithKey(key, src, dst, { size: size || 1, color: "#bbbbbb", type: "arrow", rel: type });
  }

  // --- filters: a node is hidden when it carries a field that fails the filter ---
  function passes(a) {
    if (a.platform && filters.platforms && !filters.platforms.has(a.platform)) return false;
    if (a.ts != null && filters.from != null && a.ts < filters.from) return false;
    if (a.ts != null && filters.to != null && a.ts >= filters.to) return false;
    if (filters.score > 0 && a.score != null && a.score < filters.score) return false;
    if (filters.klass === "state_media" && a.kind !== "Community" && (a.kind === "Account" || a.kind === "Outlet") && !a.stateMedia) return false;
    if (filters.klass && filters.klass !== "state_media" && a.klass != null && a.klass !== filters.klass) return false;
    return true;
  }

  function visibleCount() { let n = 0; graph.forEachNode(function (_, a) { if (passes(a)) n += 1; }); return n; }

  function applyFilters() {
    const platformBoxes = document.querySelectorAll("#filter-platforms input");
    filters.platforms = platformBoxes.length ? new Set(Array.from(platformBoxes).filter(function (b) { return b.checked; })
                                                          .map(function (b) { return b.value; })) : null;
    const day = function (value) { return value ? Date.parse(value + "T00:00:00Z") / 1000 : null; };
    filters.from = day($("filter-from").value);
    filters.to = $("filter-to").value ? day($("filter-to").value) + 86400 : null;
    filters.score = Number($("filter-score").value);
    $("filter-score-value").textContent = filters.score.toFixed(2);
    filters.klass = $("filter-class").value;
    const shown = visibleCount();
    $("filter-status").textContent = shown + " of " + graph.order + " nodes shown";
    box.dataset.visible = String(shown);
    if (renderer) renderer.refresh();
  }

  function refreshPlatforms() {
    const set = $("filter-platforms");
    const have = new Set(Array.from(set.querySelectorAll("input")).map(function (b) { return b.value; }));
    const platforms = new Set();
    graph.forEachNode(function (_, a) { if (a.platform) platforms.add(a.platform); });
    Array.from(platforms).sort().forEach(function (p) {
      if (have.has(p)) return;
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox"; input.value = p; input.checked = true;
      input.addEventListener("change", applyFilters);
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + p + " "));
      set.appendChild(label);
    });
    applyFilters();
  }

  ["filter-from", "filter-to", "filter-score", "filter-class"].forEach(function (id) {
    $(id).addEventListener("input", applyFilters);
    $(id).addEventListener("change", applyFilters);
  });

  // --- the side panel ---
  function showPanel(id) {
    selected = id;
    const attrs = graph.getNodeAttributes(id);
    $("selected-name").textContent = attrs.full || attrs.label;
    const link = $("selected-link");
    if (attrs.kind === "Community") {
      link.href = "/explore?c=" + encodeURIComponent(attrs.community);
      link.textContent = "Open its actors";
    } else {
      link.href = (attrs.kind === "Narrative" ? "/narrative?id=" : "/entity?id=") + encodeURIComponent(id);
      link.textContent = "Open its page";
    }
    const counts = $("selected-counts");
    counts.replaceChildren();
    const found = storeCounts.get(id);
    if (attrs.kind === "Community") {
      counts.appendChild(item(attrs.actors + " actors" + (attrs.score != null ? ", mean affiliation score " + attrs.score.toFixed(2) : "") +
                              (attrs.stateMediaCount ? ", " + attrs.stateMediaCount + " state media" : "")));
    } else if (!found) {
      counts.appendChild(item("counting…"));
    } else {
      for (const c of found.counts) {
        const li = item(c.type + " " + (c.out ? "→ " : "← ") + c.label + ": " + c.n + " ");
        li.dataset.type = c.type;
        const button = document.createElement("button");
        button.type = "button"; button.textContent = "Expand"; button.className = "expand-type";
        button.addEventListener("click", function () { expand(id, [c.type]); });
        li.appendChild(button);
        counts.appendChild(li);
      }
      if (!found.counts.length) counts.appendChild(item("no relationships"));
    }
    const list = $("neighbours");
    list.replaceChildren();
    graph.forEachNeighbor(id, function (n, a) {
      const li = item(a.full || a.label);
      li.dataset.id = n;
      li.tabIndex = 0;
      li.addEventListener("click", function () { select(n); });
      list.appendChild(li);
    });
  }

  async function select(id) {
    if (!graph.hasNode(id)) return;
    graph.forEachNode(function (n) { graph.setNodeAttribute(n, "highlighted", n === id); });
    showPanel(id);
    const attrs = graph.getNodeAttributes(id);
    if (attrs.kind === "Community" || storeCounts.has(id)) return;
    try {
      storeCounts.set(id, await getJSON("/api/neighbours/counts?id=" + encodeURIComponent(id)));
    } catch (e) { say(String(e.message)); return; }
    if (selected === id) showPanel(id);
  }

  async function expand(id, types) {
    const attrs = graph.getNodeAttributes(id);
    if (attrs.kind === "Community") { drill(attrs.community); return; }
    types = types || [];
    const key = id + "|" + types.join(",") + "|" + ($("two-hops").checked ? 2 : 1);
    if (expanded.has(key)) { select(id); return; }
    say("fetching…");
    let url = "/api/neighbours?id=" + encodeURIComponent(id) + ($("two-hops").checked ? "&hops=2" : "");
    for (const t of types) url += "&type=" + encodeURIComponent(t);
    let found;
    try { found = await getJSON(url); } catch (e) { say(String(e.message)); return; }
    expanded.add(key);
    fetched.set(id, found);
    const before = graph.order;
    let left = 0;
    const centre = graph.getNodeAttributes(id);
    const radius = graph.order === 1 ? 0.3 : 0.08;
    let i = 0;
    for (const e of found.edges) {
      if (!graph.hasNode(e.id)) {
        if (graph.order >= cap) { left += 1; continue; }
        const from = graph.hasNode(e.src) ? graph.getNodeAttributes(e.src) : centre;
        const at = spiral(i++, from.x, from.y, radius);
        addNode(e, at[0], at[1]);
      }
      const ends = e.out ? [e.src, e.id] : [e.id, e.src];
      addEdge(ends[0], e.type, ends[1]);
    }
    say(graph.order + " nodes, " + graph.size + " relationships (" + (graph.order - before) + " new)" +
        (left ? "; the " + cap + "-node cap left " + left + " out" : "") +
        (found.truncated ? "; the store holds more than one expansion brings" : ""));
    refreshPlatforms();
    select(id);
    box.dataset.order = String(graph.order);
  }

  // --- the community overview and its drill-down ---
  function scoreColor(score) {
    if (score == null) return "#9e9e9e";
    const t = Math.max(0, Math.min(1, score));
    const mix = function (a, b) { return Math.round(a + (b - a) * t); };
    return "rgb(" + mix(78, 214) + "," + mix(121, 39) + "," + mix(167, 40) + ")";
  }

  function startRenderer() {
    if (renderer) { renderer.refresh(); return; }
    renderer = new Sigma(graph, box, { renderEdgeLabels: false, labelRenderedSizeThreshold: 6,
                                       labelFont: "\"graphtool CJK\", system-ui, sans-serif",
                                       itemSizesReference: "screen", defaultEdgeType: "arrow",
                                       nodeReducer: function (n, a) { return passes(a) ? a : Object.assign({}, a, { hidden: true }); } });
    renderer.on("clickNode", function (event) { select(event.node); });
    renderer.on("doubleClickNode", function (event) { event.preventSigmaDefault(); expand(event.node); });
    window.graphtoolExplorer.renderer = renderer;
    document.fonts.ready.then(function () { renderer.refresh(); });  // CJK labels once the font is in
  }

  function clearGraph() {
    graph.clear(); expanded.clear(); fetched.clear();
    $("filter-platforms").querySelectorAll("label").forEach(function (l) { l.remove(); });
  }

  async function showOverview() {
    say("counting communities in the store…");
    let found;
    try { found = await getJSON("/api/overview"); } catch (e) { say(String(e.message)); return; }
    clearGraph();
    const biggest = found.communities.length ? found.communities[0].size : 1;
    found.communities.forEach(function (c, i) {
      const at = spiral(i, 0, 0, 1);
      const id = "community:" + c.community;
      graph.addNode(id, { x: at[0], y: at[1], size: 4 + 26 * Math.sqrt(c.size / biggest), color: scoreColor(c.score),
                          label: short("Community " + c.community + " · " + (c.top || "") + " (" + c.size + ")"),
                          full: "Community " + c.community + " (" + c.size + " actors): " + (c.top || ""),
                          kind: "Community", community: c.community, actors: c.size, score: c.score,
                          stateMediaCount: c.state_media, platform: null, ts: null, klass: null });
    });
    for (const l of found.links) addEdge("community:" + l.src, l.type, "community:" + l.dst, Math.min(6, 1 + Math.log10(l.n)));
    startRenderer();
    say(found.communities.length + " of " + found.total + " communities (" + found.actors + " actors), " +
        found.links.length + " links between them" + (found.links_total > found.links.length ? " (the strongest of " + found.links_total + ")" : "") + (found.total ? "" : ": run graphtool analyze to store communities"));
    box.dataset.order = String(graph.order);
    applyFilters();
    document.body.dataset.graphReady = "1";
  }

  async function drill(community) {
    say("fetching community " + community + "…");
    let found;
    try { found = await getJSON("/api/community?c=" + encodeURIComponent(community)); } catch (e) { say(String(e.message)); return; }
    clearGraph();
    found.nodes.forEach(function (row, i) { const at = spiral(i, 0, 0, 0.2); addNode(row, at[0], at[1], i < 10 ? 10 : 6); });
    for (const e of found.edges) addEdge(e.src, e.type, e.dst);
    startRenderer();
    say("community " + community + ": its " + found.nodes.length + " most central actors, " + graph.size + " relationships among them");
    box.dataset.order = String(graph.order);
    refreshPlatforms();
    document.body.dataset.graphReady = "1";
  }

  // --- exports (analysts): the PNG is drawn here from sigma's layers; GEXF and the map are made by the server ---
  function viewNodes() {
    const out = [];
    graph.forEachNode(function (n, a) { if (passes(a) && a.kind !== "Community") out.push({ id: n, label: a.kind }); });
    return out;
  }

  function csrf() { const input = document.querySelector("input[name=csrf]"); return input ? input.value : ""; }

  function exportPNG() {
    renderer.refresh();  // draw now, so the WebGL layers still hold the frame when copied
    const layers = renderer.getCanvases();
    const first = Object.values(layers)[0];
    const out = document.createElement("canvas");
    out.width = first.width; out.height = first.height;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, out.width, out.height);
    for (const name of ["edges", "nodes", "edgeLabels", "labels"]) if (layers[name]) ctx.drawImage(layers[name], 0, 0);
    out.toBlob(function (blob) {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob); a.download = "explorer-view.png";
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
    }, "image/png");
    const body = new URLSearchParams({ format: "png", nodes: JSON.stringify(viewNodes()) });
    fetch("/explore/export", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf() }, body: body });
  }

  function exportServer(format) {
    const form = $("export-form");
    form.elements.format.value = format;
    form.elements.nodes.value = JSON.stringify(viewNodes());
    form.submit();
  }

  if ($("export-png")) {
    $("export-png").addEventListener("click", exportPNG);
    $("export-gexf").addEventListener("click", function () { exportServer("gexf"); });
    $("export-map").addEventListener("click", function () { exportServer("map"); });
  }
  $("expand").addEventListener("click", function () { if (selected) expand(selected); });

  window.graphtoolExplorer = { graph: graph, expand: expand, select: select, drill: drill, visibleCount: visibleCount };

  const start = box.dataset.start;
  const community = new URLSearchParams(location.search).get("c");
  if (start) {
    addNode({ id: start, label: "", name: start }, 0, 0, 10);
    expand(start).then(function () {
      const found = fetched.get(start);
      if (found) {
        const text = String(found.name);
        graph.mergeNodeAttributes(start, Object.assign({ label: short(text), full: text, color: colors[found.label] || "#999999", size: 10 },
                                                      attrsOf(found.node)));
        refreshPlatforms();
        showPanel(start);
      }
      startRenderer();
      document.body.dataset.graphReady = "1";
    });
  } else if (community !== null) {
    drill(community);
  } else {
    showOverview();
  }
})();
