//! `compare`: the Python twins run by CPython, beside the same experiments in Rust.
//!
//! Each twin in `python/` is named after its experiment and prints one JSON object, read into a
//! struct with [`Twins::run`]: a figure it did not print is an error that names it, never a zero.
//! Each comparison is the one shape again: `measure` runs the twin and the Rust experiment in
//! turns, `--repeat` times (Python, Rust, Python, Rust…), each side one run at a time, and
//! returns typed figures; `report` writes the outcome and is unit-tested on fixed figures.
//!
//! A twin that fails is a problem of its comparison; the other comparisons still run.

pub mod cost;
pub mod countdown;
pub mod pipeline;
pub mod talking;

use lesson_kit::twin::comparison;
use lesson_kit::{Outcome, Samples, Timing, Twins, Unit, alternate};

use super::Settings;

/// Runs every comparison, in the chapter's order.
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![
        comparison(
            "compare-pipeline",
            pipeline::measure(settings, twins),
            pipeline::report,
        ),
        comparison(
            "compare-countdown",
            countdown::measure(settings, twins),
            countdown::report,
        ),
        comparison("compare-cost", cost::measure(settings, twins), cost::report),
        comparison(
            "compare-talking",
            talking::measure(settings, twins),
            talking::report,
        ),
    ])
}

/// The settings for one turn: each side runs once per turn, and the turns make the samples.
pub fn one_run(settings: &Settings) -> Settings {
    Settings {
        repeat: 1,
        ..settings.clone()
    }
}

/// The twin's command line for one turn: `--repeat=1`, then `extra`.
pub fn twin_args(extra: &[String]) -> Vec<String> {
    let mut args = vec!["--repeat=1".to_string()];
    args.extend_from_slice(extra);
    args
}

/// Runs the twin and the Rust side in turns (Python, Rust, Python, Rust…), `times` times each,
/// and returns what each side measured, in order. The first failure of either side is the
/// comparison's: half a comparison would be read as a whole one.
pub fn in_turns<P, R>(
    times: usize,
    mut python: impl FnMut() -> anyhow::Result<P>,
    mut rust: impl FnMut() -> anyhow::Result<R>,
) -> anyhow::Result<(Vec<P>, Vec<R>)> {
    let (mut pythons, mut rusts) = (Vec::new(), Vec::new());
    let [python_turns, rust_turns] = alternate(
        times,
        [&mut || python().map(|p| pythons.push(p)), &mut || {
            rust().map(|r| rusts.push(r))
        }],
    );
    python_turns
        .into_iter()
        .chain(rust_turns)
        .collect::<anyhow::Result<()>>()?;
    Ok((pythons, rusts))
}

/// The timings of several one-run turns, as one timing with a sample per turn. The CPU column
/// stays only when every turn has one.
pub fn joined<'a>(turns: impl IntoIterator<Item = &'a Timing>) -> Timing {
    let turns: Vec<&Timing> = turns.into_iter().collect();
    let wall = turns.iter().flat_map(|t| t.wall.values.iter().copied());
    let cpu: Option<Vec<&Samples>> = turns.iter().map(|t| t.cpu.as_ref()).collect();
    Timing {
        wall: Samples::new(Unit::Seconds, wall),
        cpu: cpu
            .filter(|c| !c.is_empty())
            .map(|c| Samples::new(Unit::Seconds, c.iter().flat_map(|s| s.values.clone()))),
    }
}

/// Speed of `variant` against `baseline`, turn by turn (higher is faster).
pub fn speedup(baseline: &Timing, variant: &Timing) -> Samples {
    Samples::ratios(&baseline.wall, &variant.wall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_turns_keep_every_sample_and_cpu_only_when_all_have_it() {
        let with_cpu = |s: f64| Timing {
            wall: Samples::new(Unit::Seconds, [s]),
            cpu: Some(Samples::new(Unit::Seconds, [s / 2.0])),
        };
        let both = joined([&with_cpu(1.0), &with_cpu(3.0)]);
        assert_eq!(both.wall.values, [1.0, 3.0]);
        assert_eq!(both.cpu.map(|c| c.values), Some(vec![0.5, 1.5]));
        let partly = joined([&with_cpu(1.0), &Timing::wall_seconds([2.0])]);
        assert_eq!(partly.wall.values, [1.0, 2.0]);
        assert_eq!(partly.cpu, None);
    }

    #[test]
    fn turns_alternate_and_a_failure_on_either_side_is_the_comparisons() {
        let order = std::cell::RefCell::new(Vec::new());
        let (python, rust) = in_turns(
            2,
            || {
                order.borrow_mut().push("python");
                Ok(())
            },
            || {
                order.borrow_mut().push("rust");
                Ok(())
            },
        )
        .unwrap();
        assert_eq!((python.len(), rust.len()), (2, 2));
        assert_eq!(*order.borrow(), ["python", "rust", "python", "rust"]);
        let failed = in_turns(
            2,
            || Ok(()),
            || anyhow::bail!("no worker") as anyhow::Result<()>,
        );
        assert!(failed.is_err_and(|e| e.to_string() == "no worker"));
    }
}
