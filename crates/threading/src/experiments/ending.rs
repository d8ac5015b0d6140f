//! Experiment `ending`: what happens to a spawned thread when `main` returns (Python's daemon
//! threads), and how `thread::scope` makes "forgot to join" impossible.
//!
//! Python twin: `python/ending.py`. Example files: `18_thread_local.rs`, `19_main_returns.rs`.

use lesson_kit::{Claim, Figure, Outcome, Run, Source, Verdict};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::ending::{self, Ended, Ending, STEPS};

#[derive(Debug, Serialize)]
pub struct Figures {
    pub steps: u32,
    /// One child per way of ending: spawn and return, join, scope.
    pub children: Vec<Ended>,
}

pub fn measure(_settings: &Settings) -> Result<Figures, LessonError> {
    let children = [Ending::Spawn, Ending::Join, Ending::Scope]
        .into_iter()
        .map(ending::run)
        .collect::<Result<Vec<_>, _>>()
        .map_err(LessonError::Child)?;
    Ok(Figures {
        steps: STEPS,
        children,
    })
}

fn label(ending: Ending) -> &'static str {
    match ending {
        Ending::Spawn => "spawn, then return",
        Ending::Join => "spawn, join, then return",
        Ending::Scope => "thread::scope, then return",
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let outcome =
        Outcome::new("ending", "Daemon threads: what happens when main returns").intro(format!(
            "A child process starts one worker thread that takes {} steps over about 100 ms, \
             then its `main` returns: at once, after joining the worker, or at the end of a \
             `thread::scope`. The parent counts the steps the worker reported.",
            figures.steps
        ));
    let outcome = figures.children.iter().map(row).fold(outcome, Outcome::run);
    let unclean = figures.children.iter().filter(|c| !c.success).map(|c| {
        format!(
            "the child that ended with {:?} did not exit cleanly",
            c.ending
        )
    });
    let outcome = unclean.fold(outcome, Outcome::problem);
    let spawned = find(figures, Ending::Spawn);
    let outcome = spawned
        .map(|spawned| {
            format!(
                "Spawned and not joined: the worker reported {} of {} steps before the process \
                 ended with `main`. Every Rust thread is what Python calls a daemon thread.",
                spawned.steps, figures.steps
            )
        })
        .into_iter()
        .fold(outcome, Outcome::finding)
        .finding(if joined_finished(figures) {
            "Joined, or started in a scope: the worker finished. A scope joins its threads when \
             it ends, so forgetting the join is impossible."
        } else {
            "A joined worker did not finish."
        });
    match spawned {
        Some(spawned) => outcome.claim(main_returns_claim(figures, spawned)),
        None => outcome,
    }
}

fn row(child: &Ended) -> Run {
    let finished = if child.finished { "yes" } else { "no" };
    Run::new(
        label(child.ending),
        std::time::Duration::from_secs_f64(child.wall_s),
    )
    .figure("steps", Figure::Count(u64::from(child.steps)))
    .figure("finished", Figure::Text(finished.into()))
}

fn find(figures: &Figures, ending: Ending) -> Option<&Ended> {
    figures.children.iter().find(|c| c.ending == ending)
}

/// Whether every worker that was joined, by hand or by a scope, finished its steps.
fn joined_finished(figures: &Figures) -> bool {
    [Ending::Join, Ending::Scope]
        .into_iter()
        .filter_map(|ending| find(figures, ending))
        .all(|c| c.finished)
}

/// Counted: the spawned worker cut off while the joined ones finished holds it.
fn main_returns_claim(figures: &Figures, spawned: &Ended) -> Claim {
    let joined = joined_finished(figures);
    let in_words = |finished: bool| if finished { "finished" } else { "cut off" };
    Claim::new(
        "When the main thread returns, a Rust program exits with its other threads still \
         running: they are not waited for (unlike Python's non-daemon threads).",
        Source::link(
            "Rust std docs, std::thread",
            "https://doc.rust-lang.org/std/thread/index.html",
        ),
    )
    .measured(format!(
        "Not joined: {} of {} steps, {}; joined or scoped: {}.",
        spawned.steps,
        figures.steps,
        in_words(spawned.finished),
        in_words(joined)
    ))
    .verdict(match (spawned.finished, joined) {
        (false, true) => Verdict::Holds,
        _ => Verdict::DoesNotHold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(ending: Ending, steps: u32) -> Ended {
        Ended {
            ending,
            steps,
            finished: steps == STEPS,
            success: true,
            wall_s: 0.1,
        }
    }

    #[test]
    fn a_cut_off_worker_and_finished_joined_ones_hold_the_claim() {
        let figures = Figures {
            steps: STEPS,
            children: vec![
                ended(Ending::Spawn, 0),
                ended(Ending::Join, STEPS),
                ended(Ending::Scope, STEPS),
            ],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert!(outcome.problems.is_empty());
        assert_eq!(outcome.runs.len(), 3);
    }

    #[test]
    fn a_worker_that_outlived_main_does_not_hold_it() {
        let figures = Figures {
            steps: STEPS,
            children: vec![
                ended(Ending::Spawn, STEPS),
                ended(Ending::Join, STEPS),
                ended(Ending::Scope, STEPS),
            ],
        };
        assert_eq!(report(&figures).claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_child_that_failed_is_a_problem() {
        let mut failed = ended(Ending::Join, 0);
        failed.success = false;
        let figures = Figures {
            steps: STEPS,
            children: vec![ended(Ending::Spawn, 0), failed],
        };
        assert_eq!(report(&figures).problems.len(), 1);
    }
}
