//! 10,000 threads that sleep at once: how long they take to start, and what memory they use.
//!
//! Python: 10,000 `threading.Thread(target=event.wait)`. A common claim says this crashes or
//! crawls; measure it. (To find where it really stops, run the lesson's `cost` experiment: it
//! probes in a child process, because past ~16,000 threads std may abort the whole process.)
//!
//! Run it: `cargo run -p threading --example 09_many_threads`

use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use lesson_kit::report::format_bytes;
use threading::limits::rss_now_bytes;

const THREADS: usize = 10_000;

fn main() {
    // ANCHOR: many
    // Every thread waits at the barrier until all of them (and main) have
    // arrived, so at that moment all 10,000 exist and sleep, using no CPU.
    let all_here = Barrier::new(THREADS + 1);
    let started = Instant::now();
    thread::scope(|s| {
        for i in 0..THREADS {
            let spawned = thread::Builder::new().spawn_scoped(s, || {
                all_here.wait();
            });
            if let Err(error) = spawned {
                // The others would wait at the barrier forever: end the
                // process instead.
                eprintln!("thread {i} could not start: {error}");
                std::process::exit(1);
            }
        }
        all_here.wait();
        println!("{THREADS} threads alive after {:?}", started.elapsed());
        match rss_now_bytes() {
            Some(bytes) => println!("resident memory: {}", format_bytes(bytes)),
            None => println!("resident memory: not readable on this system"),
        }
    });
    println!("and all joined after {:?}", started.elapsed());
    // ANCHOR_END: many
}
