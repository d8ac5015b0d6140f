//! One task at a time: `submit`, `result(timeout)`, `done`, `cancel` and done-callbacks.
//!
//! Python: `future = executor.submit(fn, arg)`, `future.add_done_callback(cb)`,
//! `future.result(timeout=…)`, `future.cancel()`.
//! Run it: `cargo run -p futures-api --example 03_submit_and_result`

use std::time::Duration;

use futures_api::tasks::Task;
use futures_api::{Executor, FutureError, ThreadPoolExecutor};
use lesson_kit::DelayServer;

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let slow = Task::Download {
        url: server.delay_url(Duration::from_millis(500)),
    };
    // ANCHOR: submit
    let executor = ThreadPoolExecutor::new(1);
    let running = executor.submit(slow)?;
    let queued = executor.submit(Task::Square(12))?;
    running.add_done_callback(|f| println!("callback 1: done = {}", f.done()));
    running.add_done_callback(|_| println!("callback 2, always after 1"));

    // Not done within 100 ms: a timeout, and the task goes on.
    let early = running.result(Some(Duration::from_millis(100)));
    assert_eq!(early, Err(FutureError::Timeout));
    // The only worker has the download: the square waits in the queue, so
    // it can be cancelled; the download cannot.
    println!("cancel the queued square: {}", queued.cancel());
    println!("cancel the running download: {}", running.cancel());
    println!("download: {:?}", running.result(None).map(|a| a.value));
    println!("square: {:?}", queued.result(None));
    // ANCHOR_END: submit
    Ok(())
}
