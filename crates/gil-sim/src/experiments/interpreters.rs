//! Experiment `interpreters`: one interpreter per thread, each with its own GIL (PEP 684, CPython
//! 3.12), as Python 3.14 offers them with `concurrent.interpreters` and
//! `concurrent.futures.InterpreterPoolExecutor`. CPU-bound work then scales inside one process;
//! but interpreters share no objects, so what one sends another is copied (serialised, then
//! rebuilt), never shared. The experiment measures both sides of that bargain.
//!
//! No Python twin: CPython 3.14 is the first with `concurrent.interpreters`. Example:
//! `examples/10_interpreter_pool.rs`.

use std::thread;
use std::time::Duration;

use lesson_kit::report::{faster_or_slower, format_bytes, format_seconds, group_thousands};
use lesson_kit::{
    Claim, Figure, Measurement, Outcome, Run, Samples, Timing, Verdict, alternate, stopwatch,
};
use serde::Serialize;

use super::cpu_bound::parallel_verdict;
use super::sources::{PEP_684, PEP_734};
use super::{LessonError, MODEL_COLUMN, ModelCosts, Settings, countdown_threads, model_note};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Interpreter, Mode, Python, work};

/// How many tasks, and workers: `InterpreterPoolExecutor(max_workers=4)`.
pub const WORKERS: usize = 4;

/// How long one task's countdown lasts: 25 ms by default, 0.5 s with `--full`.
pub fn task_length(settings: &Settings) -> Duration {
    settings.size(Duration::from_millis(25), Duration::from_millis(500))
}

/// How many numbers the list sent to an interpreter holds: 100,000, or a million with `--full`.
pub fn payload_items(settings: &Settings) -> usize {
    settings.size(100_000, 1_000_000)
}

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub workers: usize,
    /// Iterations of each task's countdown.
    pub iterations: u64,
    /// One thread runs the tasks in turn.
    pub sequential: Timing,
    /// One thread per task, all in one interpreter: one GIL.
    pub one_interpreter: Timing,
    /// One thread per task, each in an interpreter of its own: one GIL each.
    pub own_interpreters: Timing,
    /// The list sent to an interpreter: how many numbers, and its size once serialised.
    pub payload_items: usize,
    pub payload_bytes: u64,
    /// Sending it: serialising it, and rebuilding it on the other side.
    pub crossing: Timing,
    pub model: Predictions,
    pub costs: ModelCosts,
}

/// The model's predictions, in virtual seconds.
#[derive(Debug, Serialize)]
pub struct Predictions {
    pub sequential_s: f64,
    pub one_interpreter_s: f64,
    pub own_interpreters_s: f64,
}

/// `InterpreterPoolExecutor(max_workers=tasks).map(countdown, [n] * tasks)`: one thread per task,
/// each running it in an interpreter of its own (`concurrent.interpreters.create()`), so each
/// holds its own GIL and none waits for another's.
pub fn in_own_interpreters(tasks: usize, n: u64) -> Measurement {
    let ((), measurement) = stopwatch(|| {
        thread::scope(|scope| {
            for i in 0..tasks {
                scope.spawn(move || {
                    let interp = Interpreter::new(Mode::Cpython312);
                    Python::attach(&interp, &format!("interpreter {}", i + 1), |py| {
                        std::hint::black_box(work::countdown(py, n));
                    });
                });
            }
        });
    });
    measurement
}

/// What sending `list` to another interpreter costs: objects cannot cross, so it is serialised
/// (CPython pickles it; JSON stands in for pickle here) and rebuilt on the other side. Returns
/// the serialised size and the rebuilt list.
pub fn send_to_interpreter(list: &[u64]) -> (usize, Vec<u64>) {
    // Neither can fail: a list of integers always serialises, and its own bytes parse back.
    let bytes = serde_json::to_vec(list).unwrap_or_default();
    let rebuilt = serde_json::from_slice(&bytes).unwrap_or_default();
    (bytes.len(), rebuilt)
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let config = &settings.lesson.model;
    let n = config.checkpoints_in(task_length(settings));
    let interval = DEFAULT_SWITCH_INTERVAL;
    let list: Vec<u64> = (0..payload_items(settings) as u64).collect();
    let mut payload_bytes = 0;
    let [sequential, one, own, crossing] = alternate(
        settings.repeat,
        [
            &mut || {
                countdown_threads(Mode::Cpython312, interval, 1, n * WORKERS as u64).measurement
            },
            &mut || countdown_threads(Mode::Cpython312, interval, WORKERS, n).measurement,
            &mut || in_own_interpreters(WORKERS, n),
            &mut || {
                let ((bytes, rebuilt), measurement) = stopwatch(|| send_to_interpreter(&list));
                payload_bytes = bytes as u64;
                std::hint::black_box(rebuilt);
                measurement
            },
        ],
    );
    let threads = vec![ThreadSpec::cpu(n); WORKERS];
    let predict = |mode: Mode, threads: &[ThreadSpec]| {
        model::simulate(&config.with_mode(mode), threads)
            .total
            .as_secs_f64()
    };
    Ok(Figures {
        workers: WORKERS,
        iterations: n,
        sequential: Timing::of(&sequential),
        one_interpreter: Timing::of(&one),
        own_interpreters: Timing::of(&own),
        payload_items: list.len(),
        payload_bytes,
        crossing: Timing::of(&crossing),
        model: Predictions {
            sequential_s: predict(Mode::Cpython312, &[ThreadSpec::cpu(n * WORKERS as u64)]),
            one_interpreter_s: predict(Mode::Cpython312, &threads),
            own_interpreters_s: predict(Mode::PerInterpreter, &threads),
        },
        costs: ModelCosts::of(config),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let w = figures.workers;
    let shared = Samples::ratios(&figures.sequential.wall, &figures.one_interpreter.wall);
    let own = Samples::ratios(&figures.sequential.wall, &figures.own_interpreters.wall);
    let [sequential, one_interpreter, own_interpreters, crossing] = runs(figures);
    Outcome::new(
        "interpreters",
        "One GIL per interpreter: parallel, but nothing shared",
    )
    .intro(format!(
        "{w} tasks of countdown({}): in turn on one thread; on {w} threads of one interpreter \
         (one GIL); and on {w} threads each in an interpreter of its own, as \
         `InterpreterPoolExecutor(max_workers={w})` runs them in Python 3.14.",
        figures.iterations
    ))
    .intro(format!(
        "Then the price: interpreters share no objects, so a list of {} numbers sent to one is \
         serialised and rebuilt (CPython pickles it; JSON stands in for pickle here).",
        group_thousands(figures.payload_items as u64)
    ))
    .intro(model_note(&figures.costs))
    .run(sequential)
    .run(one_interpreter)
    .run(own_interpreters)
    .speedups_against("sequential")
    .run(crossing)
    .finding(format!(
        "Threads of one interpreter were {} than the loop ({shared}); interpreters with a GIL \
         each were {} ({own}) on {} cores.",
        faster_or_slower(shared.median()),
        faster_or_slower(own.median()),
        figures.costs.cores,
    ))
    .finding(crossing_finding(figures))
    .claim(parallel_claim(figures, &own, &shared))
    .claim(copied_claim(figures))
}

/// The table: the three ways to run the tasks, the model beside them, then the price of a send.
fn runs(figures: &Figures) -> [Run; 4] {
    let (w, model) = (figures.workers, &figures.model);
    let with_model = |run: Run, s: f64| run.figure(MODEL_COLUMN, Figure::Seconds(s));
    [
        with_model(
            Run::timed("sequential", &figures.sequential),
            model.sequential_s,
        ),
        with_model(
            Run::timed(
                format!("{w} threads, one interpreter"),
                &figures.one_interpreter,
            ),
            model.one_interpreter_s,
        ),
        with_model(
            Run::timed(
                format!("{w} interpreters, a GIL each"),
                &figures.own_interpreters,
            ),
            model.own_interpreters_s,
        ),
        Run::timed("send a list to an interpreter", &figures.crossing)
            .figure("numbers", Figure::Count(figures.payload_items as u64))
            .figure("bytes copied", Figure::Bytes(figures.payload_bytes)),
    ]
}

fn crossing_finding(figures: &Figures) -> String {
    let send_s = figures.crossing.wall_s();
    let per_item = send_s / figures.payload_items.max(1) as f64;
    let task_s = figures.sequential.wall_s() / figures.workers as f64;
    format!(
        "Sending {} numbers to another interpreter cost {} ({} per number, {} copied); threads \
         of one interpreter pass the same list by reference, for nothing. At this size one send \
         costs {:.0} % of a task's {}: worth it for work that is long beside its data, not for \
         work that is short.",
        group_thousands(figures.payload_items as u64),
        format_seconds(send_s),
        format_seconds(per_item),
        format_bytes(figures.payload_bytes),
        100.0 * send_s / task_s.max(1e-12),
        format_seconds(task_s),
    )
}

fn parallel_claim(figures: &Figures, own: &Samples, shared: &Samples) -> Claim {
    let (w, cores) = (figures.workers, figures.costs.cores);
    Claim::new(
        "With a GIL per interpreter, interpreters in one process run Python code in parallel.",
        PEP_684,
    )
    .measured(format!(
        "{w} interpreters: {own} the sequential speed on {cores} cores ({w} threads of one \
         interpreter: {shared})."
    ))
    .judge(own, |x| parallel_verdict(x, cores, w))
}

fn copied_claim(figures: &Figures) -> Claim {
    Claim::new(
        "Interpreters do not share ordinary objects: a list sent from one to another is copied \
         (pickled), not shared.",
        PEP_734,
    )
    .measured(format!(
        "{} sent to an interpreter were {} copied, and took {} to serialise and rebuild.",
        group_thousands(figures.payload_items as u64),
        format_bytes(figures.payload_bytes),
        format_seconds(figures.crossing.wall_s()),
    ))
    .verdict(if figures.payload_bytes > 0 {
        Verdict::Holds
    } else {
        Verdict::Unclear
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lesson_kit::Verdict;

    fn figures(own: &[f64]) -> Figures {
        Figures {
            workers: WORKERS,
            iterations: 500_000,
            sequential: Timing::wall_seconds([0.100, 0.101, 0.099]),
            one_interpreter: Timing::wall_seconds([0.101, 0.102, 0.100]),
            own_interpreters: Timing::wall_seconds(own.iter().copied()),
            payload_items: 100_000,
            payload_bytes: 588_891,
            crossing: Timing::wall_seconds([0.004, 0.005, 0.004]),
            model: Predictions {
                sequential_s: 0.1,
                one_interpreter_s: 0.1,
                own_interpreters_s: 0.05,
            },
            costs: ModelCosts::example(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn interpreters_that_scale_hold_both_claims() {
        let outcome = report(&figures(&[0.051, 0.052, 0.050]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
    }

    #[test]
    fn interpreters_that_do_not_scale_do_not_hold() {
        let outcome = report(&figures(&[0.100, 0.101, 0.100]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(&[0.051, 0.100]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_busy_machine_leaves_the_copy_and_not_the_timing() {
        let outcome = report(&figures(&[0.051; 3])).on_busy_machine("load 4.0");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Holds]);
    }

    #[test]
    fn a_sent_list_arrives_whole_as_a_copy() {
        let list: Vec<u64> = (0..1_000).collect();
        let (bytes, rebuilt) = send_to_interpreter(&list);
        assert_eq!(rebuilt, list);
        assert!(bytes > list.len());
    }
}
