//! The checks of multiprocessing-2, shared by `exercises` and `solutions`.
//!
//! Each starts a real pool of two worker processes. A pool's workers are normally the lesson's own
//! program started again; here they are the exercises' worker program (`exercises/worker.rs`),
//! which Cargo builds with these checks and whose path it gives them.

use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use multiprocessing::tasks::countdown_in_own_interpreter;
use multiprocessing::{Answer, Death, Pool, Task, TaskError};

use crate::harness::Check;
use crate::target::multiprocessing_2::ordered_map;

pub const CHECKS: &[Check] = &[
    Check {
        name: "results_are_in_the_order_of_the_tasks_for_every_chunksize",
        run: results_are_in_the_order_of_the_tasks_for_every_chunksize,
    },
    Check {
        name: "no_tasks_give_no_results",
        run: no_tasks_give_no_results,
    },
    Check {
        name: "an_error_stays_at_its_own_task_index",
        run: an_error_stays_at_its_own_task_index,
    },
    Check {
        name: "a_task_the_pool_never_answered_is_cancelled_at_its_index",
        run: a_task_the_pool_never_answered_is_cancelled_at_its_index,
    },
];

/// The worker program: `exercises-worker` when the stubs are checked, `solutions-worker` when the
/// model answers are (see exercises/Cargo.toml).
const WORKER_PROGRAM: &str = env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"), "-worker"));

/// How the pool starts a worker: the worker program, told to serve the pool.
fn worker() -> io::Result<Command> {
    let mut command = Command::new(WORKER_PROGRAM);
    command.args([lesson_kit::tour::CHILD_FLAG, multiprocessing::pool::WORKER]);
    // A worker that panics on purpose says so in one line, without a backtrace.
    command.env("RUST_BACKTRACE", "0");
    Ok(command)
}

fn pool() -> Pool<Task> {
    Pool::with_command(2, worker).expect("the check's pool starts its worker processes")
}

/// A slow first task, then quick ones, each answer saying which task it was: `Receive(i bytes)`
/// answers `Received(i)`. The slow one finishes late, so the results arrive out of order.
fn tasks_and_answers(count: usize) -> (Vec<Task>, Vec<Answer>) {
    const SLOW: u64 = 500_000;
    let mut tasks = vec![Task::Countdown(SLOW)];
    let mut answers = vec![Answer::Counted(countdown_in_own_interpreter(SLOW))];
    for i in 1..count {
        tasks.push(Task::Receive(vec![7; i]));
        answers.push(Answer::Received(i as u64));
    }
    (tasks, answers)
}

fn results_are_in_the_order_of_the_tasks_for_every_chunksize() {
    let pool = pool();
    for chunksize in [1, 2, 3, 5, 50] {
        let (tasks, answers) = tasks_and_answers(12);
        let results = ordered_map(&pool, tasks, chunksize);
        let expected: Vec<Result<Answer, TaskError>> = answers.into_iter().map(Ok).collect();
        assert_eq!(
            results, expected,
            "with a chunksize of {chunksize}, results[i] must be the result of tasks[i]"
        );
    }
}

fn no_tasks_give_no_results() {
    let pool = pool();
    let results = ordered_map(&pool, Vec::new(), 1);
    assert!(results.is_empty(), "no tasks, no results: {results:?}");
}

fn an_error_stays_at_its_own_task_index() {
    let pool = pool();
    let tasks = vec![
        Task::Receive(vec![7; 0]),
        Task::Fail("no such image".to_string()),
        Task::Receive(vec![7; 2]),
        Task::Die(Death::Kill),
        Task::Receive(vec![7; 4]),
        Task::Fail("not a PPM file".to_string()),
        Task::Receive(vec![7; 6]),
    ];
    let results = ordered_map(&pool, tasks, 2);
    assert_eq!(results.len(), 7, "one result per task: {results:?}");
    for index in [0, 2, 4, 6] {
        assert_eq!(
            results[index],
            Ok(Answer::Received(index as u64)),
            "results[{index}] must be the result of tasks[{index}]"
        );
    }
    assert_eq!(
        results[1],
        Err(TaskError::Failed {
            index: 1,
            message: "no such image".to_string()
        }),
        "the error of tasks[1] must be at results[1]"
    );
    assert_eq!(
        results[5],
        Err(TaskError::Failed {
            index: 5,
            message: "not a PPM file".to_string()
        }),
        "the error of tasks[5] must be at results[5]"
    );
    assert!(
        matches!(&results[3], Err(TaskError::Broken(broken)) if broken.index == 3),
        "tasks[3] killed its worker: results[3] must be that BrokenPool error, not {:?}",
        results[3]
    );
}

/// How a pool starts a worker that can start only one: the second start fails, as when the
/// machine cannot start another process. (Each check runs in a process of its own, so the first
/// start of this check's pool is the first of its process.)
fn only_one_worker_ever() -> io::Result<Command> {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.swap(true, Ordering::SeqCst) {
        return Err(io::Error::other("no second worker in this check"));
    }
    worker()
}

fn a_task_the_pool_never_answered_is_cancelled_at_its_index() {
    let pool = Pool::with_command(1, only_one_worker_ever)
        .expect("the check's pool starts its one worker process");
    // The one worker answers task 0 and dies of task 1; no worker can replace it, so the pool
    // never runs tasks 2 and 3.
    let tasks = vec![
        Task::Receive(vec![7; 0]),
        Task::Die(Death::Kill),
        Task::Receive(vec![7; 2]),
        Task::Receive(vec![7; 3]),
    ];
    let results = ordered_map(&pool, tasks, 1);
    assert_eq!(results.len(), 4, "one result per task: {results:?}");
    assert_eq!(results[0], Ok(Answer::Received(0)));
    assert!(
        matches!(&results[1], Err(TaskError::Broken(broken)) if broken.index == 1),
        "tasks[1] killed its worker: results[1] must be that BrokenPool error, not {:?}",
        results[1]
    );
    for index in [2, 3] {
        assert_eq!(
            results[index],
            Err(TaskError::Cancelled { index }),
            "the pool never ran tasks[{index}]: results[{index}] must say it was cancelled"
        );
    }
}
