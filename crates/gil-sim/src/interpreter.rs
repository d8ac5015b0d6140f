//! `Interpreter`: one simulated CPython interpreter — its GIL, its switch interval, its mode.
//!
//! Threads join it with [`Python::attach`](crate::Python::attach). It is `Send + Sync`: share it
//! by reference (`std::thread::scope`) or in an `Arc`, as every Python thread shares its process's
//! interpreter.
//!
//! Each `Interpreter` owns its lock, so several of them in one program are several interpreters
//! with a GIL each: what PEP 684 (3.12) gives subinterpreters, and what
//! [`interpreters::create`](crate::interpreters::create) (3.14's `concurrent.interpreters`) returns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lesson_kit::Trace;

use crate::gil::{Gil, ThreadKey};
use crate::legacy::LegacyGil;
use crate::mode::Mode;

/// CPython's default switch interval, `sys.getswitchinterval() == 0.005` (`DEFAULT_INTERVAL` in
/// ceval_gil.c, in microseconds there).
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// A simulated CPython interpreter: the state its threads share (`PyInterpreterState` and its
/// GIL), in one of the [`Mode`]s.
#[derive(Debug)]
pub struct Interpreter {
    mode: Mode,
    /// `gil->interval`, in microseconds as CPython stores it, so that the same sub-microsecond
    /// values are cut off.
    interval_us: AtomicU64,
    /// The new GIL, used in [`Mode::Cpython312`]. (In [`Mode::PerInterpreter`] every attached
    /// thread makes its own: it is its own interpreter.)
    gil: Gil,
    /// The pre-3.2 lock and its tick counter, used in [`Mode::Legacy`]. Both locks are small;
    /// keeping both, rather than an enum, lets the code that uses one read without a `match`.
    legacy_gil: LegacyGil,
    /// Where attached threads record their spans, if anywhere.
    trace: Option<Trace>,
    /// Hands out thread keys (CPython compares `PyThreadState` pointers; we compare numbers).
    next_thread: AtomicU64,
}

impl Default for Interpreter {
    fn default() -> Self {
        Self::new(Mode::default())
    }
}

impl Interpreter {
    /// A fresh interpreter with the default switch interval (5 ms) and no trace.
    pub fn new(mode: Mode) -> Self {
        Interpreter {
            mode,
            interval_us: AtomicU64::new(DEFAULT_SWITCH_INTERVAL.as_micros() as u64),
            gil: Gil::new(),
            legacy_gil: LegacyGil::new(),
            trace: None,
            next_thread: AtomicU64::new(1),
        }
    }

    /// Records every attached thread's spans in `trace`: running (holding the GIL), waiting for
    /// the GIL, waiting for I/O (detached). What per4m's `giltracer` shows for real CPython.
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn trace(&self) -> Option<&Trace> {
        self.trace.as_ref()
    }

    /// `sys.setswitchinterval(seconds)`: how long a waiter waits before it asks the holder to
    /// drop the GIL. Kept in whole microseconds, at least 1 µs, as in CPython (which raises
    /// `ValueError` for a value ≤ 0; a `Duration` cannot be negative, and zero becomes 1 µs).
    /// Ignored by [`Mode::Legacy`], whose lock has no timeout.
    pub fn set_switch_interval(&self, interval: Duration) {
        let micros = (interval.as_micros() as u64).max(1);
        self.interval_us.store(micros, Ordering::Relaxed);
    }

    /// `sys.getswitchinterval()`.
    pub fn switch_interval(&self) -> Duration {
        Duration::from_micros(self.interval_us.load(Ordering::Relaxed))
    }

    /// How many times the GIL passed from one thread to another (CPython's `gil->switch_number`,
    /// without the first take). Always 0 without a shared GIL.
    pub fn switches(&self) -> u64 {
        match self.mode {
            Mode::Cpython312 => self.gil.switches(),
            Mode::Legacy => self.legacy_gil.switches(),
            Mode::FreeThreaded
            | Mode::FreeThreaded313
            | Mode::FreeThreaded314
            | Mode::PerInterpreter => 0,
        }
    }

    pub(crate) fn gil(&self) -> &Gil {
        &self.gil
    }

    pub(crate) fn legacy_gil(&self) -> &LegacyGil {
        &self.legacy_gil
    }

    pub(crate) fn new_thread_key(&self) -> ThreadKey {
        self.next_thread.fetch_add(1, Ordering::Relaxed)
    }
}
