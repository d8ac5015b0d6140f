//! `cancel` beside `python/cancel.py`: what runs when asyncio cancels (`wait_for`, `timeout`, a
//! task group's sibling), next to what runs when tokio drops. Orders of events, not times.

use anyhow::Context as _;
use lesson_kit::{Claim, Outcome, Source, Twins, Verdict};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;

pub const WAIT_FOR_DOCS: Source = Source::link(
    "asyncio docs: wait_for",
    "https://docs.python.org/3/library/asyncio-task.html#asyncio.wait_for",
);

/// What `python/cancel.py` prints: each scenario's events, in order.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Twin {
    pub wait_for: Vec<String>,
    pub timeout: Vec<String>,
    pub task_group: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub cpython: Twin,
    /// The Rust side: `tokio::time::timeout` over the same slow operation, on a paused clock.
    pub rust_timeout: Vec<String>,
}

pub fn measure(_settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let cpython: Twin = twins.run("cancel.py", &[]).context("python/cancel.py")?;
    let runtime = crate::runtime::paused()?;
    let rust_timeout = runtime.block_on(crate::cancel::timeout_then_cleanup(
        std::time::Duration::from_millis(100),
        std::time::Duration::from_secs(1),
    ));
    Ok(Figures {
        python: twins.version.clone(),
        cpython,
        rust_timeout,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let cleanup_first = |log: &[String]| {
        log.first().is_some_and(|l| l.starts_with("cleanup ran"))
            && log.last().is_some_and(|l| l == "timed out")
    };
    let python = &figures.cpython;
    Outcome::new("compare-cancel", "Cancelling: asyncio beside tokio")
        .finding(format!(
            "{} `wait_for`: {}.",
            figures.python,
            python.wait_for.join(", then ")
        ))
        .finding(format!(
            "{} `asyncio.timeout`: {}.",
            figures.python,
            python.timeout.join(", then ")
        ))
        .finding(format!(
            "{} TaskGroup: {}.",
            figures.python,
            python.task_group.join(", then ")
        ))
        .finding(format!(
            "Rust `tokio::time::timeout`: {}.",
            figures.rust_timeout.join(", then ")
        ))
        .finding(
            "The difference that remains: a Python `finally` may `await` (close a connection \
             politely); a Rust `Drop` cannot, so async cleanup has to happen before the future \
             can be dropped, or be handed to a task of its own.",
        )
        .claim(
            Claim::new(
                "On a timeout the operation is cancelled and its cleanup runs before the caller \
                 sees the timeout, in asyncio as in tokio.",
                WAIT_FOR_DOCS,
            )
            .measured(format!(
                "wait_for: {}; tokio: {}.",
                python.wait_for.join(", then "),
                figures.rust_timeout.join(", then ")
            ))
            .verdict(
                if cleanup_first(&python.wait_for)
                    && cleanup_first(&python.timeout)
                    && cleanup_first(&figures.rust_timeout)
                {
                    Verdict::Holds
                } else {
                    Verdict::DoesNotHold
                },
            ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(wait_for: &[&str]) -> Figures {
        let log = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Figures {
            python: "Python 3.11.7".into(),
            cpython: Twin {
                wait_for: log(wait_for),
                timeout: log(&["cleanup ran (finally)", "timed out"]),
                task_group: log(&["sibling cancelled", "group raised"]),
            },
            rust_timeout: log(&["cleanup ran (Drop)", "timed out"]),
        }
    }

    #[test]
    fn cleanup_before_the_timeout_holds() {
        let outcome = report(&figures(&["cleanup ran (finally)", "timed out"]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
    }

    #[test]
    fn cleanup_after_the_timeout_does_not_hold() {
        let outcome = report(&figures(&["timed out", "cleanup ran (finally)"]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }
}
