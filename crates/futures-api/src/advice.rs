//! The article's decision tree as a function: what the work waits on, how many tasks, how long
//! each → which tool, of what size, and which lesson measured why. Pure, so that every branch is
//! tested; `cargo run -p futures-api -- advise` asks the questions and demonstrates the answer.

use serde::{Deserialize, Serialize};

/// What one task spends its time waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitsOn {
    /// A server, an API, a database: the other end does the work.
    Network,
    /// Reading and writing files.
    Disk,
    /// Nothing: it computes the whole time.
    Cpu,
}

/// The work to advise on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub waits_on: WaitsOn,
    pub tasks: u64,
    pub per_task_ms: u64,
}

/// The tool to use, with its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// `ThreadPoolExecutor(max_workers)`.
    Threads { workers: usize },
    /// asyncio: one task per job on one event loop.
    Coroutines,
    /// `ProcessPoolExecutor(max_workers)`.
    Processes { workers: usize },
}

/// The answer: the tool, the Python line, why, and where this workspace measures it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    pub tool: Tool,
    /// The line of Python to write.
    pub python: String,
    pub why: String,
    /// The command of the lesson that measures the reason, and its chapter.
    pub lesson: String,
    pub chapter: String,
}

/// More waits than this at once is the decision tree's "thousands of concurrent connections":
/// one thread each would cost a stack each (see the threading lesson's `cost`), coroutines cost a
/// few hundred bytes.
pub const COROUTINES_FROM: u64 = 500;

/// Threads beyond this many rarely help a disk (a device serves a few dozen requests at once) and
/// each costs memory; CPython's own default stops at 32.
pub const MOST_DISK_THREADS: usize = 32;

/// The decision tree, on a machine with `cores` cores.
pub fn advise(work: Workload, cores: usize) -> Advice {
    let tasks = usize::try_from(work.tasks).unwrap_or(usize::MAX).max(1);
    match work.waits_on {
        WaitsOn::Network if work.tasks > COROUTINES_FROM => Advice {
            tool: Tool::Coroutines,
            python: "await asyncio.gather(*(fetch(url) for url in urls))".into(),
            why: format!(
                "{} waits at once are thousands of connections: a thread each costs a stack, a \
                 coroutine a few hundred bytes.",
                work.tasks
            ),
            lesson: "cargo run -p futures-api -- pool-size".into(),
            chapter: "concurrent.futures".into(),
        },
        WaitsOn::Network => Advice {
            tool: Tool::Threads { workers: tasks },
            python: format!("ThreadPoolExecutor(max_workers={tasks})"),
            why: "a few dozen waits: one thread each lets them all wait at once, and the pool \
                  size is the limit on how many do."
                .into(),
            lesson: "cargo run -p futures-api -- pool-size".into(),
            chapter: "concurrent.futures".into(),
        },
        WaitsOn::Disk => {
            let workers = tasks.min((cores + 4).min(MOST_DISK_THREADS));
            Advice {
                tool: Tool::Threads { workers },
                python: format!("ThreadPoolExecutor(max_workers={workers})"),
                why: "file I/O releases the GIL, and asyncio has no asynchronous files (it runs \
                      them on threads anyway); a disk serves a few dozen requests at once."
                    .into(),
                lesson: "cargo run -p threading -- waiting".into(),
                chapter: "Threading".into(),
            }
        }
        WaitsOn::Cpu => {
            let workers = tasks.min(cores.max(1));
            Advice {
                tool: Tool::Processes { workers },
                python: format!("ProcessPoolExecutor(max_workers={workers})"),
                why: format!(
                    "computing holds the GIL: threads take turns, processes run on {} core(s) at \
                     once. More processes than cores only take turns.",
                    cores
                ),
                lesson: "cargo run -p multiprocessing -- countdown".into(),
                chapter: "Multiprocessing".into(),
            }
        }
    }
}

/// What has changed since the flowcharts people pass around: true of the Python in use today.
pub fn todays_python(waits_on: WaitsOn) -> &'static [&'static str] {
    match waits_on {
        WaitsOn::Cpu => &[
            "On a free-threaded build (3.13t experimental, 3.14t supported: PEP 779) threads \
             compute in parallel, and a ThreadPoolExecutor is the cheaper answer.",
            "3.14's InterpreterPoolExecutor (PEP 734) runs one interpreter, with its own GIL, per \
             thread: parallel like processes, started like threads, data still copied.",
            "Since 3.14 a ProcessPoolExecutor on Linux starts its workers with forkserver, not \
             fork: a pool's start costs more, and tasks must be importable.",
        ],
        WaitsOn::Network | WaitsOn::Disk => &[
            "Waiting releases the GIL on every build: threads overlap their waits whether or \
             not the build is free-threaded.",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(waits_on: WaitsOn, tasks: u64) -> Workload {
        Workload {
            waits_on,
            tasks,
            per_task_ms: 100,
        }
    }

    #[test]
    fn a_few_dozen_downloads_get_a_thread_each() {
        let advice = advise(work(WaitsOn::Network, 40), 2);
        assert_eq!(advice.tool, Tool::Threads { workers: 40 });
        assert_eq!(advice.python, "ThreadPoolExecutor(max_workers=40)");
    }

    #[test]
    fn thousands_of_connections_get_coroutines() {
        assert_eq!(
            advise(work(WaitsOn::Network, 5000), 2).tool,
            Tool::Coroutines
        );
        assert_eq!(
            advise(work(WaitsOn::Network, COROUTINES_FROM), 2).tool,
            Tool::Threads { workers: 500 }
        );
    }

    #[test]
    fn computing_gets_one_process_per_core_and_no_more_than_tasks() {
        assert_eq!(
            advise(work(WaitsOn::Cpu, 100), 8).tool,
            Tool::Processes { workers: 8 }
        );
        assert_eq!(
            advise(work(WaitsOn::Cpu, 3), 8).tool,
            Tool::Processes { workers: 3 }
        );
        assert_eq!(advise(work(WaitsOn::Cpu, 3), 8).chapter, "Multiprocessing");
    }

    #[test]
    fn disks_get_cpython_s_default_thread_count() {
        assert_eq!(
            advise(work(WaitsOn::Disk, 1000), 2).tool,
            Tool::Threads { workers: 6 }
        );
        assert_eq!(
            advise(work(WaitsOn::Disk, 1000), 64).tool,
            Tool::Threads { workers: 32 }
        );
    }
}
