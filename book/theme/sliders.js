// The book's figures on sliders ({{#sliders ...}}, see crates/mdbook-lesson/src/render.rs): every
// setting was computed when the book was built and sits in the page as JSON; moving a slider only
// shows another one. Plain JavaScript, nothing to download: the book works offline.
(function () {
  "use strict";

  function setUp(figure) {
    var data = JSON.parse(figure.querySelector("script.lesson-sliders-data").textContent);
    var inputs = Array.prototype.slice.call(figure.querySelectorAll("input[data-slider]"));
    var picture = figure.querySelector(".lesson-sliders-picture");
    var cells = figure.querySelectorAll(".lesson-sliders-figures td");
    var byPositions = {};
    data.settings.forEach(function (setting) {
      byPositions[setting.positions.join(",")] = setting;
    });

    function show() {
      var positions = inputs.map(function (input) { return Number(input.value); });
      inputs.forEach(function (input, n) {
        input.parentNode.querySelector("output").textContent =
          data.sliders[n].choices[positions[n]];
      });
      var setting = byPositions[positions.join(",")];
      if (!setting) {
        return;
      }
      picture.innerHTML = data.pictures[setting.picture];
      setting.values.forEach(function (value, n) {
        cells[n].textContent = value;
      });
    }

    inputs.forEach(function (input) {
      input.addEventListener("input", show);
    });
    show();
  }

  document.querySelectorAll(".lesson-sliders").forEach(setUp);
})();
