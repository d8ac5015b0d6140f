//! What every lesson shares, so that lesson code reads as if this machinery were not there.
//!
//! - [`DelayServer`]: the embedded HTTP server on 127.0.0.1 that every "download" talks to by
//!   default, with a delay you choose and a count of requests in flight (the proof of overlap).
//! - [`measure`](mod@measure): wall time, CPU time and peak memory of a closure or a child process.
//! - [`Trace`]: who was doing what and when (running, waiting for the GIL, waiting for I/O…),
//!   recorded from threads, tokio tasks or child processes; [`trace_event`] writes it for Perfetto
//!   (`--trace-out FILE` on every lesson).
//! - [`Tour`]: everything around a lesson's experiments, once for every lesson: each experiment is
//!   a `measure` function (typed figures) and a `report` function (an [`Outcome`]); the tour owns
//!   the flags, choosing experiments, the busy-machine check, the Python twins and the exit status.
//! - [`Samples`] and [`alternate`]: timed figures measured several times, taking turns, reported
//!   as a median and a range; [`busy`] says whether the machine was quiet enough to judge them.
//! - [`Report`]: a lesson's outcomes: runs, traces, findings and claims, each claim with its
//!   [`Source`] and a [`Verdict`]; every lesson prints it as JSON with `--json`.
//! - [`format`](mod@format): how seconds, bytes and counts print, the same in every lesson.
//! - [`jsonl`]: typed records one JSON line each, between a parent and its child processes.
//! - [`os`]: what a lesson asks of the OS (a quiet closed pipe, open files) and a child's exit
//!   status in words.
//! - [`cleanup`]: scratch folders and shared-memory files that no ending of a run leaves behind.
//! - [`progress`]: where a long run is (which repeat, which run), on stderr.
//! - [`SideBySide`]: a comparison's two timelines, CPython's (from its twin, recorded by
//!   `python/lesson_spans.py`) and Rust's, for the book's one-axis figure and Perfetto.
//! - [`sliders`]: a model's figure for every setting of a few sliders, for the book's interactive figures.
//! - [`versus`]: a comparison's CPython-beside-Rust figures and what it skipped, typed, for
//!   the workspace's `compare` table ([`comparison`]).
//! - [`render`]: the terminal (timeline + table), SVG and Markdown renderers of a `Report`.
//!
//! Each lesson crate (`gil-sim`, `threading`, …) depends on this one; none has a timer, a server
//! or a table printer of its own.

pub mod busy;
pub mod cleanup;
pub mod comparison;
pub mod deadline;
pub mod format;
pub mod jsonl;
pub mod measure;
pub mod os;
pub mod progress;
pub mod render;
pub mod report;
pub mod samples;
pub mod server;
pub mod side_by_side;
pub mod sliders;
pub mod tour;
pub mod trace;
pub mod trace_event;
pub mod twin;
pub mod versus;

pub use deadline::finish_within;
pub use measure::{Measurement, stopwatch, stopwatch_with_children};
pub use report::{Claim, Figure, Machine, Outcome, Report, Run, Source, Verdict};
pub use samples::{Samples, Timing, Unit, alternate};
pub use server::{DelayServer, ServerError};
pub use side_by_side::SideBySide;
pub use tour::{Settings, Tour, child_command};
pub use trace::{Clock, Lane, Span, State, Trace, TraceData};
pub use twin::{TwinError, Twins};
pub use versus::{Missing, Skipped, Versus};

/// CONTRIBUTING.md, compiled: `cargo test` builds each of its Rust blocks as a doctest, so the
/// guide a new lesson is written from cannot drift from lesson-kit's real signatures.
#[cfg(doctest)]
#[doc = include_str!("../../../CONTRIBUTING.md")]
pub mod contributing {}
