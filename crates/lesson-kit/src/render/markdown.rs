//! The Markdown renderer: an experiment's table and findings, for the book.

use crate::report::{Experiment, Report, format_seconds};

/// The runs of `experiment` as a Markdown table (the same columns as the terminal table).
pub fn table(experiment: &Experiment) -> String {
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
        let mut cells = vec![escape(&run.label), format_seconds(run.wall_s)];
        if has_cpu {
            cells.push(run.cpu_s.map(format_seconds).unwrap_or_default());
        }
        if has_speedup {
            cells.push(run.speedup.map(|s| format!("{s:.2}×")).unwrap_or_default());
        }
        for name in &figure_names {
            cells.push(
                run.get(name)
                    .map(|f| escape(&f.to_string()))
                    .unwrap_or_default(),
            );
        }
        out.push_str(&row(&cells));
    }
    out
}

/// The findings and claims of `experiment` as a Markdown list.
pub fn findings(experiment: &Experiment) -> String {
    let mut out = String::new();
    for line in &experiment.findings {
        out.push_str(&format!("- {line}\n"));
    }
    for claim in &experiment.claims {
        out.push_str(&format!(
            "- The article: {} Measured here: {} — **{}**.\n",
            claim.claim, claim.measured, claim.verdict
        ));
    }
    out
}

/// Every claim of every report, as one table: the "measured on your machine" appendix.
pub fn claims(reports: &[Report]) -> String {
    let mut out = row(&[
        "lesson".into(),
        "claim".into(),
        "measured".into(),
        "verdict".into(),
    ]);
    out.push_str(&row(&[
        ":--".into(),
        ":--".into(),
        ":--".into(),
        ":--".into(),
    ]));
    for report in reports {
        for experiment in &report.experiments {
            for claim in &experiment.claims {
                out.push_str(&row(&[
                    escape(&report.lesson),
                    escape(&claim.claim),
                    escape(&claim.measured),
                    claim.verdict.to_string(),
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
