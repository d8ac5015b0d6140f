//! # gil-sim-2: a switch interval for a responsive server
//!
//! A thread that returns from I/O must queue for the GIL again. If a CPU-bound thread holds it,
//! the I/O thread waits up to one *switch interval* (5 ms by default, `sys.setswitchinterval`)
//! before CPython makes the holder let go: the convoy effect. A server whose every request does
//! two short I/O operations then answers hundreds of times more slowly than it could.
//!
//! You run a server on CPython next to one CPU-bound background thread, and each wake-up of the
//! I/O thread may take at most **1 ms** on average. Choose the switch interval: short enough for
//! that bound, but not so short that the CPU thread is interrupted for nothing (every switch costs
//! a wake-up and a context switch; below about 100 µs they start to eat the CPU's time). Then say
//! why in `JUSTIFICATION`, in a sentence or two.
//!
//! Your choice is checked on gil-sim's virtual-time model of CPython 3.12's GIL
//! (`gil_sim::model`), which gives the same answer on every machine. Explore it first:
//! `cargo run -p gil-sim -- convoy` and `cargo run -p gil-sim -- interval-sweep`.
//!
//! Check it: `cargo run -p exercise-check -- check gil-sim-2` (or `just check gil-sim-2`).
//! Stuck? `cargo run -p exercise-check -- hint gil-sim-2` gives one more hint each time you ask.

use std::time::Duration;

/// The switch interval you would set with `sys.setswitchinterval`.
pub fn chosen_switch_interval() -> Duration {
    // TODO: CPython's default is 5 ms. What keeps the I/O thread's mean wake-up under 1 ms
    // without switching more often than it must?
    Duration::from_millis(5)
}

/// Why that interval: what it buys, and what it costs.
// TODO: replace this with your reasoning.
pub const JUSTIFICATION: &str = "TODO";
