/* The public map (/map): names written on the map, land, near me, history, phone drawer.
 *
 * Loaded after gazetteer.js (which gives GZ.getJSON, GZ.esc, GZ.searchBox, the GCJ-02 CRS).
 * The page never loads every name: it asks /api/v1/map/labels for the labels of its view
 * at its (integer) zoom. The server placed them once per data version so that no two
 * overlap; each label's box size comes from the server, so what is drawn is what was
 * placed. Colours are set through the DOM (element.style), never in HTML strings.
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

  /* ---- land, boundaries, roads ---- */
  var ROAD_STYLE = {
    motorway: ["#e06c00", 3], trunk: ["#e89a3c", 2.5], primary: ["#f2c14e", 2],
    secondary: ["#f5d98b", 1.5], tertiary: ["#ffffff", 1.2]
  };
  function baseLayers(map, urls, drawLand, status) {
    map.createPane("gzLand"); map.getPane("gzLand").style.zIndex = 250;
    map.createPane("gzRoads"); map.getPane("gzRoads").style.zIndex = 350;
    map.createPane("gzRoute"); map.getPane("gzRoute").style.zIndex = 450;
    var layers = { admin: L.layerGroup().addTo(map), roads: L.layerGroup().addTo(map) };
    var land = drawLand ? getJSON(urls.land).then(function (fc) {
      L.geoJSON(fc, { pane: "gzLand", interactive: false, className: "gz-land",
        style: function () {
          return { color: "#8fb3cc", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1 };
        } }).addTo(layers.admin);
    }) : Promise.resolve();
    layers.ready = land.then(function () {
      return getJSON(urls.admin + "?level=3");
    }).then(function (fc) {
      L.geoJSON(fc, { pane: "gzLand", interactive: false,
        style: function () { return { color: "#7a6a8a", weight: 1.5, dashArray: "6 3", fill: false }; }
      }).addTo(layers.admin);
    }).catch(function (e) { status("底图加载失败：" + e.message, true); });
    layers.loadDetail = function () {
      getJSON(urls.admin + "?level=4").then(function (towns) {
        L.geoJSON(towns, { pane: "gzLand", interactive: false,
          style: function () { return { color: "#b9aec4", weight: 0.7, fill: false }; } }
        ).addTo(layers.admin);
      }).catch(function () {});
      getJSON(urls.roads).then(function (fc) {
        L.geoJSON(fc, { pane: "gzRoads", interactive: false, renderer: L.canvas({ pane: "gzRoads" }),
          style: function (f) {
            var s = ROAD_STYLE[f.properties.road_class] || ["#fff", 1];
            return { color: s[0], weight: s[1], opacity: 0.9 };
          } }).addTo(layers.roads);
      }).catch(function (e) { status("道路加载失败：" + e.message, true); });
    };
    return layers;
  }

  /* ---- names written on the map ---- */
  function labelLayer(map, urls, state, status) {
    var group = L.layerGroup().addTo(map);
    var shown = {};  // key -> marker
    var seq = 0, timer = null;
    function key(x) { return x.id + ":" + x.minzoom + ":" + (x.historical ? 1 : 0); }
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
    function draw(body) {
      var want = {};
      body.labels.forEach(function (x) { want[key(x)] = x; });
      Object.keys(shown).forEach(function (k) {
        if (!want[k]) { group.removeLayer(shown[k]); delete shown[k]; }
      });
      // most important first, so they sit on top
      body.labels.slice().reverse().forEach(function (x, i) {
        var k = key(x);
        if (!shown[k]) { shown[k] = marker(x); group.addLayer(shown[k]); }
        shown[k].setZIndexOffset(i);
      });
      state.labels = body.labels.length;
      document.body.setAttribute("data-labels", String(body.labels.length));
      document.body.setAttribute("data-labels-zoom", String(body.zoom));
      if (!state.firstLabels) {  // first paint with names: the frame after they are added
        state.firstLabels = true;
        requestAnimationFrame(function () {
          if (window.performance && performance.mark) performance.mark("gz-labels");
        });
      }
    }
    function refresh() {
      var mine = ++seq, b = map.getBounds().pad(0.15);
      var zoom = Math.max(0, Math.floor(map.getZoom() + 1e-6));
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v, i) {
        var lim = i % 2 ? 85 : 180;
        return Math.max(-lim, Math.min(lim, v)).toFixed(5);
      }).join(",");
      document.body.removeAttribute("data-labels-zoom");
      getJSON(urls.labels + "?" + query({ bbox: bbox, zoom: zoom, history: state.history }))
        .then(function (body) { if (mine === seq) draw(body); })
        .catch(function (e) { if (mine === seq) status("地名注记加载失败：" + e.message, true); });
    }
    function later() { clearTimeout(timer); timer = setTimeout(refresh, 120); }
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
