//! `ProcessPoolExecutor`: the `Executor` API on the multiprocessing lesson's process pool, the
//! mirror of `concurrent.futures.ProcessPoolExecutor`.
//!
//! The pool itself is [`multiprocessing::pool::Pool`], reused as it is: its workers are this
//! program re-executed (`--child pool-worker`), tasks and results travel as serde frames, and a
//! worker that dies is reported for its task. What this file adds is the futures:
//! - **Running means sent.** One parent-side *runner* thread per worker process takes the next
//!   queued task and hands it to the pool, so at most `max_workers` tasks are in the pool and the
//!   rest wait here, where they can still be cancelled. CPython does the same: a task is marked
//!   running when it moves to the call queue (`max_workers + 1` of them), and `cancel()` fails from
//!   then on. The runners are a [`ThreadPoolExecutor`], so queueing and shutdown are written once.
//! - **A dead worker**, by one of two policies ([`OnBrokenWorker`]): CPython's, where the whole
//!   executor is broken afterwards, every unfinished future fails with `BrokenProcessPool` and
//!   `submit` refuses; or `multiprocessing.Pool`'s, where only that task fails and a new worker
//!   takes the dead one's place.

use std::io;
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use multiprocessing::pool::{BrokenPool, Pool, PoolError, TaskError};

use crate::executor::{ChunkResults, Executor, Job, SubmitError};
use crate::future::{BrokenExecutor, FutureError, TaskFuture};
use crate::thread_pool::ThreadPoolExecutor;

/// What happens to the executor when one of its worker processes dies under a task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OnBrokenWorker {
    /// `concurrent.futures`: the executor is broken. Every task not finished fails with
    /// `BrokenExecutor`, the other workers are stopped, and `submit` refuses from then on.
    #[default]
    BreakThePool,
    /// `multiprocessing.Pool`: that task fails with `BrokenExecutor`, a new worker starts, and
    /// the other tasks finish.
    ReplaceTheWorker,
}

/// `ProcessPoolExecutor(max_workers)`, for tasks of type `J`.
///
/// A process can only run what can be sent to it: a task is a registered serde type, and a
/// closure (Python's lambda, which fails to pickle at run time) does not compile:
///
/// ```compile_fail,E0308
/// use futures_api::tasks::Task;
/// use futures_api::{Executor, ProcessPoolExecutor};
///
/// let executor = ProcessPoolExecutor::<Task>::new(2)?;
/// let future = executor.submit(|| 6 * 7)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ProcessPoolExecutor<J: Job> {
    shared: Arc<Shared<J>>,
    /// One thread per worker process: each hands one task at a time to the pool and waits for it.
    runners: ThreadPoolExecutor,
}

struct Shared<J: Job> {
    /// `None` once shut down or broken: dropping the `Pool` stops its workers.
    pool: RwLock<Option<Pool<J>>>,
    policy: OnBrokenWorker,
    /// Why the executor is broken, once it is (only with [`OnBrokenWorker::BreakThePool`]).
    broken: Mutex<Option<BrokenExecutor>>,
}

/// `os.process_cpu_count()`: CPython's default `max_workers` for processes. One per core; the
/// thread default (`cores + 4`, up to 32) would start 32 interpreters on a big machine.
pub fn default_max_workers() -> usize {
    crate::cores()
}

impl<J: Job> ProcessPoolExecutor<J> {
    /// `ProcessPoolExecutor(max_workers)`: starts the worker processes now (Python starts them on
    /// the first `submit`; starting here makes a failure to start an error of this call).
    pub fn new(max_workers: usize) -> Result<Self, PoolError> {
        Self::with_policy(max_workers, OnBrokenWorker::default())
    }

    /// `ProcessPoolExecutor()`: one worker per core.
    pub fn with_default_size() -> Result<Self, PoolError> {
        Self::new(default_max_workers())
    }

    /// The same, choosing what a dead worker does to the executor.
    pub fn with_policy(max_workers: usize, policy: OnBrokenWorker) -> Result<Self, PoolError> {
        Self::with_command(max_workers, policy, || {
            lesson_kit::child_command(multiprocessing::pool::WORKER)
        })
    }

    /// The same, with workers started by `command` (tests start the lesson's binary by path).
    pub fn with_command(
        max_workers: usize,
        policy: OnBrokenWorker,
        command: fn() -> io::Result<Command>,
    ) -> Result<Self, PoolError> {
        let pool = Pool::with_command(max_workers, command)?;
        Ok(ProcessPoolExecutor {
            shared: Arc::new(Shared {
                pool: RwLock::new(Some(pool)),
                policy,
                broken: Mutex::new(None),
            }),
            runners: ThreadPoolExecutor::new(max_workers),
        })
    }

    /// `max_workers`: how many worker processes the pool keeps.
    pub fn max_workers(&self) -> usize {
        self.runners.max_workers()
    }

    /// The worker processes' ids, alive now (empty once shut down or broken).
    pub fn pids(&self) -> Vec<u32> {
        let pool = self
            .shared
            .pool
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        pool.as_ref().map(Pool::pids).unwrap_or_default()
    }

    /// `executor.shutdown(wait, cancel_futures=...)`: see [`Executor::shutdown`].
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.runners.shutdown(wait, cancel_futures);
        if wait {
            // Every runner is done: no task is in the pool, its workers can go.
            drop(self.shared.take_pool());
        }
    }

    fn refuse_if_broken(&self) -> Result<(), SubmitError> {
        match self.shared.broken() {
            Some(broken) => Err(SubmitError::Broken(broken)),
            None => Ok(()),
        }
    }
}

impl<J: Job> Shared<J> {
    /// Runs `tasks` as one chunk on the pool and waits for every answer, in the chunk's order.
    fn run(&self, tasks: Vec<J>) -> ChunkResults<J::Output> {
        let count = tasks.len();
        let finished = {
            let pool = self.pool.read().unwrap_or_else(PoisonError::into_inner);
            match pool.as_ref() {
                Some(pool) => pool.imap_unordered(tasks, count),
                None => return (0..count).map(|_| Err(self.gone())).collect(),
            }
        };
        let mut results: Vec<Option<Result<J::Output, FutureError>>> =
            (0..count).map(|_| None).collect();
        for done in finished {
            let result = match done.result {
                Ok(value) => Ok(value),
                Err(TaskError::Failed { message, .. }) => Err(FutureError::Failed(message)),
                Err(TaskError::Broken(dead)) => Err(FutureError::Broken(self.worker_died(&dead))),
                Err(TaskError::Cancelled { .. }) => Err(self.gone()),
            };
            results[done.index] = Some(result);
        }
        // A task with no answer at all was dropped by the pool as it stopped.
        let answer = |result: Option<_>| result.unwrap_or_else(|| Err(self.gone()));
        results.into_iter().map(answer).collect()
    }

    /// A worker died under a task. With CPython's policy the whole executor breaks here.
    fn worker_died(&self, dead: &BrokenPool) -> BrokenExecutor {
        let mut reason = format!(
            "worker process {} {} while running {}",
            dead.pid, dead.how, dead.task
        );
        if let Some(words) = &dead.last_words {
            reason.push_str(&format!(" (it said: {words})"));
        }
        let broken = BrokenExecutor { reason };
        if self.policy == OnBrokenWorker::BreakThePool {
            let mut slot = self.broken.lock().unwrap_or_else(PoisonError::into_inner);
            slot.get_or_insert_with(|| BrokenExecutor {
                reason: format!(
                    "a process in the pool was terminated abruptly: {}",
                    broken.reason
                ),
            });
            drop(slot);
            // Stops the other workers: their tasks come back unanswered, and fail as broken.
            drop(self.take_pool());
        }
        broken
    }

    /// Why a task got no answer: the executor broke, or it was shut down under it.
    fn gone(&self) -> FutureError {
        match self.broken() {
            Some(broken) => FutureError::Broken(broken),
            None => FutureError::Cancelled,
        }
    }

    fn broken(&self) -> Option<BrokenExecutor> {
        self.broken
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn take_pool(&self) -> Option<Pool<J>> {
        self.pool
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl<J: Job> Executor<J> for ProcessPoolExecutor<J>
where
    J::Output: Send,
{
    fn submit(&self, task: J) -> Result<TaskFuture<J::Output>, SubmitError> {
        self.refuse_if_broken()?;
        let shared = self.shared.clone();
        self.runners.submit_call(move || {
            let mut results = shared.run(vec![task]);
            results.pop().unwrap_or_else(|| Err(shared.gone()))
        })
    }

    fn submit_chunk(
        &self,
        tasks: Vec<J>,
    ) -> Result<TaskFuture<ChunkResults<J::Output>>, SubmitError> {
        self.refuse_if_broken()?;
        let shared = self.shared.clone();
        self.runners.submit_call(move || Ok(shared.run(tasks)))
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        ProcessPoolExecutor::shutdown(self, wait, cancel_futures);
    }

    fn max_workers(&self) -> usize {
        ProcessPoolExecutor::max_workers(self)
    }
}

/// Leaving `with ProcessPoolExecutor() as executor:`: `shutdown(wait=True)`, then the workers
/// exit (the pool's own `Drop` stops them and waits: no orphan processes).
impl<J: Job> Drop for ProcessPoolExecutor<J> {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}
