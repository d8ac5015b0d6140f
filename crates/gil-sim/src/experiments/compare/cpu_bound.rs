//! `cpu-bound` beside `python/cpu_bound.py`: four countdowns on CPython's threads and on
//! gil-sim's GIL threads, each against one thread doing them in turn.

use lesson_kit::report::format_seconds;
use lesson_kit::{Outcome, SideBySide, TraceData, Twins};
use serde::{Deserialize, Serialize};

use super::{Pair, Row, in_turns, intro, once, rows_outcome};
use crate::experiments::{Settings, cpu_bound};

/// What `python/cpu_bound.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    iterations: u64,
    sequential_s: f64,
    threads_s: f64,
    /// One threaded run's spans, by lesson-kit's `python/lesson_spans.py`.
    trace: TraceData,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    /// How long each task lasts, on each side.
    pub task_s: f64,
    /// How far each side counted down to last that long.
    pub cpython_iterations: u64,
    pub gil_sim_iterations: u64,
    /// One thread doing the tasks in turn, then one thread each: a pair per turn.
    pub cpython: Vec<Pair>,
    pub gil_sim: Vec<Pair>,
    pub model: Pair,
    /// The last turn's threads on each side, CPython's and gil-sim's GIL threads.
    pub timelines: SideBySide,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let once = once(settings);
    let task = cpu_bound::task_length(&once);
    let args = [
        format!("--task-seconds={}", task.as_secs_f64()),
        format!("--tasks={}", cpu_bound::TASKS),
    ];
    let turns = in_turns::<Twin, _>(settings, twins, "cpu_bound.py", &args, || {
        cpu_bound::measure(&once)
    })?;
    let (Some(twin), Some(last)) = (turns.cpython.last(), turns.gil_sim.last()) else {
        anyhow::bail!("no turn ran");
    };
    let gil_sim = |f: &cpu_bound::Figures| Pair::new(f.sequential.wall_s(), f.gil.wall_s());
    Ok(Figures {
        python: twins.version.clone(),
        turns: turns.cpython.len(),
        task_s: task.as_secs_f64(),
        cpython_iterations: twin.iterations,
        gil_sim_iterations: last.iterations,
        cpython: (turns.cpython.iter())
            .map(|t| Pair::new(t.sequential_s, t.threads_s))
            .collect(),
        gil_sim: turns.gil_sim.iter().map(gil_sim).collect(),
        model: Pair::new(last.model.sequential_s, last.model.gil_s),
        timelines: SideBySide::new(
            twins.version.clone(),
            twin.trace.clone(),
            last.trace.snapshot(),
        ),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let what = format!(
        "each task lasts about {} on each side (CPython counted down {}, gil-sim {}).",
        format_seconds(figures.task_s),
        figures.cpython_iterations,
        figures.gil_sim_iterations
    );
    let row = Row::speedups(
        format!("{} threads, GIL: speedup", cpu_bound::TASKS),
        &figures.cpython,
        &figures.gil_sim,
        figures.model,
    );
    rows_outcome(
        "cpu-bound",
        "CPU-bound threads: CPython beside gil-sim",
        intro(&figures.python, "cpu_bound.py", figures.turns, &what),
        vec![row],
    )
    .side_by_side(figures.timelines.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(gil_sim_threads_s: f64) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            turns: 2,
            task_s: 0.04,
            cpython_iterations: 1_000_000,
            gil_sim_iterations: 9_000_000,
            cpython: vec![Pair::new(0.16, 0.17), Pair::new(0.16, 0.16)],
            gil_sim: vec![Pair::new(0.16, gil_sim_threads_s); 2],
            model: Pair::new(0.16, 0.165),
            timelines: SideBySide::new("Python 3.11.7", empty(), empty()),
        }
    }

    fn empty() -> TraceData {
        lesson_kit::Trace::new().snapshot()
    }

    #[test]
    fn one_row_of_speedups_with_the_model_beside_them() {
        let outcome = report(&figures(0.17));
        assert_eq!(outcome.id, "compare-cpu-bound");
        let row = outcome
            .find_run("4 threads, GIL: speedup")
            .expect("the row");
        assert!(row.get("model").is_some());
        assert!(outcome.side_by_side.is_some(), "both timelines kept");
        assert!(
            outcome.findings[0].contains("1 of 1"),
            "{:?}",
            outcome.findings
        );
        assert!(outcome.intro[0].contains("Python 3.11.7 ran python/cpu_bound.py"));
    }

    #[test]
    fn gil_threads_far_from_cpythons_are_not_close() {
        let outcome = report(&figures(0.08));
        assert!(
            outcome.findings[0].contains("0 of 1"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn a_twin_that_leaves_out_a_figure_is_an_error_naming_it() {
        let missing = serde_json::from_str::<Twin>(r#"{"iterations": 1, "threads_s": 1}"#);
        let error = missing.expect_err("sequential_s is missing").to_string();
        assert!(error.contains("sequential_s"), "{error}");
    }
}
