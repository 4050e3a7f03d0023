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

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    hazeops: {
      // Reload the page (after the language changed): the whole shell is rebuilt in the new language.
      reload: function (stamp) {
        if (stamp) {
          window.location.reload();
        }
        return window.dash_clientside.no_update;
      },
      // The filter changed: drop the grid's loaded blocks so it asks the server again (rows and total).
      // The first call only remembers the filter the page opened with: those rows are already loading.
      purgeGrid: function (query, gridId) {
        var seen = window.hazeopsGridQuery;
        window.hazeopsGridQuery = query;
        if (seen !== undefined && seen !== query && window.dash_ag_grid) {
          window.dash_ag_grid.getApiAsync(gridId).then(function (api) { api.purgeInfiniteCache(); });
        }
        return query;
      },
    },
  });
})();
