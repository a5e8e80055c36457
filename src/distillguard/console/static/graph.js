// The campaign graph: positions come from the server (no force layout in the
// browser). A large campaign opens with its accounts first (interactive at once:
// pan, zoom, click through to an account) and its links are added in one batch
// after that first frame, so the page never waits for tens of thousands of edges.
(function () {
  "use strict";
  var el = document.getElementById("graph");
  if (!el || typeof cytoscape === "undefined") { return; }
  var status = document.getElementById("graph-status");
  var colors = { "payment": "#8e44ad", "IP pool": "#2980b9", "scaffolding": "#c0392b",
                 "tool schema": "#16a085", "lockstep": "#d4ac0d" };
  var tiers = { "block": "#c0392b", "review": "#e67e22", "allow": "#7f8c8d" };
  var PROGRESSIVE = 6000;
  var started = performance.now();
  var timing = window.dgTiming = { script: Math.round(started) };
  function addLinks(cy, edges) {
    // one batch after the first frame: adding in chunks redraws (or restyles) the
    // whole graph once per chunk, which costs far more than the links themselves
    if (!edges.length) { finish(); return; }
    status.textContent += " (adding links…)";
    setTimeout(function () {
      cy.batch(function () { cy.add(edges); });
      status.textContent = status.textContent.replace(" (adding links…)", "");
      cy.one("render", finish);
    }, 0);
  }
  function finish() {
    timing.complete = Math.round(performance.now());
    el.dataset.complete = String(Math.round(performance.now() - started));
  }
  fetch(el.dataset.src, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (g) {
      timing.fetched = Math.round(performance.now());
      var big = g.nodes.length > 1500;
      var later = g.nodes.length + g.edges.length > PROGRESSIVE ? g.edges : [];
      var cy = cytoscape({
        container: el,
        elements: { nodes: g.nodes, edges: later.length ? [] : g.edges },
        layout: { name: "preset", fit: true, padding: 20 },
        textureOnViewport: big, hideEdgesOnViewport: big, hideLabelsOnViewport: true,
        pixelRatio: big ? 1 : "auto", minZoom: 0.02, maxZoom: 4, wheelSensitivity: 0.3,
        // plain selectors, no function mappers: Cytoscape caches the style per class
        style: [
          { selector: "node", style: { "background-color": "#555", "width": 14, "height": 14,
              "label": big ? "" : "data(label)", "font-size": 8, "min-zoomed-font-size": 8 } }
        ].concat(Object.keys(tiers).map(function (t) {
          return { selector: "node[verdict = \"" + t + "\"]", style: { "background-color": tiers[t] } };
        })).concat([
          { selector: "edge", style: { "line-color": "#999", "width": 1.5,
              "curve-style": "haystack", "opacity": 0.8,
              "label": big ? "" : "data(kind)", "font-size": 6, "min-zoomed-font-size": 10,
              "text-rotation": "autorotate" } }
        ]).concat(Object.keys(colors).map(function (k) {
          return { selector: "edge[kind = \"" + k + "\"]", style: { "line-color": colors[k] } };
        })).concat([
          { selector: "node:selected", style: { "border-width": 3, "border-color": "#1d2330" } }
        ])
      });
      timing.built = Math.round(performance.now());
      cy.on("tap", "node", function (ev) { window.location.href = "/account/" + ev.target.id(); });
      cy.on("mouseover", "edge", function (ev) { el.title = ev.target.data("label"); });
      cy.ready(function () {
        timing.ready = Math.round(performance.now());
        // two animation frames: the first frame of the graph has been painted
        requestAnimationFrame(function () { requestAnimationFrame(function () {
          timing.painted = Math.round(performance.now());
          var ms = Math.round(performance.now() - started);
          var parts = [];
          Object.keys(g.counts).forEach(function (k) { parts.push(k + " " + g.counts[k]); });
          status.textContent = g.nodes.length + " accounts, " + g.edges.length + " links (" +
            parts.join(", ") + "); drawn in " + ms + " ms";
          window.dgGraph = cy;
          el.dataset.ready = String(ms);
          addLinks(cy, later);
        }); });
      });
    })
    .catch(function (err) { status.textContent = "graph failed: " + err.message; });
}());
