//! The first failure, two ways: `gather` lets the siblings run on, a task group cancels them.
//! Mirrors `asyncio.gather(...)` against `async with asyncio.TaskGroup() as tg:` (3.11).
//!
//! cargo run -p coroutines --example 03_task_group

use std::time::Duration;

use futures_util::future::try_join_all;
use tokio::task::JoinSet;
use tokio::time::sleep;

async fn job(name: &'static str, secs: u64, fails: bool) -> Result<&'static str, String> {
    sleep(Duration::from_secs(secs)).await;
    if fails {
        return Err(format!("{name} failed"));
    }
    println!("  {name} finished");
    Ok(name)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // ANCHOR: gather
    println!("gather:");
    let jobs = [job("a", 2, false), job("b", 1, true), job("c", 3, false)];
    let handles = jobs.map(tokio::spawn);
    // Returns at the first error, in time; the pending handles are
    // dropped with it, and a dropped `JoinHandle` detaches its task:
    // "a" and "c" are not cancelled.
    let results = handles.map(|h| async { h.await.expect("no panic") });
    if let Err(error) = try_join_all(results).await {
        println!("  caught: {error}");
    }
    // ANCHOR_END: gather
    sleep(Duration::from_secs(5)).await; // "a" and "c" finish while nobody waits for them

    // ANCHOR: task_group
    println!("task group:");
    let mut group = JoinSet::new();
    for (name, secs, fails) in [("a", 2, false), ("b", 1, true), ("c", 3, false)] {
        group.spawn(job(name, secs, fails));
    }
    while let Some(done) = group.join_next().await {
        if let Err(error) = done.expect("no panic") {
            println!("  caught: {error}");
            break;
        }
    }
    drop(group); // a dropped JoinSet aborts its tasks: "a" and "c" never finish
    // ANCHOR_END: task_group
    sleep(Duration::from_secs(5)).await; // nothing more finishes
}
