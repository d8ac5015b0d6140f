//! Experiment `killed-worker`: a worker killed in the middle of a task, and the task finishing on
//! another worker once its lease runs out.
//!
//! A task held at a gate (it connects to this program when it starts, and finishes when let
//! through) makes "in the middle" certain rather than a matter of timing. The worker holding it
//! is found in Redis's own pending list and killed with SIGKILL: no goodbye, as a crash, the OOM
//! killer or a lost machine. Python task queues built on a plain list lose that task (rq#1461);
//! a stream's consumer group keeps it until a worker acknowledges it.

use std::time::Duration;

use futures_api::tasks::Task;
use futures_api::{Executor, TaskFuture};
use lesson_kit::{Claim, Figure, Outcome, Run, Source, Verdict};
use serde::Serialize;

use super::{LessonError, Settings, no_broker, this_program};
use crate::gate::Gate;
use crate::{LocalRedis, LocalWorkers, RedisExecutor, RedisOptions, WorkerOptions};

/// How long a task may go without its worker's heartbeat: short, so the demonstration is quick.
const LEASE_MS: u64 = 1_000;
/// A bound on every wait: reaching it is a failure, reported, not a hang.
const PATIENCE: Duration = Duration::from_secs(60);

#[derive(Debug, Default, Serialize)]
pub struct Figures {
    pub skipped: Option<String>,
    pub workers: usize,
    /// The tasks submitted (the gated one and ordinary countdowns).
    pub tasks: usize,
    /// Tasks whose future came back with a value.
    pub completed: usize,
    /// The worker killed under the gated task, and the one that finished it.
    pub killed: Option<u32>,
    pub finished_by: Option<u32>,
    /// Results from a second delivery, and results dropped as duplicates.
    pub redeliveries: u64,
    pub duplicates: u64,
    /// From the first submit to the last result, the lease's wait included.
    pub seconds: f64,
    /// What went wrong, if anything (a wait that reached its bound, a failed task).
    pub trouble: Vec<String>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    if let Some(reason) = no_broker() {
        return Ok(Figures {
            skipped: Some(reason),
            ..Figures::default()
        });
    }
    let workers = settings.lesson.workers().max(2);
    let redis = LocalRedis::start()?;
    let options = WorkerOptions {
        lease_ms: LEASE_MS,
        ..WorkerOptions::default()
    };
    let mut local = LocalWorkers::start(&this_program()?, workers, &redis.url(), &options)?;
    let executor = RedisExecutor::<Task>::connect(
        &redis.url(),
        RedisOptions {
            workers,
            ..RedisOptions::default()
        },
    )?;
    let mut gate = Gate::new()?;
    let mut figures = Figures {
        workers,
        ..Figures::default()
    };
    let started = std::time::Instant::now();
    // ANCHOR: kill
    let gated = executor.submit(gate.task(1)?)?;
    let mut futures: Vec<TaskFuture<_>> = vec![gated.clone()];
    for _ in 0..4 * workers {
        let countdown = Task::Countdown(settings.size(300_000, 3_000_000));
        futures.push(executor.submit(countdown)?);
    }
    figures.tasks = futures.len();
    gate.next_arrival(PATIENCE)?;
    // Which worker has the gated task: the one the group's pending list
    // names for it.
    let holder = wait_for_holder(&local, &redis.url(), &gated)?;
    local.kill(holder);
    figures.killed = Some(holder);
    // Another worker claims it once the lease has run out, and runs it from
    // the start.
    match gate.next_arrival(PATIENCE) {
        Ok(_) => gate.open_all(),
        Err(e) => figures.trouble.push(e.to_string()),
    }
    // ANCHOR_END: kill
    for future in &futures {
        match future.result(Some(PATIENCE)) {
            Ok(answer) => {
                figures.completed += 1;
                if future.same_as(&gated) {
                    figures.finished_by = Some(answer.ran.pid);
                }
            }
            Err(e) => figures.trouble.push(e.to_string()),
        }
    }
    figures.seconds = started.elapsed().as_secs_f64();
    figures.redeliveries = executor.redeliveries();
    figures.duplicates = executor.duplicates();
    Ok(figures)
}

/// The worker that holds the gated task: the only busy one that is at the gate. Countdowns may
/// be running on others, so it asks until exactly the holder of an unacknowledged gate task is
/// known: the gated task is the first submitted, so its worker is the first busy one listed.
fn wait_for_holder(
    local: &LocalWorkers,
    url: &str,
    gated: &TaskFuture<futures_api::tasks::Answer>,
) -> Result<u32, LessonError> {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let busy = local.busy(url, crate::frames::FUTURES)?;
        if let (Some(first), true) = (busy.first(), gated.running()) {
            return Ok(*first);
        }
        if std::time::Instant::now() >= deadline {
            return Err(std::io::Error::other("the gated task's worker was never listed").into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let outcome = Outcome::new("killed-worker", "A worker killed mid-task");
    if let Some(reason) = &figures.skipped {
        return outcome.finding(reason.clone());
    }
    let mut outcome = outcome
        .intro(format!(
            "{} tasks on {} workers; the worker running the first one is killed (SIGKILL).",
            figures.tasks, figures.workers
        ))
        .run(
            Run::new(
                "Redis broker",
                Duration::from_secs_f64(figures.seconds.max(0.0)),
            )
            .figure("completed", Figure::Count(figures.completed as u64))
            .figure("delivered again", Figure::Count(figures.redeliveries))
            .figure("duplicates dropped", Figure::Count(figures.duplicates)),
        );
    for trouble in &figures.trouble {
        outcome = outcome.problem(trouble.clone());
    }
    if let (Some(killed), Some(by)) = (figures.killed, figures.finished_by) {
        outcome = outcome.finding(format!(
            "Worker {killed} was killed holding the task; worker {by} claimed it after its \
             lease ({LEASE_MS} ms without a heartbeat) and finished it."
        ));
    }
    outcome.claim(lost_claim(figures))
}

fn lost_claim(figures: &Figures) -> Claim {
    let all = figures.completed == figures.tasks && figures.tasks > 0;
    let elsewhere = figures.finished_by.is_some() && figures.finished_by != figures.killed;
    Claim::new(
        "A worker killed mid-task loses the task it was running.",
        Source::link("rq#1461", "https://github.com/rq/rq/issues/1461"),
    )
    .measured(format!(
        "{} of {} tasks completed; the killed worker's task was finished by another: {}.",
        figures.completed,
        figures.tasks,
        if elsewhere { "yes" } else { "no" }
    ))
    .verdict(if all && elsewhere {
        Verdict::DoesNotHold
    } else {
        Verdict::Holds
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> Figures {
        Figures {
            skipped: None,
            workers: 2,
            tasks: 9,
            completed: 9,
            killed: Some(100),
            finished_by: Some(200),
            redeliveries: 1,
            duplicates: 0,
            seconds: 1.5,
            trouble: Vec::new(),
        }
    }

    #[test]
    fn every_task_completed_elsewhere_means_nothing_was_lost() {
        let outcome = report(&figures());
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
        assert!(outcome.findings[0].contains("worker 200"));
    }

    #[test]
    fn a_task_missing_means_the_claim_holds_here_and_the_trouble_is_shown() {
        let mut figures = figures();
        figures.completed = 8;
        figures.trouble = vec!["the task was not done in time".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(outcome.problems.len(), 1);
    }

    #[test]
    fn skipped_without_redis_says_how_to_install() {
        let outcome = report(&Figures {
            skipped: Some("sudo apt-get install redis-server".into()),
            ..Figures::default()
        });
        assert!(outcome.claims.is_empty());
        assert!(outcome.findings[0].contains("apt-get install redis-server"));
    }
}
