//! `pool-size` beside `python/pool_size.py`: the same downloads from the same local server on
//! `ThreadPoolExecutor`s of three sizes and as coroutines, CPython and Rust in turns.

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::{DelayServer, Outcome, Run, Twins, Versus, alternate, stopwatch};
use serde::{Deserialize, Serialize};

use super::wall;
use crate::experiments::Settings;
use crate::experiments::pool_size::{on_coroutines, on_threads};
use crate::thread_pool::default_max_workers;

/// What `python/pool_size.py` prints: seconds for each way of running the downloads.
#[derive(Debug, Deserialize, Serialize)]
pub struct Seconds {
    pub four_s: f64,
    pub default_s: f64,
    pub one_each_s: f64,
    /// asyncio in CPython, tokio in Rust.
    pub asyncio_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub downloads: usize,
    pub delay_s: f64,
    pub cpython: Vec<Seconds>,
    pub rust: Vec<Seconds>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let count = settings.size(24, 100);
    let delay = settings.size(Duration::from_millis(100), Duration::from_millis(300));
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..count).map(|_| server.delay_url(delay)).collect();
    lesson_kit::os::ensure_open_files(2 * count as u64 + 64)?;
    let args = [
        server.base_url(),
        format!("--count={count}"),
        format!("--delay-ms={}", delay.as_millis()),
    ];
    let seconds = |run: &dyn Fn() -> Result<(), String>| -> anyhow::Result<f64> {
        let (ran, took) = stopwatch(run);
        ran.map_err(anyhow::Error::msg)?;
        Ok(took.wall.as_secs_f64())
    };
    let rust = || -> anyhow::Result<Seconds> {
        Ok(Seconds {
            four_s: seconds(&|| on_threads(4, &urls))?,
            default_s: seconds(&|| on_threads(default_max_workers(), &urls))?,
            one_each_s: seconds(&|| on_threads(count, &urls))?,
            asyncio_s: seconds(&|| on_coroutines(&urls))?,
        })
    };
    let python = || -> anyhow::Result<Seconds> { Ok(twins.run("pool_size.py", &args)?) };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    Ok(Figures {
        python: twins.version.clone(),
        downloads: count,
        delay_s: delay.as_secs_f64(),
        cpython: cpython
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("python/pool_size.py")?,
        rust: rust.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome =
        Outcome::new("compare-pool-size", "Pool sizes: CPython beside Rust").intro(format!(
            "{} downloads of {} ms on ThreadPoolExecutor(4), the default size, one thread each, \
             and as coroutines: {} (python/pool_size.py) and Rust, in turns.",
            figures.downloads,
            (figures.delay_s * 1000.0).round(),
            figures.python
        ));
    let rows: [(&str, Pick); 4] = [
        ("4 threads", |s| s.four_s),
        ("default size", |s| s.default_s),
        ("one thread each", |s| s.one_each_s),
        ("coroutines", |s| s.asyncio_s),
    ];
    for (label, pick) in rows {
        for (language, runs) in [("CPython", &figures.cpython), ("Rust", &figures.rust)] {
            let timing = wall(runs.iter().map(pick));
            outcome = outcome.run(Run::timed(format!("{language}: {label}"), &timing));
        }
        // The same two timings again, typed, for the workspace's table.
        let (cpython, rust) = (
            wall(figures.cpython.iter().map(pick)),
            wall(figures.rust.iter().map(pick)),
        );
        let timed = format!("{} downloads, {label}", figures.downloads);
        outcome = outcome.versus(Versus::new("pool-size", timed, &cpython.wall, &rust.wall));
    }
    outcome.finding(
        "The pool size decides the time in both languages: waiting is not where CPython is \
         slow, and its GIL is released while a thread waits.",
    )
}

/// Which figure of a run a row shows.
type Pick = fn(&Seconds) -> f64;

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(scale: f64) -> Seconds {
        Seconds {
            four_s: 0.6 * scale,
            default_s: 0.4 * scale,
            one_each_s: 0.1 * scale,
            asyncio_s: 0.1 * scale,
        }
    }

    #[test]
    fn every_way_gets_a_row_per_language() {
        let figures = Figures {
            python: "3.12.1".into(),
            downloads: 24,
            delay_s: 0.1,
            cpython: vec![seconds(1.1), seconds(1.0)],
            rust: vec![seconds(1.0), seconds(1.0)],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.runs.len(), 8);
        assert_eq!(outcome.runs[0].label, "CPython: 4 threads");
        assert_eq!(outcome.versus.len(), 4);
        assert_eq!(outcome.versus[0].timed, "24 downloads, 4 threads");
        assert_eq!(outcome.versus[0].rust.values, [0.6, 0.6]);
        assert!(
            (outcome.runs[0].wall_s - 0.63).abs() < 1e-9,
            "the median of 0.66 and 0.6"
        );
    }
}
