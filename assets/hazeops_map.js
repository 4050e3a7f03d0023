/* Map drawing for the console (dash-leaflet calls these by name; no data lives here).
   The feed is clustered on the server (dashboard/mapgrid.py): a feature is either one enterprise
   {id, name, grade (or category)} or a cluster {cluster, count, grades (or categories): {class: n}, bounds}. */
(function () {
  "use strict";

  // A ring split by the grades inside (in legend order), the number of enterprises in the middle.
  function clusterIcon(props, colors, order, keys) {
    var total = props.count, stops = [], acc = 0, inside = props[keys] || {};
    for (var k = 0; k < order.length; k++) {
      var n = inside[order[k]];
      if (!n) { continue; }
      var a = (acc / total) * 360, b = ((acc + n) / total) * 360;
      stops.push(colors[order[k]] + " " + a.toFixed(2) + "deg " + b.toFixed(2) + "deg");
      acc += n;
    }
    var size = total < 10 ? 34 : total < 100 ? 40 : 48;
    var label = total >= 10000 ? Math.round(total / 1000) + "k" : total >= 1000 ? (total / 1000).toFixed(1) + "k" : String(total);
    var html = '<div class="hz-ring" style="background: conic-gradient(' + stops.join(", ") + ')">' +
      '<span class="hz-count" data-count="' + total + '">' + label + "</span></div>";
    return L.divIcon({ html: html, className: "hz-cluster", iconSize: L.point(size, size) });
  }

  // Points are coloured by grade, or during a warning by what they must do (hideout.key: "category").
  function point(feature, latlng, context) {
    var h = context.hideout, colors = h.colors, props = feature.properties;
    var key = h.key || "grade", keys = h.keys || "grades";
    if (props.cluster) {
      return L.marker(latlng, { icon: clusterIcon(props, colors, h.order, keys), keyboard: false });
    }
    var c = colors[props[key]] || "#8c8c8c";
    return L.circleMarker(latlng, {
      radius: 7, color: "#ffffff", weight: 1.5, fillColor: c, fillOpacity: 0.95, className: "hz-point",
      bubblingMouseEvents: false,
    });
  }

  // A cluster zooms to its members on click; an enterprise shows its name on hover (its click opens the card).
  function feature(f, layer, context) {
    var map = context.map;
    window.hazeops.leaflet = map; // for tests and the browser console: the console's Leaflet map
    if (f.properties.cluster) {
      layer.on("click", function () {
        map.fitBounds(f.properties.bounds, { padding: [40, 40], maxZoom: 18 });
      });
    } else if (f.properties.name) {
      layer.bindTooltip(f.properties.name, { direction: "top", offset: [0, -6] });
    }
  }

  window.hazeops = Object.assign({}, window.hazeops, { map: { point: point, feature: feature } });
})();
