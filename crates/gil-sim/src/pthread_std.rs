//! The fallback of `pthread.rs` for systems without pthreads (Windows): the same
//! [`PthreadMutex`] and [`PthreadCond`], built on std's `Mutex` and `Condvar`.
//!
//! What CPython does there: `Include/internal/pycore_condvar.h` maps `PyMUTEX_T` to an `SRWLOCK`
//! and `PyCOND_T` to a `CONDITION_VARIABLE` (Vista and later; `_PY_EMULATED_WIN_CV 0`), and only
//! for older targets emulates the condition variable with a `CRITICAL_SECTION` and a semaphore.
//! std's locks are std's own choice (not necessarily SRWLOCKs; it has changed between Rust
//! versions), so on Windows the lock's *protocol* is CPython's but its primitives are std's: a
//! documented difference. Expect other context-switch counts there.
//! Timeouts are measured on `Instant`, which is monotonic, as CPython's waits are.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A mutex and the data it guards, with the API of the pthread version.
pub struct PthreadMutex<T> {
    inner: Mutex<T>,
}

/// Proof that this thread holds a [`PthreadMutex`]; unlocks it when dropped. (An `Option` only
/// so that a condition variable can take the std guard for its wait and put it back.)
pub struct PthreadMutexGuard<'a, T> {
    inner: Option<MutexGuard<'a, T>>,
}

impl<T> PthreadMutex<T> {
    pub fn new(data: T) -> Self {
        PthreadMutex {
            inner: Mutex::new(data),
        }
    }

    /// `MUTEX_LOCK`. A panic while the lock was held leaves the data as it was (every write to it
    /// is one assignment), so poisoning is ignored, as a pthread mutex has none.
    pub fn lock(&self) -> PthreadMutexGuard<'_, T> {
        PthreadMutexGuard {
            inner: Some(self.inner.lock().unwrap_or_else(PoisonError::into_inner)),
        }
    }
}

impl<T> PthreadMutexGuard<'_, T> {
    fn guard(&self) -> &MutexGuard<'_, T> {
        self.inner
            .as_ref()
            .expect("the guard is only empty during a wait")
    }
}

impl<T> Deref for PthreadMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard()
    }
}

impl<T> DerefMut for PthreadMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner
            .as_mut()
            .expect("the guard is only empty during a wait")
    }
}

/// A condition variable with the API of the pthread version.
#[derive(Default)]
pub struct PthreadCond {
    inner: Condvar,
}

impl PthreadCond {
    pub fn new() -> Self {
        Self::default()
    }

    /// `COND_SIGNAL`.
    pub fn signal(&self) {
        self.inner.notify_one();
    }

    /// `COND_WAIT`.
    pub fn wait<T>(&self, guard: &mut PthreadMutexGuard<'_, T>) {
        let std_guard = guard.inner.take().expect("a guard holds its lock");
        let std_guard = self
            .inner
            .wait(std_guard)
            .unwrap_or_else(PoisonError::into_inner);
        guard.inner = Some(std_guard);
    }

    /// `COND_TIMED_WAIT`: returns whether the wait timed out.
    pub fn timed_wait<T>(&self, guard: &mut PthreadMutexGuard<'_, T>, timeout: Duration) -> bool {
        let std_guard = guard.inner.take().expect("a guard holds its lock");
        let (std_guard, result) = self
            .inner
            .wait_timeout(std_guard, timeout)
            .unwrap_or_else(PoisonError::into_inner);
        guard.inner = Some(std_guard);
        result.timed_out()
    }
}

impl<T> fmt::Debug for PthreadMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PthreadMutex { .. }")
    }
}

impl fmt::Debug for PthreadCond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PthreadCond")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_timed_wait_nobody_signals_times_out() {
        let mutex = PthreadMutex::new(());
        let cond = PthreadCond::new();
        let mut guard = mutex.lock();
        let started = Instant::now();
        while !cond.timed_wait(&mut guard, Duration::from_millis(2)) {}
        assert!(started.elapsed() >= Duration::from_millis(2));
    }

    #[test]
    fn a_signal_wakes_a_waiter_and_the_mutex_guards_the_data() {
        let pair = Arc::new((PthreadMutex::new(0_u32), PthreadCond::new()));
        let waiter = {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (mutex, cond) = &*pair;
                let mut value = mutex.lock();
                while *value == 0 {
                    cond.wait(&mut value);
                }
                *value
            })
        };
        {
            let (mutex, cond) = &*pair;
            *mutex.lock() = 7;
            cond.signal();
        }
        assert_eq!(waiter.join().expect("the waiter panicked"), 7);
    }
}
