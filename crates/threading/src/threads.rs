//! Running tasks on threads and collecting what each returned, or why it returned nothing.
//!
//! Python's `threading.Thread(target=f, args=(x,))` plus `start()` and `join()` gives no value
//! back: results go into a shared list by hand, and an exception that escapes a thread is printed
//! and lost. Rust's `join` returns the closure's value, or the panic that ended the thread, so a
//! lesson can report every task's outcome in order.

use std::thread;

/// Why a thread's work produced no value: what `join` reports.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ThreadError {
    /// Python prints the traceback of an exception that escapes `Thread.run` and `join()` returns
    /// normally; Rust hands the panic to whoever calls `join`, so it can be reported per task.
    #[error("thread '{thread}' panicked: {message}")]
    Panicked { thread: String, message: String },
    /// `thread::Builder::spawn` returned an error: the system would not create another thread.
    #[error("could not start thread '{thread}': {message}")]
    SpawnFailed { thread: String, message: String },
}

/// Runs each task on its own thread (named `"{name} 1"`, `"{name} 2"`, …), waits for all of them,
/// and returns each task's value or the reason it has none, in the order of `tasks`.
///
/// Scoped threads (`std::thread::scope`), not `thread::spawn`: the tasks may borrow the caller's
/// client and URLs, because the scope guarantees every thread is joined before it returns.
/// A task that panics is reported here, from its `join`; the others still run to the end.
pub fn run_threads<'env, T, F>(
    name: &str,
    tasks: impl IntoIterator<Item = F>,
) -> Vec<Result<T, ThreadError>>
where
    T: Send + 'env,
    F: FnOnce() -> T + Send + 'env,
{
    thread::scope(|scope| {
        let started: Vec<_> = tasks
            .into_iter()
            .enumerate()
            .map(|(i, task)| {
                let thread = format!("{name} {}", i + 1);
                let handle = thread::Builder::new()
                    .name(thread.clone())
                    .spawn_scoped(scope, task);
                (thread, handle)
            })
            .collect();
        started
            .into_iter()
            .map(|(thread, handle)| match handle {
                Ok(handle) => handle.join().map_err(|payload| ThreadError::Panicked {
                    thread,
                    message: panic_message(payload.as_ref()),
                }),
                Err(error) => Err(ThreadError::SpawnFailed {
                    thread,
                    message: error.to_string(),
                }),
            })
            .collect()
    })
}

/// The text of a panic: `panic!("…")` carries a `&str` or a `String`.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic with a value that is not text)".to_string()
    }
}
