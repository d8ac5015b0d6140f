//! The workspace's comparison: every lesson's CPython-beside-Rust figures in one table.
//!
//! `cargo run -p lesson-kit --bin compare` runs each lesson's own `compare --json` and hands what
//! each printed to [`Comparison::build`], which is pure: it reads the outcomes' typed
//! [`Versus`](crate::Versus) pairs and [`Skipped`](crate::Skipped) parts, never a label, so it is
//! unit-tested here on fixed JSON. Each row is one thing timed on both sides: CPython's median
//! and range, Rust's, and CPython ÷ Rust pair by pair. Whatever did not make a row is said, with
//! a typed reason: a lesson with no twins, one whose comparisons have no pairs yet, a missing
//! python3, Pillow or Python 2, and a lesson that failed (which fails the whole command).

use std::fmt;

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use serde::{Deserialize, Serialize};

use crate::report::Report;
use crate::samples::Samples;
use crate::side_by_side::SideBySide;
use crate::versus::Missing;

/// What happened when the binary went to compare one lesson: the input of [`Comparison::build`].
#[derive(Clone, Debug)]
pub enum LessonRun {
    /// The lesson has no `python/` folder: nothing to run.
    NoTwins,
    /// Not run: there is no python3 on this machine.
    NoPython3,
    /// `compare --json` ran: how it ended, in words, and what it printed on stdout.
    Ran {
        success: bool,
        status: String,
        stdout: String,
    },
}

/// The whole table, as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// `Python 3.11.7`, as `python3 --version` said it; `None` without python3.
    pub python: Option<String>,
    pub rows: Vec<Row>,
    /// What made no row, and why.
    pub skipped: Vec<Skip>,
    /// The lessons that failed, each reason on its own: the command then exits non-zero.
    pub failed: Vec<Failure>,
    /// Each comparison's two timelines, CPython's and Rust's, where it kept them (for Perfetto:
    /// `--trace-out`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timelines: Vec<Timelines>,
}

/// One comparison's two timelines, as its lesson's `compare --json` kept them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timelines {
    pub lesson: String,
    /// The lesson's experiment (`waiting`, not `compare-waiting`).
    pub experiment: String,
    pub pair: SideBySide,
}

/// One thing timed on both sides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub lesson: String,
    pub experiment: String,
    pub timed: String,
    pub cpython: Samples,
    pub rust: Samples,
    /// CPython ÷ Rust, pair by pair.
    pub ratio: Samples,
    /// Why the machine looked busy while it was measured; `None` when it looked quiet.
    pub busy: Option<String>,
}

/// A lesson, or part of one, that made no row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skip {
    pub lesson: String,
    /// The part left out, or `None` for the whole lesson.
    pub what: Option<String>,
    pub why: Why,
}

/// Why something made no row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// This machine lacked something: python3, Pillow, Python 2.
    Missing(Missing),
    /// The lesson has no `python/` folder.
    NoPythonTwins,
    /// The lesson's comparisons ran but list no CPython-beside-Rust pairs yet.
    NoComparisonFiguresYet,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Missing(missing) => write!(f, "{missing} ({})", missing.remedy()),
            Why::NoPythonTwins => f.write_str("no Python twins"),
            Why::NoComparisonFiguresYet => f.write_str("no comparison figures yet"),
        }
    }
}

/// A lesson that failed, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub lesson: String,
    pub why: String,
}

impl Comparison {
    /// The table from each lesson's run, in the order given.
    pub fn build(python: Option<String>, lessons: &[(String, LessonRun)]) -> Self {
        let mut table = Comparison {
            python,
            rows: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
            timelines: Vec::new(),
        };
        for (lesson, run) in lessons {
            match run {
                LessonRun::NoTwins => table.skip(lesson, None, Why::NoPythonTwins),
                LessonRun::NoPython3 => table.skip(lesson, None, Why::Missing(Missing::Python3)),
                LessonRun::Ran {
                    success,
                    status,
                    stdout,
                } => table.add(lesson, *success, status, stdout),
            }
        }
        table
    }

    /// Whether every lesson that ran succeeded.
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty()
    }

    fn skip(&mut self, lesson: &str, what: Option<String>, why: Why) {
        self.skipped.push(Skip {
            lesson: lesson.into(),
            what,
            why,
        });
    }

    fn fail(&mut self, lesson: &str, why: String) {
        self.failed.push(Failure {
            lesson: lesson.into(),
            why,
        });
    }

    /// One lesson's `compare --json`: its pairs, its skips and its problems.
    fn add(&mut self, lesson: &str, success: bool, status: &str, stdout: &str) {
        let report = match Report::from_json(stdout) {
            Ok(report) => report,
            Err(error) => {
                let why = format!("`compare --json` {status} without a report ({error})");
                return self.fail(lesson, why);
            }
        };
        let rows_before = self.rows.len();
        let mut no_python3 = false;
        for outcome in &report.experiments {
            for versus in &outcome.versus {
                self.rows.push(Row {
                    lesson: lesson.into(),
                    experiment: versus.experiment.clone(),
                    timed: versus.timed.clone(),
                    cpython: versus.cpython.clone(),
                    rust: versus.rust.clone(),
                    ratio: versus.ratio(),
                    busy: outcome.busy.clone(),
                });
            }
            for skipped in &outcome.skipped {
                no_python3 |= skipped.missing == Missing::Python3;
                self.skip(
                    lesson,
                    Some(skipped.what.clone()),
                    Why::Missing(skipped.missing),
                );
            }
            for problem in &outcome.problems {
                self.fail(lesson, problem.clone());
            }
            if let Some(pair) = &outcome.side_by_side {
                self.timelines.push(Timelines {
                    lesson: lesson.into(),
                    experiment: outcome.id.trim_start_matches("compare-").into(),
                    pair: pair.clone(),
                });
            }
        }
        let failed = self.failed.iter().any(|f| f.lesson == lesson);
        // A lesson without python3 exits non-zero and says so in its report: a skip, not a failure.
        if !success && !failed && !no_python3 {
            self.fail(lesson, format!("`compare --json` {status}"));
        }
        let said_anything = self.rows.len() > rows_before
            || self.skipped.iter().any(|s| s.lesson == lesson)
            || self.failed.iter().any(|f| f.lesson == lesson);
        if !said_anything {
            self.skip(lesson, None, Why::NoComparisonFiguresYet);
        }
    }

    /// The table and what made no row, for a terminal `width` columns wide.
    pub fn render(&self, width: usize) -> String {
        let mut out = match &self.python {
            Some(version) => format!("CPython ({version}) beside Rust, every lesson:\n"),
            None => "CPython beside Rust, every lesson:\n".to_string(),
        };
        if self.rows.is_empty() {
            out.push_str("no figures to compare.\n");
        } else {
            out.push_str(&self.table(width).to_string());
            out.push_str(
                "\nEach figure is the median of the runs, their range below it; CPython ÷ Rust \
                 is taken pair by pair (above 1: CPython's figure is the larger).\n",
            );
        }
        out.push_str(&self.busy_lines());
        for skip in &self.skipped {
            let what = skip
                .what
                .as_deref()
                .map_or(String::new(), |w| format!(": {w}"));
            out.push_str(&format!("skipped {}{what}: {}\n", skip.lesson, skip.why));
        }
        for failure in &self.failed {
            out.push_str(&format!("FAILED {}: {}\n", failure.lesson, failure.why));
        }
        out
    }

    /// One line per reason the machine looked busy, naming the experiments measured meanwhile
    /// (a lesson's comparisons share one busy check, so one reason usually covers them all).
    fn busy_lines(&self) -> String {
        let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
        for row in &self.rows {
            let Some(reason) = row.busy.as_deref() else {
                continue;
            };
            let name = format!("{} {}", row.lesson, row.experiment);
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, names)) if names.contains(&name) => {}
                Some((_, names)) => names.push(name),
                None => reasons.push((reason, vec![name])),
            }
        }
        reasons
            .iter()
            .map(|(reason, names)| {
                format!("busy machine while {} ran: {reason}\n", names.join(", "))
            })
            .collect()
    }

    fn table(&self, width: usize) -> Table {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(width).unwrap_or(u16::MAX))
            .set_header(["lesson", "experiment", "CPython", "Rust", "CPython ÷ Rust"]);
        for row in &self.rows {
            // A figure's range goes on a second line of its cell: "1.98×" above "(1.90–2.02×)".
            let figure = |samples: &Samples| samples.to_string().replace(" (", "\n(");
            table.add_row([
                row.lesson.clone(),
                format!("{}: {}", row.experiment, row.timed),
                figure(&row.cpython),
                figure(&row.rust),
                figure(&row.ratio),
            ]);
        }
        for column in table.column_iter_mut().skip(2) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versus::{Skipped, Versus};
    use crate::{Outcome, Unit};

    fn seconds(values: &[f64]) -> Samples {
        Samples::new(Unit::Seconds, values.iter().copied())
    }

    /// A lesson's `compare --json`, as it would print it.
    fn json(outcomes: Vec<Outcome>) -> String {
        let mut report = Report::new("threading", "Threading");
        report.experiments = outcomes;
        report.to_json()
    }

    fn ran(success: bool, stdout: String) -> LessonRun {
        let status = if success {
            "exited cleanly (code 0)"
        } else {
            "exited with code 1"
        };
        LessonRun::Ran {
            success,
            status: status.into(),
            stdout,
        }
    }

    fn waiting() -> Outcome {
        Outcome::new("compare-waiting", "Waiting: CPython beside Rust")
            .run(crate::Run::timed(
                "a label no one reads",
                &crate::Timing::wall_seconds([1.0]),
            ))
            .versus(Versus::new(
                "waiting",
                "sequential",
                &seconds(&[0.90, 0.93]),
                &seconds(&[0.30, 0.31]),
            ))
    }

    #[test]
    fn each_pair_is_a_row_read_from_its_fields_not_the_runs_labels() {
        let table = Comparison::build(
            Some("Python 3.11.7".into()),
            &[("threading".into(), ran(true, json(vec![waiting()])))],
        );
        assert!(table.succeeded());
        assert!(table.skipped.is_empty(), "{:?}", table.skipped);
        let [row] = table.rows.as_slice() else {
            panic!("one row: {:?}", table.rows)
        };
        assert_eq!(
            (row.experiment.as_str(), row.timed.as_str()),
            ("waiting", "sequential")
        );
        assert_eq!(row.ratio.unit, Unit::Ratio);
        assert!((row.ratio.median() - 3.0).abs() < 1e-9, "{}", row.ratio);
        let text = table.render(100);
        assert!(text.contains("waiting: sequential"), "{text}");
        assert!(text.contains("CPython ÷ Rust"), "{text}");
        assert!(!text.contains("a label no one reads"), "{text}");
        assert!(table.timelines.is_empty());
    }

    #[test]
    fn a_comparisons_two_timelines_are_kept_named_by_lesson_and_experiment() {
        let trace = crate::Trace::new().snapshot();
        let pair = SideBySide::new("Python 3.11.7", trace.clone(), trace);
        let table = Comparison::build(
            Some("Python 3.11.7".into()),
            &[(
                "threading".into(),
                ran(true, json(vec![waiting().side_by_side(pair.clone())])),
            )],
        );
        let [kept] = table.timelines.as_slice() else {
            panic!("one pair: {:?}", table.timelines)
        };
        assert_eq!(
            (kept.lesson.as_str(), kept.experiment.as_str()),
            ("threading", "waiting")
        );
        assert_eq!(kept.pair, pair);
    }

    #[test]
    fn a_lesson_without_pairs_has_no_comparison_figures_yet_and_does_not_fail() {
        let untyped = Outcome::new("compare-cost", "Cost").finding("a finding, not a figure");
        let table = Comparison::build(
            None,
            &[("multiprocessing".into(), ran(true, json(vec![untyped])))],
        );
        assert!(table.succeeded());
        assert_eq!(table.skipped[0].why, Why::NoComparisonFiguresYet);
        assert!(table.render(100).contains("no comparison figures yet"));
    }

    #[test]
    fn a_typed_skip_reaches_the_table_with_its_reason() {
        let legacy = waiting().skipped(Skipped::new("legacy: the old GIL", Missing::Python2));
        let pipeline = Outcome::new("compare-pipeline", "Pipeline")
            .skipped(Skipped::new("pipeline: Pillow's side", Missing::Pillow));
        let table = Comparison::build(
            None,
            &[("gil-sim".into(), ran(true, json(vec![legacy, pipeline])))],
        );
        let why: Vec<Why> = table.skipped.iter().map(|s| s.why).collect();
        assert_eq!(
            why,
            [
                Why::Missing(Missing::Python2),
                Why::Missing(Missing::Pillow)
            ]
        );
        assert_eq!(
            table.rows.len(),
            1,
            "the rest of the lesson still has its row"
        );
        let json = serde_json::to_string(&table.skipped[0].why).expect("serialises");
        assert_eq!(json, r#"{"missing":"python2"}"#);
        let text = table.render(100);
        assert!(
            text.contains("skipped gil-sim: legacy: the old GIL: no Python 2"),
            "{text}"
        );
    }

    #[test]
    fn a_failed_twin_fails_its_lesson_and_the_others_keep_their_rows() {
        let failed = Outcome::new("compare-convoy", "Convoy")
            .problem("compare-convoy: python/convoy.py failed (exited with code 1)");
        let table = Comparison::build(
            None,
            &[
                ("gil-sim".into(), ran(false, json(vec![failed]))),
                ("threading".into(), ran(true, json(vec![waiting()]))),
            ],
        );
        assert!(!table.succeeded());
        assert_eq!(table.failed.len(), 1);
        assert!(table.failed[0].why.contains("python/convoy.py"));
        assert_eq!(table.rows.len(), 1);
        assert!(table.render(100).contains("FAILED gil-sim"));
    }

    #[test]
    fn a_lesson_that_printed_no_report_or_failed_silently_fails() {
        let table = Comparison::build(
            None,
            &[
                ("coroutines".into(), ran(false, String::new())),
                ("futures-api".into(), ran(false, json(vec![waiting()]))),
            ],
        );
        assert_eq!(table.failed.len(), 2, "{:?}", table.failed);
        assert!(table.failed[0].why.contains("without a report"));
        assert!(table.failed[1].why.contains("exited with code 1"));
    }

    #[test]
    fn no_python3_and_no_twins_are_skips_not_failures() {
        let told = Outcome::new("compare", "CPython beside Rust")
            .skipped(Skipped::new("every comparison", Missing::Python3));
        let table = Comparison::build(
            None,
            &[
                ("gil-sim".into(), LessonRun::NoPython3),
                ("threading".into(), ran(false, json(vec![told]))),
                ("coroutines".into(), LessonRun::NoTwins),
            ],
        );
        assert!(table.succeeded(), "{:?}", table.failed);
        let why: Vec<Why> = table.skipped.iter().map(|s| s.why).collect();
        assert_eq!(
            why,
            [
                Why::Missing(Missing::Python3),
                Why::Missing(Missing::Python3),
                Why::NoPythonTwins
            ]
        );
        let text = table.render(100);
        assert!(text.contains("no figures to compare"), "{text}");
        assert!(text.contains("python3"), "{text}");
    }

    #[test]
    fn a_busy_machine_is_said_once_per_reason_naming_what_it_measured() {
        let busy = |outcome: Outcome| outcome.on_busy_machine("load 10.6 on 2 cores");
        let computing = Outcome::new("compare-computing", "Computing").versus(Versus::new(
            "computing",
            "4 threads",
            &seconds(&[0.2]),
            &seconds(&[0.1]),
        ));
        let table = Comparison::build(
            None,
            &[(
                "threading".into(),
                ran(
                    true,
                    json(vec![
                        busy(waiting().versus(waiting().versus[0].clone())),
                        busy(computing),
                    ]),
                ),
            )],
        );
        let text = table.render(100);
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("busy")).collect();
        assert_eq!(
            lines,
            ["busy machine while threading waiting, threading computing ran: load 10.6 on 2 cores"]
        );
    }

    #[test]
    fn the_json_table_reads_back_the_same() {
        let table = Comparison::build(
            Some("Python 3.12.1".into()),
            &[("threading".into(), ran(true, json(vec![waiting()])))],
        );
        let json = serde_json::to_string(&table).expect("a table serialises");
        let back: Comparison = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(back, table);
    }
}
