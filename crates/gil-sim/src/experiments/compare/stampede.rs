//! `stampede` beside `python/stampede.py`: 1,000 threads wake at one event and each counts down,
//! on CPython's threads and on gil-sim's, each against the same work done in turn.

use lesson_kit::report::{format_seconds, group_thousands};
use lesson_kit::{Outcome, Twins};
use serde::{Deserialize, Serialize};

use super::{Pair, Row, in_turns, intro, once, rows_outcome};
use crate::experiments::{Settings, stampede};

/// What `python/stampede.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    iterations: u64,
    in_turn_s: f64,
    threads_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    pub threads: usize,
    /// How long each thread's work lasts, on each side.
    pub work_s: f64,
    /// How far each side counted down per thread to last that long.
    pub cpython_iterations: u64,
    pub gil_sim_iterations: u64,
    /// The work in turn on one thread, then the stampede: a pair per turn.
    pub cpython: Vec<Pair>,
    pub gil_sim: Vec<Pair>,
    pub model: Pair,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let once = once(settings);
    let work = stampede::work_per_thread(&once);
    let args = [
        format!("--threads={}", stampede::THREADS),
        format!("--work-seconds={}", work.as_secs_f64()),
    ];
    let turns = in_turns::<Twin, _>(settings, twins, "stampede.py", &args, || {
        stampede::measure(&once)
    })?;
    let (Some(twin), Some(last)) = (turns.cpython.last(), turns.gil_sim.last()) else {
        anyhow::bail!("no turn ran");
    };
    let gil_sim = |f: &stampede::Figures| Pair::new(f.in_turn.wall_s(), f.gil.wall_s());
    Ok(Figures {
        python: twins.version.clone(),
        turns: turns.cpython.len(),
        threads: stampede::THREADS,
        work_s: work.as_secs_f64(),
        cpython_iterations: twin.iterations,
        gil_sim_iterations: last.iterations,
        cpython: (turns.cpython.iter())
            .map(|t| Pair::new(t.in_turn_s, t.threads_s))
            .collect(),
        gil_sim: turns.gil_sim.iter().map(gil_sim).collect(),
        model: Pair::new(last.model.in_turn_s, last.model.gil_s),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let threads = group_thousands(figures.threads as u64);
    let what = format!(
        "{threads} threads wake at one event and each works about {} (CPython counted down {} \
         per thread, gil-sim {}).",
        format_seconds(figures.work_s),
        figures.cpython_iterations,
        figures.gil_sim_iterations
    );
    let row = Row::slowdowns(
        format!("{threads} threads: time against the work in turn"),
        &figures.cpython,
        &figures.gil_sim,
        figures.model,
    );
    rows_outcome(
        "stampede",
        "A stampede: CPython beside gil-sim",
        intro(&figures.python, "stampede.py", figures.turns, &what),
        vec![row],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(gil_sim_threads_s: f64) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            turns: 2,
            threads: 1_000,
            work_s: 0.0001,
            cpython_iterations: 2_000,
            gil_sim_iterations: 20_000,
            cpython: vec![Pair::new(0.1, 0.12); 2],
            gil_sim: vec![Pair::new(0.1, gil_sim_threads_s); 2],
            model: Pair::new(0.1, 0.11),
        }
    }

    #[test]
    fn the_row_is_the_stampedes_time_against_the_work_in_turn() {
        let outcome = report(&figures(0.125));
        let row = outcome
            .find_run("1,000 threads: time against the work in turn")
            .expect("the row");
        let cpython = row.get("CPython").and_then(|f| f.as_f64());
        assert!(
            cpython.is_some_and(|x| (x - 1.2).abs() < 1e-9),
            "{cpython:?}"
        );
        assert!(
            outcome.findings[0].contains("1 of 1"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn a_stampede_twice_as_slow_is_not_close() {
        let outcome = report(&figures(0.25));
        assert!(
            outcome.findings[0].contains("0 of 1"),
            "{:?}",
            outcome.findings
        );
    }
}
