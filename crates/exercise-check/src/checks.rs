//! Running the checks binary that `compile` built, and reading what each check did.
//!
//! The binary (`exercises/checks/harness.rs`) runs each check in a process of its own and counts a
//! check as passed only when that process said so at its end and exited cleanly; it prints the
//! learner's summary and, with `--report FILE`, writes each check's outcome as a JSON line. The
//! runner also asks it for the list of checks (`--list`) first, and counts any check missing from
//! the report as failed: an exercise is solved only when every one of its checks was seen to pass.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::compile::Built;
use crate::hints;
use crate::workspace::{Exercise, Workspace};

#[path = "../../../exercises/checks/outcome.rs"]
mod outcome;

pub use outcome::CheckOutcome;

/// Whether the checks' own summary goes to the terminal.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    Show,
    Hide,
}

/// Runs the checks of `only` (every exercise's with `None`) and returns each check's outcome.
pub fn run(
    workspace: &Workspace,
    built: &Built,
    only: Option<&Exercise>,
    summary: Summary,
) -> Result<Vec<CheckOutcome>> {
    let filter: Vec<String> = only.map(|e| e.name.clone()).into_iter().collect();
    let expected = list(workspace, &built.binary, &filter)?;
    let report = workspace
        .state_dir()?
        .join(format!("report-{}.jsonl", std::process::id()));
    let _ = fs::remove_file(&report);
    let status = Command::new(&built.binary)
        .args(&filter)
        .arg("--report")
        .arg(&report)
        .current_dir(&workspace.root)
        .stdin(Stdio::null())
        .stdout(match summary {
            Summary::Show => Stdio::inherit(),
            Summary::Hide => Stdio::null(),
        })
        .status()
        .with_context(|| format!("cannot run {}", built.binary.display()))?;
    let text = fs::read_to_string(&report).unwrap_or_default();
    let _ = fs::remove_file(&report);
    // A line cut short by a check's crash is not an outcome; the check then counts as missing.
    let mut outcomes: Vec<CheckOutcome> = lesson_kit::jsonl::read(text.as_bytes())
        .filter_map(Result::ok)
        .collect();
    if outcomes.is_empty() && !expected.is_empty() {
        bail!("the checks ended ({status}) without reporting on any check");
    }
    // Every check the binary lists must have been reported; a missing one did not pass.
    for (exercise, check) in expected {
        if !outcomes
            .iter()
            .any(|o| o.exercise == exercise && o.check == check)
        {
            outcomes.push(CheckOutcome {
                exercise,
                check,
                passed: false,
                reason: Some("the check never reported an outcome".to_string()),
                details: None,
                output: String::new(),
            });
        }
    }
    if summary == Summary::Show {
        // The summary showed each unsolved exercise's first hint: the next `hint` is the second.
        let unsolved = exercises_in(&outcomes).filter(|name| !is_solved(&outcomes, name));
        hints::nudge_shown(workspace, unsolved)?;
    }
    Ok(outcomes)
}

/// Each exercise that has an outcome, once.
fn exercises_in(outcomes: &[CheckOutcome]) -> impl Iterator<Item = &str> {
    let mut names: Vec<&str> = outcomes.iter().map(|o| o.exercise.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.into_iter()
}

/// The checks the binary has, as `(exercise, check)`: from `--list`'s `threading_1::name: test`.
fn list(workspace: &Workspace, binary: &Path, filter: &[String]) -> Result<Vec<(String, String)>> {
    let output = Command::new(binary)
        .args(filter)
        .arg("--list")
        .current_dir(&workspace.root)
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let full_name = line.strip_suffix(": test")?;
            let (module, check) = full_name.split_once("::")?;
            Some((module.replace('_', "-"), check.to_string()))
        })
        .collect())
}

/// Whether `exercise` is solved: it has checks, and every one passed.
pub fn is_solved(outcomes: &[CheckOutcome], exercise: &str) -> bool {
    let mut mine = outcomes
        .iter()
        .filter(|o| o.exercise == exercise)
        .peekable();
    mine.peek().is_some() && mine.all(|o| o.passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(exercise: &str, check: &str, passed: bool) -> CheckOutcome {
        CheckOutcome {
            exercise: exercise.into(),
            check: check.into(),
            passed,
            reason: None,
            details: None,
            output: String::new(),
        }
    }

    #[test]
    fn solved_means_every_check_passed_and_there_was_one() {
        let outcomes = [
            outcome("threading-1", "a", true),
            outcome("threading-1", "b", false),
            outcome("threading-2", "c", true),
        ];
        assert!(!is_solved(&outcomes, "threading-1"));
        assert!(is_solved(&outcomes, "threading-2"));
        assert!(
            !is_solved(&outcomes, "threading-3"),
            "no check ran: not solved"
        );
    }
}
