//! Experiment `completion-order`: `as_completed` against `map` on the same downloads, submitted
//! slowest first. `map` hands over the first result when the *first submitted* task ends;
//! `as_completed` when the *fastest* does.
//!
//! Python twin: `python/completion_order.py`. Example file: `05_as_completed.rs`.

use std::time::{Duration, Instant};

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, DelayServer, Outcome, Run, Samples, Source, Unit, Verdict, alternate};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::tasks::Task;
use crate::{Executor, MapOptions, ThreadPoolExecutor, as_completed};

#[derive(Debug, Serialize)]
pub struct Figures {
    /// Each download's delay, in the order submitted (slowest first).
    pub delays_s: Vec<f64>,
    /// Seconds from submitting to the first result in hand, per run.
    pub map_first_s: Vec<f64>,
    pub as_completed_first_s: Vec<f64>,
    /// The order `as_completed` handed the futures over (positions in submission order), per run.
    pub as_completed_orders: Vec<Vec<usize>>,
    pub failures: Vec<String>,
}

/// One run: when the first result came, in what order the rest did, and any failure.
pub struct Arrivals {
    pub first_s: f64,
    pub order: Vec<usize>,
    pub failure: Option<String>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let server = DelayServer::start()?;
    let delays = delays(settings);
    let tasks = downloads(&server, &delays);
    let executor = ThreadPoolExecutor::new(tasks.len());
    let [by_map, by_completion] = alternate(
        settings.repeat,
        [&mut || with_map(&executor, &tasks), &mut || {
            with_as_completed(&executor, &tasks)
        }],
    );
    let failures = by_map
        .iter()
        .chain(&by_completion)
        .filter_map(|run| run.failure.clone())
        .collect();
    Ok(Figures {
        delays_s: delays.iter().map(Duration::as_secs_f64).collect(),
        map_first_s: by_map.iter().map(|r| r.first_s).collect(),
        as_completed_first_s: by_completion.iter().map(|r| r.first_s).collect(),
        as_completed_orders: by_completion.into_iter().map(|r| r.order).collect(),
        failures,
    })
}

/// Five delays, slowest first: five units down to one.
pub fn delays(settings: &Settings) -> Vec<Duration> {
    let unit = settings.size(Duration::from_millis(60), Duration::from_millis(300));
    (1..=5u32).rev().map(|k| unit * k).collect()
}

/// One download from `server` per delay, in the delays' order.
pub fn downloads(server: &DelayServer, delays: &[Duration]) -> Vec<Task> {
    delays
        .iter()
        .map(|&d| Task::Download {
            url: server.delay_url(d),
        })
        .collect()
}

pub fn with_map(executor: &ThreadPoolExecutor, tasks: &[Task]) -> Arrivals {
    let start = Instant::now();
    let mut results = executor.map(tasks.to_vec(), MapOptions::default());
    let first = results.next();
    let first_s = start.elapsed().as_secs_f64();
    let failure = first
        .into_iter()
        .chain(results)
        .find_map(|r| r.err().map(|e| e.to_string()));
    Arrivals {
        first_s,
        order: (0..tasks.len()).collect(),
        failure,
    }
}

// ANCHOR: as_completed
pub fn with_as_completed(executor: &ThreadPoolExecutor, tasks: &[Task]) -> Arrivals {
    let start = Instant::now();
    let futures: Vec<_> = tasks
        .iter()
        .filter_map(|task| executor.submit(task.clone()).ok())
        .collect();
    let mut first_s = None;
    let mut order = Vec::new();
    let mut failure = None;
    for done in as_completed(&futures, None).flatten() {
        first_s.get_or_insert(start.elapsed().as_secs_f64());
        order.extend(futures.iter().position(|f| f.same_as(&done)));
        if let Err(error) = done.result(None) {
            failure = Some(error.to_string());
        }
    }
    // ANCHOR_END: as_completed
    Arrivals {
        first_s: first_s.unwrap_or_default(),
        order,
        failure,
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let seconds = |values: &[f64]| Samples::new(Unit::Seconds, values.iter().copied());
    let (map_first, completed_first) = (
        seconds(&figures.map_first_s),
        seconds(&figures.as_completed_first_s),
    );
    let slowest = figures.delays_s.first().copied().unwrap_or_default();
    let fastest = figures.delays_s.last().copied().unwrap_or_default();
    let mut outcome = Outcome::new("completion-order", "as_completed: the fastest result first")
        .intro(format!(
            "{} downloads submitted slowest first ({} down to {}), all running at once; the \
             time to the first result in hand, by `map` and by `as_completed`.",
            figures.delays_s.len(),
            format_seconds(slowest),
            format_seconds(fastest)
        ))
        .run(
            Run::new(
                "map: first result",
                Duration::from_secs_f64(map_first.median()),
            )
            .figure(
                "first result",
                lesson_kit::Figure::Spread(map_first.clone()),
            ),
        )
        .run(
            Run::new(
                "as_completed: first result",
                Duration::from_secs_f64(completed_first.median()),
            )
            .figure(
                "first result",
                lesson_kit::Figure::Spread(completed_first.clone()),
            ),
        );
    if !figures.failures.is_empty() {
        for failure in &figures.failures {
            outcome = outcome.problem(failure.clone());
        }
        return outcome;
    }
    outcome
        .finding(format!(
            "map's first result came after {map_first}, the first task's delay; as_completed's \
             after {completed_first}, the fastest task's."
        ))
        .claim(order_claim(figures))
}

/// A count: every run handed the futures over fastest first, the reverse of submission.
fn order_claim(figures: &Figures) -> Claim {
    let fastest_first: Vec<usize> = (0..figures.delays_s.len()).rev().collect();
    let agreeing = figures
        .as_completed_orders
        .iter()
        .filter(|order| **order == fastest_first)
        .count();
    Claim::new(
        "as_completed yields futures as they complete, not in the order submitted.",
        Source::link(
            "concurrent.futures docs: as_completed",
            "https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.as_completed",
        ),
    )
    .measured(format!(
        "{agreeing} of {} runs came fastest first: {:?}",
        figures.as_completed_orders.len(),
        figures.as_completed_orders.first().cloned().unwrap_or_default()
    ))
    .verdict(match agreeing {
        0 => Verdict::DoesNotHold,
        n if n == figures.as_completed_orders.len() => Verdict::Holds,
        _ => Verdict::Partly,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(orders: Vec<Vec<usize>>) -> Figures {
        Figures {
            delays_s: vec![0.3, 0.24, 0.18, 0.12, 0.06],
            map_first_s: vec![0.31, 0.30],
            as_completed_first_s: vec![0.07, 0.06],
            as_completed_orders: orders,
            failures: Vec::new(),
        }
    }

    #[test]
    fn fastest_first_in_every_run_holds() {
        let outcome = report(&figures(vec![vec![4, 3, 2, 1, 0]; 2]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(outcome.runs.len(), 2);
    }

    #[test]
    fn submission_order_does_not_hold() {
        let outcome = report(&figures(vec![vec![0, 1, 2, 3, 4]; 2]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn one_run_out_of_order_is_partly() {
        let outcome = report(&figures(vec![vec![4, 3, 2, 1, 0], vec![4, 3, 1, 2, 0]]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Partly);
    }
}
