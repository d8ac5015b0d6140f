//! `TaskFuture`: the handle `submit` returns, the mirror of `concurrent.futures.Future`.
//!
//! Why not `std::future::Future`? That one is a *poll*-based value an async runtime drives; it
//! does nothing until awaited. Python's `concurrent.futures.Future` is the opposite: the work is
//! already running on a pool, and the handle is a slot it will fill, that any thread may block on.
//! Same word, two ideas, so the name says which one this is: the future of a *task*.
//!
//! A `TaskFuture` is a state machine behind one mutex and one condition variable, exactly as
//! CPython's (`Future._condition`): pending → running → finished, or pending → cancelled. Clones
//! share one state, as every Python reference to a future does.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Why a future has no value: what `Future.result()` raises.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FutureError {
    /// The task ran and failed: the exception `result()` re-raises.
    #[error("the task failed: {0}")]
    Failed(String),
    /// `concurrent.futures.CancelledError`: cancelled before it ran.
    #[error("the task was cancelled before it ran")]
    Cancelled,
    /// `TimeoutError`: the future was not done within the time asked for. The task goes on.
    #[error("the task was not done in time")]
    Timeout,
    /// `concurrent.futures.BrokenExecutor` (`BrokenProcessPool`): its worker died.
    #[error(transparent)]
    Broken(#[from] BrokenExecutor),
}

/// A worker died under a task, or the executor is broken since one did: the mirror of
/// `concurrent.futures.BrokenExecutor` and its subclass `process.BrokenProcessPool`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("broken executor: {reason}")]
pub struct BrokenExecutor {
    /// Which worker died, how, and under which task.
    pub reason: String,
}

/// A callback added with [`TaskFuture::add_done_callback`].
type Callback<T> = Box<dyn FnOnce(&TaskFuture<T>) + Send>;

/// The result of a task that may not have finished yet: `concurrent.futures.Future`.
pub struct TaskFuture<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Signalled on every change of `status`: `result()` and `wait` sleep on it.
    changed: Condvar,
}

struct State<T> {
    status: Status<T>,
    /// Run once, in the order added, by whoever finishes or cancels the future.
    callbacks: Vec<Callback<T>>,
}

enum Status<T> {
    Pending,
    Running,
    Cancelled,
    Finished(Result<T, FutureError>),
}

impl<T> Clone for TaskFuture<T> {
    fn clone(&self) -> Self {
        TaskFuture {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Default for TaskFuture<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TaskFuture<T> {
    /// A pending future: `concurrent.futures.Future()`. Executors make these; so can a test.
    pub fn new() -> Self {
        let state = State {
            status: Status::Pending,
            callbacks: Vec::new(),
        };
        TaskFuture {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                changed: Condvar::new(),
            }),
        }
    }

    /// `Future.done()`: finished, failed or cancelled; never changes again.
    pub fn done(&self) -> bool {
        matches!(self.lock().status, Status::Finished(_) | Status::Cancelled)
    }

    /// `Future.running()`: a worker has it now.
    pub fn running(&self) -> bool {
        matches!(self.lock().status, Status::Running)
    }

    /// `Future.cancelled()`.
    pub fn cancelled(&self) -> bool {
        matches!(self.lock().status, Status::Cancelled)
    }

    /// `Future.cancel()`: only a task still waiting in the queue can be cancelled. Returns `false`
    /// once it runs or has finished: nothing stops a running task, in Python or here (a thread
    /// cannot be killed safely, and killing a worker process would break the pool).
    pub fn cancel(&self) -> bool {
        let mut state = self.lock();
        match state.status {
            Status::Running | Status::Finished(_) => return false,
            Status::Cancelled => return true,
            Status::Pending => state.status = Status::Cancelled,
        }
        self.finish_locked(state);
        true
    }

    /// `Future.add_done_callback(fn)`: `callback` runs once the future is done, in the thread
    /// that finished it, after the callbacks added before it. On a future already done it runs
    /// at once, here. A callback that panics is reported on stderr and the others still run
    /// (Python logs the exception and goes on).
    pub fn add_done_callback(&self, callback: impl FnOnce(&TaskFuture<T>) + Send + 'static) {
        let mut state = self.lock();
        if matches!(state.status, Status::Pending | Status::Running) {
            state.callbacks.push(Box::new(callback));
            return;
        }
        drop(state);
        self.call(Box::new(callback));
    }

    /// For executors: `Future.set_running_or_notify_cancel()`. Marks the future running and
    /// returns `true`, or returns `false` if it was cancelled while queued (then skip the task).
    pub fn set_running_or_notify_cancel(&self) -> bool {
        let mut state = self.lock();
        match state.status {
            Status::Pending => {
                state.status = Status::Running;
                self.shared.changed.notify_all();
                true
            }
            _ => false,
        }
    }

    /// For executors: `Future.set_result(value)` / `set_exception(error)`. Sets the outcome
    /// once; a second outcome (a late answer after the executor broke) is ignored.
    pub fn set_outcome(&self, outcome: Result<T, FutureError>) {
        let mut state = self.lock();
        if matches!(state.status, Status::Finished(_) | Status::Cancelled) {
            return;
        }
        state.status = Status::Finished(outcome);
        self.finish_locked(state);
    }

    /// `Future.exception(timeout)`: the task's error, or `None` if it succeeded; waits like
    /// `result`. `Err` when it was cancelled or is not done in time.
    pub fn exception(&self, timeout: Option<Duration>) -> Result<Option<FutureError>, FutureError> {
        let state = self.wait_done(timeout)?;
        match &state.status {
            Status::Finished(Ok(_)) => Ok(None),
            Status::Finished(Err(error)) => Ok(Some(error.clone())),
            _ => Err(FutureError::Cancelled),
        }
    }

    /// Wakes every waiter, then runs the callbacks outside the lock: a callback may look at the
    /// future (or at others) without deadlocking.
    fn finish_locked(&self, mut state: MutexGuard<'_, State<T>>) {
        let callbacks = std::mem::take(&mut state.callbacks);
        drop(state);
        self.shared.changed.notify_all();
        for callback in callbacks {
            self.call(callback);
        }
    }

    fn call(&self, callback: Callback<T>) {
        if catch_unwind(AssertUnwindSafe(|| callback(self))).is_err() {
            eprintln!("a done-callback panicked; the other callbacks still run");
        }
    }

    /// Sleeps until the future is done, or `timeout` has passed (`None`: no limit).
    fn wait_done(
        &self,
        timeout: Option<Duration>,
    ) -> Result<MutexGuard<'_, State<T>>, FutureError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.lock();
        while matches!(state.status, Status::Pending | Status::Running) {
            state = match deadline {
                None => self
                    .shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(FutureError::Timeout);
                    }
                    self.shared
                        .changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        Ok(state)
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Callbacks run outside the lock, so no user code can poison it: recovering is safe.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether two handles are the same future (Python's `is`).
    pub fn same_as(&self, other: &TaskFuture<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T: Clone> TaskFuture<T> {
    /// `Future.result(timeout)`: waits until the task is done and returns its value, or the
    /// task's error, [`FutureError::Cancelled`], or [`FutureError::Timeout`] after `timeout`
    /// (`None` waits as long as it takes). Like Python's, it can be asked again: the value is
    /// cloned out, so `T: Clone`.
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, FutureError> {
        let state = self.wait_done(timeout)?;
        match &state.status {
            Status::Finished(outcome) => outcome.clone(),
            _ => Err(FutureError::Cancelled),
        }
    }
}

impl<T> fmt::Debug for TaskFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.lock().status {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Cancelled => "cancelled",
            Status::Finished(Ok(_)) => "finished",
            Status::Finished(Err(_)) => "failed",
        };
        write!(f, "<TaskFuture state={state}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_pending_future_can_be_cancelled_and_says_so_to_its_callbacks() {
        let future = TaskFuture::<u32>::new();
        let (said, heard) = mpsc::channel();
        future.add_done_callback(move |f| said.send(f.cancelled()).unwrap());
        assert!(future.cancel());
        assert!(future.cancel(), "cancelling twice still says cancelled");
        assert_eq!(heard.try_recv(), Ok(true));
        assert_eq!(future.result(None), Err(FutureError::Cancelled));
        assert!(!future.set_running_or_notify_cancel());
    }

    #[test]
    fn a_running_future_cannot_be_cancelled() {
        let future = TaskFuture::<u32>::new();
        assert!(future.set_running_or_notify_cancel());
        assert!(!future.cancel());
        future.set_outcome(Ok(7));
        assert!(!future.cancel());
        assert_eq!(future.result(None), Ok(7));
        assert_eq!(future.exception(None), Ok(None));
    }

    #[test]
    fn callbacks_run_in_the_order_added_and_at_once_when_already_done() {
        let future = TaskFuture::<u32>::new();
        let (said, heard) = mpsc::channel();
        for i in 0..5 {
            let said = said.clone();
            future.add_done_callback(move |_| said.send(i).unwrap());
        }
        future.set_outcome(Err(FutureError::Failed("no".into())));
        future.add_done_callback(move |_| said.send(5).unwrap());
        assert_eq!(heard.try_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5]);
        assert_eq!(
            future.exception(None),
            Ok(Some(FutureError::Failed("no".into())))
        );
    }

    #[test]
    fn a_panicking_callback_does_not_stop_the_next() {
        let future = TaskFuture::<u32>::new();
        let (said, heard) = mpsc::channel();
        future.add_done_callback(|_| panic!("a callback's bug"));
        future.add_done_callback(move |_| said.send(()).unwrap());
        future.set_outcome(Ok(1));
        assert_eq!(heard.try_recv(), Ok(()));
    }

    #[test]
    fn result_with_a_zero_timeout_on_a_pending_future_times_out() {
        let future = TaskFuture::<u32>::new();
        assert_eq!(
            future.result(Some(Duration::ZERO)),
            Err(FutureError::Timeout)
        );
        assert!(!future.done(), "a timeout leaves the task alone");
    }
}
