//! What a directive becomes on the page: Markdown for mdBook to render, with the timeline as an
//! inline SVG (no image files to keep in step with the text).

use lesson_kit::render::{markdown, svg};
use lesson_kit::sliders::SliderFigure;
use lesson_kit::{Clock, Machine, Outcome, Report, SideBySide, State};

/// One experiment of `report`: the command a reader types, the table, the timeline, the findings
/// and claims, and where the figures come from.
pub fn experiment(report: &Report, experiment: &Outcome) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "```console\n$ cargo run -p {} -- {}\n```\n\n",
        report.lesson, experiment.id
    ));
    for line in &experiment.intro {
        out.push_str(line);
        out.push_str("\n\n");
    }
    if let Some(warning) = markdown::busy_warning(experiment) {
        out.push_str(&warning);
        out.push('\n');
    }
    // In a block of its own so that the book's CSS can reach it: see book/theme/lesson.css.
    out.push_str("<div class=\"lesson-table\">\n\n");
    out.push_str(&markdown::table(experiment));
    out.push_str("\n</div>\n\n");
    if let Some(trace) = &experiment.trace {
        let data = trace.snapshot();
        let svg = svg::timeline(&data, &experiment.title);
        // An HTML block in Markdown ends at the first blank line: keep the SVG in one block.
        let svg: Vec<&str> = svg.lines().filter(|l| !l.trim().is_empty()).collect();
        out.push_str("<div class=\"lesson-timeline\">\n");
        out.push_str(&svg.join("\n"));
        out.push_str("\n</div>\n\n");
        out.push_str(&provenance(&report.machine, Some(data.clock)));
    } else {
        out.push_str(&provenance(&report.machine, None));
    }
    out.push('\n');
    let findings = markdown::findings(experiment);
    if !findings.is_empty() {
        out.push_str(&findings);
        out.push('\n');
    }
    out
}

/// The line that says where the figures come from: this machine, or the model.
pub fn provenance(machine: &Machine, clock: Option<Clock>) -> String {
    match clock {
        Some(Clock::Virtual) => format!(
            "*The timeline is a deterministic model in virtual time: the same on every machine and every \
             build. The book was built on: {machine}.*\n"
        ),
        Some(Clock::Measured) | None => format!(
            "*Measured on the machine that built this book ({machine}): your figures will differ; \
             run the command above to get your own.*\n"
        ),
    }
}

/// The claims of each lesson's full `report`, each lesson under a heading that links to its
/// `chapter` when there are several (the appendix), then the machine they were measured on.
///
/// The table sits in a `lesson-claims` block, so that the book's CSS can fit its three columns to
/// the text column (see book/theme/lesson.css).
pub fn claims(sections: &[(Report, Option<String>)]) -> String {
    let mut out = String::new();
    for (report, chapter) in sections {
        if sections.len() > 1 {
            out.push_str(&match chapter {
                Some(chapter) => format!("### [{}]({chapter})\n\n", report.title),
                None => format!("### {}\n\n", report.title),
            });
        }
        out.push_str("<div class=\"lesson-claims\">\n\n");
        out.push_str(&markdown::claims(std::slice::from_ref(report)));
        out.push_str("\n</div>\n\n");
    }
    if let Some((report, _)) = sections.first() {
        out.push_str(&format!(
            "*Measured on the machine that built this book: {}.*\n",
            report.machine
        ));
    }
    let mut experiments = sections.iter().flat_map(|(report, _)| &report.experiments);
    if let Some(busy) = experiments.find_map(|experiment| experiment.busy.as_ref()) {
        out.push_str(&format!(
            "\n*Where a row says the machine was busy, its timings are unreliable ({busy}); the \
             next book build measures it again.*\n"
        ));
    }
    out
}

/// A sliders figure (`{{#sliders ...}}`): the sliders, the picture and figures of the initial
/// setting, and every setting as JSON for book/theme/sliders.js to switch between. Without
/// JavaScript the page still shows the initial setting.
///
/// One HTML block with no blank line in it: Markdown would end the block at the first one.
pub fn sliders(figure: &SliderFigure, id: &str) -> String {
    let initial = figure.setting(&figure.initial);
    let mut out = format!(
        "<div class=\"lesson-sliders\" id=\"sliders-{}\">\n",
        escape(id)
    );
    out.push_str(&format!(
        "<p><strong>{}</strong></p>\n",
        escape(&figure.title)
    ));
    out.push_str("<div class=\"lesson-sliders-controls\">\n");
    for (n, slider) in figure.sliders.iter().enumerate() {
        let at = figure.initial.get(n).copied().unwrap_or(0);
        let shown = slider.choices.get(at).map_or("", String::as_str);
        out.push_str(&format!(
            "<label>{} <input type=\"range\" min=\"0\" max=\"{}\" step=\"1\" value=\"{at}\" \
             data-slider=\"{n}\"> <output>{}</output></label>\n",
            escape(&slider.label),
            slider.choices.len().saturating_sub(1),
            escape(shown)
        ));
    }
    out.push_str("</div>\n<div class=\"lesson-timeline lesson-sliders-picture\">\n");
    if let Some(picture) = initial.and_then(|s| figure.pictures.get(s.picture)) {
        out.push_str(&without_blank_lines(picture));
    }
    out.push_str("\n</div>\n<table class=\"lesson-sliders-figures\">\n");
    for (n, label) in figure.labels.iter().enumerate() {
        let value = initial
            .and_then(|s| s.values.get(n))
            .map_or("", String::as_str);
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            escape(label),
            escape(value)
        ));
    }
    out.push_str("</table>\n");
    // `</` would end the script element early wherever it appears (the SVGs' `</svg>`);
    // `<\/` is the same JSON string.
    let json = serde_json::to_string(figure)
        .unwrap_or_default()
        .replace("</", "<\\/");
    out.push_str(&format!(
        "<script type=\"application/json\" class=\"lesson-sliders-data\">{json}</script>\n</div>\n\n"
    ));
    out
}

fn without_blank_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.join("\n")
}

/// Text for HTML: the figure's labels come from a lesson, not from the book's authors.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A comparison's two timelines (`{{#side-by-side ...}}`): CPython's run and Rust's on one time
/// axis, with a scrubber (a range input: drag it to a moment), zoom buttons and a readout of
/// what each lane was doing at that moment, which book/theme/side-by-side.js keeps up to date.
/// Without JavaScript the picture and the readout at 0 s still show.
///
/// `trace_file` is the page-relative link to the pair as a Trace Event file, for Perfetto.
pub fn side_by_side(
    report: &Report,
    outcome: &Outcome,
    pair: &SideBySide,
    id: &str,
    trace_file: Option<&str>,
) -> String {
    let picture = svg::side_by_side(pair, &outcome.title);
    let mut out = format!(
        "<div class=\"lesson-side-by-side\" id=\"side-by-side-{}\">\n",
        escape(id)
    );
    out.push_str(&format!(
        "<p><strong>{}</strong></p>\n",
        escape(&outcome.title)
    ));
    out.push_str(
        "<div class=\"lesson-side-by-side-controls\">\n<label>Moment <input type=\"range\" \
         class=\"lesson-scrub\" min=\"0\" max=\"1000\" step=\"1\" value=\"0\"> <output \
         class=\"lesson-scrub-time\">0 s</output></label>\n<button type=\"button\" \
         data-zoom=\"in\">Zoom in</button> <button type=\"button\" data-zoom=\"out\">Zoom \
         out</button> <button type=\"button\" data-zoom=\"reset\">Reset</button>\n</div>\n",
    );
    out.push_str("<div class=\"lesson-timeline\">\n");
    out.push_str(&without_blank_lines(&picture));
    out.push_str("\n</div>\n<table class=\"lesson-side-by-side-readout\">\n");
    for (side, trace) in pair.sides() {
        for lane in trace.lanes.iter().take(svg::MAX_LANES_PER_SIDE) {
            let at_start = trace
                .spans
                .iter()
                .find(|s| &s.lane == lane && s.start_s <= 0.0 && s.end_s > 0.0)
                .map_or("—", |s| s.state.describe());
            out.push_str(&format!(
                "<tr data-lane=\"{0}\"><th>{0}</th><td>{1}</td></tr>\n",
                escape(&format!("{side}: {lane}")),
                at_start
            ));
        }
    }
    out.push_str("</table>\n</div>\n\n");
    if let Some(note) = &pair.note {
        out.push_str(&format!("*{note}*\n\n"));
    }
    // Said only where the picture has such spans: elsewhere every CPython span was seen.
    let inferred = pair
        .cpython
        .spans
        .iter()
        .any(|s| s.state == State::WaitingForGil);
    out.push_str(&format!(
        "*Drag the moment slider (or the picture) to see what each lane was doing then; zoom \
         with the buttons or the mouse wheel.{} The figures: `cargo run -p {} -- compare`.*\n\n",
        if inferred {
            " Python cannot see its own wait for the GIL: the twin infers it from each \
             thread's CPU time against the wall clock (see \
             `crates/lesson-kit/python/lesson_spans.py`)."
        } else {
            ""
        },
        report.lesson
    ));
    if let Some(file) = trace_file {
        out.push_str(&format!(
            "[Both runs as a Trace Event file]({file}) (CPython and Rust as two processes): open \
             it at <https://ui.perfetto.dev> or in `chrome://tracing`; `cargo run -p {} -- \
             compare --trace-out FILE` writes your own.\n\n",
            report.lesson
        ));
    }
    out.push_str(&provenance(&report.machine, Some(pair.rust.clock)));
    out
}

/// `{{#side-by-side ...}}` without CPython's half: the Rust run's timeline alone, and why, and
/// how to get the pair.
pub fn rust_alone(report: &Report, experiment: &Outcome, why: &str) -> String {
    let mut out = format!(
        "*CPython's run is not beside this one: {why}. Then rebuild the book, or run `cargo run \
         -p {} -- compare`.*\n\n",
        report.lesson
    );
    if let Some(trace) = &experiment.trace {
        let svg = svg::timeline(&trace.snapshot(), &experiment.title);
        out.push_str("<div class=\"lesson-timeline\">\n");
        out.push_str(&without_blank_lines(&svg));
        out.push_str("\n</div>\n\n");
        out.push_str(&provenance(&report.machine, Some(trace.clock())));
    }
    out
}
