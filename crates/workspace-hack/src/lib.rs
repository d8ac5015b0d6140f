//! No code: this crate exists only for its `Cargo.toml`, which gives every package of the workspace
//! the same dependency features, so that switching between `cargo test`, `cargo run -p LESSON` and
//! the exercise runner rebuilds no dependency. See the comment at the top of its `Cargo.toml`.
