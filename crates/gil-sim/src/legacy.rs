//! The GIL of CPython before 3.2, on real threads: a plain lock released and re-taken every
//! 100 "ticks".
//!
//! In CPython 2.x the eval loop counted down `_Py_Ticker` (`sys.setcheckinterval`, default 100);
//! at zero the holder called `PyThread_release_lock(interpreter_lock)` and at once
//! `PyThread_acquire_lock(interpreter_lock, 1)` (Python/ceval.c, 2.7). No timeout, no drop
//! request, no forced switch. On one core that was a fair hand-over point; on two or more the
//! releasing thread is still running when the woken waiter gets scheduled, so it takes the lock
//! straight back and the waiter goes back to sleep: Beazley's "GIL battle" (2009), a 2-thread
//! program slower than the same work done sequentially.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::gil::ThreadKey;

/// How many ticks (checkpoints here) between two releases: `sys.getcheckinterval()`'s default.
pub const CHECK_INTERVAL: u32 = 100;

/// The pre-3.2 `interpreter_lock`: a binary semaphore (a mutex and a condition variable on Linux).
#[derive(Debug, Default)]
pub struct LegacyGil {
    state: Mutex<LegacyState>,
    /// Waiters sleep here, with no timeout.
    released: Condvar,
}

#[derive(Debug, Default)]
struct LegacyState {
    locked: bool,
    last_holder: Option<ThreadKey>,
    /// Only counted, for the lesson: the old GIL did not track switches.
    switch_number: u64,
}

impl LegacyGil {
    pub fn new() -> Self {
        Self::default()
    }

    /// `PyThread_acquire_lock(interpreter_lock, 1)`: blocks until the lock is free. Returns
    /// whether it had to wait.
    pub fn take(&self, me: ThreadKey) -> bool {
        let mut state = self.lock();
        let waited = state.locked;
        while state.locked {
            state = self
                .released
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.locked = true;
        if state.last_holder != Some(me) {
            state.last_holder = Some(me);
            state.switch_number += 1;
        }
        waited
    }

    /// `PyThread_release_lock(interpreter_lock)`: frees the lock and wakes one waiter, which may
    /// well find it taken again by the time it runs.
    pub fn drop(&self) {
        self.lock().locked = false;
        self.released.notify_one();
    }

    /// How many times the lock changed hands (not counting the very first take).
    pub fn switches(&self) -> u64 {
        self.lock().switch_number.saturating_sub(1)
    }

    fn lock(&self) -> MutexGuard<'_, LegacyState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
