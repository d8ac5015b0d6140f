//! The runner's command line, as a learner's shell uses it.

/// `exercise-check --help | head -1`: the runner ends quietly, as `cat` does, not with a
/// "Broken pipe" panic.
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_runner_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let (status, stderr) = lesson_kit::finish_within(
        "the runner on a closed pipe",
        std::time::Duration::from_secs(60),
        || {
            lesson_kit::os::run_with_closed_stdout(
                std::process::Command::new(env!("CARGO_BIN_EXE_exercise-check")).arg("--help"),
            )
            .expect("the runner starts")
        },
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // 13 is SIGPIPE: the kernel ended it, as it ends `cat`.
    assert_eq!(status.signal(), Some(13), "{status:?}: {stderr}");
}
