//! `one-api` beside `python/one_api.py`: the same downloads and countdowns through a thread pool
//! and through a process pool of four, CPython and Rust in turns. Each language's pool start is
//! inside its timing, as a `with` block has it.

use anyhow::Context as _;
use lesson_kit::{DelayServer, Outcome, Samples, Twins, alternate};
use serde::{Deserialize, Serialize};

use super::{both_sides, wall};
use crate::experiments::Settings;
use crate::experiments::one_api::{Ran, WORKERS, Work, run};
use crate::{ProcessPoolExecutor, ThreadPoolExecutor};

/// What `python/one_api.py` prints; the Rust side fills the same four figures.
#[derive(Debug, Deserialize, Serialize)]
pub struct Seconds {
    pub downloads_on_threads_s: f64,
    pub downloads_on_processes_s: f64,
    pub countdown_on_threads_s: f64,
    pub countdown_on_processes_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub downloads: usize,
    pub delay_s: f64,
    pub steps: u64,
    pub cpython: Vec<Seconds>,
    pub rust: Vec<Seconds>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let server = DelayServer::start()?;
    let work = Work::new(settings, &server);
    let args = [
        server.base_url(),
        format!("--downloads={}", work.downloads.len()),
        format!("--delay-ms={}", work.delay.as_millis()),
        format!("--steps={}", work.steps),
    ];
    let seconds = |(ran, took): Ran| -> anyhow::Result<f64> {
        ran.map_err(anyhow::Error::msg)?;
        Ok(took.wall.as_secs_f64())
    };
    let threads = || Ok(ThreadPoolExecutor::new(WORKERS));
    let processes = || ProcessPoolExecutor::new(WORKERS);
    let rust = || -> anyhow::Result<Seconds> {
        Ok(Seconds {
            downloads_on_threads_s: seconds(run(&work.downloads, threads))?,
            downloads_on_processes_s: seconds(run(&work.downloads, processes))?,
            countdown_on_threads_s: seconds(run(&work.countdowns, threads))?,
            countdown_on_processes_s: seconds(run(&work.countdowns, processes))?,
        })
    };
    let python = || -> anyhow::Result<Seconds> { Ok(twins.run("one_api.py", &args)?) };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    Ok(Figures {
        python: twins.version.clone(),
        downloads: work.downloads.len(),
        delay_s: work.delay.as_secs_f64(),
        steps: work.steps,
        cpython: cpython
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("python/one_api.py")?,
        rust: rust.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome =
        Outcome::new("compare-one-api", "One API: CPython beside Rust").intro(format!(
            "{} downloads of {} ms, then {WORKERS} countdowns of {} steps, each through \
         ThreadPoolExecutor({WORKERS}) and ProcessPoolExecutor({WORKERS}): {} \
         (python/one_api.py) and Rust, in turns. Rust's countdown runs on the GIL simulator's \
         interpreter, one simulated GIL per process, as each CPython process has its own.",
            figures.downloads,
            (figures.delay_s * 1000.0).round(),
            figures.steps,
            figures.python
        ));
    let rows: [(&str, Pick); 4] = [
        ("downloads, threads", |s| s.downloads_on_threads_s),
        ("downloads, processes", |s| s.downloads_on_processes_s),
        ("countdown, threads", |s| s.countdown_on_threads_s),
        ("countdown, processes", |s| s.countdown_on_processes_s),
    ];
    let runs = [figures.cpython.as_slice(), figures.rust.as_slice()];
    for (label, pick) in rows {
        outcome = both_sides(outcome, "one-api", label, runs, pick);
    }
    for (language, runs) in [("CPython", &figures.cpython), ("Rust", &figures.rust)] {
        outcome = outcome.finding(shape(language, runs));
    }
    outcome
}

/// Which figure of a run a row shows.
type Pick = fn(&Seconds) -> f64;

/// One language's two ratios: what processes cost the downloads, what threads cost the
/// countdown. The same shape in both languages is the lesson; the absolute times are not.
fn shape(language: &str, runs: &[Seconds]) -> String {
    let ratio = |slower: Pick, faster: Pick| {
        Samples::ratios(
            &wall(runs.iter().map(slower)).wall,
            &wall(runs.iter().map(faster)).wall,
        )
    };
    let io = ratio(|s| s.downloads_on_processes_s, |s| s.downloads_on_threads_s);
    let cpu = ratio(|s| s.countdown_on_threads_s, |s| s.countdown_on_processes_s);
    format!(
        "{language}: the downloads on processes took {io} their time on threads; the countdown \
         on threads took {cpu} its time on processes."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(scale: f64) -> Seconds {
        Seconds {
            downloads_on_threads_s: 0.4 * scale,
            downloads_on_processes_s: 0.5 * scale,
            countdown_on_threads_s: 0.8 * scale,
            countdown_on_processes_s: 0.4 * scale,
        }
    }

    #[test]
    fn four_typed_pairs_and_each_languages_shape() {
        let figures = Figures {
            python: "Python 3.11.7".into(),
            downloads: 8,
            delay_s: 0.2,
            steps: 3_000_000,
            cpython: vec![seconds(2.0), seconds(2.0)],
            rust: vec![seconds(1.0), seconds(1.0)],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.runs.len(), 8);
        assert_eq!(outcome.versus.len(), 4);
        assert_eq!(outcome.versus[2].timed, "countdown, threads");
        assert_eq!(outcome.versus[2].cpython.values, [1.6, 1.6]);
        assert_eq!(outcome.versus[2].rust.values, [0.8, 0.8]);
        assert!(outcome.findings[0].starts_with("CPython:"));
        assert!(
            outcome.findings[1].contains("took 2.00×"),
            "{}",
            outcome.findings[1]
        );
    }
}
