//! A Redis server and workers on this machine, for the tour and the tests: started on a free
//! loopback port, stopped whatever ends the run.
//!
//! Never someone else's Redis: the server is always one this program started, with no
//! persistence (`--save '' --appendonly no`: nothing written to disk), bound to 127.0.0.1.
//! Stopping: `Drop` kills and reaps it; on Linux each child also gets `PR_SET_PDEATHSIG`, so a
//! server or worker whose parent is killed outright (SIGKILL, which runs no `Drop`) ends too.

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a fresh server gets to answer `PING`.
const STARTUP: Duration = Duration::from_secs(10);

/// Why no local Redis could be started.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(
        "redis-server is not installed (on Debian or Ubuntu: sudo apt-get install redis-server)"
    )]
    NotInstalled,
    #[error("could not start {what}: {source}")]
    Start { what: String, source: io::Error },
    #[error("redis-server did not answer PING within {0:?}")]
    NoAnswer(Duration),
}

/// `redis-server` on the PATH, if there is one.
pub fn redis_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

/// A Redis server this program started; stopped when dropped.
pub struct LocalRedis {
    child: Child,
    port: u16,
}

impl LocalRedis {
    /// Starts `redis-server` on a free port of 127.0.0.1 and waits until it answers.
    pub fn start() -> Result<Self, LocalError> {
        let program = redis_server().ok_or(LocalError::NotInstalled)?;
        let port = free_port().map_err(|source| LocalError::Start {
            what: "a free port".into(),
            source,
        })?;
        let mut command = Command::new(&program);
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        end_with_parent(&mut command);
        let child = command.spawn().map_err(|source| LocalError::Start {
            what: program.display().to_string(),
            source,
        })?;
        let mut server = LocalRedis { child, port };
        server.wait_ready()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self) -> Result<(), LocalError> {
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            let pong = redis::Client::open(self.url())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if pong.is_ok() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        Err(LocalError::NoAnswer(STARTUP))
    }
}

impl Drop for LocalRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port no one listens on now (the OS picks it); the server binds it a moment later.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// How the workers run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerOptions {
    /// The lease, in milliseconds (`--lease-ms`).
    pub lease_ms: u64,
    /// `--no-heartbeat`: let a long task's lease run out.
    pub heartbeat: bool,
    /// `--queue`: which task type they run.
    pub queue: &'static str,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            lease_ms: 5000,
            heartbeat: true,
            queue: crate::frames::FUTURES,
        }
    }
}

/// Worker processes on this machine: `PROGRAM worker --redis URL`, killed and reaped when dropped.
pub struct LocalWorkers {
    children: Vec<Child>,
}

impl LocalWorkers {
    /// Starts `count` workers of `program` (this lesson's binary) for the Redis at `url`.
    pub fn start(
        program: &Path,
        count: usize,
        url: &str,
        options: &WorkerOptions,
    ) -> Result<Self, LocalError> {
        let mut workers = LocalWorkers {
            children: Vec::new(),
        };
        for _ in 0..count {
            workers.add(program, url, options)?;
        }
        Ok(workers)
    }

    /// One more worker.
    pub fn add(
        &mut self,
        program: &Path,
        url: &str,
        options: &WorkerOptions,
    ) -> Result<(), LocalError> {
        let mut command = Command::new(program);
        command
            .args(["worker", "--redis", url])
            .args(["--lease-ms", &options.lease_ms.to_string()])
            .args(["--queue", options.queue])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if !options.heartbeat {
            command.arg("--no-heartbeat");
        }
        end_with_parent(&mut command);
        let child = command.spawn().map_err(|source| LocalError::Start {
            what: format!("a worker ({})", program.display()),
            source,
        })?;
        self.children.push(child);
        Ok(())
    }

    /// The workers' process ids, in the order they were started.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }

    /// Kills the worker with process id `pid` (SIGKILL: no goodbye, as a crash or a lost machine)
    /// and reaps it. `false` if it is not one of these.
    pub fn kill(&mut self, pid: u32) -> bool {
        let Some(i) = self.children.iter().position(|c| c.id() == pid) else {
            return false;
        };
        let mut child = self.children.remove(i);
        let _ = child.kill();
        let _ = child.wait();
        true
    }

    /// The workers of these that hold a task now (delivered, not yet acknowledged), from the
    /// group's pending list: each consumer is named `host-pid`.
    pub fn busy(&self, url: &str, queue: &str) -> redis::RedisResult<Vec<u32>> {
        use redis::Commands;
        let mut connection = redis::Client::open(url)?.get_connection()?;
        let pending: redis::streams::StreamPendingCountReply = connection.xpending_count(
            crate::frames::tasks_stream(queue),
            crate::frames::GROUP,
            "-",
            "+",
            100,
        )?;
        let mine = self.pids();
        Ok(pending
            .ids
            .iter()
            .filter_map(|p| p.consumer.rsplit('-').next()?.parse().ok())
            .filter(|pid| mine.contains(pid))
            .collect())
    }

    /// How many are still running (not exited by themselves).
    pub fn alive(&mut self) -> usize {
        self.children
            .iter_mut()
            .filter_map(|c| c.try_wait().ok())
            .filter(Option::is_none)
            .count()
    }
}

impl Drop for LocalWorkers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
        }
        for child in &mut self.children {
            let _ = child.wait();
        }
    }
}

/// On Linux, the child gets SIGTERM when its parent dies, even by SIGKILL: nothing of ours
/// outlives a killed run. (Strictly, when the *thread* that started it ends: so a `LocalRedis` or
/// `LocalWorkers` must be dropped by the thread that made it, as every caller here does.)
/// Elsewhere, `Drop` is the only cleanup.
fn end_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // Safety: prctl is async-signal-safe and touches only the new process.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}
