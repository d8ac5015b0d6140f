//! Calibration: the model's costs, measured on this machine with the real lock's primitives.
//!
//! - **checkpoint cost**: a lone thread runs `countdown` under the real GIL (it never drops it,
//!   so this is pure loop + checkpoint): time per iteration.
//! - **timer slack**: how late a 100 µs timed wait on the GIL's condition variable returns.
//! - **wake-up latency**: two threads hand a flag back and forth through a `pthread_mutex_t` and a
//!   `pthread_cond_t`, as `drop_gil` hands the GIL to a waiter: half a round trip.
//! - **signal cost**: how long the legacy lock's release takes its caller while another thread
//!   sleeps on the lock (`sem_post` and the `futex_wake` inside it).
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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::measure::median;

use super::ModelConfig;
use crate::legacy::LegacyGil;
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

/// How long releasing the legacy lock takes while another thread sleeps on it: the system call
/// that wakes the sleeper, paid by the releaser. A round where the partner had not even asked for
/// the lock yet when it was released (a busy machine can leave it unscheduled for longer than we
/// let it sleep) measures a release with nobody to wake: it is left out. If every round was
/// like that, the default's figure stands in.
pub fn signal_cost() -> Duration {
    const SAMPLES: usize = BATCHES * 8;
    // Long enough for the partner to be asleep in the kernel, short enough that its core is
    // not deep in idle: the battle wakes a waiter that has slept only microseconds.
    const LET_IT_SLEEP: Duration = Duration::from_micros(50);
    let lock = LegacyGil::new();
    // Rounds: we hold the lock (`retaken`), the partner asks for it (`asked`), we release it,
    // the partner takes and releases it (`done`), we take it again. `partner_waited`: whether
    // the partner found the lock taken, so that the release had someone to wake.
    let retaken = AtomicUsize::new(0);
    let asked = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let partner_waited = AtomicBool::new(false);
    lock.take(1);
    let mut samples = Vec::with_capacity(SAMPLES);
    thread::scope(|scope| {
        scope.spawn(|| {
            for round in 1..=SAMPLES {
                wait_until(&retaken, round - 1);
                asked.store(round, SeqCst);
                let taken = lock.take(2);
                partner_waited.store(taken.waited, SeqCst);
                lock.drop();
                done.store(round, SeqCst);
            }
        });
        for round in 1..=SAMPLES {
            wait_until(&asked, round);
            thread::sleep(LET_IT_SLEEP);
            let started = Instant::now();
            lock.drop();
            let elapsed = started.elapsed();
            wait_until(&done, round);
            if partner_waited.load(SeqCst) {
                samples.push(elapsed);
            }
            lock.take(1);
            retaken.store(round, SeqCst);
        }
    });
    if samples.is_empty() {
        return ModelConfig::default().signal_cost;
    }
    min_of_batch_medians(samples)
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

/// Spins (politely) until the partner's counter reaches `round`.
fn wait_until(counter: &AtomicUsize, round: usize) {
    while counter.load(SeqCst) < round {
        thread::yield_now();
    }
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
    }
}
