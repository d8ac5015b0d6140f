//! The SVG renderer: a trace's timeline as a picture, for the book.
//!
//! Unlike the terminal, SVG draws every span at its exact position, so short GIL hand-offs stay
//! visible. The drawing is a pure function of the trace: the same trace gives the same bytes.

use svg::Document;
use svg::node::element::{Group, Line, Rectangle, SVG, Text, Title};

use crate::report::format_seconds;
use crate::side_by_side::SideBySide;
use crate::trace::{Clock, State, TraceData};

const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 130.0;
const LANE_HEIGHT: f64 = 22.0;
const BAR_HEIGHT: f64 = 16.0;
const TOP: f64 = 30.0;
/// Lanes beyond this many are counted below the timeline instead of drawn.
pub const MAX_LANES: usize = 24;

/// The fill colour of each state (colour-blind-safe, after the Okabe–Ito palette).
pub fn color(state: State) -> &'static str {
    match state {
        State::Running => "#009E73",
        State::WaitingForGil => "#D55E00",
        State::WaitingForIo => "#0072B2",
        State::Sleeping => "#999999",
        State::Starting => "#E69F00",
        State::Idle => "#DDDDDD",
    }
}

/// The timeline of `trace` as an SVG document, titled `title`.
pub fn timeline(trace: &TraceData, title: &str) -> String {
    let duration = trace
        .spans
        .iter()
        .map(|s| s.end_s)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let lanes: Vec<&String> = trace.lanes.iter().take(MAX_LANES).collect();
    let plot_width = WIDTH - LABEL_WIDTH - 10.0;
    let x_of = |t: f64| LABEL_WIDTH + t / duration * plot_width;
    let bottom = TOP + lanes.len() as f64 * LANE_HEIGHT;

    let clock = match trace.clock {
        Clock::Measured => "measured",
        Clock::Virtual => "virtual time (model)",
    };
    let mut document = Document::new()
        .set("xmlns", "http://www.w3.org/2000/svg")
        .set("font-family", "sans-serif")
        .set("font-size", 12)
        .add(Title::new(title))
        .add(text(
            LABEL_WIDTH,
            16.0,
            &format!("{title} — {clock}"),
            "start",
        ));

    for (row, lane) in lanes.iter().enumerate() {
        let y = TOP + row as f64 * LANE_HEIGHT;
        let mut group = Group::new().add(text(LABEL_WIDTH - 6.0, y + 12.0, lane, "end"));
        for span in trace.spans.iter().filter(|s| &&s.lane == lane) {
            let x = x_of(span.start_s);
            let w = (x_of(span.end_s) - x).max(0.5);
            let tooltip = format!(
                "{lane}: {} for {}",
                span.state.describe(),
                format_seconds(span.duration_s())
            );
            group = group.add(
                Rectangle::new()
                    .set("x", round(x))
                    .set("y", y)
                    .set("width", round(w))
                    .set("height", BAR_HEIGHT)
                    .set("fill", color(span.state))
                    .add(Title::new(tooltip)),
            );
        }
        document = document.add(group);
    }

    let mut y = bottom + 4.0;
    if trace.lanes.len() > MAX_LANES {
        let more = format!("… and {} more lanes", trace.lanes.len() - MAX_LANES);
        document = document.add(text(LABEL_WIDTH, y + 12.0, &more, "start"));
        y += 18.0;
    }
    document = document
        .add(axis_line(LABEL_WIDTH, y, WIDTH - 10.0, y))
        .add(text(LABEL_WIDTH, y + 14.0, "0 s", "start"))
        .add(text(
            WIDTH - 10.0,
            y + 14.0,
            &format_seconds(duration),
            "end",
        ));
    y += 30.0;

    document = legend(document, LABEL_WIDTH, y, |state| {
        trace.spans.iter().any(|s| s.state == state)
    });
    let height = y + 10.0;
    document
        .set("viewBox", (0, 0, WIDTH, round(height)))
        .set("width", WIDTH)
        .set("height", round(height))
        .to_string()
}

/// Lanes of each side drawn at most, in a [`side_by_side`] figure.
pub const MAX_LANES_PER_SIDE: usize = 12;

/// A comparison's two timelines on one time axis: CPython's lanes under one heading, Rust's under
/// another, both scaled to the longer run, so that equal times are equal widths.
///
/// Drawn for book/theme/side-by-side.js, which makes it interactive without redrawing it. The
/// spans sit in an inner `svg.plot` whose `viewBox` is the visible stretch of time (zooming
/// changes only that, so the lane names at the left stay put and readable); its `data-x0`,
/// `data-x1` and `data-duration` say how x maps to seconds. Each lane is a group named by
/// `data-lane`, each span a rectangle with `data-start`, `data-end` and `data-state`, and a
/// `line.scrubber` waits at 0 s to be dragged. Without JavaScript it is a plain picture with a
/// tooltip on every span.
pub fn side_by_side(pair: &SideBySide, title: &str) -> String {
    let duration = pair.duration_s().max(f64::MIN_POSITIVE);
    let (x0, x1) = (LABEL_WIDTH, WIDTH - 10.0);
    let x_of = |t: f64| x0 + t / duration * (x1 - x0);
    let mut document = Document::new()
        .set("xmlns", "http://www.w3.org/2000/svg")
        .set("font-family", "sans-serif")
        .set("font-size", 12)
        .set("class", "side-by-side")
        .add(Title::new(title))
        .add(text(
            8.0,
            16.0,
            &format!("{title}: each run from its own start"),
            "start",
        ));
    let mut plot = Group::new();
    let mut y = TOP;
    for (side, trace) in pair.sides() {
        document = document.add(text(8.0, y + 12.0, &side, "start").set("font-weight", "bold"));
        y += LANE_HEIGHT;
        for lane in trace.lanes.iter().take(MAX_LANES_PER_SIDE) {
            let name = format!("{side}: {lane}");
            document = document.add(text(x0 - 6.0, y + 12.0, lane, "end"));
            let mut group = Group::new()
                .set("class", "lane")
                .set("data-lane", name.as_str());
            for span in trace.spans.iter().filter(|s| &s.lane == lane) {
                let x = x_of(span.start_s);
                let tooltip = format!(
                    "{name}: {} for {} (from {})",
                    span.state.describe(),
                    format_seconds(span.duration_s()),
                    format_seconds(span.start_s)
                );
                group = group.add(
                    Rectangle::new()
                        .set("x", round(x))
                        .set("y", y)
                        .set("width", round((x_of(span.end_s) - x).max(0.5)))
                        .set("height", BAR_HEIGHT)
                        .set("fill", color(span.state))
                        .set("data-start", span.start_s)
                        .set("data-end", span.end_s)
                        .set("data-state", span.state.describe())
                        .add(Title::new(tooltip)),
                );
            }
            plot = plot.add(group);
            y += LANE_HEIGHT;
        }
        if trace.lanes.len() > MAX_LANES_PER_SIDE {
            let more = format!(
                "… and {} more lanes",
                trace.lanes.len() - MAX_LANES_PER_SIDE
            );
            document = document.add(text(x0, y + 12.0, &more, "start"));
            y += LANE_HEIGHT;
        }
    }
    let axis = y + 4.0;
    let scrubber = axis_line(x0, TOP, x0, axis)
        .set("class", "scrubber")
        .set("stroke", "#CC0000")
        .set("stroke-width", 2)
        .set("vector-effect", "non-scaling-stroke");
    // Stretched sideways when zoomed (preserveAspectRatio none): only rectangles and a line,
    // which stretch without harm; the text stays in the outer picture.
    let inner = SVG::new()
        .set("class", "plot")
        .set("x", x0)
        .set("y", 0)
        .set("width", x1 - x0)
        .set("height", round(axis))
        .set("viewBox", (x0, 0, x1 - x0, round(axis)))
        .set("preserveAspectRatio", "none")
        .set("data-x0", x0)
        .set("data-x1", x1)
        .set("data-duration", duration)
        .add(plot.add(scrubber));
    document = document
        .add(inner)
        .add(axis_line(x0, axis, x1, axis))
        .add(text(x0, axis + 14.0, "0 s", "start").set("class", "axis-from"))
        .add(text(x1, axis + 14.0, &format_seconds(duration), "end").set("class", "axis-to"));
    let mut y = axis + 30.0;
    let spans = || pair.cpython.spans.iter().chain(&pair.rust.spans);
    document = legend(document, x0, y, |state| spans().any(|s| s.state == state));
    y += 10.0;
    document
        .set("viewBox", (0, 0, WIDTH, round(y)))
        .set("width", WIDTH)
        .set("height", round(y))
        .to_string()
}

fn text(x: f64, y: f64, content: &str, anchor: &str) -> Text {
    Text::new(content)
        .set("x", round(x))
        .set("y", round(y))
        .set("text-anchor", anchor)
}

fn axis_line(x1: f64, y1: f64, x2: f64, y2: f64) -> Line {
    Line::new()
        .set("x1", x1)
        .set("y1", y1)
        .set("x2", x2)
        .set("y2", y2)
        .set("stroke", "#333")
}

/// Two decimals are finer than a pixel, and keep the file small and stable.
fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// One swatch and name per state that `shown` keeps, left to right from `x` on the line `y`.
fn legend(mut document: Document, mut x: f64, y: f64, shown: impl Fn(State) -> bool) -> Document {
    for state in State::ALL.into_iter().filter(|&state| shown(state)) {
        document = document
            .add(
                Rectangle::new()
                    .set("x", x)
                    .set("y", y - 10.0)
                    .set("width", 12)
                    .set("height", 12)
                    .set("fill", color(state)),
            )
            .add(text(x + 16.0, y, state.describe(), "start"));
        x += 30.0 + state.describe().len() as f64 * 6.5;
    }
    document
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Trace;

    fn lanes(n: usize, end_s: f64) -> crate::trace::TraceData {
        let trace = Trace::virtual_time();
        for lane in 0..n {
            trace.record(&format!("task {lane}"), State::Sleeping, 0.0, end_s);
        }
        trace.snapshot()
    }

    #[test]
    fn both_sides_share_one_axis_and_carry_what_the_page_script_reads() {
        let pair = SideBySide::new("Python 3.11.7", lanes(2, 0.2), lanes(1, 0.1));
        let svg = side_by_side(&pair, "Sleeping");
        assert!(
            svg.contains("data-duration=\"0.2\""),
            "the longer run: {svg}"
        );
        assert_eq!(svg.matches("class=\"lane\"").count(), 3);
        assert!(svg.contains("data-lane=\"CPython (Python 3.11.7): task 1\""));
        assert!(svg.contains("data-lane=\"Rust: task 0\""));
        // Rust's 0.1 s is half the axis: 620 px of plot, 310 px wide.
        assert!(svg.contains("width=\"310\""), "{svg}");
        assert!(svg.contains("class=\"scrubber\""));
        assert!(svg.contains("data-state=\"sleeping\""));
    }

    #[test]
    fn lanes_beyond_the_limit_are_counted_not_drawn() {
        let many = MAX_LANES_PER_SIDE + 5;
        let pair = SideBySide::new("Python 3.11.7", lanes(many, 0.1), lanes(1, 0.1));
        let svg = side_by_side(&pair, "Many");
        assert_eq!(
            svg.matches("class=\"lane\"").count(),
            MAX_LANES_PER_SIDE + 1
        );
        assert!(svg.contains("… and 5 more lanes"), "{svg}");
    }
}
