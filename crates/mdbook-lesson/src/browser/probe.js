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
      problems: wrappedFigures().concat(wideCode(), wideTables(), emptyTimelines()),
      links: links,
      ids: ids,
      timelines: document.querySelectorAll(".lesson-timeline svg").length,
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
