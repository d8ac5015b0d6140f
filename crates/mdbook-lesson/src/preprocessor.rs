//! The mdBook side: find our directives in every chapter and replace them with what the lessons
//! measured. Any failure names the chapter and fails the build: a page never shows a raw directive.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use lesson_kit::trace_event::TraceEvents;
use lesson_kit::{Missing, Outcome, Report, SideBySide};
use mdbook_preprocessor::book::{Book, Chapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use crate::dedent::dedent_code_blocks;
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
    /// Each run's report, once per build: an experiment embedded in two chapters shows the same
    /// figures in both, even when a busy machine keeps the cache from holding them.
    runs: RefCell<HashMap<(String, String), Report>>,
    /// The chapter that first embeds each lesson, for the appendix's links to it.
    chapters: RefCell<Vec<(String, String)>>,
    /// How many lesson runs this build asks for, and how many it has done: the progress line a
    /// learner sees on stderr during a first build, which runs every lesson once.
    progress: Cell<(usize, usize)>,
    /// Where `{{#side-by-side ...}}` writes each pair as a Trace Event file: `traces/` in the
    /// book's source folder, which mdBook copies into the built book beside the pages (a file
    /// written straight into the output would be wiped by the renderer). `None`: none written.
    pub traces_dir: RefCell<Option<PathBuf>>,
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
                .expand_one(runner, chapter, &item.directive)
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

    fn expand_one(&self, runner: &Runner, chapter: &str, directive: &Directive) -> Result<String> {
        match directive {
            Directive::Lesson { lesson, experiment } => {
                self.step(&format!("{lesson} {experiment}"));
                let report =
                    self.once(lesson, experiment, || runner.experiment(lesson, experiment))?;
                let found = report
                    .experiment(experiment)
                    .ok_or_else(|| anyhow!("lesson `{lesson}` has no experiment `{experiment}`"))?;
                self.embedded
                    .borrow_mut()
                    .push((lesson.clone(), found.clone()));
                let mut chapters = self.chapters.borrow_mut();
                if !chapters.iter().any(|(l, _)| l == lesson) {
                    chapters.push((lesson.clone(), chapter.to_string()));
                }
                Ok(render::experiment(&report, found))
            }
            Directive::Claims { lessons } => {
                let lessons = match lessons.as_slice() {
                    [] => self.every_lesson(runner)?,
                    named => named.to_vec(),
                };
                let mut sections = Vec::new();
                for lesson in &lessons {
                    self.step(&format!("{lesson}, every experiment (for the claims)"));
                    let full = self.once(lesson, "all", || runner.full_report(lesson))?;
                    let chapter = self.chapter_of(lesson);
                    sections.push((self.with_embedded(lesson, full), chapter));
                }
                Ok(render::claims(&sections))
            }
            Directive::Sliders { lesson, command } => {
                self.step(&format!(
                    "{lesson} --child {command} (every setting of the sliders)"
                ));
                let figure = runner.sliders(lesson, command)?;
                Ok(render::sliders(&figure, &format!("{lesson}-{command}")))
            }
            Directive::SideBySide { lesson, experiment } => {
                self.step(&format!(
                    "{lesson} compare (CPython's and Rust's timelines of {experiment})"
                ));
                let report = self.once(lesson, "compare", || runner.comparisons(lesson))?;
                let id = format!("compare-{experiment}");
                let found = report.experiment(&id);
                if let Some((outcome, pair)) =
                    found.and_then(|o| o.side_by_side.as_ref().map(|pair| (o, pair)))
                {
                    let name = format!("{lesson}-{experiment}");
                    let file = self.write_trace_file(chapter, &name, outcome, pair)?;
                    return Ok(render::side_by_side(
                        &report,
                        outcome,
                        pair,
                        &name,
                        file.as_deref(),
                    ));
                }
                let why = why_rust_alone(lesson, &report, found)?;
                let rust =
                    self.once(lesson, experiment, || runner.experiment(lesson, experiment))?;
                let alone = rust
                    .experiment(experiment)
                    .ok_or_else(|| anyhow!("lesson `{lesson}` has no experiment `{experiment}`"))?;
                Ok(render::rust_alone(&rust, alone, &why))
            }
            Directive::Compare => {
                self.step("every lesson's Python twins, CPython beside Rust");
                let table = runner.comparison()?;
                Ok(lesson_kit::render::markdown::comparison(&table))
            }
        }
    }

    /// Writes `pair` as `<traces_dir>/<name>.json` (Trace Event format) and returns its link
    /// from `chapter`; unchanged bytes are not rewritten, so `mdbook serve` does not see a change
    /// and rebuild for ever.
    fn write_trace_file(
        &self,
        chapter: &str,
        name: &str,
        outcome: &Outcome,
        pair: &SideBySide,
    ) -> Result<Option<String>> {
        let Some(dir) = self.traces_dir.borrow().clone() else {
            return Ok(None);
        };
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // Built output, not source: git ignores the whole folder.
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            fs::write(&ignore, "*\n").with_context(|| format!("writing {}", ignore.display()))?;
        }
        let json = TraceEvents::from_side_by_side(&outcome.title, pair).to_json();
        let path = dir.join(format!("{name}.json"));
        if fs::read_to_string(&path).ok().as_deref() != Some(json.as_str()) {
            fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
        }
        let depth = Path::new(chapter).components().count().saturating_sub(1);
        let folder = dir
            .file_name()
            .map_or("traces".into(), |n| n.to_string_lossy());
        Ok(Some(format!("{}{folder}/{name}.json", "../".repeat(depth))))
    }

    /// The report of `lesson`'s run `key`, run at most once per build.
    fn once(
        &self,
        lesson: &str,
        key: &str,
        run: impl FnOnce() -> Result<Report>,
    ) -> Result<Report> {
        let id = (lesson.to_string(), key.to_string());
        if let Some(report) = self.runs.borrow().get(&id) {
            return Ok(report.clone());
        }
        let report = run()?;
        self.runs.borrow_mut().insert(id, report.clone());
        Ok(report)
    }

    /// Every lesson of the workspace, in the order the book first embeds them; lessons no chapter
    /// embeds come last, by name (`{{#claims}}` with no lesson named: the appendix).
    fn every_lesson(&self, runner: &Runner) -> Result<Vec<String>> {
        let mut lessons: Vec<String> = self
            .chapters
            .borrow()
            .iter()
            .map(|(l, _)| l.clone())
            .collect();
        for lesson in runner.workspace.lessons()? {
            if !lessons.contains(&lesson) {
                lessons.push(lesson);
            }
        }
        Ok(lessons)
    }

    /// The chapter that embeds `lesson`, if one has so far.
    fn chapter_of(&self, lesson: &str) -> Option<String> {
        self.chapters
            .borrow()
            .iter()
            .find(|(l, _)| l == lesson)
            .map(|(_, chapter)| chapter.clone())
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

/// Why `{{#side-by-side ...}}` shows the Rust run alone: python3 missing, or the comparison's
/// own problem. A comparison the lesson does not have is the book's mistake: an error.
fn why_rust_alone(lesson: &str, report: &Report, found: Option<&Outcome>) -> Result<String> {
    let missing = report
        .experiments
        .iter()
        .flat_map(|e| &e.skipped)
        .find(|s| s.missing == Missing::Python3);
    if let Some(skipped) = missing {
        return Ok(format!(
            "the machine that built this book has no python3 ({})",
            skipped.missing.remedy()
        ));
    }
    match found {
        Some(outcome) if !outcome.problems.is_empty() => Ok(format!(
            "the comparison could not run ({})",
            outcome.problems.join("; ")
        )),
        Some(outcome) => bail!(
            "`{lesson} compare` ran `{}` but kept no timelines of it (no `side_by_side`)",
            outcome.id
        ),
        None => {
            let ids: Vec<&str> = report.experiments.iter().map(|e| e.id.as_str()).collect();
            bail!(
                "`{lesson} compare` has no comparison of that experiment (it has: {})",
                ids.join(", ")
            )
        }
    }
}

/// How many lesson runs the book's directives ask for; a bare `{{#claims}}` runs all `lessons`.
fn count_runs(book: &Book, lessons: usize) -> usize {
    book.iter()
        .filter_map(|item| match item {
            mdbook_preprocessor::book::BookItem::Chapter(chapter) => Some(chapter),
            _ => None,
        })
        .filter_map(|chapter| find_directives(&chapter.content).ok())
        .flatten()
        .map(|found| match found.directive {
            Directive::Lesson { .. }
            | Directive::Sliders { .. }
            | Directive::Compare
            | Directive::SideBySide { .. } => 1,
            Directive::Claims { lessons: named } if named.is_empty() => lessons,
            Directive::Claims { lessons: named } => named.len(),
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
        let src = ctx.root.join(&ctx.config.book.src);
        *self.traces_dir.borrow_mut() = Some(src.join("traces"));
        let lessons = runner.workspace.lessons().map_or(0, |l| l.len());
        self.progress.set((0, count_runs(&book, lessons)));
        let mut error = None;
        book.for_each_chapter_mut(|chapter: &mut Chapter| {
            if error.is_some() {
                return;
            }
            let name = chapter
                .source_path
                .as_ref()
                .map_or_else(|| chapter.name.clone(), |p| p.display().to_string());
            let content = dedent_code_blocks(&chapter.content);
            match self.expand(&runner, &name, &content) {
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
