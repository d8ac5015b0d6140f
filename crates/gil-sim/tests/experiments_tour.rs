//! The tour as a reader runs it: `gil-sim ID --json`, the ids the book embeds, bad input.

use std::path::Path;
use std::process::Command;

use lesson_kit::{Report, Verdict};

fn gil_sim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gil-sim"))
        .args(args)
        .output()
        .expect("the gil-sim binary runs")
}

/// The experiments the chapter embeds with `{{#lesson gil-sim ID}}`.
fn book_ids() -> Vec<String> {
    let chapter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/gil.md");
    let text = std::fs::read_to_string(chapter).expect("book/src/gil.md exists");
    text.split("{{#lesson gil-sim ")
        .skip(1)
        .filter_map(|rest| rest.split("}}").next())
        .map(|id| id.trim().to_string())
        .collect()
}

#[test]
fn every_experiment_the_book_embeds_is_in_the_tour() {
    let help = String::from_utf8_lossy(&gil_sim(&["--help"]).stdout).into_owned();
    let ids = book_ids();
    assert!(ids.len() >= 8, "{ids:?}");
    for id in ids {
        assert!(
            help.contains(&format!("- {id}:")),
            "{id} is not in --help:\n{help}"
        );
    }
}

#[test]
fn an_experiment_prints_its_report_as_json_with_sourced_claims() {
    let output = gil_sim(&["interpreters", "--json", "--repeat", "1"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = Report::from_json(&String::from_utf8_lossy(&output.stdout)).expect("JSON");
    let outcome = report.experiment("interpreters").expect("the experiment");
    assert_eq!(outcome.runs.len(), 4);
    assert!(!outcome.claims.is_empty());
    for claim in &outcome.claims {
        // Only the article's claims have no address; every other source has one.
        assert!(
            claim.source.is_article() || claim.source.url.is_some(),
            "{claim:?}"
        );
    }
    // Whatever the machine's load, the copy is counted, not timed.
    let copied = outcome.claims.iter().find(|c| c.source.name == "PEP 734");
    assert_eq!(copied.map(|c| c.verdict), Some(Verdict::Holds));
}

#[test]
fn an_unknown_experiment_is_a_clear_error() {
    let output = gil_sim(&["gil-battle"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid value 'gil-battle'"), "{stderr}");
    assert!(
        stderr.contains("convoy"),
        "the message lists the experiments: {stderr}"
    );
}

/// `gil-sim | head -1`: the lesson ends quietly, as `cat` does, not with a "Broken pipe" panic.
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_lesson_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let (status, stderr) = lesson_kit::finish_within(
        "the lesson on a closed pipe",
        std::time::Duration::from_secs(60),
        || {
            lesson_kit::os::run_with_closed_stdout(
                std::process::Command::new(env!("CARGO_BIN_EXE_gil-sim")).args([
                    "cpu-bound",
                    "--repeat",
                    "1",
                ]),
            )
            .expect("the lesson starts")
        },
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}: {stderr}");
}

/// `--trace-out FILE`: the run's timelines in the Trace Event format, for Perfetto.
#[test]
fn trace_out_writes_the_timelines_for_perfetto() {
    let dir = std::env::temp_dir().join(format!("gil-sim-trace-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("trace.json");
    let path_arg = path.to_string_lossy().into_owned();
    let output = gil_sim(&["cpu-bound", "--repeat", "1", "--trace-out", &path_arg]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ui.perfetto.dev"), "{stdout}");
    let json = std::fs::read_to_string(&path).expect("the trace file");
    let file: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let events = file["traceEvents"].as_array().expect("traceEvents");
    assert!(events.iter().any(|e| e["ph"] == "X"));
    assert!(events.iter().any(|e| e["name"] == "thread_name"));
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn trace_out_into_a_missing_directory_fails_before_the_run() {
    let output = gil_sim(&["cpu-bound", "--trace-out", "/no/such/dir/trace.json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("there is no directory /no/such/dir"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing ran");
}

/// The book's sliders: `--child model-figure` prints every setting as a sliders figure.
#[test]
fn the_model_figure_command_prints_every_setting() {
    let output = gil_sim(&["--child", "model-figure"]);
    assert!(output.status.success(), "{output:?}");
    let figure: lesson_kit::sliders::SliderFigure =
        serde_json::from_slice(&output.stdout).expect("a sliders figure");
    assert_eq!(figure.settings.len(), figure.combinations());
    assert!(figure.pictures.iter().all(|p| p.starts_with("<svg")));
    let refused = gil_sim(&["--child", "model-figure", "extra"]);
    assert!(!refused.status.success());
}
