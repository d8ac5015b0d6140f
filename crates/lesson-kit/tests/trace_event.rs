//! The export for Perfetto holds the Trace Event format's required fields: checked on the JSON
//! itself, field by field, not by reading it back into our own types.

use lesson_kit::trace_event::{self, TraceEvents};
use lesson_kit::{Outcome, Report, SideBySide, State, Trace};
use serde_json::Value;

fn two_lane_trace() -> Trace {
    let trace = Trace::virtual_time();
    trace.record("thread 1", State::Running, 0.0, 0.005);
    trace.record("thread 2", State::WaitingForGil, 0.0, 0.005);
    trace.record("thread 2", State::Running, 0.005, 0.010_000_5);
    trace
}

fn events(json: &str) -> Vec<Value> {
    let file: Value = serde_json::from_str(json).expect("the export is JSON");
    file.get("traceEvents")
        .and_then(Value::as_array)
        .expect("a traceEvents array at the top")
        .clone()
}

fn field<'a>(event: &'a Value, name: &str) -> &'a Value {
    event
        .get(name)
        .unwrap_or_else(|| panic!("{event} has no `{name}`"))
}

#[test]
fn every_span_is_a_complete_event_with_microsecond_times() {
    let data = two_lane_trace().snapshot();
    let all = events(&TraceEvents::from_traces([("cpu-bound", &data)]).to_json());
    let spans: Vec<&Value> = all.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(spans.len(), 3);
    for span in &spans {
        assert!(field(span, "name").is_string());
        assert!(field(span, "ts").as_f64().is_some_and(|t| t >= 0.0));
        assert!(field(span, "dur").as_f64().is_some_and(|d| d >= 0.0));
        assert!(field(span, "pid").is_u64());
        assert!(field(span, "tid").is_u64());
    }
    let last = spans.last().expect("a span");
    assert_eq!(last["name"], "running");
    assert_eq!(last["ts"].as_f64(), Some(5000.0));
    assert_eq!(last["dur"].as_f64(), Some(5000.5), "to the nanosecond");
}

#[test]
fn lanes_are_named_threads_and_each_trace_a_named_process() {
    let first = two_lane_trace().snapshot();
    let second = two_lane_trace().snapshot();
    let all = events(&TraceEvents::from_traces([("one", &first), ("two", &second)]).to_json());
    let named = |kind: &str| -> Vec<(u64, u64, String)> {
        all.iter()
            .filter(|e| e["ph"] == "M" && e["name"] == kind)
            .map(|e| {
                let name = e["args"]["name"].as_str().expect("args.name");
                let pid = field(e, "pid").as_u64().expect("pid");
                let tid = field(e, "tid").as_u64().expect("tid");
                (pid, tid, name.to_string())
            })
            .collect()
    };
    assert_eq!(
        named("process_name"),
        [(1, 0, "one".to_string()), (2, 0, "two".to_string())]
    );
    let threads = named("thread_name");
    assert_eq!(threads.len(), 4);
    assert!(threads.contains(&(2, 2, "thread 2".to_string())));
    // Every span's thread has a name.
    for span in all.iter().filter(|e| e["ph"] == "X") {
        let at = (span["pid"].as_u64(), span["tid"].as_u64());
        assert!(
            threads
                .iter()
                .any(|(pid, tid, _)| (Some(*pid), Some(*tid)) == at)
        );
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lesson-kit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

#[test]
fn a_report_is_written_only_when_it_has_a_timeline() {
    let dir = scratch("trace-out");
    let path = dir.join("trace.json");
    let mut report = Report::new("lesson", "A lesson");
    report
        .experiments
        .push(Outcome::new("plain", "No timeline"));
    let error = trace_event::write(&path, &report).expect_err("nothing to write");
    assert!(error.contains("no experiment"), "{error}");
    assert!(!path.exists(), "no file when there is nothing to show");

    report
        .experiments
        .push(Outcome::new("traced", "A timeline").trace(two_lane_trace()));
    let said = trace_event::write(&path, &report).expect("written");
    assert!(said.contains("1 timeline"), "{said}");
    let json = std::fs::read_to_string(&path).expect("the file");
    assert_eq!(events(&json)[0]["args"]["name"], "A timeline");
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn a_destination_that_cannot_be_a_file_is_refused_before_the_run() {
    let dir = scratch("trace-dest");
    let error = trace_event::check_destination(&dir).expect_err("a directory");
    assert!(error.contains("is a directory"), "{error}");
    let error = trace_event::check_destination(&dir.join("missing/trace.json"))
        .expect_err("no such directory");
    assert!(error.contains("there is no directory"), "{error}");
    assert_eq!(trace_event::check_destination(&dir.join("t.json")), Ok(()));
    assert_eq!(
        trace_event::check_destination(std::path::Path::new("t.json")),
        Ok(())
    );
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

/// A comparison's two timelines: CPython's and Rust's, each a process with its named threads,
/// every span with the format's required fields.
#[test]
fn a_comparison_writes_cpython_and_rust_as_two_processes() {
    let pair = SideBySide::new(
        "Python 3.11.7",
        two_lane_trace().snapshot(),
        two_lane_trace().snapshot(),
    );
    let dir = scratch("trace-pair");
    let path = dir.join("pair.json");
    let mut report = Report::new("lesson", "A lesson");
    report
        .experiments
        .push(Outcome::new("compare-x", "X: CPython beside Rust").side_by_side(pair.clone()));
    let said = trace_event::write(&path, &report).expect("written");
    assert!(said.contains("2 timeline"), "{said}");
    let from_file = events(&std::fs::read_to_string(&path).expect("the file"));
    std::fs::remove_dir_all(&dir).expect("cleaned up");
    let from_pair =
        events(&TraceEvents::from_side_by_side("X: CPython beside Rust", &pair).to_json());
    assert_eq!(
        from_file, from_pair,
        "the book's file and --trace-out's are the same"
    );
    let processes: Vec<(u64, &str)> = from_pair
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| {
            (
                field(e, "pid").as_u64().expect("pid"),
                e["args"]["name"].as_str().expect("a name"),
            )
        })
        .collect();
    assert_eq!(
        processes,
        [
            (1, "X: CPython beside Rust: CPython (Python 3.11.7)"),
            (2, "X: CPython beside Rust: Rust")
        ]
    );
    for span in from_pair.iter().filter(|e| e["ph"] == "X") {
        for required in ["name", "ph", "ts", "dur", "pid", "tid"] {
            field(span, required);
        }
    }
    assert_eq!(from_pair.iter().filter(|e| e["ph"] == "X").count(), 6);
}

/// The twins' recorder (`python/lesson_spans.py`), run by python3, prints what Rust reads as a
/// `TraceData`: the states it names are ours, the lanes in order, the merged CPU slices too.
#[test]
fn the_python_recorder_prints_a_trace_rust_reads() {
    let Ok(twins) = lesson_kit::Twins::find(std::env::temp_dir()) else {
        return; // No python3 here: nothing to run the recorder with.
    };
    let dir = lesson_kit::cleanup::scratch_dir("spans-test").expect("a scratch folder");
    let script = r#"
import json, sys, threading
sys.path.insert(0, sys.argv[1])
from lesson_spans import SLEEPING, WAITING_FOR_IO, Spans
spans = Spans()
with spans.span("main", WAITING_FOR_IO):
    pass
spans.record("main", SLEEPING, spans.now(), spans.now() + 0.001)
spans.cpu_slices("thread 1", lambda: sum(range(1000)), 5)
print(json.dumps({"trace": spans.data()}))
"#;
    std::fs::write(dir.join("twin.py"), script).expect("a script");
    let twins = lesson_kit::Twins {
        dir: dir.to_path_buf(),
        ..twins
    };
    #[derive(serde::Deserialize)]
    struct Printed {
        trace: lesson_kit::TraceData,
    }
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/python").to_string();
    let printed: Printed = twins.run("twin.py", &[python]).expect("the trace");
    assert_eq!(printed.trace.lanes, ["main", "thread 1"]);
    let states: Vec<State> = printed.trace.spans.iter().map(|s| s.state).collect();
    assert_eq!(states[..2], [State::WaitingForIo, State::Sleeping]);
    let slices = &printed.trace.spans[2..];
    assert!(
        !slices.is_empty() && slices.len() <= 5,
        "merged: {slices:?}"
    );
    assert!(
        slices
            .iter()
            .all(|s| s.lane == "thread 1" && s.end_s >= s.start_s)
    );
}
