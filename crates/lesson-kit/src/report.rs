//! `Report`: what a lesson measured, in one format that everything reads.
//!
//! A lesson's tour runs experiments; each [`Experiment`] holds its [`Run`]s (one row of the table
//! each), an optional [`Trace`] (the timeline), the findings it drew from its own figures, and the
//! article's claims it put to the test. The terminal, the book, the Python comparison and the tests
//! all read this one type, printed as JSON by every lesson's `--json` flag. No lesson formats its own
//! tables: the renderers in [`crate::render`] do.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::measure::Measurement;
use crate::trace::Trace;

/// Everything one run of a lesson measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The lesson's crate name, e.g. `threading`.
    pub lesson: String,
    pub title: String,
    /// The machine the figures were measured on: they mean nothing without it.
    pub machine: Machine,
    pub experiments: Vec<Experiment>,
}

impl Report {
    pub fn new(lesson: impl Into<String>, title: impl Into<String>) -> Self {
        Report {
            lesson: lesson.into(),
            title: title.into(),
            machine: Machine::this(),
            experiments: Vec::new(),
        }
    }

    /// The experiment with this id, if the report has it.
    pub fn experiment(&self, id: &str) -> Option<&Experiment> {
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

/// One experiment of a lesson: a question, the runs that answer it, and what they showed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
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
    /// The article's claims this experiment tested, with the verdict on this machine.
    pub claims: Vec<Claim>,
}

impl Experiment {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Experiment {
            id: id.into(),
            title: title.into(),
            intro: Vec::new(),
            runs: Vec::new(),
            trace: None,
            findings: Vec::new(),
            claims: Vec::new(),
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

    /// The run with this label, if there is one.
    pub fn find_run(&self, label: &str) -> Option<&Run> {
        self.runs.iter().find(|r| r.label == label)
    }

    /// Sets every run's speedup to `baseline's wall time / its wall time`. A missing baseline
    /// leaves the speedups unset.
    pub fn speedups_against(mut self, baseline_label: &str) -> Self {
        if let Some(baseline) = self.find_run(baseline_label).map(|r| r.wall_s) {
            for run in &mut self.runs {
                run.speedup = Some(speedup(baseline, run.wall_s));
            }
        }
        self
    }
}

/// How many times faster than the baseline: `baseline_s / this_s` (0 when `this_s` is not positive).
pub fn speedup(baseline_s: f64, this_s: f64) -> f64 {
    ratio(baseline_s, this_s)
}

/// `a / b`, or 0 when `b` is not positive: speedups, slowdowns and "× one delay" without a NaN.
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
    /// Wall-clock seconds (virtual seconds for a model's run).
    pub wall_s: f64,
    /// CPU seconds (user + system), where they were measured.
    pub cpu_s: Option<f64>,
    /// Against the experiment's baseline run; see [`Experiment::speedups_against`].
    pub speedup: Option<f64>,
    /// Anything else worth a column, in the order the columns appear.
    pub figures: Vec<(String, Figure)>,
}

impl Run {
    pub fn new(label: impl Into<String>, wall: Duration) -> Self {
        Run {
            label: label.into(),
            wall_s: wall.as_secs_f64(),
            cpu_s: None,
            speedup: None,
            figures: Vec::new(),
        }
    }

    /// A run from a [`Measurement`]: its wall time and, where known, its CPU time.
    pub fn measured(label: impl Into<String>, measurement: &Measurement) -> Self {
        let mut run = Run::new(label, measurement.wall);
        run.cpu_s = measurement.cpu.map(|cpu| cpu.as_secs_f64());
        run
    }

    pub fn cpu(mut self, cpu: Duration) -> Self {
        self.cpu_s = Some(cpu.as_secs_f64());
        self
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
    Percent(f64),
    Text(String),
}

impl Figure {
    /// The value as a number, for figures that have one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Figure::Count(n) | Figure::Bytes(n) => Some(n as f64),
            Figure::Seconds(x) | Figure::Ratio(x) | Figure::Percent(x) => Some(x),
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
            Figure::Percent(p) => write!(f, "{p:.1} %"),
            Figure::Text(t) => write!(f, "{t}"),
        }
    }
}

/// `0.000042` → `42.0 µs`, `0.3012` → `301 ms`, `9.01` → `9.01 s`.
pub fn format_seconds(s: f64) -> String {
    let abs = s.abs();
    if abs == 0.0 {
        "0 s".to_string()
    } else if abs < 1e-6 {
        format!("{:.0} ns", s * 1e9)
    } else if abs < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if abs < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// `1536` → `1.5 KiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `16000` → `16,000`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One of the article's claims, put to the test on this machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// The claim, in our words (we quote none of the article's sentences).
    pub claim: String,
    /// What this machine measured, with the figure.
    pub measured: String,
    pub verdict: Verdict,
}

impl Claim {
    pub fn new(claim: impl Into<String>, measured: impl Into<String>, verdict: Verdict) -> Self {
        Claim {
            claim: claim.into(),
            measured: measured.into(),
            verdict,
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
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Partly => "holds in part",
            Verdict::DoesNotHold => "does not hold",
        })
    }
}
