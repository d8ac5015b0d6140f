//! Experiment `one-api`: the article's two snippets through one API. Downloads and a CPU-bound
//! countdown, each on a thread pool and on a process pool of the same size: the only change
//! between the two is the executor's name.
//!
//! Python twin: `python/one_api.py`. Example files: `01_thread_pool_map.rs`,
//! `02_process_pool_map.rs`.

use std::time::{Duration, SystemTime};

use lesson_kit::report::format_seconds;
use lesson_kit::{
    Claim, DelayServer, Measurement, Outcome, Run, Samples, Source, State, Timing, Trace, Verdict,
    alternate, stopwatch,
};
use serde::Serialize;

use super::{LessonError, Settings, timeline, timing};
use crate::tasks::{Answer, Task};
use crate::{Executor, MapOptions, ProcessPoolExecutor, ThreadPoolExecutor};

/// The article's snippets use four workers.
pub const WORKERS: usize = 4;

#[derive(Debug, Serialize)]
pub struct Figures {
    pub workers: usize,
    pub downloads: usize,
    pub delay_s: f64,
    pub countdowns: usize,
    pub steps: u64,
    pub downloads_on_threads: Timing,
    pub downloads_on_processes: Timing,
    pub countdown_on_threads: Timing,
    pub countdown_on_processes: Timing,
    /// Every task that failed, in any run: reported, never fatal.
    pub failures: Vec<String>,
    /// The last countdown on threads, then the last on processes.
    pub trace: Trace,
}

/// One run: every answer, the moment the executor was asked for (the timeline's zero), its time.
pub type Ran = (Result<(Vec<Answer>, SystemTime), String>, Measurement);

/// The tour's two kinds of work, at its sizes: downloads from the local server, countdowns.
pub struct Work {
    pub delay: Duration,
    pub downloads: Vec<Task>,
    pub steps: u64,
    pub countdowns: Vec<Task>,
}

impl Work {
    pub fn new(settings: &Settings, server: &DelayServer) -> Work {
        let delay = settings.size(Duration::from_millis(200), Duration::from_secs(1));
        let steps = settings.size(3_000_000, 30_000_000);
        Work {
            delay,
            downloads: (0..settings.size(8, 16))
                .map(|_| Task::Download {
                    url: server.delay_url(delay),
                })
                .collect(),
            steps,
            countdowns: (0..WORKERS).map(|_| Task::Countdown(steps)).collect(),
        }
    }
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let server = DelayServer::start()?;
    let Work {
        delay,
        downloads,
        steps,
        countdowns,
    } = Work::new(settings, &server);

    // ANCHOR: one_word
    // Waiting on downloads: a pool of threads, Python's ThreadPoolExecutor.
    let on_threads = |t: &[Task]| run(t, || Ok(ThreadPoolExecutor::new(WORKERS)));
    // CPU-bound: the same call with one word changed.
    let on_processes = |t: &[Task]| run(t, || ProcessPoolExecutor::new(WORKERS));
    // ANCHOR_END: one_word

    let [dl_threads, dl_processes, cd_threads, cd_processes] = alternate(
        settings.repeat,
        [
            &mut || on_threads(&downloads),
            &mut || on_processes(&downloads),
            &mut || on_threads(&countdowns),
            &mut || on_processes(&countdowns),
        ],
    );
    let all = [&dl_threads, &dl_processes, &cd_threads, &cd_processes];
    let failures = all
        .iter()
        .flat_map(|runs| runs.iter())
        .filter_map(|(ran, _)| ran.as_ref().err().cloned())
        .collect::<std::collections::BTreeSet<_>>();
    Ok(Figures {
        workers: WORKERS,
        downloads: downloads.len(),
        delay_s: delay.as_secs_f64(),
        countdowns: countdowns.len(),
        steps,
        downloads_on_threads: timing(&dl_threads),
        downloads_on_processes: timing(&dl_processes),
        countdown_on_threads: timing(&cd_threads),
        countdown_on_processes: timing(&cd_processes),
        failures: failures.into_iter().collect(),
        trace: two_timelines(cd_threads.last(), cd_processes.last()),
    })
}

/// The executor is made inside the timing, as a `with` block does: a process pool's start is
/// part of what it costs.
pub fn run<E: Executor<Task>, F>(tasks: &[Task], executor: F) -> Ran
where
    F: FnOnce() -> Result<E, multiprocessing::PoolError>,
{
    stopwatch(|| {
        let origin = SystemTime::now();
        let executor = executor().map_err(|e| e.to_string())?;
        let answers = executor
            .map(tasks.to_vec(), MapOptions::default())
            .collect::<Result<Vec<Answer>, _>>()
            .map_err(|e| e.to_string())?;
        Ok((answers, origin))
    })
}

fn two_timelines(threads: Option<&Ran>, processes: Option<&Ran>) -> Trace {
    let trace = Trace::new();
    let mut offset_s = 0.0;
    for (prefix, run) in [("thread", threads), ("process", processes)] {
        if let Some((Ok((answers, origin)), measurement)) = run {
            let one = Trace::new();
            timeline(&one, prefix, *origin, answers, State::Running);
            trace.absorb(&one.snapshot(), offset_s);
            offset_s += measurement.wall.as_secs_f64();
        }
    }
    trace
}

pub fn report(figures: &Figures) -> Outcome {
    let w = figures.workers;
    let mut outcome = Outcome::new(
        "one-api",
        "One API: the same map on threads and on processes",
    )
    .intro(format!(
        "{} downloads of {} each, then {} countdowns of {} steps in \"Python\" (each process \
             has its own simulated GIL, as each CPython process does), each on \
             ThreadPoolExecutor({w}) and on ProcessPoolExecutor({w}): the same `map` call, one \
             word changed.",
        figures.downloads,
        format_seconds(figures.delay_s),
        figures.countdowns,
        figures.steps
    ))
    .run(Run::timed(
        "downloads, threads",
        &figures.downloads_on_threads,
    ))
    .run(Run::timed(
        "downloads, processes",
        &figures.downloads_on_processes,
    ))
    .run(Run::timed(
        "countdown, threads",
        &figures.countdown_on_threads,
    ))
    .run(Run::timed(
        "countdown, processes",
        &figures.countdown_on_processes,
    ))
    .trace(figures.trace.clone());
    if !figures.failures.is_empty() {
        for failure in &figures.failures {
            outcome = outcome.problem(failure.clone());
        }
        return outcome.finding("Some tasks failed, so no comparison is made.");
    }
    let io_cost = processes_against_threads(
        &figures.downloads_on_processes,
        &figures.downloads_on_threads,
    );
    let cpu_gain = processes_against_threads(
        &figures.countdown_on_threads,
        &figures.countdown_on_processes,
    );
    outcome
        .finding(format!(
            "Downloads: processes took {io_cost} the threads' time: the same waits, plus starting \
             {w} processes. Countdown: threads took {cpu_gain} the processes' time, because \
             threads of one process take turns at its GIL."
        ))
        .claim(io_claim(&io_cost))
        .claim(cpu_claim(&cpu_gain))
}

/// `slower / faster`, per pair of runs.
fn processes_against_threads(slower: &Timing, faster: &Timing) -> Samples {
    Samples::ratios(&slower.wall, &faster.wall)
}

fn io_claim(io_cost: &Samples) -> Claim {
    Claim::new(
        "For I/O-bound work, use a ThreadPoolExecutor.",
        Source::ARTICLE,
    )
    .measured(format!(
        "The same downloads on processes took {io_cost} the time on threads."
    ))
    .judge(io_cost, |x| {
        if x >= 0.95 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

fn cpu_claim(cpu_gain: &Samples) -> Claim {
    Claim::new(
        "For CPU-bound work, use a ProcessPoolExecutor.",
        Source::ARTICLE,
    )
    .measured(format!(
        "The countdown on threads under one GIL took {cpu_gain} the time on processes."
    ))
    .judge(cpu_gain, |x| match x {
        x if x >= 1.3 => Verdict::Holds,
        x if x >= 1.05 => Verdict::Partly,
        _ => Verdict::DoesNotHold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(seconds: &[f64]) -> Timing {
        Timing::wall_seconds(seconds.iter().copied())
    }

    fn figures(dl: [&[f64]; 2], cd: [&[f64]; 2]) -> Figures {
        Figures {
            workers: 4,
            downloads: 8,
            delay_s: 0.2,
            countdowns: 4,
            steps: 3_000_000,
            downloads_on_threads: timing(dl[0]),
            downloads_on_processes: timing(dl[1]),
            countdown_on_threads: timing(cd[0]),
            countdown_on_processes: timing(cd[1]),
            failures: Vec::new(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn each_tool_in_its_place_holds_both_claims() {
        let outcome = report(&figures(
            [&[0.41, 0.42], &[0.45, 0.47]],
            [&[0.80, 0.82], &[0.40, 0.41]],
        ));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert_eq!(outcome.runs.len(), 4);
    }

    #[test]
    fn a_single_core_gives_processes_no_edge() {
        let outcome = report(&figures(
            [&[0.41, 0.42], &[0.45, 0.47]],
            [&[0.80, 0.82], &[0.85, 0.84]],
        ));
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn failed_tasks_are_problems_and_judge_nothing() {
        let mut figures = figures([&[0.4], &[0.4]], [&[0.8], &[0.4]]);
        figures.failures = vec!["http://127.0.0.1:1/: connection refused".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.claims.is_empty());
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures([&[0.41], &[0.45]], [&[0.80], &[0.40]]))
            .on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }
}
