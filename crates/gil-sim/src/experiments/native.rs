//! Experiment 5, `native`: a long native call ("C extension") on four threads. Holding the GIL,
//! it blocks every other thread for its whole length; inside `py.detach` (as hashlib does on
//! large buffers) the calls run on all cores at once.

use lesson_kit::{Claim, Experiment, Figure, Run, State, Verdict, measure};

use super::{Context, MODEL_COLUMN, faster_or_slower, published, python_threads, ratio, secs};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Interpreter, Mode, Python, work};

/// How many threads call the native routine.
pub const THREADS: usize = 4;

pub fn run(context: &Context) -> Experiment {
    let data = vec![0x5au8; 64 * 1024];
    let rounds = context.size(400, 4_000);
    let interval = DEFAULT_SWITCH_INTERVAL;

    let interp = Interpreter::new(Mode::Cpython312);
    let (_, one_call) =
        measure(|| Python::attach(&interp, "main", |_py| work::native_hash(&data, rounds)));
    let holding = python_threads(Mode::Cpython312, interval, THREADS, |_py, _| {
        std::hint::black_box(work::native_hash(&data, rounds));
    });
    let detached = python_threads(Mode::Cpython312, interval, THREADS, |py, _| {
        py.detach_as(State::Running, || {
            std::hint::black_box(work::native_hash(&data, rounds));
        });
    });

    let config = &context.model;
    let call = one_call.wall;
    let predict_holding = model::simulate(
        config,
        &vec![ThreadSpec::new().native_holding_gil(call); THREADS],
    )
    .total;
    let predict_detached = model::simulate(
        config,
        &vec![ThreadSpec::new().native_detached(call); THREADS],
    )
    .total;

    let holding_speedup = ratio(secs(call) * THREADS as f64, secs(holding.measurement.wall));
    let detached_speedup = ratio(secs(call) * THREADS as f64, secs(detached.measurement.wall));
    Experiment::new("native", "Native code: holding the GIL blocks everyone, releasing it scales")
        .intro(format!(
            "A native hash ({rounds} passes over 64 KiB) called on {THREADS} threads: first \
             keeping the GIL, then inside py.detach, like hashlib on a large buffer."
        ))
        .run(Run::measured("1 call", &one_call))
        .run(
            Run::measured(format!("{THREADS} threads, GIL held"), &holding.measurement)
                .figure("switches", Figure::Count(holding.switches))
                .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_holding))),
        )
        .run(
            Run::measured(format!("{THREADS} threads, GIL released"), &detached.measurement)
                .figure("switches", Figure::Count(detached.switches))
                .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_detached))),
        )
        .trace(holding.trace)
        .finding(format!(
            "Holding the GIL, {THREADS} calls ran one after another: {} than running them \
             back to back on one thread (the holder never reaches a checkpoint to hear a drop \
             request).",
            faster_or_slower(holding_speedup)
        ))
        .finding(format!(
            "Released, the same calls were {} than back to back, on {} cores.",
            faster_or_slower(detached_speedup),
            context.model.cores
        ))
        .finding(published::versus(&published::NATIVE_RELEASED, detached_speedup))
        .claim(Claim::new(
            "Native code that releases the GIL runs in parallel on threads; native code that keeps it does not.",
            format!(
                "{THREADS} calls: {holding_speedup:.2}× with the GIL held, {detached_speedup:.2}× released."
            ),
            if detached_speedup > 1.3 && holding_speedup < 1.2 {
                Verdict::Holds
            } else {
                Verdict::Partly
            },
        ))
}
