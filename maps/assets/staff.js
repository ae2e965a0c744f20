/* Staff workbench: small progressive enhancements, no inline scripts (strict CSP).
 * - #case-map shows a case's geometry; #draw-map draws one (leaflet-draw) and runs the
 *   live rule check (POST /staff/api/check with the page's CSRF token) as the name is typed.
 * - #print-notice opens the print dialog. */
(function () {
  "use strict";
  var GZS = (window.GZS = {});
  var CENTRE = [37.51, 122.12];
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function parse(text) {
    if (!text) return null;
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : { type: "FeatureCollection", features: [] };
    });
  }

  /* Orientation without a tile server: town boundaries and roads from the database (the
     public map's layers), drawn on a canvas below everything else. */
  function backdrop(map) {
    map.createPane("gzsBack");
    map.getPane("gzsBack").style.zIndex = 250;
    var canvas = L.canvas({ pane: "gzsBack" });
    getJSON("/api/v1/map/admin.geojson?level=4").then(function (fc) {
      L.geoJSON(fc, { pane: "gzsBack", renderer: canvas, interactive: false,
        style: { color: "#8a7d99", weight: 1, dashArray: "4 3", fill: false } }).addTo(map);
    }).catch(function () {});
    getJSON("/api/v1/map/roads.geojson").then(function (fc) {
      L.geoJSON(fc, { pane: "gzsBack", renderer: canvas, interactive: false,
        style: { color: "#9aa3ad", weight: 1.5, opacity: 0.8 } }).addTo(map);
    }).catch(function () {});
  }

  function baseMap(el) {
    var map = L.map(el, { zoomControl: true, maxZoom: 19 }).setView(CENTRE, 13);
    var tile = el.getAttribute("data-tile");
    if (tile) L.tileLayer(tile, { maxZoom: 19 }).addTo(map);
    else backdrop(map);
    GZS.map = map;
    return map;
  }

  function showGeometry(map, geometry, group) {
    if (!geometry) return null;
    var layer = L.geoJSON(geometry, {
      style: { color: "#0055aa", weight: 5 },
      pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 8, color: "#0055aa" }); }
    });
    (group || map).addLayer(layer);
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b.pad(0.5), { maxZoom: 16 });
    return layer;
  }

  var printButton = document.getElementById("print-notice");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  var caseMap = document.getElementById("case-map");
  if (caseMap && window.L) {
    var m = baseMap(caseMap);
    showGeometry(m, parse(caseMap.getAttribute("data-geometry")));
  }

  var drawEl = document.getElementById("draw-map");
  if (!drawEl || !window.L || !L.Control.Draw) return;

  var map = baseMap(drawEl);
  var drawn = new L.FeatureGroup().addTo(map);
  var conflicts = L.layerGroup().addTo(map);
  GZS.drawn = drawn;
  var geomInput = document.getElementById("geometry");
  var nameInput = document.getElementById("name");
  var kindInput = document.getElementById("kind");
  var codeInput = document.getElementById("admin_code");
  var existing = parse(geomInput.value);
  if (existing) {
    L.geoJSON(existing).eachLayer(function (l) { drawn.addLayer(l); });
    var eb = drawn.getBounds();
    if (eb.isValid()) map.fitBounds(eb.pad(0.5), { maxZoom: 16 });
  }

  L.drawLocal.draw.toolbar.buttons.polyline = "绘制道路中心线";
  L.drawLocal.draw.toolbar.buttons.polygon = "绘制小区范围";
  L.drawLocal.draw.toolbar.buttons.rectangle = "绘制矩形范围";
  L.drawLocal.draw.toolbar.buttons.marker = "标出位置";
  L.drawLocal.draw.toolbar.actions.text = "取消";
  L.drawLocal.draw.toolbar.actions.title = "取消绘制";
  L.drawLocal.draw.toolbar.finish.text = "完成";
  L.drawLocal.draw.toolbar.finish.title = "完成绘制";
  L.drawLocal.draw.toolbar.undo.text = "撤销上一点";
  L.drawLocal.draw.toolbar.undo.title = "撤销最后绘制的点";
  L.drawLocal.draw.handlers.polyline.tooltip.start = "单击开始画线";
  L.drawLocal.draw.handlers.polyline.tooltip.cont = "单击继续画线";
  L.drawLocal.draw.handlers.polyline.tooltip.end = "单击最后一点结束";
  L.drawLocal.edit.toolbar.buttons.edit = "修改图形";
  L.drawLocal.edit.toolbar.buttons.editDisabled = "没有可修改的图形";
  L.drawLocal.edit.toolbar.buttons.remove = "删除图形";
  L.drawLocal.edit.toolbar.buttons.removeDisabled = "没有可删除的图形";

  map.addControl(new L.Control.Draw({
    draw: { polyline: { shapeOptions: { color: "#0055aa", weight: 5 } }, polygon: true,
            rectangle: true, marker: true, circle: false, circlemarker: false },
    edit: { featureGroup: drawn }
  }));

  function syncGeometry() {
    var layers = drawn.getLayers();
    geomInput.value = layers.length ? JSON.stringify(layers[layers.length - 1].toGeoJSON().geometry) : "";
    scheduleCheck();
  }
  map.on(L.Draw.Event.CREATED, function (e) {
    drawn.clearLayers();
    drawn.addLayer(e.layer);
    syncGeometry();
  });
  map.on(L.Draw.Event.EDITED, syncGeometry);
  map.on(L.Draw.Event.DELETED, syncGeometry);

  var status = document.getElementById("check-status");
  var facts = document.getElementById("check-facts");
  var list = document.getElementById("check-findings");
  var timer = null;
  var seq = 0;

  function text(id, value) { document.getElementById(id).textContent = value || "—"; }

  function showConflicts(findings) {
    conflicts.clearLayers();
    findings.forEach(function (f) {
      (f.conflicts || []).forEach(function (ref) {
        var m = /^place:(\d+)$/.exec(ref);
        if (!m) return;
        fetch("/api/v1/places/" + m[1], { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (p) {
            if (!p || !p.geometry) return;
            L.geoJSON(p.geometry, {
              style: { color: "#c00000", weight: 6, dashArray: "6 4" },
              pointToLayer: function (ft, ll) { return L.circleMarker(ll, { radius: 9, color: "#c00000" }); }
            }).bindTooltip(p.name + "（冲突）", { permanent: true, className: "gz-conflict" })
              .addTo(conflicts);
          });
      });
    });
  }

  function render(result) {
    list.innerHTML = "";
    if (result.error) {
      facts.hidden = true;
      status.textContent = result.message;
      conflicts.clearLayers();
      return;
    }
    facts.hidden = false;
    text("check-roman", result.romanized);
    text("check-parts", (result.specific || "—") + " / " + (result.generic || "—"));
    text("check-scope", result.scope);
    text("check-area", result.derived_admin_code || "（无区划范围数据）");
    status.textContent = result.ok ? "未发现不通过的问题。" : "发现不通过的问题，请修改。";
    if (!result.findings.length) {
      var ok = document.createElement("li");
      ok.className = "ok";
      ok.textContent = "未发现问题";
      list.appendChild(ok);
    }
    result.findings.forEach(function (f) {
      var li = document.createElement("li");
      li.className = f.severity;
      li.setAttribute("data-rule", f.rule);
      var strong = document.createElement("strong");
      strong.textContent = f.severity === "error" ? "不通过" : "提示";
      li.appendChild(strong);
      li.appendChild(document.createTextNode(" " + f.message));
      var art = document.createElement("span");
      art.className = "article";
      art.textContent = "依据：" + f.article;
      li.appendChild(document.createElement("br"));
      li.appendChild(art);
      list.appendChild(li);
    });
    showConflicts(result.findings);
  }

  function runCheck() {
    var name = nameInput.value.trim();
    if (!name) { status.textContent = "输入名称后自动检查。"; list.innerHTML = ""; facts.hidden = true; return; }
    var body = { name: name, kind: kindInput.value, admin_code: codeInput.value.trim(),
                 geometry: parse(geomInput.value) };
    var mine = ++seq;
    status.textContent = "正在检查…";
    fetch("/staff/api/check", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); })
      .then(function (result) {
        if (mine !== seq) return;
        render(result);
        document.body.setAttribute("data-checked", String(mine));
      })
      .catch(function () { status.textContent = "检查暂时不可用。"; });
  }

  function scheduleCheck() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(runCheck, 250);
  }
  nameInput.addEventListener("input", scheduleCheck);
  kindInput.addEventListener("change", scheduleCheck);
  codeInput.addEventListener("change", scheduleCheck);
  if (nameInput.value) scheduleCheck();
})();
