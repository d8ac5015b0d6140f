//! The worker process of the multiprocessing exercises: the program their checks start, in two
//! roles.
//!
//! - `--child pool-worker`: a worker of the lesson's `Pool`, for multiprocessing-2. A pool's
//!   workers are normally the lesson's own binary started again; the checks are not that binary,
//!   so they start this one, which serves the same tasks (`multiprocessing::Task`).
//! - `--futures-worker`: a worker of futures-3's `ProcessPoolExecutor` (`futures_api::tasks::Task`).
//! - `--one-task-at-a-time`: the simpler worker of multiprocessing-3. It reads one `Task` frame
//!   from its stdin, runs it, writes the task's `Result<Answer, String>` as one frame to its
//!   stdout, and starts again, until its stdin closes. A `Task::Die` ends it in the middle.
//!
//! Both `exercises` and `solutions` build it (as `exercises-worker` and `solutions-worker`), and
//! Cargo builds it before their checks and gives them its path (`CARGO_BIN_EXE_…`). A program of
//! its own, not the checks' binary started again, because that binary is the check harness.

use std::io;
use std::process::ExitCode;

use lesson_kit::tour::serve_child;
use multiprocessing::Task;
use multiprocessing::frames::{FrameError, read_frame, write_frame};
use multiprocessing::pool::{Job, WORKER, worker_main};

/// The argument that starts the worker of multiprocessing-3.
const ONE_TASK_AT_A_TIME: &str = "--one-task-at-a-time";

/// The argument that starts a worker of futures-3's process pool: the futures lesson's tasks.
const FUTURES_WORKER: &str = "--futures-worker";

fn main() -> ExitCode {
    if let Some(exit) = serve_child("exercises-worker", &[(WORKER, worker_main::<Task>)]) {
        return exit;
    }
    if std::env::args().nth(1).as_deref() == Some(FUTURES_WORKER) {
        return multiprocessing::pool::worker_main::<futures_api::tasks::Task>(Vec::new());
    }
    if std::env::args().nth(1).as_deref() != Some(ONE_TASK_AT_A_TIME) {
        eprintln!(
            "This is the worker process of the multiprocessing exercises: their checks start it. \
             To run the checks: cargo run -p exercise-check -- check multiprocessing-2"
        );
        return ExitCode::FAILURE;
    }
    match serve_one_task_at_a_time() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("worker: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One task in, one result out, until the parent closes our stdin.
fn serve_one_task_at_a_time() -> Result<(), FrameError> {
    let mut tasks = io::stdin().lock();
    let mut results = io::stdout().lock();
    while let Some(task) = read_frame::<Task>(&mut tasks)? {
        write_frame(&mut results, &task.run())?;
    }
    Ok(())
}
