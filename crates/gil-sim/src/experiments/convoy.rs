//! Experiment 3, `convoy`: an I/O thread's requests, alone and next to one CPU-bound thread.
//!
//! Each time the I/O thread's socket call returns, it queues for the GIL with no priority. The
//! CPU-bound thread never blocks, so the I/O thread waits for the switch interval to run out,
//! every time: the convoy effect (bpo-7946, closed without a fix). A shorter interval shortens
//! each wait.
//!
//! Python twin: `python/convoy.py`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, DelayServer, Experiment, Figure, Run, Trace, Verdict};

use super::http::{self, Connection, HttpError};
use super::{Context, ExperimentError, MODEL_COLUMN, published, secs};
use crate::model::{self, ModelConfig, ThreadSpec, mean};
use crate::{Interpreter, Mode, Python, sys, work};

/// The server's delay for each request: a short wait, as in a chatty protocol.
pub const DELAY: Duration = Duration::from_millis(1);

/// What one convoy run measured, for the I/O thread.
pub struct ConvoyRun {
    /// The I/O thread's time for all its requests.
    pub wall: Duration,
    /// Mean time per request.
    pub per_request: Duration,
    /// Mean time between a socket call returning and the thread holding the GIL again.
    pub gil_wait: Duration,
    pub trace: Trace,
}

/// `requests` requests on one kept-alive connection to `url`, from an I/O thread attached to an
/// interpreter with `interval`, while `cpu_threads` threads run countdowns until it is done.
pub fn convoy_run(
    url: &str,
    interval: Duration,
    cpu_threads: usize,
    requests: usize,
) -> Result<ConvoyRun, HttpError> {
    let trace = Trace::new();
    let interp = Interpreter::new(Mode::Cpython312).with_trace(trace.clone());
    sys::setswitchinterval(&interp, interval);
    let (host, path) = http::split_url(url)?;
    let io_error = |source| HttpError::Io {
        url: url.into(),
        source,
    };
    let done = AtomicBool::new(false);
    let result = thread::scope(|scope| {
        for i in 0..cpu_threads {
            let (interp, done) = (&interp, &done);
            scope.spawn(move || {
                Python::attach(interp, &format!("CPU thread {}", i + 1), |py| {
                    while !done.load(Ordering::Relaxed) {
                        std::hint::black_box(work::countdown(py, 1_000));
                    }
                });
            });
        }
        let io_thread = scope.spawn(|| {
            Python::attach(&interp, "I/O thread", |py| {
                let started = Instant::now();
                let mut waits = Vec::with_capacity(requests * 2);
                let mut connection = py.detach(|| Connection::open(host)).map_err(io_error)?;
                for _ in 0..requests {
                    // Each socket call releases the GIL; note when it returned, then how long
                    // it took to get the GIL back.
                    let sent = py.detach(|| (connection.send_get(path), Instant::now()));
                    waits.push(sent.1.elapsed());
                    sent.0.map_err(io_error)?;
                    let answer = py.detach(|| (connection.read_answer(), Instant::now()));
                    waits.push(answer.1.elapsed());
                    answer.0.map_err(io_error)?;
                }
                Ok((started.elapsed(), waits))
            })
        });
        let result = io_thread.join();
        done.store(true, Ordering::Relaxed);
        result
    });
    let (wall, waits) = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    Ok(ConvoyRun {
        wall,
        per_request: wall / requests.max(1) as u32,
        gil_wait: mean(&waits),
        trace,
    })
}

/// The model of the same run: per request, a send (instant) and a receive that takes
/// `round_trip`, each followed by a little Python. Returns (mean time per request, mean GIL wait
/// after I/O).
pub fn convoy_model(
    config: &ModelConfig,
    cpu_threads: usize,
    requests: usize,
    round_trip: Duration,
) -> (Duration, Duration) {
    let io_thread = (0..requests).fold(ThreadSpec::new().named("I/O thread"), |t, _| {
        t.io(Duration::ZERO).compute(1).io(round_trip).compute(1)
    });
    let mut threads = vec![io_thread];
    threads.extend((0..cpu_threads).map(|_| ThreadSpec::forever()));
    let run = model::simulate_until_finished(config, &threads, 0);
    (
        run.finish_times[0] / requests.max(1) as u32,
        run.mean_wake_latency(0),
    )
}

/// How many requests the I/O thread makes per run.
pub fn requests(context: &Context) -> usize {
    context.size(40, 200)
}

/// The switch intervals compared.
pub const INTERVALS: [Duration; 2] = [Duration::from_millis(5), Duration::from_millis(1)];

pub fn run(context: &Context) -> Result<Experiment, ExperimentError> {
    let requests = requests(context);
    let server = DelayServer::start()?;
    let url = server.delay_url(DELAY);
    let mut experiment = Experiment::new(
        "convoy",
        "The convoy effect: an I/O thread next to a CPU-bound thread",
    )
    .intro(format!(
        "An I/O thread makes {requests} requests of {} each on one connection (a send and a \
         receive per request, each releasing the GIL), alone and next to one CPU-bound thread.",
        format_seconds(secs(DELAY))
    ));
    let mut shown_trace = None;
    let mut findings = Vec::new();
    let mut with_cpu_5ms = Duration::ZERO;
    let mut with_cpu_per_request_5ms = Duration::ZERO;
    for interval in INTERVALS {
        let config = context.model.with_switch_interval(interval);
        let label = format_seconds(secs(interval));
        let mut alone_per_request = Duration::ZERO;
        for cpu_threads in [0, 1] {
            let run = convoy_run(&url, interval, cpu_threads, requests)?;
            if cpu_threads == 0 {
                alone_per_request = run.per_request;
            }
            // The model's round trip is calibrated from the run alone: the server's delay plus
            // the local network stack's own time, which the model does not simulate.
            let (model_per_request, model_wait) =
                convoy_model(&config, cpu_threads, requests, alone_per_request);
            let who = if cpu_threads == 0 {
                "alone"
            } else {
                "with 1 CPU thread"
            };
            experiment = experiment.run(
                Run::new(format!("{who}, interval {label}"), run.wall)
                    .figure("per request", Figure::Seconds(secs(run.per_request)))
                    .figure("GIL wait after I/O", Figure::Seconds(secs(run.gil_wait)))
                    .figure(MODEL_COLUMN, Figure::Seconds(secs(model_per_request)))
                    .figure("model GIL wait", Figure::Seconds(secs(model_wait))),
            );
            if cpu_threads > 0 {
                findings.push(format!(
                    "At a {label} interval, each request took {} next to a CPU-bound thread \
                     against {} alone ({:.1}× slower): the thread waited {} on average for the \
                     GIL after each socket call (the model predicts {}).",
                    format_seconds(secs(run.per_request)),
                    format_seconds(secs(alone_per_request)),
                    secs(run.per_request) / secs(alone_per_request).max(1e-9),
                    format_seconds(secs(run.gil_wait)),
                    format_seconds(secs(model_wait)),
                ));
                if interval == Duration::from_millis(5) {
                    with_cpu_5ms = run.gil_wait;
                    with_cpu_per_request_5ms = run.per_request;
                    shown_trace = Some(run.trace);
                }
            }
        }
    }
    findings.push(format!(
        "For comparison, bpo-7946 reports about {:.0} requests/s for such a pair at 5 ms; this run \
         made {:.0} requests/s ({:.2}× that).",
        published::CONVOY_5MS_REQUESTS_PER_S,
        1.0 / secs(with_cpu_per_request_5ms).max(1e-9),
        1.0 / secs(with_cpu_per_request_5ms).max(1e-9) / published::CONVOY_5MS_REQUESTS_PER_S,
    ));
    for finding in findings {
        experiment = experiment.finding(finding);
    }
    if let Some(trace) = shown_trace {
        experiment = experiment.trace(trace);
    }
    let interval_5ms = secs(Duration::from_millis(5));
    Ok(experiment.claim(Claim::new(
        "An I/O thread sharing the GIL with a CPU-bound thread waits about one switch interval \
         every time its I/O completes.",
        format!(
            "mean GIL wait after I/O at a 5 ms interval: {}",
            format_seconds(secs(with_cpu_5ms))
        ),
        if secs(with_cpu_5ms) > 0.5 * interval_5ms {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        },
    )))
}
