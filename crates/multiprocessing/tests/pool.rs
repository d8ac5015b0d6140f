//! The pool's behaviour: order, completeness, errors, dead workers, and no orphans.
//!
//! The workers are the lesson's own binary (`--child pool-worker`), started by its path. Every
//! test that could hang if the pool were wrong runs inside `finish_within`, whose limit is a
//! safety net far above what the work needs: it never judges speed.

use std::collections::BTreeSet;
use std::io;
use std::process::Command;
use std::time::Duration;

use lesson_kit::finish_within;
use multiprocessing::pool::default_chunksize;
use multiprocessing::{Answer, Death, Pool, Task, TaskError};

const LIMIT: Duration = Duration::from_secs(60);

fn lesson_worker() -> io::Result<Command> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_multiprocessing"));
    command.args(["--child", "pool-worker"]);
    // A panicking worker's message is one line; a backtrace would be forty.
    command.env("RUST_BACKTRACE", "0");
    Ok(command)
}

fn pool(processes: usize) -> Pool<Task> {
    Pool::with_command(processes, lesson_worker).expect("the workers start")
}

/// Tasks whose answers say which task they were: `Receive(i bytes)` answers `Received(i)`.
fn numbered(count: usize) -> Vec<Task> {
    (0..count).map(|i| Task::Receive(vec![7; i])).collect()
}

#[test]
fn map_returns_results_in_the_order_of_the_tasks() {
    let results = finish_within("map", LIMIT, || pool(3).map_chunked(numbered(20), 2));
    let received: Vec<Answer> = results.into_iter().map(|r| r.expect("no error")).collect();
    let expected: Vec<Answer> = (0..20).map(Answer::Received).collect();
    assert_eq!(received, expected);
}

#[test]
fn imap_unordered_answers_every_task_exactly_once() {
    let indexes = finish_within("imap_unordered", LIMIT, || {
        let pool = pool(2);
        let finished: Vec<_> = pool.imap_unordered(numbered(15), 1).collect();
        finished
            .into_iter()
            .map(|f| {
                assert_eq!(f.result, Ok(Answer::Received(f.index as u64)));
                assert!(f.ran.is_some(), "a task that ran says where");
                f.index
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(indexes.len(), 15);
    let unique: BTreeSet<usize> = indexes.into_iter().collect();
    assert_eq!(unique, (0..15).collect());
}

#[test]
fn apply_async_gets_one_result() {
    let answer = finish_within("apply_async", LIMIT, || {
        pool(1).apply_async(Task::Receive(vec![1, 2, 3])).get()
    });
    assert_eq!(answer, Ok(Answer::Received(3)));
}

#[test]
fn a_task_error_comes_back_as_that_tasks_err_and_the_others_succeed() {
    let results = finish_within("map with a failing task", LIMIT, || {
        let tasks = vec![
            Task::Nothing,
            Task::Fail("no such file".into()),
            Task::Nothing,
        ];
        pool(2).map(tasks)
    });
    assert_eq!(results[0], Ok(Answer::Nothing));
    assert_eq!(
        results[1],
        Err(TaskError::Failed {
            index: 1,
            message: "no such file".into()
        })
    );
    assert_eq!(results[2], Ok(Answer::Nothing));
}

fn a_dead_worker_is_reported_and_the_rest_completes(death: Death, how: &str) {
    let results = finish_within("map with a dying worker", LIMIT, move || {
        let mut tasks = numbered(6);
        tasks.insert(3, Task::Die(death));
        // Chunks of 2: the dying task shares its chunk with task 2 (before it) and 4 (after).
        pool(2).map_chunked(tasks, 2)
    });
    assert_eq!(results.len(), 7);
    for (index, result) in results.iter().enumerate() {
        if index == 3 {
            let Err(TaskError::Broken(broken)) = result else {
                panic!("task 3 should have broken its worker: {result:?}");
            };
            assert_eq!(broken.index, 3);
            assert!(broken.task.contains(&format!("{death:?}")), "{broken}");
            assert!(broken.how.contains(how), "{broken}");
            assert!(broken.to_string().contains("task 3"), "{broken}");
        } else {
            let expected = if index < 3 { index } else { index - 1 };
            assert_eq!(
                result,
                &Ok(Answer::Received(expected as u64)),
                "task {index}"
            );
        }
    }
}

/// One worker, one task per chunk: while it runs a task, the next waits in its pipe. A worker
/// killed under task 1 takes the queued task 2 with it; task 2 must still run, on the new worker.
#[test]
fn a_task_queued_behind_one_that_kills_its_worker_still_runs() {
    let results = finish_within("a death with a task queued", LIMIT, || {
        let mut tasks = numbered(5);
        tasks.insert(1, Task::Die(Death::Kill));
        pool(1).map_chunked(tasks, 1)
    });
    assert!(
        matches!(results[1], Err(TaskError::Broken(_))),
        "{results:?}"
    );
    for (index, result) in results.iter().enumerate().filter(|(i, _)| *i != 1) {
        let expected = if index < 1 { index } else { index - 1 };
        assert_eq!(
            result,
            &Ok(Answer::Received(expected as u64)),
            "task {index}"
        );
    }
}

/// A chunk bigger than a pipe is sure to hold is not queued behind a running one (its write
/// could block while the worker blocks on answers nobody reads); it goes once the worker is idle.
#[test]
fn chunks_too_big_to_queue_in_a_pipe_all_run() {
    let results = finish_within("big chunks", LIMIT, || {
        let tasks = (0..8).map(|i| Task::Receive(vec![1; 100_000 * (i % 2) + i]));
        pool(1).map_chunked(tasks, 1)
    });
    let expected: Vec<_> = (0..8)
        .map(|i| Ok(Answer::Received((100_000 * (i % 2) + i) as u64)))
        .collect();
    assert_eq!(results, expected);
}

#[test]
fn a_panicking_worker_breaks_its_task_only() {
    a_dead_worker_is_reported_and_the_rest_completes(Death::Panic, "exited with code 101");
}

#[test]
fn an_aborting_worker_breaks_its_task_only() {
    a_dead_worker_is_reported_and_the_rest_completes(Death::Abort, "SIGABRT");
}

#[test]
fn a_killed_worker_breaks_its_task_only() {
    a_dead_worker_is_reported_and_the_rest_completes(Death::Kill, "SIGKILL");
}

#[test]
fn a_panic_is_reported_with_its_message() {
    let result = finish_within("apply_async of a panic", LIMIT, || {
        pool(1).apply_async(Task::Die(Death::Panic)).get()
    });
    let Err(TaskError::Broken(broken)) = result else {
        panic!("expected a broken pool: {result:?}");
    };
    let words = broken.last_words.unwrap_or_default();
    assert!(words.contains("panics on purpose"), "{words}");
}

#[test]
fn dropping_the_pool_leaves_no_worker_behind() {
    let pids = finish_within("drop", LIMIT, || {
        let pool = pool(3);
        // Make sure every worker is up and serving before the drop.
        let results = pool.map_chunked((0..6).map(|_| Task::Nothing), 1);
        assert!(results.iter().all(Result::is_ok));
        let pids = pool.pids();
        assert_eq!(pids.len(), 3);
        drop(pool);
        pids
    });
    for pid in pids {
        assert!(
            !process_exists(pid),
            "worker {pid} outlived its pool (an orphan or a zombie)"
        );
    }
}

#[test]
fn a_pool_dropped_mid_task_kills_its_workers_and_cancels_the_rest() {
    let (pids, late) = finish_within("drop during work", LIMIT, || {
        let pool = pool(1);
        let pids = pool.pids();
        // A long countdown, then a task queued behind it: the drop kills one, cancels the other.
        let _busy = pool.apply_async(Task::Countdown(u64::MAX / 2));
        let late = pool.apply_async(Task::Nothing);
        drop(pool);
        (pids, late.get())
    });
    assert_eq!(late, Err(TaskError::Cancelled { index: 0 }));
    for pid in pids {
        assert!(!process_exists(pid), "worker {pid} outlived its pool");
    }
}

#[test]
fn a_pool_needs_a_process() {
    assert!(Pool::<Task>::with_command(0, lesson_worker).is_err());
}

#[test]
fn the_default_chunksize_is_pythons() {
    // divmod(len, 4 * processes), rounded up.
    assert_eq!(default_chunksize(100, 4), 7);
    assert_eq!(default_chunksize(16, 4), 1);
    assert_eq!(default_chunksize(17, 4), 2);
    assert_eq!(default_chunksize(0, 4), 1);
}

/// Whether a process with this id exists, zombie or not (Linux: its /proc entry).
fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}
