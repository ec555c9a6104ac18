// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Move focus to the main landmark after the skip link so keyboard users land inside it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".skip-link");
    if (link) {
      var main = document.getElementById("main");
      if (main) { main.focus(); }
    }
  });

  // The main navigation's wings are <details> disclosures: they open and close by keyboard without any
  // script. Here only: one open at a time, Escape closes and returns focus, a click elsewhere closes.
  function groups() {
    return Array.prototype.slice.call(document.querySelectorAll(".main-nav details.nav-disclosure"));
  }
  function closeAll(except) {
    groups().forEach(function (group) {
      if (group !== except && group.open) { group.open = false; }
    });
  }
  groups().forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (group.open) { closeAll(group); }
    });
    // Tabbing out of an open wing closes it, so it does not cover the page.
    group.addEventListener("focusout", function (event) {
      if (group.open && event.relatedTarget && !group.contains(event.relatedTarget)) { group.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = groups().filter(function (group) { return group.open; })[0];
    if (open) {
      open.open = false;
      var summary = open.querySelector("summary");
      if (summary) { summary.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    if (!(event.target.closest && event.target.closest(".main-nav details.nav-disclosure"))) { closeAll(null); }
  });
})();
