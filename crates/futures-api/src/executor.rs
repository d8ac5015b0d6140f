//! `Executor`: the one API over every backend, the mirror of `concurrent.futures.Executor`.
//!
//! Four required methods, and `map` built on them. That is all a backend writes: threads
//! ([`ThreadPoolExecutor`](crate::ThreadPoolExecutor)), processes
//! ([`ProcessPoolExecutor`](crate::ProcessPoolExecutor)), and later a broker whose workers run on
//! other machines. Kept this small on purpose: `as_completed` and `wait` need nothing from the
//! executor, only the futures' done-callbacks (see [`crate::waiting`]), so they are not here.
//!
//! The task type `J` is a [`Job`]: a registered serde value, not a closure. A process backend can
//! only run what it can send, and the same `J` runs on every backend; that is what makes swapping
//! `ThreadPoolExecutor` for `ProcessPoolExecutor` a one-word change. (Threads also take closures:
//! [`ThreadPoolExecutor::submit_fn`](crate::ThreadPoolExecutor::submit_fn).)

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use multiprocessing::Job;

use crate::future::{BrokenExecutor, FutureError, TaskFuture};

/// The results of a chunk of tasks, in the chunk's order.
pub type ChunkResults<T> = Vec<Result<T, FutureError>>;

/// Why `submit` refused a task.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SubmitError {
    /// `RuntimeError('cannot schedule new futures after shutdown')`.
    #[error("cannot schedule new futures after shutdown")]
    Shutdown,
    /// `BrokenProcessPool`: a worker died and this executor takes no more work.
    #[error(transparent)]
    Broken(#[from] BrokenExecutor),
}

/// `concurrent.futures.Executor`: runs tasks somewhere else and hands back their futures.
pub trait Executor<J: Job> {
    /// `executor.submit(fn, *args)`: queues one task and returns its future at once.
    fn submit(&self, task: J) -> Result<TaskFuture<J::Output>, SubmitError>;

    /// One future for several tasks that travel and run together: what `ProcessPoolExecutor.map`
    /// submits for each `chunksize` tasks (its `_process_chunk`). The results keep the order of
    /// `tasks`.
    fn submit_chunk(
        &self,
        tasks: Vec<J>,
    ) -> Result<TaskFuture<ChunkResults<J::Output>>, SubmitError>;

    /// `executor.shutdown(wait=True, *, cancel_futures=False)`: takes no more tasks; with
    /// `cancel_futures`, cancels those still queued; with `wait`, returns once the running ones
    /// are done and the workers have exited. Dropping an executor does `shutdown(true, false)`,
    /// as leaving a `with` block does.
    fn shutdown(&self, wait: bool, cancel_futures: bool);

    /// `max_workers`: how many tasks run at once, at most.
    fn max_workers(&self) -> usize;

    /// `executor.map(fn, *iterables, timeout=None, chunksize=1, buffersize=None)`: every task's
    /// result, in the order of `tasks`. The tasks are submitted now (all of them, or the first
    /// `buffersize` units), and `timeout` counts from this call, not from each `next`.
    ///
    /// One difference from Python, on purpose: Python's iterator raises at the first failed task
    /// and cancels the rest; this one hands over each task's `Result` and goes on, the per-item
    /// policy of every lesson here (exercise `futures-2` writes Python's). A timeout does end it,
    /// as in Python, and cancels what has not started.
    fn map<I>(&self, tasks: I, options: MapOptions) -> Map<'_, Self, J, I::IntoIter>
    where
        Self: Sized,
        I: IntoIterator<Item = J>,
    {
        Map::start(self, tasks.into_iter(), options)
    }
}

/// `map`'s keyword arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapOptions {
    /// `timeout`: how long, from the call, until every result must be in. `None`: no limit.
    pub timeout: Option<Duration>,
    /// `chunksize`: tasks per message to a worker. Processes only: a thread pool ignores it, as
    /// `ThreadPoolExecutor.map` does (its tasks cost nothing to send).
    pub chunksize: usize,
    /// `buffersize` (Python 3.14, cpython#74508): at most this many units submitted and not yet
    /// handed over, so a huge or endless input does not fill memory. `None`: all at once.
    pub buffersize: Option<usize>,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            timeout: None,
            chunksize: 1,
            buffersize: None,
        }
    }
}

impl MapOptions {
    /// `chunksize=n`.
    pub fn chunksize(self, chunksize: usize) -> Self {
        MapOptions { chunksize, ..self }
    }

    /// `timeout=t`.
    pub fn timeout(self, timeout: Duration) -> Self {
        MapOptions {
            timeout: Some(timeout),
            ..self
        }
    }

    /// `buffersize=n`.
    pub fn buffersize(self, buffersize: usize) -> Self {
        MapOptions {
            buffersize: Some(buffersize.max(1)),
            ..self
        }
    }
}

/// What `map` submitted: one task's future, or one chunk's.
enum Unit<T> {
    One(TaskFuture<T>),
    Chunk(TaskFuture<ChunkResults<T>>, usize),
}

impl<T> Unit<T> {
    fn cancel(&self) {
        match self {
            Unit::One(future) => future.cancel(),
            Unit::Chunk(future, _) => future.cancel(),
        };
    }
}

/// The iterator `map` returns: each result in the order of the tasks. Dropping it cancels what
/// has not started, as closing Python's `map` generator does.
pub struct Map<'a, E, J: Job, I> {
    executor: &'a E,
    tasks: std::iter::Fuse<I>,
    options: MapOptions,
    deadline: Option<Instant>,
    /// Submitted, in order, not yet handed over.
    pending: VecDeque<Unit<J::Output>>,
    /// Results of a finished chunk, handed over one by one.
    ready: VecDeque<Result<J::Output, FutureError>>,
    /// Why the executor refused a task half-way through a buffered map (it shut down or broke):
    /// handed over after the results submitted before it, and then nothing more comes.
    refused: Option<FutureError>,
    /// After a timeout, or once `refused` is handed over: nothing more comes.
    ended: bool,
}

impl<'a, E: Executor<J>, J: Job, I: Iterator<Item = J>> Map<'a, E, J, I> {
    fn start(executor: &'a E, tasks: I, options: MapOptions) -> Self {
        let mut map = Map {
            executor,
            tasks: tasks.fuse(),
            options,
            deadline: options.timeout.map(|t| Instant::now() + t),
            pending: VecDeque::new(),
            ready: VecDeque::new(),
            refused: None,
            ended: false,
        };
        map.refill();
        map
    }

    /// Submits units until `buffersize` are pending, or every task is submitted.
    fn refill(&mut self) {
        let limit = self.options.buffersize.unwrap_or(usize::MAX);
        while self.pending.len() < limit && self.refused.is_none() {
            let chunk: Vec<J> = self
                .tasks
                .by_ref()
                .take(self.options.chunksize.max(1))
                .collect();
            let submitted = match chunk.len() {
                0 => return,
                1 if self.options.chunksize <= 1 => chunk
                    .into_iter()
                    .map(|task| self.executor.submit(task).map(Unit::One))
                    .next(),
                n => Some(self.executor.submit_chunk(chunk).map(|f| Unit::Chunk(f, n))),
            };
            match submitted {
                Some(Ok(unit)) => self.pending.push_back(unit),
                Some(Err(error)) => {
                    self.refused = Some(match error {
                        SubmitError::Shutdown => FutureError::Cancelled,
                        SubmitError::Broken(broken) => FutureError::Broken(broken),
                    });
                }
                None => return,
            }
        }
    }

    fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    fn give_up(&mut self) -> Option<Result<J::Output, FutureError>> {
        self.ended = true;
        self.ready.clear();
        self.refused = None;
        for unit in self.pending.drain(..) {
            unit.cancel();
        }
        Some(Err(FutureError::Timeout))
    }
}

impl<E: Executor<J>, J: Job, I: Iterator<Item = J>> Iterator for Map<'_, E, J, I>
where
    J::Output: Clone,
{
    type Item = Result<J::Output, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(result) = self.ready.pop_front() {
                return Some(result);
            }
            if self.ended {
                return None;
            }
            let Some(unit) = self.pending.pop_front() else {
                self.ended = true;
                return self.refused.take().map(Err);
            };
            // Python submits the next task before waiting for this one: the buffer stays full.
            self.refill();
            let timeout = self.time_left();
            match unit {
                Unit::One(future) => match future.result(timeout) {
                    Err(FutureError::Timeout) => return self.give_up(),
                    result => return Some(result),
                },
                Unit::Chunk(future, n) => match future.result(timeout) {
                    Err(FutureError::Timeout) => return self.give_up(),
                    Ok(results) => self.ready.extend(results),
                    // The whole chunk failed together (its worker died): each task says so.
                    Err(error) => self.ready.extend((0..n).map(|_| Err(error.clone()))),
                },
            }
        }
    }
}

impl<E, J: Job, I> Drop for Map<'_, E, J, I> {
    fn drop(&mut self) {
        for unit in &self.pending {
            unit.cancel();
        }
    }
}
