//! What happens to a spawned thread when `main` returns, found in a child process.
//!
//! Python waits: the program exits only when every non-daemon thread has finished, and only
//! threads started with `daemon=True` are cut off. Rust does not wait for anyone: when `main`
//! returns, the process exits and every other thread ends wherever it was, as if all of them
//! were daemon threads. To keep a thread's work, join it, or start it in a `thread::scope`,
//! which joins every thread it started before it returns, so forgetting is impossible.
//!
//! The child (the lesson's own binary, as the child command `main-returns`) starts a worker
//! that writes a few lines over about 100 ms, then returns from its `main` at once, after a
//! join, or from a scope, as asked. The parent counts the worker's lines.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use clap::Parser;
use serde::{Deserialize, Serialize};

/// The name the child command is registered under.
pub const COMMAND: &str = "main-returns";

/// How the child's `main` treats its worker before it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// `thread::spawn` and return: like a daemon thread.
    Spawn,
    /// `thread::spawn`, then `handle.join()`: like Python's default.
    Join,
    /// `thread::scope`: joined at the end of the scope, whatever the code inside does.
    Scope,
}

/// The child's flags.
#[derive(Debug, clap::Parser)]
#[command(name = COMMAND, about = "Starts a worker and returns from main (a child process of the `ending` experiment)")]
struct Args {
    #[arg(long, value_enum)]
    ending: Ending,
}

/// The worker's lines: how far it got before the process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Line {
    Step { step: u32 },
    Finished,
    MainReturns,
}

/// Steps the worker takes, each about 20 ms apart (it sleeps: what matters is only that it is
/// still running when `main` returns).
pub const STEPS: u32 = 5;

/// `<lesson> --child main-returns --ending …`.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let args = match Args::try_parse_from(std::iter::once(COMMAND.into()).chain(args)) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    match args.ending {
        // ANCHOR: spawn
        Ending::Spawn => {
            thread::spawn(worker); // the handle is dropped: nobody will wait for this thread
        }
        // ANCHOR_END: spawn
        Ending::Join => {
            let worker = thread::spawn(worker);
            let _ = worker.join();
        }
        // ANCHOR: scope
        Ending::Scope => thread::scope(|s| {
            s.spawn(worker); // joined when the scope ends, even without a handle
        }),
        // ANCHOR_END: scope
    }
    say(Line::MainReturns);
    ExitCode::SUCCESS
}

fn worker() {
    for step in 1..=STEPS {
        thread::sleep(Duration::from_millis(20));
        say(Line::Step { step });
    }
    say(Line::Finished);
}

fn say(line: Line) {
    if let Ok(mut json) = serde_json::to_string(&line) {
        json.push('\n');
        let mut stdout = io::stdout().lock();
        let _ = stdout.write_all(json.as_bytes());
        let _ = stdout.flush();
    }
}

/// What the parent read from one child.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ended {
    pub ending: Ending,
    /// Steps the worker reported before the process ended.
    pub steps: u32,
    pub finished: bool,
    /// Whether the child exited cleanly.
    pub success: bool,
    /// How long the child ran: how long its `main` waited.
    pub wall_s: f64,
}

/// Runs the child with `ending` and reads how far its worker got.
pub fn run(ending: Ending) -> io::Result<Ended> {
    let flag = match ending {
        Ending::Spawn => "spawn",
        Ending::Join => "join",
        Ending::Scope => "scope",
    };
    let started = std::time::Instant::now();
    let output = lesson_kit::child_command(COMMAND)?
        .args(["--ending", flag])
        .output()?;
    let wall_s = started.elapsed().as_secs_f64();
    let lines: Vec<Line> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Ok(Ended {
        ending,
        steps: lines
            .iter()
            .filter(|l| matches!(l, Line::Step { .. }))
            .count() as u32,
        finished: lines.contains(&Line::Finished),
        success: output.status.success(),
        wall_s,
    })
}
