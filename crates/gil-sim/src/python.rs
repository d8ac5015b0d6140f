//! `Python<'py>`: the token that proves a thread holds the GIL, and the three things a thread
//! does with it — attach, check, detach. The names are PyO3's (0.26+): `Python::attach` (formerly
//! `with_gil`), `py.detach` (formerly `allow_threads`).
//!
//! ```
//! use gil_sim::{Interpreter, Mode, Python, work};
//!
//! let interp = Interpreter::new(Mode::Cpython312);
//! let result = Python::attach(&interp, "main", |py| {
//!     let sum = work::countdown(py, 10_000);          // interpreted code: checkpoints
//!     let hash = py.detach(|| work::native_hash(b"abc", 4)); // native code without the GIL
//!     sum ^ hash
//! });
//! # let _ = result;
//! ```

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

use lesson_kit::State;

use crate::gil::{DropReason, Gil, ThreadKey};
use crate::interpreter::Interpreter;
use crate::legacy::CHECK_INTERVAL;
use crate::mode::Mode;
use crate::recorder::LaneRecorder;

thread_local! {
    /// The interpreters whose shared GIL this thread holds right now (by address). Only used to
    /// turn a nested `attach` — which would wait for the GIL its own thread holds, forever — into
    /// a panic that says what went wrong.
    static HOLDING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Proof that this thread holds the GIL (PyO3's `Python<'py>`). `Copy`, so pass it by value;
/// not `Send`, so it cannot leave the thread that attached.
#[derive(Clone, Copy, Debug)]
pub struct Python<'py> {
    thread: &'py ThreadState<'py>,
    /// `*const ()` is neither `Send` nor `Sync`: the token stays on its thread.
    _not_send: PhantomData<*const ()>,
}

/// One thread's view of the interpreter: CPython's `PyThreadState`.
#[derive(Debug)]
struct ThreadState<'i> {
    interp: &'i Interpreter,
    key: ThreadKey,
    /// [`Mode::PerInterpreter`]: this thread is its own interpreter, with its own GIL.
    own_gil: Option<Gil>,
    /// Whether this thread holds the GIL right now (false inside `detach`).
    holding: Cell<bool>,
    /// [`Mode::Legacy`]: `_Py_Ticker`, counted down at every checkpoint.
    ticks: Cell<u32>,
    recorder: Option<LaneRecorder>,
}

impl Python<'_> {
    /// `Python::attach`: makes this thread a Python thread of `interp` (CPython's
    /// `PyGILState_Ensure`, or the start of `threading.Thread.run`), takes the GIL, runs `f` with
    /// the token, and releases the GIL when `f` returns (or panics). `lane` names the thread in
    /// the interpreter's trace.
    ///
    /// # Panics
    /// If this thread already holds `interp`'s GIL (an `attach` inside an `attach`): it would wait
    /// for itself forever. Pass the `py` token down instead. (Inside `py.detach` the thread does
    /// not hold the GIL, so attaching there is fine.)
    pub fn attach<R>(
        interp: &Interpreter,
        lane: &str,
        f: impl for<'py> FnOnce(Python<'py>) -> R,
    ) -> R {
        if interp.mode().has_shared_gil() && HOLDING.with(|h| h.borrow().contains(&address(interp)))
        {
            panic!(
                "Python::attach(\"{lane}\") on a thread that already holds this interpreter's \
                 GIL would wait for itself forever: pass the `py` token down instead"
            );
        }
        let thread = ThreadState {
            interp,
            key: interp.new_thread_key(),
            own_gil: (interp.mode() == Mode::PerInterpreter).then(Gil::new),
            holding: Cell::new(false),
            ticks: Cell::new(CHECK_INTERVAL),
            recorder: interp.trace().map(|trace| LaneRecorder::new(trace, lane)),
        };
        thread.take_gil();
        // A guard, not a call after `f`: if `f` panics, the GIL must still be released, or every
        // other thread of the interpreter would wait for it forever.
        let _release = ReleaseOnExit(&thread);
        f(Python {
            thread: &thread,
            _not_send: PhantomData,
        })
    }

    /// An eval-loop checkpoint: what CPython does at `JUMP_BACKWARD`, `RESUME` and call returns
    /// when `eval_breaker` is set (`_Py_HandlePending` → `drop_gil` + `take_gil`). If another
    /// thread asked for the GIL, this thread drops it here, waits until the other has it
    /// (FORCE_SWITCHING) and queues for it again with no priority. Otherwise it costs one atomic
    /// load. In [`Mode::Legacy`] it counts a tick and every 100 ticks releases and re-takes the lock.
    pub fn check(self) {
        let thread = self.thread;
        match thread.interp.mode() {
            Mode::Cpython312 | Mode::PerInterpreter => {
                if thread.gil().drop_requested() {
                    thread.yield_gil();
                }
            }
            Mode::Legacy => {
                let left = thread.ticks.get() - 1;
                if left == 0 {
                    thread.ticks.set(CHECK_INTERVAL);
                    thread.drop_gil(DropReason::WillRetake);
                    thread.take_gil();
                } else {
                    thread.ticks.set(left);
                }
            }
            Mode::FreeThreaded => {}
        }
    }

    /// `py.detach(|| …)`: CPython's `Py_BEGIN_ALLOW_THREADS` … `Py_END_ALLOW_THREADS`. Drops the
    /// GIL, runs `f` (blocking I/O, or native code that touches no Python object), then queues for
    /// the GIL again with no priority over anyone: the cause of the convoy effect. The time in `f`
    /// is traced as waiting for I/O; use [`detach_as`](Self::detach_as) to say otherwise.
    pub fn detach<R>(self, f: impl FnOnce() -> R) -> R {
        self.detach_as(State::WaitingForIo, f)
    }

    /// [`detach`](Self::detach), recording the time in `f` as `state` (e.g. `State::Running` for a
    /// native computation that runs on its own core, like hashlib on a large buffer).
    pub fn detach_as<R>(self, state: State, f: impl FnOnce() -> R) -> R {
        let thread = self.thread;
        thread.drop_gil(DropReason::WillRetake);
        if let Some(recorder) = &thread.recorder {
            recorder.enter(state, recorder.now());
        }
        let value = f();
        thread.take_gil();
        value
    }
}

impl ThreadState<'_> {
    /// The GIL this thread takes: the interpreter's, or its own in [`Mode::PerInterpreter`].
    fn gil(&self) -> &Gil {
        self.own_gil.as_ref().unwrap_or(self.interp.gil())
    }

    /// `take_gil`, by mode, recording a wait if there was one.
    fn take_gil(&self) {
        let started = self.recorder.as_ref().map(LaneRecorder::now);
        let interval = self.interp.switch_interval();
        let waited = match self.interp.mode() {
            Mode::Cpython312 | Mode::PerInterpreter => self.gil().take(self.key, interval),
            Mode::Legacy => self.interp.legacy_gil().take(self.key),
            Mode::FreeThreaded => false,
        };
        self.holding.set(true);
        if self.interp.mode().has_shared_gil() {
            HOLDING.with(|h| h.borrow_mut().push(address(self.interp)));
        }
        if let (Some(recorder), Some(started)) = (&self.recorder, started) {
            if waited {
                recorder.enter(State::WaitingForGil, started);
            }
            recorder.enter(State::Running, recorder.now());
        }
    }

    /// `drop_gil`, by mode.
    fn drop_gil(&self, reason: DropReason) {
        self.holding.set(false);
        if self.interp.mode().has_shared_gil() {
            let me = address(self.interp);
            HOLDING.with(|h| h.borrow_mut().retain(|&held| held != me));
        }
        match self.interp.mode() {
            Mode::Cpython312 | Mode::PerInterpreter => self.gil().drop(self.key, reason),
            Mode::Legacy => self.interp.legacy_gil().drop(),
            Mode::FreeThreaded => {}
        }
    }

    /// Honours a drop request: drop (waiting for the switch), then queue again.
    fn yield_gil(&self) {
        if let Some(recorder) = &self.recorder {
            recorder.enter(State::WaitingForGil, recorder.now());
        }
        self.drop_gil(DropReason::WillRetake);
        self.take_gil();
    }
}

/// Releases the GIL when `Python::attach` ends, however it ends.
struct ReleaseOnExit<'a, 'i>(&'a ThreadState<'i>);

impl Drop for ReleaseOnExit<'_, '_> {
    fn drop(&mut self) {
        let thread = self.0;
        if thread.holding.get() {
            thread.drop_gil(DropReason::Final);
        }
        if let Some(recorder) = &thread.recorder {
            recorder.finish();
        }
    }
}

/// An interpreter's identity for [`HOLDING`]: its address (it cannot move while borrowed).
fn address(interp: &Interpreter) -> usize {
    std::ptr::from_ref(interp) as usize
}
