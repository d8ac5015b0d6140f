//! Experiment 6, `legacy`: the pre-3.2 GIL on two cores. Every 100 ticks the holder releases the
//! lock and asks for it again at once; the waiter, woken on the other core, arrives too late and
//! finds it taken again. Two threads fight over the lock (Beazley's "GIL battle", 2009).

use lesson_kit::{Claim, Experiment, Figure, Run, Verdict};

use super::{Context, MODEL_COLUMN, countdown_threads, published, ratio, secs};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode};

/// Two threads: the smallest battle.
pub const THREADS: usize = 2;

pub fn run(context: &Context) -> Experiment {
    let n = context.size(2_000_000, 20_000_000);
    let interval = DEFAULT_SWITCH_INTERVAL;
    let config = &context.model;

    let sequential = countdown_threads(Mode::Cpython312, interval, 1, n * THREADS as u64);
    let legacy = countdown_threads(Mode::Legacy, interval, THREADS, n);
    let new_gil = countdown_threads(Mode::Cpython312, interval, THREADS, n);

    let threads = vec![ThreadSpec::cpu(n); THREADS];
    let predict_sequential = model::simulate(config, &[ThreadSpec::cpu(n * THREADS as u64)]);
    let predict_legacy = model::simulate(&config.with_mode(Mode::Legacy), &threads);
    let predict_new = model::simulate(config, &threads);

    let legacy_slowdown = ratio(
        secs(legacy.measurement.wall),
        secs(sequential.measurement.wall),
    );
    let new_slowdown = ratio(
        secs(new_gil.measurement.wall),
        secs(sequential.measurement.wall),
    );
    Experiment::new("legacy", "The legacy GIL's battle on two cores")
        .intro(format!(
            "countdown({n}) on {THREADS} threads under CPython 2's GIL (release and re-take every \
             100 ticks, no timeout, no forced switch), then under CPython 3.12's, against one \
             thread doing both."
        ))
        .intro(format!(
            "On {} cores the woken waiter is scheduled at once, but the releasing thread is \
             already asking for the lock again.",
            config.cores
        ))
        .run(
            Run::measured("sequential", &sequential.measurement)
                .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_sequential.total))),
        )
        .run(
            Run::measured(format!("{THREADS} threads, legacy GIL"), &legacy.measurement)
                .figure("switches", Figure::Count(legacy.switches))
                .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_legacy.total)))
                .figure("model re-takes", Figure::Count(predict_legacy.retakes)),
        )
        .run(
            Run::measured(format!("{THREADS} threads, CPython 3.12 GIL"), &new_gil.measurement)
                .figure("switches", Figure::Count(new_gil.switches))
                .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_new.total)))
                .figure("model re-takes", Figure::Count(predict_new.retakes)),
        )
        .speedups_against("sequential")
        .trace(legacy.trace)
        .finding(format!(
            "Under the legacy GIL the lock changed hands {} times in {:.2} s; the model has the \
             releasing thread take it straight back {} times while the other waited.",
            legacy.switches,
            secs(legacy.measurement.wall),
            predict_legacy.retakes
        ))
        .finding(format!(
            "Legacy: {legacy_slowdown:.2}× the sequential time; CPython 3.12's GIL: \
             {new_slowdown:.2}× ({} switches, every one forced by a drop request).",
            new_gil.switches
        ))
        .finding(published::versus(&published::LEGACY_BATTLE, legacy_slowdown))
        .claim(Claim::new(
            "Before Python 3.2, CPU-bound threads on a multicore machine could run slower than the \
             same work done sequentially.",
            format!(
                "{THREADS} threads under the legacy GIL: {legacy_slowdown:.2}× the sequential time, \
                 {} hand-overs.",
                legacy.switches
            ),
            if legacy_slowdown > 1.1 {
                Verdict::Holds
            } else if legacy.switches < 10 {
                Verdict::Partly
            } else {
                Verdict::DoesNotHold
            },
        ))
}
