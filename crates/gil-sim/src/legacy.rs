//! The GIL of CPython before 3.2, on real threads: a plain lock released and re-taken every
//! 100 "ticks".
//!
//! In CPython 2.x the eval loop counted down `_Py_Ticker`, one global counter
//! (`sys.setcheckinterval`, default 100); when `--_Py_Ticker < 0` the holder reset it and called
//! `PyThread_release_lock(interpreter_lock)` and at once `PyThread_acquire_lock(interpreter_lock,
//! 1)` (Python/ceval.c, 2.7). No timeout, no drop request, no forced switch. On one core that was
//! a fair hand-over point; on two or more the releasing thread is still running when the woken
//! waiter gets scheduled, so it takes the lock straight back and the waiter goes back to sleep:
//! Beazley's "GIL battle" (2009), a 2-thread program slower than the same work done sequentially.
//!
//! **Ticks are not loop iterations.** The ticker counted bytecodes, but only those dispatched
//! from the top of the eval loop: the cheapest opcodes end in `goto fast_next_opcode`
//! (`LOAD_FAST`, `LOAD_CONST`, `STORE_FAST`…) and skip the count. `while n > 0: n -= 1` runs 9
//! bytecodes per iteration (`dis` in 2.7.18) and moves `_Py_Ticker` by [`TICKS_PER_ITERATION`]
//! = 3: measured on Python 2.7.18 by reading `_Py_Ticker` through `ctypes` before and after
//! `countdown(100000)` (300,008 ticks). So the holder lets go about every 34 iterations, not
//! every 100.
//!
//! **The lock is a semaphore.** On Linux, Python 2's `PyThread_type_lock` is a POSIX semaphore
//! (`Python/thread_pthread.h` with `USE_SEMAPHORES`): acquire is `sem_wait`, release is
//! `sem_post`. Elsewhere (macOS had no working unnamed semaphores) it was a mutex, a condition
//! variable and a `locked` flag; `InterpreterLock` below is whichever of the two this platform used.
//! Either way a release while another thread sleeps on the lock costs the releaser a system call
//! to wake it (`futex_wake`), every 34 iterations: the price of the battle.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering::Relaxed};

use crate::gil::{Taken, ThreadKey};

/// `sys.getcheckinterval()`'s default: the ticks between two releases (a release happens when
/// `--_Py_Ticker < 0`, so on the 101st tick).
pub const CHECK_INTERVAL: u32 = 100;

/// How far one iteration of `while n > 0: n -= 1` moves Python 2.7's `_Py_Ticker` (see the
/// module's header for how it was measured).
pub const TICKS_PER_ITERATION: u32 = 3;

/// The pre-3.2 GIL: `interpreter_lock` and `_Py_Ticker`.
#[derive(Debug)]
pub struct LegacyGil {
    /// `interpreter_lock`.
    lock: InterpreterLock,
    /// `_Py_Ticker`: one per process, not per thread. Only the holder touches it; an atomic only
    /// because the holder changes.
    ticker: AtomicI32,
    /// Who took the lock last (0: nobody yet). Not in Python 2, which did not track it: kept for
    /// the lesson's switch count and the trace.
    last_holder: AtomicU64,
    /// How many times a different thread took the lock (counted for the lesson).
    switch_number: AtomicU64,
}

impl Default for LegacyGil {
    fn default() -> Self {
        Self::new()
    }
}

impl LegacyGil {
    pub fn new() -> Self {
        LegacyGil {
            lock: InterpreterLock::new(),
            ticker: AtomicI32::new(CHECK_INTERVAL as i32),
            last_holder: AtomicU64::new(0),
            switch_number: AtomicU64::new(0),
        }
    }

    /// `PyThread_acquire_lock(interpreter_lock, 1)`: blocks until thread `me` holds the lock.
    pub fn take(&self, me: ThreadKey) -> Taken {
        let waited = !self.lock.try_acquire();
        if waited {
            self.lock.acquire();
        }
        // Only the holder writes `last_holder`, so this read-and-write cannot race.
        let switched = self.last_holder.load(Relaxed) != me;
        if switched {
            self.last_holder.store(me, Relaxed);
            self.switch_number.fetch_add(1, Relaxed);
        }
        Taken { waited, switched }
    }

    /// `PyThread_release_lock(interpreter_lock)`: frees the lock and wakes one sleeping waiter,
    /// which may well find it taken again by the time it runs.
    pub fn drop(&self) {
        self.lock.release();
    }

    /// The holder ran `ticks` more ticked bytecodes: counts them down `_Py_Ticker`, and returns
    /// whether it ran out (`--_Py_Ticker < 0`), in which case it is reset and the holder must
    /// release and re-take the lock now.
    pub fn tick(&self, ticks: u32) -> bool {
        let left = self.ticker.load(Relaxed) - ticks as i32;
        if left >= 0 {
            self.ticker.store(left, Relaxed);
            return false;
        }
        // Python 2 resets the ticker to the interval on the tick that went below zero and keeps
        // counting: a period of CHECK_INTERVAL + 1 ticks.
        self.ticker.store(left + CHECK_INTERVAL as i32 + 1, Relaxed);
        true
    }

    /// How many times the lock changed hands (not counting the very first take).
    pub fn switches(&self) -> u64 {
        self.switch_number.load(Relaxed).saturating_sub(1)
    }
}

/// Python 2's `PyThread_type_lock` on Linux: a POSIX semaphore of value 1.
#[cfg(target_os = "linux")]
#[derive(Debug)]
struct InterpreterLock {
    semaphore: crate::pthread::PosixSemaphore,
}

#[cfg(target_os = "linux")]
impl InterpreterLock {
    fn new() -> Self {
        InterpreterLock {
            semaphore: crate::pthread::PosixSemaphore::new(1),
        }
    }

    /// `sem_trywait`: glibc's `sem_wait` starts with the same attempt; trying it first tells us
    /// whether the thread had to wait.
    fn try_acquire(&self) -> bool {
        self.semaphore.try_wait()
    }

    /// `sem_wait`, retried on EINTR.
    fn acquire(&self) {
        self.semaphore.wait();
    }

    /// `sem_post`.
    fn release(&self) {
        self.semaphore.post();
    }
}

/// Python 2's `PyThread_type_lock` without POSIX semaphores: a `locked` flag, a mutex and a
/// condition variable (`struct pthread_lock` in thread_pthread.h).
#[cfg(not(target_os = "linux"))]
#[derive(Debug)]
struct InterpreterLock {
    /// `mut`, guarding `locked`.
    locked: crate::pthread::PthreadMutex<bool>,
    /// `lock_released`.
    lock_released: crate::pthread::PthreadCond,
}

#[cfg(not(target_os = "linux"))]
impl InterpreterLock {
    fn new() -> Self {
        InterpreterLock {
            locked: crate::pthread::PthreadMutex::new(false),
            lock_released: crate::pthread::PthreadCond::new(),
        }
    }

    fn try_acquire(&self) -> bool {
        let mut locked = self.locked.lock();
        let free = !*locked;
        *locked = true;
        free
    }

    /// `while (thelock->locked) pthread_cond_wait(&thelock->lock_released, &thelock->mut)`.
    fn acquire(&self) {
        let mut locked = self.locked.lock();
        while *locked {
            self.lock_released.wait(&mut locked);
        }
        *locked = true;
    }

    /// Unlock first, then signal, as Python 2 did.
    fn release(&self) {
        *self.locked.lock() = false;
        self.lock_released.signal();
    }
}
