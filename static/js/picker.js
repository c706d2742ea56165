/* The contacts / organisations picker (templates/contacts/_picker.html). No framework.
 *
 * HTMX fetches the suggestions; this file only handles choosing one: it fills the hidden
 * input, shows the chosen label with a "Change" button, clears the list, moves the focus and
 * fires a bubbling `picked` CustomEvent ({id, label, name}) on the picker's wrapper.
 * Everything is delegated from `document`, so pickers swapped in later by HTMX work too, and
 * the file may be included many times: it sets itself up once.
 */
(function () {
  "use strict";
  if (window.TrainingDeskPicker) {
    return;
  }
  window.TrainingDeskPicker = { version: 1 };

  function wrapperOf(el) {
    return el && el.closest ? el.closest("[data-picker]") : null;
  }
  function part(wrapper, selector) {
    return wrapper.querySelector(selector);
  }
  function searchBox(wrapper) {
    return part(wrapper, "[data-picker-search]");
  }
  function resultsBox(wrapper) {
    return part(wrapper, "[data-picker-results]");
  }
  function suggestions(wrapper) {
    return Array.prototype.slice.call(
      resultsBox(wrapper).querySelectorAll("button[data-pick-id]")
    );
  }
  function announce(wrapper, text) {
    var status = part(wrapper, "[data-picker-status]");
    if (status) {
      status.textContent = text;
    }
  }
  function fire(wrapper, type, detail) {
    wrapper.dispatchEvent(new CustomEvent(type, { bubbles: true, detail: detail }));
  }

  function dependentsOf(wrapper) {
    var scope = wrapper.closest("form") || document;
    var name = wrapper.getAttribute("data-name");
    return Array.prototype.filter.call(
      scope.querySelectorAll("[data-picker][data-organisation-from]"),
      function (other) {
        return other.getAttribute("data-organisation-from") === name;
      }
    );
  }

  function choose(wrapper, id, label) {
    part(wrapper, "[data-picker-value]").value = id;
    part(wrapper, "[data-picker-label]").textContent = label;
    part(wrapper, "[data-picker-chosen]").hidden = false;
    var box = searchBox(wrapper);
    box.value = "";
    box.hidden = true;
    resultsBox(wrapper).innerHTML = "";
    announce(wrapper, label + " chosen");
    part(wrapper, "[data-picker-change]").focus();
    dependentsOf(wrapper).forEach(function (other) {
      clear(other, false);
    });
    fire(wrapper, "picked", { id: id, label: label, name: wrapper.getAttribute("data-name") });
  }

  function clear(wrapper, focus) {
    var hadValue = part(wrapper, "[data-picker-value]").value !== "";
    part(wrapper, "[data-picker-value]").value = "";
    part(wrapper, "[data-picker-label]").textContent = "";
    part(wrapper, "[data-picker-chosen]").hidden = true;
    var box = searchBox(wrapper);
    box.hidden = false;
    box.value = "";
    resultsBox(wrapper).innerHTML = "";
    announce(wrapper, "");
    if (focus) {
      box.focus();
    }
    if (hadValue) {
      dependentsOf(wrapper).forEach(function (other) {
        clear(other, false);
      });
      fire(wrapper, "unpicked", { name: wrapper.getAttribute("data-name") });
    }
  }

  document.addEventListener("click", function (event) {
    var wrapper = wrapperOf(event.target);
    if (!wrapper) {
      return;
    }
    var pick = event.target.closest("button[data-pick-id]");
    if (pick && wrapper.contains(pick)) {
      event.preventDefault();
      choose(wrapper, pick.getAttribute("data-pick-id"), pick.getAttribute("data-pick-label"));
      return;
    }
    if (event.target.closest("[data-picker-change]")) {
      event.preventDefault();
      clear(wrapper, true);
    }
  });

  document.addEventListener("keydown", function (event) {
    var wrapper = wrapperOf(event.target);
    if (!wrapper) {
      return;
    }
    var box = searchBox(wrapper);
    var buttons = suggestions(wrapper);
    var index = buttons.indexOf(event.target);
    if (event.target === box) {
      if (event.key === "ArrowDown" && buttons.length) {
        event.preventDefault();
        buttons[0].focus();
      } else if (event.key === "Escape" && resultsBox(wrapper).innerHTML !== "") {
        event.preventDefault();
        resultsBox(wrapper).innerHTML = "";
        announce(wrapper, "");
      } else if (event.key === "Enter") {
        // Enter in the search box must not submit the surrounding form.
        event.preventDefault();
        if (buttons.length === 1) {
          buttons[0].click();
        }
      }
      return;
    }
    if (index === -1) {
      return;
    }
    if (event.key === "ArrowDown") {
      event.preventDefault();
      buttons[Math.min(index + 1, buttons.length - 1)].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (index === 0) {
        box.focus();
      } else {
        buttons[index - 1].focus();
      }
    } else if (event.key === "Home") {
      event.preventDefault();
      buttons[0].focus();
    } else if (event.key === "End") {
      event.preventDefault();
      buttons[buttons.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      resultsBox(wrapper).innerHTML = "";
      announce(wrapper, "");
      box.focus();
    }
  });

  // A picker restricted by another input (data-organisation-from) sends that input's value.
  document.addEventListener("htmx:configRequest", function (event) {
    var wrapper = wrapperOf(event.detail.elt);
    if (!wrapper || !wrapper.hasAttribute("data-organisation-from")) {
      return;
    }
    var scope = wrapper.closest("form") || document;
    var name = wrapper.getAttribute("data-organisation-from");
    var source = Array.prototype.find.call(scope.querySelectorAll("input, select"), function (el) {
      return el.name === name && !wrapper.contains(el);
    });
    event.detail.parameters.organisation = source ? source.value : "";
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var wrapper = wrapperOf(event.detail.target);
    if (!wrapper || !event.detail.target.hasAttribute("data-picker-results")) {
      return;
    }
    var count = suggestions(wrapper).length;
    var empty = event.detail.target.querySelector("[data-picker-empty]");
    if (count) {
      announce(wrapper, count === 1 ? "1 suggestion" : count + " suggestions");
    } else {
      announce(wrapper, empty ? empty.textContent.trim() : "");
    }
  });
})();
