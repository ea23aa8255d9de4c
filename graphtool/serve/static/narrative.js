// graphtool serve: a narrative's timeline linked to its network (/api/narrative; the store did the work).
// Brushing a time range on the timeline shows only the posts, shares and copies in it; the slider replays
// the spread from the first post.  Everything from the store goes in as text (textContent, SVG <title>).
"use strict";
(function () {
  const box = document.getElementById("narrative-timeline");
  const netBox = document.getElementById("narrative-network");
  if (!box || !netBox) return;
  const status = document.getElementById("network-status");
  const slider = document.getElementById("replay");
  const play = document.getElementById("replay-play");
  const SVG = "http://www.w3.org/2000/svg";
  const H = 170, TOP = 34, BOTTOM = 20, LEFT = 8, RIGHT = 8, BINS = 120, EVENT_MARGIN_S = 30 * 86400;
  const Graph = graphology.Graph || graphology;
  const graph = new Graph({ multi: false, type: "directed" });
  const visibleNodes = new Set(), visibleEdges = new Set();
  let renderer = null, t0 = 0, t1 = 1, width = 900, range = null, until = null, timer = null;
  let svg = null, brush = null, cursor = null;

  function say(text) { status.textContent = text; }
  function el(name, attrs, text) {
    const e = document.createElementNS(SVG, name);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function when(ts) { return new Date(ts * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC"; }
  function xOf(ts) { return LEFT + (ts - t0) / (t1 - t0) * (width - LEFT - RIGHT); }
  function tsOf(x) { return t0 + (Math.min(Math.max(x, LEFT), width - RIGHT) - LEFT) / (width - LEFT - RIGHT) * (t1 - t0); }
  function short(text, n) { text = String(text); return text.length > n ? text.slice(0, n - 1) + "…" : text; }
  function pageOf(label, id) {
    return (label === "Article" ? "/article?id=" : label === "Narrative" ? "/narrative?id=" : "/entity?id=") +
      encodeURIComponent(id);
  }

  function drawTimeline(found) {
    width = Math.max(480, Math.floor(box.clientWidth || 900));
    svg = el("svg", { width: width, height: H, viewBox: "0 0 " + width + " " + H, role: "img", id: "timeline-svg",
                      "aria-label": "posts and shares per platform over time, with the events" });
    const bottom = H - BOTTOM, binW = (t1 - t0) / BINS;
    const counts = [];  // per bin: platform -> count
    for (let i = 0; i < BINS; i++) counts.push({});
    for (const e of found.edges) {
      if (e.kind === "copies") continue;
      for (const ts of e.times) {
        const bin = Math.min(BINS - 1, Math.floor((ts - t0) / binW));
        counts[bin][e.platform] = (counts[bin][e.platform] || 0) + 1;
      }
    }
    const top = Math.max(1, ...counts.map(function (c) { return Object.values(c).reduce(function (a, b) { return a + b; }, 0); }));
    const platforms = Object.keys(found.platforms);
    const step = (width - LEFT - RIGHT) / BINS;
    counts.forEach(function (c, i) {
      let y = bottom;
      for (const p of platforms) {
        if (!c[p]) continue;
        const h = (bottom - TOP) * c[p] / top;
        y -= h;
        const bar = el("rect", { x: LEFT + i * step, y: y, width: Math.max(step - 0.5, 0.5), height: h, fill: found.platforms[p] });
        bar.appendChild(el("title", {}, p + ": " + c[p] + " from " + when(t0 + i * binW)));
        svg.appendChild(bar);
      }
    });
    svg.appendChild(el("line", { x1: LEFT, y1: bottom, x2: width - RIGHT, y2: bottom, class: "axis" }));
    svg.appendChild(el("text", { x: LEFT, y: H - 5, class: "tick" }, when(t0)));
    svg.appendChild(el("text", { x: width - RIGHT, y: H - 5, "text-anchor": "end", class: "tick" }, when(t1)));
    found.events.filter(function (e) { return e.ts >= t0 && e.ts <= t1; }).forEach(function (e, i) {
      const x = xOf(e.ts);
      const mark = el("g", { class: "event" });
      mark.appendChild(el("line", { x1: x, y1: 12 + (i % 2) * 11, x2: x, y2: bottom }));
      const right = x > width - 190;  // near the right edge: the label runs leftwards
      mark.appendChild(el("text", { x: right ? x - 2 : x + 2, y: 10 + (i % 2) * 11, "text-anchor": right ? "end" : "start" },
                          short(e.name, 34)));
      mark.appendChild(el("title", {}, e.name + " · " + e.at));
      svg.appendChild(mark);
    });
    brush = el("rect", { x: 0, y: TOP - 4, width: 0, height: bottom - TOP + 4, class: "brush", visibility: "hidden" });
    cursor = el("line", { x1: 0, y1: TOP - 4, x2: 0, y2: bottom, class: "cursor", visibility: "hidden" });
    svg.appendChild(brush);
    svg.appendChild(cursor);
    const area = el("rect", { x: 0, y: 0, width: width, height: H, class: "brush-area" });
    svg.appendChild(area);
    let from = null;
    function localX(event) { return event.clientX - svg.getBoundingClientRect().left; }
    area.addEventListener("pointerdown", function (event) {
      from = localX(event);
      area.setPointerCapture(event.pointerId);
      brush.setAttribute("x", from);
      brush.setAttribute("width", 0);
      brush.setAttribute("visibility", "visible");
    });
    area.addEventListener("pointermove", function (event) {
      if (from === null) return;
      const x = localX(event);
      brush.setAttribute("x", Math.min(from, x));
      brush.setAttribute("width", Math.abs(x - from));
    });
    area.addEventListener("pointerup", function (event) {
      if (from === null) return;
      const x = localX(event);
      if (Math.abs(x - from) < 3) { range = null; brush.setAttribute("visibility", "hidden"); }
      else range = [tsOf(Math.min(from, x)), tsOf(Math.max(from, x))];
      from = null;
      apply();
    });
    box.replaceChildren(svg);
    const legend = document.getElementById("legend");
    legend.replaceChildren();
    for (const p of platforms) {
      const key = document.createElement("span");
      key.className = "key";
      const swatch = el("svg", { width: 10, height: 10 });
      swatch.appendChild(el("rect", { width: 10, height: 10, fill: found.platforms[p] }));
      key.appendChild(swatch);
      key.appendChild(document.createTextNode(" " + p + " "));
      legend.appendChild(key);
    }
  }

  function buildGraph(found) {
    for (const n of found.nodes) {
      graph.addNode(n.id, { x: n.x, y: n.y, size: n.first ? 9 : n.label === "Article" ? 3 : 5, color: n.color,
                            forceLabel: Boolean(n.first), first: n.first || null,
                            label: short(n.name, 40), full: String(n.name), kind: n.label, ts: n.ts,
                            platform: n.platform, at: n.at });
    }
    found.edges.forEach(function (e, i) {
      if (!graph.hasNode(e.source) || !graph.hasNode(e.target)) return;
      graph.addDirectedEdgeWithKey("e" + i, e.source, e.target, {
        times: e.times, kind: e.kind, size: e.kind === "copies" ? 2 : 1,
        color: e.kind === "copies" ? "#d62728" : e.kind === "post" ? "#888888" : "#cccccc" });
    });
  }

  function apply() {
    const lo = range ? range[0] : -Infinity;
    const hi = Math.min(range ? range[1] : Infinity, until === null ? Infinity : until);
    visibleNodes.clear();
    visibleEdges.clear();
    graph.forEachEdge(function (key, attrs, source, target) {
      if (attrs.times.some(function (t) { return t >= lo && t <= hi; })) {
        visibleEdges.add(key);
        visibleNodes.add(source);
        visibleNodes.add(target);
      }
    });
    graph.forEachNode(function (node, attrs) {
      if (graph.degree(node) === 0 && attrs.ts >= lo && attrs.ts <= hi) visibleNodes.add(node);
    });
    if (renderer) renderer.refresh();
    if (cursor) {
      cursor.setAttribute("visibility", until === null ? "hidden" : "visible");
      if (until !== null) { cursor.setAttribute("x1", xOf(until)); cursor.setAttribute("x2", xOf(until)); }
    }
    document.getElementById("replay-at").textContent = until === null ? "" : "up to " + when(until);
    const shown = range || until !== null
      ? "from " + when(Math.max(lo, t0)) + " to " + when(Math.min(hi, t1)) : "all of it";
    say(visibleNodes.size + " of " + graph.order + " accounts and articles, " + visibleEdges.size + " of " +
        graph.size + " posts, shares and copies shown: " + shown);
    netBox.dataset.visible = String(visibleNodes.size);
  }

  function select(node) {
    const attrs = graph.getNodeAttributes(node);
    document.getElementById("net-selected-name").textContent = attrs.full;
    const link = document.getElementById("net-selected-link");
    link.href = pageOf(attrs.kind, node);
    link.hidden = false;
    document.getElementById("net-selected-info").textContent =
      attrs.kind + " · " + (attrs.platform || "") + " · first at " + attrs.at + " · " + node +
      (attrs.first ? " · the narrative's first post on " + attrs.first : "");
  }

  slider.addEventListener("input", function () {
    const v = Number(slider.value);
    until = v >= 1000 ? null : t0 + v / 1000 * (t1 - t0);
    apply();
  });
  play.addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "Play"; return; }
    if (Number(slider.value) >= 1000) slider.value = "0";
    play.textContent = "Pause";
    timer = setInterval(function () {
      const v = Math.min(1000, Number(slider.value) + 5);
      slider.value = String(v);
      until = v >= 1000 ? null : t0 + v / 1000 * (t1 - t0);
      apply();
      if (v >= 1000) { clearInterval(timer); timer = null; play.textContent = "Play"; }
    }, 60);
  });

  function start(found) {
    if (found.start === null) { say("no dated posts or shares carry this narrative"); document.body.dataset.networkReady = "1"; return; }
    const near = found.events.filter(function (e) { return e.ts >= found.start - EVENT_MARGIN_S && e.ts <= found.end + EVENT_MARGIN_S; });
    t0 = Math.min(found.start, ...near.map(function (e) { return e.ts; }));
    t1 = Math.max(found.end, ...near.map(function (e) { return e.ts; }));
    if (t1 <= t0) t1 = t0 + 3600;
    drawTimeline(found);
    buildGraph(found);
    renderer = new Sigma(graph, netBox, {
      renderEdgeLabels: false, labelRenderedSizeThreshold: 8, itemSizesReference: "screen",
      labelFont: "\"graphtool CJK\", system-ui, sans-serif",
      nodeReducer: function (node, attrs) { return visibleNodes.has(node) ? attrs : Object.assign({}, attrs, { hidden: true }); },
      edgeReducer: function (edge, attrs) { return visibleEdges.has(edge) ? attrs : Object.assign({}, attrs, { hidden: true }); } });
    renderer.on("clickNode", function (event) { select(event.node); });
    document.fonts.ready.then(function () { renderer.refresh(); });
    apply();
    if (found.truncated) say(status.textContent + " (the earliest " + found.cap + " posts and shares)");
    document.body.dataset.networkReady = "1";
  }

  window.graphtoolNarrative = {
    graph: graph,
    visible: function () { return visibleNodes.size; },
    clientX: function (ts) { return svg.getBoundingClientRect().left + xOf(ts); },
    clientY: function () { return svg.getBoundingClientRect().top + (TOP + H - BOTTOM) / 2; },
    span: function () { return [t0, t1]; },
  };
  fetch("/api/narrative?id=" + encodeURIComponent(box.dataset.id), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error("the server answered " + r.status); return r.json(); })
    .then(start)
    .catch(function (e) { say(String(e.message)); document.body.dataset.networkReady = "1"; });
})();
