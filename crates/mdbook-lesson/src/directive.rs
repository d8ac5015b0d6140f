//! The two directives a chapter may use, and where they sit in its Markdown.
//!
//! `{{#lesson <crate> <experiment-id>}}` embeds one experiment; `{{#claims <crate> <crate>...}}`
//! embeds the table of every claim the named lessons tested, and a bare `{{#claims}}` that of
//! every lesson in the workspace (the appendix: it stays complete as lessons are added);
//! `{{#sliders <crate> <child-command>}}` embeds a model's figure for every setting of some sliders
//! (a [`lesson_kit::sliders::SliderFigure`] that `<crate> --child <child-command>` prints);
//! `{{#compare}}` embeds every lesson's CPython-beside-Rust table;
//! `{{#side-by-side <crate> <experiment-id>}}` embeds CPython's and Rust's timelines of one
//! comparison on one time axis, with a scrubber and zoom (book/theme/side-by-side.js). They look like mdBook's own
//! `{{#include}}` on purpose, and like it they are written alone, whitespace-separated.

use anyhow::{Result, bail};

/// One directive found in a chapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// Run `experiment` of the lesson crate `lesson` and embed its results.
    Lesson { lesson: String, experiment: String },
    /// Embed the claims of these lessons' full reports; none named means every lesson.
    Claims { lessons: Vec<String> },
    /// Embed the sliders figure that `lesson --child command` prints.
    Sliders { lesson: String, command: String },
    /// Embed the workspace's CPython-beside-Rust table (`cargo run -p lesson-kit --bin compare`).
    Compare,
    /// Embed CPython's and Rust's timelines of `experiment` on one time axis, from the lesson's
    /// `compare` (its outcome `compare-<experiment>`), with a scrubber and zoom.
    SideBySide { lesson: String, experiment: String },
}

/// A directive and the byte range of its text in the chapter, `{{` to `}}` inclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub directive: Directive,
    pub start: usize,
    pub end: usize,
}

/// Every `{{#lesson ...}}`, `{{#claims ...}}` and `{{#sliders ...}}` in `content`, in order. Other `{{#...}}` directives
/// (mdBook's own) are left alone; a malformed one of ours is an error naming it, never skipped.
pub fn find_directives(content: &str) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = content[from..].find("{{#") {
        let start = from + offset;
        let Some(close) = content[start..].find("}}") else {
            break;
        };
        let end = start + close + 2;
        let inner = &content[start + 3..start + close];
        if let Some(directive) = parse(inner)? {
            found.push(Found {
                directive,
                start,
                end,
            });
        }
        from = end;
    }
    Ok(found)
}

/// Parses the text between `{{#` and `}}`: `Ok(None)` when it is not one of ours.
pub fn parse(inner: &str) -> Result<Option<Directive>> {
    let mut words = inner.split_whitespace();
    let name = words.next().unwrap_or_default();
    let args: Vec<String> = words.map(str::to_string).collect();
    match name {
        "lesson" => match args.as_slice() {
            [lesson, experiment] => Ok(Some(Directive::Lesson {
                lesson: lesson.clone(),
                experiment: experiment.clone(),
            })),
            _ => bail!(
                "`{{{{#{}}}}}`: expected `{{{{#lesson <crate> <experiment-id>}}}}`, e.g. `{{{{#lesson threading waiting}}}}`",
                inner.trim()
            ),
        },
        "claims" => Ok(Some(Directive::Claims { lessons: args })),
        "compare" if args.is_empty() => Ok(Some(Directive::Compare)),
        "compare" => bail!(
            "`{{{{#{}}}}}`: `{{{{#compare}}}}` takes no arguments (it compares every lesson)",
            inner.trim()
        ),
        "sliders" => match args.as_slice() {
            [lesson, command] => Ok(Some(Directive::Sliders {
                lesson: lesson.clone(),
                command: command.clone(),
            })),
            _ => bail!(
                "`{{{{#{}}}}}`: expected `{{{{#sliders <crate> <child-command>}}}}`, e.g. `{{{{#sliders gil-sim model-figure}}}}`",
                inner.trim()
            ),
        },
        "side-by-side" => match args.as_slice() {
            [lesson, experiment] => Ok(Some(Directive::SideBySide {
                lesson: lesson.clone(),
                experiment: experiment.clone(),
            })),
            _ => bail!(
                "`{{{{#{}}}}}`: expected `{{{{#side-by-side <crate> <experiment-id>}}}}`, e.g. `{{{{#side-by-side threading waiting}}}}`",
                inner.trim()
            ),
        },
        _ => Ok(None),
    }
}
