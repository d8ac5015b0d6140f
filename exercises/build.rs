//! Turns the list of exercises (`exercises/registry.txt`) into code, so that adding an exercise
//! touches its own files and that one list. The build script of both `exercises` and `solutions`
//! (whose `Cargo.toml` points here); it writes two files into `OUT_DIR`:
//!
//! - `modules.rs`, included by `src/lib.rs`: a `pub mod` for each exercise's file in this crate's
//!   `src/` (the learner's stubs here, the model answers in `solutions`);
//! - `checks.rs`, included by `tests/checks.rs`: each exercise's checks module
//!   (`exercises/checks/NAME.rs`) and `EXERCISES`, the list the check harness runs.
//!
//! The exercise runner sets `EXERCISE_CHECK_SKIP=NAME,NAME` to leave out exercises that do not
//! compile, so that it can still build and check the others; they are listed in `NOT_COMPILED`.

use std::collections::BTreeSet;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

// Shared with the exercise runner, which uses the parts this script does not.
#[allow(dead_code)]
#[path = "registry.rs"]
mod registry;

/// The variable the exercise runner sets: the exercises to leave out, by name, comma-separated.
const SKIP: &str = "EXERCISE_CHECK_SKIP";

fn main() {
    let package = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // Both packages using this script sit at the workspace's root.
    let root = package.parent().expect("a package has a parent directory");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    let crate_name = env::var("CARGO_PKG_NAME").expect("cargo sets it");

    let list = root.join(registry::REGISTRY);
    // This script and the parser it shares with the runner live in `exercises/`, for both packages.
    for input in [
        list.clone(),
        root.join("exercises/build.rs"),
        root.join("exercises/registry.rs"),
    ] {
        println!("cargo::rerun-if-changed={}", input.display());
    }
    println!("cargo::rerun-if-env-changed={SKIP}");

    let text = fs::read_to_string(&list)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", list.display()));
    let exercises = registry::parse(&text).unwrap_or_else(|error| panic!("{error}"));
    let skip: BTreeSet<String> = env::var(SKIP)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(String::from)
        .collect();
    let (skipped, built): (Vec<_>, Vec<_>) = exercises
        .iter()
        .partition(|exercise| skip.contains(&exercise.name));

    write(&out.join("modules.rs"), &modules(&package, &built));
    write(
        &out.join("checks.rs"),
        &checks(root, &crate_name, &built, &skipped),
    );
}

/// `#[path = "…/src/threading_1.rs"] pub mod threading_1;` for each exercise. The path is absolute
/// because the file including these lines lives in `OUT_DIR`, not in `src/`.
fn modules(package: &Path, exercises: &[&registry::Exercise]) -> String {
    let mut code = String::from("// Written by exercises/build.rs from exercises/registry.txt.\n");
    for exercise in exercises {
        let file = package
            .join("src")
            .join(format!("{}.rs", exercise.module()));
        let _ = writeln!(
            code,
            "#[path = {:?}]\npub mod {};",
            file.display().to_string(),
            exercise.module()
        );
    }
    code
}

/// The checks modules, `EXERCISES` and `NOT_COMPILED`, for `tests/checks.rs`.
fn checks(
    root: &Path,
    crate_name: &str,
    built: &[&registry::Exercise],
    skipped: &[&registry::Exercise],
) -> String {
    let path = |relative: String| root.join(relative).display().to_string();
    let mut code = String::from("// Written by exercises/build.rs from exercises/registry.txt.\n");
    // The check files test whatever `target` names: the stubs, or the model answers.
    let _ = writeln!(code, "use ::{} as target;\n", crate_name.replace('-', "_"));
    for exercise in built {
        let _ = writeln!(
            code,
            "#[path = {:?}]\nmod {};",
            path(exercise.checks()),
            exercise.module()
        );
    }
    code.push_str("\n/// Every exercise this binary checks, in the list's order.\n");
    code.push_str("const EXERCISES: &[harness::Exercise] = &[\n");
    for exercise in built {
        let _ = writeln!(
            code,
            "    harness::Exercise {{ name: {:?}, module: {:?}, checks: {}::CHECKS, hints: include_str!({:?}) }},",
            exercise.name,
            exercise.module(),
            exercise.module(),
            path(exercise.hints()),
        );
    }
    code.push_str(
        "];\n\n/// Exercises left out because they do not compile (see `EXERCISE_CHECK_SKIP`).\n",
    );
    let names: Vec<String> = skipped.iter().map(|e| format!("{:?}", e.name)).collect();
    let _ = writeln!(
        code,
        "const NOT_COMPILED: &[&str] = &[{}];",
        names.join(", ")
    );
    code
}

/// Writes `code` only if it changed, so that an unchanged list does not rebuild the crate.
fn write(path: &Path, code: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(code) {
        fs::write(path, code)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }
}
