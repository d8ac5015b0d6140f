//! Experiment `chunksize`: a process pool's `map` over many tiny tasks, one task per message
//! (`ProcessPoolExecutor.map`'s default), multiprocessing's default chunks, and one chunk per
//! worker. Sending a task costs far more than squaring a number: chunks pay it once per chunk.
//!
//! Python twin: `python/chunksize.py`. Example file: `04_chunksize.rs`.

use lesson_kit::report::group_thousands;
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, Timing, Unit, Verdict, alternate, stopwatch,
};
use multiprocessing::pool::default_chunksize;
use serde::Serialize;

use super::{LessonError, Settings};
use crate::process_pool::default_max_workers;
use crate::tasks::Task;
use crate::{Executor, MapOptions, ProcessPoolExecutor};

#[derive(Debug, Serialize)]
pub struct Figures {
    pub tasks: usize,
    pub workers: usize,
    /// The three chunk sizes, smallest first, and the time of each.
    pub chunksizes: [usize; 3],
    pub timings: [Timing; 3],
    pub failures: usize,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let count = settings.size(10_000, 100_000);
    let workers = default_max_workers();
    let chunksizes = [
        1,
        default_chunksize(count, workers),
        count.div_ceil(workers),
    ];
    // One pool for every run: its start is the same for all and not what is compared.
    let executor = ProcessPoolExecutor::new(workers)?;
    let failures = std::cell::Cell::new(0);
    let timed = |chunksize: usize| {
        let (failed, measurement) = stopwatch(|| squares(&executor, count as u64, chunksize));
        failures.set(failures.get() + failed);
        measurement
    };
    let [one, default, large] = alternate(
        settings.repeat,
        [
            &mut || timed(chunksizes[0]),
            &mut || timed(chunksizes[1]),
            &mut || timed(chunksizes[2]),
        ],
    );
    Ok(Figures {
        tasks: count,
        workers,
        chunksizes,
        timings: [one, default, large].map(|runs| Timing::of(&runs)),
        failures: failures.get(),
    })
}

// ANCHOR: chunksize
/// `list(executor.map(square, range(count), chunksize=chunksize))`; answers
/// how many failed.
fn squares(pool: &ProcessPoolExecutor<Task>, count: u64, size: usize) -> usize {
    let tasks = (0..count).map(Task::Square);
    let options = MapOptions::default().chunksize(size);
    pool.map(tasks, options).filter(Result::is_err).count()
}
// ANCHOR_END: chunksize

pub fn report(figures: &Figures) -> Outcome {
    let [one, default, large] = &figures.timings;
    let mut outcome =
        Outcome::new("chunksize", "chunksize: many tiny tasks on processes").intro(format!(
            "{} squares on ProcessPoolExecutor({}), one task per message and then in chunks.",
            group_thousands(figures.tasks as u64),
            figures.workers
        ));
    let labels = ["chunksize 1", "chunksize default", "chunksize large"];
    for ((label, timing), size) in labels.iter().zip(&figures.timings).zip(figures.chunksizes) {
        outcome = outcome.run(row(label, timing, size, figures.tasks));
    }
    if figures.failures > 0 {
        return outcome.problem(format!("{} task(s) failed", figures.failures));
    }
    let slower = Samples::ratios(&one.wall, &default.wall);
    outcome
        .speedups_against("chunksize 1")
        .finding(format!(
            "One task per message took {slower} the time of multiprocessing's default chunks; \
             one chunk per worker: {}.",
            Samples::ratios(&one.wall, &large.wall)
        ))
        .claim(crawl_claim(&slower))
}

fn row(label: &str, timing: &Timing, chunksize: usize, tasks: usize) -> Run {
    Run::timed(label, timing)
        .figure("chunksize", Figure::Count(chunksize as u64))
        .figure(
            "tasks/s",
            Figure::Spread(timing.wall.map(Unit::Count, |s| (tasks as f64 / s).round())),
        )
}

fn crawl_claim(slower: &Samples) -> Claim {
    Claim::new(
        "With chunksize 1 a process pool crawls through many tiny tasks.",
        Source::link("loky#12", "https://github.com/joblib/loky/issues/12"),
    )
    .measured(format!(
        "chunksize 1 took {slower} the time of the default chunks."
    ))
    .judge(slower, |x| match x {
        x if x >= 2.0 => Verdict::Holds,
        x if x >= 1.2 => Verdict::Partly,
        _ => Verdict::DoesNotHold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(seconds: &[f64]) -> Timing {
        Timing::wall_seconds(seconds.iter().copied())
    }

    fn figures(one: &[f64]) -> Figures {
        Figures {
            tasks: 10_000,
            workers: 2,
            chunksizes: [1, 1250, 5000],
            timings: [timing(one), timing(&[0.05, 0.06]), timing(&[0.04, 0.05])],
            failures: 0,
        }
    }

    #[test]
    fn one_task_per_message_many_times_slower_holds() {
        let outcome = report(&figures(&[0.9, 1.0]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(outcome.runs[0].get("chunksize"), Some(&Figure::Count(1)));
    }

    #[test]
    fn no_difference_does_not_hold() {
        let outcome = report(&figures(&[0.05, 0.06]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn failures_are_a_problem_and_judge_nothing() {
        let mut figures = figures(&[0.9, 1.0]);
        figures.failures = 3;
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.claims.is_empty());
    }
}
