//! Waiting for a condition: `wait(…, FIRST_EXCEPTION)`, then cancelling what has not started.
//!
//! Python: `done, not_done = wait(futures, return_when=FIRST_EXCEPTION)`.
//! Run it: `cargo run -p futures-api --example 05_wait`

use futures_api::tasks::Task;
use futures_api::{Executor, ReturnWhen, ThreadPoolExecutor, wait};

fn main() -> anyhow::Result<()> {
    // ANCHOR: wait
    let executor = ThreadPoolExecutor::new(2);
    let countdown = Task::Countdown(3_000_000);
    let mut tasks: Vec<Task> = vec![countdown; 20];
    tasks.insert(3, Task::Fail("bad record".into()));
    let futures: Vec<_> = tasks
        .into_iter()
        .map(|task| executor.submit(task))
        .collect::<Result<_, _>>()?;
    let outcome = wait(&futures, None, ReturnWhen::FirstException);
    // `wait` only says what is done: stopping the rest is up to us.
    let cancelled = outcome
        .not_done
        .iter()
        .filter(|&&i| futures[i].cancel())
        .count();
    // ANCHOR_END: wait
    println!("done: {:?}", outcome.done);
    println!(
        "cancelled {cancelled} of {} not done",
        outcome.not_done.len()
    );
    Ok(())
}
