// The booking details form of appointments (templates/appointments/book.html). Without this
// file the form still works: the server applies the same rules (Non-Recurring: End Date =
// Start Date) and "Show Available Dates" refreshes the Date Selection.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function form() {
    return document.getElementById("booking-form");
  }

  // Non-Recurring: the End Date follows the Start Date and cannot be edited.
  function syncEndDate(announce) {
    const f = form();
    if (!f) return;
    const chosen = f.querySelector('input[name="frequency"]:checked');
    const start = f.querySelector('input[name="start_date"]');
    const end = f.querySelector('input[name="end_date"]');
    if (!chosen || !start || !end) return;
    const single = chosen.value === "non_recurring";
    end.readOnly = single;
    if (single && end.value !== start.value) {
      end.value = start.value;
      if (announce) end.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  // "Select Student" or "Create a New Student": show the part chosen.
  function syncStudentMode() {
    const f = form();
    if (!f) return;
    const chosen = f.querySelector('input[name="student_mode"]:checked');
    f.querySelectorAll("[data-student-part]").forEach(function (part) {
      part.hidden = Boolean(chosen) && part.dataset.studentPart !== chosen.value;
    });
  }

  // "Create a New Pricing Schedule": its fields only when ticked.
  function syncNewPricing() {
    const f = form();
    if (!f) return;
    const box = f.querySelector('input[name="new_pricing"]');
    const part = f.querySelector("[data-new-pricing]");
    if (box && part) part.hidden = !box.checked;
  }

  document.addEventListener("change", function (event) {
    const name = event.target && event.target.name;
    if (name === "frequency" || name === "start_date") syncEndDate(true);
    if (name === "student_mode") syncStudentMode();
    if (name === "new_pricing") syncNewPricing();
  });

  function init() {
    syncEndDate(false);
    syncStudentMode();
    syncNewPricing();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
