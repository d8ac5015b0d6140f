//! Experiment `images`: the multiprocessing lesson's image pipeline (read, resize, blur, encode
//! generated images) through the process pool and through Redis, the same `map` call on both.
//!
//! The workers read the images from this machine's disk: on several hosts the files would have to
//! be where the workers are (a shared folder, or the bytes in the task), which is the data
//! locality question the chapter raises. The JPEG checksums say both backends did the same work.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use futures_api::{Executor, MapOptions, OnBrokenWorker, ProcessPoolExecutor};
use lesson_kit::{Figure, Outcome, Run, Samples, Unit, alternate};
use multiprocessing::images::ImageSet;
use multiprocessing::tasks::{Answer, Task};
use serde::Serialize;

use super::{LessonError, Settings, no_broker, this_program};
use crate::frames::IMAGES;
use crate::{LocalRedis, LocalWorkers, RedisExecutor, RedisOptions, WorkerOptions};

/// The process pool's workers for image tasks: this program again, `--child pool-worker-images`.
pub const IMAGE_WORKER: &str = "pool-worker-images";

#[derive(Debug, Serialize)]
pub struct Figures {
    pub images: usize,
    pub side: u32,
    pub workers: usize,
    /// Seconds for the whole set, one per repeat.
    pub process: Vec<f64>,
    pub broker: Option<Vec<f64>>,
    pub skipped: Option<String>,
    /// Every run's checksums were those of the first run.
    pub same_results: bool,
    pub failures: usize,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let workers = settings.lesson.workers();
    let images = ImageSet::generate(settings.size(8, 32), settings.size(512, 2048))?;
    let process =
        ProcessPoolExecutor::<Task>::with_command(workers, OnBrokenWorker::default(), || {
            lesson_kit::child_command(IMAGE_WORKER)
        })?;
    let skipped = no_broker();
    let local = match skipped {
        None => Some(start_broker(workers)?),
        Some(_) => None,
    };
    // Both variants add their checksums here, turn by turn.
    let runs: RefCell<Vec<Result<Vec<u64>, String>>> = RefCell::new(Vec::new());
    let timed = |executor: &dyn Fn() -> Result<Vec<u64>, String>| {
        let started = Instant::now();
        let checksums = executor();
        let seconds = started.elapsed().as_secs_f64();
        runs.borrow_mut().push(checksums);
        seconds
    };
    let on_pool = || pipeline(&process, &images);
    let (process_times, broker_times) = match &local {
        Some((_, _, broker)) => {
            let on_broker = || pipeline(broker, &images);
            let [p, b] = alternate(
                settings.repeat,
                [&mut || timed(&on_pool), &mut || timed(&on_broker)],
            );
            (p, Some(b))
        }
        None => {
            let [p] = alternate(settings.repeat, [&mut || timed(&on_pool)]);
            (p, None)
        }
    };
    let runs = runs.into_inner();
    let failures = runs.iter().filter(|r| r.is_err()).count();
    let sums: Vec<&Vec<u64>> = runs.iter().filter_map(|r| r.as_ref().ok()).collect();
    Ok(Figures {
        images: images.paths.len(),
        side: images.side,
        workers,
        process: process_times,
        broker: broker_times,
        skipped,
        same_results: sums.windows(2).all(|w| w[0] == w[1]),
        failures,
    })
}

type Broker = (LocalRedis, LocalWorkers, RedisExecutor<Task>);

fn start_broker(workers: usize) -> Result<Broker, LessonError> {
    let redis = LocalRedis::start()?;
    let options = WorkerOptions {
        queue: IMAGES,
        ..WorkerOptions::default()
    };
    let local = LocalWorkers::start(&this_program()?, workers, &redis.url(), &options)?;
    let options = RedisOptions {
        workers,
        queue: IMAGES,
        ..RedisOptions::default()
    };
    let executor = RedisExecutor::connect(&redis.url(), options)?;
    Ok((redis, local, executor))
}

/// Each image's checksum, or why the pipeline failed.
type Checksums = Result<Vec<u64>, String>;

// ANCHOR: pipeline
/// `executor.map(process_image, paths)` on any backend: each JPEG's
/// checksum, in order.
fn pipeline(pool: &impl Executor<Task>, images: &ImageSet) -> Checksums {
    let tasks = images.paths.iter().cloned().map(Task::ProcessImage);
    pool.map(tasks, MapOptions::default())
        .map(|answer| match answer {
            Ok(Answer::Image(processed)) => Ok(processed.checksum),
            Ok(other) => Err(format!("not an image: {other:?}")),
            Err(e) => Err(e.to_string()),
        })
        .collect()
}
// ANCHOR_END: pipeline

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome =
        Outcome::new("images", "The image pipeline through the broker").intro(format!(
            "{} generated images of {}×{} pixels on {} workers: process pool, then Redis.",
            figures.images, figures.side, figures.side, figures.workers
        ));
    outcome = outcome.run(row("process pool", &figures.process, figures.images));
    if let Some(reason) = &figures.skipped {
        return outcome.finding(reason.clone());
    }
    let Some(broker) = &figures.broker else {
        return outcome;
    };
    outcome = outcome.run(row("Redis broker", broker, figures.images));
    if figures.failures > 0 {
        return outcome.problem(format!("{} run(s) had a failed image", figures.failures));
    }
    if !figures.same_results {
        return outcome.problem("the two backends' JPEGs differ: they did not do the same work");
    }
    let slower = Samples::ratios(&secs(broker), &secs(&figures.process));
    let per_image = figures.images.max(1) as f64;
    let extra = broker
        .iter()
        .zip(&figures.process)
        .map(|(b, p)| (b - p) / per_image);
    outcome.finding(format!(
        "Same code, same JPEGs (checksums equal). Through Redis the set took {slower} the pool's \
         time: {} more per image.",
        Samples::new(Unit::Seconds, extra)
    ))
}

fn secs(values: &[f64]) -> Samples {
    Samples::new(Unit::Seconds, values.iter().copied())
}

fn row(label: &str, times: &[f64], images: usize) -> Run {
    let wall = secs(times);
    Run::new(label, Duration::from_secs_f64(wall.median().max(0.0))).figure(
        "images/s",
        Figure::Spread(wall.map(Unit::Count, |s| (images as f64 / s * 10.0).round() / 10.0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(broker: Option<Vec<f64>>) -> Figures {
        Figures {
            images: 8,
            side: 512,
            workers: 2,
            process: vec![0.4, 0.5],
            skipped: broker
                .is_none()
                .then(|| "redis-server is not installed".into()),
            broker,
            same_results: true,
            failures: 0,
        }
    }

    #[test]
    fn both_backends_are_shown_with_their_ratio() {
        let outcome = report(&figures(Some(vec![0.44, 0.55])));
        assert_eq!(outcome.runs.len(), 2);
        assert!(
            outcome.findings[0].contains("1.10×"),
            "{}",
            outcome.findings[0]
        );
    }

    #[test]
    fn different_results_are_a_problem() {
        let mut figures = figures(Some(vec![0.44, 0.55]));
        figures.same_results = false;
        assert_eq!(report(&figures).problems.len(), 1);
    }

    #[test]
    fn without_redis_only_the_pool_runs() {
        let outcome = report(&figures(None));
        assert_eq!(outcome.runs.len(), 1);
        assert!(outcome.findings[0].contains("redis-server"));
    }
}
