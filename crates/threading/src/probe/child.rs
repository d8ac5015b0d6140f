//! The probe's child side: start threads that sleep until the process exits, saying as it goes.
//!
//! It does not join its threads: it returns, the process exits, and the kernel ends them all at
//! once. Waking and joining 16,000 threads one by one would take longer than starting them did.

use std::ffi::OsString;
use std::io;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;

use super::lock::ProbeLock;
use super::{Before, Checkpoint, Event, ProbeArgs, Stopped, Why, Work};
use crate::compute;
use crate::cost::spawn_join_median;
use crate::limits::{self, PerThread};

/// Exit codes besides 0 (every thread it aimed for started) and clap's 2 (bad flags).
pub const SPAWN_FAILED: u8 = 3;
pub const DEADLINE: u8 = 4;
pub const REFUSED: u8 = 5;

/// `<lesson> --child probe-threads ARGS…`: parses `ARGS` and runs the probe.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let args = match ProbeArgs::try_parse_from(std::iter::once(super::COMMAND.into()).chain(args)) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    let _lock = match args
        .lock_path()
        .map(|path| ProbeLock::acquire(&path))
        .transpose()
    {
        Ok(lock) => lock,
        Err(error) => {
            say(&Event::Refused {
                reason: error.to_string(),
            });
            return ExitCode::from(REFUSED);
        }
    };
    no_core_dumps();
    watchdog(Duration::from_millis(args.deadline_ms));
    let why = probe(&args);
    ExitCode::from(match why {
        Why::Reached | Why::Bound => 0,
        Why::SpawnFailed { .. } => SPAWN_FAILED,
        Why::Deadline => DEADLINE,
    })
}

/// How many of the child's threads are running (not just spawned).
static RUNNING: AtomicU64 = AtomicU64::new(0);

/// Starts up to `args.threads` threads, saying what happens; returns why it stopped.
fn probe(args: &ProbeArgs) -> Why {
    // About 10 ms of arithmetic, sized once so that "before" and "at the checkpoint" run the same.
    let countdown = compute::iterations_for(Duration::from_millis(10));
    say(&Event::Before(Before {
        rss_bytes: limits::rss_now_bytes(),
        maps: limits::maps_now(),
        work: time_work(args.repeat, countdown),
    }));

    // The shared limits cap the run before it starts; memory joins them at the 1,000th thread.
    let mut target = args.threads;
    let mut bound = None;
    cap(&mut target, &mut bound, 0, &limits::shared_limits());

    let started_at = Instant::now();
    let mut started: u64 = 0;
    let mut at_100 = (0, 0);
    while started < target {
        let mut builder = thread::Builder::new();
        if let Some(kib) = args.stack_kib {
            // `kib` is at most 1 GiB (clap's range), so this neither overflows nor wraps.
            builder = builder.stack_size(kib as usize * 1024);
        }
        // The handle is dropped at once: the thread runs on, detached, until the process exits.
        if let Err(error) = builder.spawn(sleep_until_exit) {
            return stop(
                started,
                started_at,
                Why::SpawnFailed {
                    error: error.to_string(),
                },
            );
        }
        started += 1;
        say(&Event::Spawned { threads: started });
        if Some(started) == args.checkpoint {
            wait_until_running(started);
            let elapsed_s = started_at.elapsed().as_secs_f64();
            say(&Event::Checkpoint(Checkpoint {
                threads: started,
                elapsed_s,
                rss_bytes: limits::rss_now_bytes(),
                work: time_work(args.repeat, countdown),
            }));
        }
        if started == 100 {
            wait_until_running(started);
            at_100 = (
                limits::maps_now().unwrap_or(0),
                limits::rss_now_bytes().unwrap_or(0),
            );
        }
        if started == 1_000
            && let Some(per_thread) = per_thread_since(at_100)
        {
            let limits = [limits::shared_limits(), limits::process_limits(per_thread)].concat();
            say(&Event::PerThread {
                per_thread,
                limits: limits.clone(),
            });
            cap(&mut target, &mut bound, started, &limits);
        }
    }
    wait_until_running(started);
    let why = if started < args.threads {
        Why::Bound
    } else {
        Why::Reached
    };
    stop(started, started_at, why)
}

/// Lowers `target` to the bound the shared limits leave `started` threads, saying so when it is
/// lower. (The limits count the threads already started as in use: the room is for more.)
fn cap(target: &mut u64, bound: &mut Option<u64>, started: u64, limits: &[limits::Limit]) {
    let Some(more) = limits::bound_for_others(limits) else {
        return;
    };
    let allowed = started.saturating_add(more);
    if allowed < *target && *bound != Some(allowed) {
        let limit = limits
            .iter()
            .filter(|l| l.shared)
            .min_by_key(|l| l.allows)
            .map_or_else(String::new, |l| l.name.clone());
        *target = allowed;
        *bound = Some(allowed);
        say(&Event::Bound {
            threads: allowed,
            limit,
        });
    }
}

/// What one more thread costs, measured between the 100th and the 1,000th: the first threads
/// also pay one-off costs (the allocator's per-thread arenas, for one). Linux only.
fn per_thread_since((maps_100, rss_100): (u64, u64)) -> Option<PerThread> {
    wait_until_running(1_000);
    let (maps, rss) = (limits::maps_now()?, limits::rss_now_bytes()?);
    let per_maps = maps.saturating_sub(maps_100) as f64 / 900.0;
    Some(PerThread {
        maps_in_use: maps.saturating_sub((per_maps * 1_000.0) as u64),
        maps: per_maps,
        rss_bytes: rss.saturating_sub(rss_100) as f64 / 900.0,
    })
}

fn stop(threads: u64, started_at: Instant, why: Why) -> Why {
    say(&Event::Stopped(Stopped {
        threads,
        elapsed_s: started_at.elapsed().as_secs_f64(),
        rss_bytes: limits::rss_now_bytes(),
        why: why.clone(),
    }));
    why
}

/// The same work, `repeat` times: a countdown on this thread, and starting and joining threads.
fn time_work(repeat: u64, countdown: u64) -> Work {
    let mut work = Work {
        countdown_s: Vec::new(),
        spawn_join_s: Vec::new(),
    };
    for _ in 0..repeat {
        let started = Instant::now();
        std::hint::black_box(gil_sim::work::countdown_native(countdown));
        work.countdown_s.push(started.elapsed().as_secs_f64());
        work.spawn_join_s.push(spawn_join_median(100).as_secs_f64());
    }
    work
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

/// The watchdog: whatever else happens (a machine far slower than expected, a hang), the child
/// ends itself, so the lesson never waits forever.
fn watchdog(deadline: Duration) {
    let started_at = Instant::now();
    let _ = thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            thread::sleep(deadline);
            let threads = RUNNING.load(Ordering::SeqCst);
            stop(threads, started_at, Why::Deadline);
            std::process::exit(i32::from(DEADLINE));
        });
}

/// An abort would dump core: a large file, written for nothing.
fn no_core_dumps() {
    #[cfg(unix)]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // Safety: `none` is a valid rlimit; lowering our own core limit needs no privilege.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
    }
}

/// One event to the parent, as one JSON line written at once. A closed pipe means the parent is
/// gone; there is no one left to tell.
fn say(event: &Event) {
    let _ = lesson_kit::jsonl::write(&mut io::stdout().lock(), event);
}
