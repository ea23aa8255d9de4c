// graphtool timeline: draws the chart and tables from the JSON block; text goes through textContent only.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var vol = data.volume, platforms = Object.keys(vol.platforms).sort();
  var color = data.colors || {}, shown = {};  // one fixed colour per platform, the figure's too
  platforms.forEach(function (p) { shown[p] = true; });
  var base = vol.bin_s, factor = 1;

  function el(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function iso(ts) { return new Date(ts * 1000).toISOString().replace(".000Z", "Z").replace("T", " "); }
  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); return td; }

  document.getElementById("summary").textContent = "Counts " + (data.counted || "posts and shares") + ": " +
    data.posts + " posts and " + data.shares + " shares on " + platforms.length + " platforms" + (data.undated_posts ? ", " + data.undated_posts + " undated posts not shown" : "") +
    "; narrative id " + data.narrative + ".";

  var binSelect = document.getElementById("bin");
  [[1, "as stored"], [6, "x6"], [24, "x24"]].forEach(function (o) {
    if (o[0] === 1 || base * o[0] <= 86400) {
      var opt = document.createElement("option");
      var secs = base * o[0];
      opt.value = o[0];
      opt.textContent = secs % 86400 === 0 ? (secs / 86400) + " day" : secs % 3600 === 0 ? (secs / 3600) + " h" : secs + " s";
      binSelect.appendChild(opt);
    }
  });
  binSelect.addEventListener("change", function () { factor = +binSelect.value; draw(); });

  var pbox = document.getElementById("platforms");
  platforms.forEach(function (p) {
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox"; box.checked = true;
    box.addEventListener("change", function () { shown[p] = box.checked; draw(); });
    var sw = document.createElement("span"); sw.className = "swatch"; sw.style.background = color[p];
    label.appendChild(box); label.appendChild(sw); label.appendChild(document.createTextNode(p));
    pbox.appendChild(label);
  });

  var tip = document.getElementById("tip");
  function showTip(evt, text) {
    tip.textContent = text; tip.style.display = "block";
    tip.style.left = (evt.clientX + 12) + "px"; tip.style.top = (evt.clientY + 12) + "px";
  }
  function hideTip() { tip.style.display = "none"; }

  function draw() {
    var n = vol.bins.length, nb = Math.ceil(n / factor), bin = base * factor;
    var series = platforms.map(function (p) {
      var src = vol.platforms[p], out = new Array(nb).fill(0);
      for (var i = 0; i < n; i++) { out[Math.floor(i / factor)] += src[i]; }
      return out;
    });
    var totals = new Array(nb).fill(0);
    platforms.forEach(function (p, k) { if (shown[p]) { series[k].forEach(function (v, i) { totals[i] += v; }); } });
    var ymax = Math.max(1, Math.max.apply(null, totals));
    var lanes = (data.first_appearance || []).length;
    var W = 1100, L = 48, R = 16, T = 48, B = 36 + 7 * lanes, H = 300 + T + B, pw = W - L - R, ph = H - T - B;
    var t0 = vol.start_ts, t1 = vol.start_ts + nb * bin;
    function x(ts) { return L + (ts - t0) / (t1 - t0) * pw; }
    function y(v) { return T + ph - v / ymax * ph; }
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    svg.appendChild(el("title", {}, "Activity per platform"));
    (data.bursts || []).forEach(function (b) {
      svg.appendChild(el("rect", { x: x(b.start_ts), y: T, width: Math.max(1, x(b.end_ts) - x(b.start_ts)), height: ph,
                                   fill: "#fde0dd", opacity: 0.7 }));
    });
    var axis = el("g", { "class": "axis" });
    for (var k = 0; k <= 4; k++) {
      var v = Math.round(ymax * k / 4);
      axis.appendChild(el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#eee" }));
      axis.appendChild(el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, String(v)));
    }
    var day = 86400, first = Math.ceil(t0 / day) * day, step = Math.max(1, Math.round((t1 - t0) / day / 12)) * day;
    for (var d = first; d <= t1; d += step) {
      axis.appendChild(el("line", { x1: x(d), x2: x(d), y1: T + ph, y2: T + ph + 4, stroke: "#999" }));
      axis.appendChild(el("text", { x: x(d), y: T + ph + 18, "text-anchor": "middle" }, iso(d).slice(0, 10)));
    }
    svg.appendChild(axis);
    var bw = Math.max(1, pw / nb - (pw / nb > 3 ? 1 : 0));
    for (var i = 0; i < nb; i++) {
      var acc = 0, lines = [iso(t0 + i * bin) + " (" + (bin >= 86400 ? bin / 86400 + " d" : bin / 3600 + " h") + ")"];
      platforms.forEach(function (p, k) {
        if (!shown[p] || !series[k][i]) { return; }
        var h = series[k][i] / ymax * ph;
        var r = el("rect", { x: x(t0 + i * bin), y: y(acc) - h, width: bw, height: h, fill: color[p] });
        acc += series[k][i];
        lines.push(p + ": " + series[k][i]);
        svg.appendChild(r);
      });
      if (acc) {
        var hit = el("rect", { x: x(t0 + i * bin), y: T, width: bw, height: ph, fill: "transparent" });
        (function (text) {
          hit.addEventListener("mousemove", function (evt) { showTip(evt, text); });
          hit.addEventListener("mouseleave", hideTip);
        })(lines.join("\n"));
        svg.appendChild(hit);
      }
    }
    (data.events || []).forEach(function (e, j) {
      if (e.ts < t0 || e.ts > t1) { return; }
      svg.appendChild(el("line", { x1: x(e.ts), x2: x(e.ts), y1: T - 4, y2: T + ph, stroke: "#2d6a2d",
                                   "stroke-dasharray": "4 3" }));
      var full = (e.kind ? e.kind + ": " : "") + e.name;
      var right = x(e.ts) > W * 0.75;  // labels near the right edge run leftwards
      var label = el("text", { x: x(e.ts) + (right ? -3 : 3), y: T - 8 - (j % 3) * 12, "class": "event-label",
                               "text-anchor": right ? "end" : "start" },
                     full.length > 40 ? full.slice(0, 39) + "…" : full);
      label.appendChild(el("title", {}, full + " — " + e.at));
      svg.appendChild(label);
    });
    (data.first_appearance || []).forEach(function (f, lane) {
      if (!shown[f.platform]) { return; }
      var cx = x(f.ts), cy = T + ph + 34 + lane * 7;  // one lane per platform: markers do not hide each other
      var m = el("path", { d: "M" + cx + " " + (cy - 7) + " l5 9 l-10 0 z", fill: color[f.platform], stroke: "#333" });
      var text = "first on " + f.platform + ": " + iso(f.ts) + "\n" + f.kind + " " + f.article + (f.account ? "\nby " + f.account : "");
      m.addEventListener("mousemove", function (evt) { showTip(evt, text); });
      m.addEventListener("mouseleave", hideTip);
      svg.appendChild(m);
    });
    var chart = document.getElementById("chart");
    while (chart.firstChild) { chart.removeChild(chart.firstChild); }
    chart.appendChild(svg);
  }

  function rows(id, items, fill) {
    var body = document.querySelector("#" + id + " tbody");
    items.forEach(function (item) { var tr = document.createElement("tr"); fill(tr, item); body.appendChild(tr); });
  }
  function accounts(list) {
    return list.map(function (a) { return a.account + " (" + a.count + ")"; }).join(", ");
  }
  rows("first", data.first_appearance || [], function (tr, f) {
    var sw = document.createElement("span"); sw.className = "swatch"; sw.style.background = color[f.platform] || "#ccc";
    var td = cell(tr, ""); td.appendChild(sw); td.appendChild(document.createTextNode(f.platform));
    cell(tr, f.at); cell(tr, f.kind); cell(tr, f.article); cell(tr, f.account || "");
  });
  rows("events", data.event_alignment || [], function (tr, e) {
    cell(tr, (e.kind ? e.kind + ": " : "") + e.name); cell(tr, e.at); cell(tr, String(e.before)); cell(tr, String(e.after));
    cell(tr, e.change === null ? "new" : "x" + e.change);
    cell(tr, e.bursts.map(function (b) { return b.start + " " + b.count + " — " + accounts(b.accounts); }).join("\n") || "none");
  });
  rows("bursts", data.bursts || [], function (tr, b) {
    cell(tr, b.start); cell(tr, b.end); cell(tr, String(b.count)); cell(tr, String(b.baseline)); cell(tr, String(b.z));
    cell(tr, Object.keys(b.platforms).map(function (p) { return p + " " + b.platforms[p]; }).join(", "));
    cell(tr, accounts(b.accounts));
  });
  draw();
  document.body.setAttribute("data-drawn", "1");  // for tests: CSP forbids eval-based waits
})();
