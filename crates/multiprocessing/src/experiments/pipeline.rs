//! Experiment `pipeline`: the article's image example for real. N generated images, each read,
//! resized, blurred and encoded as JPEG: in turn, in a process pool, with rayon, and on threads
//! under gil-sim's GIL, first holding it and then releasing it the way Pillow does.
//!
//! Python twin: `python/pipeline.py`. Examples: `01_images_in_turn.rs`, `02_pool_map.rs`,
//! `03_rayon.rs`, `04_gil_threads.rs`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::SystemTime;

use gil_sim::{Interpreter, Mode, Python};
use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{
    Claim, Figure, Measurement, Outcome, Run, Samples, Source, State, Timing, Trace, Unit, Verdict,
    alternate, stopwatch_with_children,
};
use rayon::prelude::*;
use serde::Serialize;

use super::{
    LessonError, Settings, SideBySide, cores, count, generate_images, trace_workers, workers,
};
use crate::images::{ImageSet, Processed, Stages, process_image};
use crate::pool::Pool;
use crate::tasks::{Answer, Task};

/// Pillow releases the GIL around its C code (`ImagingSectionEnter` calls `PyEval_SaveThread`).
pub const PILLOW: Source = Source::link(
    "Pillow's src/_imaging.c (ImagingSectionEnter)",
    "https://github.com/python-pillow/Pillow/blob/main/src/_imaging.c",
);

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub images: usize,
    /// Each generated image is `side`×`side` pixels.
    pub side: u32,
    /// Worker processes, rayon threads and Python threads, alike.
    pub workers: usize,
    pub cores: usize,
    pub sequential: Timing,
    pub pool: Timing,
    pub rayon: Timing,
    /// Threads under the simulated GIL, holding it while they process an image.
    pub gil_held: Timing,
    /// The same threads releasing it around the image work, as Pillow's C code does.
    pub gil_released: Timing,
    /// The median time of each stage per image, over the sequential runs.
    pub stages: Stages,
    /// Every image that failed, in any run: "variant: error".
    pub failures: Vec<String>,
    /// The last pool run (a lane per worker process), then the last GIL-held run.
    pub trace: Trace,
}

/// One run of one variant.
struct Batch {
    results: Vec<Result<Processed, String>>,
    measurement: Measurement,
    trace: Trace,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let images = generate_images(settings)?;
    measure_on(settings, &images)
}

/// [`measure`] on images already generated (`compare` hands the same ones to Python).
pub fn measure_on(settings: &Settings, images: &ImageSet) -> Result<Figures, LessonError> {
    let workers = workers(settings);
    let (count, side) = (images.paths.len(), images.side);
    let paths = &images.paths;
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()?;

    // Like for like: every variant runs the same `process_image` on the same files, which are in
    // the page cache (written just before), so no variant reads the disk. What is left is the
    // cold start (code paged in, the allocator's first large blocks, SIMD detection): one untimed
    // image on this thread and one on rayon's pay it, so that the variant timed first does not.
    if let Some(first) = paths.first() {
        let _ = process_image(first);
        let _ = rayon.install(|| process_image(first));
    }
    let timed = |run: &dyn Fn(&Trace) -> Vec<Result<Processed, String>>| {
        let trace = Trace::new();
        let (results, measurement) = stopwatch_with_children(|| run(&trace));
        Batch {
            results,
            measurement,
            trace,
        }
    };
    let [sequential, pool, with_rayon, held, released] = alternate(
        settings.repeat,
        [
            &mut || timed(&|_| in_turn(paths)),
            &mut || timed(&|trace| in_a_pool(paths, workers, trace)),
            &mut || timed(&|_| rayon.install(|| with_rayon(paths))),
            &mut || timed(&|trace| on_gil_threads(paths, workers, false, trace)),
            &mut || timed(&|trace| on_gil_threads(paths, workers, true, trace)),
        ],
    );

    let variants = [
        ("sequential", &sequential),
        ("pool", &pool),
        ("rayon", &with_rayon),
        ("GIL held", &held),
        ("GIL released", &released),
    ];
    let mut failures: Vec<String> = variants
        .iter()
        .flat_map(|(name, runs)| {
            let errors = runs
                .iter()
                .flat_map(|b| &b.results)
                .filter_map(|r| r.as_ref().err());
            errors.map(move |e| format!("{name}: {e}"))
        })
        .collect();
    failures.sort();
    failures.dedup();
    Ok(Figures {
        images: count,
        side,
        workers,
        cores: cores(),
        sequential: timing(&sequential),
        pool: timing(&pool),
        rayon: timing(&with_rayon),
        gil_held: timing(&held),
        gil_released: timing(&released),
        stages: median_stages(&sequential),
        failures,
        trace: last_of_each(&pool, &held),
    })
}

/// `for path in paths: process_image(path)`.
fn in_turn(paths: &[PathBuf]) -> Vec<Result<Processed, String>> {
    paths
        .iter()
        .map(|path| process_image(path).map_err(|e| e.to_string()))
        .collect()
}

/// `with Pool(workers) as pool: pool.map(process_image, paths)`, pool start included. Each
/// worker reports when it ran each image, which draws its lane.
fn in_a_pool(paths: &[PathBuf], workers: usize, trace: &Trace) -> Vec<Result<Processed, String>> {
    let started = SystemTime::now();
    let pool = match Pool::<Task>::new(workers) {
        Ok(pool) => pool,
        Err(error) => return paths.iter().map(|_| Err(error.to_string())).collect(),
    };
    let tasks = paths.iter().map(|path| Task::ProcessImage(path.clone()));
    let mut finished: Vec<_> = pool.imap_unordered(tasks, 1).collect();
    trace_workers(&finished, started, trace);
    finished.sort_by_key(|f| f.index);
    finished
        .into_iter()
        .map(|f| match f.result {
            Ok(Answer::Image(processed)) => Ok(processed),
            Ok(other) => Err(format!("unexpected answer {other:?}")),
            Err(error) => Err(error.to_string()),
        })
        .collect()
}

/// `paths.par_iter().map(process_image)`: rayon's threads share the work, no GIL in the way.
fn with_rayon(paths: &[PathBuf]) -> Vec<Result<Processed, String>> {
    paths
        .par_iter()
        .map(|path| process_image(path).map_err(|e| e.to_string()))
        .collect()
}

/// `workers` Python threads taking the next image in turn, under one simulated GIL. With
/// `release`, each image runs inside `py.detach` (Pillow's `ImagingSectionEnter`); without, the
/// thread keeps the GIL through the whole image, as a C extension that never releases it would.
fn on_gil_threads(
    paths: &[PathBuf],
    workers: usize,
    release: bool,
    trace: &Trace,
) -> Vec<Result<Processed, String>> {
    let interpreter = Interpreter::new(Mode::Cpython312).with_trace(trace.clone());
    let next = AtomicUsize::new(0);
    let mut results: Vec<Result<Processed, String>> = paths
        .iter()
        .map(|_| Err("not processed".to_string()))
        .collect();
    thread::scope(|scope| {
        let threads: Vec<_> = (1..=workers)
            .map(|i| {
                let (interpreter, next) = (&interpreter, &next);
                scope.spawn(move || {
                    Python::attach(interpreter, &format!("thread {i}"), |py| {
                        let mut done = Vec::new();
                        loop {
                            // The next image nobody has taken, as a `ThreadPoolExecutor` does.
                            let index = next.fetch_add(1, Ordering::SeqCst);
                            let Some(path) = paths.get(index) else { break };
                            let work = || process_image(path).map_err(|e| e.to_string());
                            let result = if release {
                                py.detach_as(State::Running, work)
                            } else {
                                work()
                            };
                            done.push((index, result));
                            // Back in the interpreter between two images: a checkpoint.
                            py.check();
                        }
                        done
                    })
                })
            })
            .collect();
        for thread in threads {
            // A thread that panicked leaves its images "not processed": reported, not fatal.
            for (index, result) in thread.join().unwrap_or_default() {
                results[index] = result;
            }
        }
    });
    results
}

fn timing(runs: &[Batch]) -> Timing {
    let measurements: Vec<Measurement> = runs.iter().map(|b| b.measurement).collect();
    Timing::of(&measurements)
}

fn median_stages(runs: &[Batch]) -> Stages {
    let all: Vec<Stages> = runs
        .iter()
        .flat_map(|b| b.results.iter().filter_map(|r| r.as_ref().ok()))
        .map(|p| p.stages)
        .collect();
    let median =
        |stage: fn(&Stages) -> f64| Samples::new(Unit::Seconds, all.iter().map(stage)).median();
    Stages {
        read_s: median(|s| s.read_s),
        resize_s: median(|s| s.resize_s),
        blur_s: median(|s| s.blur_s),
        encode_s: median(|s| s.encode_s),
    }
}

/// One timeline: the last pool run, then the last GIL-held run right after it.
fn last_of_each(pool: &[Batch], held: &[Batch]) -> Trace {
    let trace = Trace::new();
    let mut offset_s = 0.0;
    for batch in [pool.last(), held.last()].into_iter().flatten() {
        trace.absorb(&batch.trace.snapshot(), offset_s);
        offset_s += batch.measurement.wall.as_secs_f64();
    }
    trace
}

pub fn report(figures: &Figures) -> Outcome {
    let (n, w) = (figures.images, figures.workers);
    let (threads, processes) = (count(w, "thread"), count(w, "process"));
    let mut outcome = Outcome::new(
        "pipeline",
        "The image pipeline: processes, rayon, and threads under a GIL",
    )
    .intro(intro(figures))
    .run(row("sequential", &figures.sequential, n))
    .run(row(&format!("pool of {processes}"), &figures.pool, n))
    .run(row(&format!("rayon, {threads}"), &figures.rayon, n))
    .run(row(&format!("{threads}, GIL held"), &figures.gil_held, n))
    .run(row(
        &format!("{threads}, GIL released"),
        &figures.gil_released,
        n,
    ))
    .trace(figures.trace.clone());
    if !figures.failures.is_empty() {
        for failure in &figures.failures {
            outcome = outcome.problem(failure.clone());
        }
        return outcome.finding(format!(
            "{} failed, so no speedup is reported.",
            count(figures.failures.len(), "image")
        ));
    }
    outcome = outcome
        .speedups_against("sequential")
        .finding(stage_by_stage(figures.stages))
        .finding(speedups(figures));
    for finding in [pool_phases(figures), pool_cpu(figures)]
        .into_iter()
        .flatten()
    {
        outcome = outcome.finding(finding);
    }
    if let Some(idle) = idle_workers(figures) {
        outcome = outcome.finding(idle);
    }
    with_claims(outcome, figures)
}

fn intro(figures: &Figures) -> String {
    let w = figures.workers;
    format!(
        "{} of {side}×{side} pixels, each read from a file, resized to half (Lanczos-3), \
         blurred (Gaussian, σ = 2) and encoded as JPEG (quality 85): the article's \
         `process_image`. In turn; in a pool of {} (pool start included, as in `with Pool({w}) \
         as pool: pool.map(...)`); with rayon on {threads}; and on {threads} of one simulated \
         CPython, first keeping the GIL through each image, then releasing it the way Pillow \
         does. Like for like: each variant processes the same files, already in memory, after \
         one untimed image has warmed up the code and the allocator; the pool's processes start \
         cold, as Python's do. Each worker's lane shows its start, the images it ran, and any \
         wait for its next one.",
        count(figures.images, "generated image"),
        count(w, "worker process"),
        side = figures.side,
        threads = count(w, "thread"),
    )
}

fn stage_by_stage(s: Stages) -> String {
    format!(
        "One image, stage by stage (median): read {}, resize {}, blur {}, JPEG {}; {} in all.",
        format_seconds(s.read_s),
        format_seconds(s.resize_s),
        format_seconds(s.blur_s),
        format_seconds(s.encode_s),
        format_seconds(s.read_s + s.resize_s + s.blur_s + s.encode_s),
    )
}

fn speedups(figures: &Figures) -> String {
    let median = |variant: &Timing| faster_or_slower(speedup(figures, variant).median());
    format!(
        "The pool was {} than one process, rayon {}; threads holding the GIL {}, threads \
         releasing it {}.",
        median(&figures.pool),
        median(&figures.rayon),
        median(&figures.gil_held),
        median(&figures.gil_released),
    )
}

/// Where the last pool run's time went, from its workers' lanes: how long until every worker was
/// ready for work, and how long they sat waiting for a task once it was.
fn pool_phases(figures: &Figures) -> Option<String> {
    let trace = figures.trace.snapshot();
    let pool = || {
        trace
            .spans
            .iter()
            .filter(|s| s.lane.starts_with("process "))
    };
    let sum = |state: State| {
        pool()
            .filter(move |s| s.state == state)
            .map(|s| s.duration_s())
    };
    let ready_s = sum(State::Starting).fold(None, |most: Option<f64>, s| {
        Some(most.map_or(s, |m| m.max(s)))
    })?;
    let tasks = pool().filter(|s| s.state == State::Running).count();
    Some(format!(
        "Where the pool's time went (its last run): its workers were all ready for work {} \
         after the pool was asked for; then, over {}, they spent {} in all between a task and \
         the next (waiting for it, or, on a busy machine, for a core); the rest is the images, \
         a fresh process's first one paying for its memory.",
        format_seconds(ready_s),
        count(tasks, "task"),
        format_seconds(sum(State::Idle).sum()),
    ))
}

/// The CPU time the pool used beyond the sequential run's: what its processes cost (their start,
/// their first images' fresh memory), and the speedup that extra leaves possible at best, were
/// every core busy from the first instant to the last: the sequential run's wall time, over the
/// pool's CPU time shared by the cores.
fn pool_cpu(figures: &Figures) -> Option<String> {
    let pool = figures.pool.cpu.as_ref()?.median();
    let sequential = figures.sequential.cpu.as_ref()?.median();
    let ideal = side_by_side(figures).ideal();
    if pool <= 0.0 || ideal < 2.0 {
        return None;
    }
    let mut finding = format!(
        "The pool used {} of CPU (its processes and the parent) against {} in turn: {} more, \
         for starting its workers and for their first images' fresh memory.",
        format_seconds(pool),
        format_seconds(sequential),
        format_seconds((pool - sequential).max(0.0)),
    );
    // Over the ideal, the bound says nothing (a busy machine stretches the sequential run).
    let best = figures.sequential.wall.median() * ideal / pool;
    if best < ideal {
        finding += &format!(
            " Spread over {}, that alone keeps it under {best:.2}× the sequential speed.",
            count(ideal as usize, "core"),
        );
    }
    Some(finding)
}

/// Why more workers than cores or images gain nothing: said, so that a slow pool of 64 is read
/// as what it is (64 process starts for 2 cores' worth of work), not as a broken pool.
fn idle_workers(figures: &Figures) -> Option<String> {
    let useful = figures.cores.min(figures.images);
    (figures.workers > useful).then(|| {
        format!(
            "{} for {} on {}: at most {useful} can work at once, so the others add only their \
             start and their turns on the cores; the speedups above are against that.",
            count(figures.workers, "worker"),
            count(figures.images, "image"),
            count(figures.cores, "core"),
        )
    })
}

fn row(label: &str, timing: &Timing, images: usize) -> Run {
    Run::timed(label, timing).figure(
        "per image",
        Figure::Spread(timing.wall.map(Unit::Seconds, |s| s / images as f64)),
    )
}

fn speedup(figures: &Figures, variant: &Timing) -> Samples {
    Samples::ratios(&figures.sequential.wall, &variant.wall)
}

/// What this machine allows to run side by side.
fn side_by_side(figures: &Figures) -> SideBySide {
    SideBySide {
        cores: figures.cores,
        workers: figures.workers,
        items: figures.images,
    }
}

fn with_claims(outcome: Outcome, figures: &Figures) -> Outcome {
    outcome
        .claim(gil_held_claim(figures))
        .claim(processes_claim(figures))
        .claim(gil_released_claim(figures))
}

fn gil_held_claim(figures: &Figures) -> Claim {
    let held = speedup(figures, &figures.gil_held);
    Claim::new(
        "Threads do not speed up CPU-bound image processing: the GIL lets one of them compute \
         at a time (4 images of 2 s still take about 8 s).",
        Source::ARTICLE,
    )
    .measured(format!(
        "{} keeping the simulated GIL through each image: {held} the speed of one thread.",
        count(figures.workers, "thread")
    ))
    .judge(&held, |x| {
        if x < 1.2 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

fn processes_claim(figures: &Figures) -> Claim {
    let pool = speedup(figures, &figures.pool);
    let side_by_side = side_by_side(figures);
    let claim = Claim::new(
        "Processes work on several images on several cores at once: 4 images of 2 s take about \
         2 s on 4 processes.",
        Source::ARTICLE,
    );
    side_by_side.judge(
        claim,
        &pool,
        format!(
            "a pool of {} on {}: {pool} the speed of one process (at most {:.0}× is possible \
             here).",
            count(figures.workers, "process"),
            count(figures.cores, "core"),
            side_by_side.ideal()
        ),
    )
}

fn gil_released_claim(figures: &Figures) -> Claim {
    let released = speedup(figures, &figures.gil_released);
    let side_by_side = side_by_side(figures);
    let claim = Claim::new(
        "Threads do speed up image work whose C code releases the GIL, as Pillow's resize, \
         filters and encoders do.",
        PILLOW,
    );
    side_by_side.judge(
        claim,
        &released,
        format!(
            "{} releasing the simulated GIL around each image: {released} the speed of one \
             thread (at most {:.0}×).",
            count(figures.workers, "thread"),
            side_by_side.ideal()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(ms: &[u64]) -> Timing {
        Timing::wall_seconds(ms.iter().map(|&m| m as f64 / 1e3))
    }

    /// Figures for 8 images on 2 workers and 2 cores; `pool`, `held` and `released` in ms, the
    /// sequential run taking 800 ms each time.
    fn figures(pool: &[u64], held: &[u64], released: &[u64]) -> Figures {
        let sequential: Vec<u64> = pool.iter().map(|_| 800).collect();
        Figures {
            images: 8,
            side: 64,
            workers: 2,
            cores: 2,
            sequential: timing(&sequential),
            pool: timing(pool),
            rayon: timing(pool),
            gil_held: timing(held),
            gil_released: timing(released),
            stages: Stages::default(),
            failures: Vec::new(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn no_speedup_held_and_two_cores_used_hold_every_claim() {
        let outcome = report(&figures(
            &[420, 430, 410],
            &[810, 805, 800],
            &[415, 420, 440],
        ));
        assert_eq!(verdicts(&outcome), [Verdict::Holds; 3]);
        assert!(outcome.problems.is_empty());
        let per_image = outcome.runs[1].get("per image").and_then(Figure::as_f64);
        assert_eq!(per_image, Some(0.42 / 8.0));
    }

    #[test]
    fn threads_that_speed_up_while_holding_the_gil_break_the_claim() {
        let outcome = report(&figures(&[420, 430], &[420, 430], &[420, 430]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_pool_a_bit_faster_holds_in_part_and_a_slower_one_does_not_hold() {
        let outcome = report(&figures(&[640, 650], &[800, 800], &[900, 900]));
        assert_eq!(outcome.claims[1].verdict, Verdict::Partly);
        assert_eq!(outcome.claims[2].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        // 0.7 × 2 = 1.4× is the line: 800/420 = 1.9× over it, 800/700 = 1.14× under both lines.
        let outcome = report(&figures(&[420, 700], &[800, 800], &[420, 420]));
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
        let reason = outcome.claims[1].reason.as_deref().unwrap_or_default();
        assert!(reason.contains("disagreed"), "{reason}");
    }

    #[test]
    fn one_core_tests_no_parallel_claim() {
        let mut figures = figures(&[800], &[800], &[800]);
        figures.cores = 1;
        let outcome = report(&figures);
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
        assert!(outcome.claims[1].measured.contains("not tested"));
    }

    #[test]
    fn failed_images_are_problems_with_no_verdict() {
        let mut figures = figures(&[420], &[800], &[420]);
        figures.failures = vec!["pool: task 3 was lost".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.claims.is_empty());
        assert!(outcome.runs.iter().all(|r| r.speedup.is_none()));
    }

    #[test]
    fn more_workers_than_cores_are_explained_and_counts_read_singular() {
        let mut figures = figures(&[1600], &[800], &[420]);
        figures.workers = 64;
        figures.images = 1;
        let outcome = report(&figures);
        let idle = outcome
            .findings
            .iter()
            .find(|f| f.contains("64 workers for 1 image on 2 cores"));
        assert!(idle.is_some(), "{:?}", outcome.findings);
        assert_eq!(
            outcome.runs[0].speedup.as_ref().map(Samples::median),
            Some(1.0)
        );
        assert_eq!(
            outcome.runs[1].speedup.as_ref().map(Samples::median),
            Some(0.5)
        );
        assert!(outcome.intro[0].starts_with("1 generated image of"));
        assert_eq!(
            report(&self::figures(&[420], &[800], &[420]))
                .findings
                .len(),
            2
        );
    }

    #[test]
    fn the_pools_lanes_say_when_its_workers_were_ready_and_how_long_they_waited() {
        let mut figures = figures(&[420], &[800], &[420]);
        let trace = Trace::virtual_time();
        for (lane, ready) in [("process 11", 0.002), ("process 12", 0.003)] {
            trace.record(lane, State::Starting, 0.0, ready);
            trace.record(lane, State::Running, ready, 0.1);
            trace.record(lane, State::Idle, 0.1, 0.1005);
            trace.record(lane, State::Running, 0.1005, 0.2);
        }
        trace.record("thread 1", State::Starting, 0.0, 0.5);
        figures.trace = trace;
        let outcome = report(&figures);
        let phases = outcome
            .findings
            .iter()
            .find(|f| f.contains("ready for work"));
        let phases = phases.expect("a finding on the pool's phases");
        assert!(phases.contains("ready for work 3.0 ms after"), "{phases}");
        assert!(
            phases.contains("over 4 tasks, they spent 1.0 ms in all"),
            "{phases}"
        );
    }

    #[test]
    fn the_pools_extra_cpu_time_gives_its_best_possible_speedup() {
        let mut figures = figures(&[420], &[800], &[420]);
        let cpu = |s: f64| Some(Samples::new(Unit::Seconds, [s]));
        figures.sequential.cpu = cpu(0.78);
        figures.pool.cpu = cpu(0.90);
        let outcome = report(&figures);
        let extra = outcome.findings.iter().find(|f| f.contains("of CPU"));
        let extra = extra.expect("a finding on the pool's CPU time");
        assert!(extra.contains("900.0 ms of CPU"), "{extra}");
        assert!(extra.contains("120.0 ms more"), "{extra}");
        // The sequential run took 800 ms: 0.8 s × 2 cores / 0.9 s of CPU.
        assert!(extra.contains("under 1.78×"), "{extra}");
        figures.pool.cpu = cpu(0.7);
        let outcome = report(&figures);
        let extra = outcome.findings.iter().find(|f| f.contains("of CPU"));
        assert!(!extra.is_some_and(|f| f.contains("under")), "{extra:?}");
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures(&[420, 430], &[810, 805], &[415, 420]))
            .on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear; 3]);
    }
}
