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
})();
