//! `chunksize` beside `python/chunksize.py`: the same squares on a process pool of one worker
//! per core, one per message and in chunks, CPython and Rust in turns.

use anyhow::Context as _;
use lesson_kit::report::group_thousands;
use lesson_kit::{Figure, Outcome, Run, Samples, Twins, Unit, Versus, alternate, stopwatch};
use multiprocessing::pool::default_chunksize;
use serde::{Deserialize, Serialize};

use super::wall;
use crate::experiments::Settings;
use crate::process_pool::default_max_workers;
use crate::tasks::Task;
use crate::{Executor, MapOptions, ProcessPoolExecutor};

/// What `python/chunksize.py` prints.
#[derive(Debug, Deserialize, Serialize)]
pub struct Seconds {
    pub one_s: f64,
    pub default_s: f64,
    pub large_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub tasks: usize,
    pub chunksizes: [usize; 3],
    pub cpython: Vec<Seconds>,
    pub rust: Vec<Seconds>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let count = settings.size(10_000, 100_000);
    let workers = default_max_workers();
    let chunksizes = [
        1,
        default_chunksize(count, workers),
        count.div_ceil(workers),
    ];
    let executor = ProcessPoolExecutor::<Task>::new(workers)?;
    let seconds = |chunksize: usize| -> anyhow::Result<f64> {
        let options = MapOptions::default().chunksize(chunksize);
        let (failed, took) = stopwatch(|| {
            let tasks = (0..count as u64).map(Task::Square);
            executor.map(tasks, options).filter(Result::is_err).count()
        });
        anyhow::ensure!(failed == 0, "{failed} square(s) failed");
        Ok(took.wall.as_secs_f64())
    };
    let rust = || -> anyhow::Result<Seconds> {
        Ok(Seconds {
            one_s: seconds(chunksizes[0])?,
            default_s: seconds(chunksizes[1])?,
            large_s: seconds(chunksizes[2])?,
        })
    };
    let args = [format!("--count={count}")];
    let python = || -> anyhow::Result<Seconds> { Ok(twins.run("chunksize.py", &args)?) };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    Ok(Figures {
        python: twins.version.clone(),
        tasks: count,
        chunksizes,
        cpython: cpython
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("python/chunksize.py")?,
        rust: rust.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome =
        Outcome::new("compare-chunksize", "chunksize: CPython beside Rust").intro(format!(
            "{} squares on a process pool of one worker per core, chunksize {:?}: {} \
             (python/chunksize.py) and Rust, in turns.",
            figures.tasks, figures.chunksizes, figures.python
        ));
    let rows: [(&str, Pick); 3] = [
        ("chunksize 1", |s| s.one_s),
        ("default chunks", |s| s.default_s),
        ("one chunk per worker", |s| s.large_s),
    ];
    for ((label, pick), chunksize) in rows.into_iter().zip(figures.chunksizes) {
        for (language, runs) in [("CPython", &figures.cpython), ("Rust", &figures.rust)] {
            let timing = wall(runs.iter().map(pick));
            let per_second = timing
                .wall
                .map(Unit::Count, |s| (figures.tasks as f64 / s).round());
            outcome = outcome.run(
                Run::timed(format!("{language}: {label}"), &timing)
                    .figure("chunksize", Figure::Count(chunksize as u64))
                    .figure("tasks/s", Figure::Spread(per_second)),
            );
        }
        // The same two timings again, typed, for the workspace's table.
        let (cpython, rust) = (
            wall(figures.cpython.iter().map(pick)),
            wall(figures.rust.iter().map(pick)),
        );
        let timed = format!(
            "{} tasks in chunks of {} ({label})",
            group_thousands(figures.tasks as u64),
            group_thousands(chunksize as u64)
        );
        outcome = outcome.versus(Versus::new("chunksize", timed, &cpython.wall, &rust.wall));
    }
    let slower = |runs: &[Seconds]| {
        let ratios = runs.iter().map(|s| s.one_s / s.default_s.max(1e-9));
        Samples::new(Unit::Ratio, ratios)
    };
    outcome.finding(format!(
        "chunksize 1 against the default chunks: {} slower in CPython, {} in Rust.",
        slower(&figures.cpython),
        slower(&figures.rust)
    ))
}

/// Which figure of a run a row shows.
type Pick = fn(&Seconds) -> f64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_chunksize_gets_a_row_per_language_and_the_slowdowns_are_said() {
        let figures = Figures {
            python: "3.12.1".into(),
            tasks: 10_000,
            chunksizes: [1, 1250, 5000],
            cpython: vec![Seconds {
                one_s: 2.8,
                default_s: 0.05,
                large_s: 0.02,
            }],
            rust: vec![Seconds {
                one_s: 0.45,
                default_s: 0.02,
                large_s: 0.02,
            }],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.runs.len(), 6);
        assert_eq!(outcome.runs[1].label, "Rust: chunksize 1");
        assert_eq!(
            outcome.versus[2].timed,
            "10,000 tasks in chunks of 5,000 (one chunk per worker)"
        );
        assert_eq!(outcome.versus[0].ratio().values, [2.8 / 0.45]);
        assert!(
            outcome.findings[0].contains("56.00×"),
            "{}",
            outcome.findings[0]
        );
        assert!(
            outcome.findings[0].contains("22.50×"),
            "{}",
            outcome.findings[0]
        );
    }
}
