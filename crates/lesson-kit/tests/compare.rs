//! The workspace's `compare` on a machine without python3: it runs no lesson, says why for each
//! one, and still succeeds (there is nothing wrong, only nothing to compare with). Fast and
//! bounded: with python3 hidden from the PATH no lesson is built or run.
#![cfg(unix)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use lesson_kit::comparison::{Comparison, Why};
use lesson_kit::{Missing, finish_within};

/// `compare ARGS` with a PATH that holds one empty folder: no python3 (and no cargo) on it.
fn compare_without_python(args: &[&str]) -> Output {
    let empty = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compare-no-python");
    std::fs::create_dir_all(&empty).expect("an empty folder for the PATH");
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    finish_within(
        "compare without python3",
        Duration::from_secs(60),
        move || {
            Command::new(env!("CARGO_BIN_EXE_compare"))
                .args(&args)
                .env("PATH", &empty)
                .env_remove("CARGO")
                .output()
                .expect("compare runs")
        },
    )
}

#[test]
fn without_python3_every_lesson_is_skipped_with_a_typed_reason() {
    let output = compare_without_python(&["--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {stderr}", output.status);
    let table: Comparison = serde_json::from_slice(&output.stdout).expect("the table as JSON");
    assert_eq!(table.python, None);
    assert!(table.rows.is_empty());
    assert!(table.failed.is_empty(), "{:?}", table.failed);
    let lessons: Vec<&str> = table.skipped.iter().map(|s| s.lesson.as_str()).collect();
    for lesson in ["gil-sim", "threading"] {
        assert!(lessons.contains(&lesson), "{lesson} in {lessons:?}");
    }
    for skip in &table.skipped {
        assert!(
            matches!(
                skip.why,
                Why::Missing(Missing::Python3) | Why::NoPythonTwins
            ),
            "{skip:?}"
        );
    }
    assert!(
        table
            .skipped
            .iter()
            .any(|s| s.why == Why::Missing(Missing::Python3))
    );
}

#[test]
fn without_python3_the_text_says_so_and_how_to_get_it() {
    let output = compare_without_python(&["threading"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", output.status);
    assert!(stdout.contains("no figures to compare"), "{stdout}");
    assert!(
        stdout.contains("skipped threading: no python3 (install Python 3"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("gil-sim"),
        "only the lesson asked for: {stdout}"
    );
}

#[test]
fn a_repeat_out_of_range_is_refused_before_any_lesson_runs() {
    let output = compare_without_python(&["--repeat", "0"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--repeat"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn an_unknown_lesson_is_a_clear_error() {
    let output = compare_without_python(&["threadin"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("no lesson \"threadin\""), "{stderr}");
    assert!(stderr.contains("threading"), "names the lessons: {stderr}");
    assert!(output.stdout.is_empty());
}
