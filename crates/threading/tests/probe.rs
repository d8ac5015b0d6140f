//! Reading the thread probe's report: how a child ended, how far it got, from fixed output.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use lesson_kit::measure::ChildOutput;
use threading::cost::{Ending, ProbeRequest, parse_probe};

fn request() -> ProbeRequest {
    ProbeRequest {
        threads: 40_000,
        stack_kib: Some(64),
        stop_before_limit: false,
        checkpoint: Some(10_000),
        deadline: Duration::from_secs(60),
    }
}

fn child(raw_status: i32, stdout: &str, stderr: &str) -> ChildOutput {
    ChildOutput {
        status: ExitStatus::from_raw(raw_status),
        wall: Duration::from_secs(1),
        cpu: None,
        peak_rss_bytes: Some(150 << 20),
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    }
}

const STARTED: &str = "maps-before 120\nrss-before 2097152\nstarted 1\nstarted 2\n\
per-thread 4.000 9830 140\ncheckpoint 10000 0.4268 102236160\nstarted 16367\n";

#[test]
fn an_aborted_child_is_read_as_a_signal_with_its_count_and_message() {
    let stderr = "thread '<unnamed>' (8697) panicked at library/std/src/sys/pal/unix/stack_overflow.rs:240:13:\n\
                  failed to set up alternative stack guard page: Cannot allocate memory (os error 12)\n";
    // A raw wait status of 6 is "killed by signal 6": SIGABRT.
    let report = parse_probe(request(), child(libc::SIGABRT, STARTED, stderr));
    assert_eq!(report.ending, Ending::Signal(libc::SIGABRT));
    assert_eq!(report.started, 16_367);
    assert_eq!(report.checkpoint, Some((10_000, 0.4268, 102_236_160)));
    assert_eq!(report.rss_before, Some(2_097_152));
    let per_thread = report.per_thread.expect("per-thread figures");
    assert_eq!((per_thread.maps, per_thread.maps_in_use), (4.0, 140));
    assert_eq!(
        report.reason.as_deref(),
        Some("failed to set up alternative stack guard page: Cannot allocate memory (os error 12)")
    );
    assert!(report.ending.to_string().contains("SIGABRT"));
}

#[test]
fn a_spawn_error_is_read_with_its_count_and_exit_code() {
    let stdout =
        format!("{STARTED}spawn-error 16370 Resource temporarily unavailable (os error 11)\n");
    // A raw wait status of 2 << 8 is "exited with code 2".
    let report = parse_probe(request(), child(2 << 8, &stdout, ""));
    assert_eq!(report.ending, Ending::Exited(2));
    assert_eq!(
        report.spawn_error.as_deref(),
        Some("Resource temporarily unavailable (os error 11)")
    );
    assert_eq!(report.all_started_s, None);
}

#[test]
fn a_clean_child_reports_all_its_threads_started() {
    let stdout = format!("{STARTED}bound 16058\nall-started 16058 0.97 160000000\n");
    let report = parse_probe(request(), child(0, &stdout, ""));
    assert_eq!(report.ending, Ending::Exited(0));
    assert_eq!(report.bound, Some(16_058));
    assert_eq!(report.all_started_s, Some(0.97));
}
