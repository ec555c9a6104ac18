// Progressive enhancement of the online questionnaire: a question whose filter depends on another
// question of the same page is hidden while that filter is not met. The server applies the same rule
// when saving (answers to hidden questions are dropped), so without JavaScript nothing goes wrong.
(function () {
  "use strict";
  function chosen(form, name) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name === name && (el.type === "radio" || el.type === "checkbox") && el.checked;
    }).map(function (el) { return el.value; });
  }
  function onPage(form, name) {
    return Array.prototype.some.call(form.elements, function (el) { return el.name === name; });
  }
  function update(form) {
    form.querySelectorAll("fieldset[data-show-if-item]").forEach(function (fieldset) {
      var source = fieldset.getAttribute("data-show-if-item");
      if (!onPage(form, source)) { return; }
      var wanted = (fieldset.getAttribute("data-show-if-values") || "").split(" ");
      var met = chosen(form, source).some(function (value) { return wanted.indexOf(value) !== -1; });
      fieldset.hidden = !met;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.survey-form");
    if (!form) { return; }
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
