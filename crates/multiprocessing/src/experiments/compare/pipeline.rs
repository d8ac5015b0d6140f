//! `pipeline` beside `python/pipeline.py`: the same image files through Pillow and through
//! Rust, each in turn, in a pool of processes and on threads, the two languages taking turns.

use anyhow::Context as _;
use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{Figure, Missing, Outcome, Run, Skipped, Timing, Twins, Unit, Versus};
use serde::{Deserialize, Serialize};

use super::{in_turns, joined, one_run, speedup, twin_args};
use crate::experiments::{Settings, count, generate_images, pipeline, workers};
use crate::images::Stages;

/// What `python/pipeline.py` prints (`pipeline --dir` reads it too).
#[derive(Debug, Deserialize)]
pub(crate) struct Twin {
    /// `None` when Pillow is not installed.
    pub(crate) pillow: Option<TwinPillow>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TwinPillow {
    pub(crate) version: String,
    pub(crate) sequential_s: Vec<f64>,
    pub(crate) pool_s: Vec<f64>,
    pub(crate) threads_s: Vec<f64>,
    pub(crate) stages: Stages,
}

/// One language's three ways through the same images.
#[derive(Debug, Serialize)]
pub struct Ways {
    pub sequential: Timing,
    /// A pool of worker processes, its start included.
    pub pool: Timing,
    /// Threads: rayon in Rust, a `ThreadPoolExecutor` in Python.
    pub threads: Timing,
    /// The median time of each stage for one image, in turn.
    pub stages: Stages,
}

#[derive(Debug, Serialize)]
pub struct Pillow {
    pub version: String,
    pub ways: Ways,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub images: usize,
    pub side: u32,
    pub workers: usize,
    pub rust: Ways,
    /// `None` when Pillow is not installed.
    pub pillow: Option<Pillow>,
    /// Images the Rust side could not process, in any turn.
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let images = generate_images(settings)?;
    let w = workers(settings);
    let args = twin_args(&[
        format!("--images={}", images.dir.display()),
        format!("--workers={w}"),
    ]);
    let once = one_run(settings);
    let (python, rust) = in_turns(
        settings.repeat,
        || {
            twins
                .run::<Twin>("pipeline.py", &args)
                .context("python/pipeline.py")
        },
        || Ok(pipeline::measure_on(&once, &images)?),
    )?;
    let pillow: Option<Vec<TwinPillow>> = python.into_iter().map(|t| t.pillow).collect();
    Ok(Figures {
        python: twins.version.clone(),
        images: images.paths.len(),
        side: images.side,
        workers: w,
        rust: Ways {
            sequential: joined(rust.iter().map(|f| &f.sequential)),
            pool: joined(rust.iter().map(|f| &f.pool)),
            threads: joined(rust.iter().map(|f| &f.rayon)),
            stages: rust.first().map(|f| f.stages).unwrap_or_default(),
        },
        pillow: pillow.filter(|p| !p.is_empty()).map(pillow_ways),
        failures: rust.iter().flat_map(|f| f.failures.clone()).collect(),
    })
}

fn pillow_ways(turns: Vec<TwinPillow>) -> Pillow {
    let all = |field: fn(&TwinPillow) -> &Vec<f64>| {
        Timing::wall_seconds(turns.iter().flat_map(|t| field(t).iter().copied()))
    };
    Pillow {
        version: turns[0].version.clone(),
        ways: Ways {
            sequential: all(|t| &t.sequential_s),
            pool: all(|t| &t.pool_s),
            threads: all(|t| &t.threads_s),
            stages: turns[0].stages,
        },
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let w = figures.workers;
    let mut outcome = Outcome::new("compare-pipeline", "The image pipeline: Pillow beside Rust")
        .intro(format!(
            "The same {} of {side}×{side} px, the same stages (resize to half with Lanczos, \
             Gaussian blur σ = 2, JPEG quality 85), {}; {} runs python/pipeline.py, in \
             turns with Rust.",
            count(figures.images, "image"),
            count(w, "worker"),
            figures.python,
            side = figures.side
        ))
        .run(row(figures, "Rust: sequential", &figures.rust.sequential))
        .run(row(
            figures,
            &format!("Rust: pool of {}", count(w, "process")),
            &figures.rust.pool,
        ))
        .run(row(
            figures,
            &format!("Rust: rayon, {}", count(w, "thread")),
            &figures.rust.threads,
        ));
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    let Some(pillow) = &figures.pillow else {
        return outcome.finding(NO_PILLOW).skipped(Skipped::new(
            "Pillow's side of the pipeline",
            Missing::Pillow,
        ));
    };
    versus(figures, pillow)
        .into_iter()
        .fold(outcome, Outcome::versus)
        .run(row(
            figures,
            &format!("Pillow {}: sequential", pillow.version),
            &pillow.ways.sequential,
        ))
        .run(row(
            figures,
            &format!("Pillow: Pool({w})"),
            &pillow.ways.pool,
        ))
        .run(row(
            figures,
            &format!("Pillow: ThreadPoolExecutor({w})"),
            &pillow.ways.threads,
        ))
        .finding(stage_by_stage(figures, pillow))
        .finding(format!(
            "Against their own sequential run: Python's Pool {}, its threads {} (Pillow releases \
             the GIL); Rust's pool {}, rayon {}.",
            faster_or_slower(speedup(&pillow.ways.sequential, &pillow.ways.pool).median()),
            faster_or_slower(speedup(&pillow.ways.sequential, &pillow.ways.threads).median()),
            faster_or_slower(speedup(&figures.rust.sequential, &figures.rust.pool).median()),
            faster_or_slower(speedup(&figures.rust.sequential, &figures.rust.threads).median()),
        ))
}

/// The three ways' times on both sides again, typed, for the workspace's table.
fn versus(figures: &Figures, pillow: &Pillow) -> [Versus; 3] {
    let w = figures.workers;
    let (p, r) = (&pillow.ways, &figures.rust);
    let pair =
        |timed: String, p: &Timing, r: &Timing| Versus::new("pipeline", timed, &p.wall, &r.wall);
    let images = count(figures.images, "image");
    [
        pair(format!("{images} in turn"), &p.sequential, &r.sequential),
        pair(
            format!("{images}, {}", count(w, "process")),
            &p.pool,
            &r.pool,
        ),
        pair(
            format!("{images}, {}", count(w, "thread")),
            &p.threads,
            &r.threads,
        ),
    ]
}

const NO_PILLOW: &str = "Pillow is not installed, so there is no Python pipeline to compare \
    with. Install it with `python3 -m pip install Pillow` (or `apt install python3-pil`) and run \
    `cargo run -p multiprocessing -- compare` again. The countdown below needs nothing but Python.";

fn row(figures: &Figures, label: &str, timing: &Timing) -> Run {
    let n = figures.images.max(1) as f64;
    Run::timed(label, timing).figure(
        "per image",
        Figure::Spread(timing.wall.map(Unit::Seconds, |s| s / n)),
    )
}

fn stage_by_stage(figures: &Figures, pillow: &Pillow) -> String {
    let n = figures.images.max(1) as f64;
    let (p, r) = (&pillow.ways.stages, &figures.rust.stages);
    let pair = |a: f64, b: f64| format!("{} / {}", format_seconds(a), format_seconds(b));
    format!(
        "Per image, in turn: Pillow {}, Rust {}. Stage by stage, Pillow against Rust: read {}, \
         resize {}, blur {}, JPEG {}.",
        format_seconds(pillow.ways.sequential.wall.median() / n),
        format_seconds(figures.rust.sequential.wall.median() / n),
        pair(p.read_s, r.read_s),
        pair(p.resize_s, r.resize_s),
        pair(p.blur_s, r.blur_s),
        pair(p.encode_s, r.encode_s),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ways(sequential: f64, pool: f64, threads: f64) -> Ways {
        Ways {
            sequential: Timing::wall_seconds([sequential, sequential]),
            pool: Timing::wall_seconds([pool, pool]),
            threads: Timing::wall_seconds([threads, threads]),
            stages: Stages {
                read_s: 0.001,
                resize_s: 0.01,
                blur_s: 0.02,
                encode_s: 0.03,
            },
        }
    }

    fn figures(pillow: Option<Pillow>) -> Figures {
        Figures {
            python: "Python 3.12.3".into(),
            images: 8,
            side: 1024,
            workers: 2,
            rust: ways(0.8, 0.45, 0.42),
            pillow,
            failures: Vec::new(),
        }
    }

    #[test]
    fn both_languages_show_their_speedups_against_their_own_sequential_run() {
        let pillow = Pillow {
            version: "10.2.0".into(),
            ways: ways(1.6, 1.0, 0.9),
        };
        let outcome = report(&figures(Some(pillow)));
        assert_eq!(outcome.runs.len(), 6);
        let timed: Vec<&str> = outcome.versus.iter().map(|v| v.timed.as_str()).collect();
        assert_eq!(
            timed,
            [
                "8 images in turn",
                "8 images, 2 processes",
                "8 images, 2 threads"
            ]
        );
        assert_eq!(
            outcome.versus[0].ratio().median(),
            2.0,
            "Pillow 1.6 s, Rust 0.8 s"
        );
        assert!(outcome.skipped.is_empty());
        let text = outcome.findings.join("\n");
        assert!(text.contains("Python's Pool 1.60× faster"), "{text}");
        assert!(text.contains("Rust's pool 1.78× faster"), "{text}");
        assert!(text.contains("read 1.0 ms / 1.0 ms"), "{text}");
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn without_pillow_the_reader_is_told_how_to_install_it() {
        let outcome = report(&figures(None));
        assert_eq!(outcome.runs.len(), 3);
        assert!(outcome.findings[0].contains("pip install Pillow"));
        assert!(outcome.versus.is_empty());
        assert_eq!(outcome.skipped[0].missing, Missing::Pillow);
    }

    #[test]
    fn a_failed_image_is_a_problem_and_counts_read_singular() {
        let mut figures = figures(None);
        figures.failures = vec!["pool: task 3 was lost".into()];
        figures.images = 1;
        let outcome = report(&figures);
        assert_eq!(outcome.problems, ["pool: task 3 was lost"]);
        assert!(outcome.intro.iter().any(|i| i.contains("same 1 image of")));
    }
}
