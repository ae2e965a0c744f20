/* Weihai gazetteer maps: the page scripts behind /map, /map/coverage and /places/{id}.
 * Everything loads from this server (GeoJSON layers from /api/v1/...); no other host.
 * GZ.publicMap(map, config) (publicmap.js) and GZ.coverageMap(map, config) are called by
 * the page (see maps/render.py); config carries the legend, colours and the data URLs.
 */
(function () {
  "use strict";
  var GZ = (window.GZ = window.GZ || {});

  /* ---- GCJ-02 (port of gazetteer/cartography/gcj02.py; a browser test compares the two) ---- */
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lon, lat) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }
  function tLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function tLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  GZ.wgs84ToGcj02 = function (lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    var dLat = tLat(lon - 105.0, lat - 35.0), dLon = tLon(lon - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * PI, magic = 1 - EE * Math.sin(radLat) * Math.sin(radLat);
    var sq = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sq) * PI);
    dLon = (dLon * 180.0) / (A / sq * Math.cos(radLat) * PI);
    return [lon + dLon, lat + dLat];
  };
  GZ.gcj02ToWgs84 = function (lon, lat) {
    var wl = lon, wb = lat;
    for (var i = 0; i < 30; i++) {
      var g = GZ.wgs84ToGcj02(wl, wb), el = g[0] - lon, eb = g[1] - lat;
      wl -= el; wb -= eb;
      if (Math.abs(el) < 1e-9 && Math.abs(eb) < 1e-9) break;
    }
    return [wl, wb];
  };
  if (window.L) {
    /* Data stay in CGCS2000; the projection shifts them onto GCJ-02 tiles. */
    var SM = L.Projection.SphericalMercator;
    L.Projection.GCJ02Mercator = {
      R: SM.R, MAX_LATITUDE: SM.MAX_LATITUDE, bounds: SM.bounds,
      project: function (ll) {
        var g = GZ.wgs84ToGcj02(ll.lng, ll.lat);
        return SM.project(L.latLng(g[1], g[0]));
      },
      unproject: function (p) {
        var g = SM.unproject(p), w = GZ.gcj02ToWgs84(g.lng, g.lat);
        return L.latLng(w[1], w[0]);
      }
    };
    L.CRS.GCJ02 = L.extend({}, L.CRS.EPSG3857, { code: "GCJ02", projection: L.Projection.GCJ02Mercator });
  }

  /* ---- helpers ---- */
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  GZ.esc = esc;
  function el(tag, cls, html) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (html != null) e.innerHTML = html;
    return e;
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          var err = new Error(body.message || ("HTTP " + r.status));
          err.status = r.status;
          throw err;
        });
      }
      return r.json();
    });
  }
  GZ.getJSON = getJSON;
  function fill(tpl, id) { return tpl.replace("{id}", encodeURIComponent(id)); }
  function panel(map, cls, html) {
    var p = el("div", "gz-panel " + cls, html);
    map.getContainer().appendChild(p);
    L.DomEvent.disableClickPropagation(p);
    L.DomEvent.disableScrollPropagation(p);
    return p;
  }
  function status(map) {
    var s = panel(map, "gz-status", "");
    s.style.display = "none";
    return {
      show: function (text, isError) {
        s.textContent = text; s.style.display = text ? "block" : "none";
        s.className = "gz-panel gz-status" + (isError ? " gz-error" : "");
      }
    };
  }

  /* ---- base map drawn from the database: land, boundaries, roads ---- */
  var ROAD_STYLE = {
    motorway: ["#e06c00", 3], trunk: ["#e89a3c", 2.5], primary: ["#f2c14e", 2],
    secondary: ["#f5d98b", 1.5], tertiary: ["#ffffff", 1.2]
  };
  GZ.baseLayers = function (map, urls, drawLand, st) {
    var layers = {};
    if (!map.options.maxZoom) map.setMaxZoom(18);  // markercluster needs it; no tile layer sets it
    if (!map.options.minZoom) map.setMinZoom(7);  // a city map: fewer cluster levels to build
    map.createPane("gzLand"); map.getPane("gzLand").style.zIndex = 250;
    map.createPane("gzRoads"); map.getPane("gzRoads").style.zIndex = 350;
    layers.admin = L.layerGroup().addTo(map);
    layers.roads = L.layerGroup().addTo(map);
    var done = getJSON(urls.admin + "?level=3").then(function (fc) {
      L.geoJSON(fc, {
        pane: "gzLand", interactive: false,
        style: function () {
          return { color: "#7a6a8a", weight: 1.5, dashArray: "6 3",
                   fillColor: "#f4f1e8", fillOpacity: drawLand ? 1 : 0 };
        }
      }).addTo(layers.admin);
    }).catch(function (e) { st && st.show("行政区边界加载失败：" + e.message, true); });
    /* Towns and roads (13,000 road lines on the demo) are drawn after the caller's main
       layer: call layers.loadDetail() when it is on screen. */
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
      }).catch(function (e) { st && st.show("道路加载失败：" + e.message, true); });
    };
    layers.ready = done;
    return layers;
  };

  /* ---- popups for names ---- */
  function summaryHtml(s, urls) {
    var h = '<div class="gz-popup"><h3>' + esc(s.name) + "</h3>";
    if (s.romanized) h += '<div class="gz-rom">' + esc(s.romanized) + "</div>";
    h += "<dl><dt>类别 Category</dt><dd>" + esc(s.major_category) + " · " + esc(s.category) + "</dd>";
    if (s.admin_name) h += "<dt>所在政区</dt><dd>" + esc(s.admin_name) + "</dd>";
    h += "<dt>含义 Meaning</dt><dd>" + (esc(s.meaning) || "—") + "</dd>";
    h += "<dt>由来 Origin</dt><dd>" + (esc(s.origin) || "—") + "</dd></dl>";
    if (s.status === "historical") h += "<div>（历史地名）</div>";
    h += '<a class="gz-more" href="' + esc(fill(urls.place_page, s.id)) + '">详情与沿革 →</a></div>';
    return h;
  }
  GZ.openPlacePopup = function (map, urls, id, latlng) {
    var popup = L.popup({ maxWidth: 300, autoPanPadding: [20, 80] })
      .setLatLng(latlng).setContent("加载中…").openOn(map);
    getJSON(fill(urls.place_summary, id)).then(function (s) {
      popup.setContent(summaryHtml(s, urls));
    }).catch(function (e) { popup.setContent("无法加载 (" + esc(e.message) + ")"); });
    return popup;
  };

  /* The public map itself (GZ.publicMap) is in publicmap.js, loaded on /map only. */

  /* ---- search box with suggestions as you type (GET /api/v1/search) ---- */
  GZ.searchBox = function (map, urls, available) {
    var box = panel(map, "gz-search",
      '<h1>威海市地名地图</h1><input id="gz-search" type="search" autocomplete="off" ' +
      'placeholder="搜索地名：汉字、拼音或首字母 (如 whs)" aria-label="搜索地名" />' +
      '<ul class="gz-suggest" id="gz-suggest" role="listbox" aria-label="搜索建议"></ul>');
    var input = box.querySelector("input"), list = box.querySelector("ul");
    var timer = null, seq = 0, items = [], active = -1;
    function clear() { list.innerHTML = ""; items = []; active = -1; }
    function choose(r) {
      clear();
      input.value = r.name;
      var ll = L.latLng(r.lat, r.lon);
      map.setView(ll, Math.max(map.getZoom(), 15));
      GZ.openPlacePopup(map, urls, r.id, ll);
    }
    function render(results) {
      clear();
      if (!results.length) {
        list.appendChild(el("li", "gz-msg", "没有找到 (no match)"));
        return;
      }
      items = results;
      results.forEach(function (r, i) {
        var li = el("li", "gz-item",
          "<div>" + esc(r.name) + ' <span class="gz-sub">' + esc(r.romanized || "") +
          '</span></div><div class="gz-sub">' + esc(r.category || "") + " · " +
          esc((r.admin_path || []).join ? (r.admin_path || []).join(" ") : r.admin_path) +
          (r.match === "former-name" ? " · 曾用名" : "") + "</div>");
        li.setAttribute("role", "option");
        // The list is emptied by choose(), so Leaflet (1.9) can no longer see that the click
        // came from inside a panel and would take it for a map click closing the popup.
        li.onclick = function (ev) { L.DomEvent.stopPropagation(ev); choose(r); };
        list.appendChild(li);
      });
    }
    function query() {
      var q = input.value.trim(), mine = ++seq;
      if (!q) { clear(); return; }
      if (!available) {
        clear();
        list.appendChild(el("li", "gz-msg", "搜索服务尚未提供 (search API not available)"));
        return;
      }
      getJSON(urls.search + "?limit=8&q=" + encodeURIComponent(q)).then(function (body) {
        if (mine === seq) render(body.results || []);
      }).catch(function (e) {
        if (mine !== seq) return;
        clear();
        list.appendChild(el("li", "gz-msg", e.status === 404 ?
          "搜索服务暂不可用 (search API not available)" : "搜索出错：" + esc(e.message)));
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(query, 150);
    });
    input.addEventListener("keydown", function (ev) {
      var lis = list.querySelectorAll("li.gz-item");
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        if (!lis.length) return;
        active = (active + (ev.key === "ArrowDown" ? 1 : lis.length - 1)) % lis.length;
        lis.forEach(function (li, i) { li.classList.toggle("active", i === active); });
        ev.preventDefault();
      } else if (ev.key === "Enter") {
        if (items.length) choose(items[Math.max(active, 0)]);
      } else if (ev.key === "Escape") {
        clear();
      }
    });
  };

  /* ---- the coverage map for planners ---- */
  var RAMP = [[5, "#1a9850"], [10, "#91cf60"], [15, "#d9ef8b"], [20, "#fee08b"],
              [30, "#fc8d59"], [Infinity, "#d73027"]];
  /* The colour of a travel time in minutes; `beyond` (default dark red) when there is none. */
  function minutesColor(m, beyond) {
    var none = beyond || "#7f0000";
    if (m == null || !isFinite(m)) return none;
    for (var i = 0; i < RAMP.length; i++) if (m <= RAMP[i][0]) return RAMP[i][1];
    return none;
  }
  GZ.RAMP = RAMP;
  GZ.minutesColor = minutesColor;
  /* Black or white text, whichever has the higher WCAG contrast on the background. */
  function textOn(hex) {
    var lum = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
  }
  GZ.coverageMap = function (map, cfg) {
    var urls = cfg.urls, st = status(map);
    GZ.map = map;
    GZ.baseLayers(map, urls, cfg.base, st).loadDetail();
    var state = (GZ.coverage = { runs: 0 });
    var opts = cfg.facilityTypes.map(function (t) {
      return '<option value="' + esc(t.key) + '"' + (t.key === cfg.defaultType ? " selected" : "") +
        ">" + esc(t.label) + (t.count != null ? "（" + t.count + "）" : "") + "</option>";
    }).join("");
    var minutes = [5, 10, 15, 20, 30].map(function (m) {
      return '<option value="' + m + '"' + (m === cfg.minutes ? " selected" : "") + ">" + m + " 分钟</option>";
    }).join("");
    var ramp = RAMP.map(function (r) {
      return '<span style="background:' + r[1] + ";color:" + textOn(r[1]) + '">' +
        (isFinite(r[0]) ? "≤" + r[0] : ">30") + "</span>";
    }).join("");
    var p = panel(map, "gz-cov",
      "<h1>15分钟服务圈覆盖分析</h1>" +
      '<label>设施类型 <select id="cov-type">' + opts + "</select></label>" +
      '<label>时间 <select id="cov-minutes">' + minutes + "</select></label>" +
      '<label>权重 <select id="cov-weight"><option value="elderly">老年人口</option>' +
      '<option value="dependents">分散特困供养对象</option><option value="population">总人口</option></select></label>' +
      '<button id="cov-run" type="button">计算覆盖</button> ' +
      '<label>推荐新址数 <input id="cov-k" type="number" min="1" max="50" value="5" style="width:4em"> ' +
      '<button id="cov-recommend" type="button">推荐选址</button></label>' +
      '<button id="cov-iso" type="button">刷新视野内服务圈</button>' +
      '<div id="cov-iso-msg" class="gz-sub"></div>' +
      '<div class="gz-ramp">到最近设施的时间（分钟）：' + ramp + "</div>" +
      '<div id="cov-msg"></div><div id="cov-figures"></div>');
    var msg = p.querySelector("#cov-msg"), figs = p.querySelector("#cov-figures");
    map.createPane("gzFac"); map.getPane("gzFac").style.zIndex = 450;
    var layers = {
      iso: L.layerGroup().addTo(map), demand: L.layerGroup().addTo(map),
      fac: L.layerGroup().addTo(map), rec: L.layerGroup().addTo(map)
    };
    function note(text) { msg.insertAdjacentHTML("beforeend", '<div class="gz-msg-box">' + text + "</div>"); }
    function params() {
      return "facility_type=" + encodeURIComponent(p.querySelector("#cov-type").value) +
        "&minutes=" + encodeURIComponent(p.querySelector("#cov-minutes").value) +
        "&weight=" + encodeURIComponent(p.querySelector("#cov-weight").value);
    }
    var has = {};
    cfg.available.forEach(function (k) { has[k] = true; });
    function missing(what) {
      var e = new Error("not available");
      e.status = 404;
      return Promise.reject(e);
    }
    function unavailable(what, e) {
      return e.status === 404 ? what + "服务尚未提供 (endpoint not available)。" :
        what + "出错：" + esc(e.message);
    }
    var demandFc = null;
    function demand() {
      return demandFc ? Promise.resolve(demandFc) :
        getJSON(urls.demand).then(function (fc) { demandFc = fc; return fc; });
    }
    function run() {
      msg.innerHTML = ""; figs.innerHTML = "计算中…";
      Object.keys(layers).forEach(function (k) { if (k !== "rec") layers[k].clearLayers(); });
      var type = p.querySelector("#cov-type").value;
      var mins = Number(p.querySelector("#cov-minutes").value);
      getJSON(urls.facilities + "?type=" + encodeURIComponent(type)).then(function (fc) {
        facFc = fc;
        L.geoJSON(fc, { pointToLayer: function (f, ll) {
          return L.circleMarker(ll, { radius: 6, color: "#fff", weight: 2, fillColor: "#08306b", fillOpacity: 1,
                                      pane: "gzFac" })
            .bindTooltip(esc(f.properties.name));
        } }).addTo(layers.fac);
        loadIsochrones();
      }).catch(function (e) { note("设施加载失败：" + esc(e.message)); });
      var cov = has.coverage ? getJSON(urls.coverage + "?include_points=true&" + params()) : missing();
      Promise.all([cov, demand()]).then(function (res) {
        var c = res[0], fc = res[1], byId = {}, gapIds = {};
        (c.points || []).forEach(function (d) {
          byId[d.id] = d.minutes_to_nearest;
          if (d.covered === false) gapIds[d.id] = true;
        });
        (c.gaps || []).forEach(function (g) { byId[g.id] = g.minutes_to_nearest; gapIds[g.id] = true; });
        fc.features.forEach(function (f) {
          var pr = f.properties, ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
          var m = pr.id in byId ? byId[pr.id] : null, gap = !!gapIds[pr.id];
          var color = pr.id in byId ? minutesColor(m) : (gap ? "#d73027" : minutesColor(Math.min(mins, 5)));
          var mk = L.circleMarker(ll, {
            radius: gap ? 4.5 : 3.5, color: gap ? "#3b0000" : color, weight: gap ? 1.5 : 0.5,
            fillColor: color, fillOpacity: 0.9, className: gap ? "gz-gap" : "gz-demand"
          });
          mk.bindTooltip(esc(pr.name) + (m != null ? "：" + Number(m).toFixed(1) + " 分钟" : (pr.id in byId ? "：不可达" : "")) + (gap ? "（缺口）" : ""));
          mk.addTo(layers.demand);
        });
        var share = c.covered_share != null ? (100 * c.covered_share).toFixed(1) + "%" : "—";
        var rows = (c.by_area || []).map(function (a) {
          return "<tr><td>" + esc(a.name) + "</td><td>" + (100 * a.covered_share).toFixed(1) + "%</td><td>" +
            esc(a.covered) + "/" + esc(a.total) + "</td></tr>";
        }).join("");
        figs.innerHTML = "<div><b>覆盖率 " + share + "</b>（" + esc(c.covered) + " / " + esc(c.total) +
          "）· 缺口 " + Object.keys(gapIds).length + " 处</div>" +
          "<table id=\"cov-table\"><tr><th>区市</th><th>覆盖率</th><th>覆盖/总数</th></tr>" + rows + "</table>";
        state.runs += 1;
        document.body.setAttribute("data-coverage", "ok");
      }).catch(function (e) {
        figs.innerHTML = "";
        note(unavailable("覆盖分析", e));
        demand().then(function (fc) {
          L.geoJSON(fc, { pointToLayer: function (f, ll) {
            return L.circleMarker(ll, { radius: 3, weight: 0.5, color: "#555", fillColor: "#999", fillOpacity: 0.8 })
              .bindTooltip(esc(f.properties.name));
          } }).addTo(layers.demand);
        }).catch(function () {});
        document.body.setAttribute("data-coverage", "unavailable");
      });
    }
    var facFc = null, isoSeq = 0, ISO_MAX = 100;
    /* Service circles of the facilities in view (nearest the centre first, at most
       ISO_MAX per request: they are shaped from the road network and cost time). */
    function loadIsochrones() {
      layers.iso.clearLayers();
      var box = p.querySelector("#cov-iso-msg"), mine = ++isoSeq;
      if (!has.isochrones) { box.textContent = unavailable("服务圈范围", { status: 404 }); return; }
      if (!facFc) return;
      var b = map.getBounds(), c = map.getCenter();
      var inView = facFc.features.filter(function (f) {
        var xy = f.geometry.coordinates;
        return b.contains(L.latLng(xy[1], xy[0]));
      }).sort(function (f, g) {
        var a = f.geometry.coordinates, d = g.geometry.coordinates;
        return c.distanceTo(L.latLng(a[1], a[0])) - c.distanceTo(L.latLng(d[1], d[0]));
      });
      var ids = inView.slice(0, ISO_MAX).map(function (f) { return f.properties.id; });
      var mins = p.querySelector("#cov-minutes").value;
      if (!ids.length) { box.textContent = "当前视野内没有该类设施。"; return; }
      box.textContent = "正在计算 " + ids.length + " 个设施的服务圈…";
      getJSON(urls.isochrones + "?minutes=" + encodeURIComponent(mins) + "&" +
              ids.map(function (i) { return "facility_id=" + i; }).join("&")).then(function (fc) {
        if (mine !== isoSeq) return;
        L.geoJSON(fc, { interactive: false, style: function () {
          return { color: "#2171b5", weight: 1, fillColor: "#6baed6", fillOpacity: 0.25 };
        } }).addTo(layers.iso);
        box.textContent = "服务圈：视野内 " + ids.length + " 个设施（共 " + facFc.features.length +
          " 个）的 " + mins + " 分钟步行范围" + (inView.length > ids.length ? "，放大地图可看其余设施" : "") + "。";
        document.body.setAttribute("data-isochrones", String(fc.features.length));
      }).catch(function (e) {
        if (mine === isoSeq) box.textContent = unavailable("服务圈范围", e);
      });
    }
    function recommend() {
      layers.rec.clearLayers();
      var k = p.querySelector("#cov-k").value;
      (has.recommend ? getJSON(urls.recommend + "?" + params() + "&k=" + encodeURIComponent(k)) : missing()).then(function (r) {
        var sites = r.exact || r.greedy || r.sites || r.results || [];
        sites.forEach(function (s, i) {
          var c = s.candidate || s, lon = c.lon, lat = c.lat;
          s = { name: c.name, gain: s.gain };
          if (lon == null || lat == null) return;
          L.marker([lat, lon], { icon: L.divIcon({ className: "gz-fac gz-rec",
            html: '<span style="display:block;border-radius:50%;background:#6a3d9a">' + (i + 1) + "</span>",
            iconSize: [22, 22] }) })
            .bindPopup("推荐新址 " + (i + 1) + (s.name ? "：" + esc(s.name) : "") +
              (s.gain != null ? "<br>新增覆盖 " + esc(s.gain) : ""))
            .addTo(layers.rec);
        });
        note("推荐新址 " + sites.length + " 处（紫色编号）。");
        document.body.setAttribute("data-recommend", String(sites.length));
      }).catch(function (e) {
        note(unavailable("选址推荐", e));
        document.body.setAttribute("data-recommend", "unavailable");
      });
    }
    p.querySelector("#cov-run").onclick = run;
    p.querySelector("#cov-recommend").onclick = recommend;
    p.querySelector("#cov-iso").onclick = loadIsochrones;
    run();
    return state;
  };
})();
