//! `gather` beside `python/gather.py`: the three waits gathered on one thread, and the first
//! failure handled by `asyncio.gather` and `asyncio.TaskGroup`, judged on CPython itself.

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::report::format_seconds;
use lesson_kit::{
    Claim, Outcome, Run, Samples, Source, Timing, Trace, Twins, Unit, Verdict, Versus, alternate,
    stopwatch,
};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;
use crate::experiments::gather::{GATHER_ISSUE, SITES, TASK_GROUP_DOCS};
use crate::fetch::pretend_fetch;

/// What `python/gather.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    gathered_s: f64,
    threads: usize,
    siblings: usize,
    gather_finished_after: usize,
    task_group_finished_after: usize,
}

/// One turn of `alternate`: the twin's figures, or the Rust side's seconds.
enum Round {
    Python(Twin),
    Rust(f64),
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub delay_s: f64,
    pub cpython: Timing,
    pub rust: Timing,
    /// Threads the gathered coroutines ran on, in each CPython run.
    pub cpython_threads: Vec<usize>,
    pub siblings: usize,
    /// Siblings that finished after `asyncio.gather` / the `TaskGroup` had raised, each run.
    pub gather_finished_after: Vec<usize>,
    pub task_group_finished_after: Vec<usize>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let delay = settings
        .lesson
        .delay_ms
        .map(Duration::from_millis)
        .unwrap_or(settings.size(Duration::from_millis(100), Duration::from_secs(2)));
    let siblings = 10;
    let args = [
        format!("--delay-ms={}", delay.as_millis()),
        format!("--siblings={siblings}"),
    ];
    let runtime = crate::runtime::current_thread()?;
    let [cpython, rust]: [Vec<anyhow::Result<Round>>; 2] = alternate(
        settings.repeat,
        [
            &mut || {
                let twin = twins.run::<Twin>("gather.py", &args);
                Ok(Round::Python(twin.context("python/gather.py")?))
            },
            &mut || {
                let trace = Trace::new();
                let ((), took) = stopwatch(|| {
                    runtime.block_on(async {
                        let tasks = SITES
                            .map(|site| tokio::spawn(pretend_fetch(site, delay, trace.clone())));
                        for task in tasks {
                            let _ = task.await;
                        }
                    })
                });
                Ok(Round::Rust(took.wall.as_secs_f64()))
            },
        ],
    );
    let mut python_runs = Vec::new();
    let mut rust_runs = Vec::new();
    for round in cpython.into_iter().chain(rust) {
        match round? {
            Round::Python(twin) => python_runs.push(twin),
            Round::Rust(seconds) => rust_runs.push(seconds),
        }
    }
    let (cpython, rust) = (python_runs, rust_runs);
    let seconds = |values: Vec<f64>| Timing {
        wall: Samples::new(Unit::Seconds, values),
        cpu: None,
    };
    Ok(Figures {
        python: twins.version.clone(),
        delay_s: delay.as_secs_f64(),
        cpython: seconds(cpython.iter().map(|t| t.gathered_s).collect()),
        rust: seconds(rust),
        cpython_threads: cpython.iter().map(|t| t.threads).collect(),
        siblings: cpython.first().map_or(siblings, |t| t.siblings),
        gather_finished_after: cpython.iter().map(|t| t.gather_finished_after).collect(),
        task_group_finished_after: cpython
            .iter()
            .map(|t| t.task_group_finished_after)
            .collect(),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    Outcome::new("compare-gather", "gather: asyncio beside tokio")
        .intro(format!(
            "Three waits of {} gathered, by {} (`asyncio.run` included) and by tokio's \
             current-thread runtime; then {} siblings beside one failure, in CPython.",
            format_seconds(figures.delay_s),
            figures.python,
            figures.siblings
        ))
        .run(Run::timed(
            format!("{}: gather", figures.python),
            &figures.cpython,
        ))
        .run(Run::timed("Rust: spawn + await in order", &figures.rust))
        .versus(Versus::new(
            "gather",
            "three waits gathered",
            &figures.cpython.wall,
            &figures.rust.wall,
        ))
        .claim(one_thread_claim(figures))
        .claim(gather_claim(figures))
        .claim(task_group_claim(figures))
}

/// The article's "one thread", counted in CPython.
fn one_thread_claim(figures: &Figures) -> Claim {
    let one = figures.cpython_threads.iter().all(|&t| t == 1);
    Claim::new(
        "There is only one thread: the event loop runs every coroutine.",
        Source::ARTICLE,
    )
    .measured(format!(
        "CPython's gathered coroutines ran on {:?} thread(s).",
        figures.cpython_threads
    ))
    .verdict(holds_if(one))
}

/// gather's first error: every sibling still finishes, in every run.
fn gather_claim(figures: &Figures) -> Claim {
    let fewest = figures.gather_finished_after.iter().copied().min();
    Claim::new(
        "`asyncio.gather` passes on the first error at once and does not cancel the other \
         tasks: they run on unobserved.",
        GATHER_ISSUE,
    )
    .measured(format!(
        "{:?} of {} siblings finished after gather had raised.",
        figures.gather_finished_after, figures.siblings
    ))
    .verdict(holds_if(fewest.unwrap_or(0) == figures.siblings))
}

/// A TaskGroup's first error: no sibling finishes, in any run.
fn task_group_claim(figures: &Figures) -> Claim {
    let most = figures.task_group_finished_after.iter().copied().max();
    Claim::new(
        "A task group cancels the remaining tasks when one fails.",
        TASK_GROUP_DOCS,
    )
    .measured(format!(
        "{:?} of {} siblings finished after the TaskGroup had raised.",
        figures.task_group_finished_after, figures.siblings
    ))
    .verdict(holds_if(most.unwrap_or(0) == 0))
}

fn holds_if(held: bool) -> Verdict {
    if held {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(threads: usize, gather_after: usize, group_after: usize) -> Figures {
        let seconds = |v: &[f64]| Timing {
            wall: Samples::new(Unit::Seconds, v.iter().copied()),
            cpu: None,
        };
        Figures {
            python: "Python 3.11.7".into(),
            delay_s: 0.2,
            cpython: seconds(&[0.21, 0.22]),
            rust: seconds(&[0.201, 0.202]),
            cpython_threads: vec![threads; 2],
            siblings: 10,
            gather_finished_after: vec![gather_after; 2],
            task_group_finished_after: vec![group_after; 2],
        }
    }

    #[test]
    fn cpython_as_documented_holds_every_claim() {
        let outcome = report(&figures(1, 10, 0));
        assert!(outcome.claims.iter().all(|c| c.verdict == Verdict::Holds));
    }

    #[test]
    fn a_gather_that_cancelled_or_a_group_that_did_not_does_not_hold() {
        let outcome = report(&figures(2, 3, 4));
        assert!(
            outcome
                .claims
                .iter()
                .all(|c| c.verdict == Verdict::DoesNotHold)
        );
    }
}
