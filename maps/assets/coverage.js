/* The planners' workbench on /map/coverage: drill-down city → county → town → village,
 * what-if on the map, saved scenarios compared by area (inline SVG chart), recommended
 * sites, gap villages, print layout. Talks only to this server's coverage API.
 *
 * State lives in the URL (type, minutes, weight, profile, area, scenario), so a view can
 * be bookmarked and sent. GZ.coverageWorkbench(map, config) is called by the page.
 */
(function () {
  "use strict";
  var GZ = (window.GZ = window.GZ || {});
  var esc = GZ.esc;
  var getJSON = GZ.getJSON;
  var $ = function (id) { return document.getElementById(id); };
  var RAMP = GZ.RAMP;
  /* The workbench shows villages out of reach in the ramp's last colour. */
  function minutesColor(m) { return GZ.minutesColor(m, RAMP[RAMP.length - 1][1]); }
  function num(x) { return Math.round(Number(x) || 0).toLocaleString("zh-CN"); }
  function pct(x) { return (100 * (Number(x) || 0)).toFixed(1) + "%"; }
  function signed(x) { var n = Math.round(Number(x) || 0); return (n > 0 ? "+" : "") + n.toLocaleString("zh-CN"); }
  var LEVEL = { 2: "市", 3: "区市", 4: "镇街", 5: "村居" };

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : null;
  }
  /* POST JSON as the signed-in user: the session cookie (with X-CSRF-Token from the page's
     meta tag) or a bearer token kept for this tab (sessionStorage). */
  function postJSON(url, body) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var csrf = csrfToken();
    if (csrf) headers["X-CSRF-Token"] = csrf;
    var token = null;
    try { token = window.sessionStorage.getItem("gz-token"); } catch (e) { token = null; }
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(url, { method: "POST", headers: headers, credentials: "same-origin",
                        body: JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (!r.ok) {
          var err = new Error(b.message || ("HTTP " + r.status));
          err.status = r.status;
          throw err;
        }
        return b;
      });
    });
  }

  GZ.coverageWorkbench = function (map, cfg) {
    var urls = cfg.urls;
    GZ.map = map;
    var base = GZ.baseLayers(map, urls, cfg.base, null);
    base.loadDetail();
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    var north = L.control({ position: "topright" });
    north.onAdd = function () {
      var d = L.DomUtil.create("div", "wb-north");
      d.innerHTML = '<span aria-hidden="true">▲</span><br>北';
      d.title = "指北针";
      return d;
    };
    north.addTo(map);
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var d = L.DomUtil.create("div", "wb-legend");
      d.innerHTML = "<b>图例</b>" +
        RAMP.map(function (r, i) {
          var lo = i ? RAMP[i - 1][0] : 0;
          return '<div><span class="wb-sw" style="background:' + r[1] + '"></span>村居：' +
            (isFinite(r[0]) ? lo + "–" + r[0] + " 分钟" : ">30 分钟或不可达") + "</div>";
        }).join("") +
        '<div><span class="wb-sw wb-sw-gap"></span>未覆盖村居（缺口）</div>' +
        '<div><span class="wb-sw wb-sw-new"></span>方案新增覆盖</div>' +
        '<div><span class="wb-sw wb-sw-fac"></span>现有设施</div>' +
        '<div><span class="wb-sw wb-sw-add"></span>方案新址 / 推荐新址</div>';
      return d;
    };
    legend.addTo(map);

    map.createPane("wbAreas"); map.getPane("wbAreas").style.zIndex = 380;
    map.createPane("wbFac"); map.getPane("wbFac").style.zIndex = 460;
    var layers = {
      areas: L.layerGroup().addTo(map), demand: L.layerGroup().addTo(map),
      fac: L.layerGroup().addTo(map), rec: L.layerGroup().addTo(map), sites: L.layerGroup().addTo(map)
    };
    var st = (GZ.workbench = {
      type: cfg.defaultType, minutes: cfg.minutes, weight: "elderly", profile: "walking",
      area: "", scenario: "", drill: null, points: {}, add: [], remove: {}, move: {},
      newly: {}, runs: 0, whatifs: 0
    });
    var adminFc = { 3: null, 4: null }, demandFc = null, facFc = null;
    function admin(level) {
      return adminFc[level] ? Promise.resolve(adminFc[level]) :
        getJSON(urls.admin + "?level=" + level).then(function (fc) { adminFc[level] = fc; return fc; });
    }
    function demand() {
      return demandFc ? Promise.resolve(demandFc) :
        getJSON(urls.demand).then(function (fc) { demandFc = fc; return fc; });
    }

    /* ---- URL state ---- */
    function readUrl() {
      var q = new URLSearchParams(window.location.search);
      if (q.get("type")) st.type = q.get("type");
      if (q.get("minutes")) st.minutes = Number(q.get("minutes"));
      if (q.get("weight")) st.weight = q.get("weight");
      if (q.get("profile")) st.profile = q.get("profile");
      st.area = q.get("area") || "";
      st.scenario = q.get("scenario") || "";
      setSelect("wb-type", st.type); setSelect("wb-minutes", String(st.minutes));
      setSelect("wb-weight", st.weight); setSelect("wb-profile", st.profile);
    }
    function setSelect(id, v) {
      var s = $(id);
      var known = Array.prototype.some.call(s.options, function (o) { return o.value === v; });
      if (!known && id === "wb-minutes" && isFinite(Number(v))) {
        var o = document.createElement("option"); o.value = v; o.textContent = v + " 分钟"; s.appendChild(o);
        known = true;
      }
      if (known) s.value = v;
    }
    function urlOf(extra) {
      var q = new URLSearchParams();
      q.set("type", st.type); q.set("minutes", String(st.minutes));
      q.set("weight", st.weight); q.set("profile", st.profile);
      if (st.area) q.set("area", st.area);
      if (st.scenario) q.set("scenario", st.scenario);
      return "?" + q.toString() + (extra || "");
    }
    function writeUrl(push) {
      var u = urlOf();
      if (u === window.location.search) return;
      if (push) window.history.pushState(null, "", u); else window.history.replaceState(null, "", u);
    }
    function apiParams() {
      return "facility_type=" + encodeURIComponent(st.type) + "&minutes=" + encodeURIComponent(st.minutes) +
        "&weight=" + encodeURIComponent(st.weight) + "&profile=" + encodeURIComponent(st.profile) +
        (st.area ? "&admin=" + encodeURIComponent(st.area) : "");
    }

    /* ---- drill-down ---- */
    function load(push) {
      writeUrl(push);
      $("wb-summary").textContent = "计算中…";
      var seq = ++st.runs;
      updateExports();
      /* one request: the rows, the gaps and every village's minutes */
      return getJSON(urls.drill + "?include_points=true&" + apiParams()).then(function (d) {
        if (seq !== st.runs) return;
        /* names in the URL (助餐点, 老年人口, 文登区) become the codes the answer holds */
        var typeChanged = d.facility_types[0] !== st.type;
        if (typeChanged || d.weight !== st.weight || d.profile !== st.profile ||
            (st.area && d.area.level > 2 && d.area.code !== st.area)) {
          st.type = d.facility_types[0]; st.weight = d.weight; st.profile = d.profile;
          if (st.area) st.area = d.area.code;
          setSelect("wb-type", st.type); setSelect("wb-weight", st.weight); setSelect("wb-profile", st.profile);
          writeUrl(false); updateExports();
          if (typeChanged) loadFacilities();
        }
        st.drill = d;
        drawCrumbs(d); drawTable(d); drawGaps(d); drawFacts(d);
        return Promise.all([drawAreas(d), drawDemand(d)]).then(function () {
          zoomTo(d);
          document.body.setAttribute("data-drill", d.area.code + ":" + d.child_level);
          document.body.setAttribute("data-coverage", "ok");
          if (hasChanges()) return runWhatIf();
        });
      }).catch(function (e) {
        $("wb-summary").innerHTML = '<span class="wb-err">覆盖分析出错：' + esc(e.message) + "</span>";
        document.body.setAttribute("data-coverage", "error");
      });
    }
    function drillTo(code) { st.area = code; load(true); }
    GZ.workbench.drillTo = drillTo;
    function drawCrumbs(d) {
      var ol = $("wb-crumbs");
      ol.innerHTML = "";
      d.path.forEach(function (a, i) {
        var li = document.createElement("li");
        if (i === d.path.length - 1) {
          li.innerHTML = '<span aria-current="page">' + esc(a.name) + "</span>";
        } else {
          var b = document.createElement("a");
          b.href = "#"; b.textContent = a.name;
          b.setAttribute("data-code", a.level <= 2 ? "" : a.code);
          b.onclick = function (ev) { ev.preventDefault(); drillTo(b.getAttribute("data-code")); };
          li.appendChild(b);
        }
        ol.appendChild(li);
      });
    }
    function drawFacts(d) {
      var type = $("wb-type").selectedOptions[0], w = cfg.weights[st.weight] || st.weight;
      var text = "区域：" + d.path.map(function (a) { return a.name; }).join(" › ") +
        "　设施类型：" + (type ? type.textContent.replace(/（\d+）$/, "") : st.type) +
        "　时间：" + st.minutes + " 分钟　出行方式：" + (cfg.profiles[st.profile] || st.profile) +
        "　权重：" + w + "　覆盖：" + num(d.covered) + " / " + num(d.total) + "（" + pct(d.covered_share) + "）";
      $("wb-print-facts").textContent = text;
      $("wb-print-title").textContent = d.area.name + (type ? type.textContent.replace(/（\d+）$/, "") : "") +
        " " + st.minutes + " 分钟服务圈覆盖分析";
      $("wb-summary").innerHTML = "<b>" + esc(d.area.name) + "</b> 覆盖率 <b>" + pct(d.covered_share) +
        "</b>（" + esc(w) + " " + num(d.covered) + " / " + num(d.total) + "）· 设施 " + d.facility_count +
        " 处 · 未覆盖村居 <b>" + d.uncovered_villages + "</b> / " + d.villages + " 个";
    }
    function drawTable(d) {
      var body = $("wb-table").tBodies[0], villages = d.child_level >= 5;
      $("wb-col-name").textContent = LEVEL[d.child_level] || "区域";
      $("wb-col-gap").textContent = villages ? "到最近设施" : "未覆盖村居";
      $("wb-caption").textContent = d.area.name + " · 按" + (LEVEL[d.child_level] || "区域") + "覆盖情况";
      body.innerHTML = "";
      var rows = villages ? d.village_rows.slice().sort(function (a, b) { return a.covered - b.covered || b.weight - a.weight; }) :
        d.areas.slice().sort(function (a, b) { return a.covered_share - b.covered_share; });
      rows.forEach(function (r) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-code", r.code);
        var btn = '<button type="button" class="wb-link">' + esc(r.name) + "</button>";
        if (villages) {
          tr.className = r.covered ? "" : "wb-uncovered";
          tr.innerHTML = "<td>" + btn + "</td><td>" + (r.covered ? num(r.weight) : "0") + "</td><td>" + num(r.weight) +
            "</td><td>" + (r.covered ? "是" : "否") + "</td><td>" +
            (r.minutes_to_nearest == null ? "不可达" : Number(r.minutes_to_nearest).toFixed(1) + " 分钟") + "</td>";
          tr.querySelector("button").onclick = function () { showVillage(r); };
        } else {
          tr.innerHTML = "<td>" + btn + "</td><td>" + num(r.covered) + "</td><td>" + num(r.total) + "</td><td>" +
            pct(r.covered_share) + "</td><td>" + r.uncovered_villages + " / " + r.villages + "</td>";
          tr.querySelector("button").onclick = function () { drillTo(r.code); };
        }
        body.appendChild(tr);
      });
      var gapSel = $("wb-gap-area"), keep = gapSel.value;
      gapSel.innerHTML = '<option value="">全部</option>' + (villages ? "" : d.areas.map(function (a) {
        return '<option value="' + esc(a.code) + '">' + esc(a.name) + "</option>";
      }).join(""));
      gapSel.value = Array.prototype.some.call(gapSel.options, function (o) { return o.value === keep; }) ? keep : "";
    }
    function prefixOf(code, level) { return code.slice(0, { 2: 4, 3: 6, 4: 9, 5: 12 }[level] || 12); }
    function drawAreas(d) {
      layers.areas.clearLayers();
      if (d.child_level >= 5) return Promise.resolve();
      return admin(d.child_level).then(function (fc) {
        var byCode = {};
        d.areas.forEach(function (a) { byCode[a.code] = a; });
        L.geoJSON(fc, {
          pane: "wbAreas", bubblingMouseEvents: false,
          filter: function (f) { return !!byCode[f.properties.code]; },
          style: function (f) {
            var a = byCode[f.properties.code];
            return { color: "#4a3b5c", weight: 1.5, fillColor: minutesColor(a.covered_share >= 0.8 ? 5 : a.covered_share >= 0.6 ? 10 : a.covered_share >= 0.4 ? 20 : 40),
                     fillOpacity: 0.18, className: "wb-area" };
          },
          onEachFeature: function (f, lyr) {
            var a = byCode[f.properties.code];
            lyr.bindTooltip(esc(a.name) + "：覆盖率 " + pct(a.covered_share) + "，未覆盖村居 " + a.uncovered_villages, { sticky: true });
            lyr.on("click", function (ev) {
              if (st.editing) { addSite(ev.latlng); return; }
              drillTo(a.code);
            });
          }
        }).addTo(layers.areas);
      });
    }
    function drawDemand(d) {
      return demand().then(function (fc) {
        var pts = {};
        (d.points || []).forEach(function (x) { pts[x.id] = x; });
        st.points = pts;
        layers.demand.clearLayers();
        st.markers = {};
        var pre = st.area ? prefixOf(d.area.code, d.area.level) : "";
        fc.features.forEach(function (f) {
          var pr = f.properties, x = pts[pr.id];
          if (!x || (pre && pr.code.indexOf(pre) !== 0)) return;
          var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
          var gap = !x.covered;
          var mk = L.circleMarker(ll, {
            radius: gap ? 5 : 4, color: gap ? "#3b0000" : "#555", weight: gap ? 1.5 : 0.5,
            fillColor: minutesColor(x.minutes_to_nearest), fillOpacity: 0.9,
            className: gap ? "gz-gap" : "gz-demand", bubblingMouseEvents: false
          });
          mk.bindTooltip(esc(pr.name) + "：" + (x.minutes_to_nearest == null ? "不可达" : Number(x.minutes_to_nearest).toFixed(1) + " 分钟") + (gap ? "（缺口）" : ""));
          mk.on("click", function (ev) { if (st.editing) addSite(ev.latlng); });
          mk.addTo(layers.demand);
          st.markers[pr.id] = mk;
        });
      });
    }
    function zoomTo(d) {
      if (!st.area) { var b = cfg.bounds; map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); return; }
      var box = L.latLngBounds([]);
      Object.keys(st.markers || {}).forEach(function (id) { box.extend(st.markers[id].getLatLng()); });
      var level = d.area.level;
      (level === 3 || level === 4 ? admin(level) : Promise.resolve(null)).then(function (fc) {
        var f = fc && fc.features.filter(function (x) { return x.properties.code === d.area.code; })[0];
        if (f) box.extend(L.geoJSON(f).getBounds());
        if (box.isValid()) map.fitBounds(box, { padding: [10, 10], animate: false });
      });
    }
    function showVillage(v) {
      map.setView([v.lat, v.lon], Math.max(map.getZoom(), 14));
      var mk = st.markers && st.markers[v.id];
      if (mk) mk.openTooltip();
    }
    GZ.workbench.showVillage = showVillage;

    /* ---- gaps ---- */
    function drawGaps(d) {
      var sel = $("wb-gap-area").value, ol = $("wb-gaps");
      var gaps = d.gaps.filter(function (g) { return !sel || g.town_code.indexOf(prefixOf(sel, d.child_level)) === 0; });
      $("wb-gap-note").textContent = d.gaps_total + " 个未覆盖村居" + (d.gaps_total > d.gaps.length ? "，列出权重最大的 " + d.gaps.length + " 个" : "") +
        (sel ? "；筛选后 " + gaps.length + " 个" : "") + "。点击名称在地图上查看。";
      ol.innerHTML = "";
      gaps.forEach(function (g) {
        var li = document.createElement("li");
        li.innerHTML = '<a href="#" class="wb-gap-link">' + esc(g.name) + "</a> <span class=\"wb-sub\">" + esc(g.county_name) + " " + esc(g.town_name) +
          " · 权重 " + num(g.weight) + " · 老年人 " + num(g.elderly) + " · 到最近设施 " +
          (g.minutes_to_nearest == null ? "不可达" : Number(g.minutes_to_nearest).toFixed(1) + " 分钟") + "</span>";
        li.querySelector("a").onclick = function (ev) { ev.preventDefault(); showVillage(g); };
        ol.appendChild(li);
      });
    }
    $("wb-gap-area").onchange = function () { if (st.drill) drawGaps(st.drill); };

    /* ---- what-if ---- */
    function hasChanges() {
      return st.add.length > 0 || Object.keys(st.remove).length > 0 || Object.keys(st.move).length > 0;
    }
    function siteIcon(label) {
      return L.divIcon({ className: "wb-site", html: "<span>" + esc(label) + "</span>", iconSize: [24, 24] });
    }
    function addSite(latlng, name) {
      st.add.push({ lon: Number(latlng.lng.toFixed(6)), lat: Number(latlng.lat.toFixed(6)), name: name || "" });
      drawSites(); runWhatIf();
    }
    GZ.workbench.addSite = function (lon, lat, name) { addSite(L.latLng(lat, lon), name); };
    function drawSites() {
      layers.sites.clearLayers();
      st.add.forEach(function (s, i) {
        var mk = L.marker([s.lat, s.lon], { draggable: true, icon: siteIcon("新" + (i + 1)),
          title: "新址 " + (i + 1) + (s.name ? "：" + s.name : "") + "（拖动移动，点击删除）", keyboard: true });
        mk.on("dragend", function () {
          var ll = mk.getLatLng(); s.lon = Number(ll.lng.toFixed(6)); s.lat = Number(ll.lat.toFixed(6)); runWhatIf();
        });
        mk.on("click", function () { st.add.splice(i, 1); drawSites(); runWhatIf(); });
        mk.addTo(layers.sites);
      });
      var items = st.add.map(function (s, i) {
        return "<li>新址 " + (i + 1) + (s.name ? "（" + esc(s.name) + "）" : "") + "：" + s.lon.toFixed(4) + ", " + s.lat.toFixed(4) + "</li>";
      }).concat(Object.keys(st.remove).map(function (id) { return "<li>撤除设施：" + esc(st.remove[id]) + "</li>"; }))
        .concat(Object.keys(st.move).map(function (id) {
          return "<li>移动设施 " + esc(id) + " 至 " + st.move[id][0].toFixed(4) + ", " + st.move[id][1].toFixed(4) + "</li>";
        }));
      $("wb-changes").innerHTML = items.length ? "<ul>" + items.join("") + "</ul>" : '<p class="wb-hint">尚无变更。</p>';
    }
    function whatIfBody() {
      return {
        facility_type: [st.type], minutes: Number(st.minutes), profile: st.profile, weight: st.weight,
        admin: st.area || null, gaps_limit: 0,
        add: st.add.map(function (s) { return { lon: s.lon, lat: s.lat, name: s.name }; }),
        remove: Object.keys(st.remove).map(Number),
        move: Object.keys(st.move).map(function (id) { return { id: Number(id), lon: st.move[id][0], lat: st.move[id][1] }; })
      };
    }
    var wiSeq = 0;
    function runWhatIf() {
      var mine = ++wiSeq;
      Object.keys(st.newly).forEach(function (id) {
        var mk = st.markers && st.markers[id];
        if (mk) mk.setStyle({ color: mk.options.className === "gz-gap" ? "#3b0000" : "#555", weight: mk.options.className === "gz-gap" ? 1.5 : 0.5 });
        if (mk && mk.getElement()) mk.getElement().classList.remove("wb-new");
      });
      st.newly = {};
      if (!hasChanges()) {
        $("wb-delta").innerHTML = "";
        document.body.setAttribute("data-whatif", "0");
        return Promise.resolve();
      }
      $("wb-delta").textContent = "计算方案…";
      var t0 = performance.now();
      return postJSON(urls.whatIf, whatIfBody()).then(function (r) {
        if (mine !== wiSeq) return;
        r.newly_covered.forEach(function (id) {
          st.newly[id] = true;
          var mk = st.markers && st.markers[id];
          if (mk) {
            mk.setStyle({ color: "#00441b", weight: 3 });
            if (mk.getElement()) mk.getElement().classList.add("wb-new");
          }
        });
        var before = {};
        r.baseline.by_area.forEach(function (a) { before[a.admin_code] = a; });
        var rows = r.scenario.by_area.map(function (a) {
          var b = before[a.admin_code] || { covered: 0, covered_share: 0 };
          return { name: a.name, before: b.covered_share, after: a.covered_share, change: a.covered - b.covered };
        }).filter(function (x) { return x.change !== 0; });
        $("wb-delta").innerHTML = "<p><b>方案覆盖率 " + pct(r.scenario.covered_share) + "</b>（现状 " + pct(r.baseline.covered_share) +
          "，变化 " + signed(r.covered_change) + "）· 新增覆盖村居 <b>" + r.newly_covered.length + "</b> 个" +
          (r.newly_uncovered.length ? " · 失去覆盖 " + r.newly_uncovered.length + " 个" : "") + "</p>" +
          (rows.length ? '<table class="wb-table" id="wb-delta-table"><caption>按区域变化</caption><thead><tr><th scope="col">区域</th><th scope="col">现状</th><th scope="col">方案</th><th scope="col">变化</th></tr></thead><tbody>' +
            rows.map(function (x) {
              return "<tr><td>" + esc(x.name) + "</td><td>" + pct(x.before) + "</td><td>" + pct(x.after) + "</td><td>" + signed(x.change) + "</td></tr>";
            }).join("") + "</tbody></table>" : "");
        st.whatifs += 1;
        st.lastWhatIfMs = performance.now() - t0;
        document.body.setAttribute("data-whatif", String(st.whatifs));
        document.body.setAttribute("data-newly-covered", String(r.newly_covered.length));
      }).catch(function (e) {
        if (mine === wiSeq) $("wb-delta").innerHTML = '<span class="wb-err">方案计算出错：' + esc(e.message) + "</span>";
      });
    }
    $("wb-edit").onchange = function () {
      st.editing = this.checked;
      map.getContainer().classList.toggle("wb-editing", st.editing);
      drawFacilities();
    };
    map.on("click", function (ev) { if (st.editing) addSite(ev.latlng); });
    $("wb-clear").onclick = function () {
      st.add = []; st.remove = {}; st.move = {}; st.scenario = ""; writeUrl(false);
      drawSites(); drawFacilities(); runWhatIf();
    };

    /* ---- facilities (click to remove in edit mode) ---- */
    function loadFacilities() {
      return getJSON(urls.facilities + "?type=" + encodeURIComponent(st.type)).then(function (fc) {
        facFc = fc; drawFacilities();
      }).catch(function () {});
    }
    function drawFacilities() {
      layers.fac.clearLayers();
      if (!facFc) return;
      facFc.features.forEach(function (f) {
        var id = f.properties.id, gone = !!st.remove[id], moved = st.move[id];
        var ll = moved ? [moved[1], moved[0]] : [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        var name = f.properties.name;
        var mk;
        if (st.editing) {
          /* editing: drag a facility to move it, click it to take it away (again: back) */
          mk = L.marker(ll, { draggable: !gone, pane: "wbFac", keyboard: false,
            icon: L.divIcon({ className: gone ? "wb-fac-edit wb-removed" : moved ? "wb-fac-edit wb-moved" : "wb-fac-edit",
                              iconSize: [14, 14] }),
            title: name + (gone ? "（方案中撤除，点击恢复）" : "（拖动移动，点击撤除）") });
          mk.on("dragend", function () {
            var p = mk.getLatLng();
            st.move[id] = [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))];
            drawFacilities(); drawSites(); runWhatIf();
          });
        } else {
          mk = L.circleMarker(ll, { radius: 6, pane: "wbFac", color: gone ? "#d73027" : "#fff", weight: 2,
            fillColor: gone ? "#bbbbbb" : "#08306b", fillOpacity: 1, className: gone ? "wb-removed" : "wb-fac",
            bubblingMouseEvents: false });
          mk.bindTooltip(esc(name) + (gone ? "（方案中撤除）" : moved ? "（方案中移动）" : ""));
        }
        mk.on("click", function () {
          if (!st.editing) return;
          if (gone) delete st.remove[id]; else { st.remove[id] = name; delete st.move[id]; }
          drawFacilities(); drawSites(); runWhatIf();
        });
        mk.addTo(layers.fac);
      });
    }
    GZ.workbench.facilities = function () { return facFc; };

    /* ---- save a scenario ---- */
    $("wb-save").onclick = function () {
      var name = $("wb-name").value.trim(), msg = $("wb-save-msg");
      if (!name) { msg.innerHTML = '<span class="wb-err">请输入方案名称。</span>'; return; }
      if (!hasChanges()) { msg.innerHTML = '<span class="wb-err">方案没有变更：请先在地图上添加、移动或撤除设施。</span>'; return; }
      var body = whatIfBody(); body.name = name;
      msg.textContent = "保存中…";
      postJSON(urls.scenarios, body).then(function (s) {
        msg.textContent = "已保存方案 #" + s.id + "「" + s.name + "」。";
        st.scenario = String(s.id); writeUrl(false);
        document.body.setAttribute("data-saved", String(s.id));
        loadScenarios();
      }).catch(function (e) {
        if (e.status === 401) {
          var next = encodeURIComponent(window.location.pathname + window.location.search);
          msg.innerHTML = '<span class="wb-err">保存方案需要工作人员登录。</span> <a href="' + esc(urls.login) + "?next=" + next + '">登录工作人员账号</a>';
        } else if (e.status === 403) {
          msg.innerHTML = '<span class="wb-err">无法保存：' + esc(e.message) + "（需要审核员或管理员账号）</span>";
        } else {
          msg.innerHTML = '<span class="wb-err">保存失败：' + esc(e.message) + "</span>";
        }
        document.body.setAttribute("data-saved", "error-" + (e.status || 0));
      });
    };

    /* ---- scenarios: list, load, compare ---- */
    function loadScenarios() {
      return getJSON(urls.scenarios).then(function (list) {
        st.scenarios = list;
        var box = $("wb-scen-list");
        if (!list.length) { box.innerHTML = '<p class="wb-hint">尚无保存的方案。</p>'; return list; }
        box.innerHTML = "<ul class=\"wb-list\">" + list.map(function (s) {
          return '<li><label><input type="checkbox" class="wb-scen" value="' + s.id + '"> #' + s.id + " " + esc(s.name) +
            '</label> <a href="' + esc(urlOfScenario(s)) + '">在地图上打开</a></li>';
        }).join("") + "</ul>";
        document.body.setAttribute("data-scenarios", String(list.length));
        return list;
      }).catch(function () { $("wb-scen-list").textContent = "方案列表加载失败。"; });
    }
    function urlOfScenario(s) {
      var q = new URLSearchParams();
      q.set("type", s.facility_type[0]); q.set("minutes", String(s.minutes));
      q.set("weight", s.weight); q.set("profile", s.profile);
      if (s.admin) q.set("area", s.admin);
      q.set("scenario", String(s.id));
      return "?" + q.toString();
    }
    function applyScenario(id) {
      return getJSON(urls.scenarios + "/" + encodeURIComponent(id)).then(function (s) {
        st.add = s.add.map(function (a) { return { lon: a.lon, lat: a.lat, name: a.name }; });
        st.remove = {}; s.remove.forEach(function (r) { st.remove[r] = "设施 " + r; });
        st.move = {}; s.move.forEach(function (m) { st.move[m.id] = [m.lon, m.lat]; });
        $("wb-name").value = s.name;
        drawSites(); drawFacilities();
      }).catch(function (e) { $("wb-save-msg").textContent = "方案 #" + id + " 无法加载：" + e.message; });
    }
    $("wb-compare").onclick = function () {
      var ids = Array.prototype.map.call(document.querySelectorAll(".wb-scen:checked"), function (c) { return c.value; });
      var msg = $("wb-compare-msg");
      if (!ids.length) { msg.textContent = "请勾选要对比的方案。"; return; }
      msg.textContent = "对比计算中…";
      getJSON(urls.compare + "?ids=" + ids.join(",")).then(function (rows) {
        msg.textContent = "";
        drawCompare(rows);
        document.body.setAttribute("data-compared", String(rows.length));
      }).catch(function (e) { msg.textContent = "对比失败：" + e.message; });
    };
    var SVGNS = "http://www.w3.org/2000/svg";
    function svg(tag, attrs, text) {
      var e = document.createElementNS(SVGNS, tag);
      Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text != null) e.textContent = text;
      return e;
    }
    var SERIES = ["#9e9e9e", "#1f78b4", "#e66101", "#33a02c", "#6a3d9a", "#b15928"];
    function drawCompare(rows) {
      var areas = [], seen = {};
      rows.forEach(function (c) { c.by_area.forEach(function (a) { if (!seen[a.admin_code]) { seen[a.admin_code] = a; areas.push(a); } }); });
      var series = [{ name: "现状", get: function (a) { return a.baseline_covered_share; }, rows: rows[0].by_area }]
        .concat(rows.map(function (c) { return { name: c.scenario.name, rows: c.by_area, get: function (a) { return a.covered_share; } }; }));
      var barH = 9, gap = 8, labelW = 150, W = 400, chartW = W - labelW - 50;
      var groupH = series.length * barH + gap, H = 30 + areas.length * groupH + 20 * Math.ceil(series.length / 3) + 10;
      var s = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-labelledby": "wb-chart-title", id: "wb-chart-svg" });
      s.appendChild(svg("title", { id: "wb-chart-title" }, "各区域覆盖率：现状与各方案对比"));
      s.appendChild(svg("text", { x: 0, y: 14, "font-size": 12, "font-weight": "bold" }, "覆盖率对比（按区域）"));
      areas.forEach(function (a, i) {
        var y0 = 26 + i * groupH;
        s.appendChild(svg("text", { x: labelW - 4, y: y0 + series.length * barH / 2 + 4, "font-size": 10, "text-anchor": "end" }, a.name));
        series.forEach(function (se, j) {
          var r = se.rows.filter(function (x) { return x.admin_code === a.admin_code; })[0];
          var v = r ? se.get(r) : 0;
          s.appendChild(svg("rect", { x: labelW, y: y0 + j * barH, width: Math.max(0.5, v * chartW), height: barH - 1, fill: SERIES[j % SERIES.length] }));
          s.appendChild(svg("text", { x: labelW + v * chartW + 3, y: y0 + j * barH + barH - 2, "font-size": 8 }, (100 * v).toFixed(1) + "%"));
        });
      });
      var ly = 30 + areas.length * groupH;
      series.forEach(function (se, j) {
        var x = (j % 3) * 130, y = ly + Math.floor(j / 3) * 18;
        s.appendChild(svg("rect", { x: x, y: y - 9, width: 10, height: 10, fill: SERIES[j % SERIES.length] }));
        s.appendChild(svg("text", { x: x + 14, y: y, "font-size": 10 }, se.name));
      });
      var box = $("wb-chart"); box.innerHTML = ""; box.appendChild(s);
      var head = "<thead><tr><th scope=\"col\">区域</th><th scope=\"col\">现状</th>" + rows.map(function (c) { return "<th scope=\"col\">" + esc(c.scenario.name) + "</th>"; }).join("") + "</tr></thead>";
      var body = "<tbody><tr><td>合计</td><td>" + pct(rows[0].baseline_covered_share) + "</td>" +
        rows.map(function (c) { return "<td>" + pct(c.covered_share) + "（" + signed(c.covered_change) + "）</td>"; }).join("") + "</tr>" +
        areas.map(function (a) {
          return "<tr><td>" + esc(a.name) + "</td><td>" + pct(a.baseline_covered_share) + "</td>" + rows.map(function (c) {
            var r = c.by_area.filter(function (x) { return x.admin_code === a.admin_code; })[0];
            return "<td>" + (r ? pct(r.covered_share) + "（" + signed(r.covered - r.baseline_covered) + "）" : "—") + "</td>";
          }).join("") + "</tr>";
        }).join("") + "</tbody>";
      $("wb-compare-table").innerHTML = "<caption>方案对比（覆盖率与新增覆盖）</caption>" + head + body;
    }

    /* ---- recommended sites ---- */
    $("wb-rec-run").onclick = function () {
      var k = Number($("wb-k").value) || 5, msg = $("wb-rec-msg"), ol = $("wb-rec");
      msg.textContent = "计算推荐选址…"; ol.innerHTML = ""; layers.rec.clearLayers();
      getJSON(urls.recommended + "?" + apiParams() + "&k=" + encodeURIComponent(k)).then(function (r) {
        msg.textContent = r.sites.length ? "按新增覆盖排序（每处在前面各处之后再新增的覆盖）。" : "没有可新增覆盖的选址。";
        r.sites.forEach(function (p) {
          var li = document.createElement("li");
          li.innerHTML = "<b>" + esc(p.nearest_place || p.name) + "</b> <span class=\"wb-sub\">" + esc(p.town_name) + " " + esc(p.village) +
            " · 新增覆盖 " + num(p.gain) + " · 累计 " + num(p.running_total) + " · 覆盖率 " + pct(p.share_after) +
            '</span> <button type="button" class="wb-rec-add">加入方案</button> <button type="button" class="wb-rec-show">查看</button>';
          li.querySelector(".wb-rec-add").onclick = function () {
            addSite(L.latLng(p.lat, p.lon), "推荐" + p.rank + " " + (p.nearest_place || p.name));
            this.disabled = true; this.textContent = "已加入";
          };
          li.querySelector(".wb-rec-show").onclick = function () { map.setView([p.lat, p.lon], Math.max(map.getZoom(), 14)); };
          ol.appendChild(li);
          L.marker([p.lat, p.lon], { icon: siteIcon(String(p.rank)), title: "推荐新址 " + p.rank + "：" + (p.nearest_place || p.name), keyboard: false })
            .addTo(layers.rec);
        });
        document.body.setAttribute("data-recommend", String(r.sites.length));
      }).catch(function (e) {
        msg.textContent = "选址推荐出错：" + e.message;
        document.body.setAttribute("data-recommend", "error");
      });
    };

    /* ---- export and print ---- */
    function updateExports() {
      var p = apiParams();
      $("wb-xlsx").href = urls.report + "?" + p + "&format=xlsx";
      $("wb-pdf").href = urls.report + "?" + p + "&format=pdf";
    }
    var pageStyle = document.createElement("style");
    pageStyle.id = "wb-page-size";
    document.head.appendChild(pageStyle);
    function paper() { pageStyle.textContent = "@page { size: " + $("wb-paper").value + " landscape; margin: 8mm; }"; }
    $("wb-paper").onchange = paper; paper();
    $("wb-print").onclick = function () { window.print(); };
    window.addEventListener("beforeprint", function () { map.invalidateSize(); if (st.drill) zoomTo(st.drill); });
    window.addEventListener("afterprint", function () { map.invalidateSize(); });

    /* ---- controls ---- */
    ["wb-type", "wb-minutes", "wb-weight", "wb-profile"].forEach(function (id) {
      $(id).onchange = function () {
        st.type = $("wb-type").value; st.minutes = Number($("wb-minutes").value);
        st.weight = $("wb-weight").value; st.profile = $("wb-profile").value;
        if (id === "wb-type") { st.remove = {}; loadFacilities(); }
        load(true);
      };
    });
    window.addEventListener("popstate", function () {
      var before = st.scenario;
      readUrl();
      var p = st.scenario && st.scenario !== before ? applyScenario(st.scenario) : Promise.resolve();
      p.then(function () { load(false); });
    });

    readUrl();
    loadScenarios();
    if ($("wb-type").value === st.type) loadFacilities();
    (st.scenario ? applyScenario(st.scenario) : Promise.resolve()).then(function () {
      drawSites();
      load(false);
    });
    return st;
  };
})();
