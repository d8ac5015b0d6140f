// The browser check's probe (see browser.rs): injected as the first script of every page of a
// copy of the built book. It records errors from the moment the page starts, and once the page
// has loaded it measures what a reader would see in a 1280-px window and leaves its findings,
// percent-encoded JSON, in a hidden element that Chromium's --dump-dom prints.
(function () {
  "use strict";
  var errors = [];
  var originalError = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return originalError.apply(console, arguments);
  };
  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      errors.push("failed to load " + (target.src || target.href));
    } else {
      errors.push("JavaScript error: " + event.message + " (" + event.filename + ":" + event.lineno + ")");
    }
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    errors.push("unhandled promise rejection: " + event.reason);
  });

  // A number and its unit ("84.2 ms"), or a range ("(0.99–1.72×)"): neither may break. A line
  // break between a figure and its range is allowed.
  // (Escaped, since a page may not say it is UTF-8: \u2013 is the dash, \u00b5 µ, \u00d7 ×.)
  var FIGURE = /\(?\d[\d,.]*(?:\u2013\u2060?\d[\d,.]*)?(?:[\s\u00a0]?(?:ns|\u00b5s|ms|s|B|KiB|MiB|GiB|%|\u00d7)(?!\w))?\)?/g;

  function short(text) {
    text = text.replace(/\s+/g, " ").trim();
    return text.length > 70 ? text.slice(0, 67) + "\u2026" : text;
  }

  function lines(range) {
    var tops = [];
    var rects = range.getClientRects();
    for (var i = 0; i < rects.length; i++) {
      if (rects[i].width > 0 && tops.indexOf(Math.round(rects[i].top)) < 0) {
        tops.push(Math.round(rects[i].top));
      }
    }
    return tops.length;
  }

  function wrappedFigures() {
    var found = [];
    document.querySelectorAll("td, th").forEach(function (cell) {
      var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var match;
        FIGURE.lastIndex = 0;
        while ((match = FIGURE.exec(node.data)) !== null) {
          if (match[0].length < 3) continue;
          var range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          if (lines(range) > 1) found.push(short(match[0]) + " in \"" + short(cell.textContent) + "\"");
        }
      }
    });
    return found;
  }

  function wideCode() {
    var found = [];
    document.querySelectorAll("pre > code").forEach(function (code) {
      var overflow = code.scrollWidth - code.clientWidth;
      if (overflow <= 1) return;
      var scrolls = ["auto", "scroll"].indexOf(getComputedStyle(code).overflowX) >= 0;
      var listing = /language-(rust|python)/.test(code.className);
      var firstLine = short(code.textContent.split("\n")[0]);
      if (!scrolls) {
        found.push("a code block " + overflow + " px wider than its column, with no scrollbar: " + firstLine);
      } else if (listing) {
        var longest = code.textContent.split("\n").reduce(function (a, b) { return b.length > a.length ? b : a; }, "");
        found.push("a listing " + overflow + " px wider than its column (longest line, " +
          longest.length + " chars: " + short(longest) + ")");
      }
    });
    return found;
  }

  function wideTables() {
    var found = [];
    document.querySelectorAll("table").forEach(function (table) {
      var column = table.parentElement;
      var overflow = table.getBoundingClientRect().width - column.clientWidth;
      if (overflow > 1) {
        var head = table.querySelector("tr");
        found.push("a table " + Math.round(overflow) + " px wider than its column (" +
          short(head ? head.textContent : "") + ")");
      }
    });
    return found;
  }

  function emptyTimelines() {
    var found = [];
    document.querySelectorAll(".lesson-timeline svg").forEach(function (svg) {
      var box = svg.getBoundingClientRect();
      if (box.width < 1 || box.height < 1) {
        var title = svg.querySelector("title");
        found.push("a timeline of " + box.width + " \u00d7 " + box.height + " px: " + short(title ? title.textContent : ""));
      }
    });
    return found;
  }

  // Figures on sliders (book/theme/sliders.js): moving every slider to its last choice must draw
  // another timeline; putting them back must draw the first one again (for the screenshot too).
  function stuckSliders() {
    var found = [];
    document.querySelectorAll(".lesson-sliders").forEach(function (figure) {
      var picture = figure.querySelector(".lesson-sliders-picture");
      var inputs = Array.prototype.slice.call(figure.querySelectorAll("input[data-slider]"));
      if (!picture || inputs.length === 0) {
        found.push("a figure on sliders with no picture or no slider: " + figure.id);
        return;
      }
      var before = picture.innerHTML;
      var initial = inputs.map(function (input) { return input.value; });
      function move(values) {
        inputs.forEach(function (input, n) {
          input.value = values[n];
          input.dispatchEvent(new Event("input"));
        });
      }
      move(inputs.map(function (input) { return input.max; }));
      var after = picture.innerHTML;
      if (after === before || after.indexOf("<svg") < 0) {
        found.push("moving the sliders of " + figure.id + " did not draw another timeline");
      }
      move(initial);
      if (picture.innerHTML !== before) {
        found.push("putting the sliders of " + figure.id + " back did not draw the first timeline again");
      }
    });
    return found;
  }

  // CPython beside Rust on one axis (book/theme/side-by-side.js): moving the scrubber must move
  // its line and change the readout, dragging on the picture must move the scrubber, zooming in
  // must narrow the plot's viewBox and the reset must restore it. All put back for the screenshot.
  function stuckScrubbers() {
    var found = [];
    document.querySelectorAll(".lesson-side-by-side").forEach(function (figure) {
      var scrub = figure.querySelector("input.lesson-scrub");
      var plot = figure.querySelector("svg.plot");
      var line = plot && plot.querySelector("line.scrubber");
      var readout = figure.querySelector(".lesson-side-by-side-readout");
      var zoomIn = figure.querySelector("button[data-zoom=in]");
      var reset = figure.querySelector("button[data-zoom=reset]");
      if (!scrub || !line || !readout || !zoomIn || !reset) {
        found.push("a side-by-side figure without its scrubber, line, readout or zoom: " + figure.id);
        return;
      }
      var x = line.getAttribute("x1");
      var said = readout.textContent;
      scrub.value = String(Math.round(Number(scrub.max) / 2));
      scrub.dispatchEvent(new Event("input"));
      if (line.getAttribute("x1") === x) found.push("moving the scrubber of " + figure.id + " did not move its line");
      if (readout.textContent === said) found.push("moving the scrubber of " + figure.id + " did not change its readout");
      var box = plot.getBoundingClientRect();
      var at = { clientX: box.left + box.width / 4, clientY: box.top + box.height / 2, bubbles: true };
      plot.dispatchEvent(new PointerEvent("pointerdown", at));
      window.dispatchEvent(new PointerEvent("pointerup", at));
      var dragged = Number(scrub.value) / Number(scrub.max);
      if (Math.abs(dragged - 0.25) > 0.05) {
        found.push("dragging on " + figure.id + " a quarter of the way in put the scrubber at " + dragged);
      }
      var view = plot.getAttribute("viewBox");
      zoomIn.click();
      if (plot.getAttribute("viewBox") === view) found.push("zooming in on " + figure.id + " did not change its viewBox");
      reset.click();
      if (plot.getAttribute("viewBox") !== view) found.push("the reset of " + figure.id + " did not restore its viewBox");
      scrub.value = "0";
      scrub.dispatchEvent(new Event("input"));
    });
    return found;
  }

  function report() {
    var links = [];
    document.querySelectorAll("a[href]").forEach(function (a) {
      if (a.protocol === "file:") links.push(a.href);
    });
    var ids = [];
    document.querySelectorAll("[id], a[name]").forEach(function (e) {
      ids.push(e.id || e.getAttribute("name"));
    });
    var result = {
      errors: errors,
      problems: wrappedFigures().concat(wideCode(), wideTables(), emptyTimelines(), stuckSliders(),
        stuckScrubbers()),
      links: links,
      ids: ids,
      timelines: document.querySelectorAll(".lesson-timeline svg").length,
      sliders: document.querySelectorAll(".lesson-sliders").length,
      sideBySide: document.querySelectorAll(".lesson-side-by-side").length,
      height: document.documentElement.scrollHeight
    };
    var out = document.createElement("pre");
    out.id = "book-browser-report";
    out.hidden = true;
    out.textContent = encodeURIComponent(JSON.stringify(result));
    document.body.appendChild(out);
  }

  window.addEventListener("load", function () {
    // After mdBook's own scripts have run their load handlers.
    setTimeout(report, 200);
  });
})();
