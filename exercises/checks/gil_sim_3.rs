//! The checks of gil-sim-3, shared by `exercises` and `solutions`.
//!
//! The proof of parallelism is a rendezvous, not a stopwatch: each native call waits until every
//! thread's call has started. If the GIL lets only one call run at a time, the others can never
//! arrive, and the wait gives up.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use gil_sim::{Interpreter, Mode, work};

use crate::harness::Check;
use crate::target::gil_sim_3::run_native_on_threads;

pub const CHECKS: &[Check] = &[Check {
    name: "native_calls_run_at_the_same_time_and_compute_the_right_results",
    run: native_calls_run_at_the_same_time_and_compute_the_right_results,
}];

const THREADS: usize = 3;

/// Counts arrivals; `arrive_and_wait` returns whether all `THREADS` arrived before the timeout.
struct Rendezvous {
    arrived: Mutex<usize>,
    all_here: Condvar,
}

impl Rendezvous {
    fn arrive_and_wait(&self, timeout: Duration) -> bool {
        let mut arrived = self.arrived.lock().unwrap_or_else(|e| e.into_inner());
        *arrived += 1;
        self.all_here.notify_all();
        let (arrived, _) = self
            .all_here
            .wait_timeout_while(arrived, timeout, |n| *n < THREADS)
            .unwrap_or_else(|e| e.into_inner());
        *arrived >= THREADS
    }
}

fn native_calls_run_at_the_same_time_and_compute_the_right_results() {
    let interp = Interpreter::new(Mode::Cpython312);
    let rendezvous = Rendezvous {
        arrived: Mutex::new(0),
        all_here: Condvar::new(),
    };
    let data: Vec<Vec<u8>> = (0..THREADS).map(|i| vec![i as u8; 4096]).collect();
    let results = run_native_on_threads(&interp, THREADS, |i| {
        let together = rendezvous.arrive_and_wait(Duration::from_secs(1));
        // Real work once everyone is in: the answer must still be right.
        if together {
            work::native_hash(&data[i], 8)
        } else {
            0
        }
    });
    assert!(
        results.iter().all(|&r| r != 0),
        "the {THREADS} native calls never ran at the same moment: each kept the GIL"
    );
    let expected: Vec<u64> = data.iter().map(|d| work::native_hash(d, 8)).collect();
    assert_eq!(
        results, expected,
        "results must be in the order of the threads"
    );
}
