//! The Redis backend's semantics, against a redis-server each test starts on a free loopback
//! port (never one it did not start). Skipped, saying so, when redis-server is not installed.
//!
//! No sleeps stand for work and nothing asserts a duration: tasks that must be *seen* running
//! connect to a gate this test holds ([`Gate`]), and every wait is bounded by a deadline that
//! fails the test instead of hanging it.

use std::path::Path;
use std::time::{Duration, Instant};

use broker::gate::Gate;
use broker::local::redis_server;
use broker::{LocalRedis, LocalWorkers, RedisExecutor, RedisOptions, WorkerOptions};
use futures_api::tasks::{Death, Task};
use futures_api::{Executor, FutureError, MapOptions, SubmitError};

/// Long enough for a loaded CI machine; a test that reaches it has failed, not waited.
const PATIENCE: Duration = Duration::from_secs(60);

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_broker"))
}

/// A local server, or `None` after saying why the test is skipped.
fn server() -> Option<LocalRedis> {
    if redis_server().is_none() {
        eprintln!("SKIPPED: redis-server is not installed (sudo apt-get install redis-server)");
        return None;
    }
    Some(LocalRedis::start().expect("start a local redis-server"))
}

fn executor(redis: &LocalRedis, workers: usize, max_deliveries: u64) -> RedisExecutor<Task> {
    let options = RedisOptions {
        workers,
        max_deliveries,
        ..RedisOptions::default()
    };
    RedisExecutor::connect(&redis.url(), options).expect("connect")
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn map_returns_results_in_the_order_of_the_tasks() {
    let Some(redis) = server() else { return };
    let _workers = LocalWorkers::start(program(), 3, &redis.url(), &WorkerOptions::default())
        .expect("workers");
    let executor = executor(&redis, 3, 3);
    let expected: Vec<u64> = (0..30u64).map(|n| n * n).collect();
    for chunksize in [1, 4] {
        let options = MapOptions::default().chunksize(chunksize).timeout(PATIENCE);
        let values: Vec<u64> = executor
            .map((0..30).map(Task::Square), options)
            .map(|r| r.expect("a square").value)
            .collect();
        assert_eq!(values, expected, "chunksize {chunksize}");
    }
    assert_eq!(executor.duplicates(), 0);
}

#[test]
fn a_failing_task_fails_its_future_only() {
    let Some(redis) = server() else { return };
    let _workers = LocalWorkers::start(program(), 1, &redis.url(), &WorkerOptions::default())
        .expect("workers");
    let executor = executor(&redis, 1, 3);
    let failing = executor.submit(Task::Fail("no".into())).expect("submit");
    let fine = executor.submit(Task::Square(3)).expect("submit");
    assert_eq!(
        failing.result(Some(PATIENCE)),
        Err(FutureError::Failed("no".into()))
    );
    assert_eq!(fine.result(Some(PATIENCE)).expect("square").value, 9);
}

#[test]
fn a_killed_workers_task_is_claimed_again_and_completed() {
    let Some(redis) = server() else { return };
    let options = WorkerOptions {
        lease_ms: 300,
        heartbeat: true,
        ..WorkerOptions::default()
    };
    let mut workers = LocalWorkers::start(program(), 1, &redis.url(), &options).expect("workers");
    let executor = executor(&redis, 2, 3);
    let mut gate = Gate::new().expect("gate");
    let future = executor
        .submit(gate.task(1).expect("gate task"))
        .expect("submit");
    assert_eq!(gate.next_arrival(PATIENCE).expect("arrival"), 1);
    wait_until("the future to be running", || future.running());
    let first = workers.pids()[0];
    assert!(workers.kill(first));
    workers
        .add(program(), &redis.url(), &options)
        .expect("a second worker");
    // The second worker claims the task once its lease has run out, and runs it again.
    assert_eq!(gate.next_arrival(PATIENCE).expect("arrival"), 1);
    gate.open_all();
    assert_eq!(future.result(Some(PATIENCE)).expect("completed").value, 1);
    assert_eq!(executor.redeliveries(), 1);
    assert_eq!(executor.duplicates(), 0);
}

#[test]
fn a_task_longer_than_its_lease_runs_twice_and_the_second_result_is_dropped() {
    let Some(redis) = server() else { return };
    let options = WorkerOptions {
        lease_ms: 300,
        heartbeat: false,
        ..WorkerOptions::default()
    };
    let _workers = LocalWorkers::start(program(), 2, &redis.url(), &options).expect("workers");
    let executor = executor(&redis, 2, 5);
    let mut gate = Gate::new().expect("gate");
    let future = executor
        .submit(gate.task(7).expect("gate task"))
        .expect("submit");
    // Held at the gate past its lease, with no heartbeat: the other worker claims it too.
    assert_eq!(gate.next_arrival(PATIENCE).expect("arrival"), 7);
    assert_eq!(gate.next_arrival(PATIENCE).expect("arrival"), 7);
    gate.open_all();
    assert_eq!(future.result(Some(PATIENCE)).expect("completed").value, 7);
    wait_until("the second result", || executor.duplicates() == 1);
}

#[test]
fn a_task_that_kills_every_worker_is_reported_broken_after_max_deliveries() {
    let Some(redis) = server() else { return };
    let options = WorkerOptions {
        lease_ms: 300,
        heartbeat: true,
        ..WorkerOptions::default()
    };
    let mut workers = LocalWorkers::start(program(), 3, &redis.url(), &options).expect("workers");
    let executor = executor(&redis, 3, 2);
    let future = executor.submit(Task::Die(Death::Kill)).expect("submit");
    match future.result(Some(PATIENCE)) {
        Err(FutureError::Broken(broken)) => {
            assert!(
                broken.reason.contains("delivered 2 times"),
                "{}",
                broken.reason
            );
        }
        other => panic!("expected BrokenExecutor, got {other:?}"),
    }
    assert_eq!(
        workers.alive(),
        1,
        "two workers died under the task, the third refused it"
    );
    // The executor itself still works: one bad task does not break it.
    let next = executor.submit(Task::Square(4)).expect("submit");
    assert_eq!(next.result(Some(PATIENCE)).expect("square").value, 16);
}

#[test]
fn shutdown_refuses_new_tasks_and_can_cancel_queued_ones() {
    let Some(redis) = server() else { return };
    // No worker at all: every task stays queued.
    let executor = executor(&redis, 1, 3);
    let queued: Vec<_> = (0..3)
        .map(|n| executor.submit(Task::Square(n)).expect("submit"))
        .collect();
    executor.shutdown(true, true);
    assert!(queued.iter().all(|f| f.cancelled()));
    assert_eq!(
        executor.submit(Task::Square(1)).err(),
        Some(SubmitError::Shutdown)
    );
}

#[test]
fn shutdown_with_wait_returns_once_every_task_is_done() {
    let Some(redis) = server() else { return };
    let _workers = LocalWorkers::start(program(), 2, &redis.url(), &WorkerOptions::default())
        .expect("workers");
    let executor = executor(&redis, 2, 3);
    let futures: Vec<_> = (0..10)
        .map(|n| executor.submit(Task::Square(n)).expect("submit"))
        .collect();
    executor.shutdown(true, false);
    assert!(futures.iter().all(|f| f.done() && !f.cancelled()));
}

#[test]
fn a_bad_url_is_a_clear_error() {
    let error = RedisExecutor::<Task>::connect("http://nowhere", RedisOptions::default())
        .err()
        .expect("refused");
    assert!(error.to_string().contains("http://nowhere"), "{error}");
}

#[test]
fn as_completed_yields_every_future_of_the_broker() {
    let Some(redis) = server() else { return };
    let _workers = LocalWorkers::start(program(), 2, &redis.url(), &WorkerOptions::default())
        .expect("workers");
    let executor = executor(&redis, 2, 3);
    let futures: Vec<_> = (1..=6)
        .map(|n| executor.submit(Task::Square(n)).expect("submit"))
        .collect();
    let mut values: Vec<u64> = futures_api::as_completed(&futures, Some(PATIENCE))
        .map(|f| f.expect("in time").result(None).expect("square").value)
        .collect();
    values.sort_unstable();
    assert_eq!(values, vec![1, 4, 9, 16, 25, 36]);
}

#[test]
fn a_queued_task_can_be_cancelled_and_a_running_one_cannot() {
    let Some(redis) = server() else { return };
    let executor = executor(&redis, 1, 3);
    // No worker yet: the first task stays queued, and cancelling deletes its entry.
    let queued = executor.submit(Task::Square(5)).expect("submit");
    assert!(queued.cancel());
    let mut gate = Gate::new().expect("gate");
    let held = executor
        .submit(gate.task(3).expect("gate task"))
        .expect("submit");
    let _workers = LocalWorkers::start(program(), 1, &redis.url(), &WorkerOptions::default())
        .expect("workers");
    assert_eq!(gate.next_arrival(PATIENCE).expect("arrival"), 3);
    wait_until("the future to be running", || held.running());
    assert!(!held.cancel(), "a running task cannot be cancelled");
    gate.open_all();
    assert_eq!(held.result(Some(PATIENCE)).expect("completed").value, 3);
    assert!(queued.cancelled());
    assert_eq!(executor.duplicates(), 0);
}

#[test]
fn a_task_its_worker_cannot_read_fails_instead_of_vanishing() {
    let Some(redis) = server() else { return };
    let _workers = LocalWorkers::start(program(), 1, &redis.url(), &WorkerOptions::default())
        .expect("workers");
    // The multiprocessing lesson's tasks, sent to the queue of futures-api's: a wrong worker.
    let options = RedisOptions {
        workers: 1,
        ..RedisOptions::default()
    };
    let executor =
        RedisExecutor::<multiprocessing::Task>::connect(&redis.url(), options).expect("connect");
    let future = executor
        .submit(multiprocessing::Task::Nothing)
        .expect("submit");
    match future.result(Some(PATIENCE)) {
        Err(FutureError::Failed(reason)) => assert!(reason.contains("cannot read"), "{reason}"),
        other => panic!("expected a failure, got {other:?}"),
    }
}
