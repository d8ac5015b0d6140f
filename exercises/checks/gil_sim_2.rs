//! The checks of gil-sim-2, shared by `exercises` and `solutions`. They run on gil-sim's
//! virtual-time model, so they give the same answer on every machine.

use std::time::Duration;

use gil_sim::model::{ModelConfig, convoy_latency};

use crate::harness::Check;
use crate::target::gil_sim_2::{JUSTIFICATION, chosen_switch_interval};

pub const CHECKS: &[Check] = &[Check {
    name: "the_io_thread_wakes_within_the_bound_without_needless_switching",
    run: the_io_thread_wakes_within_the_bound_without_needless_switching,
}];

const BOUND: Duration = Duration::from_millis(1);
const SHORTEST_SENSIBLE: Duration = Duration::from_micros(100);

fn the_io_thread_wakes_within_the_bound_without_needless_switching() {
    let interval = chosen_switch_interval();
    let config = ModelConfig::default().with_switch_interval(interval);
    let latency = convoy_latency(&config, 1);
    assert!(
        latency <= BOUND,
        "with a switch interval of {interval:?}, the I/O thread waits {latency:?} on average to \
         get the GIL back from a CPU-bound thread: more than the {BOUND:?} allowed"
    );
    assert!(
        interval >= SHORTEST_SENSIBLE,
        "{interval:?} is shorter than it needs to be: switches that often cost the CPU-bound \
         thread its time for no gain in the bound"
    );
    let words = JUSTIFICATION.split_whitespace().count();
    assert!(
        !JUSTIFICATION.contains("TODO") && words >= 8,
        "say why you chose {interval:?} in JUSTIFICATION (a sentence or two)"
    );
}
