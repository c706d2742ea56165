/* While a plain form's post runs, its submit buttons are disabled, so a double click sends
 * it once. The server's one-time token (core.onetime) is the real guard; this spares the
 * second request and shows the click was taken. HTMX forms and buttons have their own
 * hx-disabled-elt and are left alone (HTMX cancels their native submit). No framework; works
 * for forms swapped in later (delegated from document); without JavaScript nothing changes.
 */
(function () {
  "use strict";
  if (window.TrainingDeskOnce) {
    return;
  }
  window.TrainingDeskOnce = { version: 1 };
  var BUTTONS = 'button:not([type]), button[type="submit"], input[type="submit"]';
  var MARK = "data-once-disabled";

  function enable(root) {
    root.querySelectorAll("[" + MARK + "]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute(MARK);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) {
      return;
    }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return;
    }
    // After this task: the browser has already taken the pressed button's name and value.
    window.setTimeout(function () {
      form.querySelectorAll(BUTTONS).forEach(function (button) {
        if (!button.disabled) {
          button.disabled = true;
          button.setAttribute(MARK, "");
        }
      });
      // A post that does not leave the page (a download) gives the buttons back.
      window.setTimeout(function () { enable(form); }, 15000);
    }, 0);
  });

  // Back to a page kept in the back/forward cache: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      enable(document);
    }
  });
})();
