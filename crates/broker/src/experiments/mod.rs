//! The lesson's experiments.
