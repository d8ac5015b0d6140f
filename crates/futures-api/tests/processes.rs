//! The process executor: the same semantics as the thread executor, on the multiprocessing
//! lesson's pool, plus what only processes have: a worker that dies, under both policies.
//!
//! The workers are this lesson's binary (`--child pool-worker`), started by its path. Tasks are
//! held at [`Gates`] (sockets work across processes), never by sleeping; `finish_within` is a
//! safety net against hangs, not a judge of speed.

use std::io;
use std::process::Command;
use std::time::Duration;

use futures_api::gates::Gates;
use futures_api::tasks::{Death, Task};
use futures_api::{
    Executor, FutureError, MapOptions, OnBrokenWorker, ProcessPoolExecutor, SubmitError,
    as_completed,
};
use lesson_kit::finish_within;
use proptest::prelude::*;

const LIMIT: Duration = Duration::from_secs(60);

fn lesson_worker() -> io::Result<Command> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_futures-api"));
    command.args(["--child", "pool-worker"]);
    // A panicking worker's message is one line; a backtrace would be forty.
    command.env("RUST_BACKTRACE", "0");
    Ok(command)
}

fn executor(workers: usize, policy: OnBrokenWorker) -> ProcessPoolExecutor<Task> {
    ProcessPoolExecutor::with_command(workers, policy, lesson_worker).expect("the workers start")
}

proptest! {
    // Each case starts worker processes: a few cases say enough.
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn map_keeps_the_order_of_the_tasks_at_any_chunksize(
        count in 0..60u64,
        chunksize in 1..9usize,
        workers in 1..4usize,
    ) {
        let values = finish_within("map", LIMIT, move || {
            let executor = executor(workers, OnBrokenWorker::BreakThePool);
            let tasks = (0..count).map(Task::Square);
            let options = MapOptions::default().chunksize(chunksize);
            executor.map(tasks, options).map(|r| r.map(|a| a.value)).collect::<Vec<_>>()
        });
        prop_assert_eq!(values, (0..count).map(|i| Ok(i * i)).collect::<Vec<_>>());
    }
}

#[test]
fn a_killed_worker_breaks_the_executor_by_cpython_s_policy() {
    let (dead, held, refused, pids) = finish_within("broken pool", LIMIT, || {
        let mut gates = Gates::new().unwrap();
        let executor = executor(2, OnBrokenWorker::BreakThePool);
        let held = executor.submit(gates.task(0)).unwrap();
        gates.wait_for(0).unwrap();
        let dead = executor
            .submit(Task::Die(Death::Kill))
            .unwrap()
            .result(None);
        // The other worker, still at its gate, was stopped with the pool.
        let held = held.result(None);
        let refused = executor.submit(Task::Square(2)).err();
        (dead, held, refused, executor.pids())
    });
    let Err(FutureError::Broken(broken)) = dead else {
        panic!("the task whose worker died is broken: {dead:?}");
    };
    assert!(broken.reason.contains("SIGKILL"), "{}", broken.reason);
    assert!(
        matches!(held, Err(FutureError::Broken(_))),
        "the other running task is broken too: {held:?}"
    );
    assert!(
        matches!(refused, Some(SubmitError::Broken(_))),
        "{refused:?}"
    );
    assert!(pids.is_empty(), "no worker is left: {pids:?}");
}

#[test]
fn a_killed_worker_is_replaced_by_multiprocessing_s_policy() {
    let results = finish_within("replaced worker", LIMIT, || {
        let executor = executor(2, OnBrokenWorker::ReplaceTheWorker);
        let mut tasks: Vec<Task> = (0..6).map(Task::Square).collect();
        tasks.insert(3, Task::Die(Death::Kill));
        let results: Vec<_> = executor.map(tasks, MapOptions::default()).collect();
        let after = executor.submit(Task::Square(9)).unwrap().result(None);
        (results, after)
    });
    let (results, after) = results;
    assert!(
        matches!(results[3], Err(FutureError::Broken(_))),
        "{:?}",
        results[3]
    );
    let others: Vec<_> = results
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, r)| r.as_ref().map(|a| a.value).ok())
        .collect();
    assert_eq!(others, [0, 1, 4, 9, 16, 25].map(Some));
    assert_eq!(after.map(|a| a.value), Ok(81), "the pool goes on");
}

#[test]
fn a_failing_task_is_its_own_error_and_breaks_nothing() {
    let (failed, fine) = finish_within("failing task", LIMIT, || {
        let executor = executor(1, OnBrokenWorker::BreakThePool);
        let failed = executor
            .submit(Task::Fail("no".into()))
            .unwrap()
            .result(None);
        let fine = executor.submit(Task::Square(3)).unwrap().result(None);
        (failed, fine.map(|a| a.value))
    });
    assert_eq!(failed, Err(FutureError::Failed("no".into())));
    assert_eq!(fine, Ok(9));
}

#[test]
fn a_task_waiting_for_a_worker_can_be_cancelled_one_in_a_worker_cannot() {
    let (running_said, queued_said, queued, order) = finish_within("cancel", LIMIT, || {
        let mut gates = Gates::new().unwrap();
        let executor = executor(1, OnBrokenWorker::BreakThePool);
        let running = executor.submit(gates.task(0)).unwrap();
        gates.wait_for(0).unwrap();
        let queued = executor.submit(Task::Square(5)).unwrap();
        let last = executor.submit(Task::Square(6)).unwrap();
        let running_said = running.cancel();
        let queued_said = queued.cancel();
        let futures = [running, queued.clone(), last];
        // Listening before the gate opens: the cancelled one is done already, the others after.
        let completed = as_completed(&futures, None);
        gates.open(0).unwrap();
        let order: Vec<_> = completed
            .map(|f| f.unwrap().result(None).map(|a| a.value))
            .collect();
        (running_said, queued_said, queued.result(None), order)
    });
    assert!(!running_said);
    assert!(queued_said);
    assert_eq!(queued, Err(FutureError::Cancelled));
    assert_eq!(order, [Err(FutureError::Cancelled), Ok(0), Ok(36)]);
}

#[test]
fn shutdown_waits_for_running_tasks_and_stops_the_workers() {
    let (result, pids, refused) = finish_within("shutdown", LIMIT, || {
        let mut gates = Gates::new().unwrap();
        let executor = executor(2, OnBrokenWorker::BreakThePool);
        let running = executor.submit(gates.task(7)).unwrap();
        gates.wait_for(7).unwrap();
        let opener = std::thread::spawn(move || gates.open(7));
        executor.shutdown(true, false);
        opener.join().unwrap().unwrap();
        (
            running.result(Some(Duration::ZERO)).map(|a| a.value),
            executor.pids(),
            executor.submit(Task::Square(1)).err(),
        )
    });
    assert_eq!(result, Ok(7), "shutdown(wait=True) returned after the task");
    assert!(pids.is_empty());
    assert_eq!(refused, Some(SubmitError::Shutdown));
}
