// CPython's run and Rust's on one time axis ({{#side-by-side ...}}, drawn at build time by
// lesson-kit's SVG renderer, see crates/mdbook-lesson/src/render.rs). This file only makes the
// drawing interactive: a scrubber (the range input, or dragging on the picture) moves a line to a
// moment and the table under the picture says what each lane was doing then; zoom (buttons, or
// the mouse wheel over the picture) narrows the inner svg's viewBox to a stretch of time. Nothing
// is redrawn or downloaded: plain JavaScript, the book works offline.
(function () {
  "use strict";

  function seconds(t) {
    if (t === 0) return "0 s";
    if (t >= 1) return t.toFixed(2) + " s";
    if (t >= 0.001) return (t * 1000).toFixed(1) + " ms";
    return (t * 1e6).toFixed(0) + " \u00b5s";
  }

  function setUp(figure) {
    var plot = figure.querySelector("svg.plot");
    var scrub = figure.querySelector("input.lesson-scrub");
    if (!plot || !scrub) return;
    var shown = figure.querySelector("output.lesson-scrub-time");
    var line = plot.querySelector("line.scrubber");
    var outer = plot.ownerSVGElement;
    var from = outer.querySelector("text.axis-from");
    var to = outer.querySelector("text.axis-to");
    var x0 = Number(plot.getAttribute("data-x0"));
    var x1 = Number(plot.getAttribute("data-x1"));
    var duration = Number(plot.getAttribute("data-duration"));
    var full = plot.getAttribute("viewBox").split(/[\s,]+/).map(Number);
    var view = { x: full[0], w: full[2] };
    var now = 0;

    // Each lane's spans, from the drawing itself, and its row of the readout.
    var lanes = Array.prototype.map.call(plot.querySelectorAll("g.lane"), function (group) {
      var name = group.getAttribute("data-lane");
      var row = null;
      figure.querySelectorAll(".lesson-side-by-side-readout tr").forEach(function (tr) {
        if (tr.getAttribute("data-lane") === name) row = tr.querySelector("td");
      });
      var spans = Array.prototype.map.call(group.querySelectorAll("rect"), function (rect) {
        return {
          start: Number(rect.getAttribute("data-start")),
          end: Number(rect.getAttribute("data-end")),
          state: rect.getAttribute("data-state")
        };
      });
      return { row: row, spans: spans };
    });

    function xOf(t) { return x0 + t / duration * (x1 - x0); }
    function tOf(x) { return Math.min(duration, Math.max(0, (x - x0) / (x1 - x0) * duration)); }

    // What a lane was doing at `t`: its span then, else not yet started or already done.
    function stateAt(spans, t) {
      var started = false;
      for (var i = 0; i < spans.length; i++) {
        if (spans[i].start <= t && t < spans[i].end) return spans[i].state;
        if (spans[i].start <= t) started = true;
      }
      return started ? "done" : "not started";
    }

    function moment(t) {
      now = t;
      var x = xOf(t);
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
      shown.textContent = seconds(t);
      lanes.forEach(function (lane) {
        if (lane.row) lane.row.textContent = stateAt(lane.spans, t);
      });
    }

    function showView() {
      plot.setAttribute("viewBox", [view.x, full[1], view.w, full[3]].join(" "));
      if (from) from.textContent = seconds(tOf(view.x));
      if (to) to.textContent = seconds(tOf(view.x + view.w));
    }

    // Zooms by `factor` (below 1: in) keeping the point at plot x `at` where it is.
    function zoom(factor, at) {
      var w = Math.min(full[2], Math.max(full[2] / 256, view.w * factor));
      var x = at - (at - view.x) * (w / view.w);
      view.x = Math.min(full[0] + full[2] - w, Math.max(full[0], x));
      view.w = w;
      showView();
    }

    // The plot x under a pointer, through the plot's own transform (viewBox and all).
    function plotX(event) {
      var matrix = plot.getScreenCTM();
      if (!matrix) return xOf(now);
      var point = outer.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      return point.matrixTransform(matrix.inverse()).x;
    }

    scrub.addEventListener("input", function () {
      moment(Number(scrub.value) / Number(scrub.max) * duration);
    });
    var dragging = false;
    function dragTo(event) {
      var t = tOf(plotX(event));
      scrub.value = String(Math.round(t / duration * Number(scrub.max)));
      moment(t);
    }
    plot.addEventListener("pointerdown", function (event) {
      dragging = true;
      dragTo(event);
    });
    plot.addEventListener("pointermove", function (event) {
      if (dragging) dragTo(event);
    });
    window.addEventListener("pointerup", function () { dragging = false; });
    plot.addEventListener("wheel", function (event) {
      event.preventDefault();
      zoom(event.deltaY < 0 ? 0.8 : 1.25, plotX(event));
    }, { passive: false });
    figure.querySelectorAll("button[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "in") zoom(0.5, xOf(now));
        else if (how === "out") zoom(2, xOf(now));
        else { view = { x: full[0], w: full[2] }; showView(); }
      });
    });
    moment(0);
  }

  document.querySelectorAll(".lesson-side-by-side").forEach(setUp);
})();
