//! The probe's parent side: start a child, read its events, and say how it ended.

use std::fmt;
use std::io;
use std::process::ExitStatus;

use lesson_kit::child_command;
use lesson_kit::jsonl::JsonlError;
use lesson_kit::measure::{ChildOutput, measure_child};
use serde::Serialize;

use super::{Before, COMMAND, Checkpoint, Event, ProbeArgs, Stopped};
use crate::limits::{Limit, PerThread};

/// Everything one probe child said, and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbeReport {
    /// What the child was asked for.
    pub asked: ProbeArgs,
    /// Another probe was running: this one started no thread.
    pub refused: Option<String>,
    pub before: Option<Before>,
    /// The bound it set itself to leave room for other programs, and the limit that set it.
    pub bound: Option<(u64, String)>,
    /// Threads whose `spawn` had returned `Ok` when the child stopped (or died).
    pub spawned: u64,
    pub per_thread: Option<PerThread>,
    /// The limits the child read at its 1,000th thread (Linux only).
    pub limits: Vec<Limit>,
    pub checkpoint: Option<Checkpoint>,
    /// How it stopped starting threads; `None` when it died before it could say.
    pub stopped: Option<Stopped>,
    pub ending: Ending,
    /// The line of the child's stderr that says why it died (an abort's message).
    pub message: Option<String>,
    /// Lines of stdout that were not events: each is a problem the lesson reports.
    pub unreadable: Vec<String>,
    pub wall_s: f64,
    /// The child's peak resident memory (from `wait4`).
    pub peak_rss_bytes: Option<u64>,
}

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    Exited(i32),
    /// Killed by a signal: 6 is SIGABRT, what `std::process::abort` raises.
    Signal(i32),
}

impl Ending {
    pub fn of(status: ExitStatus) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(signal) = status.signal() {
                return Ending::Signal(signal);
            }
        }
        Ending::Exited(status.code().unwrap_or(-1))
    }
}

impl Ending {
    /// The exit status this ending was read from: a wait status holds a signal in its low byte
    /// and an exit code in the byte above (POSIX's `WTERMSIG` and `WEXITSTATUS`).
    #[cfg(unix)]
    fn status(self) -> ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        match self {
            Ending::Exited(code) => ExitStatus::from_raw((code & 0xff) << 8),
            Ending::Signal(signal) => ExitStatus::from_raw(signal & 0x7f),
        }
    }
}

impl fmt::Display for Ending {
    /// In lesson-kit's words for every child: "exited with code 3", "was killed by signal 6
    /// (SIGABRT: it aborted itself)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(unix)]
        return f.write_str(&lesson_kit::os::exit_status_in_words(&self.status()));
        #[cfg(not(unix))]
        match *self {
            Ending::Exited(code) => write!(f, "exited with code {code}"),
            Ending::Signal(signal) => write!(f, "was killed by signal {signal}"),
        }
    }
}

/// Runs a probe child (`<this program> --child probe-threads ARGS…`) and reads what it said.
pub fn run_probe(args: &ProbeArgs) -> io::Result<ProbeReport> {
    let mut command = child_command(COMMAND)?;
    command.args(args.to_args());
    // The abort's message is one line; a backtrace of it would be forty.
    command.env("RUST_BACKTRACE", "0");
    let child = measure_child(&mut command)?;
    Ok(ProbeReport::read(args.clone(), &child))
}

impl ProbeReport {
    /// Reads a finished child's events (see [`Event`]) and how it ended.
    pub fn read(asked: ProbeArgs, child: &ChildOutput) -> Self {
        let stderr = String::from_utf8_lossy(&child.stderr);
        let mut report = ProbeReport {
            asked,
            refused: None,
            before: None,
            bound: None,
            spawned: 0,
            per_thread: None,
            limits: Vec::new(),
            checkpoint: None,
            stopped: None,
            ending: Ending::of(child.status),
            message: abort_message(&stderr),
            unreadable: Vec::new(),
            wall_s: child.wall.as_secs_f64(),
            peak_rss_bytes: child.peak_rss_bytes,
        };
        for event in lesson_kit::jsonl::read::<Event>(&child.stdout[..]) {
            match event {
                Ok(event) => report.add(event),
                Err(JsonlError::Unreadable { text, .. }) => report.unreadable.push(text),
                Err(error) => report.unreadable.push(error.to_string()),
            }
        }
        report
    }

    fn add(&mut self, event: Event) {
        match event {
            Event::Refused { reason } => self.refused = Some(reason),
            Event::Before(before) => self.before = Some(before),
            Event::Bound { threads, limit } => self.bound = Some((threads, limit)),
            Event::Spawned { threads } => self.spawned = threads,
            Event::PerThread { per_thread, limits } => {
                self.per_thread = Some(per_thread);
                self.limits = limits;
            }
            Event::Checkpoint(checkpoint) => self.checkpoint = Some(checkpoint),
            Event::Stopped(stopped) => {
                self.spawned = stopped.threads.max(self.spawned);
                self.stopped = Some(stopped);
            }
        }
    }
}

/// What the child said last on stderr, which is why it died when it aborted: std's "failed to …"
/// after a panic's location. Shown to the reader, never read to decide how the child ended (its
/// exit status says that); the "note: run with `RUST_BACKTRACE=1`" hint is not a reason.
fn abort_message(stderr: &str) -> Option<String> {
    let said = |l: &&str| !l.trim().is_empty() && !l.starts_with("note:");
    stderr
        .lines()
        .rev()
        .find(said)
        .map(|l| l.trim().to_string())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Duration;

    use super::*;
    use crate::probe::Why;

    fn child(raw_status: i32, stdout: &str, stderr: &str) -> ChildOutput {
        ChildOutput {
            status: ExitStatus::from_raw(raw_status),
            wall: Duration::from_secs(1),
            cpu: None,
            peak_rss_bytes: Some(150 << 20),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    const STARTED: &str = r#"{"event":"before","rss_bytes":2097152,"maps":120,"work":{"countdown_s":[0.01],"spawn_join_s":[0.00003]}}
{"event":"spawned","threads":1}
{"event":"spawned","threads":2}
{"event":"per-thread","per_thread":{"maps_in_use":140,"maps":4.0,"rss_bytes":9830.0},"limits":[{"name":"vm.max_map_count","setting":"65,530","allows":16347,"shared":false}]}
{"event":"checkpoint","threads":10000,"elapsed_s":0.4268,"rss_bytes":102236160,"work":{"countdown_s":[0.011],"spawn_join_s":[0.00004]}}
{"event":"spawned","threads":16367}
"#;

    #[test]
    fn an_aborted_child_is_read_as_a_signal_with_its_count_and_message() {
        let stderr = "thread '<unnamed>' (8697) panicked at library/std/src/sys/pal/unix/stack_overflow.rs:240:13:\n\
                      failed to set up alternative stack guard page: Cannot allocate memory (os error 12)\n";
        // A raw wait status of 6 is "killed by signal 6": SIGABRT.
        let report = ProbeReport::read(ProbeArgs::new(40_000), &child(6, STARTED, stderr));
        assert_eq!(report.ending, Ending::Signal(6));
        assert_eq!(report.spawned, 16_367);
        assert_eq!(report.stopped, None, "an aborted child could not say why");
        let checkpoint = report.checkpoint.expect("the checkpoint");
        assert_eq!(
            (checkpoint.threads, checkpoint.rss_bytes),
            (10_000, Some(102_236_160))
        );
        assert_eq!(report.before.and_then(|b| b.rss_bytes), Some(2_097_152));
        let per_thread = report.per_thread.expect("per-thread figures");
        assert_eq!((per_thread.maps, per_thread.maps_in_use), (4.0, 140));
        assert_eq!(report.limits[0].allows, Some(16_347));
        assert_eq!(
            report.message.as_deref(),
            Some(
                "failed to set up alternative stack guard page: Cannot allocate memory (os error 12)"
            )
        );
        assert!(report.ending.to_string().contains("SIGABRT"));
        assert!(report.unreadable.is_empty());
    }

    #[test]
    fn a_spawn_error_is_read_with_its_count_and_exit_code() {
        let stdout = format!(
            "{STARTED}{}\n",
            r#"{"event":"stopped","threads":16370,"elapsed_s":0.9,"rss_bytes":null,"why":{"why":"spawn-failed","error":"Resource temporarily unavailable (os error 11)"}}"#
        );
        // A raw wait status of 3 << 8 is "exited with code 3".
        let report = ProbeReport::read(ProbeArgs::new(40_000), &child(3 << 8, &stdout, ""));
        assert_eq!(report.ending, Ending::Exited(3));
        assert_eq!(report.spawned, 16_370);
        let why = report.stopped.map(|s| s.why);
        assert_eq!(
            why,
            Some(Why::SpawnFailed {
                error: "Resource temporarily unavailable (os error 11)".into()
            })
        );
    }

    #[test]
    fn a_bound_and_a_refusal_are_read_and_other_lines_kept_as_unreadable() {
        let stdout = "{\"event\":\"bound\",\"threads\":15000,\"limit\":\"kernel.pid_max\"}\n\
                      not an event\n\
                      {\"event\":\"refused\",\"reason\":\"another thread probe is running (pid 7)\"}\n";
        let report = ProbeReport::read(ProbeArgs::new(40_000), &child(5 << 8, stdout, ""));
        assert_eq!(report.bound, Some((15_000, "kernel.pid_max".to_string())));
        assert_eq!(
            report.refused.as_deref(),
            Some("another thread probe is running (pid 7)")
        );
        assert_eq!(report.unreadable, ["not an event"]);
    }

    #[test]
    fn the_args_a_parent_passes_are_the_args_a_child_parses() {
        use clap::Parser;
        let mut asked = ProbeArgs::new(200);
        asked.stack_kib = Some(64);
        asked.checkpoint = Some(150);
        asked.lock = Some("/tmp/some.lock".into());
        let argv = std::iter::once(COMMAND.to_string()).chain(asked.to_args());
        assert_eq!(ProbeArgs::try_parse_from(argv).expect("parses"), asked);
    }

    #[test]
    fn overflowing_and_out_of_range_flags_are_clap_errors_not_panics() {
        use clap::Parser;
        for bad in [
            "--stack-kib=18446744073709551615",
            "--stack-kib=99999999999999999999999",
            "--stack-kib=0",
            "--threads=0",
            "--deadline-ms=18446744073709551616",
        ] {
            let argv = [COMMAND, "--threads=10", bad];
            assert!(ProbeArgs::try_parse_from(argv).is_err(), "{bad}");
        }
    }
}
