//! The terminal renderer: a timeline of coloured bars fitted to the width, then a table.
//!
//! Each lane is one row; each character cell covers an equal slice of time and shows the state the
//! lane spent most of that slice in. Every state has its own glyph as well as its own colour, so the
//! timeline still reads with colour off (`NO_COLOR`, or output that is not a terminal).

use std::io::IsTerminal;

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width, presets};
use owo_colors::OwoColorize;

use crate::report::{Claim, Outcome, Report, Run, format_seconds};
use crate::trace::{Clock, State, TraceData};

/// A timeline never shows more lanes than this; the rest are counted, not drawn.
pub const MAX_LANES: usize = 16;

/// How to draw for the terminal at hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TerminalOptions {
    /// Characters per line.
    pub width: usize,
    pub color: bool,
}

impl TerminalOptions {
    /// Colour and bold only on a terminal that can show them (`NO_COLOR` unset, `TERM` not
    /// `dumb`); the terminal's width, within reason.
    pub fn detect() -> Self {
        let stdout = std::io::stdout();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let color = stdout.is_terminal() && !no_color && !dumb;
        let width = terminal_size::terminal_size()
            .map(|(w, _)| usize::from(w.0))
            .unwrap_or(100)
            .clamp(60, 140);
        TerminalOptions { width, color }
    }

    /// Plain text, 100 columns: for snapshots and files.
    pub fn plain() -> Self {
        TerminalOptions {
            width: 100,
            color: false,
        }
    }
}

/// The whole report: a heading, then every experiment.
pub fn report(report: &Report, options: TerminalOptions) -> String {
    let mut out = heading(&report.title, options);
    out.push_str(&format!("measured on: {}\n\n", report.machine));
    if let Some(reason) = &report.busy {
        out.push_str(&busy_warning(reason, options));
    }
    for experiment in &report.experiments {
        out.push_str(&self::experiment(experiment, options));
        out.push('\n');
    }
    out
}

/// One experiment: title, intro, timeline, table, findings, claims, problems.
pub fn experiment(experiment: &Outcome, options: TerminalOptions) -> String {
    let mut out = heading(
        &format!("{} [{}]", experiment.title, experiment.id),
        options,
    );
    for line in &experiment.intro {
        out.push_str(&wrap(line, options.width, ""));
    }
    if let Some(reason) = &experiment.busy {
        out.push('\n');
        out.push_str(&busy_warning(reason, options));
    }
    if let Some(trace) = &experiment.trace {
        out.push('\n');
        out.push_str(&timeline(&trace.snapshot(), options));
    }
    if !experiment.runs.is_empty() {
        out.push('\n');
        out.push_str(&table(experiment, options.width).to_string());
        out.push('\n');
    }
    if !experiment.findings.is_empty() {
        out.push('\n');
        for line in &experiment.findings {
            out.push_str(&wrap(line, options.width, "→ "));
        }
    }
    for claim in &experiment.claims {
        out.push_str(&wrap(&claim_line(claim), options.width, "⚖ "));
    }
    for problem in &experiment.problems {
        out.push_str(&wrap(problem, options.width, "✗ "));
    }
    out
}

/// A claim in one line: who says it, what, what was measured, the verdict and why it is unclear.
pub fn claim_line(claim: &Claim) -> String {
    let mut line = format!(
        "{}: {} — measured: {} — {}",
        claim.source, claim.claim, claim.measured, claim.verdict
    );
    if let Some(reason) = &claim.reason {
        line.push_str(&format!(" ({reason})"));
    }
    line
}

/// The one-line warning every table of a busy machine carries.
pub fn busy_warning(reason: &str, options: TerminalOptions) -> String {
    let line = format!(
        "this machine was busy ({reason}): timings are unreliable and timing verdicts are unclear"
    );
    let text = wrap(&line, options.width, "⚠ ");
    if options.color {
        text.yellow().to_string()
    } else {
        text
    }
}

/// A run's wall time: the median, then the range when the samples differ.
pub fn wall_cell(run: &Run) -> String {
    run.wall().to_string()
}

/// A run's label wraps beyond this many characters.
const MAX_LABEL: usize = 18;

/// A figure's text with no-break spaces, so that `84.2 ms` never wraps inside a cell of the book.
pub fn unbroken(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

/// The table of an experiment's runs: wall, CPU, speedup, then every figure any run has, fitted
/// to `width` columns (long labels wrap; figures never do).
pub fn table(experiment: &Outcome, width: usize) -> Table {
    let mut figure_names: Vec<&str> = Vec::new();
    for run in &experiment.runs {
        for (name, _) in &run.figures {
            if !figure_names.contains(&name.as_str()) {
                figure_names.push(name);
            }
        }
    }
    let has_cpu = experiment.runs.iter().any(|r| r.cpu_s.is_some());
    let has_speedup = experiment.runs.iter().any(|r| r.speedup.is_some());

    let mut header = vec!["run".to_string(), "wall".to_string()];
    if has_cpu {
        header.push("CPU".into());
    }
    if has_speedup {
        header.push("speedup".into());
    }
    header.extend(figure_names.iter().map(|n| n.to_string()));
    let header_len = header.len();

    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX))
        .set_header(header.clone());
    let mut rows = Vec::new();
    for run in &experiment.runs {
        let mut row = vec![run.label.clone(), wall_cell(run)];
        if has_cpu {
            row.push(run.cpu_s.map(format_seconds).unwrap_or_default());
        }
        if has_speedup {
            row.push(
                run.speedup
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            );
        }
        for name in &figure_names {
            row.push(run.get(name).map(|f| f.to_string()).unwrap_or_default());
        }
        // A figure's range goes on a second line of its cell: "1.98×" above "(1.90–2.02×)".
        let row = row
            .into_iter()
            .enumerate()
            .map(|(i, cell)| {
                if i == 0 {
                    cell
                } else {
                    cell.replace(" (", "\n(")
                }
            })
            .collect();
        rows.push(row);
    }
    // Only labels and headers wrap to fit the width: a figure is never split across lines, so
    // each figure column is at least as wide as its widest figure.
    let widest = |column: usize, rows: &[Vec<String>]| {
        rows.iter()
            .flat_map(|row| row[column].lines().map(|line| line.chars().count()))
            .max()
            .unwrap_or(0)
    };
    let label_width = widest(0, &rows).min(MAX_LABEL);
    let longest_word = |text: &str| text.split_whitespace().map(|w| w.chars().count()).max();
    let minimums: Vec<usize> = (0..header_len)
        .map(|c| {
            let content = if c == 0 {
                label_width
            } else {
                widest(c, &rows)
            };
            // The constraint counts the cell's padding, one space on each side.
            content.max(longest_word(&header[c]).unwrap_or(0)) + 2
        })
        .collect();
    for row in rows {
        table.add_row(row);
    }
    for (i, column) in table.column_iter_mut().enumerate() {
        let minimum = u16::try_from(minimums[i]).unwrap_or(u16::MAX);
        column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(minimum)));
        if i > 0 {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// The timeline of a trace: an axis, one bar per lane, and a legend of the states it shows.
pub fn timeline(trace: &TraceData, options: TerminalOptions) -> String {
    let duration = trace.spans.iter().map(|s| s.end_s).fold(0.0, f64::max);
    if trace.lanes.is_empty() || duration <= 0.0 {
        return "(empty timeline)\n".to_string();
    }
    let label_width = trace
        .lanes
        .iter()
        .take(MAX_LANES)
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let cells = options.width.saturating_sub(label_width + 3).max(10);

    let clock = match trace.clock {
        Clock::Measured => "measured",
        Clock::Virtual => "virtual time",
    };
    let end = format_seconds(duration);
    let axis_gap = cells.saturating_sub(3 + end.chars().count());
    let mut out = format!(
        "{:label_width$} │0 s{}{end}│ ({clock})\n",
        "",
        " ".repeat(axis_gap)
    );

    let mut shown = Vec::new();
    for lane in trace.lanes.iter().take(MAX_LANES) {
        let row = lane_cells(trace, lane, duration, cells);
        let label: String = lane.chars().take(label_width).collect();
        out.push_str(&format!("{label:label_width$} │"));
        for state in row {
            if let Some(state) = state {
                if !shown.contains(&state) {
                    shown.push(state);
                }
                out.push_str(&paint(state, options.color));
            } else {
                out.push(' ');
            }
        }
        out.push_str("│\n");
    }
    if trace.lanes.len() > MAX_LANES {
        out.push_str(&format!(
            "{:label_width$}  … and {} more lanes\n",
            "",
            trace.lanes.len() - MAX_LANES
        ));
    }
    let legend: Vec<String> = State::ALL
        .iter()
        .filter(|s| shown.contains(s))
        .map(|&s| format!("{} {}", paint(s, options.color), s.describe()))
        .collect();
    out.push_str(&format!("{:label_width$}  {}\n", "", legend.join("   ")));
    out
}

/// For each cell of one lane, the state that covered most of the cell's slice of time.
fn lane_cells(trace: &TraceData, lane: &str, duration: f64, cells: usize) -> Vec<Option<State>> {
    let cell_s = duration / cells as f64;
    let mut coverage = vec![[0.0f64; State::ALL.len()]; cells];
    for span in trace.spans.iter().filter(|s| s.lane == lane) {
        let state_index = State::ALL
            .iter()
            .position(|&s| s == span.state)
            .unwrap_or(0);
        let first = ((span.start_s / cell_s) as usize).min(cells - 1);
        let last = ((span.end_s / cell_s) as usize).min(cells - 1);
        for (cell, covered) in coverage.iter_mut().enumerate().take(last + 1).skip(first) {
            let cell_start = cell as f64 * cell_s;
            let overlap = span.end_s.min(cell_start + cell_s) - span.start_s.max(cell_start);
            if overlap > 0.0 {
                covered[state_index] += overlap;
            }
        }
    }
    coverage
        .iter()
        .map(|covered| {
            let (index, &most) = covered
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))?;
            // A cell less than a fifth covered reads as empty: the lane was mostly not there.
            (most >= cell_s * 0.2).then_some(State::ALL[index])
        })
        .collect()
}

/// One cell of a state: its glyph, coloured when colour is on.
fn paint(state: State, color: bool) -> String {
    let glyph = match state {
        State::Running => "█",
        State::WaitingForGil => "▒",
        State::WaitingForIo => "░",
        State::Sleeping => "·",
        State::Starting => "▸",
        State::Idle => "_",
    };
    if !color {
        return glyph.to_string();
    }
    match state {
        State::Running => glyph.green().to_string(),
        State::WaitingForGil => glyph.red().to_string(),
        State::WaitingForIo => glyph.blue().to_string(),
        State::Sleeping => glyph.bright_black().to_string(),
        State::Starting => glyph.yellow().to_string(),
        State::Idle => glyph.bright_black().to_string(),
    }
}

fn heading(title: &str, options: TerminalOptions) -> String {
    let rule = "═".repeat(title.chars().count().min(options.width));
    if options.color {
        format!("{}\n{}\n", title.bold(), rule.bold())
    } else {
        format!("{title}\n{rule}\n")
    }
}

/// Wraps `text` at word boundaries to `width`, with `prefix` on the first line.
fn wrap(text: &str, width: usize, prefix: &str) -> String {
    let indent = " ".repeat(prefix.chars().count());
    let mut out = String::new();
    let mut line = prefix.to_string();
    let mut line_len = line.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let word_len = word.chars().count();
        if !empty && line_len + 1 + word_len > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.clone();
            line_len = line.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            line_len += 1;
        }
        line.push_str(word);
        line_len += word_len;
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}
