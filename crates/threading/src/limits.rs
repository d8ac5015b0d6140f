//! The limits that decide how many threads a machine runs at once, read from the system.
//!
//! A thread is not only a stack. Each one takes a process id from the kernel (`pid_max`), counts
//! against the system's `threads-max`, its cgroup's `pids.max` and the user's `RLIMIT_NPROC`, and
//! takes *memory mappings*: its stack and guard page, plus the small alternate signal stack and
//! guard page that Rust's standard library maps for every thread (to report stack overflows). A
//! process may hold at most `vm.max_map_count` mappings (65,530 by default), so at about four
//! mappings a thread, a Rust program meets that limit near 16,000 threads, whatever the stack size.
//!
//! The limits come in two kinds, and the thread probe treats them differently:
//! - **shared** with every other program (process ids, `threads-max`, the cgroup, the user's
//!   processes): the probe never runs into one. It stops short, leaving [`room_for_others`].
//! - **its own** (`vm.max_map_count` is per process): running into it hurts only the probe.
//!
//! Everything here reads Linux's `/proc` and `/sys`. On another OS the functions return nothing
//! and the lesson says "not measured on this OS" rather than print a made-up figure.

use serde::{Deserialize, Serialize};

/// One limit, what it is set to, and how many more threads it would allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// Where it is set, as a learner would look it up (`vm.max_map_count`, `ulimit -u`…).
    pub name: String,
    /// Its value here, in words.
    pub setting: String,
    /// How many more threads one process could start under this limit alone (None: it does
    /// not bind).
    pub allows: Option<u64>,
    /// Whether other programs count against it too: then the probe must stop short of it.
    pub shared: bool,
}

/// What one thread costs, measured by the probe: needed to turn settings into thread counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerThread {
    /// Memory mappings the process holds besides its threads.
    pub maps_in_use: u64,
    /// Mappings each new thread added.
    pub maps: f64,
    /// Resident bytes each new thread added.
    pub rss_bytes: f64,
}

/// How much of a shared limit's free room the probe leaves to everyone else: a quarter of it,
/// and never less than 1,024. Two probes at once once took every process id of a machine for a
/// second or two, so that no program on it could start a process; this, and the probe's lock
/// file, keep that from happening again.
pub fn room_for_others(free: u64) -> u64 {
    (free / 4).max(1024)
}

/// The most threads the probe may start without crowding other programs: the smallest room
/// any shared limit leaves, less [`room_for_others`]. `None` when no shared limit binds.
pub fn bound_for_others(limits: &[Limit]) -> Option<u64> {
    limits
        .iter()
        .filter(|l| l.shared)
        .filter_map(|l| l.allows)
        .map(|free| free.saturating_sub(room_for_others(free)))
        .min()
}

/// The limit that allows the fewest threads: the one a probe meets first.
pub fn tightest(limits: &[Limit]) -> Option<&Limit> {
    limits
        .iter()
        .filter(|l| l.allows.is_some())
        .min_by_key(|l| l.allows)
}

/// The limits other programs share with this one (process ids, threads, cgroup, user).
pub fn shared_limits() -> Vec<Limit> {
    #[cfg(target_os = "linux")]
    {
        linux::shared_limits()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Vec::new()
    }
}

/// The limits that depend on what one thread takes: the process's own memory mappings, and the
/// memory every program shares.
pub fn process_limits(per_thread: PerThread) -> Vec<Limit> {
    #[cfg(target_os = "linux")]
    {
        linux::process_limits(per_thread)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = per_thread;
        Vec::new()
    }
}

/// This process's resident memory now, in bytes (`VmRSS`). Linux only.
pub fn rss_now_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        kib_field(&status, "VmRSS:").map(|kib| kib * 1024)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Memory mappings this process holds now: one line of `/proc/self/maps` each. Linux only.
pub fn maps_now() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        Some(maps.lines().count() as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Memory the kernel could give out now without swapping (`MemAvailable`), in bytes. Linux only.
pub fn mem_available_bytes() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
        kib_field(&meminfo, "MemAvailable:").map(|kib| kib * 1024)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// A `Key:   123 kB` line of a /proc file, in KiB.
pub fn kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Tasks (processes and threads) on the whole system, from `/proc/loadavg`'s fourth field
/// (`running/total`): each holds a process id.
pub fn tasks_from_loadavg(loadavg: &str) -> Option<u64> {
    loadavg
        .split_whitespace()
        .nth(3)?
        .split('/')
        .nth(1)?
        .parse()
        .ok()
}

/// Where this process's cgroup keeps its `pids.*` files, from `/proc/self/cgroup`: the v1 `pids`
/// controller's line (`8:pids:/user.slice`) if there is one, else the v2 line (`0::/user.slice`).
/// The path is relative to the controller's mount (`/sys/fs/cgroup/pids` or `/sys/fs/cgroup`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CgroupPath {
    V1(String),
    V2(String),
}

pub fn parse_cgroup(text: &str) -> Option<CgroupPath> {
    let mut v2 = None;
    for line in text.lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        if controllers.split(',').any(|c| c == "pids") {
            return Some(CgroupPath::V1(path.to_string()));
        }
        if controllers.is_empty() {
            v2 = Some(CgroupPath::V2(path.to_string()));
        }
    }
    v2
}

/// The room a cgroup and its ancestors leave, from each level's `pids.max` (`"max"` or a number)
/// and `pids.current`: the smallest `max - current`. `None` when no level has a number.
pub fn pids_room(levels: &[(String, u64)]) -> Option<u64> {
    levels
        .iter()
        .filter_map(|(max, current)| {
            let max: u64 = max.trim().parse().ok()?;
            Some(max.saturating_sub(*current))
        })
        .min()
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;
    use std::path::{Path, PathBuf};

    use lesson_kit::report::{format_bytes, group_thousands};

    use super::{CgroupPath, Limit, PerThread, kib_field, parse_cgroup, pids_room};

    pub fn shared_limits() -> Vec<Limit> {
        let tasks = fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| super::tasks_from_loadavg(&l));
        let mut limits = Vec::new();
        if let (Some(pid_max), Some(tasks)) = (read_number("/proc/sys/kernel/pid_max"), tasks) {
            limits.push(Limit {
                name: "kernel.pid_max".into(),
                setting: format!(
                    "{} process ids for the whole system; {} in use",
                    group_thousands(pid_max),
                    group_thousands(tasks)
                ),
                allows: Some(pid_max.saturating_sub(tasks)),
                shared: true,
            });
        }
        if let (Some(max), Some(tasks)) = (read_number("/proc/sys/kernel/threads-max"), tasks) {
            limits.push(Limit {
                name: "kernel.threads-max".into(),
                setting: format!(
                    "{} threads for the whole system; {} running",
                    group_thousands(max),
                    group_thousands(tasks)
                ),
                allows: Some(max.saturating_sub(tasks)),
                shared: true,
            });
        }
        limits.extend(cgroup_limit());
        limits.extend(nproc_limit());
        limits
    }

    pub fn process_limits(per_thread: PerThread) -> Vec<Limit> {
        let mut limits = Vec::new();
        if let Some(max_maps) = read_number("/proc/sys/vm/max_map_count") {
            let allows = (per_thread.maps > 0.0).then(|| {
                (max_maps.saturating_sub(per_thread.maps_in_use) as f64 / per_thread.maps) as u64
            });
            limits.push(Limit {
                name: "vm.max_map_count".into(),
                setting: format!(
                    "{} mappings per process; {:.1} per thread measured",
                    group_thousands(max_maps),
                    per_thread.maps
                ),
                allows,
                shared: false,
            });
        }
        if let Some(available) = super::mem_available_bytes() {
            // Memory is shared with every other program: the probe stops short of it too.
            let per_thread_bytes = per_thread.rss_bytes.max(0.0) + KERNEL_STACK_BYTES;
            limits.push(Limit {
                name: "memory (MemAvailable)".into(),
                setting: format!(
                    "{} free; {} resident per thread measured, plus a kernel stack",
                    format_bytes(available),
                    format_bytes(per_thread.rss_bytes as u64)
                ),
                allows: Some((available as f64 / per_thread_bytes) as u64),
                shared: true,
            });
        }
        limits
    }

    /// Each thread's kernel stack (16 KiB on x86-64), which no RSS figure shows.
    const KERNEL_STACK_BYTES: f64 = 16.0 * 1024.0;

    /// `pids.max` of this process's cgroup and its ancestors, against `pids.current`.
    fn cgroup_limit() -> Option<Limit> {
        let cgroup = parse_cgroup(&fs::read_to_string("/proc/self/cgroup").ok()?)?;
        let (mount, path) = match &cgroup {
            CgroupPath::V1(path) => (Path::new("/sys/fs/cgroup/pids"), path),
            CgroupPath::V2(path) => (Path::new("/sys/fs/cgroup"), path),
        };
        let mut dir: PathBuf = mount.join(path.trim_start_matches('/'));
        let mut levels = Vec::new();
        loop {
            if let (Ok(max), Some(current)) = (
                fs::read_to_string(dir.join("pids.max")),
                read_number(dir.join("pids.current")),
            ) {
                levels.push((max, current));
            }
            if dir == mount || !dir.pop() {
                break;
            }
        }
        let room = pids_room(&levels)?;
        Some(Limit {
            name: format!("cgroup pids.max ({path})"),
            setting: format!(
                "room for {} more tasks in this process's cgroup",
                group_thousands(room)
            ),
            allows: Some(room),
            shared: true,
        })
    }

    /// `RLIMIT_NPROC` (`ulimit -u`): the user's processes and threads together. The kernel does
    /// not enforce it for root, so for root it is no limit.
    fn nproc_limit() -> Option<Limit> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // Safety: `limit` is a valid, writable rlimit for getrlimit to fill.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut limit) };
        // Safety: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        if rc != 0 || limit.rlim_cur == libc::RLIM_INFINITY || root {
            return None;
        }
        let mine = user_tasks();
        Some(Limit {
            name: "RLIMIT_NPROC (ulimit -u)".into(),
            setting: format!(
                "{} for this user; {} in use",
                group_thousands(limit.rlim_cur),
                group_thousands(mine)
            ),
            allows: Some(limit.rlim_cur.saturating_sub(mine)),
            shared: true,
        })
    }

    /// Threads this user runs now, over all their processes.
    fn user_tasks() -> u64 {
        // Safety: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() }.to_string();
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
            .filter(|status| {
                status
                    .lines()
                    .find(|l| l.starts_with("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    == Some(uid.as_str())
            })
            .filter_map(|status| kib_field(&status, "Threads:"))
            .sum()
    }

    fn read_number(path: impl AsRef<Path>) -> Option<u64> {
        fs::read_to_string(path).ok()?.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(name: &str, allows: Option<u64>, shared: bool) -> Limit {
        Limit {
            name: name.into(),
            setting: String::new(),
            allows,
            shared,
        }
    }

    #[test]
    fn the_bound_leaves_a_quarter_of_the_smallest_shared_room_and_ignores_own_limits() {
        let limits = [
            limit("vm.max_map_count", Some(16_000), false),
            limit("kernel.pid_max", Some(32_000), true),
            limit("cgroup", Some(20_000), true),
            limit("ulimit", None, true),
        ];
        assert_eq!(bound_for_others(&limits), Some(15_000));
        assert_eq!(
            tightest(&limits).map(|l| l.name.as_str()),
            Some("vm.max_map_count")
        );
        // A small room still leaves 1,024 to everyone else, and never underflows.
        assert_eq!(room_for_others(2_000), 1_024);
        assert_eq!(
            bound_for_others(&[limit("cgroup", Some(500), true)]),
            Some(0)
        );
        assert_eq!(bound_for_others(&[limit("own", Some(9), false)]), None);
    }

    #[test]
    fn cgroup_lines_of_v1_and_v2() {
        let v1 = "9:name=systemd:/\n8:pids:/user.slice/user-1000.slice\n0::/\n";
        assert_eq!(
            parse_cgroup(v1),
            Some(CgroupPath::V1("/user.slice/user-1000.slice".into()))
        );
        let v2 = "0::/user.slice/user-1000.slice/session-2.scope\n";
        assert_eq!(
            parse_cgroup(v2),
            Some(CgroupPath::V2(
                "/user.slice/user-1000.slice/session-2.scope".into()
            ))
        );
        assert_eq!(parse_cgroup("4:memory:/x\n"), None);
        assert_eq!(parse_cgroup("garbage"), None);
    }

    #[test]
    fn pids_room_is_the_smallest_over_the_ancestors() {
        let levels = [
            ("max\n".to_string(), 40),
            ("1000\n".to_string(), 900),
            ("5000\n".to_string(), 1200),
        ];
        assert_eq!(pids_room(&levels), Some(100));
        assert_eq!(pids_room(&[("max".to_string(), 3)]), None);
    }

    #[test]
    fn proc_fields() {
        assert_eq!(
            tasks_from_loadavg("2.01 2.61 1.87 2/104 11099\n"),
            Some(104)
        );
        assert_eq!(tasks_from_loadavg("2.01"), None);
        let status = "Name:\tprobe\nVmRSS:\t  102236 kB\nThreads:\t16367\n";
        assert_eq!(kib_field(status, "VmRSS:"), Some(102_236));
        assert_eq!(kib_field(status, "Threads:"), Some(16_367));
        assert_eq!(kib_field(status, "VmSwap:"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_machine_has_shared_limits_and_a_mapping_limit() {
        assert!(shared_limits().iter().any(|l| l.name == "kernel.pid_max"));
        let own = process_limits(PerThread {
            maps_in_use: 100,
            maps: 4.0,
            rss_bytes: 8192.0,
        });
        assert!(
            own.iter()
                .any(|l| l.name == "vm.max_map_count" && !l.shared)
        );
        assert!(rss_now_bytes().is_some_and(|b| b > 0));
        assert!(maps_now().is_some_and(|m| m > 0));
    }
}
