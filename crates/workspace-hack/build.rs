//! Empty on purpose: Cargo builds a crate's `[build-dependencies]` only when it has a build script,
//! and this crate's `[build-dependencies]` give proc-macros one set of host features.

fn main() {}
