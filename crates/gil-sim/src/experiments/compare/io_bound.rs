//! `io-bound` beside `python/io_bound.py`: downloads from the same local server, one after
//! another and then one thread each, on CPython's threads and on gil-sim's (the GIL released
//! while they wait).

use anyhow::Context as _;
use lesson_kit::report::format_seconds;
use lesson_kit::{DelayServer, Outcome, Twins};
use serde::{Deserialize, Serialize};

use super::{Pair, Row, in_turns, intro, once, rows_outcome};
use crate::experiments::{Settings, io_bound};

/// What `python/io_bound.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    sequential_s: f64,
    threads_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    pub downloads: usize,
    pub delay_s: f64,
    /// In turn, then one thread each: a pair per turn.
    pub cpython: Vec<Pair>,
    /// gil-sim's turns in which every download worked.
    pub gil_sim: Vec<Pair>,
    pub model: Pair,
    /// gil-sim's failed downloads: a run with one says nothing about overlap, so it is a
    /// problem, not a figure.
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let once = once(settings);
    let (downloads, delay) = io_bound::sizes(&once);
    let server = DelayServer::start().context("the local delay server")?;
    let args = [
        format!("--url={}", server.delay_url(delay)),
        format!("--downloads={downloads}"),
    ];
    let turns = in_turns::<Twin, _>(settings, twins, "io_bound.py", &args, || {
        io_bound::measure(&once)
    })?;
    let last = turns.gil_sim.last().context("no turn ran")?;
    // A run with a failed download says nothing about overlap: it is a problem, not a figure.
    let clean = (turns.gil_sim.iter()).filter(|f| f.failures.is_empty());
    Ok(Figures {
        python: twins.version.clone(),
        turns: turns.cpython.len(),
        downloads,
        delay_s: delay.as_secs_f64(),
        cpython: (turns.cpython.iter())
            .map(|t| Pair::new(t.sequential_s, t.threads_s))
            .collect(),
        gil_sim: clean
            .map(|f| Pair::new(f.sequential.wall_s(), f.released.wall_s()))
            .collect(),
        model: Pair::new(last.model.sequential_s, last.model.released_s),
        failures: (turns.gil_sim.iter())
            .flat_map(|f| f.failures.clone())
            .collect(),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let n = figures.downloads;
    let what = format!(
        "{n} downloads of {} from the same local server, in turn and on threads.",
        format_seconds(figures.delay_s)
    );
    let rows = if figures.gil_sim.is_empty() {
        Vec::new()
    } else {
        vec![Row::speedups(
            format!("{n} threads, GIL released: speedup"),
            &figures.cpython,
            &figures.gil_sim,
            figures.model,
        )]
    };
    let mut outcome = rows_outcome(
        "io-bound",
        "Threads waiting for I/O: CPython beside gil-sim",
        intro(&figures.python, "io_bound.py", figures.turns, &what),
        rows,
    );
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(gil_sim: Vec<Pair>, failures: Vec<String>) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            turns: 2,
            downloads: 4,
            delay_s: 0.05,
            cpython: vec![Pair::new(0.21, 0.055); 2],
            gil_sim,
            model: Pair::new(0.2, 0.05),
            failures,
        }
    }

    #[test]
    fn overlapping_downloads_on_both_sides_are_close() {
        let outcome = report(&figures(vec![Pair::new(0.2, 0.052); 2], Vec::new()));
        assert_eq!(outcome.runs.len(), 1);
        assert!(
            outcome.findings[0].contains("1 of 1"),
            "{:?}",
            outcome.findings
        );
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn failed_downloads_are_problems_and_no_row_when_every_turn_failed() {
        let failed = vec!["http://127.0.0.1:1/: refused".to_string()];
        let outcome = report(&figures(Vec::new(), failed.clone()));
        assert_eq!(outcome.problems, failed);
        assert!(outcome.runs.is_empty());
        assert!(outcome.findings.is_empty());
    }
}
