//! The exercise runner: the learner's progress, a watch mode, and CI's meta-check.
//!
//! ```text
//! cargo run -p exercise-check -- list    # which exercises are solved: "solved 2 of 6"
//! cargo run -p exercise-check -- watch   # re-check the exercise you save, every time you save it
//! cargo run -p exercise-check -- meta    # CI: every check fails on its stub, passes on its solution
//! ```
//!
//! An exercise is a file `exercises/src/NAME.rs` with its checks in `exercises/tests/NAME.rs`; the
//! same checks run against `solutions/` through `solutions/tests/NAME.rs`. This runner only calls
//! `cargo test` and reads what libtest prints: the checks themselves stay ordinary tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode};

/// Check the exercises: your progress, a watch mode, and the meta-check CI runs.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Run every exercise's checks and show which are solved.
    List,
    /// Watch exercises/src and re-check each exercise when you save it.
    Watch,
    /// For CI: every check must fail on the untouched stub and pass on the solution.
    Meta,
}

fn main() -> Result<()> {
    let root = workspace_root();
    let exercises = exercise_names(&root)?;
    match Cli::parse().command {
        Action::List => list(&root, &exercises),
        Action::Watch => watch(&root, &exercises),
        Action::Meta => meta(&root, &exercises),
    }
}

/// The workspace this runner was built in (it lives at `crates/exercise-check`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Exercise names (`threading_1`…), from the check files in `exercises/tests/`.
fn exercise_names(root: &Path) -> Result<Vec<String>> {
    let dir = root.join("exercises/tests");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let path = entry.path();
            let is_rust = path.extension().is_some_and(|e| e == "rs");
            is_rust.then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    Ok(names)
}

/// `threading_1` → `threading-1`, the name `just check` takes.
fn display_name(name: &str) -> String {
    name.replace('_', "-")
}

/// The outcome of each check of one test binary, by check name.
type Outcomes = BTreeMap<String, bool>;

/// Runs the checks of `exercise` in `package` (`exercises` or `solutions`) and reads the outcome of
/// each from libtest's `test NAME ... ok|FAILED` lines.
fn run_checks(root: &Path, package: &str, exercise: &str) -> Result<Outcomes> {
    let output = Command::new(env!("CARGO"))
        .args([
            "test", "--quiet", "-p", package, "--test", exercise, "--color", "never",
        ])
        .args(["--", "--format", "pretty", "--color", "never"])
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .context("cannot run cargo test")?;
    let outcomes = parse_outcomes(&String::from_utf8_lossy(&output.stdout));
    if outcomes.is_empty() {
        bail!(
            "`cargo test -p {package} --test {exercise}` ran no check:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(outcomes)
}

fn parse_outcomes(stdout: &str) -> Outcomes {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, outcome) = rest.rsplit_once(" ... ")?;
            match outcome.trim() {
                "ok" => Some((name.to_string(), true)),
                "FAILED" => Some((name.to_string(), false)),
                _ => None,
            }
        })
        .collect()
}

fn is_solved(outcomes: &Outcomes) -> bool {
    outcomes.values().all(|&passed| passed)
}

fn build_checks(root: &Path, package: &str) -> Result<()> {
    let status = Command::new(env!("CARGO"))
        .args(["test", "--quiet", "--no-run", "-p", package])
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("the `{package}` crate does not build: fix the error above first");
    }
    Ok(())
}

fn list(root: &Path, exercises: &[String]) -> Result<()> {
    build_checks(root, "exercises")?;
    let mut solved = 0;
    for exercise in exercises {
        let outcomes = run_checks(root, "exercises", exercise)?;
        let passed = outcomes.values().filter(|&&p| p).count();
        let mark = if is_solved(&outcomes) { "✓" } else { "✗" };
        println!(
            "{mark} {:<14} {passed} of {} checks pass",
            display_name(exercise),
            outcomes.len()
        );
        solved += usize::from(is_solved(&outcomes));
    }
    println!("\nsolved {solved} of {}", exercises.len());
    Ok(())
}

fn watch(root: &Path, exercises: &[String]) -> Result<()> {
    let mut solved: BTreeMap<String, bool> = BTreeMap::new();
    for exercise in exercises {
        let outcomes = run_checks(root, "exercises", exercise)?;
        solved.insert(exercise.clone(), is_solved(&outcomes));
    }
    print_progress(&solved);

    let (events, changes) = mpsc::channel();
    // Debounced: an editor's save is often several file events; check once per save.
    let mut debouncer = new_debouncer(Duration::from_millis(300), events)?;
    let src = root.join("exercises/src");
    debouncer
        .watcher()
        .watch(&src, RecursiveMode::NonRecursive)?;
    println!(
        "watching {} — save an exercise to check it (Ctrl-C to stop)",
        src.display()
    );

    for batch in changes {
        let Ok(batch) = batch else { continue };
        for event in batch {
            let Some(exercise) = event.path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !solved.contains_key(exercise) {
                continue;
            }
            println!("\n──── {} ────", display_name(exercise));
            // Inherit the terminal, so the learner sees the checks' own messages and hints.
            let status = Command::new(env!("CARGO"))
                .args(["test", "--quiet", "-p", "exercises", "--test", exercise])
                .current_dir(root)
                .status()?;
            solved.insert(exercise.to_string(), status.success());
            print_progress(&solved);
        }
    }
    Ok(())
}

fn print_progress(solved: &BTreeMap<String, bool>) {
    let done = solved.values().filter(|&&s| s).count();
    let names: Vec<String> = solved
        .iter()
        .map(|(name, &ok)| format!("{} {}", if ok { "✓" } else { "·" }, display_name(name)))
        .collect();
    println!("solved {done} of {}: {}", solved.len(), names.join("  "));
}

fn meta(root: &Path, exercises: &[String]) -> Result<()> {
    build_checks(root, "exercises")?;
    build_checks(root, "solutions")?;
    let mut problems = Vec::new();
    for exercise in exercises {
        let stub = run_checks(root, "exercises", exercise)?;
        let solution = run_checks(root, "solutions", exercise)?;
        for (check, &passed) in &stub {
            if passed {
                problems.push(format!(
                    "{exercise}: `{check}` passes on the untouched stub: it checks nothing"
                ));
            }
        }
        for (check, &passed) in &solution {
            if !passed {
                problems.push(format!("{exercise}: `{check}` fails on the solution"));
            }
        }
        if stub.keys().ne(solution.keys()) {
            problems.push(format!(
                "{exercise}: the stub and the solution ran different checks"
            ));
        }
        println!(
            "{:<14} {} checks: fail on the stub, pass on the solution",
            display_name(exercise),
            stub.len()
        );
    }
    if !problems.is_empty() {
        bail!("the meta-check failed:\n  {}", problems.join("\n  "));
    }
    println!("meta-check passed for {} exercises", exercises.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_checks_outcome_from_libtest_output() {
        let stdout = "\nrunning 3 tests\ntest checks::a ... ok\ntest checks::b ... FAILED\n\
                      test checks::c ... ignored\n\ntest result: FAILED. 1 passed; 1 failed;\n";
        let outcomes = parse_outcomes(stdout);
        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes["checks::a"], true);
        assert_eq!(outcomes["checks::b"], false);
        assert!(!is_solved(&outcomes));
    }

    #[test]
    fn finds_this_workspaces_exercises() {
        let names = exercise_names(&workspace_root()).expect("exercises/tests exists");
        assert!(names.contains(&"threading_1".to_string()), "{names:?}");
        assert_eq!(display_name("threading_1"), "threading-1");
    }
}
