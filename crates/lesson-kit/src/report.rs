//! `Report`: what a lesson measured, in one format that everything reads.
//!
//! A lesson's tour runs experiments; each one's [`Outcome`] holds its [`Run`]s (one row of the table
//! each, with the median and range of its repeated samples), an optional [`Trace`] (the timeline),
//! the findings it drew from its own figures, and the [`Claim`]s it put to the test, each with its
//! [`Source`] and a [`Verdict`] decided from every sample. The terminal, the book, the Python comparison and the tests
//! all read this one type, printed as JSON by every lesson's `--json` flag. No lesson formats its own
//! tables: the renderers in [`crate::render`] do.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

// Re-exported for the lessons that still import the formatters from here; new code imports them
// from `crate::format`.
pub use crate::format::{format_bytes, format_seconds, group_thousands};
use crate::measure::Measurement;
use crate::samples::{Samples, Timing, Unit};
use crate::side_by_side::SideBySide;
use crate::trace::Trace;
use crate::versus::{Skipped, Versus};

/// Everything one run of a lesson measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The lesson's crate name, e.g. `threading`.
    pub lesson: String,
    pub title: String,
    /// The machine the figures were measured on: they mean nothing without it.
    pub machine: Machine,
    pub experiments: Vec<Outcome>,
    /// Why the machine looked busy during any experiment; `None` when it looked quiet throughout.
    #[serde(default)]
    pub busy: Option<String>,
}

impl Report {
    pub fn new(lesson: impl Into<String>, title: impl Into<String>) -> Self {
        Report {
            lesson: lesson.into(),
            title: title.into(),
            machine: Machine::this(),
            experiments: Vec::new(),
            busy: None,
        }
    }

    /// The experiment with this id, if the report has it.
    pub fn experiment(&self, id: &str) -> Option<&Outcome> {
        self.experiments.iter().find(|e| e.id == id)
    }

    pub fn to_json(&self) -> String {
        // A Report holds only strings, numbers and lists: serialising it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// The machine a report was measured on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Cores this process may use (`available_parallelism`).
    pub cores: usize,
    pub os: String,
    pub arch: String,
    /// The CPU's model name, where the system tells it.
    pub cpu: Option<String>,
}

impl Machine {
    /// This machine, as the standard library and the OS describe it.
    pub fn this() -> Self {
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpu: cpu_model(),
        }
    }

    /// A fixed machine, for tests and snapshots.
    pub fn example() -> Self {
        Machine {
            cores: 2,
            os: "linux".into(),
            arch: "x86_64".into(),
            cpu: None,
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cores = if self.cores == 1 { "core" } else { "cores" };
        write!(f, "{} {cores}, {} {}", self.cores, self.os, self.arch)?;
        if let Some(cpu) = &self.cpu {
            write!(f, ", {cpu}")?;
        }
        Ok(())
    }
}

fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split(':').nth(1))
        .map(|name| name.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// What one experiment showed: the question, the runs that answer it, and what they mean.
///
/// An experiment's `report` function writes it from the experiment's figures; the tour adds the
/// machine's state. The terminal and the book draw it; `--json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Short and stable: the name a learner types to run just this experiment, and the book's key.
    pub id: String,
    pub title: String,
    /// What the experiment does, said before its results.
    pub intro: Vec<String>,
    pub runs: Vec<Run>,
    /// The timeline of the most telling run.
    pub trace: Option<Trace>,
    /// What the figures say, written from the figures (never fixed text about outcomes).
    pub findings: Vec<String>,
    /// The claims this experiment tested, with the verdict on this machine.
    pub claims: Vec<Claim>,
    /// What went wrong (a URL that failed, a worker that died): each is shown, and the lesson
    /// exits non-zero. Empty when everything worked.
    #[serde(default)]
    pub problems: Vec<String>,
    /// Why the machine looked busy while this experiment ran; `None` when it looked quiet.
    #[serde(default)]
    pub busy: Option<String>,
    /// A comparison's figures as data: each thing timed on CPython and in Rust (see
    /// [`crate::versus`]). Empty outside `compare`, and then left out of the JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versus: Vec<Versus>,
    /// What a comparison could not run, and what it lacked (python3, Pillow, Python 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// A comparison's two timelines, CPython's and Rust's, of one workload; `None` elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side_by_side: Option<SideBySide>,
}

impl Outcome {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Outcome {
            id: id.into(),
            title: title.into(),
            intro: Vec::new(),
            runs: Vec::new(),
            trace: None,
            findings: Vec::new(),
            claims: Vec::new(),
            problems: Vec::new(),
            busy: None,
            versus: Vec::new(),
            skipped: Vec::new(),
            side_by_side: None,
        }
    }

    pub fn intro(mut self, line: impl Into<String>) -> Self {
        self.intro.push(line.into());
        self
    }

    pub fn run(mut self, run: Run) -> Self {
        self.runs.push(run);
        self
    }

    /// Both languages' timelines of a comparison's workload.
    pub fn side_by_side(mut self, pair: SideBySide) -> Self {
        self.side_by_side = Some(pair);
        self
    }

    pub fn trace(mut self, trace: Trace) -> Self {
        self.trace = Some(trace);
        self
    }

    pub fn finding(mut self, line: impl Into<String>) -> Self {
        self.findings.push(line.into());
        self
    }

    pub fn claim(mut self, claim: Claim) -> Self {
        self.claims.push(claim);
        self
    }

    pub fn problem(mut self, line: impl Into<String>) -> Self {
        self.problems.push(line.into());
        self
    }

    /// One thing a comparison timed on both sides, for the workspace's table.
    pub fn versus(mut self, versus: Versus) -> Self {
        self.versus.push(versus);
        self
    }

    /// Part of a comparison that could not run, and what it lacked.
    pub fn skipped(mut self, skipped: Skipped) -> Self {
        self.skipped.push(skipped);
        self
    }

    /// The run with this label, if there is one.
    pub fn find_run(&self, label: &str) -> Option<&Run> {
        self.runs.iter().find(|r| r.label == label)
    }

    /// Sets every run's speedup to the baseline's wall time over its own, sample by sample (the
    /// samples were measured in turns, so each pair ran side by side). With no run labelled
    /// `baseline_label` (a label renamed in one place only) there is no speedup to show: that is
    /// a problem of the outcome, so the lesson says so and exits non-zero rather than print a
    /// table with the column silently missing.
    pub fn speedups_against(mut self, baseline_label: &str) -> Self {
        let Some(baseline) = self.find_run(baseline_label).map(Run::wall) else {
            let labels: Vec<&str> = self.runs.iter().map(|r| r.label.as_str()).collect();
            let problem = format!(
                "{}: no run labelled {baseline_label:?} to compute speedups against (runs: {})",
                self.id,
                labels.join(", ")
            );
            return self.problem(problem);
        };
        for run in &mut self.runs {
            run.speedup = Some(Samples::ratios(&baseline, &run.wall()));
        }
        self
    }

    /// Records that the machine was busy while the experiment ran: every verdict decided from
    /// timings becomes `unclear`, with the reason. Verdicts on counts (requests in flight, lost
    /// updates) stand: a busy machine does not change what was counted.
    pub fn on_busy_machine(mut self, reason: &str) -> Self {
        for claim in self.claims.iter_mut().filter(|c| c.timed) {
            let busy = format!("this machine was busy: {reason}");
            claim.reason = Some(match (claim.verdict, claim.reason.take()) {
                // The runs may have disagreed because the machine was busy: say both.
                (Verdict::Unclear, Some(earlier)) => format!("{busy}; {earlier}"),
                _ => busy,
            });
            claim.verdict = Verdict::Unclear;
        }
        self.busy = Some(reason.to_string());
        self
    }
}

/// `a / b`, or 0 when `b` is not positive: slowdowns and "× one delay" without a NaN.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// A speedup in words: `1.98` → "1.98× faster", `0.5` → "2.00× slower".
pub fn faster_or_slower(speedup: f64) -> String {
    if speedup >= 1.0 {
        format!("{speedup:.2}× faster")
    } else {
        format!("{:.2}× slower", 1.0 / speedup.max(1e-9))
    }
}

/// One row of an experiment's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub label: String,
    /// The median wall-clock seconds of the samples (virtual seconds for a model's run).
    pub wall_s: f64,
    pub wall_min_s: f64,
    pub wall_max_s: f64,
    /// Every sample's wall-clock seconds, in the order they were measured.
    pub samples: Vec<f64>,
    /// The median CPU seconds (user + system), where they were measured.
    pub cpu_s: Option<f64>,
    /// Against the experiment's baseline run; see [`Outcome::speedups_against`].
    pub speedup: Option<Samples>,
    /// Anything else worth a column, in the order the columns appear.
    pub figures: Vec<(String, Figure)>,
}

impl Run {
    /// A run measured once (or computed, like a model's prediction).
    pub fn new(label: impl Into<String>, wall: Duration) -> Self {
        Run::timed(
            label,
            &Timing {
                wall: Samples::seconds([wall]),
                cpu: None,
            },
        )
    }

    /// A run from its repeated measurements: the median wall and CPU time, and the spread.
    pub fn timed(label: impl Into<String>, timing: &Timing) -> Self {
        Run {
            label: label.into(),
            wall_s: timing.wall.median(),
            wall_min_s: timing.wall.min(),
            wall_max_s: timing.wall.max(),
            samples: timing.wall.values.clone(),
            cpu_s: timing.cpu.as_ref().map(Samples::median),
            speedup: None,
            figures: Vec::new(),
        }
    }

    /// A run from one [`Measurement`]: its wall time and, where known, its CPU time.
    pub fn measured(label: impl Into<String>, measurement: &Measurement) -> Self {
        Run::timed(label, &Timing::of(std::slice::from_ref(measurement)))
    }

    /// The wall-time samples.
    pub fn wall(&self) -> Samples {
        Samples::new(Unit::Seconds, self.samples.iter().copied())
    }

    pub fn figure(mut self, name: impl Into<String>, value: Figure) -> Self {
        self.figures.push((name.into(), value));
        self
    }

    /// The figure called `name`, if the run has it.
    pub fn get(&self, name: &str) -> Option<&Figure> {
        self.figures.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }
}

/// A value in a table cell, with its unit, so that every lesson formats figures the same way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    Count(u64),
    Seconds(f64),
    Bytes(u64),
    /// A multiplier, shown as `1.98×`.
    Ratio(f64),
    /// A figure measured several times: its median and range, `1.98× (1.90–2.02×)`.
    Spread(Samples),
    Text(String),
}

impl Figure {
    /// The value as a number, for figures that have one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Figure::Count(n) | Figure::Bytes(n) => Some(n as f64),
            Figure::Seconds(x) | Figure::Ratio(x) => Some(x),
            Figure::Spread(ref samples) => Some(samples.median()),
            Figure::Text(_) => None,
        }
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Figure::Count(n) => write!(f, "{}", group_thousands(*n)),
            Figure::Seconds(s) => write!(f, "{}", format_seconds(*s)),
            Figure::Bytes(b) => write!(f, "{}", format_bytes(*b)),
            Figure::Ratio(r) => write!(f, "{r:.2}×"),
            Figure::Spread(samples) => write!(f, "{samples}"),
            Figure::Text(t) => write!(f, "{t}"),
        }
    }
}

/// A claim put to the test on this machine: what is said, who says it, what was measured here and
/// the verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// The claim, in our words (we quote none of the article's sentences).
    pub claim: String,
    /// Where the claim comes from.
    pub source: Source,
    /// What this machine measured, with the figure.
    pub measured: String,
    pub verdict: Verdict,
    /// Why the verdict is `unclear` (the runs disagreed, the machine was busy); `None` otherwise.
    #[serde(default)]
    pub reason: Option<String>,
    /// Whether the verdict was decided from timings, which a busy machine makes unreliable (a
    /// verdict on a count, such as requests in flight or lost updates, is not).
    #[serde(default)]
    pub timed: bool,
}

impl Claim {
    /// A claim from `source`, not yet measured: follow with [`Claim::measured`] and one of
    /// [`Claim::judge`], [`Claim::judge_each`] or [`Claim::verdict`].
    pub fn new(claim: impl Into<String>, source: Source) -> Self {
        Claim {
            claim: claim.into(),
            source,
            measured: String::new(),
            verdict: Verdict::Unclear,
            reason: Some("not measured".into()),
            timed: false,
        }
    }

    /// What this machine measured, in words with the figures.
    pub fn measured(mut self, measured: impl Into<String>) -> Self {
        self.measured = measured.into();
        self
    }

    /// The verdict of a claim about something counted, not timed (it stands on a busy machine).
    pub fn verdict(mut self, verdict: Verdict) -> Self {
        self.verdict = verdict;
        self.reason = None;
        self.timed = false;
        self
    }

    /// No verdict, and why: the claim could not be judged from these figures (the run was the
    /// wrong size, the thing it is about did not happen this time, one core had nothing to run in
    /// parallel on).
    pub fn unclear(mut self, reason: impl Into<String>) -> Self {
        self.verdict = Verdict::Unclear;
        self.reason = Some(reason.into());
        self.timed = false;
        self
    }

    /// The verdict of a timed claim: `classify` judges each sample, and the verdict is the one
    /// every sample agrees on; when they disagree it is `unclear`, naming the spread.
    pub fn judge(self, samples: &Samples, classify: impl Fn(f64) -> Verdict) -> Self {
        let range = samples.range();
        self.judge_each(samples.values.iter().map(|&v| classify(v)), &range)
    }

    /// The verdict of a timed claim judged sample by sample elsewhere: the one every verdict agrees
    /// on, or `unclear` with `spread` (the figures' range, in words) as the reason.
    pub fn judge_each(mut self, verdicts: impl IntoIterator<Item = Verdict>, spread: &str) -> Self {
        let verdicts: Vec<Verdict> = verdicts.into_iter().collect();
        self.timed = true;
        match verdicts.split_first() {
            None => {
                self.verdict = Verdict::Unclear;
                self.reason = Some("nothing was measured".into());
            }
            Some((first, rest)) if rest.iter().all(|v| v == first) => {
                self.verdict = *first;
                self.reason = None;
            }
            Some(_) => {
                self.verdict = Verdict::Unclear;
                self.reason = Some(format!("the runs disagreed: {spread}"));
            }
        }
        self
    }
}

/// Who makes a claim: the article the course follows, or a public source with its address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub name: Cow<'static, str>,
    pub url: Option<Cow<'static, str>>,
}

impl Source {
    /// The short article the lessons mirror. Readers do not have it, so it is shown as a
    /// "common claim": which is what its claims are.
    pub const ARTICLE: Source = Source {
        name: Cow::Borrowed("article"),
        url: None,
    };

    /// A public source with an address, e.g. `Source::link("bpo-7946", "https://bugs.python.org/issue7946")`.
    pub const fn link(name: &'static str, url: &'static str) -> Self {
        Source {
            name: Cow::Borrowed(name),
            url: Some(Cow::Borrowed(url)),
        }
    }

    pub fn is_article(&self) -> bool {
        *self == Source::ARTICLE
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_article() {
            f.write_str("common claim")
        } else {
            f.write_str(&self.name)
        }
    }
}

/// Whether a claim held on this machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Holds,
    Partly,
    DoesNotHold,
    /// The runs disagreed, or the machine was busy: no honest answer from these figures.
    Unclear,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Partly => "holds in part",
            Verdict::DoesNotHold => "does not hold",
            Verdict::Unclear => "unclear",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> Outcome {
        let run = |label: &str, seconds: &[f64]| {
            Run::timed(label, &Timing::wall_seconds(seconds.iter().copied()))
        };
        Outcome::new("waiting", "Waiting")
            .run(run("sequential", &[0.9, 1.0]))
            .run(run("threads", &[0.3, 0.5]))
    }

    #[test]
    fn speedups_are_the_baselines_time_over_each_runs_sample_by_sample() {
        let outcome = outcome().speedups_against("sequential");
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        let speedup = outcome.runs[1].speedup.as_ref().expect("a speedup");
        assert_eq!(speedup.values, [3.0, 2.0]);
    }

    #[test]
    fn a_missing_baseline_is_a_problem_naming_the_label_and_the_runs() {
        let outcome = outcome().speedups_against("in turn");
        assert!(outcome.runs.iter().all(|r| r.speedup.is_none()));
        assert_eq!(
            outcome.problems,
            [
                "waiting: no run labelled \"in turn\" to compute speedups against (runs: sequential, threads)"
            ]
        );
    }
}
