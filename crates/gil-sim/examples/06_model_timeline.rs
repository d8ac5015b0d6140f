//! The GIL in virtual time: the model replays CPython 3.12's protocol without running anything,
//! and draws the same timeline on every machine.
//!
//! Mirrors: two countdown threads on CPython 3.12, watched with per4m's `giltracer`.
//! Run it: `cargo run -p gil-sim --example 06_model_timeline`

use std::time::Duration;

use gil_sim::model::{self, ModelConfig, ThreadSpec};
use lesson_kit::render::terminal::{TerminalOptions, timeline};

fn main() {
    // ANCHOR: model
    let config = ModelConfig {
        switch_interval: Duration::from_millis(1),
        ..ModelConfig::default()
    };
    let threads = [
        ThreadSpec::cpu(100_000).named("CPU"),
        ThreadSpec::io_loop(4, Duration::from_millis(1)).named("I/O"),
    ];
    let run = model::simulate(&config, &threads);
    // ANCHOR_END: model
    println!(
        "{}",
        timeline(&run.trace.snapshot(), TerminalOptions::detect())
    );
    println!(
        "{:?} of virtual time, {} switches, the I/O thread waited {:?} per wake-up",
        run.total,
        run.switches,
        run.mean_wake_latency(1)
    );
}
