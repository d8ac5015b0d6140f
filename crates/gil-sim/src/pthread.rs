//! The three OS primitives CPython's locks are made of, on Unix, through `libc`: a
//! `pthread_mutex_t`, a `pthread_cond_t` whose timed waits run on `CLOCK_MONOTONIC`, and (Linux)
//! a POSIX semaphore.
//!
//! Why not std's `Mutex` and `Condvar`? They are futex locks that spin a little before they sleep.
//! With more threads than cores and a short switch interval, that spinning changes the figures:
//! waiters that time out and contend for the mutex spin instead of sleeping at once, so the holder
//! is preempted far less often than under CPython (measured at 4 threads and 10 µs: CPython 3.11
//! 8.1k involuntary context switches, a std-based lock 0.3k, this one 12.3k). The GIL is only as
//! faithful as what it is built from, so it is built from what CPython uses:
//! `Include/internal/pycore_condvar.h` maps `PyMUTEX_T` / `PyCOND_T` to `pthread_mutex_t` /
//! `pthread_cond_t`, and `Python/thread_pthread.h` initialises every condition variable with
//! `pthread_condattr_setclock(CLOCK_MONOTONIC)` where the platform has it.
//!
//! The wrappers are deliberately small and shaped like std's: [`PthreadMutex`] owns the data it
//! guards and [`PthreadMutex::lock`] returns a guard that unlocks when dropped; a
//! [`PthreadCond`] waits with that guard. Every error a call can return means a bug (CPython
//! stops with `Py_FatalError` on them), so they panic, naming the call.
//!
//! On other systems `pthread_std.rs` provides the same three types on std's primitives.

use std::cell::UnsafeCell;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::time::Duration;

/// The clock of every timed wait: the monotonic clock, so that a change of the wall clock cannot
/// stretch or cut a switch interval. macOS has no `pthread_condattr_setclock`; CPython times its
/// waits on the real-time clock there, and so do we.
#[cfg(not(target_vendor = "apple"))]
const WAIT_CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;
#[cfg(target_vendor = "apple")]
const WAIT_CLOCK: libc::clockid_t = libc::CLOCK_REALTIME;

/// A `pthread_mutex_t` with default attributes (`pthread_mutex_init(&m, NULL)`, as CPython's
/// `PyMUTEX_INIT`) and the data it guards.
pub struct PthreadMutex<T> {
    /// Boxed: a pthread object must not move once initialised, and the GIL that owns it does.
    raw: Box<UnsafeCell<libc::pthread_mutex_t>>,
    data: UnsafeCell<T>,
}

// Safety: the data is only reached through a guard, and a guard exists only while this thread
// holds the mutex; the pthread object itself is made to be shared between threads.
unsafe impl<T: Send> Send for PthreadMutex<T> {}
// Safety: as above; `T: Send` is enough, as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for PthreadMutex<T> {}

/// Proof that this thread holds a [`PthreadMutex`]; unlocks it when dropped.
pub struct PthreadMutexGuard<'a, T> {
    mutex: &'a PthreadMutex<T>,
    /// Not `Send`: POSIX lets only the thread that locked a mutex unlock it.
    _not_send: PhantomData<*const ()>,
}

impl<T> PthreadMutex<T> {
    pub fn new(data: T) -> Self {
        let raw = Box::new(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER));
        // Safety: `raw` points to a pthread_mutex_t that nothing else uses yet; NULL attributes
        // ask for the default (non-recursive, no spinning) mutex.
        check("pthread_mutex_init", unsafe {
            libc::pthread_mutex_init(raw.get(), ptr::null())
        });
        PthreadMutex {
            raw,
            data: UnsafeCell::new(data),
        }
    }

    /// `MUTEX_LOCK`: blocks until this thread holds the mutex. A contended lock goes to sleep in
    /// the kernel at once, which is the point of using it.
    pub fn lock(&self) -> PthreadMutexGuard<'_, T> {
        // Safety: `raw` was initialised in `new` and is destroyed only in `drop`.
        check("pthread_mutex_lock", unsafe {
            libc::pthread_mutex_lock(self.raw.get())
        });
        PthreadMutexGuard {
            mutex: self,
            _not_send: PhantomData,
        }
    }
}

impl<T> Drop for PthreadMutex<T> {
    fn drop(&mut self) {
        // Safety: `&mut self` means no guard is alive, so the mutex is unlocked and unused.
        unsafe { libc::pthread_mutex_destroy(self.raw.get()) };
    }
}

impl<T> Deref for PthreadMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // Safety: this guard proves the mutex is held, so no other thread touches the data.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for PthreadMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // Safety: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T> Drop for PthreadMutexGuard<'_, T> {
    fn drop(&mut self) {
        // `MUTEX_UNLOCK`. Safety: this thread locked the mutex when it made the guard.
        check("pthread_mutex_unlock", unsafe {
            libc::pthread_mutex_unlock(self.mutex.raw.get())
        });
    }
}

/// A `pthread_cond_t` whose timed waits run on `CLOCK_MONOTONIC`. Use one condition variable
/// with one mutex only, as POSIX requires (the GIL's `cond` goes with `mutex`, `switch_cond` with
/// `switch_mutex`).
pub struct PthreadCond {
    raw: Box<UnsafeCell<libc::pthread_cond_t>>,
}

// Safety: a pthread condition variable is made to be shared between threads.
unsafe impl Send for PthreadCond {}
// Safety: as above.
unsafe impl Sync for PthreadCond {}

impl PthreadCond {
    /// `PyCOND_INIT`: `pthread_cond_init` with the monotonic clock (`_PyThread_cond_init`).
    pub fn new() -> Self {
        let raw = Box::new(UnsafeCell::new(libc::PTHREAD_COND_INITIALIZER));
        // Safety: `attr` is initialised before use and destroyed after; `raw` is not shared yet.
        unsafe {
            let mut attr = std::mem::MaybeUninit::<libc::pthread_condattr_t>::uninit();
            check(
                "pthread_condattr_init",
                libc::pthread_condattr_init(attr.as_mut_ptr()),
            );
            #[cfg(not(target_vendor = "apple"))]
            check(
                "pthread_condattr_setclock",
                libc::pthread_condattr_setclock(attr.as_mut_ptr(), WAIT_CLOCK),
            );
            check(
                "pthread_cond_init",
                libc::pthread_cond_init(raw.get(), attr.as_ptr()),
            );
            libc::pthread_condattr_destroy(attr.as_mut_ptr());
        }
        PthreadCond { raw }
    }

    /// `COND_SIGNAL`: wakes one waiting thread, if any.
    pub fn signal(&self) {
        // Safety: `raw` was initialised in `new` and is destroyed only in `drop`.
        check("pthread_cond_signal", unsafe {
            libc::pthread_cond_signal(self.raw.get())
        });
    }

    /// `COND_WAIT`: atomically unlocks the guard's mutex and sleeps until signalled (or woken
    /// spuriously, which POSIX allows: callers re-check their condition), then locks it again.
    pub fn wait<T>(&self, guard: &mut PthreadMutexGuard<'_, T>) {
        // Safety: the guard proves this thread holds the mutex, as pthread_cond_wait requires.
        check("pthread_cond_wait", unsafe {
            libc::pthread_cond_wait(self.raw.get(), guard.mutex.raw.get())
        });
    }

    /// `COND_TIMED_WAIT`: as [`wait`](Self::wait), for at most `timeout`. Returns whether the
    /// wait timed out (CPython's `timeout_result`).
    pub fn timed_wait<T>(&self, guard: &mut PthreadMutexGuard<'_, T>, timeout: Duration) -> bool {
        let deadline = deadline_after(timeout);
        // Safety: the guard proves this thread holds the mutex; `deadline` lives across the call.
        let result = unsafe {
            libc::pthread_cond_timedwait(self.raw.get(), guard.mutex.raw.get(), &deadline)
        };
        if result == libc::ETIMEDOUT {
            return true;
        }
        check("pthread_cond_timedwait", result);
        false
    }
}

impl Drop for PthreadCond {
    fn drop(&mut self) {
        // Safety: `&mut self` means no thread is waiting on it any more.
        unsafe { libc::pthread_cond_destroy(self.raw.get()) };
    }
}

/// A POSIX semaphore (`sem_t`), private to the process: the lock of Python 2 on Linux
/// (`thread_pthread.h` with `USE_SEMAPHORES`; see `legacy.rs`).
#[cfg(target_os = "linux")]
pub struct PosixSemaphore {
    raw: Box<UnsafeCell<libc::sem_t>>,
}

// Safety: an unnamed semaphore with `pshared == 0` is made to be shared between threads.
#[cfg(target_os = "linux")]
unsafe impl Send for PosixSemaphore {}
// Safety: as above.
#[cfg(target_os = "linux")]
unsafe impl Sync for PosixSemaphore {}

#[cfg(target_os = "linux")]
impl PosixSemaphore {
    /// `sem_init(&sem, 0, value)`.
    pub fn new(value: u32) -> Self {
        // Safety: an all-zero sem_t is only a placeholder; sem_init initialises it before use.
        let raw = Box::new(UnsafeCell::new(unsafe {
            std::mem::zeroed::<libc::sem_t>()
        }));
        // Safety: `raw` points to memory that lives as long as `self` and is not shared yet.
        check_errno("sem_init", unsafe { libc::sem_init(raw.get(), 0, value) });
        PosixSemaphore { raw }
    }

    /// `sem_wait`, retried when a signal interrupts it (as `PyThread_acquire_lock` does).
    pub fn wait(&self) {
        // Safety: `raw` was initialised in `new` and is destroyed only in `drop`.
        while unsafe { libc::sem_wait(self.raw.get()) } != 0 {
            let error = io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EINTR) {
                panic!("sem_wait failed: {error}");
            }
        }
    }

    /// `sem_trywait`: takes the semaphore if its value is above zero, without blocking.
    pub fn try_wait(&self) -> bool {
        loop {
            // Safety: as in `wait`.
            if unsafe { libc::sem_trywait(self.raw.get()) } == 0 {
                return true;
            }
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::EAGAIN) => return false,
                Some(libc::EINTR) => continue,
                _ => panic!("sem_trywait failed: {error}"),
            }
        }
    }

    /// `sem_post`: adds one and wakes a sleeping waiter if there is one (a futex wake-up: a
    /// system call the poster pays for).
    pub fn post(&self) {
        // Safety: as in `wait`.
        check_errno("sem_post", unsafe { libc::sem_post(self.raw.get()) });
    }
}

#[cfg(target_os = "linux")]
impl Drop for PosixSemaphore {
    fn drop(&mut self) {
        // Safety: `&mut self` means no thread is waiting on it any more.
        unsafe { libc::sem_destroy(self.raw.get()) };
    }
}

/// The absolute time `timeout` from now on [`WAIT_CLOCK`], as `pthread_cond_timedwait` wants it
/// (CPython's `_PyThread_cond_after`).
fn deadline_after(timeout: Duration) -> libc::timespec {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `now` is a valid timespec to write into.
    check_errno("clock_gettime", unsafe {
        libc::clock_gettime(WAIT_CLOCK, &mut now)
    });
    let now = Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    );
    let deadline = now.saturating_add(timeout);
    libc::timespec {
        tv_sec: libc::time_t::try_from(deadline.as_secs()).unwrap_or(libc::time_t::MAX),
        // Below 10⁹: fits the narrowest `c_long`.
        tv_nsec: deadline.subsec_nanos() as libc::c_long,
    }
}

/// A pthread call returns an error number; anything but 0 is a bug here.
fn check(call: &str, result: libc::c_int) {
    if result != 0 {
        panic!("{call} failed: {}", io::Error::from_raw_os_error(result));
    }
}

/// A call that returns -1 and sets `errno`.
fn check_errno(call: &str, result: libc::c_int) {
    if result != 0 {
        panic!("{call} failed: {}", io::Error::last_os_error());
    }
}

impl<T: fmt::Debug> fmt::Debug for PthreadMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Reading the data would need the lock; a Debug print must not block.
        f.write_str("PthreadMutex { .. }")
    }
}

impl fmt::Debug for PthreadCond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PthreadCond")
    }
}

#[cfg(target_os = "linux")]
impl fmt::Debug for PosixSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PosixSemaphore")
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
        // A spurious wake-up returns false early; loop until the timeout is reported.
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_semaphore_of_one_is_a_lock() {
        let semaphore = PosixSemaphore::new(1);
        assert!(semaphore.try_wait());
        assert!(!semaphore.try_wait(), "taken twice");
        semaphore.post();
        semaphore.wait();
        semaphore.post();
    }
}
