//! Running lessons: failures carry the lesson's own message; results are cached.

mod support;

use std::fs;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use mdbook_lesson::{LessonPreprocessor, Runner, Workspace};

/// A stand-in for `cargo` that plays the lesson: prints `stdout` or fails with `stderr`.
#[cfg(unix)]
fn fake_cargo(dir: &Path, script_body: &str) -> PathBuf {
    let path = dir.join("fake-cargo.sh");
    fs::write(&path, format!("#!/bin/sh\n{script_body}\n")).expect("write script");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

fn runner(root: &Path, cargo: PathBuf) -> Runner {
    let mut runner = Runner::new(Workspace::new(root));
    runner.cargo = cargo;
    runner
}

#[cfg(unix)]
#[test]
fn a_failing_lesson_fails_the_chapter_with_its_stderr() {
    let root = support::fake_workspace("failing");
    let cargo = fake_cargo(
        &root,
        "echo 'error: the delay server did not start' >&2\nexit 3",
    );
    let preprocessor = LessonPreprocessor::default();
    let error = preprocessor
        .expand(
            &runner(&root, cargo),
            "gil.md",
            "x\n{{#lesson demo cpu-bound}}\n",
        )
        .expect_err("the lesson failed");
    let message = format!("{error:#}");
    assert!(
        message.contains("the delay server did not start"),
        "{message}"
    );
    assert!(
        message.contains("cargo run --quiet -p demo -- cpu-bound --json"),
        "{message}"
    );
    assert!(message.contains("gil.md"), "{message}");
}

#[cfg(unix)]
#[test]
fn an_unknown_crate_is_a_clear_error_without_running_anything() {
    let root = support::fake_workspace("unknown-crate");
    let cargo = fake_cargo(&root, "echo ran > ran.txt; exit 1");
    let error = runner(&root, cargo)
        .experiment("helper", "x")
        .expect_err("helper is not a lesson");
    let message = format!("{error:#}");
    assert!(message.contains("no lesson crate `helper`"), "{message}");
    assert!(message.contains("demo, other"), "{message}");
    assert!(!root.join("ran.txt").exists());
}

#[cfg(unix)]
#[test]
fn an_unknown_experiment_is_a_clear_error() {
    let root = support::fake_workspace("unknown-experiment");
    let json = root.join("report.json");
    fs::write(&json, support::fixed_report().to_json()).expect("write");
    let cargo = fake_cargo(&root, &format!("cat '{}'", json.display()));
    let error = runner(&root, cargo)
        .experiment("demo", "nope")
        .expect_err("no such experiment");
    let message = format!("{error:#}");
    assert!(message.contains("no experiment `nope`"), "{message}");
    assert!(message.contains("waiting, model"), "{message}");
}

/// A runner whose cargo prints `json` as the lesson's report, and a count of the lesson runs it
/// made (each run appends a line to runs.txt).
#[cfg(unix)]
fn counting_runner(root: &Path, json: &Path) -> (Runner, impl Fn() -> usize) {
    let count = root.join("runs.txt");
    let cargo = fake_cargo(
        root,
        &format!(
            "echo run >> '{}'\ncat '{}'",
            count.display(),
            json.display()
        ),
    );
    let runs = move || {
        fs::read_to_string(&count)
            .unwrap_or_default()
            .lines()
            .count()
    };
    (runner(root, cargo), runs)
}

#[cfg(unix)]
#[test]
fn results_are_cached_until_the_sources_change() {
    let root = support::fake_workspace("cache");
    let json = root.join("report.json");
    fs::write(&json, support::fixed_report().to_json()).expect("write");
    let (runner, runs) = counting_runner(&root, &json);

    let preprocessor = LessonPreprocessor::default();
    let page = preprocessor
        .expand(&runner, "t.md", "{{#lesson demo waiting}}")
        .expect("expands");
    assert!(
        page.contains("$ cargo run -p threading -- waiting"),
        "{page}"
    );
    runner.experiment("demo", "waiting").expect("cached");
    assert_eq!(runs(), 1, "the second call reads the cache");

    support::write(
        &root.join("crates/demo/src/main.rs"),
        "fn main() { /* new */ }\n",
    );
    runner.experiment("demo", "waiting").expect("re-run");
    assert_eq!(runs(), 2, "changed sources run the lesson again");
    let cached: Vec<_> = fs::read_dir(&runner.cache_dir)
        .expect("cache dir")
        .flatten()
        .collect();
    assert_eq!(cached.len(), 1, "the stale entry is removed");

    assert_eq!(runner.clear_cache().expect("clears"), 1);
    runner.experiment("demo", "waiting").expect("re-run");
    assert_eq!(runs(), 3, "after remeasure the lesson runs again");
}

#[cfg(unix)]
#[test]
fn figures_from_a_busy_machine_are_measured_again() {
    let root = support::fake_workspace("busy");
    let json = root.join("report.json");
    let mut busy = support::fixed_report();
    busy.busy = Some("load 4.0 on 2 cores".into());
    fs::write(&json, busy.to_json()).expect("write");
    let (runner, runs) = counting_runner(&root, &json);
    runner.experiment("demo", "waiting").expect("runs");
    runner.experiment("demo", "waiting").expect("runs again");
    assert_eq!(runs(), 2, "a busy machine's figures are not kept");

    fs::write(&json, support::fixed_report().to_json()).expect("write");
    runner.experiment("demo", "waiting").expect("runs, quiet");
    runner.experiment("demo", "waiting").expect("cached");
    assert_eq!(runs(), 3, "quiet figures are cached");
}

#[cfg(unix)]
#[test]
fn claims_of_a_lesson_that_does_not_exist_are_an_error_not_a_row() {
    let root = support::fake_workspace("claims");
    let json = root.join("report.json");
    fs::write(&json, support::fixed_report().to_json()).expect("write");
    let cargo = fake_cargo(&root, &format!("cat '{}'", json.display()));
    let error = LessonPreprocessor::default()
        .expand(
            &runner(&root, cargo),
            "m.md",
            "{{#claims demo multiprocessing}}",
        )
        .expect_err("no crate multiprocessing here");
    assert!(
        format!("{error:#}").contains("no lesson crate `multiprocessing`"),
        "{error:#}"
    );
}

#[cfg(unix)]
#[test]
fn a_bare_claims_directive_lists_every_lesson_and_links_its_chapter() {
    let root = support::fake_workspace("bare-claims");
    let json = root.join("report.json");
    fs::write(&json, support::fixed_report().to_json()).expect("write");
    let cargo = fake_cargo(&root, &format!("cat '{}'", json.display()));
    let runner = runner(&root, cargo);
    let preprocessor = LessonPreprocessor::default();
    preprocessor
        .expand(&runner, "other.md", "{{#lesson other waiting}}")
        .expect("expands");
    let appendix = preprocessor
        .expand(&runner, "m.md", "{{#claims}}")
        .expect("expands");
    // `other` first (the book embeds it), then `demo`, which no chapter embeds.
    let other = appendix
        .find("(other.md)")
        .expect("a heading linking other's chapter");
    let demo = appendix.rfind("### ").expect("a second heading");
    assert!(other < demo, "{appendix}");
    assert!(
        appendix.contains("| **holds** | Threads speed up waiting."),
        "{appendix}"
    );
}

#[cfg(unix)]
#[test]
fn an_experiment_embedded_twice_runs_once_per_build_even_on_a_busy_machine() {
    let root = support::fake_workspace("twice");
    let json = root.join("report.json");
    let mut busy = support::fixed_report();
    busy.busy = Some("load 4.0 on 2 cores".into());
    fs::write(&json, busy.to_json()).expect("write");
    let (runner, runs) = counting_runner(&root, &json);
    let preprocessor = LessonPreprocessor::default();
    let first = preprocessor
        .expand(&runner, "a.md", "{{#lesson demo waiting}}")
        .expect("expands");
    let second = preprocessor
        .expand(&runner, "b.md", "{{#lesson demo waiting}}")
        .expect("expands");
    assert_eq!(runs(), 1, "one run for both chapters");
    assert_eq!(first, second);
}

#[cfg(unix)]
#[test]
fn the_appendix_shows_the_figures_the_chapters_embedded() {
    let root = support::fake_workspace("appendix");
    let chapter_run = support::fixed_report();
    let mut tour_run = support::fixed_report();
    tour_run.experiments[0].claims[0].measured = "1.50× with 3 threads.".into();
    let (one, full) = (root.join("one.json"), root.join("full.json"));
    fs::write(&one, chapter_run.to_json()).expect("write");
    fs::write(&full, tour_run.to_json()).expect("write");
    // The full tour (`-- --json`) and a single experiment (`-- waiting --json`) measure differently.
    let cargo = fake_cargo(
        &root,
        &format!(
            "case \"$*\" in *'-- --json') cat '{}';; *) cat '{}';; esac",
            full.display(),
            one.display()
        ),
    );
    let runner = runner(&root, cargo);
    let preprocessor = LessonPreprocessor::default();
    let appendix_alone = preprocessor
        .expand(&runner, "m.md", "{{#claims demo}}")
        .expect("expands");
    assert!(appendix_alone.contains("1.50×"), "{appendix_alone}");

    preprocessor
        .expand(&runner, "t.md", "{{#lesson demo waiting}}")
        .expect("expands");
    let appendix = preprocessor
        .expand(&runner, "m.md", "{{#claims demo}}")
        .expect("expands");
    assert!(appendix.contains("2.99× with 3 threads."), "{appendix}");
    assert!(!appendix.contains("1.50×"), "{appendix}");
}

/// `{{#sliders demo model-figure}}`: the lesson's child command runs once, then the cache answers
/// (nothing in a model's figure is timed, so there is no busy machine to measure again on).
#[cfg(unix)]
#[test]
fn a_sliders_figure_is_computed_once_and_rendered_with_its_data() {
    use lesson_kit::sliders::{Slider, SliderFigure};
    let root = support::fake_workspace("sliders");
    let slider = Slider {
        label: "threads".into(),
        choices: vec!["1".into(), "2".into()],
    };
    let mut figure = SliderFigure::new("A model", vec![slider], vec!["speedup".into()], vec![0]);
    figure.add(vec![0], "<svg>one</svg>".into(), vec!["1.00×".into()]);
    figure.add(vec![1], "<svg>two</svg>".into(), vec!["1.90×".into()]);
    let json = root.join("figure.json");
    fs::write(&json, serde_json::to_string(&figure).expect("JSON")).expect("write");
    let (runner, runs) = counting_runner(&root, &json);

    let page = LessonPreprocessor::default()
        .expand(&runner, "t.md", "{{#sliders demo model-figure}}")
        .expect("expands");
    assert!(page.contains("<svg>one</svg>"), "{page}");
    assert!(page.contains("lesson-sliders-data"), "{page}");
    assert_eq!(
        runner.sliders("demo", "model-figure").expect("cached"),
        figure
    );
    assert_eq!(runs(), 1, "the second call reads the cache");
}

#[cfg(unix)]
#[test]
fn a_child_command_that_prints_no_figure_is_a_clear_error() {
    let root = support::fake_workspace("sliders-bad");
    let cargo = fake_cargo(&root, "echo 'not json'");
    let error = runner(&root, cargo)
        .sliders("demo", "model-figure")
        .expect_err("not a figure");
    assert!(
        format!("{error:#}").contains("did not print a sliders figure"),
        "{error:#}"
    );
}

/// A stand-in cargo that answers `compare` with `compare_json` (exiting 1, as a lesson whose
/// comparison had a problem does) and anything else with `report_json`.
#[cfg(unix)]
fn comparing_runner(root: &Path, compare_json: &str, report_json: &str) -> Runner {
    let (compare, report) = (root.join("compare.json"), root.join("report.json"));
    fs::write(&compare, compare_json).expect("write");
    fs::write(&report, report_json).expect("write");
    let cargo = fake_cargo(
        root,
        &format!(
            "case \"$*\" in *compare*) cat '{}'; exit 1;; *) cat '{}';; esac",
            compare.display(),
            report.display()
        ),
    );
    runner(root, cargo)
}

fn compared(outcome: lesson_kit::Outcome) -> String {
    let mut report = lesson_kit::Report::new("demo", "Demo");
    report.experiments.push(outcome);
    report.to_json()
}

#[cfg(unix)]
#[test]
fn side_by_side_draws_both_runs_and_writes_them_for_perfetto() {
    use lesson_kit::{Outcome, SideBySide, State, Trace};
    let root = support::fake_workspace("side-by-side");
    let trace = Trace::new();
    trace.record("thread 1", State::WaitingForIo, 0.0, 0.3);
    let pair = SideBySide::new("Python 3.11.7", trace.snapshot(), trace.snapshot());
    let outcome = Outcome::new("compare-waiting", "Waiting: CPython beside Rust")
        .problem("another comparison's twin failed")
        .side_by_side(pair.clone());
    let runner = comparing_runner(&root, &compared(outcome), "{}");
    let preprocessor = LessonPreprocessor::default();
    let traces = root.join("book/src/traces");
    *preprocessor.traces_dir.borrow_mut() = Some(traces.clone());

    let page = preprocessor
        .expand(&runner, "part/t.md", "{{#side-by-side demo waiting}}")
        .expect("a failed exit with a report in it still draws");
    assert!(page.contains("id=\"side-by-side-demo-waiting\""), "{page}");
    assert!(page.contains("class=\"lesson-scrub\""), "{page}");
    assert!(
        page.contains("<tr data-lane=\"CPython (Python 3.11.7): thread 1\">"),
        "{page}"
    );
    assert!(page.contains("<tr data-lane=\"Rust: thread 1\">"), "{page}");
    assert!(page.contains("](../traces/demo-waiting.json)"), "{page}");
    let file = fs::read_to_string(traces.join("demo-waiting.json")).expect("the trace file");
    let events: lesson_kit::trace_event::TraceEvents =
        serde_json::from_str(&file).expect("Trace Event JSON");
    let expected = lesson_kit::trace_event::TraceEvents::from_side_by_side(
        "Waiting: CPython beside Rust",
        &pair,
    );
    assert_eq!(events, expected);
    assert_eq!(
        fs::read_to_string(traces.join(".gitignore"))
            .ok()
            .as_deref(),
        Some("*\n")
    );
}

#[cfg(unix)]
#[test]
fn side_by_side_without_python3_shows_the_rust_run_and_how_to_get_the_pair() {
    use lesson_kit::{Missing, Outcome, Skipped};
    let root = support::fake_workspace("side-by-side-alone");
    let no_python = Outcome::new("compare", "CPython beside Rust")
        .skipped(Skipped::new("every comparison", Missing::Python3));
    let runner = comparing_runner(
        &root,
        &compared(no_python),
        &support::fixed_report().to_json(),
    );
    let page = LessonPreprocessor::default()
        .expand(&runner, "t.md", "{{#side-by-side demo model}}")
        .expect("the Rust run alone");
    assert!(page.contains("has no python3"), "{page}");
    assert!(page.contains(Missing::Python3.remedy()), "{page}");
    assert!(page.contains("<svg"), "the Rust run's timeline: {page}");
    assert!(!page.contains("lesson-side-by-side"), "{page}");
}

#[cfg(unix)]
#[test]
fn side_by_side_of_a_comparison_the_lesson_lacks_is_an_error_naming_what_it_has() {
    let root = support::fake_workspace("side-by-side-unknown");
    let outcome = lesson_kit::Outcome::new("compare-waiting", "Waiting");
    let runner = comparing_runner(&root, &compared(outcome), "{}");
    let error = LessonPreprocessor::default()
        .expand(&runner, "t.md", "{{#side-by-side demo nope}}")
        .expect_err("no compare-nope");
    let message = format!("{error:#}");
    assert!(message.contains("compare-waiting"), "{message}");
}
