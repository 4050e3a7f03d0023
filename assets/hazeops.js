/* HazeOps browser glue: loaded before the Dash renderer (assets/ is served without login, no data here). */
(function () {
  "use strict";

  function prefix() {
    // Dash writes its config (with the URL prefix) into the page; fall back to the site root.
    var el = document.getElementById("_dash-config");
    try {
      return (JSON.parse(el.textContent).requests_pathname_prefix || "/").replace(/\/$/, "");
    } catch (e) {
      return "";
    }
  }

  // Pages that keep their filters in the address write them with a second dcc.Location (refresh=False), whose
  // history entries Dash's page router never sees: Back/Forward between two of them, or a link to the same
  // page, changed the address but not the page. Such a step (same path, another query) reloads the page from
  // its address; a step to another path is the router's, as before.
  var shown = { path: window.location.pathname, search: window.location.search };
  var before = shown;
  function remember() {
    before = shown;
    shown = { path: window.location.pathname, search: window.location.search };
  }
  // A page also tidies its own address as it loads (filters in their order, an unknown value dropped, a
  // messenger's tracking tail): that is no step of the person's, and as an entry of its own it would trap Back
  // (back to the untidy address, reloaded, tidied forward again). So until the person does something on a page,
  // a push that stays on its path replaces the entry instead.
  var acted = false;
  ["pointerdown", "keydown"].forEach(function (type) {
    window.addEventListener(type, function () { acted = true; }, true);
  });
  var replaceState = window.history.replaceState;
  var pushState = window.history.pushState;
  window.history.replaceState = function () {
    var result = replaceState.apply(this, arguments);
    remember();
    return result;
  };
  window.history.pushState = function (state, title, url) {
    var target = new URL(url == null ? window.location.href : String(url), window.location.href);
    var samePath = target.pathname === window.location.pathname;
    var result = (samePath && !acted ? replaceState : pushState).apply(this, arguments);
    if (!samePath) acted = false;  // another page: it settles by itself first
    remember();
    return result;
  };
  function reloadIfSamePage(from) {
    var here = window.location;
    if (here.pathname === from.path && here.search !== from.search) here.reload();
  }
  window.addEventListener("popstate", function () {
    remember();
    reloadIfSamePage(before);
  });
  // dcc.Link announces its own pushState with this event (after the push above recorded it).
  window.addEventListener("_dashprivate_pushstate", function () { reloadIfSamePage(before); });

  // A Dash request answered 401 means the session ended (expired, logged out, user deactivated):
  // go to the login page and come back here afterwards, instead of a page that silently stops updating.
  // A refused callback (403: the role changed while the page was open) says so instead of doing nothing.
  function notify(text) {
    var box = document.getElementById("hazeops-toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "hazeops-toast";
      box.className = "alert alert-danger shadow hazeops-toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.style.display = "block";
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.style.display = "none"; }, 8000);
  }

  // Only once: several requests may answer 401 together, and two cookie-less loads of the login page would
  // each start a session with its own form token, leaving the visible form with a stale one.
  var redirecting = false;
  var origFetch = window.fetch;
  window.fetch = function () {
    return origFetch.apply(this, arguments).then(function (resp) {
      var dash = resp.url.indexOf("/_dash") !== -1;
      if (dash && resp.status === 401) {
        if (!redirecting) {
          redirecting = true;
          var here = window.location.pathname + window.location.search;
          window.location.assign(prefix() + "/login?next=" + encodeURIComponent(here));
        }
        return new Promise(function () {}); // the page is leaving: the renderer need not handle this answer
      }
      if (dash && resp.status === 403) {
        resp.clone().json().then(function (body) {
          notify((body && body.error && body.error.message) || "403");
        }, function () { notify("403"); });
      }
      return resp;
    });
  };

  // "Back to the console" from an enterprise page goes back to the console the user came from, filters and
  // all, when that is where they came from (otherwise the link's own target, the console's first view).
  document.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest("#enterprise-back") : null;
    if (!link || !document.referrer) { return; }
    var home = window.location.origin + prefix() + "/";
    if (document.referrer === home || document.referrer.indexOf(home + "?") === 0) {
      e.preventDefault();
      window.location.assign(document.referrer);
    }
  });

  // dash-leaflet reports bounds as [[south, west], [north, east]]; accept a Leaflet-like object too.
  function boundsOf(b) {
    if (Array.isArray(b) && b.length === 2 && Array.isArray(b[0])) {
      return { south: b[0][0], west: b[0][1], north: b[1][0], east: b[1][1] };
    }
    if (b && b._southWest && b._northEast) {
      return { south: b._southWest.lat, west: b._southWest.lng, north: b._northEast.lat, east: b._northEast.lng };
    }
    return null;
  }

  function alertOf(text, color) {
    return { type: "Alert", namespace: "dash_bootstrap_components",
             props: { children: text, color: color || "danger", className: "py-2 mb-0" } };
  }

  // POST the file chosen in cfg.input (and cfg.fields) to cfg.url with the session's CSRF token, showing
  // upload progress in cfg.progress; errors (the API's JSON message) go to cfg.msg, success to cfg.done
  // (also an error status listed in cfg.details, whose body the page shows line by line).
  function upload(clicks, cfg, texts, csrf) {
    var set = window.dash_clientside.set_props;
    var input = document.getElementById(cfg.input);
    var file = input && input.files && input.files[0];
    if (!clicks) { return window.dash_clientside.no_update; }
    if (!file) { return alertOf(texts.no_file, "warning"); }
    if (file.size > Number(texts.max_bytes)) { return alertOf(texts.too_big); }
    var data = new FormData();
    data.append("file", file);
    Object.keys(cfg.fields || {}).forEach(function (k) { data.append(k, cfg.fields[k]); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", prefix() + cfg.url);
    xhr.setRequestHeader("X-CSRF-Token", csrf || "");
    xhr.setRequestHeader("Accept", "application/json");
    set(cfg.button, { disabled: true });
    set(cfg.progress, { value: 0, label: "", style: {} });
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        var pct = Math.round((e.loaded / e.total) * 100);
        set(cfg.progress, { value: pct, label: texts.uploading + " " + pct + "%" });
      }
    };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      set(cfg.button, { disabled: false });
      set(cfg.progress, { style: { display: "none" } });
      if (xhr.status === 401) {
        window.location.assign(prefix() + "/login?next=" + encodeURIComponent(window.location.pathname));
        return;
      }
      if (body && (xhr.status === cfg.expect || (cfg.details || []).indexOf(xhr.status) >= 0)) {
        input.value = "";
        cfg.done(body, file, set, alertOf);
      } else {
        var why = (body && body.error && body.error.message) || (texts.failed + " (" + xhr.status + ")");
        set(cfg.msg, { children: alertOf(why) });
      }
    };
    xhr.onerror = function () {
      set(cfg.button, { disabled: false });
      set(cfg.progress, { style: { display: "none" } });
      set(cfg.msg, { children: alertOf(texts.failed) });
    };
    xhr.send(data);
    return "";
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    hazeops: {
      // Reload the page (after the language changed): the whole shell is rebuilt in the new language.
      reload: function (stamp) {
        if (stamp) {
          window.location.reload();
        }
        return window.dash_clientside.no_update;
      },
      // The map feed for this view: the filter's URL (from the server), the zoom, the CRS of the chosen base
      // map and, from tile_zoom on, the visible tiles plus one around (dashboard/mapgrid.py TileRange).
      feedUrl: function (zoom, bounds, feed, baseLayer, crsByLayer, current) {
        if (!feed || zoom === undefined || zoom === null) {
          return window.dash_clientside.no_update;
        }
        var z = Math.max(0, Math.min(20, Math.round(zoom)));
        var crs = (crsByLayer && crsByLayer[baseLayer]) || "wgs84";
        var url = feed.base + "&z=" + z + "&crs=" + crs;
        var box = boundsOf(bounds);
        if (z >= feed.tile_zoom && box) {
          var n = Math.pow(2, z), top = n - 1;
          var tx = function (lng) { return Math.floor(((lng + 180) / 360) * n); };
          var ty = function (lat) {
            var r = (Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180;
            return Math.floor(((1 - Math.asinh(Math.tan(r)) / Math.PI) / 2) * n);
          };
          var x0 = Math.max(0, tx(box.west) - 1), x1 = Math.min(top, tx(box.east) + 1);
          var y0 = Math.max(0, ty(box.north) - 1), y1 = Math.min(top, ty(box.south) + 1);
          url += "&tiles=" + [x0, y0, x1, y1].join(",");
        }
        return url === current ? window.dash_clientside.no_update : url;
      },
      // The county outline as drawn on the chosen base map (高德 tiles need GCJ-02 positions).
      outlineFor: function (baseLayer, crsByLayer, outlines) {
        var crs = (crsByLayer && crsByLayer[baseLayer]) || "wgs84";
        return (outlines && outlines[crs]) || window.dash_clientside.no_update;
      },
      // Leaflet writes its control titles in English: put the user's words on them, and hide the base-map
      // switch when there is only one base map (it would open an empty box).
      localizeMap: function (texts, mapId) {
        function apply() {
          var map = document.getElementById(mapId);
          if (!map || !texts) { return false; }
          var set = function (sel, text) {
            var el = map.querySelector(sel);
            if (el) { el.title = text; el.setAttribute("aria-label", text); }
            return el;
          };
          var zoom = set(".leaflet-control-zoom-in", texts.zoom_in);
          set(".leaflet-control-zoom-out", texts.zoom_out);
          set(".leaflet-control-layers-toggle", texts.layers);
          var layers = map.querySelector(".leaflet-control-layers");
          if (layers && layers.querySelectorAll(".leaflet-control-layers-base input").length <= 1) {
            layers.style.display = "none";
          }
          return Boolean(zoom);
        }
        if (!apply()) {
          var watch = new MutationObserver(function () { if (apply()) { watch.disconnect(); } });
          watch.observe(document.body, { childList: true, subtree: true });
          setTimeout(function () { watch.disconnect(); }, 20000);
        }
        return "";
      },
      // The shell brought the level in force ("" = none): a console still on the level it follows, with no
      // category chosen, moves to it. Read here, when the answer arrives, so a click made meanwhile wins.
      followWarning: function (now, level, category, follow) {
        var nu = window.dash_clientside.no_update;
        if (typeof now !== "string" || typeof follow !== "string") return [nu, nu];
        if ((level || "") !== follow || (category && category.length) || now === follow) return [nu, nu];
        return [now, now];
      },
      // A level other than the followed one, or a category, is the person's choice: the console stops
      // following (the move above sets level and follow together, so it never does).
      levelChosen: function (level, category, follow) {
        if (typeof follow === "string" && ((level || "") !== follow || (category && category.length))) return null;
        return window.dash_clientside.no_update;
      },
      // Level cleared: the category filter empties (it means nothing without a level) and says why.
      levelChanged: function (level, texts) {
        var nu = window.dash_clientside.no_update;
        texts = texts || {};
        return level ? [nu, texts.any] : [[], texts.category_hint];
      },
      // Dash has no file input: put a native one into its slot, once (the slot names what it accepts).
      mountFileInput: function (texts, slotId) {
        var slot = document.getElementById(slotId);
        var inputId = slot && (slot.getAttribute("data-input") || "list-file");
        if (slot && !document.getElementById(inputId)) {
          var input = document.createElement("input");
          input.type = "file";
          input.id = inputId;
          input.className = "form-control form-control-sm";
          input.accept = slot.getAttribute("data-accept") || "";
          slot.appendChild(input);
        }
        return window.dash_clientside.no_update;
      },
      // Send the chosen list file to the protected upload route as multipart data (never as a base64 Dash
      // payload), showing upload progress; the import id it answers starts the check (a background job).
      uploadList: function (clicks, mode, crs, texts, csrf) {
        return upload(clicks, {
          url: "/api/v1/list/imports", input: "list-file", button: "list-upload",
          progress: "list-upload-progress", msg: "list-upload-msg", expect: 201,
          fields: { mode: mode || "replace", crs: crs || "wgs84" },
          done: function (body, file, set, message) {
            set("list-upload-msg", { children: message(texts.uploaded + " " + file.name, "info") });
            set("list-import-id", { data: body.id });
          },
        }, texts, csrf);
      },
      // ?import=<id> names the import the page shows, from the moment it is uploaded (a reload during a long
      // check comes back to it) until it is published or discarded. replaceState, not a dcc.Location: that
      // would make Dash's page router render the page again under a running check.
      importInAddress: function (importId) {
        var url = new URL(window.location.href);
        if (importId) { url.searchParams.set("import", String(importId)); }
        else { url.searchParams.delete("import"); }
        window.history.replaceState(window.history.state, "", url.toString());
        return window.dash_clientside.no_update;
      },
      // The same for a daily air-quality series: the answer (rows stored, or bad rows) goes to a Store.
      uploadAir: function (clicks, city, texts, csrf) {
        return upload(clicks, {
          url: "/api/v1/air-quality", input: "aq-file", button: "aq-upload", progress: "aq-progress",
          msg: "aq-msg", expect: 200, details: [422], fields: { city: city || "" },
          done: function (body, file, set) { set("aq-result", { data: body }); },
        }, texts, csrf);
      },
      // The filter changed: drop the grid's loaded blocks so it asks the server again (rows and total). The
      // last filter is kept on the grid itself: a grid rebuilt by a page visit starts afresh.
      purgeGrid: function (query, gridId) {
        if (window.dash_ag_grid) {
          window.dash_ag_grid.getApiAsync(gridId).then(function (api) {
            if (api.hazeopsQuery !== query) {
              api.hazeopsQuery = query;
              api.purgeInfiniteCache();
            }
          });
        }
        return query;
      },
    },
  });
})();
