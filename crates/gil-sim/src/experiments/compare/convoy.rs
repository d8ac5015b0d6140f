//! `convoy` beside `python/convoy.py`: an I/O thread's requests, alone and next to a CPU-bound
//! thread, at two switch intervals, on CPython and on gil-sim.
//!
//! Python cannot time its own wait for the GIL, so on both sides the wait is estimated the same
//! way: each receive's time next to the CPU thread, less the median receive alone.

use anyhow::Context as _;
use lesson_kit::report::format_seconds;
use lesson_kit::{DelayServer, Outcome, Samples, Twins, Unit};
use serde::{Deserialize, Serialize};

use super::{Row, in_turns, intro, once, rows_outcome};
use crate::experiments::{Settings, convoy};

/// What `python/convoy.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    intervals: Vec<TwinInterval>,
}

#[derive(Debug, Deserialize)]
struct TwinInterval {
    interval_s: f64,
    alone_recv_s: Vec<f64>,
    with_cpu_recv_s: Vec<f64>,
}

/// The estimated wait after each receive, in one run: its median and 90th percentile.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Wait {
    pub median_s: f64,
    pub p90_s: f64,
}

/// The wait for the GIL after each receive, as a Python program can estimate it: each receive's
/// time next to the CPU thread, less the median receive alone.
///
/// A receive can be quicker next to the CPU thread than alone: when the thread waited for the GIL
/// after its send for longer than the server's delay, the reply was already there. Such a receive
/// waited for no reply, and is counted as no wait, never as a negative one.
fn estimated_wait(alone: &[f64], with_cpu: &[f64]) -> Wait {
    let alone = Samples::new(Unit::Seconds, alone.iter().copied()).median();
    let waits = Samples::new(
        Unit::Seconds,
        with_cpu.iter().map(|call| (call - alone).max(0.0)),
    );
    Wait {
        median_s: waits.median(),
        p90_s: waits.percentile(90.0),
    }
}

/// One switch interval, on each side, over the turns.
#[derive(Debug, Serialize)]
pub struct Interval {
    pub interval_s: f64,
    /// One wait per turn that reported this interval.
    pub cpython: Vec<Wait>,
    pub gil_sim: Vec<Wait>,
    /// The model's mean wait after an I/O wait next to one CPU thread.
    pub model_wait_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    pub requests: usize,
    pub delay_s: f64,
    /// One per interval of [`convoy::INTERVALS`], in that order.
    pub intervals: Vec<Interval>,
    /// gil-sim's failed runs: problems, left out of the figures.
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let once = once(settings);
    let server = DelayServer::start().context("the local delay server")?;
    let mut args = vec![
        format!("--url={}", server.delay_url(convoy::DELAY)),
        format!("--requests={}", convoy::requests(&once)),
        "--intervals".to_string(),
    ];
    args.extend(
        convoy::INTERVALS
            .iter()
            .map(|i| i.as_secs_f64().to_string()),
    );
    let turns = in_turns::<Twin, _>(settings, twins, "convoy.py", &args, || {
        convoy::measure(&once)
    })?;
    let (cpython, gil_sim) = (&turns.cpython, &turns.gil_sim);
    let last = gil_sim.last().context("no turn ran")?;
    let interval = |k: usize| {
        let at = convoy::INTERVALS[k].as_secs_f64();
        Interval {
            interval_s: at,
            cpython: cpython.iter().filter_map(|t| twin_wait(t, at)).collect(),
            gil_sim: gil_sim.iter().filter_map(|f| gil_sim_wait(f, k)).collect(),
            model_wait_s: last.intervals[k].model_wait_s,
        }
    };
    Ok(Figures {
        python: twins.version.clone(),
        turns: cpython.len(),
        requests: convoy::requests(&once),
        delay_s: convoy::DELAY.as_secs_f64(),
        intervals: (0..convoy::INTERVALS.len()).map(interval).collect(),
        failures: gil_sim.iter().flat_map(|f| f.failures.clone()).collect(),
    })
}

/// The twin's wait at this interval, if it reported it.
fn twin_wait(twin: &Twin, interval_s: f64) -> Option<Wait> {
    let found = (twin.intervals.iter()).find(|i| (i.interval_s - interval_s).abs() < 1e-9)?;
    Some(estimated_wait(&found.alone_recv_s, &found.with_cpu_recv_s))
}

/// gil-sim's wait at the `k`-th interval, estimated as the twin's is, if its runs worked.
fn gil_sim_wait(figures: &convoy::Figures, k: usize) -> Option<Wait> {
    let interval = figures.intervals.get(k)?;
    let (alone, with_cpu) = (&interval.alone.recv_calls, &interval.with_cpu.recv_calls);
    if alone.is_empty() || with_cpu.is_empty() {
        return None;
    }
    Some(estimated_wait(&alone.values, &with_cpu.values))
}

pub fn report(figures: &Figures) -> Outcome {
    let what = format!(
        "an I/O thread makes {} requests of {} next to a CPU-bound thread. Python cannot time its \
         own wait for the GIL, so on both sides the wait is estimated the same way: each \
         receive's time next to the CPU thread, less the median receive alone. (The wall column \
         is CPython's median wait.)",
        figures.requests,
        format_seconds(figures.delay_s),
    );
    let rows = figures.intervals.iter().flat_map(rows).collect();
    let mut outcome = rows_outcome(
        "convoy",
        "The convoy effect: CPython beside gil-sim",
        intro(&figures.python, "convoy.py", figures.turns, &what),
        rows,
    );
    for problem in problems(figures) {
        outcome = outcome.problem(problem);
    }
    outcome
}

/// An interval's two rows, the median wait and the 90th percentile, if both sides measured it.
fn rows(interval: &Interval) -> Vec<Row> {
    if interval.cpython.is_empty() || interval.gil_sim.is_empty() {
        return Vec::new();
    }
    let at = format_seconds(interval.interval_s);
    let seconds =
        |waits: &[Wait], f: fn(&Wait) -> f64| Samples::new(Unit::Seconds, waits.iter().map(f));
    let row = |label: String, f: fn(&Wait) -> f64, model| Row {
        label,
        cpython_wall: seconds(&interval.cpython, |w| w.median_s),
        cpython: seconds(&interval.cpython, f),
        gil_sim: seconds(&interval.gil_sim, f),
        model,
    };
    vec![
        row(
            format!("{at}: wait after each receive, median"),
            |w| w.median_s,
            Some(interval.model_wait_s),
        ),
        row(
            format!("{at}: wait after each receive, p90"),
            |w| w.p90_s,
            None,
        ),
    ]
}

/// gil-sim's failed runs, and every interval the twin left out of a turn.
fn problems(figures: &Figures) -> Vec<String> {
    let missing = (figures.intervals.iter())
        .filter(|i| i.cpython.len() < figures.turns)
        .map(|i| {
            let at = format_seconds(i.interval_s);
            format!("python/convoy.py did not report the {at} interval")
        });
    figures.failures.iter().cloned().chain(missing).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(median_ms: f64, p90_ms: f64) -> Wait {
        Wait {
            median_s: median_ms / 1e3,
            p90_s: p90_ms / 1e3,
        }
    }

    fn figures(gil_sim_5ms: Vec<Wait>) -> Figures {
        let interval = |ms: f64, gil_sim: Vec<Wait>| Interval {
            interval_s: ms / 1e3,
            cpython: vec![wait(ms, ms * 1.1); 2],
            gil_sim,
            model_wait_s: (ms + 0.06) / 1e3,
        };
        Figures {
            python: "Python 3.11.7".into(),
            turns: 2,
            requests: 20,
            delay_s: 0.001,
            intervals: vec![
                interval(5.0, gil_sim_5ms),
                interval(1.0, vec![wait(1.05, 1.2); 2]),
            ],
            failures: Vec::new(),
        }
    }

    #[test]
    fn the_estimated_wait_is_the_time_beyond_the_median_alone() {
        let w = estimated_wait(&[0.0011, 0.0010, 0.0012], &[0.0061, 0.0062, 0.0011]);
        assert!((w.median_s - 0.005).abs() < 1e-9, "{w:?}");
        assert!((w.p90_s - 0.0051).abs() < 1e-9, "{w:?}");
    }

    #[test]
    fn a_receive_whose_reply_was_already_there_waited_for_none() {
        let w = estimated_wait(&[0.001, 0.001, 0.001], &[0.0001, 0.0002, 0.0003]);
        assert_eq!(w.median_s, 0.0);
    }

    #[test]
    fn two_rows_per_interval_the_model_beside_the_median() {
        let outcome = report(&figures(vec![wait(5.1, 5.4); 2]));
        assert_eq!(outcome.runs.len(), 4);
        let median = outcome
            .find_run("5.0 ms: wait after each receive, median")
            .expect("the median row");
        assert!(median.get("model").is_some());
        let p90 = outcome
            .find_run("5.0 ms: wait after each receive, p90")
            .expect("the p90 row");
        assert!(p90.get("model").is_none());
        assert!(
            outcome.findings[0].contains("of 4"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn an_interval_gil_sim_never_measured_has_no_rows_and_failures_are_problems() {
        let mut figures = figures(Vec::new());
        figures.failures = vec!["talking to http://127.0.0.1:1/: reset".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.runs.len(), 2);
        assert_eq!(outcome.problems.len(), 1);
    }

    #[test]
    fn an_interval_the_twin_left_out_is_a_problem() {
        let mut figures = figures(vec![wait(5.1, 5.4); 2]);
        figures.intervals[1].cpython.pop();
        let outcome = report(&figures);
        assert!(
            outcome.problems[0].contains("1.0 ms interval"),
            "{:?}",
            outcome.problems
        );
    }
}
