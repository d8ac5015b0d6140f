//! Where a long run is: which repeat, which run, on stderr, so that `--repeat 50` is not twenty
//! silent seconds.
//!
//! [`alternate`](crate::alternate) reports by itself once it has run for [`AFTER`]; a lesson's
//! other long loops call [`note`]. On a terminal it is an indicatif bar, cleared when the
//! measuring is done so that the results print where it was; on a pipe or in a file, a plain line
//! at most every [`AFTER`] (a bar's redraws would be noise in a log). Nothing is shown unless the
//! tour asked for it ([`show`]), so tests and `--json` runs stay quiet, and nothing goes to
//! stdout, which holds the results. The book's preprocessor does the same for its runs.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a measurement runs before it says where it is (and, as plain lines, how often).
pub const AFTER: Duration = Duration::from_secs(2);

static SHOWN: AtomicBool = AtomicBool::new(false);

/// Whether progress is shown at all: the tour turns it on for a reader, off for `--json`.
pub fn show(on: bool) {
    SHOWN.store(on, Ordering::Relaxed);
}

fn shown() -> bool {
    SHOWN.load(Ordering::Relaxed)
}

/// Says `message` on stderr, when progress is shown: for a long loop other than `alternate`'s
/// ("image 12 of 256 written").
pub fn note(message: &str) {
    if shown() {
        let _ = writeln!(io::stderr().lock(), "  … {message}");
    }
}

/// Where the progress of one measurement goes.
enum Sink {
    Hidden,
    /// Plain lines to a writer (stderr when it is not a terminal; a buffer in tests).
    Lines(Box<dyn Write + Send>),
    /// A bar on the terminal, made once there is something to show.
    Bar(Option<ProgressBar>),
}

/// The progress of one `alternate`: `repeats` turns of `runs` runs each.
pub(crate) struct Turns {
    repeats: usize,
    runs: usize,
    started: Instant,
    last_line: Option<Instant>,
    sink: Sink,
}

impl Turns {
    /// Progress on stderr, as a bar or as lines, or nowhere (see the module's documentation).
    pub(crate) fn on_stderr(repeats: usize, runs: usize) -> Self {
        let sink = if !shown() {
            Sink::Hidden
        } else if io::stderr().is_terminal() {
            Sink::Bar(None)
        } else {
            Sink::Lines(Box::new(io::stderr()))
        };
        Turns::to(sink, repeats, runs, Instant::now())
    }

    fn to(sink: Sink, repeats: usize, runs: usize, started: Instant) -> Self {
        Turns {
            repeats,
            runs,
            started,
            last_line: None,
            sink,
        }
    }

    /// Called before run `run` (from 0) of repeat `repeat` (from 0), at `now`.
    pub(crate) fn before(&mut self, repeat: usize, run: usize, now: Instant) {
        let elapsed = now.saturating_duration_since(self.started);
        if elapsed < AFTER {
            return;
        }
        let (repeats, runs) = (self.repeats, self.runs);
        let words = format!(
            "repeat {} of {repeats}, run {} of {runs}",
            repeat + 1,
            run + 1
        );
        match &mut self.sink {
            Sink::Hidden => {}
            Sink::Lines(out) => {
                let due = self
                    .last_line
                    .is_none_or(|last| now.saturating_duration_since(last) >= AFTER);
                if due {
                    let seconds = elapsed.as_secs();
                    let _ = writeln!(out, "  … {words} ({seconds} s so far)");
                    self.last_line = Some(now);
                }
            }
            Sink::Bar(bar) => {
                let bar = bar.get_or_insert_with(|| new_bar((repeats * runs) as u64));
                bar.set_position((repeat * runs + run) as u64);
                bar.set_message(words);
            }
        }
    }
}

impl Drop for Turns {
    /// The measuring is done: the bar goes, so that the results print where it was.
    fn drop(&mut self) {
        if let Sink::Bar(Some(bar)) = &self.sink {
            bar.finish_and_clear();
        }
    }
}

fn new_bar(length: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
    // The template is a constant: it parses, or no bar is better than a panic.
    if let Ok(style) = ProgressStyle::with_template("  {bar:30} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer whose text the test can read afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_lines_start_after_two_seconds_and_come_at_most_every_two() {
        let out = Shared::default();
        let t0 = Instant::now();
        let mut turns = Turns::to(Sink::Lines(Box::new(out.clone())), 5, 2, t0);
        let at = |s: f64| t0 + Duration::from_secs_f64(s);
        turns.before(0, 0, at(0.0));
        turns.before(0, 1, at(1.0));
        turns.before(1, 0, at(2.5));
        turns.before(1, 1, at(3.0));
        turns.before(2, 0, at(4.6));
        drop(turns);
        let text = String::from_utf8(out.0.lock().expect("not poisoned").clone()).expect("utf-8");
        assert_eq!(
            text,
            "  … repeat 2 of 5, run 1 of 2 (2 s so far)\n  … repeat 3 of 5, run 1 of 2 (4 s so far)\n"
        );
    }

    #[test]
    fn nothing_is_shown_unless_the_tour_asks() {
        // No test turns progress on: a test run stays quiet.
        let turns = Turns::on_stderr(3, 2);
        assert!(matches!(turns.sink, Sink::Hidden));
    }
}
