//! Building the checks, and leaving out the exercises that do not compile.
//!
//! All the exercises are modules of one crate, so one syntax error stops the whole crate from
//! building: `cargo test -p exercises` can then only show the compiler's error. The runner does
//! better. It reads the compiler's messages as JSON, finds which exercises the errors are in (the
//! file of each error), and builds again without them (`EXERCISE_CHECK_SKIP`, read by
//! `exercises/build.rs`), until what is left compiles. The broken exercises are named with their
//! errors, and the others are checked as usual.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::workspace::{Exercise, Workspace};

/// The checks binary of one package, and the exercises it had to leave out.
pub struct Built {
    /// The test binary `checks`, ready to run.
    pub binary: PathBuf,
    /// The exercises that do not compile, in the list's order, with the compiler's errors.
    pub broken: Vec<Broken>,
}

/// An exercise that does not compile.
pub struct Broken {
    /// Its name, `threading-1`.
    pub exercise: String,
    /// The compiler's errors about its files, as the compiler shows them.
    pub errors: Vec<String>,
}

impl Broken {
    /// The first error, at most `lines` lines of it: enough to say what is wrong.
    pub fn first_error(&self, lines: usize) -> String {
        let first = self.errors.first().map_or("", String::as_str);
        let mut text: Vec<&str> = first.lines().take(lines).collect();
        if first.lines().count() > lines {
            text.push("…");
        }
        text.join("\n")
    }
}

/// The cargo that runs this runner, in the environment the learner's own `cargo test` would see
/// (see [`lesson_kit::os::cargo`]).
pub fn cargo() -> Command {
    lesson_kit::os::cargo()
}

/// Builds the checks of `package` (`exercises` or `solutions`), leaving out what does not compile.
pub fn build_checks(workspace: &Workspace, package: &str) -> Result<Built> {
    let mut broken: Vec<Broken> = Vec::new();
    loop {
        let skip: Vec<&str> = broken.iter().map(|b| b.exercise.as_str()).collect();
        let attempt = cargo_build(workspace, package, &skip.join(","))?;
        if let Some(binary) = attempt.binary {
            sort_in_list_order(&mut broken, &workspace.exercises);
            return Ok(Built { binary, broken });
        }
        let mut found = errors_by_exercise(&attempt.errors, workspace, package);
        let elsewhere = found.remove(&None).unwrap_or_default();
        if found.is_empty() {
            // Errors outside any exercise's files (or none that cargo reported as JSON): nothing
            // can be left out to get around them.
            let mut message = elsewhere.join("\n");
            if message.is_empty() {
                message = attempt.stderr;
            }
            bail!("`cargo test -p {package}` does not build:\n{message}");
        }
        for (exercise, errors) in found {
            let Some(exercise) = exercise else { continue };
            // Paths as the learner reads them: the build script names the files absolutely.
            let prefix = format!("{}/", workspace.root.display());
            let errors: Vec<String> = errors.iter().map(|e| e.replace(&prefix, "")).collect();
            if broken.iter().any(|b| b.exercise == exercise) {
                // Left out, and still in error: leaving out more would not help.
                bail!(
                    "`cargo test -p {package}` does not build:\n{}",
                    errors.join("\n")
                );
            }
            broken.push(Broken { exercise, errors });
        }
    }
}

/// What one `cargo test --no-run` produced.
struct Attempt {
    /// The checks binary, if the build succeeded.
    binary: Option<PathBuf>,
    /// The errors: the file of each one's main place, and the error as the compiler shows it.
    errors: Vec<(Option<String>, String)>,
    /// What cargo said on its standard error, other than its progress.
    stderr: String,
}

fn cargo_build(workspace: &Workspace, package: &str, skip: &str) -> Result<Attempt> {
    let mut command = cargo();
    // Unset rather than empty when nothing is left out: the build script reruns when the variable
    // changes, and the learner's own `cargo test` does not set it.
    match skip {
        "" => command.env_remove("EXERCISE_CHECK_SKIP"),
        names => command.env("EXERCISE_CHECK_SKIP", names),
    };
    let mut child = command
        .args(["test", "--no-run", "--message-format=json", "-p", package])
        .args(["--test", "checks"])
        .current_dir(&workspace.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run cargo")?;
    // Cargo's progress ("Compiling …") goes on to the learner, so that a first build, which can
    // take minutes, does not look like a hang; the rest is kept for the error message.
    let stderr = child.stderr.take().map(|pipe| {
        thread::spawn(move || {
            let mut kept = String::new();
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let trimmed = line.trim_start();
                if trimmed.starts_with("Compiling") || trimmed.starts_with("Blocking") {
                    eprintln!("{line}");
                } else if !trimmed.starts_with("Finished") && !trimmed.starts_with("Executable") {
                    kept.push_str(&line);
                    kept.push('\n');
                }
            }
            kept
        })
    });
    let mut attempt = Attempt {
        binary: None,
        errors: Vec::new(),
        stderr: String::new(),
    };
    let mut succeeded = false;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            match message["reason"].as_str() {
                Some("compiler-message") => {
                    if let Some(error) = compiler_error(&message["message"]) {
                        attempt.errors.push(error);
                    }
                }
                Some("compiler-artifact") if message["target"]["name"] == "checks" => {
                    if let Some(path) = message["executable"].as_str() {
                        attempt.binary = Some(PathBuf::from(path));
                    }
                }
                Some("build-finished") => succeeded = message["success"] == true,
                _ => {}
            }
        }
    }
    let status = child.wait().context("cannot wait for cargo")?;
    attempt.stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    if !(status.success() && succeeded) {
        attempt.binary = None;
    }
    Ok(attempt)
}

/// An error from a rustc diagnostic: the file of its main place, and its rendered text.
fn compiler_error(diagnostic: &Value) -> Option<(Option<String>, String)> {
    if diagnostic["level"] != "error" {
        return None;
    }
    let file = diagnostic["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|span| span["is_primary"] == true))
        .and_then(|span| span["file_name"].as_str())
        .map(String::from);
    let rendered = diagnostic["rendered"]
        .as_str()
        .or(diagnostic["message"].as_str())
        .unwrap_or("an error")
        .trim_end()
        .to_string();
    // "aborting due to 2 previous errors" has no place and says nothing new.
    if file.is_none() && rendered.starts_with("error: aborting due to") {
        return None;
    }
    Some((file, rendered))
}

/// The errors grouped by the exercise whose file they are in (`None`: not in an exercise's file).
fn errors_by_exercise(
    errors: &[(Option<String>, String)],
    workspace: &Workspace,
    package: &str,
) -> BTreeMap<Option<String>, Vec<String>> {
    let mut grouped: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (file, rendered) in errors {
        let exercise = file
            .as_deref()
            .and_then(|file| exercise_of(file, &workspace.root, &workspace.exercises, package));
        grouped.entry(exercise).or_default().push(rendered.clone());
    }
    grouped
}

/// The exercise whose stub, model answer or checks `file` is. Rustc names files relative to the
/// workspace's root, or absolute for modules the build script adds by `#[path]`.
fn exercise_of(file: &str, root: &Path, exercises: &[Exercise], package: &str) -> Option<String> {
    let path = Path::new(file);
    let relative = path.strip_prefix(root).unwrap_or(path);
    exercises
        .iter()
        .find(|exercise| {
            let own_file = if package == "solutions" {
                exercise.solution()
            } else {
                exercise.stub()
            };
            relative == Path::new(&own_file) || relative == Path::new(&exercise.checks())
        })
        .map(|exercise| exercise.name.clone())
}

fn sort_in_list_order(broken: &mut [Broken], exercises: &[Exercise]) {
    let position = |name: &str| exercises.iter().position(|e| e.name == name);
    broken.sort_by_key(|b| position(&b.exercise));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercises() -> Vec<Exercise> {
        ["gil-sim-1", "threading-1"]
            .map(|name| Exercise {
                name: name.to_string(),
            })
            .to_vec()
    }

    #[test]
    fn an_error_belongs_to_the_exercise_whose_file_it_is_in() {
        let root = Path::new("/course");
        let exercises = exercises();
        let of = |file: &str, package: &str| exercise_of(file, root, &exercises, package);
        assert_eq!(
            of("exercises/src/threading_1.rs", "exercises").as_deref(),
            Some("threading-1")
        );
        assert_eq!(
            of("/course/exercises/src/gil_sim_1.rs", "exercises").as_deref(),
            Some("gil-sim-1")
        );
        assert_eq!(
            of("/course/exercises/checks/threading_1.rs", "solutions").as_deref(),
            Some("threading-1")
        );
        assert_eq!(
            of("/course/solutions/src/threading_1.rs", "solutions").as_deref(),
            Some("threading-1")
        );
        assert_eq!(of("exercises/src/lib.rs", "exercises"), None);
        assert_eq!(
            of("/elsewhere/exercises/src/threading_1.rs", "exercises"),
            None
        );
    }

    #[test]
    fn reads_an_error_and_its_file_from_rustcs_json() {
        let diagnostic: Value = serde_json::from_str(
            r#"{"level":"error","message":"expected `;`, found `}`",
                "spans":[{"file_name":"exercises/src/threading_1.rs","is_primary":true}],
                "rendered":"error: expected `;`, found `}`\n --> exercises/src/threading_1.rs:3:9\n"}"#,
        )
        .expect("valid JSON");
        let (file, rendered) = compiler_error(&diagnostic).expect("an error");
        assert_eq!(file.as_deref(), Some("exercises/src/threading_1.rs"));
        assert!(rendered.starts_with("error: expected `;`"), "{rendered}");

        let warning: Value =
            serde_json::from_str(r#"{"level":"warning","message":"unused","spans":[]}"#)
                .expect("valid");
        assert!(compiler_error(&warning).is_none());
        let aborting: Value = serde_json::from_str(
            r#"{"level":"error","message":"aborting due to 1 previous error","spans":[],
                "rendered":"error: aborting due to 1 previous error\n"}"#,
        )
        .expect("valid");
        assert!(compiler_error(&aborting).is_none());
    }

    #[test]
    fn the_first_error_is_cut_to_a_few_lines() {
        let broken = Broken {
            exercise: "threading-1".into(),
            errors: vec!["one\ntwo\nthree".into(), "other".into()],
        };
        assert_eq!(broken.first_error(2), "one\ntwo\n…");
        assert_eq!(broken.first_error(5), "one\ntwo\nthree");
    }
}
