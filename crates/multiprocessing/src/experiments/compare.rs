//! `compare`: the Python twins run by CPython, beside the same experiments in Rust.
//!
//! Each twin in `python/` prints one JSON object, read into a struct below (a figure the twin
//! did not print is an error that names it). The Rust side runs the lesson's own `measure`
//! functions at the same sizes; the pipeline's twin reads the very images Rust generated.

use anyhow::Context as _;
use lesson_kit::report::{faster_or_slower, format_bytes, format_seconds};
use lesson_kit::{Figure, Outcome, Run, Samples, Timing, Twins, Unit};
use serde::Deserialize;

use super::{Settings, cost, countdown, image_count, image_side, pipeline, talking, workers};
use crate::images::ImageSet;

/// Runs the four comparisons.
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![
        compare_pipeline(settings, twins)?,
        compare_countdown(settings, twins)?,
        compare_cost(settings, twins)?,
        compare_talking(settings, twins)?,
    ])
}

/// What `python/pipeline.py` prints.
#[derive(Debug, Deserialize)]
struct PythonPipeline {
    /// `None` when Pillow is not installed.
    pillow: Option<PillowFigures>,
}

#[derive(Debug, Deserialize)]
struct PillowFigures {
    version: String,
    sequential_s: Vec<f64>,
    pool_s: Vec<f64>,
    threads_s: Vec<f64>,
    stages: PythonStages,
}

#[derive(Debug, Deserialize)]
struct PythonStages {
    read_s: f64,
    resize_s: f64,
    blur_s: f64,
    encode_s: f64,
}

/// What `python/countdown.py` prints.
#[derive(Debug, Deserialize)]
struct PythonCountdown {
    n: u64,
    sequential_s: Vec<f64>,
    threads_s: Vec<f64>,
    pool_s: Vec<f64>,
}

/// What `python/start_methods.py` prints. A start method this OS lacks has no samples.
#[derive(Debug, Deserialize)]
struct PythonStart {
    thread_s: Vec<f64>,
    fork_s: Vec<f64>,
    forkserver_s: Vec<f64>,
    spawn_s: Vec<f64>,
    process_private_bytes: Option<u64>,
}

/// What `python/queue_throughput.py` prints.
#[derive(Debug, Deserialize)]
struct PythonQueue {
    messages: u64,
    queue_s: Vec<f64>,
    round_trip_s: Vec<f64>,
}

fn seconds(values: &[f64]) -> Timing {
    Timing {
        wall: Samples::new(Unit::Seconds, values.iter().copied()),
        cpu: None,
    }
}

fn args(settings: &Settings, extra: &[String]) -> Vec<String> {
    let mut args = vec![format!("--repeat={}", settings.repeat)];
    args.extend_from_slice(extra);
    args
}

fn compare_pipeline(settings: &Settings, twins: &Twins) -> anyhow::Result<Outcome> {
    let images = ImageSet::generate(image_count(settings), image_side(settings))
        .context("writing the generated images")?;
    let w = workers(settings);
    let python: PythonPipeline = twins.run(
        "pipeline.py",
        &args(
            settings,
            &[
                format!("--images={}", images.dir.display()),
                format!("--workers={w}"),
            ],
        ),
    )?;
    let rust = pipeline::measure_on(settings, &images)?;
    let n = rust.images;
    let per_image =
        |timing: &Timing| Figure::Spread(timing.wall.map(Unit::Seconds, |s| s / n as f64));
    let row = |label: &str, timing: &Timing| {
        Run::timed(label, timing).figure("per image", per_image(timing))
    };
    let mut outcome = Outcome::new("compare-pipeline", "The image pipeline: Pillow beside Rust")
        .intro(format!(
            "The same {n} images of {side}×{side} px, the same stages (resize to half with \
             Lanczos, Gaussian blur σ = 2, JPEG quality 85), {w} workers; {} runs \
             python/pipeline.py.",
            twins.version,
            side = rust.side
        ))
        .run(row("Rust: sequential", &rust.sequential))
        .run(row(&format!("Rust: pool of {w} processes"), &rust.pool))
        .run(row(&format!("Rust: rayon, {w} threads"), &rust.rayon));
    let Some(pillow) = python.pillow else {
        return Ok(outcome.finding(
            "Pillow is not installed, so there is no Python pipeline to compare with. Install it \
             with `python3 -m pip install Pillow` (or `apt install python3-pil`) and run \
             `cargo run -p multiprocessing -- compare` again. The countdown below needs \
             nothing but Python.",
        ));
    };
    let (sequential, pool, threads) = (
        seconds(&pillow.sequential_s),
        seconds(&pillow.pool_s),
        seconds(&pillow.threads_s),
    );
    outcome = outcome
        .run(row(
            &format!("Pillow {}: sequential", pillow.version),
            &sequential,
        ))
        .run(row(&format!("Pillow: Pool({w})"), &pool))
        .run(row(&format!("Pillow: ThreadPoolExecutor({w})"), &threads));
    let s = &pillow.stages;
    let r = &rust.stages;
    let speed = |a: &Timing, b: &Timing| Samples::ratios(&a.wall, &b.wall).median();
    Ok(outcome
        .finding(format!(
            "Per image, in turn: Pillow {}, Rust {}. Stage by stage, Pillow against Rust: read \
             {} / {}, resize {} / {}, blur {} / {}, JPEG {} / {}.",
            format_seconds(sequential.wall.median() / n as f64),
            format_seconds(rust.sequential.wall.median() / n as f64),
            format_seconds(s.read_s),
            format_seconds(r.read_s),
            format_seconds(s.resize_s),
            format_seconds(r.resize_s),
            format_seconds(s.blur_s),
            format_seconds(r.blur_s),
            format_seconds(s.encode_s),
            format_seconds(r.encode_s),
        ))
        .finding(format!(
            "Against their own sequential run: Python's Pool {}, its threads {} (Pillow releases \
             the GIL); Rust's pool {}, rayon {}.",
            faster_or_slower(speed(&sequential, &pool)),
            faster_or_slower(speed(&sequential, &threads)),
            faster_or_slower(speed(&rust.sequential, &rust.pool)),
            faster_or_slower(speed(&rust.sequential, &rust.rayon)),
        )))
}

fn compare_countdown(settings: &Settings, twins: &Twins) -> anyhow::Result<Outcome> {
    let w = workers(settings);
    let target_ms = if settings.full { 2000 } else { 60 };
    let python: PythonCountdown = twins.run(
        "countdown.py",
        &args(
            settings,
            &[format!("--target-ms={target_ms}"), format!("--workers={w}")],
        ),
    )?;
    let rust = countdown::measure(settings)?;
    let (sequential, threads, pool) = (
        seconds(&python.sequential_s),
        seconds(&python.threads_s),
        seconds(&python.pool_s),
    );
    let speed = |a: &Timing, b: &Timing| Samples::ratios(&a.wall, &b.wall);
    let with_speedup = |label: String, timing: &Timing, baseline: &Timing| {
        Run::timed(label, timing).figure(
            "against its own sequential",
            Figure::Spread(speed(baseline, timing)),
        )
    };
    Ok(Outcome::new("compare-countdown", "Pure computation: CPython beside Rust")
        .intro(format!(
            "Four countdowns of about {target_ms} ms each: {} counts down {} times in pure \
             Python, Rust runs gil-sim's interpreted loop. Absolute times differ by design; \
             compare each side against its own sequential run.",
            twins.version,
            lesson_kit::report::group_thousands(python.n),
        ))
        .run(with_speedup("Python: sequential".into(), &sequential, &sequential))
        .run(with_speedup("Python: 4 threads".into(), &threads, &sequential))
        .run(with_speedup(format!("Python: Pool({w})"), &pool, &sequential))
        .run(with_speedup("Rust: sequential".into(), &rust.sequential, &rust.sequential))
        .run(with_speedup("Rust: 4 threads, one GIL".into(), &rust.gil_threads, &rust.sequential))
        .run(with_speedup(format!("Rust: pool of {w}"), &rust.pool, &rust.sequential))
        .finding(format!(
            "CPython's threads: {}; its process pool: {}. The simulated GIL: {}; Rust's pool: {}.",
            faster_or_slower(speed(&sequential, &threads).median()),
            faster_or_slower(speed(&sequential, &pool).median()),
            faster_or_slower(speed(&rust.sequential, &rust.gil_threads).median()),
            faster_or_slower(speed(&rust.sequential, &rust.pool).median()),
        )))
}

fn compare_cost(settings: &Settings, twins: &Twins) -> anyhow::Result<Outcome> {
    let python: PythonStart = twins.run("start_methods.py", &args(settings, &[]))?;
    let rust = cost::measure(settings)?;
    let mut outcome = Outcome::new("compare-cost", "Starting a process: CPython beside Rust")
        .intro(format!(
            "Starting something that does nothing and waiting for it, each sample the median of \
             a batch; {} runs python/start_methods.py. Python's processes start an \
             interpreter (spawn, forkserver) or copy one (fork) before running the target.",
            twins.version
        ))
        .run(Run::timed(
            "Python: threading.Thread",
            &seconds(&python.thread_s),
        ));
    for (method, samples) in [
        ("fork", &python.fork_s),
        ("forkserver", &python.forkserver_s),
        ("spawn", &python.spawn_s),
    ] {
        if !samples.is_empty() {
            outcome = outcome.run(Run::timed(
                format!("Python: Process, {method}"),
                &seconds(samples),
            ));
        }
    }
    outcome = outcome.run(Run::timed("Rust: thread", &rust.thread));
    if let Some(fork) = &rust.fork {
        outcome = outcome.run(Run::timed("Rust: fork", fork));
    }
    if let Some(server) = &rust.fork_server {
        outcome = outcome.run(Run::timed("Rust: fork server", server));
    }
    outcome = outcome.run(Run::timed("Rust: re-execute (spawn)", &rust.spawn));
    let median = |v: &[f64]| Samples::new(Unit::Seconds, v.iter().copied()).median();
    outcome = outcome.finding(format!(
        "Python's spawn took {}, Rust's re-execution {}: the difference is an interpreter \
         starting and importing modules.",
        format_seconds(median(&python.spawn_s)),
        format_seconds(rust.spawn.wall.median()),
    ));
    if let (Some(python_bytes), Some(rust_bytes)) =
        (python.process_private_bytes, rust.worker_private)
    {
        outcome = outcome.finding(format!(
            "Memory of its own, per idle process: Python (spawn) {}, Rust worker {}.",
            format_bytes(python_bytes),
            format_bytes(rust_bytes)
        ));
    }
    Ok(outcome)
}

fn compare_talking(settings: &Settings, twins: &Twins) -> anyhow::Result<Outcome> {
    let python: PythonQueue = twins.run("queue_throughput.py", &args(settings, &[]))?;
    let rust = talking::measure(settings)?;
    let rate = |timing: &Timing, messages: u64| {
        Figure::Spread(timing.wall.map(Unit::Count, |s| {
            if s > 0.0 { messages as f64 / s } else { 0.0 }
        }))
    };
    let (queue, pipe) = (seconds(&python.queue_s), seconds(&python.round_trip_s));
    Ok(
        Outcome::new("compare-talking", "A queue and a pipe: CPython beside Rust")
            .intro(format!(
                "{} messages of 64 bytes through a queue from a child process, and 64-byte round \
             trips through a pipe; {} runs python/queue_throughput.py.",
                lesson_kit::report::group_thousands(python.messages),
                twins.version
            ))
            .run(
                Run::timed("Python: multiprocessing.Queue", &queue)
                    .figure("messages per second", rate(&queue, python.messages)),
            )
            .run(Run::timed("Rust: frames on a pipe", &rust.queue).figure(
                "messages per second",
                rate(&rust.queue, rust.queue_messages),
            ))
            .run(Run::timed("Python: Pipe round trip", &pipe))
            .run(Run::timed("Rust: pipe round trip", &rust.round_trip))
            .finding(
                "Python's Queue pickles each message and hands it to a feeder thread, which writes \
             it to a pipe under a lock; the Rust side writes each frame to the pipe itself.",
            ),
    )
}
