//! `cargo run -p threading`: the guided tour of the threading lesson.
//!
//! It runs the four experiments in the order the chapter tells them, each drawn as soon as it
//! finishes: what was run, a timeline, a table, what the figures say, and the article's claims
//! held against them. `cargo run -p threading -- waiting` runs one; `--help` lists the rest.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use lesson_kit::{Output, OutputArgs};
use threading::cost::{self, ProbeRequest};
use threading::experiments::{self, Outcome, Settings};

/// Threads are for waiting: measured on this machine.
///
/// With no EXPERIMENT, runs all four in order (a few seconds).
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Which experiment to run (default: all of them, in order).
    #[arg(value_enum)]
    experiment: Option<Which>,

    /// Use the article's sizes: 3 downloads of 3 s, 4 tasks of 2 s (takes about a minute).
    #[arg(long)]
    full: bool,

    /// How many URLs `waiting` fetches from the local server.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    count: Option<u64>,

    /// How long the local server waits before each answer, in milliseconds.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=60_000))]
    delay_ms: Option<u64>,

    /// Fetch this URL instead of the local server's (repeat for several).
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,

    /// Give up on a URL after this many milliseconds (default: 10 s, or 3 delays if longer).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: Option<u64>,

    #[command(flatten)]
    output: OutputArgs,

    /// For the hidden `probe-threads` command: how many threads to start.
    #[arg(long, hide = true, default_value_t = 10_000)]
    probe_threads: u64,
    /// For `probe-threads`: each thread's stack size in KiB (default: Rust's 2 MiB).
    #[arg(long, hide = true)]
    probe_stack_kib: Option<u64>,
    /// For `probe-threads`: stop short of the tightest system limit.
    #[arg(long, hide = true)]
    probe_stop_before_limit: bool,
    /// For `probe-threads`: report time and memory when this many threads run.
    #[arg(long, hide = true)]
    probe_checkpoint: Option<u64>,
    /// For `probe-threads`: the child exits by itself after this many milliseconds.
    #[arg(long, hide = true, default_value_t = 60_000)]
    probe_deadline_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Which {
    /// Fetch N URLs one after another, then one thread each.
    Waiting,
    /// Four CPU-bound tasks on Rust threads, then under a simulated GIL.
    Computing,
    /// One counter, many threads: a race that loses updates, and two fixes.
    Shared,
    /// What a thread costs, and how many this machine runs at once.
    Cost,
    /// Run the Python twins with python3 and show CPython beside Rust.
    Compare,
    /// The child process of `cost` (not for people).
    #[value(hide = true)]
    ProbeThreads,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.experiment == Some(Which::ProbeThreads) {
        return ExitCode::from(probe_child(&cli));
    }
    match tour(&cli) {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            eprintln!("threading: {} thing(s) went wrong:", problems.len());
            for problem in problems {
                eprintln!("  - {problem}");
            }
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("threading: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen experiments (or all) and returns what went wrong in them.
fn tour(cli: &Cli) -> anyhow::Result<Vec<String>> {
    let settings = settings(cli)?;
    let mut out = Output::new(
        "threading",
        "Threading: threads are for waiting",
        &cli.output,
    );
    if cli.experiment == Some(Which::Compare) {
        let outcomes = experiments::compare::run(&settings)?;
        return Ok(show_all(&mut out, outcomes));
    }
    let wants = |which| cli.experiment.is_none() || cli.experiment == Some(which);
    let mut problems = Vec::new();
    let mut show = |out: &mut Output, outcome: Outcome| {
        problems.extend(outcome.problems);
        out.experiment(outcome.experiment);
    };

    if wants(Which::Waiting) {
        out.say("1. Threads are for waiting. Fetching URLs from a local server…\n");
        show(&mut out, experiments::waiting::run(&settings)?);
    }
    if wants(Which::Computing) {
        out.say("2. …and not, under a GIL, for computing. Counting down on 4 threads…\n");
        show(&mut out, experiments::computing::run(&settings));
    }
    if wants(Which::Shared) {
        out.say("3. Threads share memory, so they can race. Counting on one counter…\n");
        show(&mut out, experiments::shared::run(&settings));
    }
    if wants(Which::Cost) {
        out.say("4. What a thread costs. Starting threads, then thousands in a child process…\n");
        show(&mut out, experiments::cost::run(&settings)?);
    }
    if cli.experiment.is_none() {
        out.say("Next: `cargo run -p threading -- compare` puts CPython's figures beside these.");
    }
    out.finish();
    Ok(problems)
}

fn show_all(out: &mut Output, outcomes: Vec<Outcome>) -> Vec<String> {
    let mut problems = Vec::new();
    for outcome in outcomes {
        problems.extend(outcome.problems);
        out.experiment(outcome.experiment);
    }
    problems
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let exe = std::env::current_exe().context("could not find this program's own path")?;
    let mut settings = Settings::new(exe);
    settings.full = cli.full;
    settings.count = cli.count.map(|n| n as usize);
    settings.delay = cli.delay_ms.map(Duration::from_millis);
    settings.urls = cli.urls.clone();
    settings.timeout = cli.timeout_ms.map(Duration::from_millis);
    Ok(settings)
}

/// The hidden command `cost` runs as a child process; its exit code is the probe's.
fn probe_child(cli: &Cli) -> u8 {
    let request = ProbeRequest {
        threads: cli.probe_threads,
        stack_kib: cli.probe_stack_kib,
        stop_before_limit: cli.probe_stop_before_limit,
        checkpoint: cli.probe_checkpoint,
        deadline: Duration::from_millis(cli.probe_deadline_ms),
    };
    cost::probe_child(&request) as u8
}
