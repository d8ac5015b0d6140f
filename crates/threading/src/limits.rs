//! The limits that decide how many threads a Linux machine runs at once, read from the system.
//!
//! A thread is not only a stack. Each one takes a process id from the kernel (`pid_max`), counts
//! against the system's `threads-max` and the user's `RLIMIT_NPROC`, and takes *memory mappings*:
//! its stack and guard page, plus the small alternate signal stack and guard page that Rust's
//! standard library maps for every thread (to report stack overflows). A process may hold at most
//! `vm.max_map_count` mappings (65,530 by default), so at about four mappings a thread, a Rust
//! program meets that limit near 16,000 threads, whatever the stack size.

use std::fs;

/// One limit, what it is set to, and how many more threads it would allow.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    /// Where it is set, as a learner would look it up (`vm.max_map_count`, `ulimit -u`…).
    pub name: String,
    /// Its value here, in words.
    pub setting: String,
    /// How many threads one process could start under this limit alone (None: it does not bind).
    pub allows: Option<u64>,
}

/// What the probe measured about one thread, needed to turn settings into thread counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerThread {
    /// Memory mappings the process holds besides the threads to come.
    pub maps_in_use: u64,
    /// Mappings each new thread added, measured over the first threads.
    pub maps: f64,
    /// Resident bytes each new thread added.
    pub rss_bytes: f64,
}

/// Reads every limit this machine has on threads, and how many *more* threads each allows one
/// process that holds `per_thread.maps_in_use` mappings, given what one thread takes.
pub fn read(per_thread: PerThread) -> Vec<Limit> {
    let tasks_now = tasks_running();
    let mut limits = Vec::new();
    if let Some(max_maps) = read_number("/proc/sys/vm/max_map_count") {
        let allows = (per_thread.maps > 0.0).then(|| {
            (max_maps.saturating_sub(per_thread.maps_in_use) as f64 / per_thread.maps) as u64
        });
        limits.push(Limit {
            name: "vm.max_map_count".into(),
            setting: format!(
                "{max_maps} mappings per process; {:.1} per thread measured",
                per_thread.maps
            ),
            allows,
        });
    }
    if let Some(pid_max) = read_number("/proc/sys/kernel/pid_max") {
        limits.push(Limit {
            name: "kernel.pid_max".into(),
            setting: format!("{pid_max} ids for the whole system; {tasks_now} in use"),
            allows: Some(pid_max.saturating_sub(tasks_now)),
        });
    }
    if let Some(threads_max) = read_number("/proc/sys/kernel/threads-max") {
        limits.push(Limit {
            name: "kernel.threads-max".into(),
            setting: format!("{threads_max} threads for the whole system; {tasks_now} running"),
            allows: Some(threads_max.saturating_sub(tasks_now)),
        });
    }
    limits.push(nproc_limit());
    for path in ["/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"] {
        if let Some(max) = read_number(path) {
            limits.push(Limit {
                name: format!("cgroup {path}"),
                setting: format!("{max} tasks for this container"),
                allows: Some(max.saturating_sub(tasks_now)),
            });
        }
    }
    if let Some(available) = mem_available_bytes() {
        limits.push(Limit {
            name: "memory (MemAvailable)".into(),
            setting: format!(
                "{} free; {} resident per thread measured",
                lesson_kit::report::format_bytes(available),
                lesson_kit::report::format_bytes(per_thread.rss_bytes as u64)
            ),
            allows: (per_thread.rss_bytes > 0.0)
                .then(|| (available as f64 / per_thread.rss_bytes) as u64),
        });
    }
    limits
}

/// The limit that allows the fewest threads: the one a probe should hit first.
pub fn tightest(limits: &[Limit]) -> Option<&Limit> {
    limits
        .iter()
        .filter(|l| l.allows.is_some())
        .min_by_key(|l| l.allows)
}

/// Memory mappings this process holds now: one line of `/proc/self/maps` each.
pub fn maps_now() -> Option<u64> {
    fs::read_to_string("/proc/self/maps")
        .ok()
        .map(|maps| maps.lines().count() as u64)
}

/// This process's resident memory now, in bytes (`VmRSS`).
pub fn rss_now_bytes() -> Option<u64> {
    status_kib("/proc/self/status", "VmRSS:").map(|kib| kib * 1024)
}

/// `RLIMIT_NPROC` (`ulimit -u`): the user's processes and threads together. The kernel does not
/// enforce it for root, which is worth saying rather than reporting a limit that is not there.
fn nproc_limit() -> Limit {
    let name = "RLIMIT_NPROC (ulimit -u)".to_string();
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // Safety: `limit` is a valid, writable rlimit for getrlimit to fill.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut limit) };
    // Safety: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if rc != 0 {
        return Limit {
            name,
            setting: "could not be read".into(),
            allows: None,
        };
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return Limit {
            name,
            setting: "unlimited".into(),
            allows: None,
        };
    }
    if root {
        return Limit {
            name,
            setting: format!("{} (not enforced: this runs as root)", limit.rlim_cur),
            allows: None,
        };
    }
    let mine = user_tasks();
    Limit {
        name,
        setting: format!("{} for this user; {mine} in use", limit.rlim_cur),
        allows: Some(limit.rlim_cur.saturating_sub(mine)),
    }
}

/// Threads running on the whole system now (each holds a pid).
fn tasks_running() -> u64 {
    count_tasks(|_| true)
}

/// Threads this user runs now, over all their processes.
fn user_tasks() -> u64 {
    // Safety: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() }.to_string();
    count_tasks(|status| {
        status
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            == Some(uid.as_str())
    })
}

fn count_tasks(mut wanted: impl FnMut(&str) -> bool) -> u64 {
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| fs::read_to_string(e.path().join("status")).ok())
        .filter(|status| wanted(status))
        .filter_map(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Threads:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum()
}

/// Memory the kernel could give out now without swapping (`MemAvailable`), in bytes.
pub fn mem_available_bytes() -> Option<u64> {
    status_kib("/proc/meminfo", "MemAvailable:").map(|kib| kib * 1024)
}

/// A `Key:   123 kB` line of a /proc file, in KiB.
fn status_kib(path: &str, key: &str) -> Option<u64> {
    fs::read_to_string(path)
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn read_number(path: &str) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}
