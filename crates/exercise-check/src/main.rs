//! The exercise runner: your progress, one exercise at a time, graded hints, a watch mode, and the
//! meta-check CI runs.
//!
//! ```text
//! cargo run -p exercise-check -- list                # every exercise: solved or not, and why not
//! cargo run -p exercise-check -- check threading-1   # one exercise, each of its checks
//! cargo run -p exercise-check -- hint threading-1    # one more hint each time you ask
//! cargo run -p exercise-check -- watch               # re-check the exercise you save, on each save
//! cargo run -p exercise-check -- reset threading-1   # the exercise as it was in the last commit
//! cargo run -p exercise-check -- meta                # CI: checks fail on each stub, pass on its answer
//! ```
//!
//! The exercises are listed in `exercises/registry.txt` ([`workspace`]); the runner builds their
//! checks, leaving out any exercise that does not compile so that the others are still checked
//! ([`compile`]), runs them through their harness, which runs each check in a process of its own
//! ([`checks`]), and shows hints level by level ([`hints`]). It works on the workspace around the
//! current directory, found when it runs, not on the one it was built in.

mod checks;
mod compile;
mod consistency;
mod hints;
mod meta;
mod watch;
mod workspace;

use std::fs;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use crate::checks::Summary;
use crate::compile::Built;
use crate::workspace::Workspace;

/// Check the exercises: your progress, one exercise, hints, a watch mode, and CI's meta-check.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Check every exercise and show which are solved, and why the others are not yet.
    List,
    /// Check one exercise and show each of its checks: `check threading-1`.
    Check {
        /// The exercise, as `list` names it: `threading-1`.
        exercise: String,
    },
    /// Show one more hint for an exercise each time you ask: `hint threading-1`.
    Hint {
        /// The exercise, as `list` names it: `threading-1`.
        exercise: String,
    },
    /// Check the exercises, then re-check each one whenever you save its file.
    Watch,
    /// Put an exercise back as it was in the last commit (your version is kept in target/).
    Reset {
        /// The exercise, as `list` names it: `threading-1`.
        exercise: String,
    },
    /// For CI: every check fails on its untouched stub and passes on its model answer.
    Meta,
}

fn main() -> ExitCode {
    lesson_kit::os::exit_quietly_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli.action) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(action: Action) -> Result<ExitCode> {
    let workspace = Workspace::find()?;
    match action {
        Action::List => list(&workspace),
        Action::Check { exercise } => check(&workspace, &exercise),
        Action::Hint { exercise } => {
            let exercise = workspace.exercise(&exercise)?;
            print!("{}", hints::next(&workspace, exercise)?);
            Ok(ExitCode::SUCCESS)
        }
        Action::Watch => watch::watch(&workspace).map(|()| ExitCode::SUCCESS),
        Action::Reset { exercise } => reset(&workspace, &exercise).map(|()| ExitCode::SUCCESS),
        Action::Meta => meta::meta(&workspace),
    }
}

/// Every exercise: the checks' own summary, after the first error of each that does not compile.
fn list(workspace: &Workspace) -> Result<ExitCode> {
    let built = compile::build_checks(workspace, "exercises")?;
    print_broken(&built);
    let outcomes = checks::run(workspace, &built, None, Summary::Show)?;
    let all_solved = built.broken.is_empty()
        && workspace
            .exercises
            .iter()
            .all(|e| checks::is_solved(&outcomes, &e.name));
    Ok(exit_code(all_solved))
}

/// One exercise: its compiler errors if it does not compile, else each of its checks.
fn check(workspace: &Workspace, name: &str) -> Result<ExitCode> {
    let exercise = workspace.exercise(name)?;
    let built = compile::build_checks(workspace, "exercises")?;
    if let Some(broken) = built.broken.iter().find(|b| b.exercise == exercise.name) {
        for error in &broken.errors {
            println!("{error}\n");
        }
        println!(
            "✗ {} does not compile yet: fix the errors above",
            exercise.name
        );
        return Ok(ExitCode::FAILURE);
    }
    let outcomes = checks::run(workspace, &built, Some(exercise), Summary::Show)?;
    Ok(exit_code(checks::is_solved(&outcomes, &exercise.name)))
}

/// The first error of each exercise that does not compile, before the checks' summary names them.
fn print_broken(built: &Built) {
    for broken in &built.broken {
        println!("{} does not compile:", broken.exercise);
        for line in broken.first_error(12).lines() {
            println!("    {line}");
        }
        println!(
            "  all its errors: cargo run -p exercise-check -- check {}\n",
            broken.exercise
        );
    }
}

/// Puts the stub back from git's last commit, after keeping the learner's version under target/.
fn reset(workspace: &Workspace, name: &str) -> Result<()> {
    let exercise = workspace.exercise(name)?;
    let stub = exercise.stub();
    let kept = workspace
        .state_dir()?
        .join(format!("{}.before-reset.rs", exercise.module()));
    fs::copy(workspace.path(&stub), &kept)
        .with_context(|| format!("cannot keep a copy of {stub} before resetting it"))?;
    let status = Command::new("git")
        .args(["checkout", "HEAD", "--", &stub])
        .current_dir(&workspace.root)
        .status()
        .context("cannot run git, which `reset` needs: is it installed?")?;
    if !status.success() {
        bail!("git could not restore {stub} (is this a git clone?)");
    }
    hints::forget(workspace, exercise)?;
    println!(
        "{} is back as it was in the last commit, and its hints start again from the first.\n\
         Your version is kept in {}.",
        exercise.name,
        kept.display()
    );
    Ok(())
}

/// Success only when what was asked is solved, so that scripts can rely on it.
fn exit_code(solved: bool) -> ExitCode {
    if solved {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
