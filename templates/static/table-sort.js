/* The county table sorted by total in place: a button in the 合计 heading switches between the
   grouping by 市州 (as written in the page) and all counties ranked by total, most first. Without
   script the page links to the same ranking as its own page (counties/ranking/). */
(function () {
  "use strict";

  var table = document.getElementById("county-stats");
  var heading = table && table.querySelector("thead th.total");
  if (!heading) return;
  var groups = Array.prototype.slice.call(table.tBodies);
  var ranked = document.createElement("tbody");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "sort-button";
  button.textContent = heading.textContent;
  heading.textContent = "";
  heading.appendChild(button);

  function total(row) {
    return parseInt(row.querySelector("td.total").textContent, 10);
  }

  function rank() {
    var rows = [];
    groups.forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (row, index) {
        if (!row.classList.contains("subtotal")) rows.push({ row: row, order: rows.length });
      });
    });
    rows.sort(function (a, b) { return total(b.row) - total(a.row) || a.order - b.order; });
    rows.forEach(function (entry) { ranked.appendChild(entry.row); });
    groups.forEach(function (body) { body.remove(); });
    table.insertBefore(ranked, table.tFoot);
  }

  function group() {
    var rows = Array.prototype.slice.call(ranked.rows);
    ranked.remove();
    groups.forEach(function (body) { table.insertBefore(body, table.tFoot); });
    rows.forEach(function (row) { row.originalBody.appendChild(row); });
    groups.forEach(function (body) {
      Array.prototype.slice.call(body.rows).sort(function (a, b) { return a.originalOrder - b.originalOrder; })
        .forEach(function (row) { body.appendChild(row); });
    });
  }

  groups.forEach(function (body) {
    Array.prototype.forEach.call(body.rows, function (row, index) {
      row.originalBody = body;
      row.originalOrder = index;
    });
  });

  button.addEventListener("click", function () {
    var sorted = heading.getAttribute("aria-sort") === "descending";
    if (sorted) group(); else rank();
    heading.setAttribute("aria-sort", sorted ? "none" : "descending");
    var caption = table.caption;
    caption.textContent = caption.textContent.replace(/（.*）$/, sorted ? "（按市州分组）" : "（按合计排列）");
  });
})();
