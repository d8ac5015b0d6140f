//! The browser check finds each thing it promises to find, on a two-page book made to fail.
//!
//! It opens headless Chromium, so it is ignored by a plain `cargo test`; `.ci/book-browser` runs it
//! (`cargo test -p mdbook-lesson --test browser -- --ignored`) before checking the real book.

use std::fs;
use std::path::PathBuf;

use lesson_kit::{Outcome, Report, SideBySide, State, Trace};
use mdbook_lesson::browser::Check;
use mdbook_lesson::render;

const GOOD: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>good</title></head><body style="width: 700px">
<h1 id="here">Good</h1><a href="bad.html#top">bad</a>
<table><tr><td>84.2&nbsp;ms (80.1–&#x2060;90.3&nbsp;ms)</td></tr></table>
<div class="lesson-timeline"><svg width="200" height="50"><rect width="10" height="10"/></svg></div>
<pre><code class="language-rust" style="overflow-x: auto">fn main() {}</code></pre>
<div class="lesson-sliders" id="sliders-moving"><input type="range" min="0" max="1" value="0" data-slider="0">
<div class="lesson-timeline lesson-sliders-picture"><svg width="200" height="50"><rect width="10" height="10"/></svg></div></div>
<script>
var input = document.querySelector('#sliders-moving input');
input.addEventListener("input", function () {
  document.querySelector('#sliders-moving .lesson-sliders-picture').innerHTML =
    '<svg width="200" height="50"><rect width="' + (10 + 10 * input.value) + '" height="10"/></svg>';
});
</script>
FIGURE
</body></html>"#;

/// The book's own script for CPython beside Rust, checked on a figure rendered the book's way.
const SIDE_BY_SIDE_JS: &str = include_str!("../../../book/theme/side-by-side.js");

/// A side-by-side figure as `{{#side-by-side ...}}` draws it (its HTML block only), `id` its name.
fn side_by_side(id: &str) -> String {
    let trace = |lanes: &[&str]| {
        let trace = Trace::virtual_time();
        for (n, lane) in lanes.iter().enumerate() {
            trace.record(lane, State::WaitingForIo, 0.01 * n as f64, 0.3);
        }
        trace.snapshot()
    };
    let pair = SideBySide::new(
        "Python 3.11.7",
        trace(&["thread 1", "thread 2"]),
        trace(&["thread 1"]),
    );
    let outcome = Outcome::new("compare-waiting", "Waiting");
    let html = render::side_by_side(&Report::new("threading", "T"), &outcome, &pair, id, None);
    html.split("\n\n").next().unwrap_or_default().to_string()
}

fn good() -> String {
    let figure = format!(
        "{}\n<script>{SIDE_BY_SIDE_JS}</script>",
        side_by_side("moving")
    );
    GOOD.replace("FIGURE", &figure)
}

const BAD: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>bad</title></head><body style="width: 700px">
<h1 id="top">Bad</h1>
<a href="good.html#gone">gone</a> <a href="missing.html">missing</a>
<div style="width: 40px"><table><tr><td>123.4 ms</td></tr></table></div>
<div style="width: 300px"><table><tr><td style="min-width: 600px">wide</td></tr></table></div>
<div class="lesson-timeline"><svg width="0" height="0"></svg></div>
<pre><code class="language-rust" style="overflow-x: auto; display: block; width: 300px">let a_line_far_too_long_for_the_column = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";</code></pre>
<pre><code style="overflow-x: visible; display: block; width: 300px">$ console output that does not scroll xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</code></pre>
<div class="lesson-sliders" id="sliders-stuck"><input type="range" min="0" max="1" value="0" data-slider="0">
<div class="lesson-timeline lesson-sliders-picture"><svg width="200" height="50"><rect width="10" height="10"/></svg></div></div>
<script>not_a_function();</script>
FIGURE
</body></html>"#;

#[test]
#[ignore = "opens headless Chromium (Debian's chromium package): .ci/book-browser runs it"]
fn finds_every_kind_of_problem_and_none_on_a_clean_page() {
    let scratch = std::env::temp_dir().join(format!("book-browser-test-{}", std::process::id()));
    let book = scratch.join("fixture");
    fs::create_dir_all(&book).expect("fixture dir");
    fs::write(book.join("good.html"), good()).expect("write good.html");
    // The same figure without its script: nothing moves.
    let stuck = BAD.replace("FIGURE", &side_by_side("stuck"));
    fs::write(book.join("bad.html"), stuck).expect("write bad.html");
    let check = Check {
        book,
        shots: scratch.join("shots"),
        chromium: std::env::var_os("CHROMIUM")
            .map_or_else(|| PathBuf::from("chromium"), PathBuf::from),
        scratch: scratch.join("run"),
    };
    let problems = check.run();
    let shots = check.shots.join("good.png").is_file();
    fs::remove_dir_all(&scratch).expect("clean up");

    let problems = problems.expect("the check runs");
    let on_good: Vec<&String> = problems
        .iter()
        .filter(|p| p.starts_with("good.html"))
        .collect();
    assert!(on_good.is_empty(), "{on_good:#?}");
    for expected in [
        "bad.html: JavaScript error",
        "bad.html: a link to a missing anchor",
        "bad.html: a link to a missing file",
        "bad.html: 123.4 ms in",
        "bad.html: a table",
        "bad.html: a timeline of 0 × 0 px",
        "bad.html: a listing",
        "bad.html: a code block",
        "bad.html: moving the sliders of sliders-stuck did not draw another timeline",
        "bad.html: moving the scrubber of side-by-side-stuck did not move its line",
        "bad.html: zooming in on side-by-side-stuck did not change its viewBox",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "no problem starting with {expected:?} in {problems:#?}"
        );
    }
    assert!(shots, "no screenshot of good.html");
}
