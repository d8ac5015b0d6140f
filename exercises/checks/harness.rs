//! What every exercise check shares: a time limit, and the hint shown when a check fails.
//!
//! A check runs the learner's code on its own thread and waits at most [`TIME_LIMIT`] for it. A
//! deadlock, a thread never joined or a loop that never ends fails the check with a message that
//! says it hung, instead of hanging `cargo test`. (The stuck thread is left behind: Rust cannot kill
//! a thread, and the test process ends soon after anyway.)

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long any one check may take before it counts as hung.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Runs `check` with the time limit; on failure or hang, panics with the exercise's name and hint.
pub fn run_check(exercise: &str, hint: &str, check: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(format!("{exercise} check"))
        .spawn(move || {
            check();
            // Only reached if the check did not panic.
            let _ = done.send(());
        });
    if let Err(error) = worker {
        panic!("{exercise}: could not start the check's thread: {error}");
    }
    // The hint is a Markdown paragraph (the book shows it too): keep its lines under "hint:".
    let hint = hint.trim_end().replace('\n', "\n        ");
    match finished.recv_timeout(TIME_LIMIT) {
        Ok(()) => {}
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "\n✗ {exercise} hung: no result after {} s (a deadlock? a thread never joined?)\n  hint: {hint}\n",
            TIME_LIMIT.as_secs()
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
            "\n✗ {exercise} is not solved yet (the reason is printed above)\n  hint: {hint}\n"
        ),
    }
}
