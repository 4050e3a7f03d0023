/* The naive console the bench compares against: every point sent as data= and clustered in the browser by
   supercluster; each cluster's ring counts its leaves (as the console did before server-side clustering). */
(function () {
  "use strict";
  function point(feature, latlng, context) {
    var c = context.hideout.colors[feature.properties.grade] || "#8c8c8c";
    return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 1.5, fillColor: c, fillOpacity: 0.95, className: "hz-point" });
  }
  function cluster(feature, latlng, index, context) {
    var colors = context.hideout.colors, order = context.hideout.order, total = feature.properties.point_count;
    var counts = {}, leaves = index.getLeaves(feature.properties.cluster_id, Infinity);
    for (var i = 0; i < leaves.length; i++) { var g = leaves[i].properties.grade; counts[g] = (counts[g] || 0) + 1; }
    var stops = [], acc = 0;
    for (var k = 0; k < order.length; k++) {
      var n = counts[order[k]]; if (!n) { continue; }
      stops.push(colors[order[k]] + " " + (acc / total * 360).toFixed(2) + "deg " + ((acc + n) / total * 360).toFixed(2) + "deg");
      acc += n;
    }
    var size = total < 10 ? 34 : total < 100 ? 40 : 48;
    var html = '<div class="hz-ring" style="background: conic-gradient(' + stops.join(", ") + ')"><span class="hz-count" data-count="' +
      total + '">' + feature.properties.point_count_abbreviated + "</span></div>";
    return L.marker(latlng, { icon: L.divIcon({ html: html, className: "hz-cluster", iconSize: L.point(size, size) }) });
  }
  window.naive = { map: { point: point, cluster: cluster } };
})();
