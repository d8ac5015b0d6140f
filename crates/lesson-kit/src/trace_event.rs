//! A lesson's timelines in the Trace Event format, for Perfetto (ui.perfetto.dev) and
//! chrome://tracing: `cargo run -p LESSON -- --trace-out trace.json`, then open the file there.
//!
//! The format is a JSON object `{"traceEvents": [...]}`. Each span of a [`Trace`](crate::Trace)
//! becomes a *complete* event (`"ph": "X"`, start `ts` and `dur` in microseconds), each lane a
//! thread (`tid`) named by a `thread_name` metadata event (`"ph": "M"`), and each experiment a
//! process (`pid`) named by a `process_name` event, so one file holds a whole tour side by side.
//!
//! Why this format rather than our own JSON or a `.perfetto-trace` protobuf: both viewers open it
//! offline with nothing installed, it is plain JSON a reader can inspect, and the protobuf would
//! need a code generator for no gain at the sizes a lesson records.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::Report;
use crate::side_by_side::SideBySide;
use crate::trace::TraceData;

/// A whole file: `{"traceEvents": [...]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEvents {
    #[serde(rename = "traceEvents")]
    pub trace_events: Vec<Event>,
}

/// One event: a span, or the name of a process or a thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Event {
    Complete(Complete),
    Metadata(Metadata),
}

/// A span (`"ph": "X"`): a lane was in one state from `ts` for `dur` microseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Complete {
    /// The state, as a legend says it: "running", "waiting for the GIL"…
    pub name: String,
    /// Always "X".
    pub ph: String,
    pub ts: f64,
    pub dur: f64,
    pub pid: u32,
    pub tid: u32,
}

/// A name (`"ph": "M"`): `process_name` for a process, `thread_name` for a thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub name: String,
    /// Always "M".
    pub ph: String,
    pub pid: u32,
    pub tid: u32,
    pub args: NameArgs,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NameArgs {
    pub name: String,
}

impl TraceEvents {
    /// The events of several traces, each a process named after it (an experiment's title).
    pub fn from_traces<'a>(traces: impl IntoIterator<Item = (&'a str, &'a TraceData)>) -> Self {
        let mut trace_events = Vec::new();
        for (index, (process, trace)) in traces.into_iter().enumerate() {
            let pid = index as u32 + 1;
            trace_events.push(name_event("process_name", pid, 0, process));
            for (lane, name) in trace.lanes.iter().enumerate() {
                trace_events.push(name_event("thread_name", pid, lane as u32 + 1, name));
            }
            for span in &trace.spans {
                let Some(lane) = trace.lanes.iter().position(|l| *l == span.lane) else {
                    continue;
                };
                trace_events.push(Event::Complete(Complete {
                    name: span.state.describe().to_string(),
                    ph: "X".to_string(),
                    ts: micros(span.start_s),
                    dur: micros(span.duration_s()),
                    pid,
                    tid: lane as u32 + 1,
                }));
            }
        }
        TraceEvents { trace_events }
    }

    /// A comparison's two timelines: CPython's run as process 1, Rust's as process 2, each
    /// named `<title>: CPython (Python 3.x)` / `<title>: Rust`.
    pub fn from_side_by_side(title: &str, pair: &SideBySide) -> Self {
        let sides = pair.sides();
        let names: Vec<String> = sides
            .iter()
            .map(|(side, _)| format!("{title}: {side}"))
            .collect();
        Self::from_traces(names.iter().map(String::as_str).zip(sides.map(|(_, t)| t)))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

fn name_event(kind: &str, pid: u32, tid: u32, name: &str) -> Event {
    Event::Metadata(Metadata {
        name: kind.to_string(),
        ph: "M".to_string(),
        pid,
        tid,
        args: NameArgs {
            name: name.to_string(),
        },
    })
}

/// Seconds to the format's microseconds, to the nanosecond (a model's hand-overs are that short).
fn micros(seconds: f64) -> f64 {
    (seconds * 1e9).round() / 1e3
}

/// Why `path` cannot take a trace file, if it cannot: checked before a run, so that a typo costs
/// nothing. Writing can still fail later (a full disk); [`write`] says so then.
pub fn check_destination(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "--trace-out {}: is a directory; give a file name, e.g. {}",
            path.display(),
            path.join("trace.json").display()
        ));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent
        && !parent.is_dir()
    {
        return Err(format!(
            "--trace-out {}: there is no directory {}",
            path.display(),
            parent.display()
        ));
    }
    Ok(())
}

/// Writes the timeline of every experiment of `report` that has one to `path`, and returns the
/// sentence that tells the reader where it went; an error is a sentence too, naming the file.
/// A comparison with both languages' timelines ([`SideBySide`]) gives two processes, CPython's
/// and Rust's.
pub fn write(path: &Path, report: &Report) -> Result<String, String> {
    let mut traces: Vec<(String, TraceData)> = Vec::new();
    for experiment in &report.experiments {
        if let Some(trace) = &experiment.trace {
            traces.push((experiment.title.clone(), trace.snapshot()));
        }
        if let Some(pair) = &experiment.side_by_side {
            for (side, trace) in pair.sides() {
                traces.push((format!("{}: {side}", experiment.title), trace.clone()));
            }
        }
    }
    if traces.is_empty() {
        return Err(format!(
            "--trace-out {}: no experiment of this run recorded a timeline; nothing was written",
            path.display()
        ));
    }
    let events =
        TraceEvents::from_traces(traces.iter().map(|(title, data)| (title.as_str(), data)));
    std::fs::write(path, events.to_json())
        .map_err(|e| format!("--trace-out {}: could not write it: {e}", path.display()))?;
    Ok(format!(
        "Wrote {} timeline(s) to {} (Trace Event format): open it at https://ui.perfetto.dev \
         or in chrome://tracing.",
        traces.len(),
        path.display()
    ))
}
