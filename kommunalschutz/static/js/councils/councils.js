// Inline adding of members and decisions (HTMX): after the section is swapped, move the focus to its
// confirmation, or to the first field with an error, so keyboard and screen-reader users keep their place.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function () {
    var target = document.querySelector("[data-focus-after-swap]") ||
      document.querySelector(".inline-add [aria-invalid=true]");
    if (target) { target.focus(); }
  });
})();
