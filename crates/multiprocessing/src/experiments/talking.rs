//! Experiment `talking`: how processes exchange data, and what it costs. A `Pipe`'s round trip, a
//! `Queue`'s throughput, and one image's worth of bytes sent to a worker against shared with it.
//!
//! Python twin: `python/talking.py`. Examples: `09_pipe.rs`, `10_queue.rs`,
//! `11_shared_memory.rs`.

use std::io::{self, BufReader};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::time::{Duration, Instant};

use lesson_kit::report::{format_bytes, format_seconds, group_thousands};
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, Timing, Unit, Verdict, alternate, child_command,
};
use serde::Serialize;

use super::{LessonError, Settings, image_side};
use crate::frames::{read_frame, write_frame};
use crate::images::fnv1a;
use crate::talk::{MARK, Reply, Request, SharedMemory, TALK};

/// Round trips per sample of the pipe's latency, and the size of each message.
const ROUND_TRIPS: usize = 200;
const SMALL: usize = 64;
/// Messages per sample of the queue's throughput.
const QUEUE_MESSAGES: u64 = 10_000;

/// Python's docs on why shared memory exists.
pub const SHARED_MEMORY_DOCS: Source = Source::link(
    "Python docs: multiprocessing.shared_memory",
    "https://docs.python.org/3/library/multiprocessing.shared_memory.html",
);

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    /// Bytes sent or shared: one image of the pipeline's size.
    pub bytes: usize,
    /// Each sample: the median round trip of a small message.
    pub round_trip: Timing,
    pub queue_messages: u64,
    /// Each sample: the time to receive every message of the queue.
    pub queue: Timing,
    /// Sending the bytes to the child, which checksums them.
    pub send: Timing,
    /// Telling the child the name of shared memory holding the bytes; it maps and checksums them.
    pub share: Timing,
    /// The child changed the copy it was sent: did the parent's data change? (It should not.)
    pub sent_copy_changed_parent: bool,
    /// The child changed the shared memory: did the parent see it? (It should.)
    pub shared_change_seen: bool,
    /// Every checksum the child computed matched the parent's.
    pub checksums_agree: bool,
    pub failures: Vec<String>,
}

/// The parent's end of a `talk` child: its stdin and stdout are a duplex pipe.
struct Talker {
    child: Child,
    to_child: ChildStdin,
    from_child: BufReader<ChildStdout>,
}

impl Talker {
    fn start() -> io::Result<Self> {
        let mut child = child_command(TALK)?
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let missing = || io::Error::other("the child's pipes were not set up");
        let to_child = child.stdin.take().ok_or_else(missing)?;
        let from_child = BufReader::new(child.stdout.take().ok_or_else(missing)?);
        Ok(Talker {
            child,
            to_child,
            from_child,
        })
    }

    fn ask(&mut self, request: &Request) -> io::Result<Reply> {
        write_frame(&mut self.to_child, request).map_err(io::Error::other)?;
        self.next()
    }

    fn next(&mut self) -> io::Result<Reply> {
        read_frame(&mut self.from_child)
            .map_err(io::Error::other)?
            .ok_or_else(|| io::Error::other("the child hung up"))
    }
}

impl Drop for Talker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let side = image_side(settings) as usize;
    let bytes = side * side * 3;
    let data: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
    let expected = fnv1a(&data);
    let mut shared =
        SharedMemory::create_for_this_run("talking", bytes).map_err(LessonError::Child)?;
    shared.buf_mut().copy_from_slice(&data);
    let mut talker = Talker::start().map_err(LessonError::Child)?;

    let mut sums = Vec::new();
    let [round_trip, queue, send, share] = {
        let talker = std::cell::RefCell::new(&mut talker);
        let sums = std::cell::RefCell::new(&mut sums);
        let sum = |request: Request| -> io::Result<Duration> {
            let started = Instant::now();
            let reply = talker.borrow_mut().ask(&request)?;
            let took = started.elapsed();
            match reply {
                Reply::Sum(sum) => sums.borrow_mut().push(sum),
                other => return Err(io::Error::other(format!("unexpected reply {other:?}"))),
            }
            Ok(took)
        };
        alternate(
            settings.repeat,
            [
                &mut || round_trips(&mut talker.borrow_mut()),
                &mut || drain_queue(&mut talker.borrow_mut()),
                // The copy is part of sending: pickling copies too.
                &mut || sum(Request::Sum(data.clone())),
                &mut || {
                    sum(Request::SumShared {
                        name: shared.name().to_string(),
                        len: bytes,
                    })
                },
            ],
        )
    };
    let mut failures = Vec::new();
    let mut timing = |what: &str, samples: Vec<io::Result<Duration>>| {
        let mut ok = Vec::new();
        for sample in samples {
            match sample {
                Ok(took) => ok.push(took),
                Err(error) => failures.push(format!("{what}: {error}")),
            }
        }
        Timing {
            wall: Samples::seconds(ok),
            cpu: None,
        }
    };
    let (round_trip, queue) = (timing("pipe", round_trip), timing("queue", queue));
    let (send, share) = (timing("send", send), timing("share", share));
    failures.dedup();
    Ok(Figures {
        bytes,
        round_trip,
        queue_messages: QUEUE_MESSAGES,
        queue,
        send,
        share,
        sent_copy_changed_parent: data[0] == MARK,
        shared_change_seen: shared.buf()[0] == MARK,
        checksums_agree: !sums.is_empty()
            && sums
                .iter()
                .all(|&s| s == expected || s == fnv1a(&marked(&data))),
        failures,
    })
}

/// The data as it is after the child marked its first byte (the shared copy, after a first run).
fn marked(data: &[u8]) -> Vec<u8> {
    let mut copy = data.to_vec();
    if let Some(first) = copy.first_mut() {
        *first = MARK;
    }
    copy
}

/// The median time of `ROUND_TRIPS` small messages there and back.
fn round_trips(talker: &mut Talker) -> io::Result<Duration> {
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let started = Instant::now();
        let reply = talker.ask(&Request::Echo(vec![1; SMALL]))?;
        times.push(started.elapsed());
        if reply != Reply::Echo(vec![1; SMALL]) {
            return Err(io::Error::other("the echo came back different"));
        }
    }
    Ok(lesson_kit::measure::median(&mut times))
}

/// Asks the child to put `QUEUE_MESSAGES` messages on the queue and takes them all off.
fn drain_queue(talker: &mut Talker) -> io::Result<Duration> {
    let started = Instant::now();
    write_frame(
        &mut talker.to_child,
        &Request::Produce {
            count: QUEUE_MESSAGES,
            size: SMALL,
        },
    )
    .map_err(io::Error::other)?;
    let mut received = 0;
    loop {
        match talker.next()? {
            Reply::Item(_) => received += 1,
            Reply::Done => break,
            other => return Err(io::Error::other(format!("unexpected reply {other:?}"))),
        }
    }
    if received != QUEUE_MESSAGES {
        return Err(io::Error::other(format!(
            "{received} of {QUEUE_MESSAGES} messages arrived"
        )));
    }
    Ok(started.elapsed())
}

pub fn report(figures: &Figures) -> Outcome {
    let size = format_bytes(figures.bytes as u64);
    let messages = group_thousands(figures.queue_messages);
    let mut outcome = Outcome::new("talking", "Talking between processes: send, or share")
        .intro(format!(
            "One child process, this program again. A `Pipe`: {SMALL}-byte messages there and \
             back. A `Queue`: the child puts {messages} messages of {SMALL} bytes, the parent \
             takes them. Then {size} (one image) sent through the pipe, against left in shared \
             memory whose name is sent; each time the child checksums the bytes."
        ))
        .run(Run::timed(
            format!("Pipe: a {SMALL} B round trip"),
            &figures.round_trip,
        ))
        .run(queue_row(figures))
        .run(send_row(figures))
        .run(Run::timed(format!("share {size}"), &figures.share));
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    if !figures.checksums_agree {
        outcome = outcome.problem("the child's checksums did not match the data sent");
    }
    let ratio = Samples::ratios(&figures.send.wall, &figures.share.wall);
    outcome
        .finding(format!(
            "Sending {size} took {} (serialize, copy through the kernel, deserialize); sharing \
             it took {} (open, map, read in place): sending was {ratio} as slow.",
            format_seconds(figures.send.wall.median()),
            format_seconds(figures.share.wall.median()),
        ))
        .claim(separate_memory_claim(figures))
        .claim(sharing_is_faster_claim(&size, &ratio))
}

/// `amount` (messages, bytes) per second of each sample.
fn per_second(timing: &Timing, amount: f64) -> Samples {
    timing
        .wall
        .map(Unit::Count, |s| if s > 0.0 { amount / s } else { 0.0 })
}

fn queue_row(figures: &Figures) -> Run {
    let messages = figures.queue_messages as f64;
    Run::timed(
        format!(
            "Queue: {} messages",
            group_thousands(figures.queue_messages)
        ),
        &figures.queue,
    )
    .figure(
        "messages per second",
        Figure::Spread(per_second(&figures.queue, messages)),
    )
}

fn send_row(figures: &Figures) -> Run {
    let rate = per_second(&figures.send, figures.bytes as f64).median();
    Run::timed(
        format!("send {}", format_bytes(figures.bytes as u64)),
        &figures.send,
    )
    .figure(
        "throughput",
        Figure::Text(format!("{}/s", format_bytes(rate as u64))),
    )
}

fn separate_memory_claim(figures: &Figures) -> Claim {
    let parent = match figures.sent_copy_changed_parent {
        true => "changed",
        false => "did not change",
    };
    let shared = match figures.shared_change_seen {
        true => "saw",
        false => "did not see",
    };
    Claim::new(
        "Processes have separate memory: data a worker was sent is its own copy.",
        Source::ARTICLE,
    )
    .measured(format!(
        "the child overwrote the first byte of what it was sent: the parent's data {parent}; it \
         overwrote the first byte of the shared memory: the parent {shared} it"
    ))
    .verdict(match figures.sent_copy_changed_parent {
        true => Verdict::DoesNotHold,
        false => Verdict::Holds,
    })
}

fn sharing_is_faster_claim(size: &str, ratio: &Samples) -> Claim {
    Claim::new(
        "Shared memory avoids serializing and copying data, so sharing is faster than sending it.",
        SHARED_MEMORY_DOCS,
    )
    .measured(format!("sending {size} took {ratio} as long as sharing it"))
    .judge(ratio, |x| {
        if x >= 1.5 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(us: &[u64]) -> Timing {
        Timing::wall_seconds(us.iter().map(|&u| u as f64 / 1e6))
    }

    fn figures(send_us: &[u64], share_us: &[u64]) -> Figures {
        Figures {
            bytes: 1 << 20,
            round_trip: timing(&[20, 22]),
            queue_messages: 10_000,
            queue: timing(&[20_000, 21_000]),
            send: timing(send_us),
            share: timing(share_us),
            sent_copy_changed_parent: false,
            shared_change_seen: true,
            checksums_agree: true,
            failures: Vec::new(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn separate_copies_and_cheaper_sharing_hold_both() {
        let outcome = report(&figures(&[900, 950, 920], &[200, 210, 190]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.problems.is_empty());
        let rate = outcome.runs[2].get("throughput").map(ToString::to_string);
        assert_eq!(rate.as_deref(), Some("1.1 GiB/s"));
    }

    #[test]
    fn sharing_no_faster_does_not_hold() {
        let outcome = report(&figures(&[300, 310], &[290, 300]));
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(&[900, 300], &[300, 300]));
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_copy_that_reached_the_parent_breaks_the_claim_even_on_a_busy_machine() {
        let mut figures = figures(&[900], &[200]);
        figures.sent_copy_changed_parent = true;
        let outcome = report(&figures).on_busy_machine("load 6.0");
        assert_eq!(verdicts(&outcome), [Verdict::DoesNotHold, Verdict::Unclear]);
    }

    #[test]
    fn wrong_checksums_are_a_problem() {
        let mut figures = figures(&[900], &[200]);
        figures.checksums_agree = false;
        assert_eq!(report(&figures).problems.len(), 1);
    }
}
