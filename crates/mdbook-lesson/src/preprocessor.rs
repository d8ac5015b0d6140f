//! The mdBook side: find our directives in every chapter and replace them with what the lessons
//! measured. Any failure names the chapter and fails the build: a page never shows a raw directive.

use std::cell::{Cell, RefCell};

use anyhow::{Context, Result, anyhow};
use lesson_kit::{Outcome, Report};
use mdbook_preprocessor::book::{Book, Chapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use crate::directive::{Directive, find_directives};
use crate::render;
use crate::runner::Runner;
use crate::workspace::Workspace;

/// The `lesson` preprocessor (`[preprocessor.lesson]` in book.toml).
#[derive(Debug, Default)]
pub struct LessonPreprocessor {
    /// Set by tests; otherwise found from the book root on each run.
    pub runner: Option<Runner>,
    /// The experiments this build embedded, so that the appendix shows the very figures the
    /// chapters show rather than those of a second run.
    embedded: RefCell<Vec<(String, Outcome)>>,
    /// How many lesson runs this build asks for, and how many it has done: the progress line a
    /// learner sees on stderr during a first build, which runs every lesson once.
    progress: Cell<(usize, usize)>,
}

impl LessonPreprocessor {
    /// Replaces every directive of `content`; `chapter` names it in errors.
    pub fn expand(&self, runner: &Runner, chapter: &str, content: &str) -> Result<String> {
        let found = find_directives(content).with_context(|| format!("in chapter {chapter}"))?;
        let mut out = String::with_capacity(content.len());
        let mut from = 0;
        for item in found {
            out.push_str(&content[from..item.start]);
            let text = &content[item.start..item.end];
            let expanded = self
                .expand_one(runner, &item.directive)
                .with_context(|| format!("{text} in chapter {chapter}"))?;
            out.push_str(&expanded);
            from = item.end;
        }
        out.push_str(&content[from..]);
        Ok(out)
    }

    /// Says on stderr which lesson run comes next: "[3/14] gil-sim convoy".
    fn step(&self, what: &str) {
        let (done, total) = self.progress.get();
        self.progress.set((done + 1, total.max(done + 1)));
        eprintln!(
            "mdbook-lesson: [{}/{}] {what}",
            done + 1,
            total.max(done + 1)
        );
    }

    fn expand_one(&self, runner: &Runner, directive: &Directive) -> Result<String> {
        match directive {
            Directive::Lesson { lesson, experiment } => {
                self.step(&format!("{lesson} {experiment}"));
                let report = runner.experiment(lesson, experiment)?;
                let found = report
                    .experiment(experiment)
                    .ok_or_else(|| anyhow!("lesson `{lesson}` has no experiment `{experiment}`"))?;
                self.embedded
                    .borrow_mut()
                    .push((lesson.clone(), found.clone()));
                Ok(render::experiment(&report, found))
            }
            Directive::Claims { lessons } => {
                let mut reports = Vec::new();
                let mut not_written = Vec::new();
                for lesson in lessons {
                    if runner.workspace.crate_dir(lesson).exists() {
                        self.step(&format!("{lesson}, every experiment (for the claims)"));
                        let full = runner.full_report(lesson)?;
                        reports.push(self.with_embedded(lesson, full));
                    } else {
                        not_written.push(lesson.clone());
                    }
                }
                Ok(render::claims(&reports, &not_written))
            }
        }
    }

    /// The full tour's `report` of crate `lesson`, with each experiment a chapter embedded replaced by the embedded
    /// run: one figure per claim across the whole book.
    fn with_embedded(&self, lesson: &str, mut report: Report) -> Report {
        let embedded = self.embedded.borrow();
        for experiment in &mut report.experiments {
            if let Some((_, shown)) = embedded
                .iter()
                .find(|(from, e)| from == lesson && e.id == experiment.id)
            {
                *experiment = shown.clone();
            }
        }
        report
    }
}

/// How many lesson runs the book's directives ask for.
fn count_runs(book: &Book) -> usize {
    book.iter()
        .filter_map(|item| match item {
            mdbook_preprocessor::book::BookItem::Chapter(chapter) => Some(chapter),
            _ => None,
        })
        .filter_map(|chapter| find_directives(&chapter.content).ok())
        .flatten()
        .map(|found| match found.directive {
            Directive::Lesson { .. } => 1,
            Directive::Claims { lessons } => lessons.len(),
        })
        .sum()
}

impl Preprocessor for LessonPreprocessor {
    fn name(&self) -> &str {
        "lesson"
    }

    fn run(&self, ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let runner = match &self.runner {
            Some(runner) => runner.clone(),
            None => Runner::new(Workspace::containing(&ctx.root)?),
        };
        self.progress.set((0, count_runs(&book)));
        let mut error = None;
        book.for_each_chapter_mut(|chapter: &mut Chapter| {
            if error.is_some() {
                return;
            }
            let name = chapter
                .source_path
                .as_ref()
                .map_or_else(|| chapter.name.clone(), |p| p.display().to_string());
            match self.expand(&runner, &name, &chapter.content) {
                Ok(content) => chapter.content = content,
                Err(e) => error = Some(e),
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(book),
        }
    }

    fn supports_renderer(&self, renderer: &str) -> Result<bool> {
        // The output is HTML (inline SVG); other renderers get the raw directive, so refuse them.
        Ok(renderer == "html")
    }
}
