//! The "new GIL" of CPython 3.2–3.12, on real threads: a `Mutex` and two `Condvar`s.
//!
//! This file follows `Python/ceval_gil.c` of CPython 3.12 function by function (`take_gil`,
//! `drop_gil`, `FORCE_SWITCHING`, `SET_GIL_DROP_REQUEST`); the comments say why each step is there.
//! Sources: ceval_gil.c and Include/internal/pycore_gil.h (3.12); "Python behind the scenes #13"
//! (V. Skvortsov); D. Beazley, "Understanding the Python GIL" (2010). See /work/shared/REFERENCE.md.
//!
//! The protocol in four lines:
//! 1. a thread that wants the GIL and finds it taken waits on `cond` for at most one *switch
//!    interval*; if it times out and nobody took the GIL meanwhile, it sets the **drop request**;
//! 2. the holder sees the request only at a checkpoint of its eval loop
//!    ([`Python::check`](crate::Python::check)), drops the GIL and queues again like everyone else;
//! 3. **forced switching**: a holder that dropped on request waits until another thread has taken
//!    the GIL, or it would win it straight back (it is already running; the waiter must wake up);
//! 4. a thread alone never times out waiting, so nobody asks it to drop: it never does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Identifies a thread state (CPython's `PyThreadState*`), to tell who held the GIL last.
pub type ThreadKey = u64;

/// CPython's `struct _gil_runtime_state` (pycore_gil.h).
#[derive(Debug, Default)]
pub struct Gil {
    /// `gil->mutex`: guards the fields below. CPython has a second mutex, `switch_mutex`, just for
    /// `switch_cond`; one mutex for both keeps this code shorter and changes no step of the protocol.
    state: Mutex<GilState>,
    /// `gil->cond`: threads waiting to take the GIL sleep here, with a timeout.
    cond: Condvar,
    /// `gil->switch_cond` (FORCE_SWITCHING): a holder that dropped on request sleeps here until
    /// another thread has taken the GIL.
    switch_cond: Condvar,
    /// `interp->ceval.gil_drop_request`: set by a waiter that timed out, read by the holder at
    /// every checkpoint. An atomic outside the mutex, as in CPython (the "eval breaker"): the
    /// holder checks it millions of times per second and must not take a lock to do so.
    drop_request: AtomicBool,
}

#[derive(Debug, Default)]
struct GilState {
    /// `gil->locked`: someone holds the GIL.
    locked: bool,
    /// `gil->last_holder`: who took it last (still set while nobody holds it).
    last_holder: Option<ThreadKey>,
    /// `gil->switch_number`: how many times a *different* thread took the GIL. A waiter compares
    /// it before and after its timed wait, to ask for a drop only if no switch happened meanwhile.
    switch_number: u64,
}

/// Why the GIL is being dropped: it decides whether the dropper waits for a switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// At a checkpoint on a drop request, or before blocking (`Py_BEGIN_ALLOW_THREADS`): the thread
    /// will want the GIL back, so FORCE_SWITCHING applies.
    WillRetake,
    /// The thread is finished with the GIL (`drop_gil(ceval, NULL)` at thread exit): it waits for
    /// nobody.
    Final,
}

impl Gil {
    pub fn new() -> Self {
        Self::default()
    }

    /// `take_gil()`: blocks until this thread holds the GIL. Returns whether it had to wait.
    pub fn take(&self, me: ThreadKey, interval: Duration) -> bool {
        let mut state = self.lock();
        let waited = state.locked;
        // `interval` is at least 1 µs, as `gil->interval >= 1 ? gil->interval : 1` in CPython.
        let interval = interval.max(Duration::from_micros(1));
        while state.locked {
            let saved_switch_number = state.switch_number;
            let (guard, wait) = self
                .cond
                .wait_timeout(state, interval)
                .unwrap_or_else(PoisonError::into_inner);
            state = guard;
            // Timed out, still taken, and nobody else got it meanwhile: the holder has had a whole
            // interval. Ask it to let go. If a switch did happen, the new holder has only just
            // started, so this waiter waits a whole interval again: every hand-over resets the clocks.
            if wait.timed_out() && state.locked && state.switch_number == saved_switch_number {
                self.drop_request.store(true, Ordering::Relaxed); // SET_GIL_DROP_REQUEST
            }
        }
        state.locked = true;
        if state.last_holder != Some(me) {
            state.last_holder = Some(me);
            state.switch_number += 1;
        }
        // FORCE_SWITCHING: wake the thread that dropped the GIL for us, if it is waiting.
        self.switch_cond.notify_all();
        // The request was for the previous holder, and it has been honoured.
        self.drop_request.store(false, Ordering::Relaxed); // RESET_GIL_DROP_REQUEST
        waited
    }

    /// `drop_gil()`: lets the GIL go, and wakes one waiter.
    pub fn drop(&self, me: ThreadKey, reason: DropReason) {
        let mut state = self.lock();
        state.locked = false;
        // COND_SIGNAL, not a broadcast: one waiter is enough to take it, and waking them all would
        // only make the others find it taken and go back to sleep.
        self.cond.notify_one();
        // FORCE_SWITCHING: we dropped because someone asked. Without this wait we would be back in
        // `take()` before the waiter has even woken up, find the GIL free and take it again, and
        // the waiter would starve: exactly the legacy GIL's battle (see `legacy.rs`).
        if reason == DropReason::WillRetake
            && self.drop_request.load(Ordering::Relaxed)
            && state.last_holder == Some(me)
        {
            self.drop_request.store(false, Ordering::Relaxed);
            // CPython waits once; a loop also survives spurious wake-ups. It cannot hang: the
            // request came from a thread blocked in `take()`, which takes the GIL we just freed.
            while state.last_holder == Some(me) {
                state = self
                    .switch_cond
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// Whether a waiter has asked the holder to drop the GIL: what a checkpoint reads.
    pub fn drop_requested(&self) -> bool {
        self.drop_request.load(Ordering::Relaxed)
    }

    /// How many times the GIL changed hands (`switch_number`, not counting the very first take).
    pub fn switches(&self) -> u64 {
        self.lock().switch_number.saturating_sub(1)
    }

    fn lock(&self) -> MutexGuard<'_, GilState> {
        // A thread that panicked while holding the mutex left the fields consistent: every write
        // above is a single assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
