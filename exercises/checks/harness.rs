//! The checks' own test runner (`harness = false` in `Cargo.toml`): runs every exercise's checks and
//! ends with one line per exercise and the total, instead of libtest's line per test and a hint
//! printed by every failing one.
//!
//! Each check runs in a process of its own: this binary starts itself again with `--run-check
//! NAME`. The checks run the learner's code, and code being written can end its process: a stray
//! `std::process::exit(0)` (which made libtest's run look green), a stack overflow, an abort. The
//! child prints a completion line only after its check returned, and a check counts as passed only
//! if the parent saw that line and the child exited cleanly; nothing the learner writes runs in the
//! parent. A check that hangs fails after [`TIME_LIMIT`] (lesson-kit's `finish_within`), and the
//! child's expected panics are reported by the parent as reasons, without panic messages or
//! backtraces, whatever `RUST_BACKTRACE` says.
//!
//! Arguments, as libtest's where they overlap: a filter (`threading_1::`, or an exercise's name,
//! `threading-1`) selects checks; `--list` lists them; `--report FILE` also writes each check's
//! outcome as a JSON line, for the exercise runner. libtest's other options are accepted and ignored.

use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::panic::{self, PanicHookInfo};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

#[path = "outcome.rs"]
pub mod outcome;

use outcome::CheckOutcome;

/// How long any one check may take before it counts as hung. A safety net, far above what a
/// solved exercise needs: it never judges speed.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// How much longer the parent waits before it stops a child that did not stop itself.
const GRACE: Duration = Duration::from_secs(10);

/// The line a child prints before the JSON of its [`Verdict`], once its check has returned.
const VERDICT_LINE: &str = "exercise-check verdict: ";

/// One check: a function that panics (through `assert!`, usually) while the exercise is unsolved.
pub struct Check {
    /// Its name, which says what it checks: `results_keep_the_order_of_the_urls`.
    pub name: &'static str,
    /// The check itself.
    pub run: fn(),
}

/// One exercise, as `exercises/build.rs` lists it from `exercises/registry.txt`.
pub struct Exercise {
    /// `threading-1`: what the learner types.
    pub name: &'static str,
    /// `threading_1`: its module, the prefix of its checks' full names (`threading_1::…`).
    pub module: &'static str,
    /// Its checks, from `exercises/checks/NAME.rs`.
    pub checks: &'static [Check],
    /// Its hints, from `exercises/hints/NAME.md`: the first part is shown when a check fails.
    pub hints: &'static str,
}

/// What a child says about its check: the one line that makes a pass count.
#[derive(serde::Serialize, serde::Deserialize)]
struct Verdict {
    passed: bool,
    reason: Option<String>,
    details: Option<String>,
}

/// The whole run: `EXERCISES` and `NOT_COMPILED` come from the build script.
pub fn main(exercises: &[Exercise], not_compiled: &[&str]) -> ExitCode {
    let args = Args::parse();
    if let Some(full_name) = &args.run_check {
        run_in_this_process(exercises, full_name);
    }
    let selected = select(exercises, &args.filters);
    if args.list {
        for (exercise, check) in &selected {
            println!("{}::{}: test", exercise.module, check.name);
        }
        return ExitCode::SUCCESS;
    }
    // An exercise left out for not compiling is reported when it was asked for.
    let not_compiled: Vec<&str> = not_compiled
        .iter()
        .copied()
        .filter(|name| {
            args.filters.is_empty()
                || args.filters.iter().any(|filter| {
                    filter == name
                        || format!("{}::", name.replace('-', "_")).contains(filter.as_str())
                })
        })
        .collect();
    if selected.is_empty() && not_compiled.is_empty() {
        let names: Vec<&str> = exercises.iter().map(|e| e.name).collect();
        eprintln!(
            "no check matches {:?}; the exercises are: {}",
            args.filters,
            names.join(", ")
        );
        return ExitCode::FAILURE;
    }

    let started = Instant::now();
    let outcomes = run_each_in_a_child(&selected);
    if let Some(path) = &args.report
        && let Err(error) = write_report(path, &outcomes)
    {
        eprintln!("cannot write the report {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    let filtered_out = exercises.iter().map(|e| e.checks.len()).sum::<usize>() - selected.len();
    print!(
        "{}",
        summary(
            exercises,
            &not_compiled,
            &outcomes,
            filtered_out,
            started.elapsed()
        )
    );
    let all_passed = outcomes.iter().all(|o| o.passed) && not_compiled.is_empty();
    // libtest's status for a failed run, so that tools treat both alike.
    if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}

/// The command line: libtest's where they overlap, so that `cargo test -- …` works.
#[derive(Default)]
struct Args {
    run_check: Option<String>,
    list: bool,
    report: Option<PathBuf>,
    filters: Vec<String>,
}

impl Args {
    fn parse() -> Args {
        let mut args = Args::default();
        let mut words = std::env::args().skip(1);
        while let Some(word) = words.next() {
            match word.as_str() {
                "--run-check" => args.run_check = words.next(),
                "--report" => args.report = words.next().map(PathBuf::from),
                "--list" => args.list = true,
                // libtest options that take a value: accepted, and nothing to do here.
                "--color" | "--format" | "--test-threads" | "--logfile" | "--skip" | "-Z" => {
                    words.next();
                }
                // --nocapture, --quiet, --exact, --show-output…: accepted, and nothing to do here.
                flag if flag.starts_with('-') => {}
                filter => args.filters.push(filter.to_string()),
            }
        }
        args
    }
}

/// The checks the filters select (all without a filter): a filter is an exercise's name or module,
/// or a part of a check's full name (`threading_1::`), as with libtest.
fn select<'a>(exercises: &'a [Exercise], filters: &[String]) -> Vec<(&'a Exercise, &'a Check)> {
    let chosen = |exercise: &Exercise, check: &Check| {
        let full_name = format!("{}::{}", exercise.module, check.name);
        filters.is_empty()
            || filters.iter().any(|filter| {
                filter == exercise.name || filter == exercise.module || full_name.contains(filter)
            })
    };
    exercises
        .iter()
        .flat_map(|exercise| exercise.checks.iter().map(move |check| (exercise, check)))
        .filter(|(exercise, check)| chosen(exercise, check))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The parent: one child process per check, a few at a time.

/// Runs each selected check in a child process, as many at once as the machine has cores (at most
/// 4: the checks are small, but some start servers and threads of their own).
fn run_each_in_a_child(selected: &[(&Exercise, &Check)]) -> Vec<CheckOutcome> {
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

fn write_report(path: &Path, outcomes: &[CheckOutcome]) -> std::io::Result<()> {
    let mut lines = String::new();
    for outcome in outcomes {
        lines.push_str(&serde_json::to_string(outcome).map_err(std::io::Error::other)?);
        lines.push('\n');
    }
    std::fs::write(path, lines)
}

// ---------------------------------------------------------------------------------------------
// What the parent prints.

/// One line per exercise checked, the first failure's reason and the first hint of each unsolved
/// one, every check of a single exercise, and the totals; the last line reads as libtest's.
fn summary(
    exercises: &[Exercise],
    not_compiled: &[&str],
    outcomes: &[CheckOutcome],
    filtered_out: usize,
    elapsed: Duration,
) -> String {
    let mut text = String::new();
    let checked: Vec<&Exercise> = exercises
        .iter()
        .filter(|e| outcomes.iter().any(|o| o.exercise == e.name))
        .collect();
    let width = exercises
        .iter()
        .map(|e| e.name.len())
        .chain(not_compiled.iter().map(|name| name.len()))
        .max()
        .unwrap_or(0);
    let indent = " ".repeat(width + 4);
    if let [exercise] = checked[..] {
        text.push_str(&each_check(exercise, outcomes));
    }
    let mut solved = 0;
    for exercise in &checked {
        let mine: Vec<&CheckOutcome> = outcomes
            .iter()
            .filter(|o| o.exercise == exercise.name)
            .collect();
        match mine.iter().find(|o| !o.passed) {
            None => {
                solved += 1;
                let _ = writeln!(text, "✓ {:<width$}  solved", exercise.name);
            }
            Some(first_failure) => {
                let reason = first_failure.reason.as_deref().unwrap_or("it failed");
                let reason = wrap(&format!("not yet: {reason}"), 90, &format!("\n{indent}"));
                let _ = writeln!(text, "✗ {:<width$}  {reason}", exercise.name);
                let nudge = wrap(
                    &first_hint(exercise.hints),
                    90,
                    &format!("\n{indent}      "),
                );
                let _ = writeln!(text, "{indent}hint: {nudge}");
                let _ = writeln!(
                    text,
                    "{indent}more: cargo run -p exercise-check -- hint {}",
                    exercise.name
                );
            }
        }
    }
    for name in not_compiled {
        let _ = writeln!(
            text,
            "✗ {name:<width$}  does not compile: its errors are above"
        );
    }
    let total = checked.len() + not_compiled.len();
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let failed = outcomes.len() - passed;
    let _ = writeln!(text, "\nsolved {solved} of {total}");
    let _ = writeln!(
        text,
        "test result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; \
         {filtered_out} filtered out; finished in {:.2}s",
        if failed == 0 && not_compiled.is_empty() {
            "ok"
        } else {
            "FAILED"
        },
        elapsed.as_secs_f64()
    );
    text
}

/// For a single exercise: each check, and the first failure in full, with the check's output.
fn each_check(exercise: &Exercise, outcomes: &[CheckOutcome]) -> String {
    let mut text = String::new();
    let mine: Vec<&CheckOutcome> = outcomes
        .iter()
        .filter(|o| o.exercise == exercise.name)
        .collect();
    let passed = mine.iter().filter(|o| o.passed).count();
    let _ = writeln!(
        text,
        "{}: {passed} of {} checks pass",
        exercise.name,
        mine.len()
    );
    for outcome in &mine {
        match (&outcome.reason, outcome.passed) {
            (_, true) => writeln!(text, "  ✓ {}", outcome.check),
            (Some(reason), false) => writeln!(text, "  ✗ {}: {reason}", outcome.check),
            (None, false) => writeln!(text, "  ✗ {}", outcome.check),
        }
        .unwrap_or_default();
    }
    if let Some(failure) = mine.iter().find(|o| !o.passed) {
        let _ = writeln!(text, "\nthe first that fails, {}:", failure.check);
        let message = failure
            .details
            .as_deref()
            .or(failure.reason.as_deref())
            .unwrap_or("");
        for line in message.lines() {
            let _ = writeln!(text, "    {line}");
        }
        let output = failure.output.trim_end();
        if !output.is_empty() {
            let _ = writeln!(text, "  what it printed:");
            for line in output.lines().take(30) {
                let _ = writeln!(text, "    {line}");
            }
        }
    }
    text.push('\n');
    text
}

/// `text` in lines of at most about `width` characters, joined by `separator`.
fn wrap(text: &str, width: usize, separator: &str) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("starts with one line");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join(separator)
}

/// The first part of a hints file: the nudge shown on failure (the runner's `hint` shows the rest).
fn first_hint(hints: &str) -> String {
    let first = hints.split("\n---\n").next().unwrap_or(hints);
    first.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// The child: one check, its verdict, and an exit.

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
fn run_in_this_process(exercises: &[Exercise], full_name: &str) -> ! {
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
