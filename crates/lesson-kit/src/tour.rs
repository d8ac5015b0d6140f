//! `Tour`: everything around a lesson's experiments, written once for every lesson.
//!
//! A lesson's experiment is two functions: `measure(&Settings) -> Figures` runs the concurrency and
//! returns typed figures, and `report(&Figures) -> Outcome` writes what they mean. Everything else
//! is here: the shared flags (`--full`, `--repeat`, `--json`), choosing experiments by name, the
//! busy-machine check around each one, drawing each outcome as it finishes, the Python comparison,
//! the child processes a lesson starts from its own binary, and the exit status. A lesson's
//! `main.rs` is then its outline:
//!
//! ```no_run
//! # mod experiments {
//! #     pub mod compare {
//! #         pub fn run(_: &super::Settings, _: &lesson_kit::Twins) -> anyhow::Result<Vec<lesson_kit::Outcome>> { Ok(vec![]) }
//! #     }
//! #     pub mod waiting {
//! #         pub fn measure(_: &super::Settings) -> Result<(), std::io::Error> { Ok(()) }
//! #         pub fn report(_: &()) -> lesson_kit::Outcome { lesson_kit::Outcome::new("waiting", "") }
//! #     }
//! #     pub mod computing { pub use super::waiting::{measure, report}; }
//! #     #[derive(Clone, Debug, Default, clap::Args)]
//! #     pub struct Flags {}
//! #     pub type Settings = lesson_kit::Settings<Flags>;
//! # }
//! # mod probe {
//! #     pub const COMMAND: &str = "probe-threads";
//! #     pub mod child { pub fn main(_: Vec<std::ffi::OsString>) -> std::process::ExitCode { std::process::ExitCode::SUCCESS } }
//! # }
//! use std::process::ExitCode;
//!
//! use experiments::{compare, computing, waiting};
//! use lesson_kit::Tour;
//!
//! fn main() -> ExitCode {
//!     Tour::new("threading", "Threading: threads are for waiting")
//!         .experiment("waiting", "N downloads, in turn and then one thread each", waiting::measure, waiting::report)
//!         .experiment("computing", "four CPU-bound tasks on threads", computing::measure, computing::report)
//!         .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
//!         .child(probe::COMMAND, probe::child::main)
//!         .main(Ok) // the lesson's flags are its settings
//! }
//! ```

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, CommandFactory, FromArgMatches, Parser};
use serde::Serialize;

use crate::busy;
use crate::cleanup;
use crate::render::terminal::{self, TerminalOptions};
use crate::report::{Outcome, Report};
use crate::twin::Twins;
use crate::versus::{Missing, Skipped};

/// The settings every experiment receives: the shared sizes, plus the lesson's own (`L`).
#[derive(Clone, Debug)]
pub struct Settings<L> {
    /// `--full`: the article's sizes (3 downloads of 3 s, 4 tasks of 2 s, 2048² images).
    pub full: bool,
    /// `--repeat`: how many times each timed comparison runs, its variants taking turns.
    pub repeat: usize,
    /// The lesson's own settings (a URL list, a delay…).
    pub lesson: L,
}

impl<L> Settings<L> {
    /// The default sizes, with the lesson's own settings: for tests and examples.
    pub fn new(lesson: L) -> Self {
        Settings {
            full: false,
            repeat: DEFAULT_REPEAT,
            lesson,
        }
    }

    /// `small` normally, `big` with `--full`.
    pub fn size<T>(&self, small: T, big: T) -> T {
        if self.full { big } else { small }
    }
}

/// Repeats of each timed comparison: 3 by default, 5 with `--full`.
pub const DEFAULT_REPEAT: usize = 3;
pub const FULL_REPEAT: usize = 5;

/// The flags every lesson shares.
#[derive(Clone, Debug, Default, Args)]
pub struct TourArgs {
    /// The experiment to run alone, or `compare` (all experiments, in order, if omitted).
    #[arg(value_name = "EXPERIMENT")]
    pub experiment: Option<String>,

    /// Use the article's sizes (slower, steadier figures).
    #[arg(long)]
    pub full: bool,

    /// Run each timed comparison N times, taking turns (default 3, or 5 with --full).
    // Negative numbers are let through to the parser, which answers them plainly; clap alone would
    // take `-1` for a flag and suggest `-- -1`, which no reader wants.
    #[arg(long, value_name = "N", value_parser = repeat, allow_negative_numbers = true)]
    pub repeat: Option<u16>,

    /// Print the measurements as one JSON report instead of timelines and tables.
    #[arg(long)]
    pub json: bool,
}

/// The most repeats `--repeat` accepts: 50 turns of any experiment is already minutes.
pub const MAX_REPEAT: u16 = 50;

/// `--repeat`'s value: a whole number from 1 to [`MAX_REPEAT`].
fn repeat(value: &str) -> Result<u16, String> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|n| (1..=MAX_REPEAT).contains(n))
        .ok_or_else(|| format!("--repeat must be 1 to {MAX_REPEAT}"))
}

/// A lesson's command line: the shared flags, then the lesson's own (`A`).
#[derive(Debug, Parser)]
struct Cli<A: Args> {
    #[command(flatten)]
    tour: TourArgs,
    #[command(flatten)]
    lesson: A,
}

/// One experiment: its name, a line saying what it does, and its `measure` + `report` pair.
struct Experiment<L> {
    id: &'static str,
    summary: &'static str,
    run: Box<MeasureThenReport<L>>,
}

/// An experiment's `measure` followed by its `report`, with the figures' type erased.
type MeasureThenReport<L> = dyn Fn(&Settings<L>) -> anyhow::Result<Outcome>;

impl<L> Experiment<L> {
    /// Measures, then reports. An error from `measure` means the experiment could not run at all
    /// (the local server would not start); a failed item inside it (one URL) is a `problem` of its
    /// outcome instead, and the rest of its work is still reported.
    fn run(&self, settings: &Settings<L>) -> anyhow::Result<Outcome> {
        (self.run)(settings)
    }
}

type Compare<L> = fn(&Settings<L>, &Twins) -> anyhow::Result<Vec<Outcome>>;
/// A child process's `main`: its arguments after `--child NAME`, and its exit code.
pub type Child = fn(Vec<OsString>) -> ExitCode;

/// A lesson's experiments, in the order its chapter tells them.
pub struct Tour<L> {
    lesson: &'static str,
    title: &'static str,
    experiments: Vec<Experiment<L>>,
    compare: Option<(PathBuf, Compare<L>)>,
    children: Vec<(&'static str, Child)>,
}

/// The first argument that starts a lesson's binary as one of its own child processes.
pub const CHILD_FLAG: &str = "--child";

impl<L: 'static> Tour<L> {
    /// The tour of the lesson crate `lesson`, titled `title`.
    pub fn new(lesson: &'static str, title: &'static str) -> Self {
        Tour {
            lesson,
            title,
            experiments: Vec::new(),
            compare: None,
            children: Vec::new(),
        }
    }

    /// Adds an experiment: `cargo run -p LESSON -- ID` runs it alone.
    pub fn experiment<F: Serialize + 'static, E: Into<anyhow::Error> + 'static>(
        mut self,
        id: &'static str,
        summary: &'static str,
        measure: fn(&Settings<L>) -> Result<F, E>,
        report: fn(&F) -> Outcome,
    ) -> Self {
        let run = move |settings: &Settings<L>| {
            let figures = measure(settings).map_err(Into::into)?;
            Ok(report(&figures))
        };
        self.experiments.push(Experiment {
            id,
            summary,
            run: Box::new(run),
        });
        self
    }

    /// Adds `compare`: runs the Python twins in `twins_dir` with python3 and puts CPython's figures
    /// beside the lesson's.
    pub fn compare(mut self, twins_dir: impl Into<PathBuf>, compare: Compare<L>) -> Self {
        self.compare = Some((twins_dir.into(), compare));
        self
    }

    /// Adds a child process the lesson starts from its own binary (a worker, a probe): started as
    /// `<this program> --child NAME ARGS…` (see [`child_command`]), it runs `main` with `ARGS`
    /// instead of the tour. The mirror of Python's `if __name__ == "__main__":` guard.
    pub fn child(mut self, name: &'static str, main: Child) -> Self {
        self.children.push((name, main));
        self
    }

    /// Parses the command line (shared flags, then the lesson's own `A`), turns `A` into the
    /// lesson's settings with `settings`, runs what was asked for, and returns the exit status:
    /// success only when every experiment ran and nothing in it failed.
    pub fn main<A: Args + FromArgMatches>(
        self,
        settings: impl FnOnce(A) -> anyhow::Result<L>,
    ) -> ExitCode {
        crate::os::exit_quietly_on_closed_pipe();
        let args: Vec<OsString> = std::env::args_os().collect();
        if args.get(1).is_some_and(|a| a == CHILD_FLAG) {
            // A child keeps the default signal actions and no thread of ours (see `cleanup`).
            cleanup::name_paths_after(self.lesson);
            return self.run_child(&args[2..]);
        }
        if let Err(error) = cleanup::install(self.lesson) {
            eprintln!(
                "{}: an interrupted run may leave files behind (no signal handling: {error})",
                self.lesson
            );
        }
        let cli = match self.parse::<A>(args) {
            Ok(cli) => cli,
            Err(error) => error.exit(),
        };
        let tour = cli.tour;
        let lesson = match settings(cli.lesson) {
            Ok(lesson) => lesson,
            Err(error) => return fail(self.lesson, &format!("{error:#}")),
        };
        let full = tour.full;
        let repeat = tour
            .repeat
            .map_or(if full { FULL_REPEAT } else { DEFAULT_REPEAT }, usize::from);
        let settings = Settings {
            full,
            repeat,
            lesson,
        };
        let status = self.run(tour.experiment.as_deref(), tour.json, &settings);
        // What an experiment kept past its end (or leaked) goes now, not at the next start.
        cleanup::remove_all();
        status
    }

    /// Parses the arguments, with the experiments' names as the values `EXPERIMENT` accepts.
    fn parse<A: Args + FromArgMatches>(&self, args: Vec<OsString>) -> clap::error::Result<Cli<A>> {
        let mut names: Vec<PossibleValue> = self
            .experiments
            .iter()
            .map(|e| PossibleValue::new(e.id).help(e.summary))
            .collect();
        if self.compare.is_some() {
            names.push(
                PossibleValue::new("compare").help("run the Python twins and show CPython beside"),
            );
        }
        let command = Cli::<A>::command()
            .name(self.lesson)
            .about(self.title)
            .mut_arg("experiment", |arg| {
                arg.value_parser(PossibleValuesParser::new(names))
            });
        let matches = command.try_get_matches_from(args)?;
        Cli::<A>::from_arg_matches(&matches)
    }

    fn run_child(&self, args: &[OsString]) -> ExitCode {
        run_child(self.lesson, &self.children, args)
    }

    /// Runs one experiment by name, `compare`, or every experiment, and shows the outcomes.
    pub fn run(&self, which: Option<&str>, json: bool, settings: &Settings<L>) -> ExitCode {
        crate::progress::show(!json);
        let mut show = Show::new(self.lesson, self.title, json);
        if which == Some("compare") {
            match self.run_compare(settings, &mut show) {
                Ok(()) => {}
                Err(error) => show.problem(format!("compare: {error:#}")),
            }
            return show.finish();
        }
        let chosen = self
            .experiments
            .iter()
            .enumerate()
            .filter(|(_, e)| which.is_none_or(|id| id == e.id));
        for (i, experiment) in chosen {
            show.say(&format!("{}. {}…\n", i + 1, experiment.summary));
            let outcome = checked_for_busy(|| experiment.run(settings)).unwrap_or_else(|error| {
                Outcome::new(experiment.id, experiment.summary)
                    .problem(format!("{}: could not run: {error:#}", experiment.id))
            });
            show.outcome(outcome);
        }
        if which.is_none() && self.compare.is_some() {
            show.say(&format!(
                "Next: `cargo run -p {} -- compare` puts CPython's figures beside these.",
                self.lesson
            ));
        }
        show.finish()
    }

    fn run_compare(&self, settings: &Settings<L>, show: &mut Show) -> anyhow::Result<()> {
        let Some((dir, compare)) = &self.compare else {
            anyhow::bail!("this lesson has no Python twins to compare with");
        };
        let twins = match Twins::find(dir.clone()) {
            Ok(twins) => twins,
            Err(error) => {
                // Said twice: typed in the report, for the workspace's `compare` table, and as
                // this run's error, for the reader who asked for a comparison.
                show.record(
                    Outcome::new("compare", "CPython beside Rust")
                        .skipped(Skipped::new("every comparison", Missing::Python3)),
                );
                return Err(error).context(
                    "there is no CPython to compare with; install Python 3 (python3 on the \
                     PATH) and run this again",
                );
            }
        };
        show.say(&format!(
            "Running the Python twins with {} beside the same experiments in Rust, {} times \
             each…\n",
            twins.version, settings.repeat
        ));
        let outcomes = checked_for_busy(|| compare(settings, &twins))?;
        for outcome in outcomes {
            show.outcome(outcome);
        }
        Ok(())
    }
}

/// Runs `work` between two busy-machine checks; a busy machine turns the outcome's timing verdicts
/// into `unclear`, with the reason.
pub fn checked_for_busy<T: BusyAware>(
    work: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let before = busy::check();
    let result = work()?;
    let after = busy::check();
    Ok(match before.or(after) {
        Some(reason) => result.on_busy_machine(&reason),
        None => result,
    })
}

/// What [`checked_for_busy`] can mark: an outcome, or several.
pub trait BusyAware {
    fn on_busy_machine(self, reason: &str) -> Self;
}

impl BusyAware for Outcome {
    fn on_busy_machine(self, reason: &str) -> Self {
        Outcome::on_busy_machine(self, reason)
    }
}

impl BusyAware for Vec<Outcome> {
    fn on_busy_machine(self, reason: &str) -> Self {
        self.into_iter()
            .map(|o| o.on_busy_machine(reason))
            .collect()
    }
}

/// For a program with no tour (an example): if it was started as one of `children` (`<program>
/// --child NAME ARGS…`, see [`child_command`]), runs that child's `main` with `ARGS` and returns
/// its exit code; otherwise `None`, and the program goes on as itself. `Tour::main` does the same
/// before anything else: the mirror of Python's `if __name__ == "__main__":` guard.
pub fn serve_child(program: &str, children: &[(&'static str, Child)]) -> Option<ExitCode> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let is_child = args.get(1).is_some_and(|a| a == CHILD_FLAG);
    is_child.then(|| run_child(program, children, &args[2..]))
}

/// Runs the child named by the first of `args` with the rest.
fn run_child(program: &str, children: &[(&'static str, Child)], args: &[OsString]) -> ExitCode {
    let name = args.first().map(|a| a.to_string_lossy().into_owned());
    match children
        .iter()
        .find(|(child, _)| Some(*child) == name.as_deref())
    {
        Some((_, main)) => main(args[1..].to_vec()),
        None => fail(
            program,
            &format!(
                "no child command {:?} (this is for the lesson itself, not for people)",
                name.unwrap_or_default()
            ),
        ),
    }
}

/// The command that starts this program as its child `name` (see [`Tour::child`]).
pub fn child_command(name: &str) -> io::Result<std::process::Command> {
    let exe = std::env::current_exe()?;
    let mut command = std::process::Command::new(exe);
    command.args([CHILD_FLAG, name]);
    Ok(command)
}

/// Shows outcomes as they finish (or collects them for `--json`) and keeps the problems.
struct Show {
    lesson: &'static str,
    report: Report,
    json: bool,
    options: TerminalOptions,
    problems: Vec<String>,
}

impl Show {
    fn new(lesson: &'static str, title: &str, json: bool) -> Self {
        let show = Show {
            lesson,
            report: Report::new(lesson, title),
            json,
            options: TerminalOptions::detect(),
            problems: Vec::new(),
        };
        show.say(&format!("{title}\nmeasured on: {}\n", show.report.machine));
        show
    }

    /// Narration for a reader: on stdout in a terminal tour, nowhere with `--json`.
    fn say(&self, line: &str) {
        if !self.json {
            println!("{line}");
        }
    }

    fn outcome(&mut self, outcome: Outcome) {
        if !self.json {
            println!("{}", terminal::experiment(&outcome, self.options));
        }
        self.record(outcome);
    }

    /// Keeps an outcome for `--json` and the exit status without drawing it.
    fn record(&mut self, outcome: Outcome) {
        self.problems.extend(outcome.problems.iter().cloned());
        if self.report.busy.is_none() {
            self.report.busy = outcome.busy.clone();
        }
        self.report.experiments.push(outcome);
    }

    fn problem(&mut self, line: String) {
        self.problems.push(line);
    }

    fn finish(self) -> ExitCode {
        if self.json {
            let mut stdout = io::stdout().lock();
            // A closed pipe ends the program quietly (see `exit_quietly_on_closed_pipe`).
            let _ = writeln!(stdout, "{}", self.report.to_json());
        }
        if self.problems.is_empty() {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "{}: {} thing(s) went wrong:",
            self.lesson,
            self.problems.len()
        );
        for problem in &self.problems {
            eprintln!("  - {problem}");
        }
        ExitCode::FAILURE
    }
}

fn fail(lesson: &str, message: &str) -> ExitCode {
    eprintln!("{lesson}: {message}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, Args)]
    struct NoFlags {}

    fn parse(args: &[&str]) -> Result<Cli<NoFlags>, String> {
        let tour: Tour<()> = Tour::new("lesson", "A lesson");
        let args = std::iter::once("lesson").chain(args.iter().copied());
        tour.parse::<NoFlags>(args.map(OsString::from).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_repeat_out_of_range_is_answered_plainly() {
        for bad in ["-1", "0", "51", "many", "-99999999999"] {
            let error = parse(&["--repeat", bad]).expect_err(bad);
            assert!(error.contains("--repeat must be 1 to 50"), "{bad}: {error}");
            assert!(
                !error.contains("-- "),
                "{bad}: no tip to escape it: {error}"
            );
        }
        let error = parse(&["--repeat=-1"]).expect_err("=-1");
        assert!(error.contains("--repeat must be 1 to 50"), "{error}");
    }

    #[test]
    fn a_repeat_in_range_is_taken() {
        for (arg, n) in [("1", 1), ("50", 50), ("7", 7)] {
            let cli = parse(&["--repeat", arg]).expect(arg);
            assert_eq!(cli.tour.repeat, Some(n));
        }
    }
}
