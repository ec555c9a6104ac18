// The base map under every Leaflet map (docs/decisions/0022-base-map-from-shipped-data.md).
//
// No tile server: one static GeoJSON file built by `kommunalschutz build-basemap` from the
// boundaries the repository ships (state outline, districts, municipalities, the German districts
// around Saxony, Natural Earth rivers) and the larger places with their names. This script hooks
// into Leaflet: every map created on the page gets the base layer in panes below the thematic layer
// (boundaries) and above it (names), none of it interactive, none of it in the tab order. The file's
// URL comes from this script's own data-basemap-url attribute (registry/_basemap_assets.html).
(function () {
  "use strict";

  if (!window.L) { return; }
  var script = document.currentScript;
  var URL_ = script && script.getAttribute("data-basemap-url");
  var ATTRIBUTION = (script && script.getAttribute("data-basemap-attribution")) || "";
  if (!URL_) { return; }

  // Calm colours: a light paper for Saxony, a slightly darker one for Germany around it, the map's own
  // background (registry.css) for the neighbouring countries; boundaries in warm greys by rank.
  var STYLES = {
    "neighbours": { stroke: false, fillColor: "#eeede7", fillOpacity: 1 },
    "neighbour-boundaries": { color: "#c6c1b4", weight: 0.8, fill: false },
    "state": { stroke: false, fillColor: "#fbfaf5", fillOpacity: 1 },
    "lakes": { stroke: false, fillColor: "#bdd5ea", fillOpacity: 1 },
    "municipality-boundaries": { color: "#cdc6b8", weight: 0.7, fill: false },
    "rivers": { color: "#8fb3d3", weight: 1.6, fill: false, lineCap: "round" },
    "district-boundaries": { color: "#9c968a", weight: 1.3, fill: false }
  };
  var OUTLINE = { color: "#6d685e", weight: 2, fill: false };
  var PADDING = 3;  // px kept free around a label

  var request = null;
  function load() {
    if (!request) {
      request = fetch(URL_, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        });
    }
    return request;
  }

  function escapeHTML(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function labelIcon(properties) {
    var box = document.createElement("span");
    box.className = "basemap-label-text";
    box.textContent = properties.name || "";
    return L.divIcon({
      className: "basemap-label basemap-label-" + (properties.kind || "town"),
      html: box,
      iconSize: [0, 0]
    });
  }

  // Names in order of rank (larger places first); a name that would overlap one already shown, or be
  // cut by the map's edge, is hidden in this view. Widths are measured once: they do not change.
  function declutter(map, labels) {
    var placed = [];
    var size = map.getSize();
    labels.forEach(function (label) {
      var p = map.latLngToContainerPoint(label.latlng);
      var left = label.centred ? p.x - label.width / 2 : p.x - 4;
      var box = [left - PADDING, p.y - label.height / 2 - PADDING,
                 left + label.width + PADDING, p.y + label.height / 2 + PADDING];
      var collides = placed.some(function (other) {
        return box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3];
      });
      var cut = box[0] < 0 || box[1] < 0 || box[2] > size.x || box[3] > size.y;
      var hide = collides || cut || (label.minZoom && map.getZoom() < label.minZoom);
      label.element.classList.toggle("basemap-label-hidden", Boolean(hide));
      if (!hide) { placed.push(box); }
    });
  }

  function draw(map, data) {
    var container = map.getContainer();
    var renderer = L.svg({ pane: "basemap", padding: 0.5 });
    var common = { pane: "basemap", renderer: renderer, interactive: false };
    L.geoJSON(data, L.extend({}, common, {
      filter: function (feature) { return feature.geometry && feature.geometry.type !== "Point"; },
      style: function (feature) { return STYLES[feature.properties.layer] || OUTLINE; }
    })).addTo(map);
    L.geoJSON(data, L.extend({}, common, {
      filter: function (feature) { return feature.properties.layer === "state"; },
      style: function () { return OUTLINE; }
    })).addTo(map);

    var labels = [];
    (data.features || []).forEach(function (feature) {
      if (!feature.geometry || feature.geometry.type !== "Point") { return; }
      var p = feature.properties || {};
      var c = feature.geometry.coordinates;
      var marker = L.marker([c[1], c[0]], {
        pane: "basemaplabels", icon: labelIcon(p), interactive: false, keyboard: false
      }).addTo(map);
      var element = marker.getElement();
      var text = element.firstChild;
      labels.push({
        latlng: marker.getLatLng(), element: element, rank: p.rank || 0,
        centred: p.kind === "region",
        minZoom: p.kind === "town" ? 8 : (p.kind === "region" ? 8 : 0),
        width: text.offsetWidth, height: text.offsetHeight
      });
    });
    labels.sort(function (a, b) { return a.rank - b.rank; });
    declutter(map, labels);
    // While Leaflet animates a zoom the names would slide over each other: they are hidden until the
    // zoom ends and they have been chosen for the new scale.
    var pane = map.getPane("basemaplabels");
    map.on("zoomstart", function () { pane.classList.add("basemap-labels-zooming"); });
    map.on("moveend zoomend viewreset resize", function () {
      declutter(map, labels);
      pane.classList.remove("basemap-labels-zooming");
    });
    container.setAttribute("data-basemap", "ready");
  }

  L.Map.addInitHook(function () {
    var map = this;
    var container = map.getContainer();
    container.setAttribute("data-basemap", "loading");
    var pane = map.createPane("basemap");
    var labelPane = map.createPane("basemaplabels");
    // The names are context, not content: the table beside the map carries every fact.
    labelPane.setAttribute("aria-hidden", "true");
    pane.setAttribute("aria-hidden", "true");
    if (ATTRIBUTION) {
      L.control.attribution({ prefix: false }).addAttribution(escapeHTML(ATTRIBUTION)).addTo(map);
    }
    load()
      .then(function (data) { map.whenReady(function () { draw(map, data); }); })
      .catch(function () { container.setAttribute("data-basemap", "error"); });
  });
})();
