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
use std::rc::Rc;

use lesson_kit::State;

use crate::gil::{DropReason, Gil, Taken, ThreadKey};
use crate::interpreter::Interpreter;
use crate::mode::Mode;
use crate::recorder::LaneRecorder;

thread_local! {
    /// This thread's state in each interpreter it is attached to, keyed by the interpreter's
    /// address (it cannot move while borrowed). CPython finds a thread's `PyThreadState` the same
    /// way, through a thread-local (`PyGILState_GetThisThreadState`): it is how a nested `attach`
    /// finds the state its outer `attach` made instead of making a second one.
    static ATTACHED: RefCell<Vec<(usize, Rc<ThreadState>)>> = const { RefCell::new(Vec::new()) };
}

/// Proof that this thread holds the GIL (PyO3's `Python<'py>`). `Copy`, so pass it by value;
/// neither `Send` nor `Sync`, so it cannot leave the thread that attached, nor be used inside
/// [`detach`](Self::detach).
#[derive(Clone, Copy, Debug)]
pub struct Python<'py> {
    interp: &'py Interpreter,
    thread: &'py ThreadState,
    /// `*const ()` is neither `Send` nor `Sync`: the token stays on its thread.
    _not_send: PhantomData<*const ()>,
}

/// What may go into and come out of [`Python::detach`]: PyO3's `Ungil`, "not holding a GIL
/// token". On stable Rust PyO3 defines it as exactly `Send`, and so does this crate: a [`Python`]
/// token is not `Send` (nor `Sync`, so not even a reference to it is `Send`), hence a closure
/// that uses `py` is not `Ungil` and `py.detach(|| work::countdown(py, n))` does not compile.
pub trait Ungil {}

impl<T: Send + ?Sized> Ungil for T {}

/// One thread's state in one interpreter: CPython's `PyThreadState`.
#[derive(Debug)]
struct ThreadState {
    key: ThreadKey,
    /// [`Mode::PerInterpreter`]: this thread is its own interpreter, with its own GIL.
    own_gil: Option<Gil>,
    /// Whether this thread holds the GIL right now (false inside `detach`).
    holding: Cell<bool>,
    /// How many `attach` calls of this thread are open: `PyGILState_Ensure`'s `gilstate_counter`.
    attach_depth: Cell<usize>,
    recorder: Option<LaneRecorder>,
}

impl Python<'_> {
    /// `Python::attach`: makes this thread a Python thread of `interp` (CPython's
    /// `PyGILState_Ensure`, or the start of `threading.Thread.run`), takes the GIL, runs `f` with
    /// the token, and releases the GIL when `f` returns (or panics). `lane` names the thread in
    /// the interpreter's trace.
    ///
    /// **Re-entrant**, as PyO3's `attach` and `PyGILState_Ensure` are: on a thread that already
    /// holds `interp`'s GIL it only counts one more level (`gilstate_counter`), hands `f` a token
    /// for the same thread state and releases nothing when `f` returns; `lane` is then ignored,
    /// the thread keeps the lane it attached with. Inside `py.detach` the thread does not hold
    /// the GIL, so a nested `attach` there takes it and gives it back when done
    /// (`PyGILState_Ensure` → `PyEval_RestoreThread`, `PyGILState_Release` → `PyEval_SaveThread`).
    pub fn attach<R>(
        interp: &Interpreter,
        lane: &str,
        f: impl for<'py> FnOnce(Python<'py>) -> R,
    ) -> R {
        let thread =
            this_thread_state(interp).unwrap_or_else(|| register(interp, new_thread(interp, lane)));
        let py = Python {
            interp,
            thread: &thread,
            _not_send: PhantomData,
        };
        // The first `attach` of this thread, or one inside `detach`: the GIL must be taken.
        let takes_gil = !thread.holding.get();
        let state_before = thread.recorder.as_ref().and_then(LaneRecorder::state);
        if takes_gil {
            py.take_gil();
        }
        thread.attach_depth.set(thread.attach_depth.get() + 1);
        // A guard, not a call after `f`: if `f` panics, the GIL must still be released, or every
        // other thread of the interpreter would wait for it forever.
        let _release = ReleaseOnExit {
            py,
            takes_gil,
            state_before,
        };
        f(py)
    }
}

impl<'py> Python<'py> {
    /// An eval-loop checkpoint: what CPython does at `JUMP_BACKWARD`, `RESUME` and call returns
    /// when `eval_breaker` is set (`_Py_HandlePending` → `drop_gil` + `take_gil`). If another
    /// thread asked for the GIL, this thread drops it here, waits until the other has it
    /// (FORCE_SWITCHING) and queues for it again with no priority. Otherwise it costs one atomic
    /// load. In [`Mode::Legacy`] it counts one tick; see [`check_after`](Self::check_after).
    ///
    /// # Panics
    /// If this thread does not hold the GIL (CPython stops with a fatal error). The token makes
    /// that impossible through this crate's API; the check is there as CPython's is.
    pub fn check(self) {
        self.check_after(1);
    }

    /// The checkpoint at the end of `ticks` ticked bytecodes: one iteration of an interpreted
    /// loop. CPython 3 checks once per backward jump, whatever the count; Python 2
    /// ([`Mode::Legacy`]) counted every tick down `_Py_Ticker` and released and re-took its lock
    /// when the 101st arrived (`while n > 0: n -= 1` is
    /// [`legacy::TICKS_PER_ITERATION`](crate::legacy::TICKS_PER_ITERATION) ticks).
    ///
    /// # Panics
    /// As [`check`](Self::check).
    pub fn check_after(self, ticks: u32) {
        assert!(
            self.thread.holding.get(),
            "Python::check on a thread that does not hold the GIL: only the holder may run \
             Python (CPython stops with a fatal error here)"
        );
        match self.interp.mode() {
            Mode::Cpython312 | Mode::PerInterpreter => {
                if self.gil().drop_requested() {
                    self.yield_gil();
                }
            }
            Mode::Legacy => {
                if self.interp.legacy_gil().tick(ticks) {
                    self.release_and_retake();
                }
            }
            Mode::FreeThreaded | Mode::FreeThreaded313 | Mode::FreeThreaded314 => {}
        }
    }

    /// `py.detach(|| …)`: CPython's `Py_BEGIN_ALLOW_THREADS` … `Py_END_ALLOW_THREADS`. Drops the
    /// GIL, runs `f` (blocking I/O, or native code that touches no Python object), then queues for
    /// the GIL again with no priority over anyone: the cause of the convoy effect. The time in `f`
    /// is traced as waiting for I/O; use [`detach_as`](Self::detach_as) to say otherwise.
    ///
    /// `f` and its result must be [`Ungil`] (`Send`), as in PyO3: without the GIL, `f` must not
    /// touch Python, and the token is how Python is touched. This does not compile:
    ///
    /// ```compile_fail,E0277
    /// use gil_sim::{Interpreter, Mode, Python, work};
    ///
    /// let interp = Interpreter::new(Mode::Cpython312);
    /// Python::attach(&interp, "main", |py| {
    ///     // Interpreted code "without the GIL": it would run in parallel, and be a lie.
    ///     py.detach(|| work::countdown(py, 1_000))
    /// });
    /// ```
    ///
    /// The compiler's answer (the first lines and the notes that matter):
    ///
    /// ```text
    /// error[E0277]: `*const ()` cannot be shared between threads safely
    ///  --> src/main.rs:7:19
    ///   |
    /// 7 |     py.detach(|| work::countdown(py, 1_000))
    ///   |        ------ ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ `*const ()` cannot be shared between threads safely
    ///   |        |
    ///   |        required by a bound introduced by this call
    ///   |
    ///   = help: within `Python<'_>`, the trait `Sync` is not implemented for `*const ()`
    ///   = note: required for `&Python<'_>` to implement `Send`
    ///   = note: required for `{closure}` to implement `Ungil`
    /// ```
    pub fn detach<T, F>(self, f: F) -> T
    where
        F: Ungil + FnOnce() -> T,
        T: Ungil,
    {
        self.detach_as(State::WaitingForIo, f)
    }

    /// [`detach`](Self::detach), recording the time in `f` as `state` (e.g. `State::Running` for a
    /// native computation that runs on its own core, like hashlib on a large buffer).
    pub fn detach_as<T, F>(self, state: State, f: F) -> T
    where
        F: Ungil + FnOnce() -> T,
        T: Ungil,
    {
        self.drop_gil(DropReason::WillRetake, Some(state));
        let value = f();
        self.take_gil();
        value
    }

    /// The mode of the interpreter this thread is attached to.
    pub(crate) fn mode(self) -> Mode {
        self.interp.mode()
    }

    /// The GIL this thread takes: the interpreter's, or its own in [`Mode::PerInterpreter`].
    fn gil(self) -> &'py Gil {
        self.thread.own_gil.as_ref().unwrap_or(self.interp.gil())
    }

    /// `take_gil`, by mode. The trace shows a wait from when it asked, if it had to wait, and
    /// running from when it got the lock.
    fn take_gil(self) -> Taken {
        let thread = self.thread;
        let asked_at = thread.now();
        let taken = match self.interp.mode() {
            Mode::Cpython312 | Mode::PerInterpreter => {
                self.gil().take(thread.key, self.interp.switch_interval())
            }
            Mode::Legacy => self.interp.legacy_gil().take(thread.key),
            Mode::FreeThreaded | Mode::FreeThreaded313 | Mode::FreeThreaded314 => Taken {
                waited: false,
                switched: false,
            },
        };
        thread.holding.set(true);
        if let (Some(recorder), Some(asked_at)) = (&thread.recorder, asked_at) {
            if taken.waited {
                recorder.enter(State::WaitingForGil, asked_at);
            }
            recorder.enter(State::Running, recorder.now());
        }
        taken
    }

    /// `drop_gil`, by mode. The trace's running phase ends at the release; a wait for the switch
    /// (FORCE_SWITCHING) shows as a wait for the GIL; then the thread is in `next` (`None`: done).
    fn drop_gil(self, reason: DropReason, next: Option<State>) {
        let thread = self.thread;
        let released_at = thread.now();
        thread.holding.set(false);
        let waited_for_switch = match self.interp.mode() {
            Mode::Cpython312 | Mode::PerInterpreter => self.gil().drop(thread.key, reason),
            Mode::Legacy => {
                self.interp.legacy_gil().drop();
                false
            }
            Mode::FreeThreaded | Mode::FreeThreaded313 | Mode::FreeThreaded314 => false,
        };
        let (Some(recorder), Some(released_at)) = (&thread.recorder, released_at) else {
            return;
        };
        let next_from = if waited_for_switch {
            recorder.enter(State::WaitingForGil, released_at);
            recorder.now()
        } else {
            released_at
        };
        match next {
            Some(state) => recorder.enter(state, next_from),
            None => recorder.finish(next_from),
        }
    }

    /// Honours a drop request: drop (waiting for the switch), then queue again.
    fn yield_gil(self) {
        self.drop_gil(DropReason::WillRetake, Some(State::WaitingForGil));
        self.take_gil();
    }

    /// Python 2's check: `PyThread_release_lock` and at once `PyThread_acquire_lock`. Most of the
    /// time nobody else gets the lock in between, and the thread simply ran on: the trace shows
    /// one running span. If another thread did hold it, the running span ends at the release.
    fn release_and_retake(self) {
        let thread = self.thread;
        let released_at = thread.now();
        let legacy = self.interp.legacy_gil();
        thread.holding.set(false);
        legacy.drop();
        let taken = legacy.take(thread.key);
        thread.holding.set(true);
        if let (Some(recorder), Some(released_at)) = (&thread.recorder, released_at)
            && taken.switched
        {
            recorder.enter(State::WaitingForGil, released_at);
            recorder.enter(State::Running, recorder.now());
        }
    }
}

impl ThreadState {
    /// Now on the trace's clock, if the thread is traced.
    fn now(&self) -> Option<f64> {
        self.recorder.as_ref().map(LaneRecorder::now)
    }
}

/// Ends an `attach` however it ends: one level less, and the GIL released if this level took it.
struct ReleaseOnExit<'py> {
    py: Python<'py>,
    takes_gil: bool,
    /// What the trace showed before this `attach` (inside `detach`: the detached state).
    state_before: Option<State>,
}

impl Drop for ReleaseOnExit<'_> {
    fn drop(&mut self) {
        let (py, thread) = (self.py, self.py.thread);
        let depth = thread.attach_depth.get() - 1;
        thread.attach_depth.set(depth);
        // Not holding: `f` panicked inside `detach`, whose closure never gave the GIL back.
        if self.takes_gil && thread.holding.get() {
            if depth == 0 {
                py.drop_gil(DropReason::Final, None);
            } else {
                // Back to the outer `detach`, which will take the GIL again itself.
                let detached = self.state_before.unwrap_or(State::WaitingForIo);
                py.drop_gil(DropReason::WillRetake, Some(detached));
            }
        }
        if depth == 0 {
            if let Some(recorder) = &thread.recorder {
                recorder.finish(recorder.now());
            }
            unregister(py.interp);
        }
    }
}

/// A fresh thread state for this thread in `interp` (`PyThreadState_New`).
fn new_thread(interp: &Interpreter, lane: &str) -> ThreadState {
    ThreadState {
        key: interp.new_thread_key(),
        own_gil: (interp.mode() == Mode::PerInterpreter).then(Gil::new),
        holding: Cell::new(false),
        attach_depth: Cell::new(0),
        recorder: interp.trace().map(|trace| LaneRecorder::new(trace, lane)),
    }
}

/// This thread's state in `interp`, if it is attached to it.
fn this_thread_state(interp: &Interpreter) -> Option<Rc<ThreadState>> {
    let me = address(interp);
    ATTACHED.with(|attached| {
        attached
            .borrow()
            .iter()
            .find(|(interp, _)| *interp == me)
            .map(|(_, thread)| Rc::clone(thread))
    })
}

fn register(interp: &Interpreter, thread: ThreadState) -> Rc<ThreadState> {
    let thread = Rc::new(thread);
    ATTACHED.with(|attached| {
        attached
            .borrow_mut()
            .push((address(interp), Rc::clone(&thread)))
    });
    thread
}

fn unregister(interp: &Interpreter) {
    let me = address(interp);
    ATTACHED.with(|attached| attached.borrow_mut().retain(|(interp, _)| *interp != me));
}

/// An interpreter's identity for [`ATTACHED`]: its address.
fn address(interp: &Interpreter) -> usize {
    std::ptr::from_ref(interp) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "Python::check on a thread that does not hold the GIL")]
    fn a_checkpoint_without_the_gil_panics() {
        let interp = Interpreter::new(Mode::Cpython312);
        Python::attach(&interp, "main", |py| {
            // What no safe caller can do: pretend the GIL was let go, then run the eval loop.
            py.drop_gil(DropReason::WillRetake, None);
            py.check();
        });
    }
}
