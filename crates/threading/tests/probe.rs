//! The thread probe as a child process, on small numbers: the 16,000-thread run stays out of
//! `cargo test`, so that the suite is safe to run next to anything (the parser of its output is
//! tested on fixed lines in `src/probe/parent.rs`).

use std::path::PathBuf;
use std::process::Command;

use lesson_kit::measure::measure_child;
use threading::probe::lock::ProbeLock;
use threading::probe::parent::{Ending, ProbeReport};
use threading::probe::{COMMAND, ProbeArgs, Why};

/// A lock file of this test's own, so that a real probe elsewhere does not refuse this one.
fn lock_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("threading-test-{name}-{}.lock", std::process::id()))
}

/// Runs `threading --child probe-threads ARGS…` and reads what it said.
fn probe(asked: &ProbeArgs) -> ProbeReport {
    let mut command = Command::new(env!("CARGO_BIN_EXE_threading"));
    command.args(["--child", COMMAND]).args(asked.to_args());
    let child = measure_child(&mut command).expect("the lesson binary runs");
    ProbeReport::read(asked.clone(), &child)
}

#[test]
fn the_probe_starts_the_threads_it_is_asked_for_and_reports_them() {
    let mut asked = ProbeArgs::new(200);
    asked.stack_kib = Some(64);
    asked.checkpoint = Some(150);
    asked.repeat = 1;
    asked.lock = Some(lock_path("small"));
    let report = probe(&asked);
    assert_eq!(report.ending, Ending::Exited(0), "{report:?}");
    assert!(report.refused.is_none());
    assert!(report.unreadable.is_empty(), "{:?}", report.unreadable);
    assert_eq!(report.spawned, 200);
    let checkpoint = report.checkpoint.as_ref().expect("a checkpoint");
    assert_eq!(checkpoint.threads, 150);
    assert_eq!(checkpoint.work.countdown_s.len(), 1);
    let before = report
        .before
        .as_ref()
        .expect("figures before the first thread");
    assert_eq!(before.work.spawn_join_s.len(), 1);
    let stopped = report.stopped.as_ref().expect("a stop");
    assert_eq!((stopped.threads, &stopped.why), (200, &Why::Reached));
    let _ = std::fs::remove_file(lock_path("small"));
}

#[test]
fn a_second_probe_is_refused_while_one_runs() {
    let path = lock_path("busy");
    let _running = ProbeLock::acquire(&path).expect("this test plays the running probe");
    let mut asked = ProbeArgs::new(50);
    asked.lock = Some(path.clone());
    let report = probe(&asked);
    assert_eq!(report.ending, Ending::Exited(5));
    assert_eq!(report.spawned, 0, "a refused probe starts no thread");
    let reason = report.refused.expect("the refusal");
    assert!(
        reason.contains("another thread probe is running"),
        "{reason}"
    );
    drop(_running);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn bad_flags_get_clap_s_message_and_no_panic() {
    for bad in [
        &["--threads", "10", "--stack-kib", "18446744073709551615"][..],
        &["--threads", "10", "--stack-kib", "99999999999999999999999"],
        &["--threads", "0"],
        &["--threads", "ten"],
        &[],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_threading"))
            .args(["--child", COMMAND])
            .args(bad)
            .output()
            .expect("the lesson binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains("error:"), "{bad:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{bad:?}: {stderr}");
    }
}

#[test]
fn an_unknown_child_command_is_an_error_not_a_tour() {
    let output = Command::new(env!("CARGO_BIN_EXE_threading"))
        .args(["--child", "no-such-child"])
        .output()
        .expect("the lesson binary runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-child"));
}
