//! The convoy effect: an I/O thread next to a CPU-bound thread waits about one switch interval
//! for the GIL every time a socket call returns.
//!
//! Mirrors: a thread making requests while another runs a `while True:` loop (bpo-7946).
//! Run it: `cargo run -p gil-sim --example 04_convoy`

use std::time::Duration;

use gil_sim::experiments::convoy::{DELAY, convoy_run};
use lesson_kit::DelayServer;

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let url = server.delay_url(DELAY);
    // ANCHOR: convoy
    for interval in [Duration::from_millis(5), Duration::from_millis(1)] {
        for cpu_threads in [0, 1] {
            let run = convoy_run(&url, interval, cpu_threads, 30)?;
            let mut waits = run.recv_waits.clone();
            waits.sort();
            println!(
                "interval {interval:?}, {cpu_threads} CPU thread(s): {:?} per request, \
                 {:?} waiting for the GIL after each answer (median)",
                run.wall / 30,
                waits[waits.len() / 2]
            );
        }
    }
    // ANCHOR_END: convoy
    Ok(())
}
