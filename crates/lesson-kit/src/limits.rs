//! Limits of the process a lesson runs in.

/// Ends the program quietly when its output pipe closes (`cargo run -p threading | head -1`), as
/// `cat` does, instead of panicking with "failed printing to stdout: Broken pipe".
///
/// Rust ignores SIGPIPE so that a write to a closed pipe returns an error; `println!` turns that
/// error into a panic. Restoring the default action lets the kernel end the process instead.
pub fn exit_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // Safety: setting a signal's disposition to its default is async-signal-safe and touches no
    // Rust state; it runs at the start of main, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
