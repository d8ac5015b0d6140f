//! `talking` beside `python/talking.py`: small messages through a queue from a child process,
//! and round trips through a pipe, CPython and Rust in turns.

use anyhow::Context as _;
use lesson_kit::report::group_thousands;
use lesson_kit::{Figure, Outcome, Run, Samples, Timing, Twins, Unit, Versus};
use serde::{Deserialize, Serialize};

use super::{in_turns, joined, one_run, twin_args};
use crate::experiments::{Settings, talking};

/// What `python/talking.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    messages: u64,
    queue_s: Vec<f64>,
    round_trip_s: Vec<f64>,
}

/// One language's queue and pipe.
#[derive(Debug, Serialize)]
pub struct Channels {
    /// How many messages each queue sample received.
    pub queue_messages: u64,
    pub queue: Timing,
    /// Each sample: the median of a batch of small round trips.
    pub round_trip: Timing,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub cpython: Channels,
    pub rust: Channels,
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let (args, once) = (twin_args(&[]), one_run(settings));
    let (python, rust) = in_turns(
        settings.repeat,
        || {
            twins
                .run::<Twin>("talking.py", &args)
                .context("python/talking.py")
        },
        || Ok(talking::measure(&once)?),
    )?;
    let all = |field: fn(&Twin) -> &Vec<f64>| {
        Timing::wall_seconds(python.iter().flat_map(|t| field(t).iter().copied()))
    };
    Ok(Figures {
        python: twins.version.clone(),
        cpython: Channels {
            queue_messages: python.first().map_or(0, |t| t.messages),
            queue: all(|t| &t.queue_s),
            round_trip: all(|t| &t.round_trip_s),
        },
        rust: Channels {
            queue_messages: rust.first().map_or(0, |f| f.queue_messages),
            queue: joined(rust.iter().map(|f| &f.queue)),
            round_trip: joined(rust.iter().map(|f| &f.round_trip)),
        },
        failures: rust.iter().flat_map(|f| f.failures.clone()).collect(),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let (py, rust) = (&figures.cpython, &figures.rust);
    let mut outcome = Outcome::new("compare-talking", "A queue and a pipe: CPython beside Rust")
        .intro(format!(
            "{} messages of 64 bytes through a queue from a child process, and 64-byte round \
             trips through a pipe; {} runs python/talking.py, in turns with Rust.",
            group_thousands(py.queue_messages),
            figures.python
        ))
        .run(queue_row("Python: multiprocessing.Queue", py))
        .run(queue_row("Rust: frames on a pipe", rust))
        .run(Run::timed("Python: Pipe round trip", &py.round_trip))
        .run(Run::timed("Rust: pipe round trip", &rust.round_trip))
        .finding(
            "Python's Queue pickles each message and hands it to a feeder thread, which writes \
             it to a pipe under a lock; the Rust side writes each frame to the pipe itself.",
        );
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    outcome
        .versus(Versus::new(
            "talking",
            "one message through a queue",
            &per_message(py),
            &per_message(rust),
        ))
        .versus(Versus::new(
            "talking",
            "a round trip through a pipe",
            &py.round_trip.wall,
            &rust.round_trip.wall,
        ))
}

/// Seconds per message through the queue: the two sides may send different counts.
fn per_message(channels: &Channels) -> Samples {
    let messages = channels.queue_messages.max(1) as f64;
    channels.queue.wall.map(Unit::Seconds, |s| s / messages)
}

fn queue_row(label: &str, channels: &Channels) -> Run {
    let messages = channels.queue_messages as f64;
    let rate = channels
        .queue
        .wall
        .map(Unit::Count, |s| if s > 0.0 { messages / s } else { 0.0 });
    Run::timed(label, &channels.queue).figure("messages per second", Figure::Spread(rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channels(messages: u64, queue_s: f64) -> Channels {
        Channels {
            queue_messages: messages,
            queue: Timing::wall_seconds([queue_s]),
            round_trip: Timing::wall_seconds([0.00002]),
        }
    }

    #[test]
    fn the_queue_rows_show_messages_per_second() {
        let figures = Figures {
            python: "Python 3.12.3".into(),
            cpython: channels(10_000, 0.5),
            rust: channels(10_000, 0.05),
            failures: Vec::new(),
        };
        let outcome = report(&figures);
        let rate = |i: usize| {
            outcome.runs[i]
                .get("messages per second")
                .and_then(Figure::as_f64)
        };
        assert_eq!(rate(0), Some(20_000.0));
        assert_eq!(rate(1), Some(200_000.0));
        let queue = &outcome.versus[0];
        assert_eq!(queue.cpython.values, [0.5 / 10_000.0]);
        assert!((queue.ratio().median() - 10.0).abs() < 1e-9);
        assert!(outcome.intro[0].starts_with("10,000 messages"));
        assert!(outcome.problems.is_empty());
    }
}
