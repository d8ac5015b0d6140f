//! The runner and the checks against a scratch copy of this workspace, with stubs that try to fool
//! them: one that exits the process with status 0, one that overflows its stack, one that does not
//! compile, and one solved. The runner is started from inside the copy, so the test also proves it
//! checks the clone it is started in, not the one it was built in.
//!
//! Slow, so `#[ignore]`d in `cargo test`: it builds the copy's own crates (a minute or two; the
//! dependencies come from this workspace's target directory, which the copy shares, as a learner's
//! second clone would), and afterwards this workspace rebuilds its own crates once. CI runs it as
//! its last step: `cargo test -p exercise-check --test scratch_clone -- --ignored`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// This workspace's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace exists")
}

/// The target directory this test was built in (`…/target/debug/exercise-check` is the runner).
fn target_dir() -> PathBuf {
    let runner = Path::new(env!("CARGO_BIN_EXE_exercise-check"));
    runner
        .parent()
        .and_then(Path::parent)
        .expect("the runner is in TARGET/debug")
        .to_path_buf()
}

/// Copies the workspace's sources (not `target/`, `.git/` or the built book) to `to`.
fn copy_sources(from: &Path, to: &Path, target: &Path) {
    fs::create_dir_all(to).expect("create the copy's directory");
    for entry in fs::read_dir(from).expect("read the workspace").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let skipped = [".git", "target"].iter().any(|s| name == *s)
            || path == target
            || path.ends_with("book/book");
        if skipped {
            continue;
        }
        if path.is_dir() {
            copy_sources(&path, &to.join(&name), target);
        } else {
            fs::copy(&path, to.join(&name)).expect("copy a file");
        }
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).expect("read a stub");
    assert!(text.contains(from), "{} has no `{from}`", file.display());
    fs::write(file, text.replacen(from, to, 1)).expect("write a stub");
}

/// Runs `command` in `dir` with the shared target directory and backtraces asked for, without the
/// variables `cargo test` sets for this test (`CARGO_PKG_NAME`…): a learner's shell has none, and
/// ring's build script would rebuild ring for them.
fn run(mut command: Command, dir: &Path) -> (Output, String) {
    for (name, _) in std::env::vars() {
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || ["CARGO_CRATE_NAME", "CARGO_PRIMARY_PACKAGE"].contains(&name.as_str())
        {
            command.env_remove(name);
        }
    }
    let output = command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the command starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

#[test]
#[ignore = "builds a copy of the workspace (a minute or two): CI runs it with --ignored"]
fn a_stub_that_exits_or_overflows_is_never_solved_and_the_runner_checks_the_clone_it_is_in() {
    let scratch = std::env::temp_dir().join(format!("exercise-check-clone-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    let clone = scratch.join("course");
    copy_sources(&root(), &clone, &target_dir());
    let stub = |module: &str| clone.join(format!("exercises/src/{module}.rs"));

    // Exits the whole process, with the status of success, in the middle of the checks.
    edit(
        &stub("threading_1"),
        "todo!(\"fetch {} URLs concurrently\", urls.len())",
        "std::process::exit(0)",
    );
    // Recurses until the stack overflows, which aborts the process.
    edit(
        &stub("threading_3"),
        "todo!(\"increment the count\")",
        "fn deeper(n: u64) -> u64 { if n == u64::MAX { 0 } else { 1 + deeper(n + 1) } }\n        \
         deeper(std::hint::black_box(0));",
    );
    // Solved in this clone only: the runner must report it solved here.
    fs::copy(
        clone.join("solutions/src/threading_2.rs"),
        stub("threading_2"),
    )
    .expect("copy a model answer");
    // Does not compile.
    let gil_sim_2 = fs::read_to_string(stub("gil_sim_2")).expect("read");
    edit(
        &stub("gil_sim_2"),
        "Duration::from_millis(5)\n",
        "Duration::from_millis(5) +\n",
    );

    // Started from a directory inside the clone: the runner finds the clone's root above it.
    let runner = || Command::new(env!("CARGO_BIN_EXE_exercise-check"));
    let mut list = runner();
    list.arg("list");
    let (output, text) = run(list, &clone.join("exercises/src"));
    assert!(
        !output.status.success(),
        "unsolved exercises, yet success:\n{text}"
    );
    // Every exercise of the list is counted, the one that does not compile included.
    let listed = fs::read_to_string(clone.join("exercises/registry.txt"))
        .expect("read the list of exercises")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .count();
    let solved_line = format!("1 of {listed} exercises solved (");
    // The status column is as wide as the longest name: compare with the spaces folded.
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "✓ threading-2 solved",
        "the check never finished: its process exited with status 0",
        "the check's process crashed: stack overflow",
        "gil-sim-2 does not compile",
        "✗ gil-sim-2 does not compile",
        solved_line.as_str(),
    ] {
        assert!(folded.contains(expected), "no `{expected}` in:\n{text}");
    }
    assert!(
        !text.contains("test result:"),
        "one line of totals, not libtest's beside it:\n{text}"
    );
    assert!(
        !text.contains("panicked at") && !text.contains("stack backtrace"),
        "no panic message or backtrace for a check's expected failure:\n{text}"
    );

    let mut check = runner();
    check.args(["check", "threading-1"]);
    let (output, text) = run(check, &clone);
    assert!(
        !output.status.success(),
        "threading-1 exits 0, yet success:\n{text}"
    );
    assert!(text.contains("0 of 4 checks pass"), "{text}");

    // The learner's own command, once everything compiles, is not fooled either.
    fs::write(stub("gil_sim_2"), gil_sim_2).expect("restore");
    let mut cargo_test = Command::new(env!("CARGO"));
    cargo_test.args(["test", "-p", "exercises"]);
    let (output, text) = run(cargo_test, &clone);
    assert!(
        !output.status.success(),
        "`cargo test -p exercises` succeeded:\n{text}"
    );
    assert!(text.contains("exited with status 0"), "{text}");
    assert!(text.contains("test result: FAILED. 3 passed;"), "{text}");

    fs::remove_dir_all(&scratch).ok();
}
