//! `computing` beside `python/computing.py`: four countdowns on CPython's threads, on gil-sim's
//! GIL threads and on plain Rust threads, each against one thread of its own kind.

use std::time::Duration;

use anyhow::Context as _;
use gil_sim::Mode;
use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{
    Claim, Outcome, Run, Source, Timing, Trace, Twins, Verdict, Versus, alternate, stopwatch,
};
use serde::{Deserialize, Serialize};

use crate::compute::{self, TASKS};
use crate::experiments::Settings;
use crate::experiments::computing::Pair;

/// What `python/computing.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    sequential_s: f64,
    sequential_cpu_s: f64,
    threaded_s: f64,
    threaded_cpu_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub tasks: usize,
    /// What each language sized one task to take on one core.
    pub task_s: f64,
    pub cpython: Pair,
    /// gil-sim: one Python thread, then four, under the simulated GIL.
    pub gil_sim: Pair,
    /// Plain Rust: one thread, then four.
    pub rust: Pair,
}

type Seconds = (f64, Option<f64>);

/// One round of one language: (one thread, one thread per task) for each kind of thread it ran.
type Round = Vec<[Seconds; 2]>;

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let task = settings.size(Duration::from_millis(40), Duration::from_secs(2));
    let n = compute::iterations_for(task);
    let args = [
        format!("--tasks={TASKS}"),
        format!("--target-ms={}", task.as_millis()),
    ];
    // The twin times its two variants in one run; which goes first changes every round, so that
    // neither always pays for a cold start.
    let mut round = 0;
    let mut python = || -> anyhow::Result<Round> {
        round += 1;
        let mut args = args.to_vec();
        if round % 2 == 0 {
            args.push("--threaded-first".into());
        }
        let twin: Twin = twins.run("computing.py", &args)?;
        Ok(vec![[
            (twin.sequential_s, Some(twin.sequential_cpu_s)),
            (twin.threaded_s, Some(twin.threaded_cpu_s)),
        ]])
    };
    let timed =
        |work: &dyn Fn(&Trace) -> compute::Computed| stopwatch(|| work(&Trace::new())).1.seconds();
    let gil = Mode::Cpython312;
    let rust = || -> anyhow::Result<Round> {
        Ok(vec![
            [
                timed(&|t| compute::python_in_turn(gil, "GIL", TASKS, n, t)),
                timed(&|t| compute::python_threads(gil, "GIL", TASKS, n, t)),
            ],
            [
                timed(&|t| compute::in_turn(TASKS, n, t)),
                timed(&|t| compute::on_rust_threads(TASKS, n, t)),
            ],
        ])
    };
    let [cpython, rust] = alternate(settings.repeat, [&mut python, &mut || rust()]);
    let cpython: Vec<Round> = cpython
        .into_iter()
        .collect::<anyhow::Result<_>>()
        .context("python/computing.py")?;
    let rust: Vec<Round> = rust.into_iter().collect::<anyhow::Result<_>>()?;
    Ok(Figures {
        python: twins.version.clone(),
        tasks: TASKS,
        task_s: task.as_secs_f64(),
        cpython: pair(&cpython, 0),
        gil_sim: pair(&rust, 0),
        rust: pair(&rust, 1),
    })
}

/// The `kind`-th pair of every round, as timings.
fn pair(rounds: &[Round], kind: usize) -> Pair {
    let timing_of = |which: usize| {
        let runs: Vec<Seconds> = rounds.iter().map(|round| round[kind][which]).collect();
        Timing::from_seconds(runs.iter().map(|r| r.0), runs.iter().map(|r| r.1))
    };
    Pair {
        one_thread: timing_of(0),
        threads: timing_of(1),
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let n = figures.tasks;
    let cpython = figures.cpython.speedup();
    let gil_sim = figures.gil_sim.speedup();
    let rust = figures.rust.speedup();
    let mut outcome =
        Outcome::new("compare-computing", "Computing: CPython beside Rust").intro(format!(
            "{n} countdowns of about {} each (each language sizes its own to that), one thread \
             doing them in turn and then one thread each; {} runs python/computing.py, in turns \
             with gil-sim's GIL threads and plain Rust threads.",
            format_seconds(figures.task_s),
            figures.python
        ));
    for (label, pair) in [
        ("CPython", &figures.cpython),
        ("gil-sim, GIL", &figures.gil_sim),
        ("Rust", &figures.rust),
    ] {
        let mut many = Run::timed(format!("{label}: {n} threads"), &pair.threads);
        many.speedup = Some(pair.speedup());
        outcome = outcome
            .run(Run::timed(format!("{label}: one thread"), &pair.one_thread))
            .run(many);
    }
    versus(figures)
        .into_iter()
        .fold(outcome, Outcome::versus)
        .finding(format!(
            "CPython's threads: {} than one CPython thread; gil-sim's GIL threads: {}; plain \
             Rust threads: {}.",
            faster_or_slower(cpython.median()),
            faster_or_slower(gil_sim.median()),
            faster_or_slower(rust.median())
        ))
        .claim(
            Claim::new(
                "CPU-bound work gains nothing from Python threads: four 2 s tasks still take \
                 about 8 s.",
                Source::ARTICLE,
            )
            .measured(format!(
                "{} ran {n} threads at {cpython} the speed of one thread doing the {n} tasks.",
                figures.python
            ))
            .judge(&cpython, |x| match x {
                x if x < 1.2 => Verdict::Holds,
                x if x < 1.5 => Verdict::Partly,
                _ => Verdict::DoesNotHold,
            }),
        )
}

/// The speedups again, typed, for the workspace's table: each side sized its own tasks, so the
/// speedup, not the seconds, is the figure to hold side by side.
fn versus(figures: &Figures) -> [Versus; 2] {
    let n = figures.tasks;
    let cpython = figures.cpython.speedup();
    [
        Versus::new(
            "computing",
            format!("{n} threads' speedup over one (Rust: plain threads)"),
            &cpython,
            &figures.rust.speedup(),
        ),
        Versus::new(
            "computing",
            format!("{n} threads' speedup over one (Rust: gil-sim's GIL)"),
            &cpython,
            &figures.gil_sim.speedup(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(one: &[f64], many: &[f64]) -> Pair {
        Pair {
            one_thread: Timing::wall_seconds(one.iter().copied()),
            threads: Timing::wall_seconds(many.iter().copied()),
        }
    }

    fn figures(cpython: Pair) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            tasks: 4,
            task_s: 0.04,
            cpython,
            gil_sim: pair(&[0.16, 0.16], &[0.17, 0.17]),
            rust: pair(&[0.16, 0.16], &[0.08, 0.08]),
        }
    }

    #[test]
    fn cpython_threads_that_take_turns_hold_the_article() {
        let outcome = report(&figures(pair(&[0.16, 0.17, 0.16], &[0.17, 0.18, 0.16])));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(outcome.runs.len(), 6);
        let plain = &outcome.versus[0];
        assert!(plain.timed.contains("plain threads"), "{}", plain.timed);
        assert_eq!(plain.rust.values, [2.0, 2.0], "plain Rust's speedup");
        assert_eq!(outcome.versus[1].rust.values.len(), 2, "gil-sim's");
    }

    #[test]
    fn thresholds_and_a_straddling_spread() {
        let at = |one: f64, many: f64| report(&figures(pair(&[one], &[many]))).claims[0].verdict;
        assert_eq!(at(1.0, 0.85), Verdict::Holds);
        assert_eq!(at(1.0, 0.75), Verdict::Partly);
        assert_eq!(at(1.0, 0.5), Verdict::DoesNotHold);
        let straddling = report(&figures(pair(&[1.0, 1.0], &[1.0, 0.5])));
        assert_eq!(straddling.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures(pair(&[0.16], &[0.17]))).on_busy_machine("load 5.0");
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }
}
