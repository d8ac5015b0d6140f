//! Experiment `cost`: what a process costs against a thread. Starting one three ways (Python's
//! `fork`, `forkserver` and `spawn`), starting a pool, and a worker's memory against a thread's.
//!
//! Python twin: `python/cost.py`. Example: `08_start_methods.rs`.

use std::io;
use std::time::{Duration, Instant};

use lesson_kit::report::{format_bytes, format_seconds};
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, Timing, Verdict, alternate, child_command,
};
use serde::Serialize;

use super::{LessonError, Settings, workers};
use crate::pool::Pool;
use crate::start::{
    FORK_SERVER, ForkServer, private_bytes, resident_bytes, resident_per_thread, spawn_and_wait,
    thread_start_and_join, worker_command,
};
use crate::tasks::Task;

/// How many starts make one sample (its median): many of the cheap ones, fewer of the dear ones.
const THREADS_PER_SAMPLE: usize = 200;
const FORKS_PER_SAMPLE: usize = 20;
const SPAWNS_PER_SAMPLE: usize = 10;
/// Parked threads counted for the memory a thread adds.
const THREADS_FOR_MEMORY: usize = 100;

/// What `measure` found. Each timing sample is the median of a batch of starts.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub workers: usize,
    pub thread: Timing,
    /// `None` where the OS has no fork (not Unix).
    pub fork: Option<Timing>,
    pub fork_server: Option<Timing>,
    pub spawn: Timing,
    /// A pool of `workers` processes, until its first result.
    pub pool_start: Timing,
    /// One idle pool worker's resident memory, and the part of it no other process shares.
    pub worker_resident: Option<u64>,
    pub worker_private: Option<u64>,
    /// The resident memory one more (parked) thread adds.
    pub thread_resident: Option<u64>,
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let workers = workers(settings);
    let server_command = child_command(FORK_SERVER).map_err(LessonError::Child)?;
    let mut server = ForkServer::start(server_command).map_err(LessonError::Child)?;
    let [thread, fork, fork_server, spawn, pool] = alternate(
        settings.repeat,
        [
            &mut || batch(THREADS_PER_SAMPLE, &mut || Ok(thread_start_and_join())),
            &mut || batch(FORKS_PER_SAMPLE, &mut fork),
            &mut || batch(FORKS_PER_SAMPLE, &mut || server.fork_one()),
            &mut || {
                batch(SPAWNS_PER_SAMPLE, &mut || {
                    spawn_and_wait(&mut worker_command()?)
                })
            },
            &mut || pool_start(workers),
        ],
    );
    let (worker_resident, worker_private) = worker_memory()?;
    let mut failures = Vec::new();
    let mut timing = |name: &str, samples: Vec<io::Result<Duration>>| {
        let mut ok = Vec::new();
        for sample in samples {
            match sample {
                Ok(took) => ok.push(took),
                Err(error) => failures.push(format!("{name}: {error}")),
            }
        }
        Timing {
            wall: Samples::seconds(ok),
            cpu: None,
        }
    };
    let thread = timing("thread", thread);
    let fork = cfg!(unix).then(|| timing("fork", fork));
    let fork_server = cfg!(unix).then(|| timing("fork server", fork_server));
    let spawn = timing("spawn", spawn);
    let pool_start = timing("pool start", pool);
    failures.dedup();
    Ok(Figures {
        workers,
        thread,
        fork,
        fork_server,
        spawn,
        pool_start,
        worker_resident,
        worker_private,
        thread_resident: resident_per_thread(THREADS_FOR_MEMORY),
        failures,
    })
}

fn fork() -> io::Result<Duration> {
    #[cfg(unix)]
    return crate::start::fork_and_wait();
    #[cfg(not(unix))]
    return Err(io::Error::other("no fork on this OS"));
}

/// The median of `count` starts; the first error ends the batch.
fn batch(count: usize, start: &mut dyn FnMut() -> io::Result<Duration>) -> io::Result<Duration> {
    let mut times = (0..count)
        .map(|_| start())
        .collect::<io::Result<Vec<_>>>()?;
    Ok(lesson_kit::measure::median(&mut times))
}

/// `with Pool(workers) as pool: pool.apply_async(nothing).get()`: start to first result.
fn pool_start(workers: usize) -> io::Result<Duration> {
    let started = Instant::now();
    let pool = Pool::<Task>::new(workers).map_err(io::Error::other)?;
    pool.apply_async(Task::Nothing)
        .get()
        .map_err(io::Error::other)?;
    Ok(started.elapsed())
}

/// An idle worker's memory, read from /proc once it has answered a task.
fn worker_memory() -> Result<(Option<u64>, Option<u64>), LessonError> {
    let pool = Pool::<Task>::new(1)?;
    pool.apply_async(Task::Nothing)
        .get()
        .map_err(|e| LessonError::Other(e.to_string()))?;
    let pid = pool.pids().first().copied();
    Ok((pid.and_then(resident_bytes), pid.and_then(private_bytes)))
}

pub fn report(figures: &Figures) -> Outcome {
    let w = figures.workers;
    let mut outcome = Outcome::new("cost", "What a process costs, against a thread")
        .intro(
            "Each row starts something that does nothing and waits for it to end; each sample is \
             the median of a batch. Python's three start methods, mirrored: fork copies this \
             process (its copy may only exit: this program has threads); a fork server, started \
             once with a single thread, forks on request; spawn starts the program afresh, which \
             is what this lesson's pool does.",
        )
        .run(Run::timed("thread: start + join", &figures.thread).figure(
            "memory",
            figure_bytes(figures.thread_resident, "resident, per parked thread"),
        ));
    if let Some(fork) = &figures.fork {
        outcome = outcome.run(Run::timed("fork + wait (`fork`)", fork));
    }
    if let Some(server) = &figures.fork_server {
        outcome = outcome.run(Run::timed(
            "fork server: fork + wait (`forkserver`)",
            server,
        ));
    }
    outcome = outcome
        .run(
            Run::timed("re-execute this program + wait (`spawn`)", &figures.spawn).figure(
                "memory",
                figure_bytes(figures.worker_private, "private, per idle worker"),
            ),
        )
        .run(Run::timed(
            format!("pool of {w}: start + first result"),
            &figures.pool_start,
        ));
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    outcome = outcome.finding(format!(
        "Starting a thread took {}; re-executing this program, {}: about {:.0}× as long.",
        format_seconds(figures.thread.wall.median()),
        format_seconds(figures.spawn.wall.median()),
        lesson_kit::report::ratio(figures.spawn.wall.median(), figures.thread.wall.median()),
    ));
    if let (Some(resident), Some(private)) = (figures.worker_resident, figures.worker_private) {
        outcome = outcome.finding(format!(
            "An idle worker is {} resident, of which {} is its own: the rest is the program's \
             code and libraries, shared with every other copy.",
            format_bytes(resident),
            format_bytes(private)
        ));
    }
    with_claims(outcome, figures)
}

fn figure_bytes(bytes: Option<u64>, what: &str) -> Figure {
    match bytes {
        Some(bytes) => Figure::Text(format!("{} {what}", format_bytes(bytes))),
        None => Figure::Text("not measured on this OS".into()),
    }
}

fn with_claims(outcome: Outcome, figures: &Figures) -> Outcome {
    let spawn = &figures.spawn.wall;
    let thread = &figures.thread.wall;
    let memory = Claim::new(
        "Each process has its own memory, so a process costs much more memory than a thread.",
        Source::ARTICLE,
    );
    let memory = match (figures.worker_private, figures.thread_resident) {
        (Some(worker), Some(thread)) => memory
            .measured(format!(
                "an idle worker's own memory: {}; one more thread: {}",
                format_bytes(worker),
                format_bytes(thread)
            ))
            .verdict(if worker >= 10 * thread.max(1) {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            }),
        _ => memory.measured("not measured: this OS has no /proc to read memory from"),
    };
    outcome
        .claim(
            Claim::new("Starting a process takes about 100 ms.", Source::ARTICLE)
                .measured(format!(
                    "re-executing this program and waiting for it: {spawn} (Python adds an \
                     interpreter's start and its imports: see `compare`)"
                ))
                .judge(spawn, |s| {
                    if (0.05..=0.2).contains(&s) {
                        Verdict::Holds
                    } else {
                        Verdict::DoesNotHold
                    }
                }),
        )
        .claim(
            Claim::new(
                "Starting a thread takes a few milliseconds.",
                Source::ARTICLE,
            )
            .measured(format!("starting and joining a thread: {thread}"))
            .judge(thread, |s| {
                if (0.0005..=0.01).contains(&s) {
                    Verdict::Holds
                } else {
                    Verdict::DoesNotHold
                }
            }),
        )
        .claim(memory)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(us: &[u64]) -> Timing {
        Timing::wall_seconds(us.iter().map(|&u| u as f64 / 1e6))
    }

    fn figures(spawn_us: &[u64], thread_us: &[u64]) -> Figures {
        Figures {
            workers: 2,
            thread: timing(thread_us),
            fork: Some(timing(&[300, 310])),
            fork_server: Some(timing(&[400, 420])),
            spawn: timing(spawn_us),
            pool_start: timing(&[3000, 3100]),
            worker_resident: Some(3 << 20),
            worker_private: Some(600 << 10),
            thread_resident: Some(12 << 10),
            failures: Vec::new(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn a_fast_start_does_not_hold_the_articles_figures() {
        let outcome = report(&figures(&[1500, 1600, 1400], &[30, 35, 32]));
        assert_eq!(
            verdicts(&outcome),
            [Verdict::DoesNotHold, Verdict::DoesNotHold, Verdict::Holds]
        );
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn the_articles_figures_hold_when_measured() {
        let outcome = report(&figures(&[90_000, 110_000], &[2000, 3000]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(outcome.claims[1].verdict, Verdict::Holds);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(&[40_000, 60_000], &[30]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn memory_is_a_count_a_busy_machine_does_not_change() {
        let outcome = report(&figures(&[1500], &[30])).on_busy_machine("load 6.0");
        assert_eq!(
            verdicts(&outcome),
            [Verdict::Unclear, Verdict::Unclear, Verdict::Holds]
        );
    }

    #[test]
    fn a_worker_no_heavier_than_a_thread_does_not_hold() {
        let mut figures = figures(&[1500], &[30]);
        figures.worker_private = Some(64 << 10);
        assert_eq!(report(&figures).claims[2].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn failed_starts_are_problems() {
        let mut figures = figures(&[1500], &[30]);
        figures.failures = vec!["spawn: no such file".into()];
        assert_eq!(report(&figures).problems, ["spawn: no such file"]);
    }
}
