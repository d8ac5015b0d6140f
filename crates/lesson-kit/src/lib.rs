//! What every lesson shares, so that lesson code reads as if this machinery were not there.
//!
//! - [`DelayServer`]: the embedded HTTP server on 127.0.0.1 that every "download" talks to by
//!   default, with a delay you choose and a count of requests in flight (the proof of overlap).
//! - [`measure`](mod@measure): wall time, CPU time and peak memory of a closure or a child process.
//! - [`Trace`]: who was doing what and when (running, waiting for the GIL, waiting for I/O…),
//!   recorded from threads, tokio tasks or child processes.
//! - [`Report`]: a lesson's experiments, runs, traces, findings and the article's claims tested;
//!   every lesson prints it as JSON with `--json`.
//! - [`render`]: the terminal (timeline + table), SVG and Markdown renderers of a `Report`.
//! - [`Output`]: what a lesson's `main` uses to show each experiment as it finishes.
//!
//! Each lesson crate (`gil-sim`, `threading`, …) depends on this one; none has a timer, a server
//! or a table printer of its own.

pub mod deadline;
pub mod measure;
pub mod os;
pub mod output;
pub mod render;
pub mod report;
pub mod server;
pub mod trace;

pub use deadline::finish_within;
pub use measure::{Measurement, measure};
pub use output::{Output, OutputArgs};
pub use report::{Claim, Experiment, Figure, Machine, Report, Run, Verdict};
pub use server::{DelayServer, ServerError};
pub use trace::{Clock, Lane, Span, State, Trace, TraceData};
