//! `Task`: every function this lesson's executors run, one variant each, and what they answer.
//!
//! Python's `executor.submit(fn, *args)` pickles `fn` by name and the worker looks it up; a lambda
//! or a local function cannot be pickled, and the pool fails at run time. Here a task is a
//! registered serde value ([`Job`]): a closure is refused by the compiler instead (see the
//! chapter), and the same value runs on threads and on processes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use gil_sim::{Interpreter, Mode, Python, work};
use serde::{Deserialize, Serialize};

pub use multiprocessing::Death;

use crate::executor::Job;

/// A task for any executor of this lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Task {
    /// `fetch_url(url)`: downloads a page and answers its length in bytes.
    Download { url: String },
    /// `heavy_compute(n)`: a countdown of `n` steps in "Python": it holds this process's
    /// simulated GIL, shared by every thread of the process, as CPython's is.
    Countdown(u64),
    /// `n * n`: a task so small that sending it costs more than running it.
    Square(u64),
    /// Raises: `raise ValueError(message)`.
    Fail(String),
    /// Ends the worker process, the way a crash or the OOM killer would.
    Die(Death),
    /// Waits at a gate the caller holds: connects to `addr`, says `id`, and returns `id` when
    /// the caller writes one byte back. Tests hold tasks running with it, without sleeping.
    Gate { addr: SocketAddr, id: u64 },
}

/// What a task answers: its value, and where and when it ran (for the timelines).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The page's length, the countdown's checksum, the square, or the gate's id.
    pub value: u64,
    pub ran: Ran,
}

/// Where and when a task ran, by the clock all processes share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ran {
    pub pid: u32,
    /// The thread, as Rust names it (`ThreadId(7)`): several threads share a process.
    pub thread: String,
    pub started: SystemTime,
    pub finished: SystemTime,
}

impl Job for Task {
    type Output = Answer;

    fn run(self) -> Result<Answer, String> {
        let started = SystemTime::now();
        let value = match self {
            Task::Download { url } => download(&url)?,
            Task::Countdown(n) => {
                Python::attach(interpreter(), "task", |py| work::countdown(py, n))
            }
            Task::Square(n) => n.wrapping_mul(n),
            Task::Fail(message) => return Err(message),
            Task::Die(death) => death.now(),
            Task::Gate { addr, id } => wait_at_gate(addr, id).map_err(|e| e.to_string())?,
        };
        let ran = Ran {
            pid: std::process::id(),
            thread: format!("{:?}", std::thread::current().id()),
            started,
            finished: SystemTime::now(),
        };
        Ok(Answer { value, ran })
    }
}

/// This process's interpreter: one per process, as in CPython, so threads of one process take
/// turns at its GIL and worker processes each have their own.
fn interpreter() -> &'static Interpreter {
    static INTERPRETER: OnceLock<Interpreter> = OnceLock::new();
    INTERPRETER.get_or_init(|| Interpreter::new(Mode::Cpython312))
}

/// One HTTP client per process (a module-level `requests.Session()`): its connections are
/// reused by every task the process runs.
fn download(url: &str) -> Result<u64, String> {
    static CLIENT: OnceLock<Result<reqwest::blocking::Client, String>> = OnceLock::new();
    let client = CLIENT
        .get_or_init(|| {
            reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()?;
    let fetch = || -> reqwest::Result<u64> {
        let response = client.get(url).send()?.error_for_status()?;
        Ok(response.bytes()?.len() as u64)
    };
    fetch().map_err(|e| format!("{url}: {e}"))
}

fn wait_at_gate(addr: SocketAddr, id: u64) -> std::io::Result<u64> {
    let mut gate = TcpStream::connect(addr)?;
    // A safety net, not a timing: a test that forgets to open the gate fails instead of hanging.
    gate.set_read_timeout(Some(Duration::from_secs(60)))?;
    gate.write_all(&id.to_le_bytes())?;
    let mut opened = [0u8; 1];
    gate.read_exact(&mut opened)?;
    Ok(id)
}
