//! `cargo run -p lesson-kit --bin compare`: every lesson's Python twins, CPython beside Rust in one
//! table (`just compare`).
//!
//! For each lesson crate (a `crates/NAME` with a `src/main.rs`, tooling aside) that has a
//! `python/` folder, it runs the lesson's own comparison, `cargo run -p NAME -- compare --json`,
//! and reads the typed pairs from its report (see `lesson_kit::comparison`). Without python3 it
//! runs none and says so. A lesson that fails is named with its reasons and the command exits
//! non-zero; the others still run. Each lesson removes its own files; on Ctrl-C or SIGTERM this
//! program ends the lesson it is running too (`lesson_kit::cleanup`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use anyhow::Context as _;
use clap::Parser;
use lesson_kit::comparison::{Comparison, LessonRun};
use lesson_kit::os::{cargo, exit_status_in_words};
use lesson_kit::render::TerminalOptions;
use lesson_kit::tour::MAX_REPEAT;
use lesson_kit::trace_event::{self, TraceEvents};
use lesson_kit::{Twins, cleanup};

/// Run every lesson's Python twins with python3 and show CPython beside Rust in one table.
#[derive(Debug, Parser)]
#[command(name = "compare")]
struct Cli {
    /// Only these lessons (crate names, e.g. `threading`); every lesson if none.
    #[arg(value_name = "LESSON")]
    lessons: Vec<String>,

    /// Use the article's sizes (passed on to each lesson's `compare`).
    #[arg(long)]
    full: bool,

    /// Run each comparison N times, taking turns (passed on to each lesson; 1 to 50).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_REPEAT)))]
    repeat: Option<u16>,

    /// Print the whole table as JSON instead of text.
    #[arg(long)]
    json: bool,

    /// Also write every comparison's two timelines (CPython's and Rust's, two processes each)
    /// to FILE in the Trace Event format, for https://ui.perfetto.dev or chrome://tracing.
    #[arg(long, value_name = "FILE")]
    trace_out: Option<PathBuf>,
}

/// Crates with a `src/main.rs` that are tools, not lessons (the book's preprocessor keeps the
/// same list in `mdbook_lesson::workspace::TOOLING`).
const TOOLING: [&str; 3] = ["lesson-kit", "mdbook-lesson", "exercise-check"];

fn main() -> ExitCode {
    lesson_kit::os::exit_quietly_on_closed_pipe();
    if let Err(error) = cleanup::install("compare") {
        eprintln!("compare: Ctrl-C may leave a lesson running (no signal handling: {error})");
    }
    let cli = Cli::parse();
    match run(&cli) {
        Ok(table) if table.succeeded() => ExitCode::SUCCESS,
        Ok(table) => {
            eprintln!(
                "compare: {} failure(s) (the FAILED lines, or `failed` in the JSON)",
                table.failed.len()
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("compare: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<Comparison> {
    if let Some(path) = &cli.trace_out {
        trace_event::check_destination(path).map_err(anyhow::Error::msg)?;
    }
    let root = workspace_root()?;
    let lessons = chosen(&lessons_in(&root)?, &cli.lessons)?;
    // Any folder will do for the version check: each lesson finds its own twins.
    let python = Twins::find(PathBuf::new()).ok().map(|twins| twins.version);
    let mut runs = Vec::new();
    for (i, lesson) in lessons.iter().enumerate() {
        let run = if !root.join("crates").join(lesson).join("python").is_dir() {
            LessonRun::NoTwins
        } else if python.is_none() {
            LessonRun::NoPython3
        } else {
            eprintln!(
                "compare: {lesson}'s twins ({} of {})…",
                i + 1,
                lessons.len()
            );
            compare_lesson(&root, lesson, cli)?
        };
        runs.push((lesson.clone(), run));
    }
    let table = Comparison::build(python, &runs);
    let text = if cli.json {
        serde_json::to_string_pretty(&table).context("writing the table as JSON")? + "\n"
    } else {
        table.render(TerminalOptions::detect().width)
    };
    // A closed pipe ends the program quietly (see `exit_quietly_on_closed_pipe`).
    let _ = io::stdout().lock().write_all(text.as_bytes());
    if let Some(path) = &cli.trace_out {
        write_timelines(path, &table)?;
    }
    Ok(table)
}

/// Every comparison's pair as processes of one Trace Event file: `<lesson> <experiment>: CPython
/// (…)` and `<lesson> <experiment>: Rust`.
fn write_timelines(path: &Path, table: &Comparison) -> anyhow::Result<()> {
    let mut traces = Vec::new();
    for kept in &table.timelines {
        for (side, trace) in kept.pair.sides() {
            traces.push((
                format!("{} {}: {side}", kept.lesson, kept.experiment),
                trace,
            ));
        }
    }
    anyhow::ensure!(
        !traces.is_empty(),
        "--trace-out {}: no comparison kept its timelines; nothing was written",
        path.display()
    );
    let events = TraceEvents::from_traces(traces.iter().map(|(name, t)| (name.as_str(), *t)));
    std::fs::write(path, events.to_json())
        .with_context(|| format!("--trace-out {}: could not write it", path.display()))?;
    eprintln!(
        "compare: wrote {} comparisons' timelines to {} (Trace Event format): open it at \
         https://ui.perfetto.dev or in chrome://tracing.",
        table.timelines.len(),
        path.display()
    );
    Ok(())
}

/// The workspace this binary was built in: two folders above lesson-kit's.
fn workspace_root() -> anyhow::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize()
        .with_context(|| format!("the workspace {} is gone", root.display()))
}

/// Every lesson crate, sorted by name.
fn lessons_in(root: &Path) -> anyhow::Result<Vec<String>> {
    let crates = root.join("crates");
    let mut lessons = Vec::new();
    for entry in std::fs::read_dir(&crates).with_context(|| format!("{}", crates.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !TOOLING.contains(&name.as_str()) && crates.join(&name).join("src/main.rs").is_file() {
            lessons.push(name);
        }
    }
    lessons.sort();
    Ok(lessons)
}

/// The lessons asked for, each checked, or all of them.
fn chosen(lessons: &[String], asked: &[String]) -> anyhow::Result<Vec<String>> {
    if let Some(unknown) = asked.iter().find(|a| !lessons.contains(a)) {
        anyhow::bail!(
            "no lesson {unknown:?} (the lessons: {})",
            lessons.join(", ")
        );
    }
    Ok(if asked.is_empty() {
        lessons.to_vec()
    } else {
        asked.to_vec()
    })
}

/// `cargo run --quiet -p LESSON -- compare --json`: its report on stdout, its messages (and
/// cargo's, if it has to build) straight to stderr.
fn compare_lesson(root: &Path, lesson: &str, cli: &Cli) -> anyhow::Result<LessonRun> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["run", "--quiet", "-p", lesson, "--", "compare", "--json"])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    if cli.full {
        command.arg("--full");
    }
    if let Some(n) = cli.repeat {
        command.arg(format!("--repeat={n}"));
    }
    let output = command
        .output()
        .with_context(|| format!("could not run cargo for {lesson}"))?;
    Ok(LessonRun::Ran {
        success: output.status.success(),
        status: exit_status_in_words(&output.status),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    })
}
