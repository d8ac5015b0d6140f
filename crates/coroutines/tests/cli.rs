//! The binary: JSON on stdout, clap's message for bad flags, the how-many child, the comparison
//! with asyncio, and a quiet end on a closed pipe.

use std::process::{Command, Output};

use lesson_kit::Report;

fn coroutines(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coroutines"))
        .args(args)
        .output()
        .expect("the lesson binary runs")
}

fn report_of(output: &Output) -> Report {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("a JSON report")
}

#[test]
fn every_experiment_prints_its_report_as_json_with_sourced_claims() {
    for args in [
        &["gather", "--delay-ms", "20"][..],
        &["how-many", "--tasks", "1000"],
        &["blocking"],
        &["chef"],
        &["cancel"],
        &["servers", "--clients", "50"],
    ] {
        let id = args[0];
        let mut all = args.to_vec();
        all.extend(["--json", "--repeat", "1"]);
        let report = report_of(&coroutines(&all));
        let outcome = report
            .experiment(id)
            .unwrap_or_else(|| panic!("{id} in the report"));
        assert!(!outcome.claims.is_empty(), "{id} judges its claims");
        assert!(outcome.problems.is_empty(), "{id}: {:?}", outcome.problems);
        assert!(
            outcome.claims.iter().all(|c| !c.source.name.is_empty()),
            "{id}"
        );
    }
}

#[test]
fn gather_counts_the_siblings_that_ran_on_after_the_first_error() {
    let report = report_of(&coroutines(&[
        "gather",
        "--json",
        "--repeat",
        "1",
        "--delay-ms",
        "30",
        "--count",
        "5",
    ]));
    let gather = report.experiment("gather").expect("gather");
    let runs = gather
        .find_run("5 downloads, gathered")
        .expect("the download run");
    assert_eq!(
        runs.get("peak in flight").and_then(|f| f.as_f64()),
        Some(5.0)
    );
    // The semantics are counts: they hold on any machine, busy or not.
    let cpython_issue = gather
        .claims
        .iter()
        .find(|c| c.source.name == "cpython#75633")
        .expect("the claim");
    assert_eq!(
        cpython_issue.verdict,
        lesson_kit::Verdict::Holds,
        "{cpython_issue:?}"
    );
}

#[test]
fn the_how_many_child_prints_its_figures() {
    let output = coroutines(&[
        "--child",
        "how-many",
        "--way",
        "join-set",
        "--tasks",
        "100",
        "--sleep-ms",
        "10",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figures: coroutines::many::ChildFigures =
        serde_json::from_slice(&output.stdout).expect("the child's JSON");
    assert_eq!(figures.finished, 100);
}

#[test]
fn bad_flags_get_clap_s_message_and_no_panic() {
    for args in [
        &["--no-such-flag"][..],
        &["no-such-experiment"],
        &["gather", "--count", "zero"],
        &["gather", "--count", "0"],
        &["how-many", "--tasks", "0"],
        &["how-many", "--tasks", "2000000"],
        &[
            "--child",
            "how-many",
            "--way",
            "fibers",
            "--tasks",
            "1",
            "--sleep-ms",
            "1",
        ],
    ] {
        let output = coroutines(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn compare_json_prints_one_report_with_every_comparison() {
    if Command::new("python3").arg("--version").output().is_err() {
        return; // No python3 here: `compare` says so, tested by lesson-kit.
    }
    let report = report_of(&coroutines(&[
        "compare",
        "--json",
        "--repeat",
        "1",
        "--delay-ms",
        "30",
        "--tasks",
        "1000",
    ]));
    for id in [
        "compare-gather",
        "compare-how-many",
        "compare-blocking",
        "compare-chef",
        "compare-cancel",
        "compare-servers",
    ] {
        let outcome = report
            .experiment(id)
            .unwrap_or_else(|| panic!("{id} in {report:?}"));
        assert!(outcome.problems.is_empty(), "{id}: {:?}", outcome.problems);
        assert!(!outcome.claims.is_empty(), "{id} judges a claim on CPython");
        // `cancel` compares orders of events, told as findings; the others time runs.
        assert!(outcome.runs.len() >= 2 || id == "compare-cancel", "{id}");
    }
}

/// `coroutines | head -1`: the lesson ends quietly, as `cat` does, not with a "Broken pipe" panic.
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_lesson_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let (status, stderr) = lesson_kit::finish_within(
        "the lesson on a closed pipe",
        std::time::Duration::from_secs(60),
        || {
            lesson_kit::os::run_with_closed_stdout(
                Command::new(env!("CARGO_BIN_EXE_coroutines")).args(["cancel", "--repeat", "1"]),
            )
            .expect("the lesson starts")
        },
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}: {stderr}");
}
