//! Experiment `cost`: what a trip through Redis costs per task, against the process pool on the
//! same machine, and from what task size it stops mattering.
//!
//! Both executors run the same tasks through the same `Executor` calls (the third backend is one
//! word away from the second): a round trip for one tiny task at a time (the latency), `map` over
//! many tiny tasks (tasks per second), and the CPU snippet's countdowns at two sizes. The two
//! backends take turns, repeat after repeat, so a busy moment of the machine hits both.

use futures_api::tasks::Task;
use futures_api::{Executor, MapOptions, ProcessPoolExecutor};
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Source, Unit, Verdict, alternate};
use serde::Serialize;
use std::time::{Duration, Instant};

use super::{LessonError, Settings, no_broker, this_program};
use crate::{LocalRedis, LocalWorkers, RedisExecutor, RedisOptions, WorkerOptions};

/// One run of one backend: seconds for each part.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Costs {
    /// One tiny task submitted and waited for, one after the other: seconds per task.
    pub latency: Vec<f64>,
    /// `map` over `tasks` tiny tasks: seconds for all of them.
    pub many: Vec<f64>,
    /// `map` over `2 × workers` countdowns of each size: seconds.
    pub countdowns: [Vec<f64>; 2],
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub workers: usize,
    /// How many tiny tasks `map` ran per run.
    pub tasks: usize,
    /// The countdowns' two sizes (steps).
    pub sizes: [u64; 2],
    pub process: Costs,
    /// `None` when redis-server is not installed: `skipped` says so.
    pub broker: Option<Costs>,
    pub skipped: Option<String>,
    /// Tasks that failed, on either backend.
    pub failures: usize,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let workers = settings.lesson.workers();
    let tasks = settings.size(500, 5_000);
    let sizes = settings.size([200_000, 5_000_000], [2_000_000, 50_000_000]);
    let process = ProcessPoolExecutor::<Task>::new(workers)?;
    let skipped = no_broker();
    // The server and workers live for the whole experiment: their start is not a per-task cost.
    let local = match skipped {
        None => Some(start_broker(workers)?),
        Some(_) => None,
    };
    let mut failures = 0;
    let mut process_costs = Costs::default();
    let mut broker_costs = Costs::default();
    let mut run_process =
        || failures += one_run(&process, workers, tasks, sizes, &mut process_costs);
    match &local {
        Some((_, _, broker)) => {
            let mut broker_failures = 0;
            let mut run_broker =
                || broker_failures += one_run(broker, workers, tasks, sizes, &mut broker_costs);
            alternate(settings.repeat, [&mut run_process, &mut run_broker]);
            failures += broker_failures;
        }
        None => {
            alternate(settings.repeat, [&mut run_process]);
        }
    }
    Ok(Figures {
        workers,
        tasks,
        sizes,
        process: process_costs,
        broker: local.map(|_| broker_costs),
        skipped,
        failures,
    })
}

type Broker = (LocalRedis, LocalWorkers, RedisExecutor<Task>);

fn start_broker(workers: usize) -> Result<Broker, LessonError> {
    let redis = LocalRedis::start()?;
    let program = this_program()?;
    let local = LocalWorkers::start(&program, workers, &redis.url(), &WorkerOptions::default())?;
    let options = RedisOptions {
        workers,
        ..RedisOptions::default()
    };
    let executor = RedisExecutor::connect(&redis.url(), options)?;
    Ok((redis, local, executor))
}

// ANCHOR: same_code
/// The same calls on any backend: returns how many tasks failed, and adds
/// the times to `costs`.
fn one_run(
    executor: &impl Executor<Task>,
    workers: usize,
    tasks: usize,
    sizes: [u64; 2],
    costs: &mut Costs,
) -> usize {
    let mut failed = 0;
    let round_trips = 20;
    let started = Instant::now();
    for n in 0..round_trips {
        let answer = executor.submit(Task::Square(n)).map(|f| f.result(None));
        failed += usize::from(!matches!(answer, Ok(Ok(_))));
    }
    costs
        .latency
        .push(seconds(started.elapsed()) / round_trips as f64);

    let started = Instant::now();
    let squares = (0..tasks as u64).map(Task::Square);
    failed += executor
        .map(squares, MapOptions::default())
        .filter(Result::is_err)
        .count();
    costs.many.push(seconds(started.elapsed()));

    for (size, times) in sizes.iter().zip(&mut costs.countdowns) {
        let started = Instant::now();
        let countdowns = (0..2 * workers).map(|_| Task::Countdown(*size));
        failed += executor
            .map(countdowns, MapOptions::default())
            .filter(Result::is_err)
            .count();
        times.push(seconds(started.elapsed()));
    }
    failed
}
// ANCHOR_END: same_code

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome = Outcome::new("cost", "What the broker costs per task").intro(format!(
        "The same tasks on ProcessPoolExecutor({n}) and on Redis with {n} workers, taking turns.",
        n = figures.workers
    ));
    outcome = outcome.run(row("process pool", &figures.process, figures));
    if let Some(reason) = &figures.skipped {
        return outcome.finding(reason.clone());
    }
    let Some(broker) = &figures.broker else {
        return outcome;
    };
    outcome = outcome.run(row("Redis broker", broker, figures));
    if figures.failures > 0 {
        return outcome.problem(format!("{} task(s) failed", figures.failures));
    }
    let overhead = overhead(&figures.process, broker);
    let [small, big] = [0, 1].map(|i| {
        Samples::ratios(
            &secs(&broker.countdowns[i]),
            &secs(&figures.process.countdowns[i]),
        )
    });
    outcome
        .finding(format!(
            "Each task pays {overhead} more through Redis than through the pool's pipes \
             (median of {} repeats).",
            overhead.len()
        ))
        .finding(format!(
            "Countdowns of {} steps took {small} the pool's time; of {} steps, {big}: the bigger \
             the task, the less the trip matters. At ten times the overhead ({}) per task, it is \
             a tenth of the work.",
            figures.sizes[0],
            figures.sizes[1],
            Unit::Seconds.format(10.0 * overhead.median())
        ))
        .claim(overhead_claim(&overhead))
}

fn secs(values: &[f64]) -> Samples {
    Samples::new(Unit::Seconds, values.iter().copied())
}

/// The broker's extra latency per task, repeat by repeat.
fn overhead(process: &Costs, broker: &Costs) -> Samples {
    let extra = broker
        .latency
        .iter()
        .zip(&process.latency)
        .map(|(b, p)| b - p);
    Samples::new(Unit::Seconds, extra)
}

fn row(label: &str, costs: &Costs, figures: &Figures) -> Run {
    let many = secs(&costs.many);
    let tasks = figures.tasks as f64;
    Run::new(label, Duration::from_secs_f64(many.median().max(0.0)))
        .figure("latency/task", Figure::Spread(secs(&costs.latency)))
        .figure(
            "tasks/s",
            Figure::Spread(many.map(Unit::Count, |s| (tasks / s).round())),
        )
        .figure(
            "small countdowns",
            Figure::Spread(secs(&costs.countdowns[0])),
        )
        .figure("big countdowns", Figure::Spread(secs(&costs.countdowns[1])))
}

fn overhead_claim(overhead: &Samples) -> Claim {
    Claim::new(
        "Every task on a distributed scheduler carries an overhead of up to about a millisecond.",
        Source::link(
            "Dask best practices",
            "https://docs.dask.org/en/stable/best-practices.html",
        ),
    )
    .measured(format!(
        "Redis added {overhead} per task over the process pool."
    ))
    .judge(overhead, |s| match s {
        s if s <= 0.0015 => Verdict::Holds,
        s if s <= 0.01 => Verdict::Partly,
        _ => Verdict::DoesNotHold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn costs(latency: f64) -> Costs {
        Costs {
            latency: vec![latency, latency * 1.1],
            many: vec![0.5, 0.6],
            countdowns: [vec![0.1, 0.1], vec![1.0, 1.1]],
        }
    }

    fn figures(broker: Option<Costs>) -> Figures {
        Figures {
            workers: 2,
            tasks: 500,
            sizes: [200_000, 5_000_000],
            process: costs(0.0001),
            skipped: broker
                .is_none()
                .then(|| "redis-server is not installed".into()),
            broker,
            failures: 0,
        }
    }

    #[test]
    fn a_sub_millisecond_overhead_holds() {
        let outcome = report(&figures(Some(costs(0.0006))));
        assert_eq!(outcome.runs.len(), 2);
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
    }

    #[test]
    fn a_twenty_millisecond_overhead_does_not_hold() {
        let outcome = report(&figures(Some(costs(0.02))));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn without_redis_the_pool_still_runs_and_the_reader_is_told_how_to_install() {
        let outcome = report(&figures(None));
        assert_eq!(outcome.runs.len(), 1);
        assert!(outcome.claims.is_empty());
        assert!(outcome.findings.iter().any(|f| f.contains("redis-server")));
    }

    #[test]
    fn failures_are_a_problem_and_judge_nothing() {
        let mut figures = figures(Some(costs(0.0006)));
        figures.failures = 2;
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.claims.is_empty());
    }
}
