//! CI's meta-check: the checks check something. Every check must fail on its untouched stub (else
//! it passes whatever the learner writes) and pass on the model answer (else no answer can pass
//! it), the stub and the answer must run the same checks, and the list and the files must agree
//! (`consistency`).

use std::process::ExitCode;

use anyhow::Result;

use crate::checks::{self, CheckOutcome, Summary};
use crate::compile;
use crate::consistency;
use crate::workspace::Workspace;

pub fn meta(workspace: &Workspace) -> Result<ExitCode> {
    let mut problems = consistency::problems(workspace);
    let stubs_built = compile::build_checks(workspace, "exercises")?;
    let answers_built = compile::build_checks(workspace, "solutions")?;
    for broken in stubs_built.broken.iter().chain(&answers_built.broken) {
        problems.push(format!(
            "{} does not compile:\n{}",
            broken.exercise,
            broken.first_error(20)
        ));
    }
    let stubs = checks::run(workspace, &stubs_built, None, Summary::Hide)?;
    let answers = checks::run(workspace, &answers_built, None, Summary::Hide)?;

    for exercise in &workspace.exercises {
        let problems_before = problems.len();
        let on_stub = of(&stubs, &exercise.name);
        let on_answer = of(&answers, &exercise.name);
        if on_stub.is_empty() {
            problems.push(format!("{}: no check ran on the stub", exercise.name));
        }
        for outcome in &on_stub {
            if outcome.passed {
                problems.push(format!(
                    "{}: `{}` passes on the untouched stub: it checks nothing",
                    exercise.name, outcome.check
                ));
            }
        }
        for outcome in &on_answer {
            if !outcome.passed {
                problems.push(format!(
                    "{}: `{}` fails on the model answer: {}",
                    exercise.name,
                    outcome.check,
                    outcome.reason.as_deref().unwrap_or("no reason given")
                ));
            }
        }
        let names = |outcomes: &[&CheckOutcome]| -> Vec<String> {
            outcomes.iter().map(|o| o.check.clone()).collect()
        };
        if names(&on_stub) != names(&on_answer) {
            problems.push(format!(
                "{}: the stub and the model answer ran different checks",
                exercise.name
            ));
        }
        let mark = if problems.len() == problems_before {
            "✓"
        } else {
            "✗"
        };
        println!(
            "{mark} {:<18} {} checks: fail on the stub, pass on the model answer",
            exercise.name,
            on_stub.len()
        );
    }
    if problems.is_empty() {
        println!(
            "meta-check passed for {} exercises",
            workspace.exercises.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("the meta-check failed:\n  {}", problems.join("\n  "));
        Ok(ExitCode::FAILURE)
    }
}

fn of<'a>(outcomes: &'a [CheckOutcome], exercise: &str) -> Vec<&'a CheckOutcome> {
    outcomes.iter().filter(|o| o.exercise == exercise).collect()
}
