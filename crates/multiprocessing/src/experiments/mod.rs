//! The lesson's experiments, one file each, in the order the chapter tells them, plus the
//! side-by-side comparison with CPython.
//!
//! Each experiment is two functions: `measure(&Settings) -> Figures` runs the processes and
//! threads and returns typed figures; `report(&Figures) -> Outcome` writes the findings and the
//! verdicts on the claims *from those figures*. lesson-kit's `Tour` (see `src/main.rs`) does the
//! rest.

pub mod compare;
pub mod cost;
pub mod countdown;
pub mod photos;
pub mod pipeline;
pub mod talking;

use std::collections::BTreeMap;
use std::time::SystemTime;

use lesson_kit::{Claim, Samples, State, Trace, Verdict};

use lesson_kit::report::format_bytes;

use crate::images::{ImageSet, bytes_needed, free_bytes};
use crate::pool::{Finished, PoolError};

/// The flags of this lesson, on top of lesson-kit's `--full`, `--repeat` and `--json`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// How many worker processes (and threads) to use (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub workers: Option<u64>,

    /// How many images the pipeline processes (default: four per worker, 8 to 32).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub images: Option<u64>,

    /// The side of each generated image, in pixels (default 1024, or 2048 with --full).
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(16..=8192))]
    pub size: Option<u32>,

    /// Run the pipeline on your own photos: every JPEG and PNG in this folder (never written to).
    #[arg(long, value_name = "PATH")]
    pub dir: Option<std::path::PathBuf>,

    /// With --dir, keep the results in this folder (default: a scratch folder removed at the end).
    #[arg(long, value_name = "DIR", requires = "dir")]
    pub out: Option<std::path::PathBuf>,

    /// Write the generated images even when the temporary folder's disk looks too full for them.
    #[arg(long)]
    pub ignore_free_space: bool,
}

/// What every experiment of this lesson receives.
pub type Settings = lesson_kit::Settings<Flags>;

/// Why an experiment could not run at all (a task that failed or a worker that died is not
/// this: it is a problem the experiment reports, and the rest of its work completes).
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("could not write the generated images: {0}")]
    Images(std::io::Error),
    #[error(
        "{images} would take {needed} in {dir}, which has {free} free; use fewer or smaller \
         images (--images, --size), point TMPDIR at a roomier disk, or pass \
         --ignore-free-space to write them anyway"
    )]
    NoRoom {
        images: String,
        needed: String,
        dir: String,
        free: String,
    },
    #[error(transparent)]
    Photos(#[from] crate::photos::PhotoError),
    #[error("could not make a scratch folder for the results: {0}")]
    Scratch(std::io::Error),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error("could not start a child process: {0}")]
    Child(std::io::Error),
    #[error("could not build rayon's thread pool: {0}")]
    Rayon(#[from] rayon::ThreadPoolBuildError),
    #[error("{0}")]
    Other(String),
}

/// The pipeline's images, generated in this run's scratch folder once the disk is known to hold
/// them: a run of `--images 256 --size 8192` (48 GiB) is refused before it writes a byte.
pub fn generate_images(settings: &Settings) -> Result<ImageSet, LessonError> {
    let (count, side) = (image_count(settings), image_side(settings));
    let dir = std::env::temp_dir();
    if !settings.lesson.ignore_free_space {
        // Unknown free space (another OS) is not a reason to refuse.
        let free = free_bytes(&dir).unwrap_or(u64::MAX);
        room_for(count, side, &dir, free)?;
    }
    ImageSet::generate(count, side).map_err(LessonError::Images)
}

/// Whether `count` images of `side` px fit in `free` bytes, with a tenth to spare so that the run
/// does not leave the disk full for everyone else.
fn room_for(count: usize, side: u32, dir: &std::path::Path, free: u64) -> Result<(), LessonError> {
    let needed = bytes_needed(count, side);
    if needed.saturating_add(needed / 10) <= free {
        return Ok(());
    }
    Err(LessonError::NoRoom {
        images: format!("{} of {side}×{side} px", self::count(count, "image")),
        needed: format_bytes(needed),
        dir: dir.display().to_string(),
        free: format_bytes(free),
    })
}

/// Images the pipeline processes: `--images`, or four per worker (8 to 32), enough for every
/// worker to have several.
pub fn image_count(settings: &Settings) -> usize {
    let default = (4 * workers(settings)).clamp(8, 32);
    settings.lesson.images.map_or(default, |n| n as usize)
}

/// The side of each image: `--size`, or 1024 px (2048 px, the article's, with `--full`).
pub fn image_side(settings: &Settings) -> u32 {
    settings.lesson.size.unwrap_or(settings.size(1024, 2048))
}

/// Worker processes (and threads) to use: `--workers`, or one per core.
pub fn workers(settings: &Settings) -> usize {
    settings
        .lesson
        .workers
        .map_or_else(cores, |n| n as usize)
        .max(1)
}

/// Cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// "1 image", "8 images", "2 processes": a count with its noun, singular when it is one.
pub fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        _ if noun.ends_with('s') => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}

/// What a machine allows to run side by side: the judge of every claim that work in parallel
/// goes faster. The most any variant can gain is one item per worker, one worker per core.
#[derive(Clone, Copy, Debug)]
pub struct SideBySide {
    pub cores: usize,
    pub workers: usize,
    /// Images or tasks to share out.
    pub items: usize,
}

impl SideBySide {
    /// The best speedup possible here.
    pub fn ideal(self) -> f64 {
        self.workers.min(self.cores).min(self.items) as f64
    }

    /// Judges `claim` on `speedup`: most of the ideal holds, some of it (1.2× or more) holds in
    /// part, less does not hold. With one core or one worker nothing can run side by side, so
    /// the claim is not tested, and says why.
    pub fn judge(self, claim: Claim, speedup: &Samples, measured: String) -> Claim {
        let ideal = self.ideal();
        if ideal < 2.0 {
            return claim.measured(format!(
                "not tested: {} and {} here leave nothing to run side by side",
                count(self.cores, "core"),
                count(self.workers, "worker"),
            ));
        }
        claim.measured(measured).judge(speedup, |x| {
            if x >= 0.7 * ideal {
                Verdict::Holds
            } else if x >= 1.2 {
                Verdict::Partly
            } else {
                Verdict::DoesNotHold
            }
        })
    }
}

/// Draws each finished task on its worker's lane ("process PID"), from the times the worker
/// reported by its own clock: `starting` from `started` (when the pool was asked for) until the
/// worker was ready for its first task, `idle` while it waited for a task (for the parent to
/// send one), `running` while it ran one. A gap in a lane is the worker waiting for the parent.
pub fn trace_workers<R>(finished: &[Finished<R>], started: SystemTime, trace: &Trace) {
    let seconds = |t: SystemTime| t.duration_since(started).map_or(0.0, |d| d.as_secs_f64());
    let mut ready: BTreeMap<u32, f64> = BTreeMap::new();
    for ran in finished.iter().filter_map(|f| f.ran) {
        let (waited_from, start) = (seconds(ran.waited_from), seconds(ran.started));
        if start > waited_from {
            trace.record(&lane(ran.pid), State::Idle, waited_from, start);
        }
        trace.record(&lane(ran.pid), State::Running, start, seconds(ran.finished));
        let first = ready.entry(ran.pid).or_insert(waited_from);
        *first = first.min(waited_from);
    }
    for (pid, first) in ready {
        trace.record(&lane(pid), State::Starting, 0.0, first);
    }
}

fn lane(pid: u32) -> String {
    format!("process {pid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_that_would_fill_the_disk_are_refused_naming_the_flag() {
        let dir = std::path::Path::new("/tmp");
        assert_eq!(bytes_needed(2, 1024), 2 * (17 + 3 * 1024 * 1024));
        assert!(room_for(8, 1024, dir, 1 << 30).is_ok());
        let error = room_for(256, 8192, dir, 36 << 30)
            .expect_err("48 GiB on 36")
            .to_string();
        assert!(
            error.contains("256 images of 8192×8192 px would take 48.0 GiB"),
            "{error}"
        );
        assert!(error.contains("--ignore-free-space"), "{error}");
        let tight = bytes_needed(1, 64);
        assert!(
            room_for(1, 64, dir, tight).is_err(),
            "no room to spare is refused"
        );
    }

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(count(1, "image"), "1 image");
        assert_eq!(count(8, "image"), "8 images");
        assert_eq!(count(1, "process"), "1 process");
        assert_eq!(count(2, "process"), "2 processes");
        assert_eq!(count(0, "thread"), "0 threads");
    }

    #[test]
    fn side_by_side_judges_against_the_ideal_and_not_at_all_on_one_core() {
        let two = SideBySide {
            cores: 2,
            workers: 4,
            items: 8,
        };
        assert_eq!(two.ideal(), 2.0);
        let verdict = |x: f64| {
            let claim = Claim::new("faster", lesson_kit::Source::ARTICLE);
            two.judge(
                claim,
                &Samples::new(lesson_kit::Unit::Ratio, [x]),
                "m".into(),
            )
            .verdict
        };
        assert_eq!(verdict(1.5), Verdict::Holds);
        assert_eq!(verdict(1.3), Verdict::Partly);
        assert_eq!(verdict(1.1), Verdict::DoesNotHold);
        let one = SideBySide {
            cores: 1,
            workers: 4,
            items: 8,
        };
        let claim = Claim::new("faster", lesson_kit::Source::ARTICLE);
        let claim = one.judge(
            claim,
            &Samples::new(lesson_kit::Unit::Ratio, [1.0]),
            "m".into(),
        );
        assert_eq!(claim.verdict, Verdict::Unclear);
        assert!(
            claim.measured.contains("not tested: 1 core and 4 workers"),
            "{}",
            claim.measured
        );
    }
}
