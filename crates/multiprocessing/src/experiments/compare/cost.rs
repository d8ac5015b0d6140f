//! `cost` beside `python/cost.py`: starting a thread and a process by each start method, and an
//! idle process's memory, CPython and Rust in turns.

use anyhow::Context as _;
use lesson_kit::report::{format_bytes, format_seconds};
use lesson_kit::{Outcome, Run, Timing, Twins, Versus};
use serde::{Deserialize, Serialize};

use super::{in_turns, joined, one_run, twin_args};
use crate::experiments::{Settings, cost};

/// What `python/cost.py` prints. A start method this OS lacks has no samples.
#[derive(Debug, Deserialize)]
struct Twin {
    thread_s: Vec<f64>,
    fork_s: Vec<f64>,
    forkserver_s: Vec<f64>,
    spawn_s: Vec<f64>,
    process_private_bytes: Option<u64>,
}

/// One way to start something, in one language; `None` where this OS lacks it.
#[derive(Debug, Serialize)]
pub struct Starts {
    pub thread: Timing,
    pub fork: Option<Timing>,
    pub fork_server: Option<Timing>,
    pub spawn: Timing,
    /// The private memory of one idle process (Python: spawned; Rust: a pool worker).
    pub private_bytes: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub cpython: Starts,
    pub rust: Starts,
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let (args, once) = (twin_args(&[]), one_run(settings));
    let (python, rust) = in_turns(
        settings.repeat,
        || {
            twins
                .run::<Twin>("cost.py", &args)
                .context("python/cost.py")
        },
        || Ok(cost::measure(&once)?),
    )?;
    let all = |field: fn(&Twin) -> &Vec<f64>| {
        Timing::wall_seconds(python.iter().flat_map(|t| field(t).iter().copied()))
    };
    let some = |timing: Timing| (!timing.wall.is_empty()).then_some(timing);
    let rust_some = |field: fn(&cost::Figures) -> &Option<Timing>| {
        let turns: Option<Vec<&Timing>> = rust.iter().map(|f| field(f).as_ref()).collect();
        turns.map(joined)
    };
    Ok(Figures {
        python: twins.version.clone(),
        cpython: Starts {
            thread: all(|t| &t.thread_s),
            fork: some(all(|t| &t.fork_s)),
            fork_server: some(all(|t| &t.forkserver_s)),
            spawn: all(|t| &t.spawn_s),
            private_bytes: python.iter().find_map(|t| t.process_private_bytes),
        },
        rust: Starts {
            thread: joined(rust.iter().map(|f| &f.thread)),
            fork: rust_some(|f| &f.fork),
            fork_server: rust_some(|f| &f.fork_server),
            spawn: joined(rust.iter().map(|f| &f.spawn)),
            private_bytes: rust.iter().find_map(|f| f.worker_private),
        },
        failures: rust.iter().flat_map(|f| f.failures.clone()).collect(),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome = Outcome::new("compare-cost", "Starting a process: CPython beside Rust")
        .intro(format!(
            "Starting something that does nothing and waiting for it, each sample the median of \
             a batch; {} runs python/cost.py, in turns with Rust. Python's processes start an \
             interpreter (spawn, forkserver) or copy one (fork) before running the target.",
            figures.python
        ));
    for (language, starts) in [("Python", &figures.cpython), ("Rust", &figures.rust)] {
        outcome = rows(outcome, language, starts);
    }
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    for versus in versus(figures) {
        outcome = outcome.versus(versus);
    }
    outcome = outcome.finding(format!(
        "Python's spawn took {}, Rust's re-execution {}: the difference is an interpreter \
         starting and importing modules.",
        format_seconds(figures.cpython.spawn.wall.median()),
        format_seconds(figures.rust.spawn.wall.median()),
    ));
    match (figures.cpython.private_bytes, figures.rust.private_bytes) {
        (Some(python), Some(rust)) => outcome.finding(format!(
            "Memory of its own, per idle process: Python (spawn) {}, Rust worker {}.",
            format_bytes(python),
            format_bytes(rust)
        )),
        _ => outcome,
    }
}

/// Each start both sides measured, again, typed, for the workspace's table.
fn versus(figures: &Figures) -> Vec<Versus> {
    let (py, rust) = (&figures.cpython, &figures.rust);
    let both = [
        ("start a thread", Some(&py.thread), Some(&rust.thread)),
        (
            "start a process by fork",
            py.fork.as_ref(),
            rust.fork.as_ref(),
        ),
        (
            "start a process from a fork server",
            py.fork_server.as_ref(),
            rust.fork_server.as_ref(),
        ),
        ("spawn a new program", Some(&py.spawn), Some(&rust.spawn)),
    ];
    both.into_iter()
        .filter_map(|(timed, py, rust)| Some(Versus::new("cost", timed, &py?.wall, &rust?.wall)))
        .collect()
}

/// One language's rows: a thread, then each start method this OS has.
fn rows(outcome: Outcome, language: &str, starts: &Starts) -> Outcome {
    let methods = [
        ("thread", Some(&starts.thread)),
        ("fork", starts.fork.as_ref()),
        ("fork server", starts.fork_server.as_ref()),
        ("spawn (a new program)", Some(&starts.spawn)),
    ];
    methods
        .into_iter()
        .fold(outcome, |outcome, (method, timing)| match timing {
            Some(timing) => outcome.run(Run::timed(format!("{language}: {method}"), timing)),
            None => outcome,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(fork: Option<Timing>, private_bytes: Option<u64>) -> Starts {
        Starts {
            thread: Timing::wall_seconds([0.00005]),
            fork,
            fork_server: None,
            spawn: Timing::wall_seconds([0.02]),
            private_bytes,
        }
    }

    #[test]
    fn a_start_method_this_os_lacks_has_no_row() {
        let figures = Figures {
            python: "Python 3.12.3".into(),
            cpython: starts(Some(Timing::wall_seconds([0.001])), Some(9_000_000)),
            rust: starts(None, Some(1_000_000)),
            failures: Vec::new(),
        };
        let outcome = report(&figures);
        let timed: Vec<&str> = outcome.versus.iter().map(|v| v.timed.as_str()).collect();
        assert_eq!(
            timed,
            ["start a thread", "spawn a new program"],
            "fork only where both sides have it"
        );
        let labels: Vec<&str> = outcome.runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Python: thread",
                "Python: fork",
                "Python: spawn (a new program)",
                "Rust: thread",
                "Rust: spawn (a new program)"
            ]
        );
        assert!(
            outcome.findings[0].contains("20.0 ms"),
            "{}",
            outcome.findings[0]
        );
        assert_eq!(outcome.findings.len(), 2);
    }

    #[test]
    fn memory_is_said_only_when_both_sides_measured_it() {
        let figures = Figures {
            python: "Python 3.12.3".into(),
            cpython: starts(None, None),
            rust: starts(None, Some(1_000_000)),
            failures: vec!["spawn: no such file".into()],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.problems.len(), 1);
    }
}
