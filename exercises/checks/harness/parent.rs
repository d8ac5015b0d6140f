//! The parent's side: each selected check in a child process of its own, a few at a time, and a
//! verdict on each from what the child printed and how it ended.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::child::{VERDICT_LINE, Verdict};
use super::outcome::CheckOutcome;
use super::{Check, Exercise, TIME_LIMIT};

/// How much longer the parent waits before it stops a child that did not stop itself.
const GRACE: Duration = Duration::from_secs(10);

/// Runs each selected check in a child process, as many at once as the machine has cores (at most
/// 4: the checks are small, but some start servers and threads of their own).
pub fn run_each_in_a_child(selected: &[(&Exercise, &Check)]) -> Vec<CheckOutcome> {
    let cores = thread::available_parallelism().map_or(2, |n| n.get());
    let workers = cores.clamp(1, 4).min(selected.len());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CheckOutcome>>> = Mutex::new(vec![None; selected.len()]);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((exercise, check)) = selected.get(index) else {
                        break;
                    };
                    let outcome = run_child(exercise, check);
                    results.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .zip(selected)
        .map(|(outcome, (exercise, check))| {
            outcome.unwrap_or_else(|| failed(exercise, check, "the check was never run", ""))
        })
        .collect()
}

/// Runs one check in a child process and judges it from what the child printed and how it ended.
fn run_child(exercise: &Exercise, check: &Check) -> CheckOutcome {
    let full_name = format!("{}::{}", exercise.module, check.name);
    let spawned = std::env::current_exe().and_then(|this| {
        Command::new(this)
            .args(["--run-check", &full_name])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    });
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            let reason = format!("could not start the check's process: {error}");
            return failed(exercise, check, &reason, "");
        }
    };
    // Both pipes are read on threads of their own, so that a check printing a lot cannot fill a
    // pipe and block while this thread waits for it to end.
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let status = wait_at_most(&mut child, TIME_LIMIT + GRACE);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    judge(exercise, check, status, &stdout, &stderr)
}

fn read_all(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` to end; after `limit`, stops it and returns `None`.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if started.elapsed() < limit => thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Passed only if the child printed a passing verdict and then exited with status 0.
fn judge(
    exercise: &Exercise,
    check: &Check,
    status: Option<ExitStatus>,
    stdout: &str,
    stderr: &str,
) -> CheckOutcome {
    let verdict = stdout
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(VERDICT_LINE))
        .and_then(|json| serde_json::from_str::<Verdict>(json).ok());
    // What the check's process printed, without the verdict: the learner's own output.
    let mut output: String = stdout
        .lines()
        .filter(|line| !line.starts_with(VERDICT_LINE))
        .map(|line| format!("{line}\n"))
        .collect();
    output.push_str(stderr);

    let Some(status) = status else {
        let reason = format!(
            "its process did not end {} s after the check's time limit, and was stopped",
            GRACE.as_secs()
        );
        return failed(exercise, check, &reason, &output);
    };
    match verdict {
        Some(verdict) if verdict.passed && status.success() => CheckOutcome {
            exercise: exercise.name.to_string(),
            check: check.name.to_string(),
            passed: true,
            reason: None,
            details: None,
            output,
        },
        Some(verdict) if !verdict.passed => CheckOutcome {
            exercise: exercise.name.to_string(),
            check: check.name.to_string(),
            passed: false,
            reason: verdict.reason,
            details: verdict.details,
            output,
        },
        Some(_) => failed(
            exercise,
            check,
            &format!("the check passed, but its process then ended badly ({status})"),
            &output,
        ),
        None => failed(
            exercise,
            check,
            &why_it_never_finished(status, stderr),
            &output,
        ),
    }
}

/// The process ended before its check did: say how, in the learner's terms.
fn why_it_never_finished(status: ExitStatus, stderr: &str) -> String {
    if stderr.contains("has overflowed its stack") {
        return "the check's process crashed: stack overflow (a recursion that never ends?)"
            .to_string();
    }
    if let Some(code) = status.code() {
        return format!(
            "the check never finished: its process exited with status {code} in the middle of it \
             (does the code call std::process::exit?)"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("the check's process crashed (signal {signal})");
        }
    }
    format!("the check's process crashed ({status})")
}

fn failed(exercise: &Exercise, check: &Check, reason: &str, output: &str) -> CheckOutcome {
    CheckOutcome {
        exercise: exercise.name.to_string(),
        check: check.name.to_string(),
        passed: false,
        reason: Some(reason.to_string()),
        details: None,
        output: output.to_string(),
    }
}

pub fn write_report(path: &Path, outcomes: &[CheckOutcome]) -> std::io::Result<()> {
    let mut lines = Vec::new();
    for outcome in outcomes {
        lesson_kit::jsonl::write(&mut lines, outcome)?;
    }
    std::fs::write(path, lines)
}
