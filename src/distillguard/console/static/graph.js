// The campaign graph: positions come from the server (no force layout in the
// browser), so a 10,000-account campaign is drawn at once and stays interactive.
(function () {
  "use strict";
  var el = document.getElementById("graph");
  if (!el || typeof cytoscape === "undefined") { return; }
  var status = document.getElementById("graph-status");
  var colors = { "payment": "#8e44ad", "IP pool": "#2980b9", "scaffolding": "#c0392b",
                 "tool schema": "#16a085", "lockstep": "#d4ac0d" };
  var tiers = { "block": "#c0392b", "review": "#e67e22", "allow": "#7f8c8d" };
  var started = performance.now();
  fetch(el.dataset.src, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (g) {
      var big = g.nodes.length > 1500;
      var cy = cytoscape({
        container: el,
        elements: { nodes: g.nodes, edges: g.edges },
        layout: { name: "preset", fit: true, padding: 20 },
        textureOnViewport: big, hideEdgesOnViewport: big, hideLabelsOnViewport: true,
        pixelRatio: big ? 1 : "auto", minZoom: 0.02, maxZoom: 4, wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: {
              "background-color": function (n) { return tiers[n.data("verdict")] || "#555"; },
              "width": 14, "height": 14,
              "label": big ? "" : "data(label)", "font-size": 8, "min-zoomed-font-size": 8 } },
          { selector: "edge", style: {
              "line-color": function (e) { return colors[e.data("kind")] || "#999"; },
              "width": 1.5, "curve-style": "haystack", "opacity": 0.8,
              "label": big ? "" : "data(kind)", "font-size": 6, "min-zoomed-font-size": 10,
              "text-rotation": "autorotate" } },
          { selector: "node:selected", style: { "border-width": 3, "border-color": "#1d2330" } }
        ]
      });
      cy.on("tap", "node", function (ev) { window.location.href = "/account/" + ev.target.id(); });
      cy.on("mouseover", "edge", function (ev) { el.title = ev.target.data("label"); });
      cy.ready(function () {
        var ms = Math.round(performance.now() - started);
        var parts = [];
        Object.keys(g.counts).forEach(function (k) { parts.push(k + " " + g.counts[k]); });
        status.textContent = g.nodes.length + " accounts, " + g.edges.length + " links (" +
          parts.join(", ") + "); drawn in " + ms + " ms";
        el.dataset.ready = String(ms);
        window.dgGraph = cy;
      });
    })
    .catch(function (err) { status.textContent = "graph failed: " + err.message; });
}());
