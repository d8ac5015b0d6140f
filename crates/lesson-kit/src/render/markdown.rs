//! The Markdown renderer: an experiment's table and findings, for the book.
//!
//! Figures keep their number and unit on one line (`84.2 ms` never breaks after `84.2`): their
//! spaces become no-break spaces.

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
        let mut cells = vec![escape(&run.label), figure(&wall_cell(run))];
        if has_cpu {
            cells.push(
                run.cpu_s
                    .map(|s| figure(&format_seconds(s)))
                    .unwrap_or_default(),
            );
        }
        if has_speedup {
            cells.push(
                run.speedup
                    .as_ref()
                    .map(|s| figure(&s.to_string()))
                    .unwrap_or_default(),
            );
        }
        for name in &figure_names {
            cells.push(
                run.get(name)
                    .map(|f| figure(&escape(&f.to_string())))
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

/// Every claim of every report, as one table: the "measured on your machine" appendix.
pub fn claims(reports: &[Report]) -> String {
    let mut out = row(&[
        "lesson".into(),
        "claim".into(),
        "source".into(),
        "measured".into(),
        "verdict".into(),
    ]);
    out.push_str(&row(&[
        ":--".into(),
        ":--".into(),
        ":--".into(),
        ":--".into(),
        ":--".into(),
    ]));
    for report in reports {
        for experiment in &report.experiments {
            for claim in &experiment.claims {
                let verdict = match &claim.reason {
                    Some(reason) => format!("{} ({reason})", claim.verdict),
                    None => claim.verdict.to_string(),
                };
                out.push_str(&row(&[
                    escape(&report.lesson),
                    escape(&claim.claim),
                    escape(&source(claim)),
                    escape(&claim.measured),
                    escape(&verdict),
                ]));
            }
        }
    }
    out
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
