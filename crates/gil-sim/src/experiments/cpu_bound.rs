//! Experiment `cpu-bound`: four CPU-bound tasks, one after another on one Python thread, then on
//! four threads under CPython 3.12's GIL, then on four threads with no GIL at all: the ideal a
//! free-threaded build aims at, without the costs a real one pays.
//!
//! Python twin: `python/cpu_bound.py`. Example: `examples/02_cpu_threads_under_gil.rs`.

use std::time::Duration;

use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Source, Timing, Trace, Verdict, alternate};
use serde::Serialize;

use super::sources::{FREE_THREADING_HOWTO_313, PEP_703, PEP_779, WHATS_NEW_314};
use super::{
    LessonError, MODEL_COLUMN, ModelCosts, Settings, countdown_threads, last_trace, model_note,
    published, python_threads, switches, timing,
};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode, work};

/// How many tasks, and threads.
pub const TASKS: usize = 4;

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub tasks: usize,
    /// Iterations of each task's countdown.
    pub iterations: u64,
    /// The model's costs on this machine, its core count included.
    pub costs: ModelCosts,
    pub sequential: Timing,
    pub gil: Timing,
    pub no_gil: Timing,
    /// How many times the GIL changed hands in each GIL run.
    pub gil_switches: Samples,
    pub model: Predictions,
    /// The timeline of the last GIL run.
    pub trace: Trace,
}

/// The model's predictions for the same three runs, in virtual seconds.
#[derive(Debug, Serialize)]
pub struct Predictions {
    pub sequential_s: f64,
    pub gil_s: f64,
    pub no_gil_s: f64,
    pub gil_switches: u64,
}

/// How long one task's countdown lasts: 25 ms by default, the article's 2 s with `--full`.
pub fn task_length(settings: &Settings) -> Duration {
    settings.size(Duration::from_millis(25), Duration::from_secs(2))
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let config = &settings.lesson.model;
    let n = config.checkpoints_in(task_length(settings));
    let interval = DEFAULT_SWITCH_INTERVAL;
    let [sequential, gil, no_gil] = alternate(
        settings.repeat,
        [
            // One Python thread runs the four tasks in turn: the same loop, the same checkpoints.
            &mut || {
                python_threads(Mode::Cpython312, interval, 1, |py, _| {
                    for _ in 0..TASKS {
                        std::hint::black_box(work::countdown(py, n));
                    }
                })
            },
            &mut || countdown_threads(Mode::Cpython312, interval, TASKS, n),
            &mut || countdown_threads(Mode::FreeThreaded, interval, TASKS, n),
        ],
    );
    let threads = vec![ThreadSpec::cpu(n); TASKS];
    let predicted_gil = model::simulate(config, &threads);
    Ok(Figures {
        tasks: TASKS,
        iterations: n,
        costs: ModelCosts::of(config),
        sequential: timing(&sequential),
        gil: timing(&gil),
        no_gil: timing(&no_gil),
        gil_switches: switches(&gil),
        model: Predictions {
            sequential_s: model::simulate(config, &[ThreadSpec::cpu(n * TASKS as u64)])
                .total
                .as_secs_f64(),
            gil_s: predicted_gil.total.as_secs_f64(),
            no_gil_s: model::simulate(&config.with_mode(Mode::FreeThreaded), &threads)
                .total
                .as_secs_f64(),
            gil_switches: predicted_gil.switches,
        },
        trace: last_trace(&gil),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let tasks = figures.tasks;
    let gil_speedup = Samples::ratios(&figures.sequential.wall, &figures.gil.wall);
    let ideal_speedup = Samples::ratios(&figures.sequential.wall, &figures.no_gil.wall);
    let [sequential, gil, no_gil] = runs(figures);
    Outcome::new("cpu-bound", "CPU-bound threads take turns under the GIL")
        .intro(format!(
            "Each task is countdown({}): an interpreted loop with a checkpoint at every \
             iteration, as CPython's loop has at every backward jump.",
            figures.iterations
        ))
        .intro(format!(
            "One Python thread runs the {tasks} tasks in turn; then {tasks} threads run one each \
             under CPython 3.12's GIL; then {tasks} threads with no GIL at all. That last row is \
             the ideal, not a real free-threaded build: no lock and no cost."
        ))
        .intro(model_note(&figures.costs))
        .run(sequential)
        .run(gil)
        .run(no_gil)
        .speedups_against("sequential")
        .trace(figures.trace.clone())
        .finding(gil_finding(figures, &gil_speedup))
        .finding(ideal_finding(figures, &ideal_speedup))
        .finding(free_threaded_costs(&ideal_speedup))
        .finding(published::versus(
            &published::CPU_BOUND,
            gil_speedup.median(),
        ))
        .claim(gil_claim(tasks, &gil_speedup))
        .claim(no_gil_claim(figures, &ideal_speedup))
}

/// The table: sequential, the threads under the GIL, the threads with none; the model beside.
fn runs(figures: &Figures) -> [Run; 3] {
    let tasks = figures.tasks;
    let model = &figures.model;
    [
        Run::timed("sequential", &figures.sequential)
            .figure(MODEL_COLUMN, Figure::Seconds(model.sequential_s)),
        Run::timed(format!("{tasks} threads, GIL"), &figures.gil)
            .figure("switches", Figure::Spread(figures.gil_switches.clone()))
            .figure(MODEL_COLUMN, Figure::Seconds(model.gil_s))
            .figure("model switches", Figure::Count(model.gil_switches)),
        Run::timed(
            format!("{tasks} threads, no GIL (the ideal)"),
            &figures.no_gil,
        )
        .figure(MODEL_COLUMN, Figure::Seconds(model.no_gil_s)),
    ]
}

fn gil_finding(figures: &Figures, gil_speedup: &Samples) -> String {
    format!(
        "Under the GIL, {} threads were {} than one thread doing all the work ({gil_speedup} the \
         speed); the GIL changed hands {} times, about once every {} (the switch interval is \
         {}).",
        figures.tasks,
        faster_or_slower(gil_speedup.median()),
        figures.gil_switches,
        format_seconds(figures.gil.wall_s() / figures.gil_switches.median().max(1.0)),
        format_seconds(DEFAULT_SWITCH_INTERVAL.as_secs_f64()),
    )
}

fn ideal_finding(figures: &Figures, ideal_speedup: &Samples) -> String {
    format!(
        "With no GIL the same threads were {} ({ideal_speedup}); on {} cores no more than {}× is \
         possible.",
        faster_or_slower(ideal_speedup.median()),
        figures.costs.cores,
        figures.costs.cores.min(figures.tasks),
    )
}

fn gil_claim(tasks: usize, gil_speedup: &Samples) -> Claim {
    Claim::new(
        "Threads do not speed up CPU-bound Python: the GIL lets one thread run at a time, so the \
         threads take as long as running the work sequentially.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{tasks} threads under the GIL: {gil_speedup} the sequential speed."
    ))
    .judge(gil_speedup, |x| {
        if x < 1.2 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

fn no_gil_claim(figures: &Figures, ideal_speedup: &Samples) -> Claim {
    let (tasks, cores) = (figures.tasks, figures.costs.cores);
    Claim::new(
        "Without the GIL, threads run Python code in parallel on every core.",
        PEP_703,
    )
    .measured(format!(
        "{tasks} threads with no GIL: {ideal_speedup} the sequential speed on {cores} cores (the \
         ideal, without a free-threaded build's own costs)."
    ))
    .judge(ideal_speedup, |x| parallel_verdict(x, cores, tasks))
}

/// Whether a speedup of `x` is parallel running: at least 3/4 of what the cores allow holds, under
/// 1.1× does not (when two cores or more were there to use), anything between holds in part.
pub fn parallel_verdict(x: f64, cores: usize, tasks: usize) -> Verdict {
    let best = cores.min(tasks).max(1) as f64;
    if x >= 0.75 * best {
        Verdict::Holds
    } else if x < 1.1 && best >= 2.0 {
        Verdict::DoesNotHold
    } else {
        Verdict::Partly
    }
}

/// What real free-threaded builds cost, with their sources, applied to the ideal speedup.
fn free_threaded_costs(ideal: &Samples) -> String {
    let x = ideal.median();
    format!(
        "Real free-threaded builds pay for their own locking: CPython 3.13t runs single-threaded \
         Python about 40 % slower ({}), 3.14t about 5–10 % ({}; supported, not experimental, \
         since {}). At those costs this {x:.2}× would be about {:.2}× on 3.13t and {:.2}–{:.2}× \
         on 3.14t. And importing an extension module that does not declare free-threading \
         support (the Py_mod_gil slot) turns the GIL back on for the whole process ({}).",
        FREE_THREADING_HOWTO_313.name,
        WHATS_NEW_314.name,
        PEP_779.name,
        x / 1.4,
        x / 1.10,
        x / 1.05,
        FREE_THREADING_HOWTO_313.name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(sequential: &[f64], gil: &[f64], no_gil: &[f64]) -> Figures {
        Figures {
            tasks: TASKS,
            iterations: 500_000,
            costs: ModelCosts::example(),
            sequential: Timing::wall_seconds(sequential.iter().copied()),
            gil: Timing::wall_seconds(gil.iter().copied()),
            no_gil: Timing::wall_seconds(no_gil.iter().copied()),
            gil_switches: Samples::new(lesson_kit::Unit::Count, [20.0, 21.0, 19.0]),
            model: Predictions {
                sequential_s: 0.1,
                gil_s: 0.1,
                no_gil_s: 0.05,
                gil_switches: 20,
            },
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn threads_that_take_turns_hold_the_article_and_the_ideal_scales() {
        let outcome = report(&figures(
            &[0.10, 0.10, 0.11],
            &[0.10, 0.11, 0.10],
            &[0.05, 0.05, 0.06],
        ));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.find_run("4 threads, no GIL (the ideal)").is_some());
    }

    #[test]
    fn threads_that_ran_in_parallel_do_not_hold_the_article() {
        let outcome = report(&figures(&[0.10; 3], &[0.05; 3], &[0.05; 3]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn the_thresholds() {
        assert_eq!(parallel_verdict(1.5, 2, 4), Verdict::Holds);
        assert_eq!(parallel_verdict(1.3, 2, 4), Verdict::Partly);
        assert_eq!(parallel_verdict(1.0, 2, 4), Verdict::DoesNotHold);
        // One core: nothing to run in parallel on, so 1× is all there is.
        assert_eq!(parallel_verdict(0.95, 1, 4), Verdict::Holds);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        // 1.2× is the line: one run under it, one over.
        let outcome = report(&figures(&[0.10, 0.10], &[0.10, 0.07], &[0.05, 0.05]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
        let reason = outcome.claims[0].reason.as_deref().unwrap_or_default();
        assert!(reason.contains("disagreed"), "{reason}");
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures(&[0.1; 3], &[0.1; 3], &[0.05; 3]))
            .on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }

    #[test]
    fn the_free_threaded_costs_are_sourced_and_computed_from_the_figures() {
        let outcome = report(&figures(&[0.1; 3], &[0.1; 3], &[0.05; 3]));
        let costs = outcome
            .findings
            .iter()
            .find(|f| f.contains("3.13t"))
            .expect("a finding on real free-threaded builds");
        assert!(
            costs.contains("2.00×") && costs.contains("1.43×"),
            "{costs}"
        );
        assert!(
            costs.contains("PEP 779") && costs.contains("Py_mod_gil"),
            "{costs}"
        );
    }
}
