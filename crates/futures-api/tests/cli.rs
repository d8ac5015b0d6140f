//! The binary: `advise` answers from its flags, never waits for a terminal that is not there, and
//! bad flags get clap's message and a non-zero exit.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use lesson_kit::{Report, finish_within};

fn futures_api(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_futures-api"))
        .args(args)
        // Not a terminal: nothing may be asked.
        .stdin(Stdio::null())
        .output()
        .expect("the lesson binary runs")
}

#[test]
fn advise_answers_from_its_flags_with_the_python_to_write() {
    let output = futures_api(&[
        "advise",
        "--json",
        "--repeat",
        "1",
        "--waits-on",
        "network",
        "--tasks",
        "6",
        "--per-task-ms",
        "20",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON report");
    let advise = report.experiment("advise").expect("the advise experiment");
    assert!(
        advise.findings[0].contains("ThreadPoolExecutor(max_workers=6)"),
        "{:?}",
        advise.findings
    );
    assert_eq!(
        advise.runs.len(),
        2,
        "the advice and the next best choice, measured"
    );
    assert_eq!(advise.claims.len(), 1);
}

#[test]
fn advise_without_flags_and_without_a_terminal_takes_the_default_and_asks_nothing() {
    let output = finish_within("advise", Duration::from_secs(120), || {
        futures_api(&["advise", "--json", "--repeat", "1"])
    });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("What does one task wait on"), "{stderr}");
    let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON report");
    let advise = report.experiment("advise").expect("the advise experiment");
    assert!(
        advise.intro[0].contains("100 tasks of 300 ms"),
        "{:?}",
        advise.intro
    );
}

#[test]
fn bad_flags_get_clap_s_message_and_no_panic() {
    for args in [
        &["--no-such-flag"][..],
        &["no-such-experiment"],
        &["advise", "--waits-on", "gpu"],
        &["advise", "--tasks", "0"],
        &["advise", "--per-task-ms", "soon"],
    ] {
        let output = futures_api(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn help_lists_every_experiment() {
    let output = futures_api(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for experiment in [
        "one-api",
        "pool-size",
        "chunksize",
        "completion-order",
        "advise",
        "compare",
    ] {
        assert!(
            help.contains(experiment),
            "{experiment} missing from --help"
        );
    }
}
