//! The Markdown renderer: an experiment's table and findings, for the book.
//!
//! Figures keep their number and unit on one line (`84.2 ms` never breaks after `84.2`): their
//! spaces become no-break spaces, and a range's dash is followed by a word joiner.

use crate::comparison::Comparison;
use crate::render::terminal::{unbroken as figure, wall_cell};
use crate::report::{Claim, Outcome, Report, format_seconds};

/// The runs of `experiment` as a Markdown table (the same columns as the terminal table).
pub fn table(experiment: &Outcome) -> String {
    let mut figure_names: Vec<&str> = Vec::new();
    for run in &experiment.runs {
        for (name, _) in &run.figures {
            if !figure_names.contains(&name.as_str()) {
                figure_names.push(name);
            }
        }
    }
    let has_cpu = experiment.runs.iter().any(|r| r.cpu_s.is_some());
    let has_speedup = experiment.runs.iter().any(|r| r.speedup.is_some());

    let mut header = vec!["run".to_string(), "wall".to_string()];
    if has_cpu {
        header.push("CPU".into());
    }
    if has_speedup {
        header.push("speedup".into());
    }
    header.extend(figure_names.iter().map(|n| escape(n)));

    let mut out = row(&header);
    let mut rule = vec![":--".to_string()];
    rule.extend((1..header.len()).map(|_| "--:".to_string()));
    out.push_str(&row(&rule));
    for run in &experiment.runs {
        let mut cells = vec![
            escape(&keep_figures_whole(&run.label)),
            unbroken(&wall_cell(run)),
        ];
        if has_cpu {
            cells.push(
                run.cpu_s
                    .map(|s| unbroken(&format_seconds(s)))
                    .unwrap_or_default(),
            );
        }
        if has_speedup {
            cells.push(
                run.speedup
                    .as_ref()
                    .map(|s| unbroken(&s.to_string()))
                    .unwrap_or_default(),
            );
        }
        for name in &figure_names {
            cells.push(
                run.get(name)
                    .map(|f| unbroken(&escape(&f.to_string())))
                    .unwrap_or_default(),
            );
        }
        out.push_str(&row(&cells));
    }
    out
}

/// The one-line warning above the table of an experiment measured on a busy machine.
pub fn busy_warning(experiment: &Outcome) -> Option<String> {
    experiment.busy.as_ref().map(|reason| {
        format!(
            "> ⚠ **This machine was busy** when these figures were measured ({reason}): timings \
             are unreliable and timing verdicts are unclear. The next book build measures again.\n"
        )
    })
}

/// The findings, claims and problems of `experiment` as a Markdown list.
pub fn findings(experiment: &Outcome) -> String {
    let mut out = String::new();
    for line in &experiment.findings {
        out.push_str(&format!("- {line}\n"));
    }
    for claim in &experiment.claims {
        out.push_str(&format!(
            "- {}: {} Measured here: {} — **{}**{}\n",
            source(claim),
            claim.claim,
            claim.measured,
            claim.verdict,
            claim
                .reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
    }
    for problem in &experiment.problems {
        out.push_str(&format!("- ✗ {problem}\n"));
    }
    out
}

/// Who makes a claim, linked when it has an address: "Common claim", or "[bpo-7946](…)".
pub fn source(claim: &Claim) -> String {
    let name = if claim.source.is_article() {
        "Common claim".to_string()
    } else {
        claim.source.to_string()
    };
    match &claim.source.url {
        Some(url) => format!("[{name}]({url})"),
        None => name,
    }
}

/// Every claim of every report, as one table of three columns (the appendix, and the end of each
/// chapter): the verdict first, since it is what a reader looks for; the claim with its source
/// under it; what was measured here, with the reason when the verdict is unclear.
///
/// Three columns, not five: with the lesson and the source in columns of their own the table was
/// wider than the book's column and the verdict, last, scrolled out of sight. The lesson is the
/// caller's heading; the source sits under the claim it belongs to.
pub fn claims(reports: &[Report]) -> String {
    let mut out = row(&["verdict".into(), "claim".into(), "measured here".into()]);
    out.push_str(&row(&[":--".into(), ":--".into(), ":--".into()]));
    for report in reports {
        for experiment in &report.experiments {
            for claim in &experiment.claims {
                out.push_str(&row(&[
                    format!("**{}**", unbroken(&claim.verdict.to_string())),
                    format!(
                        "{}<br>*{}*",
                        escape(&keep_figures_whole(&claim.claim)),
                        escape(&source(claim))
                    ),
                    measured_cell(claim, experiment.busy.as_deref()),
                ]));
            }
        }
    }
    out
}

/// What was measured, its figures kept whole, and why the verdict is unclear when it is. The
/// details of a busy machine, the same for every claim of the experiment, are left to the note
/// under the table: each row says only that it was busy.
fn measured_cell(claim: &Claim, busy: Option<&str>) -> String {
    let measured = escape(&keep_figures_whole(&claim.measured));
    let Some(reason) = &claim.reason else {
        return measured;
    };
    let reason =
        match busy.and_then(|b| reason.strip_prefix(&format!("this machine was busy: {b}"))) {
            Some(rest) => format!("the machine was busy{rest}"),
            None => reason.clone(),
        };
    format!(
        "{measured}<br>*Unclear: {}*",
        escape(&keep_figures_whole(&reason))
    )
}

/// Prose with its figures made unbreakable: a number keeps its unit (`9.2 ms`), a figure keeps the
/// range after it (`1.23× (0.99–1.72×)`), and a range does not break after its dash. A figure split
/// over two lines of a narrow table cell reads as two figures.
pub fn keep_figures_whole(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut previous: Option<&str> = None;
    for word in text.split(' ') {
        if let Some(previous) = previous {
            out.push(if continues_figure(previous, word) {
                '\u{a0}'
            } else {
                ' '
            });
        }
        out.push_str(&dash_joined(word));
        previous = Some(word);
    }
    out
}

/// Whether `word` belongs to the figure that `previous` starts: its unit, or its range.
fn continues_figure(previous: &str, word: &str) -> bool {
    let is_number = |w: &str| {
        w.trim_start_matches('(')
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    };
    if !is_number(previous) {
        return false;
    }
    let unit = word.trim_end_matches([')', '.', ',', ';', ':']);
    const UNITS: [&str; 9] = ["ns", "µs", "ms", "s", "B", "KiB", "MiB", "GiB", "%"];
    UNITS.contains(&unit) || (word.starts_with('(') && is_number(word))
}

/// `0.99–1.72×` with a word joiner after the dash, so that a line never breaks inside the range.
fn dash_joined(word: &str) -> String {
    word.replace('–', "–\u{2060}")
}

/// A figure for a table cell: no line break between a number and its unit or inside a range, but
/// one allowed before the range, so that a narrow column shows the median above its range.
fn unbroken(text: &str) -> String {
    dash_joined(&figure(text).replace("\u{a0}(", " ("))
}

/// The workspace's comparison (`cargo run -p lesson-kit --bin compare -- --json`) for the book:
/// four columns, so that it fits the book's column (lesson and experiment share one); then what
/// was skipped or failed, and, without python3, how to make the table.
pub fn comparison(table: &Comparison) -> String {
    let mut out = String::new();
    if !table.rows.is_empty() {
        out.push_str(&row(&[
            "lesson: experiment".into(),
            "CPython".into(),
            "Rust".into(),
            "CPython ÷ Rust".into(),
        ]));
        out.push_str(&row(&[
            ":--".into(),
            "--:".into(),
            "--:".into(),
            "--:".into(),
        ]));
        for r in &table.rows {
            out.push_str(&row(&[
                escape(&format!("{}: {}, {}", r.lesson, r.experiment, r.timed)),
                unbroken(&r.cpython.to_string()),
                unbroken(&r.rust.to_string()),
                unbroken(&r.ratio.to_string()),
            ]));
        }
        out.push('\n');
    }
    let python = table.python.as_deref().unwrap_or("no python3");
    out.push_str(&format!(
        "Measured with {python}; each figure is the median of the runs, with their range. \
         `just compare` (or `cargo run -p lesson-kit --bin compare`) makes this table again.\n"
    ));
    for skip in &table.skipped {
        let what = skip
            .what
            .as_deref()
            .map_or(String::new(), |w| format!(": {w}"));
        out.push_str(&format!(
            "\n- skipped {}{what}: {}",
            skip.lesson,
            escape(&skip.why.to_string())
        ));
    }
    for failure in &table.failed {
        out.push_str(&format!(
            "\n- failed {}: {}",
            failure.lesson,
            escape(&failure.why)
        ));
    }
    if table.python.is_none() {
        out.push_str(
            "\n\nThere was no python3 when this book was built, so there is nothing to compare \
             with: install Python 3, then run `just compare`, or build the book again.",
        );
    }
    out.push('\n');
    out
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::{comparison, keep_figures_whole};
    use crate::comparison::{Comparison, LessonRun};
    use crate::{Missing, Outcome, Report, Samples, Unit, Versus};

    #[test]
    fn the_comparison_fits_four_columns_and_says_how_to_make_it_without_python() {
        let outcome = Outcome::new("compare-cost", "Cost").versus(Versus::new(
            "cost",
            "start and join one thread",
            &Samples::new(Unit::Seconds, [40e-6, 41e-6]),
            &Samples::new(Unit::Seconds, [30e-6, 31e-6]),
        ));
        let mut report = Report::new("threading", "Threading");
        report.experiments = vec![outcome];
        let ran = LessonRun::Ran {
            success: true,
            status: "exited cleanly (code 0)".into(),
            stdout: report.to_json(),
        };
        let table = Comparison::build(Some("Python 3.11.7".into()), &[("threading".into(), ran)]);
        let text = comparison(&table);
        let header = text.lines().next().expect("a header");
        assert_eq!(header.matches(" | ").count(), 3, "{header}");
        assert!(
            text.contains("| threading: cost, start and join one thread |"),
            "{text}"
        );
        assert!(!text.contains("no python3"), "{text}");

        let none = Comparison::build(None, &[("gil-sim".into(), LessonRun::NoPython3)]);
        let text = comparison(&none);
        assert!(!text.contains("| CPython |"), "no empty table: {text}");
        assert!(text.contains(&Missing::Python3.to_string()), "{text}");
        assert!(
            text.contains("install Python 3, then run `just compare`"),
            "{text}"
        );
    }

    #[test]
    fn figures_keep_their_unit_and_range_and_words_still_break() {
        assert_eq!(
            keep_figures_whole("took 9.2 ms, 1.23× (0.99–1.72×) the speed of 4 threads"),
            "took 9.2\u{a0}ms, 1.23×\u{a0}(0.99–\u{2060}1.72×) the speed of 4 threads"
        );
        assert_eq!(
            keep_figures_whole("four 2 s tasks (900.0–904.0 ms)."),
            "four 2\u{a0}s tasks (900.0–\u{2060}904.0\u{a0}ms)."
        );
    }
}
