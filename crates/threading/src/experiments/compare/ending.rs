//! `ending` beside `python/ending.py`: a worker that takes a few steps while `main` returns at
//! once, in a child process. In CPython the worker is a normal thread, then a daemon thread; in
//! Rust it is joined, then spawned and left. The figures are counts: the steps each worker got
//! through before its process ended.

use anyhow::Context as _;
use lesson_kit::report::group_thousands;
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, Timing, Twins, Unit, Verdict, alternate,
};
use serde::{Deserialize, Serialize};

use crate::ending::{self, Ending, STEPS};
use crate::experiments::Settings;

/// What `python/ending.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    steps: u32,
    normal: u32,
    normal_s: f64,
    daemon: u32,
    daemon_s: f64,
    increments: u64,
    /// What each thread's own `threading.local()` counter reached.
    thread_locals: Vec<u64>,
}

/// One round of one language: how far each worker got, and how long its child ran.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Round {
    /// CPython's normal thread; Rust's joined one.
    pub waited_for: u32,
    pub waited_for_s: f64,
    /// CPython's daemon thread; Rust's spawned one, not joined.
    pub left: u32,
    pub left_s: f64,
    /// A child that did not exit cleanly (Rust's children; CPython's twin checks its own).
    pub unclean: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub steps: u32,
    pub cpython: Vec<Round>,
    pub rust: Vec<Round>,
    /// CPython's `threading.local()` counters, each counted to `increments` by its own thread.
    pub increments: u64,
    pub thread_locals: Vec<u64>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let mut thread_locals = (0, Vec::new());
    let mut python = || -> anyhow::Result<Round> {
        let twin: Twin = twins.run("ending.py", &[])?;
        anyhow::ensure!(
            twin.steps == STEPS,
            "it takes {} steps, not {STEPS}",
            twin.steps
        );
        thread_locals = (twin.increments, twin.thread_locals);
        Ok(Round {
            waited_for: twin.normal,
            waited_for_s: twin.normal_s,
            left: twin.daemon,
            left_s: twin.daemon_s,
            unclean: Vec::new(),
        })
    };
    let rust = || -> anyhow::Result<Round> {
        let joined = ending::run(Ending::Join).context("the joining child")?;
        let spawned = ending::run(Ending::Spawn).context("the spawning child")?;
        let unclean = [&joined, &spawned]
            .into_iter()
            .filter(|child| !child.success)
            .map(|child| {
                format!(
                    "Rust: the child that ended with {:?} did not exit cleanly",
                    child.ending
                )
            })
            .collect();
        Ok(Round {
            waited_for: joined.steps,
            waited_for_s: joined.wall_s,
            left: spawned.steps,
            left_s: spawned.wall_s,
            unclean,
        })
    };
    let [cpython, rust] = alternate(settings.repeat, [&mut python, &mut || rust()]);
    let cpython = cpython
        .into_iter()
        .collect::<anyhow::Result<_>>()
        .context("python/ending.py")?;
    let rust = rust.into_iter().collect::<anyhow::Result<_>>()?;
    Ok(Figures {
        python: twins.version.clone(),
        steps: STEPS,
        cpython,
        rust,
        increments: thread_locals.0,
        thread_locals: thread_locals.1,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let outcome = Outcome::new("compare-ending", "When main returns: CPython beside Rust")
        .intro(format!(
            "A child process starts a worker that takes {} steps over about 100 ms, and its main \
             thread returns at once. {} runs python/ending.py (a normal thread, then a daemon \
             thread), in turns with Rust's children (a joined thread, then one spawned and left).",
            figures.steps, figures.python
        ))
        .run(row("CPython: normal thread", &figures.cpython, |r| {
            (r.waited_for, r.waited_for_s)
        }))
        .run(row("CPython: daemon thread", &figures.cpython, |r| {
            (r.left, r.left_s)
        }))
        .run(row("Rust: joined", &figures.rust, |r| {
            (r.waited_for, r.waited_for_s)
        }))
        .run(row("Rust: spawned, not joined", &figures.rust, |r| {
            (r.left, r.left_s)
        }))
        .finding(format!(
            "CPython waited for its normal thread ({} steps of {}) and cut its daemon thread off \
             ({}). Rust waits only for the thread it joins: joined, {}; left, {}.",
            steps(&figures.cpython, |r| r.waited_for),
            figures.steps,
            steps(&figures.cpython, |r| r.left),
            steps(&figures.rust, |r| r.waited_for),
            steps(&figures.rust, |r| r.left),
        ))
        .finding(format!(
            "Each of CPython's {} threads counted to {} in its own `threading.local()`: {}.",
            figures.thread_locals.len(),
            group_thousands(figures.increments),
            thread_locals_in_words(figures)
        ));
    problems(figures)
        .into_iter()
        .fold(outcome, Outcome::problem)
        .claim(daemon_claim(figures))
}

fn row(label: &str, rounds: &[Round], of: fn(&Round) -> (u32, f64)) -> Run {
    let timing = Timing::wall_seconds(rounds.iter().map(|r| of(r).1));
    let steps = Samples::new(Unit::Count, rounds.iter().map(|r| f64::from(of(r).0)));
    Run::timed(label, &timing).figure("steps", Figure::Spread(steps))
}

fn steps(rounds: &[Round], of: fn(&Round) -> u32) -> Samples {
    Samples::new(Unit::Count, rounds.iter().map(|r| f64::from(of(r))))
}

fn thread_locals_in_words(figures: &Figures) -> String {
    let totals: Vec<String> = figures
        .thread_locals
        .iter()
        .map(|&t| group_thousands(t))
        .collect();
    totals.join(", ")
}

/// Rust's unclean children, and a `threading.local()` counter that another thread disturbed.
fn problems(figures: &Figures) -> Vec<String> {
    let unclean = figures.rust.iter().flat_map(|r| r.unclean.iter().cloned());
    let shared = figures
        .thread_locals
        .iter()
        .any(|&total| total != figures.increments)
        .then(|| {
            format!(
                "CPython: a thread's `threading.local()` counter did not reach {}",
                figures.increments
            )
        });
    unclean.chain(shared).collect()
}

/// Counted, on CPython: every normal thread finished and every daemon thread was cut off.
fn daemon_claim(figures: &Figures) -> Claim {
    let rounds = &figures.cpython;
    let waited = rounds.iter().all(|r| r.waited_for == figures.steps);
    let cut_off = rounds.iter().all(|r| r.left < figures.steps);
    Claim::new(
        "A Python program waits for its non-daemon threads before it exits; daemon threads are \
         stopped wherever they are.",
        Source::link(
            "Python docs, Thread objects",
            "https://docs.python.org/3/library/threading.html#thread-objects",
        ),
    )
    .measured(format!(
        "{}: the normal thread got through {} of {} steps, the daemon thread {}.",
        figures.python,
        steps(rounds, |r| r.waited_for),
        figures.steps,
        steps(rounds, |r| r.left),
    ))
    .verdict(if waited && cut_off && !rounds.is_empty() {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(waited_for: u32, left: u32) -> Round {
        Round {
            waited_for,
            waited_for_s: 0.17,
            left,
            left_s: 0.07,
            unclean: Vec::new(),
        }
    }

    fn figures(cpython: Vec<Round>) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            steps: 5,
            cpython,
            rust: vec![round(5, 0), round(5, 1)],
            increments: 1000,
            thread_locals: vec![1000; 4],
        }
    }

    #[test]
    fn a_waited_for_normal_thread_and_a_cut_off_daemon_hold_the_claim() {
        let outcome = report(&figures(vec![round(5, 0), round(5, 0)]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert!(outcome.problems.is_empty());
        assert_eq!(outcome.runs.len(), 4);
        let row = outcome
            .find_run("Rust: spawned, not joined")
            .expect("a row");
        assert!(row.get("steps").is_some());
    }

    #[test]
    fn a_daemon_that_finished_or_a_normal_thread_cut_off_does_not_hold() {
        let daemon_finished = report(&figures(vec![round(5, 0), round(5, 5)]));
        assert_eq!(daemon_finished.claims[0].verdict, Verdict::DoesNotHold);
        let normal_cut_off = report(&figures(vec![round(3, 0)]));
        assert_eq!(normal_cut_off.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_disturbed_thread_local_and_an_unclean_child_are_problems() {
        let mut figures = figures(vec![round(5, 0)]);
        figures.thread_locals[2] = 999;
        figures.rust[0].unclean = vec!["Rust: the child that ended with Join did not exit".into()];
        let problems = report(&figures).problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("threading.local"), "{problems:?}");
    }

    #[test]
    fn counted_verdicts_stand_on_a_busy_machine() {
        let outcome = report(&figures(vec![round(5, 0)])).on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
    }

    #[test]
    fn a_twin_that_leaves_out_a_figure_is_an_error_that_names_it() {
        let json = r#"{"steps": 5, "normal": 5, "normal_s": 0.2, "daemon": 0,
            "increments": 1000, "thread_locals": []}"#;
        let error = serde_json::from_str::<Twin>(json).expect_err("daemon_s is missing");
        assert!(error.to_string().contains("daemon_s"), "{error}");
    }
}
