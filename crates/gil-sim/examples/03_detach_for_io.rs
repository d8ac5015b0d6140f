//! Threads that release the GIL while they wait for the network overlap their waits.
//!
//! Mirrors: `requests.get(url)` on three threads; CPython's socket code wraps every blocking call
//! in `Py_BEGIN_ALLOW_THREADS` … `Py_END_ALLOW_THREADS`.
//! Run it: `cargo run -p gil-sim --example 03_detach_for_io`

use std::thread;
use std::time::{Duration, Instant};

use gil_sim::http;
use gil_sim::{Interpreter, Mode, Python};
use lesson_kit::DelayServer;

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let url = server.delay_url(Duration::from_millis(300));
    let interp = Interpreter::new(Mode::Cpython312);
    let started = Instant::now();
    thread::scope(|scope| {
        for i in 0..3 {
            let (interp, url) = (&interp, &url);
            // ANCHOR: detach
            scope.spawn(move || {
                Python::attach(interp, &format!("thread {i}"), |py| {
                    // While this thread waits, the GIL is free for the others.
                    py.detach(|| http::get(url))
                })
            });
            // ANCHOR_END: detach
        }
    });
    println!(
        "3 downloads of 300 ms took {:?}; the server saw {} at once",
        started.elapsed(),
        server.peak_in_flight()
    );
    Ok(())
}
