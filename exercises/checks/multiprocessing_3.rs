//! The checks of multiprocessing-3, shared by `exercises` and `solutions`.
//!
//! The worker is the exercises' worker program (`exercises/worker.rs`, one task at a time), which
//! Cargo builds with these checks and whose path it gives them. A `Task::Die` makes it die in the
//! middle of a task, by a panic, an abort or SIGKILL, as the lesson's own pool tests do.

use std::io;
use std::process::Command;

use multiprocessing::{Answer, BrokenPool, Death, Task, TaskError};

use crate::harness::Check;
use crate::target::multiprocessing_3::run_all;

pub const CHECKS: &[Check] = &[
    Check {
        name: "a_panicking_worker_loses_only_its_own_task",
        run: a_panicking_worker_loses_only_its_own_task,
    },
    Check {
        name: "an_aborting_worker_loses_only_its_own_task",
        run: an_aborting_worker_loses_only_its_own_task,
    },
    Check {
        name: "a_killed_worker_loses_only_its_own_task",
        run: a_killed_worker_loses_only_its_own_task,
    },
    Check {
        name: "no_worker_process_is_left_behind",
        run: no_worker_process_is_left_behind,
    },
];

/// The worker program: `exercises-worker` when the stubs are checked, `solutions-worker` when the
/// model answers are (see exercises/Cargo.toml).
const WORKER_PROGRAM: &str = env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"), "-worker"));

/// How `run_all` starts a worker: the worker program, one task at a time.
fn worker() -> io::Result<Command> {
    let mut command = Command::new(WORKER_PROGRAM);
    command.arg("--one-task-at-a-time");
    // A worker that panics on purpose says so in one line, without a backtrace.
    command.env("RUST_BACKTRACE", "0");
    Ok(command)
}

fn run(tasks: Vec<Task>) -> Vec<Result<Answer, TaskError>> {
    let count = tasks.len();
    let results = run_all(tasks, worker).expect("run_all starts its workers");
    assert_eq!(results.len(), count, "one result per task: {results:?}");
    results
}

/// `Receive(i bytes)` answers `Received(i)`: each answer says which task it was.
fn numbered(i: usize) -> Task {
    Task::Receive(vec![7; i])
}

/// The `BrokenPool` error of `results[index]`, whose task was `death`.
fn broken_at(results: &[Result<Answer, TaskError>], index: usize, death: Death) -> &BrokenPool {
    let Err(TaskError::Broken(broken)) = &results[index] else {
        panic!(
            "tasks[{index}] ({:?}) killed the worker: results[{index}] must be a \
             TaskError::Broken, not {:?}",
            Task::Die(death),
            results[index]
        );
    };
    assert_eq!(
        broken.index, index,
        "the BrokenPool error must name its task's index"
    );
    assert!(
        broken.task.contains(&format!("{death:?}")),
        "the BrokenPool error must name its task, as `{{:?}}` prints it ({:?}), not `{}`",
        Task::Die(death),
        broken.task
    );
    assert_ne!(
        broken.pid, 0,
        "the BrokenPool error must name the worker's process id"
    );
    broken
}

/// A task kills the worker in the middle of the list; another fails on its own.
fn only_its_own_task_is_lost(death: Death, how: &[&str]) {
    let tasks = vec![
        numbered(0),
        numbered(1),
        Task::Die(death),
        numbered(3),
        Task::Fail("bad input".to_string()),
        numbered(5),
    ];
    let results = run(tasks);
    for index in [0, 1, 3, 5] {
        assert_eq!(
            results[index],
            Ok(Answer::Received(index as u64)),
            "results[{index}] must be the result of tasks[{index}]"
        );
    }
    assert_eq!(
        results[4],
        Err(TaskError::Failed {
            index: 4,
            message: "bad input".to_string()
        }),
        "a task's own error is its result, and does not kill the worker"
    );
    let broken = broken_at(&results, 2, death);
    assert!(
        how.iter().any(|words| broken.how.contains(words)),
        "the BrokenPool error must say how the worker ended (one of {how:?}), not `{}`",
        broken.how
    );
}

fn a_panicking_worker_loses_only_its_own_task() {
    // A Rust panic ends a process with the exit code 101.
    only_its_own_task_is_lost(Death::Panic, &["101"]);
}

fn an_aborting_worker_loses_only_its_own_task() {
    only_its_own_task_is_lost(Death::Abort, &["signal 6", "signal: 6", "SIGABRT"]);
}

fn a_killed_worker_loses_only_its_own_task() {
    only_its_own_task_is_lost(Death::Kill, &["signal 9", "signal: 9", "SIGKILL"]);
}

fn no_worker_process_is_left_behind() {
    let tasks = vec![
        Task::Die(Death::Kill),
        numbered(1),
        Task::Die(Death::Panic),
        Task::Die(Death::Abort),
        numbered(4),
    ];
    let results = run(tasks);
    assert_eq!(results[1], Ok(Answer::Received(1)), "results[1]");
    assert_eq!(results[4], Ok(Answer::Received(4)), "results[4]");
    let dead = [
        broken_at(&results, 0, Death::Kill).pid,
        broken_at(&results, 2, Death::Panic).pid,
        broken_at(&results, 3, Death::Abort).pid,
    ];
    // Linux shows every process in /proc, a zombie (dead, never waited for) included.
    #[cfg(target_os = "linux")]
    {
        let left = linux::children_of_this_process();
        assert!(
            left.is_empty(),
            "worker processes are left behind, as (process id, state): {left:?}. State Z is a \
             zombie, a dead worker never waited for; any other state, a worker still running"
        );
        for pid in dead {
            assert!(
                !std::path::Path::new(&format!("/proc/{pid}")).exists(),
                "the dead worker {pid} is still there: wait for a dead worker"
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dead;
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;

    /// Every process whose parent is this one, as `(pid, state)`: from `/proc/PID/stat`, whose
    /// fields after the program's name (in parentheses) are the state and the parent's id.
    pub fn children_of_this_process() -> Vec<(u32, String)> {
        let me = std::process::id().to_string();
        let mut children = Vec::new();
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            // A process may end while we read: its entry is then gone, and it is no child.
            let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let Some((_, after_name)) = stat.rsplit_once(')') else {
                continue;
            };
            let mut fields = after_name.split_whitespace();
            let (Some(state), Some(parent)) = (fields.next(), fields.next()) else {
                continue;
            };
            if parent == me {
                children.push((pid, state.to_string()));
            }
        }
        children
    }
}
