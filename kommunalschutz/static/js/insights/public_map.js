// The public alliance map: municipality boundaries coloured by building block, prevention councils
// as dots, layer toggles, a month-by-month replay and a tutorial panel.
//
// Both the boundaries and the alliance's dates are fetched (decision 0033): the boundaries in the
// registry's compact form (quantised, delta-encoded, simplified per zoom level; decode() below), the
// coarsest level that suits the view first and a finer one when the user zooms in; the layer holds every
// building block with the date it began (and ended), so the state on any date is derived here without
// asking the server again. stateOn() below follows kommunalschutz/alliance/insights/selectors.py:state_on,
// which renders the same table (paged) without JavaScript. No tile layer, no request to anyone but this
// server.
(function () {
  "use strict";

  // Precedence of the colours (the first block switched on that a municipality has decides).
  var BLOCKS = ["model", "security_analysis", "coaching", "member", "contacted"];
  var TABLE_BLOCKS = ["contacted", "model", "member", "coaching", "security_analysis"];
  // The same colours as the .swatch-* rules in css/insights.css (Okabe–Ito).
  var BLOCK_COLOURS = {
    model: "#cc79a7", security_analysis: "#d55e00", coaching: "#e69f00", member: "#0072b2",
    contacted: "#56b4e9", council: "#009e73"
  };
  var NONE = "#e4e8ec";
  var STORAGE_KEY = "kommunalschutz.alliance-map.tutorial-closed";
  // core/collation.py's german_sort_key (DIN 5007-1): letters folded to their base letters, then lower case,
  // compared by code point, so the script's table pages hold the same rows as the server's.
  var FOLDS = {
    "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "TH", "þ": "th", "Ø": "O", "ø": "o",
    "Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Ħ": "H", "ħ": "h", "ı": "i", "Ŀ": "L", "ŀ": "l", "Ŧ": "T",
    "ŧ": "t", "Ð": "D", "ð": "d"
  };
  var FOLDED = new RegExp("[" + Object.keys(FOLDS).join("") + "]", "g");
  var KEYS = {};  // every name's key once: the sort runs again on every step of the replay
  function germanKey(name) {
    if (KEYS[name] !== undefined) { return KEYS[name]; }
    return (KEYS[name] = name.replace(FOLDED, function (c) { return FOLDS[c]; })
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase());
  }
  function byCodePoint(a, b) { return a < b ? -1 : (a > b ? 1 : 0); }
  // Above this many shapes the map draws on one canvas instead of an SVG path each (all of Germany).
  var CANVAS_ABOVE = 3000;

  // The registry's compact boundaries (kommunalschutz/foundation/registry/compact.py), decoded straight into
  // Leaflet's LatLng rings (no GeoJSON in between: L.geoJSON would convert every corner a second time), with
  // each municipality's area-weighted centroid of its outer rings (a marker position for its council),
  // computed on the integer grid while decoding. The closing corner is implied, as Leaflet wants it.
  function decode(data) {
    var q = data.quantum, ox = data.origin[0], oy = data.origin[1];
    return {
      levels: data.levels,
      features: data.features.map(function (item) {
        var total = 0, cx = 0, cy = 0;
        var latlngs = item[3].map(function (polygon) {
          return polygon.map(function (flat, index) {
            var n = flat.length / 2, ring = new Array(n);
            var x = 0, y = 0, x0 = 0, y0 = 0, px = 0, py = 0, area = 0, sx = 0, sy = 0;
            for (var i = 0; i < n; i += 1) {
              x += flat[2 * i]; y += flat[2 * i + 1];
              ring[i] = L.latLng(oy + y * q, ox + x * q);
              if (index === 0) {
                if (i === 0) { x0 = x; y0 = y; } else {
                  var cross = px * y - x * py;
                  area += cross; sx += (px + x) * cross; sy += (py + y) * cross;
                }
                px = x; py = y;
              }
            }
            if (index === 0 && n) {
              var closing = px * y0 - x0 * py;  // back to the first corner
              area += closing; sx += (px + x0) * closing; sy += (py + y0) * closing;
              if (area) {
                var weight = Math.abs(area / 2);
                total += weight; cx += sx / (3 * area) * weight; cy += sy / (3 * area) * weight;
              }
            }
            return ring;
          });
        });
        return {
          properties: { ags: item[0], name: item[1], district: item[2], district_name: data.districts[item[2]] || "" },
          latlngs: latlngs,
          centroid: total ? { lat: oy + cy / total * q, lng: ox + cx / total * q, area: total * q * q } : null
        };
      })
    };
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function format(template, values) {
    return String(template).replace(/%\(([a-z_]+)\)s/g, function (_, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function germanDate(iso) {
    if (!iso) { return ""; }
    var parts = iso.split("-");
    return parts[2] + "." + parts[1] + "." + parts[0];
  }

  // --- the state on one date -------------------------------------------------------------------

  function since(start, day) {
    return start && start <= day ? start : null;
  }

  function runningSince(periods, day) {
    for (var i = 0; i < periods.length; i += 1) {
      var start = periods[i][0], end = periods[i][1];
      if (start && start <= day && (!end || end > day)) { return start; }
    }
    return null;
  }

  function stateOn(layer, day) {
    var running = {};
    layer.councils.forEach(function (council) {
      if (council.established_on <= day && (!council.dissolved_on || council.dissolved_on > day)) {
        var key = council.target_kind + ":" + council.target;
        (running[key] = running[key] || []).push(council);
      }
    });
    var rows = [];
    [["municipality", layer.municipalities], ["district", layer.districts]].forEach(function (pair) {
      var kind = pair[0], targets = pair[1];
      Object.keys(targets).forEach(function (ags) {
        var target = targets[ags];
        var row = {
          ags: ags, kind: kind, name: target.name, district: target.district,
          districtName: target.district_name, synthetic: target.synthetic,
          since: {
            contacted: since(target.contacted, day),
            model: since(target.model, day),
            member: runningSince(target.member, day),
            coaching: since(target.coaching, day),
            security_analysis: since(target.security_analysis, day)
          },
          agreement: runningSince(target.agreements, day),
          councils: running[kind + ":" + ags] || []
        };
        var any = row.agreement || row.councils.length || TABLE_BLOCKS.some(function (b) { return row.since[b]; });
        if (any) { rows.push(row); }
      });
    });
    rows.sort(function (a, b) {
      if (a.kind !== b.kind) { return a.kind === "municipality" ? -1 : 1; }
      // German order as on the server (DIN 5007-1), code points between equal keys.
      return byCodePoint(germanKey(a.name), germanKey(b.name)) || byCodePoint(a.name, b.name);
    });
    return rows;
  }

  function counts(rows) {
    var result = { council: 0 };
    BLOCKS.forEach(function (block) { result[block] = 0; });
    rows.forEach(function (row) {
      if (row.kind === "municipality") {
        BLOCKS.forEach(function (block) { if (row.since[block]) { result[block] += 1; } });
      }
      result.council += row.councils.length;
    });
    return result;
  }

  // --- DOM helpers -------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function badge(labels) {
    return el("span", "badge badge-synthetic", labels.synthetic);
  }

  function councilBlock(council, labels) {
    var box = el("div", "council-cell");
    box.appendChild(el("strong", "", council.name));
    if (council.synthetic) { box.appendChild(document.createTextNode(" ")); box.appendChild(badge(labels)); }
    box.appendChild(el("br"));
    box.appendChild(document.createTextNode(format(labels.established, { date: germanDate(council.established_on) })));
    var contact = council.contact;
    if (contact) {
      var address = el("address", "contact");
      var lines = [];
      if (contact.name) { lines.push(contact.name + (contact.function ? " (" + contact.function + ")" : "")); }
      lines.forEach(function (line) { address.appendChild(document.createTextNode(line)); address.appendChild(el("br")); });
      if (contact.email) {
        var mail = el("a", "", contact.email);
        mail.href = "mailto:" + contact.email;
        address.appendChild(mail);
        address.appendChild(el("br"));
      }
      if (contact.phone) {
        address.appendChild(document.createTextNode(labels.phone + ": " + contact.phone));
        address.appendChild(el("br"));
      }
      if (contact.address) { address.appendChild(document.createTextNode(contact.address)); }
      box.appendChild(address);
    } else {
      box.appendChild(el("br"));
      box.appendChild(el("span", "muted", labels.no_contact));
    }
    return box;
  }

  function yesNo(date, labels, template) {
    return date ? format(template || labels.yes_since, { date: germanDate(date) }) : labels.no;
  }

  // The table shows one page, as the server does (same page size, same name filter); the pager's links
  // lead to the server's pages for the date shown.
  function tablePage(rows, day, labels) {
    var section = document.getElementById("map-table-section");
    var size = section ? Number(section.getAttribute("data-page-size")) || 50 : 50;
    var query = section ? (section.getAttribute("data-query") || "").toLocaleLowerCase() : "";
    var shown = query ? rows.filter(function (row) { return row.name.toLocaleLowerCase().indexOf(query) >= 0; }) : rows;
    var pages = Math.max(1, Math.ceil(shown.length / size));
    var number = Math.min(Math.max(1, section ? Number(section.getAttribute("data-page")) || 1 : 1), pages);
    if (section) { section.setAttribute("data-page", String(number)); }
    renderPager(section, shown.length, number, pages, size, day, labels);
    return { rows: shown.slice((number - 1) * size, number * size), query: query };
  }

  function pageLink(day, query, number) {
    var params = new URLSearchParams();
    params.set("as_of", day);
    if (query) { params.set("q", query); }
    params.set("page", String(number));
    return "?" + params.toString() + "#table-heading";
  }

  function renderPager(section, count, number, pages, size, day, labels) {
    var pager = document.getElementById("map-table-pager");
    if (!pager) { return; }
    var query = section ? section.getAttribute("data-query") || "" : "";
    while (pager.firstChild) { pager.removeChild(pager.firstChild); }
    if (count) {
      var range = el("span", "", format(labels.rows_of, {
        first: (number - 1) * size + 1, last: Math.min(number * size, count), count_: count
      }));
      range.id = "map-table-range";
      pager.appendChild(range);
    }
    if (pages < 2) { return; }
    if (number > 1) {
      var previous = el("a", "", labels.previous);
      previous.href = pageLink(day, query, number - 1);
      previous.rel = "prev";
      pager.appendChild(previous);
    }
    pager.appendChild(el("span", "", format(labels.page_of, { number: number, total: pages })));
    if (number < pages) {
      var next = el("a", "", labels.next);
      next.href = pageLink(day, query, number + 1);
      next.rel = "next";
      pager.appendChild(next);
    }
  }

  function renderTable(allRows, day, labels) {
    var body = document.getElementById("map-table-body");
    var caption = document.getElementById("map-table-caption");
    if (!body) { return; }
    var page = tablePage(allRows, day, labels);
    var rows = page.rows;
    while (body.firstChild) { body.removeChild(body.firstChild); }
    if (caption) { caption.textContent = format(labels.caption, { date: germanDate(day) }); }
    if (!rows.length) {
      var emptyRow = el("tr");
      var cell = el("td", "", page.query ? labels.no_match : labels.empty);
      cell.colSpan = 9;
      emptyRow.appendChild(cell);
      body.appendChild(emptyRow);
      return;
    }
    rows.forEach(function (row) {
      var tr = el("tr");
      var head = el("th", "", row.name + (row.kind === "district" ? " " + labels.district_record : ""));
      head.scope = "row";
      if (row.synthetic) { head.appendChild(document.createTextNode(" ")); head.appendChild(badge(labels)); }
      tr.appendChild(head);
      tr.appendChild(el("td", "", row.districtName));
      TABLE_BLOCKS.forEach(function (block) {
        tr.appendChild(el("td", "", yesNo(row.since[block], labels)));
        if (block === "member") { tr.appendChild(el("td", "", yesNo(row.agreement, labels, labels.signed_on))); }
      });
      var councilCell = el("td");
      if (row.councils.length) {
        row.councils.forEach(function (council) { councilCell.appendChild(councilBlock(council, labels)); });
      } else {
        councilCell.textContent = labels.no;
      }
      tr.appendChild(councilCell);
      body.appendChild(tr);
    });
  }

  // --- the tutorial ------------------------------------------------------------------------------

  function setUpTutorial() {
    var toggle = document.getElementById("tutorial-toggle");
    var panel = document.getElementById("tutorial");
    var close = document.getElementById("tutorial-close");
    if (!toggle || !panel) { return; }
    function remember(closed) {
      try { window.localStorage.setItem(STORAGE_KEY, closed ? "1" : "0"); } catch (err) { /* private mode */ }
    }
    function show(open, moveFocus) {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      remember(!open);
      if (moveFocus) { (open ? panel : toggle).focus(); }
    }
    var closedBefore = false;
    try { closedBefore = window.localStorage.getItem(STORAGE_KEY) === "1"; } catch (err) { /* private mode */ }
    if (closedBefore) { panel.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
    toggle.addEventListener("click", function () { show(panel.hidden, true); });
    if (close) { close.addEventListener("click", function () { show(false, true); }); }
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); show(false, true); }
    });
  }

  // --- the map -----------------------------------------------------------------------------------

  function AllianceMap(element, labels) {
    this.element = element;
    this.levels = {};  // level number -> a promise of its decoded features
    this.level = null;
    this.labels = labels;
    this.shapes = {};
    this.positions = {};
    this.markers = {};
    this.day = null;
    this.rows = null;
    this.enabled = {};
  }

  // `dates` is the promise of the layer's dates: the shapes are drawn once both are in, each in its colour.
  AllianceMap.prototype.init = function (dates) {
    var self = this;
    if (!window.L) { return; }
    this.map = L.map(this.element, {
      attributionControl: false, zoomControl: false, scrollWheelZoom: false, zoomSnap: 0.25
    });
    L.control.zoom({ zoomInTitle: this.labels.zoom_in, zoomOutTitle: this.labels.zoom_out }).addTo(this.map);
    // No view until the shapes are in: draw() fits the map to them, so the base map is projected once, at the
    // right scale (a view set here and changed there would project it twice, before the map is usable).
    this.markerLayer = L.layerGroup().addTo(this.map);
    this.url = this.element.getAttribute("data-boundaries-url");
    // One Land fits at zoom 8 or so (level 1); all of Germany at 6 (level 0).
    var first = /land=\d\d/.test(this.url) ? 1 : 0;
    Promise.all([this.load(first), (dates || Promise.resolve()).catch(function () { return null; })])
      .then(function (both) { self.draw(both[0], first); })
      .catch(function () {
        if (!self.fitted) { self.map.setView([51.0, 13.4], 7); }  // the base map at least
        var message = el("p", "map-error", self.labels.error);
        self.element.appendChild(message);
      });
  };

  AllianceMap.prototype.load = function (level) {
    if (!this.levels[level]) {
      var url = new URL(this.url, window.location.href);
      url.searchParams.set("level", String(level));
      this.levels[level] = fetchJSON(url.toString()).then(decode);
    }
    return this.levels[level];
  };

  // The level whose simplification stays under a pixel at the map's zoom (its min_zoom from the server).
  AllianceMap.prototype.wantedLevel = function () {
    var zoom = this.map.getZoom(), wanted = 0;
    (this.levelInfo || []).forEach(function (info) { if (zoom >= info.min_zoom) { wanted = Math.max(wanted, info.level); } });
    return wanted;
  };

  AllianceMap.prototype.switchLevel = function () {
    var self = this, wanted = this.wantedLevel();
    if (wanted === this.level) { return; }
    this.level = wanted;
    this.load(wanted).then(function (data) {
      if (self.level !== wanted) { return; }  // zoomed again meanwhile
      data.features.forEach(function (feature) {
        var shape = self.shapes[feature.properties.ags];
        if (shape) { shape.setLatLngs(feature.latlngs); }
      });
      self.element.setAttribute("data-level", String(wanted));
    }).catch(function () { /* the coarser shapes stay */ });
  };

  // Every shape is made with the colour it will show (when the dates are already in), fitted into view before
  // it is added (so it is projected once), and shares one tooltip and one popup bound on the group: the
  // shape under the pointer is their source (Leaflet's FeatureGroup delegation), so 10,953 municipalities
  // do not make 10,953 of each.
  AllianceMap.prototype.draw = function (data, level) {
    var self = this;
    var districtSums = {};
    this.level = level;
    this.levelInfo = data.levels;
    var many = data.features.length > CANVAS_ABOVE;
    var renderer = many ? L.canvas({ padding: 0.2 }) : undefined;
    var fills = this.fills();
    var group = L.featureGroup();
    data.features.forEach(function (feature) {
      var p = feature.properties;
      var shape = L.polygon(feature.latlngs, {
        renderer: renderer, color: "#ffffff", weight: 0.8, fillColor: fills[p.ags] || NONE, fillOpacity: 0.9
      });
      shape.properties = p;
      self.shapes[p.ags] = shape;
      group.addLayer(shape);
      var c = feature.centroid;
      if (c) {
        self.positions["municipality:" + p.ags] = [c.lat, c.lng];
        var sum = districtSums[p.district] = districtSums[p.district] || { lat: 0, lng: 0, area: 0 };
        sum.lat += c.lat * c.area; sum.lng += c.lng * c.area; sum.area += c.area;
      }
    });
    Object.keys(districtSums).forEach(function (ags) {
      var sum = districtSums[ags];
      if (sum.area) { self.positions["district:" + ags] = [sum.lat / sum.area, sum.lng / sum.area]; }
    });
    // A node, never a string: Leaflet treats strings as HTML.
    group.bindTooltip(function (shape) { return el("span", "", shape.properties.name || ""); }, { sticky: true });
    group.bindPopup(function (shape) { return self.popup(shape.properties); });
    if (data.features.length) {
      this.map.fitBounds(group.getBounds(), { padding: [8, 8], animate: false });
    } else {
      this.map.setView([51.0, 13.4], 7);
    }
    this.fitted = true;
    group.addTo(this.map);
    // Shapes stay out of the tab order (the table carries the same facts); council dots are reachable.
    if (!many) {
      group.eachLayer(function (shape) {
        var node = shape.getElement && shape.getElement();
        if (node) {
          node.setAttribute("tabindex", "-1");
          node.setAttribute("data-ags", shape.properties.ags || "");
        }
      });
    }
    this.element.setAttribute("data-level", String(level));
    this.map.on("zoomend", function () { self.switchLevel(); });
    this.drawn = true;
    this.update();
    // Fitted to the shapes, the map may want a finer level than the first (one Land at a high zoom).
    this.switchLevel();
  };

  // The colour of each municipality on the date shown (empty until the dates are in).
  AllianceMap.prototype.fills = function () {
    var self = this, fills = {};
    (this.rows || []).forEach(function (row) {
      if (row.kind !== "municipality") { return; }
      for (var i = 0; i < BLOCKS.length; i += 1) {
        if (self.enabled[BLOCKS[i]] && row.since[BLOCKS[i]]) { fills[row.ags] = BLOCK_COLOURS[BLOCKS[i]]; break; }
      }
    });
    return fills;
  };

  AllianceMap.prototype.popup = function (properties) {
    var labels = this.labels;
    var row = null;
    for (var i = 0; i < this.rows.length; i += 1) {
      if (this.rows[i].kind === "municipality" && this.rows[i].ags === properties.ags) { row = this.rows[i]; break; }
    }
    var box = el("div");
    box.appendChild(el("strong", "", properties.name || ""));
    if (row && row.synthetic) { box.appendChild(document.createTextNode(" ")); box.appendChild(badge(labels)); }
    box.appendChild(el("br"));
    box.appendChild(document.createTextNode(labels.district + ": " + (properties.district_name || "")));
    var list = el("ul", "popup-facts");
    TABLE_BLOCKS.forEach(function (block) {
      list.appendChild(el("li", "", labels["block_" + block] + ": " + yesNo(row && row.since[block], labels)));
      if (block === "member") {
        list.appendChild(el("li", "", labels.agreement + ": " + yesNo(row && row.agreement, labels, labels.signed_on)));
      }
    });
    box.appendChild(list);
    if (row && row.synthetic) { box.appendChild(el("p", "muted", labels.synthetic_note)); }
    return box;
  };

  AllianceMap.prototype.marker = function (council) {
    var self = this;
    var position = this.positions[council.target_kind + ":" + council.target];
    if (!position) { return null; }
    if (!this.markers[council.id]) {
      var dot = L.circleMarker(position, {
        radius: 6, color: "#ffffff", weight: 2, fillColor: BLOCK_COLOURS.council, fillOpacity: 1,
        className: "council-marker"
      });
      dot.bindTooltip(el("span", "", council.name));
      dot.bindPopup(function () {
        var box = councilBlock(council, self.labels);
        if (council.synthetic) { box.appendChild(el("p", "muted", self.labels.synthetic_note)); }
        return box;
      });
      dot.on("add", function () {
        var node = dot.getElement && dot.getElement();
        if (!node || node.getAttribute("data-keyboard")) { return; }
        node.setAttribute("data-keyboard", "1");
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", self.labels.council + ": " + council.name);
        node.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); dot.openPopup(); }
        });
      });
      this.markers[council.id] = dot;
    }
    return this.markers[council.id];
  };

  AllianceMap.prototype.setState = function (day, rows, enabled) {
    this.day = day;
    this.rows = rows;
    this.enabled = enabled;
    this.update();
  };

  AllianceMap.prototype.update = function () {
    if (!this.drawn || !this.rows) { return; }
    var self = this;
    var fills = this.fills();
    Object.keys(this.shapes).forEach(function (ags) {
      var fill = fills[ags] || NONE;
      if (self.shapes[ags].options.fillColor !== fill) { self.shapes[ags].setStyle({ fillColor: fill }); }
    });
    this.markerLayer.clearLayers();
    if (this.enabled.council) {
      this.rows.forEach(function (row) {
        row.councils.forEach(function (council) {
          var dot = self.marker(council);
          if (dot) { self.markerLayer.addLayer(dot); }
        });
      });
    }
    // Both the shapes and the dates are in: the map is ready to use (the bench and the tests wait for it;
    // the mark lets the bench read the moment in the page's own clock).
    if (this.element.getAttribute("data-state") !== "ready") {
      if (window.performance && performance.mark) { performance.mark("map-ready"); }
      this.element.setAttribute("data-state", "ready");
    }
  };

  // --- wiring ------------------------------------------------------------------------------------

  function init() {
    var steps = readJSON("map-steps") || [];
    var labels = readJSON("map-labels") || {};
    var element = document.getElementById("alliance-map");
    if (!element) { return; }
    setUpTutorial();
    var layer = null;

    var slider = document.getElementById("replay-slider");
    var output = document.getElementById("replay-date");
    var play = document.getElementById("replay-play");
    var dateInput = document.getElementById("id_as_of");
    var status = document.getElementById("map-status");
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-layer]"));
    var map = new AllianceMap(element, labels);
    var timer = null;

    function enabledLayers() {
      var result = {};
      boxes.forEach(function (box) { result[box.getAttribute("data-layer")] = box.checked; });
      return result;
    }

    function show(index, announce) {
      var day = steps[index];
      if (!day || !layer) { return; }
      var rows = stateOn(layer, day);
      var numbers = counts(rows);
      Object.keys(numbers).forEach(function (name) {
        var target = document.querySelector('[data-count="' + name + '"]');
        if (target) { target.textContent = String(numbers[name]); }
      });
      renderTable(rows, day, labels);
      map.setState(day, rows, enabledLayers());
      if (output) { output.textContent = germanDate(day); }
      if (slider) { slider.setAttribute("aria-valuetext", germanDate(day)); }
      if (dateInput) { dateInput.value = day; }
      if (status && announce) {
        status.textContent = format(labels.status, {
          date: germanDate(day), members: numbers.member, contacted: numbers.contacted, councils: numbers.council
        });
      }
      if (window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("as_of", day);
        window.history.replaceState(null, "", url.toString());
      }
    }

    function stop() {
      if (timer) { window.clearInterval(timer); timer = null; }
      if (play) { play.setAttribute("aria-pressed", "false"); play.textContent = labels.play; }
    }

    if (slider) {
      slider.addEventListener("input", function () { show(Number(slider.value), !timer); });
    }
    if (play && slider) {
      play.addEventListener("click", function () {
        if (timer) { stop(); return; }
        if (Number(slider.value) >= steps.length - 1) { slider.value = "0"; show(0, false); }
        play.setAttribute("aria-pressed", "true");
        play.textContent = labels.pause;
        timer = window.setInterval(function () {
          var next = Number(slider.value) + 1;
          if (next >= steps.length) { stop(); show(steps.length - 1, true); return; }
          slider.value = String(next);
          show(next, false);
        }, 700);
      });
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () { map.setState(map.day, map.rows, enabledLayers()); });
    });

    // Until the layer is in, the server's table, counts and page stand; then the script takes over.
    var dates = fetchJSON(element.getAttribute("data-layer-url")).then(function (data) {
      layer = data;
      if (slider) { document.getElementById("replay").hidden = false; }
      show(slider ? Number(slider.value) : steps.length - 1, false);
    });
    dates.catch(function () {
      if (!element.querySelector(".map-error")) { element.appendChild(el("p", "map-error", labels.error)); }
    });
    map.init(dates);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
