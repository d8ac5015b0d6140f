//! The binary: JSON on stdout, failures in the exit status, clap's message for bad flags, and
//! the thread probe as a child process.

use std::net::TcpListener;
use std::process::{Command, Output};

use lesson_kit::Report;

fn threading(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threading"))
        .args(args)
        .output()
        .expect("the lesson binary runs")
}

#[test]
fn waiting_as_json_prints_only_a_report_with_the_overlap_proved() {
    let output = threading(&["waiting", "--json", "--count", "4", "--delay-ms", "300"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON report");
    let waiting = report
        .experiment("waiting")
        .expect("the waiting experiment");
    let threads = waiting.find_run("4 threads").expect("a threaded run");
    assert_eq!(
        threads.get("peak in flight").and_then(|f| f.as_f64()),
        Some(4.0)
    );
    let sequential = waiting.find_run("sequential").expect("a sequential run");
    assert_eq!(
        sequential.get("peak in flight").and_then(|f| f.as_f64()),
        Some(1.0)
    );
    assert!(!waiting.claims.is_empty());
}

#[test]
fn a_refused_url_is_reported_and_the_exit_status_is_not_zero() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let refused = format!("http://{}/", listener.local_addr().expect("address"));
    drop(listener);
    let output = threading(&["waiting", "--url", &refused, "--timeout-ms", "5000"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_flags_get_clap_s_message_and_no_panic() {
    for args in [
        &["--no-such-flag"][..],
        &["no-such-experiment"],
        &["waiting", "--count", "zero"],
        &["waiting", "--count", "0"],
    ] {
        let output = threading(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Every experiment but `cost`, whose limit run starts 16,000 threads: that one stays out of
/// `cargo test` (its report is tested on fixed figures, its probe on small numbers).
const QUICK: [&str; 7] = [
    "waiting",
    "computing",
    "shared",
    "pipeline",
    "locks",
    "signals",
    "ending",
];

#[test]
fn every_quick_experiment_prints_its_report_as_json() {
    for id in QUICK {
        let output = threading(&[id, "--json", "--repeat", "1"]);
        assert!(
            output.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON");
        let outcome = report.experiment(id).expect("the experiment's outcome");
        assert!(!outcome.claims.is_empty(), "{id} judges its claims");
        assert!(
            outcome.claims.iter().all(|c| !c.source.name.is_empty()),
            "{id}: every claim names its source"
        );
    }
}

#[test]
fn compare_json_prints_one_report_with_every_comparison() {
    if Command::new("python3").arg("--version").output().is_err() {
        return; // No python3 here: `compare` says so (tested below).
    }
    let output = threading(&[
        "compare",
        "--json",
        "--repeat",
        "1",
        "--delay-ms",
        "50",
        "--threads",
        "200",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON");
    for id in [
        "compare-waiting",
        "compare-computing",
        "compare-shared",
        "compare-cost",
        "compare-pipeline",
        "compare-locks",
        "compare-signals",
        "compare-ending",
    ] {
        let outcome = report
            .experiment(id)
            .unwrap_or_else(|| panic!("{id} in {report:?}"));
        assert!(outcome.problems.is_empty(), "{id}: {:?}", outcome.problems);
        assert!(outcome.runs.len() >= 2, "{id}");
    }
}

#[test]
fn the_probe_is_hidden_from_help() {
    let output = threading(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("waiting"));
    assert!(!help.contains("probe"), "{help}");
}

/// `threading | head -1`: the lesson ends quietly, as `cat` does, not with a "Broken pipe" panic.
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_lesson_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let (status, stderr) = lesson_kit::finish_within(
        "the lesson on a closed pipe",
        std::time::Duration::from_secs(60),
        || {
            lesson_kit::os::run_with_closed_stdout(
                std::process::Command::new(env!("CARGO_BIN_EXE_threading"))
                    .args(["shared", "--repeat", "1"]),
            )
            .expect("the lesson starts")
        },
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}: {stderr}");
}

#[test]
fn compare_without_python3_fails_and_says_so_typed_in_its_json() {
    let empty = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("threading-no-python");
    std::fs::create_dir_all(&empty).expect("an empty folder for the PATH");
    let output = Command::new(env!("CARGO_BIN_EXE_threading"))
        .args(["compare", "--json"])
        .env("PATH", &empty)
        .output()
        .expect("the lesson binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a comparison was asked for");
    assert!(stderr.contains("no CPython to compare with"), "{stderr}");
    let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON");
    let compare = report.experiment("compare").expect("the compare outcome");
    assert_eq!(compare.skipped[0].missing, lesson_kit::Missing::Python3);
    assert!(compare.versus.is_empty());
}
