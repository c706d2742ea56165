/* The "Add timeslot" form (templates/appointments/setup_timeslot_form.html): a One Time
 * timeslot has no days of the week and no End Date, so those fields are hidden while
 * Frequency is "One Time". Without JavaScript every field shows (the server ignores them
 * for a One Time timeslot). */
(function () {
  "use strict";
  function sync(form) {
    var checked = form.querySelector("input[name=frequency]:checked");
    var oneTime = checked !== null && checked.value === "one_time";
    ["weekdays", "end_date"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      var field = input && input.closest(".field");
      if (field) {
        field.hidden = oneTime;
      }
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-timeslot-form]");
    if (form && event.target.name === "frequency") {
      sync(form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-timeslot-form]").forEach(sync);
  });
})();
