//! # multiprocessing-3: survive a worker that dies (a model answer)
//!
//! See `exercises/src/multiprocessing_3.rs` for the task.

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
        match worker.run(&task) {
            Ok(Some(result)) => {
                results.push(result.map_err(|message| TaskError::Failed { index, message }));
            }
            // The worker's stdout ended before the result (`None`), or in the middle of it
            // (`Err`): either way the worker is gone, and this task with it.
            Ok(None) | Err(_) => {
                let pid = worker.pid();
                // Waiting is what removes a dead process: until then it stays a zombie, and its
                // exit status, which says how it died, is not known.
                let status = worker.stop()?;
                results.push(Err(TaskError::Broken(BrokenPool {
                    index,
                    task: format!("{task:?}"),
                    pid,
                    how: describe(status),
                    last_words: None,
                })));
                // A new worker for the tasks still to come, as the lesson's pool does.
                worker = Worker::start(start_worker)?;
            }
        }
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

/// How a process ended, in words: "exited with code 101" (a Rust panic), "was killed by signal 9"
/// (SIGKILL). Python's `Popen.returncode` says the same with a number: `101`, or `-9`.
fn describe(status: ExitStatus) -> String {
    // Only Unix has signals: there, a process killed by one has no exit code, but a signal number.
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with code {code}"),
        None => format!("ended ({status})"),
    }
}
