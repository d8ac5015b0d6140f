//! Work that must finish in time: a deadlock fails a test instead of hanging it.
//!
//! Concurrency bugs rarely crash; they hang. Tests and checks run their work through
//! [`finish_within`], which waits on a helper thread with a time limit. The limit is a safety
//! net, far above what the work needs: it never judges speed.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `job` on its own thread and returns its result. A panic in `job` is passed on with its
/// own message; if `job` has not finished after `limit`, this panics saying that `what` hung.
pub fn finish_within<T: Send + 'static>(
    what: &str,
    limit: Duration,
    job: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    let runner = thread::spawn(move || {
        // The receiver is gone only after a timeout, when nobody needs the result any more.
        let _ = done.send(job());
    });
    match finished.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the runner sends its result before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: not finished after {limit:?} (a deadlock, or a thread never joined?)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_comes_back() {
        assert_eq!(finish_within("sum", Duration::from_secs(10), || 2 + 2), 4);
    }

    #[test]
    #[should_panic(expected = "the job's own message")]
    fn a_panic_is_passed_on_with_its_message() {
        finish_within("panicking job", Duration::from_secs(10), || {
            panic!("the job's own message")
        });
    }

    #[test]
    #[should_panic(expected = "stuck job: not finished")]
    fn a_job_that_hangs_fails_after_the_limit() {
        let (_keep, never) = mpsc::channel::<()>();
        finish_within("stuck job", Duration::from_millis(50), move || {
            never.recv().ok()
        });
    }
}
