//! A fixed `Report` renders to the same text and SVG every time, and survives a JSON round trip.

use std::time::Duration;

use lesson_kit::render::{TerminalOptions, markdown, svg, terminal};
use lesson_kit::{
    Claim, Figure, Machine, Outcome, Report, Run, Samples, Source, State, Timing, Trace, Unit,
    Verdict,
};

fn ms(values: &[u64]) -> Samples {
    Samples::seconds(values.iter().map(|&v| Duration::from_millis(v)))
}

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

    let sequential = Timing {
        wall: ms(&[903, 910, 906]),
        cpu: Some(ms(&[4, 4, 5])),
    };
    let threaded = Timing {
        wall: ms(&[305, 301, 305]),
        cpu: Some(ms(&[3, 3, 3])),
    };
    let per_delay = threaded.wall.map(Unit::Ratio, |s| s / 0.3);
    let experiment = Outcome::new("waiting", "Waiting: three downloads")
        .intro("Fetch three URLs that each answer after 300 ms, one after another, then on three threads.")
        .run(Run::timed("sequential", &sequential))
        .run(
            Run::timed("3 threads", &threaded)
                .figure("peak in flight", Figure::Count(3))
                .figure("× one delay", Figure::Spread(per_delay.clone()))
                .figure("body", Figure::Bytes(3 * 1536))
                .figure("note", Figure::Text("a | pipe".into())),
        )
        .speedups_against("sequential")
        .trace(trace)
        .finding("The threads overlapped: the server saw 3 requests at once.")
        .claim(
            Claim::new(
                "Threads cut total waiting time to about one download.",
                Source::ARTICLE,
            )
            .measured("305 ms for 3 × 300 ms")
            .judge(&per_delay, |x| {
                if x < 1.5 {
                    Verdict::Holds
                } else {
                    Verdict::DoesNotHold
                }
            }),
        )
        .claim(
            Claim::new(
                "A thread returning from I/O waits for the GIL behind a CPU-bound one.",
                Source::link("bpo-7946", "https://bugs.python.org/issue7946"),
            )
            .measured("3 of 3 requests in flight")
            .verdict(Verdict::Holds),
        )
        .problem("http://127.0.0.1:1/: connection refused");
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
fn speedups_are_against_the_named_baseline_sample_by_sample() {
    let report = example_report();
    let runs = &report.experiments[0].runs;
    let own = runs[0].speedup.as_ref().expect("baseline speedup set");
    assert_eq!(own.values, vec![1.0, 1.0, 1.0]);
    let speedup = runs[1].speedup.as_ref().expect("speedup set");
    assert_eq!(speedup.len(), 3);
    assert!((speedup.values[1] - 910.0 / 301.0).abs() < 1e-9);
}

#[test]
fn a_run_reports_its_median_and_range() {
    let report = example_report();
    let run = &report.experiments[0].runs[0];
    assert!((run.wall_s - 0.906).abs() < 1e-9);
    assert!((run.wall_min_s - 0.903).abs() < 1e-9);
    assert!((run.wall_max_s - 0.910).abs() < 1e-9);
    assert_eq!(run.samples.len(), 3);
}

#[test]
fn the_json_names_the_spread_busy_and_sources() {
    let report = example_report().experiments[0]
        .clone()
        .on_busy_machine("load 4.0 on 2 cores");
    let json: serde_json::Value = serde_json::to_value(&report).expect("serialises");
    let run = &json["runs"][0];
    for field in ["wall_s", "wall_min_s", "wall_max_s", "samples"] {
        assert!(!run[field].is_null(), "run has {field}");
    }
    assert_eq!(json["busy"], "load 4.0 on 2 cores");
    assert_eq!(json["claims"][0]["source"]["name"], "article");
    assert_eq!(
        json["claims"][1]["source"]["url"],
        "https://bugs.python.org/issue7946"
    );
}

#[test]
fn a_busy_machine_makes_timed_verdicts_unclear_and_leaves_counts() {
    let outcome = example_report().experiments[0]
        .clone()
        .on_busy_machine("a spin took 1.52× its CPU time");
    assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    let reason = outcome.claims[0].reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("busy") && reason.contains("1.52×"),
        "{reason}"
    );
    assert_eq!(outcome.claims[1].verdict, Verdict::Holds, "a count stands");
    let text = terminal::experiment(&outcome, TerminalOptions::plain());
    assert!(text.contains("this machine was busy"), "{text}");
    assert!(markdown::busy_warning(&outcome).is_some());
}

#[test]
fn a_verdict_needs_every_sample_to_agree() {
    let classify = |x: f64| {
        if x < 1.2 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    };
    let claim = || Claim::new("no speedup", Source::ARTICLE);
    let agree = Samples::new(Unit::Ratio, [0.96, 1.01, 1.1]);
    assert_eq!(claim().judge(&agree, classify).verdict, Verdict::Holds);
    let against = Samples::new(Unit::Ratio, [1.9, 1.95]);
    assert_eq!(
        claim().judge(&against, classify).verdict,
        Verdict::DoesNotHold
    );
    let straddle = Samples::new(Unit::Ratio, [0.96, 1.21]);
    let unclear = claim().judge(&straddle, classify);
    assert_eq!(unclear.verdict, Verdict::Unclear);
    assert_eq!(
        unclear.reason.as_deref(),
        Some("the runs disagreed: 0.96–1.21×")
    );
    assert!(unclear.timed);
    let none = claim().judge(&Samples::new(Unit::Ratio, []), classify);
    assert_eq!(none.verdict, Verdict::Unclear);
}

#[test]
fn the_article_is_shown_as_a_common_claim_and_others_by_name() {
    let report = example_report();
    let text = terminal::report(&report, TerminalOptions::plain());
    assert!(text.contains("common claim: Threads cut"), "{text}");
    assert!(text.contains("bpo-7946: A thread returning"), "{text}");
    assert!(!text.to_lowercase().contains("the article"), "{text}");
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
