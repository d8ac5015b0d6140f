//! `blocking` beside `python/blocking.py`: the same loop-lag monitor in asyncio, beside the same
//! blocking calls and the same fixes (`asyncio.to_thread`, `await asyncio.sleep(0)`). Counts, so
//! the claims are judged on CPython itself whatever the machine's load.

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Figure, Outcome, Run, Twins, Verdict};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;
use crate::experiments::blocking::BLOCKING_DOCS;

/// One variant, as `python/blocking.py` prints it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Variant {
    /// `sleep`, `cpu-loop`, `to-thread`, `sleep-0`.
    pub kind: String,
    /// The whole run: quiet, blocked, quiet again.
    pub wall_s: f64,
    pub ticks: u64,
    pub max_lag_s: f64,
    pub stalled_ticks: u64,
}

#[derive(Debug, Deserialize)]
struct Twin {
    variants: Vec<Variant>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub block_s: f64,
    pub variants: Vec<Variant>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let block = settings.size(Duration::from_millis(150), Duration::from_secs(1));
    let twin: Twin = twins
        .run(
            "blocking.py",
            &[format!("--block-ms={}", block.as_millis())],
        )
        .context("python/blocking.py")?;
    Ok(Figures {
        python: twins.version.clone(),
        block_s: block.as_secs_f64(),
        variants: twin.variants,
    })
}

fn is_fix(kind: &str) -> bool {
    matches!(kind, "to-thread" | "sleep-0")
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome =
        Outcome::new("compare-blocking", "Blocking the loop: asyncio").intro(format!(
            "{}: a monitor coroutine wakes every millisecond while another blocks for {}.",
            figures.python,
            format_seconds(figures.block_s)
        ));
    for v in &figures.variants {
        outcome = outcome.run(
            Run::new(v.kind.clone(), Duration::from_secs_f64(v.wall_s))
                .figure("ticks", Figure::Count(v.ticks))
                .figure("worst lag", Figure::Seconds(v.max_lag_s))
                .figure("stalled ticks", Figure::Count(v.stalled_ticks)),
        );
    }
    let (fixes, culprits): (Vec<&Variant>, Vec<&Variant>) =
        figures.variants.iter().partition(|v| is_fix(&v.kind));
    let stalled = !culprits.is_empty() && culprits.iter().all(|v| v.stalled_ticks > 0);
    let fixed = !fixes.is_empty() && fixes.iter().all(|v| v.stalled_ticks == 0);
    let describe = |vs: &[&Variant]| {
        vs.iter()
            .map(|v| format!("{}: worst lag {}", v.kind, format_seconds(v.max_lag_s)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    outcome
        .claim(
            Claim::new(
                "A blocking call inside a coroutine stalls every other task on the loop.",
                BLOCKING_DOCS,
            )
            .measured(describe(&culprits))
            .verdict(if stalled {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            }),
        )
        .claim(
            Claim::new(
                "`asyncio.to_thread`, or `await asyncio.sleep(0)` between chunks, keeps the loop \
                 running.",
                BLOCKING_DOCS,
            )
            .measured(describe(&fixes))
            .verdict(if fixed {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(kind: &str, stalled_ticks: u64) -> Variant {
        Variant {
            kind: kind.into(),
            wall_s: 0.19,
            ticks: 30,
            max_lag_s: 0.15,
            stalled_ticks,
        }
    }

    #[test]
    fn stalls_only_from_the_culprits_hold_both_claims() {
        let figures = Figures {
            python: "Python 3.11.7".into(),
            block_s: 0.15,
            variants: vec![
                variant("sleep", 1),
                variant("cpu-loop", 1),
                variant("to-thread", 0),
                variant("sleep-0", 0),
            ],
        };
        let outcome = report(&figures);
        assert!(outcome.claims.iter().all(|c| c.verdict == Verdict::Holds));
    }

    #[test]
    fn a_fix_that_stalled_does_not_hold() {
        let figures = Figures {
            python: "Python 3.11.7".into(),
            block_s: 0.15,
            variants: vec![variant("sleep", 0), variant("to-thread", 1)],
        };
        let outcome = report(&figures);
        assert!(
            outcome
                .claims
                .iter()
                .all(|c| c.verdict == Verdict::DoesNotHold)
        );
    }
}
