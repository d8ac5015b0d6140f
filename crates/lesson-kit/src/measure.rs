//! Measurement: wall time, CPU time and peak memory, of a closure or of a child process.
//!
//! Wall time alone cannot tell waiting from working: three threads that each wait 300 ms take
//! 300 ms of wall time and almost no CPU time, while four threads that compute take less wall time
//! than CPU time only if they really ran in parallel. So every measurement carries both.
//!
//! CPU time and peak RSS come from `getrusage`/`wait4` (Unix). Elsewhere they are `None` and the
//! renderers leave the column blank rather than print a made-up figure.

use std::io::{self, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long something took, by the wall clock and on the CPU.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measurement {
    pub wall: Duration,
    /// User + system time of the whole process (every thread) while the closure ran.
    pub cpu: Option<Duration>,
}

impl Measurement {
    /// Wall and CPU time in seconds, the terms in which twins and figures count them.
    pub fn seconds(&self) -> (f64, Option<f64>) {
        (self.wall.as_secs_f64(), self.cpu.map(|c| c.as_secs_f64()))
    }
}

/// Runs `work` and times it, by the wall clock and on the CPU. CPU time counts every thread of this
/// process, so time one thing at a time. (Named for what it is, so that an experiment's own
/// `measure` function can call it without a clash.)
pub fn stopwatch<T>(work: impl FnOnce() -> T) -> (T, Measurement) {
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let value = work();
    let wall = started.elapsed();
    let cpu = match (cpu_before, process_cpu_time()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    (value, Measurement { wall, cpu })
}

/// [`stopwatch`], with the CPU time of the child processes that ended and were waited for during
/// `work` added: a process pool's workers do its computing, and the pool waits for them when it is
/// dropped. A child still running when `work` returns is not counted (the OS adds a child's time
/// to its parent's only once it has been waited for), so end them inside `work`.
pub fn stopwatch_with_children<T>(work: impl FnOnce() -> T) -> (T, Measurement) {
    let before = children_cpu_time();
    let (value, mut measurement) = stopwatch(work);
    if let (Some(cpu), Some(before), Some(after)) = (measurement.cpu, before, children_cpu_time()) {
        measurement.cpu = Some(cpu + after.saturating_sub(before));
    }
    (value, measurement)
}

/// The median of some durations (zero for none): the figure to report for a repeated short
/// operation, since a few slow outliers (a page fault, a preempted core) do not move it.
pub fn median(samples: &mut [Duration]) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let mid = samples.len() / 2;
    if samples.len().is_multiple_of(2) {
        (samples[mid - 1] + samples[mid]) / 2
    } else {
        samples[mid]
    }
}

/// User + system CPU time this process has used so far, over all its threads.
fn process_cpu_time() -> Option<Duration> {
    rusage(Who::Process).map(|usage| cpu_of(&usage))
}

/// User + system CPU time of every child process this one has waited for, so far.
fn children_cpu_time() -> Option<Duration> {
    rusage(Who::Children).map(|usage| cpu_of(&usage))
}

/// What a child process did, and what it cost.
#[derive(Debug)]
pub struct ChildOutput {
    pub status: ExitStatus,
    pub wall: Duration,
    /// The child's own user + system time.
    pub cpu: Option<Duration>,
    /// The child's own peak resident memory.
    pub peak_rss_bytes: Option<u64>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `command` to completion with its output captured, measuring the child's own CPU time and
/// peak memory (from `wait4`, so other children and this process do not count).
pub fn measure_child(command: &mut Command) -> io::Result<ChildOutput> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes on their own threads: a child that fills one pipe while we block on the
    // other would otherwise never finish.
    let stdout = child.stdout.take().map(read_all_in_background);
    let stderr = child.stderr.take().map(read_all_in_background);
    let (status, usage) = wait_with_usage(&mut child)?;
    let wall = started.elapsed();
    let collect = |reader: Option<thread::JoinHandle<Vec<u8>>>| {
        reader
            .map(|handle| handle.join().unwrap_or_default())
            .unwrap_or_default()
    };
    Ok(ChildOutput {
        status,
        wall,
        cpu: usage.as_ref().map(cpu_of),
        peak_rss_bytes: usage.as_ref().map(max_rss_bytes),
        stdout: collect(stdout),
        stderr: collect(stderr),
    })
}

fn read_all_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        // A read error ends the output early; the exit status still says how the child ended.
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

#[cfg(unix)]
type Usage = libc::rusage;
#[cfg(not(unix))]
type Usage = ();

/// Whose resource usage to ask for: this process's threads, or its waited-for children's.
#[derive(Clone, Copy)]
enum Who {
    Process,
    Children,
}

#[cfg(unix)]
fn rusage(who: Who) -> Option<Usage> {
    let who = match who {
        Who::Process => libc::RUSAGE_SELF,
        Who::Children => libc::RUSAGE_CHILDREN,
    };
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // Safety: `usage` points to writable memory the size of a `rusage`, which getrusage fills.
    let rc = unsafe { libc::getrusage(who, usage.as_mut_ptr()) };
    // Safety: getrusage returned 0, so it initialised the struct (and it was zeroed before).
    (rc == 0).then(|| unsafe { usage.assume_init() })
}

#[cfg(not(unix))]
fn rusage(_: Who) -> Option<Usage> {
    None
}

#[cfg(unix)]
fn cpu_of(usage: &Usage) -> Duration {
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

#[cfg(not(unix))]
fn cpu_of(_: &Usage) -> Duration {
    Duration::ZERO
}

#[cfg(unix)]
fn max_rss_bytes(usage: &Usage) -> u64 {
    let max_rss = usage.ru_maxrss.max(0) as u64;
    // Linux reports kibibytes, macOS bytes.
    if cfg!(target_os = "macos") {
        max_rss
    } else {
        max_rss * 1024
    }
}

#[cfg(not(unix))]
fn max_rss_bytes(_: &Usage) -> u64 {
    0
}

#[cfg(unix)]
fn wait_with_usage(child: &mut std::process::Child) -> io::Result<(ExitStatus, Option<Usage>)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    loop {
        // Safety: `status` and `usage` are valid for writes; `pid` is our own child, not yet reaped
        // (std only reaps in `wait`/`try_wait`, which we do not call).
        let rc = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
        if rc == pid {
            // Safety: wait4 succeeded, so it filled `usage`.
            let usage = unsafe { usage.assume_init() };
            return Ok((ExitStatus::from_raw(status), Some(usage)));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(not(unix))]
fn wait_with_usage(child: &mut std::process::Child) -> io::Result<(ExitStatus, Option<Usage>)> {
    Ok((child.wait()?, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(5), ms(1), ms(3)]), ms(3));
        assert_eq!(
            median(&mut [ms(4), ms(1), ms(3), ms(2)]),
            Duration::from_micros(2500)
        );
        assert_eq!(median(&mut []), Duration::ZERO);
    }

    #[test]
    fn computing_uses_cpu_time_and_sleeping_does_not() {
        let (_, busy) = stopwatch(|| {
            let started = Instant::now();
            let mut x = 0u64;
            while started.elapsed() < Duration::from_millis(50) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        });
        let (_, asleep) = stopwatch(|| thread::sleep(Duration::from_millis(50)));
        if let (Some(busy_cpu), Some(asleep_cpu)) = (busy.cpu, asleep.cpu) {
            assert!(
                busy_cpu > asleep_cpu,
                "busy {busy_cpu:?} vs asleep {asleep_cpu:?}"
            );
        }
        assert!(asleep.wall >= Duration::from_millis(50));
    }

    #[test]
    fn seconds_are_the_wall_and_cpu_times_in_seconds() {
        let m = Measurement {
            wall: Duration::from_millis(1500),
            cpu: Some(Duration::from_millis(250)),
        };
        assert_eq!(m.seconds(), (1.5, Some(0.25)));
        let no_cpu = Measurement { cpu: None, ..m };
        assert_eq!(no_cpu.seconds(), (1.5, None));
    }

    #[cfg(unix)]
    #[test]
    fn a_waited_for_child_counts_in_the_cpu_time_with_children() {
        // The child computes for about 200 ms of CPU (a shell loop) while this process only waits.
        let spin = || {
            Command::new("sh")
                .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
                .status()
                .expect("sh runs")
        };
        let (status, with) = stopwatch_with_children(spin);
        assert!(status.success());
        let (_, without) = stopwatch(spin);
        let (Some(with), Some(without)) = (with.cpu, without.cpu) else {
            return; // No CPU times on this system.
        };
        assert!(
            with > without + Duration::from_millis(20),
            "with children {with:?}, without {without:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_child_process_is_measured_and_its_output_captured() {
        let output =
            measure_child(Command::new("sh").args(["-c", "echo hello; exit 3"])).expect("sh runs");
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(output.stdout, b"hello\n");
        assert!(output.cpu.is_some());
        assert!(output.peak_rss_bytes.unwrap_or(0) > 0);
    }
}
