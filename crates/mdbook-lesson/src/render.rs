//! What a directive becomes on the page: Markdown for mdBook to render, with the timeline as an
//! inline SVG (no image files to keep in step with the text).

use lesson_kit::render::{markdown, svg};
use lesson_kit::{Clock, Machine, Outcome, Report};

/// A lesson named in `{{#claims}}` whose crate does not exist yet.
pub const NOT_WRITTEN: &str = "lesson not written yet";

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
    out.push_str(&markdown::table(experiment));
    out.push('\n');
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

/// The appendix table: every claim of the `reports`, then a row for each lesson not written yet.
pub fn claims(reports: &[Report], not_written: &[String]) -> String {
    let mut out = markdown::claims(reports);
    for lesson in not_written {
        out.push_str(&format!("| {lesson} | — | — | {NOT_WRITTEN} | — |\n"));
    }
    out.push('\n');
    if let Some(report) = reports.first() {
        out.push_str(&format!(
            "*Measured on the machine that built this book: {}.*\n",
            report.machine
        ));
    }
    out
}
