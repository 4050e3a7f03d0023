/* Map drawing for the console (dash-leaflet calls these by name; no data lives here). */
(function () {
  "use strict";

  // A single enterprise: a dot in its grade's colour.
  function point(feature, latlng, context) {
    var colors = context.hideout.colors;
    var c = colors[feature.properties.grade] || "#8c8c8c";
    return L.circleMarker(latlng, {
      radius: 7, color: "#ffffff", weight: 1.5, fillColor: c, fillOpacity: 0.95, className: "hz-point",
    });
  }

  // A cluster: a ring split by the grades inside it (in legend order), the number of enterprises in the middle.
  function cluster(feature, latlng, index, context) {
    var colors = context.hideout.colors, order = context.hideout.order;
    var total = feature.properties.point_count;
    var counts = {};
    var leaves = index.getLeaves(feature.properties.cluster_id, Infinity);
    for (var i = 0; i < leaves.length; i++) {
      var g = leaves[i].properties.grade;
      counts[g] = (counts[g] || 0) + 1;
    }
    var stops = [], acc = 0;
    for (var k = 0; k < order.length; k++) {
      var n = counts[order[k]];
      if (!n) { continue; }
      var a = (acc / total) * 360, b = ((acc + n) / total) * 360;
      stops.push(colors[order[k]] + " " + a.toFixed(2) + "deg " + b.toFixed(2) + "deg");
      acc += n;
    }
    var size = total < 10 ? 34 : total < 100 ? 40 : 48;
    var html = '<div class="hz-ring" style="background: conic-gradient(' + stops.join(", ") + ')">' +
      '<span class="hz-count" data-count="' + total + '">' +
      feature.properties.point_count_abbreviated + "</span></div>";
    return L.marker(latlng, {
      icon: L.divIcon({ html: html, className: "hz-cluster", iconSize: L.point(size, size) }),
    });
  }

  window.hazeops = Object.assign({}, window.hazeops, { map: { point: point, cluster: cluster } });
})();
