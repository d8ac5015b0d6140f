//! Experiment `computing`: four CPU-bound tasks on plain Rust threads, then as Python threads
//! under gil-sim's simulated GIL, then with the GIL switched off.
//!
//! Python twin: `python/computing.py`. Example file: `04_cpu_bound_threads.rs`.

use std::time::Duration;

use gil_sim::Mode;
use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{
    Claim, Figure, Measurement, Outcome, Run, Samples, Source, Timing, Trace, Verdict, alternate,
    stopwatch,
};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::compute::{self, Computed, TASKS};

/// One kind of thread, timed with one thread doing every task in turn and with one thread per
/// task, both running the same loop.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pair {
    pub one_thread: Timing,
    pub threads: Timing,
}

impl Pair {
    /// `one_thread / threads`, sample by sample: above 1, the threads were faster.
    pub fn speedup(&self) -> Samples {
        Samples::ratios(&self.one_thread.wall, &self.threads.wall)
    }
}

/// What `measure` found: typed, so that `report` and `compare` read fields, not table labels.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub tasks: usize,
    /// Countdown iterations per task, sized so that a task takes `task_s` on one core.
    pub iterations: u64,
    pub task_s: f64,
    /// Cores this process may use: the most any threads can gain.
    pub cores: usize,
    /// Plain Rust threads (no GIL) against one plain Rust thread.
    pub rust: Pair,
    /// Python threads under a CPython 3.12 GIL against one Python thread.
    pub gil: Pair,
    /// Python threads of a free-threaded build (no GIL) against one such thread.
    pub free_threaded: Pair,
    /// How many times the GIL changed hands in each run of the four GIL threads.
    pub gil_switches: Vec<u64>,
    /// A thread that computed something else than the loop on one thread, or panicked.
    pub wrong: Vec<String>,
    /// The last run of the Rust threads, then the last run of the GIL threads.
    pub trace: Trace,
}

/// One run of one variant.
struct Ran {
    computed: Computed,
    took: Measurement,
    trace: Trace,
}

fn ran(work: impl FnOnce(&Trace) -> Computed) -> Ran {
    let trace = Trace::new();
    let (computed, took) = stopwatch(|| work(&trace));
    Ran {
        computed,
        took,
        trace,
    }
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let task = settings.size(Duration::from_millis(40), Duration::from_secs(2));
    let n = compute::iterations_for(task);
    let (gil, free) = (Mode::Cpython312, Mode::FreeThreaded);
    let [rust_one, rust_many, gil_one, gil_many, free_one, free_many] = alternate(
        settings.repeat,
        [
            &mut || ran(|t| compute::in_turn(TASKS, n, t)),
            &mut || ran(|t| compute::on_rust_threads(TASKS, n, t)),
            &mut || ran(|t| compute::python_in_turn(gil, "GIL", TASKS, n, t)),
            &mut || ran(|t| compute::python_threads(gil, "GIL", TASKS, n, t)),
            &mut || ran(|t| compute::python_in_turn(free, "no GIL", TASKS, n, t)),
            &mut || ran(|t| compute::python_threads(free, "no GIL", TASKS, n, t)),
        ],
    );

    // Every run must have computed what the first plain loop did.
    let expected: Vec<_> = rust_one[0].computed.results.clone();
    let mut wrong = Vec::new();
    for (label, runs) in [
        ("Rust threads", &rust_many),
        ("GIL: one thread", &gil_one),
        ("GIL threads", &gil_many),
        ("no GIL: one thread", &free_one),
        ("no-GIL threads", &free_many),
    ] {
        for run in runs {
            wrong.extend(differences(label, &run.computed, &expected));
        }
    }
    wrong.dedup();

    Ok(Figures {
        tasks: TASKS,
        iterations: n,
        task_s: task.as_secs_f64(),
        cores: std::thread::available_parallelism().map_or(1, |c| c.get()),
        rust: pair(&rust_one, &rust_many),
        gil: pair(&gil_one, &gil_many),
        free_threaded: pair(&free_one, &free_many),
        gil_switches: gil_many.iter().map(|r| r.computed.switches).collect(),
        wrong,
        trace: side_by_side(rust_many.last(), gil_many.last()),
    })
}

fn pair(one: &[Ran], many: &[Ran]) -> Pair {
    let timing = |runs: &[Ran]| Timing::of(&runs.iter().map(|r| r.took).collect::<Vec<_>>());
    Pair {
        one_thread: timing(one),
        threads: timing(many),
    }
}

/// What a run computed that differs from the expected results, in words.
fn differences(
    label: &str,
    computed: &Computed,
    expected: &[Result<u64, crate::ThreadError>],
) -> Vec<String> {
    let pairs = computed.results.iter().zip(expected).enumerate();
    pairs
        .filter(|(_, (got, want))| got != want)
        .map(|(i, (got, _))| match got {
            Ok(value) => format!("{label}: task {} computed {value}, not the same", i + 1),
            Err(error) => format!("{label}: {error}"),
        })
        .collect()
}

/// One timeline: the Rust threads, then the GIL threads right after them.
fn side_by_side(rust: Option<&Ran>, gil: Option<&Ran>) -> Trace {
    let trace = Trace::new();
    let mut offset_s = 0.0;
    for run in [rust, gil].into_iter().flatten() {
        trace.absorb(&run.trace.snapshot(), offset_s);
        offset_s += run.took.wall.as_secs_f64();
    }
    trace
}

pub fn report(figures: &Figures) -> Outcome {
    let (n, cores) = (figures.tasks, figures.cores);
    let (rust, gil) = (figures.rust.speedup(), figures.gil.speedup());
    let outcome = Outcome::new(
        "computing",
        "Computing: the GIL lets one thread run at a time",
    )
    .intro(format!(
        "{n} tasks, each a countdown of {} steps of arithmetic (about {} on one core here).",
        lesson_kit::report::group_thousands(figures.iterations),
        format_seconds(figures.task_s)
    ))
    .intro(format!(
        "Three kinds of thread, each held against one thread of its own kind running the same \
             loop: plain Rust threads (no GIL); Python threads that must hold gil-sim's simulated \
             GIL to compute, as CPython 3.12's threads must; and Python threads with the GIL \
             switched off, like the free-threaded build (3.13t). {n} threads each time."
    ))
    .trace(figures.trace.clone());
    let outcome = all_rows(figures).into_iter().fold(outcome, Outcome::run);
    figures
        .wrong
        .iter()
        .fold(outcome, |outcome, wrong| outcome.problem(wrong.clone()))
        .finding(format!(
            "Plain Rust threads: {} than one Rust thread, on {cores} core(s).",
            faster_or_slower(rust.median())
        ))
        .finding(format!(
            "Under the GIL: {} than one Python thread running the same loop, with the GIL handed \
             from thread to thread {} times: while one thread computed, the others waited for \
             the lock.",
            faster_or_slower(gil.median()),
            switches(figures)
        ))
        .finding(format!(
            "The same Python threads with no GIL: {}.",
            faster_or_slower(figures.free_threaded.speedup().median())
        ))
        .claim(gil_claim(n, &gil))
        .claim(on_cores(cores, rust_claim(cores, &rust)))
        .claim(on_cores(cores, free_threaded_claim(figures)))
}

/// How many times the GIL changed hands, run by run.
fn switches(figures: &Figures) -> Samples {
    let switches = figures.gil_switches.iter().map(|&s| s as f64);
    Samples::new(lesson_kit::Unit::Count, switches)
}

/// Two rows per kind of thread; the GIL threads' row also counts the GIL's switches.
fn all_rows(figures: &Figures) -> Vec<Run> {
    let n = figures.tasks;
    let [rust_one, rust_many] = rows("Rust", n, &figures.rust);
    let [gil_one, gil_many] = rows("GIL", n, &figures.gil);
    let [free_one, free_many] = rows("no GIL", n, &figures.free_threaded);
    let gil_many = gil_many.figure("GIL switches", Figure::Spread(switches(figures)));
    vec![rust_one, rust_many, gil_one, gil_many, free_one, free_many]
}

/// The article's claim, on the simulated GIL: under 1.2× holds, under 1.5× holds in part.
fn gil_claim(n: usize, gil: &Samples) -> Claim {
    Claim::new(
        "CPU-bound work gains nothing from Python threads: four 2 s tasks still take about 8 s.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{n} Python threads under the GIL ran at {gil} the speed of one Python thread doing the \
         {n} tasks in turn."
    ))
    .judge(gil, |x| match x {
        x if x < 1.2 => Verdict::Holds,
        x if x < 1.5 => Verdict::Partly,
        _ => Verdict::DoesNotHold,
    })
}

/// "Use processes" holds only in part where plain threads computed in parallel (1.2× or more).
fn rust_claim(cores: usize, rust: &Samples) -> Claim {
    Claim::new(
        "Threads are the wrong tool for computing: use processes.",
        Source::ARTICLE,
    )
    .measured(format!(
        "True under a GIL; plain Rust threads ran at {rust} the speed of one Rust thread on \
         {cores} cores. The limit is the lock, not threads."
    ))
    .judge(rust, |x| {
        if x < 1.2 {
            Verdict::Holds
        } else {
            Verdict::Partly
        }
    })
}

/// PEP 703's promise: 1.5× or more holds, 1.2× holds in part.
fn free_threaded_claim(figures: &Figures) -> Claim {
    let (n, free) = (figures.tasks, figures.free_threaded.speedup());
    Claim::new(
        "Without the GIL (the free-threaded build), Python threads compute in parallel.",
        Source::link("PEP 703", "https://peps.python.org/pep-0703/"),
    )
    .measured(format!(
        "{n} Python threads with the GIL switched off ran at {free} the speed of one."
    ))
    .judge(&free, |x| match x {
        x if x >= 1.5 => Verdict::Holds,
        x if x >= 1.2 => Verdict::Partly,
        _ => Verdict::DoesNotHold,
    })
}

/// A claim about running in parallel says nothing on one core: `unclear` there, with the reason.
fn on_cores(cores: usize, mut claim: Claim) -> Claim {
    if cores < 2 {
        claim.verdict = Verdict::Unclear;
        claim.reason =
            Some("this machine gives the lesson one core: nothing can run in parallel".into());
    }
    claim
}

/// The two rows of one kind of thread; the threads' row carries their speedup over one thread.
fn rows(label: &str, tasks: usize, pair: &Pair) -> [Run; 2] {
    let one = Run::timed(format!("{label}: one thread"), &pair.one_thread);
    let mut many = Run::timed(format!("{label}: {tasks} threads"), &pair.threads);
    many.speedup = Some(pair.speedup());
    [one, many]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(one_ms: &[u64], threads_ms: &[u64]) -> Pair {
        let timing = |ms: &[u64]| Timing::wall_seconds(ms.iter().map(|&m| m as f64 / 1000.0));
        Pair {
            one_thread: timing(one_ms),
            threads: timing(threads_ms),
        }
    }

    fn figures(gil: Pair) -> Figures {
        Figures {
            tasks: 4,
            iterations: 1_000_000,
            task_s: 0.04,
            cores: 2,
            rust: pair(&[160, 161, 159], &[81, 82, 80]),
            gil,
            free_threaded: pair(&[162, 161, 160], &[83, 84, 82]),
            gil_switches: vec![30, 32, 31],
            wrong: Vec::new(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn threads_that_take_turns_hold_the_article_and_free_threads_hold_pep_703() {
        let outcome = report(&figures(pair(&[160, 162, 161], &[163, 165, 170])));
        assert_eq!(
            verdicts(&outcome),
            [Verdict::Holds, Verdict::Partly, Verdict::Holds]
        );
        assert!(outcome.problems.is_empty());
        let gil_threads = outcome.find_run("GIL: 4 threads").expect("a GIL row");
        assert!(
            gil_threads
                .speedup
                .as_ref()
                .is_some_and(|s| s.median() < 1.0)
        );
        assert!(gil_threads.get("GIL switches").is_some());
    }

    #[test]
    fn gil_threads_that_ran_in_parallel_do_not_hold_the_article() {
        let outcome = report(&figures(pair(&[160, 160, 160], &[80, 81, 82])));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn the_thresholds_between_holds_partly_and_does_not_hold() {
        // 1.19× holds, 1.25× holds in part, 1.5× does not hold.
        let at = |ratio: f64| {
            let one = (1000.0 * ratio).round() as u64;
            report(&figures(pair(&[one], &[1000]))).claims[0].verdict
        };
        assert_eq!(at(1.19), Verdict::Holds);
        assert_eq!(at(1.25), Verdict::Partly);
        assert_eq!(at(1.5), Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        // One run 1.0×, one 1.6×: the samples disagree.
        let outcome = report(&figures(pair(&[160, 160], &[160, 100])));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
        let reason = outcome.claims[0].reason.as_deref().unwrap_or_default();
        assert!(reason.contains("disagreed"), "{reason}");
    }

    #[test]
    fn one_core_leaves_the_parallel_claims_unclear() {
        let mut figures = figures(pair(&[160], &[161]));
        figures.cores = 1;
        let outcome = report(&figures);
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
        assert_eq!(outcome.claims[2].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_wrong_result_is_a_problem() {
        let mut figures = figures(pair(&[160], &[161]));
        figures.wrong = vec!["GIL threads: task 2 computed 7, not the same".into()];
        assert_eq!(report(&figures).problems.len(), 1);
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures(pair(&[160, 162, 161], &[163, 165, 170])))
            .on_busy_machine("load 4.0 on 2 cores");
        assert!(verdicts(&outcome).iter().all(|v| *v == Verdict::Unclear));
        assert!(outcome.busy.is_some());
    }

    #[test]
    fn plain_threads_that_compute_in_parallel_hold_use_processes_only_in_part() {
        let at = |one_ms: u64| rust_claim(2, &pair(&[one_ms], &[1000]).speedup()).verdict;
        assert_eq!(at(1190), Verdict::Holds);
        assert_eq!(at(1210), Verdict::Partly);
    }

    #[test]
    fn free_threads_hold_pep_703_from_one_and_a_half_times() {
        let at = |one_ms: u64| {
            let mut figures = figures(pair(&[160], &[161]));
            figures.free_threaded = pair(&[one_ms], &[1000]);
            free_threaded_claim(&figures).verdict
        };
        assert_eq!(at(1190), Verdict::DoesNotHold);
        assert_eq!(at(1210), Verdict::Partly);
        assert_eq!(at(1500), Verdict::Holds);
    }
}
