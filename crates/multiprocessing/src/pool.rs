//! `Pool`: a process pool, written out. The mirror of Python's `multiprocessing.Pool`.
//!
//! How it works:
//! - A worker is this same program started again as `<program> --child pool-worker`
//!   ([`lesson_kit::child_command`]): Python's `spawn` start method, which starts a fresh
//!   interpreter that imports your module. That is why Python needs its
//!   `if __name__ == "__main__":` guard, and why a lesson registers the worker with
//!   `Tour::child("pool-worker", worker_main::<Task>)`.
//! - A task travels to a worker as a frame on the worker's stdin, and each result comes back as a
//!   frame on its stdout ([`frames`](crate::frames): the mirror of pickling).
//! - In the parent, one thread per worker, its *feeder*, takes the next chunk of tasks from a
//!   shared queue, sends it to its worker and reads the answers, one per task. While the worker
//!   runs one chunk, the next small one already waits in its pipe: a worker that finishes a task
//!   starts the next at once, without waiting for the parent to read its answer and reply (a
//!   round trip through two threads that a busy machine can stretch to milliseconds).
//! - A worker keeps the memory it freed (see [`worker_main`]): its second task runs as fast as
//!   the parent's would, instead of paying again for fresh pages.
//! - A worker that dies is noticed when its stdout ends: the task it was running comes back as a
//!   [`BrokenPool`] error that names it, a new worker takes the dead one's place, and the other
//!   tasks go on. Nothing waits forever.
//! - Dropping the pool kills its workers and waits for them: no orphan processes.
//!
//! Rust's own answers, to reach for first: [rayon](https://docs.rs/rayon) for data parallelism
//! on threads (Rust has no GIL, so threads are enough for computing), and
//! [procspawn](https://docs.rs/procspawn) for `thread::spawn`-like calls in processes.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use lesson_kit::os::exit_status_in_words;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::frames::{FrameError, encode_frame, read_frame, write_frame};

/// The child command a worker is started with: `<this program> --child pool-worker`.
pub const WORKER: &str = "pool-worker";

/// What a pool's workers run: the mirror of the function you pass to `Pool.map`.
///
/// Python pickles a function by its name, and the worker, which imported the same module, looks
/// it up. Here a task is a value (an enum, one variant per function) and `run` is the lookup: the
/// worker is the same program, so it has the same code.
// ANCHOR: job
pub trait Job: Serialize + DeserializeOwned + fmt::Debug + Send + 'static {
    type Output: Serialize + DeserializeOwned + Send + 'static;

    /// Runs in the worker. An `Err` is the task's own failure (a Python
    /// exception): it comes back to the caller as that task's
    /// [`TaskError::Failed`]. A panic ends the worker process.
    fn run(self) -> Result<Self::Output, String>;
}
// ANCHOR_END: job

/// A pool of worker processes: `multiprocessing.Pool(processes)`.
pub struct Pool<J: Job> {
    /// Where `map` and friends put chunks of work; the feeders take them from the other end.
    /// Closed once the pool is shutting down.
    queue: Arc<Queue<Chunk<J>>>,
    feeders: Vec<thread::JoinHandle<()>>,
    /// Each worker process, shared with its feeder so that dropping the pool can kill it.
    processes: Vec<Arc<Mutex<Option<Child>>>>,
    closing: Arc<AtomicBool>,
}

/// Why a pool could not start.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("a pool needs at least one process")]
    NoProcesses,
    #[error("could not start a worker process: {0}")]
    Start(#[from] io::Error),
}

/// Why one task has no result.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TaskError {
    /// The task ran and returned an error: what Python's `AsyncResult.get()` re-raises.
    #[error("task {index} failed: {message}")]
    Failed { index: usize, message: String },
    /// The worker running it died: Python's `BrokenProcessPool`.
    #[error(transparent)]
    Broken(#[from] BrokenPool),
    /// The pool shut down before the task ran (Python's `terminate()` drops such tasks).
    #[error("task {index} was cancelled: the pool shut down before it ran")]
    Cancelled { index: usize },
}

/// A worker died while it ran a task: the mirror of `concurrent.futures.process.BrokenProcessPool`.
///
/// (`multiprocessing.Pool` itself would wait forever for that task's result, bpo-22393; we
/// report it instead, and the pool starts a new worker for the rest.)
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct BrokenPool {
    /// The task's position in the list it was submitted with.
    pub index: usize,
    /// The task, as `{:?}` prints it.
    pub task: String,
    /// The worker's process id.
    pub pid: u32,
    /// How the worker ended, from its exit status: "exited with code 101", "was killed by
    /// signal 9 (SIGKILL)".
    pub how: String,
    /// What the worker said before it ended, in its own typed message: a panic's message. `None`
    /// when it could say nothing (killed, aborted).
    pub last_words: Option<String>,
}

impl fmt::Display for BrokenPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {} ({}) was lost: worker process {} {} while running it",
            self.index, self.task, self.pid, self.how
        )?;
        if let Some(words) = &self.last_words {
            write!(f, "; it said: {words}")?;
        }
        Ok(())
    }
}

/// One task's result, as `imap_unordered` hands it over.
#[derive(Debug)]
pub struct Finished<R> {
    /// The task's position in the list it was submitted with.
    pub index: usize,
    pub result: Result<R, TaskError>,
    /// Which worker ran it and when, by the worker's own clock (`None` if it never ran).
    pub ran: Option<Ran>,
}

/// Where and when a task ran: each worker reports its own span, for the timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ran {
    pub pid: u32,
    pub started: SystemTime,
    pub finished: SystemTime,
    /// Since when the worker had been waiting for this task: its previous task's end, or, for
    /// its first, the moment it was ready. `started - waited_from` is the time it sat idle.
    pub waited_from: SystemTime,
}

/// `AsyncResult`: the result of one `apply_async`, to `get()` later.
pub struct AsyncResult<R> {
    finished: mpsc::IntoIter<Finished<R>>,
}

impl<R> AsyncResult<R> {
    /// Waits for the result: `AsyncResult.get()`. A failed task's error, or the worker's death,
    /// comes back as the `Err`.
    pub fn get(mut self) -> Result<R, TaskError> {
        match self.finished.next() {
            Some(finished) => finished.result,
            None => Err(TaskError::Cancelled { index: 0 }),
        }
    }
}

impl<J: Job> Pool<J> {
    /// Starts `processes` workers, each this program re-executed as `--child pool-worker`:
    /// `multiprocessing.Pool(processes)` with the `spawn` start method.
    pub fn new(processes: usize) -> Result<Self, PoolError> {
        Self::with_command(processes, || lesson_kit::child_command(WORKER))
    }

    /// The same, with workers started by `command` (tests start the lesson's binary by its path).
    pub fn with_command(
        processes: usize,
        command: fn() -> io::Result<Command>,
    ) -> Result<Self, PoolError> {
        if processes == 0 {
            return Err(PoolError::NoProcesses);
        }
        let queue = Arc::new(Queue::new());
        let closing = Arc::new(AtomicBool::new(false));
        let mut pool = Pool {
            queue: queue.clone(),
            feeders: Vec::new(),
            processes: Vec::new(),
            closing: closing.clone(),
        };
        // Each feeder starts its own worker, so that the workers start side by side rather than
        // one after another (a start is a fork and an exec, which the parent waits for).
        let (report, reports) = mpsc::channel();
        for _ in 0..processes {
            let process = Arc::new(Mutex::new(None));
            let feeder = Feeder {
                queue: queue.clone(),
                process: process.clone(),
                pipes: None,
                command,
                closing: closing.clone(),
            };
            let report = report.clone();
            pool.processes.push(process);
            pool.feeders.push(thread::spawn(move || feeder.run(report)));
        }
        drop(report);
        for _ in 0..processes {
            // On an error, dropping `pool` stops the workers already started, and their feeders.
            match reports.recv() {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(error.into()),
                Err(_) => return Err(io::Error::other("a feeder ended before its worker").into()),
            }
        }
        Ok(pool)
    }

    /// How many worker processes the pool keeps.
    pub fn processes(&self) -> usize {
        self.processes.len()
    }

    /// The process ids of the workers alive now.
    pub fn pids(&self) -> Vec<u32> {
        self.processes
            .iter()
            .filter_map(|p| lock(p).as_ref().map(Child::id))
            .collect()
    }

    /// `pool.map(func, tasks)`: every task's result, in the order of the tasks, whatever order
    /// they finished in. The chunk size is Python's default: about four chunks per worker.
    pub fn map(&self, tasks: impl IntoIterator<Item = J>) -> Vec<Result<J::Output, TaskError>> {
        let tasks: Vec<J> = tasks.into_iter().collect();
        let chunksize = default_chunksize(tasks.len(), self.processes());
        self.map_chunked(tasks, chunksize)
    }

    /// `pool.map(func, tasks, chunksize)`: tasks travel `chunksize` to a frame, which costs fewer
    /// round trips for many small tasks and balances the work less evenly.
    // ANCHOR: map
    pub fn map_chunked(
        &self,
        tasks: impl IntoIterator<Item = J>,
        chunksize: usize,
    ) -> Vec<Result<J::Output, TaskError>> {
        let tasks: Vec<J> = tasks.into_iter().collect();
        let mut results: Vec<Option<Result<J::Output, TaskError>>> =
            (0..tasks.len()).map(|_| None).collect();
        // Results arrive as they finish; each goes back to its task's place.
        for finished in self.imap_unordered(tasks, chunksize) {
            results[finished.index] = Some(finished.result);
        }
        let place = |(index, result): (usize, Option<_>)| {
            result.unwrap_or(Err(TaskError::Cancelled { index }))
        };
        results.into_iter().enumerate().map(place).collect()
    }
    // ANCHOR_END: map

    /// `pool.imap_unordered(func, tasks, chunksize)`: each result as soon as it is ready, with
    /// its task's index. The iterator ends when every task has been answered.
    pub fn imap_unordered(
        &self,
        tasks: impl IntoIterator<Item = J>,
        chunksize: usize,
    ) -> mpsc::IntoIter<Finished<J::Output>> {
        let (results, finished) = mpsc::channel();
        let mut numbered = tasks.into_iter().enumerate().peekable();
        while numbered.peek().is_some() {
            let tasks = numbered.by_ref().take(chunksize.max(1)).collect();
            self.submit(Chunk {
                tasks,
                results: results.clone(),
            });
        }
        // Only the chunks hold senders now: once every chunk is answered (or dropped), the
        // iterator ends.
        drop(results);
        finished.into_iter()
    }

    /// `pool.apply_async(func, (task,))`: runs one task; `.get()` waits for its result.
    pub fn apply_async(&self, task: J) -> AsyncResult<J::Output> {
        AsyncResult {
            finished: self.imap_unordered([task], 1),
        }
    }

    fn submit(&self, chunk: Chunk<J>) {
        // Refused only once the pool is closing: the chunk is then dropped, and its tasks come
        // back as `Cancelled`.
        self.queue.push(chunk);
    }
}

/// Leaving `with Pool(...) as pool:` calls `pool.terminate()`: the workers are killed, even in
/// the middle of a task, and waited for, so that none is left behind.
impl<J: Job> Drop for Pool<J> {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::SeqCst);
        // With the queue closed, an idle feeder's wait for the next chunk ends.
        self.queue.close();
        for process in &self.processes {
            if let Some(child) = lock(process).as_mut() {
                let _ = child.kill();
            }
        }
        for feeder in self.feeders.drain(..) {
            let _ = feeder.join();
        }
    }
}

/// Python's default chunk size for `map`: the tasks split into about four chunks per worker.
pub fn default_chunksize(tasks: usize, processes: usize) -> usize {
    tasks.div_ceil(processes.max(1) * 4).max(1)
}

/// The chunks waiting for a worker, shared by the feeders: a deque under a mutex, and a condvar
/// to wait on. (Not `Mutex<mpsc::Receiver>`: there, the feeder waiting for work holds the lock
/// while it waits, and a busy feeder could not look for a chunk to queue behind its running one
/// without waiting as long.)
struct Queue<T> {
    /// The chunks, and whether the queue is closed.
    state: Mutex<(VecDeque<T>, bool)>,
    pushed: Condvar,
}

impl<T> Queue<T> {
    fn new() -> Self {
        Queue {
            state: Mutex::new((VecDeque::new(), false)),
            pushed: Condvar::new(),
        }
    }

    /// Adds `item`; once closed, drops it instead.
    fn push(&self, item: T) {
        let mut state = lock(&self.state);
        if !state.1 {
            state.0.push_back(item);
            self.pushed.notify_one();
        }
    }

    /// The next item, waiting for one; `None` once the queue is closed and empty.
    fn wait_pop(&self) -> Option<T> {
        let mut state = lock(&self.state);
        loop {
            if let Some(item) = state.0.pop_front() {
                return Some(item);
            }
            if state.1 {
                return None;
            }
            state = self
                .pushed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The next item if there is one now.
    fn try_pop(&self) -> Option<T> {
        lock(&self.state).0.pop_front()
    }

    /// Refuses new items and wakes every waiter; items already queued are still handed out.
    fn close(&self) {
        lock(&self.state).1 = true;
        self.pushed.notify_all();
    }
}

/// Some tasks on their way to one worker, and where their results go.
struct Chunk<J: Job> {
    /// Each task with its index in the caller's list.
    tasks: VecDeque<(usize, J)>,
    results: mpsc::Sender<Finished<J::Output>>,
}

impl<J: Job> Chunk<J> {
    /// The tasks not yet answered, as one frame for the worker's stdin.
    fn frame(&self) -> Result<Vec<u8>, FrameError> {
        let tasks: Vec<&J> = self.tasks.iter().map(|(_, task)| task).collect();
        encode_frame(&tasks)
    }

    /// Fails every task: the chunk could not be made into a frame, so no worker can run it.
    fn unsendable(self, error: &FrameError) {
        for (index, _) in self.tasks {
            let message = format!("the task could not be sent to a worker: {error}");
            let _ = self.results.send(Finished {
                index,
                result: Err(TaskError::Failed { index, message }),
                ran: None,
            });
        }
    }

    /// Reports the first task as lost with the worker that died running it.
    fn lose_first(&mut self, death: Death) {
        if let Some((index, task)) = self.tasks.pop_front() {
            let broken = BrokenPool {
                index,
                task: format!("{task:?}"),
                pid: death.pid,
                how: death.how,
                last_words: death.last_words,
            };
            let _ = self.results.send(Finished {
                index,
                result: Err(broken.into()),
                ran: None,
            });
        }
    }
}

/// What a worker sends back: one message per task it ran, or, when a task panicked, its last
/// words before it ends. Typed, so that the parent never reads a worker's stderr to learn what
/// happened to it: the message says it, or the exit status does.
#[derive(Serialize, Deserialize)]
enum FromWorker<R> {
    /// A task ran: its outcome, and when, by the worker's clock.
    Ran {
        outcome: Result<R, String>,
        started: SystemTime,
        finished: SystemTime,
        waited_from: SystemTime,
    },
    /// A task panicked: the worker ends right after this, with a panic's exit code.
    Panicked { message: String },
}

/// Why a worker stopped answering.
enum Gone {
    /// Its pipe ended or carried nonsense: it died (its exit status will say how).
    Pipe,
    /// It said a task panicked, and is ending.
    Panicked(String),
}

/// The parent's end of one worker's pipes. (Its stderr is the parent's own, as a Python pool
/// worker's is: a task's prints and a panic's message reach the terminal, and nobody parses them.)
struct Worker {
    pid: u32,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn start(command: fn() -> io::Result<Command>) -> io::Result<(Child, Worker)> {
        let mut child = command()?
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let missing = || io::Error::other("a worker's pipe was not set up");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let worker = Worker {
            pid: child.id(),
            stdin,
            stdout: BufReader::new(stdout),
        };
        Ok((child, worker))
    }

    /// Writes a frame made by [`encode_frame`] to the worker's stdin.
    fn send(&mut self, frame: &[u8]) -> io::Result<()> {
        self.stdin.write_all(frame)
    }

    /// Reads the worker's next answer and hands it over for the chunk's first task, taking that
    /// task off the chunk. An error means the worker is gone (or talking nonsense).
    fn answer<J: Job>(&mut self, chunk: &mut Chunk<J>) -> Result<(), Gone> {
        let message = read_frame(&mut self.stdout).ok().flatten();
        let (outcome, started, finished, waited_from) = match message {
            Some(FromWorker::Ran {
                outcome,
                started,
                finished,
                waited_from,
            }) => (outcome, started, finished, waited_from),
            Some(FromWorker::Panicked { message }) => return Err(Gone::Panicked(message)),
            None => return Err(Gone::Pipe),
        };
        if let Some((index, _)) = chunk.tasks.pop_front() {
            let ran = Ran {
                pid: self.pid,
                started,
                finished,
                waited_from,
            };
            let result = outcome.map_err(|message| TaskError::Failed { index, message });
            // The caller may have stopped listening (an `imap_unordered` dropped early).
            let _ = chunk.results.send(Finished {
                index,
                result,
                ran: Some(ran),
            });
        }
        Ok(())
    }
}

/// Chunks in a worker's pipe at once: the one it runs, and the next, waiting behind it.
const IN_FLIGHT: usize = 2;

/// The largest frame that may wait in a worker's pipe behind a running chunk. A Linux pipe holds
/// at least one page (4 KiB) whatever happens, so writing this much never blocks for long; a
/// bigger frame could block this thread on the write while the worker, blocked on writing
/// answers that this thread is not reading, never reads it.
const QUEUED_FRAME: usize = 4096;

/// The parent-side thread that keeps one worker busy (Python's `Pool` has a task handler and a
/// result handler thread for all workers; one thread per worker is simpler to follow).
struct Feeder<J: Job> {
    queue: Arc<Queue<Chunk<J>>>,
    process: Arc<Mutex<Option<Child>>>,
    /// The live worker's pipes; `None` after it died, until a new one is needed.
    pipes: Option<Worker>,
    command: fn() -> io::Result<Command>,
    closing: Arc<AtomicBool>,
}

impl<J: Job> Feeder<J> {
    /// Starts the worker and reports how that went on `started`, then serves chunks until the
    /// pool closes.
    fn run(mut self, started: mpsc::Sender<io::Result<()>>) {
        ignore_sigpipe_on_this_thread();
        let _ = started.send(self.worker().map(|_| ()));
        drop(started);
        while let Some(chunk) = self.queue.wait_pop() {
            if !self.closing.load(Ordering::SeqCst) {
                self.serve(chunk);
            }
            // A chunk dropped unserved takes its result sender with it: its tasks are cancelled.
        }
        // The queue is closed: closing our end of stdin tells an idle worker to exit.
        self.pipes = None;
        if let Some(mut child) = lock(&self.process).take() {
            let _ = child.wait();
        }
    }

    // ANCHOR: serve
    /// Runs `first`, and the chunks it finds queued meanwhile, to the end,
    /// replacing the worker as often as one dies.
    fn serve(&mut self, first: Chunk<J>) {
        // Chunks taken for this worker; and those sent, in the order it runs them.
        let mut unsent = VecDeque::from([first]);
        let mut sent = VecDeque::new();
        loop {
            if self.top_up(&mut unsent, &mut sent).is_err() {
                // No worker can be started (or the pool is closing): the chunks
                // are dropped and their tasks come back as `Cancelled`.
                return;
            }
            let Some(running) = sent.front_mut() else {
                return; // nothing left to run
            };
            let last_words = match self.answer(running) {
                Ok(()) if running.tasks.is_empty() => {
                    sent.pop_front();
                    continue;
                }
                Ok(()) => continue,
                Err(Gone::Panicked(message)) => Some(message),
                Err(Gone::Pipe) => None,
            };
            // The worker died, most likely of the first task still unanswered.
            let death = self.bury(last_words);
            if self.closing.load(Ordering::SeqCst) {
                // Killed by `Drop`, not by its task: the rest is cancelled, not
                // broken.
                return;
            }
            if let Some(running) = sent.front_mut() {
                running.lose_first(death);
            }
            // What it had not answered goes to the next worker, in order.
            sent.append(&mut unsent);
            unsent = sent.drain(..).filter(|c| !c.tasks.is_empty()).collect();
        }
    }

    /// Sends chunks until the worker has one to run and one waiting behind
    /// it, so that it never waits for this thread between two tasks.
    fn top_up(
        &mut self,
        unsent: &mut VecDeque<Chunk<J>>,
        sent: &mut VecDeque<Chunk<J>>,
    ) -> io::Result<()> {
        while sent.len() < IN_FLIGHT {
            let next = unsent.pop_front().or_else(|| self.queue.try_pop());
            let Some(chunk) = next else { return Ok(()) };
            let frame = match chunk.frame() {
                Ok(frame) => frame,
                Err(error) => {
                    chunk.unsendable(&error);
                    continue;
                }
            };
            if !sent.is_empty() && frame.len() > QUEUED_FRAME {
                unsent.push_front(chunk); // sent once the worker is idle
                return Ok(());
            }
            // A dead worker shows as the end of its stdout, read next.
            let _ = self.worker()?.send(&frame);
            sent.push_back(chunk);
        }
        Ok(())
    }
    // ANCHOR_END: serve

    /// The live worker's next answer, for `running`'s first task.
    fn answer(&mut self, running: &mut Chunk<J>) -> Result<(), Gone> {
        match self.pipes.as_mut() {
            Some(worker) => worker.answer(running),
            None => Err(Gone::Pipe),
        }
    }

    /// The live worker, starting a new one if the last died.
    fn worker(&mut self) -> io::Result<&mut Worker> {
        if self.pipes.is_none() {
            // Under the lock `Drop` kills with: a worker started here is either seen by `Drop`
            // and killed, or not started at all.
            let mut process = lock(&self.process);
            if self.closing.load(Ordering::SeqCst) {
                return Err(io::Error::other("the pool is closing"));
            }
            let (child, pipes) = Worker::start(self.command)?;
            *process = Some(child);
            self.pipes = Some(pipes);
        }
        self.pipes
            .as_mut()
            .ok_or_else(|| io::Error::other("no worker"))
    }

    /// Waits for a dead (or babbling) worker and reads how it ended from its exit status.
    fn bury(&mut self, last_words: Option<String>) -> Death {
        // Closing its stdin first: a worker that is still alive sees the end of its tasks.
        let pid = self.pipes.take().map_or(0, |pipes| pipes.pid);
        let status = lock(&self.process)
            .take()
            .map(|mut child| wait_or_kill(&mut child));
        let how = match status {
            Some(Ok(status)) => exit_status_in_words(&status),
            Some(Err(error)) => format!("could not be waited for ({error})"),
            None => "was already gone".to_string(),
        };
        Death {
            pid,
            how,
            last_words,
        }
    }
}

/// How long a worker whose stdout closed may take to finish exiting (a panic unwinds first)
/// before it is killed: only a worker sending garbage would still be running by then.
const GRACE: Duration = Duration::from_secs(2);

/// Waits for a worker that is ending; kills it if it has not ended within [`GRACE`]. Killing at
/// once would be wrong: its pipe closes while a panic is still unwinding, before its exit code is
/// set, and the kill would then hide the panic.
fn wait_or_kill(child: &mut Child) -> io::Result<ExitStatus> {
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        thread::sleep(Duration::from_millis(1));
    }
    let _ = child.kill();
    child.wait()
}

struct Death {
    pid: u32,
    how: String,
    last_words: Option<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A feeder that panicked left the process slot as it was: still a valid `Option<Child>`.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writing to a dead worker's stdin raises SIGPIPE, whose default action ends the whole program
/// (the tour restores that default, so that `| head` ends it quietly). Blocked on this thread, the
/// signal is never delivered and the write returns an error (`EPIPE`) instead: that is how a
/// feeder learns its worker died. Child processes do not inherit the mask: std clears it.
fn ignore_sigpipe_on_this_thread() {
    #[cfg(unix)]
    // Safety: `set` is initialised by sigemptyset before use; pthread_sigmask changes only the
    // calling thread's mask and touches no Rust state.
    unsafe {
        let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(set.as_mut_ptr());
        libc::sigaddset(set.as_mut_ptr(), libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, set.as_ptr(), std::ptr::null_mut());
    }
}

/// The worker: what `<program> --child pool-worker` runs. Reads chunks of tasks from stdin, runs
/// each, writes one reply per task to stdout, and exits when stdin closes. The mirror of
/// `multiprocessing.pool.worker`, the loop each of Python's pool processes runs.
///
/// Register it in the lesson's `main`: `Tour::child(WORKER, worker_main::<Task>)`.
pub fn worker_main<J: Job>(_args: Vec<OsString>) -> ExitCode {
    keep_freed_memory();
    match serve::<J>() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pool worker: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Tells the allocator (glibc's) to keep the memory a task frees, for the next task.
///
/// A fresh process starts with glibc's defaults: a block over 128 KiB (an image's pixels) is
/// mapped for it alone and unmapped when freed, and after the first such free, glibc raises that
/// threshold and grows its heap instead, with fresh pages again. Every fresh page costs a page
/// fault (the kernel zeroes and maps it). A long-lived process, like the parent that runs the
/// sequential variant, has long since reached the steady state where freed blocks are reused. A
/// fresh worker paid for its pages on its first two tasks: on a 1024² image, some 1,400 faults
/// the first time and 1,200 the second, a few milliseconds each time, against none in the
/// parent. With the thresholds fixed at glibc's own ceilings (32 MiB, and twice that before the
/// heap is trimmed), only the first task pays. (Rejected: a global allocator such as mimalloc,
/// a dependency of every lesson for one worker's warm-up; and touching memory in advance, which
/// costs the same faults, only earlier.)
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // Safety: mallopt changes two of the allocator's settings (it takes its own lock to do so);
    // no memory is handed to it.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

// ANCHOR: worker
fn serve<J: Job>() -> Result<(), FrameError> {
    let mut replies = frames_only_stdout()?;
    let mut stdin = io::stdin().lock();
    let mut waited_from = SystemTime::now();
    while let Some(tasks) = read_frame::<Vec<J>>(&mut stdin)? {
        for task in tasks {
            let started = SystemTime::now();
            let outcome = run_saying_if_it_panics(task, &mut replies)?;
            let finished = SystemTime::now();
            let ran = FromWorker::Ran {
                outcome,
                started,
                finished,
                waited_from,
            };
            write_frame(&mut replies, &ran)?;
            waited_from = SystemTime::now();
        }
    }
    Ok(())
}
// ANCHOR_END: worker

/// Runs the task; if it panics, tells the parent the panic's message in a typed frame and ends
/// the worker with the code an uncaught panic ends a Rust program with (101). Ending it, rather
/// than carrying on, keeps Python's lesson: a task that crashes takes its process with it.
fn run_saying_if_it_panics<J: Job>(
    task: J,
    replies: &mut File,
) -> Result<Result<J::Output, String>, FrameError> {
    let panic = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task.run())) {
        Ok(outcome) => return Ok(outcome),
        Err(panic) => panic,
    };
    let message = match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(text), _) => text.to_string(),
        (None, Some(text)) => text.clone(),
        (None, None) => "a panic with no message".to_string(),
    };
    write_frame(replies, &FromWorker::<J::Output>::Panicked { message })?;
    std::process::exit(101)
}

/// The pipe to the parent, kept for frames alone: a task that prints with `println!` now writes
/// to stderr, where it cannot be mistaken for a frame. (Python's pool talks over pipes of its
/// own for the same reason, and leaves stdout to your prints.)
fn frames_only_stdout() -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let frames = io::stdout().as_fd().try_clone_to_owned()?;
        // Safety: both descriptors belong to this process; afterwards fd 1 is a second handle on
        // stderr, and Rust's `Stdout`, which writes to fd 1, keeps working.
        if unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(File::from(frames))
    }
    #[cfg(not(unix))]
    {
        Err(io::Error::other("the pool's workers need a Unix system"))
    }
}

/// If this process was started as a pool worker (`--child pool-worker`), serves as one and
/// returns its exit code; otherwise `None`. For a program with no `Tour` whose only child is the
/// pool's worker; the dispatch is lesson-kit's [`serve_child`](lesson_kit::tour::serve_child),
/// the one `Tour::main` uses, so the `--child` flag is parsed in one place.
pub fn serve_if_worker<J: Job>() -> Option<ExitCode> {
    lesson_kit::tour::serve_child(WORKER, &[(WORKER, worker_main::<J>)])
}
