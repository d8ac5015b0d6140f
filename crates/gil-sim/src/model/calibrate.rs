//! Calibration: the model's two costs, measured on this machine with the real lock.
//!
//! - **checkpoint cost**: a lone thread runs `countdown` under the real GIL (it never drops it,
//!   so this is pure loop + checkpoint); the median time per iteration of a few runs.
//! - **timer slack**: how late `Condvar::wait_timeout` returns after a 100 µs timeout; the median
//!   of a few dozen waits.
//! - **wake-up latency**: two threads hand a flag back and forth through a `Mutex` and a
//!   `Condvar`, as `drop_gil` hands the GIL to a waiter; half the median round trip.
//!
//! A few tens of milliseconds in all. The lesson calibrates once per run; tests never do (their
//! figures must not depend on the machine).

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::measure::median;

use super::ModelConfig;
use crate::{Interpreter, Mode, Python, work};

/// `ModelConfig::default()` with this machine's cores, checkpoint cost and wake-up latency.
pub fn calibrated() -> ModelConfig {
    ModelConfig {
        cores: thread::available_parallelism().map_or(1, |n| n.get()),
        checkpoint_cost: checkpoint_cost(),
        wake_latency: wake_latency(),
        timer_slack: timer_slack(),
        ..ModelConfig::default()
    }
}

/// The median cost of one `countdown` iteration (work + checkpoint) on a lone attached thread.
pub fn checkpoint_cost() -> Duration {
    const ITERATIONS: u64 = 200_000;
    let interp = Interpreter::new(Mode::Cpython312);
    let mut samples: Vec<Duration> = (0..5)
        .map(|_| {
            Python::attach(&interp, "calibration", |py| {
                let started = Instant::now();
                std::hint::black_box(work::countdown(py, ITERATIONS));
                started.elapsed() / ITERATIONS as u32
            })
        })
        .collect();
    median(&mut samples).max(Duration::from_nanos(1))
}

/// Half the median round trip of a flag passed between two threads by `Mutex` + `Condvar`: the
/// time from one thread's signal to the other running.
pub fn wake_latency() -> Duration {
    const ROUND_TRIPS: usize = 200;
    // `true`: the ball is with the partner thread.
    let ball = Arc::new((Mutex::new(false), Condvar::new()));
    let partner = {
        let ball = Arc::clone(&ball);
        thread::spawn(move || {
            let (lock, cond) = &*ball;
            for _ in 0..ROUND_TRIPS {
                let mut with_partner = lock.lock().unwrap_or_else(PoisonError::into_inner);
                while !*with_partner {
                    with_partner = cond
                        .wait(with_partner)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                *with_partner = false;
                cond.notify_one();
            }
        })
    };
    let (lock, cond) = &*ball;
    let mut samples = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        let mut with_partner = lock.lock().unwrap_or_else(PoisonError::into_inner);
        *with_partner = true;
        cond.notify_one();
        while *with_partner {
            with_partner = cond
                .wait(with_partner)
                .unwrap_or_else(PoisonError::into_inner);
        }
        samples.push(started.elapsed() / 2);
    }
    // The partner has finished its loop once we have our last round trip back.
    let _ = partner.join();
    median(&mut samples)
}

/// The median lateness of a 100 µs timed wait that nobody signals.
pub fn timer_slack() -> Duration {
    const TIMEOUT: Duration = Duration::from_micros(100);
    let lock = Mutex::new(());
    let never_signalled = Condvar::new();
    let mut samples: Vec<Duration> = (0..40)
        .map(|_| {
            let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
            let started = Instant::now();
            // Spurious wake-ups only make a sample shorter; the median shrugs them off.
            let _ = never_signalled.wait_timeout(guard, TIMEOUT);
            started.elapsed().saturating_sub(TIMEOUT)
        })
        .collect();
    median(&mut samples)
}
