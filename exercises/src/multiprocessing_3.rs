//! # multiprocessing-3: survive a worker that dies
//!
//! A worker process can die in the middle of a task: a crash in C code (`abort`), the kernel's
//! out-of-memory killer (SIGKILL), a panic. Python's `ProcessPoolExecutor` then raises
//! `BrokenProcessPool` (and `multiprocessing.Pool` waits forever for the lost result).
//!
//! `run_all` runs tasks on one worker process, one at a time: it sends a task as a frame to the
//! worker's stdin and reads the task's result as a frame from the worker's stdout. That works
//! until a task kills the worker; then `run_all` panics. Make it survive, as the lesson's pool does:
//!
//! 1. notice the death: `Worker::run` gives `Ok(None)` when the worker's stdout ended before the
//!    result came (an `Err` when it ended in the middle of one: the worker is just as dead);
//! 2. wait for the dead process (until something waits for it, it stays a zombie) and describe
//!    how it ended, in words: `exited with code 101` (a Rust panic), `was killed by signal 9`;
//! 3. give that task `Err(TaskError::Broken(BrokenPool { .. }))`, which names it: its index, the
//!    task as `{:?}` prints it, the worker's process id, how it ended (`last_words` can be `None`);
//! 4. start a new worker, and go on with the rest of the tasks.
//!
//! Other tasks keep their results, a task's own error included. When `run_all` returns, no worker
//! process is left, neither running nor a zombie.
//!
//! Check it: `cargo run -p exercise-check -- check multiprocessing-3`.
//! Stuck? `cargo run -p exercise-check -- hint multiprocessing-3` gives one more hint each time.

use std::io::{self, BufReader};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};

use multiprocessing::frames::{FrameError, read_frame, write_frame};
use multiprocessing::{Answer, BrokenPool, Task, TaskError};

/// Runs every task on a worker process, one at a time; `results[i]` is for `tasks[i]`.
/// `start_worker` makes the command that starts a worker (the checks give one). An `Err` only if
/// a worker could not be started, or waited for, at all.
pub fn run_all(
    tasks: Vec<Task>,
    start_worker: fn() -> io::Result<Command>,
) -> io::Result<Vec<Result<Answer, TaskError>>> {
    let mut worker = Worker::start(start_worker)?;
    let mut results = Vec::new();
    for (index, task) in tasks.into_iter().enumerate() {
        // TODO: when `task` kills the worker, `run` gives `Ok(None)` (or an `Err`) and the
        // `expect`s below panic. Handle that case instead: steps 2 to 4 above.
        let result = worker
            .run(&task)
            .expect("the pipe to the worker broke")
            .expect("the worker died, and run_all does not handle that yet");
        results.push(result.map_err(|message| TaskError::Failed { index, message }));
    }
    worker.stop()?;
    Ok(results)
}

/// One worker process, and our ends of its stdin and stdout.
pub struct Worker {
    process: Child,
    /// The worker's stdin: tasks go in here.
    tasks: ChildStdin,
    /// The worker's stdout: results come out here.
    results: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts a worker with the command `start_worker` makes.
    pub fn start(start_worker: fn() -> io::Result<Command>) -> io::Result<Worker> {
        let mut process = start_worker()?
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let missing = || io::Error::other("the worker was started without pipes");
        let tasks = process.stdin.take().ok_or_else(missing)?;
        let results = BufReader::new(process.stdout.take().ok_or_else(missing)?);
        Ok(Worker {
            process,
            tasks,
            results,
        })
    }

    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Sends `task` and reads its result: `Ok(Some(result))`, `result` being the task's own `Ok`
    /// or `Err`; `Ok(None)` if the worker's stdout ended first.
    pub fn run(&mut self, task: &Task) -> Result<Option<Result<Answer, String>>, FrameError> {
        write_frame(&mut self.tasks, task)?;
        read_frame(&mut self.results)
    }

    /// Closes the worker's stdin, which ends its loop, and waits for its process to end, whatever
    /// ended it: returns how it ended.
    pub fn stop(self) -> io::Result<ExitStatus> {
        let Worker {
            mut process,
            tasks,
            results,
        } = self;
        drop(tasks);
        drop(results);
        process.wait()
    }
}
