//! `interval-sweep` beside `python/interval_sweep.py`: one countdown split over 2 and 4 threads
//! at four switch intervals, each run against one thread doing it all, on CPython and gil-sim.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Outcome, Twins};
use serde::{Deserialize, Serialize};

use super::{Pair, Row, in_turns, intro, once, rows_outcome};
use crate::experiments::{Settings, interval_sweep};

/// What `python/interval_sweep.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    iterations: u64,
    one_thread_s: f64,
    runs: Vec<TwinRun>,
}

#[derive(Debug, Deserialize)]
struct TwinRun {
    threads: usize,
    interval_s: f64,
    wall_s: f64,
}

impl Twin {
    /// This case's run against the one-thread run, if the twin ran it.
    fn pair(&self, threads: usize, interval: Duration) -> Option<Pair> {
        let run = self.runs.iter().find(|r| {
            r.threads == threads && (r.interval_s - interval.as_secs_f64()).abs() < 1e-12
        })?;
        Some(Pair::new(self.one_thread_s, run.wall_s))
    }
}

/// One case of the sweep (threads, interval), on each side, over the turns.
#[derive(Debug, Serialize)]
pub struct Case {
    pub threads: usize,
    pub interval_s: f64,
    /// One thread, then this case: a pair per turn that ran it.
    pub cpython: Vec<Pair>,
    pub gil_sim: Vec<Pair>,
    pub model: Pair,
}

impl Case {
    fn label(&self) -> String {
        format!(
            "{} threads, {}",
            self.threads,
            format_seconds(self.interval_s)
        )
    }
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    /// How long the one-thread run lasts, on each side.
    pub run_s: f64,
    /// How far each side counted down to last that long.
    pub cpython_iterations: u64,
    pub gil_sim_iterations: u64,
    /// Every case but the one-thread baseline, in the order of [`interval_sweep::CASES`].
    pub cases: Vec<Case>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    // Always the long runs (0.5 s on one thread): short ones are too noisy to hold side by side.
    let long = Settings {
        full: true,
        ..once(settings)
    };
    let length = interval_sweep::run_length(&long);
    let args = [format!("--seconds={}", length.as_secs_f64())];
    let turns = in_turns::<Twin, _>(settings, twins, "interval_sweep.py", &args, || {
        interval_sweep::measure(&long)
    })?;
    let (cpython, gil_sim) = (&turns.cpython, &turns.gil_sim);
    let (Some(twin), Some(last)) = (cpython.last(), gil_sim.last()) else {
        anyhow::bail!("no turn ran");
    };
    let case = |k: usize, (threads, interval): (usize, Duration)| {
        let pair = |f: &interval_sweep::Figures| {
            Pair::new(f.runs[0].timing.wall_s(), f.runs[k].timing.wall_s())
        };
        Case {
            threads,
            interval_s: interval.as_secs_f64(),
            cpython: cpython
                .iter()
                .filter_map(|t| t.pair(threads, interval))
                .collect(),
            gil_sim: gil_sim.iter().map(pair).collect(),
            model: Pair::new(last.runs[0].model_s, last.runs[k].model_s),
        }
    };
    Ok(Figures {
        python: twins.version.clone(),
        turns: cpython.len(),
        run_s: length.as_secs_f64(),
        cpython_iterations: twin.iterations,
        gil_sim_iterations: last.total_iterations,
        cases: (interval_sweep::CASES.into_iter().enumerate().skip(1))
            .map(|(k, c)| case(k, c))
            .collect(),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let what = format!(
        "the one-thread run lasts about {} on each side (CPython counted down {}, gil-sim {}), \
         the length `--full` uses.",
        format_seconds(figures.run_s),
        figures.cpython_iterations,
        figures.gil_sim_iterations
    );
    let rows = (figures.cases.iter())
        .filter(|case| !case.cpython.is_empty())
        .map(|case| {
            let label = format!("{}: time against 1 thread", case.label());
            Row::slowdowns(label, &case.cpython, &case.gil_sim, case.model)
        })
        .collect();
    let mut outcome = rows_outcome(
        "interval-sweep",
        "The switch interval: CPython beside gil-sim",
        intro(&figures.python, "interval_sweep.py", figures.turns, &what),
        rows,
    );
    for case in &figures.cases {
        if case.cpython.len() < figures.turns {
            outcome = outcome.problem(format!(
                "python/interval_sweep.py did not report {}",
                case.label()
            ));
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(threads: usize, interval_s: f64, cpython_slowdown: &[f64]) -> Case {
        Case {
            threads,
            interval_s,
            cpython: cpython_slowdown
                .iter()
                .map(|&s| Pair::new(0.5, 0.5 * s))
                .collect(),
            gil_sim: vec![Pair::new(0.5, 0.55); 2],
            model: Pair::new(0.5, 0.52),
        }
    }

    fn figures(cases: Vec<Case>) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            turns: 2,
            run_s: 0.5,
            cpython_iterations: 10_000_000,
            gil_sim_iterations: 90_000_000,
            cases,
        }
    }

    #[test]
    fn one_row_per_case_each_against_one_thread() {
        let outcome = report(&figures(vec![
            case(2, 0.005, &[1.1, 1.1]),
            case(4, 0.00001, &[2.0, 2.1]),
        ]));
        let labels: Vec<&str> = outcome.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2 threads, 5.0 ms: time against 1 thread",
                "4 threads, 10.0 µs: time against 1 thread"
            ]
        );
        assert!(
            outcome.findings[0].contains("1 of 2"),
            "{:?}",
            outcome.findings
        );
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn a_case_the_twin_did_not_report_is_a_problem_and_has_no_row() {
        let outcome = report(&figures(vec![
            case(2, 0.005, &[1.1, 1.1]),
            case(2, 0.001, &[]),
        ]));
        assert_eq!(outcome.runs.len(), 1);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.problems[0].contains("2 threads, 1.0 ms"));
    }

    #[test]
    fn a_twin_run_is_found_by_its_threads_and_interval() {
        let twin = Twin {
            iterations: 1,
            one_thread_s: 0.5,
            runs: vec![TwinRun {
                threads: 2,
                interval_s: 0.001,
                wall_s: 0.6,
            }],
        };
        assert_eq!(
            twin.pair(2, Duration::from_millis(1)),
            Some(Pair::new(0.5, 0.6))
        );
        assert_eq!(twin.pair(4, Duration::from_millis(1)), None);
    }
}
