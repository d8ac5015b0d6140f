//! Starting a process two ways: fork (copy this one), and spawn (start the program again).
//!
//! Python: `multiprocessing.set_start_method("fork")` or `"spawn"` (and `"forkserver"`, a
//! single-threaded process that forks on request). A forked copy of a program with threads may
//! only call async-signal-safe functions until it execs: a lock another thread held at the fork
//! stays locked in the copy forever. So our copy exits at once; real work needs spawn.
//! Run it: `cargo run -p multiprocessing --example 08_start_methods`

use std::process::Command;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    // The spawned child: this program again, told what to be.
    if std::env::args().nth(1).as_deref() == Some("child") {
        return Ok(());
    }
    // ANCHOR: fork
    let started = Instant::now();
    // Safety: the copy calls only `_exit`, which is async-signal-safe; it touches
    // no lock.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // Safety: as above; `_exit` also skips Rust's cleanup, which belongs to the
        // parent.
        unsafe { libc::_exit(0) }
    }
    let mut status = 0;
    // Safety: `pid` is our child, not yet waited for.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    println!("fork + wait:  {:?}", started.elapsed());
    // ANCHOR_END: fork

    // ANCHOR: spawn
    let started = Instant::now();
    Command::new(std::env::current_exe()?)
        .arg("child")
        .status()?;
    println!("spawn + wait: {:?}", started.elapsed());
    // ANCHOR_END: spawn
    Ok(())
}
