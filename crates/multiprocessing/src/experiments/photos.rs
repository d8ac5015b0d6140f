//! `pipeline --dir PATH`: the image pipeline on the reader's own photos. The article's example
//! is a folder of photographs; this is that folder. Every JPEG and PNG in it goes through the
//! same stages as the generated images, in turn, in a pool of processes, with rayon, and through
//! Pillow (`python/pipeline.py`) on the same files.
//!
//! The reader's folder is only read. Each variant writes its JPEGs into its own subfolder
//! (`sequential/`, `pool/`, `rayon/`, `pillow/`) of `--out DIR`, or of this run's scratch
//! folder, removed whatever ends the run. A photo that does not decode is named and left out;
//! the others complete, and the run exits non-zero.

use std::path::{Path, PathBuf};

use lesson_kit::cleanup::scratch_dir;
use lesson_kit::{Measurement, Outcome, Run, Timing, Twins, alternate, stopwatch_with_children};
use rayon::prelude::*;
use serde::Serialize;

use super::compare::pipeline::Twin;
use super::{LessonError, Settings, cores, count, pipeline, workers};
use crate::images::Processed;
use crate::photos::{PhotoError, decode, find_photos, output_folder, process_photo};
use crate::pool::Pool;
use crate::tasks::{Answer, Task};

/// What `measure` found on the reader's photos.
#[derive(Debug, Serialize)]
pub struct Figures {
    /// The reader's folder, as given.
    pub dir: PathBuf,
    /// Photos that decoded, and so went through every variant.
    pub photos: usize,
    /// Where the results went: `--out`, or the run's scratch folder.
    pub out: PathBuf,
    /// Whether `out` outlives the run (`--out` given).
    pub kept: bool,
    pub workers: usize,
    pub cores: usize,
    pub sequential: Timing,
    pub pool: Timing,
    pub rayon: Timing,
    pub pillow: Pillow,
    /// Photos that did not decode: "path: why". Left out of every variant.
    pub skipped: Vec<String>,
    /// Photos that decoded but failed later, in any variant: "variant: error".
    pub failures: Vec<String>,
}

/// Pillow's runs on the same photos, or why there are none.
#[derive(Debug, Serialize)]
pub enum Pillow {
    Ran {
        version: String,
        sequential: Timing,
        pool: Timing,
        threads: Timing,
    },
    Missing(String),
}

type Batch = (Vec<Result<Processed, String>>, Measurement);

pub fn measure(settings: &Settings, dir: &Path) -> Result<Figures, LessonError> {
    let found = find_photos(dir)?;
    // The scratch folder lives until `measure` returns (and goes however the run ends);
    // `--out` outlives the run.
    let (out, _scratch) = match &settings.lesson.out {
        Some(out) => (output_folder(dir, out)?, None),
        None => {
            let scratch = scratch_dir("photos").map_err(LessonError::Scratch)?;
            (scratch.to_path_buf(), Some(scratch))
        }
    };
    let (photos, skipped) = decodable(found);
    if photos.is_empty() {
        return Err(PhotoError::NoneDecodes {
            path: dir.to_path_buf(),
            reasons: skipped.join("; "),
        }
        .into());
    }
    let folder = |variant: &str| -> Result<PathBuf, LessonError> {
        let folder = out.join(variant);
        std::fs::create_dir_all(&folder).map_err(|source| PhotoError::Out {
            path: folder.clone(),
            source,
        })?;
        Ok(folder)
    };
    let (in_turn_out, pool_out, rayon_out) =
        (folder("sequential")?, folder("pool")?, folder("rayon")?);
    let w = workers(settings);
    let rayon = rayon::ThreadPoolBuilder::new().num_threads(w).build()?;
    let [sequential, pool, with_rayon] = alternate(
        settings.repeat,
        [
            &mut || stopwatch_with_children(|| in_turn(&photos, &in_turn_out)),
            &mut || stopwatch_with_children(|| in_a_pool(&photos, &pool_out, w)),
            &mut || stopwatch_with_children(|| rayon.install(|| with_rayon(&photos, &rayon_out))),
        ],
    );
    let pillow = through_pillow(settings, &photos, &folder("pillow")?, w);
    Ok(Figures {
        dir: dir.to_path_buf(),
        photos: photos.len(),
        kept: settings.lesson.out.is_some(),
        out,
        workers: w,
        cores: cores(),
        failures: failures(&[
            ("sequential", &sequential),
            ("pool", &pool),
            ("rayon", &with_rayon),
        ]),
        sequential: timing(&sequential),
        pool: timing(&pool),
        rayon: timing(&with_rayon),
        pillow,
        skipped,
    })
}

/// Decodes each photo once, untimed: those that decode, and "path: why" for the others.
fn decodable(found: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<String>) {
    let mut skipped = Vec::new();
    let photos = found
        .into_iter()
        .filter(|path| match decode(path) {
            Ok(_) => true,
            Err(error) => {
                skipped.push(error.to_string());
                false
            }
        })
        .collect();
    (photos, skipped)
}

/// `for path in paths: process_image(path)`.
fn in_turn(paths: &[PathBuf], out: &Path) -> Vec<Result<Processed, String>> {
    paths
        .iter()
        .map(|path| process_photo(path, out).map_err(|e| e.to_string()))
        .collect()
}

/// `with Pool(workers) as pool: pool.map(process_image, paths)`, pool start included.
fn in_a_pool(paths: &[PathBuf], out: &Path, workers: usize) -> Vec<Result<Processed, String>> {
    let pool = match Pool::<Task>::new(workers) {
        Ok(pool) => pool,
        Err(error) => return paths.iter().map(|_| Err(error.to_string())).collect(),
    };
    let tasks = paths.iter().map(|path| Task::ProcessPhoto {
        path: path.clone(),
        out: out.to_path_buf(),
    });
    let answers = pool.map(tasks).into_iter();
    answers
        .map(|answer| match answer {
            Ok(Answer::Image(processed)) => Ok(processed),
            Ok(other) => Err(format!("unexpected answer {other:?}")),
            Err(error) => Err(error.to_string()),
        })
        .collect()
}

/// `paths.par_iter().map(process_image)`.
fn with_rayon(paths: &[PathBuf], out: &Path) -> Vec<Result<Processed, String>> {
    paths
        .par_iter()
        .map(|path| process_photo(path, out).map_err(|e| e.to_string()))
        .collect()
}

/// `python/pipeline.py` on the same files, writing into `out`. No Python or no Pillow is not
/// a failure of the lesson: the report says so and how to install it.
fn through_pillow(settings: &Settings, photos: &[PathBuf], out: &Path, workers: usize) -> Pillow {
    let twins = match Twins::find(concat!(env!("CARGO_MANIFEST_DIR"), "/python").into()) {
        Ok(twins) => twins,
        Err(error) => return Pillow::Missing(error.to_string()),
    };
    let mut args = vec![
        format!("--repeat={}", settings.repeat),
        format!("--workers={workers}"),
        format!("--out={}", out.display()),
        "--".to_string(),
    ];
    args.extend(photos.iter().map(|p| p.display().to_string()));
    match twins.run::<Twin>("pipeline.py", &args) {
        Ok(Twin { pillow: Some(p) }) => Pillow::Ran {
            version: p.version,
            sequential: Timing::wall_seconds(p.sequential_s),
            pool: Timing::wall_seconds(p.pool_s),
            threads: Timing::wall_seconds(p.threads_s),
        },
        Ok(Twin { pillow: None }) => {
            Pillow::Missing("Pillow is not installed (`python3 -m pip install Pillow`)".to_string())
        }
        Err(error) => Pillow::Missing(format!("python/pipeline.py: {error}")),
    }
}

fn timing(runs: &[Batch]) -> Timing {
    Timing::of(&runs.iter().map(|(_, m)| *m).collect::<Vec<_>>())
}

/// Every photo that failed in any run of any variant, once: "variant: error".
fn failures(variants: &[(&str, &Vec<Batch>)]) -> Vec<String> {
    let mut failures: Vec<String> = variants
        .iter()
        .flat_map(|(name, runs)| {
            let errors = runs
                .iter()
                .flat_map(|(r, _)| r)
                .filter_map(|r| r.as_ref().err());
            errors.map(move |e| format!("{name}: {e}"))
        })
        .collect();
    failures.sort();
    failures.dedup();
    failures
}

pub fn report(figures: &Figures) -> Outcome {
    let (w, n) = (figures.workers, figures.photos);
    let mut outcome = Outcome::new("pipeline", "The image pipeline on your own photos")
        .intro(format!(
            "{} from {}, each decoded, resized to half (Lanczos-3), blurred (Gaussian, σ = 2) \
             and encoded as JPEG (quality 85): in turn, in a pool of {}, with rayon on {}, \
             and through Pillow (python/pipeline.py) when it is installed. Every speedup is \
             against Rust in turn. Your folder is only read.",
            count(n, "photo"),
            figures.dir.display(),
            count(w, "worker process"),
            count(w, "thread"),
        ))
        .run(Run::timed("sequential", &figures.sequential))
        .run(Run::timed(
            format!("pool of {}", count(w, "process")),
            &figures.pool,
        ))
        .run(Run::timed(
            format!("rayon, {}", count(w, "thread")),
            &figures.rayon,
        ));
    outcome = match &figures.pillow {
        Pillow::Ran {
            version,
            sequential,
            pool,
            threads,
        } => outcome
            .run(Run::timed(
                format!("Pillow {version}: sequential"),
                sequential,
            ))
            .run(Run::timed(format!("Pillow {version}: pool"), pool))
            .run(Run::timed(format!("Pillow {version}: threads"), threads)),
        Pillow::Missing(why) => outcome.finding(format!("No Pillow runs: {why}.")),
    };
    outcome = outcome.finding(where_the_results_are(figures));
    for skipped in &figures.skipped {
        outcome = outcome.problem(format!("skipped, does not decode: {skipped}"));
    }
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    if figures.failures.is_empty() {
        outcome = outcome.speedups_against("sequential");
    }
    outcome
}

fn where_the_results_are(figures: &Figures) -> String {
    let out = figures.out.display();
    if figures.kept {
        format!("The JPEGs are in {out}, one folder per variant (sequential, pool, rayon, pillow).")
    } else {
        format!(
            "The JPEGs went to {out}, one folder per variant, removed as the run ends; \
             pass --out DIR to keep them."
        )
    }
}

/// What the tour's `pipeline` measured: the generated images, or the reader's own photos
/// (`--dir`). Untagged, so that the JSON of either is the same as on its own.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Either {
    Generated(pipeline::Figures),
    Photos(Figures),
}

/// `pipeline`: the reader's photos when `--dir` is given, generated images otherwise.
pub fn measure_either(settings: &Settings) -> Result<Either, LessonError> {
    match &settings.lesson.dir {
        Some(dir) => measure(settings, dir).map(Either::Photos),
        None => pipeline::measure(settings).map(Either::Generated),
    }
}

pub fn report_either(figures: &Either) -> Outcome {
    match figures {
        Either::Generated(figures) => pipeline::report(figures),
        Either::Photos(figures) => report(figures),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(skipped: Vec<String>, kept: bool) -> Figures {
        Figures {
            dir: "/photos".into(),
            photos: 3,
            out: "/results".into(),
            kept,
            workers: 2,
            cores: 2,
            sequential: Timing::wall_seconds([0.30, 0.31]),
            pool: Timing::wall_seconds([0.20, 0.21]),
            rayon: Timing::wall_seconds([0.16, 0.17]),
            pillow: Pillow::Missing("Pillow is not installed".into()),
            skipped,
            failures: vec![],
        }
    }

    #[test]
    fn a_photo_that_does_not_decode_is_a_problem_naming_it() {
        let outcome = report(&figures(vec!["/photos/cut.jpg: truncated".into()], true));
        assert_eq!(outcome.problems.len(), 1, "{:?}", outcome.problems);
        assert!(outcome.problems[0].contains("/photos/cut.jpg"));
    }

    #[test]
    fn the_report_says_where_the_results_are_and_whether_they_stay() {
        let kept = report(&figures(vec![], true));
        assert!(kept.problems.is_empty(), "{:?}", kept.problems);
        assert!(kept.findings.iter().any(|f| f.contains("are in /results")));
        let scratch = report(&figures(vec![], false));
        assert!(scratch.findings.iter().any(|f| f.contains("--out DIR")));
    }
}
