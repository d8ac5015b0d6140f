//! What a dropped handle does to its task: a `JoinHandle` detaches it (it runs on), a `JoinSet`
//! aborts it. Python: an unreferenced `asyncio.create_task` may even be garbage-collected.
//!
//! cargo run -p coroutines --example 06_dropped_handles

use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

async fn report(name: &str) {
    sleep(Duration::from_millis(100)).await;
    println!("{name} finished");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // ANCHOR: handles
    drop(tokio::spawn(report("detached task"))); // runs on: "fire and forget"

    let mut set = JoinSet::new();
    set.spawn(report("task in a JoinSet"));
    drop(set); // aborts every task in the set: this one never prints

    sleep(Duration::from_millis(300)).await;
    // ANCHOR_END: handles
}
