// graphtool serve: sortable tables.  No innerHTML anywhere: cells are moved, never re-parsed.
"use strict";
(function () {
  function cellValue(row, index) {
    const cell = row.cells[index];
    const text = cell ? cell.textContent.trim() : "";
    const number = Number(text.replace(/,/g, ""));
    return text !== "" && !Number.isNaN(number) ? number : text.toLowerCase();
  }
  function sortBy(table, index, header) {
    const body = table.tBodies[0];
    if (!body) return;
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = cellValue(a, index), y = cellValue(b, index);
      const order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
      return ascending ? order : -order;
    });
    for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    for (const row of rows) body.appendChild(row);
  }
  function init() {
    for (const table of document.querySelectorAll("table.sortable")) {
      if (!table.tHead) continue;
      Array.from(table.tHead.rows[0].cells).forEach(function (th, index) {
        th.tabIndex = 0;
        th.title = "sort";
        th.addEventListener("click", function () { sortBy(table, index, th); });
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(table, index, th); });
      });
    }
    document.body.dataset.ready = "1";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
