//! `ThreadPoolExecutor`: a pool of threads fed from one queue, the mirror of
//! `concurrent.futures.ThreadPoolExecutor`.
//!
//! As in CPython (`concurrent/futures/thread.py`): one queue of work items behind a lock; threads
//! start lazily, one per `submit` while none is idle, up to `max_workers`; each thread takes the
//! next item, marks its future running (skipping it if it was cancelled) and runs it; on shutdown
//! the threads drain the queue and exit. A Rust thread has no GIL, so unlike Python's this pool
//! also computes in parallel: the lesson's CPU task takes a simulated GIL to show Python's case.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use crate::executor::{ChunkResults, Executor, Job, SubmitError};
use crate::future::{FutureError, TaskFuture};

/// `ThreadPoolExecutor(max_workers)`.
pub struct ThreadPoolExecutor {
    shared: Arc<Shared>,
    max_workers: usize,
    /// The threads started so far (never more than `max_workers`).
    threads: Mutex<Vec<JoinHandle<()>>>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when an item is queued or the pool shuts down.
    work: Condvar,
}

struct Queue {
    items: VecDeque<Box<dyn WorkItem>>,
    /// Threads waiting for an item: `submit` starts a thread only when none is (CPython's
    /// `_idle_semaphore`).
    idle: usize,
    shutdown: bool,
}

/// A queued task with its future, its types erased so that one queue holds every kind.
trait WorkItem: Send {
    /// Runs the task, unless its future was cancelled while queued.
    fn run(self: Box<Self>);
    /// Cancels the future (`shutdown(cancel_futures=True)`).
    fn cancel(self: Box<Self>);
}

struct Item<T, F> {
    future: TaskFuture<T>,
    call: F,
}

impl<T: Send, F: FnOnce() -> Result<T, FutureError> + Send> WorkItem for Item<T, F> {
    fn run(self: Box<Self>) {
        if !self.future.set_running_or_notify_cancel() {
            return;
        }
        // A panic is the task's exception: it goes into the future, and the thread lives on.
        let outcome = match catch_unwind(AssertUnwindSafe(self.call)) {
            Ok(outcome) => outcome,
            Err(panic) => Err(FutureError::Failed(panic_message(&*panic))),
        };
        self.future.set_outcome(outcome);
    }

    fn cancel(self: Box<Self>) {
        self.future.cancel();
    }
}

/// `min(32, os.cpu_count() + 4)`: CPython's default since 3.8. Enough threads to overlap I/O on
/// a small machine, few enough that a big one does not start hundreds.
pub fn default_max_workers() -> usize {
    (crate::cores() + 4).min(32)
}

impl ThreadPoolExecutor {
    /// `ThreadPoolExecutor(max_workers)` (at least one).
    pub fn new(max_workers: usize) -> Self {
        ThreadPoolExecutor {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    items: VecDeque::new(),
                    idle: 0,
                    shutdown: false,
                }),
                work: Condvar::new(),
            }),
            max_workers: max_workers.max(1),
            threads: Mutex::new(Vec::new()),
        }
    }

    /// `ThreadPoolExecutor()`: [`default_max_workers`] threads.
    pub fn with_default_size() -> Self {
        Self::new(default_max_workers())
    }

    /// `executor.submit(fn)` with a closure: only a thread can run one, since it shares this
    /// process's memory. Its `Err` (or its panic) is the future's [`FutureError::Failed`].
    pub fn submit_fn<T, F>(&self, call: F) -> Result<TaskFuture<T>, SubmitError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, String> + Send + 'static,
    {
        self.submit_call(move || call().map_err(FutureError::Failed))
    }

    /// `submit_fn` for a call that says exactly how it failed (the process pool's runners).
    pub(crate) fn submit_call<T, F>(&self, call: F) -> Result<TaskFuture<T>, SubmitError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, FutureError> + Send + 'static,
    {
        let future = TaskFuture::new();
        let item = Item {
            future: future.clone(),
            call,
        };
        let mut queue = self.lock();
        if queue.shutdown {
            return Err(SubmitError::Shutdown);
        }
        queue.items.push_back(Box::new(item));
        // Take an idle thread's word, as `_idle_semaphore.acquire(timeout=0)` does: two quick
        // submits must not both count on the one thread that said it was idle, or the second
        // waits behind the first (a deadlock when the first waits for the second).
        let start_one = match queue.idle.checked_sub(1) {
            Some(left) => {
                queue.idle = left;
                false
            }
            None => true,
        };
        drop(queue);
        self.shared.work.notify_one();
        if start_one {
            self.start_thread();
        }
        Ok(future)
    }

    /// `executor.shutdown(wait, cancel_futures=...)`: see [`Executor::shutdown`]. Also a method of
    /// its own, so that it needs no task type (closures have none).
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let mut queue = self.lock();
        queue.shutdown = true;
        let cancelled: Vec<_> = if cancel_futures {
            queue.items.drain(..).collect()
        } else {
            Vec::new()
        };
        drop(queue);
        self.shared.work.notify_all();
        // Outside the lock: cancelling runs the futures' callbacks, which may submit (and fail).
        for item in cancelled {
            item.cancel();
        }
        if wait {
            let threads: Vec<_> = lock(&self.threads).drain(..).collect();
            let me = thread::current().id();
            for thread in threads {
                // A task that shuts down its own pool cannot wait for itself (Python raises
                // "cannot join current thread"); it is left to finish on its own.
                if thread.thread().id() != me {
                    let _ = thread.join();
                }
            }
        }
    }

    /// `max_workers`: the most threads this pool starts.
    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// How many threads have started: at most `max_workers`, fewer if never needed.
    pub fn threads_started(&self) -> usize {
        lock(&self.threads).len()
    }

    fn start_thread(&self) {
        let mut threads = lock(&self.threads);
        if threads.len() < self.max_workers {
            let shared = self.shared.clone();
            threads.push(thread::spawn(move || work(&shared)));
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        lock(&self.shared.queue)
    }
}

/// Each pool thread's loop: CPython's `_worker`.
fn work(shared: &Shared) {
    let mut queue = lock(&shared.queue);
    // Whether this thread has said it is idle since its last item: like CPython's worker, it
    // says so once each time it finds the queue empty, and a `submit` takes the word back.
    let mut said_idle = false;
    loop {
        if let Some(item) = queue.items.pop_front() {
            drop(queue);
            said_idle = false;
            item.run();
            queue = lock(&shared.queue);
        } else if queue.shutdown {
            return;
        } else {
            if !said_idle {
                queue.idle += 1;
                said_idle = true;
            }
            queue = shared
                .work
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<J: Job> Executor<J> for ThreadPoolExecutor {
    fn submit(&self, task: J) -> Result<TaskFuture<J::Output>, SubmitError> {
        self.submit_fn(move || task.run())
    }

    fn submit_chunk(
        &self,
        tasks: Vec<J>,
    ) -> Result<TaskFuture<ChunkResults<J::Output>>, SubmitError> {
        self.submit_call(move || {
            let run = |task: J| task.run().map_err(FutureError::Failed);
            Ok(tasks.into_iter().map(run).collect())
        })
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        ThreadPoolExecutor::shutdown(self, wait, cancel_futures);
    }

    fn max_workers(&self) -> usize {
        ThreadPoolExecutor::max_workers(self)
    }
}

/// Leaving `with ThreadPoolExecutor() as executor:`: `shutdown(wait=True)`.
impl Drop for ThreadPoolExecutor {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Tasks run outside the lock and their panics are caught: nothing can poison it mid-update.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A panic's message, as the future's error: "panicked: index out of bounds…".
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with no message");
    format!("panicked: {text}")
}
