//! A fixed `Report` renders to the same text and SVG every time, and survives a JSON round trip.

use std::time::Duration;

use lesson_kit::render::{TerminalOptions, markdown, svg, terminal};
use lesson_kit::{Claim, Experiment, Figure, Machine, Report, Run, State, Trace, Verdict};

/// Three "downloads" on three threads, recorded in virtual time so the trace is fixed.
fn example_report() -> Report {
    let trace = Trace::virtual_time();
    for i in 0..3 {
        let lane = format!("thread {}", i + 1);
        let start = 0.01 * i as f64;
        trace.record(&lane, State::Starting, start, start + 0.01);
        trace.record(&lane, State::WaitingForIo, start + 0.01, start + 0.31);
        trace.record(&lane, State::Running, start + 0.31, start + 0.33);
    }
    trace.record("gil-holder", State::Running, 0.0, 0.1);
    trace.record("gil-holder", State::WaitingForGil, 0.1, 0.2);
    trace.record("gil-holder", State::Sleeping, 0.2, 0.3);

    let experiment = Experiment::new("waiting", "Waiting: three downloads")
        .intro("Fetch three URLs that each answer after 300 ms, one after another, then on three threads.")
        .run(Run::new("sequential", Duration::from_millis(903)).cpu(Duration::from_millis(4)))
        .run(
            Run::new("3 threads", Duration::from_millis(305))
                .cpu(Duration::from_millis(3))
                .figure("peak in flight", Figure::Count(3))
                .figure("body", Figure::Bytes(3 * 1536))
                .figure("note", Figure::Text("a | pipe".into())),
        )
        .speedups_against("sequential")
        .trace(trace)
        .finding("The threads overlapped: the server saw 3 requests at once.")
        .claim(Claim::new(
            "Threads cut total waiting time to about one download.",
            "305 ms for 3 × 300 ms",
            Verdict::Holds,
        ));
    let mut report = Report::new("threading", "Threading");
    report.machine = Machine::example();
    report.experiments.push(experiment);
    report
}

#[test]
fn terminal_rendering_is_stable() {
    let text = terminal::report(&example_report(), TerminalOptions::plain());
    insta::assert_snapshot!("terminal", text);
}

#[test]
fn colour_adds_escape_codes_and_nothing_else() {
    let report = example_report();
    let colour = TerminalOptions {
        color: true,
        ..TerminalOptions::plain()
    };
    let coloured = terminal::report(&report, colour);
    assert!(coloured.contains("\u{1b}["));
    let stripped = strip_ansi(&coloured);
    assert_eq!(
        stripped,
        terminal::report(&report, TerminalOptions::plain())
    );
}

#[test]
fn svg_rendering_is_stable() {
    let report = example_report();
    let trace = report.experiments[0].trace.as_ref().expect("trace");
    insta::assert_snapshot!(
        "svg",
        svg::timeline(&trace.snapshot(), "Waiting: three downloads")
    );
}

#[test]
fn markdown_rendering_is_stable() {
    let report = example_report();
    let experiment = &report.experiments[0];
    let markdown = format!(
        "{}\n{}\n{}",
        markdown::table(experiment),
        markdown::findings(experiment),
        markdown::claims(std::slice::from_ref(&report))
    );
    insta::assert_snapshot!("markdown", markdown);
}

#[test]
fn json_round_trips() {
    let report = example_report();
    let json = report.to_json();
    let back = Report::from_json(&json).expect("our own JSON parses");
    assert_eq!(back, report);
    assert_eq!(back.to_json(), json);
}

#[test]
fn bad_json_is_an_error_not_a_panic() {
    assert!(Report::from_json("{\"lesson\": 3}").is_err());
}

#[test]
fn speedups_are_against_the_named_baseline() {
    let report = example_report();
    let runs = &report.experiments[0].runs;
    assert_eq!(runs[0].speedup, Some(1.0));
    let speedup = runs[1].speedup.expect("speedup set");
    assert!((speedup - 903.0 / 305.0).abs() < 1e-9);
}

#[test]
fn a_measured_trace_records_spans_from_many_threads() {
    let trace = Trace::new();
    std::thread::scope(|s| {
        for i in 0..4 {
            let lane = trace.lane(format!("thread {i}"));
            s.spawn(move || lane.span(State::Running, || std::hint::black_box(i * 2)));
        }
    });
    let data = trace.snapshot();
    assert_eq!(data.lanes.len(), 4);
    assert_eq!(data.spans.len(), 4);
    assert!(data.spans.iter().all(|s| s.end_s >= s.start_s));
}

#[test]
fn a_child_trace_is_absorbed_with_an_offset() {
    let child = Trace::virtual_time();
    child.record("child", State::Running, 0.0, 1.0);
    let parent = Trace::virtual_time();
    parent.absorb(&child.snapshot(), 2.5);
    let spans = parent.snapshot().spans;
    assert_eq!((spans[0].start_s, spans[0].end_s), (2.5, 3.5));
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip to the end of the escape sequence: a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
