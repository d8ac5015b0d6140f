//! Several interpreters in one process, a GIL each: Python 3.14's `concurrent.interpreters`
//! (PEP 734) and `concurrent.futures.InterpreterPoolExecutor`, on PEP 684's per-interpreter GIL
//! (3.12).
//!
//! An isolated subinterpreter has its own GIL, so threads in *different* interpreters run Python
//! in parallel, while threads of *one* interpreter still take turns. The price is isolation:
//! interpreters share no objects. What crosses from one to another is copied — pickled, unless it
//! is one of the few "shareable" types — so crossing costs time proportional to the data. Here an
//! [`Interpreter`] already owns its lock, so [`create`] is all it takes to get a second GIL, and
//! data crosses as JSON bytes ([`Queue`], [`InterpreterPoolExecutor`]): serialised on one side,
//! deserialised on the other, never shared. ([`Mode::PerInterpreter`] is the shortcut where each
//! thread attached to one `Interpreter` gets its own lock.)
//!
//! ```
//! use gil_sim::interpreters::InterpreterPoolExecutor;
//! use gil_sim::work;
//!
//! // concurrent.futures.InterpreterPoolExecutor(max_workers=2).map(countdown, [10_000, 20_000])
//! let pool = InterpreterPoolExecutor::new(2);
//! let results = pool.map(|py, n: u64| work::countdown(py, n), [10_000, 20_000])?;
//! assert_eq!(results, vec![work::countdown_native(10_000), work::countdown_native(20_000)]);
//! assert!(pool.bytes_copied() > 0, "the arguments and results were copied, not shared");
//! # Ok::<(), gil_sim::interpreters::InterpreterError>(())
//! ```

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::Trace;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Interpreter, Mode, Python};

/// Why a value could not cross between interpreters.
#[derive(Debug, thiserror::Error)]
pub enum InterpreterError {
    /// `interpreters.NotShareableError`: the value could not be copied (serialised) or read back.
    #[error("a value could not be copied to another interpreter: {0}")]
    NotShareable(#[from] serde_json::Error),
    /// `interpreters.QueueEmptyError`: nothing arrived within the timeout.
    #[error("the queue stayed empty for {0:?}")]
    QueueEmpty(Duration),
}

/// `interpreters.create()`: a new interpreter with its own GIL (`Py_NewInterpreterFromConfig`
/// with `PyInterpreterConfig_OWN_GIL`). Attach threads to it with
/// [`Python::attach`](crate::Python::attach), as to any interpreter.
pub fn create() -> Interpreter {
    Interpreter::new(Mode::Cpython312)
}

/// `interpreters.create_queue()`: a queue that any interpreter's threads can use, through which
/// values cross by copy.
pub fn create_queue<T>() -> Queue<T> {
    Queue {
        items: Mutex::new(VecDeque::new()),
        not_empty: Condvar::new(),
        bytes_copied: AtomicU64::new(0),
        _item: PhantomData,
    }
}

/// `concurrent.interpreters.Queue`: `put` serialises the value, `get` builds a new one from the
/// bytes. No object is ever shared between the two sides.
///
/// `get` blocks a thread that may hold its interpreter's GIL: if other threads share that
/// interpreter, call it inside `py.detach`, as CPython's queue waits without the GIL.
#[derive(Debug)]
pub struct Queue<T> {
    items: Mutex<VecDeque<Vec<u8>>>,
    not_empty: Condvar,
    bytes_copied: AtomicU64,
    /// The queue holds bytes, not `T`s: it is `Send` and `Sync` whatever `T` is.
    _item: PhantomData<fn(T) -> T>,
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// `queue.put(obj)`: copies `item` into the queue.
    pub fn put(&self, item: &T) -> Result<(), InterpreterError> {
        let bytes = serde_json::to_vec(item)?;
        self.bytes_copied.fetch_add(bytes.len() as u64, Relaxed);
        self.lock().push_back(bytes);
        self.not_empty.notify_one();
        Ok(())
    }

    /// `queue.get(timeout=…)`: waits up to `timeout` for an item and returns a fresh copy of it.
    pub fn get(&self, timeout: Duration) -> Result<T, InterpreterError> {
        let deadline = Instant::now() + timeout;
        let mut items = self.lock();
        loop {
            if let Some(bytes) = items.pop_front() {
                drop(items);
                return Ok(serde_json::from_slice(&bytes)?);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(InterpreterError::QueueEmpty(timeout));
            }
            items = self
                .not_empty
                .wait_timeout(items, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// How many bytes have crossed through this queue: the cost of not sharing.
    pub fn bytes_copied(&self) -> u64 {
        self.bytes_copied.load(Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Vec<u8>>> {
        // A panic elsewhere cannot leave a half-pushed item: push and pop are single calls.
        self.items.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `concurrent.futures.InterpreterPoolExecutor` (3.14): worker threads, each in its own
/// interpreter with its own GIL. Arguments and results are copied across (CPython pickles them);
/// the function itself is shared code, as pickle sends a module-level function by name.
#[derive(Debug)]
pub struct InterpreterPoolExecutor {
    max_workers: usize,
    trace: Option<Trace>,
    bytes_copied: AtomicU64,
}

impl InterpreterPoolExecutor {
    /// `InterpreterPoolExecutor(max_workers)`; at least one worker.
    pub fn new(max_workers: usize) -> Self {
        InterpreterPoolExecutor {
            max_workers: max_workers.max(1),
            trace: None,
            bytes_copied: AtomicU64::new(0),
        }
    }

    /// Records each worker interpreter's thread on its own lane of `trace`.
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    /// `executor.map(f, items)`: runs `f(py, item)` for every item on the workers, each worker
    /// attached to its own fresh interpreter, and returns the results in the order of `items`.
    /// Each item is serialised here and deserialised in a worker; each result the other way.
    ///
    /// # Panics
    /// If `f` panics (the panic is passed on, as `map`'s iterator re-raises a worker's exception).
    pub fn map<T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> Result<Vec<R>, InterpreterError>
    where
        T: Serialize + DeserializeOwned,
        R: Serialize + DeserializeOwned,
        F: Fn(Python<'_>, T) -> R + Sync,
    {
        let jobs = items
            .into_iter()
            .map(|item| self.copy(&item))
            .collect::<Result<VecDeque<_>, _>>()?;
        let count = jobs.len();
        let jobs = Mutex::new(jobs.into_iter().enumerate().collect::<VecDeque<_>>());
        let results = Mutex::new(vec![None; count]);
        let workers = self.max_workers.min(count);
        let outcome: Result<(), InterpreterError> = thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|worker| {
                    let (jobs, results, f) = (&jobs, &results, &f);
                    scope.spawn(move || self.work(worker, jobs, results, f))
                })
                .collect();
            handles.into_iter().try_for_each(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        });
        outcome?;
        let results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
        results
            .into_iter()
            .map(|bytes| {
                // Every worker returned Ok, so every job was run and its result stored.
                let bytes = bytes.expect("every item was run by a worker");
                Ok(serde_json::from_slice(&bytes)?)
            })
            .collect()
    }

    /// How many bytes have crossed between the caller and the workers so far.
    pub fn bytes_copied(&self) -> u64 {
        self.bytes_copied.load(Relaxed)
    }

    /// One worker: its own interpreter, attached once, running jobs until none is left.
    fn work<T, R, F>(
        &self,
        worker: usize,
        jobs: &Mutex<VecDeque<(usize, Vec<u8>)>>,
        results: &Mutex<Vec<Option<Vec<u8>>>>,
        f: &F,
    ) -> Result<(), InterpreterError>
    where
        T: DeserializeOwned,
        R: Serialize,
        F: Fn(Python<'_>, T) -> R,
    {
        let mut interp = create();
        if let Some(trace) = &self.trace {
            interp = interp.with_trace(trace.clone());
        }
        let lane = format!("interpreter {}", worker + 1);
        Python::attach(&interp, &lane, |py| {
            loop {
                let next = jobs
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_front();
                let Some((index, bytes)) = next else {
                    return Ok(());
                };
                let item: T = serde_json::from_slice(&bytes)?;
                let result = self.copy(&f(py, item))?;
                results.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(result);
            }
        })
    }

    /// Serialises a value that crosses between interpreters, counting its bytes.
    fn copy(&self, value: &impl Serialize) -> Result<Vec<u8>, InterpreterError> {
        let bytes = serde_json::to_vec(value)?;
        self.bytes_copied.fetch_add(bytes.len() as u64, Relaxed);
        Ok(bytes)
    }
}
