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
  // Only once: several requests may answer 401 together, and two cookie-less loads of the login page would
  // each start a session with its own form token, leaving the visible form with a stale one.
  var redirecting = false;
  var origFetch = window.fetch;
  window.fetch = function () {
    return origFetch.apply(this, arguments).then(function (resp) {
      if (resp.status === 401 && resp.url.indexOf("/_dash") !== -1 && !redirecting) {
        redirecting = true;
        var here = window.location.pathname + window.location.search;
        window.location.assign(prefix() + "/login?next=" + encodeURIComponent(here));
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
    },
  });
})();
