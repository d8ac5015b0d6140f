//! Experiment `legacy`: the GIL of CPython before 3.2, on two cores. Every 100 ticks (3 per
//! countdown iteration, as Python 2.7's counter moves: see `legacy::TICKS_PER_ITERATION`) the holder
//! releases the lock and asks for it again at once; the waiter, woken on the other core, arrives
//! too late and finds it taken again. Two threads fight over the lock (D. Beazley's "GIL battle",
//! 2009); CPython 3.2's new GIL, with its switch interval and forced switching, ended it.
//!
//! Python twin: `python/legacy.py`, run by python2 when there is one. Example:
//! `examples/09_legacy_battle.rs`.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Timing, Trace, Verdict, alternate};
use serde::Serialize;

use super::sources::{BEAZLEY_2009, BEAZLEY_2010};
use super::{
    LessonError, MODEL_COLUMN, ModelCosts, Settings, countdown_threads, last_trace, model_note,
    published, switches, timing,
};
use crate::model::{self, ModelConfig, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode};

/// Two threads: the smallest battle.
pub const THREADS: usize = 2;

/// How long each thread's share of the work lasts: 40 ms by default, 0.5 s with `--full`.
pub fn work_per_thread(settings: &Settings) -> Duration {
    settings.size(Duration::from_millis(40), Duration::from_millis(500))
}

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub threads: usize,
    /// Iterations of each thread's countdown.
    pub iterations: u64,
    /// One thread doing both countdowns, under CPython 3.12's GIL (it never drops it alone).
    pub sequential: Timing,
    pub legacy: Timing,
    pub new_gil: Timing,
    pub legacy_switches: Samples,
    pub new_switches: Samples,
    pub model: Predictions,
    pub costs: ModelCosts,
    /// The timeline of the last legacy run.
    pub trace: Trace,
}

/// The model's predictions, in virtual seconds.
#[derive(Debug, Serialize)]
pub struct Predictions {
    pub sequential_s: f64,
    pub legacy_s: f64,
    pub new_gil_s: f64,
    /// How often the releasing thread took the lock straight back while the other waited.
    pub legacy_retakes: u64,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let config = &settings.lesson.model;
    let n = config.checkpoints_in(work_per_thread(settings));
    let interval = DEFAULT_SWITCH_INTERVAL;
    let [sequential, legacy, new_gil] = alternate(
        settings.repeat,
        [
            &mut || countdown_threads(Mode::Cpython312, interval, 1, n * THREADS as u64),
            &mut || countdown_threads(Mode::Legacy, interval, THREADS, n),
            &mut || countdown_threads(Mode::Cpython312, interval, THREADS, n),
        ],
    );
    Ok(Figures {
        threads: THREADS,
        iterations: n,
        sequential: timing(&sequential),
        legacy_switches: switches(&legacy),
        new_switches: switches(&new_gil),
        trace: last_trace(&legacy),
        legacy: timing(&legacy),
        new_gil: timing(&new_gil),
        model: predict(config, n),
        costs: ModelCosts::of(config),
    })
}

/// What the model predicts for [`THREADS`] countdowns of `n` iterations, each at `config`'s
/// checkpoint cost: `compare` runs it with each Python's own time per iteration, since the
/// legacy battle's cost is one system call per ~34 iterations and so depends on how long an
/// iteration takes.
pub fn predict(config: &ModelConfig, n: u64) -> Predictions {
    let threads = vec![ThreadSpec::cpu(n); THREADS];
    let legacy = model::simulate(&config.with_mode(Mode::Legacy), &threads);
    Predictions {
        sequential_s: model::simulate(config, &[ThreadSpec::cpu(n * THREADS as u64)])
            .total
            .as_secs_f64(),
        legacy_s: legacy.total.as_secs_f64(),
        new_gil_s: model::simulate(config, &threads).total.as_secs_f64(),
        legacy_retakes: legacy.retakes,
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let t = figures.threads;
    let legacy = Samples::ratios(&figures.legacy.wall, &figures.sequential.wall);
    let new_gil = Samples::ratios(&figures.new_gil.wall, &figures.sequential.wall);
    let [sequential, legacy_run, new_gil_run] = runs(figures);
    Outcome::new(
        "legacy",
        "Before Python 3.2: the old GIL's battle on two cores",
    )
    .intro(format!(
        "countdown({}) on {t} threads under CPython 2's GIL (release and take again every 100 \
         ticks, about 34 loop iterations: no timeout, no forced switch), then under CPython \
         3.12's, against one thread doing both.",
        figures.iterations
    ))
    .intro(format!(
        "On {} cores the woken waiter is scheduled at once, but the releasing thread is already \
         asking for the lock again.",
        figures.costs.cores
    ))
    .intro(model_note(&figures.costs))
    .run(sequential)
    .run(legacy_run)
    .run(new_gil_run)
    .speedups_against("sequential")
    .trace(figures.trace.clone())
    .finding(format!(
        "Under the legacy GIL the lock changed hands {} times in {}; the model has the releasing \
         thread take it straight back {} times while the other waited.",
        figures.legacy_switches,
        format_seconds(figures.legacy.wall_s()),
        figures.model.legacy_retakes
    ))
    .finding(format!(
        "Legacy: {legacy} the sequential time; CPython 3.12's GIL: {new_gil} ({} switches, each \
         forced by a drop request after a switch interval).",
        figures.new_switches
    ))
    .finding(published::versus(
        &published::LEGACY_BATTLE,
        legacy.median(),
    ))
    .claim(battle_claim(t, &legacy))
    .claim(new_gil_claim(t, &new_gil))
}

/// The table: one thread, then the two locks, each with its switches and the model beside.
fn runs(figures: &Figures) -> [Run; 3] {
    let (t, model) = (figures.threads, &figures.model);
    [
        Run::timed("sequential", &figures.sequential)
            .figure(MODEL_COLUMN, Figure::Seconds(model.sequential_s)),
        Run::timed(format!("{t} threads, legacy GIL"), &figures.legacy)
            .figure("switches", Figure::Spread(figures.legacy_switches.clone()))
            .figure(MODEL_COLUMN, Figure::Seconds(model.legacy_s))
            .figure("model re-takes", Figure::Count(model.legacy_retakes)),
        Run::timed(format!("{t} threads, CPython 3.12 GIL"), &figures.new_gil)
            .figure("switches", Figure::Spread(figures.new_switches.clone()))
            .figure(MODEL_COLUMN, Figure::Seconds(model.new_gil_s)),
    ]
}

fn battle_claim(threads: usize, legacy: &Samples) -> Claim {
    Claim::new(
        "Before Python 3.2, CPU-bound threads on a multicore machine ran slower than the same \
         work done sequentially: they fought over the GIL.",
        BEAZLEY_2009,
    )
    .measured(format!(
        "{threads} threads under the legacy GIL: {legacy} the sequential time."
    ))
    .judge(legacy, |x| match x {
        x if x > 1.1 => Verdict::Holds,
        x if x < 1.02 => Verdict::DoesNotHold,
        _ => Verdict::Partly,
    })
}

fn new_gil_claim(threads: usize, new_gil: &Samples) -> Claim {
    Claim::new(
        "The new GIL of Python 3.2 ends the battle: CPU-bound threads take turns by the switch \
         interval and cost about what the same work costs sequentially.",
        BEAZLEY_2010,
    )
    .measured(format!(
        "{threads} threads under CPython 3.12's GIL: {new_gil} the sequential time."
    ))
    .judge(new_gil, |x| {
        if x <= 1.1 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lesson_kit::Unit;

    fn figures(legacy: &[f64], new_gil: &[f64]) -> Figures {
        Figures {
            threads: THREADS,
            iterations: 800_000,
            sequential: Timing::wall_seconds([0.080, 0.081, 0.079]),
            legacy: Timing::wall_seconds(legacy.iter().copied()),
            new_gil: Timing::wall_seconds(new_gil.iter().copied()),
            legacy_switches: Samples::new(Unit::Count, [4_000.0, 4_100.0, 3_900.0]),
            new_switches: Samples::new(Unit::Count, [16.0, 16.0, 17.0]),
            model: Predictions {
                sequential_s: 0.08,
                legacy_s: 0.1,
                new_gil_s: 0.08,
                legacy_retakes: 10_000,
            },
            costs: ModelCosts::example(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn a_battle_and_a_calm_new_gil_hold_both_claims() {
        let outcome = report(&figures(&[0.12, 0.13, 0.11], &[0.081, 0.080, 0.083]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert_eq!(outcome.claims[0].source, BEAZLEY_2009);
    }

    #[test]
    fn no_battle_does_not_hold() {
        let outcome = report(&figures(&[0.080, 0.079, 0.080], &[0.080; 3]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_little_slower_holds_in_part() {
        let outcome = report(&figures(&[0.085, 0.084, 0.086], &[0.080; 3]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Partly);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(&[0.12, 0.079], &[0.080, 0.12]));
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }

    #[test]
    fn a_busy_machine_leaves_no_verdict() {
        let outcome = report(&figures(&[0.12; 3], &[0.08; 3])).on_busy_machine("load 4.0");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }
}
