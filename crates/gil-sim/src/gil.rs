//! The "new GIL" of CPython 3.2–3.12, on real threads: two mutexes and two condition variables,
//! laid out as in `Python/ceval_gil.c`.
//!
//! Hold this file against ceval_gil.c (3.12): [`Gil`] is `struct _gil_runtime_state`
//! (Include/internal/pycore_gil.h), [`Gil::take`] is `take_gil()`, [`Gil::drop`] is `drop_gil()`,
//! and the `FORCE_SWITCHING` blocks are where they are in C. The primitives are CPython's too:
//! `pthread_mutex_t` and `pthread_cond_t` on `CLOCK_MONOTONIC` (see `pthread.rs`; on Windows
//! std's, see `pthread_std.rs`). The comments say why each step is there. Other sources:
//! "Python behind the scenes #13" (V. Skvortsov); D. Beazley, "Understanding the Python GIL" (2010).
//!
//! The protocol in four lines:
//! 1. a thread that wants the GIL and finds it taken waits on `cond` for at most one *switch
//!    interval*; if it times out and nobody took the GIL meanwhile, it sets the **drop request**;
//! 2. the holder sees the request only at a checkpoint of its eval loop
//!    ([`Python::check`](crate::Python::check)), drops the GIL and queues again like everyone else;
//! 3. **forced switching**: a holder that dropped on request waits on `switch_cond` until another
//!    thread has taken the GIL, or it would win it straight back (it is already running; the
//!    waiter must first wake up);
//! 4. a thread alone never times out waiting, so nobody asks it to drop: it never does.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::pthread::{PthreadCond, PthreadMutex};

/// Identifies a thread state (CPython's `PyThreadState*`), to tell who held the GIL last. Never 0:
/// 0 is "nobody yet", CPython's NULL.
pub type ThreadKey = u64;

/// CPython's `struct _gil_runtime_state` (pycore_gil.h), field for field but `interval`, which
/// the [`Interpreter`](crate::Interpreter) keeps and passes to [`take`](Self::take).
#[derive(Debug)]
pub struct Gil {
    /// `gil->last_holder`: who took the GIL last (still set while nobody holds it). Atomic, as in
    /// CPython: `drop_gil` reads it under `switch_mutex`, not under `mutex`.
    last_holder: AtomicU64,
    /// `gil->locked`: someone holds the GIL. Atomic, as in CPython, so that a holder can check it
    /// without the mutex; written only under `mutex`.
    locked: AtomicBool,
    /// `gil->mutex`, and the field it guards, `gil->switch_number`: how many times a *different*
    /// thread took the GIL. A waiter compares it before and after its timed wait, to ask for a
    /// drop only if no switch happened meanwhile.
    mutex: PthreadMutex<u64>,
    /// `gil->cond`: threads waiting to take the GIL sleep here, with a timeout.
    cond: PthreadCond,
    /// `gil->switch_mutex` (FORCE_SWITCHING): taken around every change of `last_holder`, so that
    /// a dropper cannot miss the switch it waits for.
    switch_mutex: PthreadMutex<()>,
    /// `gil->switch_cond` (FORCE_SWITCHING): a holder that dropped on request sleeps here until
    /// another thread has taken the GIL.
    switch_cond: PthreadCond,
    /// `interp->ceval.gil_drop_request`: set by a waiter that timed out, read by the holder at
    /// every checkpoint. An atomic outside the mutex, as in CPython (the "eval breaker"): the
    /// holder checks it millions of times per second and must not take a lock to do so.
    drop_request: AtomicBool,
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

/// What a `take` found, for the trace and the counters (CPython's `take_gil` returns nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    /// The lock was held by another thread when this one asked: it had to wait.
    pub waited: bool,
    /// Another thread held the lock since this one last did (`last_holder` changed).
    pub switched: bool,
}

impl Default for Gil {
    fn default() -> Self {
        Self::new()
    }
}

impl Gil {
    /// `create_gil()`: unlocked, held by nobody yet.
    pub fn new() -> Self {
        Gil {
            last_holder: AtomicU64::new(0),
            locked: AtomicBool::new(false),
            mutex: PthreadMutex::new(0),
            cond: PthreadCond::new(),
            switch_mutex: PthreadMutex::new(()),
            switch_cond: PthreadCond::new(),
            drop_request: AtomicBool::new(false),
        }
    }

    /// `take_gil()`: blocks until thread `me` holds the GIL.
    pub fn take(&self, me: ThreadKey, interval: Duration) -> Taken {
        let mut switch_number = self.mutex.lock(); // MUTEX_LOCK(gil->mutex)
        let waited = self.locked.load(Relaxed);
        // `gil->interval >= 1 ? gil->interval : 1`: at least one microsecond.
        let interval = interval.max(Duration::from_micros(1));
        while self.locked.load(Relaxed) {
            let saved_switchnum = *switch_number;
            let timed_out = self.cond.timed_wait(&mut switch_number, interval);
            // Timed out, still taken, and nobody else got it meanwhile: the holder has had a whole
            // interval. Ask it to let go. If a switch did happen, the new holder has only just
            // started, so this waiter waits a whole interval again: every hand-over resets the clocks.
            if timed_out && self.locked.load(Relaxed) && *switch_number == saved_switchnum {
                self.drop_request.store(true, Relaxed); // SET_GIL_DROP_REQUEST
            }
        }
        // _ready: this mutex must be held to change `last_holder`: see `drop`.
        let switch_guard = self.switch_mutex.lock(); // MUTEX_LOCK(gil->switch_mutex)
        self.locked.store(true, Relaxed); // We now hold the GIL.
        let switched = self.last_holder.load(Relaxed) != me;
        if switched {
            self.last_holder.store(me, Relaxed);
            *switch_number += 1;
        }
        // FORCE_SWITCHING: wake the thread that dropped the GIL for us, if it is waiting.
        self.switch_cond.signal(); // COND_SIGNAL(gil->switch_cond)
        drop(switch_guard); // MUTEX_UNLOCK(gil->switch_mutex)
        // The request was for the previous holder, and it has been honoured.
        self.drop_request.store(false, Relaxed); // RESET_GIL_DROP_REQUEST
        drop(switch_number); // MUTEX_UNLOCK(gil->mutex)
        Taken { waited, switched }
    }

    /// `drop_gil()`: lets the GIL go and wakes one waiter. Returns whether it then waited for
    /// another thread to take it (FORCE_SWITCHING), for the trace.
    ///
    /// # Panics
    /// If thread `me` does not hold the GIL: releasing a lock somebody else holds would let two
    /// threads run Python at once. CPython stops the process there
    /// (`Py_FatalError("drop_gil: GIL is not locked")`); this panics, saying which thread did it.
    pub fn drop(&self, me: ThreadKey, reason: DropReason) -> bool {
        self.assert_held_by(me, "drop_gil");
        {
            let _mutex = self.mutex.lock(); // MUTEX_LOCK(gil->mutex)
            self.locked.store(false, Relaxed);
            // COND_SIGNAL, not a broadcast: one waiter is enough to take it, and waking them all
            // would only make the others find it taken and go back to sleep.
            self.cond.signal(); // COND_SIGNAL(gil->cond)
        } // MUTEX_UNLOCK(gil->mutex)

        // FORCE_SWITCHING: we dropped because someone asked. Without this wait we would be back in
        // `take()` before the waiter has even woken up, find the GIL free and take it again, and
        // the waiter would starve: exactly the legacy GIL's battle (see `legacy.rs`).
        if reason == DropReason::WillRetake && self.drop_request.load(Relaxed) {
            let mut switch_guard = self.switch_mutex.lock(); // MUTEX_LOCK(gil->switch_mutex)
            // Not switched yet => wait. Under `switch_mutex` the taker cannot slip in between
            // this check and the wait: it needs this mutex to change `last_holder`.
            if self.last_holder.load(Relaxed) == me {
                self.drop_request.store(false, Relaxed); // RESET_GIL_DROP_REQUEST
                // One wait, as in C: a spurious wake-up only ends it early, it cannot hang (the
                // request came from a thread blocked in `take()`, which takes the GIL just freed).
                self.switch_cond.wait(&mut switch_guard); // COND_WAIT(switch_cond, switch_mutex)
                return true;
            }
        }
        false
    }

    /// Whether a waiter has asked the holder to drop the GIL: what a checkpoint reads.
    pub fn drop_requested(&self) -> bool {
        self.drop_request.load(Relaxed)
    }

    /// How many times the GIL changed hands (`switch_number`, not counting the very first take).
    pub fn switches(&self) -> u64 {
        self.mutex.lock().saturating_sub(1)
    }

    /// Whether thread `me` holds the GIL now (CPython's `current_thread_holds_gil`).
    pub fn is_held_by(&self, me: ThreadKey) -> bool {
        self.locked.load(Relaxed) && self.last_holder.load(Relaxed) == me
    }

    /// CPython's fatal error for a thread that gives up a GIL it does not hold, as a panic that
    /// names the mistake.
    fn assert_held_by(&self, me: ThreadKey, call: &str) {
        if self.is_held_by(me) {
            return;
        }
        let holder = if self.locked.load(Relaxed) {
            format!("thread {} holds it", self.last_holder.load(Relaxed))
        } else {
            "nobody holds it".to_string()
        };
        panic!(
            "{call}: thread {me} released a GIL it does not hold ({holder}). CPython stops the \
             process here (Py_FatalError \"drop_gil: GIL is not locked\"): only the thread that \
             took the GIL may drop it"
        );
    }
}
