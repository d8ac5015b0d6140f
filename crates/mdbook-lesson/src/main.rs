//! `mdbook-lesson`: the preprocessor binary mdBook calls (see `[preprocessor.lesson]` in
//! book/book.toml). mdBook first asks `mdbook-lesson supports <renderer>` (exit 0 = yes), then
//! pipes `[context, book]` as JSON on stdin and reads the book back on stdout.

use std::io;
use std::process::ExitCode;

use anyhow::{Context, Result};
use mdbook_lesson::LessonPreprocessor;
use mdbook_preprocessor::Preprocessor;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preprocessor = LessonPreprocessor::default();
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

fn run(preprocessor: &LessonPreprocessor) -> Result<()> {
    let (ctx, book) = mdbook_preprocessor::parse_input(io::stdin())?;
    let book = preprocessor.run(&ctx, book)?;
    serde_json::to_writer(io::stdout(), &book).context("writing the book to stdout")?;
    Ok(())
}
