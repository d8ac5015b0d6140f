//! What a lesson asks of the operating system before it starts: a quiet exit when its output pipe
//! closes, and room for as many open files as its experiment needs.
//!
//! Both are process-wide settings that Rust, like Python, leaves at values meant for other
//! programs. A binary calls [`exit_quietly_on_closed_pipe`] first thing in `main`, and an
//! experiment that opens many connections calls [`ensure_open_files`] before it starts, so that
//! it fails up front with a command to run instead of losing half its downloads halfway through.

use std::process::Command;

/// Why a run cannot have the open files it needs.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error(
        "this run needs {needed} open files (file descriptors), but this process may open at most \
         {limit}: run `ulimit -n {needed}` in this shell first (above the hard limit, that takes \
         an administrator), or ask for less"
    )]
    TooFewOpenFiles { needed: u64, limit: u64 },
    #[error("could not read or raise the limit on open files: {0}")]
    Os(#[from] std::io::Error),
}

/// Lets a write to a closed pipe end the process quietly, as it ends `cat` or `grep`: for
/// `cargo run -p threading | head -1`. Mirrors Python's `signal.signal(signal.SIGPIPE,
/// signal.SIG_DFL)`, the fix Python's own docs give for the same problem.
///
/// Why it is needed: before `main`, Rust's runtime sets the signal SIGPIPE to "ignore" (Python
/// does the same). A write to a pipe whose reader is gone then fails with "Broken pipe" instead of
/// ending the process, and `println!` panics on that error. With SIGPIPE's default action back,
/// the kernel ends the process at that write, without a message, as every Unix filter expects.
///
/// The catch, and why the [`DelayServer`](crate::DelayServer) is safe with it: the signal is sent
/// for sockets too, when a peer that has gone is written to twice. Rust's socket writes ask the
/// kernel not to send it (`MSG_NOSIGNAL` on Linux, `SO_NOSIGPIPE` on macOS), except vectored
/// writes (`writev`) on Linux, which cannot ask: the server turns those off.
///
/// Call it first in `main`, before anything is printed. It does nothing on other systems, which
/// have no SIGPIPE.
pub fn exit_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // Safety: `signal` only changes how this process reacts to SIGPIPE; SIG_DFL is a valid
    // disposition, and no handler of ours is installed or replaced. Called at the start of `main`,
    // before any thread of ours could be writing.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Makes sure this process may have `needed` files open at once (sockets count: every
/// connection is one, and a download from the in-process server costs two, its client's and the
/// server's). Mirrors Python's `resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))`.
///
/// Most Linux systems start a shell with a *soft* limit of 1,024 open files, kept low for old
/// programs that use `select()`, which cannot watch a file numbered above 1,023, and a much higher
/// *hard* limit that any process may raise its soft limit to. If the soft limit is below `needed`,
/// this raises it to the hard limit (as Go programs do at start since Go 1.19); if even the hard
/// limit is too low, the error says what to run. It never lowers a limit, and does nothing on
/// systems without these limits.
pub fn ensure_open_files(needed: u64) -> Result<(), LimitError> {
    #[cfg(unix)]
    return unix::ensure_open_files(needed);
    #[cfg(not(unix))]
    {
        let _ = needed;
        Ok(())
    }
}

/// A command running the cargo that runs this program (cargo sets `CARGO` for `cargo run`), else
/// the one on the PATH, in the environment a learner's own `cargo` command would see: for the
/// exercise runner and the book's preprocessor, which run cargo themselves.
///
/// `cargo run` gives a program variables describing its own package (`CARGO_PKG_NAME`,
/// `CARGO_MANIFEST_DIR`…). Passed on to the inner cargo, they would reach build scripts that watch
/// them (ring's does), which would then run again and rebuild ring, rustls and reqwest here, and
/// once more at the learner's next `cargo test`. So they are removed first.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    without_cargo_run_variables(&mut command);
    command
}

/// Removes from `command`'s environment the variables `cargo run` set for this program (see
/// [`cargo`]).
pub fn without_cargo_run_variables(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_cargo_run = name.starts_with("CARGO_PKG_")
            || matches!(
                name.as_ref(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_MANIFEST_LINKS"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "OUT_DIR"
            );
        if set_by_cargo_run {
            command.env_remove(name.as_ref());
        }
    }
}

/// How a child process ended, in words a reader understands: "exited cleanly (code 0)", "exited
/// with code 101" (a Rust panic's code), "was killed by signal 6 (SIGABRT: it aborted itself)".
/// Python's `Popen.returncode` says the same with a number (negative for a signal).
pub fn exit_status_in_words(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return match signal_name(signal) {
                Some(name) => format!("was killed by signal {signal} ({name})"),
                None => format!("was killed by signal {signal}"),
            };
        }
    }
    match status.code() {
        Some(0) => "exited cleanly (code 0)".to_string(),
        Some(code) => format!("exited with code {code}"),
        None => format!("ended ({status})"),
    }
}

/// The signals a lesson's children end by, named for a reader.
#[cfg(unix)]
fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGABRT => "SIGABRT: it aborted itself",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV: a bad memory access",
        libc::SIGBUS => "SIGBUS",
        libc::SIGINT => "SIGINT: interrupted",
        libc::SIGTERM => "SIGTERM: asked to end",
        libc::SIGPIPE => "SIGPIPE: its reader had gone",
        _ => return None,
    })
}

/// Runs `command` with its standard output already closed at the reading end, as `| head -1`
/// leaves it after one line, and returns how it ended and what it wrote on stderr: for the tests
/// that every binary ends quietly there (see [`exit_quietly_on_closed_pipe`]).
pub fn run_with_closed_stdout(
    command: &mut Command,
) -> std::io::Result<(std::process::ExitStatus, String)> {
    use std::io::Read;
    let (reader, writer) = std::io::pipe()?;
    drop(reader);
    let mut child = command
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr)?;
    }
    Ok((child.wait()?, stderr))
}

#[cfg(unix)]
mod unix {
    use super::LimitError;

    /// What to do about the soft limit, decided from the numbers alone (tested without touching
    /// the process's real limits).
    #[derive(Debug, PartialEq, Eq)]
    pub(super) enum Plan {
        Enough,
        RaiseTo(u64),
        TooLow,
    }

    /// `infinity` is the platform's "no limit" value: a soft limit is never raised to that (macOS
    /// refuses it), only to what is needed.
    pub(super) fn plan(needed: u64, soft: u64, hard: u64, infinity: u64) -> Plan {
        if needed <= soft {
            Plan::Enough
        } else if hard == infinity {
            Plan::RaiseTo(needed)
        } else if needed <= hard {
            Plan::RaiseTo(hard)
        } else {
            Plan::TooLow
        }
    }

    pub(super) fn ensure_open_files(needed: u64) -> Result<(), LimitError> {
        let mut limit = open_files_limit()?;
        // `rlim_t` is `u64` on Linux and macOS, but not everywhere: hence the casts.
        let infinity: libc::rlim_t = libc::RLIM_INFINITY;
        let (soft, hard) = (limit.rlim_cur as u64, limit.rlim_max as u64);
        match plan(needed, soft, hard, infinity as u64) {
            Plan::Enough => Ok(()),
            Plan::TooLow => Err(LimitError::TooFewOpenFiles {
                needed,
                limit: hard,
            }),
            Plan::RaiseTo(target) => {
                limit.rlim_cur = target as libc::rlim_t;
                // Safety: `limit` is a valid, initialised rlimit that setrlimit only reads.
                if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0 {
                    Ok(())
                } else {
                    // Some systems cap the soft limit below the hard one (macOS: kern.maxfilesperproc).
                    Err(LimitError::TooFewOpenFiles {
                        needed,
                        limit: soft,
                    })
                }
            }
        }
    }

    /// The soft and hard limits on open files (`ulimit -Sn` and `ulimit -Hn`).
    fn open_files_limit() -> std::io::Result<libc::rlimit> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // Safety: `limit` is a valid rlimit for getrlimit to write into.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            Ok(limit)
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::unix::{Plan, plan};
    use super::{LimitError, ensure_open_files};

    const INFINITY: u64 = u64::MAX;

    #[test]
    fn a_soft_limit_that_is_high_enough_is_left_alone() {
        assert_eq!(plan(100, 1024, 4096, INFINITY), Plan::Enough);
        assert_eq!(plan(1024, 1024, 4096, INFINITY), Plan::Enough);
    }

    #[test]
    fn a_low_soft_limit_is_raised_to_the_hard_one() {
        assert_eq!(plan(2064, 1024, 524_288, INFINITY), Plan::RaiseTo(524_288));
        assert_eq!(plan(4096, 1024, 4096, INFINITY), Plan::RaiseTo(4096));
    }

    #[test]
    fn an_unlimited_hard_limit_raises_the_soft_one_only_as_far_as_needed() {
        assert_eq!(plan(2064, 256, INFINITY, INFINITY), Plan::RaiseTo(2064));
    }

    #[test]
    fn a_hard_limit_below_the_need_is_too_low() {
        assert_eq!(plan(2064, 1024, 2048, INFINITY), Plan::TooLow);
    }

    #[test]
    fn the_error_says_how_many_are_needed_and_what_to_run() {
        let error = LimitError::TooFewOpenFiles {
            needed: 2064,
            limit: 1024,
        };
        let message = error.to_string();
        assert!(message.contains("needs 2064 open files"), "{message}");
        assert!(message.contains("at most 1024"), "{message}");
        assert!(message.contains("`ulimit -n 2064`"), "{message}");
    }

    #[test]
    fn exit_statuses_in_words() {
        use super::exit_status_in_words;
        use std::os::unix::process::ExitStatusExt;
        use std::process::ExitStatus;
        // Raw wait statuses: a code sits in the second byte, a signal in the first.
        let words = |raw| exit_status_in_words(&ExitStatus::from_raw(raw));
        assert_eq!(words(0), "exited cleanly (code 0)");
        assert_eq!(words(101 << 8), "exited with code 101");
        assert_eq!(
            words(6),
            "was killed by signal 6 (SIGABRT: it aborted itself)"
        );
        assert_eq!(words(9), "was killed by signal 9 (SIGKILL)");
        assert_eq!(words(12), "was killed by signal 12");
    }

    #[test]
    fn a_small_need_is_met_by_any_system() {
        ensure_open_files(16).expect("every Unix allows 16 open files");
    }
}
