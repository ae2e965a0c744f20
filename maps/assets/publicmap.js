/* The public map (/map): names written on the map, land, near me, history, phone drawer.
 *
 * Loaded after gazetteer.js (which gives GZ.getJSON, GZ.esc, GZ.searchBox, the GCJ-02 CRS)
 * and Leaflet.VectorGrid. The page never loads every name: it fetches the vector tiles
 * (Mapbox Vector Tile) of the names written at its (integer) zoom -- the place-points tiles
 * of the view, placed per tile on the server so that no two overlap -- and draws roads and
 * boundaries from the roads and admin-areas tiles. Each label's box size comes from the
 * server, so what is drawn is what was placed. Colours are set through the DOM
 * (element.style), never in HTML strings.
 */
(function () {
  "use strict";
  var GZ = (window.GZ = window.GZ || {});
  var esc = GZ.esc, getJSON = GZ.getJSON;
  var PHONE_PX = 640;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function isPhone() { return window.innerWidth < PHONE_PX; }
  function fill(tpl, id) { return tpl.replace("{id}", encodeURIComponent(id)); }
  function query(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  /* ---- the card of a name ---- */
  function cardHtml(s, urls, label) {
    var h = '<div class="gz-popup"><h3>' + esc(s.name) + "</h3>";
    if (s.status === "historical") {
      var years = label && label.years ? "（" + esc(label.years) + "）" : "";
      h += '<div class="gz-hist-mark">历史地名' + years + "</div>";
    }
    if (s.romanized) h += '<div class="gz-rom">' + esc(s.romanized) + "</div>";
    h += "<dl><dt>类别 Category</dt><dd>" + esc(s.major_category) + " · " + esc(s.category) + "</dd>";
    if (s.admin_name) h += "<dt>所在政区</dt><dd>" + esc(s.admin_name) + "</dd>";
    h += "<dt>含义 Meaning</dt><dd>" + (esc(s.meaning) || "—") + "</dd>";
    h += "<dt>由来 Origin</dt><dd>" + (esc(s.origin) || "—") + "</dd></dl>";
    h += '<a class="gz-more" href="' + esc(fill(urls.place_page, s.id)) + '">详情与沿革 →</a></div>';
    return h;
  }
  function popupOptions() {
    // keep the card clear of the search box (top left) and of the drawer
    return isPhone()
      ? { maxWidth: 300, autoPanPaddingTopLeft: [10, 120], autoPanPaddingBottomRight: [10, 70] }
      : { maxWidth: 320, autoPanPaddingTopLeft: [20, 90], autoPanPaddingBottomRight: [300, 20] };
  }
  function openCard(map, urls, id, latlng, label) {
    var popup = L.popup(popupOptions()).setLatLng(latlng).setContent("加载中…").openOn(map);
    getJSON(fill(urls.place_summary, id)).then(function (s) {
      popup.setContent(cardHtml(s, urls, label));
    }).catch(function (e) { popup.setContent("无法加载 (" + esc(e.message) + ")"); });
    return popup;
  }

  /* ---- the first view: on a phone the city fills the screen ---- */
  function firstView(map, b) {
    var bounds = L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]);
    function apply() {
      if (isPhone()) {
        var fit = map.getBoundsZoom(bounds, false), cover = map.getBoundsZoom(bounds, true);
        map.setView(bounds.getCenter(), Math.min(cover, fit + 1.5), { animate: false });
      } else {
        map.fitBounds(bounds, { animate: false });
      }
    }
    apply();
  }

  /* ---- vector tiles (Mapbox Vector Tile, OGC API - Tiles paths on this server) ---- */
  function tileUrl(urls, collection) { return urls.vector_tiles.replace("{collection}", collection); }
  function vectorLayer(urls, collection, pane, style) {
    var styles = {};
    styles[collection] = style;
    return L.vectorGrid.protobuf(tileUrl(urls, collection), {
      pane: pane, interactive: false, rendererFactory: L.canvas.tile, maxZoom: 18,
      vectorTileLayerStyles: styles
    });
  }

  /* ---- land (one GeoJSON polygon), boundaries and roads (vector tiles) ---- */
  var ROAD_STYLE = { "主干路": ["#f2a03c", 2.5, 7], "次干路": ["#f5d98b", 1.8, 9], "支路": ["#ffffff", 1.2, 12] };
  var NO_LINE = [];
  function adminStyle(p, z) {
    if (p.level === 3) return { color: "#7a6a8a", weight: 1.5, dashArray: [6, 3], fill: false };
    if (p.level === 4) return { color: "#b9aec4", weight: 0.8, fill: false };
    if (p.level === 5 && z >= 12) return { color: "#d8d0e0", weight: 0.6, fill: false };
    return NO_LINE;
  }
  function roadStyle(p, z) {
    var s = ROAD_STYLE[p.grade] || ["#ffffff", 1, 12];
    return z < s[2] ? NO_LINE : { color: s[0], weight: s[1], opacity: 0.95 };
  }
  function baseLayers(map, urls, drawLand, status) {
    map.createPane("gzLand"); map.getPane("gzLand").style.zIndex = 250;
    map.createPane("gzBounds"); map.getPane("gzBounds").style.zIndex = 300;
    map.createPane("gzRoads"); map.getPane("gzRoads").style.zIndex = 350;
    map.createPane("gzRoute"); map.getPane("gzRoute").style.zIndex = 450;
    var layers = {
      land: L.layerGroup().addTo(map),
      admin: vectorLayer(urls, "admin-areas", "gzBounds", adminStyle),
      roads: vectorLayer(urls, "roads", "gzRoads", roadStyle)
    };
    layers.ready = drawLand ? getJSON(urls.land).then(function (fc) {
      L.geoJSON(fc, { pane: "gzLand", interactive: false, className: "gz-land",
        style: function () {
          return { color: "#8fb3cc", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1 };
        } }).addTo(layers.land);
    }).catch(function (e) { status("底图加载失败：" + e.message, true); }) : Promise.resolve();
    layers.loadDetail = function () { layers.admin.addTo(map); layers.roads.addTo(map); };
    return layers;
  }

  /* ---- names written on the map: the place-points tiles of the view at its zoom ---- */
  function labelLayer(map, urls, state, status) {
    var group = L.layerGroup().addTo(map);
    var shown = {};  // key -> marker
    var tiles = {}, order = [];  // "z/x/y" -> promise of the tile's labels (the last 256)
    // VectorGrid.Protobuf fetches and decodes a tile; its _getVectorTilePromise (1.3.0,
    // pinned) is used on its own because labels are DOM markers, not canvas drawings
    var source = L.vectorGrid.protobuf(tileUrl(urls, "place-points"), {});
    var seq = 0, timer = null;
    function key(x) { return x.id + ":" + (x.historical ? 1 : 0); }
    function decode(z, tx, ty) {
      return source._getVectorTilePromise({ z: z, x: tx, y: ty }).then(function (vt) {
        var layer = vt.layers["place-points"], out = [];
        if (!layer) return out;
        var ext = layer.extent || 4096;
        layer.features.forEach(function (f) {
          var p = f.properties, g = f.geometry[0][0];
          var ll = L.CRS.EPSG3857.pointToLatLng(
            L.point((tx + g.x / ext) * 256, (ty + g.y / ext) * 256), z);
          out.push({ id: f.id, text: p.text, name: p.name, kind: p.kind, major: p.major,
            font: p.font, w: p.w, h: p.h, rank: p.rank, historical: !!p.historical,
            years: p.years || "", lat: ll.lat, lon: ll.lng });
        });
        return out;
      });
    }
    function load(z, tx, ty) {
      var k = z + "/" + tx + "/" + ty;
      if (!tiles[k]) {
        tiles[k] = decode(z, tx, ty);
        tiles[k].catch(function () { delete tiles[k]; });
        order.push(k);
        if (order.length > 256) delete tiles[order.shift()];
      }
      return tiles[k];
    }
    function viewTiles(z) {
      var b = map.getBounds().pad(0.1), n = 1 << z, out = [];
      var nw = L.CRS.EPSG3857.latLngToPoint(b.getNorthWest(), z);
      var se = L.CRS.EPSG3857.latLngToPoint(b.getSouthEast(), z);
      var x0 = Math.max(0, Math.floor(nw.x / 256)), x1 = Math.min(n - 1, Math.floor(se.x / 256));
      var y0 = Math.max(0, Math.floor(nw.y / 256)), y1 = Math.min(n - 1, Math.floor(se.y / 256));
      for (var x = x0; x <= x1; x++) for (var y = y0; y <= y1; y++) out.push([x, y]);
      return out;
    }
    function marker(x) {
      var span = el("span", "", x.text);
      var icon = L.divIcon({
        className: "gz-label gz-k-" + x.kind + " gz-f" + x.font + " gz-cat-" + x.major,
        iconSize: [x.w, x.h], iconAnchor: [x.w / 2, x.h / 2], html: span
      });
      var title = x.historical ? "历史地名 " + x.name + (x.years ? "（" + x.years + "）" : "") : x.name;
      var m = L.marker([x.lat, x.lon], { icon: icon, title: title, keyboard: true, riseOnHover: true });
      m.gzLabel = x;
      m.on("click", function () { openCard(map, urls, x.id, m.getLatLng(), x); });
      return m;
    }
    function draw(all, zoom, complete) {
      var list = all.filter(function (x) { return state.history || !x.historical; });
      // the historical names first when shown, then by rank (as the server placed them)
      list.sort(function (a, b) {
        return (b.historical - a.historical) || (a.rank - b.rank) || (a.id - b.id);
      });
      var want = {};
      list.forEach(function (x) { want[key(x)] = x; });
      Object.keys(shown).forEach(function (k) {
        if (!want[k]) { group.removeLayer(shown[k]); delete shown[k]; }
      });
      // most important first, so they sit on top
      list.slice().reverse().forEach(function (x, i) {
        var k = key(x);
        if (!shown[k]) { shown[k] = marker(x); group.addLayer(shown[k]); }
        shown[k].setZIndexOffset(i);
      });
      state.labels = list.length;
      if (list.length && !state.firstLabels) {  // first paint with names: the next frame
        state.firstLabels = true;
        requestAnimationFrame(function () {
          if (window.performance && performance.mark) performance.mark("gz-labels");
        });
      }
      if (!complete) return;
      document.body.setAttribute("data-labels", String(list.length));
      document.body.setAttribute("data-labels-zoom", String(zoom));
      if (!state.allLabels) {  // every tile of the first view drawn
        state.allLabels = true;
        requestAnimationFrame(function () {
          if (window.performance && performance.mark) performance.mark("gz-labels-all");
        });
      }
    }
    function refresh() {
      var mine = ++seq;
      var zoom = Math.min(18, Math.max(7, Math.floor(map.getZoom() + 1e-6)));
      document.body.removeAttribute("data-labels-zoom");
      // each tile is drawn as it arrives (with the ones already there); the view is
      // complete when every tile of it is (labels of different tiles never overlap)
      var got = [], left = 0, failed = false;
      viewTiles(zoom).forEach(function (t) {
        left += 1;
        load(zoom, t[0], t[1]).then(function (labels) {
          if (mine !== seq || failed) return;
          got = got.concat(labels);
          left -= 1;
          draw(got, zoom, left === 0);
        }).catch(function (e) {
          if (mine !== seq || failed) return;
          failed = true;
          status("地名注记加载失败：" + e.message, true);
        });
      });
      if (!left) draw([], zoom, true);
    }
    function later() { clearTimeout(timer); timer = setTimeout(refresh, 60); }
    map.on("moveend", later);
    return { layer: group, refresh: refresh, shown: shown };
  }

  /* ---- facilities by type (a few thousand at most: one small layer) ---- */
  function facilityMarker(t, p, xy) {
    var span = el("span", "gz-fac-dot", t.glyph);
    span.style.background = t.color;
    var icon = L.divIcon({ className: "gz-fac gz-fac-" + p.type, iconSize: [22, 22], html: span });
    return L.marker([xy[1], xy[0]], { icon: icon, title: p.name });
  }
  function facilityPopup(t, p) {
    var extra = [];
    if (p.beds != null) extra.push("床位 " + p.beds);
    if (p.capacity != null) extra.push("服务能力 " + p.capacity);
    return '<div class="gz-popup"><h3>' + esc(p.name) + "</h3><div>" + esc(t.label) +
      "</div><div>" + esc(extra.join(" · ")) + "</div></div>";
  }

  /* ---- the public map ---- */
  GZ.publicMap = function (map, cfg) {
    var urls = cfg.urls;
    GZ.map = map;
    GZ.openPlacePopup = function (m, u, id, ll) { return openCard(m, u, id, ll); };
    var state = (GZ.state = { history: false, labels: 0, facilities: {} });
    if (!map.options.maxZoom) map.setMaxZoom(18);
    if (!map.options.minZoom) map.setMinZoom(7);
    var msg = el("div", "gz-panel gz-status");
    msg.setAttribute("role", "status");
    msg.hidden = true;
    map.getContainer().appendChild(msg);
    function status(text, isError) {
      msg.textContent = text || ""; msg.hidden = !text;
      msg.classList.toggle("gz-error", !!isError);
    }
    firstView(map, cfg.bounds);
    var base = baseLayers(map, urls, cfg.base, status);
    var labels = labelLayer(map, urls, state, status);
    state.labelLayer = labels;
    labels.refresh();  // in parallel with the land: the names are the first paint
    base.ready.then(function () { setTimeout(base.loadDetail, 0); });

    /* drawer: layers and legend, nearby facilities. A bottom sheet on a phone that folds
       whenever a card opens, so it never covers the card. */
    var drawer = el("div", "gz-panel gz-drawer" + (isPhone() ? " gz-collapsed" : ""));
    drawer.id = "gz-drawer";
    var bar = el("div", "gz-drawer-bar");
    var tabLayers = el("button", "gz-tab", "图层与图例");
    tabLayers.type = "button"; tabLayers.id = "gz-tab-layers";
    var tabNear = el("button", "gz-tab", "附近设施");
    tabNear.type = "button"; tabNear.id = "gz-tab-near";
    bar.appendChild(tabLayers); bar.appendChild(tabNear);
    drawer.appendChild(bar);
    var layersBox = el("div", "gz-drawer-body gz-layers");
    layersBox.id = "gz-layers";
    var nearBox = el("div", "gz-drawer-body gz-near");
    nearBox.id = "gz-near"; nearBox.hidden = true;
    drawer.appendChild(layersBox); drawer.appendChild(nearBox);
    map.getContainer().appendChild(drawer);
    L.DomEvent.disableClickPropagation(drawer);
    L.DomEvent.disableScrollPropagation(drawer);
    function show(which) {
      var open = !drawer.classList.contains("gz-collapsed");
      var current = nearBox.hidden ? "layers" : "near";
      if (open && current === which && isPhone()) { drawer.classList.add("gz-collapsed"); return; }
      drawer.classList.remove("gz-collapsed");
      layersBox.hidden = which !== "layers"; nearBox.hidden = which !== "near";
      tabLayers.setAttribute("aria-pressed", String(which === "layers"));
      tabNear.setAttribute("aria-pressed", String(which === "near"));
      if (isPhone()) map.closePopup();
    }
    tabLayers.onclick = function () { show("layers"); };
    tabNear.onclick = function () { show("near"); };
    tabLayers.setAttribute("aria-pressed", "true"); tabNear.setAttribute("aria-pressed", "false");
    map.on("popupopen", function () { if (isPhone()) drawer.classList.add("gz-collapsed"); });

    function toggle(box, id, label, checked, onchange, swatch) {
      var lab = el("label");
      var cb = el("input");
      cb.type = "checkbox"; cb.id = id; cb.checked = checked;
      cb.onchange = function () { onchange(cb.checked); };
      lab.appendChild(cb);
      if (swatch) lab.appendChild(swatch);
      lab.appendChild(document.createTextNode(" " + label));
      box.appendChild(lab);
      return cb;
    }
    function count(n) { return n == null ? "" : "（" + n + "）"; }

    layersBox.appendChild(el("h2", "", "地名（按大类）"));
    cfg.categories.forEach(function (c) {
      var sw = el("span", "gz-swatch"); sw.style.background = c.color;
      toggle(layersBox, "toggle-cat-" + c.key, c.label + count(c.count), true, function (on) {
        map.getContainer().classList.toggle("gz-hide-" + c.key, !on);
      }, sw);
    });
    toggle(layersBox, "toggle-history", "历史地名（灰色斜体，标注年代）", false, function (on) {
      state.history = on;
      map.getContainer().classList.toggle("gz-with-history", on);
      labels.refresh();
    });

    layersBox.appendChild(el("h2", "", "民政设施"));
    var facStyle = {}, facGroups = {}, facLoaded = null;
    cfg.facilityTypes.forEach(function (t) { facStyle[t.key] = t; facGroups[t.key] = L.layerGroup(); });
    function loadFacilities() {
      if (!facLoaded) {
        facLoaded = getJSON(urls.facilities).then(function (fc) {
          fc.features.forEach(function (f) {
            var p = f.properties, t = facStyle[p.type];
            if (!t) return;
            facilityMarker(t, p, f.geometry.coordinates).bindPopup(facilityPopup(t, p), popupOptions())
              .addTo(facGroups[p.type]);
          });
        }).catch(function (e) { status("设施加载失败：" + e.message, true); });
      }
      return facLoaded;
    }
    cfg.facilityTypes.forEach(function (t) {
      var g = el("span", "gz-glyph", t.glyph); g.style.background = t.color;
      state.facilities[t.key] = facGroups[t.key];
      toggle(layersBox, "toggle-fac-" + t.key, t.label + count(t.count), false, function (on) {
        if (on) loadFacilities().then(function () { map.addLayer(facGroups[t.key]); });
        else map.removeLayer(facGroups[t.key]);
      }, g);
    });
    layersBox.appendChild(el("h2", "", "底图"));
    toggle(layersBox, "toggle-admin", "行政区界线", true, function (on) {
      if (on) map.addLayer(base.admin); else map.removeLayer(base.admin);
    });
    toggle(layersBox, "toggle-roads", "道路", true, function (on) {
      if (on) map.addLayer(base.roads); else map.removeLayer(base.roads);
    });

    GZ.nearMe(map, cfg, nearBox, function () { show("near"); }, status);
    GZ.searchBox(map, urls, cfg.available.indexOf("search") >= 0);
    return state;
  };

  /* ---- near me: geolocation or a click on the map, facilities by walking time ---- */
  GZ.nearMe = function (map, cfg, box, reveal, status) {
    var urls = cfg.urls, names = {};
    cfg.facilityTypes.forEach(function (t) { names[t.key] = t; });
    var layer = L.layerGroup().addTo(map), picking = false;
    var head = el("div", "gz-near-head");
    var locate = el("button", "gz-btn", "定位我的位置");
    locate.type = "button"; locate.id = "gz-locate";
    var pick = el("button", "gz-btn", "在地图上选点");
    pick.type = "button"; pick.id = "gz-pick";
    var sel = el("select"); sel.id = "gz-near-type";
    sel.setAttribute("aria-label", "设施类型");
    sel.appendChild(new Option("全部设施类型", ""));
    cfg.facilityTypes.forEach(function (t) { sel.appendChild(new Option(t.label, t.key)); });
    head.appendChild(locate); head.appendChild(pick); head.appendChild(sel);
    box.appendChild(head);
    var note = el("p", "gz-near-note", "步行距离与时间按路网计算（2 公里内）。");
    box.appendChild(note);
    var list = el("ol", "gz-near-list"); list.id = "gz-near-list";
    box.appendChild(list);
    var here = null;

    // the map button (top left, under the zoom buttons)
    var Btn = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var b = el("button", "gz-locate-btn leaflet-bar", "◎");
        b.type = "button"; b.id = "gz-locate-map"; b.title = "附近设施 (near me)";
        b.setAttribute("aria-label", "附近设施：定位我的位置");
        L.DomEvent.disableClickPropagation(b);
        b.onclick = function () { reveal(); locateMe(); };
        return b;
      }
    });
    new Btn().addTo(map);

    function locateMe() {
      if (!navigator.geolocation) { startPick("浏览器不支持定位，请在地图上点选位置。"); return; }
      note.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        GZ.near(pos.coords.longitude, pos.coords.latitude);
      }, function () {
        startPick("无法获取位置，请在地图上点选位置。");
      }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    }
    function startPick(text) {
      picking = true;
      note.textContent = text || "请在地图上点选位置。";
      map.getContainer().classList.add("gz-picking");
    }
    map.on("click", function (ev) {
      if (!picking) return;
      picking = false;
      map.getContainer().classList.remove("gz-picking");
      GZ.near(ev.latlng.lng, ev.latlng.lat);
    });
    locate.onclick = locateMe;
    pick.onclick = function () { startPick(); };
    sel.onchange = function () { if (here) GZ.near(here[0], here[1]); };

    function route(item) {
      layer.eachLayer(function (l) { if (l.gzRoute) layer.removeLayer(l); });
      if (!item.route) return;
      var line = L.polyline(item.route.map(function (c) { return [c[1], c[0]]; }), {
        pane: "gzRoute", color: "#0b57d0", weight: 5, opacity: 0.85, className: "gz-route"
      });
      line.gzRoute = true;
      layer.addLayer(line);
    }
    function details(item) {
      var t = names[item.type] || { label: item.type_name };
      var bits = [];
      if (item.beds != null) bits.push("床位 " + item.beds);
      if (item.capacity != null) bits.push("服务能力 " + item.capacity);
      if (item.operator) bits.push("运营：" + item.operator);
      if (item.mode) bits.push(item.mode);
      if (item.opened_year) bits.push(item.opened_year + " 年启用");
      return { type: t.label || item.type_name, more: bits.join(" · ") };
    }
    function card(item) {
      var d = details(item);
      return '<div class="gz-popup"><h3>' + esc(item.name) + "</h3><div>" + esc(d.type) + "</div>" +
        "<div>步行约 " + esc(Math.round(item.walk_minutes)) + " 分钟 · " + esc(Math.round(item.walk_m)) +
        " 米</div><div>" + esc(d.more) + "</div></div>";
    }
    function choose(item, li) {
      list.querySelectorAll("li").forEach(function (x) { x.classList.remove("active"); });
      if (li) li.classList.add("active");
      route(item);
      L.popup(popupOptions()).setLatLng([item.lat, item.lon]).setContent(card(item)).openOn(map);
    }
    GZ.near = function (lon, lat) {
      here = [lon, lat];
      layer.clearLayers();
      L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 3, fillColor: "#0b57d0",
        fillOpacity: 1, pane: "gzRoute", className: "gz-here" }).addTo(layer);
      list.innerHTML = "";
      note.textContent = "正在查找附近设施…";
      document.body.removeAttribute("data-near");
      var params = { near: lon.toFixed(6) + "," + lat.toFixed(6), radius_m: 2000, limit: 20 };
      if (sel.value) params.type = sel.value;
      return getJSON(urls.nearby + "?" + query(params)).then(function (body) {
        var items = body.items || [];
        note.textContent = items.length ? "附近 " + body.total + " 处设施（按步行时间排序）：" :
          "2 公里内没有找到设施。";
        items.forEach(function (item) {
          var d = details(item);
          var li = el("li", "gz-near-item");
          li.dataset.id = item.id;
          var btn = el("button", "gz-near-btn");
          btn.type = "button";
          btn.appendChild(el("span", "gz-near-name", item.name));
          btn.appendChild(el("span", "gz-sub", d.type + " · " + (item.walk_minutes == null ? "路网不通" :
            "步行 " + Math.round(item.walk_minutes) + " 分钟（" + Math.round(item.walk_m) + " 米）")));
          if (d.more) btn.appendChild(el("span", "gz-sub", d.more));
          btn.onclick = function () { choose(item, li); };
          li.appendChild(btn);
          L.marker([item.lat, item.lon], { icon: L.divIcon({ className: "gz-near-pin", iconSize: [14, 14] }),
            title: item.name, keyboard: false }).addTo(layer);
          list.appendChild(li);
        });
        if (items.length) route(items[0]);
        // the point and the nearest few in view, clear of the drawer
        var pts = [[lat, lon]].concat(items.slice(0, 5).map(function (i) { return [i.lat, i.lon]; }));
        var pad = isPhone() ? { paddingTopLeft: [20, 110], paddingBottomRight: [20, window.innerHeight * 0.5] }
                            : { paddingTopLeft: [60, 100], paddingBottomRight: [300, 30] };
        map.fitBounds(L.latLngBounds(pts), L.extend({ maxZoom: 16, animate: false }, pad));
        document.body.setAttribute("data-near", String(items.length));
        return items;
      }).catch(function (e) {
        note.textContent = "查找失败：" + e.message;
        document.body.setAttribute("data-near", "error");
        status("附近设施查找失败：" + e.message, true);
      });
    };
  };
})();
