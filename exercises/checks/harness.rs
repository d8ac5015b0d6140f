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
//!
//! This file has what a check file uses (`Check`) and the run's outline; `harness/parent.rs` runs
//! and judges the children, `harness/child.rs` is one child, `harness/summary.rs` what is printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[path = "harness/child.rs"]
mod child;
#[path = "outcome.rs"]
pub mod outcome;
#[path = "harness/parent.rs"]
mod parent;
#[path = "harness/summary.rs"]
mod summary;

/// How long any one check may take before it counts as hung. A safety net, far above what a
/// solved exercise needs: it never judges speed.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

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

/// The whole run: `EXERCISES` and `NOT_COMPILED` come from the build script.
pub fn main(exercises: &[Exercise], not_compiled: &[&str]) -> ExitCode {
    let args = Args::parse();
    if let Some(full_name) = &args.run_check {
        child::run_in_this_process(exercises, full_name);
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
    let outcomes = parent::run_each_in_a_child(&selected);
    if let Some(path) = &args.report
        && let Err(error) = parent::write_report(path, &outcomes)
    {
        eprintln!("cannot write the report {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    let filtered_out = exercises.iter().map(|e| e.checks.len()).sum::<usize>() - selected.len();
    print!(
        "{}",
        summary::summary(
            exercises,
            &not_compiled,
            &outcomes,
            filtered_out,
            started.elapsed(),
            // The exercise runner asks for a report and reads the totals from the line before.
            args.report.is_none(),
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
