//! Is this machine busy? A timing verdict means nothing if other programs were using the cores.
//!
//! The check is a probe of its own, never an experiment's baseline (an I/O baseline waits, so its
//! wall time always exceeds its CPU time): one thread spins for a few milliseconds and compares the
//! wall time it took with the CPU time it got. On a quiet machine the two agree; when other programs
//! compete for the cores the thread is preempted and the wall time runs ahead. The load average
//! against the core count is the second signal. The tour runs the check before and after each
//! experiment; a busy machine turns every timing verdict into `unclear` and every table says why.

use std::time::{Duration, Instant};

/// A spin's wall time may exceed its CPU time by this much before the machine counts as busy.
pub const WALL_OVER_CPU: f64 = 1.10;

/// The 1-minute load average may reach this many times the core count before it counts as busy.
/// The lesson's own threads add to it, so it is a generous bound.
pub const LOAD_PER_CORE: f64 = 1.5;

/// How long each spin lasts, and how many spins: the best of them is kept, so that one unlucky
/// preemption does not make a quiet machine look busy.
const SPIN: Duration = Duration::from_millis(15);
const SPINS: usize = 3;

/// Why this machine looks busy right now, or `None` when it looks quiet (or cannot be checked).
pub fn check() -> Option<String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut reasons = Vec::new();
    if let Some(stretch) = spin_stretch()
        && stretch > WALL_OVER_CPU
    {
        reasons.push(format!(
            "a single-thread spin took {stretch:.2}× its CPU time in wall time, so other \
             programs were using the cores"
        ));
    }
    if let Some(load) = load_average()
        && load > LOAD_PER_CORE * cores as f64
    {
        reasons.push(format!("the load average was {load:.1} on {cores} cores"));
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// The best (lowest) wall / CPU ratio of a few short spins of this thread.
fn spin_stretch() -> Option<f64> {
    let mut best: Option<f64> = None;
    for _ in 0..SPINS {
        let cpu_before = thread_cpu_time()?;
        let started = Instant::now();
        let mut x = 0u64;
        while started.elapsed() < SPIN {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let wall = started.elapsed().as_secs_f64();
        let cpu = thread_cpu_time()?.saturating_sub(cpu_before).as_secs_f64();
        if cpu > 0.0 {
            let stretch = wall / cpu;
            best = Some(best.map_or(stretch, |b: f64| b.min(stretch)));
        }
    }
    best
}

/// CPU time of the calling thread alone (other threads of this process do not count).
#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `ts` is a valid, writable timespec; the clock id is a constant the OS defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    // Not measured on this OS: the spin check is skipped, and the load average is all there is.
    None
}

/// The 1-minute load average, where the OS reports one.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_spin_gets_cpu_time() {
        // Whatever the machine's load, a spin of this thread is charged some CPU time, and its
        // wall time is at least that CPU time.
        let stretch = spin_stretch().expect("thread CPU time is available on Unix");
        assert!(stretch >= 0.9, "stretch {stretch}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_load_average_is_read() {
        assert!(load_average().is_some_and(|l| l >= 0.0));
    }
}
