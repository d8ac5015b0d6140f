//! `countdown` beside `python/countdown.py`: four countdowns in pure CPython, in turn, on
//! threads and in a `Pool`, then gil-sim's interpreted loop the same three ways, in turns.

use anyhow::Context as _;
use lesson_kit::report::{faster_or_slower, group_thousands};
use lesson_kit::{Figure, Outcome, Run, Timing, Twins, Versus};
use serde::{Deserialize, Serialize};

use super::{in_turns, joined, one_run, speedup, twin_args};
use crate::experiments::{Settings, countdown, workers};

/// What `python/countdown.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    n: u64,
    sequential_s: Vec<f64>,
    threads_s: Vec<f64>,
    pool_s: Vec<f64>,
}

/// One language's three ways through the same countdowns.
#[derive(Debug, Serialize)]
pub struct Ways {
    pub sequential: Timing,
    /// Four threads under one GIL (CPython's, or gil-sim's).
    pub threads: Timing,
    pub pool: Timing,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub workers: usize,
    /// How long each countdown was sized to take, in ms.
    pub target_ms: u64,
    /// How far CPython counted down in each task.
    pub python_n: u64,
    pub cpython: Ways,
    pub rust: Ways,
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let w = workers(settings);
    let target_ms = settings.size(60, 2000);
    let args = twin_args(&[format!("--target-ms={target_ms}"), format!("--workers={w}")]);
    let once = one_run(settings);
    let (python, rust) = in_turns(
        settings.repeat,
        || {
            twins
                .run::<Twin>("countdown.py", &args)
                .context("python/countdown.py")
        },
        || Ok(countdown::measure(&once)?),
    )?;
    let all = |field: fn(&Twin) -> &Vec<f64>| {
        Timing::wall_seconds(python.iter().flat_map(|t| field(t).iter().copied()))
    };
    Ok(Figures {
        python: twins.version.clone(),
        workers: w,
        target_ms,
        python_n: python.first().map_or(0, |t| t.n),
        cpython: Ways {
            sequential: all(|t| &t.sequential_s),
            threads: all(|t| &t.threads_s),
            pool: all(|t| &t.pool_s),
        },
        rust: Ways {
            sequential: joined(rust.iter().map(|f| &f.sequential)),
            threads: joined(rust.iter().map(|f| &f.gil_threads)),
            pool: joined(rust.iter().map(|f| &f.pool)),
        },
        failures: rust.iter().flat_map(|f| f.failures.clone()).collect(),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let w = figures.workers;
    let (py, rust) = (&figures.cpython, &figures.rust);
    let mut outcome = Outcome::new("compare-countdown", "Pure computation: CPython beside Rust")
        .intro(format!(
            "Four countdowns of about {} ms each: {} counts down {} times in pure Python, Rust \
             runs gil-sim's interpreted loop, in turns. Absolute times differ by design; compare \
             each side against its own sequential run.",
            figures.target_ms,
            figures.python,
            group_thousands(figures.python_n),
        ))
        .run(against(
            "Python: sequential",
            &py.sequential,
            &py.sequential,
        ))
        .run(against("Python: 4 threads", &py.threads, &py.sequential))
        .run(against(
            &format!("Python: Pool({w})"),
            &py.pool,
            &py.sequential,
        ))
        .run(against(
            "Rust: sequential",
            &rust.sequential,
            &rust.sequential,
        ))
        .run(against(
            "Rust: 4 threads, one GIL",
            &rust.threads,
            &rust.sequential,
        ))
        .run(against(
            &format!("Rust: pool of {w}"),
            &rust.pool,
            &rust.sequential,
        ));
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    for versus in versus(figures) {
        outcome = outcome.versus(versus);
    }
    outcome.finding(format!(
        "CPython's threads: {}; its process pool: {}. The simulated GIL: {}; Rust's pool: {}.",
        faster_or_slower(speedup(&py.sequential, &py.threads).median()),
        faster_or_slower(speedup(&py.sequential, &py.pool).median()),
        faster_or_slower(speedup(&rust.sequential, &rust.threads).median()),
        faster_or_slower(speedup(&rust.sequential, &rust.pool).median()),
    ))
}

/// The speedups again, typed, for the workspace's table: each side sized its own countdowns, so
/// the speedup over its own sequential run, not the seconds, is the figure to hold side by side.
fn versus(figures: &Figures) -> [Versus; 2] {
    let (py, rust) = (&figures.cpython, &figures.rust);
    [
        Versus::new(
            "countdown",
            "4 threads under one GIL: speedup over sequential",
            &speedup(&py.sequential, &py.threads),
            &speedup(&rust.sequential, &rust.threads),
        ),
        Versus::new(
            "countdown",
            format!("a pool of {}: speedup over sequential", figures.workers),
            &speedup(&py.sequential, &py.pool),
            &speedup(&rust.sequential, &rust.pool),
        ),
    ]
}

/// A row with its speed against its own language's sequential run.
fn against(label: &str, timing: &Timing, sequential: &Timing) -> Run {
    Run::timed(label, timing).figure(
        "against its own sequential",
        Figure::Spread(speedup(sequential, timing)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ways(sequential: f64, threads: f64, pool: f64) -> Ways {
        Ways {
            sequential: Timing::wall_seconds([sequential]),
            threads: Timing::wall_seconds([threads]),
            pool: Timing::wall_seconds([pool]),
        }
    }

    fn figures() -> Figures {
        Figures {
            python: "Python 3.12.3".into(),
            workers: 2,
            target_ms: 60,
            python_n: 1_500_000,
            cpython: ways(0.24, 0.25, 0.13),
            rust: ways(0.24, 0.24, 0.12),
            failures: Vec::new(),
        }
    }

    #[test]
    fn each_side_is_measured_against_its_own_sequential_run() {
        let outcome = report(&figures());
        assert_eq!(outcome.runs.len(), 6);
        let pool_versus = &outcome.versus[1];
        assert!(
            pool_versus.timed.starts_with("a pool of"),
            "{}",
            pool_versus.timed
        );
        assert!((pool_versus.cpython.median() - 0.24 / 0.13).abs() < 1e-9);
        let pool = outcome.runs[2]
            .get("against its own sequential")
            .and_then(Figure::as_f64);
        assert!(
            pool.is_some_and(|x| (x - 0.24 / 0.13).abs() < 1e-9),
            "{pool:?}"
        );
        let text = &outcome.findings[0];
        assert!(text.contains("CPython's threads: 1.04× slower"), "{text}");
        assert!(text.contains("Rust's pool: 2.00× faster"), "{text}");
        assert!(outcome.intro[0].contains("1,500,000"));
    }

    #[test]
    fn a_failed_task_is_a_problem() {
        let mut figures = figures();
        figures.failures = vec!["pool: task 1 was lost".into()];
        assert_eq!(report(&figures).problems.len(), 1);
    }
}
