//! `cargo run -p gil-sim -- compare`: gil-sim's experiments beside their Python twins.
//!
//! Each twin in `python/` is named after its experiment and prints one JSON object, read into a
//! struct with [`Twins::run`]: a figure it did not print is an error that names it, never a zero.
//! Each comparison is the one shape again: `measure` runs the twin and gil-sim's own experiment
//! taking turns, `--repeat` times each (twin, gil-sim, twin, gil-sim…), and returns typed figures;
//! `report` puts them side by side.
//!
//! "The same size" means runs of the same length: each side sizes its countdowns to last as long
//! on its own interpreter. So each row is a figure measured within one run (a speedup, a
//! slowdown, a wait), and CPython's slower loop iterations do not get in the way: CPython's,
//! gil-sim's on real threads, and the model's, side by side.
//!
//! A twin that fails is a problem of its own comparison; the other comparisons still run.

pub mod convoy;
pub mod cpu_bound;
pub mod interval_sweep;
pub mod io_bound;
pub mod legacy;
pub mod native;
pub mod race;
pub mod stampede;

use anyhow::Context as _;
use lesson_kit::report::ratio;
use lesson_kit::twin::comparison;
use lesson_kit::{Figure, Outcome, Run, Samples, Timing, Twins, Unit, Versus, alternate};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{LessonError, Settings};

/// Runs every comparison, in the chapter's order; each is one outcome, whatever happens to the
/// others.
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![
        comparison(
            "compare-cpu-bound",
            cpu_bound::measure(settings, twins),
            cpu_bound::report,
        ),
        comparison(
            "compare-io-bound",
            io_bound::measure(settings, twins),
            io_bound::report,
        ),
        comparison(
            "compare-convoy",
            convoy::measure(settings, twins),
            convoy::report,
        ),
        comparison(
            "compare-interval-sweep",
            interval_sweep::measure(settings, twins),
            interval_sweep::report,
        ),
        comparison(
            "compare-stampede",
            stampede::measure(settings, twins),
            stampede::report,
        ),
        comparison(
            "compare-native",
            native::measure(settings, twins),
            native::report,
        ),
        comparison(
            "compare-legacy",
            legacy::measure(settings, twins),
            legacy::report,
        ),
        comparison("compare-race", race::measure(settings, twins), race::report),
    ])
}

/// Every turn of both sides: the twin's figures and gil-sim's, in the order they ran.
pub struct Turns<T, F> {
    pub cpython: Vec<T>,
    pub gil_sim: Vec<F>,
}

/// Runs the twin `script` and gil-sim's side taking turns, `--repeat` times each (twin, gil-sim,
/// twin, gil-sim…), so that a machine that gets busier halfway slows both alike. A turn that
/// fails fails the comparison, named after its side.
fn in_turns<T: DeserializeOwned, F>(
    settings: &Settings,
    twins: &Twins,
    script: &str,
    args: &[String],
    mut gil_sim: impl FnMut() -> Result<F, LessonError>,
) -> anyhow::Result<Turns<T, F>> {
    let mut turns = Turns {
        cpython: Vec::new(),
        gil_sim: Vec::new(),
    };
    let [twin_ran, gil_sim_ran] = alternate(
        settings.repeat,
        [
            &mut || -> anyhow::Result<()> {
                turns.cpython.push(twins.run(script, args)?);
                Ok(())
            },
            &mut || -> anyhow::Result<()> {
                turns.gil_sim.push(gil_sim()?);
                Ok(())
            },
        ],
    );
    all(twin_ran, &format!("python/{script}"))?;
    all(gil_sim_ran, "gil-sim")?;
    Ok(turns)
}

/// Every turn's result of one side, or the first failure, named after the side.
fn all<T>(turns: Vec<anyhow::Result<T>>, side: &str) -> anyhow::Result<Vec<T>> {
    turns
        .into_iter()
        .collect::<anyhow::Result<_>>()
        .context(side.to_string())
}

/// gil-sim's side measures once per turn: the turns are the repeats.
fn once(settings: &Settings) -> Settings {
    Settings {
        repeat: 1,
        ..settings.clone()
    }
}

/// One side's runs in one turn, in seconds: the baseline (one thread, or the work in turn) and
/// the threads it is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Pair {
    pub baseline_s: f64,
    pub threads_s: f64,
}

impl Pair {
    pub fn new(baseline_s: f64, threads_s: f64) -> Self {
        Pair {
            baseline_s,
            threads_s,
        }
    }

    /// How many times faster the threads were.
    pub fn speedup(&self) -> f64 {
        self.baseline_s / self.threads_s
    }

    /// How many times the baseline's time the threads took.
    pub fn slowdown(&self) -> f64 {
        self.threads_s / self.baseline_s
    }
}

/// One row of a comparison: a figure from CPython, from gil-sim's real threads and from the model.
pub struct Row {
    pub label: String,
    /// CPython's wall time for the run the row is about.
    pub cpython_wall: Samples,
    pub cpython: Samples,
    pub gil_sim: Samples,
    pub model: Option<f64>,
}

impl Row {
    /// A row of speedups: each side's threads against its baseline, turn by turn.
    pub fn speedups(label: String, cpython: &[Pair], gil_sim: &[Pair], model: Pair) -> Row {
        Row::of(label, cpython, gil_sim, model, Pair::speedup)
    }

    /// A row of slowdowns: each side's threads' time against its baseline's, turn by turn.
    pub fn slowdowns(label: String, cpython: &[Pair], gil_sim: &[Pair], model: Pair) -> Row {
        Row::of(label, cpython, gil_sim, model, Pair::slowdown)
    }

    fn of(
        label: String,
        cpython: &[Pair],
        gil_sim: &[Pair],
        model: Pair,
        f: fn(&Pair) -> f64,
    ) -> Row {
        Row {
            label,
            cpython_wall: Samples::new(Unit::Seconds, cpython.iter().map(|p| p.threads_s)),
            cpython: Samples::new(Unit::Ratio, cpython.iter().map(f)),
            gil_sim: Samples::new(Unit::Ratio, gil_sim.iter().map(f)),
            model: Some(f(&model)),
        }
    }

    /// Whether gil-sim's median is within 10 % of CPython's.
    pub fn close(&self) -> bool {
        (ratio(self.gil_sim.median(), self.cpython.median()) - 1.0).abs() <= 0.10
    }

    fn into_run(self) -> Run {
        let timing = Timing {
            wall: self.cpython_wall,
            cpu: None,
        };
        let model = |value| match self.cpython.unit {
            Unit::Seconds => Figure::Seconds(value),
            _ => Figure::Ratio(value),
        };
        let mut run = Run::timed(self.label, &timing)
            .figure("CPython", Figure::Spread(self.cpython.clone()))
            .figure("gil-sim", Figure::Spread(self.gil_sim.clone()));
        if let Some(value) = self.model {
            run = run.figure("model", model(value));
        }
        run.figure(
            "gil-sim / CPython",
            Figure::Ratio(ratio(self.gil_sim.median(), self.cpython.median())),
        )
    }
}

/// A comparison's outcome: its intro, its rows, and how many of them came close.
fn rows_outcome(id: &str, title: &str, intro: String, rows: Vec<Row>) -> Outcome {
    let total = rows.len();
    let close = rows.iter().filter(|row| row.close()).count();
    let mut outcome = Outcome::new(format!("compare-{id}"), title).intro(intro);
    for row in rows {
        // The row's figures again, typed, for the workspace's table (which reads no label).
        let versus = Versus::new(id, row.label.clone(), &row.cpython, &row.gil_sim);
        outcome = outcome.versus(versus).run(row.into_run());
    }
    if total == 0 {
        return outcome;
    }
    outcome.finding(format!(
        "gil-sim's real threads came within 10 % of CPython's figure on {close} of {total} row(s)."
    ))
}

/// The intro every comparison starts with.
fn intro(python: &str, script: &str, turns: usize, what: &str) -> String {
    format!(
        "{python} ran python/{script} and gil-sim ran its experiment, {turns} times each, taking \
         turns; {what}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cpython: &[f64], gil_sim: &[f64]) -> Row {
        Row {
            label: "x".into(),
            cpython_wall: Samples::new(Unit::Seconds, [1.0]),
            cpython: Samples::new(Unit::Ratio, cpython.iter().copied()),
            gil_sim: Samples::new(Unit::Ratio, gil_sim.iter().copied()),
            model: None,
        }
    }

    #[test]
    fn a_row_within_ten_percent_is_close_and_one_beyond_is_not() {
        let cpython = [1.0, 1.1, 0.9];
        assert!(row(&cpython, &[1.09]).close());
        assert!(row(&cpython, &[0.91]).close());
        assert!(!row(&cpython, &[1.11]).close());
        assert!(!row(&cpython, &[0.89]).close());
    }

    #[test]
    fn a_spread_that_straddles_the_line_is_judged_by_its_median() {
        assert!(row(&[1.0], &[0.5, 1.05, 1.5]).close());
        assert!(!row(&[1.0], &[1.05, 1.2, 1.3]).close());
    }

    #[test]
    fn speedups_and_slowdowns_are_per_turn() {
        let pairs = [
            Pair {
                baseline_s: 4.0,
                threads_s: 1.0,
            },
            Pair {
                baseline_s: 4.0,
                threads_s: 2.0,
            },
        ];
        let model = pairs[0];
        let up = Row::speedups("up".into(), &pairs, &pairs, model);
        assert_eq!(up.cpython.values, [4.0, 2.0]);
        assert_eq!(up.cpython_wall.values, [1.0, 2.0]);
        assert_eq!(up.model, Some(4.0));
        let down = Row::slowdowns("down".into(), &pairs, &pairs, model);
        assert_eq!(down.gil_sim.values, [0.25, 0.5]);
    }

    #[test]
    fn rows_are_counted_in_the_finding() {
        let outcome = rows_outcome(
            "x",
            "X",
            "intro".into(),
            vec![row(&[1.0], &[1.05]), row(&[1.0], &[2.0])],
        );
        assert_eq!(outcome.runs.len(), 2);
        assert_eq!(outcome.versus.len(), 2, "each row is a typed pair too");
        assert_eq!(outcome.versus[1].experiment, "x");
        assert_eq!(outcome.versus[1].rust.values, [2.0]);
        assert!(
            outcome.findings[0].contains("1 of 2"),
            "{:?}",
            outcome.findings
        );
        assert!(
            rows_outcome("x", "X", "intro".into(), vec![])
                .findings
                .is_empty()
        );
    }

    #[test]
    fn a_twin_that_fails_fails_its_comparison_by_name_and_both_sides_still_take_turns() {
        let settings = Settings {
            repeat: 2,
            ..Settings::new(crate::experiments::GilSettings::fixed())
        };
        // No twins in this folder: python3 cannot open the script (or there is no python3).
        let twins = Twins {
            version: "Python 3".into(),
            dir: std::path::PathBuf::from("/nonexistent/gil-sim/python"),
        };
        let mut gil_sim_turns = 0;
        let failed = in_turns::<u8, ()>(&settings, &twins, "missing.py", &[], || {
            gil_sim_turns += 1;
            Ok(())
        });
        let error = format!("{:#}", failed.err().expect("the twin fails"));
        assert!(error.starts_with("python/missing.py"), "{error}");
        assert_eq!(gil_sim_turns, 2);
    }

    #[test]
    fn a_comparison_that_could_not_run_is_a_problem_of_its_own() {
        let failed: anyhow::Result<u8> = Err(anyhow::anyhow!("python3 x.py failed"));
        let outcome = comparison("compare-x", failed, |_| {
            unreachable!("no figures to report")
        });
        assert_eq!(outcome.id, "compare-x");
        assert_eq!(outcome.problems.len(), 1);
    }
}
