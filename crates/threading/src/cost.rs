//! What a thread costs: the time to start and join one, and how many one process can hold.
//!
//! Counting threads is done in a **child process**, the lesson re-running its own binary with the
//! hidden `probe-threads` command. Past a limit, Rust's standard library does not always return an
//! `Err` from `spawn`: when a new thread cannot map its alternate signal stack, std *aborts the
//! whole process*. Had the lesson probed in its own process, that abort would end the lesson; in a
//! child it is a result: the parent reads how the child ended, and how far it got.
//!
//! The child talks to the parent in lines on stdout, one write each, so that whatever it printed
//! before an abort has already reached the pipe:
//! `maps-before M`, `rss-before BYTES`, `started N` (after every thread), `checkpoint N SECONDS
//! RSS`, `per-thread MAPS RSS MAPS-IN-USE` (at the 1,000th thread), `bound N` (when asked to stop
//! short of the limit), `spawn-error N MESSAGE`, `all-started N SECONDS RSS`.

use std::io::{self, Write};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::measure::{self, ChildOutput, measure_child};

use crate::limits::{self, PerThread};

/// Starting a thread that does nothing and joining it, `samples` times: the median of those times.
/// Python's `threading.Thread(target=f).start(); t.join()` does the same work and more.
pub fn spawn_join_median(samples: usize) -> Duration {
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let started = Instant::now();
            // A thread that cannot start is not a sample: the probe, not this, studies failures.
            if let Ok(handle) = thread::Builder::new().spawn(|| {}) {
                let _ = handle.join();
            }
            started.elapsed()
        })
        .collect();
    measure::median(&mut times)
}

/// What the parent asks the child to do.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeRequest {
    /// Start at most this many threads (the bound that keeps the machine safe).
    pub threads: u64,
    /// Each thread's stack, in KiB (None: Rust's default, 2 MiB).
    pub stack_kib: Option<u64>,
    /// Stop short of the tightest limit the system reports, instead of running into it.
    pub stop_before_limit: bool,
    /// Report the time and memory when this many threads are running (the article's 10,000).
    pub checkpoint: Option<u64>,
    /// The child exits by itself after this long, whatever happened.
    pub deadline: Duration,
}

/// How the child ended and what it reported.
#[derive(Debug)]
pub struct ProbeReport {
    pub request: ProbeRequest,
    /// Threads whose `spawn` had returned `Ok` when the child stopped.
    pub started: u64,
    /// Seconds to start every thread, if all the requested (or bounded) threads started.
    pub all_started_s: Option<f64>,
    /// The child's resident memory before the first thread.
    pub rss_before: Option<u64>,
    /// The checkpoint: how many threads, after how many seconds, with how much resident memory.
    pub checkpoint: Option<(u64, f64, u64)>,
    /// Mappings and memory per thread, measured over the first 100.
    pub per_thread: Option<PerThread>,
    /// The safe count the child computed with `stop_before_limit`.
    pub bound: Option<u64>,
    /// `spawn` returned this error.
    pub spawn_error: Option<String>,
    /// The first line of the child's stderr that says what went wrong (an abort's message).
    pub reason: Option<String>,
    pub ending: Ending,
    /// Wall time, CPU time, peak RSS (from `wait4`).
    pub child: ChildOutput,
}

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    /// Killed by a signal: 6 is SIGABRT, what `std::process::abort` raises.
    Signal(i32),
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Ending::Exited(0) => write!(f, "exited cleanly (code 0)"),
            Ending::Exited(code) => write!(f, "exited with code {code}"),
            Ending::Signal(signal) => {
                write!(f, "killed by signal {signal} ({})", signal_name(signal))
            }
        }
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "SIGABRT: the process aborted itself",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        _ => "another signal",
    }
}

/// Runs the probe in a child process (`exe probe-threads …`) and reads how it ended.
pub fn run_probe(exe: &std::path::Path, request: &ProbeRequest) -> io::Result<ProbeReport> {
    let mut command = Command::new(exe);
    command
        .arg("probe-threads")
        .arg("--probe-threads")
        .arg(request.threads.to_string())
        .arg("--probe-deadline-ms")
        .arg(request.deadline.as_millis().to_string());
    if let Some(kib) = request.stack_kib {
        command.arg("--probe-stack-kib").arg(kib.to_string());
    }
    if request.stop_before_limit {
        command.arg("--probe-stop-before-limit");
    }
    if let Some(checkpoint) = request.checkpoint {
        command
            .arg("--probe-checkpoint")
            .arg(checkpoint.to_string());
    }
    // The abort's message is one line; a backtrace of it would be forty.
    command.env("RUST_BACKTRACE", "0");
    let child = measure_child(&mut command)?;
    Ok(parse_probe(request.clone(), child))
}

/// Reads the child's lines (see the module's doc) into a report.
pub fn parse_probe(request: ProbeRequest, child: ChildOutput) -> ProbeReport {
    use std::os::unix::process::ExitStatusExt;
    let stdout = String::from_utf8_lossy(&child.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&child.stderr).into_owned();
    let mut report = ProbeReport {
        request,
        started: 0,
        all_started_s: None,
        rss_before: None,
        checkpoint: None,
        per_thread: None,
        bound: None,
        spawn_error: None,
        reason: stderr
            .lines()
            .find(|l| l.contains("failed to"))
            .or_else(|| {
                stderr
                    .lines()
                    .find(|l| l.contains("panicked") || l.contains("error"))
            })
            .map(|l| l.trim().to_string()),
        ending: match (child.status.code(), child.status.signal()) {
            (Some(code), _) => Ending::Exited(code),
            (None, Some(signal)) => Ending::Signal(signal),
            (None, None) => Ending::Exited(-1),
        },
        child,
    };
    let mut maps_in_use = 0;
    for line in stdout.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |i: usize| words.get(i).and_then(|w| w.parse::<f64>().ok());
        match words.first().copied() {
            Some("started") => report.started = number(1).unwrap_or(0.0) as u64,
            Some("maps-before") => maps_in_use = number(1).unwrap_or(0.0) as u64,
            Some("rss-before") => report.rss_before = number(1).map(|b| b as u64),
            Some("per-thread") => {
                report.per_thread = Some(PerThread {
                    maps_in_use: number(3).map_or(maps_in_use, |n| n as u64),
                    maps: number(1).unwrap_or(0.0),
                    rss_bytes: number(2).unwrap_or(0.0),
                });
            }
            Some("checkpoint") => {
                if let (Some(n), Some(s), Some(rss)) = (number(1), number(2), number(3)) {
                    report.checkpoint = Some((n as u64, s, rss as u64));
                }
            }
            Some("bound") => report.bound = number(1).map(|n| n as u64),
            Some("spawn-error") => report.spawn_error = Some(words[2..].join(" ")),
            Some("all-started") => report.all_started_s = number(2),
            _ => {}
        }
    }
    report
}

/// How many of the child's threads are running (not just spawned).
static RUNNING: AtomicU64 = AtomicU64::new(0);

/// The child's side: start threads that sleep until the process exits, reporting as it goes.
/// Returns the exit code: 0 when every thread it aimed for started, 2 when `spawn` failed.
///
/// It does not join its threads: it returns, the process exits, and the kernel ends them all at
/// once. Waking and joining 16,000 threads one by one takes longer than starting them did.
pub fn probe_child(request: &ProbeRequest) -> i32 {
    // An abort would dump core: a large file, written for nothing.
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // Safety: `no_core` is a valid rlimit; lowering our own core limit needs no privilege.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
    // The watchdog: whatever else happens (a machine far slower than expected, a hang), the child
    // ends itself, so the lesson never waits forever.
    let deadline = request.deadline;
    let _ = thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            thread::sleep(deadline);
            say("deadline");
            std::process::exit(3);
        });

    let maps_before = limits::maps_now().unwrap_or(0);
    let rss_before = limits::rss_now_bytes().unwrap_or(0);
    say(&format!("maps-before {maps_before}"));
    say(&format!("rss-before {rss_before}"));
    let started_at = Instant::now();
    let mut target = request.threads;
    let mut started: u64 = 0;
    let mut at_100 = (maps_before, rss_before);
    while started < target {
        let mut builder = thread::Builder::new();
        if let Some(kib) = request.stack_kib {
            builder = builder.stack_size(kib as usize * 1024);
        }
        // The handle is dropped at once: the thread runs on, detached, until the process exits.
        if let Err(error) = builder.spawn(sleep_until_exit) {
            say(&format!("spawn-error {started} {error}"));
            return 2;
        }
        started += 1;
        say(&format!("started {started}"));
        if Some(started) == request.checkpoint {
            wait_until_running(started);
            say(&format!(
                "checkpoint {started} {:.4} {}",
                started_at.elapsed().as_secs_f64(),
                limits::rss_now_bytes().unwrap_or(0)
            ));
        }
        if started == 100 {
            wait_until_running(started);
            at_100 = (
                limits::maps_now().unwrap_or(0),
                limits::rss_now_bytes().unwrap_or(0),
            );
        }
        // What one more thread costs, measured between the 100th and the 1,000th: the first
        // threads also pay one-off costs (the allocator's per-thread arenas, for one).
        if started == 1_000 {
            wait_until_running(started);
            let (maps, rss) = (
                limits::maps_now().unwrap_or(0),
                limits::rss_now_bytes().unwrap_or(0),
            );
            let per_maps = maps.saturating_sub(at_100.0) as f64 / 900.0;
            let per_thread = PerThread {
                maps_in_use: maps.saturating_sub((per_maps * 1_000.0) as u64),
                maps: per_maps,
                rss_bytes: rss.saturating_sub(at_100.1) as f64 / 900.0,
            };
            say(&format!(
                "per-thread {:.3} {:.0} {}",
                per_thread.maps, per_thread.rss_bytes, per_thread.maps_in_use
            ));
            target = target.min(started + memory_allows(per_thread));
            if request.stop_before_limit {
                target = target.min(started + safe_more(per_thread, maps));
                say(&format!("bound {target}"));
            }
        }
    }
    wait_until_running(started);
    say(&format!(
        "all-started {started} {:.4} {}",
        started_at.elapsed().as_secs_f64(),
        limits::rss_now_bytes().unwrap_or(0)
    ));
    0
}

/// How many more threads the tightest limit allows, less a margin (2 %, at least 64) for what
/// other code (the allocator, the runtime, other programs) takes meanwhile.
fn safe_more(per_thread: PerThread, maps_now: u64) -> u64 {
    let now = PerThread {
        maps_in_use: maps_now,
        ..per_thread
    };
    let limits = limits::read(now);
    match limits::tightest(&limits).and_then(|l| l.allows) {
        Some(allows) => allows.saturating_sub((allows / 50).max(64)),
        None => u64::MAX,
    }
}

/// The memory bound that applies even when probing *into* a limit: never more threads than a
/// quarter of the available memory holds, counting each thread's resident pages and its 16 KiB
/// kernel stack (which no RSS figure shows).
fn memory_allows(per_thread: PerThread) -> u64 {
    let per_thread_bytes = per_thread.rss_bytes.max(0.0) + 16.0 * 1024.0;
    limits::mem_available_bytes().map_or(u64::MAX, |available| {
        (available as f64 / 4.0 / per_thread_bytes) as u64
    })
}

/// A thread of the probe: counts itself as running, then sleeps (using no CPU) until the process
/// exits. `park` may wake for no reason, so it parks again.
fn sleep_until_exit() {
    RUNNING.fetch_add(1, Ordering::SeqCst);
    loop {
        thread::park();
    }
}

fn wait_until_running(threads: u64) {
    while RUNNING.load(Ordering::SeqCst) < threads {
        thread::sleep(Duration::from_millis(1));
    }
}

/// One line to the parent, written at once (a `LineWriter` flushes at the newline). A closed pipe
/// means the parent is gone; there is no one left to tell.
fn say(line: &str) {
    let _ = writeln!(io::stdout().lock(), "{line}");
}
