// Fast paper entry: Enter moves to the next field like Tab (typists keep one hand on the number pad);
// Ctrl+Enter (or Enter in the last field) saves. The first field in error gets the focus after a refusal.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("entry-form");
    if (!form) { return; }
    var fields = Array.prototype.slice.call(form.querySelectorAll("input[type=text], input[type=number]"));
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT") { return; }
      var index = fields.indexOf(event.target);
      if (event.ctrlKey || event.metaKey || index === fields.length - 1) { return; }  // submits
      event.preventDefault();
      if (index >= 0) { fields[index + 1].focus(); fields[index + 1].select(); }
    });
    var invalid = form.querySelector("[aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  });
})();
