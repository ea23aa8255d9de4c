// graphtool serve: the graph explorer. The store does the work (/api/neighbours, at most `cap` nodes here);
// sigma draws labels on the canvas; the side panel gets text through textContent only.
"use strict";
(function () {
  const box = document.getElementById("graph");
  if (!box) return;
  const colors = JSON.parse(box.dataset.colors || "{}");
  const cap = Number(box.dataset.cap || 500);
  const Graph = graphology.Graph || graphology;
  const graph = new Graph({ multi: true, type: "mixed" });
  let renderer = null;  // made once the first neighbours are in: sigma fits the camera to what it first sees
  const expanded = new Set();
  const neighbourList = new Map();  // node -> its rows, once fetched
  let selected = null;
  const status = document.getElementById("status");

  function say(text) { status.textContent = text; }

  function addNode(id, label, name, x, y) {
    if (graph.hasNode(id)) return false;
    const text = String(name || id);
    graph.addNode(id, { x: x, y: y, size: 6, color: colors[label] || "#999999",
                        label: text.length > 40 ? text.slice(0, 39) + "…" : text, full: text,
                        kind: label });
    return true;
  }

  async function fetchNeighbours(id) {
    const response = await fetch("/api/neighbours?id=" + encodeURIComponent(id), { credentials: "same-origin" });
    if (!response.ok) throw new Error("the server answered " + response.status);
    return response.json();
  }

  function item(text) { const li = document.createElement("li"); li.textContent = text; return li; }

  function showPanel(id, found) {
    selected = id;
    const attrs = graph.getNodeAttributes(id);
    document.getElementById("selected-name").textContent = attrs.full || attrs.label;
    const link = document.getElementById("selected-link");
    link.href = (attrs.kind === "Narrative" ? "/narrative?id=" : "/entity?id=") + encodeURIComponent(id);
    const counts = document.getElementById("selected-counts");
    counts.replaceChildren();
    const list = document.getElementById("neighbours");
    list.replaceChildren();
    if (!found) { counts.appendChild(item("not fetched yet: Expand")); return; }
    for (const [type, n] of Object.entries(found.counts)) counts.appendChild(item(type + ": " + n + (found.truncated ? "+" : "")));
    for (const edge of found.edges) {
      const li = item((edge.out ? "→ " : "← ") + edge.type + " " + (edge.name || edge.id));
      li.dataset.id = edge.id;
      li.tabIndex = 0;
      li.addEventListener("click", function () { select(edge.id); });
      list.appendChild(li);
    }
  }

  async function select(id) {
    if (!graph.hasNode(id)) return;
    showPanel(id, neighbourList.get(id));
    graph.forEachNode(function (n) { graph.setNodeAttribute(n, "highlighted", n === id); });
  }

  async function expand(id) {
    if (expanded.has(id)) { select(id); return; }
    say("fetching…");
    let found;
    try { found = await fetchNeighbours(id); } catch (e) { say(String(e.message)); return; }
    neighbourList.set(id, found);
    expanded.add(id);
    const centre = graph.getNodeAttributes(id);
    const fresh = found.edges.filter(function (e) { return !graph.hasNode(e.id); });
    const room = Math.max(0, cap - graph.order);
    const radius = graph.order === 1 ? 1 : 0.35;
    fresh.slice(0, room).forEach(function (e, i) {
      // a golden-angle spiral from 45 degrees: never all on one line (sigma rescales each axis to fit)
      const angle = Math.PI / 4 + i * 2.399963;
      addNode(e.id, e.label, e.name, centre.x + radius * Math.cos(angle), centre.y + radius * Math.sin(angle));
    });
    for (const e of found.edges) {
      if (!graph.hasNode(e.id)) continue;
      const [src, dst] = e.out ? [id, e.id] : [e.id, id];
      const key = src + "|" + e.type + "|" + dst;
      if (!graph.hasEdge(key)) graph.addDirectedEdgeWithKey(key, src, dst, { size: 1, color: "#bbbbbb" });
    }
    say(graph.order + " nodes, " + graph.size + " relationships" +
        (fresh.length > room ? "; the " + cap + "-node cap left " + (fresh.length - room) + " out" : "") +
        (found.truncated ? "; this node has more neighbours than one expansion shows" : ""));
    select(id);
    box.dataset.order = String(graph.order);
  }

  document.getElementById("expand").addEventListener("click", function () { if (selected) expand(selected); });

  const start = box.dataset.start;
  addNode(start, "", start, 0, 0);
  expand(start).then(function () {
    const found = neighbourList.get(start);
    if (found) {
      const text = String(found.name);
      graph.mergeNodeAttributes(start, { label: text.length > 40 ? text.slice(0, 39) + "…" : text, full: text, color: colors[found.label] || "#999999",
                                         kind: found.label, size: 10 });
      showPanel(start, found);
    }
    renderer = new Sigma(graph, box, { renderEdgeLabels: false, labelRenderedSizeThreshold: 6,
                                       labelFont: "system-ui, \"graphtool CJK\", sans-serif",
                                       itemSizesReference: "screen" });
    renderer.on("clickNode", function (event) { select(event.node); });
    renderer.on("doubleClickNode", function (event) { expand(event.node); });
    window.graphtoolExplorer.renderer = renderer;
    document.fonts.ready.then(function () { renderer.refresh(); });  // CJK labels once the font is in
    document.body.dataset.graphReady = "1";
  });
  window.graphtoolExplorer = { graph: graph, expand: expand };
})();
