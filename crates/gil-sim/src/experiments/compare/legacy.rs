//! `legacy` beside `python/legacy.py`: two countdown threads against one doing both, on the GIL
//! of before 3.2 and on today's. The twin runs under python3 and, if there is one, under a
//! Python 2 (`--python2`) for the old lock; gil-sim runs its legacy and its 3.12 GIL.

use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::os::exit_status_in_words;
use lesson_kit::report::format_seconds;
use lesson_kit::{Missing, Outcome, Skipped, Twins, alternate};
use serde::{Deserialize, Serialize};

use super::{Pair, Row, all, intro, once, rows_outcome};
use crate::Mode;
use crate::experiments::{Settings, legacy};
use crate::model::{self, ModelConfig, ThreadSpec};

/// What `python/legacy.py` prints, under Python 3 or 2.
#[derive(Debug, Deserialize)]
struct Twin {
    /// `3.11.7`, `2.7.18`.
    python: String,
    /// Each thread's countdown, sized to last `--seconds` on this Python.
    iterations: u64,
    sequential_s: f64,
    threads_s: f64,
}

/// One Python's runs of the twin.
#[derive(Debug, Serialize)]
pub struct Twinned {
    /// Its version, as the twin printed it.
    pub version: String,
    /// Sequential, then two threads: a pair per turn.
    pub pairs: Vec<Pair>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    /// How long each thread's countdown lasts, on each side.
    pub work_s: f64,
    /// The program asked to be Python 2.
    pub python2_program: String,
    pub python3: Option<Twinned>,
    /// `None` when there is no Python 2 here: said once, not a problem.
    pub python2: Option<Twinned>,
    /// Why a Python 2 run failed: a problem, while the rest of the comparison stands.
    pub python2_failures: Vec<String>,
    /// gil-sim's sequential run, then two threads on the legacy lock / today's: a pair per turn.
    pub legacy: Vec<Pair>,
    pub new_gil: Vec<Pair>,
    pub model_legacy: Pair,
    pub model_new_gil: Pair,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    // Always the long runs (0.5 s per thread): a battle of a few milliseconds is mostly noise.
    let long = Settings {
        full: true,
        ..once(settings)
    };
    let work = legacy::work_per_thread(&long);
    let args = [format!("--seconds={}", work.as_secs_f64())];
    let program = long.lesson.python2.clone();
    let has_python2 = python2_runs(&program);
    let (mut python3, mut python2, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    let mut gil_sim = Vec::new();
    // Python 2 takes its turn too, when there is one; it is optional, so its failures are
    // problems of its row and never fail the comparison.
    let [python3_ran, _, gil_sim_ran] = alternate(
        settings.repeat,
        [
            &mut || -> anyhow::Result<()> {
                python3.push(twins.run::<Twin>("legacy.py", &args)?);
                Ok(())
            },
            &mut || -> anyhow::Result<()> {
                match has_python2.then(|| run_python2(&program, twins, &args)) {
                    Some(Ok(twin)) => python2.push(twin),
                    Some(Err(failure)) if !failures.contains(&failure) => failures.push(failure),
                    Some(Err(_)) | None => {}
                }
                Ok(())
            },
            &mut || -> anyhow::Result<()> {
                gil_sim.push(legacy::measure(&long)?);
                Ok(())
            },
        ],
    );
    all(python3_ran, "python/legacy.py")?;
    all(gil_sim_ran, "gil-sim")?;
    let last = gil_sim.last().context("no turn ran")?;
    let pairs = |threads: fn(&legacy::Figures) -> f64| -> Vec<Pair> {
        let pair = |f: &legacy::Figures| Pair::new(f.sequential.wall_s(), threads(f));
        gil_sim.iter().map(pair).collect()
    };
    // The model with each Python's own time per loop iteration (its twin sized its countdown
    // to last `work` and says how far that was), the rest of its costs measured here. The most
    // iterations any turn counted: as in the calibration, a busy moment only ever makes an
    // iteration look slower.
    let model = |turns: &[Twin], mode: Mode, ours: Pair| -> Pair {
        match turns.iter().map(|t| t.iterations).max() {
            Some(iterations) => model_at(&long.lesson.model, work, iterations, mode),
            None => ours,
        }
    };
    let ours = &last.model;
    let model_legacy = model(
        &python2,
        Mode::Legacy,
        Pair::new(ours.sequential_s, ours.legacy_s),
    );
    let model_new_gil = model(
        &python3,
        Mode::Cpython312,
        Pair::new(ours.sequential_s, ours.new_gil_s),
    );
    Ok(Figures {
        python: twins.version.clone(),
        turns: python3.len(),
        work_s: work.as_secs_f64(),
        python2_program: program,
        python3: twinned(&python3),
        python2: twinned(&python2),
        python2_failures: failures,
        legacy: pairs(|f| f.legacy.wall_s()),
        new_gil: pairs(|f| f.new_gil.wall_s()),
        model_legacy,
        model_new_gil,
    })
}

/// The model's prediction for one Python: one thread doing both countdowns, then two threads
/// under `mode`, each countdown `iterations` long and each iteration costing what it cost that
/// Python (`work / iterations`). The legacy battle costs a system call per ~34 iterations, so
/// how long an iteration takes decides how much it costs.
pub fn model_at(config: &ModelConfig, work: Duration, iterations: u64, mode: Mode) -> Pair {
    let iterations = iterations.max(1);
    let config = ModelConfig {
        checkpoint_cost: work / u32::try_from(iterations).unwrap_or(u32::MAX),
        ..config.clone()
    };
    let threads = vec![ThreadSpec::cpu(iterations); legacy::THREADS];
    let alone = [ThreadSpec::cpu(iterations * legacy::THREADS as u64)];
    Pair::new(
        model::simulate(&config, &alone).total.as_secs_f64(),
        model::simulate(&config.with_mode(mode), &threads)
            .total
            .as_secs_f64(),
    )
}

/// One Python's turns, or `None` if it ran none.
fn twinned(turns: &[Twin]) -> Option<Twinned> {
    Some(Twinned {
        version: turns.first()?.python.clone(),
        pairs: turns
            .iter()
            .map(|t| Pair::new(t.sequential_s, t.threads_s))
            .collect(),
    })
}

/// Runs python/legacy.py with Python 2 (`program`); its figures, or why not.
fn run_python2(program: &str, twins: &Twins, args: &[String]) -> Result<Twin, String> {
    let output = Command::new(program)
        .arg(twins.path("legacy.py"))
        .args(args)
        .output()
        .map_err(|error| format!("could not run {program}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} python/legacy.py {}: {}",
            exit_status_in_words(&output.status),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("{program} python/legacy.py did not print its figures: {error}"))
}

/// Whether `program` runs as a Python 2 here.
fn python2_runs(program: &str) -> bool {
    Command::new(program)
        .args(["-c", "import sys; sys.exit(sys.version_info[0] != 2)"])
        .output()
        .is_ok_and(|output| output.status.success())
}

pub fn report(figures: &Figures) -> Outcome {
    let program = &figures.python2_program;
    let what = format!(
        "each thread's countdown lasts about {} (the length `--full` uses); python/legacy.py \
         also runs under Python 2 ({program}) for the GIL of before 3.2.",
        format_seconds(figures.work_s)
    );
    let rows = [
        row(
            "legacy GIL",
            &figures.python2,
            &figures.legacy,
            figures.model_legacy,
        ),
        row(
            "new GIL",
            &figures.python3,
            &figures.new_gil,
            figures.model_new_gil,
        ),
    ];
    let mut outcome = rows_outcome(
        "legacy",
        "The old GIL and the new: CPython beside gil-sim",
        intro(&figures.python, "legacy.py", figures.turns, &what),
        rows.into_iter().flatten().collect(),
    );
    for failure in &figures.python2_failures {
        outcome = outcome.problem(failure.clone());
    }
    if figures.python2.is_none() && figures.python2_failures.is_empty() {
        outcome = outcome.finding(no_python2(program)).skipped(Skipped::new(
            "the legacy GIL's CPython row",
            Missing::Python2,
        ));
    }
    outcome
}

/// A row of two threads against one, if this Python ran the twin.
fn row(name: &str, twin: &Option<Twinned>, gil_sim: &[Pair], model: Pair) -> Option<Row> {
    let twin = twin.as_ref()?;
    let label = format!(
        "2 threads, {name} (Python {}): time against sequential",
        twin.version
    );
    Some(Row::slowdowns(label, &twin.pairs, gil_sim, model))
}

fn no_python2(program: &str) -> String {
    format!(
        "There is no Python 2 here (`{program}` did not run as one), so the legacy GIL has no \
         CPython row: pass `--python2 PROGRAM` to name one."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twinned(version: &str, slowdown: f64) -> Option<Twinned> {
        Some(Twinned {
            version: version.into(),
            pairs: vec![Pair::new(1.0, slowdown); 2],
        })
    }

    fn figures(python2: Option<Twinned>) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            turns: 2,
            work_s: 0.5,
            python2_program: "python2".into(),
            python3: twinned("3.11.7", 1.02),
            python2,
            python2_failures: Vec::new(),
            legacy: vec![Pair::new(1.0, 1.6); 2],
            new_gil: vec![Pair::new(1.0, 1.05); 2],
            model_legacy: Pair::new(1.0, 1.5),
            model_new_gil: Pair::new(1.0, 1.01),
        }
    }

    #[test]
    fn the_models_battle_costs_less_on_a_slower_python() {
        // The same 20 ms of work, at 20 ns and at 40 ns per iteration: a release (and its
        // system call) every ~34 iterations weighs half as much when they take twice as long.
        let config = ModelConfig::default();
        let work = Duration::from_millis(20);
        let fast = model_at(&config, work, 1_000_000, Mode::Legacy);
        let slow = model_at(&config, work, 500_000, Mode::Legacy);
        assert!(fast.slowdown() > slow.slowdown(), "{fast:?} {slow:?}");
        assert!(slow.slowdown() > 1.0);
        let new_gil = model_at(&config, work, 1_000_000, Mode::Cpython312);
        assert!((new_gil.slowdown() - 1.0).abs() < 0.01, "{new_gil:?}");
    }

    #[test]
    fn with_python_2_both_gils_have_a_row() {
        let outcome = report(&figures(twinned("2.7.18", 1.7)));
        assert_eq!(outcome.runs.len(), 2);
        assert!(outcome.runs[0].label.contains("legacy GIL (Python 2.7.18)"));
        assert!(outcome.skipped.is_empty());
        assert!(
            outcome.findings[0].contains("2 of 2"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn without_python_2_the_legacy_row_is_missing_and_said_once() {
        let outcome = report(&figures(None));
        assert_eq!(outcome.runs.len(), 1);
        assert!(outcome.problems.is_empty());
        assert_eq!(outcome.skipped[0].missing, Missing::Python2);
        assert!(
            outcome
                .findings
                .iter()
                .any(|f| f.contains("no Python 2 here"))
        );
    }

    #[test]
    fn a_python_2_that_fails_is_a_problem_and_the_rest_stands() {
        let mut figures = figures(None);
        figures.python2_failures = vec!["python2 python/legacy.py failed".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert_eq!(outcome.runs.len(), 1);
    }
}
