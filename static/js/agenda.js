// The calendar (templates/agenda/calendar.html): arrow keys between days and bookings, and the
// booking details <dialog> that HTMX fills. No inline script (Content-Security-Policy).
(function () {
  "use strict";

  function cells(grid) {
    return Array.from(grid.querySelectorAll("tbody tr")).map(function (row) {
      return Array.from(row.querySelectorAll("td.agenda-cell"));
    });
  }

  function focusCell(cell) {
    if (!cell) return;
    var target = cell.querySelector("a.agenda-day, [data-agenda-event], a.agenda-add, a.agenda-more");
    if (!target) {
      cell.setAttribute("tabindex", "-1");
      target = cell;
    }
    target.focus();
  }

  function onKey(event) {
    var keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"];
    if (keys.indexOf(event.key) < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    var grid = event.target.closest("[data-agenda-grid]");
    var cell = event.target.closest("td.agenda-cell");
    if (!grid || !cell) return;
    var rows = cells(grid);
    var r = rows.findIndex(function (row) { return row.indexOf(cell) >= 0; });
    var c = rows[r].indexOf(cell);
    // Up / Down first walk the bookings inside a cell, then leave it.
    var items = Array.from(cell.querySelectorAll("a.agenda-day, [data-agenda-event]"));
    var at = items.indexOf(event.target);
    if (event.key === "ArrowDown" && at >= 0 && at < items.length - 1) {
      items[at + 1].focus(); event.preventDefault(); return;
    }
    if (event.key === "ArrowUp" && at > 0) {
      items[at - 1].focus(); event.preventDefault(); return;
    }
    var flat = [].concat.apply([], rows);
    var index = flat.indexOf(cell);
    var width = rows[r].length;
    var next = null;
    if (event.key === "ArrowLeft") next = flat[index - 1];
    if (event.key === "ArrowRight") next = flat[index + 1];
    if (event.key === "ArrowUp") next = rows[r - 1] && rows[r - 1][c];
    if (event.key === "ArrowDown") next = rows[r + 1] && rows[r + 1][c];
    if (event.key === "Home") next = rows[r][0];
    if (event.key === "End") next = rows[r][width - 1];
    if (next) {
      event.preventDefault();
      focusCell(next);
    }
  }

  document.addEventListener("keydown", onKey);

  // The details dialog: opened when HTMX has put a booking's details into it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "agenda-panel-body") return;
    var dialog = document.getElementById("agenda-panel");
    if (dialog && !dialog.open) dialog.showModal();
    var title = target.querySelector(".details-title");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    }
  });

  // After a period swap, say where we are (the heading is a live region) and keep focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "agenda") {
      var heading = document.getElementById("agenda-title");
      if (heading && document.activeElement === document.body) heading.focus();
    }
  });
})();
