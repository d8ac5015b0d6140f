//! What the parent prints: one line per exercise, its first reason and first hint when unsolved,
//! every check of a single exercise, and the totals, the last line as libtest's.

use std::fmt::Write as _;
use std::time::Duration;

use super::Exercise;
use super::outcome::CheckOutcome;

/// One line per exercise checked, the first failure's reason and the first hint of each unsolved
/// one, every check of a single exercise, and the totals; the last line reads as libtest's.
///
/// `libtest_line`: end with libtest's "test result:" line, for `cargo test -p exercises`, where it
/// sits among other test binaries' lines. The exercise runner leaves it out: the totals line says
/// the same in the learner's terms, and two lines of counts read as a contradiction.
pub fn summary(
    exercises: &[Exercise],
    not_compiled: &[&str],
    outcomes: &[CheckOutcome],
    filtered_out: usize,
    elapsed: Duration,
    libtest_line: bool,
) -> String {
    let mut text = String::new();
    let checked: Vec<&Exercise> = exercises
        .iter()
        .filter(|e| outcomes.iter().any(|o| o.exercise == e.name))
        .collect();
    let width = exercises
        .iter()
        .map(|e| e.name.len())
        .chain(not_compiled.iter().map(|name| name.len()))
        .max()
        .unwrap_or(0);
    let indent = " ".repeat(width + 4);
    if let [exercise] = checked[..] {
        text.push_str(&each_check(exercise, outcomes));
    }
    let mut solved = 0;
    for exercise in &checked {
        let mine: Vec<&CheckOutcome> = outcomes
            .iter()
            .filter(|o| o.exercise == exercise.name)
            .collect();
        match mine.iter().find(|o| !o.passed) {
            None => {
                solved += 1;
                let _ = writeln!(text, "✓ {:<width$}  solved", exercise.name);
            }
            Some(first_failure) => {
                let reason = first_failure.reason.as_deref().unwrap_or("it failed");
                let reason = wrap(&format!("not yet: {reason}"), 90, &format!("\n{indent}"));
                let _ = writeln!(text, "✗ {:<width$}  {reason}", exercise.name);
                let nudge = wrap(
                    &first_hint(exercise.hints),
                    90,
                    &format!("\n{indent}      "),
                );
                let _ = writeln!(text, "{indent}hint: {nudge}");
                let _ = writeln!(
                    text,
                    "{indent}more: cargo run -p exercise-check -- hint {}",
                    exercise.name
                );
            }
        }
    }
    for name in not_compiled {
        let _ = writeln!(
            text,
            "✗ {name:<width$}  does not compile: its errors are above"
        );
    }
    let total = checked.len() + not_compiled.len();
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let failed = outcomes.len() - passed;
    let exercises_word = if total == 1 { "exercise" } else { "exercises" };
    let checks_word = if outcomes.len() == 1 {
        "check"
    } else {
        "checks"
    };
    let _ = writeln!(
        text,
        "\n{solved} of {total} {exercises_word} solved ({passed} of {} {checks_word} pass)",
        outcomes.len()
    );
    if !libtest_line {
        return text;
    }
    let _ = writeln!(
        text,
        "test result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; \
         {filtered_out} filtered out; finished in {:.2}s",
        if failed == 0 && not_compiled.is_empty() {
            "ok"
        } else {
            "FAILED"
        },
        elapsed.as_secs_f64()
    );
    text
}

/// For a single exercise: each check, and the first failure in full, with the check's output.
fn each_check(exercise: &Exercise, outcomes: &[CheckOutcome]) -> String {
    let mut text = String::new();
    let mine: Vec<&CheckOutcome> = outcomes
        .iter()
        .filter(|o| o.exercise == exercise.name)
        .collect();
    let passed = mine.iter().filter(|o| o.passed).count();
    let _ = writeln!(
        text,
        "{}: {passed} of {} checks pass",
        exercise.name,
        mine.len()
    );
    for outcome in &mine {
        match (&outcome.reason, outcome.passed) {
            (_, true) => writeln!(text, "  ✓ {}", outcome.check),
            (Some(reason), false) => writeln!(text, "  ✗ {}: {reason}", outcome.check),
            (None, false) => writeln!(text, "  ✗ {}", outcome.check),
        }
        .unwrap_or_default();
    }
    if let Some(failure) = mine.iter().find(|o| !o.passed) {
        let _ = writeln!(text, "\nthe first that fails, {}:", failure.check);
        let message = failure
            .details
            .as_deref()
            .or(failure.reason.as_deref())
            .unwrap_or("");
        for line in message.lines() {
            let _ = writeln!(text, "    {line}");
        }
        let output = failure.output.trim_end();
        if !output.is_empty() {
            let _ = writeln!(text, "  what it printed:");
            for line in output.lines().take(30) {
                let _ = writeln!(text, "    {line}");
            }
        }
    }
    text.push('\n');
    text
}

/// `text` in lines of at most about `width` characters, joined by `separator`.
fn wrap(text: &str, width: usize, separator: &str) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("starts with one line");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.join(separator)
}

/// The first part of a hints file: the nudge shown on failure (the runner's `hint` shows the rest).
fn first_hint(hints: &str) -> String {
    let first = hints.split("\n---\n").next().unwrap_or(hints);
    first.split_whitespace().collect::<Vec<_>>().join(" ")
}
