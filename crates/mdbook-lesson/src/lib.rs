//! The book's preprocessor: chapters say `{{#lesson threading waiting}}`, and the book shows what that
//! experiment measured when the book was built — its command, table, timeline and findings.
//!
//! - [`dedent`]: removes the margin an included anchor keeps from its source file.
//! - [`directive`]: finds `{{#lesson <crate> <experiment>}}` and `{{#claims [<crate>...]}}` in a chapter.
//! - [`workspace`]: the workspace the book lives in: which lessons exist, and the hash of a lesson's
//!   sources that keys the cache (so the book never shows output from older code).
//! - [`runner`]: runs `cargo run --quiet -p <crate> -- <experiment> --json` and caches the Report.
//! - [`render`]: turns a Report into the Markdown and inline SVG a chapter embeds.
//! - [`browser`]: the built book opened in headless Chromium, as a reader sees it (a CI check).
//! - [`LessonPreprocessor`]: the `mdbook_preprocessor::Preprocessor` that ties them together.
//!
//! Why our own preprocessor rather than a run-a-command one (mdbook-cmdrun): those target mdBook
//! 0.4, print raw terminal output, and re-run on every build; this one reads the lesson's `Report`
//! and reuses it until the lesson's code changes.

pub mod browser;
pub mod dedent;
pub mod directive;
pub mod preprocessor;
pub mod render;
pub mod runner;
pub mod workspace;

pub use directive::{Directive, find_directives};
pub use preprocessor::LessonPreprocessor;
pub use runner::Runner;
pub use workspace::Workspace;
