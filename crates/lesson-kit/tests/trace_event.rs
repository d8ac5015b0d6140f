//! The export for Perfetto holds the Trace Event format's required fields: checked on the JSON
//! itself, field by field, not by reading it back into our own types.

use lesson_kit::trace_event::{self, TraceEvents};
use lesson_kit::{Outcome, Report, State, Trace};
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
