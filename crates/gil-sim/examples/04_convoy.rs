//! The convoy effect: an I/O thread next to a CPU-bound thread waits about one switch interval
//! for the GIL every time a socket call returns.
//!
//! Mirrors: a thread making requests while another runs a `while True:` loop (bpo-7946).
//! Run it: `cargo run -p gil-sim --example 04_convoy`

use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use gil_sim::http::{Connection, split_url};
use gil_sim::{Interpreter, Mode, Python, sys, work};
use lesson_kit::DelayServer;

const REQUESTS: usize = 30;

// ANCHOR: convoy
/// An I/O thread's requests next to a CPU-bound thread: how long it
/// waited for the GIL after each answer arrived.
fn waits(interp: &Interpreter, url: &str) -> anyhow::Result<Vec<Duration>> {
    let (host, path) = split_url(url)?;
    let done = AtomicBool::new(false);
    let computing = Barrier::new(2);
    thread::scope(|scope| {
        scope.spawn(|| {
            Python::attach(interp, "CPU thread", |py| {
                py.detach(|| computing.wait());
                while !done.load(Ordering::Relaxed) {
                    work::countdown(py, 1_000); // `while True:`
                }
            })
        });
        computing.wait(); // the CPU thread is computing from here on
        let waits = Python::attach(interp, "I/O thread", |py| {
            let mut conn = py.detach(|| Connection::open(host))?;
            let mut waits = Vec::with_capacity(REQUESTS);
            for _ in 0..REQUESTS {
                py.detach(|| conn.send_get(path))?;
                // The answer arrives with the GIL released; then we queue.
                let read = || (conn.read_answer(), Instant::now());
                let (answer, arrived) = py.detach(read);
                waits.push(arrived.elapsed());
                answer?;
            }
            Ok(waits)
        });
        done.store(true, Ordering::Relaxed); // lets the CPU thread end
        waits
    })
}
// ANCHOR_END: convoy

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let url = server.delay_url(Duration::from_millis(1));
    for interval in [Duration::from_millis(5), Duration::from_millis(1)] {
        let interp = Interpreter::new(Mode::Cpython312);
        sys::setswitchinterval(&interp, interval);
        let mut waits = waits(&interp, &url)?;
        waits.sort();
        println!(
            "interval {interval:?}: {:?} waiting for the GIL after each answer (median)",
            waits[waits.len() / 2]
        );
    }
    Ok(())
}
