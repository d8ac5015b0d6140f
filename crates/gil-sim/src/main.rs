//! `cargo run -p gil-sim`: a GIL you can watch — the guided tour.
//!
//! 1. `cpu-bound`      four CPU-bound tasks: sequential, threads under the GIL, no GIL, Rust
//! 2. `io-bound`       downloads on threads: the GIL is released while they wait
//! 3. `convoy`         an I/O thread next to a CPU-bound one waits a switch interval per call
//! 4. `interval-sweep` shorter switch intervals: more switches, slower threads
//! 5. `native`         native code holding the GIL blocks everyone; releasing it scales
//! 6. `legacy`         the pre-3.2 GIL's battle on two cores
//!
//! `cargo run -p gil-sim -- <id>` runs one; `--full` uses bigger sizes; `--json` prints the
//! report; `cargo run -p gil-sim -- compare` holds experiments 1–4 against real CPython.

use anyhow::Context as _;
use clap::Parser;
use gil_sim::compare;
use gil_sim::experiments::{self, Context, IDS};
use lesson_kit::{Output, OutputArgs};

/// A GIL you can watch: CPython's GIL on real Rust threads, measured, and held against CPython.
#[derive(Parser)]
#[command(name = "gil-sim", version)]
struct Args {
    /// An experiment to run alone (cpu-bound, io-bound, convoy, interval-sweep, native, legacy),
    /// or `compare` to run the Python twins with python3 side by side; all experiments if omitted.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(
        IDS.iter().copied().chain(["compare"])
    ))]
    experiment: Option<String>,

    /// Use bigger sizes (the article's, where it gives them): slower, steadier figures.
    #[arg(long)]
    full: bool,

    #[command(flatten)]
    output: OutputArgs,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut out = Output::new("gil-sim", "gil-sim: a GIL you can watch", &args.output);
    // The model's costs, measured on this machine once for every experiment.
    let context = Context::calibrated(args.full);
    if args.experiment.as_deref() == Some("compare") {
        return compare_with_cpython(&context, out);
    }
    let ids: Vec<&str> = match args.experiment.as_deref() {
        Some(id) => vec![id],
        None => IDS.to_vec(),
    };
    for id in ids {
        let experiment =
            experiments::run(id, &context).with_context(|| format!("experiment {id} failed"))?;
        out.experiment(experiment);
    }
    out.finish();
    Ok(())
}

/// `compare`: experiments 1–4 beside their Python twins, or a note that python3 is missing.
fn compare_with_cpython(context: &Context, mut out: Output) -> anyhow::Result<()> {
    let Some(python) = compare::python_version() else {
        // Not an error: the lesson works without Python, there is just nothing to compare with.
        eprintln!("python3 was not found on this machine: there is no CPython to compare with.");
        out.finish();
        return Ok(());
    };
    out.say(&format!(
        "Running the Python twins with {python}; this takes about a minute."
    ));
    let experiment = compare::compare(context, &python).context("the comparison failed")?;
    out.experiment(experiment);
    out.finish();
    Ok(())
}
