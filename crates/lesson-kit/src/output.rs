//! `Output`: how a lesson binary shows its report, as each experiment finishes.
//!
//! Every lesson's `main.rs` flattens [`OutputArgs`] into its clap arguments and hands each finished
//! experiment to an [`Output`]. On a terminal the experiment is drawn at once, so a learner reads the
//! first result while the next experiment runs; with `--json` nothing is drawn and the whole
//! [`Report`] is printed at the end, for the book, the Python comparison and the tests.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::render::terminal::{self, TerminalOptions};
use crate::report::{Experiment, Report};

/// The output flags every lesson shares.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct OutputArgs {
    /// Print the measurements as one JSON report instead of timelines and tables.
    #[arg(long)]
    pub json: bool,
}

/// Collects a lesson's experiments and shows them as they finish.
pub struct Output {
    report: Report,
    json: bool,
    options: TerminalOptions,
}

impl Output {
    /// Starts the report of `lesson` (its crate name) titled `title`.
    pub fn new(lesson: &str, title: &str, args: &OutputArgs) -> Self {
        let output = Output {
            report: Report::new(lesson, title),
            json: args.json,
            options: TerminalOptions::detect(),
        };
        if !output.json {
            println!("{title}");
            println!("measured on: {}\n", output.report.machine);
        }
        output
    }

    /// Whether output is JSON (so narration belongs on stderr, or nowhere).
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// A line of narration between experiments; not part of the report.
    pub fn say(&self, line: &str) {
        if !self.json {
            println!("{line}");
        }
    }

    /// Adds a finished experiment, drawing it now unless the output is JSON.
    pub fn experiment(&mut self, experiment: Experiment) {
        if !self.json {
            println!("{}", terminal::experiment(&experiment, self.options));
        }
        self.report.experiments.push(experiment);
    }

    /// A progress bar of `len` steps for a run that takes a while: hidden with `--json` and when
    /// stderr is not a terminal (indicatif hides it then by itself).
    pub fn progress(&self, len: u64, message: &str) -> ProgressBar {
        if self.json {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_string());
        bar
    }

    /// The report so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Ends the output: prints the JSON report if asked for, and returns the report.
    pub fn finish(self) -> Report {
        if self.json {
            println!("{}", self.report.to_json());
        }
        self.report
    }
}
