//! Calibration: the model's costs, measured on this machine with the real lock's primitives.
//!
//! - **checkpoint cost**: a lone thread runs `countdown` under the real GIL (it never drops it,
//!   so this is pure loop + checkpoint): time per iteration.
//! - **timer slack**: how late a 100 µs timed wait on the GIL's condition variable returns.
//! - **wake-up latency**: two threads hand a flag back and forth through a `pthread_mutex_t` and a
//!   `pthread_cond_t`, as `drop_gil` hands the GIL to a waiter: half a round trip.
//! - **signal cost**: the `futex_wake` system call a release with a waiter makes its caller pay.
//! - **recheck cost**: the CPU of one timed-out wake-up, the mean over a herd of waiters on one
//!   condition variable (the stampede's cost).
//!
//! Each figure is the **minimum of several samples**, each sample the median of a small batch.
//! A busy machine only ever makes a sample slower (another process takes the core, the partner
//! thread is scheduled late): with medians alone, one busy moment moved a prediction from 104 ms
//! to 264 ms. The smallest sample is the closest to what this hardware costs; the median inside a
//! batch keeps out the odd round trip that was fast only because the partner had not gone to
//! sleep yet.
//!
//! A few tens of milliseconds in all. The lesson calibrates once per run; no test's figures
//! depend on it (they use fixed costs, the same on every machine).

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::measure::median;

use super::ModelConfig;
use crate::pthread::{PthreadCond, PthreadMutex};
use crate::{Interpreter, Mode, Python, work};

/// How many samples each figure takes the minimum of.
const BATCHES: usize = 5;

/// `ModelConfig::default()` with this machine's cores and costs.
pub fn calibrated() -> ModelConfig {
    ModelConfig {
        cores: thread::available_parallelism().map_or(1, |n| n.get()),
        checkpoint_cost: checkpoint_cost(),
        wake_latency: wake_latency(),
        signal_cost: signal_cost(),
        recheck_cost: recheck_cost(),
        timer_slack: timer_slack(),
        ..ModelConfig::default()
    }
}

/// The cost of one `countdown` iteration (work + checkpoint) on a lone attached thread: the
/// smallest of several runs' time per iteration.
pub fn checkpoint_cost() -> Duration {
    const ITERATIONS: u64 = 200_000;
    let interp = Interpreter::new(Mode::Cpython312);
    let samples: Vec<Duration> = (0..BATCHES)
        .map(|_| {
            Python::attach(&interp, "calibration", |py| {
                let started = Instant::now();
                std::hint::black_box(work::countdown(py, ITERATIONS));
                started.elapsed() / ITERATIONS as u32
            })
        })
        .collect();
    minimum(&samples).max(Duration::from_nanos(1))
}

/// Half the round trip of a flag passed between two threads by `pthread_mutex_t` +
/// `pthread_cond_t`: the time from one thread's signal to the other running.
pub fn wake_latency() -> Duration {
    const ROUND_TRIPS: usize = BATCHES * 40;
    // `true`: the ball is with the partner thread.
    let ball = Arc::new((PthreadMutex::new(false), PthreadCond::new()));
    let partner = {
        let ball = Arc::clone(&ball);
        thread::spawn(move || {
            let (lock, cond) = &*ball;
            for _ in 0..ROUND_TRIPS {
                let mut with_partner = lock.lock();
                while !*with_partner {
                    cond.wait(&mut with_partner);
                }
                *with_partner = false;
                cond.signal();
            }
        })
    };
    let (lock, cond) = &*ball;
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        let mut with_partner = lock.lock();
        *with_partner = true;
        cond.signal();
        while *with_partner {
            cond.wait(&mut with_partner);
        }
        samples.push(started.elapsed() / 2);
    }
    // The partner has finished its loop once we have our last round trip back.
    let _ = partner.join();
    min_of_batch_medians(samples)
}

/// What a release with a waiter costs the releaser: the `futex_wake` system call that
/// `sem_post` makes when the semaphore counts a waiter, on a futex nobody sleeps on. Only the
/// call: the work of getting the woken thread onto a core is the waiter's wake-up latency.
///
/// Rejected: timing a whole `sem_post` while a partner sleeps on the semaphore. On a virtual
/// machine that release also sends the interrupt that wakes the partner's core, 2–11 µs; the
/// legacy battle pays that once per wake-up, not once per release, since a waiter already woken
/// and on its way is woken by a call that finds nobody asleep. Charged on all ~15,000 releases of
/// a second, it made two threads 12.89× slower than one where Python 2.7 measured 1.46×.
#[cfg(target_os = "linux")]
pub fn signal_cost() -> Duration {
    use std::sync::atomic::AtomicU32;

    const CALLS: u32 = 2_000;
    let word = AtomicU32::new(0);
    let samples: Vec<Duration> = (0..BATCHES * 4)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..CALLS {
                // Safety: FUTEX_WAKE only reads the address, which lives across the call.
                unsafe {
                    libc::syscall(
                        libc::SYS_futex,
                        word.as_ptr(),
                        libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                        1,
                    )
                };
            }
            started.elapsed() / CALLS
        })
        .collect();
    min_of_batch_medians(samples)
}

/// Elsewhere there is no futex to call: the default's figure stands in.
#[cfg(not(target_os = "linux"))]
pub fn signal_cost() -> Duration {
    ModelConfig::default().signal_cost
}

/// The CPU one timed-out wake-up costs: [`HERD`] threads wait on one condition variable with
/// one mutex, as the GIL's waiters do, their timed waits running out together a few times; each
/// thread's own CPU time (its clock counts the system calls and the fight for the mutex) over its
/// wake-ups, averaged over the herd, is a sample; the smallest of [`BATCHES`] herds is kept.
///
/// The mean over the herd, not its fastest thread: in a herd the first thread woken finds the
/// mutex free and the last fights every other for it, and a stampede pays for all of them.
/// Rejected: the wall time of one thread's timed waits, which counts the sleeping too, and the
/// CPU time of a lone waiter, which never fights for the mutex as a herd does.
#[cfg(unix)]
pub fn recheck_cost() -> Duration {
    let samples: Vec<Duration> = (0..BATCHES).map(|_| herd_recheck_cost()).collect();
    minimum(&samples)
}

/// One herd's mean CPU per timed-out wake-up (see [`recheck_cost`]).
#[cfg(unix)]
fn herd_recheck_cost() -> Duration {
    const HERD: u32 = 64;
    const ROUNDS: u32 = 4;
    // Long enough for the whole herd to re-check and sleep again before the next round.
    const TIMEOUT: Duration = Duration::from_millis(2);
    let lock = PthreadMutex::new(());
    let cond = PthreadCond::new();
    let per_thread: Vec<Duration> = thread::scope(|scope| {
        let herd: Vec<_> = (0..HERD)
            .map(|_| {
                scope.spawn(|| {
                    let mut guard = lock.lock();
                    let started = thread_cpu_time();
                    for _ in 0..ROUNDS {
                        // Nobody signals it: every wake-up is a timeout.
                        cond.timed_wait(&mut guard, TIMEOUT);
                    }
                    thread_cpu_time().saturating_sub(started) / ROUNDS
                })
            })
            .collect();
        // A thread that panicked gives no sample; the others still count.
        herd.into_iter().filter_map(|t| t.join().ok()).collect()
    });
    let total: Duration = per_thread.iter().sum();
    total / u32::try_from(per_thread.len().max(1)).unwrap_or(u32::MAX)
}

/// Elsewhere there is no per-thread CPU clock: the default's figure stands in.
#[cfg(not(unix))]
pub fn recheck_cost() -> Duration {
    ModelConfig::default().recheck_cost
}

/// This thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`).
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `now` is a valid timespec for the call to fill in.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// How late a 100 µs timed wait that nobody signals returns.
pub fn timer_slack() -> Duration {
    const TIMEOUT: Duration = Duration::from_micros(100);
    let lock = PthreadMutex::new(());
    let never_signalled = PthreadCond::new();
    let samples: Vec<Duration> = (0..BATCHES * 8)
        .map(|_| {
            let mut guard = lock.lock();
            let started = Instant::now();
            // A spurious wake-up only makes a sample shorter; the batch median shrugs it off.
            never_signalled.timed_wait(&mut guard, TIMEOUT);
            started.elapsed().saturating_sub(TIMEOUT)
        })
        .collect();
    min_of_batch_medians(samples)
}

/// Splits `samples` into [`BATCHES`] batches and returns the smallest batch median.
fn min_of_batch_medians(mut samples: Vec<Duration>) -> Duration {
    let per_batch = samples.len().div_ceil(BATCHES).max(1);
    let medians: Vec<Duration> = samples.chunks_mut(per_batch).map(median).collect();
    minimum(&medians)
}

fn minimum(samples: &[Duration]) -> Duration {
    samples.iter().copied().min().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_batch_median_is_kept() {
        let ms = Duration::from_millis;
        // A busy batch (the last) and a fast outlier inside the first batch change nothing.
        let mut samples = vec![ms(1), ms(10), ms(10), ms(10), ms(10)];
        samples.extend([ms(12); 15]);
        samples.extend([ms(90); 5]);
        assert_eq!(min_of_batch_medians(samples), ms(10));
    }

    #[test]
    fn every_cost_is_measured_and_positive() {
        // Not a timing assertion: only that each calibration runs to the end and yields something.
        let config = calibrated();
        assert!(config.cores >= 1);
        assert!(config.checkpoint_cost > Duration::ZERO);
        assert!(config.wake_latency > Duration::ZERO);
        assert!(config.signal_cost > Duration::ZERO);
        assert!(config.recheck_cost > Duration::ZERO);
    }
}
