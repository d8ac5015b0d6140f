//! `mdbook-lesson`: the preprocessor binary mdBook calls (see `[preprocessor.lesson]` in
//! book/book.toml). mdBook first asks `mdbook-lesson supports <renderer>` (exit 0 = yes), then
//! pipes `[context, book]` as JSON on stdin and reads the book back on stdout.
//!
//! `cargo run -p mdbook-lesson -- remeasure` forgets the cached figures, so that the next book
//! build measures every lesson again on this machine. `cargo run -p mdbook-lesson -- browser-check`
//! opens every page of the built book in headless Chromium (see `browser.rs`; `.ci/book-browser`
//! builds the book first).

use std::io;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mdbook_lesson::LessonPreprocessor;
use mdbook_lesson::browser::{self, Check};
use mdbook_lesson::runner::Runner;
use mdbook_lesson::workspace::Workspace;
use mdbook_preprocessor::Preprocessor;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preprocessor = LessonPreprocessor::default();
    if args.first().is_some_and(|a| a == "remeasure") {
        return remeasure();
    }
    if args.first().is_some_and(|a| a == "browser-check") {
        return browser_check();
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

/// Opens every page of `book/book` in headless Chromium (`$CHROMIUM`, else `chromium`), saves
/// each chapter's screenshot under `target/book-shots/` and lists every problem found.
fn browser_check() -> ExitCode {
    browser::watch_signals();
    let checked = std::env::current_dir()
        .context("reading the current directory")
        .and_then(|dir| Workspace::containing(&dir))
        .and_then(|workspace| {
            let scratch = std::env::temp_dir().join(format!("book-browser-{}", std::process::id()));
            let check = Check {
                book: workspace.root.join("book/book"),
                shots: workspace.root.join("target/book-shots"),
                chromium: std::env::var_os("CHROMIUM")
                    .map_or_else(|| "chromium".into(), Into::into),
                scratch: scratch.clone(),
            };
            let result = check.run().map(|problems| (problems, check.shots));
            // Our own directory, named by our pid: nothing else writes there.
            let _ = std::fs::remove_dir_all(&scratch);
            result
        });
    match checked {
        Ok((problems, shots)) if problems.is_empty() => {
            println!(
                "book-browser: every page loaded clean in a {} px window; screenshots in {}",
                browser::WIDTH,
                shots.display()
            );
            ExitCode::SUCCESS
        }
        Ok((problems, shots)) => {
            for problem in &problems {
                eprintln!("book-browser: {problem}");
            }
            eprintln!(
                "book-browser: {} problem(s) in the built book (screenshots in {})",
                problems.len(),
                shots.display()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("book-browser: error: {e:#}");
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
