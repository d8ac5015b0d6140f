//! `mdbook-lesson`: the preprocessor binary mdBook calls (see `[preprocessor.lesson]` in
//! book/book.toml). mdBook first asks `mdbook-lesson supports <renderer>` (exit 0 = yes), then
//! pipes `[context, book]` as JSON on stdin and reads the book back on stdout.
//!
//! `cargo run -p mdbook-lesson -- remeasure` forgets the cached figures, so that the next book
//! build measures every lesson again on this machine.

use std::io;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mdbook_lesson::LessonPreprocessor;
use mdbook_lesson::runner::Runner;
use mdbook_lesson::workspace::Workspace;
use mdbook_preprocessor::Preprocessor;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preprocessor = LessonPreprocessor::default();
    if args.first().is_some_and(|a| a == "remeasure") {
        return remeasure();
    }
    if let [command, renderer] = args.as_slice()
        && command == "supports"
    {
        return match preprocessor.supports_renderer(renderer) {
            Ok(true) => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }
    match run(&preprocessor) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mdbook-lesson: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Clears the cache of lesson results under the workspace's `target/book-cache/`.
fn remeasure() -> ExitCode {
    let cleared = std::env::current_dir()
        .context("reading the current directory")
        .and_then(|dir| Workspace::containing(&dir))
        .and_then(|workspace| Runner::new(workspace).clear_cache());
    match cleared {
        Ok(n) => {
            println!(
                "Forgot {n} cached lesson result(s): the next `mdbook build book` or `mdbook serve \
                 book` measures every lesson again."
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mdbook-lesson: remeasure: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(preprocessor: &LessonPreprocessor) -> Result<()> {
    let (ctx, book) = mdbook_preprocessor::parse_input(io::stdin())?;
    let book = preprocessor.run(&ctx, book)?;
    serde_json::to_writer(io::stdout(), &book).context("writing the book to stdout")?;
    Ok(())
}
