//! Experiment 2, `io-bound`: downloads from the local delay server on threads under the GIL. A
//! thread that waits on a socket has released the GIL (`py.detach`), so the waits overlap; the
//! server's peak count of requests in flight proves it. The same threads keeping the GIL while
//! they wait take turns instead.
//!
//! Python twin: `python/io_bound.py`.

use std::time::Duration;

use lesson_kit::{Claim, DelayServer, Experiment, Figure, Run, Verdict, measure};

use super::{Context, ExperimentError, MODEL_COLUMN, http, python_threads, ratio, secs};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Interpreter, Mode, Python};

/// How many downloads, and the server's delay for each (the article's 3 × 3 s with `--full`).
pub fn sizes(context: &Context) -> (usize, Duration) {
    (
        context.size(4, 3),
        context.size(Duration::from_millis(200), Duration::from_secs(3)),
    )
}

pub fn run(context: &Context) -> Result<Experiment, ExperimentError> {
    let (downloads, delay) = sizes(context);
    let server = DelayServer::start()?;
    let url = server.delay_url(delay);
    let interval = DEFAULT_SWITCH_INTERVAL;

    // One Python thread, one download after another.
    let interp = Interpreter::new(Mode::Cpython312);
    let (result, sequential) = measure(|| {
        Python::attach(&interp, "main", |py| {
            (0..downloads).try_for_each(|_| http::get_detached(py, &url).map(drop))
        })
    });
    result?;
    let sequential_peak = server.peak_in_flight();

    // One thread per download, releasing the GIL around every socket call.
    server.reset_counts();
    let failures = std::sync::Mutex::new(Vec::new());
    let threaded = python_threads(Mode::Cpython312, interval, downloads, |py, _| {
        if let Err(error) = http::get_detached(py, &url) {
            failures
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(error);
        }
    });
    let threaded_peak = server.peak_in_flight();

    // The same threads, but the "socket module" keeps the GIL while it waits.
    server.reset_counts();
    let holding = python_threads(Mode::Cpython312, interval, downloads, |_py, _| {
        if let Err(error) = http::get(&url) {
            failures
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(error);
        }
    });
    let holding_peak = server.peak_in_flight();
    if let Some(error) = failures.into_inner().unwrap_or_default().into_iter().next() {
        return Err(error.into());
    }

    let config = &context.model;
    let one_download = || ThreadSpec::new().io(delay).compute(1);
    let sequential_spec = (0..downloads).fold(ThreadSpec::new(), |t, _| t.io(delay).compute(1));
    let predict_sequential = model::simulate(config, &[sequential_spec]).total;
    let predict_threads = model::simulate(config, &vec![one_download(); downloads]).total;
    let holding_spec = ThreadSpec::new().native_holding_gil(delay);
    let predict_holding = model::simulate(config, &vec![holding_spec; downloads]).total;

    let speedup = ratio(secs(sequential.wall), secs(threaded.measurement.wall));
    let overlap = threaded_peak == downloads as u64;
    Ok(Experiment::new(
        "io-bound",
        "Waiting for I/O: threads overlap even under the GIL",
    )
    .intro(format!(
        "{downloads} downloads of {} each from the local delay server, each thread attached to \
             one CPython 3.12 interpreter.",
        lesson_kit::report::format_seconds(secs(delay))
    ))
    .intro(
        "Every socket call runs inside py.detach, as CPython's socket module releases the \
                GIL; the last row keeps the GIL while waiting, to show what the release buys.",
    )
    .run(
        Run::measured("sequential", &sequential)
            .figure("peak in flight", Figure::Count(sequential_peak))
            .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_sequential))),
    )
    .run(
        Run::measured(
            format!("{downloads} threads, GIL released"),
            &threaded.measurement,
        )
        .figure("peak in flight", Figure::Count(threaded_peak))
        .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_threads))),
    )
    .run(
        Run::measured(
            format!("{downloads} threads, GIL kept"),
            &holding.measurement,
        )
        .figure("peak in flight", Figure::Count(holding_peak))
        .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_holding))),
    )
    .speedups_against("sequential")
    .trace(threaded.trace)
    .finding(format!(
        "With the GIL released around I/O, {downloads} threads finished {speedup:.2}× faster \
             than one, and the server saw {threaded_peak} requests at once."
    ))
    .finding(format!(
        "Keeping the GIL while waiting, the server never saw more than {holding_peak} at \
             once: the threads took turns."
    ))
    .claim(Claim::new(
        "Threads speed up I/O-bound work: a thread waiting for the network releases the GIL.",
        format!("{speedup:.2}× faster with {downloads} threads; peak in flight {threaded_peak}."),
        if overlap && speedup > 1.5 {
            Verdict::Holds
        } else if overlap {
            Verdict::Partly
        } else {
            Verdict::DoesNotHold
        },
    )))
}
