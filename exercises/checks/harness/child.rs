//! The child's side: run one check under lesson-kit's time limit, with a silent panic hook, print
//! the verdict as the very last thing, and exit.

use std::io::Write as _;
use std::panic::{self, PanicHookInfo};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use super::{Exercise, TIME_LIMIT};

/// The line a child prints before the JSON of its [`Verdict`], once its check has returned.
pub const VERDICT_LINE: &str = "exercise-check verdict: ";

/// What a child says about its check: the one line that makes a pass count.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    pub passed: bool,
    pub reason: Option<String>,
    pub details: Option<String>,
}

/// A panic seen by the hook: its message and where it happened.
#[derive(Clone)]
struct Panic {
    message: String,
    location: Option<String>,
}

/// Every panic of this process, in order, recorded by the silent panic hook.
static PANICS: Mutex<Vec<Panic>> = Mutex::new(Vec::new());

/// Runs the check named `full_name` (`threading_1::results_keep_the_order_of_the_urls`), prints
/// its verdict, and exits: also when the check hung and its thread is still running.
pub fn run_in_this_process(exercises: &[Exercise], full_name: &str) -> ! {
    let found = exercises.iter().find_map(|exercise| {
        let check = exercise
            .checks
            .iter()
            .find(|check| format!("{}::{}", exercise.module, check.name) == full_name)?;
        Some((exercise, check))
    });
    let Some((exercise, check)) = found else {
        eprintln!("no check is named {full_name}");
        std::process::exit(2);
    };
    // Failing is what an unsolved exercise's checks are for: record each panic for the verdict,
    // print nothing (no "thread panicked at", no backtrace whatever RUST_BACKTRACE says).
    panic::set_hook(Box::new(record_panic));
    let what = format!("{} ({})", exercise.name, check.name);
    let result = panic::catch_unwind(|| lesson_kit::finish_within(&what, TIME_LIMIT, check.run));
    let verdict = match result {
        Ok(()) => Verdict {
            passed: true,
            reason: None,
            details: None,
        },
        Err(payload) => failure_verdict(payload_text(&*payload)),
    };
    let json = serde_json::to_string(&verdict).unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "\n{VERDICT_LINE}{json}");
    let _ = stdout.flush();
    std::process::exit(if verdict.passed { 0 } else { 1 })
}

fn record_panic(info: &PanicHookInfo<'_>) {
    let panic = Panic {
        message: payload_text(info.payload()).unwrap_or_else(|| "a panic".to_string()),
        location: info
            .location()
            .map(|at| format!("{}:{}", shorter(at.file()), at.line())),
    };
    PANICS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(panic);
}

/// The verdict for a check that panicked with `message`. The panic that ended the check usually
/// says why; when it only passes on another thread's panic ("a scoped thread panicked", an
/// `unwrap` of a join), the first panic of the process is the cause: a `todo!()` in a thread.
fn failure_verdict(message: Option<String>) -> Verdict {
    let panics = PANICS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let relayed = |message: &str| {
        message == "a scoped thread panicked"
            || message.starts_with("called `Result::unwrap()` on an `Err` value: Any")
    };
    let cause = match message {
        Some(message) if !relayed(&message) => panics
            .iter()
            .rev()
            .find(|p| p.message == message)
            .cloned()
            .unwrap_or(Panic {
                message,
                location: None,
            }),
        other => panics.first().cloned().unwrap_or(Panic {
            message: other.unwrap_or_else(|| "the check panicked".to_string()),
            location: None,
        }),
    };
    let mut reason = one_line(&cause.message);
    if let Some(location) = &cause.location {
        reason.push_str(&format!(" ({location})"));
    }
    let details = match &cause.location {
        Some(location) => format!("{}\n  at {location}", cause.message),
        None => cause.message.clone(),
    };
    Verdict {
        passed: false,
        reason: Some(reason),
        details: Some(details),
    }
}

/// A failure message on one line: an assertion's own words without `assertion `left == right`
/// failed: `, or, for an assertion without words of its own, the whole of it (`left`, `right`).
fn one_line(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    if let Some((_, own_words)) = first
        .strip_prefix("assertion ")
        .and_then(|rest| rest.split_once("failed: "))
    {
        return own_words.trim().to_string();
    }
    let whole = message.split_whitespace().collect::<Vec<_>>().join(" ");
    match whole.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &whole[..cut]),
        None => whole,
    }
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// A source path relative to the workspace (`exercises/src/threading_1.rs`), as the learner sees it.
fn shorter(file: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("/"));
    Path::new(file).strip_prefix(root).map_or_else(
        |_| file.to_string(),
        |relative| relative.display().to_string(),
    )
}
