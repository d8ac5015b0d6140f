//! `compare`: the Python twin, `python/dask_executor.py`, beside the Rust broker: the CPU snippet
//! through a `concurrent.futures` executor whose workers are a cluster's (Dask's `LocalCluster`
//! there, Redis workers here), and the two surprises of Dask's own API, observed rather than
//! quoted.
//!
//! The twin needs `dask[distributed]`; when it is missing, the comparison says how to install it
//! and is not a failure (the course does not install it, nor does CI).

use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context as _;
use futures_api::tasks::Task;
use futures_api::{Executor, MapOptions};
use lesson_kit::{
    Claim, Missing, Outcome, Run, Samples, Skipped, Source, Timing, Twins, Unit, Verdict, Versus,
    alternate,
};
use serde::{Deserialize, Serialize};

use super::{Settings, no_broker, this_program};
use crate::{LocalRedis, LocalWorkers, RedisExecutor, RedisOptions, WorkerOptions};

/// What `python/dask_executor.py` prints.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct DaskRun {
    pub executor_seconds: f64,
    pub results_agree: bool,
    pub same_call_deduplicated: bool,
    pub client_map_returns_futures: bool,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub tasks: usize,
    pub steps: u64,
    pub workers: usize,
    /// The sides that did not run, and what they lacked (Dask, redis-server).
    pub skipped: Vec<Skipped>,
    pub dask: Vec<DaskRun>,
    /// Seconds for the same tasks on the Redis executor, one per repeat.
    pub rust: Vec<f64>,
}

/// One turn of one side.
enum Turn {
    Dask(DaskRun),
    Rust(f64),
}

/// Runs the comparison and reports it (what `Tour::compare` calls).
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![report(&measure(settings, twins)?)])
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let workers = settings.lesson.workers();
    let (tasks, steps) = (2 * workers, settings.size(2_000_000, 20_000_000));
    let have_dask = dask_installed();
    let mut skipped = Vec::new();
    if !have_dask {
        skipped.push(Skipped::new("compare-dask: Dask's side", Missing::Dask));
    }
    let broker = match no_broker() {
        None => Some(start_broker(workers)?),
        Some(_) => {
            skipped.push(Skipped::new(
                "compare-dask: Redis's side",
                Missing::RedisServer,
            ));
            None
        }
    };
    let args = [
        format!("--tasks={tasks}"),
        format!("--n={steps}"),
        format!("--workers={workers}"),
    ];
    let python = || -> anyhow::Result<DaskRun> { Ok(twins.run("dask_executor.py", &args)?) };
    let rust = || -> anyhow::Result<f64> {
        let Some((_, _, executor)) = &broker else {
            anyhow::bail!("no broker");
        };
        let started = Instant::now();
        let countdowns = (0..tasks).map(|_| Task::Countdown(steps));
        let failed = executor
            .map(countdowns, MapOptions::default())
            .filter(Result::is_err)
            .count();
        anyhow::ensure!(failed == 0, "{failed} countdown(s) failed");
        Ok(started.elapsed().as_secs_f64())
    };
    // Each side that can run here runs, taking turns with the other when both can.
    let mut python_turn = || python().map(Turn::Dask);
    let mut rust_turn = || rust().map(Turn::Rust);
    let turns: Vec<anyhow::Result<Turn>> = match (have_dask, broker.is_some()) {
        (true, true) => alternate(settings.repeat, [&mut python_turn, &mut rust_turn])
            .into_iter()
            .flatten()
            .collect(),
        (true, false) => alternate(settings.repeat, [&mut python_turn])
            .into_iter()
            .flatten()
            .collect(),
        (false, true) => alternate(settings.repeat, [&mut rust_turn])
            .into_iter()
            .flatten()
            .collect(),
        (false, false) => Vec::new(),
    };
    let turns = turns
        .into_iter()
        .collect::<anyhow::Result<Vec<Turn>>>()
        .context("python/dask_executor.py or the Redis side")?;
    let (mut dask, mut rust) = (Vec::new(), Vec::new());
    for turn in turns {
        match turn {
            Turn::Dask(run) => dask.push(run),
            Turn::Rust(seconds) => rust.push(seconds),
        }
    }
    Ok(Figures {
        python: twins.version.clone(),
        tasks,
        steps,
        workers,
        skipped,
        dask,
        rust,
    })
}

/// `python3 -c "import dask.distributed"` succeeds.
fn dask_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import dask.distributed"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

type Broker = (LocalRedis, LocalWorkers, RedisExecutor<Task>);

fn start_broker(workers: usize) -> anyhow::Result<Broker> {
    let redis = LocalRedis::start()?;
    let local = LocalWorkers::start(
        &this_program()?,
        workers,
        &redis.url(),
        &WorkerOptions::default(),
    )?;
    let options = RedisOptions {
        workers,
        ..RedisOptions::default()
    };
    let executor = RedisExecutor::connect(&redis.url(), options)?;
    Ok((redis, local, executor))
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome =
        Outcome::new("compare-dask", "Dask's executor beside the Redis one").intro(format!(
            "{} countdowns of {} steps through a concurrent.futures executor on {} workers: \
             {} with Dask's LocalCluster (python/dask_executor.py), and Rust on Redis.",
            figures.tasks, figures.steps, figures.workers, figures.python
        ));
    for skipped in &figures.skipped {
        let remedy = skipped.missing.remedy();
        outcome = outcome
            .finding(format!("{}: {}: {remedy}", skipped.what, skipped.missing))
            .skipped(skipped.clone());
    }
    let dask = seconds(figures.dask.iter().map(|d| d.executor_seconds));
    let rust = seconds(figures.rust.iter().copied());
    if !dask.values.is_empty() {
        outcome = outcome.run(row("Dask get_executor()", &dask));
    }
    if !rust.values.is_empty() {
        outcome = outcome.run(row("RedisExecutor", &rust));
    }
    if !dask.values.is_empty() && !rust.values.is_empty() {
        let timed = format!(
            "{} countdowns on {} workers",
            figures.tasks, figures.workers
        );
        outcome = outcome.versus(Versus::new("compare-dask", timed, &dask, &rust));
    }
    let Some(dask) = figures.dask.first() else {
        return outcome;
    };
    if figures.dask.iter().any(|d| !d.results_agree) {
        outcome = outcome.problem("Dask's tasks did not all give the same checksum");
    }
    outcome
        .finding(
            "The Python countdown is CPython's own loop and the Rust one the GIL simulator's: the \
             rows show each executor's time, not one language against the other.",
        )
        .claim(pure_claim(dask))
        .claim(map_claim(dask))
}

fn pure_claim(dask: &DaskRun) -> Claim {
    let keys = if dask.same_call_deduplicated {
        "one key"
    } else {
        "two different keys"
    };
    Claim::new(
        "Dask's client.submit runs the same call once: functions are pure by default.",
        Source::link(
            "distributed#2367",
            "https://github.com/dask/distributed/issues/2367",
        ),
    )
    .measured(format!("two identical client.submit calls got {keys}"))
    .verdict(holds(dask.same_call_deduplicated))
}

fn map_claim(dask: &DaskRun) -> Claim {
    let gave = if dask.client_map_returns_futures {
        "futures"
    } else {
        "values"
    };
    Claim::new(
        "Dask's Client.map returns futures, not results.",
        Source::link(
            "distributed#91",
            "https://github.com/dask/distributed/issues/91",
        ),
    )
    .measured(format!("client.map gave {gave}"))
    .verdict(holds(dask.client_map_returns_futures))
}

fn holds(observed: bool) -> Verdict {
    if observed {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    }
}

fn seconds(values: impl Iterator<Item = f64>) -> Samples {
    Samples::new(Unit::Seconds, values)
}

fn row(label: &str, seconds: &Samples) -> Run {
    let timing = Timing {
        wall: seconds.clone(),
        cpu: None,
    };
    Run::timed(label, &timing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(dask: Vec<DaskRun>, skipped: Vec<Skipped>) -> Figures {
        Figures {
            python: "Python 3.12.3".into(),
            tasks: 4,
            steps: 2_000_000,
            workers: 2,
            skipped,
            dask,
            rust: vec![0.5, 0.6],
        }
    }

    fn dask(deduplicated: bool) -> DaskRun {
        DaskRun {
            executor_seconds: 1.2,
            results_agree: true,
            same_call_deduplicated: deduplicated,
            client_map_returns_futures: true,
        }
    }

    #[test]
    fn both_surprises_observed_hold() {
        let outcome = report(&figures(vec![dask(true)], Vec::new()));
        assert_eq!(outcome.runs.len(), 2);
        assert!(outcome.claims.iter().all(|c| c.verdict == Verdict::Holds));
    }

    #[test]
    fn both_sides_make_one_typed_pair_for_the_workspace_table() {
        let outcome = report(&figures(vec![dask(true), dask(true)], Vec::new()));
        assert_eq!(outcome.versus.len(), 1);
        let pair = &outcome.versus[0];
        assert_eq!(pair.timed, "4 countdowns on 2 workers");
        assert_eq!(pair.cpython.values, [1.2, 1.2]);
        assert_eq!(pair.rust.values, [0.5, 0.6]);
        assert!(outcome.skipped.is_empty());
    }

    #[test]
    fn without_redis_server_the_rust_side_is_a_typed_skip_and_no_pair() {
        let mut figures = figures(vec![dask(true)], Vec::new());
        figures.rust.clear();
        figures.skipped = vec![Skipped::new(
            "compare-dask: Redis's side",
            Missing::RedisServer,
        )];
        let outcome = report(&figures);
        assert!(outcome.versus.is_empty());
        assert_eq!(outcome.skipped[0].missing, Missing::RedisServer);
        assert!(outcome.findings[0].contains("apt-get install redis-server"));
    }

    #[test]
    fn a_call_run_twice_means_the_dedup_claim_does_not_hold() {
        let outcome = report(&figures(vec![dask(false)], Vec::new()));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn without_dask_it_says_how_to_install_and_claims_nothing() {
        let skipped = vec![Skipped::new("compare-dask: Dask's side", Missing::Dask)];
        let outcome = report(&figures(Vec::new(), skipped));
        assert!(outcome.claims.is_empty());
        assert!(outcome.problems.is_empty());
        assert!(outcome.versus.is_empty());
        assert_eq!(outcome.skipped[0].missing, Missing::Dask);
        assert!(outcome.findings[0].contains("pip install"));
    }
}
