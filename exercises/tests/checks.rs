//! Every exercise's checks, against the learner's stubs (`exercises`) or, built by `solutions`
//! (whose `Cargo.toml` points here too), against the model answers.
//!
//! The checks are in `exercises/checks/NAME.rs`, one file per exercise; `exercises/build.rs` lists
//! them from `exercises/registry.txt`, and `exercises/checks/harness.rs` runs them:
//!
//! ```text
//! cargo test -p exercises                   # every exercise: one line each, and the total
//! cargo test -p exercises -- threading-1    # one exercise, each of its checks
//! ```

#[path = "../checks/harness.rs"]
mod harness;

// `use … as target;`, the `mod` of each exercise's checks, `EXERCISES` and `NOT_COMPILED`.
include!(concat!(env!("OUT_DIR"), "/checks.rs"));

fn main() -> std::process::ExitCode {
    harness::main(EXERCISES, NOT_COMPILED)
}
