// Proposes the re-assessment date for the chosen level of concern (high 14 days, moderate 6 weeks,
// low 3 months), as long as the assessor has not set a date of their own. Without JavaScript the
// form keeps the date proposed by the server.
(function () {
  "use strict";
  function init() {
    var data = document.getElementById("review-defaults");
    var date = document.getElementById("id_next_review_on");
    if (!data || !date) { return; }
    var defaults = JSON.parse(data.textContent);
    var touched = false;
    date.addEventListener("input", function () { touched = true; });
    document.querySelectorAll("input[name=level]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (!touched && radio.checked && defaults[radio.value]) { date.value = defaults[radio.value]; }
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
