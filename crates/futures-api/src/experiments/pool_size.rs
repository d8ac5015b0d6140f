//! Experiment `pool-size`: N downloads on 4 workers, on CPython's default `min(32, cores + 4)`,
//! on one thread per download, and as coroutines (tokio tasks). The pool size is a limit on how
//! many waits overlap: the local server counts them.
//!
//! Python twin: `python/pool_size.py`. Example file: `03_pool_size.rs`.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{
    Claim, DelayServer, Figure, Outcome, Run, Samples, Source, Timing, Unit, Verdict, alternate,
    stopwatch,
};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::tasks::Task;
use crate::thread_pool::default_max_workers;
use crate::{Executor, MapOptions, ThreadPoolExecutor};

#[derive(Debug, Serialize)]
pub struct Figures {
    pub downloads: usize,
    pub delay_s: f64,
    /// One row per way of running them, in the table's order.
    pub variants: Vec<Variant>,
    pub failures: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Variant {
    pub label: String,
    /// How many downloads may wait at once: the workers, or every download for coroutines.
    pub limit: usize,
    pub timing: Timing,
    /// The most requests the server had in flight at once, per run.
    pub peaks: Vec<u64>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let server = DelayServer::start()?;
    let count = settings.size(24, 100);
    let delay = settings.size(Duration::from_millis(100), Duration::from_millis(300));
    let urls: Vec<String> = (0..count).map(|_| server.delay_url(delay)).collect();
    lesson_kit::os::ensure_open_files(2 * count as u64 + 64)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LessonError::Runtime)?;

    let sizes = [4, default_max_workers(), count];
    // Each run between a reset and a read of the server's count of requests in flight.
    let counted = |work: &dyn Fn() -> Result<(), String>| {
        server.reset_counts();
        let (outcome, measurement) = stopwatch(work);
        (outcome, measurement, server.peak_in_flight())
    };
    let [a, b, c, d] = alternate(
        settings.repeat,
        [
            &mut || counted(&|| on_threads(sizes[0], &urls)),
            &mut || counted(&|| on_threads(sizes[1], &urls)),
            &mut || counted(&|| on_threads(sizes[2], &urls)),
            &mut || counted(&|| runtime.block_on(as_coroutines(&urls))),
        ],
    );
    let labels = [
        "4 threads".to_string(),
        format!("{} threads (default)", sizes[1]),
        format!("{count} threads (one each)"),
        format!("{count} coroutines"),
    ];
    let limits = [sizes[0], sizes[1], sizes[2], count];
    let mut failures = Vec::new();
    let mut variants = Vec::new();
    for ((runs, label), limit) in [a, b, c, d].into_iter().zip(labels).zip(limits) {
        let measurements: Vec<_> = runs.iter().map(|(_, m, _)| *m).collect();
        let peaks = runs.iter().map(|(_, _, peak)| *peak).collect();
        failures.extend(runs.into_iter().filter_map(|(outcome, _, _)| outcome.err()));
        variants.push(Variant {
            label,
            limit,
            timing: Timing::of(&measurements),
            peaks,
        });
    }
    failures.sort();
    failures.dedup();
    Ok(Figures {
        downloads: count,
        delay_s: delay.as_secs_f64(),
        variants,
        failures,
    })
}

// ANCHOR: pool_size
/// `list(ThreadPoolExecutor(workers).map(fetch, urls))`.
pub fn on_threads(workers: usize, urls: &[String]) -> Result<(), String> {
    let executor = ThreadPoolExecutor::new(workers);
    let tasks = urls.iter().map(|url| Task::Download { url: url.clone() });
    for page in executor.map(tasks, MapOptions::default()) {
        page.map_err(|e| e.to_string())?;
    }
    Ok(())
}
// ANCHOR_END: pool_size

/// [`as_coroutines`] on a runtime of its own: one thread, every download a task.
pub fn on_coroutines(urls: &[String]) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(as_coroutines(urls))
}

/// `asyncio.gather(*(fetch(url) for url in urls))`, on tokio: one task per download, one thread.
pub async fn as_coroutines(urls: &[String]) -> Result<(), String> {
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move { client.get(&url).send().await?.bytes().await });
    }
    while let Some(joined) = tasks.join_next().await {
        joined
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

pub fn report(figures: &Figures) -> Outcome {
    let n = figures.downloads;
    let mut outcome =
        Outcome::new("pool-size", "The pool size is a limit on concurrency").intro(format!(
            "{n} downloads of {} each from the local server, on thread pools of three sizes and \
             as coroutines. A pool of w threads has at most w downloads waiting at once, so it \
             needs about ⌈{n}/w⌉ delays.",
            format_seconds(figures.delay_s)
        ));
    for variant in &figures.variants {
        outcome = outcome.run(row(variant, figures.delay_s));
    }
    if !figures.failures.is_empty() {
        for failure in &figures.failures {
            outcome = outcome.problem(failure.clone());
        }
        return outcome.finding("Some downloads failed, so no comparison is made.");
    }
    for variant in &figures.variants {
        outcome = outcome.claim(limit_claim(variant, n));
    }
    outcome.finding(
        "For I/O, size the pool for how many waits should overlap (what the other end can take), \
         not for the cores; for CPU work, one worker per core: more only take turns.",
    )
}

fn row(variant: &Variant, delay_s: f64) -> Run {
    Run::timed(&variant.label, &variant.timing)
        .figure(
            "peak in flight",
            Figure::Spread(Samples::new(
                Unit::Count,
                variant.peaks.iter().map(|&p| p as f64),
            )),
        )
        .figure(
            "× one delay",
            Figure::Spread(variant.timing.wall.map(Unit::Ratio, |s| s / delay_s)),
        )
}

/// A count, not a time: the server saw exactly `min(limit, n)` requests at once in every run.
fn limit_claim(variant: &Variant, n: usize) -> Claim {
    let expected = variant.limit.min(n) as u64;
    let all = variant.peaks.iter().all(|&p| p == expected);
    let most = variant.peaks.iter().all(|&p| p <= expected);
    Claim::new(
        format!(
            "{}: at most {expected} downloads wait at once.",
            variant.label
        ),
        Source::link(
            "concurrent.futures docs: max_workers",
            "https://docs.python.org/3/library/concurrent.futures.html#threadpoolexecutor",
        ),
    )
    .measured(format!("peak in flight per run: {:?}", variant.peaks))
    .verdict(match (all, most) {
        (true, _) => Verdict::Holds,
        (false, true) => Verdict::Partly,
        (false, false) => Verdict::DoesNotHold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(label: &str, limit: usize, seconds: &[f64], peaks: &[u64]) -> Variant {
        Variant {
            label: label.into(),
            limit,
            timing: Timing {
                wall: Samples::new(Unit::Seconds, seconds.iter().copied()),
                cpu: None,
            },
            peaks: peaks.to_vec(),
        }
    }

    fn figures(peaks_of_four: &[u64]) -> Figures {
        Figures {
            downloads: 24,
            delay_s: 0.1,
            variants: vec![
                variant("4 threads", 4, &[0.61, 0.62], peaks_of_four),
                variant("6 threads (default)", 6, &[0.41, 0.42], &[6, 6]),
                variant("24 threads (one each)", 24, &[0.11, 0.12], &[24, 24]),
                variant("24 coroutines", 24, &[0.10, 0.11], &[24, 24]),
            ],
            failures: Vec::new(),
        }
    }

    #[test]
    fn peaks_at_each_limit_hold_every_claim() {
        let outcome = report(&figures(&[4, 4]));
        assert_eq!(outcome.claims.len(), 4);
        assert!(outcome.claims.iter().all(|c| c.verdict == Verdict::Holds));
        assert_eq!(outcome.runs.len(), 4);
    }

    #[test]
    fn a_pool_that_let_more_through_than_its_size_does_not_hold() {
        let outcome = report(&figures(&[4, 5]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_run_that_never_filled_the_pool_is_partly() {
        let outcome = report(&figures(&[3, 4]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Partly);
    }

    #[test]
    fn a_busy_machine_does_not_change_a_count() {
        let outcome = report(&figures(&[4, 4])).on_busy_machine("load 4.0 on 2 cores");
        assert!(outcome.claims.iter().all(|c| c.verdict == Verdict::Holds));
    }

    #[test]
    fn failures_are_problems() {
        let mut figures = figures(&[4, 4]);
        figures.failures = vec!["refused".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems, ["refused"]);
        assert!(outcome.claims.is_empty());
    }
}
