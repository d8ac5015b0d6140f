//! The exercise runner: the learner's progress, a watch mode, and CI's meta-check.
//!
//! ```text
//! cargo run -p exercise-check -- list    # which exercises are solved: "solved 2 of 6"
//! cargo run -p exercise-check -- watch   # re-check the exercise you save, every time you save it
//! cargo run -p exercise-check -- meta    # CI: every check fails on its stub, passes on its solution
//! ```
//!
//! An exercise is a file `exercises/src/NAME.rs` with its checks in `exercises/checks/NAME.rs`. One
//! test binary, `checks`, runs them all, against the stubs (`exercises/tests/checks.rs`) or the model
//! answers (`solutions/tests/checks.rs`); each check's name starts with its exercise's (`NAME::`).
//! This runner only calls `cargo test` and reads what libtest prints: the checks stay plain tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Exercise names (`threading_1`…), from the files in `exercises/src/`.
fn exercise_names(root: &Path) -> Result<Vec<String>> {
    let dir = root.join("exercises/src");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let path = entry.path();
            let is_rust = path.extension().is_some_and(|e| e == "rs");
            let name = path.file_stem()?.to_str()?.to_string();
            (is_rust && name != "lib").then_some(name)
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

/// Runs the checks of `exercise` in `package` (`exercises` or `solutions`), or of every exercise
/// when `exercise` is `None`, and reads the outcome of each from libtest's `test NAME ... ok|FAILED`.
fn run_checks(root: &Path, package: &str, exercise: Option<&str>) -> Result<Outcomes> {
    let filter = exercise.map(|name| format!("{name}::")).unwrap_or_default();
    let output = Command::new(env!("CARGO"))
        .args([
            "test", "--quiet", "-p", package, "--test", "checks", "--color", "never",
        ])
        .args(["--", "--format", "pretty", "--color", "never", &filter])
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .context("cannot run cargo test")?;
    let outcomes = parse_outcomes(&String::from_utf8_lossy(&output.stdout));
    if outcomes.is_empty() {
        bail!(
            "`cargo test -p {package} --test checks {filter}` ran no check:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(outcomes)
}

/// The outcomes of one exercise's checks, out of a run of all of them.
fn of_exercise(outcomes: &Outcomes, exercise: &str) -> Outcomes {
    let prefix = format!("{exercise}::");
    outcomes
        .iter()
        .filter(|(check, _)| check.starts_with(&prefix))
        .map(|(check, &passed)| (check.clone(), passed))
        .collect()
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
    let all = run_checks(root, "exercises", None)?;
    let mut solved = 0;
    for exercise in exercises {
        let outcomes = of_exercise(&all, exercise);
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
    build_checks(root, "exercises")?;
    let all = run_checks(root, "exercises", None)?;
    let mut solved: BTreeMap<String, bool> = BTreeMap::new();
    for exercise in exercises {
        let outcomes = of_exercise(&all, exercise);
        solved.insert(
            exercise.clone(),
            !outcomes.is_empty() && is_solved(&outcomes),
        );
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

    // The watcher also reports files being read (cargo and rustc read every exercise when they
    // build), so an event alone does not mean a save: a changed modification time does.
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut last_saved: BTreeMap<PathBuf, Option<SystemTime>> = BTreeMap::new();
    for exercise in exercises {
        let path = src.join(format!("{exercise}.rs"));
        last_saved.insert(path.clone(), modified(&path));
    }

    for batch in changes {
        let Ok(batch) = batch else { continue };
        for event in batch {
            let Some(exercise) = event.path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if !solved.contains_key(exercise) {
                continue;
            }
            let saved_at = modified(&event.path);
            if last_saved.insert(event.path.clone(), saved_at) == Some(saved_at) {
                continue;
            }
            println!("\n──── {} ────", display_name(exercise));
            // Inherit the terminal, so the learner sees the checks' own messages and hints.
            let status = Command::new(env!("CARGO"))
                .args(["test", "--quiet", "-p", "exercises", "--test", "checks"])
                .arg(format!("{exercise}::"))
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
    let all_stubs = run_checks(root, "exercises", None)?;
    let all_solutions = run_checks(root, "solutions", None)?;
    let mut problems = Vec::new();
    for exercise in exercises {
        let stub = of_exercise(&all_stubs, exercise);
        let solution = of_exercise(&all_solutions, exercise);
        if stub.is_empty() {
            problems.push(format!(
                "{exercise}: has no checks in exercises/checks/{exercise}.rs"
            ));
        }
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
        let stdout = "\nrunning 3 tests\ntest one_1::a ... ok\ntest one_1::b ... FAILED\n\
                      test two_1::c ... ignored\ntest two_1::d ... ok\n\n\
                      test result: FAILED. 2 passed; 1 failed;\n";
        let outcomes = parse_outcomes(stdout);
        assert_eq!(outcomes.len(), 3);
        assert!(outcomes["one_1::a"]);
        assert!(!outcomes["one_1::b"]);
        assert!(!is_solved(&of_exercise(&outcomes, "one_1")));
        assert!(is_solved(&of_exercise(&outcomes, "two_1")));
        assert_eq!(of_exercise(&outcomes, "one_1").len(), 2);
    }

    #[test]
    fn finds_this_workspaces_exercises() {
        let names = exercise_names(&workspace_root()).expect("exercises/tests exists");
        assert!(names.contains(&"threading_1".to_string()), "{names:?}");
        assert_eq!(display_name("threading_1"), "threading-1");
    }
}
