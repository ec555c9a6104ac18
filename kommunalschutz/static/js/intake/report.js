// The report's municipality select (docs/protection/reporting-path.md): a search box that narrows the long,
// district-grouped list as the person types. Progressive: without JavaScript the select works on its own
// (grouped by district, type-ahead by first letters). No library, no request to anywhere.
(function () {
  "use strict";
  const select = document.querySelector("select[data-municipality-select]");
  if (!select) {
    return;
  }
  const box = document.createElement("div");
  box.className = "intake-filter";
  const label = document.createElement("label");
  const input = document.createElement("input");
  const status = document.createElement("p");
  input.type = "search";
  input.id = select.id + "-filter";
  input.autocomplete = "off";
  input.setAttribute("aria-controls", select.id);
  input.setAttribute("aria-describedby", input.id + "-status");
  label.htmlFor = input.id;
  label.textContent = select.dataset.filterLabel || "";
  status.id = input.id + "-status";
  status.className = "help";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  box.append(label, input, status);
  select.parentNode.insertBefore(box, select);

  const normal = function (text) {
    return text.toLocaleLowerCase("de").replace(/ä/g, "a").replace(/ö/g, "o").replace(/ü/g, "u").replace(/ß/g, "ss");
  };

  input.addEventListener("input", function () {
    const wanted = normal(input.value.trim());
    let shown = 0;
    let only = null;
    for (const group of select.querySelectorAll("optgroup")) {
      const district = normal(group.label);
      let visible = 0;
      for (const option of group.querySelectorAll("option")) {
        const match = !wanted || normal(option.textContent).includes(wanted) || district.includes(wanted);
        option.hidden = !match;
        option.disabled = !match && !option.selected;
        if (match) {
          visible += 1;
          only = option;
        }
      }
      group.hidden = visible === 0;
      shown += visible;
    }
    if (shown === 1 && only) {
      select.value = only.value;
    }
    status.textContent = wanted ? (select.dataset.filterCount || "").replace("%(count)s", String(shown)) : "";
  });
})();
