//! A lesson in miniature for `tests/interrupted.rs`: its one experiment takes a scratch folder, a
//! shared-memory file and a child process, says so on stdout as one JSON line, then waits (at most
//! a minute) for the test to interrupt it. Run by the tests only.

use std::ffi::OsString;
use std::io;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use lesson_kit::{Outcome, Settings, Tour, child_command, cleanup};
use serde::Serialize;

/// What the test checks afterwards: the paths and the child.
#[derive(Serialize)]
struct Holding {
    dir: String,
    shm: String,
    child: u32,
}

fn hold(_: &Settings<()>) -> io::Result<()> {
    let dir = cleanup::scratch_dir("held")?;
    std::fs::write(dir.join("result.txt"), "half written")?;
    let shm = cleanup::shm_file("held")?;
    let child = child_command("sleeper")?
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let holding = Holding {
        dir: dir.display().to_string(),
        shm: shm.display().to_string(),
        child: child.id(),
    };
    lesson_kit::jsonl::write(&mut io::stdout().lock(), &holding)?;
    std::thread::sleep(Duration::from_secs(60));
    Ok(())
}

fn report(_: &()) -> Outcome {
    Outcome::new("hold", "held until interrupted")
}

/// The child: sleeps, as a worker busy with a long task would, ignoring that its stdin is closed.
fn sleeper(_: Vec<OsString>) -> ExitCode {
    std::thread::sleep(Duration::from_secs(60));
    ExitCode::SUCCESS
}

#[derive(Clone, Debug, clap::Args)]
struct NoFlags {}

fn main() -> ExitCode {
    Tour::new("interrupt-me", "Interrupt me")
        .experiment("hold", "take files and a child, then wait", hold, report)
        .child("sleeper", sleeper)
        .main(|_: NoFlags| Ok(()))
}
