// Registry maps: GeoJSON drawn with Leaflet over the base map of js/basemap.js (decision 0022).
// No tile layer and no request to anyone but this server. Data comes from a
// json_script element (data-geojson-script) or from our API (data-geojson-url).
// Everything the map shows is also in a table on the page, so the map is an
// enhancement: without JavaScript the page still carries all information.
(function () {
  "use strict";

  // Colour-blind-friendly, distinguishable on the light background (Okabe–Ito + Tol).
  var PALETTE = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#999933",
    "#882255", "#44aa99", "#332288", "#ddcc77", "#aa4499", "#117733", "#88ccee"
  ];
  var SINGLE = "#0b4f8a";
  var MISSING = "#9aa3ad";

  function label(el, name, fallback) {
    return el.getAttribute("data-label-" + name) || fallback;
  }

  function groupOf(feature, colorBy) {
    var p = feature.properties || {};
    if (colorBy === "district") {
      return { key: p.district || "", name: p.district_name || p.district || "" };
    }
    if (colorBy === "police_directorate") {
      return { key: p.police_directorate || "", name: p.police_directorate_name || "" };
    }
    return { key: "", name: "" };
  }

  // Stable colours: groups sorted by name get palette entries in that order.
  function colourTable(features, colorBy) {
    var names = {};
    features.forEach(function (f) {
      var g = groupOf(f, colorBy);
      if (g.key) { names[g.key] = g.name; }
    });
    var keys = Object.keys(names).sort(function (a, b) {
      return names[a].localeCompare(names[b], "de");
    });
    var table = {};
    keys.forEach(function (key, i) {
      table[key] = { colour: PALETTE[i % PALETTE.length], name: names[key] };
    });
    return { keys: keys, table: table };
  }

  function renderLegend(container, colours) {
    if (!container) { return; }
    while (container.firstChild) { container.removeChild(container.firstChild); }
    var list = document.createElement("ul");
    list.className = "legend-list";
    colours.keys.forEach(function (key) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "legend-swatch";
      swatch.setAttribute("aria-hidden", "true");
      // CSSOM assignment, not a style attribute: allowed under style-src 'self'.
      swatch.style.backgroundColor = colours.table[key].colour;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(colours.table[key].name));
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  function popupContent(el, feature) {
    var p = feature.properties || {};
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.name || "";
    box.appendChild(title);
    function line(text) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(text));
    }
    if (p.district_name) { line(label(el, "district", "District") + ": " + p.district_name); }
    if (p.police_directorate_name) { line(label(el, "police", "Police directorate") + ": " + p.police_directorate_name); }
    if (typeof p.population === "number") {
      line(label(el, "population", "Population") + ": " + p.population.toLocaleString("de-DE"));
    }
    var template = el.getAttribute("data-municipality-url");
    if (template && p.ags && /^[0-9]{8}$/.test(p.ags)) {
      box.appendChild(document.createElement("br"));
      var link = document.createElement("a");
      link.href = template.replace("00000000", p.ags);
      link.textContent = label(el, "open", "Open the municipality page");
      box.appendChild(link);
    }
    return box;
  }

  function showError(el) {
    var message = document.createElement("p");
    message.className = "map-error";
    message.textContent = label(el, "error", "The map could not be loaded.");
    el.appendChild(message);
  }

  function draw(el, map, data) {
    var features = (data && data.features) || (data && data.type === "Feature" ? [data] : []);
    var state = { colorBy: el.getAttribute("data-color-by") || "single" };
    var colours = colourTable(features, state.colorBy);

    function style(feature) {
      var fill = SINGLE;
      if (state.colorBy !== "single") {
        var entry = colours.table[groupOf(feature, state.colorBy).key];
        fill = entry ? entry.colour : MISSING;
      }
      return { color: "#ffffff", weight: 1, fillColor: fill, fillOpacity: state.colorBy === "single" ? 0.35 : 0.75 };
    }

    var layer = L.geoJSON(data, {
      style: style,
      onEachFeature: function (feature, shape) {
        var name = (feature.properties && feature.properties.name) || "";
        if (name) {
          // A text node, never a string: Leaflet would treat a string as HTML.
          var tip = document.createElement("span");
          tip.textContent = name;
          shape.bindTooltip(tip, { sticky: true });
        }
        shape.bindPopup(function () { return popupContent(el, feature); });
      }
    }).addTo(map);
    // Chromium makes every shape with Leaflet's focus listeners a tab stop: hundreds of them on the
    // overview. Keyboard users get the same information from the table, so keep them out of the tab order.
    layer.eachLayer(function (shape) {
      var element = shape.getElement && shape.getElement();
      if (element) { element.setAttribute("tabindex", "-1"); }
    });
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    }
    var legend = document.getElementById(el.getAttribute("data-legend") || "");
    if (state.colorBy !== "single") { renderLegend(legend, colours); }

    var select = document.querySelector('select[data-map-target="' + el.id + '"]');
    if (select) {
      select.addEventListener("change", function () {
        state.colorBy = select.value;
        colours = colourTable(features, state.colorBy);
        layer.setStyle(style);
        renderLegend(legend, colours);
      });
    }
  }

  function init(el) {
    if (!window.L || el.getAttribute("data-map-ready")) { return; }
    el.setAttribute("data-map-ready", "1");
    var map = L.map(el, {
      attributionControl: false,  // the attribution is a line of text under every map
      zoomControl: false,
      scrollWheelZoom: false,     // scrolling the page must not get stuck in the map
      zoomSnap: 0.25
    });
    L.control.zoom({
      zoomInTitle: label(el, "zoom-in", "Zoom in"),
      zoomOutTitle: label(el, "zoom-out", "Zoom out")
    }).addTo(map);
    map.setView([51.0, 13.4], 7);  // Saxony, until the data says better

    var scriptId = el.getAttribute("data-geojson-script");
    var url = el.getAttribute("data-geojson-url");
    if (scriptId) {
      var source = document.getElementById(scriptId);
      try {
        draw(el, map, JSON.parse(source ? source.textContent : "null"));
      } catch (err) {
        showError(el);
      }
    } else if (url) {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) { draw(el, map, data); })
        .catch(function () { showError(el); });
    }
  }

  function initAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initAll);
  } else {
    initAll();
  }
})();
