//! `cargo run -p coroutines`: the guided tour of the coroutines lesson, in the chapter's order.
//!
//! Each experiment is drawn as soon as it finishes; `cargo run -p coroutines -- gather` runs one,
//! `--help` lists them all.

use std::process::ExitCode;

use coroutines::experiments::{blocking, cancel, chef, compare, gather, how_many, servers};
use lesson_kit::Tour;

/// mimalloc, or glibc's `malloc` in a child asked to use it: see `coroutines::allocator`.
#[global_allocator]
static ALLOCATOR: coroutines::allocator::Chosen = coroutines::allocator::Chosen;

fn main() -> ExitCode {
    Tour::new("coroutines", "Coroutines: one thread, many waiting tasks")
        .experiment(
            "gather",
            "asyncio.gather on one thread: three waits take one; the first failure, two ways",
            gather::measure,
            gather::report,
        )
        .experiment(
            "how-many",
            "How many tasks: 10,000 (1,000,000 with --full) sleeping tasks beside OS threads",
            how_many::measure,
            how_many::report,
        )
        .experiment(
            "blocking",
            "Blocking the loop: a blocking call stalls every task; spawn_blocking, yield_now, workers",
            blocking::measure,
            blocking::report,
        )
        .experiment(
            "chef",
            "The chef: one cook (one thread) and many tables (tasks), never idle while a dish is ready",
            chef::measure,
            chef::report,
        )
        .experiment(
            "cancel",
            "Cancelling is dropping: timeouts, dropped handles, and a read that select! tears",
            cancel::measure,
            cancel::report,
        )
        .experiment(
            "servers",
            "A thread or a task per connection: 1,000 slow clients (10,000 with --full)",
            servers::measure,
            servers::report,
        )
        .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
        .child(coroutines::many::COMMAND, coroutines::many::child_main)
        .child(coroutines::servers::COMMAND, coroutines::servers::child_main)
        .main(Ok)
}
