// Keyboard shortcuts of the moderation pages: a accept, r reject, n next item, Esc back.
// A key clicks the element marked data-shortcut="<key>" on the page, so a shortcut does
// exactly what its button or link does (form, CSRF token and all).
(function () {
  "use strict";

  var SHORTCUTS = ["a", "r", "n", "Escape"];

  function typing(element) {
    if (!element || !element.tagName) {
      return false;
    }
    var tag = element.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || element.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (typing(event.target)) {
      // Esc leaves the field, so the next Esc (or a, r, n) works as a shortcut again.
      if (event.key === "Escape") {
        event.target.blur();
      }
      return;
    }
    if (SHORTCUTS.indexOf(event.key) === -1) {
      return;
    }
    var target = document.querySelector('[data-shortcut="' + event.key + '"]');
    if (!target) {
      return;
    }
    event.preventDefault();
    target.click();
  });
})();
