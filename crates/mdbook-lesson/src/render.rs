//! What a directive becomes on the page: Markdown for mdBook to render, with the timeline as an
//! inline SVG (no image files to keep in step with the text).

use lesson_kit::render::{markdown, svg};
use lesson_kit::{Clock, Machine, Outcome, Report};

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
