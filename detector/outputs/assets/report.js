/* detector report: filters for the disagreement, contradiction and subject lists; review buttons whose verdicts
   are saved as a reviews.json download (the CLI reads it); and the claim graph view (Cytoscape.js).
   Text from documents is only ever set with textContent, never parsed as HTML. */
(function () {
  "use strict";
  if (window.performance && performance.mark) performance.mark("detector-script-start");
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var search = document.getElementById("search");
  var subjectFilter = document.getElementById("subject-filter");
  var kindFilter = document.getElementById("kind-filter");
  var onlyContested = document.getElementById("only-contested");
  var shown = document.getElementById("shown");
  var info = document.getElementById("graph-info");
  var disagreements = Array.prototype.slice.call(document.querySelectorAll("details.disagreement"));
  var contradictions = Array.prototype.slice.call(document.querySelectorAll("#disagreements article.contradiction"));
  var subjects = Array.prototype.slice.call(document.querySelectorAll("details.subject"));
  var subjectLabel = {};
  data.nodes.forEach(function (n) { if (n.kind === "subject") subjectLabel[n.subject] = n.label.toLowerCase(); });

  function state() {
    return { q: search.value.trim().toLowerCase(), subject: subjectFilter.value, kind: kindFilter.value };
  }

  function filterLists(f) {
    var shownContradictions = 0, shownSubjects = 0, shownDisagreements = 0;
    disagreements.forEach(function (el) {
      var kinds = el.dataset.kinds.split(" "), subjects = el.dataset.subjects.split(" ");
      var visible = (!f.subject || subjects.indexOf(f.subject) >= 0) && (!f.kind || kinds.indexOf(f.kind) >= 0) &&
        (!f.q || el.dataset.search.indexOf(f.q) >= 0);
      el.classList.toggle("hidden", !visible);
      if (visible) shownDisagreements++;
      // A filter is a question about pairs: show them.
      if (visible && (f.q || f.subject || f.kind)) el.open = true;
    });
    contradictions.forEach(function (el) {
      var visible = (!f.subject || el.dataset.subject === f.subject) && (!f.kind || el.dataset.kind === f.kind) &&
        (!f.q || el.dataset.search.indexOf(f.q) >= 0);
      el.classList.toggle("hidden", !visible);
      if (visible) shownContradictions++;
    });
    subjects.forEach(function (el) {
      var kinds = el.dataset.kinds ? el.dataset.kinds.split(" ") : [];
      var visible = (!f.subject || el.dataset.subject === f.subject) && (!f.kind || kinds.indexOf(f.kind) >= 0) &&
        (!f.q || el.dataset.search.indexOf(f.q) >= 0);
      el.classList.toggle("hidden", !visible);
      if (visible) shownSubjects++;
      if (visible && f.subject) el.open = true;
    });
    shown.textContent = "showing " + shownDisagreements + " of " + disagreements.length + " disagreements, " +
      shownContradictions + " of " + contradictions.length + " contradictions, " +
      shownSubjects + " of " + subjects.length + " subjects";
  }

  // ---- the graph -------------------------------------------------------------------------------------------
  var cy = null;
  var style = [
    { selector: "node", style: { "width": 6, "height": 6, "background-color": "#999999", "border-width": 0,
      "label": "", "font-size": 11, "color": "#1d232a", "text-valign": "top", "text-margin-y": -3,
      "text-background-color": "#ffffff", "text-background-opacity": 0.75, "text-background-padding": 1,
      "min-zoomed-font-size": 7 } },
    { selector: "node[kind = 'document']", style: { "shape": "round-rectangle", "width": 34, "height": 34,
      "background-color": "#0072b2", "label": "data(label)", "font-size": 13, "font-weight": "bold",
      "min-zoomed-font-size": 4, "z-index": 30 } },
    { selector: "node[kind = 'subject']", style: { "background-color": "#e69f00", "label": "data(label)",
      "width": "mapData(claims, 1, 20, 12, 34)", "height": "mapData(claims, 1, 20, 12, 34)", "z-index": 20,
      "text-margin-y": "data(lift)",
      "color": "#6b4a00" } },
    { selector: "node[?hot]", style: { "background-color": "#d55e00", "width": 10, "height": 10, "z-index": 25 } },
    { selector: "node[kind = 'disagreement']", style: { "shape": "diamond", "background-color": "#cc79a7",
      "width": "mapData(pairs, 1, 10, 14, 30)", "height": "mapData(pairs, 1, 10, 14, 30)", "label": "data(label)",
      "color": "#7a3060", "z-index": 35 } },
    { selector: "edge", style: { "width": 0.6, "line-color": "#d5dbe0", "curve-style": "haystack", "opacity": 0.7 } },
    { selector: "edge[relation = 'in']", style: { "line-color": "#9cc7e3", "opacity": 0.35 } },
    { selector: "edge[relation = 'side']", style: { "line-color": "#cc79a7", "line-style": "dashed", "opacity": 0.6 } },
    { selector: "edge[relation = 'contradicts']", style: { "width": 3, "line-color": "#d55e00", "opacity": 1,
      "curve-style": "bezier", "z-index": 40 } },
    { selector: ".match", style: { "border-width": 3, "border-color": "#1d232a", "label": "data(label)", "z-index": 50 } },
    { selector: ":selected", style: { "border-width": 3, "border-color": "#1d232a", "label": "data(label)",
      "line-color": "#1d232a", "z-index": 60 } },
    { selector: ".hidden", style: { "display": "none" } }
  ];

  // Widen the layout towards the container's shape (at most twice), so a wide screen is used.
  function stretch(container) {
    if (data.nodes.length < 2) return 1;
    var xs = data.nodes.map(function (n) { return n.x; }), ys = data.nodes.map(function (n) { return n.y; });
    var w = Math.max.apply(null, xs) - Math.min.apply(null, xs), h = Math.max.apply(null, ys) - Math.min.apply(null, ys);
    if (!(w > 0 && h > 0 && container.clientHeight > 0)) return 1;
    return Math.max(1, Math.min(2, (container.clientWidth / container.clientHeight) / (w / h)));
  }

  function initGraph() {
    var container = document.getElementById("cy");
    var sx = stretch(container);
    var elements = data.nodes.map(function (n) {
      return { group: "nodes", data: n, position: { x: n.x * sx, y: n.y } };
    }).concat(data.edges.map(function (e, i) {
      var d = { id: "e" + i };
      for (var k in e) d[k] = e[k];
      return { group: "edges", data: d };
    }));
    cy = window.cytoscape({
      container: container, elements: elements, style: style,
      layout: { name: "preset", fit: true, padding: 24 }, minZoom: 0.05, maxZoom: 6,
      hideEdgesOnViewport: elements.length > 4000, textureOnViewport: elements.length > 4000, pixelRatio: 1
    });
    if (window.performance && performance.mark) performance.mark("detector-graph-created");
    cy.on("tap", "node, edge", function (evt) { describe(evt.target); });
    cy.one("render", function () {
      document.documentElement.setAttribute("data-graph", "ready");
      if (window.performance && performance.mark) performance.mark("detector-graph-ready");
    });
  }

  function describe(el) {
    var d = el.data();
    var text;
    if (el.isEdge() && d.relation === "contradicts") {
      text = "Contradiction (" + d.kind + ", score " + d.score + "): " + d.explanation;
    } else if (el.isEdge() && d.relation === "side") {
      text = "claim on side " + d.side + " of a disagreement";
    } else if (el.isEdge()) {
      text = d.relation === "in" ? "claim in document" : "claim about subject";
    } else if (d.kind === "disagreement") {
      text = "Disagreement " + d.id.slice(13) + ": " + d.label + " · " + d.claims + " claims";
    } else if (d.kind === "claim") {
      text = d.doc + " · " + d.id.slice(6) + " · " + d.text;
    } else if (d.kind === "subject") {
      text = "Subject " + d.subject + ": " + d.label + " · " + d.claims + " claims";
    } else {
      text = "Document " + d.label + " · " + d.claims + " claims";
    }
    info.textContent = text;
    info.classList.remove("muted");
  }

  function filterGraph(f) {
    if (!cy) return;
    var any = f.q || f.subject || f.kind || onlyContested.checked;
    cy.batch(function () {
      cy.elements().removeClass("hidden match");
      if (!any) return;
      var keepClaims = {};
      var kindClaims = null;
      if (f.kind) {
        kindClaims = {};
        cy.edges("[relation = 'contradicts']").forEach(function (e) {
          if (e.data("kind") === f.kind) { kindClaims[e.data("source")] = true; kindClaims[e.data("target")] = true; }
        });
      }
      cy.nodes("[kind = 'claim']").forEach(function (n) {
        var d = n.data();
        var ok = (!f.subject || d.subject === f.subject) && (!onlyContested.checked || d.hot) &&
          (!kindClaims || kindClaims[d.id]);
        var hit = f.q && (d.text.toLowerCase().indexOf(f.q) >= 0 || d.doc.toLowerCase().indexOf(f.q) >= 0 ||
          (subjectLabel[d.subject] || "").indexOf(f.q) >= 0);
        if (ok && (!f.q || hit)) keepClaims[d.id] = true;
        if (ok && hit) n.addClass("match");
      });
      var keep = {};
      cy.edges().forEach(function (e) {
        var s = e.data("source"), t = e.data("target"), rel = e.data("relation");
        var visible = rel === "contradicts" ? keepClaims[s] && keepClaims[t] && (!f.kind || e.data("kind") === f.kind)
          : keepClaims[s];
        if (visible) { keep[s] = true; keep[t] = true; } else { e.addClass("hidden"); }
      });
      cy.nodes().forEach(function (n) { if (!keep[n.id()]) n.addClass("hidden"); });
    });
    var visible = cy.elements().not(".hidden");
    cy.fit(visible.length ? visible : cy.elements(), 24);
  }

  // ---- reviews: kept in the page until saved as reviews.json, in the format the CLI reads ------------------
  var reviewData = JSON.parse(document.getElementById("review-data").textContent);
  var reviews = reviewData.reviews.slice();
  var changed = 0;
  var saveButton = document.getElementById("save-reviews");

  function claimsOf(target, id) {
    var ids = target === "pair" ? [id] : reviewData.disagreements[id].pairs;
    return ids.map(function (p) {
      var pair = reviewData.pairs[p];
      return [{ path: pair[0][0], text: pair[0][1] }, { path: pair[1][0], text: pair[1][1] }];
    });
  }

  function about(target, id) {
    return target === "pair" ? reviewData.pairs[id][2] : reviewData.disagreements[id].about;
  }

  // A new review of a target replaces the earlier one; verdict "" takes it back.
  function record(target, id, verdict, note) {
    reviews = reviews.filter(function (r) { return !(r.target === target && r.id === id); });
    if (verdict) {
      reviews.push({ target: target, id: id, verdict: verdict, note: note, about: about(target, id),
        pairs: claimsOf(target, id) });
    }
    changed++;
    saveButton.textContent = "save reviews (" + changed + " change" + (changed === 1 ? "" : "s") + ")";
  }

  function show(box, verdict) {
    box.dataset.verdict = verdict;
    box.querySelector(".confirm").setAttribute("aria-pressed", verdict === "confirmed" ? "true" : "false");
    box.querySelector(".reject").setAttribute("aria-pressed", verdict === "rejected" ? "true" : "false");
    box.querySelector(".review-state").textContent = verdict;
    var item = box.parentElement.closest("article.contradiction, details.disagreement");
    if (item) {
      item.classList.toggle("confirmed", verdict === "confirmed");
      item.classList.toggle("rejected", verdict === "rejected");
    }
  }

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest ? evt.target.closest(".review button") : null;
    if (!button) return;
    var box = button.parentElement;
    var verdict = button.classList.contains("confirm") ? "confirmed" : "rejected";
    if (box.dataset.verdict === verdict) verdict = "";
    record(box.dataset.target, box.dataset.id, verdict, box.querySelector(".note").value.trim());
    show(box, verdict);
  });
  document.addEventListener("change", function (evt) {
    if (!evt.target.classList || !evt.target.classList.contains("note")) return;
    var box = evt.target.parentElement;
    if (box.dataset.verdict) record(box.dataset.target, box.dataset.id, box.dataset.verdict, evt.target.value.trim());
  });
  saveButton.addEventListener("click", function () {
    var text = JSON.stringify({ schema: reviewData.schema, reviews: reviews }, null, 2) + "\n";
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = "reviews.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    changed = 0;
    saveButton.textContent = "save reviews (saved)";
  });

  // ---- wiring ----------------------------------------------------------------------------------------------
  var pending = null;
  function apply() {
    pending = null;
    var f = state();
    filterLists(f);
    filterGraph(f);
  }
  function later() { if (pending) clearTimeout(pending); pending = setTimeout(apply, 150); }
  search.addEventListener("input", later);
  subjectFilter.addEventListener("change", apply);
  kindFilter.addEventListener("change", apply);
  onlyContested.addEventListener("change", apply);
  document.getElementById("filters").addEventListener("submit", function (evt) { evt.preventDefault(); apply(); });
  document.getElementById("fit").addEventListener("click", function () {
    if (cy) cy.fit(cy.elements().not(".hidden"), 24);
  });
  filterLists(state());
  initGraph();
  filterGraph(state());
  window.detectorReport = { cy: cy, apply: apply, reviews: function () { return reviews; } };
})();
